# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Have versus want against a real nft, in a network namespace of the test's own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, nftables_state, voip_helpers
from ansible_collections.atea.anywhere.plugins.module_utils.render_nftables import Layout, render

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which('nft') and shutil.which('unshare') and shutil.which('ip')),
    reason='needs root, nft, unshare and ip')

LAB = {'networks': {'mpls': '192.0.2.0/24', 'internet': '203.0.113.0/24'}, 'customer_networks': ['198.51.100.0/24']}
FOREIGN = 'table ip foreign {\n\tchain c {\n\t\ttype filter hook forward priority 10; policy accept;\n\t\ttcp dport 9 drop\n\t}\n}\n'
USER_TABLE = ('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n'
              '\t\tct state established accept\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter; '
              'policy drop;\n\t\tiifname "x0" drop\n\t}\n}\n')


@pytest.fixture
def netns():
    name = 'aat-%s' % uuid.uuid4().hex[:8]
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    yield name
    subprocess.run(['ip', 'netns', 'del', name], check=True)


@pytest.fixture
def nft(netns):
    def runner(argv, data):
        result = subprocess.run(['ip', 'netns', 'exec', netns] + argv, input=data, capture_output=True, text=True,
                                check=False)
        return result.returncode, result.stdout, result.stderr
    return nftables_state.Nft(runner)


def rules(profile='smb'):
    return engine.compact_rules(engine.build_flows(profile, **LAB))


def converge(nft, layout, wanted, present=True, jump_position='after_user_rules'):
    plan = nftables_state.plan(nft, nft.ruleset(), layout, wanted, present, jump_position)
    if plan.changed:
        nft.check(plan.script)
        nft.apply(plan.script)
    return plan


def test_table_mode_applies_once_then_reports_no_change(nft):
    nft.apply(FOREIGN)
    foreign_before = nft.listing([('table', 'ip', 'foreign')])
    layout = Layout()
    wanted = render(rules(), layout)
    first = converge(nft, layout, wanted)
    assert first.changed and first.before == '' and 'chain forward' in first.after
    assert nft.listing([('table', 'inet', 'atea_anywhere')]) == first.after
    second = nftables_state.plan(nft, nft.ruleset(), layout, wanted)
    assert not second.changed
    assert nft.listing([('table', 'ip', 'foreign')]) == foreign_before


def test_table_mode_sees_and_repairs_drift(nft):
    layout = Layout()
    wanted = render(rules(), layout)
    converge(nft, layout, wanted)
    nft.apply('add rule inet atea_anywhere forward tcp dport 23 accept\n')
    drift = converge(nft, layout, wanted)
    assert drift.changed and 'tcp dport 23 accept' in drift.before and 'dport 23' not in drift.after
    assert not nftables_state.plan(nft, nft.ruleset(), layout, wanted).changed


def test_table_mode_profile_change_and_absent(nft):
    layout = Layout()
    converge(nft, layout, render(rules('smb'), layout))
    change = converge(nft, layout, render(rules('enterprise'), layout))
    assert change.changed and '2.1 HTTP Access' in change.after and '2.1 HTTP Access' not in change.before
    gone = converge(nft, layout, '', present=False)
    assert gone.changed and gone.after == ''
    assert 'atea_anywhere' not in nft.listing([('ruleset',)])


def test_chain_mode_needs_the_users_table_and_chain(nft):
    layout = Layout(mode='chain', table='filter')
    with pytest.raises(nftables_state.NftError, match="table inet filter does not exist; mode 'chain'"):
        nftables_state.plan(nft, nft.ruleset(), layout, render(rules(), layout))
    nft.apply('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0;\n\t}\n'
              '\tchain forward {\n\t}\n}\n')
    with pytest.raises(nftables_state.NftError, match="has no filter base chain 'forward' on the forward hook"):
        nftables_state.plan(nft, nft.ruleset(), layout, render(rules(), layout))
    wrong_hook = Layout(mode='chain', table='filter', parent_chains={'forward': 'input'})
    with pytest.raises(nftables_state.NftError, match="has no filter base chain 'input' on the forward hook"):
        nftables_state.plan(nft, nft.ruleset(), wrong_hook, render(rules(), wrong_hook))


def test_chain_mode_removal_is_idempotent_when_the_table_is_gone(nft):
    layout = Layout(mode='chain', table='filter')
    assert not nftables_state.plan(nft, nft.ruleset(), layout, '', present=False).changed


def test_table_mode_leaves_a_table_it_does_not_own_alone(nft):
    nft.apply(USER_TABLE)
    layout = Layout(table='filter')
    for present in (True, False):
        with pytest.raises(nftables_state.NftError, match='table inet filter exists and is not managed by'):
            nftables_state.plan(nft, nft.ruleset(), layout, render(rules(), layout), present)
    nft.apply('table inet atea_anywhere {\n}\n')  # an empty table holds nothing to lose
    assert converge(nft, Layout(), render(rules(), Layout())).changed


def test_chain_mode_placement_change_removes_the_chains_no_longer_wanted(nft):
    nft.apply(USER_TABLE.replace('\t\tct state established accept\n', '\t\tct state established accept\n')
              + 'add chain inet filter output { type filter hook output priority 0; }\n')
    gateway = Layout(mode='chain', table='filter')
    converge(nft, gateway, render(rules(), gateway))
    host = Layout(mode='chain', table='filter', placement='host', management_networks=['198.51.100.0/24'])
    change = converge(nft, host, render(rules('enterprise'), host))
    assert 'delete chain inet filter atea_anywhere_forward' in change.script
    listing = nft.listing([('table', 'inet', 'filter')])
    assert 'atea_anywhere_forward' not in listing
    assert 'jump atea_anywhere_input' in listing and 'jump atea_anywhere_output' in listing
    assert not nftables_state.plan(nft, nft.ruleset(), host, render(rules('enterprise'), host)).changed


def test_chain_mode_adds_chain_and_one_jump_and_keeps_every_user_rule(nft):
    nft.apply(USER_TABLE)
    user_before = nft.listing([('table', 'inet', 'filter')])
    layout = Layout(mode='chain', table='filter')
    wanted = render(rules(), layout)
    first = converge(nft, layout, wanted)
    assert first.changed
    forward = nft.listing([('chain', 'inet', 'filter', 'forward')])
    assert forward.count('jump atea_anywhere_forward') == 1
    # After the user's own rules: the user's drop still applies to the Atea flows.
    assert forward.index('jump atea_anywhere_forward') > forward.index('iifname "x0" drop')
    assert not nftables_state.plan(nft, nft.ruleset(), layout, wanted).changed
    listing = nft.listing([('table', 'inet', 'filter')])
    assert 'iifname "x0" drop' in listing and 'ct state established accept' in listing
    # A second jump (someone ran the drop-in twice) is removed, the first one kept.
    nft.apply('add rule inet filter forward jump atea_anywhere_forward\n')
    repair = converge(nft, layout, wanted)
    assert repair.changed and 'delete rule inet filter forward handle' in repair.script
    assert nft.listing([('chain', 'inet', 'filter', 'forward')]).count('jump atea_anywhere_forward') == 1
    converge(nft, layout, '', present=False)
    assert nft.listing([('table', 'inet', 'filter')]) == user_before


USER_CHAIN = ('table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
              '\t\tct state established,related accept\n\t\tip daddr 192.0.2.99 reject\n'
              '\t\tiifname "x0" counter drop\n\t\tcounter packets 0 bytes 0 drop\n\t\ttcp dport 9 accept\n\t}\n}\n')


def _forward_rules(nft):
    return [line.strip() for line in nft.listing([('chain', 'inet', 'filter', 'forward')]).splitlines()
            if line.startswith('\t\t') and 'type filter' not in line]


def test_jump_goes_after_the_users_rules_but_before_an_unconditional_drop(nft):
    nft.apply(USER_CHAIN)
    layout = Layout(mode='chain', table='filter')
    wanted = render(rules(), layout)
    plan = converge(nft, layout, wanted)
    assert 'position' in plan.script
    assert [r.split(' comment')[0] for r in _forward_rules(nft)] == [
        'ct state established,related accept', 'ip daddr 192.0.2.99 reject with icmp port-unreachable',
        'iifname "x0" counter packets 0 bytes 0 drop',
        'jump atea_anywhere_forward', 'counter packets 0 bytes 0 drop', 'tcp dport 9 accept']
    assert not nftables_state.plan(nft, nft.ruleset(), layout, wanted).changed
    # The boot-time drop-in appends: it warns that the jump would sit behind the chain's 'counter drop'.
    assert plan.boot_warnings and 'counter drop (handle' in plan.boot_warnings[0]
    assert 'add rule inet filter forward jump atea_anywhere_forward' in nftables_state.persistent_script(layout, wanted)


def test_jump_position_first_and_a_misplaced_jump_is_moved(nft):
    nft.apply(USER_TABLE)
    layout = Layout(mode='chain', table='filter')
    wanted = render(rules(), layout)
    first = converge(nft, layout, wanted, jump_position='first')
    assert _forward_rules(nft)[0].startswith('jump atea_anywhere_forward') and not first.boot_warnings
    assert not nftables_state.plan(nft, nft.ruleset(), layout, wanted, jump_position='first').changed
    assert 'insert rule inet filter forward jump' in nftables_state.persistent_script(layout, wanted,
                                                                                      jump_position='first')
    moved = converge(nft, layout, wanted)
    assert moved.changed and 'delete rule inet filter forward handle' in moved.script
    assert '# chain forward: jump atea_anywhere_forward after 0 other rules' in moved.before
    assert '# chain forward: jump atea_anywhere_forward after 1 other rules' in moved.after
    assert _forward_rules(nft)[-1].startswith('jump atea_anywhere_forward')
    # A rule the user adds after ours later: the jump follows it on the next run.
    nft.apply('add rule inet filter forward ip saddr 192.0.2.7 drop\n')
    assert converge(nft, layout, wanted).changed
    assert _forward_rules(nft)[-1].startswith('jump atea_anywhere_forward')
    assert not nftables_state.plan(nft, nft.ruleset(), layout, wanted).changed


def test_chain_mode_host_placement_with_named_parent_chains(nft):
    nft.apply('table inet fw {\n\tchain in {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n'
              '\tchain out {\n\t\ttype filter hook output priority 0; policy accept;\n\t}\n}\n')
    layout = Layout(mode='chain', table='fw', placement='host', parent_chains={'input': 'in', 'output': 'out'},
                    management_networks=['198.51.100.0/24'])
    plan = converge(nft, layout, render(rules('enterprise'), layout))
    assert plan.changed
    assert 'jump atea_anywhere_input' in nft.listing([('chain', 'inet', 'fw', 'in')])
    assert 'jump atea_anywhere_output' in nft.listing([('chain', 'inet', 'fw', 'out')])


def _load_in_fresh_namespace(script, listing):
    return subprocess.run(['unshare', '--net', 'sh', '-c', 'nft -f - && nft list %s' % listing], input=script,
                          capture_output=True, text=True, check=True).stdout


def test_persistent_script_restores_the_same_ruleset(nft):
    layout = Layout()
    wanted = render(rules('enterprise'), layout)
    plan = converge(nft, layout, wanted)
    assert _load_in_fresh_namespace(nftables_state.persistent_script(layout, wanted), 'table inet atea_anywhere') \
        == plan.after
    chain_layout = Layout(mode='chain', table='filter')
    chain_wanted = render(rules(), chain_layout)
    boot = USER_TABLE + nftables_state.persistent_script(chain_layout, chain_wanted)
    listing = _load_in_fresh_namespace(boot, 'chain inet filter forward')
    assert listing.count('jump atea_anywhere_forward') == 1


VOIP = ('table inet voip {\n\tct helper sip-5060 {\n\t\ttype "sip" protocol udp\n\t\tl3proto inet\n\t}\n'
        '\tct helper q931 {\n\t\ttype "Q.931" protocol tcp\n\t\tl3proto inet\n\t}\n'
        '\tct helper ftp {\n\t\ttype "ftp" protocol tcp\n\t\tl3proto inet\n\t}\n'
        '\tchain pre {\n\t\ttype filter hook prerouting priority filter; policy accept;\n'
        '\t\tudp dport 5060 ct helper set "sip-5060"\n'
        '\t\ttcp dport 1720 ct helper set "q931" accept\n'
        '\t\ttcp dport 21 ct helper set "ftp"\n\t}\n}\n')


def test_voip_helpers_are_found_and_only_their_assignment_removed(nft):
    nft.apply(VOIP)
    findings, commands = voip_helpers.nft_plan(nft.ruleset())
    details = sorted(f['detail'] for f in findings)
    assert details == ['ct helper q931 (type Q.931) deleted', 'ct helper set q931 removed from the rule',
                       'ct helper sip-5060 (type sip) deleted', 'rule that only set ct helper sip-5060 deleted']
    nft.apply_json(voip_helpers.nft_script(commands))
    listing = nft.listing([('table', 'inet', 'voip')])
    assert 'sip' not in listing and 'q931' not in listing
    assert 'tcp dport 1720 accept' in listing           # the rule that also accepted keeps accepting
    assert 'ct helper set "ftp"' in listing             # other helpers are not ours to touch
    assert voip_helpers.nft_plan(nft.ruleset()) == ([], [])


def test_map_assignments_and_rule_comments(nft):
    nft.apply('table inet voip {\n\tct helper sip-5060 {\n\t\ttype "sip" protocol udp\n\t}\n'
              '\tct helper ftp-21 {\n\t\ttype "ftp" protocol tcp\n\t}\n'
              '\tchain pre {\n\t\ttype filter hook prerouting priority filter; policy accept;\n'
              '\t\tct helper set udp dport map { 5060 : "sip-5060" }\n'
              '\t\tudp dport 5060 ct helper set "sip-5060" counter comment "keep my words"\n\t}\n}\n')
    findings, commands = voip_helpers.nft_plan(nft.ruleset())
    assert len(findings) == 3
    nft.apply_json(voip_helpers.nft_script(commands))
    listing = nft.listing([('table', 'inet', 'voip')])
    assert 'sip-5060' not in listing and 'map' not in listing
    assert 'comment "keep my words"' in listing and 'ct helper ftp-21' in listing


def test_sip_only_leaves_h323_alone(nft):
    nft.apply(VOIP)
    findings, _commands = voip_helpers.nft_plan(nft.ruleset(), protocols=('sip',))
    assert all('q931' not in f['detail'] for f in findings) and len(findings) == 2


def test_a_network_namespace_sharing_etc_is_recognised(netns):
    code = ('import sys; sys.path.insert(0, %r); from ansible_collections.atea.anywhere.plugins.module_utils import '
            'files; print(files.in_shared_network_namespace())' % os.path.join(
                os.path.dirname(__file__), '..', '..', '..', '..', '.ansible', 'collections'))
    inside = subprocess.run(['ip', 'netns', 'exec', netns, sys.executable, '-c', code], capture_output=True,
                            text=True, check=True).stdout.strip()
    outside = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip()
    assert (inside, outside) == ('True', 'False')
