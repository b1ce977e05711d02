# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small managed files (drop-ins, includes, modprobe.d): planned first, written only when they differ."""

from __future__ import annotations

import os

from ansible_collections.atea.anywhere.plugins.module_utils.nftables_restore import write_file


class FileError(Exception):
    """A managed file could not be read or written; the message names the file and the cause."""


def _cause(error):
    return error.strerror or str(error)


def read_text(path):
    """The file's text, or None when it does not exist."""
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise FileError('could not read %s: %s' % (path, _cause(error) if isinstance(error, OSError) else error))


def put(path, content, check=None):
    """Make path hold content (None: not exist), atomically.

    The new text goes to a temporary file in the same directory, which check(temporary path) may
    examine first (an exception from it leaves path as it was), and is then renamed over path. An
    existing file keeps its mode and owner; a new one gets mode 0644, and its directory is made.
    """
    try:
        if content is None:
            if os.path.lexists(path):
                os.remove(path)
            return
        try:
            info = os.stat(path)
            mode, uid, gid = info.st_mode & 0o7777, info.st_uid, info.st_gid
        except FileNotFoundError:
            mode, uid, gid = 0o644, None, None
        os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
        write_file(path, content, mode, uid, gid, check)
    except OSError as error:
        raise FileError('could not %s %s: %s' % ('remove' if content is None else 'write', path, _cause(error)))


def planned(path, wanted, diffs):
    """Whether path must change to hold wanted (None: not exist); records the diff. Writes nothing."""
    before = read_text(path)
    if before == wanted:
        return False
    diffs.append({'before': before or '', 'after': wanted or '',
                  'before_header': path, 'after_header': path})
    return True


def with_line(text, line):
    """text with line appended once, if it is not there yet."""
    lines = (text or '').splitlines()
    if line in lines:
        return text
    return (text or '') + ('' if not text or text.endswith('\n') else '\n') + line + '\n'


def in_shared_network_namespace():
    """Whether this process runs in a named network namespace of 'ip netns' (ip netns exec).

    Such a namespace shares /etc and the kernel with the machine: a lab or a namespace firewall,
    whose persistent configuration is not the machine's files.
    """
    try:
        own = os.stat('/proc/self/ns/net')
        names = os.listdir('/run/netns')
    except OSError:
        return False
    for name in names:
        try:
            mounted = os.stat(os.path.join('/run/netns', name))
        except OSError:
            continue
        if (mounted.st_dev, mounted.st_ino) == (own.st_dev, own.st_ino):
            return True
    return False
