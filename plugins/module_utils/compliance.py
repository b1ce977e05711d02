# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per document row: is what the rules want in place on the firewall, as read from its live state?

A *row* is one flow of the requirement data (a requirement row for one protocol and address family); every
rule from atea.anywhere.rules carries the rows it serves as provenance entries, so the rows come from the rules.

A platform reader (compliance_linux, compliance_network) gives *units*: the objects the renderer writes for each
rule (nftables rules, iptables lines, ufw rules, firewalld rich rules, configuration lines), and the live objects
of the same identity (the rule's name in their comment, or the object names). A unit has a key (what it matches,
without its destination ports), the destination port ranges it allows (None where it has none, or they cannot be
read) and its text; a live unit may say what keeps it from deciding packets (shadow: a rule not of the collection
before it in its chain). A row's wanted units are those of its rule that carry its ports (every one for a rule
without ports), its live units those of its rule that overlap its ports; it is
- in_place: each wanted unit has a live unit of the same key that allows the row's ports among the unit's, no live
  unit of the rule for the row's ports has a key the rule does not want (another verdict, other matches) or allows
  ports around the row's that the rule does not want, and nothing keeps them from deciding packets;
- missing: no live unit of its rule overlaps its ports;
- different: otherwise (the detail says what);
- unknown: the state could not be read (the detail says what to do).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.atea.anywhere.plugins.module_utils.engine import FAMILIES, check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import collapse_ranges
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import port_text
from ansible_collections.atea.anywhere.plugins.module_utils.requirements import CHECKLIST, PROTOCOLS, SECTIONS

STATUSES = ('in_place', 'missing', 'different', 'unknown')
HIDS_DETAIL = ('Symantec Host IDS runs on the clients, not on a firewall: add Cisco Jabber to its exception list '
               'there (a person has to)')
_SECTION_RANK = dict((s.number, rank) for rank, s in enumerate(SECTIONS))


class Unit(namedtuple('Unit', 'rule key ranges text place shadow', defaults=(None, None))):
    """One object of a rule: its rule's name, its key (what it matches without destination ports), its destination
    port ranges ((low, high) tuples, or None), its text as the platform shows it, where it is (a chain, a family:
    what the reading's unreached reasons are keyed by, also with the row's family as (place, family)), and, for a
    live object, why it may not decide packets where it is (shadow; None when nothing comes before it)."""

    __slots__ = ()


class Unread(Exception):
    """The platform's state could not be read: every row is unknown, and this says why and what to do (read_from:
    what was tried)."""

    def __init__(self, message, read_from=''):
        super(Unread, self).__init__(message)
        self.read_from = read_from


def document_rows(rules):
    """One row per flow, from the rules' provenance, in document order (section, then as the rules list them)."""
    rows = []
    for rule in check_rules(rules):
        for entry in rule['provenance']:
            rows.append({
                'id': entry['id'], 'section': entry['section'], 'name': entry['name'], 'purpose': entry['purpose'],
                'direction': rule['direction'], 'protocol': rule['protocol'], 'family': rule['family'],
                'source_network': rule['source_network'], 'destination_network': rule['destination_network'],
                'sources': list(rule['sources']), 'destinations': list(rule['destinations']),
                'destination_ports': [list(r) for r in entry['destination_ports']],
                'source_ports': [list(r) for r in rule['source_ports']],
                'status': 'unknown', 'rule': rule['name'], 'want': None, 'have': None, 'detail': '',
            })
    rows.sort(key=lambda row: (_SECTION_RANK.get(row['section'], len(SECTIONS)), PROTOCOLS.index(row['protocol']),
                               FAMILIES.index(row['family'])))
    return rows


def _intersection(ranges, others):
    """The parts of ranges that lie in others."""
    parts = []
    for low, high in ranges:
        for other_low, other_high in others:
            if max(low, other_low) <= min(high, other_high):
                parts.append((max(low, other_low), min(high, other_high)))
    return list(collapse_ranges(parts))


def _minus(ranges, others):
    """The parts of ranges outside the union of others."""
    left = []
    for low, high in ranges:
        start = low
        for other_low, other_high in collapse_ranges(others):
            if other_high < start or other_low > high:
                continue
            if other_low > start:
                left.append((start, other_low - 1))
            start = max(start, other_high + 1)
        if start <= high:
            left.append((start, high))
    return left


def _ports(ranges):
    return ', '.join(port_text(r) for r in ranges)


def _one_line(text):
    return ' '.join(text.split())


def judge(row, wanted, live, unreached=None, where=''):
    """(status, detail, want, have) of one row: wanted and live are the units of the row's rule; unreached: place, or
    (place, family) -> why the objects there do not decide packets even where they are as wanted."""
    ranges = [tuple(r) for r in row['destination_ports']]

    def overlaps(unit):
        return unit.ranges is None or not ranges or bool(_intersection(ranges, unit.ranges))
    required = [u for u in wanted if overlaps(u)]
    want = '\n'.join(u.text for u in required) or None
    if not required:
        return 'unknown', 'the renderer writes nothing for rule %s here, so nothing can show the row in place' \
            % row['rule'], None, '\n'.join(u.text for u in live) or None
    present = [u for u in live if overlaps(u)]
    if not present:
        instead = _minus([r for u in live for r in (u.ranges or ())], [r for u in wanted for r in (u.ranges or ())])
        others = ' for port %s, though other objects of it are there%s' % (
            _ports(ranges), ' (allowing port %s instead)' % _ports(instead) if instead else '') if live else ''
        return 'missing', 'no object of rule %s%s%s' % (row['rule'], others, where), want, None
    by_key, wanted_ranges = {}, {}
    for unit in live:
        by_key.setdefault(unit.key, []).append(unit)
    for unit in wanted:
        wanted_ranges.setdefault(unit.key, []).extend(unit.ranges or ())
    gaps, seen, shadows = [], [], []
    for unit in required:
        found = by_key.get(unit.key, [])
        seen.extend(f.text for f in found if f.text not in seen)
        if not found:
            gaps.append('not found as wanted: %s' % _one_line(unit.text))
        elif unit.ranges is not None and ranges:
            lacking = _minus(_intersection(ranges, unit.ranges), [r for f in found for r in (f.ranges or ())])
            if lacking:
                gaps.append('port %s not allowed by the rule found (%s)' % (_ports(lacking), _one_line(found[0].text)))
    for unit in present:
        if unit.key not in wanted_ranges:
            seen.extend([unit.text] if unit.text not in seen else [])
            gaps.append('an object named for rule %s is not as wanted (another verdict or other matches): %s'
                        % (row['rule'], _one_line(unit.text)))
        elif unit.ranges is not None and ranges and wanted_ranges[unit.key]:
            # The live ranges that carry the row's ports, beyond what the rule wants: a broader rule allows more.
            extra = _minus([r for r in unit.ranges if _intersection(ranges, [r])], wanted_ranges[unit.key])
            if extra:
                gaps.append('also allows port %s, which the document does not ask for (%s)'
                            % (_ports(extra), _one_line(unit.text)))
        if unit.shadow and unit.shadow not in shadows:
            shadows.append(unit.shadow)
    have = '\n'.join(seen or [u.text for u in present])
    if gaps:
        return 'different', '; '.join(gaps + shadows), want, have
    reasons = [(unreached or {}).get(key) for u in required for key in (u.place, (u.place, row.get('family')))]
    reasons = [reason for reason in dict.fromkeys(shadows + reasons) if reason]
    if reasons:
        return 'different', '; '.join(reasons), want, have
    return 'in_place', 'as wanted%s' % where, want, have


def counts(rows):
    return dict((status, sum(1 for row in rows if row['status'] == status)) for status in STATUSES)


def checklist(voip=None):
    """The document's section 1 for this host. voip: (done, detail) of 1.1 as read from the host, or None where it
    cannot be read (then a person checks it)."""
    items = []
    for item in CHECKLIST:
        entry = dict(item._asdict())
        if item.section == '1.1' and voip is not None:
            done, detail = voip
            entry.update(status='done' if done else 'left_to_a_person', detail=detail)
        elif item.section == '1.1':
            entry.update(status='left_to_a_person', detail='the SIP and H.323 inspection (ALG) of this platform '
                         'cannot be read from its state here: check that it is off')
        else:
            entry.update(status='left_to_a_person', detail=HIDS_DETAIL)
        items.append(entry)
    return items


def report(host, platform, placement, rules, reading, voip=None):
    """The compliance of one host. reading() -> (source, read_from, wanted units, live units, unreached, where);
    unreached: place (see Unit) -> why the objects there do not decide packets. A reading that raises Unread makes every
    row unknown, the reason as detail."""
    rows = document_rows(rules)
    try:
        source, read_from, wanted, live, unreached, where = reading()
    except Unread as error:
        source, read_from = 'none', error.read_from
        for row in rows:
            row['detail'] = str(error)
    else:
        for row in rows:
            row['status'], row['detail'], row['want'], row['have'] = judge(
                row, [u for u in wanted if u.rule == row['rule']], [u for u in live if u.rule == row['rule']],
                unreached, where)
    return {'host': host, 'platform': platform, 'placement': placement, 'source': source, 'read_from': read_from,
            'rows': rows, 'counts': counts(rows), 'checklist': checklist(voip)}
