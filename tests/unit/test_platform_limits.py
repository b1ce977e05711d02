# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform limits: each has a vendor source and a row in docs/platforms/limits.md, and a fleet-sized
customer (1,000 networks, 200 extra flows) renders within them on every platform and profile."""

from __future__ import annotations

import ipaddress
import os
import re

import pytest
from device_model import enter_bindings, load

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMITS_PAGE = os.path.join(REPO, 'docs', 'platforms', 'limits.md')
PROFILES = ('smb', 'enterprise', 'enterprise-dual-stack')


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


def fleet_customer(dual_stack):
    """1,000 customer networks (half IPv6 when dual stack) and 200 extra flows of every shape."""
    # Every other /24 (and /48), so that no two merge into a shorter prefix.
    v4 = [str(net) for net in list(ipaddress.ip_network('10.0.0.0/8').subnets(new_prefix=24))[:2000:2]]
    networks = v4[:500] + ['2001:db8:%x::/48' % (2 * n) for n in range(500)] if dual_stack else v4
    flows = []
    for index in range(200):
        direction = ('outbound', 'inbound', 'internal')[index % 3]
        flow = {'id': 'fleet-%d' % index, 'purpose': 'Fleet flow %d' % index, 'direction': direction,
                'protocol': ('tcp', 'udp', 'tcp', 'udp', 'icmp')[index % 5]}
        if direction != 'internal':
            flow['network'] = ('mpls', 'internet')[index % 2]
        if flow['protocol'] != 'icmp':
            flow['destination_ports'] = [20000 + index] if index % 4 else ['%d-%d' % (30000 + 10 * index, 30005 + 10 * index)]
            if index % 7 == 0:
                flow['source_ports'] = ['1024-65535']
        flows.append(flow)
    return networks, flows


def fleet_rules(case):
    networks, flows = fleet_customer(case.endswith('dual-stack'))
    extra = {'networks': {'mpls': ['91.184.140.0/24', '2001:db8:9::/48']}} if case.endswith('dual-stack') else {}
    return engine.compact_rules(engine.build_flows(case.split('-')[0], customer_networks=networks,
                                                   extra_flows=flows, **extra))


@pytest.mark.parametrize('case', PROFILES)
@pytest.mark.parametrize('platform', sorted(vendor_platforms.RENDERERS))
def test_a_fleet_sized_customer_renders_within_the_platform_limits(platform, case):
    rules = fleet_rules(case)
    text = vendor_platforms.render_config(rules, platform)
    last_v4 = [cidr for rule in rules for cidr in rule['sources'] if '.' in cidr][-1]
    assert last_v4.split('/')[0] in text
    # The independent device model holds its own table of limits, and refuses what breaks one on commit.
    device = load(platform, enter_bindings(platform, text))
    assert not device.errors, device.errors[:5]
