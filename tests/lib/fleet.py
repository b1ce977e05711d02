# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet-sized customer for the limits tests: 1,000 customer networks and 200 extra flows of every shape."""

from __future__ import annotations

import ipaddress

from ansible_collections.atea.anywhere.plugins.module_utils import engine

CASES = ('smb', 'enterprise', 'enterprise-dual-stack')


def customer(dual_stack):
    """The networks (half IPv6 when dual stack) and the extra flows (every direction, protocol and network,
    single ports and ranges, some with source ports)."""
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


def rules(case):
    """The compact rules of a case of CASES for the fleet-sized customer."""
    networks, flows = customer(case.endswith('dual-stack'))
    extra = {'networks': {'mpls': ['91.184.140.0/24', '2001:db8:9::/48']}} if case.endswith('dual-stack') else {}
    return engine.compact_rules(engine.build_flows(case.split('-')[0], customer_networks=networks,
                                                   extra_flows=flows, **extra))
