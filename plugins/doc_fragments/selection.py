# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """Options that choose which requirements apply and between which networks."""

    DOCUMENTATION = r'''
options:
  profile:
    description:
      - Deployment profile.
      - V(smb) is sections 3 and 4 of the requirements document (internet access).
      - V(enterprise) is sections 2.1, 2.2, 2.3 (MPLS/WAN), 3 and 4.
      - Give either O(profile) or O(components).
    type: str
    choices: [enterprise, smb]
  components:
    description:
      - Document sections to apply instead of a profile, by number or by name.
      - V(2.1) or V(mpls_outbound), V(2.2) or V(mpls_inbound), V(2.3) or V(internal),
        V(3) or V(mra), V(4) or V(vmr).
    type: list
    elements: str
  networks:
    description:
      - Overrides of the Atea networks, by name. Each value is a CIDR or a list of CIDRs, IPv4 or IPv6.
      - C(mpls) defaults to C(91.184.140.0/24), C(internet) to C(88.151.163.0/24).
    type: dict
  customer_networks:
    description:
      - The customer's own networks; they scope the customer side of every rule.
      - Defaults to the RFC 1918 ranges C(10.0.0.0/8), C(172.16.0.0/12) and C(192.168.0.0/16).
      - IPv4 and IPv6 CIDRs are accepted; a CIDR with host bits set is refused.
    type: list
    elements: str
  extra_flows:
    description:
      - Flows of the customer's own, rendered and applied beside the document's flows.
      - Each item has C(id) (unique), C(purpose), C(direction) (V(outbound), V(inbound) or V(internal)),
        C(network) (V(mpls) or V(internet); not for V(internal)), C(protocol) (V(tcp), V(udp) or V(icmp))
        or a list C(protocols), C(destination_ports) and optional C(source_ports).
      - Ports are numbers, C(LOW-HIGH) strings or C([LOW, HIGH]) pairs.
      - C(id) is up to 64 letters, digits, C(_), C(.), C(:) and C(-) (not first); C(purpose) is one line of up to
        255 characters. Renderers refuse what their platform's comments cannot hold, naming it.
    type: list
    elements: dict
  allow_any_network:
    description:
      - Allow C(0.0.0.0/0) or C(::/0) (every address, also when merged from smaller networks) in O(networks) or
        O(customer_networks). Rules to or from such a network allow any address, so it is refused unless this is
        V(true).
    type: bool
    default: false
requirements:
  - netaddr
'''
