#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: requirements_info
short_description: The Atea Anywhere firewall requirements for a deployment profile
version_added: 0.1.0
description:
  - Returns the flows that the Atea Anywhere firewall requirements document asks a customer
    firewall to allow, for a deployment profile or a list of document sections, with the
    customer's and Atea's networks resolved.
  - Also returns the flows compacted into the fewest firewall rules, and the general
    requirements (section 1) that are not port rules, as a checklist.
  - Changes nothing.
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
  - atea.anywhere.selection
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
seealso:
  - plugin: atea.anywhere.flows
    plugin_type: filter
  - plugin: atea.anywhere.rules
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Read the SMB requirements
  atea.anywhere.requirements_info:
    profile: smb
  register: atea_requirements

- name: Read the enterprise MPLS sections only, for lab networks
  atea.anywhere.requirements_info:
    components: [mpls_outbound, mpls_inbound]
    networks:
      mpls: 192.0.2.0/24
    customer_networks:
      - 198.51.100.0/25
      - 2001:db8:100::/48
  register: atea_requirements

- name: Show each flow
  ansible.builtin.debug:
    msg: "{{ item.section }} {{ item.protocol }} {{ item.destination_ports }} {{ item.purpose }}"
  loop: "{{ atea_requirements.flows }}"
'''

RETURN = r'''
profile:
  description: The profile asked for, or null when components were given.
  returned: always
  type: str
  sample: smb
sections:
  description: The document sections that apply.
  returned: always
  type: list
  elements: str
  sample: ['3', '4']
flows:
  description:
    - One entry per document row, protocol and address family.
    - Port lists hold C([low, high]) pairs; an empty list means any port, and is always empty for ICMP.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Stable id of the document row, with the protocol appended for rows of two protocols.
      type: str
      sample: 3-xmpp
    section:
      description: Section of the requirements document, or C(extra) for user-declared flows.
      type: str
      sample: '3'
    name:
      description: Short label of the row.
      type: str
      sample: XMPP
    purpose:
      description: The purpose column of the document.
      type: str
      sample: XMPP (IM and Presence)
    application:
      description: The application protocol the document names, if any.
      type: str
      sample: XMPP
    direction:
      description: V(outbound) from the customer to Atea, V(inbound) from Atea to customer devices, V(internal) between customer devices.
      type: str
      sample: outbound
    protocol:
      description: V(tcp), V(udp) or V(icmp).
      type: str
      sample: tcp
    family:
      description: Address family, V(ipv4) or V(ipv6).
      type: str
      sample: ipv4
    icmp_type:
      description: ICMP type allowed (V(echo-request)) for ICMP flows, else null.
      type: str
      sample: null
    destination_ports:
      description: Destination port ranges.
      type: list
      elements: list
      sample: [[5222, 5222]]
    source_ports:
      description: Source port ranges; C([[1024, 65535]]) in sections 3 and 4.
      type: list
      elements: list
      sample: [[1024, 65535]]
    sources:
      description: Source CIDRs.
      type: list
      elements: str
      sample: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
    destinations:
      description: Destination CIDRs.
      type: list
      elements: str
      sample: ['88.151.163.0/24']
    source_network:
      description: Name of the source network, V(customer), V(mpls) or V(internet).
      type: str
      sample: customer
    destination_network:
      description: Name of the destination network.
      type: str
      sample: internet
    endpoints:
      description: Device endpoint types the row is for.
      type: list
      elements: str
      sample: ['Cisco Jabber', 'IP Phones', 'Telepresence systems']
rules:
  description: The flows compacted into the fewest rules; see the P(atea.anywhere.rules#filter) filter.
  returned: always
  type: list
  elements: dict
checklist:
  description: General requirements that are not port rules (document section 1).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Stable id.
      type: str
      sample: 1.2-symantec-hids
    section:
      description: Document section.
      type: str
      sample: '1.2'
    title:
      description: Section title.
      type: str
    action:
      description: What must be done.
      type: str
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.atea.anywhere.plugins.module_utils import engine, inputs


def main():
    module = AnsibleModule(
        argument_spec=engine.SELECTION_ARGUMENT_SPEC,
        mutually_exclusive=[('profile', 'components')],
        required_one_of=[('profile', 'components')],
        supports_check_mode=True,
    )
    if not inputs.HAS_NETADDR:
        module.fail_json(msg=missing_required_lib('netaddr'))
    selection = dict((key, module.params[key]) for key in engine.SELECTION_ARGUMENT_SPEC)
    try:
        result = engine.requirements(**selection)
    except inputs.InputError as error:
        module.fail_json(msg=str(error), option=error.option, value=error.value)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
