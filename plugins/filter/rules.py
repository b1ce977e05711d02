# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: rules
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.1.0
short_description: Compact flows into the fewest firewall rules
description:
  - Merges flows of the same direction, address family, protocol, sources, destinations and
    source ports into one rule, with overlapping and adjacent destination port ranges collapsed.
  - Every rule keeps the provenance (document section, purpose, ports) of each flow it serves,
    so that a renderer can say where each port comes from.
  - Input flows are checked; a malformed flow fails with the index and key that are wrong.
positional: _input
options:
  _input:
    description: Flows, as returned by the P(atea.anywhere.flows#filter) filter.
    type: list
    elements: dict
    required: true
'''

EXAMPLES = r'''
- name: The SMB rule set
  ansible.builtin.debug:
    msg: "{{ 'smb' | atea.anywhere.flows | atea.anywhere.rules }}"
'''

RETURN = r'''
_value:
  description: List of rules.
  type: list
  elements: dict
  contains:
    name:
      description: Unique rule name, C(<direction>-<network>-<protocol>-<family>).
      type: str
      sample: outbound-internet-tcp-ipv4
    direction:
      description: V(outbound), V(inbound) or V(internal).
      type: str
    family:
      description: V(ipv4) or V(ipv6).
      type: str
    protocol:
      description: V(tcp), V(udp) or V(icmp).
      type: str
    sources:
      description: Source CIDRs.
      type: list
      elements: str
    destinations:
      description: Destination CIDRs.
      type: list
      elements: str
    source_network:
      description: Name of the source network.
      type: str
    destination_network:
      description: Name of the destination network.
      type: str
    source_ports:
      description: Source port ranges as C([low, high]) pairs; empty means any.
      type: list
      elements: list
    destination_ports:
      description: Merged destination port ranges as C([low, high]) pairs; empty for ICMP.
      type: list
      elements: list
      sample: [[443, 443], [5061, 5061], [5222, 5222], [8443, 8443], [40000, 49999]]
    icmp_type:
      description: V(echo-request) for ICMP rules, else null.
      type: str
    sections:
      description: Document sections the rule serves, in document order.
      type: list
      elements: str
      sample: ['3', '4']
    provenance:
      description: One entry per flow merged into the rule, with C(id), C(section), C(name), C(purpose) and C(destination_ports).
      type: list
      elements: dict
'''

from ansible_collections.atea.anywhere.plugins.module_utils import engine
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry


@filter_entry('atea.anywhere.rules')
def rules(flows):
    return engine.compact_rules(flows)


class FilterModule(object):
    def filters(self):
        return {'rules': rules}
