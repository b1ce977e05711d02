# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: nftables_table
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.1.0
short_description: Render rules as an nftables table
description:
  - Renders rules from the P(atea.anywhere.rules#filter) filter as one nftables table, in the
    form C(nft list table) prints it, ready for C(nft -f).
  - Base chains drop by default and accept replies (C(ct state established,related)).
  - Each rule carries its sections as a rule comment, and each destination port its document
    section and purpose as a set element comment (nftables keeps at most 128 bytes of each). A rule with a
    single port range (or none, ICMP) carries the section and purpose in its rule comment instead, as nftables
    lists a set of one element as a plain value and drops its comment.
  - Comments take UTF-8 but no double quote (nftables has no escape for it) and no line break or control
    character; such a purpose or name fails, naming the rule and field. Table and chain names are ASCII
    letters, digits and underscores, starting with a letter.
  - Written for nftables 0.9.7 and later (set element comments).
positional: _input
options:
  mode:
    description:
      - V(table) renders a table of the collection's own, with base chains, a drop policy and reply handling.
      - V(chain) renders regular chains C(<chain_prefix>_<hook>) for an existing table of the user's (O(table)),
        which a jump rule in the user's base chain reaches; see M(atea.anywhere.nftables).
    type: str
    default: table
    choices: [table, chain]
  table:
    description:
      - Table name. Defaults to C(atea_anywhere) with O(mode=table); required with O(mode=chain).
    type: str
  chain_prefix:
    description: With O(mode=chain), the prefix of the chain names.
    type: str
    default: atea_anywhere
  management_ports:
    description: With O(placement=host), TCP ports that O(management_networks) keep access to.
    type: list
    elements: raw
    default: [22]
  table_family:
    description: Table family. V(ip) and V(ip6) tables keep only the rules of their address family.
    type: str
    default: inet
    choices: [inet, ip, ip6]
  placement:
    description:
      - V(gateway) filters traffic routed through this host (the forward hook).
      - V(host) filters this host's own traffic (input and output hooks) and keeps loopback,
        IPv6 neighbour discovery and SSH from O(management_networks).
    type: str
    default: gateway
    choices: [gateway, host]
  management_networks:
    description: With O(placement=host), networks that keep SSH access to this host.
    type: list
    elements: str
    default: []
  policy:
    description: Policy of the forward and input base chains.
    type: str
    default: drop
    choices: [drop, accept]
  output_policy:
    description: Policy of the output base chain (O(placement=host)); the host's own DNS, NTP and updates pass by default.
    type: str
    default: accept
    choices: [drop, accept]
extends_documentation_fragment:
  - atea.anywhere.rules_input
'''

EXAMPLES = r'''
- name: Write the SMB table for review
  ansible.builtin.copy:
    content: "{{ 'smb' | atea.anywhere.flows | atea.anywhere.rules | atea.anywhere.nftables_table }}"
    dest: /tmp/atea_anywhere.nft
    mode: '0644'
'''

RETURN = r'''
_value:
  description: The table, as nftables script text ending in a newline.
  type: str
  sample: "table inet atea_anywhere {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n..."
'''

from ansible_collections.atea.anywhere.plugins.module_utils import render_nftables
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'mode': {'type': 'str', 'default': 'table', 'choices': list(render_nftables.MODES)},
    'table': {'type': 'str'},
    'chain_prefix': {'type': 'str', 'default': render_nftables.DEFAULT_CHAIN_PREFIX},
    'management_ports': {'type': 'list', 'elements': 'raw', 'default': [22]},
    'table_family': {'type': 'str', 'default': 'inet', 'choices': list(render_nftables.TABLE_FAMILIES)},
    'placement': {'type': 'str', 'default': 'gateway', 'choices': list(render_nftables.PLACEMENTS)},
    'management_networks': {'type': 'list', 'elements': 'str', 'default': []},
    'policy': {'type': 'str', 'default': 'drop', 'choices': ['drop', 'accept']},
    'output_policy': {'type': 'str', 'default': 'accept', 'choices': ['drop', 'accept']},
}


@filter_entry('atea.anywhere.nftables_table', _OPTIONS)
def nftables_table(rules, **options):
    return render_nftables.render_table(rules, **options)


class FilterModule(object):
    def filters(self):
        return {'nftables_table': nftables_table}
