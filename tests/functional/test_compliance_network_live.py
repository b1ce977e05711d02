# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report of an applied network firewall describes the device as the run left it: in apply mode
IOS-XE and SRX are read live through their collections (the stand-ins of test_apply_mode.py, in a network namespace
of their own), not from a saved file. After site.yml every row is in place; after a hand change on the device (an
entry taken out, a policy deleted, over the same connection) report.yml shows that rule's rows different and the
others still in place."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sibling_tests

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms

_APPLY_MODE = sibling_tests.load(__file__, 'test_apply_mode')
stand_in_fixture = _APPLY_MODE.stand_in_fixture

# The rule the hand change takes from, and the change: an entry of its list out (IOS-XE), its policy deleted (SRX).
CHANGED = 'outbound-internet-udp-ipv4'


def _hand_change(platform):
    """The hand change as a playbook (JSON is YAML)."""
    rendered = vendor_platforms.render_config(_APPLY_MODE._rules('smb', None), platform)
    if platform == 'cisco_ios':
        blocks = _APPLY_MODE._blocks(rendered)
        acl = 'ip access-list extended ATEA-ANYWHERE-CUSTOMER-IN-V4'
        entry = next(line for line in blocks[acl] if line.startswith('permit udp '))
        task = {'cisco.ios.ios_config': {'parents': [acl], 'lines': ['no ' + entry], 'match': 'none'}}
    else:
        policy = next(line for line in rendered.splitlines() if ' policy ATEA-%s ' % CHANGED.upper() in line)
        task = {'junipernetworks.junos.junos_config': {
            'lines': ['delete ' + policy.split(' match ')[0].split(' then ')[0][len('set '):]]}}
    return json.dumps([{'hosts': 'fw-1', 'gather_facts': False, 'tasks': [task]}])


def _report(tmp_path):
    host = json.loads((tmp_path / 'report' / 'atea-anywhere-report.json').read_text())['hosts'][0]
    assert host['host'] == 'fw-1'
    return host


@_APPLY_MODE.pytestmark
@pytest.mark.parametrize('stand_in', ['cisco_ios', 'junos_srx'], indirect=True)
def test_an_applied_device_is_read_live_in_place_then_different_after_a_hand_change(stand_in, tmp_path):
    platform, site, _config = stand_in
    output = '-e', 'atea_anywhere_output_dir=%s' % tmp_path
    _APPLY_MODE._recap(site('smb', *output))
    host = _report(tmp_path)
    read_with = {'cisco_ios': 'show running-config', 'junos_srx': 'show configuration | display set'}[platform]
    assert (host['source'], host['read_from']) == ('live', read_with + ' (on the device)')
    assert set(row['status'] for row in host['rows']) == {'in_place'}, host['rows']

    playbook = tmp_path / 'hand-change.yml'
    playbook.write_text(_hand_change(platform))
    command = site.command('smb', *output)
    changed = subprocess.run([str(playbook) if word == 'playbooks/site.yml' else word for word in command],
                             cwd=_APPLY_MODE.REPO, capture_output=True, text=True, check=False)
    assert changed.returncode == 0 and 'changed=1' in changed.stdout, changed.stdout + changed.stderr
    report = subprocess.run(['playbooks/report.yml' if word == 'playbooks/site.yml' else word for word in command],
                            cwd=_APPLY_MODE.REPO, capture_output=True, text=True, check=False)
    assert report.returncode == 0, report.stdout + report.stderr
    host = _report(tmp_path)
    assert host['source'] == 'live'
    for row in host['rows']:
        assert row['status'] == ('different' if row['rule'] == CHANGED else 'in_place'), row


SAVED_INVENTORY = """firewalls:
  hosts:
    fgt-1: {atea_anywhere_platform: fortios, atea_anywhere_mode: apply, ansible_host: 192.0.2.1}
    ros-1: {atea_anywhere_platform: routeros, atea_anywhere_mode: apply, ansible_host: 192.0.2.2}
"""


def test_fortios_and_routeros_in_apply_mode_are_unknown_and_say_what_to_save_not_judged_from_an_older_file(tmp_path):
    """Their configurations saved before the apply, which would show every row in place, are not judged: the apply
    may have changed the device since. Nothing is contacted (no device answers at those addresses)."""
    saved = tmp_path / 'running'
    saved.mkdir()
    rules = _APPLY_MODE._rules('smb', None)
    for host, platform, suffix in (('fgt-1', 'fortios', 'fortios.conf'), ('ros-1', 'routeros', 'routeros.rsc')):
        (saved / ('%s.%s' % (host, suffix))).write_text(vendor_platforms.render_config(rules, platform))
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(SAVED_INVENTORY)
    extra = {'atea_anywhere_networks': _APPLY_MODE.NETWORKS, 'atea_anywhere_running_config_dir': str(saved),
             'atea_anywhere_output_dir': str(tmp_path)}
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
                          'playbooks/report.yml', '-e', 'profile=smb', '-e', json.dumps(extra)],
                         cwd=_APPLY_MODE.REPO, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    hosts = json.loads((tmp_path / 'report' / 'atea-anywhere-report.json').read_text())['hosts']
    assert sorted(host['host'] for host in hosts) == ['fgt-1', 'ros-1']
    for host in hosts:
        assert host['source'] == 'none'
        assert set(row['status'] for row in host['rows']) == {'unknown'}
        suffix = {'fortios': 'fortios.conf', 'routeros': 'routeros.rsc'}[host['platform']]
        for row in host['rows']:
            assert 'in apply mode %s is not read live' % host['platform'] in row['detail'], row
            assert 'save the device\'s configuration as %s.%s in atea_anywhere_running_config_dir' % (
                host['host'], suffix) in row['detail'], row
