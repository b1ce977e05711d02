# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform limits: each has a vendor source and a row in docs/platforms/limits.md, and a fleet-sized
customer (1,000 networks, 200 extra flows) renders within them on every platform and profile."""

from __future__ import annotations

import os
import re

import fleet
import pytest
from device_model import enter_bindings, load

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMITS_PAGE = os.path.join(REPO, 'docs', 'platforms', 'limits.md')


def _limits():
    return [(platform, name, limit) for platform, renderer in sorted(vendor_platforms.RENDERERS.items())
            for name, limit in sorted(renderer.LIMITS.items())]


def limits_table():
    """The table docs/platforms/limits.md holds: one row per limit a renderer declares."""
    rows = ['| platform | limit | at most | counted | source |', '|---|---|---|---|---|']
    rows += ['| %s | %s | %d | %s | %s |' % (platform, name, limit.value, limit.what, limit.source)
             for platform, name, limit in _limits()]
    return '\n'.join(rows) + '\n'


@pytest.mark.parametrize('platform', sorted(vendor_platforms.RENDERERS))
def test_every_platform_declares_its_limits_with_a_vendor_source(platform):
    limits = vendor_platforms.RENDERERS[platform].LIMITS
    assert limits, 'the %s renderer declares no limits' % platform
    for name, limit in limits.items():
        assert isinstance(limit.value, int) and limit.value > 0, name
        assert re.search(r'\S .* - https://\S+$', limit.source), (name, limit.source)


def test_the_limits_page_lists_every_declared_limit():
    with open(LIMITS_PAGE, encoding='utf-8') as handle:
        page = handle.read()
    table = limits_table()
    if table not in page:
        with open(LIMITS_PAGE + '.actual', 'w', encoding='utf-8') as handle:
            handle.write(table)
    assert table in page, 'the table differs from the renderers\' LIMITS; see %s.actual' % LIMITS_PAGE


@pytest.mark.parametrize('case', fleet.CASES)
@pytest.mark.parametrize('platform', sorted(vendor_platforms.RENDERERS))
def test_a_fleet_sized_customer_renders_within_the_platform_limits(platform, case):
    rules = fleet.rules(case)
    text = vendor_platforms.render_config(rules, platform)
    last_v4 = [cidr for rule in rules for cidr in rule['sources'] if '.' in cidr][-1]
    assert last_v4.split('/')[0] in text
    # The independent device model holds its own table of limits, and refuses what breaks one on commit.
    device = load(platform, enter_bindings(platform, text))
    assert not device.errors, device.errors[:5]
