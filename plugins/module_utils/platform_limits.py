# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The limits of each network platform the renderers keep to, each with the vendor source it comes from.

A renderer class declares LIMITS, a mapping of limit name to Limit; it splits or groups objects to stay
within them and calls exceeded() where a limit cannot be met, so the user gets an error naming the value,
not a configuration the device refuses on commit. docs/platforms/limits.md lists them all.
"""

from __future__ import annotations

import collections

from ansible_collections.atea.anywhere.plugins.module_utils import inputs

# value: the most the device takes; what: what is counted; source: 'Title - https://address' of the vendor page.
Limit = collections.namedtuple('Limit', 'value what source')


def chunks(items, size):
    """items cut into consecutive lists of at most size, for objects a limit makes the renderer split."""
    items = list(items)
    return [items[start:start + size] for start in range(0, len(items), size)] or [[]]


def check(platform, limits, name, count, option, value):
    """Raise an InputError naming option and value when count exceeds the platform's limit name."""
    limit = limits[name]
    if count > limit.value:
        raise inputs.InputError(option, value, '%s allows at most %d %s, this needs %d (%s)'
                                % (platform, limit.value, limit.what, count, limit.source))
    return count
