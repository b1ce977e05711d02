# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compact rules as firewalld policies of the collection's own, with rich rules as firewalld prints them.

A rich rule holds one source, one destination and one element (firewalld.richlanguage(5): "a rule can only
contain one element"), so a rule becomes one rich rule per source, destination and destination port range.
firewall-cmd lists a rich rule in the form it was given (checked with firewalld 1.3.3), so the text rendered
here is the text `firewall-cmd --list-rich-rules` prints, and have and want compare as strings.
"""

from __future__ import annotations

import re
from collections import namedtuple
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import (
    COMMENT_PREFIX,
    PLACEMENTS,
    port_text,
    rules_by_hook,
)

DEFAULT_PREFIX = 'atea-anywhere'
# firewalld refuses a policy name over 18 characters (firewall/functions.py max_policy_name_len(): iptables
# chain names); the longest suffix is 4, so a prefix has at most 14.
POLICY_NAME_LIMIT = 18
SUFFIXES = {'forward': 'fwd', 'input': 'in', 'output': 'out'}
PREFIX = re.compile(r'[A-Za-z0-9][A-Za-z0-9_-]{0,%d}' % (POLICY_NAME_LIMIT - 1 - max(len(s) for s in SUFFIXES.values()) - 1))
TARGET = 'CONTINUE'
DEFAULT_PRIORITY = -100
# The engine's ICMP type names -> firewalld icmptype names (firewall-cmd --get-icmptypes); echo-request covers
# IPv4 and IPv6 (/usr/lib/firewalld/icmptypes/echo-request.xml has no destination restriction).
ICMP_TYPES = {'echo-request': 'echo-request'}
SOURCE_PORTS_WARNING = ('firewalld cannot match a source port together with a destination port in one rich rule '
                        '(firewalld.richlanguage(5): one element per rule); the rules with source ports are applied '
                        'matching their destination ports only')

# One policy as the module owns it: priority and target, zones, rich rules (in order) and the description.
Policy = namedtuple('Policy', 'name priority target ingress egress rich_rules description')


def policy_names(prefix):
    """hook -> the name of the policy of ours for it."""
    return dict((hook, '%s-%s' % (prefix, suffix)) for hook, suffix in SUFFIXES.items())


class Layout(object):
    """Where the rules live in firewalld: one policy per hook, named <prefix>-fwd, -in, -out."""

    def __init__(self, placement='gateway', object_prefix=DEFAULT_PREFIX, ingress_zones=('ANY',),
                 egress_zones=('ANY',), priority=DEFAULT_PRIORITY, management_networks=(), management_ports=(22,)):
        self.placement = inputs.choose('placement', placement, PLACEMENTS)
        self.prefix = text_gate.matching('object_prefix', object_prefix, PREFIX,
                                         'a firewalld policy name prefix (a letter or digit, then letters, digits, '
                                         '"_", "-"; up to %d, so that "<prefix>-fwd" fits firewalld\'s %d)'
                                         % (POLICY_NAME_LIMIT - 4, POLICY_NAME_LIMIT))
        self.ingress_zones = _zones('ingress_zones', ingress_zones)
        self.egress_zones = _zones('egress_zones', egress_zones)
        if not inputs.is_number(priority) or priority == 0 or not -32768 <= priority <= 32767:
            # firewalld.policy(5): priority -32768..32767, 0 is reserved.
            raise inputs.InputError('priority', priority, 'a whole number from -32768 to 32767 other than 0')
        self.priority = priority
        self.management_networks = (inputs.networks('management_networks', management_networks)
                                    if management_networks else ())
        self.management_ports = inputs.port_ranges('management_ports', management_ports)
        self.names = policy_names(self.prefix)

    @property
    def hooks(self):
        return ('forward',) if self.placement == 'gateway' else ('input', 'output')

    def zones(self, hook):
        """(ingress, egress) zones of the policy for hook."""
        if hook == 'forward':
            return self.ingress_zones, self.egress_zones
        return (('ANY',), ('HOST',)) if hook == 'input' else (('HOST',), ('ANY',))


def _zones(option, value):
    zones = tuple(inputs.as_list(option, value))
    if not zones:
        raise inputs.InputError(option, value, 'at least one zone, or ANY')
    for index, zone in enumerate(zones):
        text_gate.platform_name('firewalld', '%s[%d]' % (option, index), zone)
        if zone == 'HOST':
            raise inputs.InputError('%s[%d]' % (option, index), zone, 'HOST is the host placement\'s; a gateway '
                                    'policy is between zones')
    if 'ANY' in zones and len(zones) > 1:
        raise inputs.InputError(option, value, 'ANY stands alone (firewalld.policy(5))')
    return tuple(sorted(set(zones), key=zones.index))


def rich_rule(family, source=None, destination=None, element=None):
    """'rule family="ipv4" source address="..." destination address="..." <element> accept'."""
    parts = ['rule family="%s"' % family]
    if source:
        parts.append('source address="%s"' % source)
    if destination:
        parts.append('destination address="%s"' % destination)
    if element:
        parts.append(element)
    parts.append('accept')
    return ' '.join(parts)


def rule_rich_rules(rule):
    """The rich rules of one compact rule: one per source, destination and destination port range.
    Source ports are not matched (SOURCE_PORTS_WARNING)."""
    if rule['protocol'] == 'icmp':
        elements = ['icmp-type name="%s"' % ICMP_TYPES[rule['icmp_type']]]
    else:
        elements = ['port port="%s" protocol="%s"' % (port_text(r), rule['protocol']) for r in rule['destination_ports']]
    return [rich_rule(rule['family'], source, destination, element)
            for source in rule['sources'] for destination in rule['destinations'] for element in elements]


def management_rich_rules(layout):
    return [rich_rule(inputs.family(cidr), cidr, None, 'port port="%s" protocol="tcp"' % port_text(r))
            for cidr in layout.management_networks for r in layout.management_ports]


def description(rules):
    """The policy's description: the owner, then each rule's name and the document sections it serves (rich
    rules hold no comment)."""
    for index, rule in enumerate(rules):
        for number, section in enumerate(rule['sections']):
            text_gate.comment_text('firewalld', 'rules[%d].sections[%d]' % (index, number), section)
    parts = ['%s: %s' % (rule['name'], ', '.join(rule['sections'])) for rule in rules]
    return '; '.join(['%s: managed by atea.anywhere' % COMMENT_PREFIX] + parts)


def render(rules, layout):
    """The policies wanted, hook -> Policy, and [(policy name, rich rule, rule name, sections)] for each rich rule."""
    rules = check_rules(rules)
    policies, provenance = {}, []
    by_hook = rules_by_hook(rules, layout.placement)
    for hook in layout.hooks:
        name = layout.names[hook]
        rich = management_rich_rules(layout) if hook == 'input' else []
        provenance.extend((name, text, 'management', ['management access']) for text in rich)
        for rule in by_hook[hook]:
            for text in rule_rich_rules(rule):
                if text not in rich:
                    rich.append(text)
                    provenance.append((name, text, rule['name'], list(rule['sections'])))
        ingress, egress = layout.zones(hook)
        policies[hook] = Policy(name, layout.priority, TARGET, ingress, egress, tuple(rich), description(by_hook[hook]))
    return policies, provenance


def has_source_ports(rules):
    return any(rule['source_ports'] for rule in rules)


def policy_xml(policy):
    """The policy as a firewalld policy file (firewalld.policy(5)), for firewall-cmd --new-policy-from-file."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<policy priority="%d" target="%s">' % (policy.priority, policy.target),
             '  <short>%s</short>' % COMMENT_PREFIX,
             '  <description>%s</description>' % escape(policy.description)]
    lines.extend('  <ingress-zone name=%s/>' % quoteattr(zone) for zone in policy.ingress)
    lines.extend('  <egress-zone name=%s/>' % quoteattr(zone) for zone in policy.egress)
    for text in policy.rich_rules:
        lines.extend('  ' + line for line in rich_rule_xml(text))
    lines.append('</policy>')
    return '\n'.join(lines) + '\n'


_RICH = re.compile(r'rule family="(ipv4|ipv6)"(?: source address="([^"]+)")?(?: destination address="([^"]+)")?'
                   r'(?: port port="([0-9-]+)" protocol="(tcp|udp)"| icmp-type name="([a-z-]+)")? accept')


def rich_rule_xml(text):
    """The XML lines of a rich rule rendered here."""
    match = _RICH.fullmatch(text)
    family, source, destination, port, protocol, icmp = match.groups()
    lines = ['<rule family="%s">' % family]
    if source:
        lines.append('  <source address="%s"/>' % source)
    if destination:
        lines.append('  <destination address="%s"/>' % destination)
    if port:
        lines.append('  <port port="%s" protocol="%s"/>' % (port, protocol))
    if icmp:
        lines.append('  <icmp-type name="%s"/>' % icmp)
    lines.extend(['  <accept/>', '</rule>'])
    return lines


def policy_text(policy):
    """The policy as the module's diff shows it, in firewall-cmd --info-policy's layout; rich rules sorted (they
    only accept, so their order does not matter, and firewalld appends the ones added in place)."""
    if policy is None:
        return ''
    lines = [policy.name,
             '  priority: %s' % policy.priority,
             '  target: %s' % policy.target,
             '  ingress-zones: %s' % ' '.join(policy.ingress),
             '  egress-zones: %s' % ' '.join(policy.egress)]
    if policy.description is not None:
        lines.append('  description: %s' % policy.description)
    lines.append('  rich rules: ')
    lines.extend('\t' + text for text in sorted(policy.rich_rules))
    return '\n'.join(lines) + '\n'
