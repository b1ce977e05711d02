# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FortiGate (FortiOS 6.4 to 7.4): addresses, custom services, named policies, SIP ALG off."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, netmask, port_spec

_ADDRESS = {'ipv4': ('firewall address', 'firewall addrgrp', 'srcaddr', 'dstaddr'),
            'ipv6': ('firewall address6', 'firewall addrgrp6', 'srcaddr6', 'dstaddr6')}
_ICMP = {'ipv4': ('ICMP', 8), 'ipv6': ('ICMP6', 128)}


# FortiGate takes policy ids 0 to 4294967294 (FortiManager administration guide, "Policy ID support"), and
# 'edit 0' on the CLI means the next free id: the collection's ids start at policy_id_base + 1.
MAX_POLICY_ID = 4294967294
# config firewall policy: 'set name {string}', maximum length 35 (FortiOS CLI reference).
POLICY_NAME_LIMIT = 35

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


def _module_data(entry):
    """A CLI entry as a fortinet.fortios module takes it: underscores, lists of names as [{'name': ...}]."""
    return dict((field.replace('-', '_'), [{'name': name} for name in value] if isinstance(value, list) else value)
                for field, value in entry.items())


class FortiosRenderer(Renderer):
    PLATFORM = 'fortios'
    SOFTWARE = 'FortiOS 6.4 to 7.4'
    DEFAULT_ZONES = {'customer': 'internal', 'mpls': 'mpls', 'internet': 'wan1'}
    SOURCE_RANGES = 1
    COMMENT_LIMIT = 255  # service and address comments; policy comments take 1023
    POLICY_COMMENT_LIMIT = 1023

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

    def policy_name(self, rule):
        return self.rule_object(rule)[:POLICY_NAME_LIMIT]

    def removals(self, running, rendered):
        wanted = set(owned_entries(rendered))
        stale = [entry for entry in owned_entries(running) if entry not in wanted]
        lines = []
        for section in _SECTIONS:
            keys = [key for kind, key in stale if kind == section]
            if keys:
                lines += ['config %s' % section] + ['    delete %s' % key for key in keys] + ['end']
        return lines

    def entries(self):
        """(table, entry) for everything the rules want, in the order the device needs them: addresses,
        groups, services, policies. Entries map CLI field names to text, or to lists of names."""
        found = []
        for family in ('ipv4', 'ipv6'):
            address, group_table = _ADDRESS[family][:2]
            groups = self.network_groups(family)
            for group, cidrs in groups.items():
                for index, cidr in enumerate(cidrs, 1):
                    entry = {'name': '%s-%d' % (group, index), 'comment': 'Atea Anywhere'}
                    if family == 'ipv6':
                        entry['ip6'] = cidr
                    else:
                        entry['subnet'] = '%s %s' % netmask(cidr)
                    found.append((address, entry))
            found += [(group_table, {'name': group, 'member': ['%s-%d' % (group, i) for i in range(1, len(cidrs) + 1)]})
                      for group, cidrs in groups.items()]
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
            found.append(('firewall policy', {
                'policyid': self.policy_id_base + index,
                'name': self.policy_name(rule),
                'srcintf': [self.zones[rule['source_network']]],
                'dstintf': [self.zones[rule['destination_network']]],
                source_key: [self.network_object(rule['source_network'], rule['family'])],
                destination_key: [self.network_object(rule['destination_network'], rule['family'])],
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
        for kind, entry in self.entries():
            if kind != table:
                lines += ['end'] * (table is not None) + ['config %s' % kind]
                table = kind
            key = 'policyid' if kind == 'firewall policy' else 'name'
            lines.append('    edit %s' % (entry[key] if key == 'policyid' else '"%s"' % entry[key]))
            lines += ['        set %s %s' % (field, _cli_value(field, value))
                      for field, value in entry.items() if field != key]
            lines.append('    next')
        lines.append('end')
        lines += ['config system settings', '    set default-voip-alg-mode kernel-helper-based', 'end',
                  '# The SIP session helper is entry 13 on a factory configuration: check with',
                  '# "show system session-helper" before deleting, as ids differ where helpers were edited.',
                  '# A VoIP profile on a policy overrides this; keep VoIP profiles off the ATEA-* policies.',
                  'config system session-helper', '    delete 13', 'end',
                  '# H.323 inspection (1.1): delete the h323 and ras helpers as well, by the ids',
                  '# "show system session-helper" lists (apply mode finds them by name).']
        return '\n'.join(lines) + '\n'

    def api_requests(self, current):
        """Requests to fortinet.fortios' modules against the current tables (selector -> entries as
        fortios_configuration_fact reads them): stale policies of ours to delete first, the entries to set,
        stale objects of ours to delete last (users before what they use), the system settings, and the
        ids of the session helpers to delete (SIP and H.323: sip, h323, ras).

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
        return {
            'delete_first': [item for item in stale if item['module'] == 'firewall_policy'],
            'set': [{'module': modules[kind], 'data': _module_data(entry)} for kind, entry in wanted],
            'delete_last': [item for item in reversed(stale) if item['module'] != 'firewall_policy'],
            'settings': {'default_voip_alg_mode': 'kernel-helper-based'},
            'session_helpers': [entry['id'] for entry in current['system_session-helper']
                                if entry.get('name') in VOIP_HELPERS],
        }

    def _our_policy(self, entry):
        return str(entry.get('name', '')).startswith('ATEA-') and isinstance(entry.get('policyid'), int) \
            and entry['policyid'] > self.policy_id_base
