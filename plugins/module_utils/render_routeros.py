# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MikroTik RouterOS 7: address lists and filter rules as entries per menu, for the API and as a script."""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, platform_limits, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.platform_limits import Limit
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import Renderer, port_spec

_MENU = {'ipv4': 'ip firewall', 'ipv6': 'ipv6 firewall'}
_ICMP = {'ipv4': ('icmp', '8:0'), 'ipv6': ('icmpv6', '128:0')}
LIMITS = {
    # MikroTik's page documents port lists without a count; RouterOS's firewall is Linux netfilter, whose
    # multiport match takes at most 15 ports in a list, and the collection keeps to that.
    'ports_per_rule': Limit(15, 'ports or port ranges in one src-port or dst-port list',
                            'iptables-extensions(8): multiport - https://ipset.netfilter.org/iptables-extensions.man.html'),
}
MAX_PORTS = LIMITS['ports_per_rule'].value
# The connection states of the replies (and of related traffic such as ICMP errors) of an accepted flow.
REPLY_STATES = 'established,related'
# What marks an entry as the collection's own, per kind of menu: (field, regular expression).
OWNED = {'address-list': ('list', '^ATEA-'), 'filter': ('comment', '^ATEA:')}
SERVICE_PORTS = 'ip firewall service-port'
# Filter actions that end a packet's way through a chain.
STOPPING = ('drop', 'reject', 'tarpit')


# A value of only these characters is one word of a command; any other is quoted, with RouterOS's escapes.
_PLAIN_VALUE = re.compile(r'[A-Za-z0-9_.:,/-]+')


def _word(field, value):
    if value is True or value is False:
        value = 'yes' if value else 'no'
    return '%s=%s' % (field, value if _PLAIN_VALUE.fullmatch(value) else text_gate.quoted('routeros', value))


class RouterOsRenderer(Renderer):
    PLATFORM = 'routeros'
    SOFTWARE = 'RouterOS 7'
    # Filter chains, not interfaces: gateway traffic is the forward chain.
    DEFAULT_ZONES = {'customer': 'forward', 'mpls': 'forward', 'internet': 'forward'}
    COMMENT_LIMIT = 200
    LIMITS = LIMITS
    # A custom chain would need a jump from a built-in one; the collection writes to these only.
    CHAINS = ('forward', 'input', 'output')

    def __init__(self, rules, zones=None):
        super(RouterOsRenderer, self).__init__(rules, zones)
        for name in self.networks_used():
            inputs.choose('zones.%s' % name, self.zones[name], self.CHAINS)

    def entries(self):
        """Menu -> the entries the rules want there, for every menu the collection owns entries in.

        A menu with no entries wanted is still listed: whatever of ours is there must go.
        """
        menus = {}
        for family in ('ipv4', 'ipv6'):
            addresses = menus.setdefault('%s address-list' % _MENU[family], [])
            filters = menus.setdefault('%s filter' % _MENU[family], [])
            rules = [r for r in self.rules if r['family'] == family]
            for group, cidrs in (self.network_groups(family).items() if rules else ()):
                addresses.extend({'list': group, 'address': cidr, 'comment': 'ATEA: Atea Anywhere'} for cidr in cidrs)
            filters.extend(self._reply_entries(rules))
            for rule in rules:
                filters.extend(self._filter_entries(rule, family))
        menus[SERVICE_PORTS] = [{'name': 'sip', 'disabled': True}, {'name': 'h323', 'disabled': True}]
        return menus

    def _chain(self, rule):
        return self.zones[rule['destination_network'] if rule['direction'] == 'inbound' else rule['source_network']]

    def _reply_entries(self, rules):
        """One rule per chain the rules use, first among ours: accept the replies (established, related) of
        what the chain accepted. The default configuration has such a rule; a customer's chain may not."""
        chains = {}
        for rule in rules:
            sections = chains.setdefault(self._chain(rule), [])
            sections.extend(section for section in rule['sections'] if section not in sections)
        return [{'chain': chain, 'action': 'accept', 'connection-state': REPLY_STATES,
                 'comment': 'ATEA: %s replies of the flows below (connection-state %s)' % ('/'.join(sections),
                                                                                           REPLY_STATES)}
                for chain, sections in chains.items()]

    def _filter_entries(self, rule, family):
        entry = {
            'chain': self._chain(rule),
            'action': 'accept',
            'protocol': rule['protocol'],
        }
        if rule['protocol'] == 'icmp':
            entry['protocol'], entry['icmp-options'] = _ICMP[family]
        entry['src-address-list'] = self.network_object(rule['source_network'], family)
        entry['dst-address-list'] = self.network_object(rule['destination_network'], family)
        comment = 'ATEA: %s' % self.comment(rule)
        if rule['protocol'] == 'icmp':
            return [dict(entry, comment=comment)]
        if rule['source_ports']:
            platform_limits.check(self.PLATFORM, LIMITS, 'ports_per_rule', len(rule['source_ports']),
                                  'rules', rule['name'])
            entry['src-port'] = ','.join(port_spec(r) for r in rule['source_ports'])
        ports = [port_spec(r) for r in rule['destination_ports']]
        return [dict(entry, **{'dst-port': ','.join(ports[start:start + MAX_PORTS]), 'comment': comment})
                for start in range(0, len(ports), MAX_PORTS)]

    def api_requests(self, current=None):
        """One community.routeros.api_modify request per menu: its entries, and for the menus where the
        collection owns entries, the restriction to them, so that stale ones go and nothing else is touched.
        api_modify reads the menus itself, so there are no current tables to give."""
        if current is not None:
            raise inputs.InputError('current', current, 'routeros takes no current tables; api_modify reads them')
        requests = []
        for menu, entries in self.entries().items():
            owned = OWNED.get(menu.rsplit(' ', 1)[-1])
            requests.append({'path': menu, 'data': entries,
                             'restrict': [{'field': owned[0], 'regex': owned[1]}] if owned else None,
                             # Order matters in a filter chain only.
                             'ensure_order': menu.endswith(' filter')})
        return requests

    def render(self):
        lines = ['# atea.anywhere: Atea Anywhere firewall requirements for %s.' % self.SOFTWARE,
                 '# Address lists ATEA-* and filter rules whose comment starts with "ATEA:" are the collection\'s own;',
                 '# running this script replaces them and nothing else. The rules are added at the end of their',
                 '# chain: move them, together and in order, above the chain\'s first drop or reject (the default',
                 '# configuration ends in one), or apply with atea_anywhere_mode apply, which moves them itself.']
        menus = self.entries()
        for family in ('ipv4', 'ipv6'):
            if not menus['%s filter' % _MENU[family]]:
                continue
            for kind in ('address-list', 'filter'):
                field, pattern = OWNED[kind]
                lines.append('/%s %s remove [find where %s~"%s"]' % (_MENU[family], kind, field, pattern))
            for kind in ('address-list', 'filter'):
                lines.append('/%s %s' % (_MENU[family], kind))
                lines.extend('add ' + ' '.join(_word(k, v) for k, v in entry.items())
                             for entry in menus['%s %s' % (_MENU[family], kind)])
        lines.append('/' + SERVICE_PORTS)
        lines.extend('set %s %s' % (entry['name'], _word('disabled', entry['disabled']))
                     for entry in menus[SERVICE_PORTS])
        return '\n'.join(lines) + '\n'


def _ours(entry):
    return str(entry.get('comment', '')).startswith('ATEA:')


def placement_moves(menus):
    """Moves keeping the collection's filter rules of each chain together, in order, above its first drop or
    reject that could take their traffic.

    RouterOS adds new rules at the end of a chain, and a chain matches first: below a drop of someone
    else's, ours would not be in force. Where the first of ours is below that drop, all of ours go just above
    it; otherwise the rest are gathered after the first of them. A drop of connection-state=invalid alone
    takes no packet of a connection the rules accept, so ours stay below it (the default configuration's
    "drop invalid"). menus: filter menu -> its entries as read (with '.id', 'chain', 'action', 'comment'), in
    order. Returns [{'path': menu, 'numbers': '*A,*B', 'destination': '*D'}].
    """
    if not isinstance(menus, dict):
        raise inputs.InputError('menus', menus, 'expected a mapping of filter menu to its entries')
    moves = []
    for menu, entries in menus.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) and '.id' in e for e in entries):
            raise inputs.InputError('menus.%s' % menu, entries, "expected the menu's entries as read, each with .id")
        moves.extend(dict(move, path=menu) for move in _chain_moves(entries))
    return moves


def _stops_our_traffic(entry):
    """Whether someone else's enabled rule ends the way of packets the collection's rules accept."""
    if _ours(entry) or entry.get('action') not in STOPPING or entry.get('disabled') in (True, 'true', 'yes'):
        return False
    states = set(str(entry.get('connection-state') or '').split(',')) - {''}
    return not states or not states <= {'invalid'}


def _chain_moves(entries):
    moves = []
    chains = []
    for entry in entries:
        if _ours(entry) and entry.get('chain') not in chains:
            chains.append(entry.get('chain'))
    for chain in chains:
        in_chain = [entry for entry in entries if entry.get('chain') == chain]
        ours = [index for index, entry in enumerate(in_chain) if _ours(entry)]
        stops = [index for index, entry in enumerate(in_chain) if _stops_our_traffic(entry)]
        if stops and ours[0] > stops[0]:
            moving, destination = ours, stops[0]
        else:
            run_end = ours[0]
            while run_end + 1 < len(in_chain) and _ours(in_chain[run_end + 1]):
                run_end += 1
            moving, destination = [index for index in ours if index > run_end], run_end + 1
        if moving:
            moves.append({'numbers': ','.join(in_chain[index]['.id'] for index in moving),
                          'destination': in_chain[destination]['.id']})
    return moves
