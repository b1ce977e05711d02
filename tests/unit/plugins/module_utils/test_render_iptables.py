# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The iptables renderer and the have-versus-want of iptables_state, on canned iptables-save text.

The canned text is what iptables 1.8.9 (nft and legacy alike) printed for these rules in a network namespace;
tests/functional/test_iptables_apply.py checks the same against the live commands.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, iptables_state, render_iptables
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_iptables import Layout

RULES = engine.compact_rules(engine.build_flows('enterprise', customer_networks=['198.51.100.0/24', '2001:db8:1::/48'],
                                                networks={'mpls': ['192.0.2.0/24', '2001:db8:2::/48']}))
JUMP = '-m comment --comment "atea-anywhere: Atea Anywhere requirements" -j ATEA-ANYWHERE-FORWARD'
REPLIES = ('-A ATEA-ANYWHERE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment '
           '"atea-anywhere: replies and related flows" -j ACCEPT')


def rule(**changes):
    """One compact rule, tcp from 192.0.2.0/24 to 198.51.100.0/24, with changes."""
    base = {'name': 'inbound-mpls-tcp-ipv4', 'direction': 'inbound', 'family': 'ipv4', 'protocol': 'tcp',
            'sources': ['192.0.2.0/24'], 'destinations': ['198.51.100.0/24'], 'source_network': 'mpls',
            'destination_network': None, 'source_ports': [], 'destination_ports': [[443, 443]], 'icmp_type': None,
            'sections': ['2.1'], 'provenance': [{'id': 'web', 'section': '2.1', 'purpose': 'HTTPS', 'name': 'web',
                                                 'destination_ports': [[443, 443]]}]}
    base.update(changes)
    if 'destination_ports' in changes and 'provenance' not in changes:
        base['provenance'] = [dict(base['provenance'][0], destination_ports=changes['destination_ports'])]
    return base


def lines(rules, **layout):
    return render_iptables.render(rules, Layout(**layout))


def test_a_rule_is_written_as_iptables_save_prints_it():
    assert lines([rule()])['ipv4']['ATEA-ANYWHERE-FORWARD'] == [
        REPLIES,
        '-A ATEA-ANYWHERE-FORWARD -s 192.0.2.0/24 -d 198.51.100.0/24 -p tcp -m tcp --dport 443 -m comment --comment '
        '"atea-anywhere inbound-mpls-tcp-ipv4: 2.1 HTTPS" -j ACCEPT']
    assert lines([rule()])['ipv6'] == {'ATEA-ANYWHERE-FORWARD': [REPLIES]}


def test_source_ports_ranges_and_icmp():
    tcp = rule(source_ports=[[1024, 65535]], destination_ports=[[5060, 5061]])
    assert ' -p tcp -m tcp --sport 1024:65535 --dport 5060:5061 -m comment' in lines([tcp])['ipv4']['ATEA-ANYWHERE-FORWARD'][1]
    several = rule(protocol='udp', source_ports=[[1, 1], [5, 9]], destination_ports=[[53, 53]])
    assert ' -p udp -m udp --dport 53 -m multiport --sports 1,5:9 -m comment' in \
        lines([several])['ipv4']['ATEA-ANYWHERE-FORWARD'][1]
    icmp4 = rule(protocol='icmp', icmp_type='echo-request', destination_ports=[], name='inbound-mpls-icmp-ipv4')
    icmp6 = rule(protocol='icmp', icmp_type='echo-request', destination_ports=[], family='ipv6', sources=['2001:db8::/32'],
                 destinations=['2001:db8:1::1/128'], name='inbound-mpls-icmp-ipv6')
    rendered = lines([icmp4, icmp6])
    assert '-s 192.0.2.0/24 -d 198.51.100.0/24 -p icmp -m icmp --icmp-type 8 -m comment' in rendered['ipv4']['ATEA-ANYWHERE-FORWARD'][1]
    assert '-s 2001:db8::/32 -d 2001:db8:1::1/128 -p ipv6-icmp -m icmp6 --icmpv6-type 128 -m comment' in \
        rendered['ipv6']['ATEA-ANYWHERE-FORWARD'][1]


def test_multiport_holds_15_ports_a_range_counting_two():
    assert render_iptables.port_chunks([(p, p) for p in range(1, 17)]) == [[(p, p) for p in range(1, 16)], [(16, 16)]]
    ranges = [(p * 10, p * 10 + 1) for p in range(1, 9)]
    assert render_iptables.port_chunks(ranges) == [ranges[:7], ranges[7:]]
    many = rule(destination_ports=[[p, p] for p in range(1000, 1032, 2)])   # 16 single ports
    written = lines([many])['ipv4']['ATEA-ANYWHERE-FORWARD'][1:]
    assert len(written) == 2
    assert '-m multiport --dports %s -m comment' % ','.join(str(p) for p in range(1000, 1030, 2)) in written[0]
    assert '-p tcp -m tcp --dport 1030 -m comment' in written[1]


def test_one_line_per_source_and_destination():
    pair = rule(sources=['192.0.2.0/25', '192.0.2.128/25'], destinations=['198.51.100.0/24', '203.0.113.0/24'])
    written = lines([pair])['ipv4']['ATEA-ANYWHERE-FORWARD'][1:]
    assert [line.split()[3:6:2] for line in written] == [
        ['192.0.2.0/25', '198.51.100.0/24'], ['192.0.2.0/25', '203.0.113.0/24'],
        ['192.0.2.128/25', '198.51.100.0/24'], ['192.0.2.128/25', '203.0.113.0/24']]


def test_many_sources_and_destinations_go_through_a_chain_of_the_rule():
    many = rule(sources=['192.0.2.%d/32' % n for n in range(3)], destinations=['198.51.100.%d/32' % n for n in range(4)])
    chains = lines([rule(name='inbound-mpls-tcp-ipv4-2'), many])['ipv4']
    assert list(chains) == ['ATEA-ANYWHERE-FORWARD', 'ATEA-ANYWHERE-F2']     # the second rule of the chain
    assert chains['ATEA-ANYWHERE-FORWARD'][2:] == [
        '-A ATEA-ANYWHERE-FORWARD -s 192.0.2.%d/32 -m comment --comment "atea-anywhere inbound-mpls-tcp-ipv4: 2.1 '
        'HTTPS" -j ATEA-ANYWHERE-F2' % n for n in range(3)]
    assert chains['ATEA-ANYWHERE-F2'] == [
        '-A ATEA-ANYWHERE-F2 -d 198.51.100.%d/32 -p tcp -m tcp --dport 443 -m comment --comment "atea-anywhere '
        'inbound-mpls-tcp-ipv4: 2.1 HTTPS" -j ACCEPT' % n for n in range(4)]
    # 3 + 4 lines instead of 12; two sources to one destination stay two plain lines.
    assert len(lines([rule(sources=['192.0.2.0/25', '192.0.2.128/25'])])['ipv4']) == 1


def test_a_fleet_sized_customer_renders_in_lines_of_sources_plus_destinations():
    networks = ['10.%d.%d.0/24' % (n // 256, n % 256) for n in range(1000)]
    rules = engine.compact_rules(engine.build_flows('enterprise', customer_networks=networks,
                                                    networks={'mpls': ['192.0.2.0/24']}))
    rendered = render_iptables.render(rules, Layout())['ipv4']
    total = sum(len(chain) for chain in rendered.values())
    bound = sum(len(r['sources']) + len(r['destinations']) * len(render_iptables.port_chunks(r['destination_ports']) or [0])
                for r in rules) + 1
    assert total <= bound < 20000


def test_ownership_of_chains():
    layout = Layout(chain_prefix='AA')
    assert [layout.owns(name) for name in ('AA-FORWARD', 'AA-I12', 'AA-O1', 'AA-F0', 'AA-X1', 'AA-I1x', 'AAB-F1')] == [
        True, True, True, False, False, False, False]


def test_host_placement_chains_base_rules_and_management():
    internal = rule(direction='internal', name='internal-customer-tcp-ipv4')
    outbound = rule(direction='outbound', name='outbound-mpls-tcp-ipv4')
    rendered = lines([internal, outbound], placement='host', management_networks=['192.0.2.0/24', '2001:db8::/32'],
                     management_ports=[22, '8000-8010'])
    four = rendered['ipv4']
    assert list(four) == ['ATEA-ANYWHERE-INPUT', 'ATEA-ANYWHERE-OUTPUT']
    assert four['ATEA-ANYWHERE-INPUT'][0] == ('-A ATEA-ANYWHERE-INPUT -i lo -m comment --comment "atea-anywhere: '
                                              'loopback" -j ACCEPT')
    assert four['ATEA-ANYWHERE-INPUT'][2] == ('-A ATEA-ANYWHERE-INPUT -s 192.0.2.0/24 -p tcp -m multiport --dports '
                                              '22,8000:8010 -m comment --comment "atea-anywhere: management access" '
                                              '-j ACCEPT')
    assert [line.split('"')[1].split(':')[0] for line in four['ATEA-ANYWHERE-INPUT'][3:]] == [
        'atea-anywhere internal-customer-tcp-ipv4']
    assert len(four['ATEA-ANYWHERE-OUTPUT']) == 4          # lo, replies, internal, outbound
    six = rendered['ipv6']['ATEA-ANYWHERE-INPUT']
    assert [line.split()[7] for line in six if 'icmpv6-type' in line] == ['133', '134', '135', '136']
    assert six[-1].startswith('-A ATEA-ANYWHERE-INPUT -s 2001:db8::/32 -p tcp')
    assert not any('DROP' in line or 'REJECT' in line for text in rendered.values() for chain in text.values()
                   for line in chain)


@pytest.mark.parametrize('text, written', [
    ('safe_word-1', 'safe_word-1'),
    ('a b', '"a b"'),
    ('say "hi"; it\'s \\ done', '"say \\"hi\\"; it\\\'s \\\\ done"'),
    ('Ærlig: 2.1', '"Ærlig: 2.1"'),
])
def test_comment_quoting_is_iptables_saves(text, written):
    assert render_iptables.comment_argument(text) == written


@pytest.mark.parametrize('text, message', [
    ('one\n-A INPUT -j ACCEPT', 'line break or control character'),
    ('x' * 256, 'longer than 255 bytes'),
])
def test_comment_refused(text, message):
    with pytest.raises(InputError, match=message):
        render_iptables.comment_argument(text)


def test_long_provenance_fits_the_comment():
    long = rule(provenance=[{'id': 'web%d' % n, 'section': '2.%d' % n, 'purpose': 'purpose ' * 10, 'name': 'name %d ' % n * 3,
                             'destination_ports': [[443, 443]]} for n in range(20)], sections=['2.1'])
    comment = lines([long])['ipv4']['ATEA-ANYWHERE-FORWARD'][1].split('--comment ', 1)[1].rsplit(' -j ', 1)[0]
    assert len(comment.encode('utf-8')) == 257 and comment.endswith('..."')   # 255 and the quotes


def test_a_newline_in_a_purpose_is_refused_naming_it():
    bad = rule()
    bad['provenance'][0]['purpose'] = 'HTTPS\n-A INPUT -j ACCEPT'
    with pytest.raises(InputError, match=r"rules\[0\]\.provenance\[0\]\.purpose"):
        lines([bad])


@pytest.mark.parametrize('options, option', [
    ({'chain_prefix': 'A' * 21}, 'chain_prefix'),
    ({'chain_prefix': 'bad prefix'}, 'chain_prefix'),
    ({'chain_prefix': '-X'}, 'chain_prefix'),
    ({'parent_chains': {'input': 'IN'}}, 'parent_chains'),
    ({'parent_chains': {'forward': 'ATEA-ANYWHERE-INPUT'}}, 'parent_chains.forward'),
    ({'placement': 'host', 'parent_chains': {'input': 'X', 'output': 'X'}}, 'parent_chains.input'),
    ({'placement': 'host', 'parent_chains': {'input': 'A;B'}}, 'parent_chains.input'),
])
def test_layout_refusals_name_the_option(options, option):
    with pytest.raises(InputError, match="option '%s'" % option.replace('.', r'\.')):
        Layout(**options)


def test_a_20_character_prefix_is_the_longest():
    assert Layout(chain_prefix='A' * 20).chain('forward') == 'A' * 20 + '-FORWARD'


# ---- iptables_state: have versus want on canned iptables-save -t filter text

EMPTY = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n'
USER = ('# Generated by iptables-nft-save v1.8.9 (nf_tables)\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n'
        ':OUTPUT ACCEPT [0:0]\n:USER - [0:0]\n-A FORWARD -i lo -j ACCEPT\n-A FORWARD -j USER\n'
        '-A FORWARD -m comment --comment "last one" -j DROP\n-A USER -p udp -m udp --dport 53 -j ACCEPT\nCOMMIT\n')


def wanted(rules=(), **layout):
    layout = Layout(**layout)
    return layout, render_iptables.render(list(rules) or [rule()], layout)['ipv4']


def with_ours(save_text, chain_lines, jumps):
    """save_text with our chain declared and filled and jump lines put after the given FORWARD line index."""
    head, body = save_text.split(':OUTPUT ACCEPT [0:0]\n')
    body_lines = body.splitlines()
    forward = [n for n, line in enumerate(body_lines) if line.startswith('-A FORWARD')]
    for position in sorted(jumps, reverse=True):
        at = forward[position] if position < len(forward) else (forward[-1] + 1 if forward else 0)
        body_lines.insert(at, '-A FORWARD ' + JUMP)
    commit = body_lines.index('COMMIT')
    body_lines[commit:commit] = chain_lines
    return head + ':OUTPUT ACCEPT [0:0]\n:ATEA-ANYWHERE-FORWARD - [0:0]\n' + '\n'.join(body_lines) + '\n'


def test_new_chains_and_the_jump_before_the_users_final_drop():
    layout, want = wanted()
    plan = iptables_state.plan('ipv4', USER, layout, want)
    assert plan.changed and plan.before == ''
    assert plan.script.splitlines() == ['*filter', ':ATEA-ANYWHERE-FORWARD - [0:0]'] + want['ATEA-ANYWHERE-FORWARD'] + [
        '-I FORWARD 3 ' + JUMP, 'COMMIT']
    assert plan.after.endswith('# chain FORWARD: %s after 2 other rules\n' % JUMP)


def test_appended_without_a_final_drop_and_first_when_asked():
    layout, want = wanted()
    assert iptables_state.plan('ipv4', EMPTY, layout, want).script.splitlines()[-2] == '-A FORWARD ' + JUMP
    assert iptables_state.plan('ipv4', USER, layout, want, 'first').script.splitlines()[-2] == '-I FORWARD 1 ' + JUMP


def test_as_wanted_is_no_change():
    layout, want = wanted()
    live = with_ours(USER, want['ATEA-ANYWHERE-FORWARD'], [2])
    plan = iptables_state.plan('ipv4', live, layout, want)
    assert not plan.changed and plan.script == '' and plan.before == plan.after


def test_a_misplaced_or_doubled_jump_is_moved_and_the_chain_left_alone():
    layout, want = wanted()
    live = with_ours(USER, want['ATEA-ANYWHERE-FORWARD'], [3, 0])   # after the drop, and first
    plan = iptables_state.plan('ipv4', live, layout, want)
    # After both deletions FORWARD holds lo, USER, drop: the jump goes before the drop, rule 3.
    assert plan.script.splitlines() == ['*filter', '-D FORWARD ' + JUMP, '-D FORWARD ' + JUMP, '-I FORWARD 3 ' + JUMP,
                                        'COMMIT']


def test_changed_rules_refill_only_our_chain():
    layout, want = wanted()
    live = with_ours(USER, want['ATEA-ANYWHERE-FORWARD'][:1], [2])
    plan = iptables_state.plan('ipv4', live, layout, want)
    assert plan.script.splitlines() == ['*filter', ':ATEA-ANYWHERE-FORWARD - [0:0]'] + want['ATEA-ANYWHERE-FORWARD'] + [
        'COMMIT']


def test_absent_deletes_jumps_then_chains():
    layout, want = wanted()
    live = with_ours(USER, want['ATEA-ANYWHERE-FORWARD'], [2])
    plan = iptables_state.plan('ipv4', live, layout, None)
    assert plan.after == '' and plan.script.splitlines() == [
        '*filter', '-D FORWARD ' + JUMP, '-F ATEA-ANYWHERE-FORWARD', '-X ATEA-ANYWHERE-FORWARD', 'COMMIT']
    assert not iptables_state.plan('ipv4', USER, layout, None).changed


def test_another_placements_chains_are_removed():
    _gateway, want = wanted()
    live = with_ours(EMPTY, want['ATEA-ANYWHERE-FORWARD'], [0])
    host, host_want = wanted(placement='host')
    script = iptables_state.plan('ipv4', live, host, host_want).script.splitlines()
    assert script[:2] == ['*filter', '-D FORWARD ' + JUMP]
    assert script.index('-F ATEA-ANYWHERE-FORWARD') < script.index('-X ATEA-ANYWHERE-FORWARD')
    assert script[-3:] == ['-A INPUT -m comment --comment "atea-anywhere: Atea Anywhere requirements" -j '
                           'ATEA-ANYWHERE-INPUT', '-A OUTPUT -m comment --comment "atea-anywhere: Atea Anywhere '
                           'requirements" -j ATEA-ANYWHERE-OUTPUT', 'COMMIT']


def test_a_missing_user_parent_chain_is_an_error():
    layout, want = wanted(parent_chains={'forward': 'FW'})
    with pytest.raises(iptables_state.IptablesError, match='has no chain FW'):
        iptables_state.plan('ipv4', USER, layout, want)


@pytest.mark.parametrize('line, terminal', [
    ('-A FORWARD -j DROP', True),
    ('-A FORWARD -j REJECT --reject-with icmp-port-unreachable', True),
    ('-A FORWARD -m comment --comment "drop \\"all\\"" -j DROP', True),
    ('-A FORWARD -s 192.0.2.0/24 -j DROP', False),
    ('-A FORWARD -j LOG', False),
    ('-A FORWARD -j USER', False),
])
def test_is_terminal(line, terminal):
    assert iptables_state.is_terminal(line) == terminal


def test_unexpected_save_output_is_refused():
    with pytest.raises(iptables_state.IptablesError, match='unexpected line'):
        iptables_state.tables_of('*filter\n-I FORWARD 1 -j X\nCOMMIT\n')


@pytest.mark.parametrize('rules_in, version, chosen', [
    ({'nft': True}, '', 'nft'),
    ({'legacy': True, 'nft': False}, 'iptables v1.8.9 (nf_tables)', 'legacy'),
    ({}, 'iptables v1.8.9 (nf_tables)\n', 'nft'),
    ({}, 'iptables v1.8.9 (legacy)\n', 'legacy'),
])
def test_choose_variant(rules_in, version, chosen):
    assert iptables_state.choose_variant('auto', rules_in, version) == chosen
    assert iptables_state.choose_variant('legacy', rules_in, version) == 'legacy'


def test_choose_variant_refuses_both_and_an_unknown_version():
    with pytest.raises(iptables_state.IptablesError, match='both iptables-nft and iptables-legacy hold rules'):
        iptables_state.choose_variant('auto', {'nft': True, 'legacy': True}, '')
    with pytest.raises(iptables_state.IptablesError, match='set variant nft or legacy'):
        iptables_state.choose_variant('auto', {}, 'iptables v1.4.21')


RULES_FILE = ('# user file\n*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n'
              '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -i lo -j ACCEPT\n'
              '-A FORWARD -j DROP\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n')


def test_rules_file_gets_our_lines_in_filter_and_keeps_the_rest():
    layout, want = wanted()
    text = iptables_state.persisted_text(RULES_FILE, layout, want)
    assert text.startswith(RULES_FILE[:RULES_FILE.index('*filter')])
    filter_part = text.split('*filter\n')[1].splitlines()
    assert filter_part[3] == ':ATEA-ANYWHERE-FORWARD - [0:0]'
    assert filter_part[4:7] == ['-A FORWARD -i lo -j ACCEPT', '-A FORWARD ' + JUMP, '-A FORWARD -j DROP']
    assert filter_part[-1] == 'COMMIT' and filter_part[-1 - len(want['ATEA-ANYWHERE-FORWARD']):-1] == \
        want['ATEA-ANYWHERE-FORWARD']
    assert iptables_state.persisted_text(text, layout, want) == text
    assert iptables_state.persisted_text(text, layout, None) == RULES_FILE
    first = iptables_state.persisted_text(text, layout, want, 'first').split('*filter\n')[1].splitlines()
    assert first[4] == '-A FORWARD ' + JUMP


def test_a_rules_file_without_a_filter_section_gets_one():
    layout, want = wanted()
    text = iptables_state.persisted_text('*nat\nCOMMIT\n', layout, want)
    assert text.splitlines()[:5] == ['*nat', 'COMMIT', '*filter', ':ATEA-ANYWHERE-FORWARD - [0:0]', '-A FORWARD ' + JUMP]


def test_enterprise_renders_in_both_families_and_json_round_trips():
    rendered = render_iptables.render(json.loads(json.dumps(RULES)), Layout())
    assert len(rendered['ipv4']['ATEA-ANYWHERE-FORWARD']) > 5 and len(rendered['ipv6']['ATEA-ANYWHERE-FORWARD']) > 5


def test_a_parent_that_accepts_everything_is_warned_about():
    layout, want = wanted()
    assert iptables_state.plan('ipv4', USER, layout, want).warnings == []        # policy DROP
    warned = iptables_state.plan('ipv4', EMPTY, layout, want).warnings
    assert len(warned) == 1 and warned[0].startswith('iptables chain FORWARD has policy ACCEPT')
    ends_in_drop = EMPTY.replace('COMMIT', '-A FORWARD -j DROP\nCOMMIT')
    assert iptables_state.plan('ipv4', ends_in_drop, layout, want).warnings == []
    assert iptables_state.plan('ipv4', EMPTY, layout, None).warnings == []
