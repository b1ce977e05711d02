# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FortiGate (FortiOS 6.4 to 7.4): addresses, custom services, named policies, SIP ALG off."""

from __future__ import annotations

import collections
import ipaddress
import shlex

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, platform_limits
from ansible_collections.atea.anywhere.plugins.module_utils.platform_limits import Limit
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, netmask, port_spec

_ADDRESS = {'ipv4': ('firewall address', 'firewall addrgrp', 'srcaddr', 'dstaddr'),
            'ipv6': ('firewall address6', 'firewall addrgrp6', 'srcaddr6', 'dstaddr6')}
_ICMP = {'ipv4': ('ICMP', 8), 'ipv6': ('ICMP6', 128)}


_POLICY_CLI = 'FortiOS CLI Reference: config firewall policy - ' \
    'https://docs.fortinet.com/document/container-fortios/7.2.2/cli-reference/333889629'
_ADDRGRP_CLI = 'FortiOS CLI Reference: config firewall addrgrp - ' \
    'https://docs.fortinet.com/document/fortigate/6.4.4/cli-reference/253620'
LIMITS = {
    # 'edit 0' on the CLI means the next free id: the collection's ids start at policy_id_base + 1.
    'policy_id': Limit(4294967294, 'as a policy id', 'FortiManager Administration Guide: Appendix B - '
                       'Policy ID support - https://docs.fortinet.com/document/fortimanager/7.4.0/administration-guide/680706'),
    'policy_name': Limit(35, 'characters in a policy name', _POLICY_CLI),
    'policy_comment': Limit(1023, 'characters in a policy comment', _POLICY_CLI),
    'object_name': Limit(79, 'characters in an address, address group or custom service name', _ADDRGRP_CLI),
    'object_comment': Limit(255, 'characters in an address, address group or custom service comment', _ADDRGRP_CLI),
    # The Maximum Values Table gives members per group per model; the collection keeps well below what any
    # model takes and spreads a larger network over further groups.
    'group_members': Limit(255, 'members per address group (kept low: the table gives it per model)',
                           'FortiOS Maximum Values Table (firewall.addrgrp:member) - https://docs.fortinet.com/max-value-table'),
}
MAX_POLICY_ID = LIMITS['policy_id'].value
POLICY_NAME_LIMIT = LIMITS['policy_name'].value

# Fields whose values are keywords or numbers, written without quotes.
_PLAIN = ('subnet', 'ip6', 'protocol', 'icmptype', 'tcp-portrange', 'udp-portrange', 'action', 'logtraffic')


def _cli_value(field, value):
    if isinstance(value, list):
        return ' '.join('"%s"' % name for name in value)
    return str(value) if field in _PLAIN else '"%s"' % value


# Sections holding objects of ours, users before what they use.
_SECTIONS = ('firewall policy', 'firewall service custom', 'firewall addrgrp6', 'firewall addrgrp',
             'firewall address6', 'firewall address')


def owned_entries(text):
    """(section, edit key) of every ATEA-* entry in the sections the collection writes: named objects, and
    policies by their name."""
    entries, section, key = [], None, None
    for line in text.splitlines():
        words = line.strip().split(None, 2)
        if words[:1] == ['config']:
            section = ' '.join(words[1:])
        elif words[:1] == ['edit'] and len(words) > 1 and section in _SECTIONS:
            key = words[1]
            if key.strip('"').startswith('ATEA-'):
                entries.append((section, key))
        elif section == 'firewall policy' and words[:2] == ['set', 'name'] and len(words) > 2 \
                and words[2].strip('"').startswith('ATEA-'):
            entries.append((section, key))
    return entries


# Per table: the fortinet.fortios module (fortios_<module>), its fortios_configuration_fact selector and
# the key of its entries; stale entries are deleted in this order's reverse, after the new ones are set.
TABLES = (
    ('firewall address', 'firewall_address', 'firewall_address', 'name'),
    ('firewall address6', 'firewall_address6', 'firewall_address6', 'name'),
    ('firewall addrgrp', 'firewall_addrgrp', 'firewall_addrgrp', 'name'),
    ('firewall addrgrp6', 'firewall_addrgrp6', 'firewall_addrgrp6', 'name'),
    ('firewall service custom', 'firewall_service_custom', 'firewall.service_custom', 'name'),
    ('firewall policy', 'firewall_policy', 'firewall_policy', 'policyid'),
)
# The session helpers of SIP and of H.323 (signalling and RAS), by the names FortiOS gives them.
VOIP_HELPERS = ('sip', 'h323', 'ras')
SELECTORS = [selector for _table, _module, selector, _key in TABLES] + ['system_session-helper']


def read_sections(text, sections):
    """Section -> [(edit key, {field: [words]})] for each of sections a FortiOS 'show' output holds, at any
    depth (inside 'config vdom' too), in the order listed; a section the text does not hold is left out."""
    found, stack, entry = {}, [], None
    for line in text.splitlines():
        if line.lstrip().startswith('#'):
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            # A line of a value that spans lines (a certificate, a script): its words as they stand.
            words = line.split()
        if not words:
            continue
        if words[0] == 'config':
            stack.append(' '.join(words[1:]))
            if stack[-1] in sections:
                found.setdefault(stack[-1], [])
        elif words[0] == 'end' and stack:
            stack.pop()
        elif words[0] == 'edit' and len(words) > 1 and stack and stack[-1] in sections:
            entry = (words[1], {})
            found[stack[-1]].append(entry)
        elif words[0] == 'next':
            entry = None
        elif words[0] == 'set' and len(words) > 1 and entry is not None and stack and stack[-1] in sections:
            entry[1][words[1]] = words[2:]
    return found


# A policy as its place in the list matters: its id, its interfaces, whether it denies, whether it is ours.
Policy = collections.namedtuple('Policy', 'id srcintf dstintf denies ours')


def _policy(key, srcintf, dstintf, action, status, ours):
    # A policy 'show' lists without 'set action' is taken as a deny: the safe reading, as ours then go above it.
    return Policy(key, frozenset(srcintf), frozenset(dstintf), action not in ('accept', 'ipsec') and status != 'disable',
                  ours)


def _stops(deny, policy):
    """Whether deny, above policy, would take its traffic: the same interfaces, or 'any'."""
    return deny.denies and not deny.ours and all(
        'any' in theirs or theirs & ours for theirs, ours in ((deny.srcintf, policy.srcintf),
                                                              (deny.dstintf, policy.dstintf)))


def policy_moves(order):
    """(our policy id, id it must go before) for each policy of ours that a deny of someone else's above it
    would stop (first match): each goes just above the first such deny, in their order. order: Policy
    entries as the device will list them."""
    order, moves = list(order), []
    for policy in [p for p in order if p.ours]:
        position = order.index(policy)
        deny = next((other for other in order[:position] if _stops(other, policy)), None)
        if deny is not None:
            order.remove(policy)
            order.insert(order.index(deny), policy)
            moves.append((policy.id, deny.id))
    return moves


def _moves_once_added(kept, wanted):
    """policy_moves() for the list the device will hold: kept (Policy entries, in order) and then the wanted
    policies of ours (entries as rendered) it does not hold yet, added at its end as FortiOS adds them."""
    present = set(policy.id for policy in kept)
    return policy_moves(list(kept) + [_policy(entry['policyid'], entry['srcintf'], entry['dstintf'], 'accept', None, True)
                                      for entry in wanted if entry['policyid'] not in present])


# How a cmdb GET returns the fields the collection sets, so that an entry read as wanted is not written again
# (issue 12: one module run, a GET and a PUT, per entry that differs, none per entry that does not):
# - an entry carries every field of its table (uuid, type, status, defaults ...) and q_origin_key, its key, and
#   each item of a list of names ({name, q_origin_key}): only the fields the collection sets are compared, and
#   of a list item only its name. fortinet.fortios compares so itself: find_current_values() leaves out
#   q_origin_key ("record keeping values"), plugins/module_utils/fortios/comparison.py of
#   https://github.com/fortinetdev/ansible_fortios (2.4.x);
# - an address's subnet comes as address and netmask ("10.1.1.1 255.255.255.255" in a cmdb/firewall/address GET;
#   written as "10.1.1.1/32" it reads back so): compared as the network it stands for, as that collection's
#   is_same_ip_address() does (same file); an IPv6 prefix likewise;
# - a port range is "<dst low>[-<dst high>][:<src low>[-<src high>]]", several separated by spaces (FortiOS CLI
#   Reference, config firewall service custom: set tcp-portrange): compared as a set, a range of one port as the
#   port;
# - lists of names (interfaces, addresses, services, group members) are compared as sets of names: FortiOS
#   matches on any of their items, so their order does not matter; numbers may come as numbers or as text.
def _port_range(text):
    """'443-443:1024-65535' as '443:1024-65535'."""
    sides = []
    for side in text.split(':'):
        low, _dash, high = side.partition('-')
        sides.append(low if high in ('', low) else side)
    return ':'.join(sides)


def _as_compared(field, value):
    if isinstance(value, list):
        return frozenset(str(item.get('name') if isinstance(item, dict) else item) for item in value)
    if field in ('subnet', 'ip6') and value is not None:
        try:
            return ipaddress.ip_interface('/'.join(str(value).split()))
        except ValueError:
            return str(value)
    if field.endswith('-portrange') and value is not None:
        return frozenset(_port_range(part) for part in str(value).split())
    return str(value)


def differs(wanted, read):
    """Whether an entry read from the device (None: not there) differs from the wanted one (CLI field names,
    as entries() gives it) in a field the collection sets, compared as a cmdb GET returns them (above)."""
    return read is None or any(_as_compared(field, value) != _as_compared(field, read.get(field))
                               for field, value in wanted.items())


def _module_data(entry):
    """A CLI entry as a fortinet.fortios module takes it: underscores, lists of names as [{'name': ...}]."""
    return dict((field.replace('-', '_'), [{'name': name} for name in value] if isinstance(value, list) else value)
                for field, value in entry.items())


class FortiosRenderer(Renderer):
    PLATFORM = 'fortios'
    SOFTWARE = 'FortiOS 6.4 to 7.4'
    DEFAULT_ZONES = {'customer': 'internal', 'mpls': 'mpls', 'internet': 'wan1'}
    SOURCE_RANGES = 1
    LIMITS = LIMITS
    COMMENT_LIMIT = LIMITS['object_comment'].value
    POLICY_COMMENT_LIMIT = LIMITS['policy_comment'].value

    def __init__(self, rules, zones=None, policy_id_base=9000):
        super(FortiosRenderer, self).__init__(rules, zones)
        highest = MAX_POLICY_ID - len(self.rules)
        if not inputs.is_number(policy_id_base) or not 0 <= policy_id_base <= highest:
            raise inputs.InputError('policy_id_base', policy_id_base, 'the policies take ids from this number plus '
                                    'one: a whole number from 0 to %d for %d rules' % (highest, len(self.rules)))
        self.policy_id_base = policy_id_base
        names = {}
        for index, rule in enumerate(self.rules):
            name = self.policy_name(rule)
            if name in names:
                raise inputs.InputError('rules[%d].name' % index, rule['name'], 'its FortiOS policy name %s (names '
                                        'are cut to %d characters) is that of rules[%d] too'
                                        % (name, POLICY_NAME_LIMIT, names[name]))
            names[name] = index
            platform_limits.check(self.PLATFORM, LIMITS, 'object_name', len(self.service_object(rule)),
                                  'rules[%d].name' % index, rule['name'])
        # What the running configuration holds (conflicts() reads it): section -> entries.
        self.running = None

    def policy_name(self, rule):
        return self.rule_object(rule)[:POLICY_NAME_LIMIT]

    def conflicts(self, running):
        """Read the running configuration: a policy id the collection renders that someone else's policy holds
        is an error ('edit' would overwrite it); the session helpers and the policy list it holds are kept for
        render(), which deletes the helpers by their ids and places the policies."""
        self.running = read_sections(running, ('firewall policy', 'system session-helper'))
        ours = set(str(self.policy_id_base + index) for index in range(1, len(self.rules) + 1))
        for key, fields in self.running.get('firewall policy', []):
            name = ' '.join(fields.get('name', []))
            if key in ours and not name.startswith('ATEA-'):
                raise inputs.InputError('running_config', 'edit %s (%s)' % (key, name or 'no name'),
                                        "this policy id is someone else's policy and the collection's policies take "
                                        'ids %d to %d; choose another policy_id_base'
                                        % (self.policy_id_base + 1, self.policy_id_base + len(self.rules)))

    def removals(self, running, rendered):
        wanted = set(owned_entries(rendered))
        stale = [entry for entry in owned_entries(running) if entry not in wanted]
        lines = []
        for section in _SECTIONS:
            keys = [key for kind, key in stale if kind == section]
            if keys:
                lines += ['config %s' % section] + ['    delete %s' % key for key in keys] + ['end']
        return lines

    def address_groups(self, family):
        """Network object -> its groups [(group name, member address names)] for the family: at most
        group_members a group, the first group named as the object, the others -G2, -G3 ..."""
        size = LIMITS['group_members'].value
        groups = {}
        for group, cidrs in self.network_groups(family).items():
            members = ['%s-%d' % (group, index) for index in range(1, len(cidrs) + 1)]
            groups[group] = [(group if number == 1 else '%s-G%d' % (group, number), chunk)
                             for number, chunk in enumerate(platform_limits.chunks(members, size), 1)]
        return groups

    def entries(self):
        """(table, entry) for everything the rules want, in the order the device needs them: addresses,
        groups, services, policies. Entries map CLI field names to text, or to lists of names."""
        found = []
        groups = {}
        for family in ('ipv4', 'ipv6'):
            address, group_table = _ADDRESS[family][:2]
            for group, cidrs in self.network_groups(family).items():
                for index, cidr in enumerate(cidrs, 1):
                    entry = {'name': '%s-%d' % (group, index), 'comment': 'Atea Anywhere'}
                    if family == 'ipv6':
                        entry['ip6'] = cidr
                    else:
                        entry['subnet'] = '%s %s' % netmask(cidr)
                    found.append((address, entry))
            groups[family] = self.address_groups(family)
            found += [(group_table, {'name': name, 'member': members})
                      for parts in groups[family].values() for name, members in parts]
        for rule in self.rules:
            entry = {'name': self.service_object(rule), 'comment': self.comment(rule)}
            if rule['protocol'] == 'icmp':
                entry['protocol'], entry['icmptype'] = _ICMP[rule['family']]
            else:
                source = ''.join(':%s' % port_spec(r) for r in rule['source_ports'])
                entry['%s-portrange' % rule['protocol']] = ' '.join(
                    port_spec(r) + source for r in rule['destination_ports'])
            found.append(('firewall service custom', entry))
        for index, rule in enumerate(self.rules, 1):
            source_key, destination_key = _ADDRESS[rule['family']][2:]
            network_groups = groups[rule['family']]
            found.append(('firewall policy', {
                'policyid': self.policy_id_base + index,
                'name': self.policy_name(rule),
                'srcintf': [self.zones[rule['source_network']]],
                'dstintf': [self.zones[rule['destination_network']]],
                source_key: [name for name, _members in
                             network_groups[self.network_object(rule['source_network'], rule['family'])]],
                destination_key: [name for name, _members in
                                  network_groups[self.network_object(rule['destination_network'], rule['family'])]],
                'action': 'accept',
                'schedule': 'always',
                'service': [self.service_object(rule)],
                'logtraffic': 'all',
                'comments': self.comment(rule, self.POLICY_COMMENT_LIMIT),
            }))
        return found

    def render(self):
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '# Addresses, groups, services and policies named ATEA-* are the collection\'s own;',
                 '# policies use ids from %d up.' % (self.policy_id_base + 1)]
        table = None
        entries = self.entries()
        for kind, entry in entries:
            if kind != table:
                lines += ['end'] * (table is not None) + ['config %s' % kind]
                table = kind
            key = 'policyid' if kind == 'firewall policy' else 'name'
            lines.append('    edit %s' % (entry[key] if key == 'policyid' else '"%s"' % entry[key]))
            lines += ['        set %s %s' % (field, _cli_value(field, value))
                      for field, value in entry.items() if field != key]
            lines.append('    next')
        lines.append('end')
        lines += self._placement_lines([entry for kind, entry in entries if kind == 'firewall policy'])
        lines += ['config system settings', '    set default-voip-alg-mode kernel-helper-based', 'end']
        lines += self._session_helper_lines()
        return '\n'.join(lines) + '\n'

    def _placement_lines(self, policies):
        """Moves placing our policies above the first deny of their interfaces, from the running policy list
        (none without it, or where none is needed), after a note saying why."""
        lines = ['# FortiOS matches the first policy in the list and adds new ones at its end: the collection\'s',
                 '# must stand above every policy that denies their interfaces (or "any"). Rendered with the',
                 '# running configuration, this file moves them there itself (move <id> before <id>).']
        running = (self.running or {}).get('firewall policy')
        if running is None:
            return lines
        ours = set(entry['policyid'] for entry in policies)
        # Policies of ours the file deletes first (removals) are gone by then; a key that is no number is no policy.
        gone = set(key for key, fields in running if not key.isdigit() or (
            ' '.join(fields.get('name', [])).startswith('ATEA-') and int(key) not in ours))
        moves = _moves_once_added(
            [_policy(int(key), fields.get('srcintf', []), fields.get('dstintf', []), (fields.get('action') or [None])[0],
                     (fields.get('status') or [None])[0], int(key) in ours)
             for key, fields in running if key not in gone], policies)
        return lines + (['config firewall policy'] + ['    move %d before %d' % move for move in moves] + ['end']
                        if moves else [])

    def _session_helper_lines(self):
        """1.1: delete the sip, h323 and ras session helpers by the ids the running configuration lists;
        without it, no id is deleted blindly (they differ where helpers were edited)."""
        helpers = (self.running or {}).get('system session-helper')
        if helpers is None:
            return ['# 1.1 also needs the sip, h323 and ras session helpers deleted. Their ids differ per device',
                    '# (sip is 13 on a factory configuration, not where helpers were edited), so this file deletes',
                    '# none: render with the running configuration (atea_anywhere_running_config_dir), use apply',
                    '# mode, or list them with "show system session-helper" and delete each by its id:',
                    '#   config system session-helper',
                    '#       delete <id of sip>',
                    '#       delete <id of h323>',
                    '#       delete <id of ras>',
                    '#   end',
                    '# A VoIP profile on a policy overrides this; keep VoIP profiles off the ATEA-* policies.']
        ids = [(key, fields.get('name', [''])[0]) for key, fields in helpers
               if fields.get('name', [''])[0] in VOIP_HELPERS]
        lines = ['# A VoIP profile on a policy overrides this; keep VoIP profiles off the ATEA-* policies.']
        if not ids:
            return lines + ['# 1.1: the running configuration lists no sip, h323 or ras session helper to delete.']
        return lines + ['# 1.1: the SIP and H.323 session helpers (%s), by the ids the running configuration lists.'
                        % ', '.join('%s %s' % (name, key) for key, name in ids),
                        'config system session-helper'] + ['    delete %s' % key for key, _name in ids] + ['end']

    def api_requests(self, current):
        """Requests to fortinet.fortios' modules against the current tables (selector -> entries as
        fortios_configuration_fact reads them): stale policies of ours to delete first, the entries to set,
        the moves placing our policies above the first deny of their interfaces, stale objects of ours to
        delete last (users before what they use), the system settings, and the ids of the session helpers to
        delete (SIP and H.323: sip, h323, ras).

        Objects are ours by their ATEA-* name; policies by that name and an id above the base. A policy of
        ours keeps its id; a new one takes the lowest id above the base that no policy holds, so nobody
        else's policy is ever overwritten and no two policies share a name on the way.
        """
        if not isinstance(current, dict) or not all(isinstance(current.get(s), list) for s in SELECTORS):
            raise inputs.InputError('current', current, 'expected the entries read for each of %s' % ', '.join(SELECTORS))
        policies = current['firewall_policy']
        kept_ids = dict((entry.get('name'), entry['policyid']) for entry in policies if self._our_policy(entry))
        taken = set(entry.get('policyid') for entry in policies)
        wanted = self.entries()
        for kind, entry in wanted:
            if kind == 'firewall policy':
                entry['policyid'] = kept_ids.get(entry['name']) or min(
                    number for number in range(self.policy_id_base + 1, self.policy_id_base + 2 + len(taken))
                    if number not in taken)
                if entry['policyid'] > MAX_POLICY_ID:
                    raise inputs.InputError('policy_id_base', self.policy_id_base, 'the device holds policy ids up to '
                                            '%d above it; no free id is left for policy %s'
                                            % (MAX_POLICY_ID, entry['name']))
                taken.add(entry['policyid'])
        stale = []
        for table, module, selector, key in TABLES:
            keys = set(entry[key] for kind, entry in wanted if kind == table)
            for entry in current[selector]:
                ours = self._our_policy(entry) if key == 'policyid' else str(entry.get('name', '')).startswith('ATEA-')
                if ours and entry.get(key) not in keys:
                    stale.append({'module': module, 'key': entry[key]})
        modules = dict((table, module) for table, module, _selector, _key in TABLES)
        read = dict((table, dict((str(entry.get(key)), entry) for entry in current[selector]))
                    for table, _module, selector, key in TABLES)
        keys = dict((table, key) for table, _module, _selector, key in TABLES)
        return {
            'delete_first': [item for item in stale if item['module'] == 'firewall_policy'],
            'set': [{'module': modules[kind], 'data': _module_data(entry)} for kind, entry in wanted
                    if differs(entry, read[kind].get(str(entry[keys[kind]])))],
            'moves': [{'module': 'firewall_policy', 'key': key, 'before': before} for key, before in
                      self._api_moves(policies, [entry for kind, entry in wanted if kind == 'firewall policy'], stale)],
            'delete_last': [item for item in reversed(stale) if item['module'] != 'firewall_policy'],
            'settings': self._api_settings(current.get('system_settings')),
            'session_helpers': [entry['id'] for entry in current['system_session-helper']
                                if entry.get('name') in VOIP_HELPERS],
        }

    @staticmethod
    def _api_settings(read):
        """The system settings to set: none where the settings read already hold them; all without a read."""
        wanted = {'default-voip-alg-mode': 'kernel-helper-based'}
        if read is not None and not isinstance(read, dict):
            raise inputs.InputError('current.system_settings', read, 'expected the system settings as read')
        return {} if read is not None and not differs(wanted, read) else _module_data(wanted)

    @staticmethod
    def _api_moves(policies, wanted, stale):
        """The moves, against the policy list as it stands once stale policies of ours are gone and new ones
        are added at its end (a kept policy keeps its place)."""
        gone = set(item['key'] for item in stale if item['module'] == 'firewall_policy')
        ours = set(entry['policyid'] for entry in wanted)

        def names(entry, field):
            return [item.get('name') if isinstance(item, dict) else item for item in entry.get(field) or []]

        return _moves_once_added(
            [_policy(entry.get('policyid'), names(entry, 'srcintf'), names(entry, 'dstintf'), entry.get('action'),
                     entry.get('status'), entry.get('policyid') in ours)
             for entry in policies if entry.get('policyid') not in gone], wanted)

    def _our_policy(self, entry):
        return str(entry.get('name', '')).startswith('ATEA-') and isinstance(entry.get('policyid'), int) \
            and entry['policyid'] > self.policy_id_base
