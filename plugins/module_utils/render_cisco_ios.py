# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XE (16.x, 17.x): network object-groups, named extended ACLs per ingress side, NAT ALG off."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, netmask, object_name


def _port_match(port_range):
    low, high = port_range
    return 'eq %d' % low if low == high else 'range %d %d' % (low, high)


class IosRenderer(Renderer):
    PLATFORM = 'cisco_ios'
    SOFTWARE = 'Cisco IOS-XE 16.x and 17.x'
    # Interfaces (zones option) that the ACLs are bound to, inbound; without them the binding is left to you.
    ZONES_REQUIRED = False
    COMMENT_LIMIT = 100
    RUNNING_FORMAT = 'block'
    OWNED = re.compile(r'(object-group (network|v6-network|service)|ip access-list extended|ipv6 access-list) ATEA-\S+$')

    def acl_name(self, rule):
        return object_name('ANYWHERE', rule['source_network'], 'IN', 'V6' if rule['family'] == 'ipv6' else 'V4')

    def _entries(self, rule):
        """One ACE per destination port range: IOS extended ACLs match one port or range per entry."""
        source = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])
        destination = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])
        if rule['protocol'] == 'icmp':
            return [' permit icmp %s %s %s' % (source, destination,
                                               'echo' if rule['family'] == 'ipv4' else 'echo-request')]
        source += ''.join(' %s' % _port_match(r) for r in rule['source_ports'])
        return [' permit %s %s %s %s' % (rule['protocol'], source, destination, _port_match(r))
                for r in rule['destination_ports']]

    def render(self):
        lines = ['! atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '! Object-groups and access lists named ATEA-* are the collection\'s own.']
        for group, cidrs in self.network_groups().items():
            lines.append('object-group %s %s' % ('v6-network' if ':' in cidrs[0] else 'network', group))
            # Inside an object-group the mask is a subnet mask, unlike in an ACE.
            lines.extend(' %s' % (cidr if ':' in cidr else '%s %s' % netmask(cidr)) for cidr in cidrs)
        acls = {}
        for rule in self.rules:
            acls.setdefault(self.acl_name(rule), []).append(rule)
        for acl, rules in acls.items():
            kind = 'ipv6 access-list' if acl.endswith('V6') else 'ip access-list extended'
            lines.append('%s %s' % (kind, acl))
            for rule in rules:
                lines.append(' remark %s' % self.comment(rule))
                lines.extend(self._entries(rule))
        for acl, rules in acls.items():
            interface = self.zones.get(rules[0]['source_network'])
            command = 'ipv6 traffic-filter %s in' if acl.endswith('V6') else 'ip access-group %s in'
            if interface:
                lines += ['interface %s' % interface, ' ' + command % acl]
            else:
                side = rules[0]['source_network']
                lines.append('! Bind it on the %s side (zones option): %s' % (side, command % acl))
        lines += ['no ip nat service sip tcp port 5060', 'no ip nat service sip udp port 5060',
                  'no ip nat service h225', 'no ip nat service ras']
        return '\n'.join(lines) + '\n'
