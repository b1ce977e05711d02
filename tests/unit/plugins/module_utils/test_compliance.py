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
    compliance, compliance_linux, engine, firewalld_state, linux_managers, render_firewalld, render_iptables,
    render_nftables, render_ufw, ufw_state)
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


def edited_status(row, edit):
    """The status of a row after the edit took edit['range'] out of edit['rule'] (capture.py put the port after it
    in its place): a row of that rule that had only those ports has nothing of it left (missing), one that had
    others too is different."""
    if row['rule'] != edit['rule'] or not carries(row, edit['range']):
        return 'in_place'
    low, high = edit['range']
    only = all(low <= row_low and row_high <= high for row_low, row_high in row['destination_ports'])
    return 'missing' if only else 'different'


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
    live = [Unit('r', 'k', [(80, 80), (443, 443)], 'have')]
    assert compliance.judge(ROW, wanted, live)[:1] == ('in_place',)
    status, detail, want, have = compliance.judge(dict(ROW, destination_ports=[[80, 81]]),
                                                  [Unit('r', 'k', [(80, 81), (443, 443)], 'want')],
                                                  [Unit('r', 'k', [(80, 80), (443, 443)], 'have')])
    assert (status, want, have) == ('different', 'want', 'have') and 'port 81 ' in detail


def test_a_broader_live_unit_is_different_and_says_what_else_it_allows():
    wanted = [Unit('r', 'k', [(80, 80), (443, 443)], 'want')]
    status, detail, _want, _have = compliance.judge(ROW, wanted, [Unit('r', 'k', [(1, 65535)], 'have')])
    assert status == 'different' and 'also allows port 1-79, 81-442, 444-65535' in detail
    # A set element wider than the row's port: only the rows it carries are different.
    live = [Unit('r', 'k', [(80, 80), (400, 500)], 'have')]
    assert 'also allows port 400-442, 444-500' in compliance.judge(ROW, wanted, live)[1]
    assert compliance.judge(dict(ROW, destination_ports=[[80, 80]]), wanted, live)[0] == 'in_place'


def test_a_row_is_missing_without_any_unit_of_its_rule_and_different_with_another_key():
    wanted = [Unit('r', 'k', [(443, 443)], 'want')]
    assert compliance.judge(ROW, wanted, [])[0] == 'missing'
    assert compliance.judge(ROW, wanted, [])[3] is None
    status, detail, _want, _have = compliance.judge(ROW, wanted, [Unit('r', 'other', [(443, 443)], 'have')])
    assert status == 'different' and 'not found as wanted: want' in detail


def test_a_unit_named_for_the_rule_with_another_verdict_or_matches_makes_its_rows_different():
    wanted = [Unit('r', ('c', 'accept'), [(443, 443)], 'want')]
    live = [Unit('r', ('c', 'accept'), [(443, 443)], 'have'), Unit('r', ('c', 'drop'), [(443, 443)], 'dropped')]
    status, detail, _want, have = compliance.judge(ROW, wanted, live)
    assert status == 'different' and 'not as wanted' in detail and 'dropped' in detail and 'dropped' in have
    # The same for another port: not the row's business.
    live[1] = live[1]._replace(ranges=[(80, 80)])
    assert compliance.judge(ROW, wanted, live)[0] == 'in_place'


def test_a_row_is_missing_when_no_unit_of_its_rule_overlaps_its_ports():
    wanted = [Unit('r', 'a', [(443, 443)], 'line a'), Unit('r', 'b', [(5060, 5060)], 'line b')]
    live = [Unit('r', 'a', [(443, 443)], 'line a')]
    assert compliance.judge(ROW, wanted, live)[0] == 'in_place'
    status, detail, _want, have = compliance.judge(dict(ROW, destination_ports=[[5060, 5060]]), wanted, live)
    assert (status, have) == ('missing', None) and 'port 5060' in detail
    # The same key, the row's port changed to another: missing, and the detail says what is allowed instead.
    status, detail, _want, _have = compliance.judge(ROW, wanted[:1], [Unit('r', 'a', [(444, 444)], 'line a2')])
    assert status == 'missing' and 'port 444 instead' in detail


def test_a_live_unit_behind_a_rule_not_of_ours_is_different_and_names_it():
    wanted = [Unit('r', 'k', [(443, 443)], 'want', 'input')]
    live = [wanted[0]._replace(shadow='after a rule not of the collection: drop')]
    status, detail, _want, _have = compliance.judge(ROW, wanted, live)
    assert (status, detail) == ('different', 'after a rule not of the collection: drop')


def test_a_row_nothing_is_rendered_for_is_unknown_not_vacuously_in_place():
    assert compliance.judge(ROW, [], [Unit('r', 'k', [(443, 443)], 'have')])[0] == 'unknown'
    assert compliance.judge(ROW, [Unit('r', 'k', [(80, 80)], 'want')], [Unit('r', 'k', [(80, 80)], 'have')])[0] == \
        'unknown'


def test_objects_not_reached_make_an_otherwise_complete_row_different():
    wanted = [Unit('r', 'k', [(443, 443)], 'want', 'input')]
    status, detail, _want, _have = compliance.judge(ROW, wanted, wanted, unreached={'input': 'no jump', 'output': 'x'})
    assert (status, detail) == ('different', 'no jump')
    assert compliance.judge(ROW, wanted, wanted, unreached={'output': 'x'})[0] == 'in_place'
    # Keyed by place and family: a reason for IPv4 only (another table of family ip).
    unreached = {('input', 'ipv4'): 'policy drop'}
    assert compliance.judge(dict(ROW, family='ipv4'), wanted, wanted, unreached=unreached)[:2] == \
        ('different', 'policy drop')
    assert compliance.judge(dict(ROW, family='ipv6'), wanted, wanted, unreached=unreached)[0] == 'in_place'


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
    """The commands compliance_linux runs, answered with what nft printed (listing: the text of nft -a list table)."""
    def runner(argv, data):
        if argv[0] == 'unshare':
            assert 'nft -f -' in argv[-1] and data
            return 0, fixture(wanted), ''
        assert argv[:4] == ['nft', '-a', 'list', 'table'], argv
        return 0, listing, ''
    return runner


def nft_report(scenario, layout=None, wanted='nft-wanted.txt', edit=None):
    """The report of a captured listing; edit(objects, text) -> (objects, text): a hand edit, as nft lists it."""
    layout = layout or render_nftables.Layout(placement='gateway')
    ruleset, listing = json.loads(fixture(scenario + '.json'))['nftables'], fixture(scenario + '.txt')
    if edit:
        ruleset, listing = edit(ruleset, listing)
    reading = compliance_linux.nftables_reading(nft_runner(wanted, listing), 'nft', 'unshare', ruleset, RULES, layout)
    return compliance.report('fw', 'nftables', layout.placement, RULES, reading)


def insert_rule(chain, after_handle, rule, text):
    """An edit adding rule (nft JSON, handle 99) to chain after the rule with after_handle, listed as text."""
    def edit(ruleset, listing):
        at = next(n for n, o in enumerate(ruleset) if o.get('rule', {}).get('handle') == after_handle
                  and o['rule']['chain'] == chain)
        objects = ruleset[:at + 1] + [{'rule': dict(rule, chain=chain, handle=99)}] + ruleset[at + 1:]
        lines = listing.splitlines(True)
        line = next(n for n, line in enumerate(lines) if line.rstrip().endswith('# handle %d' % after_handle))
        return objects, ''.join(lines[:line + 1] + ['\t\t%s # handle 99\n' % text] + lines[line + 1:])
    return edit


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


def test_nftables_a_changed_set_element_makes_only_the_rows_of_that_port_missing():
    edit = SCENARIOS['edits']['nft-edited']
    result = nft_report('nft-edited')
    expected = dict(((r['id'], r['family'], r['protocol']), edited_status(r, edit)) for r in result['rows'])
    assert statuses(result) == expected
    assert 'missing' in expected.values() and 'in_place' in expected.values()
    changed = [r for r in result['rows'] if r['status'] != 'in_place']
    assert all('port %d' % edit['range'][0] in r['detail'] and r['want'] != r['have'] for r in changed)
    assert all('port %d instead' % (edit['range'][0] + 1) in r['detail'] for r in changed)


def test_nftables_a_deleted_rule_makes_its_rows_missing_and_leaves_the_others():
    edit = SCENARIOS['edits']['nft-deleted']
    result = nft_report('nft-deleted')
    expected = {}
    for row in result['rows']:
        key = (row['id'], row['family'], row['protocol'])
        expected[key] = ('missing' if row['rule'] == edit['rule'] else
                         edited_status(row, dict(edit, rule=edit['edited'])))
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


TCP_443_DROP = {'family': 'inet', 'table': 'atea_anywhere', 'expr': [
    {'match': {'op': '==', 'left': {'payload': {'protocol': 'tcp', 'field': 'dport'}}, 'right': 443}}, {'drop': None}]}


def named_order(scenario, chain):
    """The names of the named rules of chain in the captured listing, in its order."""
    return [compliance_linux.rule_name(o['rule'].get('comment')) for o in json.loads(fixture(scenario + '.json'))['nftables']
            if o.get('rule', {}).get('chain') == chain and compliance_linux.rule_name(o['rule'].get('comment'))]


def test_nftables_a_rule_not_of_ours_in_our_chain_makes_the_rows_after_it_different_naming_it():
    order = named_order('nft-applied', 'forward')
    # After the second named rule (handle 7): the rules of the first two stay in place.
    result = nft_report('nft-applied', edit=insert_rule('forward', 7, TCP_443_DROP, 'tcp dport 443 drop'))
    for row in result['rows']:
        if order.index(row['rule']) < 2:
            assert row['status'] == 'in_place', row
        else:
            assert row['status'] == 'different' and 'not of the collection' in row['detail'] \
                and 'tcp dport 443 drop' in row['detail'], row
    # A rule of ours without a rule's name (the renderer's 'ct state invalid drop') shadows nothing.
    assert set(statuses(nft_report('nft-applied')).values()) == {'in_place'}


def test_nftables_a_rule_named_for_ours_that_drops_makes_the_rows_of_its_ports_different():
    named = dict(TCP_443_DROP, comment='atea-anywhere outbound-internet-tcp-ipv4: 3, 4')
    last = max(o['rule']['handle'] for o in json.loads(fixture('nft-applied.json'))['nftables'] if 'rule' in o)
    result = nft_report('nft-applied', edit=insert_rule('forward', last, named, 'tcp dport 443 drop comment "%s"'
                                                        % named['comment']))
    for row in result['rows']:
        affected = row['rule'] == 'outbound-internet-tcp-ipv4' and carries(row, (443, 443))
        assert row['status'] == ('different' if affected else 'in_place'), row
        if affected:
            assert 'not as wanted' in row['detail'] and 'drop' in row['detail']
    assert 'different' in statuses(result).values()


def test_nftables_mode_chain_a_drop_before_the_jump_makes_the_rows_of_that_hook_different():
    layout = render_nftables.Layout(mode='chain', table='filter', placement='host')
    drop_all = {'family': 'inet', 'table': 'filter', 'expr': [{'counter': {'packets': 0, 'bytes': 0}}, {'drop': None}]}
    result = nft_report('nft-chain-applied', layout, 'nft-chain-wanted.txt',
                        insert_rule('input', 3, drop_all, 'counter packets 0 bytes 0 drop'))
    for row in result['rows']:
        if row['direction'] in ('inbound', 'internal'):
            assert row['status'] == 'different' and 'not reached' in row['detail'] \
                and 'counter packets 0 bytes 0 drop' in row['detail'], row
        else:
            assert row['status'] == 'in_place', row
    # A drop that matches something is not every packet's end.
    conditional = dict(drop_all, expr=TCP_443_DROP['expr'])
    result = nft_report('nft-chain-applied', layout, 'nft-chain-wanted.txt',
                        insert_rule('input', 3, conditional, 'tcp dport 443 drop'))
    assert set(statuses(result).values()) == {'in_place'}


def test_nftables_another_table_s_base_chain_dropping_by_policy_on_our_hook_makes_its_family_different():
    def docker(ruleset, listing):
        return ruleset + [{'chain': {'family': 'ip', 'table': 'filter', 'name': 'FORWARD', 'handle': 1, 'type': 'filter',
                                     'hook': 'forward', 'prio': 0, 'policy': 'drop'}}], listing
    result = nft_report('nft-applied', edit=docker)
    for row in result['rows']:
        if row['family'] == 'ipv4':
            assert row['status'] == 'different' and 'chain FORWARD of table ip filter' in row['detail'], row
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

def ipt_runner(texts):
    def runner(argv, data):
        command = os.path.basename(argv[0])
        family = 'ipv4' if command.startswith('iptables') else 'ipv6'
        # Without -t, which would make an empty table of a variant not in use.
        assert command.endswith('-nft-save') and argv[1:] == [], argv
        return 0, texts[family], ''
    return runner


def ipt_report(scenario, edit=None):
    """The report of a captured iptables-nft-save listing; edit: family -> function of its text (a hand edit)."""
    layout = render_iptables.Layout(placement='gateway')
    texts = dict((family, (edit or {}).get(family, str)(fixture('%s-%s.txt' % (scenario, family))))
                 for family in ('ipv4', 'ipv6'))

    def which(name):
        return '/usr/sbin/' + name if '-nft-' in name else None
    reading = compliance_linux.iptables_reading(ipt_runner(texts), which, 'auto', RULES, layout)
    return compliance.report('fw', 'iptables', 'gateway', RULES, reading)


def insert_line(after, line):
    """An edit putting line after the first line that starts with after (as iptables -I would list it)."""
    def edit(text):
        lines = text.splitlines(True)
        at = next(n for n, old in enumerate(lines) if old.startswith(after))
        return ''.join(lines[:at + 1] + [line + '\n'] + lines[at + 1:])
    return edit


def test_iptables_a_line_not_of_ours_in_our_chain_makes_the_ipv4_rows_after_it_different():
    foreign = '-A ATEA-ANYWHERE-FORWARD -p tcp -m tcp --dport 443 -j DROP'
    # After the line of outbound-mpls-udp-ipv4: the two rules before it stay in place.
    result = ipt_report('ipt-applied', {'ipv4': insert_line('-A ATEA-ANYWHERE-FORWARD -s 198.51.100.0/24 -d 192.0.2.0/24 '
                                                            '-p udp', foreign)})
    for row in result['rows']:
        if row['family'] == 'ipv6' or row['rule'] in ('outbound-mpls-tcp-ipv4', 'outbound-mpls-udp-ipv4'):
            assert row['status'] == 'in_place', row
        else:
            assert row['status'] == 'different' and foreign in row['detail'], row


def test_iptables_a_drop_before_the_jump_to_our_chain_makes_the_family_s_rows_different():
    result = ipt_report('ipt-applied', {'ipv4': insert_line(':ATEA-ANYWHERE-FORWARD', '-A FORWARD -j DROP')})
    for row in result['rows']:
        if row['family'] == 'ipv4':
            assert row['status'] == 'different' and 'not reached' in row['detail'] and '-A FORWARD -j DROP' in \
                row['detail'], row
        else:
            assert row['status'] == 'in_place', row


def test_iptables_as_applied_in_place_and_after_removal_missing():
    applied = ipt_report('ipt-applied')
    assert set(statuses(applied).values()) == {'in_place'}
    assert 'iptables-nft-save' in applied['read_from']
    assert set(statuses(ipt_report('ipt-absent')).values()) == {'missing'}


def test_iptables_a_changed_multiport_port_makes_only_the_rows_of_that_port_missing():
    edit = SCENARIOS['edits']['ipt-edited']
    result = ipt_report('ipt-edited')
    expected = dict(((r['id'], r['family'], r['protocol']), edited_status(r, edit)) for r in result['rows'])
    assert statuses(result) == expected and 'missing' in expected.values()


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


def test_firewalld_as_applied_in_place_and_a_rich_rule_gone_makes_only_its_port_s_rows_missing():
    listing = fixture('firewalld-applied.txt')
    assert set(statuses(firewalld_report(listing)).values()) == {'in_place'}
    # As 'firewall-cmd --policy atea-anywhere-fwd --remove-rich-rule' of the 5222 rule would list it.
    line = next(line for line in listing.splitlines(True) if 'port port="5222"' in line)
    result = firewalld_report(listing.replace(line, ''))
    for row in result['rows']:
        assert row['status'] == ('missing' if row['destination_ports'] == [[5222, 5222]] else 'in_place'), row
    assert set(statuses(firewalld_report('')).values()) == {'missing'}


class FakeFirewallCmd(object):
    """firewall-cmd as the lab's firewalld answered (capture.py --managers)."""

    def __init__(self, listing):
        self.listing = listing

    def read(self, *args):
        assert args == ('--list-all-policies',)
        return self.listing


class FakeHost(linux_managers.Host):
    """firewall-cmd --state as a daemon in state answers; no host files read (root None), so it is always asked."""

    def __init__(self, state):
        super(FakeHost, self).__init__(self.answer, lambda name: '/usr/bin/' + name)
        self.state = state

    def answer(self, argv):
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
