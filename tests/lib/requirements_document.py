# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An independent reading of the requirements document, for tests.

It shares no code with the collection: tests compare what the collection
holds with what this parser reads, so a new version of the document shows
up as a failing test. Each quirk of the hand-made document is named here.
"""

from __future__ import annotations

import collections
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DOCUMENT = os.path.join(HERE, '..', 'fixtures', 'atea-anywhere-firewall-requirements.txt')

DocRow = collections.namedtuple('DocRow', 'section purpose protocols application ports source_ports')
DocSection = collections.namedtuple('DocSection', 'number title direction network rows')

# Transport column as written -> protocols. Quirks: three spellings of "both";
# 'TLS' is an application that runs over TCP.
TRANSPORTS = {
    'TCP': ('tcp',),
    'UDP': ('udp',),
    'ICMP': ('icmp',),
    'TCP +UDP': ('tcp', 'udp'),
    'TCP + UDP': ('tcp', 'udp'),
    'TCP and UDP': ('tcp', 'udp'),
    'TCP / UDP': ('tcp', 'udp'),
    'TLS': ('tcp',),
}
# Quirk: a row with an empty transport column; its application says which.
BLANK_TRANSPORT_BY_APPLICATION = {'HTTP': ('tcp',)}

_SECTION = re.compile(r'^(\d(?:\.\d)?)\. (.+)$')
_CIDR = re.compile(r'\((\d+\.\d+\.\d+\.\d+/\d+)\)')
_SOURCE_AT_LEAST = re.compile(r'^>=\s*(\d+)$')


class DocumentError(ValueError):
    pass


def protocols_of(transport, application):
    transport = transport.strip()
    if not transport:
        if application in BLANK_TRANSPORT_BY_APPLICATION:
            return BLANK_TRANSPORT_BY_APPLICATION[application]
        raise DocumentError('empty transport for application %r' % application)
    if transport not in TRANSPORTS:
        raise DocumentError('unknown transport %r' % transport)
    return TRANSPORTS[transport]


def ports_of(text, protocols):
    text = text.strip()
    if protocols == ('icmp',):
        # Quirk: ICMP has no ports; section 2.2 writes a stray '7' in the port column.
        if text not in ('', '7'):
            raise DocumentError('unexpected port text %r on an ICMP row' % text)
        return ()
    if not text:
        raise DocumentError('no ports for %s' % (protocols,))
    ranges = []
    for part in text.split(','):
        bounds = [int(b) for b in part.split('-')]
        if len(bounds) not in (1, 2):
            raise DocumentError('bad port text %r' % text)
        ranges.append((bounds[0], bounds[-1]))
    return tuple(ranges)


def _direction(title):
    if title.startswith('Outgoing'):
        return 'outbound'
    if title.startswith('Incoming'):
        return 'inbound'
    if 'between customer devices' in title:
        return 'internal'
    raise DocumentError('no direction in section title %r' % title)


def parse(text):
    """The port tables of the document, as DocSection tuples in document order."""
    sections = []
    current = None
    for line in text.splitlines():
        heading = _SECTION.match(line)
        if heading and '\t' not in line:
            number, title = heading.groups()
            current = None
            if '\t' not in title and number not in ('1', '1.1', '1.2', '2'):
                cidr = _CIDR.search(title)
                current = DocSection(number, title, _direction(title), cidr.group(1) if cidr else None, [])
                sections.append(current)
            continue
        if current is None or '\t' not in line or line.startswith('Purpose\t'):
            continue
        cells = line.split('\t')
        if len(cells) != 4:
            raise DocumentError('row of section %s has %d columns: %r' % (current.number, len(cells), line))
        purpose = cells[0].strip()
        if current.number.startswith('2.'):
            transport, application, ports, source = cells[1], cells[2].strip(), cells[3], ''
        else:
            # Sections 3 and 4: Purpose, Protocol (the transport), source, listening.
            transport, application, source, ports = cells[1], '', cells[2], cells[3]
        protocols = protocols_of(transport, application)
        source_ports = ()
        if source.strip():
            at_least = _SOURCE_AT_LEAST.match(source.strip())
            if not at_least:
                raise DocumentError('bad source port text %r' % source)
            source_ports = ((int(at_least.group(1)), 65535),)
        current.rows.append(DocRow(current.number, purpose, protocols, application,
                                   ports_of(ports, protocols), source_ports))
    return sections


def load(path=DOCUMENT):
    with open(path, encoding='utf-8') as handle:
        return parse(handle.read())


RFC1918 = ('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16')
PROFILE_SECTIONS = {'smb': ('3', '4'), 'enterprise': ('2.1', '2.2', '2.3', '3', '4')}


def collapse(ranges):
    """Overlapping and adjacent port ranges merged: how two readings of the same ports compare."""
    merged = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def meaning(profile, customer=RFC1918):
    """What the document asks of a profile with the default networks:
    (protocol, sources, destinations, source ports) -> destination port ranges, or ['echo'] for ICMP."""
    result = {}
    for section in load():
        if section.number not in PROFILE_SECTIONS[profile]:
            continue
        atea = (section.network,) if section.network else customer
        sources, destinations = {'outbound': (customer, atea), 'inbound': (atea, customer),
                                 'internal': (customer, customer)}[section.direction]
        for row in section.rows:
            for protocol in row.protocols:
                result.setdefault((protocol, sources, destinations, row.source_ports), []).extend(
                    row.ports or ['echo'])
    return collapsed(result)


def collapsed(meaning):
    """A reading's key -> ports, with the port ranges merged (ICMP echo stays ['echo'])."""
    return dict((key, ['echo'] if ports == ['echo'] * len(ports) else list(collapse(ports)))
                for key, ports in meaning.items())
