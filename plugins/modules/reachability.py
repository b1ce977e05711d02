#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: reachability
short_description: Check from a customer site that the Atea Anywhere service's TCP ports are reachable
version_added: 0.3.0
description:
  - Runs on a host inside a customer network (the inventory group C(atea_anywhere_sites)) and tries the outbound
    flows of the rules to the Atea networks (sections 2.1, 3 and 4) from there, through every firewall on the way.
  - The destinations of the rules are whole networks; the service listens on a few addresses in them, which
    O(targets) names per network. Each address takes the outbound rules of its network and address family that
    hold it; an address that no rule holds is refused. A network of the rules without targets is not checked and
    is listed in RV(reachability.not_targeted) (with a warning); targets in a network the rules have no outbound
    flow to (C(mpls) with profile C(smb)) are left aside and listed in RV(reachability.not_in_rules), so one
    inventory can name every service address whatever the profile.
  - "B(TCP): for each destination port range of each document row, the range's two ends and O(samples) ports
    evenly spaced inside it are tried (a single port is tried once). Each is one connect() with a timeout of
    O(timeout) seconds; nothing is sent and the connection is closed at once. States: V(open) (connected);
    V(closed) (refused, by a TCP reset or an ICMP port unreachable: a host answered, normally the target, so the
    path is open up to it and nothing listens on the port; or a firewall on the way that rejects rather than
    drops); V(filtered) (no answer within the
    timeout, or an ICMP host or network unreachable or administratively prohibited, or this host's own firewall
    refused to send; the detail says which); V(not_checked) (see O(budget))."
  - "B(Budget): at most O(parallel) ports are tried at once, and a port is tried only when its whole timeout
    still fits in what is left of O(budget), so the module ends within the budget. Ports left over are reported
    V(not_checked), never left out. The ends of every range are tried before any port inside a range, so a
    small budget still covers every row."
  - "B(Source ports): sections 3 and 4 ask for client source ports of 1024 and up. The module does not choose
    them: the OS picks each from its ephemeral range (C(net.ipv4.ip_local_port_range)), as it does for the
    service's clients. RV(reachability.source_ports) says whether that range is within what the rules ask for,
    and each TCP detail names the source address and port used; a source address outside the rule's sources
    (the customer networks) is said too, since the firewall does not pass it."
  - "B(UDP) cannot be proven from here: UDP has no handshake, and a listening service that does not answer looks
    the same as a firewall that drops silently. Every UDP row is reported V(not_proven), with what was checked
    instead: that this host has a route and a source address for the destination (connect() of a UDP socket,
    which sends no packet), and whether that source is in the rule's sources. No datagram is sent: the only
    answer one could bring (ICMP port unreachable) proves the path only to an address where nothing listens,
    and unsolicited datagrams to a production media or SIP port are not sent on a guess."
  - ICMP echo and the inbound and internal rules (sections 2.2 and 2.3) are not checked from a site.
  - Changes nothing, on this host or any other. It runs in check mode as well (it only reads the network's
    answers), so the compliance report of a C(--check) run has it.
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
options:
  rules:
    description:
      - Rules from the P(atea.anywhere.rules#filter) filter (or the C(rules) of M(atea.anywhere.requirements_info)),
        as the apply modules take them.
      - Give O(rules), or the selection options (O(profile) or O(components), with O(networks),
        O(customer_networks), O(extra_flows)) from which the module computes them (that needs netaddr on the host).
    type: list
    elements: dict
  targets:
    description:
      - "The service's listening addresses to test, per Atea network name (V(mpls), V(internet)), for example
        C({internet: [192.0.2.10]}). Single IP addresses, IPv4 or IPv6, inside the network's destinations in the
        rules; an IPv6 address with a scope (C(fe80::1%eth0)) is refused."
      - Required; there is no default, since probing every address of a network is not a check of the service.
    type: dict
  timeout:
    description: Seconds each TCP connection attempt waits for an answer; above 0, at most 60.
    type: float
    default: 3
  budget:
    description:
      - Seconds all TCP attempts together may take; at least O(timeout), at most 3600. Ports that do not fit are
        V(not_checked).
    type: float
    default: 60
  samples:
    description: Ports tried inside each destination port range beside its two ends, evenly spaced; 0 to 16.
    type: int
    default: 2
  parallel:
    description: TCP attempts at once; 1 to 32.
    type: int
    default: 8
  site:
    description:
      - The name of the site in the result (one line of text); the host's name by default.
      - A bidirectional formatting character (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C), which
        reorders how the report shows the text around it, is refused.
    type: str
notes:
  - Run it on a host in the customer network, in the place of the service's clients (Jabber, phones, browsers);
    from the firewall itself the result says little about forwarded traffic.
seealso:
  - plugin: atea.anywhere.rules
    plugin_type: filter
  - module: atea.anywhere.requirements_info
'''

EXAMPLES = r'''
- name: Check from the site that the service's internet addresses answer on the SMB ports
  atea.anywhere.reachability:
    profile: smb
    targets:
      internet: [88.151.163.10]
  register: reach

- name: The same with the rules the role computes, a shorter budget and no port inside the ranges
  atea.anywhere.reachability:
    rules: "{{ ('smb' | atea.anywhere.flows) | atea.anywhere.rules }}"
    targets:
      internet: [88.151.163.10, 88.151.163.11]
    timeout: 2
    budget: 30
    samples: 0
  register: reach

- name: Show what is not open
  ansible.builtin.debug:
    msg: "{{ reach.reachability.tcp | rejectattr('state', 'eq', 'open') | list }}"
'''

RETURN = r'''
reachability:
  description: What was tried from this host and what came back.
  returned: success
  type: dict
  contains:
    site:
      description: O(site).
      type: str
      sample: office-oslo
    profile:
      description: The profile whose sections the rules are, or null for another choice of sections.
      type: str
      sample: smb
    sections:
      description: The sections the rules come from (C(extra) for extra flows).
      type: list
      elements: str
      sample: ['3', '4']
    budget_seconds:
      description: O(budget).
      type: float
      sample: 60.0
    timeout_seconds:
      description: O(timeout).
      type: float
      sample: 3.0
    samples:
      description: O(samples).
      type: int
      sample: 2
    parallel:
      description: O(parallel).
      type: int
      sample: 8
    total_seconds:
      description: Seconds the checks took.
      type: float
      sample: 3.42
    source_ports:
      description: How the client source ports were chosen, and whether that is within what the rules ask for.
      type: str
      sample: >-
        the OS picks each source port from its ephemeral range 32768-60999 (net.ipv4.ip_local_port_range), within
        the source ports 1024-65535 the rules ask for (sections 3 and 4: 1024 and up)
    not_targeted:
      description: Networks of the rules that O(targets) names no address in; nothing was tried there.
      type: list
      elements: str
      sample: [mpls]
    not_in_rules:
      description: Networks of O(targets) that the rules have no outbound TCP or UDP flow to; nothing was tried there.
      type: list
      elements: str
      sample: [mpls]
    tcp:
      description: One entry per address and port tried (or left for want of budget), in rule and port order.
      type: list
      elements: dict
      contains:
        address:
          description: The target address.
          type: str
          sample: 88.151.163.10
        port:
          description: The destination port.
          type: int
          sample: 5222
        section:
          description: The document sections of the rows the port serves, comma-separated.
          type: str
          sample: '3'
        purpose:
          description: Their purposes, C(; )-separated.
          type: str
          sample: XMPP (IM and Presence)
        ids:
          description: The ids of the document rows (flows) the port serves.
          type: list
          elements: str
          sample: [3-xmpp]
        rule:
          description: The name of the rule that allows it.
          type: str
          sample: outbound-internet-tcp-ipv4
        state:
          description: V(open), V(closed), V(filtered) or V(not_checked).
          type: str
          sample: open
        seconds:
          description: Seconds the attempt took (0 when not tried).
          type: float
          sample: 0.004
        detail:
          description: Why the state, and the source address and port used.
          type: str
    udp:
      description: One entry per address and UDP document row; never proven.
      type: list
      elements: dict
      contains:
        address:
          description: The target address.
          type: str
        ports:
          description: The row's destination port ranges, C([low, high]) pairs.
          type: list
          elements: list
          sample: [[36002, 59999]]
        section:
          description: The document section.
          type: str
        purpose:
          description: The row's purpose.
          type: str
        ids:
          description: The id of the document row.
          type: list
          elements: str
        rule:
          description: The name of the rule that allows it.
          type: str
        state:
          description: Always V(not_proven).
          type: str
          sample: not_proven
        source:
          description: The source address this host sends from to the address, or null where it has no route.
          type: str
          sample: 10.1.2.3
        checked_instead:
          description: Why UDP is not proven, and what was checked instead with its outcome.
          type: str
    counts:
      description: TCP entries per state (V(open), V(closed), V(filtered), V(not_checked)), and the UDP entries
        (V(not_proven)).
      type: dict
      sample: {open: 9, closed: 2, filtered: 0, not_checked: 0, not_proven: 2}
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.atea.anywhere.plugins.module_utils import engine, inputs, reachability

_SELECTION = tuple(engine.SELECTION_ARGUMENT_SPEC)


def main():
    spec = dict(engine.SELECTION_ARGUMENT_SPEC)
    spec.update(reachability.ARGUMENT_SPEC)
    module = AnsibleModule(
        argument_spec=spec,
        mutually_exclusive=[('profile', 'components')] + [('rules', key) for key in _SELECTION if key != 'allow_any_network'],
        required_one_of=[('rules', 'profile', 'components')],
        supports_check_mode=True,
    )
    params = module.params
    try:
        rules = params['rules']
        if rules is None:
            if not inputs.HAS_NETADDR:
                module.fail_json(msg=missing_required_lib('netaddr'))
            rules = engine.compact_rules(engine.build_flows(**dict((key, params[key]) for key in _SELECTION)))
        result = reachability.check(
            rules, params['targets'], timeout=params['timeout'], budget=params['budget'], samples=params['samples'],
            parallel=params['parallel'], site=params['site'], ephemeral=reachability.ephemeral_range())
    except inputs.InputError as error:
        # The value is in msg, quoted (repr): given raw it could carry a line break or a bidirectional control.
        module.fail_json(msg=str(error), option=error.option)
    for network in result['not_targeted']:
        module.warn('targets names no address in the %s network of the rules: its flows were not checked' % network)
    module.exit_json(changed=False, reachability=result)


if __name__ == '__main__':
    main()
