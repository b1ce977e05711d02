# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A network-namespace lab for the Atea Anywhere rules: build it, probe it with real packets, tear it down.

Topology (all in namespaces named <prefix>-<role>, joined to the firewall by veth pairs):

    c1 (site segment A) --+                  +-- mpls (Atea MPLS network stand-in)
    c2 (site segment B) --+-- fw (gateway) --+
    rogue (not customer) -+                  +-- inet (Atea internet network stand-in)

Documentation ranges stand in for the real networks (IPv4, and with --families ipv4,ipv6 an IPv6 /64
of 2001:db8::/32 on every segment too); nothing routes anywhere else: no namespace has a link outside
the lab. Needs root, iproute2 and nftables. Every service runs as a child of this script's 'serve'
command inside its namespace; 'down' removes everything 'up' made, and a failed 'up' cleans up after
itself.

With --placement host the firewall namespace is the customer host itself (it routes nothing): the
probes go to its customer address from every other namespace, to its address on their own segment,
and out of it to the document's destinations.

The ports probed in each range are its ends, the ports just outside it and a sample drawn with a seed
(--seed or ATEA_ANYWHERE_LAB_SEED, random otherwise): 'up' opens them, 'probe' prints the seed, and
'up --seed S' replays the same probes.

With --manager firewalld|ufw|iptables-nft|iptables-legacy the firewall is a Linux host as it ships: that manager
runs in the firewall namespace (firewalld: the real daemon on a private D-Bus system bus), holds rules of the
customer's own (MANAGER_FOREIGN) and rejects what they do not name, and the inventory lets the collection detect
it (atea_anywhere_platform: linux). 'foreign-check' compares what is not the collection's with the listing taken
at 'up'; 'removed-check', after a run with state absent, the whole listing.

With --sites the inventory also holds the customer host c1 in the group atea_anywhere_sites (reached like the
firewall: a local connection whose Python runs inside its namespace), with the lab's networks and the stand-ins'
addresses as its reachability targets (atea_anywhere_reachability_targets). Off by default: a play for 'all'
hosts (site.yml without atea_anywhere_target_hosts) would otherwise apply the firewall role to c1.

    lab.py up [--prefix aa] [--foreign table|chain] [--plant-voip-helpers] [--families ipv4,ipv6]
              [--placement gateway|host] [--seed S] [--manager nftables|firewalld|ufw|iptables-nft|iptables-legacy]
              [--sites]
    lab.py probe --profile smb|enterprise [--prefix aa]
    lab.py walk --profile smb|enterprise [--mode table|chain] [--prefix aa]
    lab.py foreign-check|removed-check|listing [--prefix aa]
    lab.py down [--prefix aa]
"""

from __future__ import annotations

import argparse
import binascii
import collections
import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import re
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lib'))

import device_model  # noqa: E402  pylint: disable=wrong-import-position
import firewalld_daemon  # noqa: E402  pylint: disable=wrong-import-position
import nft_model  # noqa: E402  pylint: disable=wrong-import-position
import requirements_document as document  # noqa: E402  pylint: disable=wrong-import-position
import ufw_namespace  # noqa: E402  pylint: disable=wrong-import-position

# role -> (segment CIDR, firewall address, host address); customer segments are c1 and c2.
DEFAULT_TOPOLOGY = {
    'c1': ('198.51.100.0/26', '198.51.100.1', '198.51.100.10'),
    'c2': ('198.51.100.64/26', '198.51.100.65', '198.51.100.70'),
    'rogue': ('198.51.100.128/26', '198.51.100.129', '198.51.100.130'),
    'mpls': ('192.0.2.0/24', '192.0.2.1', '192.0.2.10'),
    'inet': ('203.0.113.0/24', '203.0.113.1', '203.0.113.10'),
}
# The same segments in IPv6 (2001:db8::/32 is the IPv6 documentation prefix), written as Python prints them.
IPV6_TOPOLOGY = {
    'c1': ('2001:db8:0:c1::/64', '2001:db8:0:c1::1', '2001:db8:0:c1::10'),
    'c2': ('2001:db8:0:c2::/64', '2001:db8:0:c2::1', '2001:db8:0:c2::10'),
    'rogue': ('2001:db8:0:bad::/64', '2001:db8:0:bad::1', '2001:db8:0:bad::10'),
    'mpls': ('2001:db8:0:a1::/64', '2001:db8:0:a1::1', '2001:db8:0:a1::10'),
    'inet': ('2001:db8:0:a2::/64', '2001:db8:0:a2::1', '2001:db8:0:a2::10'),
}
FAMILIES = ('ipv4', 'ipv6')
PLACEMENTS = ('gateway', 'host')
CUSTOMER_ROLES = ('c1', 'c2')
# Probes from the wrong source: rogue tries what customer devices may, the internet host what the MPLS host may.
WRONG_SOURCE_STANDS_FOR = {'rogue': 'c1', 'inet': 'mpls'}
# Host placement: 'fw' is the firewall's customer address (its c1 side), the customer host the document means;
# 'fw.own' its address on the prober's own segment, outside the customer networks: tried like 'fw', fits no section.
HOST_STANDS_FOR = {'fw': 'c1', 'fw.own': 'c1'}
ATEA_ROLES = {'mpls': '91.184.140.0/24', 'inet': '88.151.163.0/24'}  # stand-in -> real network in the document
# Ports that no section opens on any path: each is probed and must be dropped.
CLOSED_CANDIDATES = (23, 3389, 8081, 10000)
# Ports drawn at random from each range wider than its ends, beside the ends and the ports just outside it.
RANDOM_PORTS_PER_RANGE = 3
LOW_SOURCE_PORT = 1000
# The low source ports of a probe after the collection's removal: others than before, since an answered UDP probe's
# conntrack entry (same addresses and ports) outlives the rules that let it in and would let its twin pass.
REMOVED_LOW_SOURCE_PORT = 500
# ICMP: the echo request the document asks for, and queries it does not ask for that must be dropped. Each is one
# that conntrack takes as a NEW flow and tracks the answer of (icmp_new() and icmpv6_new() accept only these:
# echo, timestamp, information and address-mask requests for IPv4; echo and node information query for IPv6 -
# Linux net/netfilter/nf_conntrack_proto_icmp.c and nf_conntrack_proto_icmpv6.c, valid_new[]), so a rule that accepts
# more than echo lets it through, and its answer comes back as a reply. Error types (destination unreachable,
# redirect) are not NEW: conntrack calls them RELATED or INVALID whatever the rules say, so they test nothing here,
# and neighbour discovery (133-137) must pass for IPv6 to work at all. The kernel answers echo and timestamp
# requests (address-mask requests it ignores); the lab's 'serve' answers information requests (IPv4 15 -> 16) and
# node information queries (IPv6 139 -> 140), which Linux does not.
ICMP_ECHO = {'ipv4': 8, 'ipv6': 128}
ICMP_NOT_ASKED = {'ipv4': (13, 15), 'ipv6': (139,)}
ICMP_ANSWER = {'ipv4': {8: 0, 13: 14, 15: 16}, 'ipv6': {128: 129, 139: 140}}
ICMP_ANSWERED_BY_SERVE = {'ipv4': {15: 16}, 'ipv6': {139: 140}}
LAB_MARKER = b'atea-anywhere-lab'
SEED_VARIABLE = 'ATEA_ANYWHERE_LAB_SEED'
# Seconds a probe waits for its answer; every probe of a run waits at once, so this is about what a run adds.
PROBE_TIMEOUT = 1.0
FOREIGN_TABLES = {
    'table': (
        'table ip foreign_audit {\n'
        '\tset watch {\n\t\ttype ipv4_addr\n\t\telements = { 192.0.2.99 }\n\t}\n\n'
        '\tchain audit {\n\t\ttype filter hook forward priority 10; policy accept;\n'
        '\t\tip daddr @watch drop\n\t}\n}\n'),
    'chain': (
        'table inet filter {\n'
        '\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n\n'
        '\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
        '\t\tct state established,related accept\n'
        '\t\tip daddr 192.0.2.99 reject\n\t}\n\n'
        '\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n\t}\n}\n'
        'table ip foreign_nat {\n'
        '\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n'
        '\t\toifname "lab-none0" masquerade\n\t}\n}\n'),
}
# The box before a table-mode run, beside the foreign tables: table mode makes what no rule names drop where the
# collection filters (the nftables module's options policy, default drop, on the forward and input base chains;
# output_policy, default accept), so the open lab firewall is not the customer's traffic. Chain mode adds no
# base chain: before, the foreign tables as built decide alone.
TABLE_MODE_STANCE = {
    'gateway': 'table inet lab_stance {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n',
    'host': 'table inet lab_stance {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n',
}
# Reason of a walk packet that the foreign tables' own rules drop too (192.0.2.99 is in the MPLS network): the
# document does not make the collection open what the customer closed, so such a flow is counted, not failed.
OWN_DROP = "the customer's own rules drop it too; "
VOIP_HELPER_TABLE = (
    'table inet voip_alg {\n'
    '\tct helper sip-5060 {\n\t\ttype "sip" protocol udp\n\t\tl3proto inet\n\t}\n\n'
    '\tchain prerouting {\n\t\ttype filter hook prerouting priority filter; policy accept;\n'
    '\t\tudp dport 5060 ct helper set "sip-5060"\n'
    '\t\ttcp dport 5060 ct helper set "sip-5060" accept\n\t}\n}\n')

# The Linux firewall managers the lab can run on the firewall (nftables: the collection's own table or chains, as
# before; the others as the host ships them, each with rules of the customer's own).
MANAGERS = ('nftables', 'firewalld', 'ufw', 'iptables-nft', 'iptables-legacy')
# What marks the collection's objects: firewalld object names and ufw comments start with it, iptables chains with
# its upper case (the modules' defaults: object_prefix, render_common.COMMENT_PREFIX, chain_prefix).
OURS = 'atea-anywhere'
OUR_CHAINS = 'ATEA-ANYWHERE-'
# firewalld: every segment in a zone of its own, as a customer sorts them (customer LANs internal and work, the
# rogue segment dmz, the WAN sides public and external), so firewalld 1.x's default rejects every flow of the
# document: it forwards inside a zone (<forward/>) and between zones only what a policy allows
# (firewalld.policies(5): "the default is to reject traffic ... between zones").
FIREWALLD_ZONES = {'c1': 'internal', 'c2': 'work', 'rogue': 'dmz', 'mpls': 'public', 'inet': 'external'}
# The customer's own firewalld objects (firewall-cmd --permanent arguments, then --reload): a rich rule in a zone
# and a policy of their own between two zones.
FIREWALLD_FOREIGN = (
    ('--zone=internal', '--add-rich-rule=rule family="ipv4" source address="198.51.100.0/26" port port="2222" '
                        'protocol="tcp" accept'),
    ('--new-policy=customer-audit',),
    ('--policy=customer-audit', '--add-ingress-zone=internal'),
    ('--policy=customer-audit', '--add-egress-zone=public'),
    ('--policy=customer-audit', '--add-rich-rule=rule family="ipv4" destination address="192.0.2.99" reject'),
)
# The SIP service on c2's zone: firewalld's sip helper comes with it (/usr/lib/firewalld/services/sip.xml).
FIREWALLD_VOIP = ('--zone=work', '--add-service=sip')
# ufw: user rules of the customer's own (an allow into the host, a route deny for the rogue segment in both
# families, a route allow of their own); routed traffic is denied by the shipped default (/etc/default/ufw:
# DEFAULT_FORWARD_POLICY="DROP", shared with the machine and not changed here).
UFW_FOREIGN = (
    ('allow', 'from', '198.51.100.0/26', 'to', 'any', 'port', '2222', 'proto', 'tcp', 'comment', 'customer own'),
    ('route', 'deny', 'from', '198.51.100.128/26', 'comment', 'customer: rogue segment'),
    ('route', 'deny', 'from', '2001:db8:0:bad::/64', 'comment', 'customer: rogue segment'),
    ('route', 'allow', 'from', '198.51.100.0/26', 'to', '192.0.2.50', 'port', '8443', 'proto', 'tcp',
     'comment', 'customer own'),
)
# iptables: the variant's save and restore commands per family.
IPTABLES_COMMANDS = {
    'iptables-nft': {'ipv4': ('iptables-nft-save', 'iptables-nft-restore'),
                     'ipv6': ('ip6tables-nft-save', 'ip6tables-nft-restore')},
    'iptables-legacy': {'ipv4': ('iptables-legacy-save', 'iptables-legacy-restore'),
                        'ipv6': ('ip6tables-legacy-save', 'ip6tables-legacy-restore')},
}
# The planted SIP helper in the raw table, as iptables-save prints it (the rule the nftables lab plants too).
IPTABLES_VOIP = '-A PREROUTING -p udp -m udp --dport 5060 -j CT --helper sip'
# Why the walk (the nftables model) does not read a manager's ruleset: the probes carry the proof there.
WALK_SKIPPED = {
    'firewalld': "firewalld's table uses expressions the model does not read (first: fib, its reverse path filter)",
    'ufw': 'ufw writes iptables rules (xt matches in nft -j: not modelled)',
    'iptables-nft': 'iptables-nft rules are xt matches in nft -j (not modelled)',
    'iptables-legacy': 'iptables-legacy rules are not in nftables at all',
}
# A SIP or H.323 helper still assigned: in an nftables listing (firewalld's helper objects are named
# helper-<helper>-<protocol>; a ct helper object's type names the helper) or in iptables-save's raw table.
VOIP_HELPER_LEFT = re.compile(r'ct helper set "?helper-(sip|h323|q931|ras)|type "(sip|h323|q\.931|ras)"'
                              r'|--helper (sip|h323|q931|ras|Q\.931|RAS)\b', re.I)
# Services whose helper the collection switches off (firewalld's way may leave an override of them behind).
VOIP_SERVICES = ('sip', 'h323')


def iptables_foreign(family, placement, voip=False):
    """The customer's own iptables rules for iptables-restore: the chain the collection filters in drops what no
    rule accepts (FORWARD for a gateway, INPUT for a host), answers and one flow of their own are accepted, and one
    address is dropped; with voip, the SIP helper in the raw table."""
    v6 = family == 'ipv6'
    chain = 'FORWARD' if placement == 'gateway' else 'INPUT'
    own = ('2001:db8:0:c1::/64' if v6 else '198.51.100.0/26', '2001:db8:0:a1::99/128' if v6 else '192.0.2.99/32')
    # The address dropped: where a gateway sends it, whence a host gets it.
    dropped = '-d' if chain == 'FORWARD' else '-s'
    lines = ['*filter', ':INPUT %s [0:0]' % ('DROP' if chain == 'INPUT' else 'ACCEPT'),
             ':FORWARD %s [0:0]' % ('DROP' if chain == 'FORWARD' else 'ACCEPT'), ':OUTPUT ACCEPT [0:0]']
    if chain == 'INPUT':
        lines.append('-A INPUT -i lo -j ACCEPT')
        if v6:
            # IPv6 does not work without neighbour discovery: a host's own rules let it in.
            lines += ['-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type %s -j ACCEPT' % kind
                      for kind in ('neighbour-solicitation', 'neighbour-advertisement')]
    lines += ['-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' % chain,
              '-A %s -s %s -p tcp -m tcp --dport 2222 -m comment --comment "customer own" -j ACCEPT' % (chain, own[0]),
              '-A %s %s %s -j DROP' % (chain, dropped, own[1]), 'COMMIT']
    if voip and not v6:
        lines += ['*raw', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', IPTABLES_VOIP, 'COMMIT']
    return '\n'.join(lines) + '\n'


def ufw_comment(tuple_line):
    """The comment of a ufw user.rules '### tuple ###' line (ufw keeps it hex-encoded: comment=<hex>), or ''."""
    match = re.search(r' comment=([0-9a-fA-F]+)\s*$', tuple_line)
    if not match:
        return ''
    try:
        return binascii.unhexlify(match.group(1)).decode('utf-8', 'replace')
    except (binascii.Error, ValueError):
        return ''


def ufw_rules_without_ours(text):
    """A ufw user.rules without the collection's rules: each is a '### tuple ###' line with its comment, the rule
    lines under it and the blank line that ends it."""
    kept, ours = [], False
    for line in text.splitlines():
        if line.startswith('### tuple ###'):
            ours = ufw_comment(line).startswith(OURS)
        if not ours:
            kept.append(line)
        elif not line.strip():
            ours = False
    return '\n'.join(kept) + '\n'


def firewalld_listing_without_ours(text):
    """A firewall-cmd --list-all-policies (or -zones) listing without the blocks of the collection's objects: each
    block starts with the object's name at the start of a line."""
    kept, ours = [], False
    for line in text.splitlines():
        if line and not line[0].isspace():
            ours = line.startswith(OURS)
        if not ours:
            kept.append(line)
    return '\n'.join(kept) + '\n'


def iptables_save_normalized(text):
    """iptables-save output without what changes by itself: the comment lines (a time stamp) and the counters of the
    built-in chains (iptables-legacy-save prints them)."""
    return ''.join(re.sub(r'\[\d+:\d+\]$', '[0:0]', line) + '\n' for line in text.splitlines()
                   if not line.startswith('#'))


def removal_view(manager, key, text):
    """A manager listing as it must be after the collection removed what it added, and what foreign_view starts
    from: all of it but the SIP helper the lab planted (the collection removes it; voip-check checks that).
    firewalld's way leaves the zone's service alone and writes an override of the service without its helper
    (services/sip.xml in /etc/firewalld)."""
    if manager == 'firewalld':
        in_services = key.startswith('file services/') and key[len('file services/'):].split('.xml')[0] in VOIP_SERVICES
        return None if in_services else text
    return ''.join(line + '\n' for line in text.splitlines() if ' -j CT --helper ' not in line)


def foreign_view(manager, key, text):
    """What of a manager listing (key: what was listed) is not the collection's; None: nothing of it is foreign."""
    if manager == 'firewalld':
        if key.startswith('file ') and os.path.basename(key).startswith(OURS):
            return None
        text = firewalld_listing_without_ours(text) if key.startswith('runtime ') else text
    elif manager == 'ufw':
        if key.startswith('file '):
            text = ufw_rules_without_ours(text)
        else:
            text = ''.join(line + '\n' for line in text.splitlines() if '# ' + OURS not in line)
    else:
        text = ''.join(line + '\n' for line in text.splitlines() if not re.search(
            r'^:%s|^-A %s| -[jg] %s' % (OUR_CHAINS, OUR_CHAINS, OUR_CHAINS), line))
    return removal_view(manager, key, text)


def voip_helpers_left(listings):
    """'where: line' for each line of the listings (where -> text) that still assigns a SIP or H.323 helper."""
    return ['%s: %s' % (where, line.strip()) for where, text in sorted(listings.items())
            for line in text.splitlines() if VOIP_HELPER_LEFT.search(line)]


def manager_stance_allows(manager, probe):
    """Whether the manager as the lab builds it, without the collection's rules, lets the probe through: what a
    host sends (its output accepts what no rule names), and with ufw ICMP echo requests (its before.rules)."""
    return probe.source == 'fw' or (manager == 'ufw' and probe.protocol == 'icmp' and probe.port == ICMP_ECHO[probe.family])


def compare_listings(before, now, view, manager):
    """Keys of the listings (dicts key -> text) whose view differs between before and now."""
    def viewed(listing):
        texts = ((key, view(manager, key, text)) for key, text in listing.items())
        return dict((key, text) for key, text in texts if text is not None)
    before, now = viewed(before), viewed(now)
    return sorted(key for key in set(before) | set(now) if before.get(key) != now.get(key))


def widening(manager, probe_key, allowed_without_sport):
    """Why the manager lets through a probe the document does not allow (a limit of the manager that its module
    warns about), or ''. probe_key: (source, destination, family, protocol, port, sport)."""
    family, protocol, port, sport = probe_key[2:]
    if manager == 'firewalld' and sport and allowed_without_sport:
        return 'firewalld matches no source port'
    if manager == 'ufw' and protocol == 'icmp' and port == ICMP_ECHO[family]:
        return "ufw's before.rules accept echo-request from anywhere"
    return ''


def run(argv, data=None, check=True):
    result = subprocess.run(argv, input=data, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError('%s failed: %s' % (' '.join(argv), result.stderr.strip()))
    return result


def netns(name, *argv, **kwargs):
    return run(['ip', 'netns', 'exec', name] + list(argv), **kwargs)


def remove_namespaces(names):
    """Kill whatever still runs in each namespace (services, sessions, an armed restorer), then delete it."""
    for name in names:
        for pid in run(['ip', 'netns', 'pids', name], check=False).stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        run(['ip', 'netns', 'del', name], check=False)


def remove_lab(state_dir, existing_namespaces):
    """Remove a lab's namespaces (existing_namespaces() lists them) and its state folder; say what is left."""
    remove_namespaces(existing_namespaces())
    if os.path.isdir(state_dir):
        shutil.rmtree(state_dir)
    left = existing_namespaces()
    if left:
        raise RuntimeError('namespaces left behind: %s' % ', '.join(left))


TOPOLOGIES = {'ipv4': DEFAULT_TOPOLOGY, 'ipv6': IPV6_TOPOLOGY}
# One probe; for ICMP, port is the ICMP type. expected: whether the document lets it through.
# widened: why the manager lets it through where the document does not (a limit of the manager), '' otherwise.
Probe = collections.namedtuple('Probe', 'source destination family protocol port sport expected widened', defaults=('',))


class Lab(object):
    def __init__(self, prefix, state_dir=None):
        self.prefix = prefix
        self.roles = tuple(DEFAULT_TOPOLOGY)
        self.state_dir = state_dir or os.path.join(REPO, 'build', 'lab', prefix)

    def ns(self, role):
        return '%s-%s' % (self.prefix, role)

    @property
    def firewall(self):
        return self.ns('fw')

    def existing_namespaces(self):
        out = run(['ip', 'netns', 'list']).stdout
        return [line.split()[0] for line in out.splitlines()
                if line.split() and line.split()[0].startswith(self.prefix + '-')]

    # -- building ---------------------------------------------------------------------------------
    def up(self, foreign=None, plant_voip_helpers=False, families=('ipv4',), placement='gateway', seed=None,
           manager='nftables', sites=False):
        """Build the lab; seed None: ATEA_ANYWHERE_LAB_SEED, or a random one; sites: c1 in the inventory too."""
        if foreign and manager != 'nftables':
            # A foreign nftables table beside another manager would be a second manager to the collection.
            raise RuntimeError('foreign nftables tables are for the nftables manager, not %s' % manager)
        if self.existing_namespaces():
            raise RuntimeError('a lab with prefix %r exists; run: lab.py down --prefix %s' % (self.prefix, self.prefix))
        if seed is None:
            seed = int(os.environ.get(SEED_VARIABLE) or random.SystemRandom().randrange(10 ** 6))
        try:
            self._build(foreign, plant_voip_helpers, families, placement, seed, manager, sites)
        except BaseException:
            self.down()
            raise

    def _build(self, foreign, plant_voip_helpers, families, placement, seed, manager, sites=False):
        os.makedirs(self.state_dir, exist_ok=True)
        run(['ip', 'netns', 'add', self.firewall])
        netns(self.firewall, 'ip', 'link', 'set', 'lo', 'up')
        # A host (placement host) routes nothing: traffic its input and output chains do not see cannot pass.
        forwarding = '1' if placement == 'gateway' else '0'
        netns(self.firewall, 'sysctl', '-qw', 'net.ipv4.ip_forward=' + forwarding, 'net.ipv6.conf.all.forwarding=' + forwarding)
        for role in self.roles:
            host = self.ns(role)
            fw_end, host_end = '%s-%s' % (self.prefix, role), '%s-%s-fw' % (self.prefix, role)
            run(['ip', 'netns', 'add', host])
            run(['ip', 'link', 'add', fw_end, 'netns', self.firewall, 'type', 'veth', 'peer', 'name', host_end,
                 'netns', host])
            netns(host, 'ip', 'link', 'set', 'lo', 'up')
            for family in families:
                cidr, fw_address, host_address = TOPOLOGIES[family][role]
                length = cidr.split('/')[1]
                # nodad: usable at once, not after duplicate address detection (a second or more) has run.
                nodad = ['nodad'] if family == 'ipv6' else []
                netns(self.firewall, 'ip', 'addr', 'add', '%s/%s' % (fw_address, length), 'dev', fw_end, *nodad)
                netns(host, 'ip', 'addr', 'add', '%s/%s' % (host_address, length), 'dev', host_end, *nodad)
            netns(self.firewall, 'ip', 'link', 'set', fw_end, 'up')
            netns(host, 'ip', 'link', 'set', host_end, 'up')
            for family in families:
                netns(host, 'ip', '-6' if family == 'ipv6' else '-4', 'route', 'add', 'default', 'via',
                      TOPOLOGIES[family][role][1])
        ports = self.service_ports(seed)
        # The firewall serves too when it is the customer host the probes are for.
        served = list(self.roles) + (['fw'] if placement == 'host' else [])
        for role in served:
            self._start_service(role, ports)
        if foreign:
            netns(self.firewall, 'nft', '-f', '-', data=FOREIGN_TABLES[foreign])
        if manager != 'nftables':
            self._start_manager(manager, placement, plant_voip_helpers)
        elif plant_voip_helpers:
            netns(self.firewall, 'nft', '-f', '-', data=VOIP_HELPER_TABLE)
            netns(self.firewall, 'iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060',
                  '-j', 'CT', '--helper', 'sip')
        main_config = self._write_main_config(foreign)
        self._wait_for_services(served, ports)
        state = {'prefix': self.prefix, 'families': list(families), 'placement': placement, 'seed': seed,
                 'foreign': foreign, 'foreign_listing': self.foreign_listing(foreign), 'main_config': main_config,
                 'manager': manager, 'listing': self.listing(manager, foreign), 'sites': sites}
        with open(os.path.join(self.state_dir, 'state.json'), 'w', encoding='utf-8') as handle:
            json.dump(state, handle, indent=2)
        self.write_inventory(main_config, families, placement, manager, sites)

    def _write_main_config(self, foreign=None):
        """The lab's stand-in for /etc/nftables.conf (with the foreign tables, if any); its path."""
        main_config = os.path.join(self.state_dir, 'nftables.conf')
        with open(main_config, 'w', encoding='utf-8') as handle:
            handle.write('#!/usr/sbin/nft -f\n# Lab stand-in for /etc/nftables.conf\nflush ruleset\n'
                         + (FOREIGN_TABLES[foreign] if foreign else ''))
        return main_config

    def up_bare(self):
        """Only the firewall namespace (loopback up) and its nftables.conf stand-in: no segments, services or probes.
        A host to converge many of at once (tests/benchmark/fleet_benchmark.py); host_vars(the path returned) is
        its inventory entry, 'down' removes it like a whole lab."""
        if self.existing_namespaces():
            raise RuntimeError('a lab with prefix %r exists; run: lab.py down --prefix %s' % (self.prefix, self.prefix))
        try:
            os.makedirs(self.state_dir, exist_ok=True)
            run(['ip', 'netns', 'add', self.firewall])
            netns(self.firewall, 'ip', 'link', 'set', 'lo', 'up')
            return self._write_main_config()
        except BaseException:
            self.down()
            raise

    @staticmethod
    def service_ports(seed):
        """Every TCP and UDP port any probe may use with the seed: each host listens on all of them."""
        # Both protocols on every port, so a wrong-protocol probe is only stopped by the firewall.
        ports = set(CLOSED_CANDIDATES)
        for section in document.load():
            for row in section.rows:
                for low, high in row.ports:
                    ports.update(sample_ports(low, high, seed))
        return {'tcp': sorted(ports), 'udp': sorted(ports)}

    def _start_service(self, role, ports):
        log = open(os.path.join(self.state_dir, 'service-%s.log' % role), 'w', encoding='utf-8')  # noqa: SIM115
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            ['ip', 'netns', 'exec', self.ns(role), sys.executable, os.path.abspath(__file__), 'serve',
             '--tcp', ','.join(map(str, ports['tcp'])), '--udp', ','.join(map(str, ports['udp']))],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        with open(os.path.join(self.state_dir, 'service-%s.pid' % role), 'w', encoding='utf-8') as handle:
            handle.write(str(process.pid))

    def _wait_for_services(self, roles, ports, seconds=10):
        deadline = time.time() + seconds
        for role in roles:
            while True:
                out = netns(self.ns(role), 'ss', '-Htln', check=False).stdout
                if (':%d ' % ports['tcp'][-1]) in out:
                    break
                if time.time() > deadline:
                    raise RuntimeError('the lab service in %s did not start; see %s' % (self.ns(role), self.state_dir))
                time.sleep(0.05)

    def foreign_listing(self, foreign):
        """Text of the foreign tables as nft lists them, less the collection's chains and jumps (the walk's before)."""
        return dict((name, without_collection_objects(text)) for name, text in self._foreign_tables(foreign).items())

    def _foreign_tables(self, foreign):
        """'family name' -> the foreign table as nft lists it now."""
        if not foreign:
            return {}
        listing = {}
        for line in FOREIGN_TABLES[foreign].splitlines():
            if line.startswith('table '):
                family, name = line.split()[1:3]
                listing['%s %s' % (family, name)] = netns(self.firewall, 'nft', 'list', 'table', family, name).stdout
        return listing

    # -- a Linux firewall manager on the firewall ---------------------------------------------------
    @property
    def firewalld_dir(self):
        """The firewall's firewalld: its bus socket, pid files and log."""
        return os.path.join(self.state_dir, 'firewalld')

    def firewall_cmd(self, *argv):
        done = firewalld_daemon.firewall_cmd(self.firewall, self.firewalld_dir, *argv)
        if done.returncode != 0:
            raise RuntimeError('firewall-cmd %s failed: %s' % (' '.join(argv), (done.stderr or done.stdout).strip()))
        return done.stdout

    def ufw(self, *argv):
        try:
            return ufw_namespace.ufw(self.firewall, *argv).stdout
        except subprocess.CalledProcessError as error:
            raise RuntimeError('ufw %s failed: %s' % (' '.join(argv), (error.stderr or error.stdout).strip())) from error

    @property
    def persist_files(self):
        """iptables: where the firewall keeps its rules for boot (the lab's stand-ins for /etc/iptables/rules.v4, v6)."""
        return dict((family, os.path.join(self.state_dir, 'iptables', 'rules.v%s' % family[-1])) for family in FAMILIES)

    def _start_manager(self, manager, placement, plant_voip_helpers):
        """Run the manager on the firewall with the customer's own rules in it (and the SIP helper planted the way
        that manager has it)."""
        if manager == 'firewalld':
            firewalld_daemon.start(self.firewall, self.firewalld_dir)
            for role, zone in sorted(FIREWALLD_ZONES.items()):
                self.firewall_cmd('--permanent', '--zone=' + zone, '--add-interface=%s-%s' % (self.prefix, role))
            for argv in FIREWALLD_FOREIGN + ((FIREWALLD_VOIP,) if plant_voip_helpers else ()):
                self.firewall_cmd('--permanent', *argv)
            self.firewall_cmd('--reload')
        elif manager == 'ufw':
            ufw_namespace.enable(self.firewall)
            for argv in UFW_FOREIGN:
                self.ufw(*argv)
            if plant_voip_helpers:
                # ufw runs on the machine's iptables (iptables-nft here): the helper where a customer would put it.
                netns(self.firewall, 'iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060',
                      '-j', 'CT', '--helper', 'sip')
        else:
            for family in FAMILIES:
                netns(self.firewall, IPTABLES_COMMANDS[manager][family][1],
                      data=iptables_foreign(family, placement, plant_voip_helpers))
            # The boot-time rules as netfilter-persistent keeps them: the customer's, saved at once.
            for family, path in self.persist_files.items():
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, 'w', encoding='utf-8') as handle:
                    handle.write(netns(self.firewall, IPTABLES_COMMANDS[manager][family][0]).stdout)

    def listing(self, manager, foreign=None):
        """Everything the manager holds, key -> text: what foreign-check and removed-check compare."""
        if manager == 'nftables':
            return dict(('table ' + name, text) for name, text in self._foreign_tables(foreign).items())
        if manager == 'firewalld':
            # Every file of its permanent configuration, the backups (<name>.xml.old) it writes beside a changed one too.
            etc = os.path.join(firewalld_daemon.netns_etc(self.firewall), 'firewalld')
            listing = {}
            for folder, _dirs, names in os.walk(etc):
                for name in names:
                    with open(os.path.join(folder, name), encoding='utf-8') as handle:
                        listing['file ' + os.path.relpath(os.path.join(folder, name), etc)] = handle.read()
            listing['runtime zones'] = self.firewall_cmd('--list-all-zones')
            listing['runtime policies'] = self.firewall_cmd('--list-all-policies')
            return listing
        if manager == 'ufw':
            listing = {}
            for name in ('user.rules', 'user6.rules'):
                with open(os.path.join(ufw_namespace.config_dir(self.firewall), name), encoding='utf-8') as handle:
                    listing['file ' + name] = handle.read()
            listing['status'] = self.ufw('status', 'verbose')
            return listing
        listing = {}
        for family in FAMILIES:
            listing[family] = iptables_save_normalized(netns(self.firewall, IPTABLES_COMMANDS[manager][family][0]).stdout)
            with open(self.persist_files[family], encoding='utf-8') as handle:
                listing['file ' + os.path.basename(self.persist_files[family])] = iptables_save_normalized(handle.read())
        return listing

    def check_listing(self, removed=False):
        """foreign-check (what is not the collection's is as it was at 'up') or, removed, removed-check (all of it is
        as it was, nothing of the collection's is left): (ok, the line to print)."""
        state = self.state()
        manager = state.get('manager', 'nftables')
        now = self.listing(manager, state['foreign'])
        if manager == 'nftables' and not removed:
            # The existing scenarios: the foreign tables less the collection's chains and jumps (chain mode).
            changed = compare_listings(state['listing'], now, lambda _m, _k, text: without_collection_objects(text), manager)
        else:
            changed = compare_listings(state['listing'], now, removal_view if removed else foreign_view, manager)
        what = ('%s listing' if removed else 'what is not ours in the %s listing') % manager
        if changed:
            return False, '%s changed since up: %s' % (what, ', '.join(changed))
        return True, '%s unchanged since up: %s' % (what, ', '.join(sorted(now)))

    def voip_check(self):
        """(ok, the line to print): no SIP or H.323 helper left on the firewall, in nftables (the collection's way
        and firewalld's), in the raw table of either iptables variant, or in the rules iptables restores at boot."""
        listings = {'nft list ruleset': netns(self.firewall, 'nft', 'list', 'ruleset').stdout}
        # Without '-t raw': iptables-legacy-save -t raw would make an empty raw table where there was none, which the
        # removed-check then finds (iptables-save without -t lists only the tables that exist).
        for variant in IPTABLES_COMMANDS.values():
            for family in FAMILIES:
                listings[variant[family][0]] = netns(self.firewall, variant[family][0], check=False).stdout
        for path in self.persist_files.values():
            if os.path.exists(path):
                with open(path, encoding='utf-8') as handle:
                    listings[path] = handle.read()
        left = voip_helpers_left(listings)
        return (not left, 'VoIP helpers left: %s' % '; '.join(left) if left else 'no SIP or H.323 helper is assigned')

    def _interpreter(self, manager='nftables', namespace=None):
        """A short wrapper: Ansible runs modules for the firewall (or another namespace of the lab) inside its namespace
        (the firewall with firewalld: on its private system bus)."""
        namespace = namespace or self.firewall
        path = os.path.join(self.state_dir, 'python-%s' % namespace)
        bus = ('export DBUS_SYSTEM_BUS_ADDRESS=%s\n' % firewalld_daemon.bus_address(self.firewalld_dir)
               if manager == 'firewalld' and namespace == self.firewall else '')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('#!/bin/sh\n%sexec %s netns exec %s %s "$@"\n' % (bus, shutil.which('ip'), namespace, sys.executable))
        os.chmod(path, 0o755)
        return path

    def host_vars(self, main_config, families=('ipv4',), placement='gateway', manager='nftables'):
        """The firewall's inventory variables: a local connection whose Python runs inside its namespace, the lab's
        segments as the Atea and customer networks, in every family built. With a manager other than nftables the
        collection detects it (platform linux)."""
        networks = collection_networks(families)
        host_vars = {
            'ansible_connection': 'local',
            'ansible_python_interpreter': self._interpreter(manager),
            'atea_anywhere_platform': 'nftables' if manager == 'nftables' else 'linux',
            'atea_anywhere_placement': placement,
            'atea_anywhere_networks': dict((name, networks[name]) for name in ('mpls', 'internet')),
            'atea_anywhere_customer_networks': networks['customer'],
            'atea_anywhere_nftables_persist_file': os.path.join(self.state_dir, 'nftables.d', 'atea_anywhere.nft'),
            'atea_anywhere_nftables_main_config': main_config,
            # The lab shares the machine's kernel and /etc: no modprobe.d file.
            'atea_anywhere_helper_blacklist_file': '',
        }
        if manager.startswith('iptables-'):
            host_vars.update(atea_anywhere_iptables_persist_file_ipv4=self.persist_files['ipv4'],
                             atea_anywhere_iptables_persist_file_ipv6=self.persist_files['ipv6'])
        return host_vars

    def write_inventory(self, main_config, families, placement, manager='nftables', sites=False):
        """The firewall's inventory (host_vars()). sites: the customer host c1 too, in the group atea_anywhere_sites,
        with the stand-ins' addresses as its reachability targets."""
        networks = collection_networks(families)
        host_vars = self.host_vars(main_config, families, placement, manager)
        inventory = {'all': {'children': {'atea_anywhere_firewalls': {'hosts': {self.firewall: host_vars}}}}}
        if sites:
            site_vars = {
                'ansible_connection': 'local',
                'ansible_python_interpreter': self._interpreter(namespace=self.ns('c1')),
                'atea_anywhere_networks': host_vars['atea_anywhere_networks'],
                'atea_anywhere_customer_networks': networks['customer'],
                'atea_anywhere_reachability_targets': dict(
                    (name, [TOPOLOGIES[family][role][2] for family in families])
                    for name, role in (('mpls', 'mpls'), ('internet', 'inet'))),
            }
            inventory['all']['children']['atea_anywhere_sites'] = {'hosts': {self.ns('c1'): site_vars}}
        with open(os.path.join(self.state_dir, 'inventory.json'), 'w', encoding='utf-8') as handle:
            json.dump(inventory, handle, indent=2)

    # -- tearing down -----------------------------------------------------------------------------
    def down(self):
        # The managers first, while their namespace is there: firewalld and its bus run outside it, ufw's
        # configuration and firewalld's live in /etc/netns/<firewall>.
        firewalld_daemon.stop(self.firewall, self.firewalld_dir)
        ufw_namespace.disable(self.firewall)
        if os.path.isdir(self.state_dir):
            for name in os.listdir(self.state_dir):
                if name.startswith('service-') and name.endswith('.pid'):
                    with open(os.path.join(self.state_dir, name), encoding='utf-8') as handle:
                        text = handle.read().strip()
                    pid = int(text) if text.isdigit() else 0
                    if pid <= 1:  # killpg(0) would be our own process group
                        continue
                    try:
                        os.killpg(pid, signal.SIGTERM)
                    except (ProcessLookupError, PermissionError):
                        pass
        remove_lab(self.state_dir, self.existing_namespaces)

    # -- probing ----------------------------------------------------------------------------------
    def state(self):
        with open(os.path.join(self.state_dir, 'state.json'), encoding='utf-8') as handle:
            return json.load(handle)

    def paths(self, placement):
        """(source, destination) pairs the probes take: between the hosts through a gateway, or to and from a host."""
        if placement == 'gateway':
            return [(s, d) for s in self.roles for d in self.roles if s != d]
        return ([(s, 'fw') for s in self.roles] + [('fw', d) for d in self.roles]
                + [(s, 'fw.own') for s in self.roles if s not in CUSTOMER_ROLES])

    def probes(self, profile, placement='gateway', families=FAMILIES, seed=0, manager='nftables',
               low_source_port=LOW_SOURCE_PORT):
        """Probe tuples for the profile, each with whether the document lets it through (or the manager does, where
        it cannot do what the document asks: widening()).

        Every row of every section is tried on the lab paths it fits, and as the wrong protocol, from
        the wrong source (rogue for customer devices, the internet host for the MPLS host) and, where
        the document asks for source ports >= 1024, from a low source port; plus ports no row opens,
        ICMP queries other than echo, and with host placement the firewall's address outside the
        customer networks. The profile decides which of them must pass.
        """
        sections = [s for s in document.load() if s.number in document.PROFILE_SECTIONS[profile]]
        candidates, low_source = set(), set()
        for section in document.load():
            for row in section.rows:
                protocols = row.protocols + (('udp',) if row.protocols == ('tcp',) else ())
                for source, destination in self.paths(placement):
                    if not _path_fits(section, *_tried_as(source, destination)):
                        continue
                    for family in families:
                        for protocol in protocols:
                            if protocol == 'icmp':
                                candidates.update((source, destination, family, 'icmp', icmp_type, 0)
                                                  for icmp_type in (ICMP_ECHO[family],) + ICMP_NOT_ASKED[family])
                                continue
                            for low, high in row.ports:
                                candidates.update((source, destination, family, protocol, port, 0)
                                                  for port in sample_ports(low, high, seed))
                                if row.source_ports:
                                    low_source.add((source, destination, family, protocol, low))
        for source, destination in self.paths(placement):
            if set(_tried_as(source, destination)) & set(CUSTOMER_ROLES):
                candidates.update((source, destination, family, 'tcp', port, 0)
                                  for family in families for port in CLOSED_CANDIDATES)
        # Low source ports, one a probe (they run at once), none a port the prober's own service holds.
        served = set(self.service_ports(seed)['tcp'])
        low_ports = (port for port in range(low_source_port, 0, -1) if port not in served)
        candidates.update(key + (next(low_ports),) for key in sorted(low_source))

        def allowed(candidate):
            return any(_allows(section, row, *_expected_as(candidate)) for section in sections for row in section.rows)

        probes = []
        for candidate in sorted(candidates):
            expected = allowed(candidate)
            widened = '' if expected else widening(manager, candidate, candidate[5] and allowed(candidate[:5] + (0,)))
            probes.append(Probe(*(candidate + (expected or bool(widened), widened))))
        # The host's own output chain accepts what no rule names (output_policy accept, the collection's choice,
        # not the document's): out of the host only what the document asks for is probed.
        return [p for p in probes if p.expected or p.source != 'fw']

    @staticmethod
    def target(source, destination, family):
        """The address a probe goes to."""
        topology = TOPOLOGIES[family]
        if destination == 'fw':
            return topology[HOST_STANDS_FOR['fw']][1]
        if destination == 'fw.own':
            return topology[source][1]
        return topology[destination][2]

    def probe(self, profile, removed=False):
        """Run every probe of the profile as the lab was built; return rows (probe, observed) and the probes sent a
        second time. removed: after the collection removed its rules, each probe must see the manager's own
        stance (manager_stance_allows) instead of the document."""
        state = self.state()
        manager = state.get('manager', 'nftables')
        planned = self.probes(profile, state['placement'], state['families'], state['seed'], manager,
                              REMOVED_LOW_SOURCE_PORT if removed else LOW_SOURCE_PORT)
        if removed:
            if manager == 'nftables':
                raise RuntimeError('probe --removed is for the Linux managers the lab runs, not nftables')
            planned = [Probe(*(p[:6] + (manager_stance_allows(manager, p),))) for p in planned]
        observed = self._observe(planned)
        # A probe that should pass and did not goes once more: on a busy machine an answer can come late (one UDP
        # probe in a few thousand did, with other test suites running), while a rule that is missing or wrong drops
        # it again. One that passed where it should not is not retried.
        again = [p for p in planned if p.expected and not observed[p]]
        if again:
            observed.update(self._observe(again))
        return [(p, observed[p]) for p in planned], again

    def _observe(self, probes):
        """Probe -> whether it got through and back, all at once (a batch per source namespace)."""
        by_source = {}
        for probe in probes:
            by_source.setdefault(probe.source, []).append(probe)
        jobs = dict((source, [{'family': p.family, 'protocol': p.protocol, 'port': p.port, 'sport': p.sport,
                               'address': self.target(p.source, p.destination, p.family),
                               # Out of the host, from its customer address: the source the document's flows name.
                               'bind': self.target(p.source, 'fw', p.family) if p.source == 'fw' else ''} for p in batch])
                    for source, batch in by_source.items())
        results = self._run_batches(jobs)
        observed = {}
        for source, batch in by_source.items():
            observed.update(zip(batch, results[source]))
        return observed

    def _run_batches(self, jobs):
        """Namespace role -> its probe jobs, all at once; return role -> what each observed."""
        results, errors = {}, {}

        def batch(role):
            try:
                out = netns(self.ns(role), sys.executable, os.path.abspath(__file__), 'probe-batch',
                            data=json.dumps(jobs[role])).stdout
                results[role] = json.loads(out)
            except (RuntimeError, ValueError) as error:  # a thread's exception would be lost: say it after the join
                errors[role] = str(error)

        threads = [threading.Thread(target=batch, args=(role,)) for role in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError('the probes could not run: %s' % '; '.join(
                'from %s (namespace %s): %s' % (role, self.ns(role), errors[role]) for role in sorted(errors)))
        return results

    # -- walking the applied ruleset ----------------------------------------------------------------
    def applied_listing(self):
        """The firewall's whole ruleset as the kernel holds it, in nft's JSON."""
        return nft_model.listing_in(self.firewall)

    def walk(self, profile, mode='table'):
        """The firewall's ruleset as the kernel holds it after a run, walked on the netfilter model for the profile and
        the networks the lab gave the collection (device_model.walk, seeded with the lab's seed): (Walk, the flows
        the foreign tables' own rules drop too, set apart from its failures).

        before, the box as built: the foreign tables (their listing at 'up', less the collection's objects) and, in
        table mode, the stance the run was asked for (TABLE_MODE_STANCE): what passed then must still pass.
        """
        state = self.state()
        foreign = ''.join(state['foreign_listing'][name] for name in sorted(state['foreign_listing']))
        placement = state['placement']
        before = nft_model.load(TABLE_MODE_STANCE[placement] if mode == 'table' else '', base=foreign, placement=placement)
        # The foreign rules alone: their policies aside, what they drop the customer chose to drop.
        own_rules = nft_model.load(foreign.replace('policy drop;', 'policy accept;'), placement=placement) if foreign else None
        device = LabFirewall(self.applied_listing(), placement, own_rules)
        result = device_model.walk(device, profile, collection_networks(state['families']), state['seed'], before)
        own_drops = [f for f in result.failures if ' is dropped: ' + OWN_DROP in f]
        return result._replace(failures=[f for f in result.failures if f not in own_drops]), own_drops


class LabFirewall(nft_model.Nftables):
    """The lab firewall on the netfilter model; a packet it drops that the customer's own rules (own_rules, a model of
    the foreign tables as built) drop too says so in its reason (OWN_DROP)."""

    def __init__(self, listing, placement, own_rules):
        self.own_rules = own_rules
        nft_model.Nftables.__init__(self, listing, placement)

    def admit(self, sent, ingress, egress):
        verdict = nft_model.Nftables.admit(self, sent, ingress, egress)
        if not verdict and self.own_rules is not None and not self.own_rules.admit(sent, ingress, egress):
            return device_model.Verdict(False, OWN_DROP + verdict.reason)
        return verdict


def collection_networks(families):
    """The networks the lab gives the collection, by role of the document (customer, mpls, internet)."""
    return {'customer': [TOPOLOGIES[family][role][0] for family in families for role in CUSTOMER_ROLES],
            'mpls': [TOPOLOGIES[family]['mpls'][0] for family in families],
            'internet': [TOPOLOGIES[family]['inet'][0] for family in families]}


def walk_report(result, own_drops, state, mode):
    """The walk's failures (grouped by reason, then the first ones), its figures and the count line verify checks."""
    lines = []
    if result.failures:
        lines += [device_model.summary(result.failures)] + result.failures[:10]
    lines.append('walk: flows %d, replies %d, closed %d, passed_before %d, own_drops %d; mode %s; placement %s; '
                 'families %s; seed %s' % (result.flows, result.replies, result.closed, result.passed_before,
                                           len(own_drops), mode, state['placement'], ','.join(state['families']),
                                           state['seed']))
    lines.append('%d failures' % len(result.failures))
    return '\n'.join(lines)


def without_collection_objects(listing, prefix='atea_anywhere'):
    """A table listing without the chains and jump rules the collection adds in chain mode."""
    kept, inside = [], False
    for line in listing.splitlines():
        if line.strip().startswith('chain %s_' % prefix):
            inside = True
            if kept and not kept[-1].strip():
                kept.pop()
            continue
        if inside:
            inside = line != '\t}'
            continue
        if 'jump %s_' % prefix not in line:
            kept.append(line)
    return '\n'.join(kept) + '\n'


def sample_ports(low, high, seed):
    """A range's ends and the ports just outside it (where an off-by-one shows), and RANDOM_PORTS_PER_RANGE
    ports inside it drawn with the seed (where a truncated or split range shows): one seed, one draw a range."""
    inside = range(low + 1, high)
    draw = random.Random('%s %d-%d' % (seed, low, high))
    ports = {low - 1, low, high, high + 1}.union(draw.sample(inside, min(RANDOM_PORTS_PER_RANGE, len(inside))))
    return sorted(port for port in ports if 0 < port < 65536)


def _tried_as(source, destination):
    """The roles whose document rows a path is tried with: a wrong source as what it pretends to be, the host's
    addresses as a customer device."""
    return (HOST_STANDS_FOR.get(source, WRONG_SOURCE_STANDS_FOR.get(source, source)),
            HOST_STANDS_FOR.get(destination, destination))


def _expected_as(candidate):
    """A candidate as the document reads it: the host's customer address is a customer device; its address on the
    prober's segment ('fw.own') is in no network the document names."""
    return tuple(HOST_STANDS_FOR['fw'] if role == 'fw' else role for role in candidate[:2]) + candidate[2:]


def _path_fits(section, source, destination):
    """Whether a document section's direction and network match a lab path."""
    if section.direction == 'internal':
        return source in CUSTOMER_ROLES and destination in CUSTOMER_ROLES
    atea = [role for role, real in ATEA_ROLES.items() if real == section.network]
    if section.direction == 'outbound':
        return source in CUSTOMER_ROLES and destination in atea
    return source in atea and destination in CUSTOMER_ROLES


def _allows(section, row, source, destination, family, protocol, port, sport):
    if not _path_fits(section, source, destination) or protocol not in row.protocols:
        return False
    if protocol == 'icmp':
        return port == ICMP_ECHO[family]
    if not any(low <= port <= high for low, high in row.ports):
        return False
    return not (row.source_ports and sport and sport < row.source_ports[0][0])


# -- inside a namespace ---------------------------------------------------------------------------
def serve(tcp_ports, udp_ports):
    """Accept and close TCP connections, echo UDP datagrams, on every given port, in IPv4 and IPv6; answer the ICMP
    queries of the lab that the kernel does not (ICMP_ANSWERED_BY_SERVE)."""
    import selectors  # pylint: disable=import-outside-toplevel
    selector = selectors.DefaultSelector()
    for kind, ports in ((socket.SOCK_STREAM, tcp_ports), (socket.SOCK_DGRAM, udp_ports)):
        for port in ports:
            # One socket for both families: '::' with IPV6_V6ONLY off takes IPv4 as mapped addresses.
            server = socket.socket(socket.AF_INET6, kind)
            server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(('::', port))
            if kind == socket.SOCK_STREAM:
                server.listen(64)
            server.setblocking(False)
            selector.register(server, selectors.EVENT_READ, 'tcp' if kind == socket.SOCK_STREAM else 'udp')
    for family in FAMILIES:
        selector.register(_icmp_socket(family), selectors.EVENT_READ, family)
    while True:
        for key, _events in selector.select():
            try:
                if key.data == 'tcp':
                    connection, _peer = key.fileobj.accept()
                    connection.close()
                elif key.data == 'udp':
                    data, peer = key.fileobj.recvfrom(2048)
                    key.fileobj.sendto(data, peer)
                else:
                    data, peer = key.fileobj.recvfrom(2048)
                    message = _icmp_message_of(key.data, data)
                    answer = ICMP_ANSWERED_BY_SERVE[key.data].get(message[0])
                    if answer is not None and LAB_MARKER in message:
                        key.fileobj.sendto(icmp_packet(key.data, answer, message[4:]), (peer[0], 0))
            except OSError:
                pass


def _icmp_socket(family):
    if family == 'ipv6':
        return socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)


def _icmp_message_of(family, data):
    """The ICMP message a raw socket read: IPv4 raw sockets hand over the IP header too, IPv6 ones do not."""
    return data if family == 'ipv6' else data[(data[0] & 0x0f) * 4:]


def _checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def icmp_packet(family, icmp_type, body):
    """An ICMP message of type and code 0; the kernel fills in an ICMPv6 checksum (it covers the IPv6 addresses)."""
    checksum = 0 if family == 'ipv6' else _checksum(struct.pack('!BBH', icmp_type, 0, 0) + body)
    return struct.pack('!BBH', icmp_type, 0, checksum) + body


def icmp_probe(job):
    """Send an ICMP query; True when its answer came back from the address."""
    family, address, icmp_type = job['family'], job['address'], job['port']
    sock = _icmp_socket(family)
    if job['bind']:
        sock.bind((job['bind'], 0))
    # Identifier and sequence number: every raw socket sees every answer, this one is the probe's own.
    ident = os.urandom(4)
    # A timestamp request carries three 32-bit timestamps before anything else.
    body = ident + (bytes(12) if (family, icmp_type) == ('ipv4', 13) else b'') + LAB_MARKER
    answer = ICMP_ANSWER[family][icmp_type]
    deadline = time.time() + PROBE_TIMEOUT
    try:
        sock.sendto(icmp_packet(family, icmp_type, body), (address, 0))
        while time.time() < deadline:
            sock.settimeout(max(deadline - time.time(), 0.01))
            data, peer = sock.recvfrom(2048)
            message = _icmp_message_of(family, data)
            if (ipaddress.ip_address(peer[0]) == ipaddress.ip_address(address) and message[0] == answer
                    and message[4:8] == ident):
                return True
    except socket.timeout:
        return False
    finally:
        sock.close()
    return False


def probe_one(job):
    """True when the packet got through and back, False when it was dropped (timed out)."""
    if job['protocol'] == 'icmp':
        return icmp_probe(job)
    address, port, sport = job['address'], job['port'], job['sport']
    kind = socket.SOCK_STREAM if job['protocol'] == 'tcp' else socket.SOCK_DGRAM
    sock = socket.socket(socket.AF_INET6 if job['family'] == 'ipv6' else socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.settimeout(PROBE_TIMEOUT)
    try:
        if sport or job['bind']:
            sock.bind((job['bind'] or ('::' if job['family'] == 'ipv6' else '0.0.0.0'), sport))
        if job['protocol'] == 'tcp':
            sock.connect((address, port))
            return True
        token = os.urandom(8)
        sock.sendto(token, (address, port))
        data, _peer = sock.recvfrom(64)
        return data == token
    except (socket.timeout, ConnectionRefusedError, OSError):
        return False
    finally:
        sock.close()


def probe_batch():
    jobs = json.load(sys.stdin)
    results = [None] * len(jobs)

    def work(index):
        results[index] = probe_one(jobs[index])

    # Every probe has its own socket (and low source ports are distinct): all run at once.
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    json.dump(results, sys.stdout)


def describe(probe):
    what = '%s/%d' % (probe.protocol, probe.port)
    return '%-5s -> %-6s %s %-11s%s' % (probe.source, probe.destination, probe.family, what,
                                        ' from port %d' % probe.sport if probe.sport else '')


def summary(rows, placement, seed, retried_count):
    """'ipv4 allowed P/N passed, denied D/M dropped[, widened W/V passed]; ipv6 ...; placement gateway; seed S;
    retried R': widened probes (the manager lets them through where the document does not) are counted apart."""
    parts = []
    for family in FAMILIES:
        allowed = [observed for probe, observed in rows if probe.family == family and probe.expected and not probe.widened]
        denied = [observed for probe, observed in rows if probe.family == family and not probe.expected]
        widened = [observed for probe, observed in rows if probe.family == family and probe.widened]
        if allowed or denied:
            parts.append('%s allowed %d/%d passed, denied %d/%d dropped%s'
                         % (family, allowed.count(True), len(allowed), denied.count(False), len(denied),
                            ', widened %d/%d passed' % (widened.count(True), len(widened)) if widened else ''))
    return '; '.join(parts + ['placement %s' % placement, 'seed %s' % seed, 'retried %d' % retried_count])


def report(rows, placement, seed, retried):
    """The probe table (a probe sent twice says so), the summary line and the count line the verify step checks."""
    lines = ['%-50s %-8s %-8s %s' % ('FLOW', 'EXPECTED', 'OBSERVED', '')]
    failures = 0
    for probe, observed in rows:
        ok = probe.expected == observed
        failures += not ok
        notes = (([] if ok else ['MISMATCH']) + (['widened (%s)' % probe.widened] if probe.widened else [])
                 + (['retried'] if probe in retried else []))
        lines.append('%-50s %-8s %-8s %s' % (describe(probe), 'pass' if probe.expected else 'drop',
                                             'pass' if observed else 'drop', ' '.join(notes)))
    lines.append('summary: ' + summary(rows, placement, seed, len(retried)))
    lines.append('%d probes, %d passed, %d failed' % (len(rows), len(rows) - failures, failures))
    return '\n'.join(lines), failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    for name in ('up', 'down', 'probe', 'walk', 'foreign-check', 'removed-check', 'voip-check', 'listing'):
        command = commands.add_parser(name)
        command.add_argument('--prefix', default='aa', help='namespace name prefix (at most 4 characters)')
        command.add_argument('--state-dir', help='where the lab keeps its inventory and state')
        if name == 'up':
            command.add_argument('--foreign', choices=sorted(FOREIGN_TABLES))
            command.add_argument('--plant-voip-helpers', action='store_true')
            command.add_argument('--families', default='ipv4', help='ipv4, or ipv4,ipv6 for a dual-stack lab')
            command.add_argument('--placement', default='gateway', choices=PLACEMENTS)
            command.add_argument('--manager', default='nftables', choices=MANAGERS,
                                 help='the firewall manager the firewall runs (default nftables: none but the collection)')
            command.add_argument('--seed', type=int, help='seed of the ports drawn in each range (default: $%s, '
                                 'or random)' % SEED_VARIABLE)
            command.add_argument('--sites', action='store_true',
                                 help='the customer host c1 in the inventory too (group atea_anywhere_sites)')
        if name in ('probe', 'walk'):
            command.add_argument('--profile', required=True, choices=sorted(document.PROFILE_SECTIONS))
        if name == 'probe':
            command.add_argument('--removed', action='store_true', help="after the collection's removal: expect the "
                                 "manager's own stance (nothing of the document passes)")
        if name == 'walk':
            command.add_argument('--mode', default='table', choices=('table', 'chain'), help='the run\'s nftables mode')
    serve_command = commands.add_parser('serve')
    serve_command.add_argument('--tcp', required=True)
    serve_command.add_argument('--udp', required=True)
    commands.add_parser('probe-batch')
    args = parser.parse_args(argv)
    if args.command == 'serve':
        serve([int(p) for p in args.tcp.split(',')], [int(p) for p in args.udp.split(',')])
        return 0
    if args.command == 'probe-batch':
        probe_batch()
        return 0
    if len(args.prefix) > 4 or not args.prefix.isalnum():
        parser.error('--prefix: at most 4 letters or digits, got %r' % args.prefix)
    lab = Lab(args.prefix, state_dir=args.state_dir)
    if args.command == 'up':
        families = tuple(args.families.split(','))
        if set(families) - set(FAMILIES):
            parser.error('--families: ipv4, ipv6 or both, got %r' % args.families)
        lab.up(args.foreign, args.plant_voip_helpers, families, args.placement, args.seed, args.manager, args.sites)
        print('lab %s is up; inventory: %s' % (args.prefix, os.path.join(lab.state_dir, 'inventory.json')))
    elif args.command == 'down':
        lab.down()
        print('lab %s is down' % args.prefix)
    elif args.command == 'probe':
        state = lab.state()
        rows, retried = lab.probe(args.profile, args.removed)
        text, failures = report(rows, state['placement'], state['seed'], retried)
        print(text)
        return 1 if failures else 0
    elif args.command == 'walk':
        manager = lab.state().get('manager', 'nftables')
        if manager != 'nftables':
            print('walk skipped: the nftables model reads nft -j listings of nftables rules; %s' % WALK_SKIPPED[manager])
            return 0
        result, own_drops = lab.walk(args.profile, args.mode)
        print(walk_report(result, own_drops, lab.state(), args.mode))
        return 1 if result.failures else 0
    elif args.command in ('foreign-check', 'removed-check'):
        ok, line = lab.check_listing(removed=args.command == 'removed-check')
        print(line)
        return 0 if ok else 1
    elif args.command == 'voip-check':
        ok, line = lab.voip_check()
        print(line)
        return 0 if ok else 1
    elif args.command == 'listing':
        state = lab.state()
        print(json.dumps(lab.listing(state.get('manager', 'nftables'), state['foreign']), indent=1, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
