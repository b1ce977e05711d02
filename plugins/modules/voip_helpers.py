#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: voip_helpers
short_description: Switch SIP and H.323 inspection (conntrack helpers) off on Linux
version_added: 0.2.0
description:
  - Requirement 1.1 of the Atea Anywhere firewall requirements, on Linux; on Linux the SIP and H.323
    "ALG" is the netfilter conntrack helper.
  - Finds every SIP or H.323 helper assignment in use - nftables C(ct helper) objects of type C(sip),
    C(RAS), C(Q.931) or C(H.245) and the rules that set them, iptables and ip6tables C(CT --helper)
    rules in the raw table - and removes it, reporting each one. A rule that does more than assign the
    helper (accept, count, jump) is kept without the assignment.
  - Optionally writes a modprobe.d file that keeps the helper kernel modules from loading.
  - In check mode it only reports.
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: partial
    details: Shows the modprobe.d file; removed helper assignments are listed in RV(removed).
options:
  protocols:
    description: Which helpers to remove.
    type: list
    elements: str
    choices: [sip, h323]
    default: [sip, h323]
  iptables:
    description: Also look at iptables and ip6tables rules (raw table), where those commands exist.
    type: bool
    default: true
  blacklist_file:
    description:
      - A modprobe.d file to write, blacklisting C(nf_conntrack_sip), C(nf_nat_sip), C(nf_conntrack_h323)
        and C(nf_nat_h323) (as chosen by O(protocols)). Omit it where the kernel is shared (containers).
    type: path
requirements:
  - nft (nftables)
seealso:
  - module: atea.anywhere.nftables
'''

EXAMPLES = r'''
- name: SIP and H.323 inspection off, now and after reboot
  atea.anywhere.voip_helpers:
    blacklist_file: /etc/modprobe.d/atea-anywhere-voip-helpers.conf

- name: Report SIP helpers without changing anything
  atea.anywhere.voip_helpers:
    protocols: [sip]
  check_mode: true
  register: sip_helpers
'''

RETURN = r'''
removed:
  description: Each helper assignment found, and what was (or in check mode would be) done.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(nftables ct helper), V(nftables rule), V(iptables rule) or V(ip6tables rule).
      type: str
    where:
      description: Table and chain, or family and table.
      type: str
      sample: inet voip chain prerouting handle 5
    detail:
      description: What was done.
      type: str
      sample: rule that only set ct helper sip-5060 deleted
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import (
    files,
    nftables_state,
    nftables_transaction,
    text_gate,
    voip_helpers,
)
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            protocols=dict(type='list', elements='str', choices=list(voip_helpers.HELPER_TYPES),
                           default=list(voip_helpers.HELPER_TYPES)),
            iptables=dict(type='bool', default=True),
            blacklist_file=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    blacklist = params['blacklist_file']
    try:
        if blacklist is not None:
            text_gate.file_path('blacklist_file', blacklist)
    except InputError as error:
        module.fail_json(msg=str(error))
    nft = nftables_state.Nft.for_module(module, unshare=False)
    diffs = []
    removal = voip_helpers.Removal()
    try:
        ruleset = nft.ruleset()
        removal = voip_helpers.plan_removal(module, ruleset, params['protocols'], iptables=params['iptables'])
        write_blacklist = voip_helpers.blacklist_change(module, blacklist, params['protocols'], diffs)
        changed = bool(removal) or write_blacklist
        if changed and not module.check_mode:
            # All or nothing, as in atea.anywhere.nftables: a failed step puts back what was removed.
            snapshot = nftables_transaction.take_snapshot(module, nft, ruleset, removal.tables, removal.iptables,
                                                          [blacklist] if write_blacklist else [])
            transaction = nftables_transaction.Transaction(snapshot)
            if removal:
                transaction.run('removing SIP and H.323 helper assignments', voip_helpers.apply_removal, module,
                                nft, removal)
            if write_blacklist:
                transaction.run('writing %s' % blacklist, files.put, blacklist,
                                voip_helpers.blacklist_content(params['protocols']))
    except (nftables_state.NftError, files.FileError, voip_helpers.HelperError) as error:
        module.fail_json(msg='nothing was changed: %s' % error, removed=removal.findings)
    except nftables_transaction.ChangeError as error:
        module.fail_json(msg=str(error), changed=error.changed, removed=removal.findings)
    result = dict(changed=changed, removed=removal.findings)
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
