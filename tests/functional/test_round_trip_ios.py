# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reviewed IOS-XE configurations, read back by cisco.ios.ios_acls (state: parsed, no device), mean
exactly the document's flows for the profile: same protocols, ports, networks and directions."""

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


def ios_meaning(text, tmp_path):
    parsed = parse_with_vendor_collection(PLAYBOOK, text, tmp_path)
    groups = object_groups(text)
    meaning = {}
    for afi in parsed:
        for acl in afi['acls']:
            for ace in acl.get('aces', []):
                if 'remarks' in ace:
                    continue
                assert ace['grant'] == 'permit'
                key = (ace['protocol'], groups[ace['source']['object_group']],
                       groups[ace['destination']['object_group']], _ports(ace['source'].get('port_protocol')))
                if ace['protocol'] == 'icmp':
                    assert ace['protocol_options'] == {'icmp': {'echo': True}}
                    meaning.setdefault(key, []).append('echo')
                else:
                    meaning.setdefault(key, []).extend(_ports(ace['destination'].get('port_protocol')))
    return document.collapsed(meaning)


@pytest.mark.parametrize('profile', sorted(document.PROFILE_SECTIONS))
def test_ios_configuration_means_exactly_the_document(profile, tmp_path):
    assert ios_meaning(read_reference('cisco_ios', profile), tmp_path) == document.meaning(profile)


def test_a_port_dropped_from_the_reference_is_caught(tmp_path):
    dropped = ' permit tcp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS eq 2748\n'
    text = read_reference('cisco_ios', 'enterprise')
    assert dropped in text
    assert ios_meaning(text.replace(dropped, ''), tmp_path) != document.meaning('enterprise')
