# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: vendor_api_requests
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.2.0
short_description: Render rules as requests to a network firewall's API module
description:
  - Renders rules from the P(atea.anywhere.rules#filter) filter as one request per configuration menu for the
    brand's API module, with the same objects, rules and comments as P(atea.anywhere.vendor_config#filter).
  - V(routeros) gives one request per menu for M(community.routeros.api_modify) (C(ip firewall address-list),
    C(ip firewall filter), their C(ipv6) twins and C(ip firewall service-port)). Menus where the collection owns
    entries carry a restriction to them (address lists C(ATEA-*), filter comments starting with C(ATEA:)), so
    that C(handle_absent_entries=remove) removes the stale ones of ours and nothing else; a menu with none
    wanted is still listed for that reason.
positional: _input
options:
  _input:
    description: Rules.
    type: list
    elements: dict
    required: true
  platform:
    description: The platform.
    type: str
    required: true
    choices: [routeros]
  zones:
    description: Chain per network name (C(customer), C(mpls), C(internet)); RouterOS defaults to C(forward).
    type: dict
'''

EXAMPLES = r'''
- name: Ensure the collection's entries in each menu of a RouterOS device
  community.routeros.api_modify:
    hostname: "{{ ansible_host }}"
    username: "{{ ansible_user }}"
    password: "{{ ansible_password }}"
    path: "{{ item.path }}"
    data: "{{ item.data }}"
    restrict: "{{ item.restrict }}"
    handle_absent_entries: "{{ 'remove' if item.restrict else 'ignore' }}"
    handle_entries_content: "{{ 'remove_as_much_as_possible' if item.restrict else 'ignore' }}"
  loop: "{{ 'smb' | atea.anywhere.flows | atea.anywhere.rules | atea.anywhere.vendor_api_requests(platform='routeros') }}"
  delegate_to: localhost
'''

RETURN = r'''
_value:
  description: One request per menu.
  type: list
  elements: dict
  contains:
    path:
      description: The menu, for example C(ip firewall filter).
      type: str
    data:
      description: The entries wanted there, field to value.
      type: list
      elements: dict
    restrict:
      description: The restriction to the collection's own entries, or V(null) where it owns none (service ports).
      type: list
      elements: dict
'''

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'platform': {'type': 'str', 'required': True, 'choices': ['routeros']},
    'zones': {'type': 'dict'},
}


@filter_entry('atea.anywhere.vendor_api_requests', _OPTIONS)
def vendor_api_requests(rules, platform, zones=None):
    return vendor_platforms.api_requests(rules, platform, zones)


class FilterModule(object):
    def filters(self):
        return {'vendor_api_requests': vendor_api_requests}
