# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml in apply mode against a stand-in IOS-XE device (tests/lab/fake_ios.py) reached by cisco.ios.

The device and the playbook share a network namespace of their own with only a loopback, so nothing
leaves it. The Atea networks are stood in by documentation ranges.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETWORKS = {'mpls': '198.51.100.0/24', 'internet': '203.0.113.0/24'}
FOREIGN = """hostname atea-lab-ios
object-group network BRANCH-OFFICES
 10.99.0.0 255.255.0.0
ip access-list extended CUSTOMER-OWN
 remark the customer's own rules
 permit tcp object-group BRANCH-OFFICES any eq 443
"""
# Left by an earlier release: ours by the prefix, wanted by no profile.
STALE = """object-group network ATEA-NET-LEGACY
 192.0.2.0 255.255.255.0
ip access-list extended ATEA-ANYWHERE-LEGACY-IN-V4
 permit udp object-group ATEA-NET-LEGACY object-group BRANCH-OFFICES eq 5060
"""
INVENTORY = """firewalls:
  hosts:
    ios-1:
      atea_anywhere_platform: cisco_ios
      atea_anywhere_mode: apply
      ansible_host: 127.0.0.1
      ansible_port: 8022
      ansible_user: lab
      ansible_password: lab
      ansible_connection: ansible.netcommon.network_cli
      ansible_network_os: cisco.ios.ios
      ansible_host_key_checking: false
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('ip'), reason='needs root for a namespace')


def _blocks(text):
    blocks = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith('!') or line == 'end':
            continue
        if line.startswith(' '):
            blocks[header].append(line.strip())
        else:
            header = line
            blocks[header] = []
    return blocks


def _wanted(profile):
    rules = engine.compact_rules(engine.build_flows(profile, networks=NETWORKS))
    return _blocks(vendor_platforms.render_config(rules, 'cisco_ios'))


@pytest.fixture(name='device')
def device_fixture(tmp_path):
    namespace = 'atea-ios-%d' % os.getpid()
    subprocess.run(['ip', 'netns', 'add', namespace], check=True)
    process = None
    try:
        subprocess.run(['ip', '-n', namespace, 'link', 'set', 'lo', 'up'], check=True)
        config = tmp_path / 'running.cfg'
        config.write_text(FOREIGN + STALE)
        process = subprocess.Popen(
            ['ip', 'netns', 'exec', namespace, sys.executable, os.path.join(REPO, 'tests', 'lab', 'fake_ios.py'),
             '--listen', '127.0.0.1:8022', '--config', str(config), '--user', 'lab', '--password', 'lab'],
            stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == 'listening'
        inventory = tmp_path / 'inventory.yml'
        inventory.write_text(INVENTORY)

        def site(profile, *options):
            return subprocess.run(
                ['ip', 'netns', 'exec', namespace, os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
                 '-i', str(inventory), 'playbooks/site.yml', '-e', 'profile=%s' % profile,
                 '-e', json.dumps({'atea_anywhere_networks': NETWORKS,
                                   'atea_anywhere_render_dir': str(tmp_path / 'out')})] + list(options),
                cwd=REPO, capture_output=True, text=True, check=False)

        yield site, config
    finally:
        if process:
            process.kill()
            process.wait()
        subprocess.run(['ip', 'netns', 'del', namespace], check=False)


def _recap(run):
    assert run.returncode == 0, run.stdout + run.stderr
    return next(line for line in run.stdout.splitlines() if line.startswith('ios-1 '))


def test_check_mode_lists_the_lines_and_changes_nothing(device):
    site, config = device
    before = config.read_text()
    run = site('enterprise', '--check', '--diff')
    assert 'changed=0' not in _recap(run)
    assert 'changed: true' in run.stdout
    assert config.read_text() == before
    assert '- permit tcp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS eq 443' in run.stdout
    assert '- no ip nat service sip udp port 5060' in run.stdout


def test_apply_pushes_the_profile_keeps_foreign_lines_and_converges(device):
    site, config = device
    for profile, gone in (('enterprise', ['object-group network ATEA-NET-LEGACY',
                                          'ip access-list extended ATEA-ANYWHERE-LEGACY-IN-V4']),
                          ('smb', ['object-group network ATEA-NET-MPLS',
                                   'ip access-list extended ATEA-ANYWHERE-MPLS-IN-V4'])):
        run = site(profile, '--diff')
        assert 'changed=0' not in _recap(run), profile
        assert 'changed: true' in run.stdout
        assert '+++ after' in run.stdout
        running = _blocks(config.read_text())
        for header, children in _wanted(profile).items():
            assert running.get(header) == children, (profile, header)
        for header, children in _blocks(FOREIGN).items():
            assert running[header] == children, (profile, header)
        owned = [header for header in running if 'ATEA-' in header]
        assert sorted(owned) == sorted(header for header in _wanted(profile) if 'ATEA-' in header), profile
        for header in gone:
            assert header not in running, (profile, header)
        assert config.with_name('running.cfg.startup').read_text() == config.read_text()
        assert 'changed=0' in _recap(site(profile)), profile
