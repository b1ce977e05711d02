# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule engine: requirement data + user choices -> flows -> compact rules.

A *flow* is one requirement row for one protocol and one address family,
with its networks resolved to CIDRs. A *rule* is the fewest flows that a
firewall can express as one entry: same direction, address family, protocol,
sources, destinations and source ports; destination ports are merged, and
every merged port keeps the provenance of the rows that asked for it.

Renderers for each platform take rules and never look at the document data.
"""

from __future__ import annotations

import bisect

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.requirements import (
    ATEA_NETWORKS,
    CHECKLIST,
    DEFAULT_CUSTOMER_NETWORKS,
    DIRECTIONS,
    ICMP_ECHO,
    PROFILES,
    PROTOCOLS,
    REQUIREMENTS,
    SECTIONS,
)

FAMILIES = ('ipv4', 'ipv6')
CUSTOMER = 'customer'
EXTRA_SECTION = 'extra'

_SECTIONS_BY_KEY = dict((s.number, s) for s in SECTIONS)
_SECTIONS_BY_KEY.update((s.name, s) for s in SECTIONS)
COMPONENT_CHOICES = tuple(s.number for s in SECTIONS) + tuple(s.name for s in SECTIONS)

# The options of build_flows(), as an Ansible argument spec (module and filters share it).
SELECTION_ARGUMENT_SPEC = {
    'profile': {'type': 'str', 'choices': sorted(PROFILES)},
    'components': {'type': 'list', 'elements': 'str'},
    'networks': {'type': 'dict'},
    'customer_networks': {'type': 'list', 'elements': 'str'},
    'extra_flows': {'type': 'list', 'elements': 'dict'},
}


def select_sections(profile=None, components=None):
    """The document sections for a profile, or for an explicit list of components.

    Components are section numbers ('2.1') or names ('mpls_outbound').
    """
    if profile is not None and components:
        raise inputs.InputError('components', components, 'give either profile or components, not both')
    if components:
        chosen = []
        for index, key in enumerate(inputs.as_list('components', components)):
            key = str(key) if isinstance(key, (int, float)) and not isinstance(key, bool) else key
            section = _SECTIONS_BY_KEY.get(inputs.choose('components[%d]' % index, key, COMPONENT_CHOICES))
            if section not in chosen:
                chosen.append(section)
        return tuple(s for s in SECTIONS if s in chosen)
    if profile is None:
        raise inputs.InputError('profile', profile, 'a profile or a list of components is required', sorted(PROFILES))
    numbers = PROFILES[inputs.choose('profile', profile, PROFILES)]
    return tuple(_SECTIONS_BY_KEY[number] for number in numbers)


def resolve_networks(networks=None, customer_networks=None):
    """Named networks as CIDR tuples: 'mpls', 'internet' and 'customer'."""
    overrides = networks or {}
    if not isinstance(overrides, dict):
        raise inputs.InputError('networks', overrides, 'expected a mapping of network name to CIDR list',
                                sorted(ATEA_NETWORKS))
    for name in overrides:
        inputs.choose('networks', name, ATEA_NETWORKS)
    resolved = {}
    for name, default in ATEA_NETWORKS.items():
        value = overrides.get(name)
        resolved[name] = inputs.networks('networks.%s' % name, default if value is None else value)
    resolved[CUSTOMER] = inputs.networks(
        'customer_networks', DEFAULT_CUSTOMER_NETWORKS if customer_networks is None else customer_networks)
    return resolved


def _endpoints(direction, network):
    """(source network name, destination network name) for a direction."""
    if direction == 'outbound':
        return CUSTOMER, network
    if direction == 'inbound':
        return network, CUSTOMER
    return CUSTOMER, CUSTOMER


def _split_by_family(cidrs):
    return dict((fam, tuple(c for c in cidrs if inputs.family(c) == fam)) for fam in FAMILIES)


def _make_flows(base, protocols, ports, source_ports, named, net_sources, net_destinations):
    """One flow per protocol and address family that has both ends."""
    sources = _split_by_family(named[net_sources])
    destinations = _split_by_family(named[net_destinations])
    multi = len(protocols) > 1
    flows = []
    for protocol in protocols:
        for fam in FAMILIES:
            if not (sources[fam] and destinations[fam]):
                continue
            flow = dict(base)
            flow.update({
                'id': '%s-%s' % (base['id'], protocol) if multi else base['id'],
                'protocol': protocol,
                'family': fam,
                'source_network': net_sources,
                'destination_network': net_destinations,
                'sources': list(sources[fam]),
                'destinations': list(destinations[fam]),
                'destination_ports': [] if protocol == 'icmp' else [list(r) for r in ports],
                'source_ports': [] if protocol == 'icmp' else [list(r) for r in source_ports],
                'icmp_type': ICMP_ECHO if protocol == 'icmp' else None,
            })
            flows.append(flow)
    return flows


def _extra_flows(extra, named):
    """Validate user-declared flows; they follow the same shape as document rows."""
    flows = []
    # Row ids, and the ids of their flows per protocol ('2.1-sip-tcp').
    seen = set(r.id for r in REQUIREMENTS)
    seen.update('%s-%s' % (r.id, p) for r in REQUIREMENTS for p in PROTOCOLS)
    for index, item in enumerate(inputs.as_list('extra_flows', extra)):
        where = 'extra_flows[%d]' % index
        if not isinstance(item, dict):
            raise inputs.InputError(where, item, 'expected a mapping with id, direction, protocol and ports')
        known = ('id', 'purpose', 'direction', 'network', 'protocol', 'protocols',
                 'destination_ports', 'source_ports')
        for key in item:
            inputs.choose(where, key, known)
        flow_id = item.get('id')
        if not isinstance(flow_id, str) or not flow_id.strip():
            raise inputs.InputError(where + '.id', flow_id, 'a non-empty id is required')
        protocol_ids = set('%s-%s' % (flow_id, p) for p in PROTOCOLS)
        if flow_id in seen or protocol_ids & seen:
            raise inputs.InputError(where + '.id', flow_id, 'duplicate id')
        seen.add(flow_id)
        seen.update(protocol_ids)
        direction = inputs.choose(where + '.direction', item.get('direction'), DIRECTIONS)
        network = None
        if direction != 'internal':
            network = inputs.choose(where + '.network', item.get('network'), ATEA_NETWORKS)
        elif item.get('network') is not None:
            raise inputs.InputError(where + '.network', item['network'], 'internal flows are between customer '
                                    'networks and take no network')
        protocols = inputs.as_list(where + '.protocols', item.get('protocols', item.get('protocol')))
        if not protocols:
            raise inputs.InputError(where + '.protocol', None, 'a protocol is required', PROTOCOLS)
        protocols = tuple(inputs.choose('%s.protocol' % where, p, PROTOCOLS) for p in protocols)
        ports = inputs.port_ranges(where + '.destination_ports', item.get('destination_ports'))
        source_ports = inputs.port_ranges(where + '.source_ports', item.get('source_ports'))
        if not ports and any(p != 'icmp' for p in protocols):
            raise inputs.InputError(where + '.destination_ports', item.get('destination_ports'),
                                    'tcp and udp flows need destination ports')
        if (ports or source_ports) and 'icmp' in protocols:
            raise inputs.InputError(where + '.protocol', 'icmp', 'ICMP has no ports; give ICMP a flow of its own')
        base = {
            'id': flow_id, 'section': EXTRA_SECTION, 'name': flow_id,
            'purpose': item.get('purpose') or flow_id, 'application': '',
            'direction': direction, 'endpoints': [],
        }
        source_name, destination_name = _endpoints(direction, network)
        flows.extend(_make_flows(base, protocols, ports, source_ports, named, source_name, destination_name))
    return flows


def build_flows(profile=None, components=None, networks=None, customer_networks=None, extra_flows=None):
    """All flows for a profile (or components), plus user-declared extra flows."""
    return _flows_for(select_sections(profile, components), networks, customer_networks, extra_flows)


def _flows_for(sections, networks, customer_networks, extra_flows):
    named = resolve_networks(networks, customer_networks)
    flows = []
    for section in sections:
        source_name, destination_name = _endpoints(section.direction, section.network)
        count = len(flows)
        for row in REQUIREMENTS:
            if row.section != section.number:
                continue
            base = {
                'id': row.id, 'section': row.section, 'name': row.name, 'purpose': row.purpose,
                'application': row.application, 'direction': section.direction,
                'endpoints': list(section.endpoints),
            }
            flows.extend(_make_flows(base, row.protocols, row.destination_ports, section.source_ports,
                                     named, source_name, destination_name))
        if len(flows) == count:
            option = 'customer_networks' if section.network is None else 'networks.%s' % section.network
            raise inputs.InputError(option, list(named[section.network or CUSTOMER]),
                                    'section %s (%s) gets no rule: its ends %s and %s share no address family'
                                    % (section.number, section.name, source_name, destination_name))
    flows.extend(_extra_flows(extra_flows, named))
    return flows


def requirements(profile=None, components=None, networks=None, customer_networks=None, extra_flows=None):
    """Everything the document asks for a selection: sections, flows, rules and the checklist."""
    sections = select_sections(profile, components)
    flows = _flows_for(sections, networks, customer_networks, extra_flows)
    return {
        'profile': profile,
        'sections': [s.number for s in sections],
        'flows': flows,
        'rules': compact_rules(flows),
        # Section 1 applies whatever the sections: it is about the firewall, not a flow.
        'checklist': [dict(item._asdict()) for item in CHECKLIST],
    }


def _checked_networks(option, value, fam, cache):
    """Validated CIDRs of one family for a flow's sources or destinations, parsed once per distinct list."""
    try:
        cache_key = (fam, tuple(value))
        known = cache_key in cache
    except TypeError:  # unhashable items: checked below, and refused
        cache_key, known = None, False
    if not known:
        cidrs = inputs.networks(option, value)
        for cidr in cidrs:
            if inputs.family(cidr) != fam:
                raise inputs.InputError(option, cidr, 'address family differs from %s' % fam)
        if cache_key is None:
            return cidrs
        cache[cache_key] = cidrs
    return cache[cache_key]


_FLOW_KEYS = ('id', 'section', 'purpose', 'direction', 'protocol', 'family', 'sources', 'destinations',
              'destination_ports', 'source_ports')


def _check_flow(index, flow, parsed_networks):
    """Flows given to compact_rules may come from a user; check what rules depend on.

    parsed_networks caches network lists: the flows of a profile share a handful of them.
    """
    where = 'flows[%d]' % index
    if not isinstance(flow, dict):
        raise inputs.InputError(where, flow, 'expected a flow mapping (see atea.anywhere.flows)')
    for key in _FLOW_KEYS:
        if key not in flow:
            raise inputs.InputError(where, sorted(flow), 'missing key %r' % key)
    for key in ('id', 'section', 'purpose'):
        if not isinstance(flow[key], str) or not flow[key]:
            raise inputs.InputError('%s.%s' % (where, key), flow[key], 'a non-empty string is required')
    inputs.choose(where + '.direction', flow['direction'], DIRECTIONS)
    protocol = inputs.choose(where + '.protocol', flow['protocol'], PROTOCOLS)
    fam = inputs.choose(where + '.family', flow['family'], FAMILIES)
    icmp_type = flow.get('icmp_type')
    if icmp_type != (ICMP_ECHO if protocol == 'icmp' else None):
        raise inputs.InputError(where + '.icmp_type', icmp_type, 'ICMP flows allow %s only; others have none'
                                % ICMP_ECHO)
    checked = {
        'ports': inputs.port_ranges(where + '.destination_ports', flow['destination_ports']),
        'source_ports': inputs.port_ranges(where + '.source_ports', flow['source_ports']),
    }
    for key in ('sources', 'destinations'):
        checked[key] = _checked_networks('%s.%s' % (where, key), flow[key], fam, parsed_networks)
    return checked


def _rule_name(flow):
    network = flow.get('destination_network') if flow['direction'] == 'outbound' else flow.get('source_network')
    if flow['direction'] == 'internal':
        network = CUSTOMER
    return '%s-%s-%s-%s' % (flow['direction'], network or 'custom', flow['protocol'], flow['family'])


def compact_rules(flows):
    """Merge flows into the fewest rules; keep the provenance of every port."""
    rules = {}
    parsed_networks = {}
    for index, flow in enumerate(inputs.as_list('flows', flows)):
        checked = _check_flow(index, flow, parsed_networks)
        key = (flow['direction'], flow['family'], flow['protocol'], checked['sources'],
               checked['destinations'], checked['source_ports'], flow.get('icmp_type'))
        rule = rules.get(key)
        if rule is None:
            rule = rules[key] = {
                'name': _rule_name(flow),
                'direction': flow['direction'],
                'family': flow['family'],
                'protocol': flow['protocol'],
                'sources': list(checked['sources']),
                'destinations': list(checked['destinations']),
                'source_network': flow.get('source_network'),
                'destination_network': flow.get('destination_network'),
                'source_ports': [list(r) for r in checked['source_ports']],
                'icmp_type': flow.get('icmp_type'),
                'destination_ports': (),
                'sections': [],
                'provenance': [],
            }
        rule['destination_ports'] = inputs.collapse_ranges(tuple(rule['destination_ports']) + checked['ports'])
        if flow['section'] not in rule['sections']:
            rule['sections'].append(flow['section'])
        rule['provenance'].append({
            'id': flow['id'], 'section': flow['section'], 'purpose': flow['purpose'],
            'name': flow.get('name', flow['id']),
            'destination_ports': [list(r) for r in checked['ports']],
        })
    result = []
    names = set()
    for rule in sorted(rules.values(), key=_rule_order):
        rule['destination_ports'] = [list(r) for r in rule['destination_ports']]
        rule['name'] = _unique(rule['name'], names)
        result.append(rule)
    return result


_SECTION_RANK = dict((s.number, rank) for rank, s in enumerate(SECTIONS))


def _rule_order(rule):
    """Document order: by the first section that asks for the rule, then protocol and family."""
    first_section = _SECTION_RANK.get(rule['sections'][0], len(SECTIONS))
    return (first_section, PROTOCOLS.index(rule['protocol']), FAMILIES.index(rule['family']))


def _unique(name, taken):
    candidate, counter = name, 2
    while candidate in taken:
        candidate = '%s-%d' % (name, counter)
        counter += 1
    taken.add(candidate)
    return candidate


_RULE_KEYS = ('name', 'direction', 'family', 'protocol', 'sources', 'destinations', 'source_network',
              'destination_network', 'source_ports', 'destination_ports', 'icmp_type', 'sections', 'provenance')


_PROVENANCE_KEYS = ('id', 'section', 'purpose', 'name', 'destination_ports')


def _check_rule(where, rule):
    """Every value a renderer writes into a device's configuration, checked (rules may come from a user)."""
    missing = [key for key in _RULE_KEYS if not isinstance(rule, dict) or key not in rule]
    if missing:
        raise inputs.InputError(where, rule if not isinstance(rule, dict) else sorted(rule),
                                'not a rule from atea.anywhere.rules (missing %s)' % ', '.join(missing))
    if not isinstance(rule['name'], str) or not rule['name']:
        raise inputs.InputError(where + '.name', rule['name'], 'a non-empty string is required')
    inputs.choose(where + '.direction', rule['direction'], DIRECTIONS)
    protocol = inputs.choose(where + '.protocol', rule['protocol'], PROTOCOLS)
    fam = inputs.choose(where + '.family', rule['family'], FAMILIES)
    if rule['icmp_type'] != (ICMP_ECHO if protocol == 'icmp' else None):
        raise inputs.InputError(where + '.icmp_type', rule['icmp_type'], 'ICMP rules allow %s only; others have '
                                'none' % ICMP_ECHO)
    for key in ('sources', 'destinations'):
        cidrs = inputs.as_list('%s.%s' % (where, key), rule[key])
        if not cidrs:
            raise inputs.InputError('%s.%s' % (where, key), rule[key], 'at least one network is required')
        for index, cidr in enumerate(cidrs):
            inputs.strict_cidr('%s.%s[%d]' % (where, key, index), cidr, fam)
    for key in ('source_ports', 'destination_ports'):
        for index, port_range in enumerate(inputs.as_list('%s.%s' % (where, key), rule[key])):
            inputs.port_range('%s.%s[%d]' % (where, key, index), port_range)
    if protocol != 'icmp' and not rule['destination_ports']:
        raise inputs.InputError(where + '.destination_ports', rule['destination_ports'], 'tcp and udp rules need ports')
    for index, entry in enumerate(inputs.as_list(where + '.provenance', rule['provenance'])):
        if not isinstance(entry, dict) or any(not isinstance(entry.get(k), str) for k in _PROVENANCE_KEYS[:-1]) \
                or not isinstance(entry.get('destination_ports'), list):
            raise inputs.InputError('%s.provenance[%d]' % (where, index), entry,
                                    'expected id, section, purpose, name and destination_ports')
    if not isinstance(rule['sections'], list) or not all(isinstance(x, str) for x in rule['sections']):
        raise inputs.InputError(where + '.sections', rule['sections'], 'expected a list of section names')


def check_rules(rules):
    """Renderers take rules from compact_rules(); refuse anything else by name."""
    rules = inputs.as_list('rules', rules)
    for index, rule in enumerate(rules):
        _check_rule('rules[%d]' % index, rule)
    return rules


def provenance_by_range(rule):
    """[(port range, provenance entries)] for each merged destination port range of a rule, in order.

    Merged ranges are disjoint and each flow's range lies inside one of them, so one bisection per
    flow range places it. A rule without ports (ICMP) has one entry: (None, every provenance entry).
    """
    ranges = [tuple(r) for r in rule['destination_ports']]
    if not ranges:
        return [(None, list(rule['provenance']))]
    lows = [low for low, _high in ranges]
    entries = [[] for _range in ranges]
    for entry in rule['provenance']:
        for index in sorted(set(bisect.bisect_right(lows, low) - 1 for low, _high in entry['destination_ports'])):
            entries[index].append(entry)
    return list(zip(ranges, entries))
