# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Juniper SRX (Junos OS 15.1X49 and later), set commands: address book, applications, zone policies."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, object_name, port_spec

_ICMP = {'ipv4': ('protocol icmp', 'icmp-type 8'), 'ipv6': ('protocol icmp6', 'icmp6-type 128')}


class JunosSrxRenderer(Renderer):
    PLATFORM = 'junos_srx'
    SOFTWARE = 'Junos OS 15.1X49 or later on SRX'
    DEFAULT_ZONES = {'customer': 'trust', 'mpls': 'mpls', 'internet': 'untrust'}
    COMMENT_LIMIT = 900  # policy description
    SOURCE_RANGES = 1
    RUNNING_FORMAT = 'set'
    OWNED = re.compile(r'set (security address-book global address(-set)? ATEA-\S+|applications application ATEA-\S+|'
                       r'security policies from-zone \S+ to-zone \S+ policy ATEA-\S+)( |$)')

    def _addresses(self):
        lines = []
        for group, cidrs in self.network_groups().items():
            for index, cidr in enumerate(cidrs, 1):
                member = '%s-%d' % (group, index)
                lines.append('set security address-book global address %s %s' % (member, cidr))
                lines.append('set security address-book global address-set %s address %s' % (group, member))
        return lines

    def _application(self, rule):
        """One application with a term per port range (SIP 5060-5061 as one term), or an ICMP echo term.

        One statement per line, as show configuration | display set prints it, so a re-run compares equal.
        """
        base = 'set applications application %s' % object_name('APP', rule['name'])
        if rule['protocol'] == 'icmp':
            return ['%s term echo %s' % (base, leaf) for leaf in _ICMP[rule['family']]]
        lines = []
        for port in (port_spec(r) for r in rule['destination_ports']):
            term = '%s term p%s' % (base, port)
            lines += ['%s protocol %s' % (term, rule['protocol']), '%s destination-port %s' % (term, port)]
            lines += ['%s source-port %s' % (term, port_spec(r)) for r in rule['source_ports']]
        return lines

    def render(self):
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '# Address book entries, applications and policies named ATEA-* are the collection\'s own.',
                 '# Policies are appended: where a zone pair ends in a deny, move them above it (insert ... before).']
        if any(rule['family'] == 'ipv6' for rule in self.rules):
            lines.append('# IPv6 policies need flow mode: set security forwarding-options family inet6 mode flow-based'
                         ' (then reboot).')
        lines += self._addresses()
        for rule in self.rules:
            lines += self._application(rule)
        for rule in self.rules:
            policy = 'set security policies from-zone %s to-zone %s policy %s' % (
                self.zones[rule['source_network']], self.zones[rule['destination_network']], self.rule_object(rule))
            lines.append('%s description "%s"' % (policy, self.comment(rule)))
            source = self.network_object(rule['source_network'], rule['family'])
            destination = self.network_object(rule['destination_network'], rule['family'])
            lines.append('%s match source-address %s' % (policy, source))
            lines.append('%s match destination-address %s' % (policy, destination))
            lines.append('%s match application %s' % (policy, object_name('APP', rule['name'])))
            lines.append('%s then permit' % policy)
        lines += ['set security alg sip disable', 'set security alg h323 disable']
        return '\n'.join(lines) + '\n'
