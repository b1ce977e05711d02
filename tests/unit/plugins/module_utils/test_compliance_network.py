# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compliance_network: a network firewall's rows from a saved running configuration (the user's own lines and the
configuration the renderer wrote against them, as a device that took it prints it), and unknown without one.

A device takes the configuration rendered against its running one: an ASA merges it (entries placed by 'line N'
go in at that place, printed without the number, ports by name), the IOS-XE and SRX stand-ins of the apply tests
(tests/lab/fake_ios.py, fake_junos.py) take it line by line and print it as the devices do (IOS-XE: numbered
entries, ports by name; Junos: set lines, a policy moved by insert in its new place). FortiOS and RouterOS take the
API requests into their tables, printed as show and /export print them (tests/lab/stand_in_text.py: FortiOS a policy
under the id it got, RouterOS fields in its own order)."""

from __future__ import annotations

import re

import fake_ios
import fake_junos
import pytest
import stand_in_text

from ansible_collections.atea.anywhere.plugins.module_utils import compliance, compliance_network, engine, vendor_platforms

RULES = engine.compact_rules(engine.build_flows('smb', customer_networks=['198.51.100.0/25']))
# The user's own lines, which name nothing of ours: interfaces that already filter inbound with lists of their own
# (the renderer puts the entries into them, before their first deny), policies ending in a deny.
FOREIGN = {
    'cisco_asa': 'hostname fw\nobject-group network INSIDE-NETS\n network-object 198.51.100.0 255.255.255.128\n'
                 'access-list INSIDE-IN extended permit tcp any any eq www\n'
                 'access-list INSIDE-IN extended deny ip any any\naccess-group INSIDE-IN in interface inside\n',
    'cisco_ios': 'hostname fw\nip access-list extended LAN-IN\n permit tcp any any eq 443\n deny ip any any log\n'
                 'ip access-list extended WAN-IN\n permit tcp any any established\n deny ip any any log\n'
                 'interface GigabitEthernet2\n ip access-group LAN-IN in\ninterface GigabitEthernet4\n'
                 ' ip access-group WAN-IN in\n',
    'junos_srx': 'set security zones security-zone trust interfaces ge-0/0/1.0\n'
                 'set security policies from-zone trust to-zone untrust policy DENY-ALL match source-address any\n'
                 'set security policies from-zone trust to-zone untrust policy DENY-ALL match destination-address any\n'
                 'set security policies from-zone trust to-zone untrust policy DENY-ALL match application any\n'
                 'set security policies from-zone trust to-zone untrust policy DENY-ALL then deny\n',
    'panos': 'set deviceconfig system hostname fw\n'
             'set rulebase security rules DENY-ALL from any to any source any destination any action deny\n',
    # Tables, as the stand-ins keep them.
    'fortios': {'firewall/address': [{'name': 'all', 'subnet': '0.0.0.0 0.0.0.0'}],
                'firewall/policy': [{'policyid': 9001, 'name': 'DENY-ALL', 'srcintf': [{'name': 'any'}],
                                     'dstintf': [{'name': 'any'}], 'srcaddr': [{'name': 'all'}],
                                     'dstaddr': [{'name': 'all'}], 'action': 'deny', 'schedule': 'always',
                                     'service': [{'name': 'ALL'}]}]},
    'routeros': {'/ip/firewall/filter': [{'chain': 'forward', 'action': 'drop', 'comment': 'defconf: drop all'}]},
}
# FortiOS: the tables the apply reads (fortios_configuration_fact's selectors), the stand-in's table of each module.
FORTIOS_TABLES = {'firewall_address': 'firewall/address', 'firewall_address6': 'firewall/address6',
                  'firewall_addrgrp': 'firewall/addrgrp', 'firewall_addrgrp6': 'firewall/addrgrp6',
                  'firewall.service_custom': 'firewall.service/custom', 'firewall_policy': 'firewall/policy',
                  'system_session-helper': 'system/session-helper'}
ZONES = {'cisco_ios': {'customer': 'GigabitEthernet2', 'internet': 'GigabitEthernet4'}}
# Ports ASA prints by name in show running-config (ASA's "TCP and UDP Ports" table).
ASA_PORT_NAMES = {'80': 'www', '443': 'https', '5060': 'sip'}


def asa_applied(running, text):
    """An ASA's running configuration after it merges text, as show running-config prints it: blocks and lines in
    the order they came, each access list's entries together where the list first came ('line N' inserts at N,
    counting remarks), port-objects by name."""
    order, blocks, lists = [], {}, {}
    for source in (running, text):
        header = None
        for line in source.splitlines():
            if not line.strip() or line.startswith('!'):
                continue
            if line.startswith(' '):
                if line not in blocks[header]:
                    blocks[header].append(line)
                continue
            header = None
            removal = re.match(r'no access-list (\S+) (.*)$', line)
            entry = re.match(r'access-list (\S+) (?:line ([0-9]+) )?(.*)$', line)
            if removal:
                lists[removal.group(1)].remove(removal.group(2))
            elif line.startswith('no '):
                order.remove(line[3:])
            elif entry:
                name, number, body = entry.groups()
                if name not in lists:
                    lists[name] = []
                    order.append(('list', name))
                lists[name].insert(int(number) - 1 if number else len(lists[name]), body)
            else:
                header = line
                if line not in blocks:
                    blocks[line] = []
                    order.append(line)
    printed = []
    for item in order:
        if isinstance(item, tuple):
            printed += ['access-list %s %s' % (item[1], body) for body in lists[item[1]]]
            continue
        printed.append(item)
        for child in blocks[item]:
            port = re.match(r' port-object eq ([0-9]+)$', child)
            printed.append(' port-object eq %s' % ASA_PORT_NAMES[port.group(1)] if port and port.group(1)
                           in ASA_PORT_NAMES else child)
    return '\n'.join(printed) + '\n'


def api_applied(platform, tables, requests):
    """The tables of a FortiOS or RouterOS that took the API requests, as show or /export prints them."""
    tables = dict((name, list(entries)) for name, entries in tables.items())
    if platform == 'routeros':
        for request in requests:
            menu = '/' + request['path'].replace(' ', '/')
            tables[menu] = [entry for entry in tables.get(menu, []) if not entry.get('comment', '').startswith('ATEA:')]
            tables[menu] += request['data']
        return stand_in_text.routeros_export(tables)
    modules = dict((selector.replace('.', '_'), table) for selector, table in FORTIOS_TABLES.items())
    for request in requests['set']:
        tables.setdefault(modules[request['module']], []).append(
            dict((field.replace('_', '-'), value) for field, value in request['data'].items()))
    return stand_in_text.fortios_show(tables)


def applied(platform, running, text, tmp_path):
    """The running configuration of a device that took text (FortiOS, RouterOS: API requests), as it prints it."""
    if platform in ('fortios', 'routeros'):
        return api_applied(platform, running, text)
    if platform == 'cisco_asa':
        return asa_applied(running, text)
    if platform == 'cisco_ios':
        saved = tmp_path / 'ios.cfg'
        saved.write_text(running)
        device, context = fake_ios.Device(str(saved)), None
        for line in text.splitlines():
            if line.strip() and not line.startswith('!'):
                context, reply = device.configure(line.strip(), context)
                assert not reply, (line, reply)
        return device.text()
    if platform == 'junos_srx':
        saved = tmp_path / 'srx.set'
        saved.write_text(running)
        device = fake_junos.Device(str(saved))
        assert device.load('\n'.join(line for line in text.splitlines() if not line.startswith('#'))) is None
        return ''.join('set %s\n' % line for line in device.candidate)
    # PAN-OS: the set lines, a moved rule in its place (the order is not what is compared).
    return running + ''.join(line + '\n' for line in text.splitlines() if not line.startswith(('#', 'move ')))


def rendered(platform, running):
    """What the role sends to a device with this running configuration (IOS-XE: apply mode's changes; FortiOS and
    RouterOS: the API requests, FortiOS' planned against the tables)."""
    if platform == 'fortios':
        return vendor_platforms.api_requests(RULES, platform, current=dict(
            (selector, running.get(table, [])) for selector, table in FORTIOS_TABLES.items()))
    if platform == 'routeros':
        return vendor_platforms.api_requests(RULES, platform)
    return vendor_platforms.render_config(RULES, platform, ZONES.get(platform), running_config=running,
                                          changes_only=platform == 'cisco_ios')


def rows(platform, running, tmp_path, **options):
    path = None
    if running is not None:
        path = tmp_path / 'fw.cfg'
        path.write_text(running)
    reading = compliance_network.network_reading(platform, RULES, path and str(path), ZONES.get(platform), hint='save it',
                                                 **options)
    return compliance.report('fw', platform, 'gateway', RULES, reading)


def by_rule(result):
    found = {}
    for row in result['rows']:
        found.setdefault(row['rule'], set()).add(row['status'])
    return found


@pytest.mark.parametrize('platform', sorted(FOREIGN))
def test_the_configuration_rendered_against_the_running_one_once_applied_is_in_place(platform, tmp_path):
    running = applied(platform, FOREIGN[platform], rendered(platform, FOREIGN[platform]), tmp_path)
    result = rows(platform, running, tmp_path)
    assert (result['source'], result['read_from']) == ('running_config', str(tmp_path / 'fw.cfg'))
    assert set(r['status'] for r in result['rows']) == {'in_place'}
    untouched = api_applied(platform, FOREIGN[platform], {'set': []} if platform == 'fortios' else []) \
        if platform in ('fortios', 'routeros') else FOREIGN[platform]
    assert set(r['status'] for r in rows(platform, untouched, tmp_path)['rows']) == {'missing'}


@pytest.mark.parametrize('platform', sorted(FOREIGN))
def test_lines_of_one_rule_gone_make_only_its_rows_missing(platform, tmp_path):
    running = applied(platform, FOREIGN[platform], rendered(platform, FOREIGN[platform]), tmp_path)
    gone = RULES[-1]
    names = compliance_network.rule_names(vendor_platforms.RENDERERS[platform], gone)
    kept, skipping, remarked, entry = [], False, False, []
    for line in running.splitlines():
        # A FortiOS entry that names the rule goes whole.
        if line.strip().startswith('edit ') or entry:
            entry.append(line)
            if line.strip() == 'next':
                kept += [] if any(name in held for held in entry for name in names) else entry
                entry = []
            continue
        # A block whose header names the rule goes with its lines; in an access list, a remark that names it with
        # the entries up to the next remark.
        if not line.startswith(' '):
            skipping, remarked = any(name in line for name in names), False
        elif ' remark ' in line:
            remarked = any(name in line for name in names)
        if not (skipping or remarked or any(name in line for name in names)):
            kept.append(line)
    result = rows(platform, '\n'.join(kept) + '\n', tmp_path)
    found = by_rule(result)
    assert found.pop(gone['name']) == {'missing'}
    assert set().union(*found.values()) == {'in_place'}


@pytest.mark.parametrize('platform', ['cisco_asa', 'junos_srx'])
def test_what_sits_behind_a_deny_is_different(platform, tmp_path):
    """Entries appended to the interface's list, policies to their zone pair, behind its deny-all: as wanted, but they
    decide no packet (as a device took the configuration rendered without its running one, or added at the end)."""
    text = re.sub(r'(access-list \S+) line [0-9]+ ', r'\1 ', rendered(platform, FOREIGN[platform]))
    text = '\n'.join(line for line in text.splitlines() if not line.startswith('insert '))
    running = applied(platform, FOREIGN[platform], text, tmp_path)
    result = rows(platform, running, tmp_path)
    assert set(row['status'] for row in result['rows']) == {'different'}
    for row in result['rows']:
        behind = 'behind policy DENY-ALL' if platform == 'junos_srx' else 'behind the first deny of access list INSIDE-IN'
        assert behind in row['detail'], row
        assert 'it decides no packet' in row['detail']


@pytest.mark.parametrize('platform, port, changed', [
    ('cisco_asa', ' port-object eq 5222\n', ' port-object eq 5223\n'),
    ('routeros', ',5222,', ',5223,'),
    ('fortios', ' 5222:1024-65535 ', ' 5223:1024-65535 '),
])
def test_a_port_changed_makes_only_the_rows_of_that_port_different(platform, port, changed, tmp_path):
    running = applied(platform, FOREIGN[platform], rendered(platform, FOREIGN[platform]), tmp_path)
    assert running.count(port) == 1
    result = rows(platform, running.replace(port, changed), tmp_path)
    for row in result['rows']:
        if [5222, 5222] in row['destination_ports']:
            # How a port of the row lacking is named is compliance.judge's (different, or missing for that port).
            assert row['status'] in ('different', 'missing') and 'port 5222' in row['detail'], row
        else:
            assert row['status'] == 'in_place', row


def test_an_asa_told_to_bind_access_groups_is_judged_as_the_others(tmp_path):
    """bind_access_groups refuses an interface without a list when rendering; the judge reads the lists bound."""
    running = applied('cisco_asa', FOREIGN['cisco_asa'], rendered('cisco_asa', FOREIGN['cisco_asa']), tmp_path)
    result = rows('cisco_asa', running, tmp_path, bind_access_groups=True)
    assert set(row['status'] for row in result['rows']) == {'in_place'}


def test_without_a_running_configuration_every_row_is_unknown_and_says_what_to_do(tmp_path):
    result = rows('cisco_asa', None, tmp_path)
    assert result['source'] == 'none'
    assert set(r['status'] for r in result['rows']) == {'unknown'}
    assert all(r['detail'] == 'no saved running configuration: save it' for r in result['rows'])
    assert [c['status'] for c in result['checklist']] == ['left_to_a_person', 'left_to_a_person']
