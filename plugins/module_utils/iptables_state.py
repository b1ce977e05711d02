# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Have versus want for the iptables chains the collection owns, and one iptables-restore --noflush per family.

What is owned, in table filter of iptables (IPv4) and ip6tables (IPv6): the chains '<prefix>-FORWARD',
'-INPUT' and '-OUTPUT' with their rules, and every rule that jumps to one of them. Nothing else is written:
the change is one 'iptables-restore --noflush' input, which leaves every chain it does not name alone and
flushes a user chain it declares (iptables-restore(8): "--noflush: don't flush the previous contents of the
table"; checked with iptables 1.8.9, nft and legacy: a declared existing chain comes back empty).

Both sides are compared as iptables-save prints them: render_iptables writes that text.
"""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils.nftables_state import JUMP_COMMENT, objects_of
from ansible_collections.atea.anywhere.plugins.module_utils.nftables_transaction import StepError
from ansible_collections.atea.anywhere.plugins.module_utils.render_iptables import comment_argument

VARIANTS = ('auto', 'nft', 'legacy')
COMMANDS = {'ipv4': 'iptables', 'ipv6': 'ip6tables'}
BUILT_IN = ('INPUT', 'FORWARD', 'OUTPUT')
# iptables-legacy-restore takes the xtables lock (/run/xtables.lock, shared by every network namespace): wait
# for it rather than fail while another run holds it (iptables-restore(8), -w, --wait [seconds]).
WAIT = '--wait=30'
# The tables whose rules say a variant is in use (filter for rules, raw for conntrack helpers and notrack).
DETECTION_TABLES = ('filter', 'raw')


class IptablesError(StepError):
    """An iptables command failed, or its output could not be read; a step of nftables_transaction.Transaction that
    fails with it restores the snapshot."""


class Iptables(object):
    """The commands of one variant (nft or legacy). runner(argv, data) -> (rc, stdout, stderr); which(name) -> path."""

    def __init__(self, runner, which, variant):
        self._runner = runner
        self._which = which
        self.variant = variant

    def binary(self, family, tool):
        """The path of iptables-nft-save, ip6tables-legacy-restore, ... (tool: save, restore)."""
        name = '%s-%s-%s' % (COMMANDS[family], self.variant, tool)
        path = self._which(name)
        if not path:
            raise IptablesError('%s is not installed' % name)
        return path

    def run(self, argv, data=None):
        rc, out, err = self._runner(argv, data)
        if rc != 0:
            raise IptablesError('%s failed (rc=%s): %s' % (' '.join(argv[:3]), rc, (err or out).strip()))
        return out

    def save(self, family, table='filter'):
        return self.run([self.binary(family, 'save'), '-t', table])

    def restore(self, family, text):
        """Apply one --noflush input; iptables-restore commits a table's lines as one transaction at COMMIT."""
        self.run([self.binary(family, 'restore'), WAIT, '--noflush'], text)

    def test(self, family, text):
        """iptables-restore --test: the input is read and checked, nothing is committed."""
        self.run([self.binary(family, 'restore'), WAIT, '--noflush', '--test'], text)

    def test_file(self, family, path):
        """A whole rules file (as the boot service loads it, without --noflush) is read and checked."""
        self.run([self.binary(family, 'restore'), WAIT, '--test', path])


def tables_of(save_text):
    """{table: {'chains': [name, ...], 'policies': {name: policy}, 'rules': [line, ...]}} from iptables-save output,
    in its order (a user chain's policy is '-')."""
    tables, current = {}, None
    for line in save_text.splitlines():
        if line.startswith('*'):
            current = tables.setdefault(line[1:].strip(), {'chains': [], 'policies': {}, 'rules': []})
        elif current is None or line.startswith('#') or not line.strip() or line.strip() == 'COMMIT':
            continue
        elif line.startswith(':'):
            name, policy = (line[1:].split() + ['-'])[:2]
            current['chains'].append(name)
            current['policies'][name] = policy
        elif line.startswith('-A '):
            current['rules'].append(line)
        else:
            raise IptablesError('unexpected line in iptables-save output: %r' % line)
    return tables


def has_rules(save_text, tables=DETECTION_TABLES):
    return any(tables_of(save_text).get(table, {}).get('rules') for table in tables)


def choose_variant(requested, rules_in, version_text):
    """The variant to drive: requested unless 'auto'; else the one holding rules (rules_in: {variant: bool}),
    else what 'iptables -V' reports, 'v1.8.9 (nf_tables)' or 'v1.8.9 (legacy)'."""
    if requested != 'auto':
        return requested
    holding = [variant for variant in ('nft', 'legacy') if rules_in.get(variant)]
    if len(holding) == 2:
        raise IptablesError('both iptables-nft and iptables-legacy hold rules (tables filter or raw): the packets '
                            'pass both, and which one to add to is not clear; set variant nft or legacy')
    if holding:
        return holding[0]
    if '(nf_tables)' in version_text:
        return 'nft'
    if '(legacy)' in version_text:
        return 'legacy'
    raise IptablesError('neither variant holds rules and iptables -V does not say which it is (%r); set variant '
                        'nft or legacy' % version_text.strip())


def _chain_of(line):
    return line.split(None, 2)[1]


def _spec(line):
    """A rule line without its '-A <chain> '."""
    return line.split(None, 2)[2] if len(line.split(None, 2)) > 2 else ''


def _target(line):
    words = line.split()
    return words[-1] if len(words) >= 2 and words[-2] == '-j' else None


_TERMINAL = re.compile(r'(-m comment --comment ("(\\.|[^"\\])*"|\S+) )?-j (DROP|REJECT( --reject-with \S+)?)')


def is_terminal(line):
    """A rule that only drops or rejects (a comment aside): nothing after it in its chain is reached."""
    return bool(_TERMINAL.fullmatch(_spec(line)))


def jump_line(parent, chain):
    return '-A %s -m comment --comment %s -j %s' % (parent, comment_argument(JUMP_COMMENT), chain)


class Jump(object):
    """A rule jumping to one of our chains: its line, index in its chain, and how many other rules come before it."""

    def __init__(self, line, index, position):
        self.line = line
        self.chain = _chain_of(line)
        self.target = _target(line)
        self.index = index
        self.position = position

    def text(self):
        return '# chain %s: %s after %d other rules\n' % (self.chain, _spec(self.line), self.position)


class Plan(object):
    """One family's difference: the owned part before and after (for the diff), and the restore input."""

    def __init__(self, family, before, after, script, warnings=()):
        self.family = family
        self.before = before
        self.after = after
        self.script = script
        self.warnings = list(warnings)

    @property
    def changed(self):
        return self.before != self.after


def _chain_rules(table, chain):
    return [line for line in table['rules'] if _chain_of(line) == chain]


def _jumps(table, layout):
    """Every rule of a chain not ours that jumps to one of ours, with its index and the other rules before it."""
    found = []
    for chain in table['chains']:
        others = 0
        for index, line in enumerate(_chain_rules(table, chain)):
            if _target(line) and layout.owns(_target(line)) and not layout.owns(chain):
                found.append(Jump(line, index, others))
            else:
                others += 1
    return found


def _jumps_to_ours(line, layout):
    return bool(_target(line)) and layout.owns(_target(line))


def jump_place(rules, layout, jump_position):
    """How many of the chain's other rules (not jumps to ours) come before our jump: none ('first'), or all of
    them up to the first rule that only drops or rejects ('after_user_rules'), which nothing passes."""
    others = [line for line in rules if not _jumps_to_ours(line, layout)]
    if jump_position == 'first':
        return 0
    for index, line in enumerate(others):
        if is_terminal(line):
            return index
    return len(others)


def owned_text(chains, jumps):
    """The owned part as a diff shows it: our chains (by name, as iptables-legacy-save and -nft-save order them
    differently) with their rules, then where each jump stands."""
    lines = []
    for chain, rules in sorted(chains):
        lines.append(':%s - [0:0]\n' % chain)
        lines.extend(line + '\n' for line in rules)
    return ''.join(lines) + ''.join(sorted(jump.text() for jump in jumps))


def plan(family, save_text, layout, wanted, jump_position='after_user_rules'):
    """The change of one family from its iptables-save -t filter text; wanted: {chain: lines}, or None for absent."""
    table = tables_of(save_text).get('filter', {'chains': [], 'policies': {}, 'rules': []})
    existing = [chain for chain in table['chains'] if layout.owns(chain)]
    jumps = _jumps(table, layout)
    before = owned_text([(chain, _chain_rules(table, chain)) for chain in existing], jumps)
    wanted = wanted or {}
    keep, places = [], {}
    for hook in (layout.hooks if wanted else ()):
        parent, chain = layout.parent_chains[hook], layout.chain(hook)
        if parent not in table['chains'] and parent not in BUILT_IN:
            raise IptablesError('%s table filter has no chain %s (option parent_chains)' % (COMMANDS[family], parent))
        places[hook] = jump_place(_chain_rules(table, parent), layout, jump_position)
        right = [j for j in jumps if j.line == jump_line(parent, chain)]
        keep.extend(j for j in right[:1] if j.position == places[hook])
    after_jumps = [Jump(jump_line(layout.parent_chains[hook], layout.chain(hook)), 0, places[hook]) for hook in places]
    after = owned_text(list(wanted.items()), after_jumps)
    # Our chains only accept: behind a parent that accepts everything anyway they change nothing.
    warnings = ['%s chain %s has policy ACCEPT and no rule that drops or rejects everything: the Atea rules accept '
                'what it accepts anyway, and nothing else is refused; give it a DROP policy or a final drop rule'
                % (COMMANDS[family], layout.parent_chains[hook]) for hook in places
                if table['policies'].get(layout.parent_chains[hook], 'ACCEPT') == 'ACCEPT'
                and not any(is_terminal(line) for line in _chain_rules(table, layout.parent_chains[hook]))]
    if before == after:
        return Plan(family, before, after, '', warnings)
    dropped = [j for j in jumps if j not in keep]
    lines = ['*filter']
    # Jumps go first: a chain cannot be deleted while a rule jumps to it. -D with the rule's own text deletes its
    # first match, so a rule found twice is deleted twice.
    lines.extend('-D %s %s' % (j.chain, _spec(j.line)) for j in dropped)
    # Declared in --noflush: made, or emptied. All before any rule, as a rule may jump to a rule's chain.
    refill = [chain for chain, rules in wanted.items() if chain not in existing or _chain_rules(table, chain) != rules]
    lines.extend(':%s - [0:0]' % chain for chain in refill)
    # Chains no longer wanted: all emptied before any is deleted, as ours jump to each other.
    gone = [chain for chain in existing if chain not in wanted]
    lines.extend('-F %s' % chain for chain in gone)
    lines.extend('-X %s' % chain for chain in gone)
    lines.extend(line for chain in refill for line in wanted[chain])
    kept = set(j.target for j in keep)
    for hook, position in places.items():
        parent, chain = layout.parent_chains[hook], layout.chain(hook)
        if chain in kept:
            continue
        remaining = [(index, line) for index, line in enumerate(_chain_rules(table, parent))
                     if not any(j.chain == parent and j.index == index for j in dropped)]
        others = [n for n, (_index, line) in enumerate(remaining) if not _jumps_to_ours(line, layout)]
        if position < len(others):
            lines.append('-I %s %d %s' % (parent, others[position] + 1, _spec(jump_line(parent, chain))))
        elif jump_position == 'first':
            lines.append('-I %s 1 %s' % (parent, _spec(jump_line(parent, chain))))
        else:
            lines.append(jump_line(parent, chain))
    lines.append('COMMIT')
    return Plan(family, before, after, '\n'.join(lines) + '\n', warnings)


def persisted_text(text, layout, wanted, jump_position='after_user_rules'):
    """A rules file (iptables-save format, as netfilter-persistent restores it) with our chains, rules and jumps
    in its *filter section replaced by wanted ({chain: lines}, or None to remove them); every other line kept."""
    lines = text.splitlines()
    kept, section, start, end = [], None, None, None
    for line in lines:
        if line.startswith('*'):
            section = line[1:].strip()
        words = line.split()
        if section == 'filter' and words and (
                (words[0].startswith(':') and layout.owns(words[0][1:]))
                or (words[0] == '-A' and len(words) > 1 and (layout.owns(words[1]) or _jumps_to_ours(line, layout)))):
            continue
        if section == 'filter' and line.startswith('*'):
            start = len(kept)
        if section == 'filter' and line.strip() == 'COMMIT':
            end = len(kept)
            section = None
        kept.append(line)
    if not wanted:
        return text if len(kept) == len(lines) else '\n'.join(kept) + '\n'
    if start is None:
        kept.extend(['*filter', 'COMMIT'])
        start, end = len(kept) - 2, len(kept) - 1
    body = kept[start + 1:end]
    declarations = [n for n, line in enumerate(body) if line.startswith(':')]
    at = declarations[-1] + 1 if declarations else 0
    body[at:at] = [':%s - [0:0]' % chain for chain in wanted]
    for hook in layout.hooks:
        parent, jump = layout.parent_chains[hook], jump_line(layout.parent_chains[hook], layout.chain(hook))
        rules = [n for n, line in enumerate(body) if line.startswith('-A %s ' % parent)]
        if jump_position == 'first':
            where = rules[0] if rules else len(body)
        else:
            terminal = [n for n in rules if is_terminal(body[n])]
            where = terminal[0] if terminal else (rules[-1] + 1 if rules else len(body))
        body.insert(where, jump)
    body.extend(line for rules in wanted.values() for line in rules)
    return '\n'.join(kept[:start + 1] + body + kept[end:]) + '\n'


def snapshot_entry(ipt, family, saved, ruleset):
    """Table filter of one family for nftables_transaction's snapshot, as its raw tables are saved: restored with
    'iptables-restore -T filter' (the table flushed and loaded whole); with iptables-nft, the table's chains as nft
    listed them (ruleset; None where nft is not installed), so that chains the change made are removed again."""
    entry = {'restore': ipt.binary(family, 'restore'), 'table': 'filter', 'saved': saved}
    nft_family = 'ip' if family == 'ipv4' else 'ip6'
    if ipt.variant == 'nft' and ruleset is not None:
        entry.update(nft_table=[nft_family, 'filter'],
                     nft_chains=[chain['name'] for chain in objects_of(ruleset, 'chain')
                                 if (chain.get('family'), chain.get('table')) == (nft_family, 'filter')])
    return entry
