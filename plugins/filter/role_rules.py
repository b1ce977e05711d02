# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: role_rules
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.4.0
short_description: The rules of the atea_anywhere role's variables, computed once per distinct input of a run
description:
  - Takes the role variables the rules are made of and returns the rules, as
    P(atea.anywhere.flows#filter) and P(atea.anywhere.rules#filter) would, with the entries of
    C(atea_anywhere_extra_flows_file) and C(atea_anywhere_customer_networks_file) added.
  - The same computation as the role's action M(atea.anywhere.enforce), sharing its cache. Within one
    ansible-playbook run, hosts with the same inputs (and the same input files) share one computation.
  - Each variable is checked against the role's argument spec; an error names the variable and the value.
positional: _input
options:
  _input:
    description:
      - Mapping of role variable name to value, for C(atea_anywhere_profile), C(atea_anywhere_components),
        C(atea_anywhere_networks), C(atea_anywhere_customer_networks), C(atea_anywhere_extra_flows),
        C(atea_anywhere_allow_any_network), C(atea_anywhere_extra_flows_file) and
        C(atea_anywhere_customer_networks_file); a missing one takes the role's default.
      - A relative file path is taken from the directory ansible-playbook was started from.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: The enterprise rules with the customer networks of a file
  ansible.builtin.debug:
    msg: >-
      {{ {'atea_anywhere_profile': 'enterprise',
          'atea_anywhere_customer_networks_file': 'files/customer-networks.yml'} | atea.anywhere.role_rules }}
'''

RETURN = r'''
_value:
  description: List of rules; see P(atea.anywhere.rules#filter) for their keys.
  type: list
  elements: dict
'''

import os

from ansible import constants as C
from ansible.errors import AnsibleFilterError

from ansible_collections.atea.anywhere.plugins.plugin_utils import enforce
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry


@filter_entry('atea.anywhere.role_rules')
def role_rules(variables):
    try:
        return enforce.role_rules(variables, C.DEFAULT_LOCAL_TMP, os.getcwd())[0]
    except enforce.EnforceError as error:
        raise AnsibleFilterError('atea.anywhere.role_rules: %s' % error)


class FilterModule(object):
    def filters(self):
        return {'role_rules': role_rules}
