#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: iptables
short_description: Apply Atea Anywhere rules to iptables (nft or legacy, IPv4 and IPv6) in chains of its own
version_added: 0.3.0
description:
  - Renders rules from the P(atea.anywhere.rules#filter) filter as iptables rules in chains of the collection's
    own in table C(filter), C(<chain_prefix>-FORWARD) (O(placement=gateway)) or C(<chain_prefix>-INPUT) and
    C(<chain_prefix>-OUTPUT) (O(placement=host)), for IPv4 (C(iptables)) and IPv6 (C(ip6tables)), and one jump
    to each from the user's chain for that hook (O(parent_chains)).
  - Reads table C(filter) with C(iptables-save), compares what it owns (its chains and the rules that jump to
    them) with what is wanted, in the text iptables-save prints, and applies the difference with one
    C(iptables-restore --noflush) input per family, checked first with C(--test). Nothing else in the table
    is written; nothing is applied when nothing differs.
  - Our chains accept and never drop. What they do not accept goes on to the user's rules and chain policy,
    which decide the rest; the firewall stays the user's. So nothing this module adds can refuse a packet
    that was accepted before, and the SSH guard of M(atea.anywhere.nftables) does not apply here.
  - All or nothing. Before changing anything it saves table C(filter) of each family it changes (and the raw
    tables and files it changes); if any step fails, everything saved is put back and the error says so.
  - Also removes SIP and H.323 conntrack helper assignments (requirement 1.1), as M(atea.anywhere.voip_helpers) does.
  - Every rule carries its provenance (document section and purpose) as an iptables comment.
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
  - atea.anywhere.linux_manager
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  state:
    description: V(absent) removes the chains and jumps the module owns, and its lines in the rules files.
    type: str
    default: present
    choices: [present, absent]
  placement:
    description:
      - V(gateway) filters traffic routed through this host (chain C(FORWARD)).
      - V(host) filters the host's own traffic (chains C(INPUT) and C(OUTPUT)) and accepts TCP to
        O(management_ports) from O(management_networks).
    type: str
    default: gateway
    choices: [gateway, host]
  variant:
    description:
      - V(nft) drives C(iptables-nft), V(legacy) C(iptables-legacy).
      - V(auto) takes the one whose tables C(filter) or C(raw) hold rules; when both do, it fails naming both;
        when neither does, the one C(iptables -V) reports (C(nf_tables) or C(legacy)).
    type: str
    default: auto
    choices: [auto, nft, legacy]
  chain_prefix:
    description:
      - The prefix of the chains the module owns, C(<chain_prefix>-FORWARD), C(-INPUT), C(-OUTPUT).
      - Letters, digits, C(_) and C(-), a letter first; the chain names hold up to 28 characters.
    type: str
    default: ATEA-ANYWHERE
  parent_chains:
    description:
      - "The user's chain of table C(filter) that jumps to ours, per hook, for example C({forward: FWD})."
      - Defaults to the built-in chains C(FORWARD), C(INPUT) and C(OUTPUT).
    type: dict
  jump_position:
    description:
      - Where the jump to our chain goes in the parent chain.
      - V(after_user_rules) places it after the user's own rules, so the user's earlier drops and rejects
        still apply to the Atea flows; but before the first rule that only drops or rejects (C(-j DROP),
        C(-j REJECT), with no match but a comment), which nothing passes, or last when there is none.
        A jump found elsewhere is moved.
      - V(first) places it before every rule of the chain; the Atea flows are accepted before any rule of
        the user's is looked at.
    type: str
    default: after_user_rules
    choices: [after_user_rules, first]
  remove_voip_helpers:
    description:
      - Remove SIP and H.323 conntrack helper assignments (nftables and iptables), requirement 1.1.
      - With O(persist), also their C(CT --helper) rules in the rules files, which would load them again at boot.
    type: bool
    default: true
  persist:
    description:
      - Write our chains, rules and jumps into the C(*filter) section of O(persist_file_ipv4) and
        O(persist_file_ipv6), the files C(netfilter-persistent) (Debian's C(iptables-persistent)) loads at boot,
        keeping every other line. The new text is checked with C(iptables-restore --test) before it replaces
        the file. A file that does not exist is not made; a warning says so.
      - Skipped with a warning inside a named network namespace (C(ip netns exec)) while a file is its default;
        that file is the machine's, not the namespace's.
      - V(false) leaves the files as they are; O(state=absent) removes our lines from them.
    type: bool
    default: true
  persist_file_ipv4:
    description: The IPv4 rules file.
    type: path
    default: /etc/iptables/rules.v4
  persist_file_ipv6:
    description: The IPv6 rules file.
    type: path
    default: /etc/iptables/rules.v6
requirements:
  - iptables 1.8 (iptables-nft or iptables-legacy, with their -save and -restore commands)
  - netaddr, with O(placement=host) and O(management_networks)
notes:
  - The rules of the collection are accepts. A host whose chain policies accept everything gains nothing
    from them; give the parent chains a drop policy or a final drop rule of your own.
  - A C(-m multiport) match holds up to 15 ports (a range counts as two); a rule with more ports becomes
    several lines. An iptables comment holds up to 255 bytes.
seealso:
  - module: atea.anywhere.nftables
  - module: atea.anywhere.nftables_confirm
  - module: atea.anywhere.voip_helpers
'''

EXAMPLES = r'''
- name: Add the SMB profile to a gateway's iptables FORWARD chain
  atea.anywhere.iptables:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"

- name: Host placement with iptables-legacy, jumps first, management from 10.0.0.0/24
  atea.anywhere.iptables:
    rules: "{{ 'enterprise' | atea.anywhere.flows | atea.anywhere.rules }}"
    placement: host
    variant: legacy
    jump_position: first
    management_networks: [10.0.0.0/24]

- name: Remove the chains and jumps again
  atea.anywhere.iptables:
    state: absent
'''

RETURN = r'''
commands:
  description: The commands run (or that would run in check mode), each iptables-restore input line by line after its command.
  returned: always
  type: list
  elements: str
  sample: ['iptables-nft-restore --wait=30 --noflush', '*filter', ':ATEA-ANYWHERE-FORWARD - [0:0]', 'COMMIT']
variant:
  description: The iptables variant driven.
  returned: always
  type: str
  sample: nft
rules:
  description: Number of rules rendered.
  returned: always
  type: int
  sample: 10
voip_helpers:
  description: SIP and H.323 helper assignments found and removed (reported only, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What was found.
      type: str
      sample: iptables rule
    where:
      description: Where it was found.
      type: str
      sample: table raw chain PREROUTING
    detail:
      description: What was done.
      type: str
      sample: -A PREROUTING -p udp -m udp --dport 5060 -j CT --helper sip deleted
persisted:
  description: The rules files that hold our chains after the run.
  returned: always
  type: list
  elements: str
rollback:
  description: The restore armed on the host by O(confirm_timeout); confirm it with M(atea.anywhere.nftables_confirm).
  returned: >-
    when O(confirm_timeout) is above 0 and the run changed something outside check mode, or changed nothing
    because an earlier run, cut off before its confirmation, left the host as wanted with its restore still due
  type: dict
  contains:
    earlier_run:
      description: Present and true when the rollback is that earlier run's; its O(rollback_dir) entry is reused.
      type: bool
      sample: true
    id:
      description: The rollback's id, for the O(atea.anywhere.nftables_confirm#module:id) option.
      type: str
      sample: 20260131T120000Z-0123abcd
    timeout:
      description: Seconds after arming when the host restores unless confirmed (O(confirm_timeout)).
      type: int
      sample: 120
    deadline:
      description: When the host restores unless confirmed, by the host's clock (UTC).
      type: str
      sample: '2026-01-31T12:02:00Z'
checklist_done:
  description: General requirements (document section 1) this run took care of; C(1.1) when SIP and H.323 helpers are handled.
  returned: always
  type: list
  elements: str
  sample: ['1.1']
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import (
    files,
    iptables_state,
    linux_options,
    nftables_rollback,
    nftables_state,
    nftables_transaction,
    render_iptables,
    text_gate,
    voip_helpers,
)
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

LAYOUT_OPTIONS = ('placement', 'chain_prefix', 'parent_chains', 'management_networks', 'management_ports')
PERSIST_FILES = {'ipv4': ('persist_file_ipv4', '/etc/iptables/rules.v4'),
                 'ipv6': ('persist_file_ipv6', '/etc/iptables/rules.v6')}


def argument_spec():
    return linux_options.argument_spec(
        variant=dict(type='str', default='auto', choices=list(iptables_state.VARIANTS)),
        chain_prefix=dict(type='str', default=render_iptables.DEFAULT_CHAIN_PREFIX),
        parent_chains=dict(type='dict'),
        jump_position=dict(type='str', default='after_user_rules', choices=list(nftables_state.JUMP_POSITIONS)),
        persist=dict(type='bool', default=True),
        persist_file_ipv4=dict(type='path', default=PERSIST_FILES['ipv4'][1]),
        persist_file_ipv6=dict(type='path', default=PERSIST_FILES['ipv6'][1]),
    )


def check_options(params):
    """What the argument spec cannot say; raises InputError naming the option."""
    linux_options.check(params, 'no rules: use state absent to remove the chains')
    for option, _default in PERSIST_FILES.values():
        text_gate.file_path(option, params[option])
    if params['persist_file_ipv4'] == params['persist_file_ipv6']:
        raise InputError('persist_file_ipv6', params['persist_file_ipv6'], 'the same file as persist_file_ipv4')


def choose_variant(module, ipt_runner):
    """The variant option, or for auto the one holding rules (iptables-save without -t lists only the tables that
    exist, so reading makes none), else what iptables -V says."""
    requested = module.params['variant']
    if requested != 'auto':
        return requested
    rules_in = {}
    for variant in ('nft', 'legacy'):
        probe = iptables_state.Iptables(ipt_runner, module.get_bin_path, variant)
        for family in iptables_state.COMMANDS:
            try:
                binary = probe.binary(family, 'save')
            except iptables_state.IptablesError:
                continue
            rules_in[variant] = rules_in.get(variant) or iptables_state.has_rules(probe.run([binary]))
    version = ''
    if not any(rules_in.values()):
        rc, out, err = module.run_command([module.get_bin_path('iptables', required=True), '-V'])
        version = out + err if rc == 0 else ''
    return iptables_state.choose_variant(requested, rules_in, version)


def plan_persistence(module, layout, wanted, present, diffs):
    """[(path, family, new text)] of the rules files to rewrite, the files that hold our chains after the run, and
    the SIP/H.323 helper rules taken out of them (requirement 1.1 at the next boot too) as voip_helpers findings."""
    params = module.params
    changes, persisted, helpers = [], [], []
    for family, (option, default) in sorted(PERSIST_FILES.items()):
        path = params[option]
        if files.in_shared_network_namespace() and path == default:
            module.warn('running in a named network namespace (ip netns exec), which shares /etc with the machine: '
                        '%s is the machine\'s, not this namespace\'s, and is left alone; set %s to persist for this '
                        'namespace' % (path, option))
            continue
        text = files.read_text(path)
        if text is None:
            if present:
                module.warn('%s does not exist: the %s change is not persisted across reboot (install '
                            'iptables-persistent, or set %s)' % (path, family, option))
            continue
        new = iptables_state.persisted_text(text, layout, wanted[family] if present else None, params['jump_position'])
        if present:
            persisted.append(path)
            if params['remove_voip_helpers']:
                new, found = voip_helpers.without_helper_rules(path, new)
                helpers.extend(found)
        if files.planned(path, new, diffs):
            changes.append((path, family, new))
    return changes, persisted, helpers


def file_check(ipt, family, path):
    """The new text of a rules file, written next to it, read by iptables-restore --test before it replaces it."""
    def check(candidate):
        try:
            ipt.test_file(family, candidate)
        except iptables_state.IptablesError as error:
            raise iptables_state.IptablesError('iptables-restore --test refused the new %s: %s' % (path, error))
    return check


def apply(module, ipt, nft, ruleset, plans, saves, removal, file_changes):
    """Save what the change touches, arm the host's own restore if asked, then each step; a failed step puts
    everything back (nftables_transaction). Returns the armed rollback or None."""
    snapshot = nftables_transaction.take_snapshot(module, nft, ruleset or [], removal.tables, removal.iptables,
                                                  [path for path, _family, _text in file_changes])
    snapshot['iptables'].extend(iptables_state.snapshot_entry(ipt, plan.family, saves[plan.family], ruleset)
                                for plan in plans if plan.changed)
    change = 'the iptables change (%s)' % nftables_transaction.describe(snapshot)
    with nftables_rollback.armed(module, snapshot, change) as (transaction, rollback):
        if removal:
            transaction.run('removing SIP and H.323 helper assignments', voip_helpers.apply_removal, module, nft,
                            removal)
        for plan in plans:
            if plan.changed:
                transaction.run('applying the %s-restore --noflush input' % iptables_state.COMMANDS[plan.family],
                                ipt.restore, plan.family, plan.script)
        for path, family, text in file_changes:
            transaction.run('checking the new %s with iptables-restore --test and writing it' % path,
                            files.put, path, text, file_check(ipt, family, path))
    return rollback


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[('state', 'present', ('rules',))])
    params = module.params
    present = params['state'] == 'present'
    try:
        check_options(params)
        layout = render_iptables.Layout(**dict((k, params[k]) for k in LAYOUT_OPTIONS))
        rules = check_rules(params['rules'] or [])
        wanted = render_iptables.render(rules, layout) if present else dict.fromkeys(render_iptables.FAMILIES)
    except (InputError, ImportError) as error:
        module.fail_json(msg=str(error))

    runner = linux_options.command_runner(module)
    nft_path = module.get_bin_path('nft')
    # nft is read for helper objects and for iptables-nft's chains; a host without it has neither.
    nft = nftables_state.Nft(runner, nft_path or 'nft', None)
    diffs, commands, persisted = [], [], []
    removal = voip_helpers.Removal()
    rollback = None
    variant = params['variant']
    try:
        earlier = nftables_rollback.unconfirmed(params['rollback_dir'])
        variant = choose_variant(module, runner)
        ipt = iptables_state.Iptables(runner, module.get_bin_path, variant)
        ruleset = nft.ruleset() if nft_path else None
        saves = dict((family, ipt.save(family)) for family in render_iptables.FAMILIES)
        plans = [iptables_state.plan(family, saves[family], layout, wanted[family], params['jump_position'])
                 for family in render_iptables.FAMILIES]
        for plan in plans:
            for warning in plan.warnings:
                module.warn(warning)
            if plan.changed:
                ipt.test(plan.family, plan.script)
                commands.append('%s %s --noflush' % (ipt.binary(plan.family, 'restore'), iptables_state.WAIT))
                commands.extend(plan.script.splitlines())
                header = '%s table filter (owned part)' % iptables_state.COMMANDS[plan.family]
                diffs.append({'before': plan.before, 'after': plan.after,
                              'before_header': header, 'after_header': header})
        if params['remove_voip_helpers'] and present:
            removal = voip_helpers.plan_removal(module, ruleset or [], ('sip', 'h323'))
            commands.extend(' '.join(argv) for argv in removal.deletions)
        file_changes = []
        if params['persist']:
            file_changes, persisted, helpers_in_files = plan_persistence(module, layout, wanted, present, diffs)
            removal.findings.extend(helpers_in_files)
        changed = any(plan.changed for plan in plans) or bool(removal) or bool(file_changes)
        rollback = nftables_rollback.settle(module, earlier, changed,
                                            lambda: apply(module, ipt, nft, ruleset, plans, saves, removal, file_changes))
    except (iptables_state.IptablesError, nftables_state.NftError, files.FileError, voip_helpers.HelperError,
            nftables_rollback.RollbackError) as error:
        module.fail_json(msg='nothing was changed: %s' % error, voip_helpers=removal.findings, variant=variant)
    except nftables_transaction.ChangeError as error:
        module.fail_json(msg=str(error), changed=error.changed, voip_helpers=removal.findings, variant=variant)
    result = dict(changed=changed, commands=commands, variant=variant, rules=len(rules),
                  voip_helpers=removal.findings, persisted=persisted,
                  checklist_done=['1.1'] if params['remove_voip_helpers'] and present else [],
                  # The rules can run to thousands of entries; echoing them back costs more than the work.
                  invocation={'module_args': dict(params, rules='%d rules' % len(rules))})
    if rollback:
        result['rollback'] = rollback
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
