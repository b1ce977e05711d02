# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The units of compliance (see compliance.py) of a network firewall, from its running configuration (read from the
device in apply mode, or saved).

The platform's renderer (vendor_platforms) writes the configuration the rules want; a unit is one statement of it
that names a rule's objects (ATEA-<RULE>, ATEA-SVC-<RULE>) or the rule itself (in a comment or remark): for
block configurations (Cisco ASA, IOS-XE) a block header with one of its lines (an IOS-XE entry by the remark of its
rule), FortiOS a field of an entry so named, RouterOS an entry by its fields, elsewhere the line. The wanted side is
what the device prints once it took the configuration rendered against its running one: the entries in the access
list an interface already uses (ASA, IOS-XE), without the operations (Junos insert, PAN-OS move, ASA 'line N'); the
running configuration is read in the renderer's own form (ASA and IOS-XE port names as numbers, IOS-XE sequence
numbers dropped). A statement is in place when the running configuration holds it so; an ASA entry or Junos policy
behind the first deny of its list or zone pair decides no packet. Without a running configuration every row is
unknown and the detail says where to save it.
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.atea.anywhere.plugins.module_utils import files, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.compliance import Unit, Unread
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_asa import merge_into, ports_as_numbers, read_access_lists
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_ios import normalized_member, numbered_entries
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import blocks, object_name

# Comment lines of block configurations (ASA, IOS-XE).
_BLOCK_COMMENT = '!'


def rule_names(renderer_class, rule):
    """The words that mark a statement as one of rule's: its object names and its own name."""
    return (renderer_class.rule_object(rule), renderer_class.service_object(rule), rule['name'])


def _mentions(text, names):
    return any(re.search(r'(?<![A-Za-z0-9-])%s(?![A-Za-z0-9-])' % re.escape(name), text) for name in names)


def _routeros_statements(text):
    """(menu, 'add' and its fields in name order) of each entry RouterOS adds, as a script or /export writes it (an
    export's continued lines joined)."""
    found, menu = [], ''
    for line in re.sub(r'\\\n\s*', '', text).splitlines():
        if line.startswith('/'):
            menu = ' '.join(line.split())
        elif line.startswith('add '):
            found.append((menu, ' '.join(['add'] + sorted(shlex.split(line)[1:]))))
    return found


def _fortios_statements(text):
    """(table, entry, 'field value') of each set line of a FortiOS configuration, as the CLI script or show writes it:
    an entry by its name (a policy by its name, not its id), values without quotes."""
    found, table, entry = [], '', None
    for line in text.splitlines():
        words = shlex.split(line) if line.strip() and not line.lstrip().startswith('#') else []
        if words[:1] == ['config']:
            table, entry = ' '.join(words[1:]), None
        elif words[:1] == ['edit']:
            entry = (words[1:2] or [''])[0], []
        elif words[:1] == ['set']:
            if entry is None:
                found.append((table, '', ' '.join(words[1:])))
            else:
                entry[1].append(words[1:])
        elif words[:1] == ['next'] and entry is not None:
            name = next((' '.join(rest) for field, *rest in entry[1] if field == 'name'), entry[0])
            found.extend((table, name, ' '.join(fields)) for fields in entry[1])
            entry = None
    return found


def statements(text, running_format):
    """The statements of a configuration: (header, line) of each block line and (header,) of each block header for
    block configurations; RouterOS and FortiOS as their readers above give them; (line,) of each line elsewhere
    (comment lines aside, spacing made single)."""
    if running_format == 'block':
        found = []
        for header, children in blocks(text, _BLOCK_COMMENT):
            found.append((' '.join(header.split()),))
            found.extend((' '.join(header.split()), ' '.join(child.split())) for child in children)
        return found
    if running_format == 'routeros':
        return _routeros_statements(text)
    if running_format == 'fortios':
        return _fortios_statements(text)
    return [(' '.join(line.split()),) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith(('#', '!'))]


# A port line of an ASA service object-group: 'port-object eq 443', 'port-object range 40000 49999'.
_PORT_OBJECT = re.compile(r'port-object (?:eq ([0-9]+)|range ([0-9]+) ([0-9]+))$')


# Destination ports of a RouterOS entry (dst-port=443,5061,40000-49999) and of a FortiOS service
# (tcp-portrange 443:1024-65535 40000-49999: destination[:source] ranges).
_ROUTEROS_PORTS = re.compile(r'dst-port=(\S+)')
_FORTIOS_PORTS = re.compile(r'((?:tcp|udp|sctp)-portrange) (.+)$')


def _range(text, separator='-'):
    low, _separator, high = text.partition(separator)
    return int(low), int(high or low)


# A Junos policy's statement, and the policy it belongs to: where the policy sits decides whether it decides packets.
_JUNOS_POLICY = re.compile(r'set security policies (from-zone \S+ to-zone \S+ policy \S+) ')


def _place(statement):
    """Where a statement's object sits, for the reasons it may decide no packet (network_reading): an ASA
    access-list entry itself, a Junos policy."""
    if len(statement) == 1 and statement[0].startswith('access-list '):
        return statement[0]
    match = _JUNOS_POLICY.match(statement[0]) if len(statement) == 1 else None
    return match.group(1) if match else None


def _unit(name, statement):
    """A statement's unit; one that lists destination ports (an ASA service group's port line, a RouterOS entry's
    dst-port, a FortiOS service's port ranges) is keyed without them, the ports as its ranges, so a row is judged by
    its own ports."""
    text = ' / '.join(part for part in statement if part)
    match = _PORT_OBJECT.match(statement[-1]) if len(statement) == 2 else None
    if match:
        low, high = (match.group(1), match.group(1)) if match.group(1) else match.group(2, 3)
        return Unit(name, (statement[0], 'port-object'), [(int(low), int(high))], text)
    match = _ROUTEROS_PORTS.search(statement[-1]) if len(statement) == 2 else None
    if match:
        key = statement[:-1] + (_ROUTEROS_PORTS.sub('dst-port=', statement[-1]),)
        return Unit(name, key, [_range(part) for part in match.group(1).split(',')], text)
    match = _FORTIOS_PORTS.match(statement[-1]) if len(statement) == 3 else None
    if match:
        pairs = [part.partition(':') for part in match.group(2).split()]
        key = statement[:-1] + ('%s :%s' % (match.group(1), ' '.join(sorted(set(source for _d, _c, source in pairs)))),)
        return Unit(name, key, [_range(destination) for destination, _c, _s in pairs], text)
    return Unit(name, statement, None, text, _place(statement))


def units(text, running_format, rules, renderer_class):
    """The units of each rule in a configuration's text: the statements that name it (a block whose header names
    it, with all its lines; a FortiOS entry so named, with all its fields; in an access list, the entries of ATEA-* objects after a remark that names it, up to
    the next remark: IOS-XE entries name only the network groups)."""
    found = []
    for rule in rules:
        names = rule_names(renderer_class, rule)
        remarked = None
        for statement in statements(text, running_format or renderer_class.PLATFORM):
            if len(statement) == 1:
                remarked = None
            elif len(statement) == 2 and statement[1].startswith('remark '):
                remarked = (statement[0], _mentions(statement[1], names))
            if any(_mentions(part, names) for part in statement) or (
                    remarked == (statement[0], True) and 'ATEA-' in statement[-1]):
                found.append(_unit(rule['name'], statement))
    return found


# Rendered lines the device carries out and never prints: Junos' insert, PAN-OS' move.
_OPERATION = re.compile(r'(insert|move) ')
# An ASA entry placed by number ('access-list X line 3 ...'); ASA prints it without the number.
_ASA_LINE = re.compile(r'(access-list \S+) line [0-9]+ ')
_IOS_LISTS = ('ip access-list extended ', 'ipv6 access-list ')


def _list_targets(platform, checked, zones, running, options):
    """Access list of ours -> the list its entries are in, given the running configuration: where an interface
    already filters inbound with a list of its own, the renderer puts the entries into that list (ASA, IOS-XE in
    apply mode), so that is where they are wanted. The renderer decides, as it does when rendering."""
    renderer = vendor_platforms.RENDERERS[platform](checked, zones, **options)
    if platform == 'cisco_asa':
        try:
            renderer.conflicts(running)
        except InputError:
            # bind_access_groups and an interface without a list: its entries stay in a list of ours.
            pass
        return dict((object_name('ANYWHERE', interface), acl) for acl, (interfaces, _pairs) in renderer._lists().items()
                    for interface in interfaces)
    if platform == 'cisco_ios':
        try:
            return renderer._targets(running)
        except InputError:
            # An interface that cannot take the entries: they are wanted in the lists of ours, as rendered.
            return {}
    return {}


_JUNOS_INSERT = re.compile(r'insert security policies (from-zone (\S+) to-zone (\S+) policy (\S+)) before policy (\S+)$')


def behind_a_deny(platform, checked, zones, running, options):
    """Place (see _place) -> why the object there decides no packet: an ASA entry of ours, or a Junos policy of ours,
    that the running configuration holds behind the first deny of its access list or zone pair (the renderer would
    move it before that deny)."""
    renderer = vendor_platforms.RENDERERS[platform](checked, zones, **options)
    unreached = {}
    if platform == 'junos_srx':
        for line in renderer.placements(running):
            match = _JUNOS_INSERT.match(line)
            if match and re.search(r'^set security policies %s ' % re.escape(match.group(1)), running, re.M):
                unreached[match.group(1)] = ('policy %s sits behind policy %s of zone pair %s to %s, which denies or '
                                             'rejects: it decides no packet' % match.group(4, 5, 2, 3))
    elif platform == 'cisco_asa':
        try:
            renderer.conflicts(running)
        except InputError:
            pass
        lists = read_access_lists(running)
        for acl, (_interfaces, pairs) in renderer._lists().items():
            removed, _inserted = merge_into(acl, lists.get(acl, []), pairs)
            for _remark, entry in pairs:
                if 'no access-list %s %s' % (acl, entry) in removed:
                    unreached['access-list %s %s' % (acl, entry)] = ('the entry sits behind the first deny of access '
                                                                     'list %s: it decides no packet' % acl)
    return unreached


def wanted_text(platform, checked, zones, running, options):
    """The configuration the rules want, as the device prints it once it holds it: rendered, the entries in the
    access lists the interfaces use (running), without the lines that are operations (insert, move)."""
    # bind_access_groups only refuses (an interface without a list); the targets say where the entries go.
    rendered = vendor_platforms.render_config(checked, platform, zones, **dict(
        (option, value) for option, value in options.items() if option != 'bind_access_groups'))
    targets = _list_targets(platform, checked, zones, running, options)
    lines = []
    for line in rendered.splitlines():
        if _OPERATION.match(line):
            continue
        words = line.split(' ')
        if platform == 'cisco_asa' and words[0] == 'access-list' and len(words) > 1:
            words[1] = targets.get(words[1], words[1])
        elif platform == 'cisco_ios' and line.startswith(_IOS_LISTS):
            words[-1] = targets.get(words[-1], words[-1])
        lines.append(' '.join(words))
    return '\n'.join(lines) + '\n'


def as_rendered(platform, running):
    """A running configuration as the renderer writes the same statements: ASA ports as numbers and entries without
    'line N'; IOS-XE access-list entries without sequence numbers and with ports as numbers, group members as
    written."""
    if platform == 'cisco_asa':
        return _ASA_LINE.sub(r'\1 ', ports_as_numbers(running))
    if platform != 'cisco_ios':
        return running
    lines = []
    for header, children in blocks(running, _BLOCK_COMMENT):
        lines.append(header)
        if header.startswith(_IOS_LISTS):
            lines += [' ' + entry for _number, entry in numbered_entries(children)]
        elif header.startswith('object-group '):
            lines += [' ' + normalized_member(child) for child in children]
        else:
            lines += [' ' + child.strip() for child in children]
    return '\n'.join(lines) + '\n'


def network_reading(platform, rules, running_config_path, zones=None, hint='', **options):
    """compliance.report's reading for a network platform from the saved running configuration at
    running_config_path (None: none configured). hint: what to do when there is none."""
    def reading():
        checked = check_rules(rules)
        renderer_class = vendor_platforms.RENDERERS[platform]
        running_format = renderer_class.RUNNING_FORMAT
        running = files.read_text(running_config_path) if running_config_path else None
        if running is None:
            raise Unread('no saved running configuration%s: %s' % (' at %s' % running_config_path if running_config_path
                                                                   else '', hint), running_config_path or '')
        wanted = wanted_text(platform, checked, zones, running, options)
        running = as_rendered(platform, running)
        return ('running_config', running_config_path, units(wanted, running_format, checked, renderer_class),
                units(running, running_format, checked, renderer_class),
                behind_a_deny(platform, checked, zones, running, options), ' in the running configuration')
    return reading
