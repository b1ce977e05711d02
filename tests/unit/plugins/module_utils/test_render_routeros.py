# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RouterOS as API requests (community.routeros.api_modify) and the placement of its filter rules."""

from __future__ import annotations

import re

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_routeros import placement_moves

DUAL_STACK = {'customer_networks': ['10.20.0.0/16', '2001:db8:20::/48'],
              'networks': {'mpls': ['91.184.140.0/24', '2001:db8:9::/48']}}


def _requests(profile, **options):
    return vendor_platforms.api_requests(engine.compact_rules(engine.build_flows(profile, **options)), 'routeros')


def _script_entries(text):
    """(menu, {field: value}) of every 'add' line of the rendered script, quotes taken off."""
    menu, entries = None, []
    for line in text.splitlines():
        if line.startswith('/'):
            menu = line[1:]
        elif line.startswith('add '):
            fields = re.findall(r'([\w-]+)=("[^"]*"|\S+)', line[4:])
            entries.append((menu, dict((k, v.strip('"')) for k, v in fields)))
    return entries


@pytest.mark.parametrize('profile, options', [('smb', {}), ('enterprise', {}), ('enterprise', DUAL_STACK)])
def test_requests_hold_what_the_script_adds(profile, options):
    requests = _requests(profile, **options)
    rules = engine.compact_rules(engine.build_flows(profile, **options))
    from_api = [(r['path'], entry) for r in requests for entry in r['data'] if r['path'] != 'ip firewall service-port']
    assert from_api == _script_entries(vendor_platforms.render_config(rules, 'routeros'))


def test_every_owned_menu_is_listed_and_restricted_to_ours_even_when_empty():
    requests = dict((r['path'], r) for r in _requests('smb'))
    assert sorted(requests) == ['ip firewall address-list', 'ip firewall filter', 'ip firewall service-port',
                                'ipv6 firewall address-list', 'ipv6 firewall filter']
    assert requests['ipv6 firewall filter']['data'] == []
    assert requests['ip firewall address-list']['restrict'] == [{'field': 'list', 'regex': '^ATEA-'}]
    assert requests['ipv6 firewall filter']['restrict'] == [{'field': 'comment', 'regex': '^ATEA:'}]
    assert requests['ip firewall service-port'] == {
        'path': 'ip firewall service-port', 'restrict': None, 'ensure_order': False,
        'data': [{'name': 'sip', 'disabled': True}, {'name': 'h323', 'disabled': True}]}
    assert [r['path'] for r in requests.values() if r['ensure_order']] == ['ip firewall filter', 'ipv6 firewall filter']
    ports = [entry.get('dst-port') for entry in requests['ip firewall filter']['data']]
    assert ports == [None, '443,5061,5222,8443,40000-49999', '36002-59999']


@pytest.mark.parametrize('profile, options', [('smb', {}), ('enterprise', {}), ('enterprise', DUAL_STACK)])
def test_each_chain_used_accepts_the_replies_first_marked_as_ours(profile, options):
    # 0.2.0 relied on the default configuration's 'accept established,related', which a customer's chain may lack.
    rules = engine.compact_rules(engine.build_flows(profile, **options))
    for family, menu in (('ipv4', 'ip firewall filter'), ('ipv6', 'ipv6 firewall filter')):
        filters = next(r['data'] for r in _requests(profile, **options) if r['path'] == menu)
        used = [rule for rule in rules if rule['family'] == family]
        chains = sorted(set(entry['chain'] for entry in filters))
        replies = [entry for entry in filters if entry.get('connection-state') == 'established,related']
        assert [entry['chain'] for entry in replies] == chains
        for reply in replies:
            first = next(entry for entry in filters if entry['chain'] == reply['chain'])
            assert first is reply and reply['action'] == 'accept' and set(reply) == {
                'chain', 'action', 'connection-state', 'comment'}
            sections = sorted(set(s for rule in used for s in rule['sections']))
            assert reply['comment'].startswith('ATEA: %s replies' % '/'.join(sections)), reply['comment']
        assert bool(replies) == bool(used)
    script = vendor_platforms.render_config(rules, 'routeros')
    assert script.count('action=accept connection-state=established,related comment="ATEA: ') == len(
        set(rule['family'] for rule in rules))


def test_every_source_port_range_is_kept_and_chains_are_built_in_ones():
    flows = engine.build_flows(None, components=['vmr'], extra_flows=[{
        'direction': 'outbound', 'network': 'internet', 'protocol': 'udp', 'destination_ports': ['3478'],
        'source_ports': ['1024-2000', '3000-4000'], 'id': 'turn', 'purpose': 'TURN'}])
    requests = vendor_platforms.api_requests(engine.compact_rules(flows), 'routeros')
    filters = next(r['data'] for r in requests if r['path'] == 'ip firewall filter')
    assert '1024-2000,3000-4000' in [entry.get('src-port') for entry in filters]
    with pytest.raises(InputError, match="option 'zones.customer': unknown value: 'ether1'"):
        vendor_platforms.api_requests(engine.compact_rules(flows), 'routeros', {'customer': 'ether1'})


def test_only_routeros_gives_api_requests():
    with pytest.raises(InputError, match="option 'platform': unknown value: 'cisco_ios'"):
        vendor_platforms.api_requests([], 'cisco_ios')


def _rule(ident, chain='forward', action='accept', comment='', **fields):
    return dict({'.id': ident, 'chain': chain, 'action': action, 'comment': comment}, **fields)


DEFCONF = [_rule('*1', comment='defconf: accept established', **{'connection-state': 'established,related'}),
           _rule('*2', action='drop', comment='defconf: drop invalid', **{'connection-state': 'invalid'}),
           _rule('*3', action='drop', comment='defconf: drop all from WAN not DSTNATed', **{'connection-state': 'new'})]


def test_rules_appended_below_the_last_drop_go_just_above_it():
    menu = DEFCONF + [_rule('*A', comment='ATEA: a'), _rule('*B', comment='ATEA: b')]
    assert placement_moves({'ip firewall filter': menu}) == [
        {'path': 'ip firewall filter', 'numbers': '*A,*B', 'destination': '*3'}]


def test_rules_go_above_the_customers_first_drop_not_its_last():
    # 0.2.0 put them above the chain's last drop, where the customer's drop of the same traffic stopped them.
    customer = [_rule('*1', comment='accept established', **{'connection-state': 'established,related'}),
                _rule('*2', action='drop', protocol='udp', **{'dst-port': '5060'}, comment='no SIP from outside'),
                _rule('*3', action='reject', comment='reject all')]
    menu = customer + [_rule('*A', comment='ATEA: replies'), _rule('*B', comment='ATEA: b')]
    assert placement_moves({'ip firewall filter': menu}) == [
        {'path': 'ip firewall filter', 'numbers': '*A,*B', 'destination': '*2'}]
    settled = customer[:1] + menu[3:] + customer[1:]
    assert placement_moves({'ip firewall filter': settled}) == []


def test_rules_placed_higher_stay_and_the_rest_joins_them():
    menu = [_rule('*A', comment='ATEA: a')] + DEFCONF + [_rule('*B', comment='ATEA: b')]
    assert placement_moves({'ip firewall filter': menu}) == [
        {'path': 'ip firewall filter', 'numbers': '*B', 'destination': '*1'}]
    settled = DEFCONF[:2] + [_rule('*A', comment='ATEA: a'), _rule('*B', comment='ATEA: b')] + DEFCONF[2:]
    assert placement_moves({'ip firewall filter': settled}) == []


def test_only_enabled_stopping_rules_of_others_in_the_same_chain_count():
    menu = [_rule('*1', action='drop', disabled=True), _rule('*2', chain='input', action='drop'),
            _rule('*3', action='reject', comment='ATEA: stale but ours'), _rule('*A', comment='ATEA: a')]
    assert placement_moves({'ip firewall filter': menu, 'ipv6 firewall filter': []}) == []
    menu[0]['disabled'] = False
    assert placement_moves({'ip firewall filter': menu}) == [
        {'path': 'ip firewall filter', 'numbers': '*3,*A', 'destination': '*1'}]


@pytest.mark.parametrize('menus, message', [
    ([], "option 'menus': expected a mapping"),
    ({'ip firewall filter': [{'chain': 'forward'}]}, "option 'menus.ip firewall filter'"),
])
def test_placement_refuses_what_was_not_read_from_a_device(menus, message):
    with pytest.raises(InputError, match=message):
        placement_moves(menus)
