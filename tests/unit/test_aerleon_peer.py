# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A peer: Aerleon renders the document's flows for IOS-XE, ASA, SRX and PAN-OS (tests/lib/aerleon_peer.py);
the device model reads its output and the collection's reference the same way, and both let through exactly
the same probes. Each way the two outputs differ in form is named here, with why it does not change meaning."""

from __future__ import annotations

import ipaddress
import random

import aerleon_peer
import pytest
from device_model import enter_bindings, load, packet, walk
from regression import read_reference

PROFILES = ('smb', 'enterprise')
RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
NETWORKS = {'customer': RFC1918, 'mpls': ['91.184.140.0/24'], 'internet': ['88.151.163.0/24']}
SEED = 9
# Differences in form, each with why the meaning is the same:
# - SRX: Aerleon splits every multi-port term into single-term applications in an application-set (its
#   junipersrx.py: "SRX has a limit of 8 terms per application"); the collection does the same since 0.3.0.
# - IOS-XE: Aerleon writes addresses inline with wildcard masks and no object-groups; the return entries
#   are terms of the peer policy (tcp-established, UDP by source port, echo-reply), as an Aerleon user
#   writes them for a stateless ACL.
# - PAN-OS: Aerleon identifies ICMP echo with a custom application (ident-by-icmp-type 8); the collection
#   uses App-ID ping for IPv4.


def beside_aerleon(platform, profile):
    """What Aerleon leaves to the person and the device needs for the same flows, entered with its output.

    Aerleon renders ASA access lists only: ICMP inspection (echo replies) and intra-interface traffic
    (section 2.3, between devices behind the inside interface) are device settings. Only enterprise asks
    for ICMP and 2.3."""
    if (platform, profile) != ('cisco_asa', 'enterprise'):
        return ''
    return '\n'.join(['same-security-traffic permit intra-interface', 'policy-map global_policy',
                      ' class inspection_default', '  inspect icmp'])


def probes(seed=SEED):
    """Packets between every pair of networks: TCP and UDP at every port the document names, beside each,
    and a seeded sample; source ports on both sides of 1024; ICMP echo and other types."""
    rng = random.Random(seed)
    ports = {1, 22, 53, 80, 443, 1023, 1024, 5060, 5061, 65535}
    ports.update(rng.sample(range(1, 65536), 40))
    for section in aerleon_peer.requirements_document.load():
        for row in section.rows:
            for low, high in row.ports:
                ports.update(p for p in (low - 1, low, high, high + 1, rng.randrange(low, high + 1)) if 0 < p < 65536)
    hosts = dict((name, [str(ipaddress.ip_network(cidr).network_address + 1 + rng.randrange(200)) for cidr in cidrs])
                 for name, cidrs in NETWORKS.items())
    result = []
    for ingress in NETWORKS:
        for egress in NETWORKS:
            source, destination = rng.choice(hosts[ingress]), rng.choice(hosts[egress])
            for protocol in ('tcp', 'udp'):
                for port in sorted(ports):
                    for source_port in (rng.randrange(1, 1024), rng.randrange(1024, 65536)):
                        result.append((packet(protocol, source, destination, port, source_port), ingress, egress))
            for icmp_type in (0, 3, 5, 8, 13):
                result.append((packet('icmp', source, destination, icmp_type=icmp_type), ingress, egress))
    return result


def _verdicts(device, sent, ingress, egress):
    passed = bool(device.passes(sent, ingress, egress))
    return passed, passed and bool(device.reply_passes(sent, ingress, egress))


@pytest.mark.parametrize('profile', PROFILES)
@pytest.mark.parametrize('platform', sorted(aerleon_peer.TARGETS))
def test_aerleons_output_carries_the_document_on_the_device_model(platform, profile):
    device = load(platform, aerleon_peer.render(profile, platform) + beside_aerleon(platform, profile))
    result = walk(device, profile, NETWORKS, seed=SEED)
    assert result.flows and not device.errors and not result.failures, (device.errors + result.failures)[:5]


def test_without_the_device_settings_beside_it_aerleons_asa_output_drops_echo_replies():
    device = load('cisco_asa', aerleon_peer.render('enterprise', 'cisco_asa'))
    failures = walk(device, 'enterprise', NETWORKS, seed=SEED).failures
    assert any('the reply of icmp' in failure for failure in failures), failures[:5]


@pytest.mark.parametrize('profile', PROFILES)
@pytest.mark.parametrize('platform', sorted(aerleon_peer.TARGETS))
def test_the_collection_and_aerleon_let_the_same_probes_through(platform, profile, record_property):
    # The references leave IOS-XE and ASA lists unbound unless told the interfaces: bound as their comments say.
    ours = load(platform, enter_bindings(platform, read_reference(platform, profile)))
    peer = load(platform, aerleon_peer.render(profile, platform) + beside_aerleon(platform, profile))
    differences, opened, sample = [], 0, probes()
    for sent, ingress, egress in sample:
        mine, theirs = _verdicts(ours, sent, ingress, egress), _verdicts(peer, sent, ingress, egress)
        opened += mine[0]
        if mine != theirs:
            differences.append('%s %s -> %s: collection (passes, reply) %s, Aerleon %s'
                               % (sent, ingress, egress, mine, theirs))
    # Printed with the device model walk's counts at the end of the run.
    record_property('device model aerleon-probes %s %s' % (platform, profile), len(sample))
    record_property('device model aerleon-opened %s %s' % (platform, profile), opened)
    assert opened, 'no probe passes the collection\'s %s %s: the probes miss the document' % (platform, profile)
    assert not differences, '%d differences, first: %s' % (len(differences), '\n'.join(differences[:5]))
