# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Palo Alto Networks PAN-OS (10.1 to 11.x), configure-mode set commands: objects, rules, SIP ALG off."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, port_spec


class PanosRenderer(Renderer):
    PLATFORM = 'panos'
    SOFTWARE = 'PAN-OS 10.1 to 11.x'
    DEFAULT_ZONES = {'customer': 'trust', 'mpls': 'mpls', 'internet': 'untrust'}
    COMMENT_LIMIT = 1023
    RUNNING_FORMAT = 'set'
    OWNED = re.compile(r'set ((address|address-group|service|rulebase security rules) ATEA-\S+)( |$)')

    def render(self):
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s (configure mode).' % self.SOFTWARE,
                 '# Addresses, address groups, services and security rules named ATEA-* are the collection\'s own.']
        for group, cidrs in self.network_groups().items():
            names = ['%s-%d' % (group, i) for i in range(1, len(cidrs) + 1)]
            for member, cidr in zip(names, cidrs):
                lines.append('set address %s ip-netmask %s description "Atea Anywhere"' % (member, cidr))
            lines.append('set address-group %s static [ %s ]' % (group, ' '.join(names)))
        for rule in self.rules:
            if rule['protocol'] == 'icmp':
                continue
            service = 'set service %s protocol %s' % (self.service_object(rule), rule['protocol'])
            lines.append('%s port %s' % (service, ','.join(port_spec(r) for r in rule['destination_ports'])))
            for source in rule['source_ports']:
                lines.append('%s source-port %s' % (service, port_spec(source)))
        for rule in self.rules:
            base = 'set rulebase security rules %s' % self.rule_object(rule)
            if rule['protocol'] == 'icmp':
                # ping is PAN-OS's App-ID for ICMP echo; ICMPv6 is identified as ipv6-icmp.
                application = 'ping' if rule['family'] == 'ipv4' else '[ ping ipv6-icmp ]'
                what = 'application %s service application-default' % application
            else:
                what = 'application any service %s' % self.service_object(rule)
            lines.append('%s from %s to %s source %s destination %s %s action allow' % (
                base, self.zones[rule['source_network']], self.zones[rule['destination_network']],
                self.network_object(rule['source_network'], rule['family']),
                self.network_object(rule['destination_network'], rule['family']), what))
            lines.append('%s description "%s"' % (base, self.comment(rule)))
        # New rules go to the bottom, under any deny: move ours to the top, in document order.
        lines += ['move rulebase security rules %s top' % self.rule_object(rule) for rule in reversed(self.rules)]
        lines.append('set shared alg-override application sip alg-disabled yes')
        return '\n'.join(lines) + '\n'
