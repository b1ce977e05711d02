# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options every Linux manager module shares (nftables, iptables, ufw, firewalld): their argument spec, as the
atea.anywhere.linux_manager doc fragment documents them, and the checks the spec cannot make."""

from __future__ import annotations

import os

from ansible_collections.atea.anywhere.plugins.module_utils import text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import PLACEMENTS

DEFAULT_ROLLBACK_DIR = '/run/atea-anywhere'
# A day: longer is not a confirmation window but a forgotten restore.
LONGEST_CONFIRM_TIMEOUT = 86400


def argument_spec(**own):
    """The shared options, with the module's own (own) added."""
    spec = dict(
        rules=dict(type='list', elements='dict'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        placement=dict(type='str', default='gateway', choices=list(PLACEMENTS)),
        management_networks=dict(type='list', elements='str', default=[]),
        management_ports=dict(type='list', elements='raw', default=[22]),
        remove_voip_helpers=dict(type='bool', default=True),
        confirm_timeout=dict(type='int', default=0),
        rollback_dir=dict(type='path', default=DEFAULT_ROLLBACK_DIR),
    )
    spec.update(own)
    return spec


def check(params, without_rules):
    """What the argument spec cannot say of the shared options; raises InputError naming the option.
    without_rules: why state present needs rules on this platform."""
    if params['state'] == 'present' and not params['rules']:
        raise InputError('rules', params['rules'], without_rules)
    text_gate.absolute_path('rollback_dir', params['rollback_dir'])
    if os.path.lexists(params['rollback_dir']) and not os.path.isdir(params['rollback_dir']):
        raise InputError('rollback_dir', params['rollback_dir'], 'exists and is not a directory')
    if not 0 <= params['confirm_timeout'] <= LONGEST_CONFIRM_TIMEOUT:
        raise InputError('confirm_timeout', params['confirm_timeout'],
                         'seconds from 1 to %d, or 0 for off' % LONGEST_CONFIRM_TIMEOUT)


def command_runner(module):
    """runner(argv, data) -> (rc, stdout, stderr) through the module's run_command, standard input as bytes: how the
    state classes (Nft, Iptables) run their commands."""
    def runner(argv, data):
        return module.run_command(argv, data=data, binary_data=True)
    return runner
