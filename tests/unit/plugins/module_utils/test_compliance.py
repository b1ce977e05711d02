# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compliance: rows from the rules' provenance, and their status read from listings the real tools printed
(tests/fixtures/compliance, made by its capture.py in a network namespace: nft 1.0.6, iptables-nft 1.8.9; ufw's
files and firewalld's runtime policies on the lab).

The expected status of each row is worked out here from the edit capture.py made (scenarios.json) and the rows'
own ports, not from the code under test."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import (
    compliance, compliance_linux, engine, firewalld_state, render_firewalld, render_iptables, render_nftables,
    render_ufw, ufw_state)
from ansible_collections.atea.anywhere.plugins.module_utils.compliance import Unit

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'compliance')


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as handle:
        return handle.read()


SCENARIOS = json.loads(fixture('scenarios.json'))
FLOWS = engine.build_flows(SCENARIOS['profile'], customer_networks=SCENARIOS['customer_networks'],
                           networks=SCENARIOS['networks'])
RULES = engine.compact_rules(FLOWS)


def carries(row, port_range):
    return any(low <= port_range[1] and port_range[0] <= high for low, high in row['destination_ports'])


# -- rows ------------------------------------------------------------------------------------------------------

def test_one_row_per_flow_with_the_flow_s_own_fields():
    rows = compliance.document_rows(RULES)
    assert sorted((r['id'], r['family'], r['protocol']) for r in rows) == \
        sorted((f['id'], f['family'], f['protocol']) for f in FLOWS)
    by_key = dict(((f['id'], f['family']), f) for f in FLOWS)
    for row in rows:
        flow = by_key[(row['id'], row['family'])]
        for key in ('section', 'name', 'purpose', 'direction', 'source_network', 'destination_network', 'sources',
                    'destinations', 'destination_ports', 'source_ports'):
            assert row[key] == flow[key], (row['id'], key)
        assert row['rule'] in [r['name'] for r in RULES]
    assert [r['section'] for r in rows] == sorted((r['section'] for r in rows),
                                                  key=['2.1', '2.2', '2.3', '3', '4'].index)


# -- judging ---------------------------------------------------------------------------------------------------

ROW = {'rule': 'r', 'destination_ports': [[443, 443]]}


def test_a_row_is_in_place_when_a_unit_of_the_same_key_allows_its_ports_among_others():
    wanted = [Unit('r', 'k', [(80, 80), (443, 443)], 'want')]
    live = [Unit('r', 'k', [(80, 80), (400, 500)], 'have')]
    assert compliance.judge(ROW, wanted, live)[:1] == ('in_place',)
    status, detail, want, have = compliance.judge(dict(ROW, destination_ports=[[80, 80]]), wanted,
                                                  [Unit('r', 'k', [(443, 443)], 'have')])
    assert (status, want, have) == ('different', 'want', 'have') and 'port 80 ' in detail


def test_a_row_is_missing_without_any_unit_of_its_rule_and_different_with_another_key():
    wanted = [Unit('r', 'k', [(443, 443)], 'want')]
    assert compliance.judge(ROW, wanted, [])[0] == 'missing'
    assert compliance.judge(ROW, wanted, [])[3] is None
    status, detail, _want, _have = compliance.judge(ROW, wanted, [Unit('r', 'other', [(443, 443)], 'have')])
    assert status == 'different' and 'not found as wanted: want' in detail


def test_units_for_other_ports_of_the_rule_do_not_count_for_a_row():
    wanted = [Unit('r', 'a', [(443, 443)], 'line a'), Unit('r', 'b', [(5060, 5060)], 'line b')]
    live = [Unit('r', 'a', [(443, 443)], 'line a')]
    assert compliance.judge(ROW, wanted, live)[0] == 'in_place'
    assert compliance.judge(dict(ROW, destination_ports=[[5060, 5060]]), wanted, live)[0] == 'different'


def test_a_row_nothing_is_rendered_for_is_unknown_not_vacuously_in_place():
    assert compliance.judge(ROW, [], [Unit('r', 'k', [(443, 443)], 'have')])[0] == 'unknown'
    assert compliance.judge(ROW, [Unit('r', 'k', [(80, 80)], 'want')], [Unit('r', 'k', [(80, 80)], 'have')])[0] == \
        'unknown'


def test_objects_not_reached_make_an_otherwise_complete_row_different():
    wanted = [Unit('r', 'k', [(443, 443)], 'want', 'input')]
    status, detail, _want, _have = compliance.judge(ROW, wanted, wanted, unreached={'input': 'no jump', 'output': 'x'})
    assert (status, detail) == ('different', 'no jump')
    assert compliance.judge(ROW, wanted, wanted, unreached={'output': 'x'})[0] == 'in_place'


def test_a_reading_that_fails_makes_every_row_unknown_with_its_reason():
    def reading():
        raise compliance.Unread('save it at /x', '/x')
    result = compliance.report('fw', 'cisco_asa', 'gateway', RULES, reading)
    assert result['source'] == 'none' and result['read_from'] == '/x'
    assert set(r['status'] for r in result['rows']) == {'unknown'}
    assert set(r['detail'] for r in result['rows']) == {'save it at /x'}
    assert result['counts'] == {'in_place': 0, 'missing': 0, 'different': 0, 'unknown': len(FLOWS)}


def test_the_checklist_leaves_1_2_to_a_person_and_1_1_as_read():
    done = compliance.checklist((True, 'no helper'))
    assert [(c['section'], c['status']) for c in done] == [('1.1', 'done'), ('1.2', 'left_to_a_person')]
    assert 'Jabber' in done[1]['detail']
    assert compliance.checklist((False, 'helper sip'))[0]['status'] == 'left_to_a_person'
    assert compliance.checklist(None)[0]['status'] == 'left_to_a_person'


# -- nftables, from real listings --------------------------------------------------------------------------------

def nft_runner(wanted, listing):
    """The commands compliance_linux runs, answered with what nft printed."""
    def runner(argv, data):
        if argv[0] == 'unshare':
            assert 'nft -f -' in argv[-1] and data
            return 0, fixture(wanted), ''
        assert argv[:4] == ['nft', '-a', 'list', 'table'], argv
        return 0, fixture(listing), ''
    return runner


def nft_report(scenario, layout=None, wanted='nft-wanted.txt'):
    layout = layout or render_nftables.Layout(placement='gateway')
    ruleset = json.loads(fixture(scenario + '.json'))['nftables']
    reading = compliance_linux.nftables_reading(nft_runner(wanted, scenario + '.txt'), 'nft', 'unshare', ruleset,
                                                RULES, layout)
    return compliance.report('fw', 'nftables', layout.placement, RULES, reading)


def statuses(result):
    return dict(((r['id'], r['family'], r['protocol']), r['status']) for r in result['rows'])


def test_nftables_as_applied_every_row_is_in_place_with_its_rule_text():
    result = nft_report('nft-applied')
    assert result['source'] == 'live' and 'nft -j -a list ruleset' in result['read_from']
    assert set(statuses(result).values()) == {'in_place'}
    for row in result['rows']:
        assert row['want'] == row['have'] and '"atea-anywhere %s:' % row['rule'] in row['have']


def test_nftables_after_removal_every_row_is_missing():
    result = nft_report('nft-absent')
    assert set(statuses(result).values()) == {'missing'}
    assert all(r['have'] is None and r['want'] for r in result['rows'])


def test_nftables_a_changed_set_element_makes_only_the_rows_of_that_port_different():
    edit = SCENARIOS['edits']['nft-edited']
    result = nft_report('nft-edited')
    expected = dict(((r['id'], r['family'], r['protocol']),
                     'different' if r['rule'] == edit['rule'] and carries(r, edit['range']) else 'in_place')
                    for r in result['rows'])
    assert statuses(result) == expected
    assert 'different' in expected.values() and 'in_place' in [v for k, v in expected.items()]
    changed = [r for r in result['rows'] if r['status'] == 'different']
    assert all('port %d' % edit['range'][0] in r['detail'] and r['want'] != r['have'] for r in changed)


def test_nftables_a_deleted_rule_makes_its_rows_missing_and_leaves_the_others():
    edit = SCENARIOS['edits']['nft-deleted']
    result = nft_report('nft-deleted')
    expected = {}
    for row in result['rows']:
        key = (row['id'], row['family'], row['protocol'])
        expected[key] = ('missing' if row['rule'] == edit['rule'] else
                         'different' if row['rule'] == edit['edited'] and carries(row, edit['range']) else 'in_place')
    assert statuses(result) == expected
    assert 'missing' in expected.values()


def test_nftables_mode_chain_without_the_jump_makes_the_rows_of_that_hook_different():
    layout = render_nftables.Layout(mode='chain', table='filter', placement='host')
    applied = nft_report('nft-chain-applied', layout, 'nft-chain-wanted.txt')
    assert set(statuses(applied).values()) == {'in_place'}
    result = nft_report('nft-chain-nojump', layout, 'nft-chain-wanted.txt')
    for row in result['rows']:
        if row['direction'] in ('inbound', 'internal'):
            assert row['status'] == 'different' and 'atea_anywhere_input' in row['detail'], row
        else:
            assert row['status'] == 'in_place', row


@pytest.mark.parametrize('value, ranges', [
    (443, [(443, 443)]),
    ({'range': [40000, 49999]}, [(40000, 49999)]),
    ({'set': [80, {'elem': {'val': 443, 'comment': 'x'}}, {'elem': {'val': {'range': [1, 2]}, 'comment': 'y'}}]},
     [(80, 80), (443, 443), (1, 2)]),
    ('@ports', None),
])
def test_nft_port_values(value, ranges):
    assert compliance_linux.port_ranges(value) == ranges


# -- iptables, from real listings --------------------------------------------------------------------------------

def ipt_runner(scenario):
    def runner(argv, data):
        command = os.path.basename(argv[0])
        family = 'ipv4' if command.startswith('iptables') else 'ipv6'
        # Without -t, which would make an empty table of a variant not in use.
        assert command.endswith('-nft-save') and argv[1:] == [], argv
        return 0, fixture('%s-%s.txt' % (scenario, family)), ''
    return runner


def ipt_report(scenario):
    layout = render_iptables.Layout(placement='gateway')

    def which(name):
        return '/usr/sbin/' + name if '-nft-' in name else None
    reading = compliance_linux.iptables_reading(ipt_runner(scenario), which, 'auto', RULES, layout)
    return compliance.report('fw', 'iptables', 'gateway', RULES, reading)


def test_iptables_as_applied_in_place_and_after_removal_missing():
    applied = ipt_report('ipt-applied')
    assert set(statuses(applied).values()) == {'in_place'}
    assert 'iptables-nft-save' in applied['read_from']
    assert set(statuses(ipt_report('ipt-absent')).values()) == {'missing'}


def test_iptables_a_changed_multiport_port_makes_only_the_rows_of_that_port_different():
    edit = SCENARIOS['edits']['ipt-edited']
    result = ipt_report('ipt-edited')
    expected = dict(((r['id'], r['family'], r['protocol']),
                     'different' if r['rule'] == edit['rule'] and carries(r, edit['range']) else 'in_place')
                    for r in result['rows'])
    assert statuses(result) == expected and 'different' in expected.values()


def test_iptables_lines_keyed_without_comment_and_destination_ports():
    unit = compliance_linux.line_unit('ipv4', '-A ATEA-ANYWHERE-FORWARD -s 198.51.100.0/24 -d 192.0.2.0/24 -p tcp '
                                      '-m multiport --dports 80,2443:2445 -m comment --comment "atea-anywhere x-1: 2.1 '
                                      'HTTP" -j ACCEPT')
    assert unit.rule == 'x-1' and unit.ranges == [(80, 80), (2443, 2445)]
    assert unit.key == ('ipv4', '-A ATEA-ANYWHERE-FORWARD -s 198.51.100.0/24 -d 192.0.2.0/24 -p tcp -j ACCEPT')
    assert compliance_linux.line_unit('ipv4', '-A INPUT -m comment --comment "atea-anywhere: replies" -j ACCEPT') is None


# -- ufw and firewalld, from what they held on the lab (capture.py --managers) ------------------------------------

def lab_rules(manager):
    lab = SCENARIOS['managers'][manager]
    return engine.compact_rules(engine.build_flows('smb', customer_networks=lab['customer_networks'],
                                                   networks=lab['networks']))


def ufw_report(scenario):
    rules = lab_rules('ufw')
    files = json.loads(fixture(scenario))
    user_rules = dict((family, ufw_state.UserRules(path, files['file ' + os.path.basename(path)]))
                      for family, path in ufw_state.USER_RULES.items())

    def reading():
        layout = render_ufw.Layout('gateway')
        return ('live', 'ufw', compliance_linux.ufw_wanted(rules, layout), compliance_linux.ufw_live(user_rules), {}, '')
    return compliance.report('fw', 'ufw', 'gateway', rules, reading)


def test_ufw_as_applied_in_place_and_a_rule_deleted_with_ufw_missing():
    applied = ufw_report('ufw-applied.json')
    assert set(statuses(applied).values()) == {'in_place'}
    assert all(r['have'].startswith('ufw route allow') for r in applied['rows'])
    deleted = ufw_report('ufw-deleted.json')
    for row in deleted['rows']:
        assert row['status'] == ('missing' if row['protocol'] == 'udp' else 'in_place'), row


def firewalld_report(listing):
    rules = lab_rules('firewalld')
    layout = render_firewalld.Layout('gateway')

    def reading():
        wanted = compliance_linux.firewalld_wanted(rules, layout)
        return ('live', 'firewall-cmd', wanted,
                compliance_linux.firewalld_live(firewalld_state.parse_listing(listing), layout, wanted), {}, '')
    return compliance.report('fw', 'firewalld', 'gateway', rules, reading)


def test_firewalld_as_applied_in_place_and_a_rich_rule_gone_makes_only_its_port_s_rows_different():
    listing = fixture('firewalld-applied.txt')
    assert set(statuses(firewalld_report(listing)).values()) == {'in_place'}
    # As 'firewall-cmd --policy atea-anywhere-fwd --remove-rich-rule' of the 5222 rule would list it.
    line = next(line for line in listing.splitlines(True) if 'port port="5222"' in line)
    result = firewalld_report(listing.replace(line, ''))
    for row in result['rows']:
        assert row['status'] == ('different' if [5222, 5222] in row['destination_ports'] else 'in_place'), row
    assert set(statuses(firewalld_report('')).values()) == {'missing'}


class FakeFirewallCmd(object):
    """firewall-cmd as the lab's firewalld answered (capture.py --managers)."""

    def __init__(self, listing):
        self.listing = listing

    def read(self, *args):
        assert args == ('--list-all-policies',)
        return self.listing


class FakeHost(object):
    def __init__(self, state):
        self.state = state

    def which(self, name):
        return '/usr/bin/' + name

    def run(self, argv):
        assert argv == ['/usr/bin/firewall-cmd', '--state']
        return (0, 'running\n', '') if self.state == 'running' else (252, '', 'not running\n')


def test_firewalld_reads_the_runtime_policies_of_a_running_daemon_only():
    rules = lab_rules('firewalld')
    layout = render_firewalld.Layout('gateway')
    running = compliance_linux.firewalld_reading(FakeFirewallCmd(fixture('firewalld-applied.txt')), FakeHost('running'),
                                                 rules, layout)
    result = compliance.report('fw', 'firewalld', 'gateway', rules, running)
    assert result['source'] == 'live' and set(statuses(result).values()) == {'in_place'}
    stopped = compliance_linux.firewalld_reading(FakeFirewallCmd(''), FakeHost('stopped'), rules, layout)
    result = compliance.report('fw', 'firewalld', 'gateway', rules, stopped)
    assert set(statuses(result).values()) == {'unknown'} and 'not running' in result['rows'][0]['detail']
