# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A rule set as a plain-text table, for job logs and change review."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules, provenance_by_range
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import port_text

COLUMNS = ('RULE', 'SECTION', 'DIRECTION', 'PROTOCOL', 'SOURCE PORTS', 'PORTS', 'NETWORKS', 'PURPOSE')


def _rows(rule):
    networks = '%s -> %s' % (rule['source_network'] or ', '.join(rule['sources']),
                             rule['destination_network'] or ', '.join(rule['destinations']))
    source_ports = ', '.join(port_text(r) for r in rule['source_ports']) or 'any'
    common = (rule['direction'], rule['protocol'] + ('' if rule['family'] == 'ipv4' else '6'), source_ports)
    if not rule['destination_ports']:
        purposes = '; '.join(dict.fromkeys(p['name'] for p in rule['provenance']))
        yield (rule['name'], ', '.join(rule['sections'])) + common + (rule['icmp_type'], networks, purposes)
        return
    for port_range, entries in provenance_by_range(rule):
        sections = ', '.join(dict.fromkeys(p['section'] for p in entries))
        purposes = '; '.join(dict.fromkeys(p['name'] for p in entries))
        yield (rule['name'], sections) + common + (port_text(port_range), networks, purposes)


def _legend(rules):
    """'name = cidr, ...' for every named network the rules use."""
    named = {}
    for rule in rules:
        for name, cidrs in ((rule['source_network'], rule['sources']), (rule['destination_network'], rule['destinations'])):
            if name:
                named.setdefault(name, dict()).update(dict.fromkeys(cidrs))
    return ['%s = %s' % (name, ', '.join(cidrs)) for name, cidrs in sorted(named.items())]


def rule_table(rules):
    """Text table, one line per rule and merged port range, then the networks the names stand for."""
    rules = check_rules(rules)
    rows = [row for rule in rules for row in _rows(rule)]
    widths = [max(len(str(cell)) for cell in column) for column in zip(COLUMNS, *rows)]
    lines = ['  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [COLUMNS] + rows]
    lines.insert(1, '  '.join('-' * width for width in widths))
    lines.append('')
    lines.extend(_legend(rules))
    return '\n'.join(lines) + '\n'
