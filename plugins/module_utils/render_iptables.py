# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render compact rules as iptables rules in chains of the collection's own, written as iptables-save prints them.

Checked against iptables 1.8.9 (iptables-nft-save and iptables-legacy-save print the same text): an address
with its prefix length (/32, /128), the protocol's match made explicit (-p tcp -m tcp --dport 80), port
ranges as low:high, ICMP types as numbers, and a comment quoted with \\ before " ' and \\ unless it is made
of letters, digits, "_" and "-" only (xtables_save_string in libxtables).
"""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules, provenance_by_range
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import (
    COMMENT_PREFIX,
    HOOKS,
    PLACEMENTS,
    check_comment_texts,
    fit,
    provenance_text,
    rules_by_hook,
)

# xt_comment keeps 256 bytes with the terminating NUL (XT_MAX_COMMENT_LEN); iptables-extensions(8), comment:
# "Allows you to add comments (up to 256 characters) to any rule".
COMMENT_LIMIT = 255
# iptables-extensions(8), multiport: "Up to 15 ports can be specified. A port range (port:port) counts as two ports."
MULTIPORT_SLOTS = 15
ALL_HOOKS = ('forward', 'input', 'output')
DEFAULT_CHAIN_PREFIX = 'ATEA-ANYWHERE'
FAMILIES = ('ipv4', 'ipv6')
_PROTOCOL = {('icmp', 'ipv4'): '-p icmp -m icmp --icmp-type', ('icmp', 'ipv6'): '-p ipv6-icmp -m icmp6 --icmpv6-type'}
# iptables-save prints ICMP types by number: echo-request is 8 (ICMP) and 128 (ICMPv6).
_ICMP_TYPES = {('echo-request', 'ipv4'): 8, ('echo-request', 'ipv6'): 128}
# Neighbour discovery (router solicitation and advertisement, neighbour solicitation and advertisement):
# IPv6 stops working on the host without it.
_ND_TYPES = (133, 134, 135, 136)
_SAFE_COMMENT = re.compile(r'[A-Za-z0-9_-]+')


def comment_argument(text):
    """A comment as iptables-save prints it: bare when made of letters, digits, '_' and '-', else quoted."""
    text_gate.comment_text('iptables', 'comment', text)
    if len(text.encode('utf-8')) > COMMENT_LIMIT:
        raise inputs.InputError('comment', text, 'longer than %d bytes, the most an iptables comment holds' % COMMENT_LIMIT)
    return text if _SAFE_COMMENT.fullmatch(text) else text_gate.quoted('iptables', text)


def chain_name(option, value):
    """An iptables chain name (letters, digits, '_', '-'; a letter first; up to 28 characters)."""
    return text_gate.platform_name('iptables', option, value)


class Layout(object):
    """Where the rules live: chains '<chain_prefix>-<HOOK>' in table filter, one jump to each from its parent chain."""

    def __init__(self, placement='gateway', chain_prefix=DEFAULT_CHAIN_PREFIX, parent_chains=None,
                 management_networks=(), management_ports=(22,)):
        self.placement = inputs.choose('placement', placement, PLACEMENTS)
        chain_name('chain_prefix', chain_prefix)
        # '-FORWARD' is the longest suffix of a chain the prefix names.
        chain_name('chain_prefix', chain_prefix + '-FORWARD')
        self.chain_prefix = chain_prefix
        parents = parent_chains or {}
        if not isinstance(parents, dict):
            raise inputs.InputError('parent_chains', parents, 'expected a mapping of hook to chain name')
        for hook in parents:
            inputs.choose('parent_chains', hook, self.hooks)
        self.parent_chains = dict((hook, chain_name('parent_chains.%s' % hook, parents.get(hook, hook.upper())))
                                  for hook in self.hooks)
        for hook, parent in sorted(self.parent_chains.items()):
            if self.owns(parent):
                raise inputs.InputError('parent_chains.%s' % hook, parent, 'one of the chains the module owns')
            if list(self.parent_chains.values()).count(parent) > 1:
                raise inputs.InputError('parent_chains.%s' % hook, parent, 'the parent of another hook too; each hook '
                                        'needs a chain of its own')
        self.management_networks = (inputs.networks('management_networks', management_networks)
                                    if management_networks else ())
        self.management_ports = inputs.port_ranges('management_ports', management_ports)

    @property
    def hooks(self):
        return HOOKS[self.placement]

    def chain(self, hook):
        return '%s-%s' % (self.chain_prefix, hook.upper())

    def possible_chains(self):
        """The chains jumped to from the parent chains, whatever the placement: one left by another placement is
        ours to remove."""
        return [self.chain(hook) for hook in ALL_HOOKS]

    def sub_chain(self, hook, number):
        """The chain of one rule whose sources and destinations are many: '<prefix>-F3' (see rule_chains)."""
        return chain_name('chain_prefix', '%s-%s%d' % (self.chain_prefix, hook[0].upper(), number))

    def owns(self, chain):
        """Whether a chain of table filter is ours: a hook's chain, or a rule's chain '<prefix>-<F|I|O><number>'."""
        return chain in self.possible_chains() or bool(
            re.fullmatch(r'%s-[FIO][1-9][0-9]*' % re.escape(self.chain_prefix), chain))


def _port(port_range):
    low, high = port_range
    return str(low) if low == high else '%d:%d' % (low, high)


def _slots(port_range):
    return 1 if port_range[0] == port_range[1] else 2


def port_chunks(ranges):
    """The port ranges in groups that one multiport match holds (15 slots, a range taking two)."""
    chunks, current, used = [], [], 0
    for port_range in ranges:
        if used + _slots(port_range) > MULTIPORT_SLOTS:
            chunks.append(current)
            current, used = [], 0
        current.append(port_range)
        used += _slots(port_range)
    if current:
        chunks.append(current)
    return chunks


def _ports_matches(protocol, source_ports, destination_ports):
    """The port matches as iptables-save prints them: a single range in the protocol's own match (-m tcp
    --sport A --dport B), several in multiport matches after it."""
    single = []
    if len(source_ports) == 1:
        single.append('--sport %s' % _port(source_ports[0]))
    if len(destination_ports) == 1:
        single.append('--dport %s' % _port(destination_ports[0]))
    parts = ['-p %s' % protocol]
    if single:
        parts.append('-m %s %s' % (protocol, ' '.join(single)))
    if len(source_ports) > 1:
        parts.append('-m multiport --sports %s' % ','.join(_port(r) for r in source_ports))
    if len(destination_ports) > 1:
        parts.append('-m multiport --dports %s' % ','.join(_port(r) for r in destination_ports))
    return ' '.join(parts)


def _comment(rule, port_ranges):
    """'atea-anywhere <rule>: <section purpose; ...>' for the provenance of the ports this line carries."""
    head = '%s %s: ' % (COMMENT_PREFIX, rule['name'])
    wanted = set(tuple(r) for r in port_ranges) if port_ranges is not None else None
    entries = []
    for port_range, found in provenance_by_range(rule):
        if wanted is None or port_range in wanted:
            entries.extend(e for e in found if not any(e is seen for seen in entries))
    return fit(head + provenance_text(entries, COMMENT_LIMIT - len(head.encode('utf-8'))), COMMENT_LIMIT)


def _line(chain, matches, comment, target='ACCEPT'):
    return '-A %s %s-m comment --comment %s -j %s' % (chain, matches + ' ' if matches else '', comment_argument(comment),
                                                      target)


def _port_groups(rule):
    """[(destination port ranges or None, the protocol and port matches)]: one per line a source and destination need."""
    family = rule['family']
    if rule['protocol'] == 'icmp':
        return [(None, '%s %d' % (_PROTOCOL[('icmp', family)], _ICMP_TYPES[(rule['icmp_type'], family)]))]
    source_chunks = port_chunks([tuple(r) for r in rule['source_ports']]) or [[]]
    return [(destinations, _ports_matches(rule['protocol'], sources, destinations))
            for sources in source_chunks for destinations in port_chunks([tuple(r) for r in rule['destination_ports']])]


def rule_chains(chain, sub_chain, rule):
    """{chain: iptables-save lines} of one compact rule.

    iptables matches one source and one destination network per rule (iptables(8): a list given to -s or -d
    is expanded into one rule per address), so a rule needs a line per source, destination and port group.
    Where that is more than a line per source in our chain, each jumping to the rule's own chain sub_chain
    that holds a line per destination and port group, the rule takes the second form: sources + destinations
    lines instead of sources x destinations (a thousand customer networks to each other).
    """
    groups = _port_groups(rule)
    sources, destinations = rule['sources'], rule['destinations']
    # Networks come in normal form with their prefix length (engine.check_rules), as iptables-save prints them.
    if len(sources) * len(destinations) * len(groups) <= len(sources) + len(destinations) * len(groups):
        return {chain: [_line(chain, '-s %s -d %s %s' % (source, destination, matches), _comment(rule, ports))
                        for source in sources for destination in destinations for ports, matches in groups]}
    return {chain: [_line(chain, '-s %s' % source, _comment(rule, None), sub_chain) for source in sources],
            sub_chain: [_line(sub_chain, '-d %s %s' % (destination, matches), _comment(rule, ports))
                        for destination in destinations for ports, matches in groups]}


def _base_lines(chain, hook, family, layout):
    """What each chain carries before the requirement rules: replies; on a host loopback, neighbour discovery
    and management access. No drop: what our chains do not accept goes on to the user's rules and policy."""
    host = layout.placement == 'host'
    lines = []
    if host:
        lines.append(_line(chain, '%s lo' % ('-i' if hook == 'input' else '-o'), COMMENT_PREFIX + ': loopback'))
    lines.append(_line(chain, '-m conntrack --ctstate RELATED,ESTABLISHED', COMMENT_PREFIX + ': replies and related flows'))
    if host and family == 'ipv6':
        lines.extend(_line(chain, '-p ipv6-icmp -m icmp6 --icmpv6-type %d' % number,
                           COMMENT_PREFIX + ': IPv6 neighbour discovery') for number in _ND_TYPES)
    if host and hook == 'input':
        for cidr in layout.management_networks:
            if inputs.family(cidr) == family:
                for ports in port_chunks(layout.management_ports):
                    lines.append(_line(chain, '-s %s %s' % (cidr, _ports_matches('tcp', [], ports)),
                                       COMMENT_PREFIX + ': management access'))
    return lines


def render(rules, layout):
    """{family: {chain: [iptables-save lines]}} for ipv4 (iptables) and ipv6 (ip6tables): each hook's chain, then the
    chains of its rules that have one (rule_chains)."""
    # Every free text of the comments, checked naming the rule and field it came from; comment_argument() quotes it.
    checked = check_rules(rules)
    check_comment_texts('iptables', checked)
    by_hook = rules_by_hook(checked, layout.placement)
    wanted = {}
    for family in FAMILIES:
        chains = {}
        for hook in layout.hooks:
            chain = layout.chain(hook)
            chains[chain] = _base_lines(chain, hook, family, layout)
            rules = [rule for rule in by_hook[hook] if rule['family'] == family]
            for number, rule in enumerate(rules, 1):
                for name, lines in rule_chains(chain, layout.sub_chain(hook, number), rule).items():
                    chains.setdefault(name, []).extend(lines)
        wanted[family] = chains
    return wanted
