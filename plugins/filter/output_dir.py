# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: output_dir
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.3.0
short_description: The directory a run writes its rendered files and report under, as an absolute path
description:
  - Resolves C(atea_anywhere_output_dir) to an absolute, normalised path on the controller. Every play and task of
    the collection that writes results takes the directory from this filter.
  - Empty (the default) means automatic. Under C(ansible-runner), which AWX runs every job through, it is
    C(atea_anywhere) inside the job's artifact directory (C($AWX_ISOLATED_DATA_DIR/atea_anywhere); ansible-runner
    sets that variable to C(<private data dir>/artifacts/<ident>)), so the files are kept with the job's
    artifacts. Otherwise it is the directory C(ansible-playbook) was started from, where 0.2.0 wrote C(rendered).
  - A given relative path is taken from the directory C(ansible-playbook) was started from; C(~) is the controller
    user's home.
  - A value with a line break or another control character, or a path that exists and is not a directory, is an
    error naming O(option) and the value (or C(AWX_ISOLATED_DATA_DIR) when the automatic path is the one refused).
positional: _input
options:
  _input:
    description: The value of C(atea_anywhere_output_dir); empty or V(null) for automatic.
    type: str
    required: true
  option:
    description: The variable the input comes from, named in its errors.
    type: str
    default: atea_anywhere_output_dir
'''

EXAMPLES = r'''
- name: Write a file of this run where the job keeps it
  ansible.builtin.copy:
    content: "{{ summary_text }}"
    dest: "{{ atea_anywhere_output_dir | default('') | atea.anywhere.output_dir }}/summary.txt"
    mode: "0644"
  delegate_to: localhost
'''

RETURN = r'''
_value:
  description: The output directory, absolute. It is not created.
  type: str
  sample: /runner/artifacts/42/atea_anywhere
'''

import os

from ansible_collections.atea.anywhere.plugins.module_utils.output_dir import output_dir as resolve
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'option': {'type': 'str', 'default': 'atea_anywhere_output_dir'},
}


@filter_entry('atea.anywhere.output_dir', _OPTIONS)
def output_dir(value, option):
    # Filters run in the controller's ansible-playbook process: its environment is the one ansible-runner set, its
    # working directory the one it was started from.
    return resolve(value, os.environ, os.getcwd(), option)


class FilterModule(object):
    def filters(self):
        return {'output_dir': output_dir}
