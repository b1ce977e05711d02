# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: job_stats
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.3.0
short_description: What a run publishes to its job with set_stats - file checksums, the report, rendered texts
description:
  - Reads, on the controller, the rendered file of each host and the other files named, and returns the data
    C(playbooks/site.yml) publishes with C(ansible.builtin.set_stats) under the key C(atea_anywhere).
  - Files are named by their path relative to O(output_dir) where they lie inside it, else by their absolute path.
  - The rendered texts of all hosts together are bounded (O(bound) bytes of UTF-8), as AWX keeps the stats in its
    database and copies them into the extra variables of every later node of a workflow. Hosts beyond it, in name
    order, are listed under C(rendered_omitted) with their file; their checksum is in C(files) like every file's.
  - A path that is not absolute or not a file is an error naming it.
positional: _input
options:
  _input:
    description: The rendered file of each host, by host name (an absolute path each).
    type: dict
    required: true
  output_dir:
    description: The output directory, as P(atea.anywhere.output_dir#filter) returns it.
    type: str
    required: true
  files:
    description: Further files to list with their checksum (the report's).
    type: list
    elements: str
    default: []
  report:
    description: The report's data, published as it is.
    type: raw
  bound:
    description: The rendered texts' bound in bytes.
    type: int
    default: 262144
'''

EXAMPLES = r'''
- name: Publish the results to the job
  ansible.builtin.set_stats:
    aggregate: true
    per_host: false
    data:
      atea_anywhere: >-
        {{ {'fw-1': '/srv/out/rendered/fw-1.asa.cfg'}
           | atea.anywhere.job_stats(output_dir='/srv/out', files=['/srv/out/report/atea-anywhere-report.json']) }}
'''

RETURN = r'''
_value:
  description: The published data.
  type: dict
  contains:
    output_dir:
      description: The output directory.
      type: str
    report:
      description: O(report) as given.
      type: raw
    files:
      description: SHA-256 of every file, by name.
      type: dict
      sample: {rendered/fw-1.asa.cfg: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}
    rendered:
      description: The text of each host's rendered file, within O(bound).
      type: dict
    rendered_omitted:
      description: Hosts whose text did not fit in O(bound), with the name of their file.
      type: dict
    rendered_bound:
      description: O(bound).
      type: int
'''

from ansible_collections.atea.anywhere.plugins.module_utils.output_dir import RENDERED_BOUND, job_stats as build
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'output_dir': {'type': 'str', 'required': True},
    'files': {'type': 'list', 'elements': 'str', 'default': []},
    'report': {'type': 'raw'},
    'bound': {'type': 'int', 'default': RENDERED_BOUND},
}


@filter_entry('atea.anywhere.job_stats', _OPTIONS)
def job_stats(rendered, output_dir, files, report, bound):
    return build(rendered, output_dir, files, report, bound)


class FilterModule(object):
    def filters(self):
        return {'job_stats': job_stats}
