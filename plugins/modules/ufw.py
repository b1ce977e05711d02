#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ufw
short_description: Apply Atea Anywhere rules to ufw, owning only the rules it marks as its own
version_added: 0.3.0
description:
  - Renders rules from the P(atea.anywhere.rules#filter) filter as ufw allow rules, each with a comment that
    starts with C(atea-anywhere), the rule's name and its provenance (document section and purpose). A rule
    whose comment starts so is the module's; every other ufw rule is the user's and is never changed or moved.
  - O(placement=gateway) adds routed rules (C(ufw route allow proto P from S port SP to D port DP)).
    O(placement=host) adds C(allow in) rules for inbound and internal flows, C(allow out) rules for outbound
    and internal flows, and C(allow in proto tcp from M to any port P) for each of O(management_networks).
  - A ufw rule has one source, one destination and at most 15 ports on each side (a range counts as two); a
    rule of the filter becomes one ufw rule per source, destination and block of ports.
  - Reads the rules from ufw's own files (C(/etc/ufw/user.rules) and C(user6.rules)), compares the module's
    rules with the wanted ones, and writes the difference into those files in exactly the form ufw writes
    (the user's rules byte for byte as they were, in their order; the module's kept where they are while
    wanted, new ones appended). It then loads them the way ufw reloads its user rules, with
    C(iptables-restore -n) and C(ip6tables-restore -n) of those files; each file's chains are replaced in one
    commit. Nothing is written or loaded when nothing differs.
  - All or nothing. The files and (when helpers are removed) the iptables raw tables are saved first; a failed
    step puts them back, loads the saved files again, and the error says so.
  - ICMP types cannot be given to ufw rules. The ICMP echo-request flows of the rules are checked against
    ufw's own C(/etc/ufw/before.rules) and C(before6.rules) (the default files accept echo-request in
    C(ufw-before-input) and C(ufw-before-forward), for any source and destination) and, for outbound flows of
    O(placement=host), an C(ACCEPT) output policy in C(/etc/default/ufw). RV(icmp) says what accepts each;
    when nothing does, the module fails before changing anything and names the file and the line to add.
  - The module's rules only allow; the default policies and the user's rules stay as they are, so applying
    them cannot cut the connection Ansible uses.
  - Also removes SIP and H.323 conntrack helper assignments (requirement 1.1) from the iptables raw tables
    and nftables, as M(atea.anywhere.voip_helpers) does.
  - ufw must be active (C(ufw status)); otherwise the module fails without changing anything.
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
    description: V(absent) removes every ufw rule whose comment marks it as the module's, and nothing else.
    type: str
    default: present
    choices: [present, absent]
  placement:
    description:
      - V(gateway) allows traffic routed through this host (ufw route rules).
      - V(host) allows the host's own traffic (ufw in and out rules) and access from O(management_networks).
    type: str
    default: gateway
    choices: [gateway, host]
  remove_voip_helpers:
    description: Remove SIP and H.323 conntrack helper assignments (iptables raw tables and nftables), requirement 1.1.
    type: bool
    default: true
requirements:
  - ufw 0.35 or later (rule comments), active
  - iptables-restore and ip6tables-restore (as ufw uses them)
  - netaddr, with O(management_networks)
notes:
  - The module reads and writes C(/etc/ufw/user.rules) and C(/etc/ufw/user6.rules) under ufw's own lock
    (C(/run/ufw.lock)), so a C(ufw) command run at the same time waits for it.
  - With C(IPV6=no) in C(/etc/default/ufw), ufw does not load C(user6.rules); the IPv6 rules are left out with a warning.
  - Routed rules need forwarding on (C(net.ipv4.ip_forward), C(net.ipv6.conf.all.forwarding)); a warning says
    when it is off.
seealso:
  - module: atea.anywhere.nftables
  - module: atea.anywhere.nftables_confirm
  - module: atea.anywhere.linux_firewall_info
'''

EXAMPLES = r'''
- name: Apply the SMB profile on a Linux gateway run by ufw
  atea.anywhere.ufw:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"

- name: Host placement, keeping SSH from the management network, with a restore unless confirmed
  atea.anywhere.ufw:
    rules: "{{ 'enterprise' | atea.anywhere.flows | atea.anywhere.rules }}"
    placement: host
    management_networks: [10.0.0.0/24]
    confirm_timeout: 120
  register: applied

- name: Confirm the change over a fresh connection
  atea.anywhere.nftables_confirm:
    id: "{{ applied.rollback.id }}"
  when: applied.rollback is defined

- name: Remove the collection's ufw rules
  atea.anywhere.ufw:
    state: absent
'''

RETURN = r'''
commands:
  description: The commands run (or that would run in check mode) after the files are written.
  returned: always
  type: list
  elements: str
  sample: ['/usr/sbin/iptables-restore -n /etc/ufw/user.rules']
rules:
  description: Number of rules given (from the P(atea.anywhere.rules#filter) filter).
  returned: always
  type: int
  sample: 10
ufw_rules:
  description: Number of ufw rules the module owns after the run (or would, in check mode).
  returned: always
  type: int
  sample: 16
icmp:
  description: What accepts each ICMP echo-request flow of the rules, as ufw rules cannot match ICMP types.
  returned: always
  type: list
  elements: dict
  contains:
    rule:
      description: The rule's name.
      type: str
      sample: inbound-mpls-icmp-ipv4
    covered_by:
      description: The file, line number and line of ufw's before rules that accept it, or the output policy.
      type: str
      sample: '/etc/ufw/before.rules line 43: -A ufw-before-forward -p icmp --icmp-type echo-request -j ACCEPT'
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
      sample: -A PREROUTING -p udp --dport 5060 -j CT --helper sip deleted
checklist_done:
  description: General requirements (document section 1) this run took care of; C(1.1) when SIP and H.323 helpers are handled.
  returned: always
  type: list
  elements: str
  sample: ['1.1']
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
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import (
    files,
    linux_options,
    nftables_rollback,
    nftables_state,
    nftables_transaction,
    render_ufw,
    ufw_state,
    voip_helpers,
)
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

FORWARDING = {'ipv4': '/proc/sys/net/ipv4/ip_forward', 'ipv6': '/proc/sys/net/ipv6/conf/all/forwarding'}


def check_options(params):
    """What the argument spec cannot say; raises InputError naming the option."""
    linux_options.check(params, 'no rules; use state absent to remove the rules')


def require_active(module, ufw):
    """ufw must be active: the rules of an inactive ufw are not in force, and enabling it is the user's call."""
    rc, out, err = module.run_command([ufw, 'status'], environ_update={'LC_ALL': 'C'})
    first = out.strip().splitlines()[0] if out.strip() else ''
    if rc != 0 or first != 'Status: active':
        raise ufw_state.UfwError('ufw is not active on this host (ufw status: %s); enable it (ufw enable) or '
                                 'choose the platform that drives the host\'s firewall'
                                 % (first or (err or out).strip() or 'rc=%s' % rc))


def wanted_families(module, wanted):
    """family -> the wanted ufw rules of it; IPv6 left out, with a warning, where ufw does not load it."""
    by_family = dict((family, [r for r in wanted if r.family == family]) for family in ufw_state.USER_RULES)
    if not ufw_state.ipv6_enabled(ufw_state.read_defaults()):
        if by_family['ipv6']:
            module.warn('IPV6 is not "yes" in %s, so ufw does not load %s: the %d IPv6 ufw rules are left out'
                        % (ufw_state.DEFAULTS, ufw_state.USER_RULES['ipv6'], len(by_family['ipv6'])))
        by_family['ipv6'] = []
    return by_family


def warn_forwarding_off(module, wanted):
    for family in sorted(set(r.family for r in wanted if r.route)):
        if (files.read_text(FORWARDING[family]) or '1').strip() == '0':
            module.warn('forwarding is off (%s is 0): the routed ufw rules for %s have no effect until it is on'
                        % (FORWARDING[family], family))


def check_icmp(rules, layout):
    """The ICMP notes; raises UfwError naming the file and line to add where nothing accepts a needed echo-request."""
    needs = render_ufw.icmp_rules(rules, layout)
    before = dict((family, (path, files.read_text(path))) for family, path in ufw_state.BEFORE_RULES.items())
    notes, missing = ufw_state.icmp_coverage(needs, before, ufw_state.read_defaults())
    if missing:
        raise ufw_state.UfwError('ufw would drop ICMP flows the rules allow: %s' % '; '.join(missing))
    return notes


def load_file(module, restore, path, test=False):
    """Load a user rules file as ufw reloads its user rules (iptables-restore -n), or only test it."""
    rc, out, err = module.run_command([restore, '-n'] + (['--test'] if test else []) + [path])
    if rc != 0:
        command = '%s -n%s %s' % (restore, ' --test' if test else '', path)
        raise ufw_state.UfwError('%s failed: %s' % (command, (err or out).strip()))


def file_check(module, restore):
    """The new text of a user rules file, written next to it, read by iptables-restore --test before it replaces it."""
    return lambda candidate: load_file(module, restore, candidate, test=True)


def apply(module, nft, ruleset, removal, changes, restore):
    """Save what the change touches, arm the host's own restore if asked, then each step; a failed step puts
    the files back and loads them again (nftables_transaction). Returns the armed rollback or None."""
    snapshot = nftables_transaction.take_snapshot(module, nft, ruleset, removal.tables, removal.iptables,
                                                  [path for path, _family, _text in changes])
    snapshot['commands'] = [[restore[family], '-n', path] for path, family, _text in changes]
    change = 'the ufw change (%s)' % nftables_transaction.describe(snapshot)
    with nftables_rollback.armed(module, snapshot, change) as (transaction, rollback):
        if removal:
            transaction.run('removing SIP and H.323 helper assignments', voip_helpers.apply_removal, module, nft,
                            removal)
        for path, family, text in changes:
            transaction.run('checking the new %s with %s --test and writing it' % (path, restore[family]),
                            files.put, path, text, file_check(module, restore[family]))
        for path, family, _text in changes:
            transaction.run('loading %s with %s -n' % (path, restore[family]), load_file, module, restore[family], path)
    return rollback


def main():
    module = AnsibleModule(argument_spec=linux_options.argument_spec(), supports_check_mode=True,
                           required_if=[('state', 'present', ('rules',))])
    params = module.params
    present = params['state'] == 'present'
    try:
        check_options(params)
        layout = render_ufw.Layout(params['placement'], params['management_networks'], params['management_ports'])
        rules = check_rules(params['rules'] or [])
        wanted = render_ufw.render(rules, layout) if present else []
    except (InputError, ImportError) as error:
        module.fail_json(msg=str(error))

    nft_path = module.get_bin_path('nft')
    # nft is read for helper objects and iptables-nft's raw tables; a host without it has neither.
    nft = nftables_state.Nft(linux_options.command_runner(module), nft_path or 'nft', None)
    diffs, commands, icmp, owned = [], [], [], 0
    removal = voip_helpers.Removal()
    rollback = None
    try:
        earlier = nftables_rollback.unconfirmed(params['rollback_dir'])
        require_active(module, module.get_bin_path('ufw', required=True))
        restore = dict((family, module.get_bin_path(name, required=True)) for family, name in ufw_state.RESTORE.items())
        if present:
            icmp = check_icmp(rules, layout)
            warn_forwarding_off(module, wanted)
        by_family = wanted_families(module, wanted)
        with ufw_state.Locked():
            changes, before, after = [], [], []
            for family, path in ufw_state.USER_RULES.items():
                current = ufw_state.read_user_rules(family)
                text = current.with_rules(by_family[family])
                ours_after = ufw_state.UserRules(path, text).ours()
                before.extend(block.command() for block in current.ours())
                after.extend(block.command() for block in ours_after)
                owned += len(ours_after)
                if text != current.text:
                    changes.append((path, family, text))
                    commands.append('%s -n %s' % (restore[family], path))
            if changes:
                diffs.append({'before': ''.join(line + '\n' for line in before),
                              'after': ''.join(line + '\n' for line in after),
                              'before_header': 'ufw show added (owned rules)',
                              'after_header': 'ufw show added (owned rules)'})
            ruleset = nft.ruleset() if nft_path else []
            if params['remove_voip_helpers'] and present:
                removal = voip_helpers.plan_removal(module, ruleset, ('sip', 'h323'))
                commands[:0] = [' '.join(argv) for argv in removal.deletions]
            changed = bool(changes) or bool(removal)
            rollback = nftables_rollback.settle(module, earlier, changed,
                                                lambda: apply(module, nft, ruleset, removal, changes, restore))
    except (ufw_state.UfwError, nftables_state.NftError, files.FileError, voip_helpers.HelperError,
            nftables_rollback.RollbackError) as error:
        module.fail_json(msg='nothing was changed: %s' % error, voip_helpers=removal.findings)
    except nftables_transaction.ChangeError as error:
        module.fail_json(msg=str(error), changed=error.changed, voip_helpers=removal.findings)
    result = dict(changed=changed, commands=commands, rules=len(rules), ufw_rules=owned, icmp=icmp,
                  voip_helpers=removal.findings,
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
