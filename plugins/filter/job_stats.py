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
  - Reads, on the controller, the rendered file of each host, the other files named and the report's JSON and
    Markdown files, and returns the data C(playbooks/site.yml) publishes with C(ansible.builtin.set_stats) under
    the key C(atea_anywhere). Under AWX that data is what outlives the job (its files go with the job's private
    data directory).
  - Files are named by their path relative to O(output_dir) where they lie inside it, else by their absolute path.
  - AWX keeps the stats in its database and copies them into the extra variables of every later node of a
    workflow, so what is published of the files' content is bounded. The rendered texts of all hosts together
    are bounded by O(bound) bytes of UTF-8; hosts beyond it, in name order, are listed under C(rendered_omitted)
    with their file; their checksum is in C(files) like every file's.
  - The report's content is bounded by O(report_bound) bytes (UTF-8 of the JSON of the rows and of the Markdown
    text). First, per host in name order, the rows that are not in place (C(id), C(section), C(status), C(rule),
    C(detail); a host whose rows are all in place has an empty list), then the Markdown text. A host whose rows
    do not fit is listed under C(report_omitted.rows), a Markdown text that does not fit is left out with its
    file named under C(report_omitted.markdown); both are in the report's files, whose checksums are in C(files).
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
    description:
      - The report's data (the fact C(atea_anywhere_report) that C(playbooks/report.yml) sets), published as it is.
      - Its C(paths.json) and C(paths.markdown), absolute paths of files, are read for the report's content.
    type: raw
  bound:
    description: The rendered texts' bound in bytes.
    type: int
    default: 262144
  report_bound:
    description: The bound in bytes of the report's content (the rows not in place, then the Markdown text).
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
           | atea.anywhere.job_stats(output_dir='/srv/out', files=atea_anywhere_report.paths.values() | list,
                                     report=atea_anywhere_report) }}
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
    report_rows:
      description:
        - Per host of the report, within O(report_bound), its rows that are not in place (an empty list when all
          are), in document order.
      type: dict
      sample: {fw-1: [{id: 2.1-xml-apps, section: '2.1', status: missing, rule: outbound-mpls-tcp-ipv4, detail: no object of rule outbound-mpls-tcp-ipv4}]}
    report_markdown:
      description: The report's Markdown text, or V(null) when no report was written or it did not fit in O(report_bound).
      type: str
    report_omitted:
      description: What of the report's content did not fit in O(report_bound).
      type: dict
      contains:
        rows:
          description: The hosts whose rows are left out (they are in the report's JSON file).
          type: list
          elements: str
        markdown:
          description: The name of the Markdown file when its text is left out, else V(null).
          type: str
    report_bound:
      description: O(report_bound).
      type: int
'''

from ansible_collections.atea.anywhere.plugins.module_utils.output_dir import REPORT_BOUND, RENDERED_BOUND, job_stats as build
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'output_dir': {'type': 'str', 'required': True},
    'files': {'type': 'list', 'elements': 'str', 'default': []},
    'report': {'type': 'raw'},
    'bound': {'type': 'int', 'default': RENDERED_BOUND},
    'report_bound': {'type': 'int', 'default': REPORT_BOUND},
}


@filter_entry('atea.anywhere.job_stats', _OPTIONS)
def job_stats(rendered, output_dir, files, report, bound, report_bound):
    return build(rendered, output_dir, files, report, bound, report_bound)


class FilterModule(object):
    def filters(self):
        return {'job_stats': job_stats}
