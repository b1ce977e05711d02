#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: linux_firewall_info
short_description: Tell which firewall manager decides a Linux host's packets (firewalld, ufw, iptables or nftables)
version_added: 0.3.0
description:
  - A packet must be accepted by every base chain on its hook, so rules only take effect through the manager
    whose chains decide. This module reads the evidence of each manager and names the one to apply the
    Atea Anywhere rules through; it never changes anything.
  - "firewalld counts when it is running (C(firewall-cmd --state) prints C(running), or C(failed) for a daemon whose
    startup failed; it asks the daemon over the D-Bus system bus, so C(DBUS_SYSTEM_BUS_ADDRESS) is honoured).
    Installed but stopped does not count. firewall-cmd, a Python program, is not run where the host shows what it
    would say (since 0.4.0): no socket at the system bus's C(unix:path=) address, or no firewalld process on the
    machine (read in C(/proc) where it lists every process, that is outside a container's own PID namespace) and no
    D-Bus activation file that would start one; the evidence then says which."
  - "ufw counts when it is active (C(ufw status) prints C(Status: active)). Installed but disabled does not count.
    C(ufw status) says active only where its chain C(ufw-user-input) is loaded; it is not run where that chain is in
    neither the nftables table C(ip filter) (iptables-nft) nor an iptables-legacy C(filter) table (since 0.4.0)."
  - iptables counts when C(iptables-nft-save), C(iptables-legacy-save) or their C(ip6tables) twins show a rule
    or a built-in chain whose policy is not C(ACCEPT), leaving out ufw's chains (C(ufw-*), C(ufw6-*)), the
    collection's own (O(iptables_chain_prefix)) and the rules that jump to them.
  - nftables counts with tables of the user's, that is other than firewalld's (C(firewalld)), the collection's
    own (the table with its owner comment) and those iptables-nft keeps for iptables.
  - "The manager: firewalld when it runs, ufw when it is active (its iptables rules are its own, and its chains'
    policies too), else iptables when it holds rules, nftables when user tables are loaded; where iptables and
    nftables both hold something, the one that filters (base chains on a hook of the filter type, the iptables
    C(filter) table); with nothing active, nftables when nft is installed, else iptables when it is."
  - "Errors, naming what was found: firewalld running and ufw active; iptables and nftables both filtering;
    rules in both iptables-nft and iptables-legacy; firewalld stopped with its table still loaded; no manager
    that can be driven. Set C(atea_anywhere_platform) explicitly where the host is meant to be that way."
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
  iptables_chain_prefix:
    description: The prefix of the collection's iptables chains, left out of the iptables evidence.
    type: str
    default: ATEA-ANYWHERE
requirements:
  - root (C(ufw status), the iptables save commands and C(nft list ruleset) read the kernel's tables)
seealso:
  - module: atea.anywhere.firewalld
  - module: atea.anywhere.ufw
  - module: atea.anywhere.iptables
  - module: atea.anywhere.nftables
'''

EXAMPLES = r'''
- name: Find the manager that decides this host's packets
  atea.anywhere.linux_firewall_info:
  register: firewall

- name: Say which one
  ansible.builtin.debug:
    msg: "{{ firewall.manager }} ({{ firewall.found | map(attribute='evidence') | join('; ') }})"
'''

RETURN = r'''
manager:
  description: The manager to apply the rules through.
  returned: success
  type: str
  sample: firewalld
iptables_variant:
  description: >-
    The iptables variant that holds rules, else the one the C(iptables) command is (C(iptables -V)); null
    without iptables.
  returned: success
  type: str
  sample: nft
found:
  description: What was seen of each manager installed.
  returned: always
  type: list
  elements: dict
  contains:
    manager:
      description: firewalld, ufw, iptables or nftables.
      type: str
      sample: ufw
    active:
      description: Whether it decides packets now (running, active, holding rules or tables).
      type: bool
      sample: false
    evidence:
      description: What shows it.
      type: str
      sample: 'installed, not active (ufw status: Status: inactive)'
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import linux_managers
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


def main():
    module = AnsibleModule(argument_spec=dict(
        iptables_chain_prefix=dict(type='str', default=linux_managers.DEFAULT_IPTABLES_CHAIN_PREFIX),
    ), supports_check_mode=True)
    try:
        detection = linux_managers.detect(linux_managers.Host.for_module(module), module.params['iptables_chain_prefix'])
    except InputError as error:
        module.fail_json(msg=str(error), found=[])
    except linux_managers.ManagerError as error:
        module.fail_json(msg=str(error), found=[finding.as_dict() for finding in error.found])
    for note in detection.notes:
        module.warn(note)
    module.exit_json(changed=False, **detection.as_dict())


if __name__ == '__main__':
    main()
