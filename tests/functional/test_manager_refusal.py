# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real managers in network namespaces of this test's own (prefix da-), reached by Ansible through an interpreter
that runs the modules inside each: a running firewalld (private D-Bus bus, tests/lib/firewalld_daemon.py) and an
active ufw (tests/lib/ufw_namespace.py) make the plain nftables platform (the role with atea_anywhere_platform
nftables) refuse with a clear error and change nothing; linux_firewall_info names firewalld, ufw, iptables (iptables-nft rules, iptables-legacy rules) and
nftables (a user table) where each is planted, and nftables where firewalld and ufw are installed but not active."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import firewalld_daemon
import ufw_namespace

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
# namespace -> (commands planting the manager's evidence, the manager linux_firewall_info must name)
PLANTED = {
    'da-fwd': ([], 'firewalld'),
    'da-ufw': ([], 'ufw'),
    'da-ipn': ([['iptables-nft', '-A', 'FORWARD', '-s', '192.0.2.99', '-j', 'DROP'],
                ['ip6tables-nft', '-P', 'FORWARD', 'DROP']], 'iptables'),
    'da-ipl': ([['iptables-legacy', '-A', 'INPUT', '-s', '192.0.2.99', '-j', 'DROP']], 'iptables'),
    'da-nft': ([['nft', 'add table inet filter; add chain inet filter input '
                        '{ type filter hook input priority 0; policy accept; }']], 'nftables'),
    'da-none': ([], 'nftables'),
}
REFUSED = {'da-fwd': 'firewalld is running on this host: its own base chains reject what its zones do not allow, so '
                     'the rules of atea.anywhere.nftables would not let the flows through; use atea_anywhere_platform '
                     'linux (or firewalld)',
           'da-ufw': 'ufw is active on this host: its own chains drop what its rules do not allow, so the rules of '
                     'atea.anywhere.nftables would not let the flows through; use atea_anywhere_platform linux (or ufw)'}
PLAY = """
- name: Detect, and try the plain nftables platform where a manager is active
  hosts: all
  gather_facts: false
  tasks:
    - name: Detect the manager
      atea.anywhere.linux_firewall_info:
      register: info
    - name: Apply the SMB profile with the plain nftables platform
      when: inventory_hostname in refused_hosts
      block:
        - name: Apply the profile
          ansible.builtin.include_role:
            name: atea.anywhere.smb
          vars:
            atea_anywhere_platform: nftables
            atea_anywhere_customer_networks: [198.51.100.0/24]
            atea_anywhere_nftables_persist: false
            atea_anywhere_helper_blacklist_file: ""
      rescue:
        - name: Keep the refusal
          ansible.builtin.set_fact:
            applied: "{{ ansible_failed_result }}"
    - name: Keep what the modules said
      ansible.builtin.copy:
        content: "{{ {'info': info, 'applied': applied | default({})} | to_json }}"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
        mode: "0644"
"""

TOOLS = ('ip', 'nft', 'firewalld', 'dbus-daemon', 'ufw', 'iptables-nft', 'iptables-legacy')
pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not all(shutil.which(tool) for tool in TOOLS),
                                reason='needs root and %s' % ', '.join(TOOLS))


def _netns(namespace, argv):
    return subprocess.run(['ip', 'netns', 'exec', namespace] + argv, capture_output=True, text=True, check=True).stdout


def _ruleset(namespace):
    return _netns(namespace, ['nft', 'list', 'ruleset'])


@pytest.fixture(scope='module')
def hosts(tmp_path_factory):
    """Each namespace with its manager planted, and its interpreter wrapper (with the private bus for firewalld)."""
    state = tmp_path_factory.mktemp('managers')
    made = []
    try:
        for namespace, (commands, _manager) in PLANTED.items():
            subprocess.run(['ip', 'netns', 'add', namespace], check=True)
            made.append(namespace)
            _netns(namespace, ['ip', 'link', 'set', 'lo', 'up'])
            for argv in commands:
                _netns(namespace, argv)
        firewalld_daemon.start('da-fwd', str(state / 'firewalld'))
        ufw_namespace.enable('da-ufw')
        wrappers = {}
        for namespace in PLANTED:
            bus = ('export DBUS_SYSTEM_BUS_ADDRESS=%s\n' % firewalld_daemon.bus_address(str(state / 'firewalld'))
                   if namespace == 'da-fwd' else '')
            wrappers[namespace] = state / ('python-%s' % namespace)
            wrappers[namespace].write_text('#!/bin/sh\n%sexec ip netns exec %s %s "$@"\n' % (bus, namespace, sys.executable))
            wrappers[namespace].chmod(0o755)
        yield state, wrappers
    finally:
        firewalld_daemon.stop('da-fwd', str(state / 'firewalld'))
        ufw_namespace.disable('da-ufw')
        for namespace in made:
            subprocess.run(['ip', 'netns', 'delete', namespace], check=False)


@pytest.fixture(scope='module')
def results(hosts):
    """One playbook run over every namespace: (what each module said per host, rulesets before and after)."""
    state, wrappers = hosts
    inventory = {'all': {'hosts': dict((namespace, {'ansible_connection': 'local',
                                                    'ansible_python_interpreter': str(wrapper)})
                                       for namespace, wrapper in wrappers.items())}}
    (state / 'inventory.json').write_text(json.dumps(inventory))
    (state / 'play.yml').write_text(PLAY)
    out = state / 'out'
    out.mkdir()
    before = dict((namespace, _ruleset(namespace)) for namespace in REFUSED)
    run = subprocess.run([PLAYBOOK, '-i', str(state / 'inventory.json'), str(state / 'play.yml'), '-f', '10',
                          '-e', json.dumps({'out_dir': str(out), 'refused_hosts': sorted(REFUSED)})],
                         cwd=REPO, capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    after = dict((namespace, _ruleset(namespace)) for namespace in REFUSED)
    said = dict((namespace, json.loads((out / ('%s.json' % namespace)).read_text())) for namespace in PLANTED)
    return said, before, after


@pytest.mark.parametrize('namespace', sorted(REFUSED))
def test_plain_nftables_is_refused_where_a_manager_is_active_and_nothing_changes(results, namespace):
    said, before, after = results
    applied = said[namespace]['applied']
    assert applied['failed'] and applied['msg'].startswith(REFUSED[namespace]), applied
    assert applied['msg'].endswith('Nothing was changed.')
    assert after[namespace] == before[namespace]
    assert 'atea_anywhere' not in after[namespace]


@pytest.mark.parametrize('namespace', sorted(PLANTED))
def test_detection_names_the_planted_manager(results, namespace):
    info = results[0][namespace]['info']
    assert not info.get('failed') and not info['changed'], info
    assert info['manager'] == PLANTED[namespace][1], info['found']
    variants = {'da-ipn': 'nft', 'da-ipl': 'legacy'}
    if namespace in variants:
        assert info['iptables_variant'] == variants[namespace]
        assert ['iptables'] == [f['manager'] for f in info['found'] if f['active']]


def test_installed_but_stopped_managers_are_found_inactive(results):
    found = results[0]['da-none']['info']['found']
    assert [(f['manager'], f['active']) for f in found] == [('firewalld', False), ('ufw', False), ('nftables', False)]


def _site(state, name, extra):
    """playbooks/site.yml over every namespace: {host: its summary} (the JSON callback's last task)."""
    (state / ('%s.json' % name)).write_text(json.dumps(dict(extra, profile='smb', atea_anywhere_helper_blacklist_file='')))
    run = subprocess.run([PLAYBOOK, '-i', str(state / 'inventory.json'), '-f', '10', 'playbooks/site.yml',
                          '-e', '@%s' % (state / ('%s.json' % name))], cwd=REPO, capture_output=True, text=True,
                         check=False, timeout=180,
                         env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json',
                                  ANSIBLE_CALLBACK_RESULT_FORMAT='json'))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr
    (play,) = [play for play in json.loads(run.stdout)['plays'] if play['play']['name'] == 'Summary']
    (task,) = [task for task in play['tasks']
               if task['task']['name'] == 'Show per host what it did and what a person must still do']
    summary = task['hosts']['localhost']['results']
    return dict((item['item'], item['msg']) for item in summary)


def test_the_role_applies_through_the_detected_manager_and_confirms(hosts, results):
    """atea_anywhere_platform left at its default (linux): each host's rules go through its own manager, confirmed
    on a fresh connection by the shared confirm tasks; a second run changes nothing."""
    assert results  # the refusals ran first, on the managers as planted
    state, _wrappers = hosts
    first = _site(state, 'first', {'atea_anywhere_confirm': 'always', 'atea_anywhere_confirm_timeout': 60})
    second = _site(state, 'second', {})
    for namespace, (_commands, manager) in PLANTED.items():
        assert (first[namespace]['applied_through'], first[namespace]['changed']) == (manager, True), first[namespace]
        assert first[namespace]['confirmation'] == 'confirmed'
        assert (second[namespace]['applied_through'], second[namespace]['changed']) == (manager, False), second[namespace]
