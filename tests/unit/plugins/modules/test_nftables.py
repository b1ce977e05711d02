# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nftables module's refusals; they all happen before nft is run (the lab scenarios apply it)."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine, nftables_state
from ansible_collections.atea.anywhere.plugins.module_utils.render_nftables import Layout
from ansible_collections.atea.anywhere.plugins.modules import nftables

RULES = engine.compact_rules(engine.build_flows('enterprise', customer_networks=['198.51.100.0/24'],
                                                networks={'mpls': '192.0.2.0/24'}))


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        nftables.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('args, message', [
    ({'state': 'present'}, 'state is present but all of the following are missing: rules'),
    ({'rules': RULES, 'mode': 'chain'}, "option 'table': mode 'chain' needs the name of an existing table"),
    ({'rules': RULES, 'placement': 'host', 'management_networks': ['198.51.100.1/24']},
     "option 'management_networks[0]': host bits set"),
    ({'rules': [{'name': 'x'}]}, "option 'rules[0]'"),
    ({'rules': RULES, 'mode': 'chain', 'table': 'filter', 'parent_chains': {'prerouting': 'pre'}},
     "option 'parent_chains': unknown value: 'prerouting'; valid choices: forward"),
])
def test_bad_input_fails_before_anything_runs(capsys, args, message):
    code, result = run_module(capsys, args)
    assert code == 1 and message in result['msg']


def test_refuses_to_cut_the_ssh_connection_in_use(capsys, monkeypatch):
    monkeypatch.setenv('SSH_CONNECTION', '203.0.113.7 51000 198.51.100.1 22')
    code, result = run_module(capsys, {'rules': RULES, 'placement': 'host', 'management_networks': ['10.0.0.0/8']})
    assert code == 1
    assert result['msg'].startswith('refusing a change that would cut the connection Ansible is using: '
                                    'nothing would accept TCP from 203.0.113.7 to port 22')


@pytest.mark.parametrize('ssh_connection, kept', [
    (None, True),                                           # not over SSH
    ('198.51.100.20 50000 198.51.100.1 22', True),           # management network, port 22
    ('198.51.100.20 50000 198.51.100.1 2222', False),        # management network, other port
    ('203.0.113.7 50000 198.51.100.1 22', False),            # elsewhere
    ('192.0.2.10 50000 198.51.100.1 22', True),              # 2.2 lets Atea's MPLS network reach SSH on devices
])
def test_connection_guard(ssh_connection, kept):
    layout = Layout(placement='host', management_networks=['198.51.100.0/24'])
    assert nftables_state.connection_kept(layout, RULES, ssh_connection)[0] is kept


def test_guard_only_applies_to_host_placement():
    assert nftables_state.connection_kept(Layout(), RULES, '203.0.113.7 50000 198.51.100.1 22')[0] is True
