# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the lab probes and expects, without building it."""

from __future__ import annotations

import ipaddress

import lab
import pytest

LAB = lab.Lab('zz')
SEED = 20261204


def _probes(profile, placement='gateway', seed=SEED):
    return dict((p[:6], p.expected) for p in LAB.probes(profile, placement, lab.FAMILIES, seed))


def _low_source(probes, source, destination, protocol, port, family='ipv4'):
    return [expected for key, expected in probes.items()
            if key[:5] == (source, destination, family, protocol, port) and 0 < key[5] < 1024]


@pytest.mark.parametrize('probe, expected', [
    (('c1', 'inet', 'tcp', 5222, 0), True),        # 3 XMPP
    (('c2', 'inet', 'udp', 36002, 0), True),       # 3 media 36002-59999, low end
    (('c2', 'inet', 'udp', 36001, 0), False),      # just below it
    (('c2', 'inet', 'udp', 60000, 0), False),      # just above it
    (('c1', 'inet', 'udp', 5222, 0), False),       # wrong protocol
    (('rogue', 'inet', 'tcp', 5222, 0), False),    # wrong source network
    (('c1', 'mpls', 'tcp', 443, 0), False),        # enterprise only
    (('mpls', 'c1', 'tcp', 22, 0), False),         # enterprise only (2.2)
    (('c1', 'c2', 'tcp', 37200, 0), False),        # enterprise only (2.3)
    (('c1', 'inet', 'tcp', 3389, 0), False),       # no section opens it
])
@pytest.mark.parametrize('family', lab.FAMILIES)
def test_smb_expectations(probe, expected, family):
    assert _probes('smb')[probe[:2] + (family,) + probe[2:]] is expected


@pytest.mark.parametrize('probe, expected', [
    (('c1', 'mpls', 'tcp', 2444, 0), True),        # 2.1 CTL
    (('c1', 'mpls', 'tcp', 2446, 0), False),       # beside 2445, the last of 2443-2445
    (('mpls', 'c2', 'tcp', 22, 0), True),          # 2.2 SSH
    (('inet', 'c2', 'tcp', 22, 0), False),         # 2.2 is from the MPLS network only
    (('c2', 'c1', 'udp', 37200, 0), True),         # 2.3 both ways
    (('rogue', 'c1', 'udp', 16384, 0), False),     # 2.3 between customer devices only
    (('c1', 'mpls', 'udp', 2000, 0), False),       # SCCP is TCP
])
@pytest.mark.parametrize('family', lab.FAMILIES)
def test_enterprise_expectations(probe, expected, family):
    assert _probes('enterprise')[probe[:2] + (family,) + probe[2:]] is expected


@pytest.mark.parametrize('family, echo, others', [('ipv4', 8, (13, 15)), ('ipv6', 128, (139,))])
def test_only_icmp_echo_passes(family, echo, others):
    probes = _probes('enterprise')
    assert probes[('c1', 'mpls', family, 'icmp', echo, 0)] is True       # 2.1 ICMP echo
    assert probes[('mpls', 'c2', family, 'icmp', echo, 0)] is True       # 2.2 ICMP echo
    assert probes[('inet', 'c2', family, 'icmp', echo, 0)] is False      # 2.2 is from the MPLS network only
    for icmp_type in others:
        assert probes[('c1', 'mpls', family, 'icmp', icmp_type, 0)] is False
        assert probes[('mpls', 'c2', family, 'icmp', icmp_type, 0)] is False


def test_icmp_queries_beside_echo_get_an_answer_and_leave_neighbour_discovery_alone():
    for family, types in lab.ICMP_NOT_ASKED.items():
        assert types and all(t in lab.ICMP_ANSWER[family] and t != lab.ICMP_ECHO[family] for t in types)
    assert not set(lab.ICMP_NOT_ASKED['ipv6']) & set(range(133, 138))


def test_low_source_ports_are_probed_and_dropped_for_sections_3_and_4():
    probes = _probes('enterprise')
    for family in lab.FAMILIES:
        assert _low_source(probes, 'c1', 'inet', 'tcp', 443, family) == [False]
        assert _low_source(probes, 'c1', 'inet', 'udp', 36002, family) == [False]
        assert _low_source(probes, 'c1', 'mpls', 'tcp', 443, family) == []


def test_low_source_ports_are_distinct_and_none_is_a_served_port():
    ports = [p.sport for p in LAB.probes('enterprise', 'gateway', lab.FAMILIES, SEED) if p.sport]
    assert len(ports) == len(set(ports)) and ports
    assert not set(ports) & set(LAB.service_ports(SEED)['tcp'])


def test_every_row_of_the_profile_has_a_passing_probe_in_both_families():
    passing = set((p[0], p[1], p[2], p[4]) for p, expected in _probes('enterprise').items() if expected)
    for port in (69, 6969, 80, 443, 8080, 5070, 2000, 2443, 2445, 3804, 5060, 5061, 6970, 16384, 32767, 8443, 6972,
                 5222, 2444, 2748):
        for family in lab.FAMILIES:
            assert ('c1', 'mpls', family, port) in passing and ('c2', 'mpls', family, port) in passing, port


def test_sample_ports_has_the_ends_the_ports_beside_and_a_seeded_draw():
    ports = lab.sample_ports(16384, 32767, SEED)
    assert {16383, 16384, 32767, 32768} <= set(ports)
    inside = [p for p in ports if 16384 < p < 32767]
    assert len(inside) == lab.RANDOM_PORTS_PER_RANGE
    assert lab.sample_ports(16384, 32767, SEED) == ports
    draws = set(tuple(lab.sample_ports(16384, 32767, seed)) for seed in range(5))
    assert len(draws) > 1


def test_sample_ports_stays_inside_the_port_numbers():
    assert lab.sample_ports(49152, 65535, SEED)[-1] == 65535
    assert lab.sample_ports(1, 1, SEED) == [1, 2]
    assert lab.sample_ports(22, 22, SEED) == [21, 22, 23]


def test_the_seed_decides_the_ports_the_services_open_and_the_probes_use():
    for seed in (1, 2):
        probed = set(p.port for p in LAB.probes('enterprise', 'gateway', lab.FAMILIES, seed) if p.protocol != 'icmp')
        assert probed <= set(LAB.service_ports(seed)['tcp'])


def test_ipv6_topology_is_documentation_space_and_mirrors_ipv4_segments():
    documentation = ipaddress.ip_network('2001:db8::/32')
    assert set(lab.IPV6_TOPOLOGY) == set(lab.DEFAULT_TOPOLOGY)
    for cidr, firewall, host in lab.IPV6_TOPOLOGY.values():
        network = ipaddress.ip_network(cidr)
        assert network.subnet_of(documentation)
        assert ipaddress.ip_address(firewall) in network and ipaddress.ip_address(host) in network
        assert str(ipaddress.ip_address(host)) == host      # compared with what a socket reports


def test_host_placement_probes_the_host_and_what_leaves_it():
    probes = _probes('enterprise', 'host')
    assert set(p[:2] for p in probes) <= set(LAB.paths('host'))
    for family in lab.FAMILIES:
        assert probes[('mpls', 'fw', family, 'tcp', 22, 0)] is True         # 2.2 to the customer host
        assert probes[('mpls', 'fw.own', family, 'tcp', 22, 0)] is False    # its address outside the customer nets
        assert probes[('inet', 'fw', family, 'tcp', 22, 0)] is False        # 2.2 is from the MPLS network only
        assert probes[('c2', 'fw', family, 'udp', 16384, 0)] is True        # 2.3 between customer devices
        assert probes[('rogue', 'fw', family, 'udp', 16384, 0)] is False
        assert probes[('mpls', 'fw', family, 'icmp', lab.ICMP_ECHO[family], 0)] is True
        assert probes[('fw', 'mpls', family, 'tcp', 2444, 0)] is True       # 2.1 out of the host
        assert probes[('fw', 'inet', family, 'tcp', 5222, 0)] is True       # 3 out of the host


def test_host_placement_probes_out_of_the_host_only_what_the_document_asks_for():
    # The output chain's policy is accept (the collection's choice): what it does not name passes and tells nothing.
    probes = _probes('smb', 'host')
    outgoing = [expected for key, expected in probes.items() if key[0] == 'fw']
    assert outgoing and all(outgoing)
    assert not any(key[0] == 'fw' and key[1] == 'mpls' for key in probes)   # smb has no MPLS section


def test_target_addresses():
    assert LAB.target('mpls', 'fw', 'ipv4') == '198.51.100.1'
    assert LAB.target('mpls', 'fw.own', 'ipv6') == '2001:db8:0:a1::1'
    assert LAB.target('c1', 'inet', 'ipv6') == '2001:db8:0:a2::10'


def test_summary_counts_per_family():
    probe = lab.Probe('c1', 'mpls', 'ipv6', 'tcp', 443, 0, True)
    denied = lab.Probe('c1', 'mpls', 'ipv6', 'tcp', 23, 0, False)
    assert lab.summary([(probe, True), (denied, True)], 'gateway', 7, 0) == (
        'ipv6 allowed 1/1 passed, denied 0/1 dropped; placement gateway; seed 7; retried 0')


class _LateOnce(lab.Lab):
    """A lab whose first round of probes observes every probe dropped, and whose later rounds observe what was
    expected: it records which probes each round sent."""

    def __init__(self):
        super().__init__('zz')
        self.rounds = []

    def state(self):
        return {'placement': 'gateway', 'families': ['ipv4'], 'seed': SEED}

    def _observe(self, probes):
        self.rounds.append(list(probes))
        return dict((p, p.expected and len(self.rounds) > 1) for p in probes)


def test_only_a_probe_that_should_pass_and_did_not_is_sent_once_more():
    late = _LateOnce()
    rows, retried = late.probe('smb')
    assert len(late.rounds) == 2
    assert retried == late.rounds[1] == [p for p, _observed in rows if p.expected]
    assert all(observed is p.expected for p, observed in rows)
    text, failures = lab.report(rows, 'gateway', SEED, retried)
    assert failures == 0 and 'retried %d' % len(retried) in text


def test_without_collection_objects_strips_chain_and_jump_only():
    listing = ('table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
               '\t\tjump atea_anywhere_forward comment "x"\n\t\tct state established accept\n\t}\n\n'
               '\tchain atea_anywhere_forward {\n\t\ttcp dport 80 accept\n\t}\n}\n')
    assert lab.without_collection_objects(listing) == (
        'table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
        '\t\tct state established accept\n\t}\n}\n')


def test_a_probe_batch_that_cannot_run_is_named_with_its_cause(monkeypatch):
    """A batch fails in its own thread; the run says which namespace and why instead of losing it."""
    def failing_in_rogue(name, *_argv, **_kwargs):
        if name.endswith('-rogue'):
            raise RuntimeError('ip netns exec %s python failed: Cannot open network namespace' % name)
        return type('Result', (), {'stdout': '[]'})()

    monkeypatch.setattr(lab, 'netns', failing_in_rogue)
    with pytest.raises(RuntimeError, match=r'from rogue \(namespace tt-rogue\): .*Cannot open network namespace'):
        lab.Lab('tt')._run_batches({'c1': [], 'rogue': []})
