# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a network firewall's rendered configuration is written, on the controller.

A host's file is <render directory>/<inventory host name>.<suffix>. The host name must be a plain file
name, so no inventory entry can write outside the directory; a relative directory is taken from the
directory ansible-playbook was started from, the same however the play is run (the playbook from a
checkout, the installed collection's playbook, Molecule), never from the playbook's or role's folder.
"""

from __future__ import annotations

import os

from ansible_collections.atea.anywhere.plugins.module_utils import text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


def directory(option, value, start):
    """value as an absolute, normalised directory path; a relative one is taken from start, ~ is the home."""
    text_gate.single_line(option, value, 'a path')
    path = os.path.normpath(os.path.join(start, os.path.expanduser(value)))
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(option, value, 'is not a directory (%s)' % path)
    return path


def rendered_file(host, folder, suffix, start, option='atea_anywhere_render_dir'):
    """The absolute path of host's file in folder, named <host>.<suffix>.

    start is the directory a relative folder is taken from: the controller's working directory; option is
    the variable folder comes from, named in its errors.
    """
    text_gate.file_name('inventory_hostname', host)
    name = text_gate.file_name('inventory_hostname', '%s.%s' % (host, text_gate.file_name('suffix', suffix)))
    return os.path.join(directory(option, folder, start), name)
