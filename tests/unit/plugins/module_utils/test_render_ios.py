# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOS-XE: interface ACLs keep no state, so every flow gets the entry its replies need; entries go into the
access list an interface already has, before its first deny, by sequence number; the platform's limits.

Changes are applied to the stand-in device's configuration model (tests/lab/fake_ios.py) line by line, as
cisco.ios sends them, so a command form it does not take fails here too."""

from __future__ import annotations

import re

import fake_ios
import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_ios import (
    IosRenderer, is_ours, numbered_entries)

NETWORKS = {'mpls': '198.51.100.0/24', 'internet': '203.0.113.0/24'}
DUAL_STACK = {'mpls': ['198.51.100.0/24', '2001:db8:9::/48'], 'internet': ['203.0.113.0/24', '2001:db8:b::/48']}
LAN = """hostname edge
ip access-list extended LAN-IN
 remark the customer's own rules
 permit tcp any host 192.0.2.1 eq 22
 deny udp any any eq 1900
 permit ip any host 192.0.2.2
 remark the rest is logged
 deny ip any any log
interface GigabitEthernet2
 ip access-group LAN-IN in
interface GigabitEthernet4
 description no filter
"""


def _rules(profile, networks=None, **options):
    return engine.compact_rules(engine.build_flows(profile, networks=networks or NETWORKS, **options))


def _device(tmp_path, text):
    path = tmp_path / 'device.cfg'
    path.write_text(text)
    return fake_ios.Device(str(path))


def _apply(device, changes):
    """Send the changes as cisco.ios does, a line at a time in configuration mode; a refused line fails."""
    context = None
    for line in changes.splitlines():
        if line.startswith('!'):
            continue
        context, reply = device.configure(line.strip(), context)
        assert not reply, (line, reply)


def _changes(device, rules, **zones):
    return vendor_platforms.render_config(rules, 'cisco_ios', zones=zones or None, running_config=device.text(),
                                          changes_only=True)


def _list(device, name):
    block = next(children for header, children in device.blocks if header.endswith(' ' + name))
    return [entry for _number, entry in block]


def test_every_flow_has_the_entry_its_replies_need():
    """0.2.0 rendered no MPLS list for 2.1 and no established or echo-reply entry at all."""
    text = vendor_platforms.render_config(_rules('enterprise'), 'cisco_ios')
    mpls = text.split('ip access-list extended ATEA-ANYWHERE-MPLS-IN-V4\n')[1].split('\nip access-list')[0]
    for port in ('eq 80', 'eq 443', 'range 2443 2445', 'range 5060 5061', 'eq 8443'):
        assert ' permit tcp object-group ATEA-NET-MPLS %s object-group ATEA-NET-CUSTOMER established' % port in mpls
    for port in ('eq 69', 'eq 5060', 'range 16384 32767'):
        assert ' permit udp object-group ATEA-NET-MPLS %s object-group ATEA-NET-CUSTOMER\n' % port in mpls + '\n'
    assert ' permit icmp object-group ATEA-NET-MPLS object-group ATEA-NET-CUSTOMER echo-reply' in mpls
    customer = text.split('ip access-list extended ATEA-ANYWHERE-CUSTOMER-IN-V4\n')[1].split('\nip access-list')[0]
    # 2.2 flows start on the MPLS side: their replies come in on the customer side.
    assert ' permit tcp object-group ATEA-NET-CUSTOMER eq 22 object-group ATEA-NET-MPLS established' in customer
    assert ' permit icmp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS echo-reply' in customer
    # Section 3 and 4 clients use ports from 1024: the replies go to those only.
    assert ' permit tcp object-group ATEA-NET-INTERNET eq 443 object-group ATEA-NET-CUSTOMER range 1024 65535 ' \
        'established' in text


def test_ipv6_echo_and_its_reply_by_the_names_ipv6_lists_take():
    text = vendor_platforms.render_config(_rules('enterprise', DUAL_STACK, customer_networks=['2001:db8:a::/48']),
                                          'cisco_ios')
    assert ' permit icmp object-group ATEA-NET-CUSTOMER-V6 object-group ATEA-NET-MPLS-V6 echo-request' in text
    assert ' permit icmp object-group ATEA-NET-MPLS-V6 object-group ATEA-NET-CUSTOMER-V6 echo-reply' in text
    assert not re.search(r'^ permit icmp .* echo$', text.split('ipv6 access-list')[1], re.M)


def test_each_reply_entry_says_which_rule_it_answers_within_the_remark_limit():
    renderer = IosRenderer(_rules('enterprise'))
    for acl, (_network, _family, lines) in renderer.access_lists().items():
        remark = None
        for line in lines:
            if line.startswith('remark '):
                remark = line
                assert line.startswith('remark ATEA: ') and len(line) - len('remark ') <= 100, line
            elif line.endswith((' established', ' echo-reply')):
                assert remark.startswith('remark ATEA: reply to '), (acl, line, remark)
    assert 'remark ATEA: reply to 2.1 outbound-mpls-icmp-ipv4: 2.1 ICMP echo' in \
        renderer.access_lists()['ATEA-ANYWHERE-MPLS-IN-V4'][2]


def test_ours_go_into_the_interfaces_list_before_its_first_deny_and_leave_it_as_it_was(tmp_path):
    device = _device(tmp_path, LAN)
    before = [entry for _number, entry in numbered_entries(device.text().split('LAN-IN\n')[1].split('!')[0].splitlines())]
    _apply(device, _changes(device, _rules('smb'), customer='GigabitEthernet2'))
    entries = _list(device, 'LAN-IN')
    assert [entry for entry in entries if not is_ours(entry)] == before
    ours = [index for index, entry in enumerate(entries) if is_ours(entry)]
    assert ours == list(range(ours[0], ours[-1] + 1))
    # After the permit, before the remark that opens the first deny.
    assert entries[ours[0] - 1] == 'permit tcp any host 192.0.2.1 eq 22'
    assert entries[ours[-1] + 1] == 'remark the rest is logged' or entries[ours[-1] + 1] == 'deny udp any any eq 1900'
    assert [entries[index] for index in ours] == IosRenderer(_rules('smb')).access_lists()[
        'ATEA-ANYWHERE-CUSTOMER-IN-V4'][2]
    assert 'ip access-list extended ATEA-ANYWHERE-CUSTOMER-IN-V4' not in device.text()
    assert _changes(device, _rules('smb'), customer='GigabitEthernet2').splitlines()[1:] == []
    # A smaller set takes out ours only.
    _apply(device, _changes(device, _rules(None, components=['mra']), customer='GigabitEthernet2'))
    assert [entry for entry in _list(device, 'LAN-IN') if not is_ours(entry)] == before
    assert [entry for entry in _list(device, 'LAN-IN') if is_ours(entry)] == IosRenderer(
        _rules(None, components=['mra'])).access_lists()['ATEA-ANYWHERE-CUSTOMER-IN-V4'][2]


def test_the_first_deny_is_the_customers_and_its_remarks_stay_with_it(tmp_path):
    device = _device(tmp_path, LAN)
    changes = _changes(device, _rules('smb'), customer='GigabitEthernet2')
    numbers = [int(line.split()[0]) for line in changes.splitlines() if re.match(r' \d+ ', line)]
    printed = dict((entry, number) for number, entry in numbered_entries(device.text().splitlines()))
    assert printed['permit tcp any host 192.0.2.1 eq 22'] < min(numbers)
    assert max(numbers) < printed['deny udp any any eq 1900']


def test_a_list_without_room_is_renumbered_and_says_so(tmp_path):
    device = _device(tmp_path, LAN.replace(' permit tcp any host 192.0.2.1 eq 22\n deny udp any any eq 1900\n',
                                           ' 19 permit tcp any host 192.0.2.1 eq 22\n 20 deny udp any any eq 1900\n')
                     .replace(" remark the customer's own rules\n", " 10 remark the customer's own rules\n"))
    changes = _changes(device, _rules('smb'), customer='GigabitEthernet2')
    assert re.search(r'^ip access-list resequence LAN-IN (\d+) \1$', changes, re.M)
    _apply(device, changes)
    entries = _list(device, 'LAN-IN')
    ours = [index for index, entry in enumerate(entries) if is_ours(entry)]
    assert entries[ours[0] - 1] == 'permit tcp any host 192.0.2.1 eq 22' and entries[ours[-1] + 1] == \
        'deny udp any any eq 1900'
    assert _changes(device, _rules('smb'), customer='GigabitEthernet2').splitlines()[1:] == []


def test_ours_misplaced_after_the_deny_are_moved_before_it(tmp_path):
    late = ' permit udp object-group ATEA-NET-CUSTOMER range 1024 65535 object-group ATEA-NET-INTERNET range 36002 59999\n'
    device = _device(tmp_path, LAN.replace(' deny ip any any log\n', ' deny ip any any log\n' + late))
    _apply(device, _changes(device, _rules('smb'), customer='GigabitEthernet2'))
    entries = _list(device, 'LAN-IN')
    assert entries.index(late.strip()) < entries.index('deny udp any any eq 1900')
    assert entries.count(late.strip()) == 1


def test_a_list_that_starts_with_its_deny_is_renumbered_with_room_before_it(tmp_path):
    device = _device(tmp_path, 'ipv6 access-list LAN6\n sequence 10 deny ipv6 any any\n'
                               'interface GigabitEthernet2\n ipv6 traffic-filter LAN6 in\n')
    rules = _rules('enterprise', DUAL_STACK, customer_networks=['2001:db8:a::/48'])
    changes = _changes(device, rules, customer='GigabitEthernet2')
    # More lines of ours than the 9 free numbers below 10.
    assert re.search(r'^ipv6 access-list resequence LAN6 (\d+) \1$', changes, re.M)
    _apply(device, changes)
    entries = _list(device, 'LAN6')
    assert entries[-1] == 'deny ipv6 any any' and all(is_ours(entry) for entry in entries[:-1])


def test_ipv6_lists_take_their_sequence_form(tmp_path):
    device = _device(tmp_path, 'ipv6 access-list LAN6\n permit tcp any any eq 22\n deny ipv6 any any log\n'
                               'ip access-list extended LAN-IN\n permit ip any any\n deny ip any any\n'
                               'interface GigabitEthernet2\n ip access-group LAN-IN in\n ipv6 traffic-filter LAN6 in\n')
    rules = _rules('smb', DUAL_STACK, customer_networks=['10.0.0.0/8', '2001:db8:a::/48'])
    changes = _changes(device, rules, customer='GigabitEthernet2')
    assert re.search(r'^ sequence \d+ permit tcp object-group ATEA-NET-CUSTOMER-V6 ', changes, re.M)
    _apply(device, changes)
    assert 'ip access-list extended ATEA-ANYWHERE-CUSTOMER-IN-V6' not in device.text()
    assert [entry for entry in _list(device, 'LAN6') if not is_ours(entry)] == ['permit tcp any any eq 22',
                                                                                'deny ipv6 any any log']
    smaller = _changes(device, _rules('smb'), customer='GigabitEthernet2')
    assert re.search(r'^ no sequence \d+$', smaller, re.M)
    _apply(device, smaller)
    assert _list(device, 'LAN6') == ['permit tcp any any eq 22', 'deny ipv6 any any log']


@pytest.mark.parametrize('running, message', [
    (LAN, 'interface GigabitEthernet4 has no inbound IPv4 access list (ip access-group). Binding '
          'ATEA-ANYWHERE-CUSTOMER-IN-V4 there would drop everything else it passes today'),
    (LAN.replace('interface GigabitEthernet4\n', 'interface GigabitEthernet4\n ip access-group GONE in\n'),
     'interface GigabitEthernet4 filters inbound with GONE, which the running configuration does not hold as a named '
     'list'),
])
def test_binding_where_it_would_cut_traffic_is_refused(running, message):
    with pytest.raises(InputError) as caught:
        vendor_platforms.render_config(_rules('smb'), 'cisco_ios', zones={'customer': 'GigabitEthernet4'},
                                       running_config=running, changes_only=True)
    assert str(caught.value).startswith("option 'zones.customer': " + message), str(caught.value)


def test_a_rendered_file_does_not_replace_the_interfaces_list():
    with pytest.raises(InputError, match="option 'zones.customer': that interface filters inbound with LAN-IN; a "
                                         "rendered file would replace it"):
        vendor_platforms.render_config(_rules('smb'), 'cisco_ios', zones={'customer': 'GigabitEthernet2'},
                                       running_config=LAN)


def test_limits_have_sources_and_a_list_past_the_entry_limit_is_an_error():
    assert IosRenderer.LIMITS['remark_length'].value == 100
    crowded = LAN.replace(' deny ip any any log\n', ''.join(' permit tcp object-group BRANCH host 192.0.2.3 eq %d\n'
                                                            % port for port in range(1, 2045)) + ' deny ip any any log\n')
    with pytest.raises(InputError, match=r"option 'rules': cisco_ios allows at most 2048 object-group-based entries in "
                                         r"one access list, this needs \d+"):
        vendor_platforms.render_config(_rules('smb'), 'cisco_ios', zones={'customer': 'GigabitEthernet2'},
                                       running_config=crowded, changes_only=True)


@pytest.mark.parametrize('line, reply', [
    ('remark ' + 'x' * 101, fake_ios.INVALID),
    ('30 permit ip any any', '% Duplicate sequence number'),
    ('no 35', '% Entry 35 not found'),
    ('2147483648 permit tcp any any eq 1', '% Exceeded maximum sequence number.'),
])
def test_the_stand_in_refuses_what_the_device_refuses(tmp_path, line, reply):
    device = _device(tmp_path, LAN)
    context = device.configure('ip access-list extended LAN-IN', None)[0]
    assert device.configure(line, context)[1] == reply


def test_the_stand_in_renumbers_a_list(tmp_path):
    device = _device(tmp_path, LAN)
    assert device.configure('ip access-list resequence LAN-IN 100 5', None)[1] == ''
    assert [number for number, _entry in next(children for header, children in device.blocks
                                              if header.endswith('LAN-IN'))] == [100, 105, 110, 115, 120, 125]


def test_one_interface_facing_two_networks_takes_both_sides_entries_in_its_own_list(tmp_path):
    device = _device(tmp_path, LAN)
    _apply(device, _changes(device, _rules('enterprise'), customer='GigabitEthernet2', mpls='GigabitEthernet2'))
    ours = [entry for entry in _list(device, 'LAN-IN') if is_ours(entry)]
    lists = IosRenderer(_rules('enterprise')).access_lists()
    assert ours == lists['ATEA-ANYWHERE-CUSTOMER-IN-V4'][2] + lists['ATEA-ANYWHERE-MPLS-IN-V4'][2]
    with pytest.raises(InputError, match="option 'zones.mpls': zones.customer names the same interface"):
        _changes(_device(tmp_path, 'interface GigabitEthernet5\n ip access-group ATEA-ANYWHERE-CUSTOMER-IN-V4 in\n'
                                   ' ip access-group ATEA-ANYWHERE-MPLS-IN-V4 in\n'),
                 _rules('enterprise'), customer='GigabitEthernet5', mpls='GigabitEthernet5')
