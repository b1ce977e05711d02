# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.atea.anywhere.plugins.filter.flows import flows
from ansible_collections.atea.anywhere.plugins.filter.nftables_table import nftables_table
from ansible_collections.atea.anywhere.plugins.filter.rule_table import rule_table
from ansible_collections.atea.anywhere.plugins.filter.routeros_moves import routeros_moves
from ansible_collections.atea.anywhere.plugins.filter.rules import rules
from ansible_collections.atea.anywhere.plugins.filter.vendor_api_requests import vendor_api_requests
from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms


def test_filters_chain_like_the_library():
    lab = {'networks': {'internet': '203.0.113.0/24'}, 'customer_networks': ['198.51.100.0/24']}
    assert flows('smb', **lab) == engine.build_flows('smb', **lab)
    assert rules(flows('smb', **lab)) == engine.compact_rules(engine.build_flows('smb', **lab))
    assert 'ip daddr 203.0.113.0/24' in nftables_table(rules(flows('smb', **lab)))


def test_flows_takes_components_with_null_input():
    assert set(f['section'] for f in flows(None, components=['vmr'])) == {'4'}


def test_nftables_table_defaults_and_options():
    text = nftables_table(rules(flows('smb')), table='edge', placement='host')
    assert text.startswith('table inet edge {\n\tcomment "atea-anywhere: ')
    assert '\tchain input {\n\t\ttype filter hook input priority filter; policy drop;' in text
    assert '\tchain output {\n\t\ttype filter hook output priority filter; policy accept;' in text


def test_rule_table_lists_every_port_range():
    text = rule_table(rules(flows('smb')))
    lines = text.splitlines()
    assert lines[0].split() == ['RULE', 'SECTION', 'DIRECTION', 'PROTOCOL', 'SOURCE', 'PORTS', 'PORTS',
                                'NETWORKS', 'PURPOSE']
    assert sum(1 for line in lines if line.startswith('outbound-internet-')) == 6
    assert 'internet = 88.151.163.0/24' in lines


@pytest.mark.parametrize('call, message', [
    (lambda: flows('small'), "atea.anywhere.flows: option 'profile': unknown value: 'small'"),
    (lambda: flows('smb', customer_networks=['10.0.0.1/8']),
     "atea.anywhere.flows: option 'customer_networks[0]': host bits set"),
    (lambda: flows('smb', colour='red'),
     "atea.anywhere.flows: unknown option colour; valid options: allow_any_network, components, customer_networks, "
     "extra_flows, networks"),
    (lambda: rules([{'id': 'x'}]), "atea.anywhere.rules: option 'flows[0]': missing key 'section'"),
    (lambda: nftables_table(rules(flows('smb')), placement='edge'),
     'atea.anywhere.nftables_table: value of placement must be one of: gateway, host, got: edge'),
    (lambda: rule_table(flows('smb')), "atea.anywhere.rule_table: option 'rules[0]'"),
])
def test_bad_input_is_a_filter_error_naming_filter_and_option(call, message):
    with pytest.raises(AnsibleFilterError) as caught:
        call()
    assert message in str(caught.value)


def test_routeros_filters_wrap_the_library():
    smb = rules(flows('smb'))
    requests = vendor_api_requests(smb, platform='routeros', zones={'customer': 'forward'})
    assert requests == vendor_platforms.api_requests(smb, 'routeros', {'customer': 'forward'})
    menu = [{'.id': '*1', 'chain': 'forward', 'action': 'drop'}, {'.id': '*2', 'chain': 'forward', 'comment': 'ATEA: x'}]
    assert routeros_moves({'ip firewall filter': menu}) == [
        {'path': 'ip firewall filter', 'numbers': '*2', 'destination': '*1'}]


@pytest.mark.parametrize('call, message', [
    (lambda: vendor_api_requests(rules(flows('smb')), platform='panos'),
     'atea.anywhere.vendor_api_requests: value of platform must be one of: fortios, routeros, got: panos'),
    (lambda: routeros_moves({'ip firewall filter': 'none'}), "atea.anywhere.routeros_moves: option 'menus.ip firewall filter'"),
])
def test_routeros_filters_name_bad_input(call, message):
    with pytest.raises(AnsibleFilterError) as caught:
        call()
    assert message in str(caught.value)


class LazyLike(dict):
    """Stands for ansible-core's lazy containers, which may not be deep-copied (deprecated in 2.21, an error in 2.25)."""

    def __deepcopy__(self, memo):
        raise AssertionError('the option was deep-copied as the lazy container it came in')


def test_options_reach_the_validator_as_plain_data():
    """ArgumentSpecValidator deep-copies what it validates: the filter hands it plain copies."""
    networks = LazyLike(mpls='192.0.2.0/24', internet='203.0.113.0/24')
    assert flows('smb', networks=networks, customer_networks=['198.51.100.0/24']) == \
        flows('smb', networks=dict(networks), customer_networks=['198.51.100.0/24'])
