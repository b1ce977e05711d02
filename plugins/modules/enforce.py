#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: enforce
short_description: The atea_anywhere role's one task, applying the rules of its variables to a host
version_added: 0.4.0
description:
  - An action that runs on the controller and takes the P(atea.anywhere.atea_anywhere#role) role's variables as they
    are (the task itself has no options for them). It checks them against the role's argument spec once, with one
    line per error naming the variable and the value, computes the rules once per distinct input of the
    ansible-playbook run (hosts with the same inputs share one computation), and applies them.
  - A Linux platform runs the manager's module on the host (M(atea.anywhere.nftables), M(atea.anywhere.iptables),
    M(atea.anywhere.ufw) or M(atea.anywhere.firewalld); for V(linux) it first finds the manager with
    M(atea.anywhere.linux_firewall_info)) and returns its result.
  - A network platform's configuration is rendered on the controller, once per distinct input of the run, and
    written to the host's file in C(atea_anywhere_render_dir) when it differs from it. In apply mode for a brand
    whose collection the role drives (O(applied)), only the directory is made; the role's task file pushes it.
  - Meant for the role's own tasks; use the P(atea.anywhere.smb#role) and P(atea.anywhere.enterprise#role) roles.
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  action:
    support: full
    description: Runs on the controller; the Linux managers' modules run on the host.
options:
  applied:
    description: The network platform is pushed through its brand's collection by the role's next task file.
    type: bool
    default: false
  file_suffix:
    description: The file name ending of the network platform's rendered configuration (C(<host>.<suffix>)).
    type: str
  manual_apply:
    description: How a person applies a rendered file where the role pushes none; returned in RV(left).
    type: str
  report:
    description:
      - Also read what is in place per document row for the compliance report, returned as RV(compliance), as
        module M(atea.anywhere.compliance_info) would. A rendered network configuration is judged against the
        saved running configuration on the controller; a Linux host is read by M(atea.anywhere.compliance_info)
        right after the apply, on the same connection, unless its change is still to be confirmed.
    type: bool
    default: false
seealso:
  - module: atea.anywhere.nftables
  - module: atea.anywhere.compliance_info
  - plugin: atea.anywhere.role_rules
    plugin_type: filter
'''

EXAMPLES = r'''
# tasks/main.yml of the atea_anywhere role
- name: Enforce the rules on the platform
  atea.anywhere.enforce:
    applied: "{{ __atea_anywhere_applied }}"
    file_suffix: "{{ __atea_anywhere_config_suffix[atea_anywhere_platform] | default(omit) }}"
  register: __atea_anywhere_result
'''

RETURN = r'''
rules:
  description: The number of rules applied or rendered.
  returned: success
  type: int
  sample: 10
applied_through:
  description: The manager the rules were applied through, where the platform is V(linux).
  returned: when the platform is linux
  type: str
  sample: nftables
dest:
  description: The rendered configuration file of a network platform.
  returned: network platforms, outside check mode for a rendered one
  type: str
left:
  description: What a person must still do with a rendered file the role does not push.
  returned: when O(manual_apply) is given
  type: list
  elements: str
compliance:
  description: What is in place per document row; see M(atea.anywhere.compliance_info).
  returned: when O(report) is true, for rendered network platforms and Linux hosts without a change to confirm
  type: dict
cache:
  description:
    - Whether the rules (C(rules)) and a network configuration (C(config)) were V(computed) by this task or were a
      V(hit) of an earlier host's identical inputs in the same run.
  returned: success
  type: dict
  sample: {rules: hit, config: hit}
'''
