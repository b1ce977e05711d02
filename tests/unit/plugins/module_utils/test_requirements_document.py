# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's requirement data matches the requirements document, row for row."""

from __future__ import annotations

import filecmp
import os

import pytest
import requirements_document as document

from ansible_collections.atea.anywhere.plugins.module_utils import requirements as data

SHARED_COPY = os.path.join(os.path.dirname(document.DOCUMENT), '..', '..', '..', 'shared', 'requirements',
                           'atea-anywhere-firewall-requirements.txt')


def differences(doc_sections):
    """Every disagreement between the document and the data, as readable lines."""
    found = []
    sections = dict((s.number, s) for s in data.SECTIONS)
    doc_numbers = [s.number for s in doc_sections]
    if doc_numbers != [s.number for s in data.SECTIONS]:
        found.append('sections: document %s, data %s' % (doc_numbers, [s.number for s in data.SECTIONS]))
    for doc_section in doc_sections:
        section = sections.get(doc_section.number)
        if section is None:
            continue
        if section.direction != doc_section.direction:
            found.append('%s direction: document %s, data %s'
                         % (section.number, doc_section.direction, section.direction))
        network = data.ATEA_NETWORKS[section.network][0] if section.network else None
        if network != doc_section.network:
            found.append('%s network: document %s, data %s' % (section.number, doc_section.network, network))
        rows = [r for r in data.REQUIREMENTS if r.section == section.number]
        if len(rows) != len(doc_section.rows):
            found.append('%s: document has %d rows, data %d' % (section.number, len(doc_section.rows), len(rows)))
        for index, (row, doc_row) in enumerate(zip(rows, doc_section.rows)):
            where = '%s row %d (%s)' % (section.number, index + 1, row.id)
            if row.purpose != doc_row.purpose:
                found.append('%s purpose: document %r, data %r' % (where, doc_row.purpose, row.purpose))
            if row.protocols != doc_row.protocols:
                found.append('%s protocols: document %s, data %s' % (where, doc_row.protocols, row.protocols))
            if row.destination_ports != doc_row.ports:
                found.append('%s ports: document %s, data %s' % (where, doc_row.ports, row.destination_ports))
            if section.source_ports != doc_row.source_ports:
                found.append('%s source ports: document %s, data %s'
                             % (where, doc_row.source_ports, section.source_ports))
            if section.number.startswith('2.') and row.application != doc_row.application:
                found.append('%s application: document %r, data %r' % (where, doc_row.application, row.application))
    return found


def test_data_matches_document_row_for_row():
    assert differences(document.load()) == []


def test_every_row_is_read():
    counts = dict((s.number, len(s.rows)) for s in document.load())
    assert counts == {'2.1': 19, '2.2': 7, '2.3': 3, '3': 4, '4': 2}
    assert len(data.REQUIREMENTS) == 35


@pytest.mark.parametrize('edit, expected', [
    (('5061\n', '5062\n'), 'ports'),
    (('HTTP Access\tTCP\tHTTP\t80\n', ''), 'document has 18 rows'),
    (('Media\tUDP\t>=1024\t36002 - 59999', 'Media\tTCP\t>=1024\t36002 - 59999'), 'protocols'),
    (('Virtual Meeting Rooms via WEB Browser', 'Virtual Meeting Rooms via WEB Browser'), None),
])
def test_a_changed_document_is_noticed(edit, expected):
    with open(document.DOCUMENT, encoding='utf-8') as handle:
        text = handle.read()
    assert edit[0] in text
    found = differences(document.parse(text.replace(edit[0], edit[1], 1)))
    if expected is None:
        assert found == []
    else:
        assert any(expected in line for line in found), found


def test_unknown_transport_in_a_new_document_fails_the_parser():
    with pytest.raises(document.DocumentError, match="unknown transport 'SCTP'"):
        document.protocols_of('SCTP', 'SIP')


@pytest.mark.skipif(not os.path.exists(SHARED_COPY), reason='no shared/ folder beside this checkout')
def test_fixture_is_the_published_document():
    assert filecmp.cmp(document.DOCUMENT, SHARED_COPY, shallow=False), (
        'the requirements document changed: copy it to tests/fixtures and update requirements.py')


# The document's quirks, each read on purpose.
@pytest.mark.parametrize('written', ['TCP +UDP', 'TCP and UDP', 'TCP / UDP', 'TCP + UDP'])
def test_both_transports_spellings(written):
    assert document.protocols_of(written, 'SIP') == ('tcp', 'udp')


def _row(row_id):
    return next(r for r in data.REQUIREMENTS if r.id == row_id)


def test_quirk_rows_in_the_data():
    assert _row('2.1-sip').protocols == ('tcp', 'udp')          # 'TCP +UDP'
    assert _row('2.2-sip').protocols == ('tcp', 'udp')          # 'TCP and UDP'
    assert _row('2.3-file-transfer').protocols == ('tcp', 'udp')  # 'TCP / UDP'
    assert _row('4-media').protocols == ('tcp', 'udp')          # 'TCP + UDP'
    assert _row('3-sip-tls').protocols == ('tcp',)              # 'TLS'
    assert _row('2.2-phone-web').protocols == ('tcp',)          # no transport written
    assert _row('2.2-icmp-echo').destination_ports == ()        # stray '7'
    assert _row('2.1-icmp-echo').destination_ports == ()


def test_tls_is_tcp_and_blank_transport_is_read_from_the_application():
    assert document.protocols_of('TLS', '') == ('tcp',)
    assert document.protocols_of('', 'HTTP') == ('tcp',)
    with pytest.raises(document.DocumentError):
        document.protocols_of('', 'SSH')


def test_stray_seven_on_icmp_row_is_not_a_port():
    with open(document.DOCUMENT, encoding='utf-8') as handle:
        icmp_rows = [line for line in handle if line.startswith('Internet Control Message Protocol')]
    assert icmp_rows[1].rstrip('\n').endswith('\tICMP\tICMP\t7')
    assert document.ports_of('7', ('icmp',)) == ()
    with pytest.raises(document.DocumentError):
        document.ports_of('8', ('icmp',))


def test_ids_are_unique_and_carry_their_section():
    ids = [r.id for r in data.REQUIREMENTS]
    assert len(ids) == len(set(ids))
    assert all(r.id.startswith(r.section + '-') for r in data.REQUIREMENTS)
