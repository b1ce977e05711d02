# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compact rules as an nftables table, written as 'nft list table' shows it."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules, provenance_by_range
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import (
    COMMENT_PREFIX,
    HOOKS,
    PLACEMENTS,
    check_comment_texts,
    fit,
    port_text,
    provenance_text,
    rule_comment,
    rules_by_hook,
)

# nftables keeps at most 128 bytes of a rule or set element comment.
COMMENT_LIMIT = 127
TABLE_FAMILIES = ('inet', 'ip', 'ip6')
_ADDRESS_KEYWORD = {'ipv4': 'ip', 'ipv6': 'ip6'}
_ICMP_KEYWORD = {'ipv4': 'icmp', 'ipv6': 'icmpv6'}
_TABLE_FAMILY_ALLOWS = {'inet': ('ipv4', 'ipv6'), 'ip': ('ipv4',), 'ip6': ('ipv6',)}
# Neighbour discovery: IPv6 stops working on the host without it.
_ND_TYPES = 'nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert'


def _set(items):
    items = list(items)
    return items[0] if len(items) == 1 else '{ %s }' % ', '.join(items)


def _ports_expression(rule):
    """The destination ports, each with its provenance as a set element comment.

    nft lists a set of one element as a plain value and drops its comment: a single range is written
    plain, and its provenance goes to the rule comment instead (see _rule_comment()).
    """
    ranges = provenance_by_range(rule)
    if len(ranges) == 1:
        return port_text(ranges[0][0])
    elements = ['%s comment %s' % (port_text(r), text_gate.quoted('nftables', provenance_text(entries, COMMENT_LIMIT)))
                for r, entries in ranges]
    return '{ %s }' % ', '.join(elements)


def _rule_comment(rule):
    """'atea-anywhere <rule>: <sections>', or with a single port range (or none, ICMP) the provenance itself:
    'atea-anywhere <rule>: 3 Media; 4 Media'."""
    if len(rule['destination_ports']) > 1:
        return rule_comment(rule, COMMENT_LIMIT)
    head = '%s %s: ' % (COMMENT_PREFIX, rule['name'])
    return fit(head + provenance_text(rule['provenance'], COMMENT_LIMIT - len(head.encode('utf-8'))), COMMENT_LIMIT)


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
    parts.append('accept comment %s' % text_gate.quoted('nftables', _rule_comment(rule)))
    return ' '.join(parts)


# The table comment that marks a table as the collection's own (nft 0.9.7 and kernel 5.10 or later).
OWNER_COMMENT = 'atea-anywhere: Atea Anywhere firewall requirements, managed by atea.anywhere'
MODES = ('table', 'chain')
DEFAULT_TABLE = 'atea_anywhere'
DEFAULT_CHAIN_PREFIX = 'atea_anywhere'


class Layout(object):
    """Where the rules live in nftables.

    mode 'table': a table of the collection's own with base chains named after their hooks.
    mode 'chain': regular chains '<chain_prefix>_<hook>' inside an existing table of the user's,
    reached by one jump rule from the user's base chain for that hook.
    """

    def __init__(self, mode='table', table=None, table_family='inet', placement='gateway',
                 chain_prefix=DEFAULT_CHAIN_PREFIX, parent_chains=None, management_networks=(), management_ports=(22,),
                 policy='drop', output_policy='accept'):
        self.mode = inputs.choose('mode', mode, MODES)
        if table is None and mode == 'chain':
            raise inputs.InputError('table', table, "mode 'chain' needs the name of an existing table")
        self.table = text_gate.platform_name('nftables', 'table', DEFAULT_TABLE if table is None else table)
        self.table_family = inputs.choose('table_family', table_family, TABLE_FAMILIES)
        self.placement = inputs.choose('placement', placement, PLACEMENTS)
        self.chain_prefix = text_gate.platform_name('nftables', 'chain_prefix', chain_prefix, whole=False)
        self.policy = inputs.choose('policy', policy, ('drop', 'accept'))
        # The host's own outgoing traffic (DNS, NTP, updates) is not the document's to forbid.
        self.output_policy = inputs.choose('output_policy', output_policy, ('drop', 'accept'))
        self.management_networks = (inputs.networks('management_networks', management_networks)
                                    if management_networks else ())
        self.management_ports = inputs.port_ranges('management_ports', management_ports)
        self.families = _TABLE_FAMILY_ALLOWS[self.table_family]
        parents = parent_chains or {}
        if not isinstance(parents, dict):
            raise inputs.InputError('parent_chains', parents, 'expected a mapping of hook to chain name')
        for hook in parents:
            inputs.choose('parent_chains', hook, self.hooks)
        self.parent_chains = dict((hook, text_gate.platform_name('nftables', 'parent_chains.%s' % hook,
                                                                 parents.get(hook, hook)))
                                  for hook in self.hooks)

    @property
    def hooks(self):
        return HOOKS[self.placement]

    def chain_name(self, hook):
        return hook if self.mode == 'table' else '%s_%s' % (self.chain_prefix, hook)


def _base_lines(hook, layout):
    """What every chain needs before the requirement rules."""
    host = layout.placement == 'host'
    lines = []
    if host:
        lines.append('%s lo accept' % ('iif' if hook == 'input' else 'oif'))
    lines.append('ct state established,related accept comment "atea-anywhere: replies and related flows"')
    if layout.mode == 'table':
        # In the user's table (chain mode) dropping is the user's call, not ours.
        lines.append('ct state invalid drop')
    if host and 'ipv6' in layout.families:
        lines.append('icmpv6 type { %s } accept comment "atea-anywhere: IPv6 neighbour discovery"' % _ND_TYPES)
    if host and hook == 'input':
        ports = _set(port_text(r) for r in layout.management_ports)
        for fam in layout.families:
            cidrs = [c for c in layout.management_networks if inputs.family(c) == fam]
            if cidrs:
                lines.append('%s saddr %s tcp dport %s accept comment "atea-anywhere: management access"'
                             % (_ADDRESS_KEYWORD[fam], _set(cidrs), ports))
    return lines


def render(rules, layout):
    """The table (mode 'table') or the chains inside the user's table (mode 'chain'), as nft lists them."""
    checked = check_rules(rules)
    check_comment_texts('nftables', checked)
    rules = [r for r in checked if r['family'] in layout.families]
    if checked and not rules:
        raise inputs.InputError('table_family', layout.table_family, 'no rule is of this address family (the rules '
                                'are %s)' % ', '.join(sorted(set(r['family'] for r in checked))))
    lines = ['table %s %s {' % (layout.table_family, layout.table)]
    if layout.mode == 'table':
        lines.append('\tcomment "%s"' % OWNER_COMMENT)
    by_hook = rules_by_hook(rules, layout.placement)
    for index, hook in enumerate(layout.hooks):
        if index:
            lines.append('')
        lines.append('\tchain %s {' % layout.chain_name(hook))
        if layout.mode == 'table':
            policy = layout.output_policy if hook == 'output' else layout.policy
            lines.append('\t\ttype filter hook %s priority filter; policy %s;' % (hook, policy))
        lines.extend('\t\t' + line for line in _base_lines(hook, layout))
        lines.extend('\t\t' + rule_statement(rule) for rule in by_hook[hook])
        lines.append('\t}')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def render_table(rules, **layout_options):
    """render() with Layout options as keywords."""
    return render(rules, Layout(**layout_options))
