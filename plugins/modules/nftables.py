#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: nftables
short_description: Apply Atea Anywhere rules to nftables, owning only what it manages
version_added: 0.2.0
description:
  - Renders rules from the P(atea.anywhere.rules#filter) filter as nftables, reads the live ruleset
    (C(nft -j list ruleset)), compares what it owns with what is wanted, and applies the difference in
    one atomic C(nft -f) transaction, checked first with C(nft -c). Nothing is applied when nothing differs.
  - The wanted state is compared as nft itself lists it, by loading it into a private, empty network
    namespace (C(unshare --net)); so a second run with the same input reports no change.
  - O(mode=table) owns one table (default C(inet atea_anywhere)) with base chains, reply handling and a
    drop policy, for a dedicated Linux firewall. Keep in mind that an accept in one table does not get a
    packet past a drop in another table's base chain on the same hook.
  - O(mode=chain) owns regular chains C(<chain_prefix>_<hook>) inside an existing table of the user's
    (for example Debian's C(inet filter)) and one jump rule to each in the user's base chain, placed by
    O(jump_position). Every other rule of that table stays as it was.
  - All or nothing. Before changing anything it saves what the change touches (each nftables table it
    alters, as C(nft list table) prints it; the iptables raw tables it alters; every file it writes,
    or that the file did not exist), and checks that the saved tables load back. Helper removal, the
    ruleset and the files are then changed; if any step fails, everything saved is put back and the
    error names the step, the file or table, and the cause, and says that the previous state was
    restored (or exactly what could not be).
  - With O(state=present) it refuses, before changing anything, where firewalld is running or ufw is active, as
    their own base chains reject what they do not allow and the rules would not let the flows through. The role's
    C(atea_anywhere_platform=linux) applies them through that manager (see M(atea.anywhere.linux_firewall_info),
    which also says when C(firewall-cmd) and C(ufw) are not run because the host shows they are not).
  - Also removes SIP and H.323 conntrack helper assignments (requirement 1.1), as M(atea.anywhere.voip_helpers) does.
  - Every rule carries its provenance (document section and purpose) as nftables comments.
  - For nftables 0.9.7 or later (set element comments) and util-linux C(unshare).
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
    description: V(absent) removes what the module owns (table, or chains and jump rules) and its drop-in file.
    type: str
    default: present
    choices: [present, absent]
  mode:
    description: V(table) or V(chain); see the description.
    type: str
    default: table
    choices: [table, chain]
  table:
    description: Table name. Defaults to C(atea_anywhere) with O(mode=table); required with O(mode=chain).
    type: str
  table_family:
    description: Table family.
    type: str
    default: inet
    choices: [inet, ip, ip6]
  placement:
    description:
      - V(gateway) filters traffic routed through this host (forward hook).
      - V(host) filters the host's own traffic (input and output hooks) and keeps access from O(management_networks).
    type: str
    default: gateway
    choices: [gateway, host]
  chain_prefix:
    description: With O(mode=chain), the prefix of the chains the module owns.
    type: str
    default: atea_anywhere
  parent_chains:
    description:
      - "With O(mode=chain), the user's base chain for each hook, for example C({forward: fwd})."
      - Defaults to chains named after the hooks (C(forward), C(input), C(output)), as in Debian's C(inet filter).
    type: dict
  jump_position:
    description:
      - With O(mode=chain), where the jump to our chain goes in the user's base chain.
      - V(after_user_rules) places it after the user's own rules, so the user's earlier drops and
        rejects (for example C(ip saddr 192.0.2.99 reject)) still apply to the Atea flows; but before the
        first rule that only drops or rejects (C(drop), C(counter drop), C(reject)), which nothing passes,
        or last when there is none. A jump found elsewhere is moved. The boot-time drop-in appends it
        (C(add rule)) after the user's rules as the main configuration loads them; a warning says when a
        rule that only drops would stand before it.
      - V(first) places it before every rule of the chain, as versions before 0.3.0 did; the Atea flows are
        accepted before any rule of the user's is looked at, including the user's drops and rejects.
    type: str
    default: after_user_rules
    choices: [after_user_rules, first]
    version_added: 0.3.0
  ssh_guard:
    description:
      - When Ansible reaches the host over SSH, refuse a change that would not accept the next SSH
        connection, before anything is changed.
      - The connection is read as the kernel will see it (C(SSH_CONNECTION) on the host,
        C(client port server port)) as a new TCP connection from the client's address and port to the
        server address (the host's own) and port, of that address family. It is kept by
        O(management_networks) with O(management_ports), by loopback, or by a rule whose sources,
        destinations (the host's own address must be among them), destination ports and source ports all
        hold it; the current client port stands for the next connection's. Only O(mode=table) with
        O(placement=host) and O(policy=drop) can cut it.
      - With become, where sudo's C(env_reset) drops C(SSH_CONNECTION), it is read from the nearest
        ancestor process that has it (sudo, or the shell sshd started).
      - When the server address is not one of this host's (in its network namespace), for example the
        controller's own C(SSH_CONNECTION) leaking into a local connection, there is nothing to guard.
      - V(false) turns the check off; O(confirm_timeout) still restores the previous state when the
        play cannot reach the host again.
    type: bool
    default: true
    version_added: 0.3.0
  policy:
    description: Policy of the forward and input base chains with O(mode=table).
    type: str
    default: drop
    choices: [drop, accept]
  output_policy:
    description:
      - Policy of the output base chain (O(placement=host), O(mode=table)). V(accept) by default, as the
        host's own DNS, NTP and updates are not the document's to forbid; V(drop) allows only the
        document's outbound flows.
    type: str
    default: accept
    choices: [drop, accept]
  remove_voip_helpers:
    description: Remove SIP and H.323 conntrack helper assignments (nftables and iptables), requirement 1.1.
    type: bool
    default: true
  helper_blacklist_file:
    description:
      - With O(remove_voip_helpers), also write this modprobe.d file so the SIP and H.323 helper kernel
        modules do not load. Omit it where the kernel is shared (containers, network namespaces);
        inside a named network namespace (C(ip netns exec)) it is skipped with a warning.
    type: path
  persist:
    description:
      - Write the change to O(persist_file) and include that file from O(main_config), so the nftables
        service restores it at boot. Skipped with a warning when O(main_config) does not exist.
      - Also skipped with a warning inside a named network namespace (C(ip netns exec)) while O(main_config)
        is its default; that file is the machine's, not the namespace's.
      - V(false) leaves an earlier drop-in and include line as they are; O(state=absent) removes them.
    type: bool
    default: true
  persist_file:
    description: The drop-in file.
    type: path
    default: /etc/nftables.d/atea_anywhere.nft
  main_config:
    description:
      - The nftables service's configuration, which must include O(persist_file).
      - Before the include line is added (and whenever the drop-in changes) the whole boot configuration
        is checked with C(nft -c -f); the new text is written next to it and renamed over it only if it passes.
    type: path
    default: /etc/nftables.conf
requirements:
  - nft (nftables)
  - unshare (util-linux)
  - netaddr, with O(placement=host) (management networks, and the check of the connection in use)
notes:
  - In O(mode=chain) the drop-in adds to the user's table; the main configuration must define that table
    and start with C(flush ruleset), as Debian's does.
  - The restorer of O(confirm_timeout) is a process in a session of its own; a host where logind kills a
    user's processes at logout (C(KillUserProcesses=yes)) needs Ansible to connect as root or a lingering user.
seealso:
  - module: atea.anywhere.nftables_confirm
  - module: atea.anywhere.voip_helpers
  - module: atea.anywhere.linux_firewall_info
  - plugin: atea.anywhere.nftables_table
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Apply the SMB profile on a Linux gateway
  atea.anywhere.nftables:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"

- name: Add the enterprise rules to Debian's inet filter table, host placement
  atea.anywhere.nftables:
    rules: "{{ 'enterprise' | atea.anywhere.flows | atea.anywhere.rules }}"
    mode: chain
    table: filter
    placement: host
    management_networks: [10.0.0.0/24]

- name: Apply, and have the host restore its previous rules unless confirmed within 120 seconds
  atea.anywhere.nftables:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"
    placement: host
    management_networks: [10.0.0.0/24]
    confirm_timeout: 120
  register: applied

- name: Reach the host again through the new rules
  ansible.builtin.wait_for_connection:
    timeout: 60
  when: applied.rollback is defined

- name: Confirm the change
  atea.anywhere.nftables_confirm:
    id: "{{ applied.rollback.id }}"
  when: applied.rollback is defined
'''

RETURN = r'''
script:
  description: The nft script applied (or that would be applied in check mode); empty when nothing differs.
  returned: always
  type: str
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
      sample: nftables ct helper
    where:
      description: Where it was found.
      type: str
      sample: inet voip
    detail:
      description: What was done.
      type: str
      sample: ct helper sip-5060 (type sip) deleted
persisted:
  description: Whether the drop-in file is included by the main configuration.
  returned: always
  type: bool
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
      description: >-
        Seconds after arming when the host restores unless confirmed (O(confirm_timeout)); for an earlier run's
        rollback, the seconds left.
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
    linux_managers,
    linux_options,
    nftables_rollback,
    nftables_state,
    nftables_transaction,
    render_nftables,
    text_gate,
    voip_helpers,
)
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

LAYOUT_OPTIONS = ('mode', 'table', 'table_family', 'placement', 'chain_prefix', 'parent_chains',
                  'management_networks', 'management_ports', 'policy', 'output_policy')
DEFAULT_PERSIST_FILE = '/etc/nftables.d/atea_anywhere.nft'
DEFAULT_MAIN_CONFIG = '/etc/nftables.conf'


def argument_spec():
    return linux_options.argument_spec(
        mode=dict(type='str', default='table', choices=list(render_nftables.MODES)),
        table=dict(type='str'),
        table_family=dict(type='str', default='inet', choices=list(render_nftables.TABLE_FAMILIES)),
        chain_prefix=dict(type='str', default=render_nftables.DEFAULT_CHAIN_PREFIX),
        parent_chains=dict(type='dict'),
        jump_position=dict(type='str', default='after_user_rules', choices=list(nftables_state.JUMP_POSITIONS)),
        ssh_guard=dict(type='bool', default=True),
        policy=dict(type='str', default='drop', choices=['drop', 'accept']),
        output_policy=dict(type='str', default='accept', choices=['drop', 'accept']),
        helper_blacklist_file=dict(type='path'),
        persist=dict(type='bool', default=True),
        persist_file=dict(type='path', default=DEFAULT_PERSIST_FILE),
        main_config=dict(type='path', default=DEFAULT_MAIN_CONFIG),
    )


def check_options(params):
    """What the argument spec cannot say; raises InputError naming the option."""
    linux_options.check(params, 'no rules: state present would apply a drop policy that allows nothing; use '
                                'state absent to remove the rules')
    text_gate.file_path('persist_file', params['persist_file'])
    text_gate.file_path('main_config', params['main_config'])
    if params['persist_file'] == params['main_config']:
        raise InputError('persist_file', params['persist_file'], 'the same file as main_config, which includes it')
    if params['helper_blacklist_file'] is not None:
        text_gate.file_path('helper_blacklist_file', params['helper_blacklist_file'])


def plan_persistence(module, layout, wanted, present, diffs):
    """The files that make the change survive a reboot: ([(path, content or None)] in the order to write
    them, persisted). The drop-in comes before the include line that names it, and goes after it."""
    params = module.params
    persist_file, main_config = params['persist_file'], params['main_config']
    if files.in_shared_network_namespace() and main_config == DEFAULT_MAIN_CONFIG:
        module.warn('running in a named network namespace (ip netns exec), which shares /etc with the machine: '
                    '%s is the machine\'s, not this namespace\'s, and is left alone; set main_config and '
                    'persist_file to persist for this namespace' % main_config)
        return [], False
    main = files.read_text(main_config)
    include = text_gate.nft_include_line('persist_file', persist_file)
    includes = (include, "include '%s'" % persist_file)
    lines = (main or '').splitlines(True)
    others = [line for line in lines if line.strip() not in includes]
    changes = []
    if not present:
        if main is not None and len(others) != len(lines) and files.planned(main_config, ''.join(others), diffs):
            changes.append((main_config, ''.join(others)))
        if files.planned(persist_file, None, diffs):
            changes.append((persist_file, None))
        return changes, False
    if main is None:
        module.warn('%s does not exist: the change is not persisted across reboot' % main_config)
        return [], False
    drop_in = nftables_state.persistent_script(layout, wanted, jump_position=params['jump_position'])
    if files.planned(persist_file, drop_in, diffs):
        changes.append((persist_file, drop_in))
    new_main = files.with_line(main, include) if len(others) == len(lines) else main
    if files.planned(main_config, new_main, diffs):
        changes.append((main_config, new_main))
    return changes, True


def refuse_beside_another_manager(module, ruleset):
    """Fail, before anything changes, where a running firewalld or an active ufw would reject what the rules accept
    (linux_managers.refusal; ruleset: the live nftables ruleset)."""
    try:
        refused = linux_managers.refusal(linux_managers.Host.for_module(module), ruleset)
    except linux_managers.ManagerError as error:
        refused = 'could not tell whether firewalld or ufw filters this host, nothing was changed: %s' % error
    if refused:
        module.fail_json(msg=refused)


def boot_check(nft, main_config):
    """A check of the new text of main_config, written next to it as a candidate file, with nft -c -f."""
    def check(candidate):
        try:
            nft.check_file(candidate)
        except nftables_state.NftError as error:
            raise nftables_state.NftError('nft refused the new %s (its candidate %s, with the include line): %s'
                                          % (main_config, candidate, error))
    return check


def apply(module, nft, ruleset, plan, removal, file_changes):
    """Make the change as one: save what it touches, arm the host's own restore if asked, then each step;
    a failed step puts everything back (nftables_transaction). Returns the armed rollback or None."""
    params = module.params
    snapshot = nftables_transaction.take_snapshot(
        module, nft, ruleset, (plan.tables if plan.changed else []) + removal.tables, removal.iptables,
        [path for path, _content in file_changes])
    change = 'the nftables change (%s)' % nftables_transaction.describe(snapshot)
    with nftables_rollback.armed(module, snapshot, change) as (transaction, rollback):
        if removal:
            transaction.run('removing SIP and H.323 helper assignments', voip_helpers.apply_removal, module, nft,
                            removal)
        if plan.changed:
            transaction.run('applying the nft script to %s' % ', '.join('table %s %s' % t for t in plan.tables),
                            nft.apply, plan.script)
        present = params['state'] == 'present'
        main_config = params['main_config']
        for path, content in file_changes:
            if path == main_config and present:
                transaction.run('checking the new boot configuration %s with nft -c -f and writing it' % path,
                                files.put, path, content, boot_check(nft, path))
            else:
                transaction.run('%s %s' % ('removing' if content is None else 'writing', path),
                                files.put, path, content)
        changed_paths = [path for path, _content in file_changes]
        if present and params['persist_file'] in changed_paths and main_config not in changed_paths:
            transaction.run('checking the boot configuration %s with nft -c -f' % main_config,
                            nft.check_file, main_config)
    return rollback


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[('state', 'present', ('rules',))])
    params = module.params
    present = params['state'] == 'present'
    kept, connection = True, None
    try:
        check_options(params)
        layout = render_nftables.Layout(**dict((k, params[k]) for k in LAYOUT_OPTIONS))
        rules = check_rules(params['rules'] or [])
        wanted = render_nftables.render(rules, layout) if present else ''
        if present and params['ssh_guard']:
            kept, connection = nftables_state.connection_kept(layout, rules, nftables_state.ssh_connection())
    except (InputError, ImportError) as error:
        module.fail_json(msg=str(error))
    if not kept:
        module.fail_json(msg='refusing a change that would cut the connection Ansible is using: nothing in the new '
                             'rules would accept the next connection like it, %s (every rule\'s sources, '
                             'destinations, destination ports and source ports read as the kernel will); add the '
                             'client\'s network to management_networks and the port to management_ports. Nothing '
                             'was changed. (ssh_guard false turns this check off; confirm_timeout still restores '
                             'the previous state if the play cannot reach the host again.)' % connection)

    nft = nftables_state.Nft.for_module(module)
    diffs = []
    removal = voip_helpers.Removal()
    rollback = None
    try:
        # Before the host is read: a restore that fires meanwhile must not pass for a host already as wanted.
        earlier = nftables_rollback.unconfirmed(params['rollback_dir'])
        ruleset = nft.ruleset()
        if present:
            refuse_beside_another_manager(module, ruleset)
        # Planned and checked before anything changes, helpers and files included.
        plan = nftables_state.plan(nft, ruleset, layout, wanted, present, params['jump_position'])
        if plan.changed:
            nft.check(plan.script)
            diffs.append({'before': plan.before, 'after': plan.after,
                          'before_header': 'nftables (owned part)', 'after_header': 'nftables (owned part)'})
        file_changes, persisted = [], False
        if params['remove_voip_helpers'] and present:
            removal = voip_helpers.plan_removal(module, ruleset, ('sip', 'h323'))
        if params['persist']:
            file_changes, persisted = plan_persistence(module, layout, wanted, present, diffs)
            for warning in plan.boot_warnings if persisted else ():
                module.warn(warning)
        blacklist = params['helper_blacklist_file']
        if params['remove_voip_helpers'] and present and voip_helpers.blacklist_change(
                module, blacklist, ('sip', 'h323'), diffs):
            file_changes.append((blacklist, voip_helpers.blacklist_content(('sip', 'h323'))))
        changed = plan.changed or bool(removal) or bool(file_changes)
        rollback = nftables_rollback.settle(module, earlier, changed,
                                            lambda: apply(module, nft, ruleset, plan, removal, file_changes))
    except (nftables_state.NftError, files.FileError, voip_helpers.HelperError,
            nftables_rollback.RollbackError) as error:
        module.fail_json(msg='nothing was changed: %s' % error, voip_helpers=removal.findings)
    except nftables_transaction.ChangeError as error:
        module.fail_json(msg=str(error), changed=error.changed, voip_helpers=removal.findings)
    result = dict(changed=changed, script=plan.script if plan.changed else '', rules=len(rules),
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
