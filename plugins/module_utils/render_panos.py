# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Palo Alto Networks PAN-OS (10.1 to 11.x), configure-mode set commands: objects, rules, SIP ALG off."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils.platform_limits import Limit, check
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, object_name, port_spec

_AERLEON = ('Aerleon PAN-OS generator, paloaltofw.py - '
            'https://github.com/aerleon/aerleon/blob/main/aerleon/lib/paloaltofw.py')
# App-ID names ICMPv6 echo ipv6-icmp, as every other ICMPv6 type ("traceroute6 icmp probes are identified as
# ipv6-icmp", Palo Alto Networks knowledge base): a custom application identified by ICMPv6 type 128 lets
# echo requests through and nothing else, as Aerleon's generator defines one (ident-by-icmp6-type, risk 2).
ICMP6_ECHO = object_name('APP', 'ICMP6-ECHO')


class PanosRenderer(Renderer):
    PLATFORM = 'panos'
    SOFTWARE = 'PAN-OS 10.1 to 11.x'
    DEFAULT_ZONES = {'customer': 'trust', 'mpls': 'mpls', 'internet': 'untrust'}
    LIMITS = {
        'name_length': Limit(63, 'characters in a rule, address, address group or service name', _AERLEON),
        'application_name_length': Limit(31, 'characters in a custom application name', _AERLEON),
        'description_length': Limit(1024, 'characters in a rule description', _AERLEON),
    }
    COMMENT_LIMIT = LIMITS['description_length'].value
    RUNNING_FORMAT = 'set'
    OWNED = re.compile(r'set ((address|address-group|service|application|rulebase security rules) ATEA-\S+)( |$)')

    def _names(self):
        """Every name the configuration gives, with the limit it is held to."""
        names = [(name, 'name_length') for name in self.network_groups()]
        names += [('%s-%d' % (group, len(cidrs)), 'name_length') for group, cidrs in self.network_groups().items()]
        names += [(name, 'name_length') for rule in self.rules
                  for name in (self.rule_object(rule), self.service_object(rule))]
        return names + [(ICMP6_ECHO, 'application_name_length')]

    @staticmethod
    def _echo(rule):
        """The App-ID of a rule's ICMP echo: ping for IPv4, the custom application for ICMPv6 type 128."""
        return 'ping' if rule['family'] == 'ipv4' else ICMP6_ECHO

    def render(self):
        for name, limit in self._names():
            check(self.PLATFORM, self.LIMITS, limit, len(name), 'rules', name)
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s (configure mode).' % self.SOFTWARE,
                 '# Addresses, address groups, services, applications and security rules named ATEA-* are the '
                 'collection\'s own.']
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
        if any(rule['protocol'] == 'icmp' and rule['family'] == 'ipv6' for rule in self.rules):
            application = 'set application %s' % ICMP6_ECHO
            lines += ['%s category networking subcategory ip-protocol technology network-protocol risk 2' % application,
                      '%s description "Atea Anywhere: ICMPv6 echo request (type 128)"' % application,
                      '%s default ident-by-icmp6-type type 128' % application]
        for rule in self.rules:
            base = 'set rulebase security rules %s' % self.rule_object(rule)
            if rule['protocol'] == 'icmp':
                what = 'application %s service application-default' % self._echo(rule)
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
