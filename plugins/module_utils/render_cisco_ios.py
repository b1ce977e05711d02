# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS-XE (16.x, 17.x): network object-groups, extended ACLs per ingress side with the return
entries a stateless list needs, placed in the interface's own list where it has one; NAT ALG off."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, platform_limits
from ansible_collections.atea.anywhere.plugins.module_utils.platform_limits import Limit
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import (
    Renderer, blocks, keep_used_object_groups, netmask, object_name)

# show running-config prints access-list entries with their sequence numbers (IPv6: 'sequence N') and some
# ports by name; the names IOS uses for the ports it names, per protocol.
_SEQUENCE = re.compile(r'^(sequence )?\d+ (?=(permit|deny|remark) )')
_NUMBERED = re.compile(r'^(?:sequence )?(\d+) ((?:permit|deny|remark) .*)$')
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
# Every remark the collection writes starts with the marker; with the entries that name ATEA-* object-groups,
# it tells what is ours inside someone else's access list.
MARKER = 'ATEA:'
_BINDING = {'ipv4': ('ip access-group', 'ip access-list extended'),
            'ipv6': ('ipv6 traffic-filter', 'ipv6 access-list')}
_SEQUENCE_GUIDE = ('Cisco Catalyst 2960 Series Software Configuration Guide, IP Access List Entry Sequence Numbering '
                   '("The maximum sequence number is 2147483647") - '
                   'https://manualshive.com/en/manual/cisco/catalyst-2960-series/66776?page=1261')


def normalized_entry(line):
    """An access-list entry as the collection writes it: no sequence number, ports as numbers."""
    words = _SEQUENCE.sub('', line.strip(), count=1).split()
    names = _PORT_NAMES.get(words[1], {}) if len(words) > 1 and words[0] in ('permit', 'deny') else {}
    for index in range(2, len(words)):
        if words[index] in names and words[index - 1] != 'object-group':
            words[index] = str(names[words[index]])
    return ' '.join(words)


def numbered_entries(children):
    """(sequence number, entry as the collection writes it) per access-list line as IOS-XE prints it; a line
    without a number takes the one IOS-XE would give it, 10 after the line before."""
    entries = []
    for child in children:
        match = _NUMBERED.match(child.strip())
        number = int(match.group(1)) if match else (entries[-1][0] if entries else 0) + 10
        entries.append((number, normalized_entry(match.group(2) if match else child)))
    return sorted(entries)


def normalized_member(line):
    """An object-group member as the collection writes it: a host as a full mask or /128, IPv6 in lower case."""
    words = line.strip().lower().split()
    if words[:1] == ['host'] and len(words) == 2:
        return '%s/128' % words[1] if ':' in words[1] else '%s 255.255.255.255' % words[1]
    return ' '.join(words)


def is_ours(entry):
    """Whether an access-list line is the collection's: a remark with its marker, or an entry naming ATEA-* groups."""
    if entry.startswith('remark '):
        return entry.startswith('remark ' + MARKER)
    return ' object-group ATEA-' in ' ' + entry


def _grouped(entry):
    """Whether an access-list line is an entry that names an object-group (the limit counts those)."""
    return not entry.startswith('remark ') and ' object-group ' in ' ' + entry


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
    OWNED = re.compile(r'(object-group (network|v6-network|service)|ip access-list extended|ipv6 access-list) '
                       r'ATEA-\S+$')
    LIMITS = {
        'remark_length': Limit(100, 'characters in an access-list remark',
                               'Cisco IOS XE 16.7 Security Configuration Guide: Access Control Lists, Commented IP '
                               'Access List Entries ("Each remark is limited to 100 characters in length") - '
                               'https://cisco.com/c/en/us/td/docs/ios-xml/ios/sec_data_acl/configuration/xe-16-7/'
                               'sec-data-acl-xe-16-7-book/sec-acl-comm-ipacl.html'),
        'object_group_entries': Limit(2048, 'object-group-based entries in one access list',
                                      'Catalyst 4500 Series Switch Cisco IOS Software Configuration Guide, IOS XE '
                                      '3.9.xE, Configuring Object Group ACLs - '
                                      'https://www.easymanua.ls/cisco/catalyst-4500-series/manual/47209?p=1664'),
        'sequence_number': Limit(2147483647, 'as the highest access-list sequence number', _SEQUENCE_GUIDE),
    }

    def __init__(self, rules, zones=None):
        super(IosRenderer, self).__init__(rules, zones)
        for acl, (_network, _family, lines) in self.access_lists().items():
            platform_limits.check(self.PLATFORM, self.LIMITS, 'object_group_entries',
                                  len([line for line in lines if _grouped(line)]), 'rules', acl)

    def acl_name(self, network, family):
        return object_name('ANYWHERE', network, 'IN', 'V6' if family == 'ipv6' else 'V4')

    def remark(self, rule, reply=False):
        """'ATEA: 2.1 outbound-mpls-tcp-ipv4: 2.1 HTTP; ...', for a return entry 'ATEA: reply to 2.1 ...'."""
        lead = '%s %s' % (MARKER, 'reply to ' if reply else '')
        return 'remark ' + lead + self.comment(rule, self.LIMITS['remark_length'].value - len(lead))

    def _forward(self, rule):
        """One entry per destination port range: IOS extended ACLs match one port or range per entry."""
        source = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])
        destination = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])
        if rule['protocol'] == 'icmp':
            return ['permit icmp %s %s %s' % (source, destination,
                                              'echo' if rule['family'] == 'ipv4' else 'echo-request')]
        source += ''.join(' %s' % _port_match(r) for r in rule['source_ports'])
        return ['permit %s %s %s %s' % (rule['protocol'], source, destination, _port_match(r))
                for r in rule['destination_ports']]

    def _replies(self, rule):
        """What an interface ACL needs to let the replies in (it keeps no state): from the service port back to
        the client's ports, TCP only on established connections (ACK or RST set), and echo replies."""
        server = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])
        client = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])
        if rule['protocol'] == 'icmp':
            return ['permit icmp %s %s echo-reply' % (server, client)]
        client += ''.join(' %s' % _port_match(r) for r in rule['source_ports'])
        return ['permit %s %s %s %s%s' % (rule['protocol'], server, _port_match(r), client,
                                          ' established' if rule['protocol'] == 'tcp' else '')
                for r in rule['destination_ports']]

    def access_lists(self):
        """ACL name -> (network, family, lines): per network and family, the entries for what enters on that
        network's interface: the flows it starts, and the replies to the flows that go to it."""
        lists = {}
        for rule in self.rules:
            for network, reply in ((rule['source_network'], False), (rule['destination_network'], True)):
                acl = self.acl_name(network, rule['family'])
                lines = lists.setdefault(acl, (network, rule['family'], []))[2]
                lines.append(self.remark(rule, reply))
                lines.extend(self._replies(rule) if reply else self._forward(rule))
        return lists

    def _groups(self):
        lines = []
        for group, cidrs in self.network_groups().items():
            lines.append('object-group %s %s' % ('v6-network' if ':' in cidrs[0] else 'network', group))
            # Inside an object-group the mask is a subnet mask, unlike in an ACE.
            lines.extend(' %s' % (cidr if ':' in cidr else '%s %s' % netmask(cidr)) for cidr in cidrs)
        return lines

    def _interfaces(self, running):
        return dict((header[len('interface '):], children) for header, children in blocks(running, '!')
                    if header.startswith('interface '))

    def _targets(self, running):
        """ACL name -> the list its entries go into: the list the network's interface already filters inbound
        with (of that family), else ours. Raises where binding ours would make the interface pass less."""
        interfaces = self._interfaces(running)
        defined = set(header for header, _children in blocks(running, '!') if header.startswith(_ACCESS_LISTS))
        targets = {}
        for acl, (network, family, _lines) in self.access_lists().items():
            interface = self.zones.get(network)
            targets[acl] = acl
            if interface is None:
                continue
            if interface not in interfaces:
                raise inputs.InputError('zones.%s' % network, interface, 'the running configuration has no interface '
                                        'of that name; give it as show running-config prints it (for example '
                                        'GigabitEthernet2)')
            command, kind = _BINDING[family]
            bound = next((child.split()[-2] for child in interfaces[interface]
                          if child.startswith(command + ' ') and child.endswith(' in')), None)
            if bound is not None and bound.startswith('ATEA-'):
                continue
            if bound is None or '%s %s' % (kind, bound) not in defined:
                state = ('has no inbound %s access list (%s)' % (family.replace('ip', 'IP'), command)
                         if bound is None else 'filters inbound with %s, which the running configuration does not '
                         'hold as a named list (%s %s): undefined, it passes everything; or a standard or '
                         'numbered list, which the collection does not edit' % (bound, kind, bound))
                raise inputs.InputError(
                    'zones.%s' % network, interface, 'interface %s %s. Binding %s there would drop everything '
                    'else it passes today (an access list ends in an implicit deny). Bind a named list of your own '
                    'first (%s <name> in, ending as you want it to): the collection then puts its entries in that '
                    'list before its first deny. Or leave zones.%s unset' % (interface, state, acl, command, network))
            targets[acl] = bound
        bound_here = {}
        for acl, (network, family, _lines) in self.access_lists().items():
            interface = self.zones.get(network)
            if interface is not None and targets[acl] == acl:
                other = bound_here.setdefault((interface, family), network)
                if other != network:
                    raise inputs.InputError('zones.%s' % network, interface, 'zones.%s names the same interface; it '
                                            'takes one inbound list of a family, so both sides\' entries can go only '
                                            'into a list of its own there' % other)
        return targets

    def conflicts(self, running):
        """Refuse a zone interface the running configuration does not name as given, or one whose inbound filter
        of a family would become ours (it has none, or one that is not defined): that would cut its traffic."""
        self._targets(running)

    def removals(self, running, rendered):
        """As the base class; a rendered file cannot put entries into someone else's list (their places are
        the device's sequence numbers), so interfaces that have one are for apply mode."""
        for acl, target in self._targets(running).items():
            if target != acl:
                network = self.access_lists()[acl][0]
                raise inputs.InputError('zones.%s' % network, self.zones[network], 'that interface filters inbound '
                                        'with %s; a rendered file would replace it. Apply mode (changes_only) puts '
                                        'the entries into %s before its first deny; or leave zones.%s unset'
                                        % (target, target, network))
        return self._keep_used(super(IosRenderer, self).removals(running, rendered), running,
                               dict(blocks(rendered, '!')))

    def _keep_used(self, commands, running, wanted):
        """commands with each removal of an object-group of ours that a line of someone else's still names (it
        would name a group that is gone) replaced by a comment naming that line.

        Entries of ours in the lists of the zone interfaces are not someone else's: they go, or name wanted groups.
        """
        zone_lists = self._zone_lists(running)
        others, stale = [], {}
        for header, children in blocks(running, '!'):
            if not self.OWNED.match(header):
                others += [header] + [child for child in children
                                      if header not in zone_lists or not is_ours(normalized_entry(child))]
            elif header.startswith('object-group ') and header not in wanted:
                stale[header.split()[2]] = children
        return keep_used_object_groups(commands, others, stale)

    def changes(self, running):
        """The lines to send for the device to hold the rendered configuration, and nothing else.

        Compares with the running configuration as IOS prints it (entries with sequence numbers, some ports
        by name, members as host or upper-case IPv6). In order: bindings of ours no longer wanted; stale
        access lists of ours, and our lines in the lists of the zone interfaces that no longer take them;
        each object-group of ours, stale members out, missing ones in; each access list the entries go into
        (ours, or the interface's own, where ours go before its first deny, by sequence number), stale lines
        of ours out, missing ones in at their place; bindings and global lines where missing; stale
        object-groups of ours last, but those a line of someone else's still names.
        """
        running_blocks = blocks(running, '!')
        have = {}
        for header, children in running_blocks:
            have.setdefault(header, []).extend(children)
        targets = self._targets(running)
        lists = self.access_lists()
        lines = ['! atea.anywhere: what %s lacks of the Atea Anywhere firewall requirements, and the removal of '
                 'what they no longer want.' % self.SOFTWARE]
        bindings = self._wanted_bindings(targets)
        for header, children in running_blocks:
            unbound = [child for child in children if header.startswith('interface ') and _OWNED_BINDING.match(child)
                       and child not in bindings.get(header, [])]
            if unbound:
                lines += [header] + [' no ' + child for child in unbound]
        # Header of each list the entries go into -> its lines; one interface facing two networks takes both's.
        wanted_lists = {}
        for acl, target in targets.items():
            wanted_lists.setdefault('%s %s' % (_BINDING[lists[acl][1]][1], target), []).extend(lists[acl][2])
        zone_lists = self._zone_lists(running)
        for header, children in running_blocks:
            if not header.startswith(_ACCESS_LISTS) or header in wanted_lists:
                continue
            if self.OWNED.match(header):
                lines.append('no %s' % header)
            elif header in zone_lists:
                lines += _merge(header, numbered_entries(children), [])
        groups = blocks('\n'.join(self._groups()), '!')
        for header, children in groups:
            members = [normalized_member(child) for child in have.get(header, [])]
            removed = [' no ' + member for member in members if member not in children]
            added = [' ' + child for child in children if child not in members]
            if removed or added:
                lines += [header] + removed + added
        for header, wanted in wanted_lists.items():
            if header not in have:
                lines += [header] + [' ' + line for line in wanted]
            else:
                entries = numbered_entries(have[header])
                grouped = [entry for _sequence, entry in entries if not is_ours(entry) and _grouped(entry)]
                platform_limits.check(self.PLATFORM, self.LIMITS, 'object_group_entries', len(grouped) + len(
                    [line for line in wanted if _grouped(line)]), 'rules', header.split()[-1])
                lines += _merge(header, entries, wanted)
        for header, children in bindings.items():
            missing = [' ' + child for child in children if child not in have.get(header, [])]
            if missing:
                lines += [header] + missing
        lines += [line for line in self._globals() if line not in have]
        wanted_groups = dict(groups)
        lines += self._keep_used(['no %s' % header for header, _children in running_blocks
                                  if header.startswith('object-group ') and self.OWNED.match(header)
                                  and header not in wanted_groups], running, wanted_groups)
        return lines

    def _wanted_bindings(self, targets):
        """'interface X' -> the binding lines of ours it needs (where the entries go into a list of ours)."""
        bindings = {}
        for acl, (network, family, _lines) in self.access_lists().items():
            if self.zones.get(network) and targets[acl] == acl:
                bindings.setdefault('interface %s' % self.zones[network], []).append(
                    '%s %s in' % (_BINDING[family][0], acl))
        return bindings

    def _zone_lists(self, running):
        """Headers of the access lists the zone interfaces filter inbound with: the lists ours may be in."""
        headers = set()
        interfaces = self._interfaces(running)
        for interface in set(self.zones.values()):
            for child in interfaces.get(interface, []):
                for command, kind in _BINDING.values():
                    if child.startswith(command + ' ') and child.endswith(' in'):
                        headers.add('%s %s' % (kind, child.split()[-2]))
        return headers

    @staticmethod
    def _globals():
        return ['no ip nat service sip tcp port 5060', 'no ip nat service sip udp port 5060',
                'no ip nat service h225', 'no ip nat service ras']

    def render(self):
        lines = ['! atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '! Object-groups and access lists named ATEA-* are the collection\'s own; so are the remarks that '
                 'start with %s and the entries that name ATEA-* object-groups.' % MARKER,
                 '! Interface ACLs keep no state: each list also lets in the replies to the flows that go out '
                 'through its side.'] + self._groups()
        lists = self.access_lists()
        for acl, (_network, family, entries) in lists.items():
            lines.append('%s %s' % (_BINDING[family][1], acl))
            lines.extend(' ' + entry for entry in entries)
        for acl, (network, family, _entries) in lists.items():
            binding = '%s %s in' % (_BINDING[family][0], acl)
            if self.zones.get(network):
                lines += ['interface %s' % self.zones[network], ' ' + binding]
            else:
                lines.append('! Bind it on the %s side (zones option): %s; where that interface has an inbound '
                             'list, put these entries in it before its first deny instead (apply mode does)'
                             % (network, binding))
        return '\n'.join(lines + self._globals()) + '\n'


def _merge(header, have, wanted):
    """The lines that make a running access list (have: (sequence, entry) in order) hold wanted as ours.

    Ours (is_ours) go before the list's first deny of someone else's, and before the remarks right above
    it; in a list of ours, everything is ours and goes anywhere. Ours already there and in wanted order
    stay; the others go (no <sequence>); the missing ones are inserted at free sequence numbers between
    their neighbours. Where there is no room, the list is renumbered first (resequence) with steps wide
    enough.
    """
    owned = header.split()[-1].startswith('ATEA-')
    mine = (lambda entry: True) if owned else is_ours
    ipv6 = header.startswith('ipv6 ')
    number = 'sequence %d %s' if ipv6 else '%d %s'
    end = None
    for index, (sequence, entry) in enumerate(have):
        if not mine(entry) and entry.startswith('deny '):
            while index > 0 and have[index - 1][1].startswith('remark ') and not mine(have[index - 1][1]):
                index -= 1
            end = have[index][0]
            break
    kept, stale, position = {}, [], 0
    for sequence, entry in have:
        if not mine(entry):
            continue
        if entry in wanted[position:] and (end is None or sequence < end):
            position = wanted.index(entry, position) + 1
            kept[position - 1] = sequence
        else:
            stale.append(sequence)
    remaining = [sequence for sequence, _entry in have if sequence not in stale]
    removed = [' no ' + (number % (sequence, '')).strip() for sequence in stale]
    commands = [header] + removed if removed else []
    placed = _place(wanted, kept, remaining, end)
    if placed is None:
        # Renumber what stays so that every run of missing lines fits between its neighbours, 10 apart.
        step = 10 * (max(_runs(wanted, kept)) + 1)
        # Starting at the step leaves room before the first line too.
        renumbered = dict((old, step * (index + 1)) for index, old in enumerate(remaining))
        kept = dict((place, renumbered[sequence]) for place, sequence in kept.items())
        placed = _place(wanted, kept, sorted(renumbered.values()), renumbered.get(end, end))
        if placed is None:
            raise inputs.InputError('rules', header.split()[-1], 'the access list has no room for the entries '
                                    'even renumbered (%s)' % IosRenderer.LIMITS['sequence_number'].source)
        commands.append('%s resequence %s %d %d' % (header.rsplit(' ', 1)[0].replace(' extended', ''),
                                                    header.split()[-1], step, step))
    if placed:
        if not commands or not commands[-1].startswith(' '):
            commands.append(header)
        commands += [' ' + number % (sequence, wanted[place]) for place, sequence in sorted(placed.items())]
    return commands


def _runs(wanted, kept):
    """The lengths of the runs of wanted lines that are not kept."""
    runs, run = [0], 0
    for place in range(len(wanted)):
        run = 0 if place in kept else run + 1
        runs.append(run)
    return runs


def _place(wanted, kept, remaining, end):
    """Place (index in wanted) -> sequence number for each missing line, or None where a run does not fit."""
    placed = {}
    place = 0
    while place < len(wanted):
        if place in kept:
            place += 1
            continue
        first = place
        while place < len(wanted) and place not in kept:
            place += 1
        upper = kept.get(place, end)
        # Kept lines are among the remaining ones, so this is at or after the run's kept predecessor.
        lower = max([sequence for sequence in remaining if upper is None or sequence < upper] or [0])
        count = place - first
        if upper is None:
            upper = lower + 10 * (count + 1)
        if upper - lower - 1 < count or upper > IosRenderer.LIMITS['sequence_number'].value:
            return None
        step = (upper - lower) // (count + 1)
        placed.update((first + offset, lower + step * (offset + 1)) for offset in range(count))
    return placed
