# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The netfilter model (tests/lib/nft_model.py): each nftables reference loaded into a throwaway network
namespace, read back with nft -j, and walked (device_model.walk): flows and replies passing, a sample staying
closed; mutations of the references caught by name; the model's own semantics on small rulesets."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from device_model import packet, summary, walk
from lab import FOREIGN_TABLES
from nft_model import Nftables, NotModelled, listing_of, load
from regression import read_reference

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('nft') or not shutil.which('ip'),
                                reason='loads rulesets into network namespaces: needs root, nft and ip')

RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
MPLS, INTERNET = '91.184.140.0/24', '88.151.163.0/24'
# The networks each reference was rendered with (CASES of tests/unit/plugins/module_utils/test_render_nftables.py).
DEFAULT = {'customer': RFC1918, 'mpls': [MPLS], 'internet': [INTERNET]}
LAB = {'customer': ['198.51.100.0/24', '2001:db8:1::/48'], 'mpls': ['192.0.2.0/24', '2001:db8:9::/48'],
       'internet': ['203.0.113.0/24']}
DUAL_STACK = {'customer': ['10.20.0.0/16', '2001:db8:20::/48'], 'mpls': [MPLS, '2001:db8:9::/48'],
              'internet': [INTERNET]}
# A host's own firewall that lets out what the host sends and nothing in: the chain mode's user table for host
# placement, and for table mode the host before the run (what it sent then, it may still send).
HOST_FILTER = ('table inet filter {\n'
               '\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n'
               '\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n\t}\n}\n')
JUMP = 'add rule inet filter %s jump %s comment "atea-anywhere: Atea Anywhere requirements"\n'
# case -> (profile, networks, placement, the user's tables before (chain mode), our chain per parent chain).
# Chain mode: the jump is appended, where the collection puts it in these tables (after the user's rules; no
# rule there only drops): the lab's chain scenario (extensions/molecule/chain) and HOST_FILTER.
CASES = {
    'smb-gateway': ('smb', DEFAULT, 'gateway', None, {}),
    'enterprise-gateway': ('enterprise', DEFAULT, 'gateway', None, {}),
    'enterprise-dual-stack': ('enterprise', DUAL_STACK, 'gateway', None, {}),
    'smb-ip-table': ('smb', LAB, 'gateway', None, {}),
    'enterprise-host-lab': ('enterprise', LAB, 'host', None, {}),
    'smb-chain-gateway': ('smb', LAB, 'gateway', FOREIGN_TABLES['chain'], {'forward': 'atea_anywhere_forward'}),
    'enterprise-chain-host': ('enterprise', LAB, 'host', HOST_FILTER,
                              {'input': 'atea_input', 'output': 'atea_output'}),
}


def _text_and_before(case, text, jumps):
    """The ruleset as the box has it after the run (the user's tables, ours, the jumps) and the box before."""
    placement, user_tables = CASES[case][2:4]
    if user_tables is None:
        return text, HOST_FILTER if placement == 'host' else None
    return user_tables + text + ''.join(JUMP % item for item in sorted(jumps.items())), user_tables


def walk_case(case, text=None, jumps=None):
    """The walk of a reference (or of text in its place); jumps: our chain per parent chain, default the case's."""
    profile, networks, placement = CASES[case][:3]
    ruleset, before_text = _text_and_before(case, read_reference('nftables', case) if text is None else text,
                                            CASES[case][4] if jumps is None else jumps)
    device = load(ruleset, placement=placement)
    before = None if before_text is None else load(before_text, placement=placement)
    return walk(device, profile, networks, before=before)


@pytest.fixture(scope='module')
def walked():
    """Each reference walked once for the module."""
    cache = {}

    def get(case):
        if case not in cache:
            cache[case] = walk_case(case)
        return cache[case]
    return get


def test_every_reference_is_walked():
    folder = os.path.join(os.path.dirname(__file__), '..', 'regression', 'nftables')
    on_disk = sorted(name[:-4] for name in os.listdir(folder) if name.endswith('.ref'))
    assert on_disk == sorted(CASES)


@pytest.mark.parametrize('case', sorted(CASES))
def test_reference_carries_every_flow_and_reply_and_nothing_else(case, walked, record_property):
    result = walked(case)
    for kind in ('flows', 'replies', 'closed', 'passed_before'):
        record_property('device model %s nftables %s' % (kind.replace('_', '-'), case), getattr(result, kind))
    assert result.flows > 0 and result.closed > 0
    assert not result.failures, '%s on the netfilter model:\n%s\nfirst: %s' % (
        case, summary(result.failures), '\n'.join(result.failures[:5]))


# ---------------------------------------------------------------------------------------------- mutations


def _new_failures(case, mutate, walked, jumps=None):
    text = read_reference('nftables', case)
    mutated = mutate(text)
    assert mutated != text or jumps is not None, 'the mutation changed nothing in %s' % case
    return [f for f in walk_case(case, mutated, jumps).failures if f not in walked(case).failures]


def test_icmp_by_protocol_lets_every_icmp_type_through(walked):
    found = _new_failures('enterprise-gateway', lambda t: t.replace('icmp type echo-request', 'meta l4proto icmp'),
                          walked)
    assert found and all('must stay closed (ICMP type' in f for f in found), found[:5]
    assert {' type 5 ', ' type 13 '} <= set(re.findall(r' type \d+ ', ' '.join(found)))


def test_swapped_sources_and_destinations_are_reported(walked):
    def swap(text):
        return re.sub(r'ip saddr (\{[^}]*\}|\S+) ip daddr (\{[^}]*\}|\S+) (tcp dport \{ 80 )',
                      r'ip saddr \2 ip daddr \1 \3', text, count=1)
    found = _new_failures('enterprise-gateway', swap, walked)
    assert any(f.startswith('2.1 ') and 'is dropped' in f for f in found), found[:5]
    assert any(f.startswith('2.1 ') and 'reverse direction' in f for f in found), found[:5]


@pytest.mark.parametrize('end, what', [('49998', 'is dropped'), ('50000', 'must stay closed (port 50000)')])
def test_a_port_range_end_off_by_one_is_reported(end, what, walked):
    found = _new_failures('smb-gateway', lambda t: t.replace('40000-49999', '40000-%s' % end), walked)
    assert found and all(f.startswith('4 Media') and what in f for f in found), found[:5]


@pytest.mark.parametrize('case', ['smb-gateway', 'enterprise-host-lab', 'enterprise-chain-host'])
def test_removing_the_established_related_rule_drops_the_replies(case, walked):
    found = _new_failures(case, lambda t: re.sub(r'\t+ct state established,related accept[^\n]*\n', '', t), walked)
    assert found and all('the reply of' in f and 'ct state established' in f for f in found), found[:5]


@pytest.mark.parametrize('case', ['smb-chain-gateway', 'enterprise-chain-host'])
def test_chain_mode_without_the_jump_carries_nothing(case, walked):
    found = _new_failures(case, lambda t: t, walked, jumps={})
    assert found and all('is dropped' in f and 'inet filter chain' in f and 'policy' in f for f in found), found[:5]


# ------------------------------------------------------------------------------- the model's own semantics

TWO_TABLES = '''table inet ours {
\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t\tct state established,related accept
\t\tip saddr 10.1.0.0/16 tcp dport { 443, 8000-8010 } accept comment "web"
\t\tip6 saddr 2001:db8:1::/48 meta l4proto ipv6-icmp icmpv6 type echo-request accept
\t}
}
'''


def test_accept_is_not_final_across_base_chains_and_a_drop_anywhere_wins():
    alone = load(TWO_TABLES)
    sent = packet('tcp', '10.1.0.5', '192.0.2.99', 443, 40000)
    verdict = alone.passes(sent, 'customer', 'mpls')
    assert verdict and '"web"' in verdict.reason
    assert not alone.passes(sent._replace(destination_port=8011), 'customer', 'mpls')
    assert alone.passes(packet('icmp', '2001:db8:1::5', '2001:db8:9::5'), 'customer', 'mpls')
    assert not alone.passes(packet('icmp', '2001:db8:1::5', '2001:db8:9::5', icmp_type=1), 'customer', 'mpls')
    # the lab's foreign table (priority 10) drops what ours accepted; its policy accept passes the rest
    audited = load(TWO_TABLES, base=FOREIGN_TABLES['table'])
    verdict = audited.passes(sent, 'customer', 'mpls')
    assert not verdict and 'ip foreign_audit chain audit rule' in verdict.reason
    assert audited.passes(sent._replace(destination='192.0.2.98'), 'customer', 'mpls')
    assert audited.reply_passes(sent._replace(destination='192.0.2.98'), 'customer', 'mpls')
    # an earlier base chain that drops is never overruled
    early = load(TWO_TABLES, base='table ip early {\n\tchain f {\n\t\ttype filter hook forward priority -5; '
                                  'policy accept;\n\t\ttcp dport 443 drop\n\t}\n}\n')
    assert 'ip early chain f rule' in early.passes(sent, 'customer', 'mpls').reason
    # a drop in prerouting stops forwarded packets before the forward hook
    assert not load(TWO_TABLES, base='table ip raw {\n\tchain p {\n\t\ttype filter hook prerouting priority raw; '
                                     'policy drop;\n\t}\n}\n').passes(sent, 'customer', 'mpls')


CHAINS = '''table inet t {
\tset nets {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 10.1.0.0/16, 10.9.0.1-10.9.0.9 }
\t}
\tset pairs {
\t\ttype ipv4_addr . inet_service
\t\tflags interval
\t\telements = { 10.2.0.0/16 . 22-23 }
\t}
\tmap by_port {
\t\ttype inet_service : verdict
\t\telements = { 53 : accept, 54 : jump sub }
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t\tiifname "lan*" oifname != "wan" drop
\t\tip saddr @nets jump sub
\t\tip saddr . tcp dport @pairs accept
\t\tudp dport vmap @by_port
\t\tip saddr 10.3.0.0/16 goto sub
\t\tip saddr 10.3.0.0/16 accept
\t}
\tchain sub {
\t\ttcp dport 22 return
\t\ttcp dport 22-80 accept
\t\tudp dport 54 accept
\t}
}
'''


def test_jump_goto_return_sets_concatenations_and_verdict_maps():
    device = Nftables(listing_of(CHAINS), interfaces={'customer': 'eth1', 'mpls': 'wan'})
    tcp = packet('tcp', '10.1.0.5', '192.0.2.9', 80, 40000)
    assert 'chain sub rule' in device.passes(tcp, 'customer', 'mpls').reason
    assert 'chain forward policy' in device.passes(tcp._replace(destination_port=22), 'customer', 'mpls').reason
    assert device.passes(tcp._replace(source='10.9.0.9'), 'customer', 'mpls')
    assert not device.passes(tcp._replace(source='10.9.0.10'), 'customer', 'mpls')
    assert device.passes(tcp._replace(source='10.2.0.1', destination_port=23), 'customer', 'mpls')
    assert not device.passes(tcp._replace(source='10.2.0.1', destination_port=24), 'customer', 'mpls')
    udp = packet('udp', '10.5.0.1', '192.0.2.9', 53, 40000)
    assert device.passes(udp, 'customer', 'mpls')
    assert device.passes(udp._replace(destination_port=54), 'customer', 'mpls')
    assert not device.passes(udp._replace(destination_port=55), 'customer', 'mpls')
    # goto: sub's return goes back to forward's caller (the hook), so forward's later accept is not reached
    assert not device.passes(tcp._replace(source='10.3.0.1', destination_port=22), 'customer', 'mpls')
    assert device.passes(tcp._replace(source='10.3.0.1'), 'customer', 'mpls')
    lan = Nftables(listing_of(CHAINS), interfaces={'customer': 'lan0', 'mpls': 'mpls0'})
    assert 'chain forward rule' in lan.passes(tcp, 'customer', 'mpls').reason


def test_host_placement_meets_input_and_output_and_replies_are_established():
    host = load('table inet h {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n'
                '\t\tct state established accept\n\t\ttcp dport 22 accept\n\t}\n'
                '\tchain output {\n\t\ttype filter hook output priority filter; policy drop;\n'
                '\t\tct state established accept\n\t\tudp dport 53 accept\n\t}\n}\n', placement='host')
    ssh = packet('tcp', '192.0.2.5', '198.51.100.5', 22, 40000)
    assert host.passes(ssh, 'mpls', 'customer') and host.reply_passes(ssh, 'mpls', 'customer')
    dns = packet('udp', '198.51.100.5', '192.0.2.5', 53, 40000)
    assert host.passes(dns, 'customer', 'mpls') and host.reply_passes(dns, 'customer', 'mpls')
    # between two such hosts a packet meets the sender's output and the receiver's input
    verdict = host.passes(packet('tcp', '198.51.100.5', '198.51.100.6', 22, 40000), 'customer', 'customer')
    assert not verdict and 'output' in verdict.reason


@pytest.mark.parametrize('ruleset, what', [
    ('table inet t {\n\tchain c {\n\t\ttype filter hook forward priority 0;\n\t\tlimit rate 1/second accept\n\t}\n}',
     "statement {'limit'"),
    ('table inet t {\n\tchain c {\n\t\ttype filter hook forward priority 0;\n\t\ttcp flags syn accept\n\t}\n}',
     'left-hand side'),
    ('table ip t {\n\tchain c {\n\t\ttype nat hook prerouting priority dstnat;\n\t\tdnat to 192.0.2.1\n\t}\n}',
     "statement {'dnat'"),
    ('table netdev t {\n\tchain c {\n\t\ttype filter hook ingress device lo priority 0;\n\t}\n}',
     'base chains of family netdev'),
    ('table inet t {\n\tchain c {\n\t\ttype filter hook forward priority 0;\n\t\tct state != established drop\n'
     '\t}\n}', 'ct state !='),
])
def test_what_the_model_does_not_know_raises(ruleset, what):
    with pytest.raises(NotModelled) as caught:
        load(ruleset)
    assert what in str(caught.value)


def test_arp_tables_see_no_ip_packet():
    device = load('table arp a {\n\tchain i {\n\t\ttype filter hook input priority 0; policy drop;\n'
                  '\t\tarp operation request accept\n\t}\n}', placement='host')
    assert device.passes(packet('tcp', '192.0.2.5', '198.51.100.5', 22, 40000), 'mpls', 'customer')


def test_ports_of_a_packet_without_them_are_not_guessed():
    device = load('table inet t {\n\tchain c {\n\t\ttype filter hook forward priority 0;\n\t\tth dport 8 drop\n'
                  '\t}\n}')
    with pytest.raises(NotModelled):
        device.passes(packet('icmp', '10.1.0.5', '192.0.2.9'), 'customer', 'mpls')
    assert not device.passes(packet('udp', '10.1.0.5', '192.0.2.9', 8, 40000), 'customer', 'mpls')


def test_a_refused_ruleset_fails_and_leaves_no_namespace():
    with pytest.raises(ValueError) as caught:
        listing_of('table inet t {\n\tchain c {\n\t\tjump nowhere\n\t}\n}')
    assert 'nft refused' in str(caught.value)
    namespaces = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout
    assert not [line for line in namespaces.splitlines() if line.startswith('ntm-%d-' % os.getpid())]
