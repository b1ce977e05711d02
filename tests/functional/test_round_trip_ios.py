# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reviewed IOS-XE configurations, read back by cisco.ios.ios_acls (state: parsed, no device), mean
exactly the document's flows for the profile and their replies (interface ACLs keep no state): same
protocols, ports, networks and directions, and for each flow the entry its replies need (TCP established
from the service port, UDP from the service port, ICMP echo-reply)."""

from __future__ import annotations

import ipaddress

import pytest
import requirements_document as document
from regression import parse_with_vendor_collection, read_reference

PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  vars:
    ansible_connection: ansible.netcommon.network_cli
    ansible_network_os: cisco.ios.ios
  tasks:
    - cisco.ios.ios_acls:
        running_config: "{{ lookup('ansible.builtin.file', config) }}"
        state: parsed
      register: acls
    - ansible.builtin.copy:
        content: "{{ acls.parsed | to_json }}"
        dest: "{{ out }}"
        mode: "0644"
'''


def object_groups(text):
    """Network object-groups of the file (ios_acls reads access lists only)."""
    groups, current = {}, None
    for line in text.splitlines():
        if line.startswith('object-group network '):
            current = groups.setdefault(line.split()[2], [])
        elif line.startswith(' ') and current is not None and not line.strip().startswith(('permit', 'remark')):
            address, mask = line.split()
            current.append(str(ipaddress.ip_network('%s/%s' % (address, mask))))
        else:
            current = None
    return dict((name, tuple(cidrs)) for name, cidrs in groups.items())


def _ports(port_protocol):
    if not port_protocol:
        return ()
    if 'eq' in port_protocol:
        return ((int(port_protocol['eq']), int(port_protocol['eq'])),)
    return ((int(port_protocol['range']['start']), int(port_protocol['range']['end'])),)


def _option(ace):
    """'established', 'echo' or 'echo-reply' where the entry has one."""
    options = list(ace.get('protocol_options', {}).get(ace['protocol'], {}))
    assert len(options) <= 1, ace
    return options[0].replace('_', '-') if options else None


def _entries(meaning):
    """(protocol, key, option) -> the destination ports of its entries: the shape both sides are compared in."""
    entries = {}
    for protocol, sources, destinations, source_ports, destination_ports, option in meaning:
        entries.setdefault((protocol, sources, destinations, source_ports, option), []).append(destination_ports)
    return dict((key, sorted(ports)) for key, ports in entries.items())


def ios_meaning(text, tmp_path):
    """Every entry of the file as (protocol, sources, destinations, source ports, destination ports, option)."""
    parsed = parse_with_vendor_collection(PLAYBOOK, text, tmp_path)
    groups = object_groups(text)
    meaning = []
    for afi in parsed:
        for acl in afi['acls']:
            for ace in acl.get('aces', []):
                if 'remarks' in ace:
                    continue
                assert ace['grant'] == 'permit'
                meaning.append((ace['protocol'], groups[ace['source']['object_group']],
                                groups[ace['destination']['object_group']], _ports(ace['source'].get('port_protocol')),
                                _ports(ace['destination'].get('port_protocol')), _option(ace)))
    return _entries(meaning)


def document_meaning(profile):
    """The document's flows for the profile, one entry per port range, and the entry each one's replies need."""
    meaning = []
    for (protocol, sources, destinations, source_ports), ports in document.meaning(profile).items():
        if protocol == 'icmp':
            meaning += [('icmp', sources, destinations, (), (), 'echo'), ('icmp', destinations, sources, (), (), 'echo-reply')]
            continue
        for port in ports:
            meaning += [(protocol, sources, destinations, source_ports, (tuple(port),), None),
                        (protocol, destinations, sources, (tuple(port),), source_ports,
                         'established' if protocol == 'tcp' else None)]
    return _entries(meaning)


@pytest.mark.parametrize('profile', sorted(document.PROFILE_SECTIONS))
def test_ios_configuration_means_exactly_the_document(profile, tmp_path):
    assert ios_meaning(read_reference('cisco_ios', profile), tmp_path) == document_meaning(profile)


def test_a_port_dropped_from_the_reference_is_caught(tmp_path):
    dropped = ' permit tcp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS eq 2748\n'
    text = read_reference('cisco_ios', 'enterprise')
    assert dropped in text
    assert ios_meaning(text.replace(dropped, ''), tmp_path) != document_meaning('enterprise')


@pytest.mark.parametrize('dropped', [
    ' permit tcp object-group ATEA-NET-MPLS eq 2748 object-group ATEA-NET-CUSTOMER established\n',
    ' permit udp object-group ATEA-NET-MPLS range 16384 32767 object-group ATEA-NET-CUSTOMER\n',
    ' permit icmp object-group ATEA-NET-MPLS object-group ATEA-NET-CUSTOMER echo-reply\n',
])
def test_a_reply_dropped_from_the_reference_is_caught(dropped, tmp_path):
    text = read_reference('cisco_ios', 'enterprise')
    assert dropped in text
    assert ios_meaning(text.replace(dropped, ''), tmp_path) != document_meaning('enterprise')
