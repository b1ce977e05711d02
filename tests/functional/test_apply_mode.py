# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml in apply mode against stand-in devices reached by the vendor collections: IOS-XE by cisco.ios
over network_cli (tests/lab/fake_ios.py), SRX by junipernetworks.junos over NETCONF (fake_junos.py),
RouterOS by community.routeros over its API (fake_routeros.py), FortiGate by fortinet.fortios over its REST
API (fake_fortios.py).

Each device and the playbook share a network namespace of their own with only a loopback, so nothing
leaves it. The Atea networks are stood in by documentation ranges.

What a run leaves on the device is read back as the device prints it and walked on the independent device model
(tests/lib/stand_in_walk.py, tests/lib/device_model.py): every document flow of what was applied and its reply pass,
the closed sample stays closed, the VoIP inspections are off. The customer's lines stay, what each step no longer
wants goes, and a second run changes nothing.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import stand_in_walk

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_ios import normalized_entry

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETWORKS = stand_in_walk.RUN_NETWORKS
IOS_FOREIGN = """hostname atea-lab-ios
archive
 path bootflash:atea-lab
object-group network BRANCH-OFFICES
 10.99.0.0 255.255.0.0
ip access-list extended CUSTOMER-OWN
 remark the customer's own rules
 permit tcp object-group BRANCH-OFFICES any eq 443
interface GigabitEthernet2
 description LAN
 ip access-group LAN-IN in
"""
# Left by an earlier release: ours by the prefix, wanted by no profile.
IOS_STALE = """object-group network ATEA-NET-LEGACY
 192.0.2.0 255.255.255.0
ip access-list extended ATEA-ANYWHERE-LEGACY-IN-V4
 permit udp object-group ATEA-NET-LEGACY object-group BRANCH-OFFICES eq 5060
"""
SRX_FOREIGN = """set security zones security-zone trust interfaces ge-0/0/1.0
set security address-book global address BRANCH 10.99.0.0/16
set security policies from-zone trust to-zone untrust policy CUSTOMER-WEB match source-address BRANCH
set security policies from-zone trust to-zone untrust policy CUSTOMER-WEB match destination-address any
set security policies from-zone trust to-zone untrust policy CUSTOMER-WEB match application junos-https
set security policies from-zone trust to-zone untrust policy CUSTOMER-WEB then permit
"""
SRX_STALE = """set security address-book global address ATEA-NET-LEGACY-1 192.0.2.0/24
set security address-book global address-set ATEA-NET-LEGACY address ATEA-NET-LEGACY-1
set security policies from-zone trust to-zone untrust policy ATEA-LEGACY match source-address BRANCH
set security policies from-zone trust to-zone untrust policy ATEA-LEGACY match destination-address ATEA-NET-LEGACY
set security policies from-zone trust to-zone untrust policy ATEA-LEGACY match application junos-sip
set security policies from-zone trust to-zone untrust policy ATEA-LEGACY then permit
"""
ROS_FOREIGN = {
    '/ip/firewall/address-list': [{'list': 'BRANCH', 'address': '10.99.0.0/16'}],
    '/ip/firewall/filter': [
        {'chain': 'forward', 'action': 'accept', 'connection-state': 'established,related,untracked',
         'comment': 'defconf: accept established,related, untracked'},
        {'chain': 'forward', 'action': 'drop', 'connection-state': 'invalid', 'comment': 'defconf: drop invalid'},
        {'chain': 'forward', 'action': 'drop', 'connection-nat-state': '!dstnat', 'in-interface-list': 'WAN',
         'comment': 'defconf: drop all from WAN not DSTNATed'}],
    '/ip/firewall/service-port': [{'name': 'sip', 'ports': '5060,5061'}, {'name': 'h323'}, {'name': 'ftp', 'ports': '21'}],
}
ROS_STALE = {
    '/ip/firewall/address-list': [{'list': 'ATEA-NET-LEGACY', 'address': '192.0.2.0/24', 'comment': 'ATEA: old'}],
    '/ip/firewall/filter': [{'chain': 'forward', 'action': 'accept', 'protocol': 'udp', 'dst-port': '5060',
                             'dst-address-list': 'ATEA-NET-LEGACY', 'comment': 'ATEA: legacy'}],
}
FGT_FOREIGN = {
    'firewall/address': [{'name': 'BRANCH', 'subnet': '10.99.0.0 255.255.0.0'}],
    'firewall/policy': [{'policyid': 1, 'name': 'LAN-OUT', 'srcintf': [{'name': 'internal'}], 'dstintf': [{'name': 'wan1'}],
                         'srcaddr': [{'name': 'BRANCH'}], 'dstaddr': [{'name': 'BRANCH'}], 'action': 'accept',
                         'schedule': 'always', 'service': [], 'logtraffic': 'utm'}],
    'system/session-helper': [{'id': 12, 'name': 'ftp', 'protocol': 6, 'port': 21},
                              {'id': 13, 'name': 'sip', 'protocol': 17, 'port': 5060},
                              {'id': 2, 'name': 'h323', 'protocol': 6, 'port': 1720},
                              {'id': 3, 'name': 'ras', 'protocol': 17, 'port': 1719}],
    'system/settings': {'default-voip-alg-mode': 'proxy-based', 'opmode': 'nat'},
}
FGT_STALE = {
    'firewall/address': [{'name': 'ATEA-NET-LEGACY-1', 'subnet': '192.0.2.0 255.255.255.0'}],
    'firewall/addrgrp': [{'name': 'ATEA-NET-LEGACY', 'member': [{'name': 'ATEA-NET-LEGACY-1'}]}],
    'firewall.service/custom': [{'name': 'ATEA-SVC-LEGACY', 'udp-portrange': '5060'}],
    'firewall/policy': [{'policyid': 9050, 'name': 'ATEA-LEGACY', 'srcintf': [{'name': 'internal'}],
                         'dstintf': [{'name': 'wan1'}], 'srcaddr': [{'name': 'BRANCH'}],
                         'dstaddr': [{'name': 'ATEA-NET-LEGACY'}], 'service': [{'name': 'ATEA-SVC-LEGACY'}],
                         'action': 'accept', 'schedule': 'always'}],
}
CONNECTION = {
    'cisco_ios': 'ansible_connection: ansible.netcommon.network_cli, ansible_network_os: cisco.ios.ios, '
                 'ansible_port: 8022, ansible_host_key_checking: false',
    'junos_srx': 'ansible_connection: ansible.netcommon.netconf, ansible_network_os: junipernetworks.junos.junos, '
                 'ansible_port: 8022, ansible_host_key_checking: false',
    'routeros': 'atea_anywhere_routeros_api_tls: false, atea_anywhere_routeros_api_port: 8022',
    'fortios': 'ansible_connection: ansible.netcommon.httpapi, ansible_network_os: fortinet.fortios.fortios, '
               'ansible_httpapi_use_ssl: false, ansible_httpapi_port: 8022, ansible_httpapi_session_key: {access_token: lab}',
}
DEVICES = {
    'cisco_ios': ('fake_ios.py', IOS_FOREIGN + IOS_STALE),
    'junos_srx': ('fake_junos.py', SRX_FOREIGN + SRX_STALE),
    # The stale filter rule of ours where an earlier run left it: above the chain's last drop.
    'routeros': ('fake_routeros.py', json.dumps(dict(
        (menu, entries[:2] + ROS_STALE.get(menu, []) + entries[2:]) for menu, entries in ROS_FOREIGN.items()))),
    'fortios': ('fake_fortios.py', json.dumps(dict(
        (table, FGT_FOREIGN.get(table, []) + FGT_STALE.get(table, []) if table != 'system/settings'
         else FGT_FOREIGN[table]) for table in set(FGT_FOREIGN) | set(FGT_STALE)))),
}
INVENTORY = """firewalls:
  hosts:
    fw-1: {{atea_anywhere_platform: {platform}, atea_anywhere_mode: apply,
           ansible_host: 127.0.0.1, ansible_user: lab, ansible_password: lab, {connection}}}
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('ip'), reason='needs root for a namespace')


def _blocks(text):
    """IOS configuration: each top-level line with its children."""
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


def _set_lines(text):
    return set(line for line in text.splitlines() if line.startswith('set '))


# Profile, or components instead: from the whole enterprise profile down to fewer sections, and then to a
# set that drops the MPLS network while adding Virtual Meeting Room ports (removals and additions at once).
STEPS = (('enterprise', None), ('smb', ['mpls_outbound', 'mra']), ('smb', ['mra', 'vmr']))
# FortiOS takes a module run per entry, so its steps are smaller: MPLS and internet, then the MPLS network
# goes while the internet policies stay (they keep their ids; a policy name is unique on the device).
FORTIOS_STEPS = (('smb', ['mpls_outbound', 'mra']), ('smb', None))


def _rules(profile, components):
    return engine.compact_rules(engine.build_flows(None if components else profile, components=components,
                                                   networks=NETWORKS))


def _wanted(platform, profile, components):
    return vendor_platforms.render_config(_rules(profile, components), platform)


# A stand-in minute, in seconds: a commit confirmed or revert timer of the default 120 seconds (2 minutes)
# rolls back after 20 seconds.
MINUTE = 10
STAND_IN_OPTIONS = {'junos_srx': ['--seconds-per-minute', str(MINUTE)],
                    'cisco_ios': ['--seconds-per-minute', str(MINUTE)]}


@pytest.fixture(name='stand_in', params=sorted(DEVICES))
def stand_in_fixture(request, tmp_path):
    """(platform, site(profile, *options), the device's configuration file) for each stand-in. A test
    parametrised indirectly with (platform, option, ...) starts the stand-in with those options too, and
    with (platform, ..., {'starting': text}) from that configuration."""
    platform, *options = request.param if isinstance(request.param, tuple) else (request.param,)
    script, starting = DEVICES[platform]
    if options and isinstance(options[-1], dict):
        starting = options.pop()['starting']
    options = STAND_IN_OPTIONS.get(platform, []) + options
    namespace = 'atea-apply-%d' % os.getpid()
    subprocess.run(['ip', 'netns', 'add', namespace], check=True)
    process = None
    try:
        subprocess.run(['ip', '-n', namespace, 'link', 'set', 'lo', 'up'], check=True)
        config = tmp_path / 'device.cfg'
        config.write_text(starting)
        process = subprocess.Popen(
            ['ip', 'netns', 'exec', namespace, sys.executable, os.path.join(REPO, 'tests', 'lab', script),
             '--listen', '127.0.0.1:8022', '--config', str(config), '--user', 'lab', '--password', 'lab'] + options,
            stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == 'listening'
        inventory = tmp_path / 'inventory.yml'
        inventory.write_text(INVENTORY.format(platform=platform, connection=CONNECTION[platform]))

        def command(profile, *options, components=None, zones=None):
            extra = {'atea_anywhere_networks': NETWORKS, 'atea_anywhere_render_dir': str(tmp_path / 'out'),
                     'atea_anywhere_components': components or [], 'atea_anywhere_zones': zones or {}}
            return (['ip', 'netns', 'exec', namespace, os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
                     '-i', str(inventory), 'playbooks/site.yml', '-e', 'profile=%s' % profile,
                     '-e', json.dumps(extra)] + list(options))

        def site(profile, *options, components=None, zones=None):
            return subprocess.run(command(profile, *options, components=components, zones=zones),
                                  cwd=REPO, capture_output=True, text=True, check=False)

        # The command line, for a test that starts the run itself.
        site.command = command

        yield platform, site, config
    finally:
        if process:
            process.kill()
            process.wait()
        subprocess.run(['ip', 'netns', 'del', namespace], check=False)


def _recap(run):
    assert run.returncode == 0, run.stdout + run.stderr
    return next(line for line in run.stdout.splitlines() if line.startswith('fw-1 '))


def test_check_mode_shows_the_change_and_changes_nothing(stand_in):
    platform, site, config = stand_in
    before = config.read_text()
    run = site('smb' if platform == 'fortios' else 'enterprise', '--check', '--diff')
    assert 'changed=0' not in _recap(run)
    assert 'changed: true' in run.stdout
    assert config.read_text() == before
    shown = {'cisco_ios': ['- permit tcp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS eq 443',
                           '- no ip nat service sip udp port 5060'],
             'junos_srx': ['+ set security address-book global address ATEA-NET-MPLS-1 198.51.100.0/24',
                           '+ set security alg sip disable',
                           '- set security policies from-zone trust to-zone untrust policy ATEA-LEGACY then permit'],
             'routeros': ['+        dst-address-list: ATEA-NET-MPLS', '-        dst-address-list: ATEA-NET-LEGACY'],
             'fortios': ['changed: [fw-1] => (item=ATEA-NET-INTERNET-1)', 'changed: [fw-1] => (item=9050)',
                         'changed: [fw-1] => (item=13)', 'changed: [fw-1] => (item=2)']}
    for line in shown[platform]:
        assert line in run.stdout.splitlines() or '    ' + line in run.stdout, line


# These runs give no zones, so ours stay unbound as the rendered file leaves them; the model binds each list of ours
# on an interface of its side, as the file's comments say (GigabitEthernet2 is the customer's).
IOS_MODEL_ZONES = {'customer': 'GigabitEthernet1', 'mpls': 'GigabitEthernet3', 'internet': 'GigabitEthernet4'}
IOS_MODEL_BINDINGS = ''.join('interface %s\n ip access-group ATEA-ANYWHERE-%s-IN-V4 in\n' % (interface, side.upper())
                             for side, interface in sorted(IOS_MODEL_ZONES.items()))
# The stand-in RouterOS holds no interface lists: the default configuration's WAN list, which its last drop names.
ROS_WAN = '/interface list member\nadd list=WAN interface=ether1'


def _check_ios(config, profile, components, gone):
    text = config.read_text()
    running = _ios_running(text)
    for header, children in _blocks(IOS_FOREIGN).items():
        assert running[header] == children, (profile, header)
    for header in gone:
        assert header not in running, (profile, header)
    # No list or group of ours left over that this step does not render.
    owned = [header for header in running if 'ATEA-' in header]
    assert sorted(owned) == sorted(header for header in _blocks(_wanted('cisco_ios', profile, components))
                                   if 'ATEA-' in header), profile
    assert config.with_name('device.cfg.startup').read_text() == text
    # Before the run the interfaces ours go on had no list, which passes everything: the lists are walked alone.
    device = stand_in_walk.load('cisco_ios', text + IOS_MODEL_BINDINGS, zones=IOS_MODEL_ZONES)
    assert device.voip_inspection() == []
    return stand_in_walk.walk(device, stand_in_walk.applied(profile, components))


def _check_srx(config, profile, components, gone):
    text = config.read_text()
    committed = _set_lines(text)
    assert _set_lines(SRX_FOREIGN) <= committed, profile
    assert not [line for line in committed for name in gone if name in line], profile
    # The model's base: the zones' interfaces and IPv6 flow mode. Walked without the device before (whose legacy
    # policy names junos-sip, which the model does not define): the customer's one policy passes HTTPS of BRANCH.
    device = stand_in_walk.load('junos_srx', text, base=None)
    assert device.voip_inspection() == []
    return stand_in_walk.walk(device, stand_in_walk.applied(profile, components))


def _without_disabled(entries):
    return [dict((k, v) for k, v in entry.items() if k != 'disabled') for entry in entries]


def _check_routeros(config, profile, components, gone):
    menus = json.loads(config.read_text())
    for menu, entries in ROS_FOREIGN.items():
        if menu != '/ip/firewall/service-port':
            assert [entry for entry in _without_disabled(menus[menu]) if entry in entries] == entries, menu
    chain = _without_disabled(menus['/ip/firewall/filter'])
    foreign = ROS_FOREIGN['/ip/firewall/filter']
    ours = [entry for entry in chain if entry not in foreign]
    # Ours, together, between the drop of invalid packets and the chain's last drop.
    assert ours and chain == foreign[:2] + ours + foreign[2:], profile
    assert all(entry['comment'].startswith('ATEA: ') for entry in ours), ours
    ports = dict((entry['name'], entry) for entry in menus['/ip/firewall/service-port'])
    assert ports['ftp'] == {'name': 'ftp', 'ports': '21'}
    assert not [entry for entries in menus.values() for entry in entries for name in gone if name in json.dumps(entry)]
    device = stand_in_walk.load('routeros', menus, base=ROS_WAN)
    assert device.voip_inspection() == []
    before = stand_in_walk.load('routeros', DEVICES['routeros'][1], base=ROS_WAN)
    return stand_in_walk.walk(device, stand_in_walk.applied(profile, components), before)


def _check_fortios(config, profile, components, gone):
    tables = json.loads(config.read_text())
    for table, entries in tables.items():
        if table not in ('system/settings', 'system/session-helper'):
            foreign = [entry for entry in entries if not entry['name'].startswith('ATEA-')]
            assert foreign == FGT_FOREIGN.get(table, []), (components, table)
    assert tables['system/settings']['opmode'] == 'nat'
    # The helpers but ftp go (VoIP ones by the ids the device gave them), ftp stays.
    assert tables['system/session-helper'] == FGT_FOREIGN['system/session-helper'][:1]
    assert not [name for name in gone if name in config.read_text()], components
    device = stand_in_walk.load('fortios', tables)
    assert device.voip_inspection() == []
    before = stand_in_walk.load('fortios', DEVICES['fortios'][1])
    return stand_in_walk.walk(device, stand_in_walk.applied(profile, components), before)


# What each step must have removed, per platform.
GONE = {
    # The MPLS list stays while 2.1 does: it holds the replies of its flows.
    'cisco_ios': (['object-group network ATEA-NET-LEGACY', 'ip access-list extended ATEA-ANYWHERE-LEGACY-IN-V4'],
                  [],
                  ['object-group network ATEA-NET-MPLS', 'ip access-list extended ATEA-ANYWHERE-MPLS-IN-V4']),
    'junos_srx': (['ATEA-NET-LEGACY', 'ATEA-LEGACY '], ['ATEA-INBOUND-MPLS'], ['ATEA-NET-MPLS', 'MPLS']),
    'routeros': (['ATEA-NET-LEGACY', 'ATEA: legacy'], ['2.2 inbound'], ['ATEA-NET-MPLS']),
    'fortios': (['ATEA-NET-LEGACY', 'ATEA-SVC-LEGACY', 'ATEA-LEGACY'], ['ATEA-NET-MPLS', 'OUTBOUND-MPLS']),
}


def test_apply_pushes_the_profile_keeps_foreign_lines_and_converges(stand_in, record_property):
    platform, site, config = stand_in
    check = {'cisco_ios': _check_ios, 'junos_srx': _check_srx, 'routeros': _check_routeros,
             'fortios': _check_fortios}[platform]
    for (profile, components), gone in zip(FORTIOS_STEPS if platform == 'fortios' else STEPS, GONE[platform]):
        run = site(profile, '--diff', components=components)
        assert 'changed=0' not in _recap(run), components
        assert 'changed: true' in run.stdout
        walked = check(config, profile, components, gone)
        stand_in_walk.record(record_property, platform, stand_in_walk.applied(profile, components), walked)
        assert 'changed=0' in _recap(site(profile, components=components)), components


@pytest.mark.parametrize('stand_in', ['cisco_ios'], indirect=True)
def test_ios_refuses_to_bind_where_the_interface_would_pass_less(stand_in):
    # GigabitEthernet2 names LAN-IN, which the device does not define: it passes everything today. (Entries going
    # into a list the interface has: tests/functional/test_apply_existing_ios.py.)
    site, config = stand_in[1:]
    before = config.read_text()
    run = site('smb', zones={'customer': 'GigabitEthernet2'})
    assert run.returncode == 2
    said = ' '.join(run.stdout.split())
    assert "option 'zones.customer': interface GigabitEthernet2 filters inbound with LAN-IN, which the running " \
        "configuration does not hold as a named list" in said
    assert config.read_text() == before


def _journal(config):
    """The stand-in SRX's commits, in order."""
    path = config.with_name(config.name + '.journal')
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.parametrize('stand_in', ['junos_srx'], indirect=True)
def test_junos_commit_is_confirmed_on_a_fresh_connection_and_stays(stand_in):
    site, config = stand_in[1:]
    run = site('smb')
    assert 'changed=0' not in _recap(run)
    assert '        confirmation: confirmed' in run.stdout.splitlines()
    committed = config.read_text()
    confirmed, confirming = _journal(config)
    # 120 seconds by default, rounded up to Junos' whole minutes.
    pending = re.fullmatch(r'session (\d+): commit confirmed, rolled back in 2 minutes unless confirmed', confirmed)
    assert pending, confirmed
    confirmed_by = re.fullmatch(r'session (\d+): commit, confirming the commit confirmed', confirming)
    assert confirmed_by and confirmed_by.group(1) != pending.group(1), confirming
    time.sleep(2 * MINUTE + 5)
    assert config.read_text() == committed
    assert len(_journal(config)) == 2
    # Nothing to commit the second time, so nothing to confirm.
    assert 'changed=0' in _recap(site('smb'))
    assert len(_journal(config)) == 2


@pytest.mark.parametrize('stand_in', ['junos_srx'], indirect=True)
def test_junos_commits_without_confirmation_when_told_so(stand_in):
    site, config = stand_in[1:]
    assert 'changed=0' not in _recap(site('smb', '-e', 'atea_anywhere_confirm=never'))
    assert [re.sub(r'\d+', 'N', line) for line in _journal(config)] == ['session N: commit']


@pytest.mark.parametrize('stand_in', ['junos_srx'], indirect=True)
def test_junos_commit_of_a_controller_killed_before_it_confirms_is_rolled_back_and_the_next_run_converges(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()
    run = subprocess.Popen(site.command('smb'), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _journal(config) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        # The whole run, as when AWX cancels a job or the controller goes away.
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert [re.sub(r'\d+', 'N', line) for line in _journal(config)] == [
        'session N: commit confirmed, rolled back in N minutes unless confirmed'], 'killed too late'
    assert config.read_text() != before
    time.sleep(2 * MINUTE + 5)
    assert config.read_text() == before
    assert _journal(config)[-1] == 'commit not confirmed; automatic rollback complete'
    assert 'changed=0' not in _recap(site('smb'))
    _check_srx(config, 'smb', None, GONE['junos_srx'][0])
    assert 'changed=0' in _recap(site('smb'))


@pytest.mark.parametrize('stand_in', [('junos_srx', '--cut-off-while-pending')], indirect=True)
def test_junos_commit_that_cuts_access_is_rolled_back_by_the_device_and_reported(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()
    started = time.monotonic()
    run = site('smb')
    took = time.monotonic() - started
    assert run.returncode == 2, run.stdout + run.stderr
    said = ' '.join(run.stdout.split())
    assert 'The commit was rolled back by the device: no fresh connection could confirm it' in said, said
    assert 'Junos restored the configuration it had before this run 2 minute(s) after the commit confirmed' in said
    assert config.read_text() == before
    assert _journal(config)[-1] == 'commit not confirmed; automatic rollback complete'
    # Reported once the device had rolled back, not after the controller's own reckoning of 2 real minutes.
    assert took < 2 * 60, took


# The third write of the first run: the stale policy is deleted and the first address set, the second refused.
@pytest.mark.parametrize('stand_in', [('fortios', '--fail-write', '3')], indirect=True)
def test_fortios_apply_that_fails_midway_says_what_the_device_holds_and_a_rerun_converges(stand_in):
    site, config = stand_in[1:]
    profile, components = FORTIOS_STEPS[0]
    run = site(profile, components=components)
    assert run.returncode == 2, run.stdout + run.stderr
    said = ' '.join(run.stdout.split())
    tables = json.loads(config.read_text())
    addresses = [entry['name'] for entry in tables['firewall/address'] if entry['name'].startswith('ATEA-NET-')
                 and entry['name'] != 'ATEA-NET-LEGACY-1']
    assert 'FortiOS apply stopped: "Set the addresses" failed' in said, said
    assert re.search(r'"Set the addresses" failed \(firewall_address ATEA-NET-[A-Z]+-\d: Error in repo '
                     r'\(stand-in fault: write 3 \(POST firewall/address\) refused\)\)\.', said), said
    # What it says is done is what the device holds: the stale policy gone, every address but the refused one.
    assert 9050 not in [entry['policyid'] for entry in tables['firewall/policy']]
    assert 'deleted firewall_policy 9050, ' + ', '.join('set firewall_address %s' % name for name in addresses) \
        + '; the steps after it were not run' in said, said
    assert not [entry for entry in tables['firewall/policy'] if entry['name'].startswith('ATEA-')]
    assert 'Run again: every call compares with the device, so the next run sets and deletes only what is still ' \
        'missing and converges.' in said
    assert 'changed=0' not in _recap(site(profile, components=components))
    _check_fortios(config, profile, components, GONE['fortios'][0])
    assert 'changed=0' in _recap(site(profile, components=components))


def _ios_running(text):
    """An IOS configuration as the collection reads it: each block with its entries unnumbered."""
    return dict((header, [normalized_entry(child) for child in children]) for header, children in _blocks(text).items())


@pytest.mark.parametrize('stand_in', ['cisco_ios'], indirect=True)
def test_ios_changes_go_in_under_the_revert_timer_are_confirmed_on_a_fresh_connection_then_saved(stand_in):
    site, config = stand_in[1:]
    run = site('smb')
    assert 'changed=0' not in _recap(run)
    assert '        confirmation: confirmed' in run.stdout.splitlines()
    running = config.read_text()
    armed, confirmed = _journal(config)
    pending = re.fullmatch(r'session (\d+): configure terminal revert timer 2', armed)
    assert pending, armed
    confirmed_by = re.fullmatch(r'session (\d+): configure confirm', confirmed)
    assert confirmed_by and confirmed_by.group(1) != pending.group(1), confirmed
    # Saved once confirmed.
    assert config.with_name('device.cfg.startup').read_text() == running
    time.sleep(2 * MINUTE + 5)
    assert config.read_text() == running
    assert len(_journal(config)) == 2


@pytest.mark.parametrize('stand_in', [('cisco_ios', '--cut-off-while-pending')], indirect=True)
def test_ios_change_that_cuts_access_is_reverted_by_the_device_and_reported(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()
    run = site('smb')
    assert run.returncode == 2, run.stdout + run.stderr
    said = ' '.join(run.stdout.split())
    assert 'The changes were reverted by the device: no fresh connection could confirm them' in said, said
    assert 'IOS-XE restored the running configuration it had before this run 2 minute(s) after they were sent' in said
    assert _ios_running(config.read_text()) == _ios_running(before)
    assert _journal(config)[-1] == 'rollback confirmed change timer expired; configuration reverted'
    assert not config.with_name('device.cfg.startup').exists()


@pytest.mark.parametrize('stand_in', [('cisco_ios', {'starting': IOS_FOREIGN.replace(
    'archive\n path bootflash:atea-lab\n', '') + IOS_STALE})], indirect=True)
def test_ios_without_an_archive_has_no_revert_timer_and_says_so(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()
    run = site('smb', '-e', 'atea_anywhere_confirm=always')
    assert run.returncode == 2, run.stdout + run.stderr
    said = ' '.join(run.stdout.split())
    assert 'atea_anywhere_confirm is always, but IOS-XE reverts an unconfirmed change only from its configuration ' \
           'archive, and this device has none (Archive feature not enabled)' in said, said
    assert config.read_text() == before
    run = site('smb')
    assert 'changed=0' not in _recap(run)
    said = ' '.join(run.stdout.split())
    assert 'IOS-XE has no revert timer here: the device keeps no configuration archive' in said, said
    assert not _journal(config)
