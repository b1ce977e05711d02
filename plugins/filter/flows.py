# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: flows
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.1.0
short_description: The flows of the Atea Anywhere firewall requirements for a profile
description:
  - Takes a deployment profile name and returns one flow per document row, protocol and address
    family, with the customer's and Atea's networks resolved.
  - The same data as the C(flows) return value of M(atea.anywhere.requirements_info), computed on the controller.
  - Give the profile as input, or V(null) as input and O(components).
positional: _input
options:
  _input:
    description: Deployment profile, V(smb) or V(enterprise); V(null) when O(components) is given.
    type: str
    required: true
extends_documentation_fragment:
  - atea.anywhere.selection
'''

EXAMPLES = r'''
- name: All SMB flows
  ansible.builtin.debug:
    msg: "{{ 'smb' | atea.anywhere.flows }}"

- name: Enterprise flows between lab networks
  ansible.builtin.set_fact:
    lab_flows: >-
      {{ 'enterprise' | atea.anywhere.flows(networks={'mpls': '192.0.2.0/24', 'internet': '203.0.113.0/24'},
                                            customer_networks=['198.51.100.0/24']) }}

- name: Only the VMR section
  ansible.builtin.debug:
    msg: "{{ None | atea.anywhere.flows(components=['vmr']) }}"
'''

RETURN = r'''
_value:
  description:
    - List of flows; see the C(flows) return value of M(atea.anywhere.requirements_info) for their keys.
  type: list
  elements: dict
'''

from ansible_collections.atea.anywhere.plugins.module_utils import engine
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = dict((k, v) for k, v in engine.SELECTION_ARGUMENT_SPEC.items() if k != 'profile')


@filter_entry('atea.anywhere.flows', _OPTIONS)
def flows(profile, **options):
    return engine.build_flows(profile=profile, **options)


class FilterModule(object):
    def filters(self):
        return {'flows': flows}
