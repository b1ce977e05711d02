# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MikroTik RouterOS 7: address lists and filter rules, replacing its own (comment ATEA:) on every run."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, port_spec

_MENU = {'ipv4': '/ip firewall', 'ipv6': '/ipv6 firewall'}
_ICMP = {'ipv4': 'icmp icmp-options=8:0', 'ipv6': 'icmpv6 icmp-options=128:0'}
# RouterOS takes at most 15 ports or ranges in one dst-port.
MAX_PORTS = 15


class RouterOsRenderer(Renderer):
    PLATFORM = 'routeros'
    SOFTWARE = 'RouterOS 7'
    # Filter chains, not interfaces: gateway traffic is the forward chain.
    DEFAULT_ZONES = {'customer': 'forward', 'mpls': 'forward', 'internet': 'forward'}
    COMMENT_LIMIT = 200

    def render(self):
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '# Address lists ATEA-* and filter rules whose comment starts with "ATEA:" are the collection\'s own;',
                 '# running this script replaces them and nothing else. The rules are added at the end of the',
                 '# chain: where it ends in a drop (the default configuration does), move them above it.']
        for family in ('ipv4', 'ipv6'):
            rules = [r for r in self.rules if r['family'] == family]
            if not rules:
                continue
            menu = _MENU[family]
            lines.append('%s address-list remove [find where list~"^ATEA-"]' % menu)
            lines.append('%s filter remove [find where comment~"^ATEA:"]' % menu)
            lines.append('%s address-list' % menu)
            for group, cidrs in self.network_groups(family).items():
                lines.extend('add list=%s address=%s comment="ATEA: Atea Anywhere"' % (group, cidr) for cidr in cidrs)
            lines.append('%s filter' % menu)
            for rule in rules:
                chain = self.zones[rule['destination_network'] if rule['direction'] == 'inbound'
                                   else rule['source_network']]
                match = 'src-address-list=%s dst-address-list=%s' % (
                    self.network_object(rule['source_network'], family),
                    self.network_object(rule['destination_network'], family))
                comment = 'comment="ATEA: %s"' % self.comment(rule).replace('"', "'")
                if rule['protocol'] == 'icmp':
                    lines.append('add chain=%s action=accept protocol=%s %s %s' % (chain, _ICMP[family], match, comment))
                    continue
                ports = [port_spec(r) for r in rule['destination_ports']]
                source = ''.join(' src-port=%s' % port_spec(r) for r in rule['source_ports'])
                for start in range(0, len(ports), MAX_PORTS):
                    lines.append('add chain=%s action=accept protocol=%s %s%s dst-port=%s %s' % (
                        chain, rule['protocol'], match, source, ','.join(ports[start:start + MAX_PORTS]), comment))
        lines += ['/ip firewall service-port', 'set sip disabled=yes', 'set h323 disabled=yes']
        return '\n'.join(lines) + '\n'
