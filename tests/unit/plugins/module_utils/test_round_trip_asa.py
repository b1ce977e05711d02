# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reviewed ASA configurations, read back by an independent parser (ciscoconfparse2), mean exactly
the document's flows for the profile: same protocols, ports, networks and directions, nothing more."""

from __future__ import annotations

import ipaddress

import pytest
import requirements_document as document
from ciscoconfparse2 import CiscoConfParse
from regression import read_reference


def asa_meaning(lines):
    """What an ASA configuration allows, read by ciscoconfparse2, in the shape of requirements_document.meaning()."""
    parse = CiscoConfParse(lines, syntax='asa')
    networks, services = {}, {}
    for group in parse.find_objects(r'^object-group network '):
        cidrs = []
        for child in group.children:
            words = child.text.split()
            cidrs.append(words[1] if '/' in words[1] else str(ipaddress.ip_network('%s/%s' % (words[1], words[2]))))
        networks[group.text.split()[2]] = tuple(cidrs)
    for group in parse.find_objects(r'^object-group service '):
        _keyword, _kind, name, protocol = group.text.split()
        ports = []
        for child in group.children:
            words = child.text.split()
            ports.append((int(words[2]), int(words[-1])))
        services[name] = (protocol, ports)
    meaning = {}
    for entry in parse.find_objects(r'^access-list \S+ extended permit '):
        words = entry.text.split()[4:]
        protocol, words = words[0], words[1:]
        sources = networks[words[1]]
        source_ports = ()
        words = words[2:]
        if words[0] == 'range':
            source_ports = ((int(words[1]), int(words[2])),)
            words = words[3:]
        destinations = networks[words[1]]
        if protocol == 'icmp':
            assert words[2:] == ['echo']
            ports = ['echo']
        else:
            service_protocol, ports = services[words[3]]
            assert service_protocol == protocol
        meaning.setdefault((protocol, sources, destinations, source_ports), []).extend(ports)
    return document.collapsed(meaning)


def _reference(profile):
    return read_reference('cisco_asa', profile).splitlines()


@pytest.mark.parametrize('profile', sorted(document.PROFILE_SECTIONS))
def test_asa_configuration_means_exactly_the_document(profile):
    assert asa_meaning(_reference(profile)) == document.meaning(profile)


@pytest.mark.parametrize('dropped', [' port-object eq 5061', ' port-object range 16384 32767', ' port-object eq 443'])
def test_a_port_dropped_from_the_reference_is_caught(dropped):
    lines = _reference('enterprise')
    assert dropped in lines
    lines.remove(dropped)
    assert asa_meaning(lines) != document.meaning('enterprise')


def test_asa_is_at_most_half_a_flat_acl():
    """A flat ACL: one ACE per source network, destination network, protocol and port, a remark per row."""
    flat = 0
    for section in document.load():
        customers = len(document.RFC1918)
        atea = 1 if section.network else customers
        sources, destinations = {'outbound': (customers, atea), 'inbound': (atea, customers),
                                 'internal': (customers, customers)}[section.direction]
        for row in section.rows:
            flat += 1 + sources * destinations * len(row.protocols) * max(1, len(row.ports))
    ours = len(_reference('enterprise'))
    assert ours * 2 <= flat, (ours, flat)
