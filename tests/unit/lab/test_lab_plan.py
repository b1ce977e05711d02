# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the lab probes and expects, without building it."""

from __future__ import annotations

import lab
import pytest

LAB = lab.Lab('zz')


def _probes(profile):
    return dict((p[:5], p[5]) for p in LAB.probes(profile))


def _low_source(probes, source, destination, protocol, port):
    return [expected for key, expected in probes.items()
            if key[:4] == (source, destination, protocol, port) and 0 < key[4] < 1024]


@pytest.mark.parametrize('probe, expected', [
    (('c1', 'inet', 'tcp', 5222, 0), True),        # 3 XMPP
    (('c2', 'inet', 'udp', 48000, 0), True),       # 3 media 36002-59999, middle
    (('c1', 'inet', 'udp', 5222, 0), False),       # wrong protocol
    (('rogue', 'inet', 'tcp', 5222, 0), False),    # wrong source network
    (('c1', 'mpls', 'tcp', 443, 0), False),        # enterprise only
    (('mpls', 'c1', 'tcp', 22, 0), False),         # enterprise only (2.2)
    (('c1', 'c2', 'tcp', 37200, 0), False),        # enterprise only (2.3)
    (('c1', 'inet', 'tcp', 3389, 0), False),       # no section opens it
])
def test_smb_expectations(probe, expected):
    assert _probes('smb')[probe] is expected


@pytest.mark.parametrize('probe, expected', [
    (('c1', 'mpls', 'tcp', 2444, 0), True),        # 2.1 CTL
    (('c1', 'mpls', 'icmp', 0, 0), True),          # 2.1 ICMP echo
    (('mpls', 'c2', 'tcp', 22, 0), True),          # 2.2 SSH
    (('mpls', 'c2', 'icmp', 0, 0), True),          # 2.2 ICMP echo
    (('inet', 'c2', 'tcp', 22, 0), False),         # 2.2 is from the MPLS network only
    (('c2', 'c1', 'udp', 37200, 0), True),         # 2.3 both ways
    (('rogue', 'c1', 'udp', 16384, 0), False),     # 2.3 between customer devices only
    (('c1', 'mpls', 'udp', 2000, 0), False),       # SCCP is TCP
])
def test_enterprise_expectations(probe, expected):
    assert _probes('enterprise')[probe] is expected


def test_low_source_ports_are_probed_and_dropped_for_sections_3_and_4():
    probes = _probes('enterprise')
    assert _low_source(probes, 'c1', 'inet', 'tcp', 443) == [False]
    assert _low_source(probes, 'c1', 'inet', 'udp', 36002) == [False]
    assert _low_source(probes, 'c1', 'mpls', 'tcp', 443) == []


def test_every_row_of_the_profile_has_a_passing_probe():
    passing = set((p[0], p[1], p[3]) for p, expected in _probes('enterprise').items() if expected)
    for port in (69, 6969, 80, 443, 8080, 5070, 2000, 2443, 2445, 3804, 5060, 5061, 6970, 16384, 32767, 8443, 6972,
                 5222, 2444, 2748):
        assert ('c1', 'mpls', port) in passing and ('c2', 'mpls', port) in passing, port


def test_without_collection_objects_strips_chain_and_jump_only():
    listing = ('table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
               '\t\tjump atea_anywhere_forward comment "x"\n\t\tct state established accept\n\t}\n\n'
               '\tchain atea_anywhere_forward {\n\t\ttcp dport 80 accept\n\t}\n}\n')
    assert lab.without_collection_objects(listing) == (
        'table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
        '\t\tct state established accept\n\t}\n}\n')
