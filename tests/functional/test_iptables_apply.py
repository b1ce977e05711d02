# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atea.anywhere.iptables on real iptables-nft and iptables-legacy, IPv4 and IPv6, each test in a network
namespace of its own (prefix 'ia').

The module runs as Ansible runs it on a host (its file with an arguments file, in 'ip netns exec <ns> python'),
and once through ansible-playbook with the lab's interpreter wrapper. Before every change the namespace holds
the user's own rules (a FORWARD policy DROP, a user chain, a final '-j DROP', a REJECT with a match); 'the
foreign rules' are iptables-save -t filter of both families without its comment lines and without our lines,
compared byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, render_iptables

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(REPO, 'plugins', 'modules', 'iptables.py')
CONFIRM = os.path.join(REPO, 'plugins', 'modules', 'nftables_confirm.py')
COLLECTIONS = os.path.join(REPO, '.ansible', 'collections')
BIN = os.path.dirname(sys.executable)
VARIANTS = ('nft', 'legacy')
FAMILIES = {'ipv4': 'iptables', 'ipv6': 'ip6tables'}

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which('ip') and all(shutil.which('%s-%s-restore' % (c, v))
                                                          for c in FAMILIES.values() for v in VARIANTS)),
    reason='needs root, ip, and iptables-nft and iptables-legacy with their save and restore commands')

NETWORKS = {'mpls': ['192.0.2.0/24', '2001:db8:2::/48']}
CUSTOMER = ['198.51.100.0/24', '2001:db8:1::/48']
RULES = {profile: engine.compact_rules(engine.build_flows(profile, customer_networks=CUSTOMER, networks=NETWORKS))
         for profile in ('enterprise', 'smb')}
# Many customer networks: rules whose sources and destinations are many go through a chain of their own.
MANY = (['%s.%d/28' % (net, 32 * n) for net in ('198.51.100', '203.0.113') for n in range(6)]
        + ['2001:db8:1:%x::/64' % (2 * n) for n in range(6)])
RULES['many'] = engine.compact_rules(engine.build_flows('enterprise', customer_networks=MANY, networks=NETWORKS))
# The user's own rules: everything our chains must leave as it is.
FOREIGN = {
    'ipv4': ('*filter\n:FORWARD DROP [0:0]\n:USER-CHAIN - [0:0]\n'
             '-A INPUT -s 203.0.113.9/32 -j DROP\n'
             '-A FORWARD -i lo -j ACCEPT\n'
             '-A FORWARD -s 203.0.113.0/24 -m comment --comment "user\'s own" -j USER-CHAIN\n'
             '-A FORWARD -j DROP\n'
             '-A OUTPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with icmp-port-unreachable\n'
             '-A USER-CHAIN -p udp -m udp --dport 53 -j ACCEPT\nCOMMIT\n'),
    'ipv6': ('*filter\n:FORWARD DROP [0:0]\n:USER-CHAIN - [0:0]\n'
             '-A INPUT -s 2001:db8:9::/48 -j DROP\n'
             '-A FORWARD -i lo -j ACCEPT\n'
             '-A FORWARD -s 2001:db8:3::/48 -j USER-CHAIN\n'
             '-A FORWARD -j REJECT --reject-with icmp6-port-unreachable\n'
             '-A USER-CHAIN -p udp -m udp --dport 53 -j ACCEPT\nCOMMIT\n'),
}
PREFIX = render_iptables.DEFAULT_CHAIN_PREFIX + '-'


@pytest.fixture
def netns():
    name = 'ia-%s' % uuid.uuid4().hex[:8]
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'del', name], check=False)


def run(netns, argv, data=None):
    return subprocess.run(['ip', 'netns', 'exec', netns] + argv, input=data, capture_output=True, text=True,
                          check=True).stdout


def plant(netns, variant, families=None):
    for family, command in (families or FAMILIES).items():
        run(netns, ['%s-%s-restore' % (command, variant)], FOREIGN[family])


def save(netns, variant):
    """iptables-save -t filter of both families, without its comment lines."""
    return dict((family, ''.join(line + '\n' for line in run(netns, ['%s-%s-save' % (command, variant), '-t', 'filter'])
                                 .splitlines() if not line.startswith('#')))
                for family, command in FAMILIES.items())


def ours(line):
    words = line.split()
    return bool(words) and (words[0].startswith(':' + PREFIX) or (words[0] == '-A' and words[1].startswith(PREFIX))
                            or words[-1].startswith(PREFIX))


def foreign(saved):
    return dict((family, ''.join(line for line in text.splitlines(True) if not ours(line)))
                for family, text in saved.items())


def run_module(netns, tmp_path, args, check=False, module=MODULE):
    """The module as Ansible runs it on the host: its file with an arguments file, in the namespace."""
    args = dict({'rollback_dir': str(tmp_path / 'rollback')}, **args)
    if module == MODULE:
        args.setdefault('persist', False)
    args.update(_ansible_check_mode=check, _ansible_diff=True)
    path = tmp_path / ('args-%s.json' % uuid.uuid4().hex[:6])
    path.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    result = subprocess.run(['ip', 'netns', 'exec', netns, sys.executable, module, str(path)], capture_output=True,
                            text=True, env=dict(os.environ, PYTHONPATH=COLLECTIONS), check=False)
    try:
        return json.loads(result.stdout)
    except ValueError:
        raise AssertionError('module output not JSON: %s %s' % (result.stdout, result.stderr))


def chain_lines(saved, chain):
    return [line for line in saved.splitlines() if line.startswith('-A %s ' % chain)]


def parent_rules(saved, parent):
    return chain_lines(saved, parent)


@pytest.mark.parametrize('variant', VARIANTS)
@pytest.mark.parametrize('placement, profile', [('gateway', 'enterprise'), ('host', 'smb'), ('gateway', 'many'), ('host', 'many')])
def test_apply_is_exact_idempotent_leaves_foreign_rules_and_absent_restores(netns, tmp_path, variant, placement, profile):
    plant(netns, variant)
    before = save(netns, variant)
    args = {'rules': RULES[profile], 'variant': variant, 'placement': placement,
            'management_networks': ['192.0.2.0/24', '2001:db8:2::/48']}

    checked = run_module(netns, tmp_path, args, check=True)
    assert checked['changed'] and not checked.get('failed'), checked
    assert save(netns, variant) == before, 'check mode changed the host'

    applied = run_module(netns, tmp_path, args)
    assert applied['changed'] and not applied.get('failed'), applied
    assert applied['variant'] == variant and applied['rules'] == len(RULES[profile])
    assert applied['invocation']['module_args']['rules'] == '%d rules' % len(RULES[profile])
    # The user's INPUT and OUTPUT accept everything (policy ACCEPT, no final drop): the run says so.
    warnings = [w['event']['msg'] if isinstance(w, dict) else w for w in applied.get('warnings', [])]
    warned = [w for w in warnings if 'has policy ACCEPT' in w]
    assert len(warned) == (4 if placement == 'host' else 0), warnings
    assert applied['commands'] == checked['commands'] and applied['diff'] == checked['diff']
    after = save(netns, variant)
    assert foreign(after) == before, 'a foreign rule changed'
    layout = render_iptables.Layout(placement=placement, management_networks=args['management_networks'])
    wanted = render_iptables.render(RULES[profile], layout)
    if profile == 'many':          # rules with a chain of their own, checked like the others below
        assert len(wanted['ipv4']) > len(layout.hooks) and len(wanted['ipv6']) > len(layout.hooks)
    for family in FAMILIES:
        for chain, lines in wanted[family].items():
            # What iptables-save prints is what the renderer wrote, line for line.
            assert chain_lines(after[family], chain) == lines
    jump = '-m comment --comment "atea-anywhere: Atea Anywhere requirements" -j %s' % layout.chain('forward')
    if placement == 'gateway':
        for family, last in (('ipv4', '-A FORWARD -j DROP'), ('ipv6', '-A FORWARD -j REJECT')):
            forward = parent_rules(after[family], 'FORWARD')
            # Before the user's rule that only drops or rejects, after the user's other rules.
            assert forward[-2] == '-A FORWARD ' + jump and forward[-1].startswith(last)
    else:
        for family in FAMILIES:
            for parent in ('INPUT', 'OUTPUT'):
                assert parent_rules(after[family], parent)[-1].endswith('-j %s%s' % (PREFIX, parent))

    again = run_module(netns, tmp_path, args)
    assert not again['changed'] and again['commands'] == [] and again['diff'] == [], again
    assert save(netns, variant) == after

    removed = run_module(netns, tmp_path, {'state': 'absent', 'variant': variant, 'placement': placement})
    assert removed['changed'] and not removed.get('failed'), removed
    assert save(netns, variant) == before, 'state absent did not remove exactly what was added'
    assert not run_module(netns, tmp_path, {'state': 'absent', 'variant': variant})['changed']


@pytest.mark.parametrize('variant', VARIANTS)
def test_jump_position_first_moves_the_jump_and_nothing_else(netns, tmp_path, variant):
    plant(netns, variant)
    args = {'rules': RULES['smb'], 'variant': variant}
    run_module(netns, tmp_path, args)
    chains = save(netns, variant)
    moved = run_module(netns, tmp_path, dict(args, jump_position='first'))
    assert moved['changed']
    # Our chain stays as it is: only the jump is deleted and inserted again.
    script = [line for line in moved['commands'] if not line.endswith('--noflush')]
    assert script == ['*filter', '-D FORWARD -m comment --comment "atea-anywhere: Atea Anywhere requirements" '
                      '-j ATEA-ANYWHERE-FORWARD', '-I FORWARD 1 -m comment --comment "atea-anywhere: Atea Anywhere '
                      'requirements" -j ATEA-ANYWHERE-FORWARD', 'COMMIT'] * 2
    after = save(netns, variant)
    assert parent_rules(after['ipv4'], 'FORWARD')[0].endswith('-j ATEA-ANYWHERE-FORWARD')
    assert foreign(after) == foreign(chains)
    assert not run_module(netns, tmp_path, dict(args, jump_position='first'))['changed']


def test_variant_auto_takes_the_one_holding_rules_and_refuses_two(netns, tmp_path):
    args = {'rules': RULES['smb']}
    empty = run_module(netns, tmp_path, args, check=True)
    # Neither holds rules: what iptables -V says.
    version = subprocess.run(['iptables', '-V'], capture_output=True, text=True, check=True).stdout
    assert empty['variant'] == ('nft' if 'nf_tables' in version else 'legacy')
    plant(netns, 'legacy', {'ipv4': 'iptables'})
    assert run_module(netns, tmp_path, args, check=True)['variant'] == 'legacy'
    plant(netns, 'nft', {'ipv6': 'ip6tables'})
    both = run_module(netns, tmp_path, args, check=True)
    assert both['failed'] and 'both iptables-nft and iptables-legacy hold rules' in both['msg']
    assert run_module(netns, tmp_path, dict(args, variant='nft'), check=True)['variant'] == 'nft'


@pytest.mark.parametrize('variant', VARIANTS)
@pytest.mark.parametrize('planted', [True, False], ids=['foreign-rules', 'no-tables-yet'])
def test_a_failed_step_restores_the_previous_state(netns, tmp_path, variant, planted):
    if planted:
        plant(netns, variant)
    before = save(netns, variant)
    # A rules file that iptables-restore --test refuses, even with our lines added: the last step fails.
    broken = '*filter\n-A INPUT --no-such-option -j ACCEPT\nCOMMIT\n'
    rules_file = tmp_path / 'rules.v4'
    rules_file.write_text(broken)
    result = run_module(netns, tmp_path, {'rules': RULES['enterprise'], 'variant': variant, 'persist': True,
                                          'persist_file_ipv4': str(rules_file),
                                          'persist_file_ipv6': str(tmp_path / 'rules.v6')})
    assert result['failed'] and not result['changed'], result
    assert 'The previous state was restored' in result['msg'] and 'iptables-restore --test refused' in result['msg']
    assert save(netns, variant) == before
    assert rules_file.read_text() == broken


@pytest.mark.parametrize('variant', VARIANTS)
def test_rules_files_get_our_lines_and_keep_the_users(netns, tmp_path, variant):
    plant(netns, variant)
    files = {}
    for family, command in FAMILIES.items():
        files[family] = tmp_path / ('rules.%s' % family)
        files[family].write_text(run(netns, ['%s-%s-save' % (command, variant)]))
    originals = dict((family, path.read_text()) for family, path in files.items())
    args = {'rules': RULES['many'], 'variant': variant, 'persist': True,
            'persist_file_ipv4': str(files['ipv4']), 'persist_file_ipv6': str(files['ipv6'])}
    applied = run_module(netns, tmp_path, args)
    assert applied['changed'] and sorted(applied['persisted']) == sorted(str(p) for p in files.values())
    live = save(netns, variant)
    for family, command in FAMILIES.items():
        text = files[family].read_text()
        # The file loads (as netfilter-persistent loads it) and holds what the live table holds, our lines included.
        run(netns, ['%s-%s-restore' % (command, variant), '--test', str(files[family])])
        assert foreign({family: text})[family] == originals[family]
        filter_lines = text.split('*filter\n', 1)[1].split('COMMIT', 1)[0].splitlines()
        # The same chains, and in each chain the same lines in the same order (chains may be listed in another order).
        for chain in set(line.split()[1] for line in live[family].splitlines() if ours(line) and line.startswith('-A')):
            assert chain_lines('\n'.join(filter_lines), chain) == chain_lines(live[family], chain)
        assert sorted(line for line in filter_lines if line.startswith(':') and ours(line)) == \
            sorted(line for line in live[family].splitlines() if line.startswith(':') and ours(line))
    assert not run_module(netns, tmp_path, args)['changed']
    run_module(netns, tmp_path, dict(args, state='absent'))
    assert dict((family, path.read_text()) for family, path in files.items()) == originals


def test_helper_rules_leave_the_rules_files_too(netns, tmp_path):
    """Requirement 1.1 at the next boot: a CT --helper rule the running table loses must not come back from rules.v4."""
    plant(netns, 'nft')
    helper = ['-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060', '-j', 'CT', '--helper', 'sip']
    run(netns, ['iptables-nft'] + helper)
    rules_v4 = tmp_path / 'rules.v4'
    rules_v4.write_text(run(netns, ['iptables-nft-save']))
    assert '--helper sip' in rules_v4.read_text()
    args = {'rules': RULES['smb'], 'variant': 'nft', 'persist': True, 'persist_file_ipv4': str(rules_v4),
            'persist_file_ipv6': str(tmp_path / 'rules.v6')}
    checked = run_module(netns, tmp_path, args, check=True)
    assert '--helper sip' in rules_v4.read_text() and checked['changed']
    applied = run_module(netns, tmp_path, args)
    assert sorted(f['kind'] for f in applied['voip_helpers']) == ['iptables-nft rule', 'rules file']
    assert '--helper' not in rules_v4.read_text() and '--helper' not in run(netns, ['iptables-nft-save', '-t', 'raw'])
    run(netns, ['iptables-nft-restore', '--test', str(rules_v4)])
    assert not run_module(netns, tmp_path, args)['changed']


HOSTILE = 'SIP "; -A INPUT -j ACCEPT \' \\ $(id) #'


@pytest.mark.parametrize('variant', VARIANTS)
def test_hostile_comment_text_is_quoted_and_a_line_break_refused(netns, tmp_path, variant):
    rules = json.loads(json.dumps(RULES['smb']))
    rules[0]['provenance'][0]['purpose'] = HOSTILE
    applied = run_module(netns, tmp_path, {'rules': rules, 'variant': variant})
    assert applied['changed'] and not applied.get('failed'), applied
    saved = save(netns, variant)['ipv4']
    assert '3 %s' % HOSTILE.replace('\\', '\\\\').replace('"', '\\"').replace("'", "\\'") in saved
    assert chain_lines(saved, 'INPUT') == []          # no rule was made of the comment
    assert not run_module(netns, tmp_path, {'rules': rules, 'variant': variant})['changed']
    before = save(netns, variant)
    rules[0]['provenance'][0]['purpose'] = 'SIP\n-A INPUT -j ACCEPT'
    refused = run_module(netns, tmp_path, {'rules': rules, 'variant': variant})
    assert refused['failed'] and "option 'rules[0].provenance[0].purpose'" in refused['msg']
    assert save(netns, variant) == before


def test_confirm_timeout_restores_unless_confirmed(netns, tmp_path):
    plant(netns, 'legacy')
    before = save(netns, 'legacy')
    applied = run_module(netns, tmp_path, {'rules': RULES['smb'], 'variant': 'legacy', 'confirm_timeout': 1})
    assert applied['changed'] and applied['rollback']['timeout'] == 1
    status = tmp_path / 'rollback' / applied['rollback']['id'] / 'status.json'
    for _attempt in range(100):
        if status.exists():
            break
        time.sleep(0.1)
    assert json.loads(status.read_text())['state'] == 'rolled back'
    assert save(netns, 'legacy') == before


def test_an_earlier_runs_unconfirmed_restore_is_never_a_quiet_success(netns, tmp_path):
    """A run cut off before its confirmation left the host as wanted with its restore due: the next run hands that
    rollback to the play (confirm_timeout) or fails saying so."""
    args = {'rules': RULES['smb'], 'variant': 'nft'}
    armed = run_module(netns, tmp_path, dict(args, confirm_timeout=60))['rollback']
    refused = run_module(netns, tmp_path, args)
    assert refused['failed'] and "an earlier run's change is not confirmed" in refused['msg'] and armed['id'] in refused['msg']
    again = run_module(netns, tmp_path, dict(args, confirm_timeout=60))
    assert not again['changed'] and again['rollback']['id'] == armed['id'] and again['rollback']['earlier_run']
    confirmed = run_module(netns, tmp_path, {'id': armed['id']}, module=CONFIRM)
    assert confirmed['confirmed'], confirmed
    assert not run_module(netns, tmp_path, args)['changed']


def test_through_ansible_playbook_with_the_filters(netns, tmp_path):
    """The lab's way: Ansible with a local connection and the interpreter 'ip netns exec <ns> python'."""
    plant(netns, 'nft')
    before = save(netns, 'nft')
    wrapper = tmp_path / 'python'
    wrapper.write_text('#!/bin/sh\nexec %s netns exec %s %s "$@"\n' % (shutil.which('ip'), netns, sys.executable))
    wrapper.chmod(0o755)
    playbook = tmp_path / 'play.yml'
    playbook.write_text(
        '- hosts: all\n  gather_facts: false\n  vars: {customer: %s}\n  tasks:\n'
        '    - atea.anywhere.iptables:\n'
        "        rules: \"{{ 'smb' | atea.anywhere.flows(customer_networks=customer) | atea.anywhere.rules }}\"\n"
        '        state: "{{ wanted }}"\n        persist: false\n        rollback_dir: %s\n'
        '      register: applied\n'
        '    - ansible.builtin.copy: {content: "{{ applied | to_json }}", dest: %s}\n      delegate_to: localhost\n'
        '      vars: {ansible_python_interpreter: %s}\n'
        % (json.dumps(CUSTOMER), tmp_path / 'rollback', tmp_path / 'result.json', sys.executable))
    inventory = tmp_path / 'hosts'
    inventory.write_text('%s ansible_connection=local ansible_python_interpreter=%s\n' % (netns, wrapper))

    def play(state):
        subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(inventory), str(playbook), '-e',
                        'wanted=%s' % state], cwd=REPO, check=True, capture_output=True, text=True)
        return json.loads((tmp_path / 'result.json').read_text())

    first = play('present')
    count = len(engine.compact_rules(engine.build_flows('smb', customer_networks=CUSTOMER)))
    assert first['changed'] and first['rules'] == count
    assert not play('present')['changed']
    assert play('absent')['changed']
    assert save(netns, 'nft') == before


def test_sip_helpers_are_removed_and_put_back_when_a_step_fails(netns, tmp_path):
    """Requirement 1.1 through voip_helpers (the raw table of 'iptables', the alternatives' variant, here nft)."""
    plant(netns, 'nft')
    helper = ['iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060', '-j', 'CT', '--helper', 'sip']
    run(netns, helper)
    raw_before = run(netns, ['iptables-save', '-t', 'raw']).split('\n', 1)[1]
    before = save(netns, 'nft')
    rules_file = tmp_path / 'rules.v4'
    rules_file.write_text('*filter\n-A INPUT --no-such-option -j ACCEPT\nCOMMIT\n')
    args = {'rules': RULES['smb'], 'variant': 'nft', 'persist': True, 'persist_file_ipv4': str(rules_file),
            'persist_file_ipv6': str(tmp_path / 'rules.v6')}
    failed = run_module(netns, tmp_path, args)
    assert failed['failed'] and 'The previous state was restored' in failed['msg']
    assert [f['kind'].rsplit('/', 1)[-1] for f in failed['voip_helpers']] == ['iptables-nft rule']
    assert save(netns, 'nft') == before
    assert '--helper sip' in run(netns, ['iptables-save', '-t', 'raw'])
    assert foreign({'raw': run(netns, ['iptables-save', '-t', 'raw']).split('\n', 1)[1]})['raw'].split('# Completed')[0] \
        == raw_before.split('# Completed')[0]
    applied = run_module(netns, tmp_path, dict(args, persist=False))
    assert applied['changed'] and applied['checklist_done'] == ['1.1'] and len(applied['voip_helpers']) == 1
    assert '--helper' not in run(netns, ['iptables-save', '-t', 'raw'])
    assert not run_module(netns, tmp_path, dict(args, persist=False))['changed']


def test_sip_helpers_of_iptables_legacy_are_found_where_the_alternative_is_nft(netns, tmp_path):
    """Debian's 'iptables' is iptables-nft; a helper rule in legacy's raw table is read and removed with legacy's own
    commands, both families, and the nft variant's raw table is left alone."""
    plant(netns, 'legacy')
    for command in ('iptables-legacy', 'ip6tables-legacy'):
        run(netns, [command, '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060', '-j', 'CT', '--helper', 'sip'])
    run(netns, ['iptables-nft', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5061', '-j', 'CT', '--notrack'])
    nft_raw = run(netns, ['iptables-nft-save', '-t', 'raw']).split('\n', 1)[1]
    applied = run_module(netns, tmp_path, {'rules': RULES['smb'], 'variant': 'legacy'})
    assert applied['changed'] and applied['checklist_done'] == ['1.1']
    assert sorted(f['kind'] for f in applied['voip_helpers']) == ['ip6tables-legacy rule', 'iptables-legacy rule']
    for command in ('iptables-legacy-save', 'ip6tables-legacy-save'):
        assert '--helper' not in run(netns, [command, '-t', 'raw'])
    assert run(netns, ['iptables-nft-save', '-t', 'raw']).split('\n', 1)[1].split('# Completed')[0] \
        == nft_raw.split('# Completed')[0]


@pytest.mark.parametrize('variant', VARIANTS)
def test_many_ports_and_source_port_lists_read_back_as_written(netns, tmp_path, variant):
    """Past 15 multiport slots (a range takes two) and with several source ranges, iptables-save prints what the
    renderer wrote."""
    ports = [[p, p] for p in range(2000, 2040, 2)] + [[3000, 3010], [4000, 4010]]
    rules = []
    for family, (source, destination) in (('ipv4', ('192.0.2.0/24', '198.51.100.7/32')),
                                          ('ipv6', ('2001:db8:2::/48', '2001:db8:1::7/128'))):
        rules.append({'name': 'inbound-mpls-udp-%s' % family, 'direction': 'inbound', 'family': family, 'protocol': 'udp',
                      'sources': [source], 'destinations': [destination], 'source_network': 'mpls',
                      'destination_network': None, 'source_ports': [[53, 53], [1024, 2047], [5000, 5001]],
                      'destination_ports': ports, 'icmp_type': None, 'sections': ['2.1'],
                      'provenance': [{'id': 'many', 'section': '2.1', 'purpose': 'many ports', 'name': 'many',
                                      'destination_ports': ports}]})
    applied = run_module(netns, tmp_path, {'rules': rules, 'variant': variant})
    assert applied['changed'] and not applied.get('failed'), applied
    wanted = render_iptables.render(rules, render_iptables.Layout())
    after = save(netns, variant)
    for family in FAMILIES:
        assert chain_lines(after[family], PREFIX + 'FORWARD') == wanted[family][PREFIX + 'FORWARD']
        assert len(wanted[family][PREFIX + 'FORWARD']) == 1 + 2     # replies, then 20 + 2 * 2 slots in two lines
    assert not run_module(netns, tmp_path, {'rules': rules, 'variant': variant})['changed']


LISTENER = '''
import socket, sys
servers = []
for port in (8022, 8023):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('192.0.2.1', port))
    server.listen(8)
    servers.append(server)
print('listening', flush=True)
sys.stdin.read()
'''
CONNECT = '''
import socket, sys
try:
    socket.create_connection(('192.0.2.1', int(sys.argv[1])), timeout=1).close()
    print('open')
except OSError:
    print('closed')
'''


@pytest.mark.parametrize('variant', VARIANTS)
def test_packets_pass_what_the_rules_accept_and_the_users_drop_policy_the_rest(tmp_path, variant):
    """Host placement behind the user's INPUT policy DROP: a client in management_networks reaches the
    management port and nothing else; before the run, and after state absent, it reaches nothing."""
    name = uuid.uuid4().hex[:6]
    firewall, client = 'ia-%s-f' % name, 'ia-%s-c' % name
    listener = None
    try:
        for netns in (firewall, client):
            subprocess.run(['ip', 'netns', 'add', netns], check=True)
            subprocess.run(['ip', '-n', netns, 'link', 'set', 'lo', 'up'], check=True)
        subprocess.run(['ip', '-n', firewall, 'link', 'add', 'ia-f', 'type', 'veth', 'peer', 'name', 'ia-c', 'netns', client],
                       check=True)
        for netns, device, address in ((firewall, 'ia-f', '192.0.2.1/24'), (client, 'ia-c', '192.0.2.2/24')):
            subprocess.run(['ip', '-n', netns, 'addr', 'add', address, 'dev', device], check=True)
            subprocess.run(['ip', '-n', netns, 'link', 'set', device, 'up'], check=True)
        run(firewall, ['iptables-%s' % variant, '-P', 'INPUT', 'DROP'])
        listener = subprocess.Popen(['ip', 'netns', 'exec', firewall, sys.executable, '-c', LISTENER],  # pylint: disable=consider-using-with
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert listener.stdout.readline().strip() == 'listening'

        def reachable():
            return [run(client, [sys.executable, '-c', CONNECT, str(port)]).strip() for port in (8022, 8023)]

        assert reachable() == ['closed', 'closed']
        args = {'rules': RULES['smb'], 'variant': variant, 'placement': 'host', 'management_networks': ['192.0.2.0/28'],
                'management_ports': [8022]}
        assert run_module(firewall, tmp_path, args)['changed']
        assert reachable() == ['open', 'closed']
        assert run_module(firewall, tmp_path, {'state': 'absent', 'variant': variant})['changed']
        assert reachable() == ['closed', 'closed']
    finally:
        if listener is not None:
            listener.kill()
            listener.wait()
        for netns in (firewall, client):
            subprocess.run(['ip', 'netns', 'del', netns], check=False)
