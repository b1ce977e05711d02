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
  - V(fortios) gives, against O(current) (the tables as M(fortinet.fortios.fortios_configuration_fact) reads
    them), C(delete_first) (stale policies of ours), C(set) (each entry with its module, C(fortios_<module>),
    and data; since 0.4.0 only the entries missing or different from the entry read in a field the collection
    sets, compared as FortiOS returns them, its extra fields and C(q_origin_key) left aside, a subnet in either
    notation, lists of names in any order), C(moves) (C(key) a policy of ours, C(before) the id of the first policy of someone else's that
    denies its interfaces or C(any) and stands above it, for M(fortinet.fortios.fortios_firewall_policy) with
    C(action=move)), C(delete_last) (stale services, groups and addresses of ours, users before what they use),
    C(settings) (C(default_voip_alg_mode); empty where the settings read already hold it) and C(session_helpers) (the ids of the C(sip), C(h323) and C(ras)
    session helpers read). A new policy takes an id above O(policy_id_base) that no policy holds.
  - V(routeros) gives one request per menu for M(community.routeros.api_modify) (C(ip firewall address-list),
    C(ip firewall filter), their C(ipv6) twins and C(ip firewall service-port)). Each filter menu starts, per chain
    used, with a rule of ours accepting C(connection-state=established,related), the replies of what the chain
    accepted. Menus where the collection owns
    entries carry a restriction to them (address lists C(ATEA-*), filter comments starting with C(ATEA:)), so
    that C(handle_absent_entries=remove) removes the stale ones of ours and nothing else; a menu with none
    wanted is still listed for that reason.
positional: _input
options:
  platform:
    description: The platform.
    type: str
    required: true
    choices: [fortios, routeros]
  zones:
    description:
      - Interface or chain per network name (C(customer), C(mpls), C(internet)).
      - FortiOS defaults to C(internal), C(mpls), C(wan1); RouterOS to the C(forward) chain (built-in chains only).
    type: dict
  current:
    description:
      - With V(fortios), required. Selector (C(firewall_address), C(firewall_address6), C(firewall_addrgrp),
        C(firewall_addrgrp6), C(firewall.service_custom), C(firewall_policy), C(system_session-helper)) to the
        entries read.
      - Since 0.4.0 also C(system_settings), the settings read, where given; without it C(settings) is always
        set.
    type: dict
  policy_id_base:
    description:
      - With V(fortios), policies take ids from this number plus one. A whole number from 0; the last id, this
        number plus the number of rules, may not pass 4294967294, the highest policy id FortiOS takes.
    type: int
extends_documentation_fragment:
  - atea.anywhere.rules_input
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
  description: With V(routeros), one request per menu; with V(fortios), a dictionary of the lists described above.
  type: raw
  contains:
    path:
      description: RouterOS. The menu, for example C(ip firewall filter).
      type: str
    data:
      description: RouterOS. The entries wanted there, field to value.
      type: list
      elements: dict
    restrict:
      description: RouterOS. The restriction to the collection's own entries, or V(null) where it owns none (service ports).
      type: list
      elements: dict
    ensure_order:
      description: RouterOS. Whether the order of the entries matters (filter menus).
      type: bool
'''

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'platform': {'type': 'str', 'required': True, 'choices': vendor_platforms.API_PLATFORMS},
    'zones': {'type': 'dict'},
    'current': {'type': 'dict'},
    'policy_id_base': {'type': 'int'},
}


@filter_entry('atea.anywhere.vendor_api_requests', _OPTIONS)
def vendor_api_requests(rules, platform, zones=None, current=None, policy_id_base=None):
    options = {'policy_id_base': policy_id_base} if policy_id_base is not None else {}
    return vendor_platforms.api_requests(rules, platform, zones, current, **options)


class FilterModule(object):
    def filters(self):
        return {'vendor_api_requests': vendor_api_requests}
