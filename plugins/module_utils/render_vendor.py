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

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules, provenance_by_range
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import fit, provenance_text

PREFIX = 'ATEA'
NETWORK_NAMES = ('customer', 'mpls', 'internet')


def object_name(*parts):
    """'ATEA-NET-CUSTOMER', 'ATEA-SVC-OUTBOUND-MPLS-TCP-IPV4': upper case, dashes."""
    return '-'.join((PREFIX,) + tuple(str(p).upper().replace('_', '-') for p in parts))


def netmask(cidr):
    network = ipaddress.ip_network(cidr)
    return str(network.network_address), str(network.netmask)


def wildcard(cidr):
    network = ipaddress.ip_network(cidr)
    return str(network.network_address), str(network.hostmask)


def port_spec(port_range, separator='-'):
    low, high = port_range
    return str(low) if low == high else '%d%s%d' % (low, separator, high)


class Renderer(object):
    """Base of a platform renderer: holds the rules, the zones and the named networks they use.

    Subclasses set PLATFORM, DEFAULT_ZONES, COMMENT_LIMIT and implement render() -> text.
    """

    PLATFORM = None
    DEFAULT_ZONES = {}
    # Whether every network the rules use needs a zone (or interface) name.
    ZONES_REQUIRED = True
    COMMENT_LIMIT = 100
    SOFTWARE = ''

    def __init__(self, rules, zones=None):
        self.rules = check_rules(rules)
        given = zones or {}
        if not isinstance(given, dict):
            raise inputs.InputError('zones', given, 'expected a mapping of network name to zone or interface',
                                    NETWORK_NAMES)
        for name in given:
            inputs.choose('zones', name, NETWORK_NAMES)
        self.zones = dict(self.DEFAULT_ZONES, **given)
        for name in self.networks_used() if self.ZONES_REQUIRED else given:
            zone = self.zones.get(name)
            if not isinstance(zone, str) or not zone:
                raise inputs.InputError('zones.%s' % name, zone, 'the %s renderer needs a zone or interface for '
                                        'the %s network' % (self.PLATFORM, name))

    def networks_used(self):
        """Network name -> CIDRs, in a stable order, for the names the rules use."""
        named = {}
        for rule in self.rules:
            for name, cidrs in ((rule['source_network'], rule['sources']),
                                (rule['destination_network'], rule['destinations'])):
                if name not in NETWORK_NAMES:
                    raise inputs.InputError('rules', name, 'network renderers need named networks', NETWORK_NAMES)
                named.setdefault(name, [])
                named[name].extend(c for c in cidrs if c not in named[name])
        return dict((name, named[name]) for name in NETWORK_NAMES if name in named)

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

    def port_comments(self, rule):
        """[(port range, provenance text)] for a rule's merged ports."""
        return [(r, provenance_text(entries, self.COMMENT_LIMIT)) for r, entries in provenance_by_range(rule)]

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
