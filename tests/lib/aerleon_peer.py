# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A peer renderer for tests: the document's flows rendered by Aerleon (pinned, test only).

The policy is built from the independent reading of the document (requirements_document.meaning), not
from the collection's rules, so the two outputs meet only in the device model, which compares what they
let through. Aerleon writes what a person would configure by hand in its policy language; where a device
needs more than the allow rules (return entries on stateless IOS-XE ACLs), the policy here says so in
terms of its own, the way an Aerleon user would.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from aerleon import api
from aerleon.lib import naming

import requirements_document
from device_model import MODELS

# Platforms whose filters are zone pairs rather than access lists bound on an ingress interface.
ZONE_PAIRS = ('junos_srx', 'panos')
# The Aerleon generator of each platform.
TARGETS = {'cisco_asa': 'ciscoasa', 'cisco_ios': 'cisco', 'junos_srx': 'srx', 'panos': 'paloalto'}
ATEA = {'91.184.140.0/24': 'mpls', '88.151.163.0/24': 'internet'}


def _network_name(cidrs):
    return 'customer' if cidrs == requirements_document.RFC1918 else ATEA[cidrs[0]]


def _ports(ranges):
    return ['%d-%d' % (low, high) if low != high else str(low) for low, high in ranges]


def flows(profile):
    """(protocol, source network, destination network, source port ranges, destination port ranges or None)
    for every entry of the document's meaning of the profile."""
    result = []
    for (protocol, sources, destinations, source_ports), ports in sorted(
            requirements_document.meaning(profile).items()):
        result.append((protocol, _network_name(sources), _network_name(destinations), tuple(source_ports),
                       None if ports == ['echo'] else tuple(ports)))
    return result


def _term(flow, number, reply=False):
    """The Aerleon term of one flow, or of its reply (the flow's ends and ports swapped)."""
    protocol, source, destination, source_ports, ports = flow
    if reply:
        source, destination = destination, source
    name = 'f%d%s' % (number, 'r' if reply else '')
    term = {'name': name, 'source-address': source.upper(), 'destination-address': destination.upper(),
            'protocol': protocol, 'action': 'accept', 'comment': 'document flow %s' % name}
    if ports is None:
        term['icmp-type'] = 'echo-reply' if reply else 'echo-request'
        return term
    term['source-port' if reply else 'destination-port'] = 'P%d' % number
    if source_ports:
        term['destination-port' if reply else 'source-port'] = 'C%d' % number
    if reply and protocol == 'tcp':
        term['option'] = 'tcp-established'
    return term


def _definitions(profile):
    networks = {'CUSTOMER': {'values': [{'address': cidr} for cidr in requirements_document.RFC1918]}}
    networks.update((name.upper(), {'values': [{'address': cidr}]}) for cidr, name in ATEA.items())
    services = {}
    for number, flow in enumerate(flows(profile)):
        protocol, source_ports, ports = flow[0], flow[3], flow[4]
        if ports:
            services['P%d' % number] = [{'port': port, 'protocol': protocol} for port in _ports(ports)]
        if source_ports and ports:
            services['C%d' % number] = [{'port': port, 'protocol': protocol} for port in _ports(source_ports)]
    definitions = naming.Naming()
    definitions.ParseDefinitionsObject({'networks': networks, 'services': services}, '')
    return definitions


def policy(profile, platform):
    """The Aerleon policy of the profile: a filter per ingress interface (ACL platforms) or zone pair (SRX),
    a term per flow of the document's meaning."""
    # The zones and interfaces the device model reads the collection's references with.
    zones = MODELS[platform].DEFAULT_ZONES
    groups = {}
    for number, flow in enumerate(flows(profile)):
        protocol, source, destination = flow[:3]
        key = (source, destination) if platform in ZONE_PAIRS else (source,)
        groups.setdefault(key, []).append(_term(flow, number))
        if platform == 'cisco_ios':
            # Stateless ACLs: an Aerleon user writes the replies as terms of the other side's filter.
            groups.setdefault((destination,), []).append(_term(flow, number, reply=True))
    filters = []
    for key, terms in groups.items():
        if platform in ZONE_PAIRS:
            target = 'from-zone %s to-zone %s' % (zones[key[0]], zones[key[1]])
        else:
            target = 'PEER-%s-IN%s' % (key[0].upper(), ' extended' if platform == 'cisco_ios' else '')
        filters.append({'header': {'targets': {TARGETS[platform]: target}}, 'terms': terms})
    return {'filename': 'peer', 'filters': filters}


def render(profile, platform):
    """Aerleon's configuration for the profile, bound to the interfaces as the device would take it."""
    text = next(iter(api.Generate([policy(profile, platform)], _definitions(profile)).values()))
    zones = MODELS[platform].DEFAULT_ZONES
    if platform == 'junos_srx':
        return '\n'.join(curly_to_set(text)) + '\n'
    if platform == 'panos':
        return '\n'.join(xml_to_set(text)) + '\n'
    text = text.rstrip('\n') + '\n'
    bound = sorted(set(re.findall(r'(?:ip access-list extended|access-list) (PEER-(\w+)-IN)', text)))
    for acl, side in bound:
        interface = zones[side.lower()]
        text += ('interface %s\n ip access-group %s in\n' % (interface, acl) if platform == 'cisco_ios'
                 else 'access-group %s in interface %s\n' % (acl, interface))
    return text


_TOKEN = re.compile(r'/\*.*?\*/|"[^"]*"|[{};\[\]]|[^\s{};\[\]]+', re.S)


def curly_to_set(text):
    """A Junos configuration in curly-brace form as `show configuration | display set` prints it.

    Aerleon writes application terms on one line (`term t1 protocol tcp destination-port 443;`); Junos
    prints each of their leaves as a set line of its own.
    """
    lines, path, statement, members = [], [], [], None
    for token in _TOKEN.findall(text):
        if token.startswith('/*') or token == 'replace:':
            continue
        if token == '{':
            path.append(' '.join(statement))
            statement = []
        elif token == '}':
            path.pop()
        elif token == '[':
            members = []
        elif token == ']':
            lines += ['set %s' % ' '.join(path + statement + [member]) for member in members]
            statement, members = [], None
        elif token == ';':
            if statement[:1] == ['term']:
                head = path + statement[:2]
                lines += ['set %s %s %s' % (' '.join(head), key, value)
                          for key, value in zip(statement[2::2], statement[3::2])]
            elif statement:
                lines.append('set %s' % ' '.join(path + statement))
            statement = []
        elif members is not None:
            members.append(token)
        else:
            statement.append(token.replace('replace:', ''))
    return [line for line in lines if line.strip() != 'set']


def xml_to_set(text):
    """A PAN-OS configuration in XML as configure-mode set commands, as `set cli config-output-format set`
    prints it: a named entry is its name, a list of members is `[ a b ]`, a leaf is its text."""
    vsys = ElementTree.fromstring(text).find('devices/entry/vsys/entry')
    lines = []

    def walk(element, path):
        children = list(element)
        if children and all(child.tag == 'member' for child in children):
            lines.append('set %s [ %s ]' % (' '.join(path), ' '.join(child.text for child in children)))
        elif not children and (element.text or '').strip():
            value = element.text.strip()
            lines.append('set %s %s' % (' '.join(path), '"%s"' % value if ' ' in value else value))
        for child in children if not (children and children[0].tag == 'member') else ():
            walk(child, path + [child.get('name')] if child.tag == 'entry' else path + [child.tag])

    for child in vsys:
        walk(child, [child.tag])
    return lines
