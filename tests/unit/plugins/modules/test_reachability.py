# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's wiring: rules or a selection, its errors naming the option, check mode, changed always false.
Runs against the loopback network only."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine
from ansible_collections.atea.anywhere.plugins.modules import reachability

LOOPBACK = {'networks': {'internet': '127.0.0.0/8'}, 'customer_networks': ['127.0.0.0/8']}


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        reachability.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('how', ['selection', 'rules'])
def test_runs_in_check_mode_and_changes_nothing(capsys, how):
    if how == 'rules':
        args = {'rules': engine.compact_rules(engine.build_flows('smb', **LOOPBACK))}
    else:
        args = dict(LOOPBACK, profile='smb')
    args.update({'targets': {'internet': ['127.0.0.1'], 'mpls': ['127.0.0.2']}, 'timeout': 1, 'budget': 2,
                 'samples': 0, 'site': 'loopback', '_ansible_check_mode': True})
    code, result = run_module(capsys, args)
    reach = result['reachability']
    assert code == 0 and result['changed'] is False
    assert reach['site'] == 'loopback' and reach['profile'] == 'smb' and reach['not_in_rules'] == ['mpls']
    assert [entry['port'] for entry in reach['tcp']] == [443, 5061, 5222, 8443, 40000, 49999]
    assert all(entry['state'] in ('open', 'closed', 'filtered', 'not_checked') for entry in reach['tcp'])
    assert [entry['state'] for entry in reach['udp']] == ['not_proven', 'not_proven']


@pytest.mark.parametrize('args, message', [
    ({'targets': {'internet': ['127.0.0.1']}}, 'one of the following is required: rules, profile, components'),
    ({'profile': 'smb', 'rules': [], 'targets': {}}, 'parameters are mutually exclusive: rules|profile'),
    ({'rules': [], 'networks': {}, 'targets': {}}, 'parameters are mutually exclusive: rules|networks'),
    (dict(LOOPBACK, profile='smb'), "option 'targets': the addresses of the service to test"),
    (dict(LOOPBACK, profile='smb', targets={'internet': ['127.0.0.0/8']}),
     "option 'targets.internet[0]': not an IP address"),
    (dict(LOOPBACK, profile='smb', targets={'internet': ['127.0.0.1']}, budget=0.5),
     "option 'budget': less than timeout (3 s)"),
    ({'rules': [{'name': 'x'}], 'targets': {'internet': ['127.0.0.1']}}, "option 'rules[0]': not a rule"),
    (dict(LOOPBACK, profile='smb', targets={'internet': ['fe80::1%<script>\u202e']}),
     "option 'targets.internet[0]': has a scope (%...), which a target cannot have"),
    (dict(LOOPBACK, profile='smb', targets={'internet': ['127.0.0.1']}, site='site\u202e1'),
     "option 'site': has a bidirectional formatting character"),
])
def test_errors_name_the_option(capsys, args, message):
    code, result = run_module(capsys, args)
    assert code == 1 and result['failed'] and message in result['msg'], result['msg']
    # The value is in the message, quoted: no raw bidirectional character in what the module says (the invocation
    # is Ansible's echo of the arguments as given).
    result.pop('invocation', None)
    assert 'value' not in result and '\u202e' not in json.dumps(result, ensure_ascii=False)
