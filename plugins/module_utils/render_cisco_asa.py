# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco ASA (software 9.x): object-groups, one extended ACL per ingress interface, inspection off."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, netmask, object_name

_ICMP = {'ipv4': ('icmp', 'echo'), 'ipv6': ('icmp6', 'echo')}


class AsaRenderer(Renderer):
    PLATFORM = 'cisco_asa'
    SOFTWARE = 'Cisco ASA software 9.x'
    DEFAULT_ZONES = {'customer': 'inside', 'mpls': 'mpls', 'internet': 'outside'}
    COMMENT_LIMIT = 100  # access-list remark text
    SOURCE_RANGES = 1
    RUNNING_FORMAT = 'block'
    OWNED = re.compile(r'(object-group (network|service) |access-list )ATEA-\S+( |$)')

    def __init__(self, rules, zones=None, bind_access_groups=False):
        super(AsaRenderer, self).__init__(rules, zones)
        self.bind_access_groups = bind_access_groups

    def acl_name(self, rule):
        """Rules filter on the interface their traffic enters by: the source network's."""
        return object_name('ANYWHERE', self.zones[rule['source_network']])

    def _network_groups(self):
        lines = []
        for group, cidrs in self.network_groups().items():
            lines.append('object-group network %s' % group)
            for cidr in cidrs:
                lines.append(' network-object %s' % (cidr if ':' in cidr else '%s %s' % netmask(cidr)))
        return lines

    def _service_groups(self):
        lines = []
        for rule in self.rules:
            if rule['protocol'] == 'icmp':
                continue
            lines.append('object-group service %s %s' % (self.service_object(rule), rule['protocol']))
            for low, high in rule['destination_ports']:
                lines.append(' port-object %s' % ('eq %d' % low if low == high else 'range %d %d' % (low, high)))
        return lines

    def _entry(self, rule):
        source = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])
        destination = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])
        if rule['protocol'] == 'icmp':
            protocol, icmp_type = _ICMP[rule['family']]
            return 'extended permit %s %s %s %s' % (protocol, source, destination, icmp_type)
        for low, high in rule['source_ports']:
            source += ' range %d %d' % (low, high)
        service = 'object-group %s' % self.service_object(rule)
        return 'extended permit %s %s %s %s' % (rule['protocol'], source, destination, service)

    def conflicts(self, running):
        """Refuse to bind an ACL where the interface already has someone else's access-group."""
        if not self.bind_access_groups:
            return
        bound = set(self.zones[rule['source_network']] for rule in self.rules)
        for line in running.splitlines():
            words = line.split()
            if words[:1] == ['access-group'] and words[2:4] == ['in', 'interface'] and len(words) > 4 \
                    and words[4] in bound and not words[1].startswith('ATEA-'):
                raise inputs.InputError(
                    'bind_access_groups', True, 'interface %s already has access-group %s; binding the '
                    'collection\'s access list would replace it. Leave bind_access_groups off and add the ATEA-* '
                    'entries to %s, or remove its access-group first' % (words[4], words[1], words[1]))

    def render(self):
        lines = ['! atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '! Objects and access lists named ATEA-* are the collection\'s own.']
        lines += self._network_groups() + self._service_groups()
        interfaces = {}  # ACL name -> the interface it filters
        for rule in self.rules:
            acl = self.acl_name(rule)
            interfaces[acl] = self.zones[rule['source_network']]
            lines.append('access-list %s remark %s' % (acl, self.comment(rule)))
            lines.append('access-list %s %s' % (acl, self._entry(rule)))
        lines += ['policy-map global_policy', ' class inspection_default',
                  '  no inspect sip', '  no inspect h323 h225', '  no inspect h323 ras']
        for acl, interface in interfaces.items():
            binding = 'access-group %s in interface %s' % (acl, interface)
            lines.append(binding if self.bind_access_groups else
                         '! Bind it (this replaces the interface\'s current access-group): %s' % binding)
        return '\n'.join(lines) + '\n'
