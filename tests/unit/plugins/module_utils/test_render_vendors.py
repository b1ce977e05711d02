# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network firewall renderers: reviewed references; each rule's packets (whole port, address and ICMP values) passed
on the independent device model (tests/lib/device_model.py) by the entry whose comment names the rule, and the
document's flows walked; inspection off; reruns that delete only what is stale; bad options."""

from __future__ import annotations

import ipaddress
import itertools
import re

import device_model
import pytest
from regression import check_reference

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_ios import normalized_entry
from ansible_collections.atea.anywhere.plugins.module_utils.render_fortios import SELECTORS

DUAL_STACK = {'customer_networks': ['10.20.0.0/16', '2001:db8:20::/48'],
              'networks': {'mpls': ['91.184.140.0/24', '2001:db8:9::/48']}}
CASES = {'smb': {}, 'enterprise': {}, 'enterprise-dual-stack': DUAL_STACK}
INSPECTION_OFF = {
    'cisco_asa': ['  no inspect sip', '  no inspect h323 h225', '  no inspect h323 ras'],
    'cisco_ios': ['no ip nat service sip tcp port 5060', 'no ip nat service sip udp port 5060',
                  'no ip nat service h225', 'no ip nat service ras'],
    'fortios': ['    set default-voip-alg-mode kernel-helper-based', '#   config system session-helper'],
    'panos': ['set shared alg-override application sip alg-disabled yes'],
    'junos_srx': ['set security alg sip disable', 'set security alg h323 disable'],
    'routeros': ['/ip firewall service-port', 'set sip disabled=yes', 'set h323 disabled=yes'],
}


def _rules(case):
    profile = case.split('-')[0]
    return engine.compact_rules(engine.build_flows(profile, **CASES[case]))


@pytest.mark.parametrize('platform', sorted(vendor_platforms.RENDERERS))
@pytest.mark.parametrize('case', sorted(CASES))
def test_matches_reference(platform, case):
    check_reference(platform, case, vendor_platforms.render_config(_rules(case), platform))


# The walk's networks of each case (the renderer's defaults where a case names none).
WALK_NETWORKS = {'smb': {'customer': ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], 'mpls': ['91.184.140.0/24'],
                         'internet': ['88.151.163.0/24']},
                 'enterprise-dual-stack': {'customer': DUAL_STACK['customer_networks'],
                                           'mpls': DUAL_STACK['networks']['mpls'], 'internet': ['88.151.163.0/24']}}
WALK_NETWORKS['enterprise'] = WALK_NETWORKS['smb']


def _rule_packets(rule):
    """Packets a rule must pass, as whole values: each end of each destination port range (and of the source port
    range), from the first and last host of each source network to those of each destination network."""
    version = 4 if rule['family'] == 'ipv4' else 6
    ends = dict((key, [str(host) for network in map(ipaddress.ip_network, rule[key]) for host in (network[1], network[-2])])
                for key in ('sources', 'destinations'))
    source_ports = sorted(set(itertools.chain(*rule['source_ports']))) or [40000]
    packets = []
    for source, destination in itertools.product(ends['sources'], ends['destinations']):
        if rule['protocol'] == 'icmp':
            packets.append(device_model.packet('icmp', source, destination,
                                               icmp_type=device_model.ICMP_NAMES[version][rule['icmp_type']]))
            continue
        for port in sorted(set(itertools.chain(*rule['destination_ports']))):
            packets += [device_model.packet(rule['protocol'], source, destination, port, source_port)
                        for source_port in source_ports]
    return packets


def _entry_comment(platform, text, reason):
    """The comment the rendered text gives the entry that decided a verdict (its remark, description or comment)."""
    lines = text.splitlines()
    if platform == 'cisco_asa':  # 'access-list NAME line N': remarks take lines too
        acl, line = re.search(r'access-list (\S+) line (\d+)', reason).groups()
        entries = [entry for entry in lines if entry.startswith('access-list %s ' % acl)][:int(line)]
        return next(entry for entry in reversed(entries) if entry.split()[2] == 'remark')
    if platform == 'cisco_ios':  # 'NAME SEQUENCE entry': unnumbered entries are numbered 10, 20, ...
        acl, sequence = re.search(r'by (\S+) (\d+) ', reason).groups()
        start = next(index for index, line in enumerate(lines) if re.match(r'(ip|ipv6) access-list (extended )?%s$' % acl, line))
        entries = list(itertools.takewhile(lambda line: line.startswith(' '), lines[start + 1:]))[:int(sequence) // 10]
        return next(entry for entry in reversed(entries) if entry.split()[0] == 'remark')
    if platform == 'routeros':  # the comment, cut at 60 characters
        return re.search(r'rule \d+ \((.*)\)$', reason).group(1)
    if platform == 'fortios':
        policy = re.search(r'by policy (\d+) ', reason).group(1)
        block = list(itertools.takewhile(lambda line: line != '    next', lines[lines.index('    edit %s' % policy):]))
        return next(line for line in block if line.split()[:2] == ['set', 'comments'])
    name = re.search(r'by (?:policy|rule) (\S+)', reason).group(1)
    return next(line for line in lines if re.match(r'set (security policies .* policy|rulebase security rules) %s '
                                                   r'description ' % re.escape(name), line))


def _label(rule):
    """The provenance a rule's comment starts with: its sections and name."""
    return '%s %s:' % ('/'.join(rule['sections']), rule['name'])


@pytest.mark.parametrize('platform', sorted(vendor_platforms.RENDERERS))
@pytest.mark.parametrize('case', sorted(CASES))
def test_every_rule_passes_by_the_entry_that_names_it_and_the_document_walks(platform, case, record_property):
    rules = _rules(case)
    text = vendor_platforms.render_config(rules, platform)
    device = device_model.load(platform, device_model.enter_bindings(platform, text))
    assert not device.errors, device.errors
    checked = 0
    for rule in rules:
        for sent in _rule_packets(rule):
            checked += 1
            verdict = device.passes(sent, rule['source_network'], rule['destination_network'])
            assert verdict, (platform, rule['name'], device_model.describe(sent), verdict.reason)
            comment = _entry_comment(platform, text, verdict.reason)
            assert re.search(r'[ "]%s' % re.escape(_label(rule)), comment), (platform, rule['name'], comment)
    walked = device_model.walk(device, case.split('-')[0], WALK_NETWORKS[case])
    assert walked.failures == [], device_model.summary(walked.failures)
    record_property('device model rendered %s %s' % (platform, case), walked.flows)
    record_property('device model rule-packets %s %s' % (platform, case), checked)
    for line in INSPECTION_OFF[platform]:
        assert line in text.splitlines(), (platform, line)


def _tokens(text):
    """The words of a configuration, quotes and RouterOS field names off: names compare whole."""
    return set(word.strip('"').split('=')[-1] for word in text.split())


@pytest.mark.parametrize('platform', sorted(vendor_platforms.RENDERERS))
def test_objects_carry_the_prefix(platform):
    tokens = _tokens(vendor_platforms.render_config(_rules('smb'), platform))
    assert {'ATEA-NET-CUSTOMER', 'ATEA-NET-INTERNET'} <= tokens, platform


@pytest.mark.parametrize('platform, kwargs, message', [
    ('checkpoint', {}, "option 'platform': unknown value: 'checkpoint'"),
    ('cisco_asa', {'zones': {'customer': ''}}, "option 'zones.customer': not an ASA interface name"),
    ('panos', {'zones': {'dmz': 'x'}}, "option 'zones': unknown value: 'dmz'; valid choices: customer, internet, mpls"),
    ('routeros', {'policy_id_base': 5}, "option 'options': unknown value: 'policy_id_base'"),
])
def test_bad_options_fail_naming_them(platform, kwargs, message):
    with pytest.raises(InputError) as caught:
        vendor_platforms.render_config(_rules('smb'), platform, **kwargs)
    assert str(caught.value).startswith(message)


def test_ios_binds_to_interfaces_given():
    text = vendor_platforms.render_config(_rules('smb'), 'cisco_ios', zones={'customer': 'GigabitEthernet0/0/1'})
    assert 'interface GigabitEthernet0/0/1\n ip access-group ATEA-ANYWHERE-CUSTOMER-IN-V4 in' in text


def test_fortios_policy_ids_from_the_base():
    text = vendor_platforms.render_config(_rules('smb'), 'fortios', policy_id_base=500)
    assert '    edit 501' in text.splitlines() and '    edit 502' in text.splitlines()


# A line of the customer's own that names an object of ours the enterprise profile has and smb no longer wants.
USES_OURS = {
    'cisco_asa': 'access-list OUTSIDE-IN extended permit udp object-group ATEA-NET-MPLS any eq 5060',
    'cisco_ios': 'access-list 150 permit udp object-group ATEA-NET-MPLS any eq 5060',
    'junos_srx': 'set security policies from-zone trust to-zone untrust policy WEB match source-address ATEA-NET-MPLS',
    'panos': 'set rulebase security rules WEB source ATEA-NET-MPLS',
}
# The customer's own configuration, some of it naming ATEA-* things that are not objects of ours.
FOREIGN = {
    'cisco_asa': 'object-group network CUSTOMER-OWN\n network-object 10.1.1.0 255.255.255.0\n'
                 'access-list OUTSIDE-IN extended permit tcp any any eq 443\n'
                 'hostname ATEA-EDGE01\nusername ATEA-admin password x privilege 15\n'
                 + USES_OURS['cisco_asa'] + '\n',
    'cisco_ios': 'object-group network CUSTOMER-OWN\n 10.1.1.0 255.255.255.0\nip access-list extended EDGE\n permit ip any any\n'
                 'hostname ATEA-EDGE01\nusername ATEA-admin privilege 15 secret 9 x\ncrypto pki trustpoint ATEA-CA\n'
                 ' enrollment terminal\n' + USES_OURS['cisco_ios'] + '\n',
    'junos_srx': 'set security address-book global address CUSTOMER-OWN 10.1.1.0/24\n'
                 'set system login user ATEA-admin class super-user\n'
                 'set interfaces ge-0/0/0 description ATEA-UPLINK\n'
                 + USES_OURS['junos_srx'] + '\n',
    'panos': 'set address CUSTOMER-OWN ip-netmask 10.1.1.0/24\n'
             'set mgt-config users ATEA-admin permissions role-based superuser yes\n'
             + USES_OURS['panos'] + '\n',
    'fortios': 'config firewall address\n    edit "CUSTOMER-OWN"\n        set subnet 10.1.1.0 255.255.255.0\n    next\nend\n'
               'config system admin\n    edit "ATEA-admin"\n        set accprofile "super_admin"\n    next\nend\n',
}


def _removal_lines(text):
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.endswith('Remove what this profile no longer wants:')]
    if not starts:
        return []
    end = next(i for i, line in enumerate(lines) if line.endswith('End of removals.'))
    return lines[starts[0] + 1:end]


def _deleted(platform, lines):
    """What removal lines delete, whole: object and policy names (FortiOS policies by id), and the ASA and IOS-XE
    access list entries and group members as (list or group, entry)."""
    deleted, header = set(), None
    for line in lines:
        words = line.split()
        if platform == 'cisco_asa' and words[:2] == ['no', 'access-list']:
            deleted.add((words[2], ' '.join(words[3:])))
        elif words[:1] == ['no'] and line.startswith(' '):
            deleted.add((header, ' '.join(words[1:])))
        elif words[:1] == ['no']:
            deleted.add(words[3] if words[1] == 'object-group' else words[-1])
        elif words[:1] == ['delete']:
            deleted.add(words[-1].strip('"') if platform != 'fortios' or words[-1].startswith('"') else int(words[-1]))
        elif not line.startswith(' '):
            header = line
    return deleted


def _defined(platform, text):
    """The whole names of a configuration, its ASA and IOS-XE access list entries and group members as (list or
    group, entry), and its FortiOS policy ids."""
    names, header = _tokens(text), None
    for line in text.splitlines():
        words = line.split()
        if platform == 'cisco_asa' and words[:1] == ['access-list']:
            names.add((words[1], ' '.join(words[2:])))
        elif line.startswith(' ') and header:
            names.add((header, ' '.join(words)))
        elif platform == 'fortios' and words[:1] == ['edit'] and words[1].isdigit():
            names.add(int(words[1]))
        elif not line.startswith(' '):
            header = line if platform in ('cisco_asa', 'cisco_ios') else None
    return names


@pytest.mark.parametrize('platform', sorted(FOREIGN))
def test_a_rerun_removes_what_the_profile_no_longer_wants_and_nothing_else(platform):
    enterprise = vendor_platforms.render_config(_rules('enterprise'), platform)
    text = vendor_platforms.render_config(_rules('smb'), platform, running_config=FOREIGN[platform] + enterprise)
    deleted = _deleted(platform, _removal_lines(text))
    # Only what the enterprise profile has and smb no longer wants: nothing of the customer's, nothing still wanted.
    stale = _defined(platform, enterprise) - _defined(platform, vendor_platforms.render_config(_rules('smb'), platform))
    assert deleted and deleted <= stale, (platform, sorted(map(str, deleted - stale)))
    assert not deleted & _defined(platform, FOREIGN[platform]) - _defined(platform, enterprise), platform
    # Entered over the enterprise configuration, the rerun walks smb and closes every rule smb does not have, to what
    # the device passed before the collection's lists (an IOS-XE interface without a list passes everything).
    rerun = vendor_platforms.render_config(_rules('smb'), platform, running_config=enterprise)
    device = device_model.load(platform, device_model.enter_bindings(platform, rerun),
                               base=device_model.BASES[platform] + '\n' + device_model.enter_bindings(platform, enterprise))
    assert not device.errors, device.errors
    kept, untouched = [rule['name'] for rule in _rules('smb')], device_model.load(platform, '')
    for rule in _rules('enterprise'):
        if rule['name'] not in kept:
            opened = [device_model.describe(sent) for sent in _rule_packets(rule)
                      if device.passes(sent, rule['source_network'], rule['destination_network'])
                      and not untouched.passes(sent, rule['source_network'], rule['destination_network'])]
            assert not opened, (platform, rule['name'], opened[:3])
    walked = device_model.walk(device, 'smb', WALK_NETWORKS['smb'])
    assert walked.failures == [], device_model.summary(walked.failures)
    unchanged = vendor_platforms.render_config(_rules('smb'), platform,
                                               running_config=FOREIGN[platform] + vendor_platforms.render_config(
                                                   _rules('smb'), platform))
    plain = vendor_platforms.render_config(_rules('smb'), platform)
    if platform == 'cisco_asa':  # ASA access lists are compared line by line: none is left to send
        plain = ''.join(line for line in plain.splitlines(True) if not line.startswith('access-list '))
    assert unchanged == plain


# Where each model keeps an address group: name -> its members.
MODEL_GROUPS = {'cisco_asa': 'network_groups', 'cisco_ios': 'groups', 'junos_srx': 'address_sets', 'panos': 'groups'}
# An object of ours about the MPLS network that no line of the customer's names: it still goes.
STILL_GOES = {'cisco_asa': 'ATEA-SVC-OUTBOUND-MPLS-TCP-IPV4', 'cisco_ios': 'ATEA-ANYWHERE-MPLS-IN-V4', 'junos_srx': 'ATEA-APP-OUTBOUND-MPLS-TCP-IPV4',
              'panos': 'ATEA-SVC-OUTBOUND-MPLS-TCP-IPV4'}


def _kept_group(platform, text, running):
    """Checks that the configuration text, entered over running, keeps ATEA-NET-MPLS (which USES_OURS names) whole
    and says why, naming the customer's line; returns the device model loaded with it."""
    assert 'ATEA-NET-MPLS' not in _deleted(platform, text.splitlines())
    notes = [line for line in text.splitlines() if line.startswith(('!', '#')) and USES_OURS[platform] in line]
    assert any(re.match(r'. Kept .* ATEA-NET-MPLS: ', note) for note in notes), notes
    device = device_model.load(platform, text, base=running)
    assert not device.errors, device.errors
    members = getattr(device, MODEL_GROUPS[platform]).get('ATEA-NET-MPLS')
    assert members, 'ATEA-NET-MPLS is gone'
    if platform == 'junos_srx':  # the model does not check what an address set names: its members must stay too
        assert all(member in device.addresses for member in members), members
    return device


@pytest.mark.parametrize('platform', sorted(USES_OURS))
def test_a_rerun_keeps_an_object_of_ours_that_a_line_of_the_customers_uses(platform):
    running = FOREIGN[platform] + vendor_platforms.render_config(_rules('enterprise'), platform)
    text = vendor_platforms.render_config(_rules('smb'), platform, running_config=running)
    _kept_group(platform, text, running)
    assert STILL_GOES[platform] in _deleted(platform, _removal_lines(text))


def test_ios_changes_keep_an_object_group_of_ours_that_a_line_of_the_customers_uses():
    running = FOREIGN['cisco_ios'] + _as_ios_prints(vendor_platforms.render_config(_rules('enterprise'), 'cisco_ios'))
    changes = vendor_platforms.render_config(_rules('smb'), 'cisco_ios', running_config=running, changes_only=True)
    device = _kept_group('cisco_ios', changes, running)
    assert 'ATEA-ANYWHERE-MPLS-IN-V4' not in device.acls  # the list of ours that used it still goes


def test_asa_removes_stale_entries_before_the_groups_they_use():
    running = vendor_platforms.render_config(_rules('enterprise'), 'cisco_asa')
    removed = _removal_lines(vendor_platforms.render_config(_rules('smb'), 'cisco_asa', running_config=running))
    first_group = next(i for i, line in enumerate(removed) if line.startswith('no object-group'))
    assert all(not line.startswith('no object-group') for line in removed[:first_group])
    assert 'no object-group network ATEA-NET-MPLS' in removed
    assert 'no access-list ATEA-ANYWHERE-MPLS extended permit icmp object-group ATEA-NET-MPLS ' \
           'object-group ATEA-NET-CUSTOMER echo' in removed


def test_fortios_removes_stale_policies_first_by_id():
    running = vendor_platforms.render_config(_rules('enterprise'), 'fortios')
    removed = _removal_lines(vendor_platforms.render_config(_rules('smb'), 'fortios', running_config=running))
    assert removed[:2] == ['config firewall policy', '    delete 9003']
    assert '    delete "ATEA-NET-MPLS"' in removed


def _as_ios_prints(text):
    """A rendered IOS configuration as show running-config prints it: numbered entries, some ports by name."""
    lines, number, ipv6 = [], 0, False
    for line in text.splitlines():
        if line.startswith('!'):
            continue
        if not line.startswith(' '):
            number, ipv6 = 0, line.startswith('ipv6 access-list')
        elif line.startswith((' permit', ' deny', ' remark')):
            number += 10
            line = re.sub(r'^(permit tcp .*) eq 80$', r'\1 eq www', line.strip())
            line = re.sub(r'^(permit udp .*) eq 69$', r'\1 eq tftp', line)
            line = ' %s%d %s' % ('sequence ' if ipv6 else '', number, line)
        lines.append(line)
    return 'Building configuration...\n\n' + '\n'.join(lines) + '\nend\n'


def _sent(changes):
    return [line for line in changes.splitlines() if not line.startswith('!')]


def test_ios_changes_are_nothing_when_the_device_prints_what_was_rendered():
    rendered = vendor_platforms.render_config(_rules('enterprise-dual-stack'), 'cisco_ios')
    running = FOREIGN['cisco_ios'] + _as_ios_prints(rendered)
    assert ' 20 permit tcp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS eq www' in running
    assert _sent(vendor_platforms.render_config(_rules('enterprise-dual-stack'), 'cisco_ios', running_config=running,
                                                changes_only=True)) == []


def test_ios_changes_remove_and_add_in_an_order_the_device_takes():
    rules = engine.compact_rules(engine.build_flows(None, components=['mpls_outbound', 'mra']))
    # Without the customer's line naming ATEA-NET-MPLS, which keeps it.
    foreign = FOREIGN['cisco_ios'].replace(USES_OURS['cisco_ios'] + '\n', '')
    running = foreign + _as_ios_prints(vendor_platforms.render_config(rules, 'cisco_ios'))
    wanted = engine.compact_rules(engine.build_flows(None, components=['mra', 'vmr']))
    sent = _sent(vendor_platforms.render_config(wanted, 'cisco_ios', running_config=running, changes_only=True))
    acl = 'ip access-list extended ATEA-ANYWHERE-CUSTOMER-IN-V4'
    assert sent.count(acl) == 1
    start = sent.index(acl)
    children = list(itertools.takewhile(lambda line: line.startswith(' '), sent[start + 1:]))
    # A stale entry goes by its sequence number, as the device printed it.
    stale = next(line.split()[0] for line in running.splitlines()
                 if line.endswith(' permit tcp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS eq www'))
    assert ' no %s' % stale in children
    assert ' permit udp object-group ATEA-NET-CUSTOMER range 1024 65535 object-group ATEA-NET-INTERNET range 36002 59999' \
        not in children  # already there, as the device printed it
    # The group goes only after the entries using it, and nothing of the customer's is named.
    assert sent.index('no object-group network ATEA-NET-MPLS') > start + len(children)
    assert not [line for line in sent if 'EDGE' in line or 'CUSTOMER-OWN' in line]


def test_ios_refuses_to_replace_an_interface_acl_and_asa_an_access_group():
    running = 'interface GigabitEthernet2\n description LAN\n ip access-group LAN-IN in\n'
    with pytest.raises(InputError, match=r"option 'zones.customer': interface GigabitEthernet2 filters inbound with "
                                         r"LAN-IN, which the running configuration does not hold as a named list"):
        vendor_platforms.render_config(_rules('smb'), 'cisco_ios', zones={'customer': 'GigabitEthernet2'},
                                       running_config=running)


@pytest.mark.parametrize('kwargs, message', [
    ({'platform': 'junos_srx', 'running_config': ''}, "option 'platform': unknown value: 'junos_srx'"),
    ({'platform': 'cisco_ios'}, "option 'running_config': changes_only needs the running configuration: None"),
])
def test_changes_only_needs_a_platform_that_compares_and_the_running_configuration(kwargs, message):
    with pytest.raises(InputError, match=message):
        vendor_platforms.render_config(_rules('smb'), changes_only=True, **kwargs)


@pytest.mark.parametrize('printed, written', [
    (' 10 permit tcp object-group A object-group B eq www', 'permit tcp object-group A object-group B eq 80'),
    (' sequence 20 permit udp any any range tftp 70', 'permit udp any any range 69 70'),
    (' 30 remark 2.1 HTTP', 'remark 2.1 HTTP'),
    (' permit tcp object-group www any eq 443', 'permit tcp object-group www any eq 443'),
    (' 40 permit icmp any any echo', 'permit icmp any any echo'),
])
def test_ios_entries_read_as_written(printed, written):
    assert normalized_entry(printed) == written


def _fortios_current(**tables):
    current = dict((selector, []) for selector in SELECTORS)
    current.update(tables)
    return current


def test_fortios_requests_set_everything_and_delete_only_stale_entries_of_ours():
    current = _fortios_current(**{
        'firewall_address': [{'name': 'ATEA-NET-MPLS-1'}, {'name': 'BRANCH'}, {'name': 'ATEA-NET-CUSTOMER-1'}],
        'firewall_addrgrp': [{'name': 'ATEA-NET-MPLS'}],
        'firewall.service_custom': [{'name': 'ATEA-SVC-OLD'}, {'name': 'HTTPS'}],
        'firewall_policy': [{'policyid': 1, 'name': 'LAN-OUT'}, {'policyid': 9007, 'name': 'ATEA-OLD'}],
        'system_session-helper': [{'id': 12, 'name': 'ftp'}, {'id': 13, 'name': 'sip'}, {'id': 21, 'name': 'sip'},
                                  {'id': 2, 'name': 'h323'}, {'id': 3, 'name': 'ras'}]})
    plan = vendor_platforms.api_requests(_rules('smb'), 'fortios', current=current)
    assert plan['delete_first'] == [{'module': 'firewall_policy', 'key': 9007}]
    assert plan['delete_last'] == [{'module': 'firewall_service_custom', 'key': 'ATEA-SVC-OLD'},
                                   {'module': 'firewall_addrgrp', 'key': 'ATEA-NET-MPLS'},
                                   {'module': 'firewall_address', 'key': 'ATEA-NET-MPLS-1'}]
    assert plan['session_helpers'] == [13, 21, 2, 3]
    assert plan['settings'] == {'default_voip_alg_mode': 'kernel-helper-based'}
    modules = [item['module'] for item in plan['set']]
    assert modules == sorted(modules, key=['firewall_address', 'firewall_addrgrp', 'firewall_service_custom',
                                           'firewall_policy'].index)
    policy = next(item['data'] for item in plan['set'] if item['module'] == 'firewall_policy')
    assert policy['policyid'] == 9001 and policy['srcaddr'] == [{'name': 'ATEA-NET-CUSTOMER'}]
    assert policy['service'] == [{'name': 'ATEA-SVC-OUTBOUND-INTERNET-TCP-IPV4'}]
    service = next(item['data'] for item in plan['set'] if item['module'] == 'firewall_service_custom')
    assert service['tcp_portrange'].startswith('443:1024-65535 ')


def test_fortios_policies_keep_their_ids_and_new_ones_take_free_ids_only():
    current = _fortios_current(firewall_policy=[
        {'policyid': 9001, 'name': 'VPN-IN'}, {'policyid': 9003, 'name': 'ATEA-OUTBOUND-INTERNET-UDP-IPV4'},
        {'policyid': 50, 'name': 'ATEA-HAND-MADE'}])
    plan = vendor_platforms.api_requests(_rules('smb'), 'fortios', current=current)
    ids = dict((item['data']['name'], item['data']['policyid']) for item in plan['set'] if item['module'] == 'firewall_policy')
    assert ids == {'ATEA-OUTBOUND-INTERNET-TCP-IPV4': 9002, 'ATEA-OUTBOUND-INTERNET-UDP-IPV4': 9003}
    # Below the base, an ATEA-* policy is not the collection's.
    assert plan['delete_first'] == []


def test_fortios_requests_need_every_table_read():
    with pytest.raises(InputError, match="option 'current': expected the entries read for each of firewall_address"):
        vendor_platforms.api_requests(_rules('smb'), 'fortios', current={'firewall_address': []})


@pytest.mark.parametrize('platform', ['cisco_asa', 'cisco_ios', 'junos_srx', 'fortios'])
def test_one_source_port_range_a_rule_where_the_platform_holds_one(platform):
    flows = engine.build_flows(None, components=['vmr'], extra_flows=[{
        'id': 'turn', 'direction': 'outbound', 'network': 'internet', 'protocol': 'udp',
        'destination_ports': ['3478'], 'source_ports': ['1024-2000', '3000-4000']}])
    with pytest.raises(InputError, match="option 'rules': the %s renderer takes one source port range a rule, "
                                         "this rule has 2" % platform):
        vendor_platforms.render_config(engine.compact_rules(flows), platform)


def _ios_changes(rules, running, **zones):
    return _sent(vendor_platforms.render_config(rules, 'cisco_ios', zones=zones or None, running_config=running,
                                                changes_only=True))


def test_ios_binds_only_to_interfaces_the_device_names_so_and_moves_bindings_of_ours():
    dual = _rules('enterprise-dual-stack')
    interfaces = 'interface GigabitEthernet2\n ipv6 traffic-filter LAN6 in\ninterface GigabitEthernet3\n'
    with pytest.raises(InputError, match="option 'zones.customer': the running configuration has no interface"):
        _ios_changes(dual, interfaces, customer='Gi2')
    # An interface without a list of the family passes everything today: ours bound there would not.
    with pytest.raises(InputError, match='interface GigabitEthernet2 has no inbound IPv4 access list'):
        _ios_changes(_rules('smb'), interfaces, customer='GigabitEthernet2')
    own = interfaces.replace('LAN6 in\n', 'LAN6 in\n ip access-group LAN-IN in\n') + \
        'ip access-list extended LAN-IN\n 10 permit tcp any any eq 22\n 20 deny ip any any log\n'
    with pytest.raises(InputError, match='filters inbound with LAN6, which the running configuration does not hold'):
        _ios_changes(dual, own, customer='GigabitEthernet2')
    bound = _as_ios_prints(vendor_platforms.render_config(_rules('smb'), 'cisco_ios', zones={'customer': 'GigabitEthernet3'}))
    moved = _ios_changes(_rules('smb'), own + bound, customer='GigabitEthernet2')
    assert moved[:3] == ['interface GigabitEthernet3', ' no ip access-group ATEA-ANYWHERE-CUSTOMER-IN-V4 in',
                         'no ip access-list extended ATEA-ANYWHERE-CUSTOMER-IN-V4']
    # Ours go into the interface's own list, between its permit and its deny.
    assert 'ip access-list extended LAN-IN' in moved and ' 11 remark ATEA: 3/4 outbound-internet-tcp-ipv4: 3 XMPP; ' \
        '3 UDS proxy; 3 SIP signaling; 4 HTTPS; 4 Media' in moved
    assert not [line for line in moved if 'access-group' in line and 'GigabitEthernet2' in line]


def test_ios_reads_members_as_the_device_prints_them():
    rules = engine.compact_rules(engine.build_flows('enterprise', customer_networks=['192.0.2.7/32', '2001:db8:a::/48']))
    rendered = vendor_platforms.render_config(rules, 'cisco_ios')
    assert ' 192.0.2.7 255.255.255.255' in rendered.splitlines()
    printed = _as_ios_prints(rendered).replace(' 192.0.2.7 255.255.255.255', ' host 192.0.2.7') \
        .replace('2001:db8:a::/48', '2001:DB8:A::/48')
    assert _ios_changes(rules, printed) == []


def test_asa_keeps_a_service_group_of_ours_that_a_kept_group_of_ours_names():
    """Service group headers end in their protocol (object-group service NAME tcp): the group is found by its name."""
    running = ('object-group service ATEA-SVC-OLD-B tcp\n port-object eq 8443\n'
               'object-group service ATEA-SVC-OLD-A tcp\n group-object ATEA-SVC-OLD-B\n'
               'object-group service ATEA-SVC-OLD-C tcp\n port-object eq 8444\n'
               'access-list OUTSIDE-IN extended permit tcp any any object-group ATEA-SVC-OLD-A\n')
    text = vendor_platforms.render_config(_rules('smb'), 'cisco_asa', running_config=running)
    deleted = _deleted('cisco_asa', text.splitlines())
    assert 'ATEA-SVC-OLD-A' not in deleted and 'ATEA-SVC-OLD-B' not in deleted, deleted
    assert 'ATEA-SVC-OLD-C' in deleted
    assert re.search(r'^! Kept object-group service ATEA-SVC-OLD-B tcp: .* \(through ATEA-SVC-OLD-A\)', text, re.M), text
