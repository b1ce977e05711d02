# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nftables module's refusals; they all happen before nft is run (the lab scenarios apply it)."""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine, nftables_state
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
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


class FakeModule(object):
    """What persist() uses of AnsibleModule: params, check_mode, warn, atomic_move."""

    def __init__(self, tmp_path, check_mode=False):
        self.params = {'persist_file': str(tmp_path / 'nftables.d' / 'atea.nft'),
                       'main_config': str(tmp_path / 'nftables.conf')}
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    @staticmethod
    def atomic_move(source, destination):
        os.replace(source, destination)


WANTED = '# rendered table\n'


def _persist(module, present=True):
    diffs = []
    changed, persisted = nftables.persist(module, Layout(), WANTED, present, diffs)
    return changed, persisted, diffs


def test_persist_adds_one_include_and_removes_it_before_the_drop_in(tmp_path):
    module = FakeModule(tmp_path)
    main = tmp_path / 'nftables.conf'
    main.write_text('flush ruleset\ntable inet filter {\n}\n')
    assert _persist(module)[:2] == (True, True)
    include = 'include "%s"' % module.params['persist_file']
    assert main.read_text().count(include) == 1
    assert _persist(module)[0] is False
    main.write_text(main.read_text().replace(include, '  ' + include + '  '))   # edited by hand
    assert _persist(module)[0] is False and main.read_text().count(include) == 1
    changed, persisted, _diffs = _persist(module, present=False)
    assert (changed, persisted) == (True, False)
    assert include not in main.read_text() and not os.path.exists(module.params['persist_file'])
    assert main.read_text() == 'flush ruleset\ntable inet filter {\n}\n'


def test_persist_absent_leaves_a_main_config_without_our_include_untouched(tmp_path):
    module = FakeModule(tmp_path)
    main = tmp_path / 'nftables.conf'
    main.write_text('flush ruleset')                       # no final newline: not ours to add
    assert _persist(module, present=False)[0] is False
    assert main.read_text() == 'flush ruleset'


def test_persist_absent_removes_the_drop_in_when_the_main_config_is_gone(tmp_path):
    module = FakeModule(tmp_path)
    os.makedirs(os.path.dirname(module.params['persist_file']))
    with open(module.params['persist_file'], 'w', encoding='utf-8') as handle:
        handle.write('old\n')
    assert _persist(module, present=False)[0] is True
    assert not os.path.exists(module.params['persist_file'])


def test_persist_in_check_mode_writes_nothing(tmp_path):
    module = FakeModule(tmp_path, check_mode=True)
    main = tmp_path / 'nftables.conf'
    main.write_text('flush ruleset\n')
    changed, _persisted, diffs = _persist(module)
    assert changed and len(diffs) == 2
    assert main.read_text() == 'flush ruleset\n' and not os.path.exists(module.params['persist_file'])


@pytest.mark.parametrize('layout, ssh_connection', [
    (Layout(mode='chain', table='filter', placement='host'), '203.0.113.7 50000 198.51.100.1 22'),
    (Layout(placement='host', policy='accept'), '203.0.113.7 50000 198.51.100.1 22'),
    (Layout(placement='host', table_family='ip6'), '203.0.113.7 50000 198.51.100.1 22'),
])
def test_guard_ignores_what_cannot_cut_the_connection(layout, ssh_connection):
    assert nftables_state.connection_kept(layout, RULES, ssh_connection)[0] is True


def test_guard_names_a_malformed_ssh_connection():
    with pytest.raises(InputError, match="option 'SSH_CONNECTION': not \"client port server port\""):
        nftables_state.connection_kept(Layout(placement='host'), RULES, 'garbage')
    link_local = Layout(placement='host', management_networks=['fe80::/64'])
    assert nftables_state.connection_kept(link_local, RULES, 'fe80::1%eth0 5 fe80::2 22')[0] is True
