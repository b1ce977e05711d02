# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compact rules as an nftables table, written as 'nft list table' shows it."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import (
    port_provenance,
    port_text,
    rule_comment,
)

# nftables keeps at most 128 bytes of a rule or set element comment.
COMMENT_LIMIT = 127
TABLE_FAMILIES = ('inet', 'ip', 'ip6')
PLACEMENTS = ('gateway', 'host')
_ADDRESS_KEYWORD = {'ipv4': 'ip', 'ipv6': 'ip6'}
_ICMP_KEYWORD = {'ipv4': 'icmp', 'ipv6': 'icmpv6'}
_TABLE_FAMILY_ALLOWS = {'inet': ('ipv4', 'ipv6'), 'ip': ('ipv4',), 'ip6': ('ipv6',)}
# Neighbour discovery: IPv6 stops working on the host without it.
_ND_TYPES = 'nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert'


def _quote(text):
    return '"%s"' % text.replace('"', "'")


def _set(items):
    items = list(items)
    return items[0] if len(items) == 1 else '{ %s }' % ', '.join(items)


def _ports_expression(rule):
    elements = ['%s comment %s' % (port_text(r), _quote(port_provenance(rule, r, COMMENT_LIMIT)))
                for r in rule['destination_ports']]
    return '{ %s }' % ', '.join(elements)


def rule_statement(rule):
    """One nftables rule statement for one compact rule."""
    address = _ADDRESS_KEYWORD[rule['family']]
    parts = [
        '%s saddr %s' % (address, _set(rule['sources'])),
        '%s daddr %s' % (address, _set(rule['destinations'])),
    ]
    protocol = rule['protocol']
    if protocol == 'icmp':
        parts.append('%s type %s' % (_ICMP_KEYWORD[rule['family']], rule['icmp_type']))
    else:
        if rule['source_ports']:
            parts.append('%s sport %s' % (protocol, _set(port_text(r) for r in rule['source_ports'])))
        parts.append('%s dport %s' % (protocol, _ports_expression(rule)))
    parts.append('accept comment %s' % _quote(rule_comment(rule, COMMENT_LIMIT)))
    return ' '.join(parts)


def _chains(rules, placement):
    """Chain name -> rules it carries, for the placement."""
    if placement == 'gateway':
        return {'forward': list(rules)}
    chains = {'input': [], 'output': []}
    for rule in rules:
        if rule['direction'] in ('inbound', 'internal'):
            chains['input'].append(rule)
        if rule['direction'] in ('outbound', 'internal'):
            chains['output'].append(rule)
    return chains


def _base_lines(chain, placement, table_family, management_networks):
    lines = []
    if placement == 'host':
        lines.append('%s lo accept' % ('iif' if chain == 'input' else 'oif'))
    lines.append('ct state established,related accept comment "%s: replies and related flows"' % 'atea-anywhere')
    lines.append('ct state invalid drop')
    if placement == 'host' and table_family in ('inet', 'ip6'):
        lines.append('icmpv6 type { %s } accept comment "atea-anywhere: IPv6 neighbour discovery"' % _ND_TYPES)
    if placement == 'host' and chain == 'input':
        for fam in _TABLE_FAMILY_ALLOWS[table_family]:
            cidrs = [c for c in management_networks if inputs.family(c) == fam]
            if cidrs:
                lines.append('%s saddr %s tcp dport 22 accept comment "atea-anywhere: management SSH"'
                             % (_ADDRESS_KEYWORD[fam], _set(cidrs)))
    return lines


def render_table(rules, table='atea_anywhere', table_family='inet', placement='gateway',
                 management_networks=(), policy='drop'):
    """The whole nftables table for the rules, as 'nft list table' prints it."""
    inputs.choose('table_family', table_family, TABLE_FAMILIES)
    inputs.choose('placement', placement, PLACEMENTS)
    inputs.choose('policy', policy, ('drop', 'accept'))
    if not isinstance(table, str) or not table or not (table[0].isalpha() and table.replace('_', 'a').isalnum()):
        raise inputs.InputError('table', table, 'not an nftables table name (letters, digits, underscores)')
    management = inputs.networks('management_networks', management_networks) if management_networks else ()
    allowed = _TABLE_FAMILY_ALLOWS[table_family]
    rules = [r for r in check_rules(rules) if r['family'] in allowed]
    lines = ['table %s %s {' % (table_family, table)]
    chains = _chains(rules, placement)
    for index, (chain, chain_rules) in enumerate(chains.items()):
        if index:
            lines.append('')
        lines.append('\tchain %s {' % chain)
        lines.append('\t\ttype filter hook %s priority filter; policy %s;' % (chain, policy))
        lines.extend('\t\t' + line for line in _base_lines(chain, placement, table_family, management))
        lines.extend('\t\t' + rule_statement(rule) for rule in chain_rules)
        lines.append('\t}')
    lines.append('}')
    return '\n'.join(lines) + '\n'
