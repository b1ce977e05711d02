# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bugs tests/mutation/mutate.py plants, one at a time (docs/mutation.md).

Each is a text replacement in one file of the collection: `before` must occur in it exactly once, so that a
change of the code that moves the text makes the list fail loudly instead of planting nothing. Each replacement
compiles and renders output a device would take: the bug is in what the rules let through, not in the syntax.
"""

from __future__ import annotations

import collections

Mutation = collections.namedtuple('Mutation', 'name path plants before after')

_DATA = 'plugins/module_utils/requirements.py'
_ENGINE = 'plugins/module_utils/engine.py'
_NFTABLES = 'plugins/module_utils/render_nftables.py'
_ASA = 'plugins/module_utils/render_cisco_asa.py'
_IOS = 'plugins/module_utils/render_cisco_ios.py'
_SRX = 'plugins/module_utils/render_junos_srx.py'
_PANOS = 'plugins/module_utils/render_panos.py'
_FORTIOS = 'plugins/module_utils/render_fortios.py'
_ROUTEROS = 'plugins/module_utils/render_routeros.py'

MUTATIONS = (
    Mutation('data-port-changed', _DATA, 'section 3 XMPP on TCP 5223 instead of 5222',
             "'XMPP (IM and Presence)', ('tcp',), 'XMPP', ((5222, 5222),)",
             "'XMPP (IM and Presence)', ('tcp',), 'XMPP', ((5223, 5223),)"),
    Mutation('data-row-dropped', _DATA, 'the 2.2 SSH row (TCP 22 inbound over MPLS) left out',
             "    Requirement('2.2-ssh', '2.2', 'SSH', 'Secure FTP service, SSH access', ('tcp',), 'SSH', ((22, 22),)),\n",
             ''),
    Mutation('engine-source-ports-ignored', _ENGINE, 'sections 3 and 4 lose their source ports >= 1024 (any source port)',
             'flows.extend(_make_flows(base, row.protocols, row.destination_ports, section.source_ports,',
             'flows.extend(_make_flows(base, row.protocols, row.destination_ports, (),'),
    Mutation('engine-section-wrong-network', _ENGINE, 'section 4 (VMR) flows go to the MPLS network instead of the internet',
             'source_name, destination_name = _endpoints(section.direction, section.network)',
             "source_name, destination_name = _endpoints(section.direction, 'mpls' if section.number == '4' else section.network)"),
    Mutation('nftables-icmp-any-type', _NFTABLES, 'ICMP rules match the protocol, not echo-request: any ICMP type is accepted',
             "parts.append('%s type %s' % (_ICMP_KEYWORD[rule['family']], rule['icmp_type']))",
             "parts.append('meta l4proto %s' % _ICMP_KEYWORD[rule['family']])"),
    Mutation('nftables-addresses-swapped', _NFTABLES, 'saddr takes the destinations and daddr the sources',
             "'%s saddr %s' % (address, _set(rule['sources'])),\n        '%s daddr %s' % (address, _set(rule['destinations'])),",
             "'%s saddr %s' % (address, _set(rule['destinations'])),\n        '%s daddr %s' % (address, _set(rule['sources'])),"),
    Mutation('asa-no-inspect-icmp', _ASA, 'inspect icmp left out of the global policy (echo replies are dropped)',
             "        lines += ['  inspect icmp'] if icmp else []\n",
             ''),
    Mutation('asa-source-port-operator', _ASA, 'source ports written as gt 1024 instead of range 1024 65535 (1024 refused)',
             "source += ' range %d %d' % (low, high)",
             "source += ' gt %d' % low"),
    Mutation('ios-established-dropped', _IOS, 'TCP reply entries lose established: the server side may open connections',
             "' established' if rule['protocol'] == 'tcp' else ''",
             "''"),
    Mutation('ios-tcp-replies-dropped', _IOS, 'no TCP reply entries (remarks kept): the stateless ACL drops TCP replies',
             'lines.extend(self._replies(rule) if reply else self._forward(rule))',
             "lines.extend((self._replies(rule) if rule['protocol'] != 'tcp' else []) if reply else self._forward(rule))"),
    Mutation('ios-forward-swapped', _IOS, 'forward entries name the destination group as source and the source as destination',
             "source = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])\n"
             "        destination = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])",
             "source = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])\n"
             "        destination = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])"),
    Mutation('srx-range-end-off-by-one', _SRX, 'every destination port range ends one port too high (16384-32768)',
             "for port in (port_spec(r) for r in rule['destination_ports']):",
             "for port in (port_spec((low, high + 1) if high > low else (low, high)) for low, high in rule['destination_ports']):"),
    Mutation('srx-zones-swapped', _SRX, 'policies from the destination zone to the source zone',
             "pair = (self.zones[rule['source_network']], self.zones[rule['destination_network']])",
             "pair = (self.zones[rule['destination_network']], self.zones[rule['source_network']])"),
    Mutation('panos-zones-swapped', _PANOS, 'rules from the destination zone to the source zone',
             "base, self.zones[rule['source_network']], self.zones[rule['destination_network']],",
             "base, self.zones[rule['destination_network']], self.zones[rule['source_network']],"),
    Mutation('panos-ports-dropped', _PANOS, 'services leave out ports 22, 80 and 69',
             "','.join(port_spec(r) for r in rule['destination_ports'])",
             "','.join(port_spec(r) for r in rule['destination_ports'] if r[0] not in (22, 80, 69))"),
    Mutation('fortios-addresses-swapped', _FORTIOS, 'policies take the destination group as srcaddr and the source as dstaddr',
             "source_key, destination_key = _ADDRESS[rule['family']][2:]",
             "destination_key, source_key = _ADDRESS[rule['family']][2:]"),
    Mutation('fortios-source-ports-dropped', _FORTIOS, 'services drop their source port range (:1024-65535): any source port',
             'port_spec(r) + source for r in rule', 'port_spec(r) for r in rule'),
    Mutation('routeros-address-lists-swapped', _ROUTEROS, 'src-address-list takes the destination list and dst the source',
             "entry['src-address-list'] = self.network_object(rule['source_network'], family)\n"
             "        entry['dst-address-list'] = self.network_object(rule['destination_network'], family)",
             "entry['src-address-list'] = self.network_object(rule['destination_network'], family)\n"
             "        entry['dst-address-list'] = self.network_object(rule['source_network'], family)"),
    Mutation('routeros-icmp-echo-reply', _ROUTEROS, 'IPv4 ICMP accepts type 0 (echo reply) instead of 8 (echo request)',
             "'ipv4': ('icmp', '8:0')", "'ipv4': ('icmp', '0:0')"),
)
