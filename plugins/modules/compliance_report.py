#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: compliance_report
short_description: Write the Atea Anywhere compliance report (JSON, Markdown, HTML) from what each firewall has
version_added: 0.3.0
description:
  - Takes the compliance of each firewall (M(atea.anywhere.compliance_info)), the reachability checked from each site
    (M(atea.anywhere.reachability)) and the hosts that failed before their compliance was read, and writes into
    O(dest) C(atea-anywhere-report.json), C(atea-anywhere-report.md) and C(atea-anywhere-report.html).
  - Per host and per document row (section, purpose, protocol, ports, networks) the report says whether the row is
    V(in_place), V(missing), V(different) or V(unknown), with the rule that implements it, and for a row not in place
    the rule text wanted and the one found. It lists the checklist items of section 1 left to a person (1.1 where
    the host has not done it; 1.2, the Symantec host IDS exception for Cisco Jabber, always), the reachability
    results per site with what cannot be proven for UDP, and the hosts that failed.
  - The HTML page is self-contained (inline CSS and SVG, no script, nothing loaded from elsewhere) and draws per
    host the customer networks, the firewall and Atea over MPLS/WAN and over internet, with an arrow per document
    section coloured by the worst status of its rows. Every text from the inventory or a device is escaped; in the
    Markdown none becomes a link (C(www.), C(https://) and e-mail addresses are shown as text), and a bidirectional
    formatting character (such as U+202E) is shown as its escape (C(\u202e)) in every file, so it cannot reorder
    what is shown.
  - Runs on the controller (localhost). A file is written only where its text differs, atomically; the files hold
    no clock time, so a run that finds the same state changes nothing (with sites, whose measured seconds and
    source ports differ per run, the report changes on every run).
  - Section numbers and titles are the requirement data's (M(atea.anywhere.requirements_info)).
author:
  - Atea Anywhere team (@atea-anywhere)
extends_documentation_fragment:
  - atea.anywhere.attributes
attributes:
  check_mode:
    support: full
    details: Computes the report and returns what would be written, and writes nothing.
  diff_mode:
    support: full
    details: The before and after text of each file that changes; a file longer than 104448 bytes is named only.
options:
  compliance:
    description:
      - The C(compliance) of each firewall host as M(atea.anywhere.compliance_info) returns it
        (C(host), C(platform), C(placement), C(source), C(read_from), C(rows), C(checklist)).
      - Each host once.
    type: list
    elements: dict
    default: []
  reachability:
    description:
      - The C(reachability) of each site host as M(atea.anywhere.reachability) returns it (C(site), C(tcp), C(udp),
        C(timeout_seconds), C(budget_seconds), C(total_seconds)).
    type: list
    elements: dict
    default: []
  failed_hosts:
    description:
      - Hosts whose compliance could not be read; the report lists them, outside the counts.
      - Each a mapping with C(name), the inventory host name, and C(message), why it failed (default V(failed)).
    type: list
    elements: dict
    default: []
  profile:
    description: The deployment profile the hosts were checked against; its sections head the report.
    type: str
    required: true
    choices: [enterprise, smb]
  dest:
    description:
      - The directory the three files are written to; made where it does not exist.
      - A relative path is taken from the working directory of the module (on localhost, the directory
        ansible-playbook was started from); C(playbooks/report.yml) passes an absolute one.
    type: path
    required: true
seealso:
  - module: atea.anywhere.compliance_info
  - module: atea.anywhere.reachability
'''

EXAMPLES = r'''
- name: Write the report from what the firewalls and sites returned
  atea.anywhere.compliance_report:
    profile: smb
    compliance: >-
      {{ groups['firewalls'] | map('extract', hostvars) | selectattr('__atea_anywhere_compliance', 'defined')
         | map(attribute='__atea_anywhere_compliance') | list }}
    reachability: >-
      {{ groups['atea_anywhere_sites'] | default([]) | map('extract', hostvars)
         | selectattr('__atea_anywhere_reachability', 'defined') | map(attribute='__atea_anywhere_reachability') | list }}
    failed_hosts:
      - name: fw3
        message: "Failed to connect to the host via ssh"
    dest: /srv/reports/atea-anywhere
  delegate_to: localhost
  run_once: true
  register: atea_report

- name: Say where it is
  ansible.builtin.debug:
    msg: "{{ atea_report.paths.html }}: {{ atea_report.counts }}"
'''

RETURN = r'''
paths:
  description: The absolute path of each file (also in check mode, where nothing is written).
  returned: always
  type: dict
  contains:
    json:
      description: The report's data.
      type: str
      sample: /srv/reports/atea-anywhere/atea-anywhere-report.json
    markdown:
      description: The report as Markdown (GitHub tables).
      type: str
      sample: /srv/reports/atea-anywhere/atea-anywhere-report.md
    html:
      description: The report as one self-contained HTML page.
      type: str
      sample: /srv/reports/atea-anywhere/atea-anywhere-report.html
hosts:
  description: Per host read, how many of its rows have each status.
  returned: always
  type: dict
  sample: {fw1: {in_place: 12, missing: 0, different: 1, unknown: 0}}
counts:
  description: How many rows of all hosts have each status.
  returned: always
  type: dict
  sample: {in_place: 12, missing: 0, different: 1, unknown: 0}
failed_hosts:
  description: The hosts that failed, sorted by name.
  returned: always
  type: list
  elements: dict
  sample: [{name: fw3, message: "Failed to connect to the host via ssh"}]
report:
  description:
    - The report's data, as written to the JSON file; C(title), C(profile), C(sections), C(statuses), C(counts),
      C(hosts) (each with C(rows) and C(checklist)), C(failed_hosts), C(left_to_a_person) and C(sites).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.atea.anywhere.plugins.module_utils import compliance_report
from ansible_collections.atea.anywhere.plugins.module_utils.files import FileError
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.requirements import PROFILES


def main():
    module = AnsibleModule(
        argument_spec={
            'compliance': {'type': 'list', 'elements': 'dict', 'default': []},
            'reachability': {'type': 'list', 'elements': 'dict', 'default': []},
            # Keys name and message, checked by the report ('message' cannot be a suboption: Ansible keeps it).
            'failed_hosts': {'type': 'list', 'elements': 'dict', 'default': []},
            'profile': {'type': 'str', 'required': True, 'choices': sorted(PROFILES)},
            'dest': {'type': 'path', 'required': True},
        },
        supports_check_mode=True,
    )
    try:
        report = compliance_report.build(module.params['compliance'], module.params['reachability'],
                                         module.params['failed_hosts'], module.params['profile'])
        changed, paths, diffs = compliance_report.write(module.params['dest'], report, module.check_mode)
    except InputError as error:
        module.fail_json(msg=str(error), option=error.option)
    except FileError as error:
        module.fail_json(msg=str(error))
    result = dict(compliance_report.aggregate(report), changed=changed, paths=paths, report=report)
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
