# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The device model (tests/lib/device_model.py): each reference walked on a model of its device, flows and
replies passing and a sample staying closed; mutations of the references caught by name; the model's own
reading of each platform's semantics on small hand-written configurations."""

from __future__ import annotations

import os
import re

import pytest
from device_model import (BASES, LIMITS, MODELS, describe, document_flows, enter_bindings, load, packet, reply_of,
                          summary, walk)
from regression import read_reference

RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
MPLS, INTERNET = '91.184.140.0/24', '88.151.163.0/24'
# The networks each reference was rendered with (CASES and DUAL_STACK of test_render_vendors.py).
NETWORKS = {
    'smb': {'customer': RFC1918, 'mpls': [MPLS], 'internet': [INTERNET]},
    'enterprise': {'customer': RFC1918, 'mpls': [MPLS], 'internet': [INTERNET]},
    'enterprise-dual-stack': {'customer': ['10.20.0.0/16', '2001:db8:20::/48'],
                              'mpls': [MPLS, '2001:db8:9::/48'], 'internet': [INTERNET]},
}
PLATFORMS = sorted(MODELS)


def walk_reference(platform, case, text=None):
    text = read_reference(platform, case) if text is None else text
    device = load(platform, enter_bindings(platform, text))
    return device, walk(device, case.split('-')[0], NETWORKS[case])


@pytest.mark.parametrize('platform', PLATFORMS)
@pytest.mark.parametrize('case', sorted(NETWORKS))
def test_reference_carries_every_flow_and_reply_and_nothing_else(platform, case, record_property):
    device, result = walk_reference(platform, case)
    record_property('device model flows %s %s' % (platform, case), result.flows)
    record_property('device model replies %s %s' % (platform, case), result.replies)
    record_property('device model closed %s %s' % (platform, case), result.closed)
    if device.STATELESS:
        record_property('device model reply-shaped %s %s' % (platform, case), result.reply_shaped)
    assert result.flows >= len(document_flows(case.split('-')[0], NETWORKS[case]))
    assert result.closed > 0
    assert not device.errors and not result.failures, '%s %s on the device model:\n%s\nfirst: %s' % (
        platform, case, summary(device.errors + result.failures), '\n'.join(result.failures[:5]))


# ---------------------------------------------------------------------------------------------- mutations


def _new_failures(platform, case, mutate):
    text = read_reference(platform, case)
    mutated = mutate(text)
    assert mutated != text, 'the mutation changed nothing in %s %s' % (platform, case)
    device, before = walk_reference(platform, case)
    mutated_device, after = walk_reference(platform, case, mutated)
    return [f for f in mutated_device.errors + after.failures if f not in device.errors + before.failures]


DROP_PORT_443 = {
    'cisco_asa': lambda text: text.replace(' port-object eq 443\n', '\n', 1),
    'cisco_ios': lambda text: re.sub(r'^ (\d+ )?permit tcp .* eq 443\n', '', text, count=1, flags=re.M),
    'junos_srx': lambda text: re.sub(r'^set applications application-set \S+ application \S+(?<!\d)443\n', '', text,
                                     flags=re.M) if re.search(r'application-set .*(?<!\d)443$', text, re.M) else
    re.sub(r'^set applications application \S+ term p443 .*\n', '', text, flags=re.M),
    'panos': lambda text: re.sub(r'(port \S*?)\b443,', r'\1', text),
    'fortios': lambda text: re.sub(r'(tcp-portrange (?:\S+ )*?)443(:\S+)? ', r'\1', text, count=1),
    'routeros': lambda text: re.sub(r'(dst-port=\S*?)\b443,', r'\1', text),
}


@pytest.mark.parametrize('platform', PLATFORMS)
def test_a_dropped_port_is_reported_by_name(platform):
    found = _new_failures(platform, 'smb', DROP_PORT_443[platform])
    assert found and all(':443 ' in f and f.startswith('4 HTTPS') for f in found), found[:5]


def test_a_dropped_reply_entry_is_reported_ios():
    def drop(text):
        return re.sub(r'^ (\d+ )?permit tcp .* established\n', '', text, count=1, flags=re.M)
    found = _new_failures('cisco_ios', 'enterprise', drop)
    assert found and all('the reply of tcp' in f for f in found), found[:5]


def test_a_ninth_term_is_refused_junos():
    text = read_reference('junos_srx', 'enterprise')
    application = re.search(r'^set applications application (\S+) term ', text, re.M).group(1)
    terms = ''.join('set applications application %s term extra%d protocol tcp\n'
                    'set applications application %s term extra%d destination-port %d\n'
                    % (application, n, application, n, 60000 + n) for n in range(9))
    found = _new_failures('junos_srx', 'enterprise', lambda t: t + terms)
    assert any(application in f and "exceeds limit of 8" in f for f in found), found[:5]


def test_removing_inspect_icmp_drops_the_echo_replies_asa():
    found = _new_failures('cisco_asa', 'enterprise', lambda t: t.replace('  inspect icmp\n', '', 1))
    assert found and all('the reply of icmp type 8' in f and 'no inspect icmp' in f for f in found), found[:5]


def test_removing_the_established_related_rule_drops_every_reply_routeros():
    def drop(text):
        return re.sub(r'^(/ip firewall filter )?add [^\n]*connection-state=established,related[^\n]*\n', r'\1',
                      text, count=1, flags=re.M)
    found = _new_failures('routeros', 'smb', drop)
    assert found and all('the reply of' in f and 'connection-state=established' in f for f in found), found[:5]


# The customer and mpls zones or interfaces swapped (IOS-XE: the sides its binding comments name); RouterOS
# rules name no zone or interface.
SWAP_ZONES = {
    'cisco_asa': ('inside', 'mpls'), 'cisco_ios': ('customer', 'mpls'), 'junos_srx': ('trust', 'mpls'),
    'panos': ('trust', 'mpls'), 'fortios': ('internal', 'mpls'), 'routeros': None,
}


@pytest.mark.parametrize('platform', [p for p in PLATFORMS if SWAP_ZONES[p]])
def test_swapped_zones_are_reported(platform):
    first, second = SWAP_ZONES[platform]

    def swap(text):
        return re.sub(r'\b(%s|%s)\b' % (first, second), lambda m: second if m.group(1) == first else first, text)
    found = _new_failures(platform, 'enterprise', swap)
    assert any(f.startswith('2.1 ') and 'is dropped' in f for f in found), found[:5]
    assert any(f.startswith('2.2 ') and 'is dropped' in f for f in found), found[:5]


# ------------------------------------------------------------------------------- the model's own semantics

NETS = {'customer': ['10.1.0.0/16'], 'mpls': [MPLS], 'internet': [INTERNET]}


def test_packets_and_replies():
    sent = packet('tcp', '10.1.0.5', '91.184.140.9', 443, 40000)
    assert reply_of(sent) == packet('tcp', '91.184.140.9', '10.1.0.5', 40000, 443, flags=frozenset(['SYN', 'ACK']))
    assert reply_of(packet('icmp', '2001:db8::1', '2001:db8::2')).icmp_type == 129
    assert describe(sent) == 'tcp 10.1.0.5:40000 -> 91.184.140.9:443'


ASA = '''object-group network CUST
 network-object 10.1.0.0 255.255.0.0
object-group service WEB tcp
 port-object eq 443
access-list IN extended permit tcp object-group CUST any object-group WEB
access-list IN extended deny ip any any
access-list IN line 2 extended permit icmp object-group CUST any echo
access-list IN line 1 remark first
access-group IN in interface inside
'''


def test_asa_line_numbers_first_match_and_icmp_inspection():
    device = load('cisco_asa', ASA)
    assert [e[0] for e in device.acls['IN']] == ['remark', 'ace', 'ace', 'ace']
    verdict = device.passes(packet('icmp', '10.1.0.5', '91.184.140.9'), 'inside', 'mpls')
    assert verdict and 'line 3' in verdict.reason
    assert not device.passes(packet('tcp', '10.1.0.5', '91.184.140.9', 80, 40000), 'inside', 'mpls')
    assert device.reply_passes(packet('tcp', '10.1.0.5', '91.184.140.9', 443, 40000), 'inside', 'mpls')
    echo = packet('icmp', '10.1.0.5', '91.184.140.9')
    assert not device.reply_passes(echo, 'inside', 'mpls')
    inspected = load('cisco_asa', ASA + 'policy-map global_policy\n class inspection_default\n  inspect icmp\n')
    assert inspected.reply_passes(echo, 'inside', 'mpls')
    # mpls has no access-group and a lower level than inside; inside to inside needs intra-interface
    assert not device.passes(packet('tcp', '91.184.140.9', '10.1.0.5', 443, 40000), 'mpls', 'inside')
    assert 'intra-interface' in device.passes(packet('tcp', '10.1.0.5', '10.1.0.6', 443, 40000),
                                              'inside', 'inside').reason
    assert load('cisco_asa', ASA + 'same-security-traffic permit intra-interface\n').passes(
        packet('tcp', '10.1.0.5', '10.1.0.6', 443, 40000), 'inside', 'inside')


IOS = '''object-group network CUST
 10.1.0.0 255.255.0.0
ip access-list extended IN
 permit tcp object-group CUST host 91.184.140.9 eq 443
 5 deny tcp any any eq 443
ip access-list extended BACK
 permit tcp host 91.184.140.9 eq 443 object-group CUST established
 permit icmp any object-group CUST echo-reply
interface GigabitEthernet1
 ip access-group IN in
interface GigabitEthernet2
 ip access-group BACK in
'''


def test_ios_sequence_numbers_established_and_stateless_replies():
    device = load('cisco_ios', IOS)
    verdict = device.passes(packet('tcp', '10.1.0.5', '91.184.140.9', 443, 40000), 'customer', 'mpls')
    assert not verdict and 'IN 5 deny' in verdict.reason
    fixed = load('cisco_ios', IOS + 'ip access-list extended IN\n no 5\n')
    sent = packet('tcp', '10.1.0.5', '91.184.140.9', 443, 40000)
    assert fixed.passes(sent, 'customer', 'mpls') and fixed.reply_passes(sent, 'customer', 'mpls')
    # a new connection from the other side has no ACK: established does not match it
    assert not fixed.passes(packet('tcp', '91.184.140.9', '10.1.0.5', 40000, 443), 'mpls', 'customer')
    echo = packet('icmp', '10.1.0.5', '91.184.140.9')
    assert not fixed.passes(echo, 'customer', 'mpls')
    no_back = load('cisco_ios', IOS.replace(' ip access-group BACK in\n', ' ip access-group GONE in\n')
                   .replace('ip access-list extended BACK', 'ip access-list extended BACK2'))
    assert no_back.reply_passes(sent, 'customer', 'mpls')  # an undefined list passes all
    dropped = load('cisco_ios', IOS.replace(' permit tcp host 91.184.140.9 eq 443 object-group CUST established\n',
                                            '') + 'ip access-list extended IN\n no 5\n')
    assert 'stateless' in dropped.reply_passes(sent, 'customer', 'mpls').reason


JUNOS = '''set security zones security-zone trust
set security zones security-zone mpls
set security address-book global address C 10.1.0.0/16
set security address-book global address-set CS address C
set applications application WEB term a protocol tcp
set applications application WEB term a destination-port 443
set applications application-set APPS application WEB
set security policies from-zone trust to-zone mpls policy DENY match source-address any
set security policies from-zone trust to-zone mpls policy DENY match destination-address any
set security policies from-zone trust to-zone mpls policy DENY match application any
set security policies from-zone trust to-zone mpls policy DENY then deny
set security policies from-zone trust to-zone mpls policy P match source-address CS
set security policies from-zone trust to-zone mpls policy P match destination-address any
set security policies from-zone trust to-zone mpls policy P match application APPS
set security policies from-zone trust to-zone mpls policy P then permit
'''


def test_junos_policy_order_insert_and_term_limit():
    sent = packet('tcp', '10.1.0.5', '91.184.140.9', 443, 40000)
    device = load('junos_srx', JUNOS, base='')
    assert not device.passes(sent, 'trust', 'mpls')
    moved = load('junos_srx', JUNOS + 'insert security policies from-zone trust to-zone mpls policy P before '
                                      'policy DENY\n', base='')
    assert moved.passes(sent, 'trust', 'mpls') and moved.reply_passes(sent, 'trust', 'mpls')
    assert 'deny-all' in moved.passes(sent, 'mpls', 'trust').reason
    assert not moved.passes(packet('tcp', '2001:db8::1', '2001:db8::2', 443, 40000), 'trust', 'mpls')
    nine = ''.join('set applications application WEB term t%d protocol udp\n' % n for n in range(8))
    assert any('WEB has 9 terms' in error for error in load('junos_srx', JUNOS + nine, base='').errors)


PANOS = '''set address C ip-netmask 10.1.0.0/16
set address-group CG static [ C ]
set service S protocol tcp port 443,8000-8010
set service S protocol tcp source-port 1024-65535
set rulebase security rules A from trust to mpls source CG destination any application any service S action allow
set rulebase security rules D from trust to mpls source any destination any application any service any action deny
set rulebase security rules P6 from trust to mpls source any destination any application ipv6-icmp service application-default action allow
set application ECHO6 default ident-by-icmp6-type type 128
set rulebase security rules E6 from trust to mpls source any destination any application ECHO6 service application-default action allow
move rulebase security rules D bottom
'''


def test_panos_services_applications_and_order():
    device = load('panos', PANOS)
    assert device.passes(packet('tcp', '10.1.0.5', '91.184.140.9', 8010, 1024), 'trust', 'mpls')
    assert not device.passes(packet('tcp', '10.1.0.5', '91.184.140.9', 8010, 1023), 'trust', 'mpls')
    assert device.passes(packet('icmp', '2001:db8::1', '2001:db8::2', icmp_type=135), 'trust', 'mpls')
    strict = load('panos', PANOS.replace('rules P6 ', 'rules P6X ').replace(
        'set rulebase security rules P6X', '# set rulebase security rules P6X'))
    assert strict.passes(packet('icmp', '2001:db8::1', '2001:db8::2'), 'trust', 'mpls')
    assert not strict.passes(packet('icmp', '2001:db8::1', '2001:db8::2', icmp_type=135), 'trust', 'mpls')
    assert 'intrazone-default (deny)' in strict.passes(packet('udp', '10.1.0.5', '10.1.0.6', 53, 5000),
                                                       'trust', 'trust').reason
    assert load('panos', PANOS, base='').passes(packet('udp', '10.1.0.5', '10.1.0.6', 53, 5000), 'trust', 'trust')


FORTIOS = '''config firewall address
    edit "C"
        set subnet 10.1.0.0 255.255.0.0
    next
end
config firewall service custom
    edit "S"
        set tcp-portrange 443:1024-65535
    next
    edit "P"
        set protocol ICMP
        set icmptype 8
    next
end
config firewall policy
    edit 2
        set srcintf "internal"
        set dstintf "mpls"
        set srcaddr "all"
        set dstaddr "all"
        set service "ALL"
        set action deny
    next
    edit 1
        set srcintf "internal"
        set dstintf "mpls"
        set srcaddr "C"
        set dstaddr "all"
        set service "S" "P"
        set action accept
    next
end
config system session-helper
    delete 13
end
'''


def test_fortios_table_order_move_services_and_helpers():
    device = load('fortios', FORTIOS)
    sent = packet('tcp', '10.1.0.5', '91.184.140.9', 443, 1024)
    assert 'policy 2' in device.passes(sent, 'internal', 'mpls').reason
    moved = load('fortios', FORTIOS + 'config firewall policy\n    move 1 before 2\nend\n')
    assert moved.passes(sent, 'internal', 'mpls') and moved.reply_passes(sent, 'internal', 'mpls')
    assert not moved.passes(sent._replace(source_port=1023), 'internal', 'mpls')
    assert moved.passes(packet('icmp', '10.1.0.5', '91.184.140.9'), 'internal', 'mpls')
    assert not moved.passes(packet('icmp', '10.1.0.5', '91.184.140.9', icmp_type=13), 'internal', 'mpls')
    assert moved.voip_helpers() == ({'2': 'h323', '3': 'ras'}, 'proxy-based')
    assert any('delete 13' in e for e in load('fortios', FORTIOS + FORTIOS[FORTIOS.index('config system'):]).errors)


ROUTEROS = '''/ip firewall address-list
add list=C address=10.1.0.0/16
/ip firewall filter
add chain=forward action=accept protocol=tcp src-address-list=C dst-port=443 comment="ATEA: web"
add chain=forward action=accept protocol=icmp icmp-options=8:0 src-address-list=C comment="ATEA: echo"
'''


def test_routeros_order_place_before_and_replies():
    sent = packet('tcp', '10.1.0.5', '91.184.140.9', 443, 40000)
    appended = load('routeros', ROUTEROS)
    assert 'drop everything else' in appended.passes(sent, 'bridge', 'ether2').reason
    placed = load('routeros', ROUTEROS.replace('comment="ATEA: web"', 'comment="ATEA: web" place-before=0')
                  .replace('comment="ATEA: echo"', 'comment="ATEA: echo" place-before=1'))
    assert placed.passes(sent, 'bridge', 'ether2')
    assert not placed.reply_passes(sent, 'bridge', 'ether2')
    stateful = load('routeros', ROUTEROS.replace('comment="ATEA: web"', 'comment="ATEA: web" place-before=0') +
                    'add chain=forward action=accept connection-state=established,related comment="ATEA: replies" '
                    'place-before=[find where comment~"^customer"]\n')
    assert stateful.reply_passes(sent, 'bridge', 'ether2')
    assert stateful.reply_passes(packet('icmp', '10.1.0.5', '91.184.140.9'), 'bridge', 'ether2')
    assert not stateful.passes(packet('icmp', '10.1.0.5', '91.184.140.9'), 'bridge', 'ether2')
    removed = load('routeros', ROUTEROS + '/ip firewall filter remove [find where comment~"^customer"]\n')
    assert removed.passes(packet('udp', '10.9.0.5', '91.184.140.9', 53, 40000), 'bridge', 'ether2')


def test_walk_reports_what_a_device_misses():
    device = load('panos', 'set address C ip-netmask 10.1.0.0/16\n'
                  'set service S protocol tcp port 443,5061,5222,8443,40000-49999\n'
                  'set rulebase security rules A from trust to untrust source C destination any application any '
                  'service S action allow')
    result = walk(device, 'smb', NETS)
    assert result.flows and result.closed
    # UDP media is missing, and without a source-port limit the low source ports pass
    assert any(f.startswith('3 Media') and 'is dropped' in f for f in result.failures)
    assert any('source port 1023' in f for f in result.failures)
    assert any("destination outside internet" in f for f in result.failures)


def test_limits_cite_vendor_sources():
    assert LIMITS['junos_srx.terms_per_application'].value == 8
    for limit in LIMITS.values():
        assert 'http' in limit.source and limit.platform in MODELS
    assert set(BASES) == set(MODELS)


# ------------------------------------------------------------------------ the audit's findings on 0.2.0

RELEASE_0_2_0 = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'device_model', '0.2.0')


def _walk_0_2_0(platform, case, base=None):
    with open(os.path.join(RELEASE_0_2_0, '%s-%s.ref' % (platform, case)), encoding='utf-8') as handle:
        text = handle.read()
    device = load(platform, enter_bindings(platform, text), base=base)
    return device, walk(device, case.split('-')[0], NETWORKS[case])


def test_0_2_0_junos_application_with_twelve_terms_does_not_commit():
    device, result = _walk_0_2_0('junos_srx', 'enterprise')
    assert any('ATEA-APP-OUTBOUND-MPLS-TCP-IPV4 has 12 terms' in e for e in device.errors), device.errors
    assert result.replies == 0 and len(result.failures) == result.flows


def test_0_2_0_asa_drops_echo_replies_and_traffic_within_inside():
    result = _walk_0_2_0('cisco_asa', 'enterprise')[1]
    replies = [f for f in result.failures if 'the reply of icmp type 8' in f]
    assert {f[:4] for f in replies} == {'2.1 ', '2.2 '}
    assert all('no inspect icmp' in f for f in replies)
    within = [f for f in result.failures if 'same-security-traffic permit intra-interface' in f]
    assert within and all(f.startswith('2.3 ') for f in within)
    assert not [f for f in result.failures if f not in replies + within]


def test_0_2_0_ios_drops_the_replies_of_every_bound_list():
    result = _walk_0_2_0('cisco_ios', 'enterprise')[1]
    for section in ('2.1', '2.2'):  # the internet side had no list bound in 0.2.0: its replies pass
        assert any(f.startswith(section + ' ') and 'the reply of' in f and 'stateless' in f for f in result.failures), \
            section
    assert any('the reply of icmp type 8' in f for f in result.failures)


def test_0_2_0_panos_ipv6_icmp_passes_every_icmpv6_type():
    result = _walk_0_2_0('panos', 'enterprise-dual-stack')[1]
    assert result.failures and all('icmpv6 type' in f and 'must stay closed' in f and '-ICMP-IPV6' in f
                                   for f in result.failures), result.failures[:5]


def test_0_2_0_routeros_replies_need_an_established_related_rule():
    result = _walk_0_2_0('routeros', 'smb')[1]
    assert result.replies == result.flows > 0
    assert len(result.failures) == result.flows and all(
        'the reply of' in f and 'connection-state=established' in f for f in result.failures)


def test_0_2_0_fortios_deletes_helper_13_whatever_it_is():
    factory = _walk_0_2_0('fortios', 'smb')[0]
    assert factory.voip_helpers()[0] == {'2': 'h323', '3': 'ras'}
    edited = BASES['fortios'].replace('edit 13\n        set name sip', 'edit 13\n        set name dns-tcp') \
        .replace('edit 14\n', 'edit 20\n        set name sip\n    next\n    edit 14\n')
    device = _walk_0_2_0('fortios', 'smb', base=edited)[0]
    assert device.voip_helpers()[0] == {'2': 'h323', '3': 'ras', '20': 'sip'}


# ----------------------------------------------------- rendered into the configuration a customer already has

# Each platform's customer device: its own rules, first a permit of its own, then a deny of everything else on
# every interface or zone pair the profiles use (RouterOS: the model's base, a chain ending in a drop).
CUSTOMER_CONFIGS = {
    'cisco_asa': BASES['cisco_asa'] + '''
access-list CUSTOMER-IN extended permit tcp any any eq 22
access-list CUSTOMER-IN extended deny ip any any
access-group CUSTOMER-IN in interface inside
access-list MPLS-IN extended permit tcp any any eq 23
access-list MPLS-IN extended deny ip any any
access-group MPLS-IN in interface mpls
access-list OUTSIDE-IN extended deny ip any any
access-group OUTSIDE-IN in interface outside
''',
    'cisco_ios': '''interface GigabitEthernet1
 ip access-group CUSTOMER-IN in
 ipv6 traffic-filter CUSTOMER-IN6 in
interface GigabitEthernet2
 ip access-group MPLS-IN in
 ipv6 traffic-filter MPLS-IN6 in
interface GigabitEthernet3
 ip access-group INTERNET-IN in
ip access-list extended CUSTOMER-IN
 10 permit tcp any any eq 22
 20 deny ip any any
ip access-list extended MPLS-IN
 10 permit tcp any any eq 23
 20 deny ip any any
ip access-list extended INTERNET-IN
 10 deny ip any any
ipv6 access-list CUSTOMER-IN6
 sequence 10 permit tcp any any eq 22
 sequence 20 deny ipv6 any any
ipv6 access-list MPLS-IN6
 sequence 10 deny ipv6 any any
''',
    'junos_srx': BASES['junos_srx'] + '\n' + ''.join(
        'set security policies from-zone %s to-zone %s policy CUSTOMER-DENY match %s any\n' % (pair + (match,))
        for pair in (('trust', 'mpls'), ('mpls', 'trust'), ('trust', 'trust'), ('trust', 'untrust'))
        for match in ('source-address', 'destination-address', 'application')) + ''.join(
        'set security policies from-zone %s to-zone %s policy CUSTOMER-DENY then deny\n' % pair
        for pair in (('trust', 'mpls'), ('mpls', 'trust'), ('trust', 'trust'), ('trust', 'untrust'))),
    'panos': BASES['panos'] + '\nset rulebase security rules CUSTOMER-DENY from any to any source any '
                              'destination any application any service any action deny\n',
    'fortios': BASES['fortios'] + '''
config firewall policy
    edit 1
        set name "customer-deny"
        set srcintf "any"
        set dstintf "any"
        set srcaddr "all"
        set dstaddr "all"
        set srcaddr6 "all"
        set dstaddr6 "all"
        set service "ALL"
        set schedule "always"
        set action deny
    next
end
''',
    'routeros': BASES['routeros'],
}
CUSTOMER_OWN = {  # a packet the customer's own rules pass, before and after
    'cisco_asa': (packet('tcp', '10.1.0.5', '88.151.163.9', 22, 40000), 'inside', 'outside'),
    'cisco_ios': (packet('tcp', '10.1.0.5', '88.151.163.9', 22, 40000), 'customer', 'internet'),
}


@pytest.mark.parametrize('platform', PLATFORMS)
@pytest.mark.parametrize('case', sorted(NETWORKS))
def test_rendered_into_a_customers_configuration(platform, case):
    from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms
    running = CUSTOMER_CONFIGS[platform]
    options = dict(zones=MODELS[platform].DEFAULT_ZONES, changes_only=True) if platform == 'cisco_ios' else {}
    rules = engine.compact_rules(engine.build_flows(case.split('-')[0], **(
        {'customer_networks': NETWORKS[case]['customer'], 'networks': {'mpls': NETWORKS[case]['mpls']}}
        if case.endswith('dual-stack') else {})))
    text = vendor_platforms.render_config(rules, platform, running_config=running, **options)
    device, before = load(platform, enter_bindings(platform, text), base=running), load(platform, '', base=running)
    result = walk(device, case.split('-')[0], NETWORKS[case], before=before)
    assert not device.errors and not result.failures, '%s %s:\n%s\nfirst: %s' % (
        platform, case, summary(device.errors + result.failures), '\n'.join(result.failures[:5]))
    if platform in CUSTOMER_OWN:
        assert before.passes(*CUSTOMER_OWN[platform]) and device.passes(*CUSTOMER_OWN[platform])


def test_traffic_that_passed_before_the_run_and_is_dropped_after_is_reported():
    # Before: interfaces without access lists pass everything; after: the reference's lists bound on them.
    before = load('cisco_ios', '')
    after = load('cisco_ios', enter_bindings('cisco_ios', read_reference('cisco_ios', 'enterprise')))
    failures = walk(after, 'enterprise', NETWORKS['enterprise'], before=before).failures
    assert failures and all('passed before the run but is dropped now' in failure for failure in failures), failures[:3]
    assert not walk(after, 'enterprise', NETWORKS['enterprise'], before=after).failures


def test_junos_policy_limits_count_expanded_sets():
    def members(count):
        return ''.join('set security address-book global address A%d 10.%d.%d.0/24\n'
                       'set security address-book global address-set BIG address A%d\n'
                       % (n, n // 256, n % 256, n) for n in range(count))
    policy = ''.join('set security policies from-zone trust to-zone mpls policy WIDE match %s\n' % match for match in (
        'source-address BIG', 'destination-address any', 'application any')) + \
        'set security policies from-zone trust to-zone mpls policy WIDE then permit\n'
    assert load('junos_srx', JUNOS + members(1025) + policy, base='').errors == [
        'policy WIDE: 1025 source address objects in one policy (address sets expanded), more than 1024 '
        '(junos_srx.source_addresses_per_policy)']
    assert not load('junos_srx', JUNOS + members(1024) + policy, base='').errors


def test_asa_global_rules_follow_the_interface_list():
    rules = ASA + 'access-list GLOBAL extended permit tcp any any eq 80\naccess-group GLOBAL global\n'
    web = packet('tcp', '10.1.0.5', '91.184.140.9', 80, 40000)
    assert 'access-list IN line 4' in load('cisco_asa', rules).passes(web, 'inside', 'mpls').reason  # deny ip any any
    without_deny = rules.replace('access-list IN extended deny ip any any\n', '')
    assert 'GLOBAL line 1 (global)' in load('cisco_asa', without_deny).passes(web, 'inside', 'mpls').reason
    assert 'GLOBAL line 1 (global)' in load('cisco_asa', without_deny).passes(web._replace(source='91.184.140.9'),
                                                                              'mpls', 'inside').reason


def test_routeros_interface_lists_as_in_the_default_configuration():
    defconf = '''/interface list
add name=WAN
/interface list member
add list=WAN interface=ether1
/ip firewall filter
add chain=forward action=accept connection-state=established,related,untracked comment="defconf: accept established,related, untracked"
add chain=forward action=drop connection-state=invalid comment="defconf: drop invalid"
add chain=forward action=drop connection-state=new connection-nat-state=!dstnat in-interface-list=WAN comment="defconf: drop all from WAN not DSTNATed"
'''
    device = load('routeros', defconf, base='')
    outbound = packet('tcp', '10.1.0.5', '88.151.163.9', 443, 40000)
    assert device.passes(outbound, 'bridge', 'ether1') and device.reply_passes(outbound, 'bridge', 'ether1')
    inbound = packet('tcp', '88.151.163.9', '10.1.0.5', 443, 40000)
    assert 'drop all from WAN' in device.passes(inbound, 'ether1', 'bridge').reason


def test_ios_remarks_take_numbers_and_repeated_entries_change_nothing():
    device = load('cisco_ios', IOS + 'ip access-list extended IN\n 30 remark later\n permit udp any any eq 53\n'
                                     ' 1 permit tcp object-group CUST host 91.184.140.9 eq 443\n')
    assert sorted(device.acls['IN']['entries']) == [5, 10, 30, 40]
    assert device.acls['IN']['entries'][40][2] == 'permit udp any any eq 53'
    resequenced = load('cisco_ios', IOS + 'ip access-list resequence IN 100 100\nipv6 access-list V6\n'
                                          ' sequence 10 deny ipv6 any any\nipv6 access-list resequence V6 50 7\n')
    assert sorted(resequenced.acls['IN']['entries']) == [100, 200]
    assert sorted(resequenced.acls['V6']['entries']) == [50] and 'resequence' not in resequenced.acls


def test_routeros_custom_chains_by_jump_and_return():
    chains = '''/ip firewall filter
add chain=forward action=jump jump-target=customer-lan src-address=10.1.0.0/16
add chain=forward action=drop comment="drop the rest"
add chain=customer-lan action=return protocol=udp
add chain=customer-lan action=accept protocol=tcp dst-port=443 comment="web"
'''
    device = load('routeros', chains, base='')
    web = device.passes(packet('tcp', '10.1.0.5', '88.151.163.9', 443, 40000), 'bridge', 'ether1')
    assert web and 'customer-lan rule 3 (web)' in web.reason
    assert 'drop the rest' in device.passes(packet('udp', '10.1.0.5', '88.151.163.9', 443, 40000),
                                            'bridge', 'ether1').reason


SIP_OFF = {
    'cisco_asa': 'policy-map global_policy\n class inspection_default\n  no inspect sip\n',
    'cisco_ios': 'no ip nat service sip tcp port 5060\nno ip nat service sip udp port 5060\n',
    'junos_srx': 'set security alg sip disable\n',
    'panos': 'set shared alg-override application sip alg-disabled yes\n',
    'fortios': 'config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n'
               'config system session-helper\n    delete 13\nend\n',
    'routeros': '/ip firewall service-port\nset sip disabled=yes\n',
}


@pytest.mark.parametrize('platform', PLATFORMS)
def test_voip_inspection_is_on_until_switched_off(platform):
    before, after = load(platform, '').voip_inspection(), load(platform, SIP_OFF[platform]).voip_inspection()
    assert any(name.startswith('sip') for name in before)
    assert not any(name.startswith('sip') for name in after)
    assert [name for name in before if not name.startswith('sip')] == after


@pytest.mark.parametrize('platform, text', [
    ('cisco_ios', 'ip access-list extended IN\n permit tcp object-group LATE any eq 443\n'
                  'object-group network LATE\n 10.1.0.0 255.255.0.0\ninterface GigabitEthernet1\n ip access-group IN in\n'),
    ('cisco_asa', 'access-list IN extended permit tcp object-group LATE any eq 443\n'
                  'object-group network LATE\n network-object 10.1.0.0 255.255.0.0\naccess-group IN in interface inside\n'),
])
def test_object_groups_count_wherever_they_stand(platform, text):
    device = load(platform, text)
    assert device.passes(packet('tcp', '10.1.0.5', '91.184.140.9', 443, 40000), 'customer', 'mpls')


def test_fortios_policies_name_zones_of_interfaces():
    zoned = FORTIOS.replace('set srcintf "internal"', 'set srcintf "lan-zone"') + \
        'config system zone\n    edit "lan-zone"\n        set interface "internal" "port5"\n    next\nend\n' \
        'config firewall policy\n    move 1 before 2\nend\n'
    device = load('fortios', zoned)
    assert device.passes(packet('tcp', '10.1.0.5', '91.184.140.9', 443, 1024), 'port5', 'mpls')
    assert not device.passes(packet('tcp', '10.1.0.5', '91.184.140.9', 443, 1024), 'port6', 'mpls')
