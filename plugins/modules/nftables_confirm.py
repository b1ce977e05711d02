#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: nftables_confirm
short_description: Confirm a change of M(atea.anywhere.nftables), so the host keeps it
version_added: 0.3.0
description:
  - With O(atea.anywhere.nftables#module:confirm_timeout), M(atea.anywhere.nftables) saves the host's
    previous state and starts a restorer on the host before it changes anything. Unless this module
    confirms the change in time, the host restores the previous state by itself.
  - Confirming stops the restorer and removes the saved state.
  - When the host has already restored (the play did not confirm in time), this module fails with
    RV(rolled_back) true and says so; when the host's own restore failed, it fails with
    RV(restore_failed) true and says what could not be restored.
  - Run it on a fresh connection to the host, so that the new rules are what let the play in.
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
attributes:
  check_mode:
    support: full
    details: Reports whether the change would be confirmed, or was rolled back; stops nothing.
  diff_mode:
    support: none
options:
  id:
    description: The RV(atea.anywhere.nftables#module:rollback.id) that M(atea.anywhere.nftables) returned.
    type: str
    required: true
  rollback_dir:
    description: The O(atea.anywhere.nftables#module:rollback_dir) the change was armed with.
    type: path
    default: /run/atea-anywhere
seealso:
  - module: atea.anywhere.nftables
'''

EXAMPLES = r'''
- name: Apply; the host restores its previous rules unless confirmed within 120 seconds
  atea.anywhere.nftables:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"
    placement: host
    management_networks: [10.0.0.0/24]
    confirm_timeout: 120
  register: applied

- name: Reach the host again, through the new rules
  ansible.builtin.wait_for_connection:
    timeout: 60
  when: applied.rollback is defined

- name: Confirm, so the host keeps the change
  atea.anywhere.nftables_confirm:
    id: "{{ applied.rollback.id }}"
  when: applied.rollback is defined
'''

RETURN = r'''
confirmed:
  description: Whether this run confirmed the change (never in check mode).
  returned: always
  type: bool
rolled_back:
  description: Whether the host had already restored its previous state, the change not being confirmed in time.
  returned: always
  type: bool
restore_failed:
  description: Whether the host tried to restore its previous state and could not restore all of it.
  returned: always
  type: bool
errors:
  description: What the host could not restore, when RV(restore_failed) is true.
  returned: when the host's own restore failed
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import nftables_rollback, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            id=dict(type='str', required=True),
            rollback_dir=dict(type='path', default='/run/atea-anywhere'),
        ),
        supports_check_mode=True,
    )
    try:
        text_gate.absolute_path('rollback_dir', module.params['rollback_dir'])
        failed, result = nftables_rollback.confirm(module.params['rollback_dir'], module.params['id'],
                                                   module.check_mode)
    except InputError as error:
        module.fail_json(msg=str(error), confirmed=False, rolled_back=False, restore_failed=False)
    except OSError as error:
        module.fail_json(msg='could not read the rollback %s in %s: %s' % (module.params['id'],
                                                                           module.params['rollback_dir'], error),
                         confirmed=False, rolled_back=False, restore_failed=False)
    if failed:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
