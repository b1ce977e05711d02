#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: firewalld
short_description: Apply Atea Anywhere rules as firewalld policies of the collection's own
version_added: 0.3.0
description:
  - Renders rules from the P(atea.anywhere.rules#filter) filter as firewalld rich rules in policies the
    collection owns, reads firewalld's runtime and permanent configuration with C(firewall-cmd), and changes
    only what differs, in both. Nothing else in firewalld's zones and policies changes.
  - O(placement=gateway) owns the policy C(<object_prefix>-fwd) from O(ingress_zones) to O(egress_zones).
    O(placement=host) owns C(<object_prefix>-in) (C(ANY) to C(HOST)), with the management rules, and
    C(<object_prefix>-out) (C(HOST) to C(ANY)). firewalld allows policy names of up to 18 characters.
  - The policies have target C(CONTINUE) and O(priority); they only accept. A packet they do not accept goes
    on to the zones as before, so the zones' own rules still decide everything else.
  - A rich rule holds one source, one destination and one port range (firewalld.richlanguage(5)), so each
    rule becomes one rich rule per source, destination and destination port range. Rich rules carry no
    comment; the policy's description names each rule and the document sections it serves, and RV(rich_rules)
    lists the provenance of each rich rule.
  - Source ports are not matched. A rich rule takes one element, a port or a source port, not both; a rule
    with source ports is applied on its destination ports only, with a warning.
  - An existing policy changes in place, runtime and permanent, without a reload. Creating or deleting a
    policy, a change of its priority, target or zones, and removing VoIP helpers need C(firewall-cmd --reload),
    which makes the permanent configuration the runtime one. Before a reload the module compares the runtime
    and permanent configuration of every zone and policy that is not its own, and refuses, naming them, if any
    differ (a reload would lose those runtime-only changes). Interfaces bound to a zone at runtime only (as
    NetworkManager binds them) are bound again right after the reload.
  - All or nothing. Before changing anything it saves what the change touches (the permanent files of its
    policies and of the services it overrides, then a reload; or, without a reload, the inverse
    C(firewall-cmd) calls). If any step fails, or firewalld does not hold afterwards what was applied, that is
    put back and the error says so.
  - With O(remove_voip_helpers), each service in use in a zone or policy that has a SIP or H.323 conntrack
    helper (C(sip), C(h323), C(Q.931), C(RAS)) loses the helper the firewalld way, C(firewall-cmd --permanent
    --service=<service> --remove-helper=<helper>) (an override in C(/etc/firewalld/services)), then a reload
    (requirement 1.1).
  - Needs firewalld running; C(firewall-offline-cmd) is not supported.
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
    description:
      - V(absent) deletes the policies the module owns, then reloads firewalld, and removes the backups
        (C(<policy>.xml.old)) firewalld leaves of them in C(/etc/firewalld/policies).
    type: str
    default: present
    choices: [present, absent]
  placement:
    description:
      - V(gateway) filters traffic routed through this host (policy C(<object_prefix>-fwd)).
      - V(host) filters the host's own traffic (C(<object_prefix>-in), C(<object_prefix>-out)) and accepts
        TCP to O(management_ports) from O(management_networks).
    type: str
    default: gateway
    choices: [gateway, host]
  object_prefix:
    description: Prefix of the policies the module owns; up to 14 characters (letters, digits, C(_), C(-)).
    type: str
    default: atea-anywhere
  ingress_zones:
    description: With O(placement=gateway), the zones the forwarded traffic comes from; C(ANY) for all.
    type: list
    elements: str
    default: [ANY]
  egress_zones:
    description: With O(placement=gateway), the zones the forwarded traffic goes to; C(ANY) for all.
    type: list
    elements: str
    default: [ANY]
  priority:
    description:
      - Priority of the policies (firewalld.policy(5)); a negative one applies before the zones' rules, a
        positive one after them. Not 0.
    type: int
    default: -100
  remove_voip_helpers:
    description: Remove SIP and H.323 helpers from the services in use (requirement 1.1).
    type: bool
    default: true
requirements:
  - firewalld 1.0 or later, running (policies), with C(firewall-cmd)
  - netaddr, with O(management_networks)
notes:
  - There is no SSH guard. The policies only accept (target C(CONTINUE)), so they cannot cut a connection
    that the zones accept today.
  - The restorer of O(confirm_timeout) runs C(firewall-cmd) with the environment of the module (its D-Bus system bus).
seealso:
  - module: atea.anywhere.nftables
  - module: atea.anywhere.nftables_confirm
  - name: firewalld.policy(5)
    description: firewalld policies.
    link: https://firewalld.org/documentation/man-pages/firewalld.policy.html
  - name: firewalld.richlanguage(5)
    description: firewalld rich rules.
    link: https://firewalld.org/documentation/man-pages/firewalld.richlanguage.html
'''

EXAMPLES = r'''
- name: Apply the SMB profile on a firewalld gateway
  atea.anywhere.firewalld:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"

- name: Host placement, management from 10.0.0.0/24
  atea.anywhere.firewalld:
    rules: "{{ 'enterprise' | atea.anywhere.flows | atea.anywhere.rules }}"
    placement: host
    management_networks: [10.0.0.0/24]

- name: Only from the internal zone to the external zone
  atea.anywhere.firewalld:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"
    ingress_zones: [internal]
    egress_zones: [external]

- name: Remove the collection's policies
  atea.anywhere.firewalld:
    state: absent
'''

RETURN = r'''
commands:
  description: The firewall-cmd command lines run (or that would run in check mode).
  returned: always
  type: list
  elements: str
  sample: ["firewall-cmd --policy=atea-anywhere-fwd '--add-rich-rule=rule family=\"ipv4\" ... accept'"]
rules:
  description: Number of rules rendered.
  returned: always
  type: int
  sample: 10
rich_rules:
  description: Each rich rule wanted, with its policy and provenance.
  returned: always
  type: list
  elements: dict
  contains:
    policy:
      description: The policy.
      type: str
      sample: atea-anywhere-fwd
    rich_rule:
      description: The rich rule as firewall-cmd lists it.
      type: str
      sample: rule family="ipv4" source address="10.20.0.0/16" destination address="192.0.2.0/24" port port="443" protocol="tcp" accept
    rule:
      description: The rule it comes from (C(management) for the management rules).
      type: str
      sample: outbound-mpls-tcp-ipv4
    sections:
      description: The document sections the rule serves.
      type: list
      elements: str
      sample: ['2.1']
voip_helpers:
  description: SIP and H.323 helpers found on services in use and removed (reported only, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: What was found.
      type: str
      sample: firewalld service helper
    where:
      description: The service and where it is used.
      type: str
      sample: service sip, used by zone public (permanent), zone public (runtime)
    detail:
      description: What was done.
      type: str
      sample: helper sip removed from service sip (override in /etc/firewalld/services/sip.xml), firewalld reloaded
checklist_done:
  description: General requirements (document section 1) this run took care of; C(1.1) when helpers are handled.
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
      description: Present and true when the rollback is that earlier run's.
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
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import (
    files,
    firewalld_state,
    linux_options,
    nftables_rollback,
    nftables_transaction,
    render_firewalld,
)
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.files import FileError
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

LAYOUT_OPTIONS = ('placement', 'object_prefix', 'ingress_zones', 'egress_zones', 'priority', 'management_networks',
                  'management_ports')


def argument_spec():
    return linux_options.argument_spec(
        object_prefix=dict(type='str', default=render_firewalld.DEFAULT_PREFIX),
        ingress_zones=dict(type='list', elements='str', default=['ANY']),
        egress_zones=dict(type='list', elements='str', default=['ANY']),
        priority=dict(type='int', default=render_firewalld.DEFAULT_PRIORITY),
    )


def check_options(params):
    """What the argument spec cannot say; raises InputError naming the option."""
    linux_options.check(params, 'no rules; use state absent to remove the policies')


def take_snapshot(module, cmd, plan, helpers, rebind):
    """The files a reload reads back, the reload and the runtime-only interface bindings again; or (without a
    reload) the inverse calls."""
    reload = plan.reload or helpers.reload
    # Without a reload firewalld would not read restored policy files back: only the stale backups go in.
    paths = list(plan.paths) if reload else list(plan.stale_files)
    for service in helpers.services:
        path = os.path.join(firewalld_state.CONFIG_DIR, 'services', '%s.xml' % service)
        paths.extend([path, path + '.old'])
    # Files only: no nftables table or iptables table is touched, so nft is never asked.
    snapshot = nftables_transaction.take_snapshot(module, None, [], [], [], paths)
    snapshot['commands'] = [[cmd.binary] + args for args in ([['--reload']] + rebind if reload else plan.undo)]
    return snapshot


def apply(module, cmd, names, wanted, plan, helpers, rebind):
    """Make the change as one (nftables_transaction); returns the armed rollback or None."""
    snapshot = take_snapshot(module, cmd, plan, helpers, rebind)
    change = 'the firewalld change (policies %s)' % ', '.join(names.values())
    with nftables_rollback.armed(module, snapshot, change) as (transaction, rollback):
        for args in plan.calls:
            transaction.run('running firewall-cmd %s' % ' '.join(args[:2]), cmd.change, args)
        for name, xml in plan.new_files:
            transaction.run('creating policy %s' % name, firewalld_state.create_policy, cmd, name, xml)
        for args in helpers.removals:
            transaction.run('removing helpers (firewall-cmd %s)' % ' '.join(args), cmd.change, args)
        if plan.reload or helpers.reload:
            transaction.run('reloading firewalld', cmd.change, ['--reload'])
            for args in rebind:
                transaction.run('binding the interface again (firewall-cmd %s)' % ' '.join(args), cmd.change, args)
        transaction.run('reading the policies back', firewalld_state.check_applied, cmd, list(names.values()),
                        wanted)
        for path in plan.stale_files:
            transaction.run('removing %s' % path, files.put, path, None)
    return rollback


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[('state', 'present', ('rules',))])
    params = module.params
    present = params['state'] == 'present'
    try:
        check_options(params)
        layout = render_firewalld.Layout(**dict((k, params[k]) for k in LAYOUT_OPTIONS))
        rules = check_rules(params['rules'] or [])
        policies, provenance = render_firewalld.render(rules, layout) if present else ({}, [])
    except (InputError, ImportError) as error:
        module.fail_json(msg=str(error))
    if present and render_firewalld.has_source_ports(rules):
        module.warn(render_firewalld.SOURCE_PORTS_WARNING)
    names = layout.names
    wanted = dict((policy.name, policy) for policy in policies.values())
    cmd = firewalld_state.FirewallCmd(module)
    helpers = firewalld_state.HelperPlan()
    rollback = None
    try:
        running, said = cmd.running()
        if not running:
            raise firewalld_state.FirewalldError(
                'firewalld is not running (firewall-cmd --state: %s); start it, or choose another platform '
                '(firewall-offline-cmd is not supported)' % said)
        # Before the host is read: a restore that fires meanwhile must not pass for a host already as wanted.
        earlier = nftables_rollback.unconfirmed(params['rollback_dir'])
        state = firewalld_state.State(cmd, list(names.values()))
        plan = firewalld_state.plan(state, list(names.values()), wanted)
        if params['remove_voip_helpers'] and present:
            helpers = firewalld_state.plan_helpers(cmd, state)
        reload = plan.reload or helpers.reload
        rebind = firewalld_state.rebind_calls(state) if reload else []
        creations = [['--permanent', '--new-policy-from-file=<%s.xml>' % name, '--name=%s' % name]
                     for name, _xml in plan.new_files]
        commands = firewalld_state.command_lines(plan.calls + creations + helpers.removals, reload, rebind,
                                                 plan.stale_files)
        changed = plan.changed or bool(helpers.removals) or helpers.reload
        if reload:
            drift = firewalld_state.foreign_drift(state, list(names.values()))
            if drift:
                raise firewalld_state.FirewalldError(
                    'this change needs firewall-cmd --reload, which would lose the runtime-only changes of %s (their '
                    'runtime configuration differs from the permanent one); make them permanent '
                    '(firewall-cmd --runtime-to-permanent) or undo them, then run again' % ', '.join(drift))
        rollback = nftables_rollback.settle(module, earlier, changed,
                                            lambda: apply(module, cmd, names, wanted, plan, helpers, rebind))
    except (firewalld_state.FirewalldError, FileError, nftables_rollback.RollbackError) as error:
        module.fail_json(msg='nothing was changed: %s' % error, voip_helpers=helpers.findings)
    except nftables_transaction.ChangeError as error:
        module.fail_json(msg=str(error), changed=error.changed, voip_helpers=helpers.findings)
    result = dict(changed=changed, commands=commands, rules=len(rules), voip_helpers=helpers.findings,
                  rich_rules=[dict(policy=p, rich_rule=r, rule=n, sections=s) for p, r, n, s in provenance],
                  checklist_done=['1.1'] if params['remove_voip_helpers'] and present else [],
                  # The rules can run to thousands of entries; echoing them back costs more than the work.
                  invocation={'module_args': dict(params, rules='%d rules' % len(rules))})
    if rollback:
        result['rollback'] = rollback
    if module._diff:
        result['diff'] = plan.diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
