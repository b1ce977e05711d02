# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: render_path
author: Atea Anywhere team (@atea-anywhere)
version_added: 0.2.0
short_description: The absolute path of a host's rendered file, inside the render directory
description:
  - Returns C(<directory>/<host>.<suffix>) as an absolute path on the controller.
  - The host name must be a plain file name (no C(/) or C(\), not C(.) or C(..), no leading C(-), no line
    break or control character, at most 255 bytes with the suffix), so an inventory host name cannot write
    outside the directory; otherwise the error names C(inventory_hostname) and the value.
  - A relative O(directory) is taken from the directory C(ansible-playbook) was started from (the controller's
    working directory), the same whether the playbook runs from a checkout, from the installed collection
    (C(atea.anywhere.site)) or under Molecule; never from the playbook's or the role's folder.
  - A O(directory) that exists and is not a directory is an error.
positional: _input
options:
  _input:
    description: The host name, C(inventory_hostname).
    type: str
    required: true
  directory:
    description: The render directory, absolute or relative to the directory C(ansible-playbook) was started from.
    type: str
    required: true
  suffix:
    description: The file name's ending, without the leading dot.
    type: str
    required: true
  option:
    description: The variable O(directory) comes from, named in its errors.
    type: str
    default: atea_anywhere_render_dir
'''

EXAMPLES = r'''
- name: Write the configuration of this host
  ansible.builtin.copy:
    content: "{{ configuration }}"
    dest: "{{ inventory_hostname | atea.anywhere.render_path(directory='rendered', suffix='junos.set') }}"
    mode: "0644"
  delegate_to: localhost
'''

RETURN = r'''
_value:
  description: The absolute path of the host's file.
  type: str
  sample: /home/ops/firewalls/rendered/srx-1.junos.set
'''

import os

from ansible_collections.atea.anywhere.plugins.module_utils.render_files import rendered_file
from ansible_collections.atea.anywhere.plugins.plugin_utils.errors import filter_entry

_OPTIONS = {
    'directory': {'type': 'str', 'required': True},
    'suffix': {'type': 'str', 'required': True},
    'option': {'type': 'str', 'default': 'atea_anywhere_render_dir'},
}


@filter_entry('atea.anywhere.render_path', _OPTIONS)
def render_path(host, directory, suffix, option):
    # The controller's working directory is the one ansible-playbook was started from: it does not change
    # directory for a playbook or a role.
    return rendered_file(host, directory, suffix, os.getcwd(), option)


class FilterModule(object):
    def filters(self):
        return {'render_path': render_path}
