# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: routeros_moves
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.2.0
short_description: Moves that keep the collection's RouterOS filter rules together above their chain's first drop
description:
  - RouterOS adds new filter rules at the end of a chain, and a chain matches first. Below a drop or reject of
    someone else's, the collection's rules (comment starting with C(ATEA:)) would not be in force.
  - Given the filter menus as read, returns for each chain the move that keeps the collection's rules together, in
    their order, and above the chain's first enabled C(drop), C(reject) or C(tarpit) rule of someone else's that
    could take their traffic (a drop of C(connection-state=invalid) alone does not count). Where the first of them
    is below it, they all go just above it; otherwise they are gathered after the first of them, so a person may
    place them higher. Nothing is returned where they already stand so.
positional: _input
options:
  _input:
    description: Filter menu (for example C(ip firewall filter)) to its entries as M(community.routeros.api_info) reads them.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Read the filter rules
  community.routeros.api_info:
    hostname: "{{ ansible_host }}"
    username: "{{ ansible_user }}"
    password: "{{ ansible_password }}"
    path: ip firewall filter
  register: filters

- name: Move the collection's rules above the chain's first drop
  community.routeros.api:
    hostname: "{{ ansible_host }}"
    username: "{{ ansible_user }}"
    password: "{{ ansible_password }}"
    path: "{{ item.path }}"
    cmd: "move numbers={{ item.numbers }} destination={{ item.destination }}"
  loop: "{{ {'ip firewall filter': filters.result} | atea.anywhere.routeros_moves }}"
'''

RETURN = r'''
_value:
  description: One move per chain that needs one.
  type: list
  elements: dict
  contains:
    path:
      description: The filter menu.
      type: str
    numbers:
      description: The ids of the collection's rules to move, comma-separated, in their order.
      type: str
    destination:
      description: The id of the drop or reject rule they go above.
      type: str
'''

from ansible_collections.atea.anywhere.plugins.module_utils.render_routeros import placement_moves
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry


@filter_entry('atea.anywhere.routeros_moves', {})
def routeros_moves(menus):
    return placement_moves(menus)


class FilterModule(object):
    def filters(self):
        return {'routeros_moves': routeros_moves}
