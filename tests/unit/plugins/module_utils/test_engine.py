# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
LAB = {'networks': {'mpls': '192.0.2.0/24', 'internet': '203.0.113.0/24'},
       'customer_networks': ['198.51.100.0/25', '198.51.100.128/26']}


def _by_id(flows):
    return dict((f['id'], f) for f in flows)


def test_smb_is_sections_3_and_4_only():
    flows = engine.build_flows('smb')
    assert sorted(set(f['section'] for f in flows)) == ['3', '4']
    assert len(flows) == 7  # 6 rows, 4-media is tcp and udp
    for flow in flows:
        assert flow['direction'] == 'outbound'
        assert flow['sources'] == RFC1918
        assert flow['destinations'] == ['88.151.163.0/24']
        assert flow['source_ports'] == [[1024, 65535]]


def test_enterprise_covers_all_sections_with_their_directions_and_networks():
    flows = _by_id(engine.build_flows('enterprise'))
    assert sorted(set(f['section'] for f in flows.values())) == ['2.1', '2.2', '2.3', '3', '4']
    assert flows['2.1-capf']['destinations'] == ['91.184.140.0/24']
    assert flows['2.1-capf']['sources'] == RFC1918
    assert flows['2.2-ssh']['sources'] == ['91.184.140.0/24']
    assert flows['2.2-ssh']['destinations'] == RFC1918
    assert flows['2.2-ssh']['direction'] == 'inbound'
    assert flows['2.3-rtp']['sources'] == flows['2.3-rtp']['destinations'] == RFC1918
    assert flows['2.1-rtp']['source_ports'] == []
    assert flows['2.1-sip-tcp']['protocol'] == 'tcp' and flows['2.1-sip-udp']['protocol'] == 'udp'


def test_icmp_flows_are_echo_without_ports():
    flows = _by_id(engine.build_flows('enterprise'))
    for flow_id in ('2.1-icmp-echo', '2.2-icmp-echo'):
        assert flows[flow_id]['protocol'] == 'icmp'
        assert flows[flow_id]['icmp_type'] == 'echo-request'
        assert flows[flow_id]['destination_ports'] == [] and flows[flow_id]['source_ports'] == []


def test_no_flow_is_any_to_any():
    for profile in engine.PROFILES:
        for flow in engine.build_flows(profile, **LAB):
            assert flow['sources'] and flow['destinations']
            assert '0.0.0.0/0' not in flow['sources'] + flow['destinations']


def test_overrides_scope_every_flow():
    flows = _by_id(engine.build_flows('enterprise', **LAB))
    assert flows['3-xmpp']['destinations'] == ['203.0.113.0/24']
    assert flows['2.1-http']['destinations'] == ['192.0.2.0/24']
    assert flows['2.2-ssh']['sources'] == ['192.0.2.0/24']
    assert flows['2.3-rtp']['sources'] == ['198.51.100.0/25', '198.51.100.128/26']


def test_components_by_number_or_name():
    assert engine.select_sections(components=['2.1', 'vmr']) == engine.select_sections(
        components=['mpls_outbound', '4'])
    assert [s.number for s in engine.select_sections(components=['4', 2.1, 'vmr'])] == ['2.1', '4']


def test_ipv6_flows_only_where_both_ends_have_ipv6():
    flows = engine.build_flows('smb', customer_networks=['192.0.2.0/24', '2001:db8:1::/48'])
    assert set(f['family'] for f in flows) == {'ipv4'}
    flows = engine.build_flows('enterprise', customer_networks=['192.0.2.0/24', '2001:db8:1::/48'],
                               networks={'mpls': ['198.51.100.0/24', '2001:db8:9::/48']})
    v6 = [f for f in flows if f['family'] == 'ipv6']
    assert set(f['section'] for f in v6) == {'2.1', '2.2', '2.3'}
    assert all(f['sources'] in (['2001:db8:1::/48'], ['2001:db8:9::/48']) for f in v6)


@pytest.mark.parametrize('kwargs, message', [
    ({'profile': 'small'}, "option 'profile': unknown value: 'small'; valid choices: enterprise, smb"),
    ({}, "option 'profile': a profile or a list of components is required"),
    ({'components': ['2.4']}, "option 'components[0]': unknown value: '2.4'; valid choices: 2.1, 2.2, 2.3, 3, 4, "),
    ({'profile': 'smb', 'components': ['3']}, "option 'components': give either profile or components"),
    ({'profile': 'smb', 'networks': {'mpsl': '192.0.2.0/24'}},
     "option 'networks': unknown value: 'mpsl'; valid choices: internet, mpls"),
    ({'profile': 'smb', 'networks': {'internet': ['192.0.2.1/24']}},
     "option 'networks.internet[0]': host bits set (the network is 192.0.2.0/24): '192.0.2.1/24'"),
    ({'profile': 'smb', 'networks': ['192.0.2.0/24']}, "option 'networks': expected a mapping"),
    ({'profile': 'smb', 'customer_networks': ['10.0.0.0/8', 'not-a-cidr']},
     "option 'customer_networks[1]': not a network in CIDR notation"),
])
def test_bad_selection_fails_naming_option_and_value(kwargs, message):
    with pytest.raises(InputError) as caught:
        engine.build_flows(**kwargs)
    assert str(caught.value).startswith(message)


def _extra(**changes):
    flow = {'id': 'syslog', 'purpose': 'Syslog', 'direction': 'outbound', 'network': 'mpls',
            'protocol': 'udp', 'destination_ports': [514]}
    flow.update(changes)
    return [dict((k, v) for k, v in flow.items() if v is not None)]


def test_extra_flows_join_the_profile():
    flows = _by_id(engine.build_flows('smb', extra_flows=_extra(protocols=['tcp', 'udp'], protocol=None)))
    assert flows['syslog-udp']['destinations'] == ['91.184.140.0/24']
    assert flows['syslog-tcp']['destination_ports'] == [[514, 514]]
    assert flows['syslog-udp']['section'] == 'extra'


@pytest.mark.parametrize('changes, message', [
    ({'protocol': 'sctp'}, "option 'extra_flows[0].protocol': unknown value: 'sctp'; valid choices: icmp, tcp, udp"),
    ({'destination_ports': [0]}, "option 'extra_flows[0].destination_ports[0]': port out of range 1-65535: 0"),
    ({'destination_ports': ['600-500']}, "option 'extra_flows[0].destination_ports[0]': reversed port range"),
    ({'destination_ports': [65536]}, "option 'extra_flows[0].destination_ports[0]': port out of range"),
    ({'destination_ports': None}, "option 'extra_flows[0].destination_ports': tcp and udp flows need"),
    ({'source_ports': ['1024-99999']}, "option 'extra_flows[0].source_ports[0]': port out of range"),
    ({'direction': 'sideways'}, "option 'extra_flows[0].direction': unknown value: 'sideways'"),
    ({'network': None}, "option 'extra_flows[0].network': unknown value: None; valid choices: internet, mpls"),
    ({'id': '3-xmpp'}, "option 'extra_flows[0].id': duplicate id: '3-xmpp'"),
    ({'id': None}, "option 'extra_flows[0].id': not an id of up to 64 letters"),
    ({'prot': 'tcp'}, "option 'extra_flows[0]': unknown value: 'prot'"),
])
def test_bad_extra_flows_fail_naming_where(changes, message):
    with pytest.raises(InputError) as caught:
        engine.build_flows('smb', extra_flows=_extra(**changes))
    assert str(caught.value).startswith(message)


def test_bad_input_gives_no_partial_result():
    good_then_bad = _extra() + [{'id': 'x', 'direction': 'outbound', 'network': 'mpls', 'protocol': 'tcp',
                                 'destination_ports': [70000]}]
    with pytest.raises(InputError):
        engine.requirements(profile='smb', extra_flows=good_then_bad)


def _rules(profile, **kwargs):
    return dict((r['name'], r) for r in engine.compact_rules(engine.build_flows(profile, **kwargs)))


def test_smb_compacts_to_two_rules_with_merged_ports_and_provenance():
    rules = _rules('smb')
    assert sorted(rules) == ['outbound-internet-tcp-ipv4', 'outbound-internet-udp-ipv4']
    tcp, udp = rules['outbound-internet-tcp-ipv4'], rules['outbound-internet-udp-ipv4']
    assert tcp['destination_ports'] == [[443, 443], [5061, 5061], [5222, 5222], [8443, 8443], [40000, 49999]]
    assert udp['destination_ports'] == [[36002, 59999]]  # 3 media covers 4 media
    assert udp['sections'] == ['3', '4']
    assert [p['id'] for p in udp['provenance']] == ['3-media', '4-media-udp']
    assert [(r, [p['section'] for p in entries]) for r, entries in engine.provenance_by_range(udp)] == [
        ((36002, 59999), ['3', '4'])]
    assert tcp['source_ports'] == [[1024, 65535]]


def test_enterprise_merges_adjacent_ports_and_keeps_gaps():
    rules = _rules('enterprise')
    assert len(rules) == 10
    outbound_tcp = rules['outbound-mpls-tcp-ipv4']['destination_ports']
    assert [2443, 2445] in outbound_tcp     # SCCPS 2443, CTL 2444, trust verification 2445
    assert [5060, 5061] in outbound_tcp     # SIP 5060, SIPS 5061
    assert [6970, 6970] in outbound_tcp and [6972, 6972] in outbound_tcp
    by_range = dict(engine.provenance_by_range(rules['outbound-mpls-tcp-ipv4']))
    assert [p['name'] for p in by_range[(2443, 2445)]] == ['SCCPS', 'Trust verification', 'CTL']
    assert [p['name'] for p in by_range[(80, 80)]] == ['HTTP']
    icmp = engine.provenance_by_range(rules['inbound-mpls-icmp-ipv4'])
    assert [(r, [p['id'] for p in entries]) for r, entries in icmp] == [(None, ['2.2-icmp-echo'])]
    assert rules['inbound-mpls-icmp-ipv4']['icmp_type'] == 'echo-request'


def _ports_of(ranges):
    return set(p for low, high in ranges for p in range(low, high + 1))


def test_rules_open_exactly_the_ports_of_the_flows():
    flows = engine.build_flows('enterprise', **LAB)
    rules = engine.compact_rules(flows)
    for rule in rules:
        members = [f for f in flows if (f['direction'], f['protocol'], f['family']) ==
                   (rule['direction'], rule['protocol'], rule['family'])
                   and f['destinations'] == rule['destinations'] and f['source_ports'] == rule['source_ports']]
        assert _ports_of(rule['destination_ports']) == set().union(*(_ports_of(f['destination_ports'])
                                                                   for f in members))
        assert sorted(p['id'] for p in rule['provenance']) == sorted(f['id'] for f in members)
    assert sum(len(r['provenance']) for r in rules) == len(flows)


def test_different_source_ports_are_not_merged():
    extra = _extra(network='internet', protocol='tcp', destination_ports=[443])
    rules = engine.compact_rules(engine.build_flows('smb', extra_flows=extra))
    names = [r['name'] for r in rules]
    assert names.count('outbound-internet-tcp-ipv4') == 1 and 'outbound-internet-tcp-ipv4-2' in names
    extra_rule = next(r for r in rules if r['name'] == 'outbound-internet-tcp-ipv4-2')
    assert extra_rule['source_ports'] == [] and extra_rule['destination_ports'] == [[443, 443]]


@pytest.mark.parametrize('change, message', [
    ({'protocol': 'sctp'}, "option 'flows[0].protocol': unknown value: 'sctp'"),
    ({'destination_ports': [[443, 80]]}, "option 'flows[0].destination_ports[0]': reversed port range"),
    ({'sources': ['10.0.0.1/8']}, "option 'flows[0].sources[0]': host bits set"),
    ({'sources': ['2001:db8::/32']}, "option 'flows[0].sources': address family differs from ipv4"),
    ({'direction': None}, "option 'flows[0].direction': unknown value: None"),
])
def test_compact_rules_checks_its_input(change, message):
    flow = dict(engine.build_flows('smb')[0])
    flow.update(change)
    with pytest.raises(InputError) as caught:
        engine.compact_rules([flow])
    assert str(caught.value).startswith(message)


def test_compact_rules_names_a_missing_key():
    flow = dict(engine.build_flows('smb')[0])
    del flow['sources']
    with pytest.raises(InputError, match=r"option 'flows\[0\]': missing key 'sources'"):
        engine.compact_rules([flow])


def test_requirements_bundles_sections_flows_rules_and_checklist():
    result = engine.requirements(profile='smb')
    assert result['sections'] == ['3', '4']
    assert [c['section'] for c in result['checklist']] == ['1.1', '1.2']
    assert len(result['rules']) == 2 and len(result['flows']) == 7


def test_check_rules_refuses_flows():
    with pytest.raises(InputError, match=r"option 'rules\[0\]'.*not a rule from atea.anywhere.rules"):
        engine.check_rules(engine.build_flows('smb'))


@pytest.mark.parametrize('kwargs, message', [
    ({'customer_networks': ['2001:db8:1::/48']},
     "option 'networks.mpls': section 2.1 (mpls_outbound) gets no rule: its ends customer and mpls share no address"),
    ({'extra_flows': _extra(direction='internal', network='mpls')},
     "option 'extra_flows[0].network': internal flows are between customer networks and take no network"),
    ({'extra_flows': _extra(protocol='icmp')}, "option 'extra_flows[0].protocol': ICMP has no ports"),
    ({'extra_flows': _extra(id='2.1-sip')}, "option 'extra_flows[0].id': duplicate id: '2.1-sip'"),
    ({'extra_flows': _extra(id='2.1-sip-tcp')}, "option 'extra_flows[0].id': duplicate id: '2.1-sip-tcp'"),
    ({'extra_flows': _extra(destination_ports=['\u00b2'])}, "option 'extra_flows[0].destination_ports[0]': not a port"),
])
def test_more_bad_selections(kwargs, message):
    with pytest.raises(InputError) as caught:
        engine.build_flows('enterprise', **kwargs)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize('change, message', [
    ({'icmp_type': None}, "option 'rules[0].icmp_type': ICMP rules allow echo-request only"),
    ({'sources': ['10.0.0.0/8 } accept; flush ruleset; {']}, "option 'rules[0].sources[0]': not an ipv4 network"),
    ({'sources': ['10.0.0.1/8']}, "option 'rules[0].sources[0]': not an ipv4 network"),
    ({'destinations': []}, "option 'rules[0].destinations': at least one network is required"),
    ({'provenance': [{'id': 'x'}]}, "option 'rules[0].provenance[0]': expected id, section, purpose"),
    ({'sections': [None]}, "option 'rules[0].sections[0]': a non-empty string is required"),
])
def test_check_rules_checks_every_value_a_renderer_writes(change, message):
    rule = next(r for r in engine.compact_rules(engine.build_flows('enterprise')) if r['protocol'] == 'icmp')
    rule = dict(rule, **change)
    with pytest.raises(InputError) as caught:
        engine.check_rules([rule])
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize('change, message', [
    ({'section': None}, "option 'flows[0].section': a non-empty string is required"),
    ({'sources': [['10.0.0.0/8']]}, "option 'flows[0].sources[0]': not a network"),
    ({'icmp_type': 'echo-request'}, "option 'flows[0].icmp_type': ICMP flows allow echo-request only"),
])
def test_compact_rules_refuses_malformed_values(change, message):
    flow = dict(engine.build_flows('smb')[0], **change)
    with pytest.raises(InputError) as caught:
        engine.compact_rules([flow])
    assert str(caught.value).startswith(message)
