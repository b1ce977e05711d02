# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Juniper SRX (Junos OS 15.1X49 and later), set commands: address book, applications, zone policies."""

from __future__ import annotations

import itertools
import re

from ansible_collections.atea.anywhere.plugins.module_utils.platform_limits import Limit, chunks
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, object_name, port_spec

# The protocol and type of an echo request per address family; Aerleon's SRX generator writes the same term
# (protocol icmp6 icmp6-type 128) for ICMPv6.
_ICMP = {'ipv4': ('icmp', 'icmp-type 8'), 'ipv6': ('icmp6', 'icmp6-type 128')}
_POLICIES_GUIDE = ('Juniper, Best Practices for Defining Policies on High-End SRX Series Devices - '
                   'https://www.juniper.net/documentation/en_US/junos/information-products/topic-collections/'
                   'maintenance-release-feature-guides/topic-62352.html')
# A policy line of a set configuration: zone pair, policy name, and the rest of the statement.
_POLICY_LINE = re.compile(r'set security policies from-zone (\S+) to-zone (\S+) policy (\S+) (.*)$')


def _part(name, index):
    """The name of the index-th (from 0) object a limit made the renderer split: the first keeps the name."""
    return name if index == 0 else '%s-PART%d' % (name, index + 1)


class JunosSrxRenderer(Renderer):
    PLATFORM = 'junos_srx'
    SOFTWARE = 'Junos OS 15.1X49 or later on SRX'
    DEFAULT_ZONES = {'customer': 'trust', 'mpls': 'mpls', 'internet': 'untrust'}
    COMMENT_LIMIT = 900  # policy description
    SOURCE_RANGES = 1
    RUNNING_FORMAT = 'set'
    OWNED = re.compile(r'set (security address-book global address(-set)? ATEA-\S+|'
                       r'applications application(-set)? ATEA-\S+|'
                       r'security policies from-zone \S+ to-zone \S+ policy ATEA-\S+)( |$)')
    LIMITS = {
        # Kept by rendering single-term applications grouped in application sets, as Aerleon's SRX generator
        # does ("SRX has a limit of 8 terms per application").
        'terms_per_application': Limit(8, 'terms in one application', "google/capirca issue 30, SRX commit "
                                       "check: 'term' number of elements exceeds limit of 8 - "
                                       'https://github.com/google/capirca/issues/30'),
        # The SRX1400's figure, the lowest the guide gives (4096 on larger models); address sets are cut in
        # halves of it, so that any source and destination pair fits one policy. Applications: an earlier
        # version of the guide gives 128, the current one 3072; the lower is kept.
        'addresses_per_policy': Limit(1024, 'source and destination addresses one policy names, address '
                                            'sets expanded', _POLICIES_GUIDE),
        'applications_per_policy': Limit(128, 'applications one policy names, application sets expanded',
                                              _POLICIES_GUIDE),
    }

    def __init__(self, rules, zones=None):
        super().__init__(rules, zones)
        half = self.LIMITS['addresses_per_policy'].value // 2
        # Network object -> (member name, CIDR) in order, and the address sets that hold them.
        self.members = dict((group, [('%s-%d' % (group, index), cidr) for index, cidr in enumerate(cidrs, 1)])
                            for group, cidrs in self.network_groups().items())
        self.address_sets = dict((group, [_part(group, index) for index in range(len(chunks(members, half)))])
                                 for group, members in self.members.items())

    def _addresses(self):
        half = self.LIMITS['addresses_per_policy'].value // 2
        lines = []
        for group, members in self.members.items():
            for index, (member, cidr) in enumerate(members):
                lines.append('set security address-book global address %s %s' % (member, cidr))
                lines.append('set security address-book global address-set %s address %s'
                             % (_part(group, index // half), member))
        return lines

    @staticmethod
    def _applications(rule):
        """Application name -> the statements of its one term: one application per port range (SIP 5060-5061
        as one), or the echo request. One statement per line, as show configuration | display set prints it,
        so a re-run compares equal."""
        base = object_name('APP', rule['name'])
        if rule['protocol'] == 'icmp':
            protocol, icmp_type = _ICMP[rule['family']]
            return {'%s-ECHO' % base: ['term echo protocol %s' % protocol, 'term echo %s' % icmp_type]}
        applications = {}
        for port in (port_spec(r) for r in rule['destination_ports']):
            term = 'term p%s' % port
            applications['%s-%s' % (base, port)] = (
                ['%s protocol %s' % (term, rule['protocol']), '%s destination-port %s' % (term, port)]
                + ['%s source-port %s' % (term, port_spec(r)) for r in rule['source_ports']])
        return applications

    def _application_sets(self, rule):
        """The application sets of a rule, each as (name, its applications), within the applications a policy takes."""
        names = list(self._applications(rule))
        per_policy = self.LIMITS['applications_per_policy'].value
        base = object_name('APP', rule['name'])
        return [(_part(base, index), part) for index, part in enumerate(chunks(names, per_policy))]

    def _policies(self, rule):
        """(zone pair, policy name, source set, destination set, application set) of a rule: one policy, or one
        per combination of the sets a limit made the renderer split, all with the rule's description."""
        pair = (self.zones[rule['source_network']], self.zones[rule['destination_network']])
        combinations = itertools.product(
            self.address_sets[self.network_object(rule['source_network'], rule['family'])],
            self.address_sets[self.network_object(rule['destination_network'], rule['family'])],
            [name for name, _members in self._application_sets(rule)])
        return [(pair, _part(self.rule_object(rule), index)) + combination
                for index, combination in enumerate(combinations)]

    def render(self):
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '# Address book entries, applications, application sets and policies named ATEA-* are the '
                 'collection\'s own.',
                 '# New policies go to the end of their zone pair; rendered against the running configuration, '
                 'insert lines at the end place them before its first deny or reject policy.']
        if any(rule['family'] == 'ipv6' for rule in self.rules):
            lines.append('# IPv6 policies need flow mode: set security forwarding-options family inet6 mode flow-based'
                         ' (then reboot).')
        lines += self._addresses()
        for rule in self.rules:
            for name, statements in self._applications(rule).items():
                lines += ['set applications application %s %s' % (name, statement) for statement in statements]
            for name, members in self._application_sets(rule):
                lines += ['set applications application-set %s application %s' % (name, member) for member in members]
        for rule in self.rules:
            for (from_zone, to_zone), name, source, destination, application in self._policies(rule):
                policy = 'set security policies from-zone %s to-zone %s policy %s' % (from_zone, to_zone, name)
                lines.append('%s description "%s"' % (policy, self.comment(rule)))
                lines.append('%s match source-address %s' % (policy, source))
                lines.append('%s match destination-address %s' % (policy, destination))
                lines.append('%s match application %s' % (policy, application))
                lines.append('%s then permit' % policy)
        lines += ['set security alg sip disable', 'set security alg h323 disable']
        return '\n'.join(lines) + '\n'

    def placements(self, running):
        """insert lines that put each policy of ours before the first deny or reject policy of someone else in
        its zone pair, where the running configuration has it elsewhere or not at all. Junos appends a new
        policy to its zone pair and matches the first policy in order ("Reordering Security Policies")."""
        order, denies = {}, set()
        for line in running.splitlines():
            found = _POLICY_LINE.match(line.strip())
            if not found:
                continue
            from_zone, to_zone, name, statement = found.groups()
            names = order.setdefault((from_zone, to_zone), [])
            if name not in names:
                names.append(name)
            if statement.startswith(('then deny', 'then reject')) and not self.OWNED.match(line.strip()):
                denies.add((from_zone, to_zone, name))
        lines = []
        for rule in self.rules:
            for pair, name, _source, _destination, _application in self._policies(rule):
                names = order.get(pair, [])
                first_deny = next((have for have in names if pair + (have,) in denies), None)
                if first_deny and (name not in names or names.index(name) > names.index(first_deny)):
                    lines.append('insert security policies from-zone %s to-zone %s policy %s before policy %s'
                                 % (pair + (name, first_deny)))
        return ['# Before the first deny or reject policy of each zone pair:'] + lines if lines else []
