# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FortiGate (FortiOS 6.4 to 7.4): addresses, custom services, named policies, SIP ALG off."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, netmask, port_spec

_ADDRESS = {'ipv4': ('firewall address', 'firewall addrgrp', 'srcaddr', 'dstaddr'),
            'ipv6': ('firewall address6', 'firewall addrgrp6', 'srcaddr6', 'dstaddr6')}
_ICMP = {'ipv4': ('ICMP', 8), 'ipv6': ('ICMP6', 128)}


def _quote(text):
    return '"%s"' % text.replace('"', "'")


# Sections holding objects of ours, users before what they use.
_SECTIONS = ('firewall policy', 'firewall service custom', 'firewall addrgrp6', 'firewall addrgrp',
             'firewall address6', 'firewall address')


def owned_entries(text):
    """(section, edit key) of every ATEA-* entry in the sections the collection writes: named objects, and
    policies by their name."""
    entries, section, key = [], None, None
    for line in text.splitlines():
        words = line.strip().split(None, 2)
        if words[:1] == ['config']:
            section = ' '.join(words[1:])
        elif words[:1] == ['edit'] and len(words) > 1 and section in _SECTIONS:
            key = words[1]
            if key.strip('"').startswith('ATEA-'):
                entries.append((section, key))
        elif section == 'firewall policy' and words[:2] == ['set', 'name'] and len(words) > 2 \
                and words[2].strip('"').startswith('ATEA-'):
            entries.append((section, key))
    return entries


class FortiosRenderer(Renderer):
    PLATFORM = 'fortios'
    SOFTWARE = 'FortiOS 6.4 to 7.4'
    DEFAULT_ZONES = {'customer': 'internal', 'mpls': 'mpls', 'internet': 'wan1'}
    COMMENT_LIMIT = 255  # service and address comments; policy comments take 1023
    POLICY_COMMENT_LIMIT = 1023

    def __init__(self, rules, zones=None, policy_id_base=9000):
        super(FortiosRenderer, self).__init__(rules, zones)
        self.policy_id_base = policy_id_base

    def removals(self, running, rendered):
        wanted = set(owned_entries(rendered))
        stale = [entry for entry in owned_entries(running) if entry not in wanted]
        lines = []
        for section in _SECTIONS:
            keys = [key for kind, key in stale if kind == section]
            if keys:
                lines += ['config %s' % section] + ['    delete %s' % key for key in keys] + ['end']
        return lines

    def _addresses(self):
        lines = []
        for family in ('ipv4', 'ipv6'):
            groups = self.network_groups(family)
            if not groups:
                continue
            address, group_kind = _ADDRESS[family][:2]
            lines.append('config %s' % address)
            for group, cidrs in groups.items():
                for index, cidr in enumerate(cidrs, 1):
                    lines.append('    edit "%s-%d"' % (group, index))
                    lines.append('        set comment "Atea Anywhere"')
                    lines.append('        set ip6 %s' % cidr if family == 'ipv6' else '        set subnet %s %s'
                                 % netmask(cidr))
                    lines.append('    next')
            lines.append('end')
            lines.append('config %s' % group_kind)
            for group, cidrs in groups.items():
                lines.append('    edit "%s"' % group)
                lines.append('        set member %s' % ' '.join('"%s-%d"' % (group, i) for i in range(1, len(cidrs) + 1)))
                lines.append('    next')
            lines.append('end')
        return lines

    def _services(self):
        lines = ['config firewall service custom']
        for rule in self.rules:
            lines.append('    edit "%s"' % self.service_object(rule))
            lines.append('        set comment %s' % _quote(self.comment(rule)))
            if rule['protocol'] == 'icmp':
                protocol, icmp_type = _ICMP[rule['family']]
                lines.append('        set protocol %s' % protocol)
                lines.append('        set icmptype %d' % icmp_type)
            else:
                source = ''.join(':%s' % port_spec(r) for r in rule['source_ports'])
                lines.append('        set %s-portrange %s' % (rule['protocol'], ' '.join(
                    port_spec(r) + source for r in rule['destination_ports'])))
            lines.append('    next')
        lines.append('end')
        return lines

    def _policies(self):
        lines = ['config firewall policy']
        for index, rule in enumerate(self.rules, 1):
            source_key, destination_key = _ADDRESS[rule['family']][2:]
            lines += [
                '    edit %d' % (self.policy_id_base + index),
                '        set name "%s"' % self.rule_object(rule)[:35],
                '        set srcintf "%s"' % self.zones[rule['source_network']],
                '        set dstintf "%s"' % self.zones[rule['destination_network']],
                '        set %s "%s"' % (source_key, self.network_object(rule['source_network'], rule['family'])),
                '        set %s "%s"' % (destination_key,
                                         self.network_object(rule['destination_network'], rule['family'])),
                '        set action accept',
                '        set schedule "always"',
                '        set service "%s"' % self.service_object(rule),
                '        set logtraffic all',
                '        set comments %s' % _quote(self.comment(rule, self.POLICY_COMMENT_LIMIT)),
                '    next',
            ]
        lines.append('end')
        return lines

    def render(self):
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '# Addresses, groups, services and policies named ATEA-* are the collection\'s own;',
                 '# policies use ids from %d up.' % (self.policy_id_base + 1)]
        lines += self._addresses() + self._services() + self._policies()
        lines += ['config system settings', '    set default-voip-alg-mode kernel-helper-based', 'end',
                  '# The SIP session helper is entry 13 on a factory configuration: check with',
                  '# "show system session-helper" before deleting, as ids differ where helpers were edited.',
                  '# A VoIP profile on a policy overrides this; keep VoIP profiles off the ATEA-* policies.',
                  'config system session-helper', '    delete 13', 'end']
        return '\n'.join(lines) + '\n'
