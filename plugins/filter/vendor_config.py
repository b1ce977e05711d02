# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: vendor_config
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.2.0
short_description: Render rules as a network firewall's configuration
description:
  - Renders rules from the P(atea.anywhere.rules#filter) filter as the complete configuration a careful
    engineer of the brand would write, with named objects for the networks and services (prefix C(ATEA-)),
    compact rules with their document sections and purposes as remarks or descriptions, and SIP and
    H.323 inspection off the brand's way.
  - V(cisco_asa) (ASA 9.x) object-groups, entries per ingress interface in the access list it uses (or an unbound
    C(ATEA-ANYWHERE-*) list), C(inspect icmp) for echo replies, C(same-security-traffic permit intra-interface) where
    a rule enters and leaves one interface, C(no inspect sip), C(no inspect h323).
  - V(cisco_ios) (IOS-XE 16.x, 17.x) network object-groups, named extended ACLs, C(no ip nat service sip).
  - V(fortios) (FortiOS 6.4 to 7.4) addresses, custom services, named policies, C(default-voip-alg-mode
    kernel-helper-based) and the SIP session helper deleted.
  - V(panos) (PAN-OS 10.1 to 11.x) configure-mode set commands, SIP ALG disabled for the sip application.
  - V(junos_srx) (Junos OS 15.1X49 or later) set commands, C(security alg sip|h323 disable).
  - V(routeros) (RouterOS 7) script that replaces its own address lists and filter rules, service-port sip and h323 disabled.
  - Every zone, interface or chain name and every text of a comment is checked against what the platform takes
    before anything is rendered; what it cannot hold fails, naming the option, the value and the platform.
    Zone and interface names are single words of letters, digits and a few separators (IOS-XE interface names as
    C(show running-config) prints them). Comments are one line of printable ASCII (UTF-8 on nftables); ASA and
    IOS-XE remarks take no C(?) (the CLI's help key); FortiOS no C(") C(') C(<) C(>) C(\) C(?); PAN-OS and Junos
    no C(") C(\) C(?); RouterOS escapes C(") C(\) C($) C(?) inside its quotes, so that nothing in a comment is
    substituted or ends the string.
positional: _input
options:
  platform:
    description: The platform.
    type: str
    required: true
    choices: [cisco_asa, cisco_ios, fortios, panos, junos_srx, routeros]
  zones:
    description:
      - Zone, interface or chain per network name (C(customer), C(mpls), C(internet)).
      - Defaults per platform; ASA C(inside)/C(mpls)/C(outside), FortiOS C(internal)/C(mpls)/C(wan1),
        PAN-OS and SRX C(trust)/C(mpls)/C(untrust), RouterOS chain C(forward); IOS-XE has none and binds
        the ACLs only to interfaces given here.
    type: dict
  running_config:
    description:
      - The device's running configuration, as text (ASA and IOS-XE C(show running-config), Junos and PAN-OS in
        set format, FortiOS C(show)).
      - The output then starts by removing the C(ATEA-*) objects and lines that the rules no longer want;
        nothing without the prefix is ever named. RouterOS scripts always replace their own.
      - With V(cisco_asa), where an interface already has an access list (C(access-group NAME in interface IFACE)),
        the entries go into it with C(access-list NAME line N) before its first deny, marked by their C(ATEA-*)
        object-groups and remarks starting C(atea-anywhere); only those are removed later, nothing else of the list
        is named. Its own C(ATEA-ANYWHERE-*) lists too hold only the lines the device lacks.
    type: str
  changes_only:
    description:
      - With V(cisco_ios) and O(running_config), only the lines the device lacks and the removal of what the rules
        no longer want, compared with the running configuration as IOS-XE prints it (entries with sequence
        numbers, some ports by name). Each object-group and access list of ours appears once, stale lines
        removed before missing ones are added; stale access lists go first and stale object-groups last.
      - Where an interface named in O(zones) already filters inbound with a named list of its own, the entries (and
        the return entries of the flows to that side) go into that list before its first deny, by sequence
        number, marked by their C(ATEA-*) object-groups and remarks starting C(ATEA:); only those are removed
        later. Where it has no list of that family, or names one not defined, the filter fails rather than bind
        one that would make it pass less.
    type: bool
    default: false
  bind_access_groups:
    description:
      - With V(cisco_asa), ask that every rule be in force. Where an interface has no access list, binding one would
        replace ASA's security-level permit with the list's implicit deny and cut what it passes today, so V(true)
        fails naming that interface, and fails without O(running_config). Otherwise the output is the same as
        with V(false), the entries going into the lists the interfaces use. No C(access-group) is ever rendered;
        with V(false) an interface without a list gets an unbound C(ATEA-ANYWHERE-*) list.
    type: bool
  policy_id_base:
    description:
      - With V(fortios), policies take ids from this number plus one. A whole number from 0; the last id, this
        number plus the number of rules, may not pass 4294967294, the highest policy id FortiOS takes.
    type: int
extends_documentation_fragment:
  - atea.anywhere.rules_input
'''

EXAMPLES = r'''
- name: Write the enterprise configuration for a FortiGate, for review
  ansible.builtin.copy:
    content: "{{ 'enterprise' | atea.anywhere.flows | atea.anywhere.rules
                 | atea.anywhere.vendor_config(platform='fortios', zones={'customer': 'port2'}) }}"
    dest: /tmp/fortigate.conf
    mode: '0644'
'''

RETURN = r'''
_value:
  description: The configuration text, ending in a newline (with O(changes_only), a comment line and the changes).
  type: str
'''

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'platform': {'type': 'str', 'required': True, 'choices': sorted(vendor_platforms.RENDERERS)},
    'zones': {'type': 'dict'},
    'running_config': {'type': 'str'},
    'changes_only': {'type': 'bool', 'default': False},
    'bind_access_groups': {'type': 'bool'},
    'policy_id_base': {'type': 'int'},
}


@filter_entry('atea.anywhere.vendor_config', _OPTIONS)
def vendor_config(rules, platform, zones=None, running_config=None, changes_only=False, **options):
    return vendor_platforms.render_config(rules, platform, zones, running_config, changes_only,
                                          **dict((k, v) for k, v in options.items() if v is not None))


class FilterModule(object):
    def filters(self):
        return {'vendor_config': vendor_config}
