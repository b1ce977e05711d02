# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A model of each network device, for tests: it reads a configuration as the device would and says what passes.

It shares no code with the collection (nothing from plugins/), as requirements_document.py shares none with
the data: the renderers write configurations, this reads them back with each vendor's documented semantics
(first match, implicit deny, objects and groups, statefulness, ICMP types, limits) and walks the document's
flows, their replies and a sample of flows that must stay closed. Use on any configuration text (a stand-in's
final state, another generator's output):

    device = load('cisco_ios', text, zones={'customer': 'Gi1', 'mpls': 'Gi2', 'internet': 'Gi3'}, base=running)
    device.errors                       # what the device refuses on commit (limits, unknown references)
    device.passes(packet('tcp', '10.0.0.5', '91.184.140.9', 443), 'Gi1', 'Gi2')   # -> Verdict (truthy)
    device.reply_passes(...)            # the reply of that connection, as this platform treats replies
    device.voip_inspection()            # SIP and H.323 inspections still on
    walk(device, 'enterprise', networks)  # -> Walk(flows, replies, closed, reply_shaped, passed_before, failures)
    enter_bindings(platform, text)      # a rendered file as a person enters it (the bindings its comments give)

Ingress and egress are the zone or interface names the device knows (or the names customer, mpls, internet,
looked up in zones). Each platform's sources are cited where its semantics are implemented; LIMITS lists the
limits the model enforces with their sources.
"""

from __future__ import annotations

import collections
import functools
import ipaddress
import random
import re
import shlex

import requirements_document

# --------------------------------------------------------------------------------------------------------------
# Packets and verdicts

Packet = collections.namedtuple('Packet', 'protocol source destination source_port destination_port icmp_type flags')

ECHO = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}


def packet(protocol, source, destination, destination_port=None, source_port=None, icmp_type=None, flags=None):
    """A packet: protocol tcp, udp or icmp (ICMPv6 where the addresses are IPv6); TCP starts with SYN."""
    if protocol == 'icmp' and icmp_type is None:
        icmp_type = ECHO[family(source)]
    if protocol == 'tcp' and flags is None:
        flags = frozenset(['SYN'])
    return Packet(protocol, source, destination, source_port, destination_port, icmp_type, flags or frozenset())


@functools.lru_cache(maxsize=None)
def _address(text):
    return ipaddress.ip_address(text)


@functools.lru_cache(maxsize=None)
def _network(text):
    return ipaddress.ip_network(text, strict=False)


def family(address):
    return _address(address).version


def reply_of(sent):
    """The answer to a packet: addresses and ports swapped, SYN answered with SYN+ACK, echo with echo-reply."""
    icmp_type = ECHO_REPLY[family(sent.source)] if sent.protocol == 'icmp' else None
    flags = frozenset(['SYN', 'ACK']) if sent.protocol == 'tcp' else frozenset()
    return Packet(sent.protocol, sent.destination, sent.source, sent.destination_port, sent.source_port,
                  icmp_type, flags)


def describe(sent):
    if sent.protocol == 'icmp':
        return 'icmp%s type %d %s -> %s' % ('' if family(sent.source) == 4 else 'v6', sent.icmp_type,
                                            sent.source, sent.destination)
    return '%s %s:%s -> %s:%s%s' % (sent.protocol, sent.source, sent.source_port, sent.destination,
                                    sent.destination_port, ' [%s]' % ','.join(sorted(sent.flags))
                                    if sent.protocol == 'tcp' and sent.flags != {'SYN'} else '')


class Verdict(collections.namedtuple('Verdict', 'passed reason')):
    """Whether a packet passes, and the rule, entry or default that decided it."""

    def __bool__(self):
        return self.passed


class Match(object):
    """What one rule or entry matches. None is 'any'. ports: [(low, high)]; icmp: [type] (codes are not modelled)."""

    def __init__(self, protocol=None, family=None, sources=None, destinations=None, source_ports=None,
                 destination_ports=None, icmp=None, established=False):
        self.protocol, self.family = protocol, family
        self.sources, self.destinations = sources, destinations
        self.source_ports, self.destination_ports = source_ports, destination_ports
        self.icmp, self.established = icmp, established

    def matches(self, sent):
        version = family(sent.source)
        if self.family and self.family != version:
            return False
        if self.protocol and self.protocol != sent.protocol:
            return False
        if not _in(self.sources, sent.source) or not _in(self.destinations, sent.destination):
            return False
        if sent.protocol in ('tcp', 'udp'):
            if not _port_in(self.source_ports, sent.source_port):
                return False
            if not _port_in(self.destination_ports, sent.destination_port):
                return False
        elif self.source_ports is not None or self.destination_ports is not None:
            return False
        if self.icmp is not None:
            if sent.protocol != 'icmp' or sent.icmp_type not in self.icmp:
                return False
        if self.established and not (sent.flags & {'ACK', 'RST'}):
            return False
        return True


def _in(networks, address):
    if networks is None:
        return True
    ip = _address(address)
    return any(ip.version == n.version and ip in n for n in networks)


def _port_in(ranges, port):
    return ranges is None or any(low <= port <= high for low, high in ranges)


# Well-known port names the CLIs print or accept (ASA, IOS, Junos), per the vendors' port name tables:
# Cisco ASA "TCP and UDP Ports" - https://www.cisco.com/c/en/us/td/docs/security/asa/asa-cli-reference/A-H/asa-command-ref-A-H.html
PORT_NAMES = {'www': 80, 'http': 80, 'https': 443, 'ssh': 22, 'telnet': 23, 'ftp': 21, 'ftp-data': 20,
              'tftp': 69, 'sip': 5060, 'domain': 53, 'smtp': 25, 'bootps': 67, 'bootpc': 68, 'ntp': 123,
              'snmp': 161, 'snmptrap': 162, 'ldap': 389, 'ldaps': 636, 'h323': 1720, 'rtsp': 554, 'pop3': 110,
              'imap4': 143, 'sqlnet': 1521, 'ctiqbe': 2748, 'kerberos': 88, 'netbios-ssn': 139,
              'syslog': 514, 'isakmp': 500, 'echo': 7, 'discard': 9}
ICMP_NAMES = {
    4: {'echo': 8, 'echo-request': 8, 'echo-reply': 0, 'unreachable': 3, 'source-quench': 4, 'redirect': 5,
        'time-exceeded': 11, 'ttl-exceeded': 11, 'parameter-problem': 12, 'timestamp-request': 13,
        'timestamp-reply': 14, 'information-request': 15, 'mask-request': 17, 'mask-reply': 18},
    6: {'echo': 128, 'echo-request': 128, 'echo-reply': 129, 'unreachable': 1, 'packet-too-big': 2,
        'time-exceeded': 3, 'parameter-problem': 4, 'router-solicitation': 133, 'router-advertisement': 134,
        'nd-ns': 135, 'neighbor-solicitation': 135, 'nd-na': 136, 'neighbor-advertisement': 136, 'redirect': 137},
}


# Protocols by keyword or number as ACLs write them (1 ICMP, 6 TCP, 17 UDP, 58 ICMPv6); None: any.
PROTOCOLS = {'ip': None, 'ipv6': None, 'tcp': 'tcp', 'udp': 'udp', 'icmp': 'icmp', 'icmp6': 'icmp',
             '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmp'}


def _port(text):
    if text.isdigit():
        return int(text)
    if text not in PORT_NAMES:
        raise ValueError('port name %r is not known to the device model (PORT_NAMES)' % text)
    return PORT_NAMES[text]


def _dash_range(text):
    """'80', '80-90' or a port name -> (low, high)."""
    if '-' in text:
        low, high = text.split('-', 1)
        return _port(low), _port(high)
    return _port(text), _port(text)


def _operator(words, index):
    """An IOS/ASA port operator at words[index] -> (ranges, next index) or (None, index)."""
    if index >= len(words):
        return None, index
    op = words[index]
    if op == 'eq':
        return [(_port(words[index + 1]),) * 2], index + 2
    if op == 'range':
        return [(_port(words[index + 1]), _port(words[index + 2]))], index + 3
    if op == 'lt':
        return [(0, _port(words[index + 1]) - 1)], index + 2
    if op == 'gt':
        return [(_port(words[index + 1]) + 1, 65535)], index + 2
    if op == 'neq':
        port = _port(words[index + 1])
        return [(0, port - 1), (port + 1, 65535)], index + 2
    return None, index


# --------------------------------------------------------------------------------------------------------------
# Limits the model enforces (what the device refuses on commit), each with its vendor source.

Limit = collections.namedtuple('Limit', 'platform value what source')
LIMITS = {
    'junos_srx.terms_per_application': Limit(
        'junos_srx', 8, 'terms in one application ("\'term\' number of elements exceeds limit of 8" on commit)',
        'Juniper "applications application (term)" - https://www.juniper.net/documentation/us/en/software/junos/'
        'cli-reference/topics/ref/statement/applications-edit-application.html; google/capirca issues #30 and '
        '#158; Aerleon junipersrx.py "SRX has a limit of 8 terms per application" - '
        'https://github.com/aerleon/aerleon/blob/main/aerleon/lib/junipersrx.py'),
    'junos_srx.source_addresses_per_policy': Limit(
        'junos_srx', 1024, 'source address objects in one policy (address sets expanded)',
        'Juniper "Best Practices for Defining Policies on High-End SRX Series Devices": "up to 1024 source address '
        'objects, 1024 destination address objects, and 128 application objects" - https://www.juniper.net/'
        'documentation/en_US/release-independent/nce/topics/concept/security-policy-memory-optimizing.html'),
    'junos_srx.destination_addresses_per_policy': Limit(
        'junos_srx', 1024, 'destination address objects in one policy (address sets expanded)',
        'Juniper "Best Practices for Defining Policies on High-End SRX Series Devices" - https://www.juniper.net/'
        'documentation/en_US/release-independent/nce/topics/concept/security-policy-memory-optimizing.html'),
    'junos_srx.applications_per_policy': Limit(
        'junos_srx', 128, 'applications in one policy (application sets expanded)',
        'Juniper "Best Practices for Defining Policies on High-End SRX Series Devices" - https://www.juniper.net/'
        'documentation/en_US/release-independent/nce/topics/concept/security-policy-memory-optimizing.html'),
    'cisco_ios.remark_length': Limit(
        'cisco_ios', 100, 'characters in an access-list remark',
        'Cisco IOS "remark" command reference: "The remark can be up to 100 characters" - '
        'https://www.cisco.com/E-Learning/bulk/public/tac/cim/cib/using_cisco_ios_software/cmdrefs/remark.htm'),
    'cisco_asa.remark_length': Limit(
        'cisco_asa', 100, 'characters in an access-list remark',
        'Cisco ASA command reference, access-list remark: "text up to 100 characters" - '
        'https://www.cisco.com/c/en/us/td/docs/security/asa/asa-cli-reference/A-H/asa-command-ref-A-H/aa-ac-commands.html'),
    'cisco_asa.name_length': Limit(
        'cisco_asa', 241, 'characters in an access list name',
        'Cisco ASA command reference, access-list extended: "access_list_name ... up to 241 characters" - '
        'https://www.cisco.com/c/en/us/td/docs/security/asa/asa-cli-reference/A-H/asa-command-ref-A-H/aa-ac-commands.html'),
    'cisco_asa.object_name_length': Limit(
        'cisco_asa', 64, 'characters in an object or object-group name',
        'Cisco ASA Series Firewall ASDM Configuration Guide, Objects for Access Control: names "up to 64 '
        'characters" - https://www.cisco.com/c/en/us/td/docs/security/asa/asa912/asdm712/firewall/'
        'asdm-712-firewall-config/access-objects.html'),
    'panos.name_length': Limit(
        'panos', 63, 'characters in an address, address group, service or rule name',
        'PAN-OS web interface help, Objects > Addresses: "Name ... up to 63 characters" - '
        'https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-web-interface-help/objects/objects-addresses'),
    'fortios.policy_name_length': Limit(
        'fortios', 35, 'characters in a firewall policy name',
        'FortiOS CLI reference, config firewall policy: name {string} "Policy name. size[35]" - '
        'https://docs.fortinet.com/document/fortigate/7.4.0/cli-reference/333889629/config-firewall-policy'),
    'fortios.object_name_length': Limit(
        'fortios', 79, 'characters in an address, address group or service name',
        'FortiOS CLI reference, config firewall address: name {string} "Address name. size[79]" - '
        'https://docs.fortinet.com/document/fortigate/7.4.0/cli-reference/84566/config-firewall-address'),
}


def _check_length(errors, key, name):
    limit = LIMITS[key]
    if len(name) > limit.value:
        errors.append('%s: %r has %d characters, more than the %d %s (%s)'
                      % (limit.platform, name, len(name), limit.value, limit.what, key))


# --------------------------------------------------------------------------------------------------------------
# The devices


class Device(object):
    PLATFORM = None
    # Whether replies are checked as packets of their own (no session table).
    STATELESS = False
    # The zone or interface names the model uses for the document's networks when none are given.
    DEFAULT_ZONES = {}

    def __init__(self, text, zones=None):
        self.zones = dict(self.DEFAULT_ZONES, **(zones or {}))
        self.errors = []
        self.read(text)

    def zone(self, name):
        return self.zones.get(name, name)

    def passes(self, sent, ingress, egress):
        """Whether a packet opening a connection passes from ingress to egress."""
        if self.errors:
            return Verdict(False, 'the device refuses this configuration: %s' % '; '.join(self.errors))
        return self.admit(sent, self.zone(ingress), self.zone(egress))

    def reply_passes(self, sent, ingress, egress):
        """Whether the reply of a connection that sent opened (ingress -> egress) comes back."""
        if self.errors:
            return Verdict(False, 'the device refuses this configuration')
        return self.admit_reply(sent, self.zone(ingress), self.zone(egress))

    def admit(self, sent, ingress, egress):
        raise NotImplementedError

    def voip_inspection(self):
        """The SIP and H.323 inspections (ALGs, helpers) still on after the configuration (requirement 1.1 wants
        none), by the platform's own names; each is on by default unless the configuration switches it off."""
        raise NotImplementedError

    def admit_reply(self, sent, ingress, egress):
        """Stateful platforms: a session's reply passes (overridden where that is not so)."""
        return Verdict(True, 'reply of a session the firewall tracks')


# ---------------------------------------------------------------------------------------------- Cisco ASA


class Asa(Device):
    """Cisco ASA 9.x, read as `show running-config` prints it.

    - ACLs: first match, implicit deny at the end; `access-list NAME line N ...` inserts the entry at line N and
      moves the rest down; remarks take lines too (Cisco ASA command reference, access-list extended: "line
      line-num ... inserts the ACE at the specified line number" -
      https://www.cisco.com/c/en/us/td/docs/security/asa/asa-cli-reference/A-H/asa-command-ref-A-H/aa-ac-commands.html;
      "Each ACE and remark has an associated line number" - Cisco Press, Organizing and Managing ACE,
      http://it-certification-network.blogspot.com/2008/11/organizing-and-managing-ace.html).
    - `access-group NAME in interface IF` binds a list; `access-group NAME global` applies after the interface
      lists, whose implicit deny then gives way to it (ASA configuration guide, Access Rules, "Global access rules
      ... are applied after interface access rules"); an interface without any passes traffic to a lower
      security level only; equal levels need `same-security-traffic permit inter-interface`, traffic in and out of
      one interface `same-security-traffic permit intra-interface` (Cisco document 71342 "Intra-Interface
      Communications" -
      www.cisco.com/c/en/us/support/docs/security/asa-5500-x-series-next-generation-firewalls/71342-asa-intra-interface.html;
      ASA configuration guide "Interface Security Levels").
    - TCP and UDP are stateful (a connection's reply passes); ICMP (and ICMPv6, as modelled) only with `inspect
      icmp` in the policy map applied globally or on the interface: without it the echo reply is checked as new traffic ("When ICMP
      inspection is disabled, which is the default configuration, ICMP echo reply messages are denied from a
      lower security interface to a higher security interface, even if it is in response to an ICMP echo
      request" - ASA configuration guide, ICMP Inspection, as quoted in
      https://www.fir3net.com/Firewalls/Cisco/cisco-asa-how-does-icmp-inpsect-affect-the-connection-table.html).
    """
    PLATFORM = 'cisco_asa'
    DEFAULT_ZONES = {'customer': 'inside', 'mpls': 'mpls', 'internet': 'outside'}

    def read(self, text):
        self.network_groups, self.service_groups, self.objects = {}, {}, {}
        self.acls = collections.OrderedDict()
        self.compiled = {}
        self.bindings = {}  # (interface, direction) -> acl
        self.levels, self.same_security = {}, set()
        self.policy_maps, self.service_policies = {}, {}
        block, policy, klass, nameif = None, None, None, None
        for raw in text.splitlines():
            line = raw.rstrip()
            if not line.strip() or line.lstrip().startswith(('!', ':')):
                continue
            words = line.split()
            if not line.startswith(' '):
                block, policy, klass, nameif = None, None, None, None
                if words[0] == 'object-group' and words[1] == 'network':
                    block = ('network', self.network_groups.setdefault(words[2], []))
                elif words[0] == 'object-group' and words[1] == 'service':
                    group = self.service_groups.setdefault(words[2], {'protocol': words[3] if len(words) > 3 else None,
                                                                      'members': []})
                    block = ('service', group)
                elif words[0] == 'object' and words[1] == 'network':
                    block = ('object', self.objects.setdefault(words[2], []))
                elif words[0] == 'access-list':
                    self._access_list(words, line)
                elif words[:2] == ['no', 'access-list']:
                    self._remove_entry(words[1:])
                elif words[:3] == ['clear', 'configure', 'access-list']:
                    self.acls.pop(words[3], None)
                elif words[0] == 'access-group':
                    if words[2] == 'global':
                        self.bindings[('global', 'in')] = words[1]
                    else:
                        self.bindings[(words[4], words[2])] = words[1]
                elif words[:2] == ['no', 'access-group']:
                    self.bindings.pop((words[-1], words[3]) if len(words) > 4 else ('global', 'in'), None)
                elif words[0] == 'interface':
                    block = ('interface', None)
                elif words[0] == 'same-security-traffic':
                    self.same_security.add(words[2])
                elif words[:2] == ['no', 'same-security-traffic']:
                    self.same_security.discard(words[3])
                elif words[0] == 'policy-map' and len(words) == 2:
                    policy = self.policy_maps.setdefault(words[1], {})
                    block = ('policy', None)
                elif words[0] == 'service-policy':
                    self.service_policies[words[3] if words[2] == 'interface' else 'global'] = words[1]
                continue
            if block is None:
                continue
            kind, target = block
            if kind == 'network' and words[0] == 'network-object':
                target.append(('net', self._address(words[1:])[0]))
            elif kind == 'network' and words[0] == 'group-object':
                target.append(('group', words[1]))
            elif kind == 'object' and words[0] in ('subnet', 'host', 'range'):
                target.append(('net', self._address(words)[0]))
            elif kind == 'service' and words[0] == 'port-object':
                target['members'].append(_operator(words, 1)[0])
            elif kind == 'service' and words[0] == 'service-object':
                target['members'].append(self._service_object(words[1:]))
            elif kind == 'service' and words[0] == 'group-object':
                target['members'].append(('group', words[1]))
            elif kind == 'interface':
                if words[0] == 'nameif':
                    nameif = words[1]
                    self.levels.setdefault(nameif, 100 if nameif == 'inside' else 0)
                elif words[0] == 'security-level' and nameif:
                    self.levels[nameif] = int(words[1])
            elif kind == 'policy':
                if words[0] == 'class':
                    klass = policy.setdefault(words[1], set())
                elif words[0] == 'inspect' and klass is not None:
                    klass.add(' '.join(words[1:3]) if words[1] == 'h323' else words[1])
                elif words[:2] == ['no', 'inspect'] and klass is not None:
                    klass.discard(' '.join(words[2:4]) if words[2] == 'h323' else words[2])
        for name in list(self.network_groups) + list(self.service_groups) + list(self.objects):
            _check_length(self.errors, 'cisco_asa.object_name_length', name)
        for name, entries in self.acls.items():
            for entry in entries:
                if entry[0] == 'remark':
                    _check_length(self.errors, 'cisco_asa.remark_length', entry[1])
            _check_length(self.errors, 'cisco_asa.name_length', name)

    def _access_list(self, words, line):
        name, rest = words[1], words[2:]
        position = None
        if rest[:1] == ['line']:
            position, rest = int(rest[1]), rest[2:]
        entries = self.acls.setdefault(name, [])
        if rest[0] == 'remark':
            entry = ('remark', line.split(' remark ', 1)[1])
        elif rest[0] == 'extended':
            entry = ('ace', rest[1], tuple(rest[2:]), ' '.join(words))
        else:
            return
        if position is None or position > len(entries):
            entries.append(entry)
        else:
            entries.insert(position - 1, entry)

    def _compiled(self, words):
        """An ACE's matches, read when first used: object-groups are looked up as the whole configuration
        defines them, wherever in the text they stand."""
        if words not in self.compiled:
            self.compiled[words] = self._ace(list(words))
        return self.compiled[words]

    def _remove_entry(self, words):
        name, rest = words[1], words[2:]
        if rest[:1] == ['line']:
            rest = rest[2:]
        wanted = 'access-list %s %s' % (name, ' '.join(rest))
        entries = self.acls.get(name, [])
        for index, entry in enumerate(entries):
            text = 'access-list %s remark %s' % (name, entry[1]) if entry[0] == 'remark' else \
                re.sub(r' line \d+', '', entry[3])
            if text == wanted:
                del entries[index]
                break

    def _address(self, words):
        """An ASA address at words[0] -> ([network] or None for any, words used)."""
        head = words[0]
        if head in ('any', 'any4', 'any6'):
            return {'any': None, 'any4': [_network('0.0.0.0/0')], 'any6': [_network('::/0')]}[head], 1
        if head == 'host':
            return [_network(words[1])], 2
        if head == 'subnet':
            return [_network('%s/%s' % (words[1], words[2]))], 3
        if head == 'range':
            first, last = _address(words[1]), _address(words[2])
            return list(ipaddress.summarize_address_range(first, last)), 3
        if head == 'object-group':
            return self._group_networks(words[1]), 2
        if head == 'object':
            return [member[1] for member in self.objects.get(words[1], [])], 2
        if '/' in head:
            return [_network(head)], 1
        return [_network('%s/%s' % (head, words[1]))], 2

    def _group_networks(self, name, seen=()):
        networks = []
        for kind, value in self.network_groups.get(name, []):
            if kind == 'net':
                networks.extend(value or [])
            elif value not in seen:
                networks.extend(self._group_networks(value, seen + (name,)))
        return networks

    def _group_ports(self, name, seen=()):
        ranges = []
        for member in self.service_groups.get(name, {'members': []})['members']:
            if isinstance(member, tuple) and member[0] == 'group':
                ranges.extend(self._group_ports(member[1], seen + (name,)) if member[1] not in seen else [])
            elif isinstance(member, list):
                ranges.extend(member)
        return ranges

    def _service_object(self, words):
        """service-object tcp|udp|icmp [destination eq N] -> (protocol, destination ranges)."""
        ranges = None
        if 'destination' in words:
            ranges = _operator(words, words.index('destination') + 1)[0]
        return ('service', words[0], ranges)

    def _ace(self, words):
        """permit|deny is words[-1] of the caller; words here start at the protocol."""
        protocol, index = words[0], 1
        services = None
        if protocol == 'object-group':
            services, protocol, index = [m for m in self.service_groups[words[1]]['members']
                                         if isinstance(m, tuple) and m[0] == 'service'], None, 2
        sources, used = self._address(words[index:])
        index += used
        source_ports = None
        if index < len(words) and words[index] == 'object-group' and words[index + 1] in self.service_groups:
            source_ports, index = self._group_ports(words[index + 1]), index + 2
        else:
            source_ports, index = _operator(words, index)
        destinations, used = self._address(words[index:])
        index += used
        destination_ports, icmp = None, None
        if index < len(words) and words[index] == 'object-group' and words[index + 1] in self.service_groups:
            destination_ports, index = self._group_ports(words[index + 1]), index + 2
        else:
            destination_ports, index = _operator(words, index)
        if protocol in ('icmp', 'icmp6') and index < len(words) and words[index] not in ('log', 'inactive'):
            version = 4 if protocol == 'icmp' else 6
            name = words[index]
            icmp = [int(name) if name.isdigit() else ICMP_NAMES[version][name]]
        inactive = 'inactive' in words[index:]
        matches = []
        if services is not None:
            for service in services:
                proto, ranges = service[1], service[2]
                matches.append(Match(protocol=proto, sources=sources, destinations=destinations,
                                     destination_ports=ranges))
        else:
            proto, version = {'ip': (None, None), 'tcp': ('tcp', None), 'udp': ('udp', None),
                              'icmp': ('icmp', 4), 'icmp6': ('icmp', 6)}[protocol]
            if proto in ('tcp', 'udp') or proto is None:
                matches.append(Match(protocol=proto, family=version, sources=sources, destinations=destinations,
                                     source_ports=source_ports, destination_ports=destination_ports))
            else:
                matches.append(Match(protocol=proto, family=version, sources=sources, destinations=destinations,
                                     icmp=icmp))
        return matches if not inactive else []

    def _run_acl(self, name, sent, where):
        if name not in self.acls:
            return Verdict(True, 'access-group %s names no access list: no filter' % name)
        line = 0
        for entry in self.acls[name]:
            line += 1
            if entry[0] != 'ace':
                continue
            if any(m.matches(sent) for m in self._compiled(entry[2])):
                return Verdict(entry[1] == 'permit', '%s by access-list %s line %d (%s)'
                               % ('permitted' if entry[1] == 'permit' else 'denied', name, line, where))
        return Verdict(False, 'denied by the implicit deny at the end of access-list %s (%s)' % (name, where))

    def voip_inspection(self):
        """Inspections of the globally applied policy map: sip, h323 h225, h323 ras."""
        policy = self.policy_maps.get(self.service_policies.get('global'), {})
        active = set().union(*policy.values()) if policy else set()
        return sorted(active & {'sip', 'h323 h225', 'h323 ras'})

    def icmp_inspected(self, interface):
        """Whether inspect icmp is on in a policy map applied globally or on the interface."""
        for scope in ('global', interface):
            policy = self.policy_maps.get(self.service_policies.get(scope), {})
            if any('icmp' in inspects for inspects in policy.values()):
                return True
        return False

    def admit(self, sent, ingress, egress):
        for name in (ingress, egress):
            if name not in self.levels:
                return Verdict(False, 'no interface with nameif %s' % name)
        if ingress == egress and 'intra-interface' not in self.same_security:
            return Verdict(False, 'enters and leaves interface %s: ASA drops it without same-security-traffic '
                                  'permit intra-interface' % ingress)
        acl, global_acl = self.bindings.get((ingress, 'in')), self.bindings.get(('global', 'in'))
        if acl or global_acl:
            # Interface rules first; with global rules, the interface list's implicit deny gives way to them.
            verdict = self._run_acl(acl, sent, 'in on %s' % ingress) if acl else None
            if global_acl and (verdict is None or verdict.reason.startswith('denied by the implicit deny')):
                verdict = self._run_acl(global_acl, sent, 'global')
            if not verdict:
                return verdict
        else:
            high, low = self.levels[ingress], self.levels[egress]
            if high < low or (high == low and ingress != egress and 'inter-interface' not in self.same_security):
                return Verdict(False, 'no access-group in on %s (security level %d) and %s has level %d: ASA passes '
                                      'traffic without an access list only to a lower level'
                                      % (ingress, high, egress, low))
            verdict = Verdict(True, 'no access-group on %s: security level %d to %d' % (ingress, high, low))
        out = self.bindings.get((egress, 'out'))
        if out:
            out_verdict = self._run_acl(out, sent, 'out on %s' % egress)
            if not out_verdict:
                return out_verdict
        return verdict

    def admit_reply(self, sent, ingress, egress):
        if sent.protocol != 'icmp':
            return Verdict(True, 'reply of a %s connection' % sent.protocol)
        if self.icmp_inspected(ingress) or self.icmp_inspected(egress):
            return Verdict(True, 'reply of an ICMP connection (inspect icmp)')
        verdict = self.admit(reply_of(sent), egress, ingress)
        return Verdict(verdict.passed, 'ICMP is not inspected (no inspect icmp), so the echo reply is checked as '
                                       'new traffic: %s' % verdict.reason)


# ------------------------------------------------------------------------------------------- Cisco IOS-XE


class Ios(Device):
    """Cisco IOS-XE 16.x/17.x router ACLs, read as `show running-config` prints them.

    - Entries are ordered by sequence number; an entry without one gets the highest plus 10; `no N` deletes one;
      `ip access-list resequence NAME START STEP` renumbers; remarks take numbers too; an entry already there is
      not added again, whatever its number (Cisco "IP Access List Entry Sequence Numbering" -
      https://www.cisco.com/c/en/us/td/docs/ios-xml/ios/sec_data_acl/configuration/xe-16/sec-data-acl-xe-16-book/sec-acl-seq-num.html).
    - First match; every list ends in an implicit deny; an IPv6 list first permits neighbour discovery
      (nd-na, nd-ns) (Cisco "IPv6 Access Control Lists").
    - Interface ACLs are stateless: a reply passes only if the list bound inbound on the interface it comes
      back in (and outbound on the one it leaves) permits it as a packet of its own. `established` matches TCP
      with ACK or RST set ("The established keyword filters TCP packets based on whether the ACK or RST bits are
      set" - Cisco 850/870 Series Software Configuration Guide, Access Lists -
      http://www.manualowl.com/m/Cisco/CISCO876-SEC-I-K9/Manual/290416?page=175).
    - An interface without an access group, or one naming a list that does not exist, passes everything.
    """
    PLATFORM = 'cisco_ios'
    STATELESS = True
    DEFAULT_ZONES = {'customer': 'GigabitEthernet1', 'mpls': 'GigabitEthernet2', 'internet': 'GigabitEthernet3'}

    def read(self, text):
        self.groups = {}        # name -> [network or ('group', name)]
        self.port_groups = {}   # name -> [(low, high)] (object-group port, as Aerleon writes them)
        self.nat_alg_off = set()
        self.compiled = {}
        self.acls = {}          # name -> {'family': 4|6, 'entries': {seq: entry}}
        self.interfaces = {}    # name -> {(family, direction): acl}
        block = None
        for raw in text.splitlines():
            line = raw.rstrip()
            if not line.strip() or line.lstrip().startswith('!'):
                continue
            words = line.split()
            if not line.startswith(' ') or words == ['exit']:
                block = None
                if words[0] == 'object-group' and words[1] in ('network', 'v6-network'):
                    name = words[3] if words[2] in ('ipv4', 'ipv6') else words[2]
                    block = ('group', self.groups.setdefault(name, []))
                elif words[:2] == ['object-group', 'port']:
                    block = ('ports', self.port_groups.setdefault(words[2], []))
                elif words[1:3] == ['access-list', 'resequence']:
                    self._resequence(words[3], int(words[4]), int(words[5]))
                elif words[:3] == ['ip', 'access-list', 'extended']:
                    block = ('acl', self.acls.setdefault(words[3], {'family': 4, 'entries': {}}))
                elif words[:2] == ['ipv6', 'access-list']:
                    block = ('acl', self.acls.setdefault(words[2], {'family': 6, 'entries': {}}))
                elif words[:4] == ['no', 'ip', 'access-list', 'extended']:
                    self.acls.pop(words[4], None)
                elif words[:3] == ['no', 'ipv6', 'access-list']:
                    self.acls.pop(words[3], None)
                elif words[:2] == ['no', 'object-group']:
                    self.groups.pop(words[3], None)
                elif words[0] == 'interface':
                    block = ('interface', self.interfaces.setdefault(words[1], {}))
                elif words[:4] == ['no', 'ip', 'nat', 'service']:
                    self.nat_alg_off.add(' '.join(words[4:6]) if words[4] == 'sip' else words[4])
                elif words[:3] == ['ip', 'nat', 'service']:
                    self.nat_alg_off.discard(' '.join(words[3:5]) if words[3] == 'sip' else words[3])
                continue
            if block is None:
                continue
            if block[0] == 'group':
                if words[0] == 'group-object':
                    block[1].append(('group', words[1]))
                elif words[0] == 'host':
                    block[1].append(_network(words[1]))
                elif words[0] == 'no':
                    continue
                else:
                    block[1].append(_network(words[0] if '/' in words[0] else '%s/%s' % (words[0], words[1])))
            elif block[0] == 'ports':
                block[1].extend(_operator(words, 0)[0] or [])
            elif block[0] == 'acl':
                self._entry(block[1], words)
            elif block[0] == 'interface':
                if words[:2] == ['ip', 'access-group']:
                    block[1][(4, words[3])] = words[2]
                elif words[:2] == ['ipv6', 'traffic-filter']:
                    block[1][(6, words[3])] = words[2]
                elif words[:3] in (['no', 'ip', 'access-group'], ['no', 'ipv6', 'traffic-filter']):
                    block[1].pop((4 if words[1] == 'ip' else 6, words[-1]), None)

    def _compiled(self, criteria):
        """An entry's match, read when first used: object-groups as the whole configuration defines them."""
        if criteria not in self.compiled:
            self.compiled[criteria] = self._match(list(criteria[0]), criteria[1])
        return self.compiled[criteria]

    def _resequence(self, name, start, step):
        if name not in self.acls:
            self.errors.append('resequence: access list %s does not exist' % name)
            return
        entries = self.acls[name]['entries']
        self.acls[name]['entries'] = dict((start + index * step, entries[sequence])
                                          for index, sequence in enumerate(sorted(entries)))

    def _entry(self, acl, words):
        entries = acl['entries']
        sequence = None
        if words[0] == 'sequence':
            sequence, words = int(words[1]), words[2:]
        elif words[0].isdigit():
            sequence, words = int(words[0]), words[1:]
        if 'sequence' in words:  # IPv6 lists may print the number last
            index = words.index('sequence')
            sequence, words = int(words[index + 1]), words[:index] + words[index + 2:]
        if words[0] == 'no':
            if words[1].isdigit() or words[1] == 'sequence':
                entries.pop(int(words[-1]), None)
            else:
                text = ' '.join(words[1:])
                for seq in [s for s, e in entries.items() if e[2] == text]:
                    del entries[seq]
            return
        if words[0] not in ('permit', 'deny', 'remark'):
            return
        if sequence is None:
            sequence = (max(entries) if entries else 0) + 10
        if words[0] == 'remark':
            # Remarks take sequence numbers too, as the entries do (and resequence numbers them).
            _check_length(self.errors, 'cisco_ios.remark_length', ' '.join(words[1:]))
            entries[sequence] = ('remark', None, ' '.join(words))
            return
        if any(entry[2] == ' '.join(words) for entry in entries.values()):
            return  # IOS changes nothing for an entry already there, whatever its number
        entries[sequence] = (words[0], (tuple(words[1:]), acl['family']), ' '.join(words))

    def _address(self, words):
        head = words[0]
        if head == 'any':
            return None, 1
        if head == 'host':
            return [_network(words[1])], 2
        if head in ('object-group', 'addrgroup', 'net-group'):
            return self._group(words[1]), 2
        if '/' in head:
            return [_network(head)], 1
        wildcard = int(ipaddress.IPv4Address(words[1]))
        return [_network('%s/%s' % (head, ipaddress.IPv4Address(0xFFFFFFFF ^ wildcard)))], 2

    def _group(self, name, seen=()):
        networks = []
        for member in self.groups.get(name, []):
            if isinstance(member, tuple):
                if member[1] not in seen:
                    networks.extend(self._group(member[1], seen + (name,)))
            else:
                networks.append(member)
        return networks

    def _ports(self, words, index):
        if index < len(words) and words[index] == 'port-group':
            return self.port_groups.get(words[index + 1], []), index + 2
        return _operator(words, index)

    def _match(self, words, version):
        protocol = PROTOCOLS.get(words[0], words[0])
        index = 1
        sources, used = self._address(words[index:])
        index += used
        source_ports, index = self._ports(words, index)
        destinations, used = self._address(words[index:])
        index += used
        destination_ports, index = self._ports(words, index)
        established, icmp = False, None
        for word in words[index:]:
            if word == 'established':
                established = True
            elif protocol == 'icmp' and (word in ICMP_NAMES[version] or word.isdigit()) and icmp is None:
                icmp = [int(word) if word.isdigit() else ICMP_NAMES[version][word]]
        return Match(protocol=protocol, family=version, sources=sources, destinations=destinations,
                     source_ports=source_ports, destination_ports=destination_ports, icmp=icmp,
                     established=established)

    def voip_inspection(self):
        """The NAT ALGs for SIP (TCP, UDP), H.225 and RAS, on by default (Cisco IOS XE "Configuring NAT for IP
        Address Conservation": ip nat service sip / h225 / ras)."""
        return sorted({'sip tcp', 'sip udp', 'h225', 'ras'} - self.nat_alg_off)

    def _run_acl(self, name, sent, where):
        acl = self.acls.get(name)
        if acl is None:
            return Verdict(True, 'access list %s (%s) is not defined: IOS passes all' % (name, where))
        for sequence in sorted(acl['entries']):
            action, criteria, text = acl['entries'][sequence]
            if action != 'remark' and self._compiled(criteria).matches(sent):
                return Verdict(action == 'permit', '%s by %s %d %s (%s)' % (
                    'permitted' if action == 'permit' else 'denied', name, sequence, text, where))
        if acl['family'] == 6 and sent.protocol == 'icmp' and sent.icmp_type in (135, 136):
            return Verdict(True, 'permitted by the implicit nd-na/nd-ns entries of %s' % name)
        return Verdict(False, 'denied by the implicit deny at the end of %s (%s)' % (name, where))

    def admit(self, sent, ingress, egress):
        version = family(sent.source)
        for name in (ingress, egress):
            if name not in self.interfaces:
                return Verdict(False, 'no interface %s' % name)
        reasons = []
        for interface, direction in ((ingress, 'in'), (egress, 'out')):
            acl = self.interfaces[interface].get((version, direction))
            if acl is None:
                reasons.append('no IPv%d access list %s on %s' % (version, direction, interface))
                continue
            verdict = self._run_acl(acl, sent, '%s on %s' % (direction, interface))
            if not verdict:
                return verdict
            reasons.append(verdict.reason)
        return Verdict(True, '; '.join(reasons))

    def admit_reply(self, sent, ingress, egress):
        verdict = self.admit(reply_of(sent), egress, ingress)
        return Verdict(verdict.passed, 'stateless: the reply is checked as a packet of its own: %s' % verdict.reason)


# ------------------------------------------------------------------------------------------- Junos SRX


def _set_words(line):
    """A Junos or PAN-OS set line in words: quotes removed, [ ] kept as words."""
    return shlex.split(line.replace('[', ' [ ').replace(']', ' ] '), comments=False, posix=True)


def _placed(entries, name, where, anchor=None):
    """An ordered mapping with entry name moved to the top, the bottom, or before or after anchor (a name in it):
    how Junos insert, PAN-OS and FortiOS move reorder a list."""
    items = [item for item in entries.items() if item[0] != name]
    if where in ('top', 'bottom'):
        at = 0 if where == 'top' else len(items)
    else:
        at = [item[0] for item in items].index(anchor) + (1 if where == 'after' else 0)
    items.insert(at, (name, entries[name]))
    return collections.OrderedDict(items)


def _commands(text):
    """The words of each command of a set-form configuration (Junos, PAN-OS), comments and blank lines left out."""
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith('#'):
            yield _set_words(line)


def _values(words, index):
    """A value or a [ list ] at words[index] -> (values, next index)."""
    if words[index] == '[':
        end = words.index(']', index)
        return words[index + 1:end], end + 1
    return [words[index]], index + 1


def junos_set_lines(text):
    """A Junos configuration in the hierarchical (curly brace) form as set lines, as `display set` shows it;
    set lines pass through. 'replace:' tags, /* */ and # comments and inactive: are dropped."""
    if '{' not in text:
        return text
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    path, lines = [], []
    for raw in text.splitlines():
        line = re.sub(r'^(replace|inactive):\s*', '', raw.strip())
        if not line or line.startswith('#'):
            continue
        if line.startswith('set ') or line.startswith(('delete ', 'insert ')):
            lines.append(line)
        elif line.endswith('{'):
            path.append(line[:-1].strip())
        elif line == '}':
            path.pop()
        elif line.endswith(';'):
            lines.append('set %s' % ' '.join(path + [line[:-1].strip()]))
    return '\n'.join(lines)


class JunosSrx(Device):
    """Junos OS on SRX, set commands as `show configuration | display set` prints them.

    - Security policies are per zone pair and evaluated in order, first match; `insert security policies
      from-zone A to-zone B policy P before|after policy Q` reorders; what matches no policy meets the default
      policy, deny-all (Juniper "Security Policies Overview" / "default-policy" -
      https://www.juniper.net/documentation/us/en/software/junos/security-policies/topics/topic-map/security-policy-configuration.html).
      Intra-zone traffic (trust to trust) needs a policy from-zone trust to-zone trust like any other.
    - Flow-based and stateful: a session's reply, ICMP echo included, passes.
    - Applications: one or more terms (protocol, destination-port, source-port, icmp-type, icmp6-type); an
      application holds at most 8 terms or the commit fails (LIMITS); application-sets group applications.
    - IPv6 is dropped unless `security forwarding-options family inet6 mode flow-based` (Juniper "Enabling
      Flow-Based Processing for IPv6 Traffic" -
      https://www.juniper.net/documentation/us/en/software/junos/flow-packet-processing/topics/topic-map/security-ipv6-flow-based-processing.html).
    - Predefined applications known here: any, junos-icmp-all, junos-icmp-ping, junos-icmp6-all,
      junos-icmp6-echo-request, junos-http, junos-https, junos-ssh.
    """
    PLATFORM = 'junos_srx'
    DEFAULT_ZONES = {'customer': 'trust', 'mpls': 'mpls', 'internet': 'untrust'}
    PREDEFINED = {
        'junos-icmp-all': [Match(protocol='icmp', family=4)],
        'junos-icmp-ping': [Match(protocol='icmp', family=4, icmp=[8])],
        'junos-icmp6-all': [Match(protocol='icmp', family=6)],
        'junos-icmp6-echo-request': [Match(protocol='icmp', family=6, icmp=[128])],
        'junos-http': [Match(protocol='tcp', destination_ports=[(80, 80)])],
        'junos-https': [Match(protocol='tcp', destination_ports=[(443, 443)])],
        'junos-ssh': [Match(protocol='tcp', destination_ports=[(22, 22)])],
    }

    def read(self, text):
        text = junos_set_lines(text)
        self.addresses, self.address_sets = {}, {}
        self.applications, self.application_sets = {}, {}
        self.policies = collections.OrderedDict()  # (from, to) -> OrderedDict name -> policy
        self.zones_defined, self.inet6_flow = set(), False
        self.algs_off = set()
        self.default_permit = False
        for words in _commands(text):
            if words[0] == 'set':
                self._set(words[1:])
            elif words[0] == 'delete':
                self._delete(words[1:])
            elif words[0] == 'insert':
                self._insert(words[1:])
        for name, terms in self.applications.items():
            named = [t for t in terms if t is not None]
            if len(named) > LIMITS['junos_srx.terms_per_application'].value:
                self.errors.append("application %s has %d terms: 'term' number of elements exceeds limit of 8 "
                                   "(junos_srx.terms_per_application)" % (name, len(named)))
        for (source, destination), policies in self.policies.items():
            for zone in (source, destination):
                if self.zones_defined and zone not in self.zones_defined:
                    self.errors.append('policies from-zone %s to-zone %s: zone %s is not defined' %
                                       (source, destination, zone))
            for name, policy in policies.items():
                self._check_policy_limits(name, policy)
                for address in policy['source'] + policy['destination']:
                    if address not in ('any', 'any-ipv4', 'any-ipv6') and address not in self.addresses \
                            and address not in self.address_sets:
                        self.errors.append('policy %s: address %s is not defined' % (name, address))
                for application in policy['application']:
                    if application != 'any' and application not in self.applications \
                            and application not in self.application_sets and application not in self.PREDEFINED:
                        self.errors.append('policy %s: application %s is not defined' % (name, application))

    def _expanded(self, names, sets, seen=()):
        """The member objects names stand for, sets expanded (each object once)."""
        members = set()
        for name in names:
            if name in sets and name not in seen:
                members |= self._expanded(sets[name], sets, seen + (name,))
            elif name not in ('any', 'any-ipv4', 'any-ipv6'):
                members.add(name)
        return members

    def _check_policy_limits(self, name, policy):
        for key, sets, limit in (('source', self.address_sets, 'junos_srx.source_addresses_per_policy'),
                                 ('destination', self.address_sets, 'junos_srx.destination_addresses_per_policy'),
                                 ('application', self.application_sets, 'junos_srx.applications_per_policy')):
            count = len(self._expanded(policy[key], sets))
            if count > LIMITS[limit].value:
                self.errors.append('policy %s: %d %s, more than %d (%s)'
                                   % (name, count, LIMITS[limit].what, LIMITS[limit].value, limit))

    def _set(self, words):
        if words[:4] == ['security', 'address-book', 'global', 'address'] or \
                (words[:2] == ['security', 'zones'] and 'address-book' in words and words[words.index('address-book') + 1] == 'address'):
            at = words.index('address') + 1
            self.addresses[words[at]] = _network(words[at + 1])
        elif words[:4] == ['security', 'address-book', 'global', 'address-set'] or \
                (words[:2] == ['security', 'zones'] and 'address-set' in words):
            at = words.index('address-set') + 1
            self.address_sets.setdefault(words[at], []).append(words[at + 2])
        elif words[:2] == ['security', 'zones'] and words[2] == 'security-zone':
            self.zones_defined.add(words[3])
        elif words[:2] == ['applications', 'application']:
            name, rest = words[2], words[3:]
            terms = self.applications.setdefault(name, collections.OrderedDict())
            term = None
            if rest[:1] == ['term']:
                term, rest = rest[1], rest[2:]
            if rest and rest[0] not in ('description',):
                attributes = terms.setdefault(term, {})
                for index in range(0, len(rest) - 1, 2):
                    attributes[rest[index]] = rest[index + 1]
        elif words[:2] == ['applications', 'application-set']:
            self.application_sets.setdefault(words[2], []).append(words[4])
        elif words[:2] == ['security', 'policies'] and words[2] == 'from-zone':
            pair = (words[3], words[5])
            policy = self.policies.setdefault(pair, collections.OrderedDict()).setdefault(
                words[7], {'source': [], 'destination': [], 'application': [], 'then': None})
            rest = words[8:]
            if rest[:1] == ['match']:
                key = {'source-address': 'source', 'destination-address': 'destination',
                       'application': 'application'}.get(rest[1])
                if key:
                    policy[key].extend(_values(rest, 2)[0])
            elif rest[:1] == ['then'] and rest[1] in ('permit', 'deny', 'reject'):
                policy['then'] = rest[1]
        elif words[:2] == ['security', 'alg'] and words[-1] == 'disable':
            self.algs_off.add(words[2])
        elif words[:4] == ['security', 'policies', 'default-policy', 'permit-all']:
            self.default_permit = True
        elif words[:5] == ['security', 'forwarding-options', 'family', 'inet6', 'mode'] and words[5] == 'flow-based':
            self.inet6_flow = True

    def _delete(self, words):
        if words[:2] == ['security', 'policies'] and len(words) >= 8:
            self.policies.get((words[3], words[5]), {}).pop(words[7], None)
        elif words[:2] == ['applications', 'application'] and len(words) == 3:
            self.applications.pop(words[2], None)
        elif words[:2] == ['applications', 'application'] and len(words) == 5 and words[3] == 'term':
            self.applications.get(words[2], {}).pop(words[4], None)
        elif words[:2] == ['applications', 'application-set']:
            self.application_sets.pop(words[2], None)
        elif words[:4] == ['security', 'address-book', 'global', 'address']:
            self.addresses.pop(words[4], None)
        elif words[:4] == ['security', 'address-book', 'global', 'address-set']:
            self.address_sets.pop(words[4], None)

    def _insert(self, words):
        pair = (words[3], words[5])
        policies = self.policies.get(pair, collections.OrderedDict())
        name, where, anchor = words[7], words[8], words[10]
        if name not in policies or anchor not in policies or anchor == name:
            self.errors.append('insert: policy %s or %s not in from-zone %s to-zone %s' % ((name, anchor) + pair))
            return
        self.policies[pair] = _placed(policies, name, where, anchor)

    def voip_inspection(self):
        """The SIP and H.323 ALGs, on unless `security alg sip|h323 disable`."""
        return sorted({'sip', 'h323'} - self.algs_off)

    def _networks(self, name, seen=()):
        if name in ('any', 'any-ipv4', 'any-ipv6'):
            return {'any': None, 'any-ipv4': [_network('0.0.0.0/0')], 'any-ipv6': [_network('::/0')]}[name]
        if name in self.addresses:
            return [self.addresses[name]]
        networks = []
        for member in self.address_sets.get(name, []):
            if member not in seen:
                networks.extend(self._networks(member, seen + (name,)) or [])
        return networks

    def _application_matches(self, name, seen=()):
        if name == 'any':
            return [Match()]
        if name in self.PREDEFINED:
            return self.PREDEFINED[name]
        if name in self.application_sets:
            matches = []
            for member in self.application_sets[name]:
                if member not in seen:
                    matches.extend(self._application_matches(member, seen + (name,)))
            return matches
        matches = []
        for attributes in self.applications.get(name, {}).values():
            protocol = attributes.get('protocol')
            proto, version = {'tcp': ('tcp', None), 'udp': ('udp', None), 'icmp': ('icmp', 4),
                              'icmp6': ('icmp', 6), 'ipv6-icmp': ('icmp', 6)}.get(protocol, (protocol, None))
            icmp = None
            for key, v in (('icmp-type', 4), ('icmp6-type', 6)):
                if key in attributes:
                    value = attributes[key]
                    icmp = [int(value) if value.isdigit() else ICMP_NAMES[v][value]]
            ports = {}
            for key in ('destination-port', 'source-port'):
                if key in attributes:
                    ports[key] = [_dash_range(attributes[key])]
            matches.append(Match(protocol=proto, family=version, icmp=icmp,
                                 destination_ports=ports.get('destination-port'),
                                 source_ports=ports.get('source-port')))
        return matches

    def _policy_matches(self, policy, sent):
        if not any(_in(self._networks(a), sent.source) for a in policy['source']):
            return False
        if not any(_in(self._networks(a), sent.destination) for a in policy['destination']):
            return False
        return any(m.matches(sent) for a in policy['application'] for m in self._application_matches(a))

    def admit(self, sent, ingress, egress):
        if family(sent.source) == 6 and not self.inet6_flow:
            return Verdict(False, 'IPv6 is dropped: no security forwarding-options family inet6 mode flow-based')
        for name, policy in self.policies.get((ingress, egress), {}).items():
            if self._policy_matches(policy, sent):
                return Verdict(policy['then'] == 'permit', '%s by policy %s from-zone %s to-zone %s'
                               % ('permitted' if policy['then'] == 'permit' else 'denied', name, ingress, egress))
        if self.default_permit:
            return Verdict(True, 'default-policy permit-all')
        return Verdict(False, 'no policy from-zone %s to-zone %s matches: default-policy deny-all' % (ingress, egress))


# ------------------------------------------------------------------------------------------------- PAN-OS


class Panos(Device):
    """PAN-OS 10.1-11.x, configure-mode set commands.

    - Security rules are evaluated top down, first match; what matches none meets the predefined rules:
      intrazone-default (allow) and interzone-default (deny), whose action can be overridden with
      `set rulebase default-security-rules rules <name> action deny` (PAN-OS web interface help, "Security Policy
      Overview" - https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-web-interface-help/policies/policies-security/security-policy-overview).
      `move rulebase security rules R top|bottom|before Q|after Q` reorders.
    - Stateful: a session's reply passes.
    - Applications (App-ID): `icmp` is every ICMPv4 type, `ipv6-icmp` every ICMPv6 type (PAN-OS Networking
      Administration, "ICMP": rules "select the icmp or ipv6-icmp application" -
      https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-networking-admin/session-settings-and-timeouts/icmp);
      `ping` is modelled as ICMPv4 echo only (whether App-ID also names ICMPv6 echo ping is not modelled: one
      type of ICMPv6 takes a custom application, as Aerleon's PAN-OS generator defines one with
      ident-by-icmp6-type - https://github.com/aerleon/aerleon/blob/main/aerleon/lib/paloaltofw.py). A custom application with
      `default ident-by-icmp-type type N` or `ident-by-icmp6-type type N` matches that type only. With
      `application any` the service decides (TCP/UDP ports); `service application-default` takes the
      application's own ports (none for ICMP).
    - `delete address|address-group|service|service-group|application NAME` removes the object; a rule or group
      that names an object no longer defined is an error (as for a rule naming one never defined).
    """
    PLATFORM = 'panos'
    DEFAULT_ZONES = {'customer': 'trust', 'mpls': 'mpls', 'internet': 'untrust'}
    APPLICATIONS = {'ping': [Match(protocol='icmp', family=4, icmp=[8])],
                    'icmp': [Match(protocol='icmp', family=4)],
                    'ipv6-icmp': [Match(protocol='icmp', family=6)]}

    def read(self, text):
        self.addresses, self.groups, self.services, self.service_groups = {}, {}, {}, {}
        self.applications = dict(self.APPLICATIONS)
        self.rules = collections.OrderedDict()
        self.defaults = {'intrazone-default': 'allow', 'interzone-default': 'deny'}
        self.alg_disabled = set()
        for words in _commands(text):
            if words[0] == 'set':
                self._set(words[1:])
            elif words[0] == 'move' and words[1:4] == ['rulebase', 'security', 'rules']:
                self._move(words[4:])
            elif words[0] == 'delete' and words[1:4] == ['rulebase', 'security', 'rules']:
                self.rules.pop(words[4], None)
            elif words[0] == 'delete' and len(words) == 3 and words[1] in self._objects():
                self._objects()[words[1]].pop(words[2], None)
        for kind in (self.addresses, self.groups, self.services, self.rules):
            for name in kind:
                _check_length(self.errors, 'panos.name_length', name)
        # What a group names must be defined too: a rule naming the group then matches its members.
        for kind, groups, members in (('address', self.groups, (self.addresses, self.groups)),
                                      ('service', self.service_groups, (self.services, self.service_groups))):
            for name, names in groups.items():
                for member in names:
                    if not any(member in defined for defined in members):
                        self.errors.append('%s group %s: %s %s is not defined' % (kind, name, kind, member))
        for name, rule in self.rules.items():
            for address in rule.get('source', []) + rule.get('destination', []):
                if address != 'any' and address not in self.addresses and address not in self.groups:
                    self.errors.append('rule %s: address %s is not defined' % (name, address))
            for service in rule.get('service', []):
                if service not in ('any', 'application-default') and service not in self.services \
                        and service not in self.service_groups:
                    self.errors.append('rule %s: service %s is not defined' % (name, service))
            for application in rule.get('application', []):
                if application != 'any' and application not in self.applications:
                    self.errors.append('rule %s: application %s is not known to the model' % (name, application))

    def _objects(self):
        """The objects a whole `delete <kind> <name>` removes, by kind."""
        return {'address': self.addresses, 'address-group': self.groups, 'service': self.services,
                'service-group': self.service_groups, 'application': self.applications}

    def _set(self, words):
        if words[0] == 'address' and len(words) >= 4:
            if words[2] == 'ip-netmask':
                self.addresses[words[1]] = [_network(words[3])]
            elif words[2] == 'ip-range':
                first, last = words[3].split('-')
                self.addresses[words[1]] = list(ipaddress.summarize_address_range(_address(first), _address(last)))
        elif words[0] == 'address-group' and words[2] == 'static':
            self.groups[words[1]] = _values(words, 3)[0]
        elif words[0] == 'service' and words[2] == 'protocol':
            service = self.services.setdefault(words[1], {})
            service['protocol'] = words[3]
            rest = words[4:]
            for index in range(0, len(rest) - 1, 2):
                if rest[index] in ('port', 'source-port'):
                    service[rest[index]] = [_dash_range(p) for p in rest[index + 1].split(',')]
        elif words[0] == 'service-group' and words[2] == 'members':
            self.service_groups[words[1]] = _values(words, 3)[0]
        elif words[0] == 'application' and len(words) > 2:
            self._application(words[1], words[2:])
        elif words[:3] == ['rulebase', 'security', 'rules']:
            rule = self.rules.setdefault(words[3], {})
            index = 4
            while index < len(words):
                key = words[index]
                values, index = _values(words, index + 1)
                rule[key] = values if key not in ('action', 'disabled', 'description') else values[0]
        elif words[:3] == ['rulebase', 'default-security-rules', 'rules'] and 'action' in words:
            self.defaults[words[3]] = words[words.index('action') + 1]
        elif words[:3] == ['shared', 'alg-override', 'application'] and words[-2:] == ['alg-disabled', 'yes']:
            self.alg_disabled.add(words[3])

    def voip_inspection(self):
        """The SIP and H.323 ALGs, on unless `shared alg-override application NAME alg-disabled yes`."""
        return sorted({'sip', 'h323'} - self.alg_disabled)

    def _application(self, name, rest):
        for key, version in (('ident-by-icmp-type', 4), ('ident-by-icmp6-type', 6)):
            if key in rest and 'type' in rest[rest.index(key):]:
                at = rest.index('type', rest.index(key))
                self.applications[name] = [Match(protocol='icmp', family=version, icmp=[int(rest[at + 1])])]
                return
        self.applications.setdefault(name, [])

    def _move(self, words):
        name, where = words[0], words[1]
        if name not in self.rules:
            self.errors.append('move: no rule %s' % name)
            return
        anchor = None if where in ('top', 'bottom') else words[2]
        if anchor is not None and (anchor not in self.rules or anchor == name):
            self.errors.append('move: no rule %s' % anchor)
            return
        self.rules = _placed(self.rules, name, where, anchor)

    def _networks(self, name, seen=()):
        if name == 'any':
            return None
        if name in self.addresses:
            return self.addresses[name]
        networks = []
        for member in self.groups.get(name, []):
            if member not in seen:
                networks.extend(self._networks(member, seen + (name,)) or [])
        return networks

    def _service_matches(self, name, sent, seen=()):
        if name == 'any':
            return True
        if name in self.service_groups:
            return any(self._service_matches(m, sent, seen + (name,)) for m in self.service_groups[name]
                       if m not in seen)
        service = self.services.get(name)
        if not service or service['protocol'] != sent.protocol:
            return False
        return _port_in(service.get('port'), sent.destination_port) and \
            _port_in(service.get('source-port'), sent.source_port)

    def _rule_matches(self, rule, sent, ingress, egress):
        if rule.get('disabled') == 'yes':
            return False
        if not ({'any', ingress} & set(rule.get('from', []))) or not ({'any', egress} & set(rule.get('to', []))):
            return False
        if not any(_in(self._networks(a), sent.source) for a in rule.get('source', ['any'])):
            return False
        if not any(_in(self._networks(a), sent.destination) for a in rule.get('destination', ['any'])):
            return False
        applications = rule.get('application', ['any'])
        services = rule.get('service', ['any'])
        if 'any' not in applications:
            if not any(m.matches(sent) for a in applications for m in self.applications.get(a, [])):
                return False
            return 'application-default' in services or any(self._service_matches(s, sent) for s in services)
        if services == ['application-default']:
            return True
        return any(self._service_matches(s, sent) for s in services)

    def admit(self, sent, ingress, egress):
        for name, rule in self.rules.items():
            if self._rule_matches(rule, sent, ingress, egress):
                return Verdict(rule.get('action') == 'allow', '%s by rule %s' % (
                    'allowed' if rule.get('action') == 'allow' else 'denied (%s)' % rule.get('action'), name))
        default = 'intrazone-default' if ingress == egress else 'interzone-default'
        return Verdict(self.defaults[default] == 'allow', 'no rule matches: %s (%s)'
                       % (default, self.defaults[default]))


# ------------------------------------------------------------------------------------------------ FortiOS


class Fortios(Device):
    """FortiOS 6.4-7.4 CLI (config/edit/set/next/end).

    - Firewall policies are checked top down in the table's order (not by id); a new id is appended, an
      existing one keeps its place, `move A before|after B` reorders; what matches none is denied by the
      implicit deny policy 0 (Fortinet "Policies" / "Firewall policy" in the FortiOS Administration Guide -
      https://docs.fortinet.com/document/fortigate/7.4.0/administration-guide/656084/firewall-policy).
      A policy matches IPv4 through srcaddr/dstaddr and IPv6 through srcaddr6/dstaddr6 (6.4 and later);
      srcintf/dstintf name the interface, a zone it is a member of (config system zone), or any.
    - Stateful: a session's reply passes.
    - Custom services: tcp-portrange / udp-portrange entries dst[-dst][:src[-src]]; protocol ICMP or ICMP6 with
      icmptype (none: every type) (FortiOS CLI reference, config firewall service custom -
      https://docs.fortinet.com/document/fortigate/7.4.0/cli-reference/166620/config-firewall-service-custom).
    - Session helpers (config system session-helper) are kept by id with their name: `voip_helpers()`.
    """
    PLATFORM = 'fortios'
    DEFAULT_ZONES = {'customer': 'internal', 'mpls': 'mpls', 'internet': 'wan1'}
    PREDEFINED_SERVICES = {
        'ALL': [Match()], 'ALL_TCP': [Match(protocol='tcp')], 'ALL_UDP': [Match(protocol='udp')],
        'ALL_ICMP': [Match(protocol='icmp', family=4)], 'ALL_ICMP6': [Match(protocol='icmp', family=6)],
        'PING': [Match(protocol='icmp', family=4, icmp=[8])],
        'PING6': [Match(protocol='icmp', family=6, icmp=[128])],
        'HTTP': [Match(protocol='tcp', destination_ports=[(80, 80)])],
        'HTTPS': [Match(protocol='tcp', destination_ports=[(443, 443)])],
        'SSH': [Match(protocol='tcp', destination_ports=[(22, 22)])],
    }

    def read(self, text):
        self.tables = {}
        stack, entry = [], None
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            words = shlex.split(line, posix=True)
            if words[0] == 'config':
                stack.append(' '.join(words[1:]))
                self.tables.setdefault(stack[-1], collections.OrderedDict())
                entry = None
            elif words[0] == 'end':
                if stack:
                    stack.pop()
                entry = None
            elif not stack:
                continue
            elif words[0] == 'edit':
                entry = self.tables[stack[-1]].setdefault(words[1], {})
            elif words[0] == 'next':
                entry = None
            elif words[0] == 'set':
                target = entry if entry is not None else self.tables[stack[-1]].setdefault(None, {})
                target[words[1]] = words[2:]
            elif words[0] == 'unset' and entry is not None:
                entry.pop(words[1], None)
            elif words[0] == 'delete':
                if self.tables[stack[-1]].pop(words[1], None) is None:
                    self.errors.append('%s: delete %s: no such entry' % (stack[-1], words[1]))
            elif words[0] == 'move':
                self._move(stack[-1], words[1], words[2], words[3])
        for table, key in (('firewall address', 'fortios.object_name_length'),
                           ('firewall addrgrp', 'fortios.object_name_length'),
                           ('firewall service custom', 'fortios.object_name_length'),
                           ('firewall service group', 'fortios.object_name_length')):
            for name in self.tables.get(table, {}):
                if name:
                    _check_length(self.errors, key, name)
        for policy_id, policy in self.tables.get('firewall policy', {}).items():
            if policy_id is None:
                continue
            _check_length(self.errors, 'fortios.policy_name_length', ' '.join(policy.get('name', [])))
            for key in ('srcaddr', 'dstaddr', 'srcaddr6', 'dstaddr6'):
                for name in policy.get(key, []):
                    if self._address(name, key.endswith('6')) is False:
                        self.errors.append('policy %s: %s %s is not defined' % (policy_id, key, name))
            for name in policy.get('service', []):
                if name not in self.PREDEFINED_SERVICES and name not in self.tables.get('firewall service custom', {}) \
                        and name not in self.tables.get('firewall service group', {}):
                    self.errors.append('policy %s: service %s is not defined' % (policy_id, name))

    def _move(self, table, name, where, anchor):
        entries = self.tables[table]
        if name not in entries or anchor not in entries or anchor == name:
            self.errors.append('%s: move %s %s %s: no such entry' % (table, name, where, anchor))
            return
        self.tables[table] = _placed(entries, name, where, anchor)

    def _address(self, name, v6, seen=()):
        """Networks of an address or group, None for all, False when not defined."""
        if name == 'all':
            return None
        table, groups = ('firewall address6', 'firewall addrgrp6') if v6 else ('firewall address', 'firewall addrgrp')
        entry = self.tables.get(table, {}).get(name)
        if entry is not None:
            if 'ip6' in entry:
                return [_network(entry['ip6'][0])]
            if entry.get('type', ['ipmask'])[0] == 'iprange':
                return list(ipaddress.summarize_address_range(_address(entry['start-ip'][0]),
                                                              _address(entry['end-ip'][0])))
            subnet = entry.get('subnet', ['0.0.0.0', '0.0.0.0'])
            return [_network(subnet[0] if '/' in subnet[0] else '%s/%s' % tuple(subnet[:2]))]
        group = self.tables.get(groups, {}).get(name)
        if group is None:
            return False
        networks = []
        for member in group.get('member', []):
            if member not in seen:
                found = self._address(member, v6, seen + (name,))
                if found is None:
                    return None
                networks.extend(found or [])
        return networks

    def _addresses_hold(self, names, v6, address):
        for name in names:
            networks = self._address(name, v6)
            if networks is None or (networks and _in(networks, address)):
                return True
        return False

    def _service(self, name, seen=()):
        if name in self.PREDEFINED_SERVICES:
            return self.PREDEFINED_SERVICES[name]
        group = self.tables.get('firewall service group', {}).get(name)
        if group is not None:
            return [m for member in group.get('member', []) if member not in seen
                    for m in self._service(member, seen + (name,))]
        entry = self.tables.get('firewall service custom', {}).get(name, {})
        protocol = entry.get('protocol', ['TCP/UDP/SCTP'])[0]
        if protocol in ('ICMP', 'ICMP6'):
            icmp = [int(entry['icmptype'][0])] if entry.get('icmptype') else None
            return [Match(protocol='icmp', family=4 if protocol == 'ICMP' else 6, icmp=icmp)]
        if protocol == 'IP':
            return [Match()]
        matches = []
        for key, proto in (('tcp-portrange', 'tcp'), ('udp-portrange', 'udp')):
            for item in entry.get(key, []):
                destination, source = (item.split(':', 1) + [''])[:2]
                matches.append(Match(protocol=proto, destination_ports=[_dash_range(destination)],
                                     source_ports=[_dash_range(source)] if source else None))
        return matches

    def _policies(self):
        for table in ('firewall policy', 'firewall policy6'):
            for policy_id, policy in self.tables.get(table, {}).items():
                if policy_id is not None:
                    yield table, policy_id, policy

    def admit(self, sent, ingress, egress):
        v6 = family(sent.source) == 6
        for table, policy_id, policy in self._policies():
            if policy.get('status', ['enable'])[0] == 'disable':
                continue
            if not self._names(ingress) & set(policy.get('srcintf', [])) or \
                    not self._names(egress) & set(policy.get('dstintf', [])):
                continue
            keys = ('srcaddr', 'dstaddr') if table == 'firewall policy6' or not v6 else ('srcaddr6', 'dstaddr6')
            if table == 'firewall policy6' and not v6:
                continue
            if not self._addresses_hold(policy.get(keys[0], []), v6, sent.source) or \
                    not self._addresses_hold(policy.get(keys[1], []), v6, sent.destination):
                continue
            if not any(m.matches(sent) for s in policy.get('service', []) for m in self._service(s)):
                continue
            action = policy.get('action', ['deny'])[0]
            name = ' '.join(policy.get('name', [])) or policy_id
            return Verdict(action == 'accept', '%s by policy %s (%s)' % (
                'accepted' if action == 'accept' else 'denied', policy_id, name))
        return Verdict(False, 'no policy from %s to %s matches: implicit deny (policy 0)' % (ingress, egress))

    def _names(self, interface):
        """What a policy's srcintf or dstintf may name for an interface: itself, 'any', its zone."""
        zones = self.tables.get('system zone', {})
        return {interface, 'any'} | set(name for name, zone in zones.items()
                                        if name is not None and interface in zone.get('interface', []))

    def voip_inspection(self):
        """The sip, h323 and ras session helpers left, and the SIP proxy where default-voip-alg-mode is not
        kernel-helper-based."""
        helpers, mode = self.voip_helpers()
        return sorted(set(helpers.values()) | ({'sip proxy'} if mode != 'kernel-helper-based' else set()))

    def voip_helpers(self):
        """The session helpers left for VoIP (sip, h323, ras), by id, and the VoIP ALG mode."""
        helpers = dict((i, e.get('name', [''])[0]) for i, e in self.tables.get('system session-helper', {}).items()
                       if i is not None and e.get('name', [''])[0] in ('sip', 'h323', 'ras'))
        mode = self.tables.get('system settings', {}).get(None, {}).get('default-voip-alg-mode', ['proxy-based'])[0]
        return helpers, mode


# ------------------------------------------------------------------------------------------------ RouterOS


def _routeros_words(line):
    """A RouterOS command line in words, [find ...] kept whole, quotes and escapes read."""
    words, current, depth, quoted, escaped = [], '', 0, False, False
    for char in line:
        if escaped:
            current += char
            escaped = False
        elif char == '\\' and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == '[' and not quoted:
            depth += 1
            current += char
        elif char == ']' and not quoted:
            depth -= 1
            current += char
        elif char == ' ' and not quoted and depth == 0:
            if current:
                words.append(current)
            current = ''
        else:
            current += char
    if current:
        words.append(current)
    return words


class Routeros(Device):
    """RouterOS 7 firewall, as an exported script or as commands typed in.

    - /ip firewall filter and /ipv6 firewall filter: routed traffic runs through chain forward, rules in list
      order, first terminal action (accept, drop, reject) decides, jump/return into and out of custom chains;
      a packet no rule decides is ACCEPTED (MikroTik
      RouterOS "Filter" - https://help.mikrotik.com/docs/display/ROS/Filter: "If a packet has not matched any
      rule within the built-in chain, then it is accepted"). A customer's strict chain therefore ends in a drop.
    - `add ... place-before=N` inserts before item N (as print numbers them, all chains together) or before the
      item a [find ...] names; `remove [find where FIELD~"regex"]` removes; `move A B` moves A before B.
    - Connection tracking is stateful, but a reply passes only through a rule that accepts it, typically
      `action=accept connection-state=established,related` placed before any drop (MikroTik "Building Your First
      Firewall" - https://help.mikrotik.com/docs/display/ROS/Building+Your+First+Firewall). A reply has
      connection-state=established; a first packet new.
    - icmp-options=TYPE[:CODE]; address lists by name (/ip and /ipv6 lists are separate); interface lists from
      /interface list member (in-interface-list, out-interface-list, with !).
    """
    PLATFORM = 'routeros'
    DEFAULT_ZONES = {'customer': 'bridge', 'mpls': 'ether2', 'internet': 'ether1'}
    TERMINAL = ('accept', 'drop', 'reject')
    MENU_WORDS = ('firewall', 'filter', 'address-list', 'service-port', 'list', 'member')

    def read(self, text):
        self.lists = {4: {}, 6: {}}
        self.filters = {4: [], 6: []}
        self.service_ports = {}
        self.interface_lists = {}  # list name -> interfaces (/interface list member)
        menu = None
        joined = re.sub(r'\\\n\s*', '', text)
        for raw in joined.splitlines():
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('/'):
                parts = line.split(' ')
                path = [parts[0].strip('/')]
                while len(path) < len(parts) and parts[len(path)] in self.MENU_WORDS:
                    path.append(parts[len(path)])
                menu = ' '.join(path)
                line = ' '.join(parts[len(path):])
                if not line:
                    continue
            self._command(menu, _routeros_words(line))

    def _menu(self, menu):
        version = 6 if menu and menu.startswith('ipv6') else 4
        if menu and menu.endswith('filter'):
            return version, self.filters[version]
        if menu and menu.endswith('address-list'):
            return version, 'lists'
        return version, None

    def _find(self, items, expression):
        """Indexes of items a [find ...] expression selects (where FIELD~"regex", FIELD="value", or all)."""
        body = expression.strip('[]').split(None, 1)
        condition = body[1] if len(body) > 1 else ''
        condition = re.sub(r'^where\s+', '', condition)
        match = re.match(r'^(\S+?)\s*(~|=)\s*"?(.*?)"?$', condition)
        chosen = []
        for index, item in enumerate(items):
            if not match:
                chosen.append(index)
                continue
            field, op, value = match.groups()
            have = item.get(field, '')
            if (op == '~' and re.search(value, have)) or (op == '=' and have == value):
                chosen.append(index)
        return chosen

    def _command(self, menu, words):
        if not words:
            return
        version, target = self._menu(menu)
        verb, arguments = words[0], dict(w.split('=', 1) for w in words[1:] if '=' in w)
        if menu == 'interface list member' and verb == 'add':
            self.interface_lists.setdefault(arguments['list'], set()).add(arguments['interface'])
            return
        if menu and menu.endswith('service-port') and verb == 'set':
            self.service_ports[words[1]] = arguments.get('disabled') != 'yes'
            return
        if target == 'lists':
            lists = self.lists[version]
            if verb == 'add':
                lists.setdefault(arguments['list'], []).append(arguments)
            elif verb == 'remove':
                for name in list(lists):
                    entries = lists[name]
                    dropped = set(self._find(entries, words[1]))
                    lists[name] = [e for i, e in enumerate(entries) if i not in dropped]
            return
        if target is None:
            return
        if verb == 'add':
            rule = dict(arguments)
            before = rule.pop('place-before', None)
            if before is None:
                target.append(rule)
            else:
                at = int(before) if before.isdigit() else (self._find(target, before) or [len(target)])[0]
                target.insert(min(at, len(target)), rule)
        elif verb == 'remove':
            dropped = set(self._find(target, words[1])) if words[1].startswith('[') else {int(words[1])}
            target[:] = [r for i, r in enumerate(target) if i not in dropped]
        elif verb == 'move':
            moving = self._find(target, words[1]) if words[1].startswith('[') else [int(words[1])]
            anchor_words = words[2] if len(words) > 2 and (words[2].startswith('[') or words[2].isdigit()) \
                else arguments.get('destination')
            rules = [target[i] for i in moving]
            anchor = None
            if anchor_words is not None:
                anchor_index = self._find(target, anchor_words)[0] if anchor_words.startswith('[') else int(anchor_words)
                anchor = target[anchor_index] if anchor_index < len(target) else None
            remaining = [r for i, r in enumerate(target) if i not in set(moving)]
            at = remaining.index(anchor) if anchor is not None and anchor in remaining else len(remaining)
            target[:] = remaining[:at] + rules + remaining[at:]

    def voip_inspection(self):
        """The sip and h323 service ports (helpers), on unless `set NAME disabled=yes`."""
        return sorted(name for name in ('sip', 'h323') if self.service_ports.get(name, True))

    def _address_matches(self, rule, key, list_key, version, address):
        if key in rule:
            negate, value = rule[key].startswith('!'), rule[key].lstrip('!')
            inside = _in([_network(value)], address)
            if inside == negate:
                return False
        if list_key in rule:
            negate, name = rule[list_key].startswith('!'), rule[list_key].lstrip('!')
            networks = [_network(e['address']) for e in self.lists[version].get(name, [])
                        if e.get('disabled') != 'yes']
            if _in(networks, address) == negate:
                return False
        return True

    def _rule_matches(self, rule, sent, state, ingress, egress):
        version = family(sent.source)
        if rule.get('disabled') == 'yes':
            return False
        if 'connection-state' in rule:
            negate, states = rule['connection-state'].startswith('!'), rule['connection-state'].lstrip('!').split(',')
            if (state in states) == negate:
                return False
        if 'connection-nat-state' in rule and not rule['connection-nat-state'].startswith('!'):
            return False  # no NAT in the model: a packet is never dstnat/srcnat
        for key, interface in (('in-interface', ingress), ('out-interface', egress)):
            if key in rule and (rule[key].lstrip('!') == interface) == rule[key].startswith('!'):
                return False
        for key, interface in (('in-interface-list', ingress), ('out-interface-list', egress)):
            if key in rule:
                members = self.interface_lists.get(rule[key].lstrip('!'), set())
                if (interface in members or 'all' == rule[key].lstrip('!')) == rule[key].startswith('!'):
                    return False
        protocol = rule.get('protocol')
        if protocol:
            wanted = {'icmp': 'icmp', 'icmpv6': 'icmp', 'tcp': 'tcp', 'udp': 'udp'}.get(protocol, protocol)
            if wanted != sent.protocol or (protocol == 'icmp' and version != 4) or \
                    (protocol == 'icmpv6' and version != 6):
                return False
        if not self._address_matches(rule, 'src-address', 'src-address-list', version, sent.source):
            return False
        if not self._address_matches(rule, 'dst-address', 'dst-address-list', version, sent.destination):
            return False
        for key, port in (('src-port', sent.source_port), ('dst-port', sent.destination_port)):
            if key in rule:
                if sent.protocol not in ('tcp', 'udp'):
                    return False
                if not _port_in([_dash_range(p) for p in rule[key].split(',')], port):
                    return False
        if 'icmp-options' in rule:
            if sent.protocol != 'icmp':
                return False
            wanted_type = rule['icmp-options'].split(':')[0]
            if '-' in wanted_type:
                low, high = wanted_type.split('-')
                if not int(low) <= sent.icmp_type <= int(high):
                    return False
            elif int(wanted_type) != sent.icmp_type:
                return False
        return True

    def _run(self, sent, state, ingress, egress, chain='forward', depth=0):
        """The verdict of chain for the packet; None where a custom chain returns without deciding."""
        rules = self.filters[family(sent.source)]
        for index, rule in enumerate(rules):
            action = rule.get('action', 'accept')
            if rule.get('chain') != chain or action not in self.TERMINAL + ('jump', 'return'):
                continue
            if not self._rule_matches(rule, sent, state, ingress, egress):
                continue
            if action == 'return':
                return None
            if action == 'jump':
                verdict = self._run(sent, state, ingress, egress, rule.get('jump-target'), depth + 1) \
                    if depth < 16 else None
                if verdict is not None:
                    return verdict
                continue
            return Verdict(action == 'accept', '%s by %s rule %d (%s)' % (
                'accepted' if action == 'accept' else 'dropped (%s)' % action, chain, index,
                rule.get('comment', 'no comment')[:60]))
        return Verdict(True, 'no rule decides: the chain accepts') if chain == 'forward' else None

    def admit(self, sent, ingress, egress):
        return self._run(sent, 'new', ingress, egress)

    def admit_reply(self, sent, ingress, egress):
        verdict = self._run(reply_of(sent), 'established', egress, ingress)
        return Verdict(verdict.passed, 'reply (connection-state=established): %s' % verdict.reason)


MODELS = {'cisco_asa': Asa, 'cisco_ios': Ios, 'junos_srx': JunosSrx, 'panos': Panos, 'fortios': Fortios,
          'routeros': Routeros}


def enter_bindings(platform, text, zones=None):
    """A rendered file as a person enters it on the device: where it leaves an ATEA-* access list unbound and
    names the binding in a comment, the binding is entered as that comment gives it (ASA: access-group ... in
    interface X; IOS-XE: ip access-group / ipv6 traffic-filter on the side's interface); where it says to move
    its RouterOS rules above the chain's first drop, they are moved there. zones: the IOS-XE interfaces per side.
    """
    zones = dict(MODELS[platform].DEFAULT_ZONES, **(zones or {}))
    lines = [text]
    for line in text.splitlines():
        if not line.startswith('!'):
            continue
        if platform == 'cisco_asa':
            for acl, interface in re.findall(r'access-group (ATEA-\S+) in interface (\w+)', line):
                if not re.search(r'^access-group %s in interface %s$' % (acl, interface), text, re.M):
                    lines.append('access-group %s in interface %s' % (acl, interface))
        elif platform == 'cisco_ios':
            side = re.search(r'on the (\w+) side', line)
            for command, acl in re.findall(r'(ip access-group|ipv6 traffic-filter) (ATEA-\S+) in', line):
                if side and not re.search(r'^ %s %s in$' % (command, acl), text, re.M):
                    lines += ['interface %s' % zones[side.group(1)], ' %s %s in' % (command, acl)]
    if platform == 'routeros' and re.search(r'^#.*move them[^\n]*(\n#)?[^\n]*above', text, re.M):
        lines += ['/%s firewall filter move [find where comment~"^ATEA:"] [find where action=drop]' % menu
                  for menu in ('ip', 'ipv6')]
    return '\n'.join(lines)


def load(platform, text, zones=None, base=None):
    """The device after base (its configuration before, default BASES[platform]) and then text were entered."""
    model = MODELS[platform]
    return model((BASES[platform] if base is None else base) + '\n' + text, zones)


# --------------------------------------------------------------------------------------------------------------
# The device before the paste: a customer's firewall that passes nothing it is not told to (so the walk shows
# that the rendered configuration, not a permissive default, carries each flow). Zone/interface names are the
# models' DEFAULT_ZONES (the renderers' defaults; IOS and RouterOS name interfaces, which the renderers leave out).

BASES = {
    # Interfaces by nameif and level; the factory inspection policy (no inspect icmp) applied globally.
    'cisco_asa': '\n'.join([
        'interface GigabitEthernet0/0', ' nameif outside', ' security-level 0',
        'interface GigabitEthernet0/1', ' nameif inside', ' security-level 100',
        'interface GigabitEthernet0/2', ' nameif mpls', ' security-level 50',
        'policy-map global_policy', ' class inspection_default', '  inspect dns preset_dns_map', '  inspect ftp',
        '  inspect h323 h225', '  inspect h323 ras', '  inspect rsh', '  inspect rtsp', '  inspect esmtp',
        '  inspect sqlnet', '  inspect skinny', '  inspect sunrpc', '  inspect xdmcp', '  inspect sip',
        '  inspect netbios', '  inspect tftp', '  inspect ip-options',
        'service-policy global_policy global']),
    'cisco_ios': '\n'.join(['interface GigabitEthernet1', ' ip address 10.255.0.1 255.255.255.0',
                            'interface GigabitEthernet2', ' ip address 10.255.1.1 255.255.255.0',
                            'interface GigabitEthernet3', ' ip address 10.255.2.1 255.255.255.0']),
    'junos_srx': '\n'.join(['set security zones security-zone trust interfaces ge-0/0/1.0',
                            'set security zones security-zone mpls interfaces ge-0/0/2.0',
                            'set security zones security-zone untrust interfaces ge-0/0/0.0',
                            'set security forwarding-options family inet6 mode flow-based']),
    'panos': 'set rulebase default-security-rules rules intrazone-default action deny',
    'fortios': '\n'.join(['config system session-helper'] + [
        '    edit %d\n        set name %s\n        set protocol %d\n        set port %d\n    next' % helper
        for helper in ((1, 'pptp', 6, 1723), (2, 'h323', 6, 1720), (3, 'ras', 17, 1719), (4, 'tns', 6, 1521),
                       (5, 'tftp', 17, 69), (6, 'rtsp', 6, 554), (9, 'ftp', 6, 21), (13, 'sip', 17, 5060),
                       (14, 'dns-udp', 17, 53))] + ['end']),
    'routeros': '\n'.join(['/ip firewall filter',
                           'add chain=forward action=drop comment="customer: drop everything else"',
                           '/ipv6 firewall filter',
                           'add chain=forward action=drop comment="customer: drop everything else"']),
}


# --------------------------------------------------------------------------------------------------------------
# The walk

DOCUMENT_NETWORKS = {'91.184.140.0/24': 'mpls', '88.151.163.0/24': 'internet'}
# Addresses for the walk's 'outside every network' packets: the first in none of the walk's networks is used
# (documentation ranges, then the benchmarking range 198.18.0.0/15; the model sends no packet).
OUTSIDE_CANDIDATES = {4: ('198.51.100.77', '192.0.2.77', '203.0.113.77', '198.18.0.77'),
                      6: ('2001:db8:ffff::77', '2001:db8:fffe::77')}
OTHER_ICMP = {4: (5, 13), 6: (1, 137)}                     # redirect, timestamp; unreachable, redirect

Flow = collections.namedtuple('Flow', 'label source_role destination_role protocol version ports source_ports')
Walk = collections.namedtuple('Walk', 'flows replies closed reply_shaped passed_before failures')


def document_flows(profile, networks, sections=None):
    """The document's flows for a profile (or the given document sections), per address family the ends share:
    Flow tuples."""
    sections = requirements_document.PROFILE_SECTIONS[profile] if sections is None else sections
    flows = []
    for section in requirements_document.load():
        if section.number not in sections:
            continue
        atea = DOCUMENT_NETWORKS.get(section.network, 'customer')
        ends = {'outbound': ('customer', atea), 'inbound': (atea, 'customer'),
                'internal': ('customer', 'customer')}[section.direction]
        for row in section.rows:
            for protocol in row.protocols:
                for version in (4, 6):
                    if all(any(_network(n).version == version for n in networks[end]) for end in ends):
                        flows.append(Flow('%s %s' % (section.number, row.purpose[:40]), ends[0], ends[1],
                                          protocol, version, row.ports, row.source_ports))
    return flows


def outside(networks, version):
    """An address of the family in none of the walk's networks."""
    inside = [_network(n) for names in networks.values() for n in names]
    for candidate in OUTSIDE_CANDIDATES[version]:
        if not _in(inside, candidate):
            return candidate
    raise ValueError('every candidate outside address is inside the networks %s' % networks)


def _hosts(networks, version, rng):
    hosts = []
    for text in networks:
        network = _network(text)
        if network.version == version:
            span = min(network.num_addresses - 2, 65000)
            hosts.append(str(network.network_address + 1 + rng.randrange(span)))
    return hosts


def _allowed(flows, sent, source_role, destination_role, networks):
    """Whether the document asks for this packet as a new connection between these ends."""
    version = family(sent.source)
    for flow in flows:
        if (flow.source_role, flow.destination_role, flow.protocol, flow.version) != \
                (source_role, destination_role, sent.protocol, version):
            continue
        if not _in([_network(n) for n in networks[source_role]], sent.source) or \
                not _in([_network(n) for n in networks[destination_role]], sent.destination):
            continue
        if sent.protocol == 'icmp':
            if sent.icmp_type == ECHO[version]:
                return True
            continue
        if _port_in(flow.ports, sent.destination_port) and _port_in(flow.source_ports or None, sent.source_port):
            return True
    return False


def _reply_shaped(flows, sent, source_role, destination_role, networks):
    """Whether a packet looks exactly like the reply of a document flow (UDP from the flow's service port back to
    its source ports, an echo reply): a stateless filter that passes replies cannot tell it from one."""
    version = family(sent.source)
    for flow in flows:
        if (flow.destination_role, flow.source_role, flow.protocol, flow.version) != \
                (source_role, destination_role, sent.protocol, version):
            continue
        if not _in([_network(n) for n in networks[flow.destination_role]], sent.source) or \
                not _in([_network(n) for n in networks[flow.source_role]], sent.destination):
            continue
        if sent.protocol == 'udp' and _port_in(flow.ports, sent.source_port) and \
                _port_in(flow.source_ports or None, sent.destination_port):
            return True
        if sent.protocol == 'icmp' and sent.icmp_type == ECHO_REPLY[version]:
            return True
    return False


def walk(device, profile, networks, seed=0, before=None, sections=None):
    """Every document flow of the profile (each port range at its ends and a seeded port inside, each source and
    destination network, source ports at the ends of the range the document asks for) from the right zone to the
    right one, its reply back, and a sample that must stay closed (the ports beside each range, the reverse
    direction, other ICMP types, source ports below 1024 where >=1024 is asked, addresses outside the networks).

    networks: {'customer': [...], 'mpls': [...], 'internet': [...]}. Returns Walk(flows, replies, closed,
    reply_shaped, failures); each failure names the flow, the packet and the device's reason. On a stateless
    device (IOS-XE) a closed-sample packet shaped like a flow's reply is not checked but counted (reply_shaped):
    the return entries the platform needs pass it by design. With before (the device as it was before the run),
    a sample packet that passed before is the customer's own traffic: it must still pass (passed_before counts
    them). sections: the document sections to walk instead of the profile's (what a run with components applied).
    """
    rng = random.Random(seed)
    flows = document_flows(profile, networks, sections)
    failures = []
    counts = collections.Counter()
    closed = []
    for flow in flows:
        sources = _hosts(networks[flow.source_role], flow.version, rng)
        destinations = _hosts(networks[flow.destination_role], flow.version, rng)
        packets = []
        for source in sources:
            for destination in destinations:
                if flow.protocol == 'icmp':
                    packets.append(packet('icmp', source, destination))
                    for icmp_type in OTHER_ICMP[flow.version]:
                        closed.append((flow, packet('icmp', source, destination, icmp_type=icmp_type),
                                       flow.source_role, flow.destination_role, 'ICMP type %d' % icmp_type))
                    closed.append((flow, packet('icmp', destination, source), flow.destination_role,
                                   flow.source_role, 'reverse direction'))
                    continue
                source_ports = [flow.source_ports[0][0], flow.source_ports[0][1]] if flow.source_ports else \
                    [rng.randrange(1024, 65536)]
                for low, high in flow.ports:
                    for port in sorted({low, high, rng.randrange(low, high + 1)}):
                        for source_port in source_ports:
                            packets.append(packet(flow.protocol, source, destination, port, source_port))
                    for port in (low - 1, high + 1):
                        if 0 < port < 65536:
                            closed.append((flow, packet(flow.protocol, source, destination, port, source_ports[0]),
                                           flow.source_role, flow.destination_role, 'port %d' % port))
                    if flow.source_ports:
                        for source_port in (flow.source_ports[0][0] - 1, 80):
                            closed.append((flow, packet(flow.protocol, source, destination, low, source_port),
                                           flow.source_role, flow.destination_role, 'source port %d' % source_port))
                    closed.append((flow, packet(flow.protocol, destination, source, low, rng.randrange(1024, 65536)),
                                   flow.destination_role, flow.source_role, 'reverse direction'))
        for sent in packets[:1]:
            closed.append((flow, sent._replace(source=outside(networks, flow.version)), flow.source_role,
                           flow.destination_role, 'source outside %s' % flow.source_role))
            closed.append((flow, sent._replace(destination=outside(networks, flow.version)), flow.source_role,
                           flow.destination_role, 'destination outside %s' % flow.destination_role))
        for sent in packets:
            counts['flows'] += 1
            verdict = device.passes(sent, flow.source_role, flow.destination_role)
            where = '%s -> %s' % (device.zone(flow.source_role), device.zone(flow.destination_role))
            if not verdict:
                failures.append('%s: %s (%s) is dropped: %s' % (flow.label, describe(sent), where, verdict.reason))
                continue
            counts['replies'] += 1
            reply = device.reply_passes(sent, flow.source_role, flow.destination_role)
            if not reply:
                failures.append('%s: the reply of %s (%s) is dropped: %s'
                                % (flow.label, describe(sent), where, reply.reason))
    for flow, sent, source_role, destination_role, what in closed:
        if _allowed(flows, sent, source_role, destination_role, networks):
            continue
        if device.STATELESS and _reply_shaped(flows, sent, source_role, destination_role, networks):
            counts['reply_shaped'] += 1
            continue
        if before is not None and before.passes(sent, source_role, destination_role):
            # The customer's own traffic: a run must not make the device pass less than before.
            counts['passed_before'] += 1
            verdict = device.passes(sent, source_role, destination_role)
            if not verdict:
                failures.append('%s: %s passed before the run but is dropped now: %s'
                                % (flow.label, describe(sent), verdict.reason))
            continue
        counts['closed'] += 1
        verdict = device.passes(sent, source_role, destination_role)
        if verdict:
            failures.append('%s: %s must stay closed (%s) but passes %s -> %s: %s'
                            % (flow.label, describe(sent), what, device.zone(source_role),
                               device.zone(destination_role), verdict.reason))
    return Walk(counts['flows'], counts['replies'], counts['closed'], counts['reply_shaped'], counts['passed_before'],
                failures)


def summary(failures, limit=25):
    """Failures grouped by the device's reason (the text after the packet), most frequent first."""
    by_reason = collections.Counter(f.split(': ', 2)[-1] if ': ' in f else f for f in failures)
    lines = ['%d failures' % len(failures)]
    lines += ['%5d x %s' % (count, reason) for reason, count in by_reason.most_common(limit)]
    return '\n'.join(lines)
