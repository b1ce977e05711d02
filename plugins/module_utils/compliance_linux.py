# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The units of compliance (see compliance.py) of the Linux managers, wanted and live, read with their own readers.

- nftables: the wanted table is loaded into a private, empty network namespace (unshare --net) and listed back as
  JSON and text, so both sides come from nft's own printer; a rule is a unit, keyed by its chain and its statements
  without the destination port match; its ports are read from that match (a value, a range or a set, element
  comments aside). The rule's name is in its comment.
- iptables: render_iptables writes lines as iptables-save prints them; a line is a unit, keyed by its family and
  words without the comment and the destination port match (--dport, --dports).
- ufw: each rule in ufw's user rules files, keyed by its tuple without the destination ports; ICMP rows are
  accepted (or not) by ufw's before rules (ufw_state.icmp_coverage).
- firewalld: each rich rule of our policies, keyed by its policy and text without the port; the rule it belongs
  to is found by that key (rich rules hold no comment).
"""

from __future__ import annotations

import json
import re
import shlex

from ansible_collections.atea.anywhere.plugins.module_utils import (
    files,
    firewalld_state,
    iptables_state,
    linux_managers,
    render_firewalld,
    render_iptables,
    render_nftables,
    render_ufw,
    ufw_state,
)
from ansible_collections.atea.anywhere.plugins.module_utils.compliance import Unit, Unread
from ansible_collections.atea.anywhere.plugins.module_utils.engine import FAMILIES
from ansible_collections.atea.anywhere.plugins.module_utils.nftables_state import NftError, has_table, objects_of
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import COMMENT_PREFIX

# 'atea-anywhere outbound-mpls-tcp-ipv4: 2.1 ...': the comment of every object of a rule starts with its name.
_NAMED = re.compile(r'%s ([a-z0-9][a-z0-9-]*):' % re.escape(COMMENT_PREFIX))


def rule_name(comment):
    """The rule a comment names, or None (the collection's other comments, and everyone else's)."""
    match = _NAMED.match(comment or '')
    return match.group(1) if match else None


# -- nftables --------------------------------------------------------------------------------------------------

def port_ranges(value):
    """The (low, high) port ranges of the right side of an nft JSON match: a number, a range, a set (of elements
    with or without comments); None where it is something else (a named set, for one)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [(value, value)]
    if isinstance(value, dict) and isinstance(value.get('range'), list) and len(value['range']) == 2:
        return [tuple(value['range'])]
    if isinstance(value, dict) and 'elem' in value:
        return port_ranges(value['elem'].get('val'))
    if isinstance(value, dict) and isinstance(value.get('set'), list):
        value = value['set']
    if isinstance(value, list):
        parts = [port_ranges(item) for item in value]
        return None if any(part is None for part in parts) else [r for part in parts for r in part]
    return None


def _is_dport_match(statement):
    match = statement.get('match') if isinstance(statement, dict) else None
    payload = match.get('left', {}).get('payload', {}) if isinstance(match, dict) else {}
    return isinstance(payload, dict) and payload.get('field') == 'dport' and match.get('op') == '=='


def split_ports(expr):
    """(the statements without the destination port match, the ports it allows or None)."""
    ports = [s for s in expr if _is_dport_match(s)]
    rest = [s for s in expr if not _is_dport_match(s)]
    return rest, (port_ranges(ports[0]['match']['right']) if len(ports) == 1 else None)


def listed_rules(text):
    """{(chain, handle): rule text} from 'nft -a list table' output."""
    rules, chain = {}, None
    for line in text.splitlines():
        words = line.strip()
        match = re.match(r'chain (\S+) \{', words)
        if match:
            chain = match.group(1)
            continue
        match = re.match(r'(.*\S) # handle ([0-9]+)$', words)
        if match and chain and not words.startswith('table '):
            rules[(chain, int(match.group(2)))] = match.group(1)
    return rules


# Statements that can stop a packet before the rules after it (accept lets it through: ours would have too).
_STOPS = ('drop', 'reject', 'jump', 'goto', 'return', 'queue')
# Statements that neither match nor stop: a rule of only these and a drop or reject stops every packet.
_UNCONDITIONAL = ('counter', 'log', 'drop', 'reject')


def _stops(rule):
    return any(isinstance(s, dict) and any(key in s for key in _STOPS) for s in rule.get('expr', []))


def _stops_all(rule):
    """A rule that drops or rejects every packet (no match; counting and logging aside)."""
    statements = [s for s in rule.get('expr', []) if isinstance(s, dict)]
    return (bool(statements) and all(len(s) == 1 and next(iter(s)) in _UNCONDITIONAL for s in statements)
            and any('drop' in s or 'reject' in s for s in statements))


def unnamed_rules(ruleset):
    """(chain, statements) of the rules without a rule's name (the renderer's own: replies, invalid, loopback)."""
    return set((r.get('chain'), json.dumps(r.get('expr', []), sort_keys=True)) for r in objects_of(ruleset, 'rule')
               if rule_name(r.get('comment')) is None)


def nft_units(ruleset, texts, layout, ours=None):
    """The units of the named rules in the layout's chains of its table (nft JSON objects; texts from listed_rules).
    ours: for the live units, the rules the renderer writes without a rule's name (unnamed_rules of the wanted table):
    a rule of neither kind before a named one in its chain that can stop packets (drop, reject, jump, ...) is its
    shadow."""
    chains = [layout.chain_name(hook) for hook in layout.hooks]
    units, shadows = [], {}
    for rule in objects_of(ruleset, 'rule'):
        if (rule.get('family'), rule.get('table')) != (layout.table_family, layout.table) or rule.get('chain') not in chains:
            continue
        name = rule_name(rule.get('comment'))
        text = texts.get((rule['chain'], rule.get('handle')), '')
        if name is None:
            foreign = ours is not None and not (rule.get('comment') or '').startswith(COMMENT_PREFIX) and (
                rule['chain'], json.dumps(rule.get('expr', []), sort_keys=True)) not in ours
            if foreign and _stops(rule):
                shadows.setdefault(rule['chain'], 'after a rule not of the collection in chain %s, which can stop the '
                                   'flow before it: %s' % (rule['chain'], text or 'handle %s' % rule.get('handle')))
            continue
        rest, ranges = split_ports(rule.get('expr', []))
        units.append(Unit(name, (rule['chain'], json.dumps(rest, sort_keys=True)), ranges,
                          'chain %s: %s' % (rule['chain'], text), rule['chain'], shadows.get(rule['chain'])))
    return units


_FAMILY_OF_TABLE = {'ip': 'ipv4', 'ip6': 'ipv6'}


def nft_unreached(ruleset, layout, others=(), texts=None):
    """Chain of ours (or (chain, family)) -> why it does not decide packets even where it holds the rules: in mode
    chain no rule of the user's base chain jumps to it, or one that drops or rejects every packet comes first; in mode
    table it is not a base chain on its hook; in both, a base chain of another table on its hook drops by policy
    (every base chain on a hook has to let a packet through). others: the linux_managers Findings of firewalld and ufw,
    whose own chains reject what they do not allow when active. texts: listed_rules of the layout's table."""
    common = ['%s is active (%s): its own chains reject what it does not allow, nftables rules alone do not let the '
              'flows through' % (f.manager, f.evidence) for f in others if f is not None and f.active]
    unreached = {}
    ref = (layout.table_family, layout.table)
    chains = dict((c['name'], c) for c in objects_of(ruleset, 'chain') if (c.get('family'), c.get('table')) == ref)
    for hook in layout.hooks:
        ours = layout.chain_name(hook)
        reasons = list(common)
        if ours in chains and layout.mode == 'table' and chains[ours].get('hook') != hook:
            reasons.append('chain %s is not a base chain on the %s hook' % (ours, hook))
        if ours in chains and layout.mode == 'chain':
            parent = layout.parent_chains[hook]
            rules = [r for r in objects_of(ruleset, 'rule') if (r.get('family'), r.get('table'), r.get('chain')) == ref + (parent,)]
            jumps = [n for n, r in enumerate(rules)
                     if any(isinstance(s, dict) and s.get('jump', {}).get('target') == ours for s in r.get('expr', []))]
            stops = [r for r in rules[:jumps[0]] if _stops_all(r)] if jumps else []
            if not jumps:
                reasons.append('no rule of chain %s jumps to chain %s, so its rules are not reached' % (parent, ours))
            elif stops:
                reasons.append('not reached: chain %s drops or rejects every packet before its jump to chain %s (%s)'
                               % (parent, ours, (texts or {}).get((parent, stops[0].get('handle')))
                                  or 'handle %s' % stops[0].get('handle')))
        unreached[ours] = '; '.join(reasons) or None
        for chain in objects_of(ruleset, 'chain'):
            family = chain.get('family')
            if (family, chain.get('table')) == ref or chain.get('hook') != hook or chain.get('policy') != 'drop' or (
                    family not in ('inet',) + tuple(_FAMILY_OF_TABLE)):
                continue
            key = (ours, _FAMILY_OF_TABLE[family]) if family in _FAMILY_OF_TABLE else ours
            reason = ('chain %s of table %s %s is a base chain on the %s hook with policy drop: a packet goes through '
                      'only where every base chain on its hook accepts it, and what that chain accepts is not read '
                      'here' % (chain.get('name'), family, chain.get('table'), hook))
            unreached[key] = '; '.join(r for r in (unreached.get(key), reason) if r)
    return unreached


def _run(runner, argv, data=None):
    rc, out, err = runner(argv, data)
    if rc != 0:
        raise NftError('%s failed (rc=%s): %s' % (' '.join(argv[:4]), rc, (err or out).strip()))
    return out


def nft_wanted(runner, nft, unshare, rules, layout):
    """(the wanted units, the renderer's unnamed rules): the rendered table loaded into a private network namespace,
    listed back as JSON and text."""
    ref = '%s %s' % (layout.table_family, layout.table)
    shell = '%s -f - && %s -j list table %s && %s -a list table %s' % (nft, nft, ref, nft, ref)
    out = _run(runner, [unshare, '--net', 'sh', '-c', shell], render_nftables.render(rules, layout))
    first, _sep, listing = out.partition('\n')
    try:
        ruleset = json.loads(first)['nftables']
    except (ValueError, KeyError, TypeError):
        raise NftError('could not read the output of nft -j list table %s' % ref)
    return nft_units(ruleset, listed_rules(listing), layout), unnamed_rules(ruleset)


def nftables_reading(runner, nft, unshare, ruleset, rules, layout, others=()):
    """compliance.report's reading for nftables; ruleset: the live 'nft -j -a list ruleset' objects."""
    def reading():
        ref = [layout.table_family, layout.table]
        try:
            wanted, ours = nft_wanted(runner, nft, unshare, rules, layout)
            listing = _run(runner, [nft, '-a', 'list', 'table'] + ref) if has_table(ruleset, *ref) else ''
        except NftError as error:
            raise Unread('nftables could not be read: %s' % error, 'nft')
        texts = listed_rules(listing)
        live = nft_units(ruleset, texts, layout, ours)
        return ('live', 'nft -j -a list ruleset; nft -a list table %s' % ' '.join(ref), wanted, live,
                nft_unreached(ruleset, layout, others, texts), ' in table %s' % ' '.join(ref))
    return reading


# -- iptables --------------------------------------------------------------------------------------------------

def _iptables_ports(text):
    return [tuple(int(p) for p in (part.split(':') * 2)[:2]) for part in text.split(',')]


def line_unit(family, line):
    """The unit of one iptables-save line of a named rule, or None (lines without a rule's name)."""
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    rest, ranges, name, index = [], None, None, 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ''
        if word == '--comment':
            name = rule_name(following)
            index += 2
        elif word == '-m' and following in ('comment', 'multiport', 'tcp', 'udp'):
            index += 2
        elif word in ('--dport', '--dports', '--destination-port', '--destination-ports'):
            try:
                ranges = (ranges or []) + _iptables_ports(following)
            except ValueError:
                rest.extend((word, following))
            index += 2
        else:
            rest.append(word)
            index += 1
    if name is None:
        return None
    return Unit(name, (family, ' '.join(rest)), ranges, line, family)


def iptables_units(family, lines):
    return [unit for unit in (line_unit(family, line) for line in lines) if unit is not None]


# Targets that let the packet on to the next rule, or accept it (ours would have too).
_PASSES = ('ACCEPT', 'LOG', 'NFLOG', 'MARK', 'CONNMARK', 'TRACE')


def _foreign_stop(line):
    """Whether a line without a rule's name can stop a packet before the rules after it: it jumps (-j, -g) to
    anything but a target that accepts or lets it go on, and its comment is not the collection's."""
    try:
        words = shlex.split(line)
    except ValueError:
        return True
    comments = [words[n + 1] for n, w in enumerate(words[:-1]) if w == '--comment']
    if any(c.startswith(COMMENT_PREFIX) for c in comments):
        return False
    targets = [words[n + 1] for n, w in enumerate(words[:-1]) if w in ('-j', '--jump', '-g', '--goto')]
    return any(target not in _PASSES for target in targets)


def iptables_live(family, save_text, layout, wanted_lines=None):
    """(units of the chains of ours, why our chains are not reached or None) of one family's iptables-save text.
    wanted_lines: the lines the renderer writes; a line of our chains that is none of them, names no rule and can
    stop a packet shadows the named lines after it in its chain."""
    table = iptables_state.tables_of(save_text).get('filter', {'chains': [], 'rules': []})
    units, shadows = [], {}
    for line in table['rules']:
        chain = line.split()[1]
        if not layout.owns(chain):
            continue
        unit = line_unit(family, line)
        if unit is not None:
            units.append(unit._replace(shadow=shadows.get(chain)))
        elif wanted_lines is not None and line not in wanted_lines and _foreign_stop(line):
            shadows.setdefault(chain, 'after a rule not of the collection in chain %s, which can stop the flow before '
                                      'it: %s' % (chain, line))
    reasons = []
    for hook, parent in sorted(layout.parent_chains.items()):
        ours = layout.chain(hook)
        if ours not in table['chains']:
            continue
        rules = [line for line in table['rules'] if line.split()[1] == parent]
        jump = iptables_state.jump_line(parent, ours)
        if jump not in rules:
            reasons.append('no rule of chain %s jumps to chain %s, so its rules are not reached' % (parent, ours))
            continue
        stops = [line for line in rules[:rules.index(jump)] if iptables_state.is_terminal(line)]
        if stops:
            reasons.append('not reached: chain %s drops or rejects every packet before its jump to chain %s (%s)'
                           % (parent, ours, stops[0]))
    return units, '; '.join(reasons) or None


def iptables_reading(runner, which, variant, rules, layout):
    """compliance.report's reading for iptables. variant auto reads both variants and takes the one holding chains of
    ours (else the first one installed)."""
    def reading():
        wanted_lines = render_iptables.render(rules, layout)
        wanted = [u for family in FAMILIES for lines in wanted_lines[family].values()
                  for u in iptables_units(family, lines)]
        candidates, tried = [], []
        for name in (('nft', 'legacy') if variant == 'auto' else (variant,)):
            ipt = iptables_state.Iptables(runner, which, name)
            try:
                # Without -t: only the tables that exist are listed, so reading makes none (with -t filter a variant
                # not in use would get an empty table).
                saves = dict((family, ipt.run([ipt.binary(family, 'save')])) for family in FAMILIES)
            except iptables_state.IptablesError as error:
                tried.append(str(error))
                continue
            holds = any(layout.owns(chain) for text in saves.values()
                        for chain in iptables_state.tables_of(text).get('filter', {}).get('chains', []))
            candidates.append((not holds, name, saves))
        if not candidates:
            raise Unread('iptables could not be read: %s' % '; '.join(tried), 'iptables-save')
        _empty, name, saves = sorted(candidates, key=lambda c: c[0])[0]
        live, unreached = [], {}
        for family in FAMILIES:
            units, unreached[family] = iptables_live(family, saves[family], layout,
                                                     set(line for lines in wanted_lines[family].values() for line in lines))
            live.extend(units)
        read_from = '; '.join('%s-%s-save' % (iptables_state.COMMANDS[f], name) for f in FAMILIES)
        return 'live', read_from, wanted, live, unreached, ' in the %s chains of iptables-%s' % (layout.chain_prefix, name)
    return reading


# -- ufw -------------------------------------------------------------------------------------------------------

def _ufw_unit(name, family, tuple_fields, text):
    fields = tuple_fields.split()
    if len(fields) != 7:
        return Unit(name, (family, tuple_fields), None, text, family)
    ranges = None if fields[2] == 'any' else _iptables_ports(fields[2])
    return Unit(name, (family, ' '.join(fields[:2] + fields[3:])), ranges, text, family)


def ufw_wanted(rules, layout):
    return [_ufw_unit(rule_name(r.comment), r.family, r.tuple_fields(), r.command())
            for r in render_ufw.render(rules, layout) if rule_name(r.comment)]


def ufw_live(user_rules):
    """The units of ours in ufw's user rules files: family -> ufw_state.UserRules."""
    return [_ufw_unit(rule_name(block.comment), family, block.tuple, block.command())
            for family, rules in sorted(user_rules.items()) for block in rules.ours() if rule_name(block.comment)]


def ufw_icmp(rules, layout, before_texts, defaults):
    """(wanted, live) units of the ICMP rules: ufw rules cannot match ICMP types, ufw's before rules accept them."""
    needs = render_ufw.icmp_rules(rules, layout)
    wanted, live = [], []
    for name in sorted(set(n[0] for n in needs)):
        own = [n for n in needs if n[0] == name]
        key = ('icmp',) + tuple(sorted(set(n[1:] for n in own)))
        wanted.append(Unit(name, key, None, 'ICMP echo-request accepted in %s' % ', '.join(n[2] for n in own), own[0][1]))
        notes, missing = ufw_state.icmp_coverage(own, before_texts, defaults)
        if not missing:
            live.append(Unit(name, key, None, '; '.join(note['covered_by'] for note in notes), own[0][1]))
    return wanted, live


def ufw_reading(host, rules, layout):
    """compliance.report's reading for ufw (host: a linux_managers.Host for ufw status)."""
    def reading():
        try:
            found = linux_managers.ufw_finding(host)
            user_rules = dict((family, ufw_state.read_user_rules(family)) for family in ufw_state.USER_RULES)
            before = dict((family, (path, files.read_text(path))) for family, path in ufw_state.BEFORE_RULES.items())
            defaults = ufw_state.read_defaults()
        except (linux_managers.ManagerError, files.FileError) as error:
            raise Unread('ufw could not be read: %s' % error, 'ufw status; %s' % ', '.join(ufw_state.USER_RULES.values()))
        icmp_wanted, icmp_live = ufw_icmp(rules, layout, before, defaults)
        unreached = dict.fromkeys(FAMILIES, None if found and found.active else
                                  'ufw is not active (%s): its rules are not in force' % (found.evidence if found else
                                                                                          'not installed'))
        if not ufw_state.ipv6_enabled(defaults):
            unreached['ipv6'] = 'IPV6 is not "yes" in %s, so ufw does not load its IPv6 rules' % ufw_state.DEFAULTS
        read_from = 'ufw status; %s' % '; '.join(sorted(ufw_state.USER_RULES.values()) + sorted(
            ufw_state.BEFORE_RULES.values()))
        return ('live', read_from, ufw_wanted(rules, layout) + icmp_wanted, ufw_live(user_rules) + icmp_live,
                unreached, ' in ufw\'s rules')
    return reading


# -- firewalld -------------------------------------------------------------------------------------------------

_RICH_PORT = re.compile(r' port port="([0-9-]+)"')


def _rich_unit(name, policy, text):
    match = _RICH_PORT.search(text)
    ranges = [tuple(int(p) for p in (match.group(1).split('-') * 2)[:2])] if match else None
    return Unit(name, (policy, _RICH_PORT.sub(' port port=""', text)), ranges, 'policy %s: %s' % (policy, text))


def firewalld_wanted(rules, layout):
    _policies, provenance = render_firewalld.render(rules, layout)
    return [_rich_unit(name, policy, text) for policy, text, name, _sections in provenance if name != 'management']


def firewalld_live(policies, layout, wanted):
    """The units of the rich rules of our policies (policies: name -> firewalld_state.parse_listing entry), each
    given to the rule whose wanted unit has its key."""
    rule_of_key = dict((u.key, u.rule) for u in wanted)
    units = []
    for policy in sorted(layout.names.values()):
        for text in (policies.get(policy) or {}).get('rich rules', []):
            unit = _rich_unit(None, policy, text)
            if unit.key in rule_of_key:
                units.append(unit._replace(rule=rule_of_key[unit.key]))
    return units


def firewalld_reading(cmd, host, rules, layout):
    """compliance.report's reading for firewalld (cmd: firewalld_state.FirewallCmd; the runtime policies)."""
    def reading():
        found = linux_managers.firewalld_finding(host)
        if not found or not found.active:
            raise Unread('firewalld is not running (%s): its policies cannot be read; start it, or report on the '
                         'manager that filters this host' % (found.evidence if found else 'not installed'),
                         'firewall-cmd --state')
        try:
            policies = firewalld_state.parse_listing(cmd.read('--list-all-policies'))
        except firewalld_state.FirewalldError as error:
            raise Unread('firewalld could not be read: %s' % error, 'firewall-cmd --list-all-policies')
        wanted = firewalld_wanted(rules, layout)
        return ('live', 'firewall-cmd --list-all-policies (runtime)', wanted, firewalld_live(policies, layout, wanted),
                {}, ' in firewalld policies %s' % ', '.join(layout.names[hook] for hook in layout.hooks))
    return reading
