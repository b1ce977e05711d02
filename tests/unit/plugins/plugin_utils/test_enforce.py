# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's side of action atea.anywhere.enforce: options checked against the role's spec, module arguments
for each Linux manager, and the rules computed once per distinct input of a run."""

from __future__ import annotations

import json

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import compliance_host, engine, linux_options
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.modules import firewalld, iptables, nftables
from ansible_collections.atea.anywhere.plugins.plugin_utils import enforce

SPEC = enforce.role_options()
DEFAULTS = dict((name, option.get('default')) for name, option in SPEC.items())
MODULE_SPECS = {'nftables': nftables.argument_spec(), 'iptables': iptables.argument_spec(),
                'firewalld': firewalld.argument_spec(), 'ufw': linux_options.argument_spec()}
LAB = {'atea_anywhere_profile': 'enterprise',
       'atea_anywhere_networks': {'mpls': ['192.0.2.0/24'], 'internet': ['203.0.113.0/24']},
       'atea_anywhere_customer_networks': ['198.51.100.0/26']}


def options(**changes):
    return dict(DEFAULTS, **dict(LAB, **changes))


def test_the_role_spec_is_the_source_and_holds_the_input_files():
    assert SPEC['atea_anywhere_extra_flows_file']['default'] == ''
    assert SPEC['atea_anywhere_customer_networks_file']['default'] == ''
    for variable in enforce.RULE_VARIABLES:
        assert variable in SPEC


def test_each_error_names_the_variable_and_the_value_on_one_line():
    with pytest.raises(enforce.EnforceError) as error:
        enforce.check_options(SPEC, {'atea_anywhere_platform': 'bogus', 'atea_anywhere_mode': 'push'})
    message = str(error.value)
    assert '\n' not in message
    assert 'value of atea_anywhere_platform must be one of' in message and 'got: bogus' in message
    assert 'value of atea_anywhere_mode must be one of: render, apply, got: push' in message
    checked = enforce.check_options(SPEC, dict(options(), atea_anywhere_nftables_persist_file='~/x.nft'))
    # Converted as the spec says, but a path is expanded where it is used (the host), not here.
    assert checked['atea_anywhere_nftables_persist_file'] == '~/x.nft'
    assert enforce.check_options(SPEC, {'atea_anywhere_confirm_timeout': '30'})['atea_anywhere_confirm_timeout'] == 30


@pytest.mark.parametrize('value, want', [
    (['198.51.100.0/26', '198.51.100.64/26'], ['198.51.100.0/26', '198.51.100.64/26']),
    ('198.51.100.0/26,198.51.100.64/26', ['198.51.100.0/26', '198.51.100.64/26']),
])
def test_a_list_is_the_same_whether_the_validator_converts_it_or_it_is_one_already(value, want):
    checked = enforce.check_options(SPEC, {'atea_anywhere_customer_networks': value})
    assert checked['atea_anywhere_customer_networks'] == want


def test_a_list_with_an_item_of_another_type_still_goes_through_the_validator():
    with pytest.raises(enforce.EnforceError, match='atea_anywhere_extra_flows'):
        enforce.check_options(SPEC, {'atea_anywhere_extra_flows': [{'id': 'a'}, ['not', 'a', 'mapping']]})
    flows = [{'id': 'a'}]
    assert enforce.check_options(SPEC, {'atea_anywhere_extra_flows': flows})['atea_anywhere_extra_flows'] is flows


def test_a_confirm_is_armed_off_a_local_connection_and_always_needs_a_timeout():
    assert enforce.confirm_timeout(options(), local_connection=True) == 0
    assert enforce.confirm_timeout(options(), local_connection=False) == 120
    assert enforce.confirm_timeout(options(atea_anywhere_confirm='always', atea_anywhere_confirm_timeout=30), True) == 30
    assert enforce.confirm_timeout(options(atea_anywhere_confirm='never'), False) == 0
    with pytest.raises(enforce.EnforceError, match='atea_anywhere_confirm_timeout is 0'):
        enforce.confirm_timeout(options(atea_anywhere_confirm='always', atea_anywhere_confirm_timeout=0), True)


@pytest.mark.parametrize('manager', sorted(enforce.MANAGER_OPTIONS))
def test_every_manager_argument_is_an_option_of_its_module_from_a_role_variable(manager):
    rules = [{'name': 'a rule'}]
    arguments = enforce.manager_arguments(manager, options(atea_anywhere_nftables_table='my_table'), rules, 7)
    assert set(arguments) <= set(MODULE_SPECS[manager]), set(arguments) - set(MODULE_SPECS[manager])
    assert (arguments['rules'], arguments['confirm_timeout']) == (rules, 7)
    for option, variable in enforce.MANAGER_OPTIONS[manager].items():
        assert variable is None or variable in SPEC, variable
    if manager == 'nftables':
        assert arguments['table'] == 'my_table' and arguments['chain_prefix'] == 'atea_anywhere'


def test_an_empty_table_or_blacklist_file_leaves_the_module_its_default():
    arguments = enforce.manager_arguments('nftables', options(atea_anywhere_helper_blacklist_file=''), [], 0)
    assert 'table' not in arguments and 'helper_blacklist_file' not in arguments


@pytest.mark.parametrize('manager', sorted(enforce.MANAGER_OPTIONS))
def test_the_read_back_takes_the_options_of_the_manager(manager):
    arguments = enforce.compliance_arguments(manager, options(), [], 'fw-1')
    assert set(arguments) <= set(compliance_host.ARGUMENT_SPEC), set(arguments) - set(compliance_host.ARGUMENT_SPEC)
    assert (arguments['platform'], arguments['host']) == (manager, 'fw-1')
    assert arguments['chain_prefix'] == ('ATEA-ANYWHERE' if manager == 'iptables' else 'atea_anywhere')


def test_the_rules_are_the_filters_rules_and_computed_once_per_input(tmp_path, monkeypatch):
    want = engine.compact_rules(engine.build_flows(profile='enterprise', networks=LAB['atea_anywhere_networks'],
                                                   customer_networks=LAB['atea_anywhere_customer_networks']))
    rules, key, hit = enforce.rules(options(), str(tmp_path), str(tmp_path))
    assert (rules, hit) == (json.loads(json.dumps(want)), False)

    def refuse(*_args, **_kwargs):
        raise AssertionError('computed again')
    monkeypatch.setattr(engine, 'build_flows', refuse)
    assert enforce.rules(options(), str(tmp_path), str(tmp_path)) == (rules, key, True)
    with pytest.raises(AssertionError, match='computed again'):
        enforce.rules(options(atea_anywhere_customer_networks=['198.51.100.64/26']), str(tmp_path), str(tmp_path))


def test_the_files_add_what_the_variables_hold(tmp_path):
    flows = [{'id': 'app-1', 'purpose': 'An application', 'direction': 'outbound', 'network': 'mpls',
              'protocol': 'tcp', 'destination_ports': [20000]}]
    (tmp_path / 'flows.yml').write_text('- id: app-1\n  purpose: An application\n  direction: outbound\n'
                                        '  network: mpls\n  protocol: tcp\n  destination_ports: [20000]\n')
    (tmp_path / 'networks.json').write_text(json.dumps(['198.51.100.128/25']))
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    inline = enforce.rules(options(atea_anywhere_extra_flows=flows, atea_anywhere_customer_networks=[
        '198.51.100.0/26', '198.51.100.128/25']), str(tmp_path / 'a'), str(tmp_path))
    from_files = enforce.rules(options(atea_anywhere_extra_flows_file='flows.yml',
                                       atea_anywhere_customer_networks_file=str(tmp_path / 'networks.json')),
                               str(tmp_path / 'b'), str(tmp_path))
    assert from_files[0] == inline[0]
    assert 'app-1' in json.dumps(from_files[0]) and '198.51.100.128/25' in json.dumps(from_files[0])
    # Another file content is another input.
    (tmp_path / 'networks.json').write_text(json.dumps(['198.51.100.192/26']))
    again = enforce.rules(options(atea_anywhere_customer_networks_file='networks.json'), str(tmp_path / 'b'),
                          str(tmp_path))
    assert again[2] is False and '198.51.100.192/26' in json.dumps(again[0])


@pytest.mark.parametrize('content, reason', [
    ('{"a": 1}', 'must hold a list of strings'),
    ('[1, 2]', 'must hold a list of strings'),
    ('[unclosed', 'is not JSON or YAML'),
    ('0', 'must hold a list of strings'),
])
def test_a_bad_file_is_refused_naming_its_variable(tmp_path, content, reason):
    (tmp_path / 'networks.yml').write_text(content)
    (tmp_path / 'cache').mkdir()
    with pytest.raises(InputError) as error:
        enforce.rules(options(atea_anywhere_customer_networks_file='networks.yml'), str(tmp_path / 'cache'),
                      str(tmp_path))
    assert "option 'atea_anywhere_customer_networks_file'" in str(error.value) and reason in str(error.value)


def test_the_same_bytes_are_other_inputs_in_another_variable(tmp_path):
    (tmp_path / 'list.yml').write_text('[]\n')
    first = enforce.rules(options(atea_anywhere_customer_networks_file='list.yml'), str(tmp_path), str(tmp_path))
    second = enforce.rules(options(atea_anywhere_extra_flows_file='list.yml'), str(tmp_path), str(tmp_path))
    assert first[1] != second[1] and (first[2], second[2]) == (False, False)


def test_a_file_is_never_quoted_in_an_error_and_its_entries_are_named_by_the_file(tmp_path):
    (tmp_path / 'secret').write_text('hunter2-vault-password\n')
    with pytest.raises(InputError) as error:
        enforce.rules(options(atea_anywhere_extra_flows_file='secret'), str(tmp_path), str(tmp_path))
    assert 'hunter2' not in str(error.value) and 'it holds a str' in str(error.value)
    (tmp_path / 'key').write_text('-----BEGIN KEY-----\n  bad: [indent\n')
    with pytest.raises(InputError) as error:
        enforce.rules(options(atea_anywhere_extra_flows_file='key'), str(tmp_path), str(tmp_path))
    assert 'BEGIN' not in str(error.value) and 'line ' in str(error.value)
    (tmp_path / 'networks.yml').write_text('- 198.51.100.128/25\n- 198.51.100.7/24\n')
    with pytest.raises(InputError) as error:
        enforce.rules(options(atea_anywhere_customer_networks_file='networks.yml'), str(tmp_path), str(tmp_path))
    assert error.value.option == 'atea_anywhere_customer_networks_file[1] (%s)' % (tmp_path / 'networks.yml')
    assert 'host bits set' in str(error.value)
    (tmp_path / 'flows.yml').write_text('- {id: a, purpose: b, direction: sideways, protocol: tcp, '
                                        'destination_ports: [1]}\n')
    with pytest.raises(InputError) as error:
        enforce.rules(options(atea_anywhere_extra_flows_file='flows.yml', atea_anywhere_extra_flows=[
            {'id': 'own', 'purpose': 'Own', 'direction': 'outbound', 'network': 'mpls', 'protocol': 'tcp',
             'destination_ports': [2]}]), str(tmp_path), str(tmp_path))
    assert error.value.option.startswith('atea_anywhere_extra_flows_file[0]')


def test_only_a_regular_file_is_read(tmp_path):
    with pytest.raises(InputError, match='not a regular file'):
        enforce.rules(options(atea_anywhere_customer_networks_file='/dev/zero'), str(tmp_path), str(tmp_path))
    with pytest.raises(InputError, match='cannot be read'):
        enforce.rules(options(atea_anywhere_customer_networks_file=str(tmp_path)), str(tmp_path), str(tmp_path))


def test_a_missing_file_or_a_path_with_a_newline_is_refused(tmp_path):
    with pytest.raises(InputError, match="atea_anywhere_extra_flows_file.*cannot be read"):
        enforce.rules(options(atea_anywhere_extra_flows_file='absent.yml'), str(tmp_path), str(tmp_path))
    with pytest.raises(InputError, match='line break'):
        enforce.rules(options(atea_anywhere_extra_flows_file='flows\n.yml'), str(tmp_path), str(tmp_path))


def test_role_rules_checks_the_variables_and_takes_the_defaults(tmp_path):
    with pytest.raises(enforce.EnforceError, match='not a variable the rules are made of: atea_anywhere_platform'):
        enforce.role_rules({'atea_anywhere_platform': 'nftables'}, str(tmp_path), str(tmp_path))
    with pytest.raises(enforce.EnforceError, match='atea_anywhere_customer_networks'):
        enforce.role_rules({'atea_anywhere_customer_networks': {'not': 'a list'}, 'atea_anywhere_profile': 'smb'},
                           str(tmp_path), str(tmp_path))
    # As ansible-core converts a role variable: a comma-separated string is a list.
    assert enforce.role_rules(dict(LAB, atea_anywhere_customer_networks='198.51.100.0/26'), str(tmp_path),
                              str(tmp_path))[0] == enforce.rules(options(), str(tmp_path), str(tmp_path))[0]
    rules = enforce.role_rules(dict(LAB), str(tmp_path), str(tmp_path))[0]
    assert rules == enforce.rules(options(), str(tmp_path), str(tmp_path))[0]


def test_a_configuration_is_rendered_once_per_rules_and_platform_inputs(tmp_path):
    calls = []

    def render():
        calls.append(1)
        return 'config %d\n' % len(calls)
    first = enforce.rendered(str(tmp_path), 'k', {'platform': 'cisco_asa', 'zones': {}}, render)
    assert first == ('config 1\n', False)
    assert enforce.rendered(str(tmp_path), 'k', {'platform': 'cisco_asa', 'zones': {}}, render) == ('config 1\n', True)
    assert enforce.rendered(str(tmp_path), 'k', {'platform': 'panos', 'zones': {}}, render) == ('config 2\n', False)


def test_the_file_is_written_only_when_it_differs_and_never_in_check_mode(tmp_path):
    path = str(tmp_path / 'out' / 'fw.asa.cfg')
    assert enforce.write_file(path, 'a\n', check_mode=True, diff_mode=True) == (
        True, {'before': '', 'after': 'a\n', 'before_header': path, 'after_header': path})
    assert not (tmp_path / 'out').exists()
    assert enforce.write_file(path, 'a\n', check_mode=False, diff_mode=False) == (True, None)
    assert enforce.write_file(path, 'a\n', check_mode=False, diff_mode=True) == (False, None)
    assert (tmp_path / 'out' / 'fw.asa.cfg').read_text() == 'a\n'
