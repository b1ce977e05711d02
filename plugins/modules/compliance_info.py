#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: compliance_info
short_description: Per document row, whether the Atea Anywhere rules are in place on a firewall, read from its state
version_added: 0.3.0
description:
  - Reads the firewall's live state and tells, for every document row (one flow of the requirement data, as the
    rules' provenance lists them), whether the rule that implements it is V(in_place), V(missing) or V(different),
    with the rule's text as rendered (C(want)) and as found (C(have)). It never changes anything.
  - The objects the platform's renderer would write for the rule are compared with the live objects of the same
    identity (the rule's name in their comment, or the object names). A row is V(missing) when no object of its
    rule allows any of its ports; V(in_place) when every object of its rule that carries its ports is there as
    wanted and allows them, and none of the rule's objects for those ports has another verdict or other matches or
    allows ports around them the rule is not asked for; V(different) otherwise, or when the objects are there but
    not reached (no jump to the chain, or a drop or reject of every packet before it; a rule not of the collection
    before them in its chain; on nftables another table's base chain with policy drop on the hook; ufw inactive,
    firewalld or ufw active beside plain nftables). The detail says which object or port differs.
  - Where the rule's objects list ports (nftables sets, iptables multiport, ufw port lists, firewalld rich rules),
    a row is judged by its own ports only, so a changed port makes only the rows that asked for it V(missing) or
    V(different).
  - nftables (C(nft -j -a list ruleset); the wanted table is loaded into a private network namespace with
    C(unshare --net) and listed back, so both sides come from nft's printer), iptables (C(iptables-save) of the
    variant holding the collection's chains), ufw (its user rules files, C(ufw status)), firewalld (runtime
    policies). Run on the Linux host, as the apply modules are.
  - "Network platforms: from the running configuration at O(running_config) (run on the controller,
    C(delegate_to: localhost)): a saved one, or what the role read from an applied IOS-XE or Junos device (written
    there for the read, then removed); without one every row is V(unknown) and the detail says where to save it.
    ASA and IOS-XE entries are expected in the access list the interface already uses; an ASA entry or a Junos
    policy behind the first deny of its list or zone pair is V(different)."
  - Also the document's section 1 (C(checklist)); 1.1 is V(done) on Linux when no SIP or H.323 conntrack helper is
    assigned (nftables and iptables raw tables; without the nft binary the raw tables of iptables-nft are read with
    C(iptables-nft-save)), and left to a person when nft cannot list the ruleset, 1.2 (the Symantec HIDS exception for Jabber) is always left to a
    person.
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  rules:
    description: Rules, as returned by the P(atea.anywhere.rules#filter) filter; the document rows are their provenance.
    type: list
    elements: dict
    required: true
  platform:
    description: The platform that carries the rules (a Linux manager, as M(atea.anywhere.linux_firewall_info) names it,
      or a network platform).
    type: str
    required: true
    choices: [nftables, iptables, ufw, firewalld, cisco_asa, cisco_ios, fortios, junos_srx, panos, routeros]
  host:
    description: The host's name in the result.
    type: str
    default: ''
  placement:
    description: As the apply modules take it.
    type: str
    default: gateway
    choices: [gateway, host]
  management_networks:
    description: As the apply modules take it (host placement).
    type: list
    elements: str
    default: []
  management_ports:
    description: As the apply modules take it (host placement).
    type: list
    elements: raw
    default: [22]
  mode:
    description: nftables, as M(atea.anywhere.nftables) takes it.
    type: str
    default: table
    choices: [table, chain]
  table:
    description: nftables, as M(atea.anywhere.nftables) takes it.
    type: str
  table_family:
    description: nftables, as M(atea.anywhere.nftables) takes it.
    type: str
    default: inet
    choices: [inet, ip, ip6]
  chain_prefix:
    description: nftables or iptables, as their modules take it; their defaults when omitted.
    type: str
  parent_chains:
    description: nftables or iptables, as their modules take it.
    type: dict
  variant:
    description: iptables, as M(atea.anywhere.iptables) takes it; V(auto) reads both and takes the one holding
      the collection's chains.
    type: str
    default: auto
    choices: [auto, nft, legacy]
  object_prefix:
    description: firewalld, as M(atea.anywhere.firewalld) takes it.
    type: str
    default: atea-anywhere
  ingress_zones:
    description: firewalld, as M(atea.anywhere.firewalld) takes it.
    type: list
    elements: str
    default: [ANY]
  egress_zones:
    description: firewalld, as M(atea.anywhere.firewalld) takes it.
    type: list
    elements: str
    default: [ANY]
  priority:
    description: firewalld, as M(atea.anywhere.firewalld) takes it.
    type: int
    default: -100
  zones:
    description: Network platforms, as the P(atea.anywhere.vendor_config#filter) filter takes them.
    type: dict
  options:
    description: Network platforms, the renderer's own options (C(bind_access_groups), C(policy_id_base)).
    type: dict
    default: {}
  running_config:
    description: Network platforms, the saved running configuration file; omitted when none is configured.
    type: path
  running_config_hint:
    description: Network platforms, what the detail of every row says to do when there is no running configuration.
    type: str
    default: save the device's running configuration there
requirements:
  - nft and unshare (nftables), the iptables save commands (iptables), ufw, firewall-cmd (firewalld); root
seealso:
  - module: atea.anywhere.linux_firewall_info
  - module: atea.anywhere.nftables
  - module: atea.anywhere.iptables
  - module: atea.anywhere.ufw
  - module: atea.anywhere.firewalld
'''

EXAMPLES = r'''
- name: Read what is in place on a Linux gateway with nftables
  atea.anywhere.compliance_info:
    rules: "{{ 'smb' | atea.anywhere.flows(customer_networks=['10.20.0.0/16']) | atea.anywhere.rules }}"
    platform: nftables
    host: "{{ inventory_hostname }}"
  register: compliance

- name: Say what is not
  ansible.builtin.debug:
    msg: "{{ compliance.compliance.rows | rejectattr('status', 'eq', 'in_place') | map(attribute='id') | list }}"

- name: A Cisco ASA, from its saved running configuration, on the controller
  atea.anywhere.compliance_info:
    rules: "{{ 'smb' | atea.anywhere.flows | atea.anywhere.rules }}"
    platform: cisco_asa
    host: "{{ inventory_hostname }}"
    zones: {customer: inside, internet: outside}
    running_config: "/srv/running/{{ inventory_hostname }}.asa.cfg"
  delegate_to: localhost
'''

RETURN = r'''
compliance:
  description: The compliance of the host.
  returned: always
  type: dict
  contains:
    host:
      description: O(host).
      type: str
    platform:
      description: O(platform).
      type: str
      sample: nftables
    placement:
      description: O(placement).
      type: str
    source:
      description: C(live) (the host's state), C(running_config) (a saved file) or C(none) (nothing could be read).
      type: str
      sample: live
    read_from:
      description: The commands or file read.
      type: str
      sample: nft -j -a list ruleset; nft -a list table inet atea_anywhere
    rows:
      description: One per document row (flow), in document order.
      type: list
      elements: dict
      contains:
        id:
          description: The flow's id (the requirement row, with the protocol where the row has several).
          type: str
          sample: 3-xmpp
        section:
          description: Document section.
          type: str
        name:
          description: The row's short name.
          type: str
        purpose:
          description: The row's purpose.
          type: str
        direction:
          description: outbound, inbound or internal.
          type: str
        protocol:
          description: tcp, udp or icmp.
          type: str
        family:
          description: ipv4 or ipv6.
          type: str
        source_network:
          description: The name of the source network (customer, mpls, internet).
          type: str
        destination_network:
          description: The name of the destination network.
          type: str
        sources:
          description: Source CIDRs.
          type: list
          elements: str
        destinations:
          description: Destination CIDRs.
          type: list
          elements: str
        destination_ports:
          description: The row's destination port ranges, [low, high] pairs.
          type: list
          elements: list
        source_ports:
          description: Source port ranges, [low, high] pairs.
          type: list
          elements: list
        status:
          description: in_place, missing, different or unknown.
          type: str
          sample: in_place
        rule:
          description: The name of the rule that implements the row.
          type: str
          sample: outbound-internet-tcp-ipv4
        want:
          description: The rule's objects that carry the row, as rendered (one a line).
          type: str
        have:
          description: The rule's objects as found, or null when none is.
          type: str
        detail:
          description: Why, in one line.
          type: str
    counts:
      description: Rows per status.
      type: dict
      sample: {in_place: 12, missing: 0, different: 1, unknown: 0}
    checklist:
      description: The document's section 1 for this host.
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
        title:
          description: Section title.
          type: str
        action:
          description: What must be done.
          type: str
        status:
          description: done or left_to_a_person.
          type: str
        detail:
          description: What was read, or what a person has to do.
          type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import compliance_host
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


def main():
    module = AnsibleModule(argument_spec=compliance_host.ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = compliance_host.compliance_of(module)
    except (InputError, ImportError) as error:
        module.fail_json(msg=str(error))
    # The rules can run to thousands of entries; echoing them back costs more than the work.
    module.exit_json(changed=False, compliance=result,
                     invocation={'module_args': dict(module.params, rules='%d rules' % len(module.params['rules']))})


if __name__ == '__main__':
    main()
