# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine
from ansible_collections.atea.anywhere.plugins.modules import requirements_info


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        requirements_info.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_returns_profile_flows_rules_and_checklist(capsys):
    code, result = run_module(capsys, {'profile': 'smb', '_ansible_check_mode': True})
    assert code == 0
    assert result['changed'] is False
    assert result['profile'] == 'smb' and result['sections'] == ['3', '4']
    assert result['flows'] == engine.build_flows('smb')
    assert [r['name'] for r in result['rules']] == ['outbound-internet-tcp-ipv4', 'outbound-internet-udp-ipv4']
    assert [c['id'] for c in result['checklist']] == ['1.1-sip-h323-inspection', '1.2-symantec-hids']


def test_components_and_overrides(capsys):
    code, result = run_module(capsys, {'components': ['mpls_inbound'], 'networks': {'mpls': '192.0.2.0/24'},
                                       'customer_networks': ['198.51.100.0/24']})
    assert code == 0 and result['profile'] is None and result['sections'] == ['2.2']
    assert all(f['sources'] == ['192.0.2.0/24'] for f in result['flows'])


def test_any_network_when_allowed(capsys):
    code, result = run_module(capsys, {'profile': 'smb', 'customer_networks': ['0.0.0.0/0'], 'allow_any_network': True})
    assert code == 0 and all(f['sources'] == ['0.0.0.0/0'] for f in result['flows'])


@pytest.mark.parametrize('args, message', [
    ({'profile': 'small'}, 'value of profile must be one of: enterprise, smb, got: small'),
    ({}, 'one of the following is required: profile, components'),
    ({'profile': 'smb', 'components': ['3']}, 'parameters are mutually exclusive: profile|components'),
    ({'components': ['5']}, "option 'components[0]': unknown value: '5'; valid choices: 2.1, 2.2"),
    ({'profile': 'smb', 'customer_networks': ['192.168.1.1/16']},
     "option 'customer_networks[0]': host bits set (the network is 192.168.0.0/16): '192.168.1.1/16'"),
    ({'profile': 'smb', 'extra_flows': [{'id': 'x', 'direction': 'outbound', 'network': 'internet',
                                         'protocol': 'gre', 'destination_ports': [1]}]},
     "option 'extra_flows[0].protocol': unknown value: 'gre'"),
    ({'profile': 'smb', 'customer_networks': ['0.0.0.0/0']},
     "option 'customer_networks': every address of its family; rules to or from it allow any address"),
    ({'profile': 'smb', 'networks': {'internet': ['::/1', '8000::/1']}}, "option 'networks.internet': every address"),
    ({'profile': 'smb', 'extra_flows': [{'id': 'x', 'purpose': 'x\naccess-list INJ3CT extended permit ip any any',
                                         'direction': 'outbound', 'network': 'internet', 'protocol': 'tcp',
                                         'destination_ports': [1]}]},
     "option 'extra_flows[0].purpose': has a line break or control character"),
])
def test_bad_input_fails_cleanly(capsys, args, message):
    code, result = run_module(capsys, args)
    assert code == 1
    assert result['failed'] is True
    assert message in result['msg']
    assert 'flows' not in result and 'Traceback' not in result['msg']
