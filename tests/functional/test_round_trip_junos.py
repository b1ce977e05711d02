# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reviewed Junos SRX configurations mean exactly the document's flows for the profile: the policies
read back by junipernetworks.junos.junos_security_policies (state: parsed, no device), the address book
and applications they name read by the tests."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

import pytest
import requirements_document as document
from regression import parse_with_vendor_collection, read_reference

PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  vars:
    ansible_connection: ansible.netcommon.netconf
    ansible_network_os: junipernetworks.junos.junos
  tasks:
    - junipernetworks.junos.junos_security_policies:
        running_config: "{{ lookup('ansible.builtin.file', config) }}"
        state: parsed
      register: policies
    - ansible.builtin.copy:
        content: "{{ policies.parsed | to_json }}"
        dest: "{{ out }}"
        mode: "0644"
'''
# The zone of each network with the default zones: customer trust, mpls mpls, internet untrust.
ZONES = {'ATEA-NET-CUSTOMER': 'trust', 'ATEA-NET-MPLS': 'mpls', 'ATEA-NET-INTERNET': 'untrust'}
POLICY = re.compile(r'set security policies from-zone (\S+) to-zone (\S+) policy (\S+) (.*)$')
# The match and description statements of a policy, as Junos' XML names them.
LEAVES = {'match source-address': ('match', 'source-address'), 'match destination-address': ('match', 'destination-address'),
          'match application': ('match', 'application')}


def policies_xml(text):
    """The policies of a set configuration as the XML junos_security_policies parses (its input format)."""
    pairs = {}
    for line in text.splitlines():
        found = POLICY.match(line)
        if not found:
            continue
        from_zone, to_zone, name, rest = found.groups()
        policy = pairs.setdefault((from_zone, to_zone), {}).setdefault(name, {'match': [], 'other': []})
        for statement, (parent, leaf) in LEAVES.items():
            if rest.startswith(statement + ' '):
                policy[parent].append('<%s>%s</%s>' % (leaf, escape(rest.split()[-1]), leaf))
                break
        else:
            if rest.startswith('description '):
                policy['other'].append('<description>%s</description>' % escape(rest[12:].strip('"')))
            elif rest == 'then permit':
                policy['other'].append('<then><permit/></then>')
            else:
                raise AssertionError('statement the round trip does not know: %s' % line)
    body = ''.join(
        '<policy><from-zone-name>%s</from-zone-name><to-zone-name>%s</to-zone-name>%s</policy>' % (
            from_zone, to_zone, ''.join('<policy><name>%s</name><match>%s</match>%s</policy>' % (
                name, ''.join(policy['match']), ''.join(policy['other'])) for name, policy in policies.items()))
        for (from_zone, to_zone), policies in pairs.items())
    return '<rpc-reply><configuration><security><policies>%s</policies></security></configuration></rpc-reply>' % body


def address_sets(text):
    """Address-set name -> its CIDRs, in order, from the global address book."""
    addresses, sets = {}, {}
    for line in text.splitlines():
        words = line.split()
        if words[:5] == ['set', 'security', 'address-book', 'global', 'address']:
            addresses[words[5]] = words[6]
        elif words[:5] == ['set', 'security', 'address-book', 'global', 'address-set']:
            sets.setdefault(words[5], []).append(addresses[words[7]])
    return dict((name, tuple(cidrs)) for name, cidrs in sets.items())


def _range(text):
    low, _sep, high = text.partition('-')
    return (int(low), int(high or low))


def applications(text):
    """Application or application-set name -> its terms: {'protocol', 'destination-port', 'source-port',
    'icmp-type' or 'icmp6-type'}, an application set's being those of its applications."""
    terms, sets = {}, {}
    for line in text.splitlines():
        words = line.split()
        if words[:3] == ['set', 'applications', 'application']:
            term = terms.setdefault(words[3], {}).setdefault(words[5], {})
            term[words[6]] = words[7]
        elif words[:3] == ['set', 'applications', 'application-set']:
            sets.setdefault(words[3], []).append(words[5])
    found = dict((name, list(by_name.values())) for name, by_name in terms.items())
    found.update((name, [term for member in members for term in found.get(member, [])]) for name, members in sets.items())
    return found


def junos_meaning(text, tmp_path):
    parsed = parse_with_vendor_collection(PLAYBOOK, policies_xml(text), tmp_path)
    sets, apps = address_sets(text), applications(text)
    meaning = {}
    for from_zone in parsed['from_zones']:
        for to_zone in from_zone['to_zones']:
            for policy in to_zone['policies']:
                match = policy['match']
                (source,), (destination,) = match['source_address']['addresses'], match['destination_address']['addresses']
                (application,) = match['application']['names']
                # Each policy sits in the zone pair of its networks (the documented default zones).
                assert (from_zone['name'], to_zone['name']) == (ZONES[source], ZONES[destination]), policy['name']
                for term in apps[application]:
                    protocol = {'icmp6': 'icmp'}.get(term['protocol'], term['protocol'])
                    source_ports = (_range(term['source-port']),) if 'source-port' in term else ()
                    key = (protocol, sets[source], sets[destination], source_ports)
                    if protocol == 'icmp':
                        assert term.get('icmp-type', term.get('icmp6-type')) in ('8', '128')
                        meaning.setdefault(key, []).append('echo')
                    else:
                        meaning.setdefault(key, []).append(_range(term['destination-port']))
    permits = set(re.findall(r'policy (\S+) then permit$', text, re.M))
    assert permits == set(re.findall(r'policy (\S+) match application', text)), 'every policy permits'
    return document.collapsed(meaning)


@pytest.mark.parametrize('profile', sorted(document.PROFILE_SECTIONS))
def test_junos_configuration_means_exactly_the_document(profile, tmp_path):
    assert junos_meaning(read_reference('junos_srx', profile), tmp_path) == document.meaning(profile)


def test_a_policy_in_the_wrong_zone_pair_is_caught(tmp_path):
    text = read_reference('junos_srx', 'smb').replace('from-zone trust to-zone untrust policy ATEA-OUTBOUND-INTERNET-UDP',
                                                      'from-zone untrust to-zone trust policy ATEA-OUTBOUND-INTERNET-UDP')
    with pytest.raises(AssertionError, match='ATEA-OUTBOUND-INTERNET-UDP-IPV4'):
        junos_meaning(text, tmp_path)


def test_a_port_dropped_from_the_reference_is_caught(tmp_path):
    text = read_reference('junos_srx', 'enterprise')
    dropped = [line for line in text.splitlines() if ' term p2748 ' in line]
    assert len(dropped) == 2
    assert junos_meaning('\n'.join(line for line in text.splitlines() if line not in dropped), tmp_path) \
        != document.meaning('enterprise')
