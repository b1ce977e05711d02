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
_SEQUENCE = re.compile(r'(sequence )?\d+ (?=(permit|deny|remark) )')
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
# Blocks of ours in the order they must be written: object-groups before the access lists using them.
_ACCESS_LISTS = ('ip access-list extended ', 'ipv6 access-list ')


def normalized_entry(line):
    """An access-list entry as the collection writes it: no sequence number, ports as numbers."""
    words = _SEQUENCE.sub('', line.strip(), count=1).split()
    names = _PORT_NAMES.get(words[1], {}) if len(words) > 1 and words[0] in ('permit', 'deny') else {}
    for index in range(2, len(words)):
        if words[index] in names and words[index - 1] != 'object-group':
            words[index] = str(names[words[index]])
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
    RUNNING_FORMAT = 'block'
    OWNED = re.compile(r'(object-group (network|v6-network|service)|ip access-list extended|ipv6 access-list) ATEA-\S+$')

    def conflicts(self, running):
        """Refuse to bind an ACL where the interface already filters inbound with someone else's."""
        for header, children in blocks(running, '!'):
            if not header.startswith('interface '):
                continue
            interface = header.split(None, 1)[1]
            for network, zone in sorted(self.zones.items()):
                if zone != interface or network not in self.networks_used():
                    continue
                for child in children:
                    words = child.split()
                    if words[:2] in (['ip', 'access-group'], ['ipv6', 'traffic-filter']) and words[-1] == 'in' \
                            and not words[2].startswith('ATEA-'):
                        raise inputs.InputError(
                            'zones.%s' % network, zone, 'interface %s already filters inbound with %s; binding '
                            'the collection\'s access list would replace it. Leave zones.%s unset and add the '
                            'ATEA-* entries to %s, or remove its binding first' % (zone, words[2], network, words[2]))

    def changes(self, running):
        """The lines to send for the device to hold the rendered configuration, and nothing else.

        Compares with the running configuration as IOS prints it (entries with sequence numbers, some
        ports by name): stale access lists of ours go first, then each object-group and access list of
        ours gets its stale lines removed and its missing lines added (header once), then stale
        object-groups of ours go; interface bindings and global lines are only added where missing.
        """
        self.conflicts(running)
        have = {}
        for header, children in blocks(running, '!'):
            have.setdefault(header, []).extend(normalized_entry(child) for child in children)
        wanted = blocks(self.render(), '!')
        wanted_headers = set(block[0] for block in wanted)
        stale = [header for header in have if self.OWNED.match(header) and header not in wanted_headers]
        lines = ['no %s' % header for header in stale if header.startswith(_ACCESS_LISTS)]
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
        for acl, rules in acls.items():
            interface = self.zones.get(rules[0]['source_network'])
            command = 'ipv6 traffic-filter %s in' if acl.endswith('V6') else 'ip access-group %s in'
            if interface:
                lines += ['interface %s' % interface, ' ' + command % acl]
            else:
                side = rules[0]['source_network']
                lines.append('! Bind it on the %s side (zones option): %s' % (side, command % acl))
        lines += ['no ip nat service sip tcp port 5060', 'no ip nat service sip udp port 5060',
                  'no ip nat service h225', 'no ip nat service ras']
        return '\n'.join(lines) + '\n'
