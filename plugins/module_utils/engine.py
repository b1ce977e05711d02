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
import re

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, text_gate
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
# The names a rule's ends may have (None where flows came without them).
NETWORK_NAMES = (CUSTOMER,) + tuple(sorted(ATEA_NETWORKS))
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
    'allow_any_network': {'type': 'bool', 'default': False},
}

# Ids of extra flows and names of rules become parts of object names and comments on every platform:
# conservative identifiers. Rule names are what compact_rules() makes ('outbound-mpls-tcp-ipv4-2'); lower
# case and no '_', as object names upper-case them and turn '_' into '-'.
FLOW_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}')
RULE_NAME = re.compile(r'[a-z0-9][a-z0-9-]{0,47}')
# The longest purpose an extra flow may have; comments are shorter on every platform and get cut.
PURPOSE_LIMIT = 255


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


def _no_any(option, cidrs, allow_any_network):
    """Refuse a network that is every address of its family: the rules would allow anything to or from it."""
    for cidr in cidrs:
        if cidr.endswith('/0') and not allow_any_network:
            raise inputs.InputError(option, cidr, 'every address of its family; rules to or from it allow any '
                                    'address. Give allow_any_network=true if that is meant')
    return cidrs


def resolve_networks(networks=None, customer_networks=None, allow_any_network=False):
    """Named networks as CIDR tuples: 'mpls', 'internet' and 'customer'.

    A /0 network (after merging: 0.0.0.0/1 and 128.0.0.0/1 are one) is refused unless allow_any_network.
    """
    overrides = networks or {}
    if not isinstance(overrides, dict):
        raise inputs.InputError('networks', overrides, 'expected a mapping of network name to CIDR list',
                                sorted(ATEA_NETWORKS))
    for name in overrides:
        inputs.choose('networks', name, ATEA_NETWORKS)
    resolved = {}
    for name, default in ATEA_NETWORKS.items():
        value = overrides.get(name)
        option = 'networks.%s' % name
        resolved[name] = _no_any(option, inputs.networks(option, default if value is None else value),
                                 allow_any_network)
    resolved[CUSTOMER] = _no_any('customer_networks', inputs.networks(
        'customer_networks', DEFAULT_CUSTOMER_NETWORKS if customer_networks is None else customer_networks),
        allow_any_network)
    return resolved


def _endpoints(direction, network):
    """(source network name, destination network name) for a direction."""
    if direction == 'outbound':
        return CUSTOMER, network
    if direction == 'inbound':
        return network, CUSTOMER
    return CUSTOMER, CUSTOMER


def _split_by_family(cidrs):
    """CIDRs resolve_networks() checked, by family; compact_rules() need not check those lists again."""
    split = dict((fam, tuple(c for c in cidrs if inputs.family(c) == fam)) for fam in FAMILIES)
    for fam, listed in split.items():
        _CHECKED_NETWORK_LISTS.setdefault((fam, listed), listed)
    return split


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
        flow_id = text_gate.matching(where + '.id', item.get('id'), FLOW_ID,
                                     'an id of up to 64 letters, digits, "_", ".", ":", "-" (not first)')
        purpose = item.get('purpose')
        if purpose is not None:
            text_gate.single_line(where + '.purpose', purpose, 'a purpose')
            if len(purpose) > PURPOSE_LIMIT:
                raise inputs.InputError(where + '.purpose', purpose, 'longer than %d characters' % PURPOSE_LIMIT)
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
            'purpose': purpose or flow_id, 'application': '',
            'direction': direction, 'endpoints': [],
        }
        source_name, destination_name = _endpoints(direction, network)
        flows.extend(_make_flows(base, protocols, ports, source_ports, named, source_name, destination_name))
    return flows


def build_flows(profile=None, components=None, networks=None, customer_networks=None, extra_flows=None,
                allow_any_network=False):
    """All flows for a profile (or components), plus user-declared extra flows."""
    return _flows_for(select_sections(profile, components), networks, customer_networks, extra_flows,
                      allow_any_network)


def _flows_for(sections, networks, customer_networks, extra_flows, allow_any_network):
    named = resolve_networks(networks, customer_networks, allow_any_network)
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


def requirements(profile=None, components=None, networks=None, customer_networks=None, extra_flows=None,
                 allow_any_network=False):
    """Everything the document asks for a selection: sections, flows, rules and the checklist."""
    sections = select_sections(profile, components)
    flows = _flows_for(sections, networks, customer_networks, extra_flows, allow_any_network)
    return {
        'profile': profile,
        'sections': [s.number for s in sections],
        'flows': flows,
        'rules': compact_rules(flows),
        # Section 1 applies whatever the sections: it is about the firewall, not a flow.
        'checklist': [dict(item._asdict()) for item in CHECKLIST],
    }


# Validated CIDR lists of flows, by (family, list as given): the flows of a profile share a handful of them, and a
# list the engine resolved itself is valid as it is.
_CHECKED_NETWORK_LISTS = {}


def _checked_networks(option, value, fam):
    """Validated CIDRs of one family for a flow's sources or destinations, parsed once per distinct list."""
    try:
        cache_key = (fam, tuple(value))
        known = cache_key in _CHECKED_NETWORK_LISTS
    except TypeError:  # unhashable items: checked below, and refused
        cache_key, known = None, False
    if not known:
        cidrs = inputs.networks(option, value)
        for cidr in cidrs:
            if inputs.family(cidr) != fam:
                raise inputs.InputError(option, cidr, 'address family differs from %s' % fam)
        if cache_key is None:
            return cidrs
        _CHECKED_NETWORK_LISTS[cache_key] = cidrs
    return _CHECKED_NETWORK_LISTS[cache_key]


_FLOW_KEYS = ('id', 'section', 'purpose', 'direction', 'protocol', 'family', 'sources', 'destinations',
              'destination_ports', 'source_ports')


def _check_flow(index, flow):
    """Flows given to compact_rules may come from a user; check what rules depend on."""
    where = 'flows[%d]' % index
    if not isinstance(flow, dict):
        raise inputs.InputError(where, flow, 'expected a flow mapping (see atea.anywhere.flows)')
    for key in _FLOW_KEYS:
        if key not in flow:
            raise inputs.InputError(where, sorted(flow), 'missing key %r' % key)
    for key in ('id', 'section', 'purpose', 'name'):
        if key in flow or key != 'name':
            text_gate.single_line('%s.%s' % (where, key), flow[key], 'a flow\'s %s' % key)
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
        checked[key] = _checked_networks('%s.%s' % (where, key), flow[key], fam)
    return checked


def _rule_name(flow):
    network = flow.get('destination_network') if flow['direction'] == 'outbound' else flow.get('source_network')
    if flow['direction'] == 'internal':
        network = CUSTOMER
    return '%s-%s-%s-%s' % (flow['direction'], network or 'custom', flow['protocol'], flow['family'])


def compact_rules(flows):
    """Merge flows into the fewest rules; keep the provenance of every port."""
    rules = {}
    for index, flow in enumerate(inputs.as_list('flows', flows)):
        checked = _check_flow(index, flow)
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


def _port_pairs(option, value):
    """Port ranges as compact_rules() writes them: a list of [low, high] pairs of port numbers, sorted,
    disjoint and not adjacent. Returns them as tuples."""
    if not isinstance(value, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(inputs.is_number(port) for port in pair) for pair in value):
        raise inputs.InputError(option, value, 'expected a list of [low, high] pairs of port numbers')
    ranges = tuple(inputs.port_range('%s[%d]' % (option, index), pair) for index, pair in enumerate(value))
    if inputs.collapse_ranges(ranges) != ranges:
        raise inputs.InputError(option, value, 'ranges not sorted, overlapping or adjacent; atea.anywhere.rules '
                                'merges them')
    return ranges


def _check_provenance(where, rule, ports):
    """Each entry's ports lie within the rule's, and together they are the rule's ports."""
    entries = rule['provenance']
    if not isinstance(entries, list) or not entries:
        raise inputs.InputError(where + '.provenance', entries, 'expected a list of at least one entry')
    covered = []
    for index, entry in enumerate(entries):
        at = '%s.provenance[%d]' % (where, index)
        if not isinstance(entry, dict) or any(key not in entry for key in _PROVENANCE_KEYS):
            raise inputs.InputError(at, entry, 'expected id, section, purpose, name and destination_ports')
        for key in _PROVENANCE_KEYS[:-1]:
            text_gate.single_line('%s.%s' % (at, key), entry[key], 'a provenance %s' % key)
        entry_ports = _port_pairs(at + '.destination_ports', entry['destination_ports'])
        for low, high in entry_ports:
            if not any(lo <= low and high <= hi for lo, hi in ports):
                raise inputs.InputError(at + '.destination_ports', entry['destination_ports'],
                                        'ports outside the rule\'s destination_ports %s' % rule['destination_ports'])
        covered.extend(entry_ports)
    if inputs.collapse_ranges(covered) != ports:
        raise inputs.InputError(where + '.provenance', entries, 'the ports of the entries together are not the '
                                'rule\'s destination_ports %s' % rule['destination_ports'])


# Lists of CIDRs already found valid, by family: the rules of a profile share a few long lists (the customer's
# networks), which every renderer, reader and module checks again.
_VALID_CIDRS = set()


def _check_cidrs(option, cidrs, fam):
    try:
        key = (fam, tuple(cidrs))
        if key in _VALID_CIDRS:
            return
    except TypeError:  # an unhashable item: refused below
        key = None
    for index, cidr in enumerate(cidrs):
        inputs.strict_cidr('%s[%d]' % (option, index), cidr, fam)
    if key is not None:
        _VALID_CIDRS.add(key)


def _check_rule(where, rule):
    """Every value a renderer writes into a device's configuration, checked (rules may come from a user)."""
    missing = [key for key in _RULE_KEYS if not isinstance(rule, dict) or key not in rule]
    if missing:
        raise inputs.InputError(where, rule if not isinstance(rule, dict) else sorted(rule),
                                'not a rule from atea.anywhere.rules (missing %s)' % ', '.join(missing))
    text_gate.matching(where + '.name', rule['name'], RULE_NAME,
                       'a rule name as atea.anywhere.rules makes it (up to 48 lower-case letters, digits and "-")')
    inputs.choose(where + '.direction', rule['direction'], DIRECTIONS)
    protocol = inputs.choose(where + '.protocol', rule['protocol'], PROTOCOLS)
    fam = inputs.choose(where + '.family', rule['family'], FAMILIES)
    if rule['icmp_type'] != (ICMP_ECHO if protocol == 'icmp' else None):
        raise inputs.InputError(where + '.icmp_type', rule['icmp_type'], 'ICMP rules allow %s only; others have '
                                'none' % ICMP_ECHO)
    for key in ('source_network', 'destination_network'):
        if rule[key] is not None:
            inputs.choose('%s.%s' % (where, key), rule[key], NETWORK_NAMES)
    for key in ('sources', 'destinations'):
        cidrs = inputs.as_list('%s.%s' % (where, key), rule[key])
        if not cidrs:
            raise inputs.InputError('%s.%s' % (where, key), rule[key], 'at least one network is required')
        _check_cidrs('%s.%s' % (where, key), cidrs, fam)
    _port_pairs(where + '.source_ports', rule['source_ports'])
    ports = _port_pairs(where + '.destination_ports', rule['destination_ports'])
    if (protocol == 'icmp') != (not ports):
        raise inputs.InputError(where + '.destination_ports', rule['destination_ports'],
                                'tcp and udp rules need ports; ICMP rules have none')
    if protocol == 'icmp' and rule['source_ports']:
        raise inputs.InputError(where + '.source_ports', rule['source_ports'], 'ICMP rules have no ports')
    if not isinstance(rule['sections'], list) or not rule['sections']:
        raise inputs.InputError(where + '.sections', rule['sections'], 'expected a list of section names')
    for index, section in enumerate(rule['sections']):
        text_gate.single_line('%s.sections[%d]' % (where, index), section, 'a section')
    _check_provenance(where, rule, ports)


def check_rules(rules):
    """Renderers take rules from compact_rules(); refuse anything else by name, and names twice."""
    rules = inputs.as_list('rules', rules)
    names = set()
    for index, rule in enumerate(rules):
        _check_rule('rules[%d]' % index, rule)
        if rule['name'] in names:
            raise inputs.InputError('rules[%d].name' % index, rule['name'], 'another rule has this name')
        names.add(rule['name'])
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
