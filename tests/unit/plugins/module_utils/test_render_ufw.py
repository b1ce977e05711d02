# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ufw rules as ufw writes them, and the plan on canned user.rules texts (written by ufw 0.36.2 on Debian 12).

That the renderer's text is byte for byte what ufw itself writes for the same rules is proven against the real
ufw in tests/functional/test_ufw_apply.py; here the canned lines are ufw's own output, copied.
"""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine, render_ufw, ufw_state
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.modules import ufw as ufw_module

NETWORKS = {'mpls': ['192.0.2.0/24', '2001:db8:2::/48'], 'internet': ['203.0.113.0/24']}
CUSTOMER = ['198.51.100.0/24', '2001:db8:1::/48']


def rules_for(profile='smb', extra_flows=None):
    return engine.compact_rules(engine.build_flows(profile, networks=NETWORKS, customer_networks=CUSTOMER,
                                                   extra_flows=extra_flows))


HEAD = '''*filter
:ufw-user-input - [0:0]
:ufw-user-output - [0:0]
:ufw-user-forward - [0:0]
:ufw-user-limit - [0:0]
:ufw-user-limit-accept - [0:0]
### RULES ###
'''
TAIL = '''
### END RULES ###

### LOGGING ###
-A ufw-after-logging-input -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
### END LOGGING ###

### RATE LIMITING ###
-A ufw-user-limit -m limit --limit 3/minute -j LOG --log-prefix "[UFW LIMIT BLOCK] "
-A ufw-user-limit -j REJECT
-A ufw-user-limit-accept -j ACCEPT
### END RATE LIMITING ###
COMMIT
'''
# The user's rules as ufw wrote them for `ufw allow 22/tcp`, `ufw allow out to 203.0.113.9 port 53 proto udp
# comment 'x y'` and `ufw allow in proto tcp from 192.0.2.0/24 to any port 22`.
USER_BLOCKS = [
    '\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n',
    '\n### tuple ### allow udp 53 203.0.113.9 any 0.0.0.0/0 out comment=782079\n'
    '-A ufw-user-output -p udp -d 203.0.113.9 --dport 53 -j ACCEPT\n',
    '\n### tuple ### allow tcp 22 0.0.0.0/0 any 192.0.2.0/24 in\n-A ufw-user-input -p tcp --dport 22 -s 192.0.2.0/24 -j ACCEPT\n',
]
# `ufw route allow proto tcp from 198.51.100.0/24 port 1024:65535 to 203.0.113.0/24 port
# 443,5061,5222,8443,40000:49999 comment 'atea-anywhere a'`, as ufw wrote it.
OURS_BY_UFW = ('\n### tuple ### route:allow tcp 443,5061,5222,8443,40000:49999 203.0.113.0/24 1024:65535 198.51.100.0/24 in '
               'comment=617465612d616e7977686572652061\n'
               '-A ufw-user-forward -p tcp -m multiport --dports 443,5061,5222,8443,40000:49999 -m multiport '
               '--sports 1024:65535 -d 203.0.113.0/24 -s 198.51.100.0/24 -j ACCEPT\n')


def user_rules(*blocks):
    return ufw_state.UserRules('/etc/ufw/user.rules', HEAD + ''.join(blocks) + TAIL)


def test_a_rule_is_written_as_ufw_writes_it():
    rule = render_ufw.UfwRule(True, 'in', 'tcp', '443,5061,5222,8443,40000:49999', '203.0.113.0/24', '1024:65535',
                              '198.51.100.0/24', 'ipv4', 'atea-anywhere a')
    assert rule.block() == OURS_BY_UFW
    assert rule.command() == ("ufw route allow from 198.51.100.0/24 port 1024:65535 to 203.0.113.0/24 port "
                              "443,5061,5222,8443,40000:49999 proto tcp comment 'atea-anywhere a'")


@pytest.mark.parametrize('rule, line', [
    (render_ufw.UfwRule(False, 'in', 'tcp', '22', '0.0.0.0/0', 'any', '192.0.2.0/24', 'ipv4', ''),
     '-A ufw-user-input -p tcp --dport 22 -s 192.0.2.0/24 -j ACCEPT'),
    (render_ufw.UfwRule(False, 'out', 'udp', '53', '203.0.113.9', 'any', '0.0.0.0/0', 'ipv4', ''),
     '-A ufw-user-output -p udp -d 203.0.113.9 --dport 53 -j ACCEPT'),
    (render_ufw.UfwRule(True, 'in', 'tcp', '443', '2001:db8:2::1', 'any', '2001:db8:1::/48', 'ipv6', ''),
     '-A ufw6-user-forward -p tcp -d 2001:db8:2::1 --dport 443 -s 2001:db8:1::/48 -j ACCEPT'),
    (render_ufw.UfwRule(True, 'in', 'udp', '5060', '198.51.100.5', '1024:65535', '192.0.2.0/24', 'ipv4', ''),
     '-A ufw-user-forward -p udp -m multiport --dports 5060 -m multiport --sports 1024:65535 -d 198.51.100.5 '
     '-s 192.0.2.0/24 -j ACCEPT'),
])
def test_iptables_lines_are_ufws_own(rule, line):
    """Lines copied from user.rules files ufw 0.36.2 wrote for these rules."""
    assert rule.iptables_line() == line


def test_gateway_rules_are_route_rules_with_both_ports():
    wanted = render_ufw.render(rules_for(), render_ufw.Layout('gateway'))
    assert wanted and all(r.route and r.direction == 'in' for r in wanted)
    assert wanted[0].command().startswith('ufw route allow from 198.51.100.0/24 port 1024:65535 to 203.0.113.0/24 '
                                          'port 443,5061,5222,8443,40000:49999 proto tcp comment '
                                          "'atea-anywhere outbound-internet-tcp-ipv4: ")


def test_host_rules_are_in_and_out_rules_with_management_access():
    layout = render_ufw.Layout('host', management_networks=['192.0.2.0/28', '2001:db8:9::/64'],
                               management_ports=[22, '8000-8010'])
    wanted = render_ufw.render(rules_for('enterprise'), layout)
    assert [r.command() for r in wanted[:2]] == [
        "ufw allow from 192.0.2.0/28 to any port 22,8000:8010 proto tcp comment 'atea-anywhere management access'",
        "ufw allow from 2001:db8:9::/64 to any port 22,8000:8010 proto tcp comment 'atea-anywhere management access'"]
    assert not any(r.route for r in wanted)
    assert {r.direction for r in wanted} == {'in', 'out'}
    internal = [r for r in wanted if 'internal' in r.comment]
    assert internal and {r.direction for r in internal} == {'in', 'out'}


def test_ports_come_in_blocks_of_fifteen_with_a_range_counting_twice():
    singles = [(p, p) for p in range(1000, 1020)]
    blocks = render_ufw.port_blocks(singles)
    assert [len(b) for b in blocks] == [15, 5]
    mixed = render_ufw.port_blocks([(1, 1), (10, 20), (30, 40), (50, 50)] * 1 + [(100 + i * 10, 105 + i * 10) for i in range(6)])
    for block in mixed:
        assert sum(1 if low == high else 2 for low, high in block) <= render_ufw.MULTIPORT_LIMIT
        text = ','.join(str(lo) if lo == hi else '%d:%d' % (lo, hi) for lo, hi in block)
        assert text.count(',') + text.count(':') <= 14        # what ufw's set_port accepts


def test_addresses_as_ufw_writes_them():
    assert render_ufw.address_text('198.51.100.5/32') == '198.51.100.5'
    assert render_ufw.address_text('2001:db8:0:0::1/128') == '2001:db8::1'
    assert render_ufw.address_text('2001:db8:1::/48') == '2001:db8:1::/48'


def test_every_comment_is_ours_and_fits():
    layout = render_ufw.Layout('host', management_networks=['192.0.2.0/28'])
    for rule in render_ufw.render(rules_for('enterprise'), layout):
        assert render_ufw.is_ours(rule.comment)
        assert len(rule.comment.encode('utf-8')) <= render_ufw.COMMENT_LIMIT
        assert "'" not in rule.comment and rule.comment.isprintable()


@pytest.mark.parametrize('purpose, reason', [
    ("it's mine", 'which a ufw comment cannot hold: ufw refuses it'),
    ('caf\u00e9', 'other than printable ASCII'),
])
def test_hostile_comment_text_is_refused_naming_the_field(purpose, reason):
    extra = [{'id': 'x1', 'purpose': purpose, 'direction': 'outbound', 'network': 'internet', 'protocol': 'tcp',
              'destination_ports': [8080]}]
    with pytest.raises(InputError) as error:
        render_ufw.render(rules_for(extra_flows=extra), render_ufw.Layout())
    assert "extra_flows[id=x1].purpose" in str(error.value) and reason in str(error.value)


def test_shell_characters_stay_text_in_the_hex_comment():
    extra = [{'id': 'x1', 'purpose': '$(reboot); `id` | & > "q" \\ #', 'direction': 'outbound', 'network': 'internet',
              'protocol': 'tcp', 'destination_ports': [8080]}]
    wanted = [r for r in render_ufw.render(rules_for(extra_flows=extra), render_ufw.Layout()) if '8080' in r.dport]
    parsed = user_rules(*(r.block() for r in wanted)).blocks
    assert [b.comment for b in parsed] == [r.comment for r in wanted]
    assert '$(reboot); `id` | & > "q" \\ #' in parsed[0].comment
    assert '\n' not in parsed[0].text.strip('\n').split('\n', 1)[0]


def test_icmp_rules_are_not_ufw_rules_but_needs():
    rules = rules_for('enterprise')
    assert any(r['protocol'] == 'icmp' for r in rules)
    assert all(r.protocol in ('tcp', 'udp') for r in render_ufw.render(rules, render_ufw.Layout()))
    needs = render_ufw.icmp_rules(rules, render_ufw.Layout())
    assert needs and {chain for _name, _family, chain in needs} <= {'ufw-before-forward', 'ufw6-before-forward'}


# -- the plan on ufw's files ------------------------------------------------------------------------------


def test_the_users_rules_stay_byte_for_byte_and_in_order():
    wanted = render_ufw.render(rules_for(), render_ufw.Layout())
    current = user_rules(USER_BLOCKS[0], OURS_BY_UFW, USER_BLOCKS[1], USER_BLOCKS[2])
    text = current.with_rules(wanted)
    assert text.startswith(HEAD) and text.endswith(TAIL)
    after = ufw_state.UserRules(current.path, text)
    assert [b.text for b in after.blocks if not b.ours] == USER_BLOCKS
    assert [b.text for b in after.ours()] == [r.block() for r in wanted]
    # Idempotent: the same wanted rules leave the text as it is.
    assert after.with_rules(wanted) == text


def test_ours_stay_where_they_are_while_wanted_and_new_ones_are_appended():
    wanted = render_ufw.render(rules_for(), render_ufw.Layout())
    current = user_rules(USER_BLOCKS[0], wanted[0].block(), USER_BLOCKS[1])
    text = current.with_rules(wanted)
    assert text == HEAD + USER_BLOCKS[0] + wanted[0].block() + USER_BLOCKS[1] + ''.join(
        r.block() for r in wanted[1:]) + TAIL


def test_absent_removes_exactly_ours():
    original = HEAD + ''.join(USER_BLOCKS) + TAIL
    wanted = render_ufw.render(rules_for(), render_ufw.Layout())
    applied = ufw_state.UserRules('/etc/ufw/user.rules', original).with_rules(wanted)
    assert applied != original
    assert ufw_state.UserRules('/etc/ufw/user.rules', applied).with_rules([]) == original


def test_a_user_rule_whose_comment_only_looks_like_ours_is_the_users():
    lookalike = render_ufw.UfwRule(False, 'in', 'tcp', '80', '0.0.0.0/0', 'any', '0.0.0.0/0', 'ipv4',
                                   'atea-anywhereish').block()
    assert user_rules(lookalike).with_rules([]) == user_rules(lookalike).text


def test_comments_decode_as_ufw_decodes_them():
    assert ufw_state.decode_comment('782079') == 'x y'
    assert ufw_state.decode_comment('7820790') == 'x y'        # ufw drops an odd last digit
    assert ufw_state.decode_comment('zz') == ''


def test_a_file_not_as_ufw_writes_it_is_refused():
    with pytest.raises(ufw_state.UfwError, match='not as ufw writes it'):
        ufw_state.UserRules('/etc/ufw/user.rules', '*filter\n### RULES ###\nCOMMIT\n')
    with pytest.raises(ufw_state.UfwError, match='text between its rules'):
        ufw_state.UserRules('/etc/ufw/user.rules', HEAD + '-A ufw-user-input -j ACCEPT\n' + TAIL)


def test_commands_of_user_tuples_are_as_ufw_show_added_prints_them():
    """Lines of `ufw show added` (ufw 0.36.2) for the user's rules above."""
    assert [b.command() for b in user_rules(*USER_BLOCKS).blocks] == [
        'ufw allow 22/tcp',
        "ufw allow out to 203.0.113.9 port 53 proto udp comment 'x y'",
        'ufw allow from 192.0.2.0/24 to any port 22 proto tcp']


# -- ICMP: what ufw's before rules accept -----------------------------------------------------------------

BEFORE = '''*filter
# ok icmp code for FORWARD
-A ufw-before-forward -p icmp --icmp-type destination-unreachable -j ACCEPT
-A ufw-before-forward -p icmp --icmp-type echo-request -j ACCEPT
COMMIT
'''


def test_icmp_covered_by_before_rules_is_a_note_naming_the_line():
    needs = [('inbound-mpls-icmp-ipv4', 'ipv4', 'ufw-before-forward')]
    notes, missing = ufw_state.icmp_coverage(needs, {'ipv4': ('/etc/ufw/before.rules', BEFORE)}, {})
    assert not missing
    assert notes == [{'rule': 'inbound-mpls-icmp-ipv4', 'covered_by': '/etc/ufw/before.rules line 4: -A '
                      'ufw-before-forward -p icmp --icmp-type echo-request -j ACCEPT'}]


def test_icmp_not_covered_names_the_file_and_the_line_to_add():
    needs = [('inbound-mpls-icmp-ipv6', 'ipv6', 'ufw6-before-input')]
    notes, missing = ufw_state.icmp_coverage(needs, {'ipv6': ('/etc/ufw/before6.rules', BEFORE)}, {})
    assert not notes
    assert missing == ['rule inbound-mpls-icmp-ipv6: ICMP echo-request (ipv6) needs the line "-A ufw6-before-input '
                       '-p icmpv6 --icmpv6-type echo-request -j ACCEPT" in /etc/ufw/before6.rules (ufw rules cannot '
                       'match ICMP types; add it before COMMIT with the other ICMP lines, then run ufw reload)']


def test_outbound_icmp_is_covered_by_an_accept_output_policy():
    needs = [('outbound-mpls-icmp-ipv4', 'ipv4', 'ufw-before-output')]
    before = {'ipv4': ('/etc/ufw/before.rules', BEFORE)}
    notes, missing = ufw_state.icmp_coverage(needs, before, {'DEFAULT_OUTPUT_POLICY': 'ACCEPT'})
    assert not missing and notes[0]['covered_by'] == '/etc/default/ufw DEFAULT_OUTPUT_POLICY="ACCEPT"'
    assert ufw_state.icmp_coverage(needs, before, {'DEFAULT_OUTPUT_POLICY': 'DROP'})[1]


def test_defaults_are_read_without_quotes(tmp_path):
    path = tmp_path / 'ufw'
    path.write_text('# comment\nIPV6=no\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n')
    defaults = ufw_state.read_defaults(str(path))
    assert defaults['DEFAULT_OUTPUT_POLICY'] == 'ACCEPT' and not ufw_state.ipv6_enabled(defaults)


# -- the module's refusals before anything runs ------------------------------------------------------------


class ReachedUfw(Exception):
    """The module got past the input checks and would now look at ufw."""


@pytest.mark.parametrize('args, message', [
    ({'state': 'present'}, 'state is present but all of the following are missing: rules'),
    ({'rules': [{'name': 'x'}]}, "option 'rules[0]'"),
    ({'rules': rules_for(), 'placement': 'host', 'management_networks': ['198.51.100.1/24']},
     "option 'management_networks[0]': host bits set"),
    ({'rules': rules_for(), 'confirm_timeout': -1}, "option 'confirm_timeout'"),
    ({'rules': rules_for(), 'rollback_dir': 'relative'}, "option 'rollback_dir': a relative path"),
])
def test_bad_input_fails_before_ufw_is_looked_at(capsys, monkeypatch, args, message):
    def refuse(*_args, **_kwargs):
        raise ReachedUfw()
    monkeypatch.setattr(ufw_module, 'require_active', refuse)
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        ufw_module.main()
    result = json.loads(capsys.readouterr().out)
    assert exit_info.value.code == 1 and message in result['msg']
