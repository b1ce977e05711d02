# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iptables module's refusals, before any command runs, and its documentation against its argument spec
(tests/functional/test_iptables_apply.py applies it in network namespaces)."""

from __future__ import annotations

import json

import pytest
import yaml
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine
from ansible_collections.atea.anywhere.plugins.modules import iptables

RULES = engine.compact_rules(engine.build_flows('smb', customer_networks=['198.51.100.0/24']))


class RanACommand(Exception):
    """The module got past every check and would now run a command on the host."""


@pytest.fixture(autouse=True)
def no_commands_here(monkeypatch):
    """These tests run the module in this process, in the machine's own network namespace: nothing may run."""
    def refuse(*_args, **_kwargs):
        raise RanACommand()
    monkeypatch.setattr(AnsibleModule, 'run_command', refuse)


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        iptables.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def hostile(purpose):
    rules = json.loads(json.dumps(RULES))
    rules[0]['provenance'][0]['purpose'] = purpose
    return rules


@pytest.mark.parametrize('args, message', [
    ({'state': 'present'}, 'state is present but all of the following are missing: rules'),
    ({'rules': RULES, 'chain_prefix': 'A' * 21}, "option 'chain_prefix'"),
    ({'rules': RULES, 'chain_prefix': 'A B'}, "option 'chain_prefix'"),
    ({'rules': RULES, 'parent_chains': {'prerouting': 'PRE'}}, "option 'parent_chains': unknown value: 'prerouting'"),
    ({'rules': RULES, 'placement': 'host', 'management_networks': ['198.51.100.1/24']},
     "option 'management_networks[0]': host bits set"),
    ({'rules': RULES, 'persist_file_ipv4': '/etc/x', 'persist_file_ipv6': '/etc/x'}, "option 'persist_file_ipv6'"),
    ({'rules': RULES, 'persist_file_ipv4': 'relative'}, "option 'persist_file_ipv4'"),
    ({'rules': RULES, 'confirm_timeout': -1}, "option 'confirm_timeout'"),
    ({'rules': hostile('x\n-A INPUT -j ACCEPT')}, "option 'rules[0].provenance[0].purpose'"),
    ({'rules': hostile('x\r\nCOMMIT')}, "option 'rules[0].provenance[0].purpose'"),
    ({'rules': [{'name': 'x'}]}, "option 'rules[0]'"),
])
def test_bad_input_fails_before_anything_runs(capsys, args, message):
    code, result = run_module(capsys, args)
    assert code == 1 and message in result['msg']


def test_examples_and_return_are_yaml():
    assert len(yaml.safe_load(iptables.EXAMPLES)) == 3
    assert set(yaml.safe_load(iptables.RETURN)) == {'commands', 'variant', 'rules', 'voip_helpers', 'persisted',
                                                    'rollback', 'checklist_done'}
