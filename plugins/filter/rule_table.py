# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: rule_table
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.1.0
short_description: A rule set as a plain-text table for people
description:
  - One line per rule and merged destination port range, with the document section, direction,
    protocol, ports, networks and purpose; then which CIDRs each network name stands for.
  - Meant for job logs (AWX, CI) and change review; not for machines.
positional: _input
extends_documentation_fragment:
  - atea.anywhere.rules_input
'''

EXAMPLES = r'''
- name: Print the SMB rule set
  ansible.builtin.debug:
    msg: "{{ ('smb' | atea.anywhere.flows | atea.anywhere.rules | atea.anywhere.rule_table).splitlines() }}"
'''

RETURN = r'''
_value:
  description: The table, lines separated by newlines.
  type: str
'''

from ansible_collections.atea.anywhere.plugins.module_utils import report
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry


@filter_entry('atea.anywhere.rule_table')
def rule_table(rules):
    return report.rule_table(rules)


class FilterModule(object):
    def filters(self):
        return {'rule_table': rule_table}
