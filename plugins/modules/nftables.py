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
    (for example Debian's C(inet filter)) and one jump rule to each, inserted first in the user's base
    chain. Every other rule of that table stays as it was.
  - Also removes SIP and H.323 conntrack helper assignments (requirement 1.1), as M(atea.anywhere.voip_helpers) does.
  - Every rule carries its provenance (document section and purpose) as nftables comments.
  - For nftables 0.9.7 or later (set element comments) and util-linux C(unshare).
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  rules:
    description:
      - Rules from the P(atea.anywhere.rules#filter) filter (or the C(rules) of M(atea.anywhere.requirements_info)).
      - Required with O(state=present).
    type: list
    elements: dict
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
  management_networks:
    description:
      - With O(placement=host), networks that keep TCP access to O(management_ports).
      - When Ansible reaches the host over SSH (C(SSH_CONNECTION)), a change that would no longer accept
        a new connection from the same client to the same port is refused before anything is changed.
    type: list
    elements: str
    default: []
  management_ports:
    description: TCP ports that O(management_networks) keep access to.
    type: list
    elements: raw
    default: [22]
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
    description: The nftables service's configuration, which must include O(persist_file).
    type: path
    default: /etc/nftables.conf
requirements:
  - nft (nftables)
  - unshare (util-linux)
  - netaddr, with O(placement=host) (management networks, and the check of the connection in use)
notes:
  - In O(mode=chain) the drop-in adds to the user's table; the main configuration must define that table
    and start with C(flush ruleset), as Debian's does.
seealso:
  - module: atea.anywhere.voip_helpers
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
checklist_done:
  description: General requirements (document section 1) this run took care of; C(1.1) when SIP and H.323 helpers are handled.
  returned: always
  type: list
  elements: str
  sample: ['1.1']
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import files, nftables_state, render_nftables, voip_helpers
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

LAYOUT_OPTIONS = ('mode', 'table', 'table_family', 'placement', 'chain_prefix', 'parent_chains',
                  'management_networks', 'management_ports', 'policy', 'output_policy')


def argument_spec():
    return dict(
        rules=dict(type='list', elements='dict'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        mode=dict(type='str', default='table', choices=list(render_nftables.MODES)),
        table=dict(type='str'),
        table_family=dict(type='str', default='inet', choices=list(render_nftables.TABLE_FAMILIES)),
        placement=dict(type='str', default='gateway', choices=list(render_nftables.PLACEMENTS)),
        chain_prefix=dict(type='str', default=render_nftables.DEFAULT_CHAIN_PREFIX),
        parent_chains=dict(type='dict'),
        management_networks=dict(type='list', elements='str', default=[]),
        management_ports=dict(type='list', elements='raw', default=[22]),
        policy=dict(type='str', default='drop', choices=['drop', 'accept']),
        output_policy=dict(type='str', default='accept', choices=['drop', 'accept']),
        remove_voip_helpers=dict(type='bool', default=True),
        helper_blacklist_file=dict(type='path'),
        persist=dict(type='bool', default=True),
        persist_file=dict(type='path', default=DEFAULT_PERSIST_FILE),
        main_config=dict(type='path', default=DEFAULT_MAIN_CONFIG),
    )


DEFAULT_PERSIST_FILE = '/etc/nftables.d/atea_anywhere.nft'
DEFAULT_MAIN_CONFIG = '/etc/nftables.conf'


def persist(module, layout, wanted, present, diffs):
    """Drop-in file plus its include line in the main configuration; returns (changed, persisted).

    On removal the include line goes first: nft refuses a whole file whose include is missing.
    """
    params = module.params
    persist_file, main_config = params['persist_file'], params['main_config']
    if files.in_shared_network_namespace() and main_config == DEFAULT_MAIN_CONFIG:
        module.warn('running in a named network namespace (ip netns exec), which shares /etc with the machine: '
                    '%s is the machine\'s, not this namespace\'s, and is left alone; set main_config and '
                    'persist_file to persist for this namespace' % main_config)
        return False, False
    main = files.read_text(main_config)
    include = 'include "%s"' % persist_file
    includes = (include, "include '%s'" % persist_file)
    lines = (main or '').splitlines(True)
    others = [line for line in lines if line.strip() not in includes]
    if not present:
        changed = main is not None and len(others) != len(lines) and files.sync_file(
            module, main_config, ''.join(others), diffs)
        return files.sync_file(module, persist_file, None, diffs) or changed, False
    if main is None:
        module.warn('%s does not exist: the change is not persisted across reboot' % main_config)
        return False, False
    changed = files.sync_file(module, persist_file, nftables_state.persistent_script(layout, wanted), diffs)
    if len(others) == len(lines):
        changed = files.sync_file(module, main_config, files.with_line(main, include), diffs) or changed
    return changed, True


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[('state', 'present', ('rules',))])
    params = module.params
    present = params['state'] == 'present'
    try:
        layout = render_nftables.Layout(**dict((k, params[k]) for k in LAYOUT_OPTIONS))
        rules = check_rules(params['rules'] or [])
        wanted = render_nftables.render(rules, layout) if present else ''
        kept, client, port = nftables_state.connection_kept(layout, rules, os.environ.get('SSH_CONNECTION'))
    except (InputError, ImportError) as error:
        module.fail_json(msg=str(error))
    if present and not kept:
        module.fail_json(msg='refusing a change that would cut the connection Ansible is using: nothing would accept '
                             'TCP from %s to port %s; add it to management_networks and management_ports'
                         % (client, port))

    nft = nftables_state.Nft.for_module(module)
    diffs = []
    findings = []
    changed = False
    try:
        ruleset = nft.ruleset()
        # Planned and checked before anything changes, helpers included.
        plan = nftables_state.plan(nft, ruleset, layout, wanted, present)
        if plan.changed:
            nft.check(plan.script)
        if params['remove_voip_helpers'] and present:
            changed, findings = voip_helpers.remove_helpers(
                module, nft, ruleset, ('sip', 'h323'), diffs, blacklist_file=params['helper_blacklist_file'])
        if plan.changed:
            changed = True
            diffs.insert(0, {'before': plan.before, 'after': plan.after,
                             'before_header': 'nftables (owned part)', 'after_header': 'nftables (owned part)'})
            if not module.check_mode:
                nft.apply(plan.script)
        persisted = False
        if params['persist']:
            persist_changed, persisted = persist(module, layout, wanted, present, diffs)
            changed = changed or persist_changed
    except nftables_state.NftError as error:
        module.fail_json(msg=str(error), voip_helpers=findings)
    result = dict(changed=changed, script=plan.script if plan.changed else '', rules=len(rules),
                  voip_helpers=findings, persisted=persisted,
                  checklist_done=['1.1'] if params['remove_voip_helpers'] and present else [],
                  # The rules can run to thousands of entries; echoing them back costs more than the work.
                  invocation={'module_args': dict(params, rules='%d rules' % len(rules))})
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
