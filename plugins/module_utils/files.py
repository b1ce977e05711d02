# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small managed files (drop-ins, includes, modprobe.d) written only when they differ."""

from __future__ import annotations

import os
import tempfile


def read_text(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_text(module, path, content):
    """Atomically replace path with content (outside check mode only: callers decide).

    atomic_move keeps an existing file's mode and owner; a new file gets the default mode.
    """
    directory = os.path.dirname(path) or '.'
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.atea_anywhere.')
    with os.fdopen(handle, 'w', encoding='utf-8') as stream:
        stream.write(content)
    module.atomic_move(temporary, path)


def sync_file(module, path, wanted, diffs):
    """Make path hold wanted (None: not exist); record a diff; write only outside check mode. Returns changed."""
    before = read_text(path)
    if before == wanted:
        return False
    diffs.append({'before': before or '', 'after': wanted or '',
                  'before_header': path, 'after_header': path})
    if not module.check_mode:
        if wanted is None:
            os.remove(path)
        else:
            write_text(module, path, wanted)
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
