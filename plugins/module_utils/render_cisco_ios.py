# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XE (16.x, 17.x): network object-groups, named extended ACLs per ingress side, NAT ALG off."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import (
    Renderer, blocks, netmask, object_name)

# show running-config prints access-list entries with their sequence numbers (IPv6: 'sequence N') and some
# ports by name; the names IOS uses for the ports it names, per protocol.
_SEQUENCE = re.compile(r'^(sequence )?\d+ (?=(permit|deny|remark) )')
_PORT_NAMES = {
    'tcp': {'bgp': 179, 'chargen': 19, 'cmd': 514, 'daytime': 13, 'discard': 9, 'domain': 53, 'echo': 7,
            'exec': 512, 'finger': 79, 'ftp': 21, 'ftp-data': 20, 'gopher': 70, 'hostname': 101, 'ident': 113,
            'irc': 194, 'klogin': 543, 'kshell': 544, 'login': 513, 'lpd': 515, 'msrpc': 135, 'nntp': 119,
            'pim-auto-rp': 496, 'pop2': 109, 'pop3': 110, 'smtp': 25, 'sunrpc': 111, 'tacacs': 49, 'talk': 517,
            'telnet': 23, 'time': 37, 'uucp': 540, 'whois': 43, 'www': 80},
    'udp': {'biff': 512, 'bootpc': 68, 'bootps': 67, 'discard': 9, 'dnsix': 195, 'domain': 53, 'echo': 7,
            'isakmp': 500, 'mobile-ip': 434, 'nameserver': 42, 'netbios-dgm': 138, 'netbios-ns': 137,
            'netbios-ss': 139, 'non500-isakmp': 4500, 'ntp': 123, 'pim-auto-rp': 496, 'rip': 520, 'snmp': 161,
            'snmptrap': 162, 'sunrpc': 111, 'syslog': 514, 'tacacs': 49, 'talk': 517, 'tftp': 69, 'time': 37,
            'who': 513, 'xdmcp': 177},
}
_ACCESS_LISTS = ('ip access-list extended ', 'ipv6 access-list ')
# An interface's binding of one of the collection's access lists.
_OWNED_BINDING = re.compile(r'(ip access-group|ipv6 traffic-filter) ATEA-\S+ in$')


def normalized_entry(line):
    """An access-list entry as the collection writes it: no sequence number, ports as numbers."""
    words = _SEQUENCE.sub('', line.strip(), count=1).split()
    names = _PORT_NAMES.get(words[1], {}) if len(words) > 1 and words[0] in ('permit', 'deny') else {}
    for index in range(2, len(words)):
        if words[index] in names and words[index - 1] != 'object-group':
            words[index] = str(names[words[index]])
    return ' '.join(words)


def normalized_member(line):
    """An object-group member as the collection writes it: a host as a full mask or /128, IPv6 in lower case."""
    words = line.strip().lower().split()
    if words[:1] == ['host'] and len(words) == 2:
        return '%s/128' % words[1] if ':' in words[1] else '%s 255.255.255.255' % words[1]
    return ' '.join(words)


def _port_match(port_range):
    low, high = port_range
    return 'eq %d' % low if low == high else 'range %d %d' % (low, high)


class IosRenderer(Renderer):
    PLATFORM = 'cisco_ios'
    SOFTWARE = 'Cisco IOS-XE 16.x and 17.x'
    # Interfaces (zones option) that the ACLs are bound to, inbound; without them the binding is left to you.
    ZONES_REQUIRED = False
    COMMENT_LIMIT = 100
    SOURCE_RANGES = 1
    RUNNING_FORMAT = 'block'
    OWNED = re.compile(r'(object-group (network|v6-network|service)|ip access-list extended|ipv6 access-list) ATEA-\S+$')

    def _bindings(self):
        """(network, interface or None, binding line) per access list: bound inbound on its side."""
        acls = {}
        for rule in self.rules:
            acls.setdefault(self.acl_name(rule), rule['source_network'])
        return [(network, self.zones.get(network),
                 ('ipv6 traffic-filter %s in' if acl.endswith('V6') else 'ip access-group %s in') % acl)
                for acl, network in acls.items()]

    def conflicts(self, running):
        """Refuse a binding to an interface the running configuration does not name as given, or whose
        inbound filter of that address family is someone else's access list."""
        interfaces = dict((header[len('interface '):], children) for header, children in blocks(running, '!')
                          if header.startswith('interface '))
        for network, interface, binding in self._bindings():
            if interface is None:
                continue
            if interface not in interfaces:
                raise inputs.InputError('zones.%s' % network, interface, 'the running configuration has no interface '
                                        'of that name; give it as show running-config prints it (for example '
                                        'GigabitEthernet2)')
            for child in interfaces[interface]:
                words = child.split()
                if words[:2] == binding.split()[:2] and words[-1] == 'in' and not words[2].startswith('ATEA-'):
                    raise inputs.InputError(
                        'zones.%s' % network, interface, 'interface %s already filters inbound with %s; binding the '
                        'collection\'s access list would replace it. Leave zones.%s unset and add the ATEA-* entries '
                        'to %s, or remove its binding first' % (interface, words[2], network, words[2]))

    def changes(self, running):
        """The lines to send for the device to hold the rendered configuration, and nothing else.

        Compares with the running configuration as IOS prints it (entries with sequence numbers, some
        ports by name, members as host or upper-case IPv6): bindings of ours no longer wanted are removed
        first, then stale access lists of ours; each object-group and access list of ours gets its stale
        lines removed and its missing lines added (header once); stale object-groups of ours go last.
        Interface bindings and global lines are only added where missing. The caller checks conflicts().
        """
        have = {}
        for header, children in blocks(running, '!'):
            read = normalized_member if header.startswith('object-group ') else normalized_entry
            have.setdefault(header, []).extend(read(child) for child in children)
        wanted = blocks(self.render(), '!')
        wanted_by_header = {}
        for header, children in wanted:
            wanted_by_header.setdefault(header, []).extend(children)
        stale = [header for header in have if self.OWNED.match(header) and header not in wanted_by_header]
        lines = ['! atea.anywhere: what %s lacks of the Atea Anywhere firewall requirements, and the removal of '
                 'what they no longer want.' % self.SOFTWARE]
        for header, children in have.items():
            unbound = [child for child in children if header.startswith('interface ') and _OWNED_BINDING.match(child)
                       and child not in wanted_by_header.get(header, [])]
            if unbound:
                lines += [header] + [' no ' + child for child in unbound]
        lines += ['no %s' % header for header in stale if header.startswith(_ACCESS_LISTS)]
        for header, children in wanted:
            if header not in have:
                lines += [header] + [' ' + child for child in children]
                continue
            removed = [' no ' + child for child in have[header] if child not in children] \
                if self.OWNED.match(header) else []
            added = [' ' + child for child in children if child not in have[header]]
            if removed or added:
                lines += [header] + removed + added
        lines += ['no %s' % header for header in stale if not header.startswith(_ACCESS_LISTS)]
        return lines

    def acl_name(self, rule):
        return object_name('ANYWHERE', rule['source_network'], 'IN', 'V6' if rule['family'] == 'ipv6' else 'V4')

    def _entries(self, rule):
        """One ACE per destination port range: IOS extended ACLs match one port or range per entry."""
        source = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])
        destination = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])
        if rule['protocol'] == 'icmp':
            return [' permit icmp %s %s %s' % (source, destination,
                                               'echo' if rule['family'] == 'ipv4' else 'echo-request')]
        source += ''.join(' %s' % _port_match(r) for r in rule['source_ports'])
        return [' permit %s %s %s %s' % (rule['protocol'], source, destination, _port_match(r))
                for r in rule['destination_ports']]

    def render(self):
        lines = ['! atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '! Object-groups and access lists named ATEA-* are the collection\'s own.']
        for group, cidrs in self.network_groups().items():
            lines.append('object-group %s %s' % ('v6-network' if ':' in cidrs[0] else 'network', group))
            # Inside an object-group the mask is a subnet mask, unlike in an ACE.
            lines.extend(' %s' % (cidr if ':' in cidr else '%s %s' % netmask(cidr)) for cidr in cidrs)
        acls = {}
        for rule in self.rules:
            acls.setdefault(self.acl_name(rule), []).append(rule)
        for acl, rules in acls.items():
            kind = 'ipv6 access-list' if acl.endswith('V6') else 'ip access-list extended'
            lines.append('%s %s' % (kind, acl))
            for rule in rules:
                lines.append(' remark %s' % self.comment(rule))
                lines.extend(self._entries(rule))
        for network, interface, binding in self._bindings():
            if interface:
                lines += ['interface %s' % interface, ' ' + binding]
            else:
                lines.append('! Bind it on the %s side (zones option): %s' % (network, binding))
        lines += ['no ip nat service sip tcp port 5060', 'no ip nat service sip udp port 5060',
                  'no ip nat service h225', 'no ip nat service ras']
        return '\n'.join(lines) + '\n'
