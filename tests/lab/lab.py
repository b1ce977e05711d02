# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A network-namespace lab for the Atea Anywhere rules: build it, probe it with real packets, tear it down.

Topology (all in namespaces named <prefix>-<role>, joined to the firewall by veth pairs):

    c1 (site segment A) --+                  +-- mpls (Atea MPLS network stand-in)
    c2 (site segment B) --+-- fw (gateway) --+
    rogue (not customer) -+                  +-- inet (Atea internet network stand-in)

Documentation ranges stand in for the real networks; nothing routes anywhere else: no namespace has
a link outside the lab. Needs root, iproute2 and nftables. Every service runs as a child of this
script's 'serve' command inside its namespace; 'down' removes everything 'up' made, and a failed
'up' cleans up after itself.

    lab.py up [--prefix aa] [--foreign table|chain] [--plant-voip-helpers]
    lab.py probe --profile smb|enterprise [--prefix aa]
    lab.py down [--prefix aa]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lib'))

import requirements_document as document  # noqa: E402  pylint: disable=wrong-import-position

# role -> (segment CIDR, firewall address, host address); customer segments are c1 and c2.
DEFAULT_TOPOLOGY = {
    'c1': ('198.51.100.0/26', '198.51.100.1', '198.51.100.10'),
    'c2': ('198.51.100.64/26', '198.51.100.65', '198.51.100.70'),
    'rogue': ('198.51.100.128/26', '198.51.100.129', '198.51.100.130'),
    'mpls': ('192.0.2.0/24', '192.0.2.1', '192.0.2.10'),
    'inet': ('203.0.113.0/24', '203.0.113.1', '203.0.113.10'),
}
CUSTOMER_ROLES = ('c1', 'c2')
# Probes from the wrong source: rogue tries what customer devices may, the internet host what the MPLS host may.
WRONG_SOURCE_STANDS_FOR = {'rogue': 'c1', 'inet': 'mpls'}
ATEA_ROLES = {'mpls': '91.184.140.0/24', 'inet': '88.151.163.0/24'}  # stand-in -> real network in the document
PROFILE_SECTIONS = {'smb': ('3', '4'), 'enterprise': ('2.1', '2.2', '2.3', '3', '4')}
# Ports that no section opens on any path: each is probed and must be dropped.
CLOSED_CANDIDATES = (23, 3389, 8081, 10000)
LOW_SOURCE_PORT = 1000
PROBE_TIMEOUT = 0.6
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
VOIP_HELPER_TABLE = (
    'table inet voip_alg {\n'
    '\tct helper sip-5060 {\n\t\ttype "sip" protocol udp\n\t\tl3proto inet\n\t}\n\n'
    '\tchain prerouting {\n\t\ttype filter hook prerouting priority filter; policy accept;\n'
    '\t\tudp dport 5060 ct helper set "sip-5060"\n'
    '\t\ttcp dport 5060 ct helper set "sip-5060" accept\n\t}\n}\n')


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


class Lab(object):
    def __init__(self, prefix, topology=None, state_dir=None):
        self.prefix = prefix
        self.topology = topology or DEFAULT_TOPOLOGY
        self.state_dir = state_dir or os.path.join(REPO, 'build', 'lab', prefix)

    def ns(self, role):
        return '%s-%s' % (self.prefix, role)

    @property
    def firewall(self):
        return self.ns('fw')

    def address(self, role):
        return self.topology[role][2]

    def existing_namespaces(self):
        out = run(['ip', 'netns', 'list']).stdout
        return [line.split()[0] for line in out.splitlines()
                if line.split() and line.split()[0].startswith(self.prefix + '-')]

    # -- building ---------------------------------------------------------------------------------
    def up(self, foreign=None, plant_voip_helpers=False):
        if self.existing_namespaces():
            raise RuntimeError('a lab with prefix %r exists; run: lab.py down --prefix %s' % (self.prefix, self.prefix))
        try:
            self._build(foreign, plant_voip_helpers)
        except BaseException:
            self.down()
            raise

    def _build(self, foreign, plant_voip_helpers):
        os.makedirs(self.state_dir, exist_ok=True)
        run(['ip', 'netns', 'add', self.firewall])
        netns(self.firewall, 'ip', 'link', 'set', 'lo', 'up')
        netns(self.firewall, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
        for role, (cidr, fw_address, host_address) in self.topology.items():
            host = self.ns(role)
            prefix_len = cidr.split('/')[1]
            fw_end, host_end = '%s-%s' % (self.prefix, role), '%s-%s-fw' % (self.prefix, role)
            run(['ip', 'netns', 'add', host])
            run(['ip', 'link', 'add', fw_end, 'netns', self.firewall, 'type', 'veth', 'peer', 'name', host_end,
                 'netns', host])
            netns(self.firewall, 'ip', 'addr', 'add', '%s/%s' % (fw_address, prefix_len), 'dev', fw_end)
            netns(self.firewall, 'ip', 'link', 'set', fw_end, 'up')
            netns(host, 'ip', 'link', 'set', 'lo', 'up')
            netns(host, 'ip', 'addr', 'add', '%s/%s' % (host_address, prefix_len), 'dev', host_end)
            netns(host, 'ip', 'link', 'set', host_end, 'up')
            netns(host, 'ip', 'route', 'add', 'default', 'via', fw_address)
        ports = self.service_ports()
        for role in self.topology:
            self._start_service(role, ports)
        if foreign:
            netns(self.firewall, 'nft', '-f', '-', data=FOREIGN_TABLES[foreign])
        if plant_voip_helpers:
            netns(self.firewall, 'nft', '-f', '-', data=VOIP_HELPER_TABLE)
            netns(self.firewall, 'iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060',
                  '-j', 'CT', '--helper', 'sip')
        main_config = os.path.join(self.state_dir, 'nftables.conf')
        with open(main_config, 'w', encoding='utf-8') as handle:
            handle.write('#!/usr/sbin/nft -f\n# Lab stand-in for /etc/nftables.conf\nflush ruleset\n'
                         + (FOREIGN_TABLES[foreign] if foreign else ''))
        self._wait_for_services(ports)
        state = {'prefix': self.prefix, 'topology': self.topology, 'foreign': foreign,
                 'foreign_listing': self.foreign_listing(foreign), 'main_config': main_config}
        with open(os.path.join(self.state_dir, 'state.json'), 'w', encoding='utf-8') as handle:
            json.dump(state, handle, indent=2)
        self.write_inventory(main_config)

    def service_ports(self):
        """Every TCP and UDP port any probe may use: each host listens on all of them."""
        # Both protocols on every port, so a wrong-protocol probe is only stopped by the firewall.
        ports = set(CLOSED_CANDIDATES)
        for section in document.load():
            for row in section.rows:
                for low, high in row.ports:
                    ports.update(sample_ports(low, high))
        return {'tcp': sorted(ports), 'udp': sorted(ports)}

    def _start_service(self, role, ports):
        log = open(os.path.join(self.state_dir, 'service-%s.log' % role), 'w', encoding='utf-8')  # noqa: SIM115
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            ['ip', 'netns', 'exec', self.ns(role), sys.executable, os.path.abspath(__file__), 'serve',
             '--tcp', ','.join(map(str, ports['tcp'])), '--udp', ','.join(map(str, ports['udp']))],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        with open(os.path.join(self.state_dir, 'service-%s.pid' % role), 'w', encoding='utf-8') as handle:
            handle.write(str(process.pid))

    def _wait_for_services(self, ports, seconds=10):
        deadline = time.time() + seconds
        for role in self.topology:
            while True:
                out = netns(self.ns(role), 'ss', '-Htln', check=False).stdout
                if (':%d ' % ports['tcp'][-1]) in out:
                    break
                if time.time() > deadline:
                    raise RuntimeError('the lab service in %s did not start; see %s' % (self.ns(role), self.state_dir))
                time.sleep(0.05)

    def foreign_listing(self, foreign):
        """Text of the foreign tables as nft lists them, to compare after a run."""
        if not foreign:
            return {}
        listing = {}
        for line in FOREIGN_TABLES[foreign].splitlines():
            if line.startswith('table '):
                family, name = line.split()[1:3]
                text = netns(self.firewall, 'nft', 'list', 'table', family, name).stdout
                listing['%s %s' % (family, name)] = without_collection_objects(text)
        return listing

    def _interpreter(self):
        """A one-line wrapper: Ansible runs modules for the firewall inside its namespace."""
        path = os.path.join(self.state_dir, 'python-%s' % self.firewall)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('#!/bin/sh\nexec %s netns exec %s %s "$@"\n' % (shutil.which('ip'), self.firewall, sys.executable))
        os.chmod(path, 0o755)
        return path

    def write_inventory(self, main_config):
        customer = [self.topology[role][0] for role in CUSTOMER_ROLES]
        host_vars = {
            'ansible_connection': 'local',
            'ansible_python_interpreter': self._interpreter(),
            'atea_anywhere_platform': 'nftables',
            'atea_anywhere_networks': {'mpls': [self.topology['mpls'][0]], 'internet': [self.topology['inet'][0]]},
            'atea_anywhere_customer_networks': customer,
            'atea_anywhere_nftables_persist_file': os.path.join(self.state_dir, 'nftables.d', 'atea_anywhere.nft'),
            'atea_anywhere_nftables_main_config': main_config,
            # The lab shares the machine's kernel and /etc: no modprobe.d file.
            'atea_anywhere_helper_blacklist_file': '',
        }
        inventory = {'all': {'children': {'atea_anywhere_firewalls': {'hosts': {self.firewall: host_vars}}}}}
        with open(os.path.join(self.state_dir, 'inventory.json'), 'w', encoding='utf-8') as handle:
            json.dump(inventory, handle, indent=2)

    # -- tearing down -----------------------------------------------------------------------------
    def down(self):
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

    def probes(self, profile):
        """(source role, destination role, protocol, port, source port, expected) for the profile.

        Every row of every section is tried on the lab paths it fits, and as the wrong protocol, from
        the wrong source (rogue for customer devices, the internet host for the MPLS host) and, where
        the document asks for source ports >= 1024, from a low source port; plus ports no row opens.
        The profile decides which of them must pass.
        """
        sections = [s for s in document.load() if s.number in PROFILE_SECTIONS[profile]]
        paths = [(s, d) for s in self.topology for d in self.topology if s != d]
        candidates = set()
        low_ports = iter(range(LOW_SOURCE_PORT, 0, -1))
        for section in document.load():
            for row in section.rows:
                variants = [(p, False) for p in row.protocols]
                if row.protocols == ('tcp',):
                    variants.append(('udp', True))
                for source, destination in paths:
                    if not _path_fits(section, WRONG_SOURCE_STANDS_FOR.get(source, source), destination):
                        continue
                    for protocol, _wrong in variants:
                        if protocol == 'icmp':
                            candidates.add((source, destination, 'icmp', 0, 0))
                            continue
                        for low, high in row.ports:
                            for port in sample_ports(low, high):
                                candidates.add((source, destination, protocol, port, 0))
                                if row.source_ports:
                                    candidates.add((source, destination, protocol, port, next(low_ports)))
        for source, destination in paths:
            if source in CUSTOMER_ROLES or destination in CUSTOMER_ROLES:
                candidates.update((source, destination, 'tcp', port, 0) for port in CLOSED_CANDIDATES)
        return [c + (any(_allows(section, row, *c) for section in sections for row in section.rows),)
                for c in sorted(candidates)]

    def probe(self, profile):
        """Run every probe of the profile; return rows (probe, expected, observed)."""
        planned = self.probes(profile)
        by_source = {}
        for probe in planned:
            by_source.setdefault(probe[0], []).append(probe)
        observed = {}
        threads = []

        def batch(source, probes):
            jobs = [{'protocol': p[2], 'address': self.address(p[1]), 'port': p[3], 'sport': p[4]} for p in probes]
            out = netns(self.ns(source), sys.executable, os.path.abspath(__file__), 'probe-batch',
                        data=json.dumps(jobs)).stdout
            for probe, passed in zip(probes, json.loads(out)):
                observed[probe] = passed

        for source, probes in by_source.items():
            thread = threading.Thread(target=batch, args=(source, probes))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        return [(p, p[5], observed[p]) for p in planned]


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


def sample_ports(low, high):
    """The ends and the middle of a range: where an off-by-one or a truncated range shows."""
    return sorted(set((low, (low + high) // 2, high)))


def _path_fits(section, source, destination):
    """Whether a document section's direction and network match a lab path."""
    if section.direction == 'internal':
        return source in CUSTOMER_ROLES and destination in CUSTOMER_ROLES
    atea = [role for role, real in ATEA_ROLES.items() if real == section.network]
    if section.direction == 'outbound':
        return source in CUSTOMER_ROLES and destination in atea
    return source in atea and destination in CUSTOMER_ROLES


def _allows(section, row, source, destination, protocol, port, sport):
    if not _path_fits(section, source, destination) or protocol not in row.protocols:
        return False
    if protocol == 'icmp':
        return True
    if not any(low <= port <= high for low, high in row.ports):
        return False
    return not (row.source_ports and sport and sport < row.source_ports[0][0])


# -- inside a namespace ---------------------------------------------------------------------------
def serve(tcp_ports, udp_ports):
    """Accept and close TCP connections, echo UDP datagrams, on every given port."""
    import selectors  # pylint: disable=import-outside-toplevel
    selector = selectors.DefaultSelector()
    for port in tcp_ports:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(('0.0.0.0', port))
        server.listen(64)
        server.setblocking(False)
        selector.register(server, selectors.EVENT_READ, 'tcp')
    for port in udp_ports:
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(('0.0.0.0', port))
        server.setblocking(False)
        selector.register(server, selectors.EVENT_READ, 'udp')
    while True:
        for key, _events in selector.select():
            if key.data == 'tcp':
                try:
                    connection, _peer = key.fileobj.accept()
                    connection.close()
                except OSError:
                    pass
            else:
                try:
                    data, peer = key.fileobj.recvfrom(2048)
                    key.fileobj.sendto(data, peer)
                except OSError:
                    pass


def _checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def probe_one(job):
    """True when the packet got through and back, False when it was dropped (timed out)."""
    protocol, address, port, sport = job['protocol'], job['address'], job['port'], job['sport']
    if protocol == 'icmp':
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        ident = os.getpid() & 0xffff
        header = struct.pack('!BBHHH', 8, 0, 0, ident, 1)
        payload = b'atea-anywhere-lab'
        packet = struct.pack('!BBHHH', 8, 0, _checksum(header + payload), ident, 1) + payload
        sock.settimeout(PROBE_TIMEOUT)
        sock.sendto(packet, (address, 0))
        deadline = time.time() + PROBE_TIMEOUT
        try:
            while time.time() < deadline:
                data, peer = sock.recvfrom(2048)
                ihl = (data[0] & 0x0f) * 4
                if peer[0] == address and data[ihl] == 0 and data[ihl + 4:ihl + 6] == struct.pack('!H', ident):
                    return True
        except socket.timeout:
            return False
        finally:
            sock.close()
        return False
    kind = socket.SOCK_STREAM if protocol == 'tcp' else socket.SOCK_DGRAM
    sock = socket.socket(socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.settimeout(PROBE_TIMEOUT)
    try:
        if sport:
            sock.bind(('0.0.0.0', sport))
        if protocol == 'tcp':
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
    source, destination, protocol, port, sport, _expected = probe
    what = protocol if protocol == 'icmp' else '%s/%d' % (protocol, port)
    return '%-5s -> %-5s %-10s%s' % (source, destination, what, ' from port %d' % sport if sport else '')


def report(rows):
    lines = ['%-44s %-8s %-8s %s' % ('FLOW', 'EXPECTED', 'OBSERVED', '')]
    failures = 0
    for probe, expected, observed in rows:
        ok = expected == observed
        failures += not ok
        lines.append('%-44s %-8s %-8s %s' % (describe(probe), 'pass' if expected else 'drop',
                                             'pass' if observed else 'drop', '' if ok else 'MISMATCH'))
    lines.append('%d probes, %d passed, %d failed' % (len(rows), len(rows) - failures, failures))
    return '\n'.join(lines), failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    for name in ('up', 'down', 'probe', 'foreign-check'):
        command = commands.add_parser(name)
        command.add_argument('--prefix', default='aa', help='namespace name prefix (at most 4 characters)')
        command.add_argument('--state-dir', help='where the lab keeps its inventory and state')
        if name == 'up':
            command.add_argument('--foreign', choices=sorted(FOREIGN_TABLES))
            command.add_argument('--plant-voip-helpers', action='store_true')
        if name == 'probe':
            command.add_argument('--profile', required=True, choices=sorted(PROFILE_SECTIONS))
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
        lab.up(args.foreign, args.plant_voip_helpers)
        print('lab %s is up; inventory: %s' % (args.prefix, os.path.join(lab.state_dir, 'inventory.json')))
    elif args.command == 'down':
        lab.down()
        print('lab %s is down' % args.prefix)
    elif args.command == 'probe':
        text, failures = report(lab.probe(args.profile))
        print(text)
        return 1 if failures else 0
    elif args.command == 'foreign-check':
        state = lab.state()
        now = lab.foreign_listing(state['foreign'])
        changed = [name for name in state['foreign_listing'] if now.get(name) != state['foreign_listing'][name]]
        print('foreign tables unchanged: %s' % ', '.join(sorted(now)) if not changed else
              'foreign tables changed: %s' % ', '.join(changed))
        return 1 if changed else 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
