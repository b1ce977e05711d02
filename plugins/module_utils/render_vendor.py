# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every network-firewall renderer shares: object names, zones, and the per-platform registry.

Each platform is one small module (render_<platform>.py) with a Renderer subclass; it names objects
with the collection's prefix (so the collection knows what is its own), groups services instead of
writing a line per port, and says where every rule comes from.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import (
    check_comment_texts, fit, provenance_text)

PREFIX = 'ATEA'
NETWORK_NAMES = ('customer', 'mpls', 'internet')


def object_name(*parts):
    """'ATEA-NET-CUSTOMER', 'ATEA-SVC-OUTBOUND-MPLS-TCP-IPV4': upper case, dashes."""
    return '-'.join((PREFIX,) + tuple(str(p).upper().replace('_', '-') for p in parts))


def netmask(cidr):
    network = ipaddress.ip_network(cidr)
    return str(network.network_address), str(network.netmask)


def port_spec(port_range, separator='-'):
    low, high = port_range
    return str(low) if low == high else '%d%s%d' % (low, separator, high)


def blocks(text, comment):
    """Top-level lines of a block-structured configuration, each with its indented children."""
    blocks = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(comment):
            continue
        if line[0] == ' ' and blocks:
            blocks[-1][1].append(line.strip())
        elif line[0] != ' ':
            blocks.append((line.strip(), []))
    return blocks


def block_removals(running, rendered, owned, comment='!', first=('access-list', 'ip access-list', 'ipv6 access-list')):
    """'no' commands for what a running block configuration (ASA, IOS) holds of ours that is not wanted.

    owned matches the header of a block that defines one of the collection's objects; nothing else is
    looked at. Whole blocks and lines no longer rendered go, and the children of kept blocks that are not
    rendered again; access lists first, as they use the object-groups.
    """
    wanted = dict(blocks(rendered, comment))
    lines = []
    for header, children in blocks(running, comment):
        if not owned.match(header):
            continue
        if header not in wanted:
            lines.append('no %s' % header)
            continue
        stale = [child for child in children if child not in wanted[header]]
        if stale:
            lines.append(header)
            lines.extend(' no %s' % child for child in stale)
    return _access_lists_first(lines, first)


def _access_lists_first(lines, first):
    """Keep each header with its children; move the groups about access lists to the front."""
    groups, current = [], None
    for line in lines:
        if line.startswith(' '):
            current.append(line)
        else:
            current = [line]
            groups.append(current)
    groups.sort(key=lambda group: not group[0].replace('no ', '', 1).startswith(first))
    return [line for group in groups for line in group]


def still_used(others, stale):
    """The stale objects of ours that lines of someone else's still name, and the objects of ours those name in
    turn: object name -> (the line of someone else's, the object of ours that names it or None where the line
    does). others: the lines that stay; stale: object name -> its lines, for the objects of ours to be removed.
    """
    used, pending = {}, [(line, line, None) for line in others]
    while pending:
        line, user, via = pending.pop(0)
        for word in line.split():
            name = word.strip('"[]')
            if name in stale and name not in used:
                used[name] = (user, via)
                pending.extend((own, user, name) for own in stale[name])
    return used


def kept_note(comment, what, name, used):
    """The comment that stands for the removal of what (an object of ours named name) that used holds."""
    user, via = used[name]
    return '%s Kept %s: this profile no longer wants it, but %s still uses it%s; a run removes it once nothing ' \
        'else does.' % (comment, what, user, '' if via is None else ' (through %s)' % via)


def keep_used_object_groups(commands, others, stale):
    """commands with each 'no object-group <kind> NAME ...' (ASA, IOS-XE) whose group a line of someone else's
    still names (directly or through other stale groups of ours: others, stale as still_used takes them)
    replaced by a comment naming that line."""
    used = still_used(others, stale)
    return [kept_note('!', command[len('no '):], command.split()[3], used)
            if command.startswith('no object-group ') and command.split()[3] in used else command
            for command in commands]


def set_removals(running, rendered, owned, comment='#'):
    """'delete' commands for what a running set configuration (Junos, PAN-OS) holds of ours that is not wanted.

    owned matches a set line that defines one of the collection's objects, its first group being the
    object's path (its last word the object's name); nothing else is looked at. An object no longer rendered
    is deleted whole, unless a line of someone else's still names it, directly or through other objects of ours
    kept so: then it stays, and a comment says which line uses it (the commit would fail on the reference). A
    kept object loses the lines not rendered again.
    """
    wanted = set(line.strip() for line in rendered.splitlines())
    wanted_paths = set(match.group(1) for match in map(owned.match, wanted) if match)
    lines = [line.strip() for line in running.splitlines() if line.strip() and not line.strip().startswith(comment)]
    stale = {}
    for match in filter(None, map(owned.match, lines)):
        if match.group(1) not in wanted_paths:
            stale.setdefault(match.group(1).split()[-1], []).append(match.string)
    # Statements only: a file rendered earlier and given as the running configuration also holds move or insert lines.
    used = still_used([line for line in lines if line.startswith('set ') and not owned.match(line)], stale)
    commands = []
    for line in lines:
        match = owned.match(line)
        if not match or line in wanted:
            continue
        path = match.group(1)
        if path in wanted_paths:
            command = 'delete %s' % line[4:]
        elif path.split()[-1] in used:
            command = kept_note(comment, path, path.split()[-1], used)
        else:
            command = 'delete %s' % path
        if command not in commands:
            commands.append(command)
    return commands


class Renderer(object):
    """Base of a platform renderer: holds the rules, the zones and the named networks they use.

    Subclasses set PLATFORM, DEFAULT_ZONES, COMMENT_LIMIT and implement render() -> text.
    """

    PLATFORM = None
    DEFAULT_ZONES = {}
    # How to read a running configuration for objects of ours to remove: 'block', 'set' or None, and the
    # pattern of a block header or set line that defines an object of ours (for 'set', its path in group 1).
    RUNNING_FORMAT = None
    OWNED = None
    # Whether every network the rules use needs a zone (or interface) name.
    ZONES_REQUIRED = True
    COMMENT_LIMIT = 100
    SOFTWARE = ''
    # How many source port ranges a rule may have here (one where a term or entry holds a single range).
    SOURCE_RANGES = None
    # The platform's limits this renderer keeps to (platform_limits.Limit by name, each with its vendor source).
    LIMITS = {}

    def __init__(self, rules, zones=None):
        self.rules = check_rules(rules)
        given = zones or {}
        if not isinstance(given, dict):
            raise inputs.InputError('zones', given, 'expected a mapping of network name to zone or interface',
                                    NETWORK_NAMES)
        for name in given:
            inputs.choose('zones', name, NETWORK_NAMES)
            # A zone is a word of a command line: one that could end the line or open a quote is refused.
            text_gate.platform_name(self.PLATFORM, 'zones.%s' % name, given[name])
        self.zones = dict(self.DEFAULT_ZONES, **given)
        check_comment_texts(self.PLATFORM, self.rules)
        for rule in self.rules:
            if self.SOURCE_RANGES and len(rule['source_ports']) > self.SOURCE_RANGES:
                raise inputs.InputError('rules', rule['name'], 'the %s renderer takes one source port range a rule, '
                                        'this rule has %d; give each range a flow of its own'
                                        % (self.PLATFORM, len(rule['source_ports'])))
        for name in self.networks_used() if self.ZONES_REQUIRED else given:
            zone = self.zones.get(name)
            if not isinstance(zone, str) or not zone:
                raise inputs.InputError('zones.%s' % name, zone, 'the %s renderer needs a zone or interface for '
                                        'the %s network' % (self.PLATFORM, name))

    def networks_used(self):
        """The network names the rules use; renderers name their objects and zones after them."""
        used = set()
        for rule in self.rules:
            for name in (rule['source_network'], rule['destination_network']):
                if name not in NETWORK_NAMES:
                    raise inputs.InputError('rules', name, 'network renderers need named networks', NETWORK_NAMES)
                used.add(name)
        return [name for name in NETWORK_NAMES if name in used]

    def network_groups(self, family=None):
        """Object name -> CIDRs for every named network and address family the rules use, in first use order."""
        groups = {}
        for rule in self.rules:
            if family not in (None, rule['family']):
                continue
            for name, cidrs in ((rule['source_network'], rule['sources']),
                                (rule['destination_network'], rule['destinations'])):
                members = groups.setdefault(self.network_object(name, rule['family']), [])
                members.extend(c for c in cidrs if c not in members)
        return groups

    def comment(self, rule, limit=None):
        """'2.1 outbound-mpls-tcp-ipv4: HTTP Access; ...' cut to the platform's limit."""
        limit = limit or self.COMMENT_LIMIT
        purposes = provenance_text(rule['provenance'], limit - len(rule['name']) - 8)
        return fit('%s %s: %s' % ('/'.join(rule['sections']), rule['name'], purposes), limit)

    @staticmethod
    def network_object(name, family=None):
        return object_name('NET', name) + ('-V6' if family == 'ipv6' else '')

    @staticmethod
    def service_object(rule):
        return object_name('SVC', rule['name'])

    @staticmethod
    def rule_object(rule):
        return object_name(rule['name'])

    def render(self):
        raise NotImplementedError

    def conflicts(self, running):
        """Raise InputError where the running configuration makes the rendered one unsafe to apply."""

    def placements(self, running):
        """Lines that end the configuration and move objects of ours to where the running configuration needs
        them (Junos: before a zone pair's first deny)."""
        return []

    def removals(self, running, rendered):
        """Commands removing the ATEA-* objects and lines of a running configuration that are no longer wanted."""
        if self.RUNNING_FORMAT == 'block':
            return block_removals(running, rendered, self.OWNED)
        if self.RUNNING_FORMAT == 'set':
            return set_removals(running, rendered, self.OWNED)
        return []
