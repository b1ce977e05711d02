# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FortiOS: session helpers deleted by the ids the device holds, policies placed above the customer's
denies (render mode from the running configuration, apply mode from the tables read), address groups
within their limit."""

from __future__ import annotations

import ipaddress
import re

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_fortios import (
    LIMITS, SELECTORS, FortiosRenderer, read_sections)


def _rules(profile='smb', **options):
    return engine.compact_rules(engine.build_flows(profile, **options))


def _render(running=None, profile='smb', **options):
    return vendor_platforms.render_config(_rules(profile, **options), 'fortios', running_config=running)


def _block(text, section):
    """The lines of each 'config <section>' block the text runs (not comments), in order."""
    lines, inside = [], False
    for line in text.splitlines():
        if line == 'config %s' % section:
            inside = True
        elif line == 'end':
            inside = False
        elif inside:
            lines.append(line.strip())
    return lines


def _helpers(*entries):
    """'show system session-helper' output for (id, name) pairs."""
    return 'config system session-helper\n' + ''.join(
        '    edit %d\n        set name %s\n        set protocol 17\n        set port 5060\n    next\n' % entry
        for entry in entries) + 'end\n'


def test_without_the_running_configuration_no_session_helper_is_deleted_blindly():
    # 0.2.0 rendered 'delete 13', the factory id of sip, whatever the device holds at 13.
    text = _render()
    assert _block(text, 'system session-helper') == []
    assert not re.search(r'^\s*delete \d', text, re.M)
    comments = [line for line in text.splitlines() if line.startswith('#')]
    for name in ('sip', 'h323', 'ras'):
        assert '#       delete <id of %s>' % name in comments
    assert any('show system session-helper' in line for line in comments)
    assert _block(text, 'system settings') == ['set default-voip-alg-mode kernel-helper-based']


def test_with_the_running_configuration_sip_h323_and_ras_go_by_the_ids_it_lists():
    # Helpers edited on this device: 13 is ftp now, and sip, h323 and ras sit elsewhere.
    running = _helpers((13, 'ftp'), (21, 'sip'), (7, 'h323'), (1, 'pptp'), (8, 'ras'))
    text = _render(running)
    assert _block(text, 'system session-helper') == ['delete 21', 'delete 7', 'delete 8']
    assert 'sip 21, h323 7, ras 8' in text


def test_with_the_running_configuration_and_no_voip_helper_left_nothing_is_deleted():
    text = _render(_helpers((12, 'ftp')))
    assert _block(text, 'system session-helper') == []
    assert 'lists no sip, h323 or ras session helper' in text


def test_helpers_are_read_inside_a_vdom_and_quoted_names_too():
    running = 'config vdom\n    edit root\n' + _helpers((4, '"sip"')) + 'next\nend\n'
    assert read_sections(running, ('system session-helper',)) == {
        'system session-helper': [('4', {'name': ['sip'], 'protocol': ['17'], 'port': ['5060']})]}
    assert _block(_render(running), 'system session-helper') == ['delete 4']


CUSTOMER_POLICIES = """config firewall policy
    edit 1
        set name "LAN-OUT"
        set srcintf "internal"
        set dstintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set action accept
        set service "HTTP"
    next
    edit 7
        set name "NO-SIP-OUT"
        set srcintf "internal"
        set dstintf "wan1"
        set service "SIP"
    next
    edit 5
        set name "DMZ-DENY"
        set srcintf "dmz"
        set dstintf "wan1"
        set action deny
    next
    edit 8
        set name "OLD-DENY"
        set srcintf "any"
        set dstintf "any"
        set action deny
        set status disable
    next
    edit 3
        set name "DENY-ALL"
        set srcintf "any"
        set dstintf "any"
        set action deny
    next
end
"""


def test_render_moves_ours_above_the_first_deny_of_their_interfaces():
    # 'NO-SIP-OUT' lists no action: 'show' leaves out a default, and it is read as the deny it may be.
    text = _render(CUSTOMER_POLICIES)
    assert _block(text, 'firewall policy')[-2:] == ['move 9001 before 7', 'move 9002 before 7']
    # The moves follow the policies they move.
    assert text.index('move 9001 before 7') > text.index('edit 9002')


def test_render_moves_nothing_where_ours_already_stand_above_the_denies():
    placed = CUSTOMER_POLICIES.replace('    edit 7\n', _render().split('config firewall policy\n')[1].split('end\n')[0]
                                       + '    edit 7\n')
    assert 'move' not in ' '.join(_block(_render(placed), 'firewall policy'))


def test_denies_of_other_interfaces_disabled_or_below_ours_do_not_move_them():
    only_others = re.sub(r'    edit [73]\n(        .*\n)*?    next\n', '', CUSTOMER_POLICIES)
    assert 'edit 5' in only_others and 'edit 7' not in only_others and 'edit 3' not in only_others
    assert not [line for line in _block(_render(only_others), 'firewall policy') if line.startswith('move')]
    # Enterprise policies from mpls (inbound) meet DENY-ALL (any-any) only.
    inbound = [line for line in _block(_render(CUSTOMER_POLICIES, 'enterprise'), 'firewall policy')
               if line.startswith('move')]
    assert inbound and all(line.endswith(' before 7') or line.endswith(' before 3') for line in inbound)
    assert any(line.endswith(' before 3') for line in inbound)


def test_an_id_of_ours_held_by_someone_elses_policy_is_refused():
    taken = CUSTOMER_POLICIES.replace('edit 5\n', 'edit 9002\n')
    with pytest.raises(InputError, match=r"option 'running_config': this policy id is someone else's.*'edit 9002 \(DMZ-DENY\)'"):
        _render(taken)


def _current(policies=(), helpers=()):
    tables = dict((selector, []) for selector in SELECTORS)
    tables['firewall_policy'] = list(policies)
    tables['system_session-helper'] = list(helpers)
    return tables


def _api_policy(policyid, name, srcintf, dstintf, action, **fields):
    return dict({'policyid': policyid, 'name': name, 'srcintf': [{'name': srcintf}], 'dstintf': [{'name': dstintf}],
                 'action': action, 'status': 'enable'}, **fields)


API_CUSTOMER = [_api_policy(1, 'LAN-OUT', 'internal', 'wan1', 'accept'),
                _api_policy(7, 'NO-SIP-OUT', 'internal', 'wan1', 'deny'),
                _api_policy(3, 'DENY-ALL', 'any', 'any', 'deny')]


def test_apply_moves_new_policies_above_the_first_deny_and_none_once_they_stand_there():
    renderer = FortiosRenderer(_rules())
    plan = renderer.api_requests(_current(API_CUSTOMER, [{'id': 13, 'name': 'sip'}, {'id': 2, 'name': 'h323'}]))
    assert plan['moves'] == [{'module': 'firewall_policy', 'key': 9001, 'before': 7},
                             {'module': 'firewall_policy', 'key': 9002, 'before': 7}]
    assert plan['session_helpers'] == [13, 2]
    ours = [dict(item['data'], status='enable') for item in plan['set'] if item['module'] == 'firewall_policy']
    settled = API_CUSTOMER[:1] + ours + API_CUSTOMER[1:]
    assert FortiosRenderer(_rules()).api_requests(_current(settled))['moves'] == []
    # A stale policy of ours above the deny is deleted first and does not count.
    stale = _api_policy(9050, 'ATEA-LEGACY', 'internal', 'wan1', 'accept')
    assert FortiosRenderer(_rules()).api_requests(_current([stale] + settled))['moves'] == []


def test_a_customer_group_beyond_the_member_limit_is_spread_over_further_groups():
    size = LIMITS['group_members'].value
    # Every other /24, so that no two merge into a shorter prefix.
    networks = [str(net) for net in list(ipaddress.ip_network('10.0.0.0/8').subnets(new_prefix=24))[:4 * size + 20:2]]
    renderer = FortiosRenderer(_rules(customer_networks=networks))
    entries = renderer.entries()
    groups = dict((entry['name'], entry['member']) for kind, entry in entries if kind == 'firewall addrgrp')
    customer = ['ATEA-NET-CUSTOMER', 'ATEA-NET-CUSTOMER-G2', 'ATEA-NET-CUSTOMER-G3']
    assert [name for name in groups if name.startswith('ATEA-NET-CUSTOMER')] == customer
    assert [len(groups[name]) for name in customer] == [size, size, 10]
    addresses = [entry['name'] for kind, entry in entries if kind == 'firewall address']
    assert sorted(sum((groups[name] for name in customer), [])) == sorted(
        name for name in addresses if name.startswith('ATEA-NET-CUSTOMER-'))
    for kind, entry in entries:
        if kind == 'firewall policy':
            assert entry['srcaddr'] == customer, entry['name']


def test_limits_carry_their_vendor_source():
    assert FortiosRenderer.LIMITS is LIMITS
    for name, limit in LIMITS.items():
        assert re.search(r' - https://\S+$', limit.source), name
    assert FortiosRenderer.COMMENT_LIMIT == LIMITS['object_comment'].value == 255
    assert FortiosRenderer.POLICY_COMMENT_LIMIT == LIMITS['policy_comment'].value == 1023


# Apply mode writes only what differs from the tables read, compared as a cmdb GET returns them (FortiOS 7.x):
# every field of the table, q_origin_key on the entry and on each {name} of its lists, a subnet as address and
# netmask. An enterprise profile with IPv6 too, so that every table of ours is used.
IPV6_NETWORKS = {'mpls': ['198.51.100.0/24', '2001:db8:100::/48'], 'internet': ['203.0.113.0/24', '2001:db8:200::/48']}
SELECTOR_OF = {'firewall_address': 'firewall_address', 'firewall_address6': 'firewall_address6',
               'firewall_addrgrp': 'firewall_addrgrp', 'firewall_addrgrp6': 'firewall_addrgrp6',
               'firewall_service_custom': 'firewall.service_custom', 'firewall_policy': 'firewall_policy'}
# Fields FortiOS returns beside those the collection sets.
EXTRA = {'firewall_address': {'uuid': '6b3f2c1e-0000-51ee-0000-000000000001', 'type': 'ipmask', 'start-ip': '0.0.0.0',
                              'end-ip': '255.255.255.0', 'fqdn': '', 'associated-interface': '', 'color': 0},
         'firewall_address6': {'uuid': '6b3f2c1e-0000-51ee-0000-000000000002', 'type': 'ipprefix', 'color': 0},
         'firewall_addrgrp': {'uuid': '6b3f2c1e-0000-51ee-0000-000000000003', 'exclude': 'disable', 'comment': ''},
         'firewall_addrgrp6': {'uuid': '6b3f2c1e-0000-51ee-0000-000000000004', 'comment': ''},
         'firewall_service_custom': {'category': '', 'protocol': 'TCP/UDP/SCTP', 'sctp-portrange': '', 'visibility': 'enable'},
         'firewall_policy': {'uuid': '6b3f2c1e-0000-51ee-0000-000000000005', 'status': 'enable', 'nat': 'disable',
                             'internet-service': 'disable', 'srcaddr-negate': 'disable', 'poolname': []}}


def _enterprise():
    return FortiosRenderer(_rules('enterprise', networks=IPV6_NETWORKS,
                                  customer_networks=['192.168.0.0/16', '172.16.0.0/12', '2001:db8:300::/48']))


def _as_read(item):
    """A planned entry (module data) as FortiOS's cmdb GET returns it once written."""
    read = dict(EXTRA[item['module']])
    for field, value in item['data'].items():
        field = field.replace('_', '-')
        read[field] = [dict(member, q_origin_key=member['name']) for member in value] if isinstance(value, list) else value
    read['q_origin_key'] = read['policyid' if item['module'] == 'firewall_policy' else 'name']
    return read


def _read_back(plan, change=lambda module, entry: entry):
    """The tables read after the plan was carried out on an empty device, each entry passed through change."""
    tables = _current()
    for item in plan['set']:
        tables[SELECTOR_OF[item['module']]].append(change(item['module'], _as_read(item)))
    tables['system_settings'] = {'default-voip-alg-mode': 'kernel-helper-based', 'opmode': 'nat', 'sip-expectation': 'disable'}
    return tables


def test_apply_plans_nothing_for_a_device_already_as_wanted():
    first = _enterprise().api_requests(_current())
    assert set(item['module'] for item in first['set']) == set(SELECTOR_OF)
    again = _enterprise().api_requests(_read_back(first))
    assert again == {'delete_first': [], 'set': [], 'moves': [], 'delete_last': [], 'settings': {},
                     'session_helpers': []}


@pytest.mark.parametrize('module, field, value', [
    ('firewall_address', 'subnet', '198.51.100.0 255.255.255.128'),
    ('firewall_address6', 'ip6', '2001:db8:100::/64'),
    ('firewall_addrgrp', 'member', []),
    ('firewall_service_custom', 'tcp-portrange', '443'),
    ('firewall_policy', 'dstintf', [{'name': 'any', 'q_origin_key': 'any'}]),
    ('firewall_policy', 'comments', 'edited on the device'),
])
def test_apply_sets_exactly_the_entry_that_differs_in_a_field_it_sets(module, field, value):
    first = _enterprise().api_requests(_current())
    target = next(item for item in first['set'] if item['module'] == module
                  and field.replace('-', '_') in item['data'] and item['data'][field.replace('-', '_')])
    key = 'policyid' if module == 'firewall_policy' else 'name'

    def change(kind, entry):
        return dict(entry, **{field: value}) if kind == module and entry[key] == target['data'][key] else entry

    assert _enterprise().api_requests(_read_back(first, change))['set'] == [target]


def _one_port_as_range(part):
    """'443:1024-65535' as '443-443:1024-65535', a notation FortiOS takes for the same range."""
    destination, colon, source = part.partition(':')
    return (destination if '-' in destination else '%s-%s' % (destination, destination)) + colon + source


def test_apply_compares_as_fortios_returns_entries_not_as_written():
    first = _enterprise().api_requests(_current())

    def other_notation(kind, entry):
        entry = dict(entry)
        if 'subnet' in entry:
            entry['subnet'] = str(ipaddress.ip_interface('/'.join(entry['subnet'].split())))
        if 'ip6' in entry:
            entry['ip6'] = ipaddress.ip_network(entry['ip6']).exploded
        for field in ('tcp-portrange', 'udp-portrange'):
            if field in entry:
                entry[field] = ' '.join(_one_port_as_range(part) for part in reversed(entry[field].split()))
        if 'icmptype' in entry:
            entry['icmptype'] = str(entry['icmptype'])
        return dict((field, list(reversed(value)) if isinstance(value, list) else value) for field, value in entry.items())

    tables = _read_back(first, other_notation)
    # The notations differ from what was written.
    assert tables['firewall_address'][0]['subnet'] == '172.16.0.0/12'
    assert ':0000:' in tables['firewall_address6'][0]['ip6']
    assert any('443-443:' in entry.get('tcp-portrange', '') for entry in tables['firewall.service_custom'])
    assert any(len(entry['member']) > 1 for entry in tables['firewall_addrgrp'])
    assert _enterprise().api_requests(tables)['set'] == []


def test_apply_sets_the_voip_alg_mode_only_where_the_settings_read_differ():
    first = _enterprise().api_requests(_current())
    assert first['settings'] == {'default_voip_alg_mode': 'kernel-helper-based'}
    tables = _read_back(first)
    tables['system_settings']['default-voip-alg-mode'] = 'proxy-based'
    assert _enterprise().api_requests(tables)['settings'] == {'default_voip_alg_mode': 'kernel-helper-based'}
    with pytest.raises(InputError, match="option 'current.system_settings': expected the system settings as read"):
        _enterprise().api_requests(dict(tables, system_settings=['proxy-based']))
