# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco ASA (software 9.x): object-groups, entries in the access list each ingress interface uses, ICMP
inspection on, SIP and H.323 inspection off."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.platform_limits import Limit
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import COMMENT_PREFIX
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import (
    Renderer, block_removals, keep_used_object_groups, netmask, object_name)

_ICMP = {'ipv4': ('icmp', 'echo'), 'ipv6': ('icmp6', 'echo')}
# Our remarks start with the marker; our entries name only our object-groups, as _entry() writes them. Both
# are how the collection finds its own lines in an access list that is not its own.
_OUR_REMARK = 'remark %s ' % COMMENT_PREFIX
_OUR_ENTRY = re.compile(r'extended permit (tcp|udp|icmp|icmp6) object-group ATEA-NET-\S+ (range \d+ \d+ )?'
                        r'object-group ATEA-NET-\S+ (object-group ATEA-SVC-\S+|echo)$')
_ACCESS_LIST = re.compile(r'access-list (\S+) (.+)$')
# An interface's inbound list (per-user-override keeps it the interface's; control-plane lists filter to-the-box).
_ACCESS_GROUP = re.compile(r'access-group (\S+) in interface (\S+)( per-user-override)?$')

# Port names ASA prints in place of numbers in show running-config (port-object eq www), from the "TCP and UDP
# Ports" table of Cisco's "Addresses, Protocols, and Ports" (https://cisco.com/c/en/us/td/docs/security/asa/asa922/
# configuration/general/asa-922-general-config/ref-ports.html). Only the names that two tables written apart from
# Cisco's agree on (Aerleon's cisco.py and ciscoconfparse2's protocol_values.py), with ftp and ftp-data as IANA
# numbers them; a name not here is left as printed, so the worst case is an entry removed and added again.
_PORT_NAMES = {
    'tcp': {'echo': 7, 'discard': 9, 'daytime': 13, 'chargen': 19, 'ftp-data': 20, 'ftp': 21, 'ssh': 22,
            'telnet': 23, 'smtp': 25, 'whois': 43, 'tacacs': 49, 'domain': 53, 'gopher': 70, 'finger': 79,
            'www': 80, 'http': 80, 'hostname': 101, 'pop2': 109, 'pop3': 110, 'sunrpc': 111, 'ident': 113,
            'nntp': 119, 'netbios-ssn': 139, 'imap4': 143, 'bgp': 179, 'irc': 194, 'ldap': 389, 'https': 443,
            'pim-auto-rp': 496, 'exec': 512, 'login': 513, 'cmd': 514, 'lpd': 515, 'talk': 517, 'uucp': 540,
            'klogin': 543, 'kshell': 544, 'rtsp': 554, 'ldaps': 636, 'lotusnotes': 1352, 'citrix-ica': 1494,
            'sqlnet': 1521, 'h323': 1720, 'pptp': 1723, 'nfs': 2049, 'ctiqbe': 2748, 'sip': 5060, 'aol': 5190,
            'pcanywhere-data': 5631},
    'udp': {'echo': 7, 'discard': 9, 'time': 37, 'nameserver': 42, 'tacacs': 49, 'domain': 53, 'bootps': 67,
            'bootpc': 68, 'tftp': 69, 'www': 80, 'http': 80, 'sunrpc': 111, 'ntp': 123, 'netbios-ns': 137,
            'netbios-dgm': 138, 'snmp': 161, 'snmptrap': 162, 'xdmcp': 177, 'mobile-ip': 434, 'pim-auto-rp': 496,
            'isakmp': 500, 'biff': 512, 'who': 513, 'syslog': 514, 'talk': 517, 'rip': 520, 'nfs': 2049,
            'sip': 5060, 'pcanywhere-status': 5632},
}
_SERVICE_GROUP = re.compile(r'object-group service \S+ (tcp|udp)$')

_OBJECTS_GUIDE = ('Cisco ASA Series Firewall ASDM Configuration Guide 7.12, Objects for Access Control - '
                  'https://cisco.com/c/en/us/td/docs/security/asa/asa912/asdm712/firewall/asdm-712-firewall-config/'
                  'access-objects.html')


def is_ours(entry):
    """Whether an access-list entry (the text after 'access-list NAME ') is one the collection wrote."""
    return entry.startswith(_OUR_REMARK) or bool(_OUR_ENTRY.match(entry))


def _ours_in(acl):
    """How to tell the lines of ours in the access list acl: every line of an ATEA-* list is."""
    return (lambda entry: True) if acl.startswith('ATEA-') else is_ours


def _provenance(rule):
    return '%s %s' % ('/'.join(rule['sections']), rule['name'])


def _is_deny(entry):
    words = entry.split()
    return words[:2] in (['extended', 'deny'], ['standard', 'deny']) and 'inactive' not in words


def _first_deny(entries):
    return next((index for index, entry in enumerate(entries) if _is_deny(entry)), None)


def _insert_position(entries):
    """Where our entries go: before the first deny, and before the customer's remarks that lead to it.

    None where the list has no deny: its end (the implicit deny) is then the place.
    """
    position = _first_deny(entries)
    if position is None:
        return None
    while position and entries[position - 1].startswith('remark ') and not is_ours(entries[position - 1]):
        position -= 1
    return position


def merge_into(acl, entries, wanted, ours=is_ours):
    """The commands that put wanted, pairs of (remark, entry), into the access list acl that holds entries;
    ours tells the lines of ours among them.

    Returns (removals, insertions). Only our lines are named: ours that are no longer wanted, or that
    sit behind a deny, are removed; each wanted pair missing is inserted before the list's first deny with
    'line N' as ASA counts lines (from 1, remarks included, after the removals), or appended where the list has
    no deny. Nothing else of the list moves relative to the rest.
    """
    entries = list(entries)
    in_force = entries[:_first_deny(entries)]
    kept = set()
    for remark, entry in wanted:
        if entry in in_force:
            index = entries.index(entry)
            kept.add(index)
            if index and entries[index - 1] == remark:
                kept.add(index - 1)
    removals = ['no access-list %s %s' % (acl, entry) for index, entry in enumerate(entries)
                if ours(entry) and index not in kept]
    entries = [entry for index, entry in enumerate(entries) if index in kept or not ours(entry)]
    insertions = []

    def insert(position, text):
        if position is None:
            entries.append(text)
            insertions.append('access-list %s %s' % (acl, text))
        else:
            entries.insert(position, text)
            insertions.append('access-list %s line %d %s' % (acl, position + 1, text))

    for remark, entry in wanted:
        if entry in entries:
            index = entries.index(entry)
            if not index or entries[index - 1] != remark:
                insert(index, remark)
            continue
        position = _insert_position(entries)
        insert(position, remark)
        insert(None if position is None else position + 1, entry)
    return removals, insertions


def ports_as_numbers(running):
    """The running configuration with the port names in service object-groups written as numbers, as rendered."""
    lines, names = [], {}
    for line in running.splitlines():
        if not line.startswith(' '):
            match = _SERVICE_GROUP.match(line.strip())
            names = _PORT_NAMES[match.group(1)] if match else {}
        elif names and line.strip().startswith('port-object '):
            line = ' ' + ' '.join(str(names.get(word, word)) for word in line.split())
        lines.append(line)
    return '\n'.join(lines) + '\n'


def read_access_lists(running):
    """Access list name -> its entries in order (the text after 'access-list NAME '), as the configuration has them."""
    lists = {}
    for line in running.splitlines():
        match = _ACCESS_LIST.match(line.strip())
        if match:
            lists.setdefault(match.group(1), []).append(match.group(2).strip())
    return lists


def read_access_groups(running):
    """Interface -> the access list bound inbound to it (access-group NAME in interface IFACE)."""
    groups = {}
    for line in running.splitlines():
        match = _ACCESS_GROUP.match(line.strip())
        if match:
            groups[match.group(2)] = match.group(1)
    return groups


class AsaRenderer(Renderer):
    """With the running configuration (render_config calls conflicts() with it before render()), the
    entries go into the access list each interface already uses; without it, into ATEA-ANYWHERE-<INTERFACE>."""

    PLATFORM = 'cisco_asa'
    SOFTWARE = 'Cisco ASA software 9.x'
    DEFAULT_ZONES = {'customer': 'inside', 'mpls': 'mpls', 'internet': 'outside'}
    SOURCE_RANGES = 1
    RUNNING_FORMAT = 'block'
    # The object-groups of ours; access lists are compared line by line (_plans).
    OWNED = re.compile(r'object-group (network|service) ATEA-\S+( |$)')
    # Remarks are cut to fit (comment()); the longest object name, ATEA-SVC- and a rule name of 48, is 57.
    LIMITS = {
        'remark_length': Limit(100, 'characters in an access-list remark',
                               'Cisco ASA 5500 Series Configuration Guide using the CLI 8.2, Adding Remarks to Access '
                               'Lists ("The text can be up to 100 characters") - https://www.cisco.com/c/en/us/td/docs/'
                               'security/asa/asa82/configuration/guide/config/objectgroups.html'),
        'object_name_length': Limit(64, 'characters in an object-group name', _OBJECTS_GUIDE),
    }
    COMMENT_LIMIT = LIMITS['remark_length'].value

    def __init__(self, rules, zones=None, bind_access_groups=False):
        super(AsaRenderer, self).__init__(rules, zones)
        self.bind_access_groups = bind_access_groups
        self.running = None

    def _network_groups(self):
        lines = []
        for group, cidrs in self.network_groups().items():
            lines.append('object-group network %s' % group)
            for cidr in cidrs:
                lines.append(' network-object %s' % (cidr if ':' in cidr else '%s %s' % netmask(cidr)))
        return lines

    def _service_groups(self):
        lines = []
        for rule in self.rules:
            if rule['protocol'] == 'icmp':
                continue
            lines.append('object-group service %s %s' % (self.service_object(rule), rule['protocol']))
            for low, high in rule['destination_ports']:
                lines.append(' port-object %s' % ('eq %d' % low if low == high else 'range %d %d' % (low, high)))
        return lines

    def _entry(self, rule):
        source = 'object-group %s' % self.network_object(rule['source_network'], rule['family'])
        destination = 'object-group %s' % self.network_object(rule['destination_network'], rule['family'])
        if rule['protocol'] == 'icmp':
            protocol, icmp_type = _ICMP[rule['family']]
            return 'extended permit %s %s %s %s' % (protocol, source, destination, icmp_type)
        for low, high in rule['source_ports']:
            source += ' range %d %d' % (low, high)
        service = 'object-group %s' % self.service_object(rule)
        return 'extended permit %s %s %s %s' % (rule['protocol'], source, destination, service)

    def _remark(self, rule):
        return _OUR_REMARK + self.comment(rule, self.COMMENT_LIMIT - len(COMMENT_PREFIX) - 1)

    def _wanted(self):
        """Interface -> the (remark, entry) pairs of the rules entering by it (the source network's), in rule order."""
        wanted = {}
        for rule in self.rules:
            wanted.setdefault(self.zones[rule['source_network']], []).append((self._remark(rule), self._entry(rule)))
        return wanted

    def conflicts(self, running):
        """Read the running configuration: the lists the interfaces use. With bind_access_groups, refuse an
        interface that has none (binding one there would cut what it passes today)."""
        self.running = {'lists': read_access_lists(running), 'groups': read_access_groups(running)}
        self._refuse_unbound()

    def _refuse_unbound(self):
        if not self.bind_access_groups:
            return
        for interface in self._wanted():
            if self.running is None:
                raise inputs.InputError(
                    'bind_access_groups', True, 'needs the running configuration (running_config; the role\'s '
                    'atea_anywhere_running_config_dir) to know which access list interface %s uses' % interface)
            if interface not in self.running['groups']:
                raise inputs.InputError(
                    'bind_access_groups', True, 'interface %s has no access-group. Binding one would replace ASA\'s '
                    'security-level permit with the list\'s implicit deny and cut traffic the interface passes '
                    'today. Bind an access list of your own that keeps that traffic (for example ending in the '
                    'permits you want) and run again: the entries then go into it' % interface)

    def _lists(self):
        """Access list -> (interfaces, (remark, entry) pairs) for each list the rules go into.

        An interface's list is the one the running configuration binds to it (someone else's, or ours from an
        earlier release), else ATEA-ANYWHERE-<INTERFACE>. One list may filter several interfaces.
        """
        lists = {}
        for interface, wanted in self._wanted().items():
            acl = (self.running or {}).get('groups', {}).get(interface) or object_name('ANYWHERE', interface)
            interfaces, pairs = lists.setdefault(acl, ([], []))
            interfaces.append(interface)
            pairs.extend(pair for pair in wanted if pair not in pairs)
        return lists

    def _plans(self):
        """(ACL, interfaces, removals, insertions) for every list the rules go into, compared with the running
        configuration's (nothing there without it), and (ACL, [], removals, []) for the lists no interface of
        ours uses any more that hold lines of ours. Every line of an ATEA-* list is ours."""
        running = (self.running or {}).get('lists', {})
        targets = self._lists()
        plans = []
        for acl, entries in sorted(running.items()):
            stale = ['no access-list %s %s' % (acl, entry) for entry in entries if _ours_in(acl)(entry)]
            if acl not in targets and stale:
                plans.append((acl, [], stale, []))
        for acl, (interfaces, wanted) in targets.items():
            removals, insertions = merge_into(acl, running.get(acl, []), wanted, _ours_in(acl))
            plans.append((acl, interfaces, removals, insertions))
        return plans

    def _policy(self):
        lines = []
        icmp = [_provenance(rule) for rule in self.rules if rule['protocol'] == 'icmp']
        if icmp:
            lines.append('! %s: echo replies pass only where ASA tracks ICMP, which it does with ICMP inspection '
                         '(inspect icmp); TCP and UDP replies pass by the connection table.' % ', '.join(icmp))
        lines.append('! Requirement 1.1: SIP and H.323 inspection off.')
        lines += ['policy-map global_policy', ' class inspection_default']
        lines += ['  inspect icmp'] if icmp else []
        return lines + ['  no inspect sip', '  no inspect h323 h225', '  no inspect h323 ras']

    def _intra_interface(self):
        hairpin = [rule for rule in self.rules
                   if self.zones[rule['source_network']] == self.zones[rule['destination_network']]]
        if not hairpin:
            return []
        interfaces = sorted(set(self.zones[rule['source_network']] for rule in hairpin))
        return ['! %s: traffic enters and leaves interface %s; ASA sends traffic back out the interface it came in '
                'only with same-security-traffic permit intra-interface.'
                % (', '.join(_provenance(rule) for rule in hairpin), ', '.join(interfaces)),
                'same-security-traffic permit intra-interface']

    def render(self):
        self._refuse_unbound()
        lines = ['! atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '! Objects and access lists named ATEA-* are the collection\'s own; in other access lists, the '
                 'entries naming only ATEA-* object-groups and the remarks starting "%s".' % COMMENT_PREFIX]
        lines += self._network_groups() + self._service_groups()
        bindings = []
        for acl, interfaces, _removals, insertions in self._plans():
            if not acl.startswith('ATEA-'):
                lines.append('! Interface %s filters with access list %s: entries of ours go in before its first deny; '
                             'nothing else of it is changed.' % (', '.join(interfaces), acl))
            lines += insertions
            bindings += ['! Not bound: binding it (access-group %s in interface %s) would replace the list the '
                         'interface uses, or where it has none its security-level permit with the list\'s implicit '
                         'deny. Given the running configuration, the entries go into the list an interface uses; where '
                         'it has none, bind one of your own that keeps what it passes today and run again.'
                         % (acl, interface) for interface in interfaces
                         if interface not in (self.running or {}).get('groups', {})]
        lines += self._intra_interface() + self._policy() + bindings
        return '\n'.join(lines) + '\n'

    def removals(self, running, rendered):
        """Lines of ours in access lists first, then our object-groups (which those lines use).

        An object-group of ours that a line of someone else's still names stays (ASA would refuse to remove it),
        with the groups of ours it names, and a comment says which line keeps it.
        """
        lists = [command for _acl, _interfaces, removals, _insertions in self._plans() for command in removals]
        others, ours_by_group, header = [], {}, ''
        for line in running.splitlines():
            header = line.strip() if line[:1] not in (' ', '!') else header
            match = _ACCESS_LIST.match(line.strip())
            if self.OWNED.match(header):
                ours_by_group.setdefault(header.split()[2], []).append(line.strip())
            elif not (match and _ours_in(match.group(1))(match.group(2))):
                others.append(line.strip())
        groups = block_removals(ports_as_numbers(running), rendered, self.OWNED)
        stale = dict((command.split()[3], ours_by_group.get(command.split()[3], []))
                     for command in groups if command.startswith('no object-group '))
        return lists + keep_used_object_groups(groups, others, stale)
