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
