# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a rendered line quotes, read the way its platform reads it."""

from __future__ import annotations


def quotes_balanced(platform, line):
    """Whether the line's double quotes pair up. RouterOS escapes with '\\' inside quotes; ASA and IOS remarks
    run to the end of the line and quote nothing; elsewhere a quote has no escape."""
    if platform in ('cisco_asa', 'cisco_ios') and ' remark ' in ' ' + line.strip():
        return True
    inside, escaped = False, False
    for char in line:
        if escaped:
            escaped = False
        elif char == '\\' and inside and platform == 'routeros':
            escaped = True
        elif char == '"':
            inside = not inside
    return not inside
