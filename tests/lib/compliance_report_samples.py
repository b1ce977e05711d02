# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inputs of the compliance report made from the real rule data, with the statuses a test chooses.

The rows are compliance.document_rows() of the rules of a profile (what atea.anywhere.compliance_info reports
on), the want texts the nftables rules the collection renders for them; statuses, have texts and details are
set as a firewall in that state would show them.
"""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils import compliance, engine, render_nftables

DETAILS = {
    'in_place': 'as wanted',
    'missing': 'no object of rule %s',
    'different': 'port %s not allowed by the rule found',
    'unknown': 'nft could not be run: permission denied',
}


def host_compliance(host, profile, status_of, platform='nftables', placement='gateway', extra_flows=None,
                    customer_networks=None, source='live'):
    """The compliance of host: status_of(index, row) gives each row's status."""
    rules = engine.compact_rules(engine.build_flows(profile, customer_networks=customer_networks,
                                                    extra_flows=extra_flows))
    statements = dict((rule['name'], render_nftables.rule_statement(rule)) for rule in rules)
    rows = compliance.document_rows(rules)
    for index, row in enumerate(rows):
        status = status_of(index, row)
        want = statements[row['rule']]
        low, _high = row['destination_ports'][0] if row['destination_ports'] else (None, None)
        row.update(status=status, want=None if status == 'unknown' else want,
                   have={'in_place': want, 'different': want.replace('dport', 'dport != ', 1)}.get(status),
                   detail=DETAILS[status] % (row['rule'] if status == 'missing' else low) if '%' in DETAILS[status]
                   else DETAILS[status])
    return {'host': host, 'platform': platform, 'placement': placement, 'source': source,
            'read_from': 'nft -j list ruleset', 'rows': rows, 'counts': compliance.counts(rows),
            'checklist': compliance.checklist((True, 'nf_conntrack_sip and nf_conntrack_h323 are not loaded'))}


def site_reachability(site, profile='smb', states=('open', 'open', 'closed', 'filtered', 'not_checked')):
    """A site's reachability: TCP probes of the profile's flows to documentation addresses in the given states."""
    flows = [f for f in engine.build_flows(profile) if f['family'] == 'ipv4' and f['direction'] == 'outbound']
    tcp = [f for f in flows if f['protocol'] == 'tcp']
    udp = [f for f in flows if f['protocol'] == 'udp']
    probes = []
    for index, flow in enumerate(tcp[:len(states)]):
        state = states[index]
        probes.append({'address': '203.0.113.10', 'port': flow['destination_ports'][0][0], 'section': flow['section'],
                       'purpose': flow['purpose'], 'state': state,
                       'seconds': None if state == 'not_checked' else 0.25 * (index + 1),
                       'detail': {'open': 'connected', 'closed': 'connection refused', 'filtered': 'no answer in 3 s',
                                  'not_checked': 'the budget of 60 s was spent'}[state]})
    return {'site': site, 'profile': profile, 'budget_seconds': 60, 'timeout_seconds': 3, 'total_seconds': 4.5,
            'tcp': probes,
            'udp': [{'address': '203.0.113.10', 'ports': flow['destination_ports'], 'section': flow['section'],
                     'purpose': flow['purpose'], 'state': 'not_proven',
                     'checked_instead': 'the route to 203.0.113.10 leaves through the firewall; TCP to the same '
                                        'address is open'} for flow in udp],
            'counts': dict((state, sum(1 for p in probes if p['state'] == state))
                           for state in ('open', 'closed', 'filtered', 'not_checked'))}
