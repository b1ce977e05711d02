# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply mode on a FortiGate and a RouterOS that already hold the customer's own policies or filter rules,
a deny among them: afterwards every customer entry is still there in its order, ours stand above the
customer's first deny that would take their traffic, a second run changes nothing, check mode changes
nothing, and a smaller profile removes only ours.

The stand-ins (tests/lab/fake_fortios.py, fake_routeros.py) and the site.yml runs are those of
test_apply_mode.py, in a network namespace of their own. Render mode with a saved FortiOS configuration
(atea_anywhere_running_config_dir) writes the same placement and deletes the helpers by the ids saved.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.render_fortios import FortiosRenderer

_SPEC = importlib.util.spec_from_file_location(
    'atea_apply_mode', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'test_apply_mode.py'))
APPLY = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(APPLY)
# The stand-in fixture (a device in a namespace, site.yml against it), started here from the configurations below.
stand_in_fixture = APPLY.stand_in_fixture
NEEDS_ROOT = APPLY.pytestmark


def _fgt_policy(policyid, name, srcintf, dstintf, action, **fields):
    return dict({'policyid': policyid, 'name': name, 'srcintf': [{'name': srcintf}], 'dstintf': [{'name': dstintf}],
                 'srcaddr': [{'name': 'all'}], 'dstaddr': [{'name': 'all'}], 'action': action,
                 'schedule': 'always', 'service': []}, **fields)


# The customer's policy list: a permit, a deny of their own on the interfaces ours use, a deny of everything.
FGT_CUSTOMER = [_fgt_policy(1, 'LAN-OUT', 'internal', 'wan1', 'accept'),
                _fgt_policy(7, 'NO-GUEST-OUT', 'internal', 'wan1', 'deny'),
                _fgt_policy(3, 'DENY-ALL', 'any', 'any', 'deny')]
FGT_DEVICE = {
    'firewall/address': [{'name': 'all', 'subnet': '0.0.0.0 0.0.0.0'}],
    'firewall/policy': FGT_CUSTOMER,
    'system/session-helper': [{'id': 21, 'name': 'sip', 'protocol': 17, 'port': 5060},
                              {'id': 13, 'name': 'ftp', 'protocol': 6, 'port': 21}],
    'system/settings': {'default-voip-alg-mode': 'proxy-based', 'opmode': 'nat'},
}
# The customer's forward chain: replies accepted, a drop of their own, a drop of everything else.
ROS_CUSTOMER = [
    {'chain': 'forward', 'action': 'accept', 'connection-state': 'established,related', 'comment': 'replies'},
    {'chain': 'forward', 'action': 'drop', 'protocol': 'tcp', 'dst-port': '23', 'comment': 'no telnet'},
    {'chain': 'forward', 'action': 'drop', 'comment': 'drop all'}]
ROS_DEVICE = {'/ip/firewall/filter': ROS_CUSTOMER,
              '/ip/firewall/service-port': [{'name': 'sip', 'ports': '5060,5061'}, {'name': 'h323'}]}


# MPLS and internet flows first (their policies meet different customer denies), then the smb profile.
LARGER = ['mpls_outbound', 'mra']


def _without(entry, *fields):
    return dict((key, value) for key, value in entry.items() if key not in fields)


def _fortios_policies(config):
    return json.loads(config.read_text())['firewall/policy']


def _check_fortios_in_force(config, rules):
    """The customer's policies all there in their order; each of ours, as rendered, above every customer deny
    of its interfaces (or any)."""
    policies = _fortios_policies(config)
    assert [entry for entry in policies if not entry['name'].startswith('ATEA-')] == FGT_CUSTOMER
    ours = [entry for entry in policies if entry['name'].startswith('ATEA-')]
    assert sorted(entry['name'] for entry in ours) == sorted(
        entry['name'] for kind, entry in FortiosRenderer(rules).entries() if kind == 'firewall policy')
    names = [entry['name'] for entry in policies]
    for entry in ours:
        for deny in FGT_CUSTOMER:
            stops = deny['action'] == 'deny' and all(
                theirs[0]['name'] in ('any', mine[0]['name'])
                for theirs, mine in ((deny['srcintf'], entry['srcintf']), (deny['dstintf'], entry['dstintf'])))
            if stops:
                assert names.index(entry['name']) < names.index(deny['name']), (entry['name'], deny['name'], names)
    return names


@NEEDS_ROOT
@pytest.mark.parametrize('stand_in', [('fortios', {'starting': json.dumps(FGT_DEVICE)})], indirect=True)
def test_fortios_policies_go_above_the_customers_first_deny_and_leave_theirs_in_order(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()
    check = site('smb', '--check', '--diff', components=LARGER)
    assert 'changed=0' not in APPLY._recap(check)
    assert 'before: 7' in check.stdout and 'before: 3' in check.stdout, check.stdout
    assert config.read_text() == before
    assert 'changed=0' not in APPLY._recap(site('smb', '--diff', components=LARGER))
    names = _check_fortios_in_force(config, APPLY._rules('smb', LARGER))
    # Internet policies stop at the customer's own deny of internal to wan1, MPLS ones at the deny of all.
    assert names[:1] == ['LAN-OUT'] and names[-1] == 'DENY-ALL'
    assert any('INTERNET' in name for name in names[1:names.index('NO-GUEST-OUT')])
    assert any('MPLS' in name for name in names[names.index('NO-GUEST-OUT'):-1])
    # Deleted by the id the device gave sip, not 13 (ftp here).
    assert json.loads(config.read_text())['system/session-helper'] == [FGT_DEVICE['system/session-helper'][1]]
    assert 'changed=0' in APPLY._recap(site('smb', components=LARGER))
    # The smb profile drops the MPLS policies: only ours go, theirs stay in order.
    assert 'changed=0' not in APPLY._recap(site('smb'))
    names = _check_fortios_in_force(config, APPLY._rules('smb', None))
    assert not [name for name in names if 'MPLS' in name]
    assert 'changed=0' in APPLY._recap(site('smb'))


def _routeros_chain(config):
    return [_without(entry, 'disabled') for entry in json.loads(config.read_text())['/ip/firewall/filter']]


def _routeros_wanted(components):
    return next(request['data'] for request in vendor_platforms.api_requests(
        APPLY._rules('smb', components), 'routeros') if request['path'] == 'ip firewall filter')


@NEEDS_ROOT
@pytest.mark.parametrize('stand_in', [('routeros', {'starting': json.dumps(ROS_DEVICE)})], indirect=True)
def test_routeros_rules_go_above_the_customers_first_drop_and_leave_theirs_in_order(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()
    check = site('smb', '--check', '--diff', components=LARGER)
    assert 'changed=0' not in APPLY._recap(check)
    assert '+        connection-state: established,related' in check.stdout, check.stdout
    assert config.read_text() == before
    assert 'changed=0' not in APPLY._recap(site('smb', '--diff', components=LARGER))
    wanted = _routeros_wanted(LARGER)
    assert wanted[0]['connection-state'] == 'established,related'
    # Theirs all there in order; ours, our reply rule first, between their reply rule and their first drop.
    assert _routeros_chain(config) == ROS_CUSTOMER[:1] + wanted + ROS_CUSTOMER[1:]
    assert 'changed=0' in APPLY._recap(site('smb', components=LARGER))
    # The smb profile drops the MPLS rules: only ours go, theirs stay in order.
    assert 'changed=0' not in APPLY._recap(site('smb'))
    smaller = _routeros_wanted(None)
    assert len(smaller) < len(wanted)
    assert _routeros_chain(config) == ROS_CUSTOMER[:1] + smaller + ROS_CUSTOMER[1:]
    assert 'changed=0' in APPLY._recap(site('smb'))


SAVED_FORTIOS = """config system session-helper
    edit 13
        set name ftp
        set protocol 6
        set port 21
    next
    edit 21
        set name sip
        set protocol 17
        set port 5060
    next
    edit 22
        set name h323
        set protocol 6
        set port 1720
    next
    edit 23
        set name ras
        set protocol 17
        set port 1719
    next
end
config firewall policy
    edit 1
        set name "LAN-OUT"
        set srcintf "internal"
        set dstintf "wan1"
        set action accept
    next
    edit 7
        set name "NO-GUEST-OUT"
        set srcintf "internal"
        set dstintf "wan1"
        set action deny
    next
end
"""


def test_fortios_render_mode_with_the_saved_configuration_deletes_helpers_by_id_and_places_policies(tmp_path):
    saved = tmp_path / 'running'
    saved.mkdir()
    (saved / 'fgt-1.fortios.conf').write_text(SAVED_FORTIOS)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('firewalls:\n  hosts:\n    fgt-1:\n      atea_anywhere_platform: fortios\n')
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), 'playbooks/site.yml',
         '-e', 'profile=smb', '-e', 'atea_anywhere_render_dir=%s' % (tmp_path / 'out'),
         '-e', 'atea_anywhere_running_config_dir=%s' % saved], cwd=APPLY.REPO, capture_output=True, text=True,
        check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = (tmp_path / 'out' / 'fgt-1.fortios.conf').read_text().splitlines()
    helpers = lines.index('config system session-helper')
    assert lines[helpers:helpers + 5] == ['config system session-helper', '    delete 21', '    delete 22',
                                          '    delete 23', 'end']
    assert '    delete 13' not in lines
    assert ['    move 9001 before 7', '    move 9002 before 7'] == [line for line in lines if 'move' in line
                                                                 and not line.startswith('#')]
