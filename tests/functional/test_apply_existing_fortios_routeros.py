# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply mode on a FortiGate and a RouterOS that already hold the customer's own policies or filter rules,
a deny among them: afterwards every customer entry is still there in its order, ours stand above the
customer's first deny that would take their traffic, a second run changes nothing (the FortiGate gets no
write request at all, as the stand-in counts them), check mode changes nothing, and a smaller profile removes
only ours. The independent device model (tests/lib/device_model.py) reads the stand-in's final state as the
device prints it (tests/lab/stand_in_text.py): every document flow of the profile and its reply pass, the
closed sample stays closed, and the customer's own traffic gets the verdict their own entry gave it before the
run (their specific deny still denies).

The stand-ins (tests/lab/fake_fortios.py, fake_routeros.py) and the site.yml runs are those of
test_apply_mode.py, in a network namespace of their own. Render mode with a saved FortiOS configuration
(atea_anywhere_running_config_dir) writes the same placement and deletes the helpers by the ids saved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import device_model
import fake_fortios
import pytest
import sibling_tests
import stand_in_text
import stand_in_walk

APPLY = sibling_tests.load(__file__, 'test_apply_mode')
# The stand-in fixture (a device in a namespace, site.yml against it), started here from the configurations below.
stand_in_fixture = APPLY.stand_in_fixture
NEEDS_ROOT = APPLY.pytestmark

WALK_NETWORKS = stand_in_walk.WALK_NETWORKS
# The interfaces each side is on: the renderers' defaults, which these runs keep.
FGT_ZONES = {'customer': 'internal', 'mpls': 'mpls', 'internet': 'wan1'}
ROS_ZONES = {'customer': 'bridge', 'mpls': 'ether2', 'internet': 'ether1'}


def _fgt_policy(policyid, name, srcintf, dstintf, action, srcaddr='all', service='ALL'):
    return {'policyid': policyid, 'name': name, 'srcintf': [{'name': srcintf}], 'dstintf': [{'name': dstintf}],
            'srcaddr': [{'name': srcaddr}], 'dstaddr': [{'name': 'all'}], 'action': action,
            'schedule': 'always', 'service': [{'name': service}]}


# The customer's policy list: HTTPS out for everyone, a deny of their guest network on the interfaces ours use,
# a deny of everything.
FGT_CUSTOMER = [_fgt_policy(1, 'LAN-OUT', 'internal', 'wan1', 'accept', service='HTTPS'),
                _fgt_policy(7, 'NO-GUEST-OUT', 'internal', 'wan1', 'deny', srcaddr='GUEST-NET'),
                _fgt_policy(3, 'DENY-ALL', 'any', 'any', 'deny')]
FGT_DEVICE = {
    'firewall/address': [{'name': 'all', 'subnet': '0.0.0.0 0.0.0.0'},
                         {'name': 'GUEST-NET', 'subnet': '192.168.77.0 255.255.255.0'}],
    # FortiOS keeps its predefined services in this table too.
    'firewall.service/custom': [{'name': 'ALL', 'protocol': 'IP'},
                                {'name': 'HTTPS', 'protocol': 'TCP/UDP/SCTP', 'tcp-portrange': '443'}],
    'firewall/policy': FGT_CUSTOMER,
    'system/session-helper': [{'id': 21, 'name': 'sip', 'protocol': 17, 'port': 5060},
                              {'id': 13, 'name': 'ftp', 'protocol': 6, 'port': 21}],
    'system/settings': {'default-voip-alg-mode': 'proxy-based', 'opmode': 'nat'},
}
# The customer's own traffic through the FortiGate: (packet, from side, to side, passes, the policy that decides).
FGT_CUSTOMER_TRAFFIC = [
    (device_model.packet('tcp', '10.1.2.3', '192.0.2.10', 443, 40000), 'customer', 'internet', True, 'policy 1 '),
    (device_model.packet('tcp', '192.168.77.20', '192.0.2.10', 9, 40000), 'customer', 'internet', False,
     'policy 7 '),
    (device_model.packet('tcp', '10.1.2.3', '192.0.2.10', 9, 40000), 'customer', 'internet', False, 'policy 3 '),
    (device_model.packet('tcp', '10.1.2.3', '198.51.100.5', 9, 40000), 'customer', 'mpls', False, 'policy 3 '),
    (device_model.packet('tcp', '198.51.100.5', '10.1.2.3', 23, 40000), 'mpls', 'customer', False, 'policy 3 ')]

# The customer's forward chain: replies accepted, a drop of their own, a drop of everything else.
ROS_CUSTOMER = [
    {'chain': 'forward', 'action': 'accept', 'connection-state': 'established,related', 'comment': 'replies'},
    {'chain': 'forward', 'action': 'drop', 'protocol': 'tcp', 'dst-port': '23', 'comment': 'no telnet'},
    {'chain': 'forward', 'action': 'drop', 'comment': 'drop all'}]
ROS_DEVICE = {'/ip/firewall/filter': ROS_CUSTOMER,
              '/ip/firewall/service-port': [{'name': 'sip', 'ports': '5060,5061'}, {'name': 'h323'}]}
ROS_CUSTOMER_TRAFFIC = [
    (device_model.packet('tcp', '10.1.2.3', '198.51.100.5', 23, 40000), 'customer', 'mpls', False, '(no telnet)'),
    (device_model.packet('tcp', '198.51.100.5', '10.1.2.3', 23, 40000), 'mpls', 'customer', False, '(no telnet)'),
    (device_model.packet('tcp', '10.1.2.3', '192.0.2.10', 9, 40000), 'customer', 'internet', False, '(drop all)')]


# MPLS and internet flows first (their policies meet different customer denies), then the smb profile.
LARGER = ['mpls_outbound', 'mra']
# The walk's name for what a run with components=LARGER applies (sections 2.1 and 3).
LARGER_APPLIED = stand_in_walk.applied('smb', LARGER)


def _without(entry, *fields):
    return dict((key, value) for key, value in entry.items() if key not in fields)


def _walk(platform, final, starting, zones, profile, customer_traffic):
    """The device model's reading of the stand-in's final state (and of its starting state, as `before`): every
    document flow of what was applied and its reply pass, the closed sample stays closed (what the customer's
    configuration passed before counts as theirs), and each packet of the customer's own traffic gets the verdict
    their own entry gave it before the run."""
    device = stand_in_walk.load(platform, final, zones=zones)
    before = stand_in_walk.load(platform, starting, zones=zones)
    walked = stand_in_walk.walk(device, profile, before)
    for sent, ingress, egress, passes, decided_by in customer_traffic:
        for state, verdict in (('before', before.passes(sent, ingress, egress)),
                               ('after', device.passes(sent, ingress, egress))):
            assert (bool(verdict), decided_by in verdict.reason) == (passes, True), (
                state, device_model.describe(sent), verdict.reason)
    return walked


def _fortios_state(config):
    return json.loads(config.read_text())


def _fortios_writes(config):
    """The write requests (POST, PUT, DELETE) the stand-in FortiGate has answered so far."""
    answered = fake_fortios.requests_answered(config)
    return sum(answered[method] for method in fake_fortios.WRITES)


def _check_fortios_order(state):
    """The customer's policies all there in their order; each of ours above every customer deny of its interfaces
    (or any), as first match needs."""
    policies = state['firewall/policy']
    assert [entry for entry in policies if not entry['name'].startswith('ATEA-')] == FGT_CUSTOMER
    ours = [entry for entry in policies if entry['name'].startswith('ATEA-')]
    assert ours
    names = [entry['name'] for entry in policies]
    for entry in ours:
        for deny in FGT_CUSTOMER:
            stops = deny['action'] == 'deny' and all(
                theirs[0]['name'] in ('any', mine[0]['name'])
                for theirs, mine in ((deny['srcintf'], entry['srcintf']), (deny['dstintf'], entry['dstintf'])))
            if stops:
                assert names.index(entry['name']) < names.index(deny['name']), (entry['name'], deny['name'], names)
    return names


def _fortios_misplaced(state):
    """The state with our policies moved below the customer's (after their deny of everything)."""
    policies = state['firewall/policy']
    ours = [entry for entry in policies if entry['name'].startswith('ATEA-')]
    return dict(state, **{'firewall/policy': [entry for entry in policies if entry not in ours] + ours})


@NEEDS_ROOT
@pytest.mark.parametrize('stand_in', [('fortios', {'starting': json.dumps(FGT_DEVICE)})], indirect=True)
def test_fortios_policies_go_above_the_customers_first_deny_and_leave_theirs_in_order(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()
    check = site('smb', '--check', '--diff', components=LARGER)
    assert 'changed=0' not in APPLY._recap(check)
    assert 'before: 7' in check.stdout and 'before: 3' in check.stdout, check.stdout
    assert config.read_text() == before and _fortios_writes(config) == 0
    assert 'changed=0' not in APPLY._recap(site('smb', '--diff', components=LARGER))
    written = _fortios_writes(config)
    assert written > 0
    state = _fortios_state(config)
    names = _check_fortios_order(state)
    # Internet policies stop at the customer's own deny of internal to wan1, MPLS ones at the deny of all.
    assert names[:1] == ['LAN-OUT'] and names[-1] == 'DENY-ALL'
    assert any('INTERNET' in name for name in names[1:names.index('NO-GUEST-OUT')])
    assert any('MPLS' in name for name in names[names.index('NO-GUEST-OUT'):-1])
    # Deleted by the id the device gave sip, not 13 (ftp here).
    assert state['system/session-helper'] == [FGT_DEVICE['system/session-helper'][1]]
    walked = _walk('fortios', state, FGT_DEVICE, FGT_ZONES, LARGER_APPLIED, FGT_CUSTOMER_TRAFFIC)
    # The same policies below the customer's denies: the model sees the flows stopped.
    misplaced = device_model.walk(device_model.load('fortios', stand_in_text.fortios_show(_fortios_misplaced(state)),
                                                    zones=FGT_ZONES, base=''), LARGER_APPLIED, WALK_NETWORKS,
                                  sections=stand_in_walk.sections(LARGER_APPLIED))
    assert len(misplaced.failures) == misplaced.flows, device_model.summary(misplaced.failures)
    # The second run finds the device as wanted (as FortiOS returns it: q_origin_key, subnets with a netmask) and
    # sends no write request at all.
    assert 'changed=0' in APPLY._recap(site('smb', components=LARGER))
    assert _fortios_writes(config) == written
    # The smb profile drops the MPLS policies: only ours go, theirs stay in order.
    assert 'changed=0' not in APPLY._recap(site('smb'))
    written = _fortios_writes(config)
    state = _fortios_state(config)
    names = _check_fortios_order(state)
    assert not [name for name in names if 'MPLS' in name]
    smaller = _walk('fortios', state, FGT_DEVICE, FGT_ZONES, 'smb', FGT_CUSTOMER_TRAFFIC)
    assert 'changed=0' in APPLY._recap(site('smb'))
    assert _fortios_writes(config) == written
    print('device model walk of the FortiOS results: 2.1+3 %d flows, %d replies, %d closed (%d passed before); '
          'smb %d flows, %d replies, %d closed (%d passed before)'
          % (walked.flows, walked.replies, walked.closed, walked.passed_before,
             smaller.flows, smaller.replies, smaller.closed, smaller.passed_before))


def _routeros_chain(state):
    return [_without(entry, 'disabled') for entry in state['/ip/firewall/filter']]


def _routeros_ours(chain):
    return [entry for entry in chain if entry.get('comment', '').startswith('ATEA')]


def _routeros_misplaced(state):
    """The state with our rules moved below the customer's drop of everything."""
    chain = state['/ip/firewall/filter']
    ours = _routeros_ours(chain)
    return dict(state, **{'/ip/firewall/filter': [entry for entry in chain if entry not in ours] + ours})


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
    state = json.loads(config.read_text())
    chain = _routeros_chain(state)
    ours = _routeros_ours(chain)
    # Ours start with a reply rule of their own (the customer's could go).
    assert ours and ours[0]['connection-state'] == 'established,related'
    # Theirs all there in order; ours together between their reply rule and their first drop.
    assert chain == ROS_CUSTOMER[:1] + ours + ROS_CUSTOMER[1:]
    walked = _walk('routeros', state, ROS_DEVICE, ROS_ZONES, LARGER_APPLIED, ROS_CUSTOMER_TRAFFIC)
    # The same rules below the customer's drops: the model sees the flows stopped.
    misplaced = device_model.walk(device_model.load('routeros', stand_in_text.routeros_export(
        _routeros_misplaced(state)), zones=ROS_ZONES, base=''), LARGER_APPLIED, WALK_NETWORKS,
        sections=stand_in_walk.sections(LARGER_APPLIED))
    assert len(misplaced.failures) == misplaced.flows, device_model.summary(misplaced.failures)
    assert 'changed=0' in APPLY._recap(site('smb', components=LARGER))
    # The smb profile drops the MPLS rules: only ours go, theirs stay in order.
    assert 'changed=0' not in APPLY._recap(site('smb'))
    chain = _routeros_chain(json.loads(config.read_text()))
    smaller = _routeros_ours(chain)
    assert smaller and len(smaller) < len(ours) and not [e for e in smaller if 'MPLS' in e.get('comment', '')]
    assert chain == ROS_CUSTOMER[:1] + smaller + ROS_CUSTOMER[1:]
    smaller_walk = _walk('routeros', json.loads(config.read_text()), ROS_DEVICE, ROS_ZONES, 'smb',
                         ROS_CUSTOMER_TRAFFIC)
    assert 'changed=0' in APPLY._recap(site('smb'))
    print('device model walk of the RouterOS results: 2.1+3 %d flows, %d replies, %d closed (%d passed before); '
          'smb %d flows, %d replies, %d closed (%d passed before)'
          % (walked.flows, walked.replies, walked.closed, walked.passed_before,
             smaller_walk.flows, smaller_walk.replies, smaller_walk.closed, smaller_walk.passed_before))


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
