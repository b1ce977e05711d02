# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compact rules as ufw rules, each written exactly as ufw 0.35/0.36 writes it in user.rules / user6.rules.

A ufw rule has one source, one destination, one protocol and up to 15 ports on each side (iptables multiport;
a range counts as two: ufw refuses more than 14 commas and colons together, ufw/common.py UFWRule.set_port).
A compact rule becomes one ufw rule per source, destination and block of ports. Each rule's comment starts
with 'atea-anywhere' and the rule's name; that prefix is what marks a rule as the collection's.

The text of a rule in ufw's files (ufw/backend_iptables.py _write_rules of ufw 0.36):
    \\n### tuple ### <action> <proto> <dport> <dst> <sport> <src> <direction>[ comment=<hex of the UTF-8 comment>]\\n
    -A <ufw|ufw6>-user-<input|output|forward> <UFWRule.format_rule()>\\n
Route rules are 'route:allow' with direction 'in' and go to the forward chain.
"""

from __future__ import annotations

import binascii
import ipaddress
from collections import namedtuple

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules, provenance_by_range
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import (
    COMMENT_PREFIX,
    PLACEMENTS,
    check_comment_texts,
    fit,
    hooks_of,
    provenance_text,
)

# ufw stores a comment hex-encoded and sets no length (ufw/parser.py); 127 bytes like nftables keeps
# `ufw status` readable. What a comment may hold is text_gate's 'ufw' platform.
COMMENT_LIMIT = 127

# iptables multiport matches up to 15 ports, a range counting as two (iptables-extensions(8), multiport).
MULTIPORT_LIMIT = 15
MANAGEMENT_COMMENT = COMMENT_PREFIX + ' management access'
_ANY = {'ipv4': '0.0.0.0/0', 'ipv6': '::/0'}
_CHAIN_PREFIX = {'ipv4': 'ufw', 'ipv6': 'ufw6'}


class Layout(object):
    """Where the rules go: routed rules (gateway) or the host's own in and out rules plus management access."""

    def __init__(self, placement='gateway', management_networks=(), management_ports=(22,)):
        self.placement = inputs.choose('placement', placement, PLACEMENTS)
        self.management_networks = (inputs.networks('management_networks', management_networks)
                                    if management_networks else ())
        self.management_ports = inputs.port_ranges('management_ports', management_ports)


def address_text(cidr):
    """A network as ufw writes it: no /32 or /128, the address as inet_ntop prints it (ufw/util.py normalize_address)."""
    network = ipaddress.ip_network(cidr)
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def port_blocks(ranges):
    """Port ranges as ufw port lists ('443,5061,40000:49999'), each within the multiport limit."""
    blocks, current, used = [], [], 0
    for low, high in ranges:
        cost = 1 if low == high else 2
        if current and used + cost > MULTIPORT_LIMIT:
            blocks.append(current)
            current, used = [], 0
        current.append((low, high))
        used += cost
    if current:
        blocks.append(current)
    return blocks


def _ports_text(block):
    return ','.join(str(low) if low == high else '%d:%d' % (low, high) for low, high in block)


class UfwRule(namedtuple('UfwRule', 'route direction protocol dport dst sport src family comment')):
    """One ufw allow rule, as ufw holds it: ports as text ('any' for none), addresses as ufw writes them."""

    __slots__ = ()

    @property
    def multi(self):
        """Whether ufw matches the ports with multiport (a list or a range on either side)."""
        return any(',' in p or ':' in p for p in (self.dport, self.sport))

    @property
    def chain(self):
        suffix = 'forward' if self.route else ('output' if self.direction == 'out' else 'input')
        return '%s-user-%s' % (_CHAIN_PREFIX[self.family], suffix)

    def tuple_fields(self):
        """The tuple as ufw writes it, without the comment: 'route:allow udp 5060 192.0.2.1 any 198.51.100.0/24 in'."""
        return '%s %s %s %s %s %s %s' % ('route:allow' if self.route else 'allow', self.protocol, self.dport, self.dst,
                                         self.sport, self.src, self.direction)

    def tuple_line(self):
        line = '### tuple ### ' + self.tuple_fields()
        if self.comment:
            line += ' comment=%s' % binascii.hexlify(self.comment.encode('utf-8')).decode('ascii')
        return line

    def iptables_line(self):
        """The rule as ufw loads it (UFWRule.format_rule of ufw 0.36, for an allow rule without interfaces)."""
        parts = ['-A', self.chain, '-p', self.protocol]
        if self.multi:
            if self.dport != 'any':
                parts += ['-m', 'multiport', '--dports', self.dport]
            if self.sport != 'any':
                parts += ['-m', 'multiport', '--sports', self.sport]
        if self.dst != _ANY[self.family]:
            parts += ['-d', self.dst]
        if not self.multi and self.dport != 'any':
            parts += ['--dport', self.dport]
        if self.src != _ANY[self.family]:
            parts += ['-s', self.src]
        if not self.multi and self.sport != 'any':
            parts += ['--sport', self.sport]
        return ' '.join(parts + ['-j', 'ACCEPT'])

    def block(self):
        """The rule's text in user.rules / user6.rules."""
        return '\n%s\n%s\n' % (self.tuple_line(), self.iptables_line())

    def command(self):
        """The rule as `ufw show added` lists it."""
        return tuple_command(self.tuple_fields(), self.comment)

    @property
    def ours(self):
        return is_ours(self.comment)


def tuple_command(tuple_fields, comment):
    """A rule of ufw's files as `ufw show added` lists it, a ufw command line (UFWCommandRule.get_command of
    ufw 0.36), from its tuple without the comment; a tuple of another length (application profiles) as itself."""
    fields = tuple_fields.split()
    if len(fields) != 7:
        return '(tuple) %s' % tuple_fields
    action, protocol, dport, dst, sport, src, direction = fields
    words = ['ufw'] + (['route', action.split(':', 1)[1]] if action.startswith('route:') else [action])
    if direction.startswith('out'):
        words.append('out')
    src, dst = ('any' if address in ('0.0.0.0/0', '::/0') else address for address in (src, dst))
    if src == dst == sport == 'any' and dport != 'any':
        words.append(dport + ('/' + protocol if protocol != 'any' else ''))     # ufw's short syntax
    else:
        for word, address, port in (('from', src, sport), ('to', dst, dport)):
            if address != 'any' or port != 'any':
                words += [word, address] + (['port', port] if port != 'any' else [])
        if 'to' not in words and 'from' not in words:
            words += ['to', 'any']
        if protocol != 'any':
            words += ['proto', protocol]
    if comment:
        words += ['comment', "'%s'" % comment]
    return ' '.join(words)


def is_ours(comment):
    """Whether a ufw rule comment marks the rule as the collection's."""
    return comment == COMMENT_PREFIX or comment.startswith(COMMENT_PREFIX + ' ')


def _comment(rule, block):
    """'atea-anywhere <rule>: <section> <purpose>; ...' for the ports of one block."""
    head = '%s %s: ' % (COMMENT_PREFIX, rule['name'])
    entries = []
    for port_range, found in provenance_by_range(rule):
        if port_range is None or tuple(port_range) in block:
            entries.extend(entry for entry in found if entry not in entries)
    return fit(head + provenance_text(entries, COMMENT_LIMIT - len(head.encode('utf-8'))), COMMENT_LIMIT)


# (route, direction) of the ufw rule for each hook: routed rules for the forward hook, in and out for the host's own.
_UFW_DIRECTION = {'forward': (True, 'in'), 'input': (False, 'in'), 'output': (False, 'out')}


def _directions(rule, placement):
    """(route, direction) of each ufw rule a compact rule makes."""
    return [_UFW_DIRECTION[hook] for hook in hooks_of(rule, placement)]


def render(rules, layout):
    """The ufw rules for the compact rules, in order, without repeats; ICMP rules are not among them
    (ufw rules cannot match ICMP types: see icmp_rules())."""
    checked = check_rules(rules)
    check_comment_texts('ufw', checked)
    result = []
    if layout.placement == 'host':
        for cidr in layout.management_networks:
            fam = inputs.family(cidr)
            for block in port_blocks(layout.management_ports):
                result.append(UfwRule(False, 'in', 'tcp', _ports_text(block), _ANY[fam], 'any', address_text(cidr),
                                      fam, MANAGEMENT_COMMENT))
    for rule in checked:
        if rule['protocol'] == 'icmp':
            continue
        source_blocks = [_ports_text(b) for b in port_blocks(rule['source_ports'])] or ['any']
        for block in port_blocks(tuple(r) for r in rule['destination_ports']):
            comment = text_gate.comment_text('ufw', 'rules[name=%s] comment' % rule['name'], _comment(rule, block))
            for route, direction in _directions(rule, layout.placement):
                for source in rule['sources']:
                    for destination in rule['destinations']:
                        for sport in source_blocks:
                            result.append(UfwRule(route, direction, rule['protocol'], _ports_text(block),
                                                  address_text(destination), sport, address_text(source),
                                                  rule['family'], comment))
    unique = []
    for ufw_rule in result:
        if ufw_rule not in unique:
            unique.append(ufw_rule)
    return unique


def icmp_rules(rules, layout):
    """[(rule name, family, chain)]: the ICMP echo-request each ICMP rule needs, and the ufw chain that must
    accept it (ufw-before-forward, ufw-before-input or ufw-before-output, ufw6-... for IPv6)."""
    needs = []
    for rule in check_rules(rules):
        if rule['protocol'] != 'icmp':
            continue
        prefix = _CHAIN_PREFIX[rule['family']]
        for route, direction in _directions(rule, layout.placement):
            hook = 'forward' if route else ('output' if direction == 'out' else 'input')
            needs.append((rule['name'], rule['family'], '%s-before-%s' % (prefix, hook)))
    return needs
