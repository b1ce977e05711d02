# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every platform renderer shares: provenance text and port notation."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils import text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.engine import EXTRA_SECTION


COMMENT_PREFIX = 'atea-anywhere'


def fit(text, limit):
    """Cut text to at most limit UTF-8 bytes, marking the cut with '...'."""
    encoded = text.encode('utf-8')
    if len(encoded) <= limit:
        return text
    return encoded[:limit - 3].decode('utf-8', 'ignore').rstrip() + '...'


def rule_comment(rule, limit):
    """'atea-anywhere outbound-mpls-tcp-ipv4: 2.1' - the rule and the sections it serves."""
    return fit('%s %s: %s' % (COMMENT_PREFIX, rule['name'], ', '.join(rule['sections'])), limit)


def provenance_text(entries, limit):
    """Section and purpose of each entry; the short name where the purposes do not fit."""
    for field in ('purpose', 'name'):
        text = '; '.join('%s %s' % (p['section'], p[field]) for p in entries)
        if len(text.encode('utf-8')) <= limit:
            return text
    return fit(text, limit)


def check_comment_texts(platform, rules):
    """Every free text a rule's comments are made of (sections, and the provenance's sections, purposes and
    names), as the platform can hold it; an InputError names the rule and field otherwise."""
    for index, rule in enumerate(rules):
        for number, section in enumerate(rule['sections']):
            text_gate.comment_text(platform, 'rules[%d].sections[%d]' % (index, number), section)
        for number, entry in enumerate(rule['provenance']):
            where = 'rules[%d].provenance[%d]' % (index, number)
            if entry['section'] == EXTRA_SECTION:
                # A survey user wrote it as an extra flow: name that, not the rule it was merged into.
                where = 'extra_flows[id=%s]' % entry['id']
            for key in ('section', 'purpose', 'name'):
                text_gate.comment_text(platform, '%s.%s' % (where, key), entry[key])


# The netfilter hooks each placement filters on; every Linux manager's renderer lays its chains out by them.
HOOKS = {'gateway': ('forward',), 'host': ('input', 'output')}
PLACEMENTS = tuple(HOOKS)


def hooks_of(rule, placement):
    """The hooks whose chain carries rule: forward for gateway placement; for host placement input for inbound and
    internal rules, output for outbound and internal ones."""
    if placement == 'gateway':
        return ('forward',)
    return tuple(hook for hook, directions in (('input', ('inbound', 'internal')), ('output', ('outbound', 'internal')))
                 if rule['direction'] in directions)


def rules_by_hook(rules, placement):
    """Hook -> the rules its chain carries, for the placement."""
    by_hook = dict((hook, []) for hook in HOOKS[placement])
    for rule in rules:
        for hook in hooks_of(rule, placement):
            by_hook[hook].append(rule)
    return by_hook


def port_text(port_range):
    low, high = port_range
    return str(low) if low == high else '%d-%d' % (low, high)
