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
import shlex

from ansible_collections.atea.anywhere.plugins.module_utils.files import sync_file

# Kernel helper names: nf_conntrack_sip registers 'sip'; nf_conntrack_h323 'RAS', 'Q.931' and 'H.245'.
HELPER_TYPES = {'sip': ('sip',), 'h323': ('RAS', 'Q.931', 'H.245')}
KERNEL_MODULES = ('nf_conntrack_sip', 'nf_nat_sip', 'nf_conntrack_h323', 'nf_nat_h323')
# iptables-save for each family, and where to see that the family has a raw table at all: iptables-nft
# keeps it in nftables ('table ip raw'), legacy iptables lists it in /proc/net/ip*_tables_names.
IPTABLES_SAVE = (('iptables-save', 'ip', '/proc/net/ip_tables_names'),
                 ('ip6tables-save', 'ip6', '/proc/net/ip6_tables_names'))


def has_raw_table(ruleset, family, legacy_names):
    """Whether iptables of this family has a raw table, where CT --helper rules live."""
    if any((t.get('family'), t.get('name')) == (family, 'raw') for t in (e.get('table') for e in ruleset) if t):
        return True
    try:
        with open(legacy_names, encoding='utf-8') as handle:
            return 'raw' in handle.read().split()
    except OSError:
        return False


def helper_types(protocols):
    return set(t for p in protocols for t in HELPER_TYPES[p])


def _finding(kind, where, detail):
    return {'kind': kind, 'where': where, 'detail': detail}


def nft_plan(ruleset, protocols=('sip', 'h323')):
    """(findings, nft JSON commands) removing SIP/H.323 ct helper objects and their assignments."""
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
        expr = rule.get('expr', [])
        used = [e['ct helper'] for e in expr if isinstance(e, dict) and 'ct helper' in e
                and (rule['family'], rule['table'], e['ct helper']) in helpers]
        if not used:
            continue
        where = '%s %s chain %s handle %s' % (rule['family'], rule['table'], rule['chain'], rule['handle'])
        ref = dict((k, rule[k]) for k in ('family', 'table', 'chain', 'handle'))
        rest = [e for e in expr if not (isinstance(e, dict) and 'ct helper' in e)]
        if any(isinstance(e, dict) and 'match' not in e for e in rest):
            # The rule does more than assign the helper: keep it, without the assignment.
            commands.append({'replace': {'rule': dict(ref, expr=rest)}})
            findings.append(_finding('nftables rule', where, 'ct helper set %s removed from the rule' % used[0]))
        else:
            commands.append({'delete': {'rule': ref}})
            findings.append(_finding('nftables rule', where, 'rule that only set ct helper %s deleted' % used[0]))
    for (family, table, name), helper in sorted(helpers.items()):
        commands.append({'delete': {'ct helper': {'family': family, 'table': table, 'name': name}}})
        findings.append(_finding('nftables ct helper', '%s %s' % (family, table),
                                 'ct helper %s (type %s) deleted' % (name, helper['type'])))
    return findings, commands


def nft_script(commands):
    return json.dumps({'nftables': commands})


def iptables_plan(save_output, command, protocols=('sip', 'h323')):
    """(findings, argv lists) deleting 'CT --helper' rules for SIP/H.323 from iptables-save -t raw output."""
    types = helper_types(protocols)
    findings, deletions = [], []
    table = None
    for line in save_output.splitlines():
        if line.startswith('*'):
            table = line[1:].strip()
            continue
        if not line.startswith('-A '):
            continue
        words = shlex.split(line)
        if '--helper' in words and words[words.index('--helper') + 1] in types:
            deletions.append([command, '-t', table, '-D'] + words[1:])
            findings.append(_finding('%s rule' % command, 'table %s chain %s' % (table, words[1]),
                                     '%s deleted' % line))
    return findings, deletions


def blacklist_content(protocols=('sip', 'h323')):
    """modprobe.d content that keeps the helper modules from loading."""
    lines = ['# Managed by atea.anywhere: requirement 1.1, SIP and H.323 inspection off.']
    for module in KERNEL_MODULES:
        if any(p in module for p in protocols):
            lines.append('blacklist %s' % module)
            lines.append('install %s /bin/false' % module)
    return '\n'.join(lines) + '\n'


def remove_helpers(module, nft, ruleset, protocols, diffs, iptables=True, blacklist_file=None):
    """Find and remove SIP/H.323 helper assignments; returns (changed, findings). Writes only outside check mode.

    module: the AnsibleModule (run_command, get_bin_path, check_mode); nft: an nftables_state.Nft.
    """
    findings, commands = nft_plan(ruleset, protocols)
    deletions = []
    if iptables:
        for save, family, legacy_names in IPTABLES_SAVE:
            binary = module.get_bin_path(save)
            if not binary or not has_raw_table(ruleset, family, legacy_names):
                continue
            rc, out, err = module.run_command([binary, '-t', 'raw'])
            if rc != 0:
                module.fail_json(msg='%s -t raw failed: %s' % (save, err.strip()))
            command = module.get_bin_path(save.replace('-save', ''), required=True)
            found, argvs = iptables_plan(out, command, protocols)
            findings.extend(found)
            deletions.extend(argvs)
    if not module.check_mode:
        if commands:
            nft.apply_json(nft_script(commands))
        for argv in deletions:
            rc, out, err = module.run_command(argv)
            if rc != 0:
                module.fail_json(msg='%s failed: %s' % (' '.join(argv), err.strip()), findings=findings)
    changed = bool(findings)
    if blacklist_file and sync_file(module, blacklist_file, blacklist_content(protocols), diffs):
        changed = True
    return changed, findings
