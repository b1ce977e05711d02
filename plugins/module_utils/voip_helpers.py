# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requirement 1.1 on Linux: no SIP or H.323 inspection (conntrack helpers, the Linux 'ALG').

Finds every assignment of a SIP or H.323 helper - nftables 'ct helper' objects
and the rules that set them, iptables 'CT --helper' rules - and removes the
assignment only: a rule that also accepts, counts or jumps keeps doing so.
"""

from __future__ import annotations

import json
import os
import shlex

from ansible_collections.atea.anywhere.plugins.module_utils.files import in_shared_network_namespace, planned
from ansible_collections.atea.anywhere.plugins.module_utils.nftables_state import has_table

# Kernel helper names: nf_conntrack_sip registers 'sip'; nf_conntrack_h323 'RAS', 'Q.931' and 'H.245'.
HELPER_TYPES = {'sip': ('sip',), 'h323': ('RAS', 'Q.931', 'H.245')}
KERNEL_MODULES = ('nf_conntrack_sip', 'nf_nat_sip', 'nf_conntrack_h323', 'nf_nat_h323')
# iptables-save for each family, and where to see that the family has a raw table at all: iptables-nft
# keeps it in nftables ('table ip raw'), legacy iptables lists it in /proc/net/ip*_tables_names.
IPTABLES_SAVE = (('iptables-save', 'ip', '/proc/net/ip_tables_names'),
                 ('ip6tables-save', 'ip6', '/proc/net/ip6_tables_names'))


def raw_table_saves(ruleset, family, legacy_names, which, save):
    """The iptables-save commands that list a raw table of this family: iptables-nft-save where nft holds one,
    iptables-legacy-save where the legacy tables (legacy_names) hold one, each as which() finds it; plain
    iptables-save where neither variant's command exists (iptables before 1.8) and there is a raw table."""
    try:
        with open(legacy_names, encoding='utf-8') as handle:
            legacy = 'raw' in handle.read().split()
    except OSError:
        legacy = False
    nft = has_table(ruleset, family, 'raw')
    variants = [(save.replace('-save', '-nft-save'), nft), (save.replace('-save', '-legacy-save'), legacy)]
    found = [(which(name), held) for name, held in variants]
    if not any(binary for binary, _held in found):
        binary = which(save)
        return [binary] if binary and (nft or legacy) else []
    return [binary for binary, held in found if binary and held]


def helper_types(protocols):
    return set(t for p in protocols for t in HELPER_TYPES[p])


def _finding(kind, where, detail):
    return {'kind': kind, 'where': where, 'detail': detail}


def _names_in(value):
    """Helper names a 'ct helper set' statement can assign: a name, or the names in a map or verdict map."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_names_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_names_in(v) for v in value)) if value else set()
    return set()


def nft_plan(ruleset, protocols=('sip', 'h323')):
    """(findings, nft JSON commands) removing SIP/H.323 ct helper objects and their assignments.

    A statement assigning one of those helpers is removed from its rule; a rule left with nothing but
    matches is deleted. A map statement that also assigns other helpers goes too, and says so.
    """
    types = helper_types(protocols)
    helpers = {}
    for entry in ruleset:
        helper = entry.get('ct helper')
        if helper and helper.get('type') in types:
            helpers[(helper['family'], helper['table'], helper['name'])] = helper
    findings, commands = [], []
    for entry in ruleset:
        rule = entry.get('rule')
        if not rule:
            continue
        ours = [e for e in rule.get('expr', []) if isinstance(e, dict) and 'ct helper' in e
                and any((rule['family'], rule['table'], name) in helpers for name in _names_in(e['ct helper']))]
        if not ours:
            continue
        names = sorted(set().union(*(_names_in(e['ct helper']) for e in ours)))
        where = '%s %s chain %s handle %s' % (rule['family'], rule['table'], rule['chain'], rule['handle'])
        ref = dict((k, rule[k]) for k in ('family', 'table', 'chain', 'handle'))
        rest = [e for e in rule['expr'] if not any(e is o for o in ours)]
        if any(isinstance(e, dict) and 'match' not in e for e in rest):
            # The rule does more than assign the helper: keep it, and its comment, without the assignment.
            replacement = dict(ref, expr=rest)
            if 'comment' in rule:
                replacement['comment'] = rule['comment']
            commands.append({'replace': {'rule': replacement}})
            findings.append(_finding('nftables rule', where, 'ct helper set %s removed from the rule'
                                     % ', '.join(names)))
        else:
            commands.append({'delete': {'rule': ref}})
            findings.append(_finding('nftables rule', where, 'rule that only set ct helper %s deleted'
                                     % ', '.join(names)))
    for (family, table, name), helper in sorted(helpers.items()):
        commands.append({'delete': {'ct helper': {'family': family, 'table': table, 'name': name}}})
        findings.append(_finding('nftables ct helper', '%s %s' % (family, table),
                                 'ct helper %s (type %s) deleted' % (name, helper['type'])))
    return findings, commands


def nft_script(commands):
    return json.dumps({'nftables': commands})


def _helper_rules(save_output, protocols):
    """(table, line, words) of each 'CT --helper' rule for SIP/H.323 in iptables-save text."""
    types = helper_types(protocols)
    table = None
    for line in save_output.splitlines():
        if line.startswith('*'):
            table = line[1:].strip()
            continue
        if not line.startswith('-A '):
            continue
        words = shlex.split(line)
        if '--helper' in words[:-1] and words[words.index('--helper') + 1] in types:
            yield table, line, words


def iptables_plan(save_output, command, protocols=('sip', 'h323')):
    """(findings, argv lists) deleting 'CT --helper' rules for SIP/H.323 from iptables-save -t raw output."""
    findings, deletions = [], []
    for table, line, words in _helper_rules(save_output, protocols):
        deletions.append([command, '-t', table, '-D'] + words[1:])
        findings.append(_finding('%s rule' % os.path.basename(command), 'table %s chain %s' % (table, words[1]),
                                 '%s deleted' % line))
    return findings, deletions


def without_helper_rules(path, text, protocols=('sip', 'h323')):
    """A saved rules file (iptables-save format, loaded at boot) without its SIP/H.323 'CT --helper' rules, and a
    finding for each: removed only from the running tables, they would be back at the next boot."""
    removed = list(_helper_rules(text, protocols))
    lines = set(line for _table, line, _words in removed)
    kept = ''.join(line for line in text.splitlines(True) if line.rstrip('\n') not in lines)
    return kept, [_finding('rules file', path, '%s deleted (table %s)' % (line, table))
                  for table, line, _words in removed]


def blacklist_content(protocols=('sip', 'h323')):
    """modprobe.d content that keeps the helper modules from loading."""
    lines = ['# Managed by atea.anywhere: requirement 1.1, SIP and H.323 inspection off.']
    for module in KERNEL_MODULES:
        if any(p in module for p in protocols):
            lines.append('blacklist %s' % module)
            lines.append('install %s /bin/false' % module)
    return '\n'.join(lines) + '\n'


class Removal(object):
    """What removing the helpers takes: findings to report, nft JSON commands, iptables deletions, and
    what they touch (nftables tables as (family, name); iptables as (save, restore) binaries, raw table)."""

    def __init__(self):
        self.findings = []
        self.commands = []
        self.deletions = []
        self.tables = []
        self.iptables = []

    def __bool__(self):
        return bool(self.findings)


class HelperError(Exception):
    """An iptables command of the helper removal failed."""


def plan_removal(module, ruleset, protocols, iptables=True):
    """Find SIP/H.323 helper assignments (nftables, and iptables/ip6tables raw tables); changes nothing."""
    removal = Removal()
    removal.findings, removal.commands = nft_plan(ruleset, protocols)
    removal.tables = sorted(set((c[verb][kind]['family'], c[verb][kind]['table'])
                                for c in removal.commands for verb in c for kind in c[verb]))
    if iptables:
        for save, family, legacy_names in IPTABLES_SAVE:
            # Each variant that holds a raw table is read and changed with its own commands: the plain name is
            # whichever the system's alternative points to, which may not be the one holding the rules.
            for binary in raw_table_saves(ruleset, family, legacy_names, module.get_bin_path, save):
                name = os.path.basename(binary)
                rc, out, err = module.run_command([binary, '-t', 'raw'])
                if rc != 0:
                    raise HelperError('%s -t raw failed: %s' % (name, err.strip()))
                command = module.get_bin_path(name.replace('-save', ''), required=True)
                found, argvs = iptables_plan(out, command, protocols)
                removal.findings.extend(found)
                removal.deletions.extend(argvs)
                if argvs:
                    removal.iptables.append((binary, module.get_bin_path(name.replace('-save', '-restore'),
                                                                         required=True)))
    return removal


def apply_removal(module, nft, removal):
    """Carry out a plan_removal(); raises NftError or HelperError at the first command that fails."""
    if removal.commands:
        nft.apply_json(nft_script(removal.commands))
    for argv in removal.deletions:
        rc, _out, err = module.run_command(argv)
        if rc != 0:
            raise HelperError('%s failed: %s' % (' '.join(argv), err.strip()))


def blacklist_change(module, blacklist_file, protocols, diffs):
    """Whether the modprobe.d file must change (diff recorded); skipped with a warning in a shared namespace."""
    if not blacklist_file:
        return False
    if in_shared_network_namespace():
        module.warn('running in a named network namespace (ip netns exec), which shares the kernel and /etc with '
                    'the machine: %s is not written' % blacklist_file)
        return False
    return planned(blacklist_file, blacklist_content(protocols), diffs)
