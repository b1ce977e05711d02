# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One gate for text that reaches a device, a file or a path.

Every free-text value a renderer or writer puts into a device's configuration, a file's content or a
file system path passes through here first. A value is either returned as the platform can hold it
(checked, or escaped the platform's own way) or refused with an InputError naming the option, the
value and the platform, before anything is written or sent.
"""

from __future__ import annotations

import os
import unicodedata

from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


def _has_control(text):
    """Line breaks, tabs and other control or separator characters (C0, DEL, C1, U+2028, U+2029)."""
    return any(unicodedata.category(char) in ('Cc', 'Zl', 'Zp') for char in text)


def single_line(option, value, where='a single line'):
    """A non-empty string without line breaks or control characters."""
    if not isinstance(value, str) or not value:
        raise InputError(option, value, 'a non-empty string is required')
    if _has_control(value):
        raise InputError(option, value, 'has a line break or control character, which %s cannot hold' % where)
    return value


def absolute_path(option, value):
    """An absolute, normalised path of text that an nftables include line can quote."""
    single_line(option, value, 'a path')
    if not os.path.isabs(value):
        raise InputError(option, value, 'a relative path; give an absolute one')
    if os.path.normpath(value) != value or value.startswith('//'):
        raise InputError(option, value, 'not a normalised path (no "..", ".", "//" or trailing "/"); '
                                        'normalised it is %s' % os.path.normpath(value))
    if '"' in value or '\\' in value:
        raise InputError(option, value, 'has a quote or a backslash, which an nftables include line cannot hold')
    return value


def file_path(option, value):
    """An absolute_path() that is not a directory on this host."""
    absolute_path(option, value)
    if os.path.isdir(value):
        raise InputError(option, value, 'is a directory; give the path of a file')
    return value


def file_name(option, value):
    """One path component (a file name made from an inventory host name, for example): it cannot leave
    the directory it is joined to."""
    single_line(option, value, 'a file name')
    if '/' in value or '\\' in value or value in ('.', '..') or value.startswith('-'):
        raise InputError(option, value, 'not a plain file name (no path separators, not "." or "..", no leading "-")')
    if len(value.encode('utf-8')) > 255:
        raise InputError(option, value, 'longer than 255 bytes, the longest file name Linux takes')
    return value


def nft_include_line(option, path):
    """The line of the nftables main configuration that includes path."""
    return 'include "%s"' % absolute_path(option, path)
