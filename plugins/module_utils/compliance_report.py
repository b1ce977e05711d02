# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report: per firewall and document row what is in place, as JSON, Markdown and one HTML page.

build() checks its inputs (the ``compliance`` of each firewall from atea.anywhere.compliance_info, the
``reachability`` of each site from atea.anywhere.reachability, the hosts that failed before their compliance was
read) and gathers them into the report's data, which is the JSON file; markdown() and html() render that data.

Every text that came from an inventory or a device (host names, purposes of extra flows, rule texts, error
messages) is escaped for where it goes: html.escape() in the HTML page (and a Content-Security-Policy that
allows no script), a backslash before every character with a meaning in Markdown (and nothing that GitHub would
make a link of), line breaks as <br>; a bidirectional formatting character as a visible escape (\\u202e) in both.
Section numbers and titles come from module_utils/requirements.py, the one copy of the document.

The files hold no clock time: the same state gives the same bytes, so a run that finds nothing new changes
nothing, and a changed report is a changed state. The job (AWX) or the file's time says when it was read.
"""

from __future__ import annotations

import html
import json
import os
import re
import unicodedata

from ansible_collections.atea.anywhere.plugins.module_utils import compliance, engine, files
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.reachability import STATES as TCP_STATES
from ansible_collections.atea.anywhere.plugins.module_utils.render_files import directory as resolve_directory
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import port_text
from ansible_collections.atea.anywhere.plugins.module_utils.text_gate import BIDI_CONTROLS
from ansible_collections.atea.anywhere.plugins.module_utils.requirements import (
    ATEA_NETWORKS,
    CHECKLIST,
    PROFILES,
    SECTIONS,
)

TITLE = 'Atea Anywhere firewall compliance report'
FILES = {'json': 'atea-anywhere-report.json', 'markdown': 'atea-anywhere-report.md',
         'html': 'atea-anywhere-report.html'}

# Worst first: a missing rule blocks the service, a different one may, an unknown one was not proven.
STATUSES = ('missing', 'different', 'unknown', 'in_place')
STATUS_TEXT = {'in_place': 'in place', 'missing': 'missing', 'different': 'different', 'unknown': 'unknown'}
STATUS_MEANING = {
    'in_place': 'a rule on the firewall allows the row as the document asks',
    'missing': 'no rule on the firewall allows the row',
    'different': 'a rule for the row is there, but allows other ports, networks or protocols than the document asks',
    'unknown': 'the firewall\'s rules could not be read or compared for the row',
}
# Colours of the statuses in the HTML page (text on them is white); the browser test looks for them.
COLOURS = {'in_place': '#1e7b34', 'missing': '#c0262d', 'different': '#b35c00', 'unknown': '#5f6b7a'}
CHECKLIST_STATUSES = ('done', 'left_to_a_person')
# Section 1.2 is about the Symantec host IDS on the users' computers, not a firewall: no run can do it.
PERSON_ONLY = ('1.2',)
UDP_STATEMENT = ('UDP reachability cannot be proven from a site: a UDP port that is open and one that a firewall '
                 'drops both stay silent towards a probe that is not the service\'s own protocol. Each UDP row '
                 'says what was checked instead.')

_SECTION = dict((s.number, s) for s in SECTIONS)
_SECTION_RANK = dict((s.number, rank) for rank, s in enumerate(SECTIONS))
_SHORT_DIRECTION = {'outbound': 'out', 'inbound': 'in', 'internal': 'internal'}
_NETWORK_TITLE = {'customer': 'Customer networks', 'mpls': 'Atea Anywhere over MPLS/WAN',
                  'internet': 'Atea Anywhere over internet'}
_ROW_TEXTS = ('id', 'section', 'purpose', 'protocol', 'status')
_ROW_OPTIONAL_TEXTS = ('name', 'direction', 'family', 'source_network', 'destination_network', 'rule', 'want',
                       'have', 'detail')


# ---------------------------------------------------------------------------------------------------------------
# Inputs

def _quoted(text):
    """Text for an error's option name: every character that is not printable (a line break, a bidirectional
    control) as its Python escape (\\n, \\u202e), as the value itself is shown (repr)."""
    return ''.join(char if char.isprintable() else char.encode('unicode_escape').decode('ascii') for char in text)


def _mapping(where, value):
    if not isinstance(value, dict):
        raise InputError(where, value, 'expected a mapping')
    return value


def _list(where, value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(where, value, 'expected a list')
    return value


def _text(where, value, optional=False):
    """A text to show; None where optional. Numbers are texts (a host named 10, a port)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(where, value, 'expected a text')
    return str(value)


def _choice(where, value, choices):
    if value not in choices:
        raise InputError(where, value, 'unknown value', choices)
    return value


def _ports(where, value):
    ports = []
    for index, pair in enumerate(_list(where, value)):
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 65535 for p in pair)):
            raise InputError('%s[%d]' % (where, index), pair, 'expected a [low, high] pair of port numbers')
        ports.append([pair[0], pair[1]])
    return ports


def _row(where, row):
    _mapping(where, row)
    checked = {}
    for key in _ROW_TEXTS:
        checked[key] = _text('%s.%s' % (where, key), row.get(key))
    for key in _ROW_OPTIONAL_TEXTS:
        checked[key] = _text('%s.%s' % (where, key), row.get(key), optional=True)
    for key in ('sources', 'destinations'):
        values = _list('%s.%s' % (where, key), row.get(key))
        checked[key] = [_text('%s.%s[%d]' % (where, key, i), v) for i, v in enumerate(values)]
    for key in ('destination_ports', 'source_ports'):
        checked[key] = _ports('%s.%s' % (where, key), row.get(key))
    _choice(where + '.status', checked['status'], STATUSES)
    return checked


def _checklist(where, items):
    """The host's checklist in document order: every item of section 1, with the host's status where it gave one.

    An item the host does not mention is left to a person; 1.2 always is, and a host that says it did it is
    refused (it cannot know).
    """
    given = {}
    for index, item in enumerate(_list(where, items)):
        at = '%s[%d]' % (where, index)
        _mapping(at, item)
        item_id = _text(at + '.id', item.get('id'))
        given[item_id] = (at, item)
    result = []
    for entry in CHECKLIST:
        at, item = given.pop(entry.id, (None, {}))
        status = item.get('status', 'left_to_a_person')
        if at is not None:
            _choice(at + '.status', status, CHECKLIST_STATUSES)
        if entry.section in PERSON_ONLY and status != 'left_to_a_person':
            raise InputError(at + '.status', status, 'section %s is not on the firewall; it is always left to a '
                             'person' % entry.section)
        result.append({'id': entry.id, 'section': entry.section, 'title': entry.title, 'action': entry.action,
                       'status': status,
                       'detail': _text((at or where) + '.detail', item.get('detail'), optional=True)})
    for item_id, (at, _item) in given.items():
        raise InputError(at + '.id', item_id, 'not an item of section 1 of the document', [c.id for c in CHECKLIST])
    return result


def counts_of(rows):
    """{status: how many} of the rows (compliance.counts) for every status, in the order of STATUSES."""
    counted = compliance.counts(list(rows))
    return dict((status, counted[status]) for status in STATUSES)


def worst(statuses):
    """The worst of statuses (STATUSES order), or None for none."""
    present = set(statuses)
    return next((status for status in STATUSES if status in present), None)


def _host(where, compliance):
    _mapping(where, compliance)
    name = _text(where + '.host', compliance.get('host'))
    where = 'compliance[host=%s]' % _quoted(name)
    rows = [_row('%s.rows[%d]' % (where, i), row) for i, row in enumerate(_list(where + '.rows', compliance.get('rows')))]
    return {
        'host': name,
        'platform': _text(where + '.platform', compliance.get('platform'), optional=True),
        'placement': _text(where + '.placement', compliance.get('placement'), optional=True),
        'source': _text(where + '.source', compliance.get('source'), optional=True),
        'read_from': _text(where + '.read_from', compliance.get('read_from'), optional=True),
        'counts': counts_of(rows),
        'worst': worst(row['status'] for row in rows),
        'rows': rows,
        'checklist': _checklist(where + '.checklist', compliance.get('checklist')),
    }


def _site(where, reach):
    _mapping(where, reach)
    name = _text(where + '.site', reach.get('site'))
    where = 'reachability[site=%s]' % _quoted(name)
    tcp = []
    for index, probe in enumerate(_list(where + '.tcp', reach.get('tcp'))):
        at = '%s.tcp[%d]' % (where, index)
        _mapping(at, probe)
        tcp.append({'address': _text(at + '.address', probe.get('address')),
                    'port': _text(at + '.port', probe.get('port')),
                    'section': _text(at + '.section', probe.get('section'), optional=True),
                    'purpose': _text(at + '.purpose', probe.get('purpose'), optional=True),
                    'state': _choice(at + '.state', probe.get('state'), TCP_STATES),
                    'seconds': probe.get('seconds') if isinstance(probe.get('seconds'), (int, float)) else None,
                    'detail': _text(at + '.detail', probe.get('detail'), optional=True)})
    udp = []
    for index, probe in enumerate(_list(where + '.udp', reach.get('udp'))):
        at = '%s.udp[%d]' % (where, index)
        _mapping(at, probe)
        udp.append({'address': _text(at + '.address', probe.get('address')),
                    'ports': _ports(at + '.ports', probe.get('ports')),
                    'section': _text(at + '.section', probe.get('section'), optional=True),
                    'purpose': _text(at + '.purpose', probe.get('purpose'), optional=True),
                    'state': _text(at + '.state', probe.get('state'), optional=True) or 'not_proven',
                    'checked_instead': _text(at + '.checked_instead', probe.get('checked_instead'), optional=True)})
    numbers = dict((key, reach.get(key) if isinstance(reach.get(key), (int, float)) else None)
                   for key in ('budget_seconds', 'timeout_seconds', 'total_seconds'))
    states = [probe['state'] for probe in tcp]
    return dict(numbers, site=name, profile=_text(where + '.profile', reach.get('profile'), optional=True),
                tcp=tcp, udp=udp, counts=dict((state, states.count(state)) for state in TCP_STATES))


def _failed(index, entry):
    where = 'failed_hosts[%d]' % index
    _mapping(where, entry)
    return {'name': _text(where + '.name', entry.get('name')),
            'message': _text(where + '.message', entry.get('message'), optional=True) or 'failed'}


def _unique(option, items, key):
    seen = set()
    for item in items:
        if item[key] in seen:
            raise InputError(option, item[key], 'given twice')
        seen.add(item[key])
    return sorted(items, key=lambda item: item[key])


def build(compliance, reachability=None, failed_hosts=None, profile=None):
    """The report's data (the JSON document) from the per-host compliance, per-site reachability and failures."""
    profile = _choice('profile', profile, sorted(PROFILES)) if profile is not None else None
    hosts = _unique('compliance.host', [_host('compliance[%d]' % i, c) for i, c in
                                        enumerate(_list('compliance', compliance))], 'host')
    sites = _unique('reachability.site', [_site('reachability[%d]' % i, r) for i, r in
                                          enumerate(_list('reachability', reachability))], 'site')
    failed = _unique('failed_hosts.name', [_failed(i, f) for i, f in enumerate(_list('failed_hosts', failed_hosts))],
                     'name')
    for entry in failed:
        if any(host['host'] == entry['name'] for host in hosts):
            raise InputError('failed_hosts', entry['name'], 'has a compliance as well; a host either failed or '
                             'was read')
    numbers = list(PROFILES[profile]) if profile else []
    numbers += sorted(set(row['section'] for host in hosts for row in host['rows']) - set(numbers),
                      key=lambda number: (_SECTION_RANK.get(number, len(SECTIONS)), number))
    left = []
    for entry in CHECKLIST:
        names = [host['host'] for host in hosts
                 if any(item['id'] == entry.id and item['status'] == 'left_to_a_person' for item in host['checklist'])]
        if names or entry.section in PERSON_ONLY:
            left.append({'id': entry.id, 'section': entry.section, 'title': entry.title, 'action': entry.action,
                         'hosts': names})
    return {
        'title': TITLE,
        'profile': profile,
        'sections': [section_entry(number) for number in numbers],
        'statuses': dict((status, STATUS_MEANING[status]) for status in STATUSES),
        'counts': counts_of(row for host in hosts for row in host['rows']),
        'hosts': hosts,
        'failed_hosts': failed,
        'left_to_a_person': left,
        'sites': sites,
    }


def section_entry(number):
    """{section, title, direction, network} of a document section; the customer's own flows are 'extra'."""
    section = _SECTION.get(number)
    if section is None:
        return {'section': number, 'title': 'Flows of the customer\'s own (extra_flows)' if
                number == engine.EXTRA_SECTION else 'Section %s' % number, 'direction': None, 'network': None}
    return {'section': number, 'title': section.title, 'direction': section.direction, 'network': section.network}


def aggregate(report):
    """What a play needs of the report: counts per host and in all, and the hosts that failed."""
    return {'hosts': dict((host['host'], host['counts']) for host in report['hosts']),
            'counts': report['counts'], 'failed_hosts': report['failed_hosts']}


# ---------------------------------------------------------------------------------------------------------------
# Shared by the renderings

def _clean(text):
    """Text as a page can hold it: control characters (but line breaks and tabs) and lone surrogates as U+FFFD, and
    bidirectional formatting characters, which would reorder the cells around them, as visible escapes (\\u202e)."""
    out = []
    for char in text.replace('\r\n', '\n'):
        category = unicodedata.category(char)
        if char in '\n\t':
            out.append(char)
        elif char in '\r\x85\u2028\u2029':
            out.append('\n')
        elif category in ('Cc', 'Cs'):
            out.append('\ufffd')
        elif char in BIDI_CONTROLS:
            out.append('\\u%04x' % ord(char))
        else:
            out.append(char)
    return ''.join(out)


def counts_text(counts):
    """'30 in place, 2 missing': the statuses that occur, best first."""
    parts = ['%d %s' % (counts[status], STATUS_TEXT[status]) for status in reversed(STATUSES) if counts.get(status)]
    return ', '.join(parts) or 'no rows'


def ports_text(row):
    if row['protocol'] == 'icmp':
        return 'echo'
    return ', '.join(port_text(pair) for pair in row['destination_ports']) or 'any'


def protocol_text(row):
    return row['protocol'] + (' (IPv6)' if row['family'] == 'ipv6' else '')


def networks_text(row):
    """'customer -> internet'; CIDRs where a row has no network names."""
    source = row['source_network'] or ', '.join(row['sources']) or '?'
    destination = row['destination_network'] or ', '.join(row['destinations']) or '?'
    text = '%s -> %s' % (source, destination)
    if row['source_ports']:
        text += ' (source ports %s)' % ', '.join(port_text(pair) for pair in row['source_ports'])
    return text


def network_legend(host):
    """[(name, CIDRs)] of the named networks the host's rows use, customer first."""
    named = {}
    for row in host['rows']:
        for name, cidrs in ((row['source_network'], row['sources']), (row['destination_network'], row['destinations'])):
            if name:
                named.setdefault(name, dict()).update(dict.fromkeys(cidrs))
    order = ['customer'] + sorted(ATEA_NETWORKS)
    return [(name, list(named[name])) for name in sorted(named, key=lambda n: (order.index(n) if n in order else 9, n))]


def _section_label(number):
    return 'extra (flows of the customer\'s own)' if number == engine.EXTRA_SECTION else number


def _row_shown(row):
    """Want and have are shown for rows that are not in place."""
    return row['status'] != 'in_place'


# ---------------------------------------------------------------------------------------------------------------
# JSON

def json_text(report):
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=True) + '\n'


# ---------------------------------------------------------------------------------------------------------------
# Markdown

# What has a meaning inside a line of Markdown (GitHub's too: ~ strikes through, $ starts math); CommonMark lets any
# ASCII punctuation be escaped with a backslash.
_MD_INLINE = frozenset('\\`*_{}[]<>|~&!$')
# What starts a block (heading, list, quote, setext underline, thematic break) at the start of a line.
_MD_BLOCK_START = re.compile(r'[#+=>-]|[0-9]+[.)](?= |$)')


def md(text):
    """Text as literal Markdown: a backslash before every character with a meaning inside a line and before a
    block marker at its start, line breaks as <br>, tabs as spaces and no leading spaces (an indented code
    block), so a table cell stays one cell and a list item one item.

    Nor does any of it become a link by GitHub's autolinks (the GFM autolink extension): a backslash before a ':'
    that follows a letter (https://, mailto:, xmpp:) and before the '.' after 'www', and every '@' in a code span
    of its own, since GitHub finds an e-mail address (a@b.example) across backslash escapes and character
    references alike."""
    if text is None:
        return ''
    text = _clean(str(text)).replace('\t', ' ').lstrip(' ')
    marker = _MD_BLOCK_START.match(text)
    head = ''
    if marker:
        head, text = marker.group()[:-1] + '\\' + marker.group()[-1], text[marker.end():]
    out = []
    for index, char in enumerate(text):
        before = text[max(index - 3, 0):index]
        if char == '\n':
            out.append('<br>')
        elif char == '@':
            out.append('`@`')
        elif char in _MD_INLINE or (char == ':' and before[-1:].isascii() and before[-1:].isalpha()) or (
                char == '.' and before.lower() == 'www'):
            out.append('\\' + char)
        else:
            out.append(char)
    return head + ''.join(out)


def _md_table(header, rows):
    lines = ['| %s |' % ' | '.join(header), '|%s|' % '|'.join('---' for _cell in header)]
    lines.extend('| %s |' % ' | '.join(md(cell) if cell != '' else ' ' for cell in row) for row in rows)
    return lines + ['']


def _md_want_have(row):
    if not _row_shown(row):
        return ('', '')
    return (row['want'] or '', row['have'] if row['have'] is not None else '(none)')


def markdown(report):
    """The report as one Markdown document (GitHub tables)."""
    out = ['# ' + md(TITLE), '']
    out.append('Profile: %s. Document sections: %s.' % (
        md(report['profile'] or 'none given'),
        md(', '.join('%s %s' % (s['section'], s['title']) for s in report['sections']) or 'none')))
    out.append('')
    out += ['Statuses: ' + md('; '.join('%s: %s' % (STATUS_TEXT[s], m) for s, m in ((s, report['statuses'][s]) for s in STATUSES)))
            + '.', '']
    out += ['## Summary', '']
    out += _md_table(['Host', 'Platform', 'Read from', 'In place', 'Missing', 'Different', 'Unknown'],
                     [[h['host'], h['platform'] or '', '%s: %s' % (h['source'] or 'none', h['read_from'] or ''),
                       h['counts']['in_place'], h['counts']['missing'], h['counts']['different'],
                       h['counts']['unknown']] for h in report['hosts']]
                     + [['All (%d hosts)' % len(report['hosts']), '', '', report['counts']['in_place'],
                         report['counts']['missing'], report['counts']['different'], report['counts']['unknown']]])
    out += ['## Hosts that failed', '']
    if report['failed_hosts']:
        out += ['Their rules were not read; they are not in the counts.', '']
        out += _md_table(['Host', 'Message'], [[f['name'], f['message']] for f in report['failed_hosts']])
    else:
        out += ['None.', '']
    out += ['## Left to a person', '']
    for item in report['left_to_a_person']:
        where = ('hosts: ' + ', '.join(item['hosts'])) if item['hosts'] and item['section'] not in PERSON_ONLY \
            else 'every site'
        out.append('- %s (%s): %s' % (md('%s %s' % (item['section'], item['title'])), md(where), md(item['action'])))
    out.append('')
    for host in report['hosts']:
        out += _md_host(host)
    out += _md_sites(report['sites'])
    return '\n'.join(out).rstrip('\n') + '\n'


def _md_host(host):
    out = ['## Host %s' % md(host['host']), '']
    out.append('Platform %s, placement %s; read from %s (%s). %s.' % (
        md(host['platform'] or 'unknown'), md(host['placement'] or 'unknown'), md(host['read_from'] or 'nothing'),
        md(host['source'] or 'none'), md(counts_text(host['counts']))))
    out.append('')
    out += _md_table(['Section', 'Row', 'Purpose', 'Protocol', 'Ports', 'Networks', 'Status', 'Rule', 'Want', 'Have',
                      'Detail'],
                     [[_section_label(r['section']), r['id'], r['purpose'], protocol_text(r), ports_text(r),
                       networks_text(r), STATUS_TEXT[r['status']], r['rule'] or ''] + list(_md_want_have(r))
                      + [r['detail'] or ''] for r in host['rows']])
    legend = network_legend(host)
    if legend:
        out += ['Networks: ' + md('; '.join('%s = %s' % (name, ', '.join(cidrs)) for name, cidrs in legend)) + '.', '']
    out += _md_table(['Checklist', 'Status', 'Action', 'Detail'],
                     [['%s %s' % (c['section'], c['title']), c['status'].replace('_', ' '), c['action'],
                       c['detail'] or ''] for c in host['checklist']])
    return out


def _md_sites(sites):
    out = ['## Reachability from the sites', '']
    if not sites:
        return out + ['No site host was checked (inventory group atea_anywhere_sites).', '']
    for site in sites:
        out += ['### Site %s' % md(site['site']), '']
        out += [md('Timeout per port %s s, budget %s s, took %s s. TCP: %s.' % (
            _number(site['timeout_seconds']), _number(site['budget_seconds']), _number(site['total_seconds']),
            ', '.join('%d %s' % (n, s.replace('_', ' ')) for s, n in ((s, site['counts'][s]) for s in TCP_STATES) if n) or 'none')), '']
        out += _md_table(['Address', 'Port', 'Section', 'Purpose', 'State', 'Seconds', 'Detail'],
                         [[p['address'], p['port'], p['section'] or '', p['purpose'] or '', p['state'].replace('_', ' '),
                           _number(p['seconds']), p['detail'] or ''] for p in site['tcp']])
        out += [md(UDP_STATEMENT), '']
        out += _md_table(['Address', 'Ports', 'Section', 'Purpose', 'State', 'Checked instead'],
                         [[p['address'], ', '.join(port_text(pair) for pair in p['ports']), p['section'] or '',
                           p['purpose'] or '', p['state'].replace('_', ' '), p['checked_instead'] or '']
                          for p in site['udp']])
    return out


def _number(value):
    return '-' if value is None else ('%g' % value)


# ---------------------------------------------------------------------------------------------------------------
# HTML

def esc(text):
    """Text as HTML text or attribute value (quotes too); line breaks kept (CSS pre-line shows them)."""
    return html.escape(_clean('' if text is None else str(text)), quote=True)


_CSS = '''
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px;color:#1f2328;
background:#fff}
h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #d0d7de}h3{font-size:16px}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;
vertical-align:top}th{background:#f6f8fa}td{white-space:pre-line;overflow-wrap:anywhere;max-width:28em}
td.num{text-align:right}.status{color:#fff;padding:1px 6px;border-radius:3px;white-space:nowrap;font-weight:600}
.legend span.status{display:inline-block;margin-right:12px}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;
font-size:12px}svg{display:block;margin:8px 0;max-width:100%;height:auto}.note{color:#57606a}
'''.strip() + ''.join('\n.%s{background:%s}' % (status.replace('_', '-'), colour) for status, colour in COLOURS.items())


def _badge(status, text=None):
    return '<span class="status %s">%s</span>' % (status.replace('_', '-'), esc(text or STATUS_TEXT[status]))


def _html_table(header, rows, numeric=()):
    """rows hold cells that are already HTML (escaped here by the caller through esc or _badge)."""
    out = ['<table><thead><tr>%s</tr></thead><tbody>' % ''.join('<th>%s</th>' % esc(h) for h in header)]
    for row in rows:
        out.append('<tr>%s</tr>' % ''.join('<td%s>%s</td>' % (' class="num"' if index in numeric else '', cell)
                                           for index, cell in enumerate(row)))
    out.append('</tbody></table>')
    return '\n'.join(out)


def html_page(report):
    """The report as one self-contained HTML page: inline CSS and SVG, no script, nothing loaded from elsewhere."""
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>%s</title>' % esc(TITLE), '<style>', _CSS, '</style>', '</head>', '<body>',
           '<h1>%s</h1>' % esc(TITLE)]
    out.append('<p>Profile: <strong>%s</strong>. Document sections: %s.</p>' % (
        esc(report['profile'] or 'none given'),
        esc('; '.join('%s %s' % (s['section'], s['title']) for s in report['sections']) or 'none')))
    out.append('<p class="legend">%s</p>' % ' '.join(
        '%s %s.' % (_badge(status), esc(report['statuses'][status])) for status in STATUSES))
    out.append('<h2>Summary</h2>')
    counts = report['counts']
    out.append(_html_table(
        ['Host', 'Platform', 'Read from', 'Worst', 'In place', 'Missing', 'Different', 'Unknown'],
        [[esc(h['host']), esc(h['platform'] or ''), esc('%s: %s' % (h['source'] or 'none', h['read_from'] or '')),
          _badge(h['worst']) if h['worst'] else esc('no rows')]
         + [esc(h['counts'][s]) for s in ('in_place', 'missing', 'different', 'unknown')] for h in report['hosts']]
        + [[esc('All (%d hosts)' % len(report['hosts'])), '', '', _badge(worst(
            s for s in STATUSES if counts[s])) if any(counts.values()) else '']
           + [esc(counts[s]) for s in ('in_place', 'missing', 'different', 'unknown')]],
        numeric=(4, 5, 6, 7)))
    out.append('<h2>Hosts that failed</h2>')
    if report['failed_hosts']:
        out.append('<p>Their rules were not read; they are not in the counts.</p>')
        out.append(_html_table(['Host', 'Message'], [[esc(f['name']), esc(f['message'])] for f in report['failed_hosts']]))
    else:
        out.append('<p>None.</p>')
    out.append('<h2>Left to a person</h2><ul>')
    for item in report['left_to_a_person']:
        where = ('hosts: ' + ', '.join(item['hosts'])) if item['hosts'] and item['section'] not in PERSON_ONLY \
            else 'every site'
        out.append('<li><strong>%s %s</strong> (%s): %s</li>'
                   % (esc(item['section']), esc(item['title']), esc(where), esc(item['action'])))
    out.append('</ul>')
    for index, host in enumerate(report['hosts']):
        out.append(_html_host(index, host))
    out.append(_html_sites(report['sites']))
    out += ['</body>', '</html>']
    return '\n'.join(out) + '\n'


def _html_host(index, host):
    out = ['<h2>Host %s</h2>' % esc(host['host'])]
    out.append('<p>Platform %s, placement %s; read from <span class="mono">%s</span> (%s). %s.</p>' % (
        esc(host['platform'] or 'unknown'), esc(host['placement'] or 'unknown'), esc(host['read_from'] or 'nothing'),
        esc(host['source'] or 'none'), esc(counts_text(host['counts']))))
    out.append(svg(index, host))
    rows = []
    for row in host['rows']:
        want, have = _md_want_have(row)
        rows.append([esc(_section_label(row['section'])), esc(row['id']), esc(row['purpose']), esc(protocol_text(row)),
                     esc(ports_text(row)), esc(networks_text(row)), _badge(row['status']),
                     '<span class="mono">%s</span>' % esc(row['rule'] or ''),
                     '<span class="mono">%s</span>' % esc(want), '<span class="mono">%s</span>' % esc(have),
                     esc(row['detail'] or '')])
    out.append(_html_table(['Section', 'Row', 'Purpose', 'Protocol', 'Ports', 'Networks', 'Status', 'Rule', 'Want',
                            'Have', 'Detail'], rows))
    legend = network_legend(host)
    if legend:
        out.append('<p>Networks: %s.</p>' % esc('; '.join('%s = %s' % (n, ', '.join(c)) for n, c in legend)))
    out.append(_html_table(['Checklist', 'Status', 'Action', 'Detail'],
                           [[esc('%s %s' % (c['section'], c['title'])), esc(c['status'].replace('_', ' ')),
                             esc(c['action']), esc(c['detail'] or '')] for c in host['checklist']]))
    return '\n'.join(out)


def _html_sites(sites):
    out = ['<h2>Reachability from the sites</h2>']
    if not sites:
        out.append('<p>No site host was checked (inventory group atea_anywhere_sites).</p>')
        return '\n'.join(out)
    for site in sites:
        out.append('<h3>Site %s</h3>' % esc(site['site']))
        out.append('<p>%s</p>' % esc('Timeout per port %s s, budget %s s, took %s s. TCP: %s.' % (
            _number(site['timeout_seconds']), _number(site['budget_seconds']), _number(site['total_seconds']),
            ', '.join('%d %s' % (n, s.replace('_', ' ')) for s, n in ((s, site['counts'][s]) for s in TCP_STATES) if n) or 'none')))
        out.append(_html_table(['Address', 'Port', 'Section', 'Purpose', 'State', 'Seconds', 'Detail'],
                               [[esc(p['address']), esc(p['port']), esc(p['section'] or ''), esc(p['purpose'] or ''),
                                 _badge(_TCP_BADGE[p['state']], p['state'].replace('_', ' ')), esc(_number(p['seconds'])),
                                 esc(p['detail'] or '')] for p in site['tcp']], numeric=(1, 5)))
        out.append('<p>%s</p>' % esc(UDP_STATEMENT))
        out.append(_html_table(['Address', 'Ports', 'Section', 'Purpose', 'State', 'Checked instead'],
                               [[esc(p['address']), esc(', '.join(port_text(pair) for pair in p['ports'])),
                                 esc(p['section'] or ''), esc(p['purpose'] or ''),
                                 _badge('unknown', p['state'].replace('_', ' ')), esc(p['checked_instead'] or '')]
                                for p in site['udp']]))
    return '\n'.join(out)


# A TCP probe's state in the colours of the statuses: open is what the document asks, closed and filtered are not.
_TCP_BADGE = {'open': 'in_place', 'closed': 'missing', 'filtered': 'missing', 'not_checked': 'unknown'}


# ---------------------------------------------------------------------------------------------------------------
# The picture of a host's flows (SVG)

_WIDTH = 980
_LANE = 46
_BOX_TOP = 66
_CUSTOMER_X, _BOX_WIDTH = 16, 230
_WALL_X, _WALL_WIDTH = 440, 36
_ATEA_X = _WIDTH - 16 - _BOX_WIDTH
_CIDRS_SHOWN = 5


def arrows(host):
    """The arrows of the picture: one per document section (extra flows: per direction and network), in document
    order, each {key, section, direction, network, counts, worst, label}."""
    groups = {}
    for row in host['rows']:
        direction = row['direction'] or section_entry(row['section'])['direction'] or 'outbound'
        if direction == 'internal':
            network = 'customer'
        else:
            network = (row['destination_network'] if direction == 'outbound' else row['source_network']) or \
                section_entry(row['section'])['network'] or 'internet'
        key = (_SECTION_RANK.get(row['section'], len(SECTIONS)), row['section'], direction, network)
        groups.setdefault(key, []).append(row)
    result = []
    for key in sorted(groups):
        _rank, section, direction, network = key
        counts = counts_of(groups[key])
        statuses = [row['status'] for row in groups[key]]
        name = 'extra' if section == engine.EXTRA_SECTION else section
        result.append({'key': '%s-%s-%s' % (section, direction, network), 'section': section, 'direction': direction,
                       'network': network, 'counts': counts, 'worst': worst(statuses),
                       'label': '%s %s: %s' % (name, _SHORT_DIRECTION.get(direction, direction), counts_text(counts))})
    return result


def _svg_text(x, y, text, size=12, anchor='start', weight='normal', fill='#1f2328'):
    """A text with a white outline, readable over the arrows and the firewall."""
    return ('<text x="%d" y="%d" font-size="%d" text-anchor="%s" font-weight="%s" fill="%s" stroke="#fff" '
            'stroke-width="3" paint-order="stroke">%s</text>' % (x, y, size, anchor, weight, fill, esc(text)))


def _short(text, limit):
    return text if len(text) <= limit else text[:limit - 1] + '\u2026'


def _box(x, y, height, title, cidrs):
    out = ['<rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="#f6f8fa" stroke="#57606a" stroke-width="1.5"/>'
           % (x, y, _BOX_WIDTH, height),
           _svg_text(x + 10, y + 20, title, 13, weight='bold')]
    shown = cidrs[:_CIDRS_SHOWN] + (['+%d more' % (len(cidrs) - _CIDRS_SHOWN)] if len(cidrs) > _CIDRS_SHOWN else [])
    for number, cidr in enumerate(shown):
        out.append(_svg_text(x + 10, y + 38 + 15 * number, _short(cidr, 34), 11, fill='#57606a'))
    return out


def svg(index, host):
    """Customer networks, the firewall, and Atea over MPLS/WAN and over internet as boxes; an arrow per section
    through the firewall, coloured by the worst status of its rows and labelled with the section and counts."""
    drawn = arrows(host)
    lanes = dict((network, [a for a in drawn if a['network'] == network]) for network in ('mpls', 'internet', 'customer'))
    lanes['internet'] += [a for a in drawn if a['network'] not in lanes]
    legend = dict(network_legend(host))
    min_box = 40 + 15 * min(_CIDRS_SHOWN + 1, 2)
    boxes, y = {}, _BOX_TOP
    for network in ('mpls', 'internet'):
        height = max(min_box, _LANE * len(lanes[network]) + 24)
        boxes[network] = (y, height)
        y += height + 24
    internal_top = y
    height_all = internal_top + _LANE * len(lanes['customer']) + 60
    prefix = 'h%d' % index
    out = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="system-ui, sans-serif" aria-labelledby="%s-title">'
           % (_WIDTH, height_all, _WIDTH, height_all, prefix),
           '<title id="%s-title">%s</title>' % (prefix, esc('Flows of %s by section' % host['host'])), '<defs>']
    for status, colour in COLOURS.items():
        out.append('<marker id="%s-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="4" markerHeight="4" '
                   'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker>'
                   % (prefix, status, colour))
    out.append('</defs>')
    # The firewall first: the arrows pass over it, through it.
    wall_top, wall_bottom = _BOX_TOP - 14, height_all - 34
    out.append('<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="#afb8c1" stroke="#424a53" stroke-width="1.5"/>'
               % (_WALL_X, wall_top, _WALL_WIDTH, wall_bottom - wall_top))
    out.append(_svg_text(_WALL_X + _WALL_WIDTH // 2, 22, 'Firewall %s' % _short(host['host'], 48), 14,
                         anchor='middle', weight='bold'))
    out.append(_svg_text(_WALL_X + _WALL_WIDTH // 2, 40, '%s, %s placement' % (
        host['platform'] or 'unknown platform', host['placement'] or 'unknown'), 11, anchor='middle', fill='#57606a'))
    customer_height = internal_top + _LANE * len(lanes['customer']) + 8 - _BOX_TOP
    out += _box(_CUSTOMER_X, _BOX_TOP, customer_height, _NETWORK_TITLE['customer'], legend.get('customer', []))
    for network in ('mpls', 'internet'):
        top, height = boxes[network]
        out += _box(_ATEA_X, top, height, _NETWORK_TITLE[network], legend.get(network, list(ATEA_NETWORKS[network])))
        if not lanes[network]:
            out.append(_svg_text(_ATEA_X + 10, top + height - 10, 'no flows in this report', 11, fill='#57606a'))
    for network in ('mpls', 'internet'):
        top, _height = boxes[network]
        for number, arrow in enumerate(lanes[network]):
            out += _arrow(prefix, arrow, top + 40 + _LANE * number)
    for number, arrow in enumerate(lanes['customer']):
        out += _internal_arrow(prefix, arrow, internal_top + 16 + _LANE * number)
    x = _CUSTOMER_X
    for status in reversed(STATUSES):
        out.append('<rect x="%d" y="%d" width="16" height="16" fill="%s"/>' % (x, height_all - 20, COLOURS[status]))
        out.append(_svg_text(x + 22, height_all - 7, STATUS_TEXT[status], 12))
        x += 110
    out.append('</svg>')
    return '\n'.join(out)


def _arrow_group(arrow):
    """The opening of an arrow's group: its section and status, and its section's title as a tooltip."""
    return '<g class="arrow %s" data-section="%s" data-status="%s"><title>%s</title>' % (
        esc(arrow['worst'].replace('_', '-')), esc(arrow['section']), esc(arrow['worst']),
        esc('%s (%s)' % (section_entry(arrow['section'])['title'], arrow['label'])))


def _arrow(prefix, arrow, y):
    """Between the customer networks and an Atea network, through the firewall, pointing the way of the flows."""
    colour = COLOURS[arrow['worst']]
    left, right = _CUSTOMER_X + _BOX_WIDTH, _ATEA_X
    start, end = (left, right) if arrow['direction'] == 'outbound' else (right, left)
    return [_arrow_group(arrow),
            '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="4" marker-end="url(#%s-%s)"/>'
            % (start, y, end, y, colour, prefix, arrow['worst']),
            _svg_text(_CUSTOMER_X + _BOX_WIDTH + 14, y - 9, arrow['label'], 12, weight='bold', fill=colour),
            '</g>']


def _internal_arrow(prefix, arrow, y):
    """Between customer networks through the firewall: out of the customer box, round the firewall, back."""
    colour = COLOURS[arrow['worst']]
    left, turn = _CUSTOMER_X + _BOX_WIDTH, _WALL_X + _WALL_WIDTH + 24
    marker = 'url(#%s-%s)' % (prefix, arrow['worst'])
    return [_arrow_group(arrow),
            '<path d="M%d,%d H%d V%d H%d" fill="none" stroke="%s" stroke-width="4" marker-start="%s" marker-end="%s"/>'
            % (left, y, turn, y + 18, left, colour, marker, marker),
            _svg_text(turn + 10, y + 14, arrow['label'], 12, weight='bold', fill=colour),
            '</g>']


def render(report):
    """{kind: text} of the three files."""
    return {'json': json_text(report), 'markdown': markdown(report), 'html': html_page(report)}


# ---------------------------------------------------------------------------------------------------------------
# The files

# Ansible's MAX_FILE_SIZE_FOR_DIFF default: a longer file's diff is shown as skipped, as for the copy module.
MAX_DIFF = 104448


def _shown(diff):
    """A diff as the callback shows it: a file longer than MAX_DIFF is named, not shown."""
    for side, key in (('before', 'dst_larger'), ('after', 'src_larger')):
        if len(diff[side].encode('utf-8')) > MAX_DIFF:
            return {'before_header': diff['before_header'], 'after_header': diff['after_header'], key: MAX_DIFF}
    return diff


def write(folder, report, check_mode=False, start=None):
    """Make folder hold the report's three files; each is written (atomically, a new one with mode 0644) only where
    it differs. folder: a directory, a relative one taken from start (the working directory). check_mode: compute
    the same, write nothing. Returns (changed, {kind: path}, diffs)."""
    folder = resolve_directory('dest', folder, os.getcwd() if start is None else start)
    texts = render(report)
    paths = dict((kind, os.path.join(folder, name)) for kind, name in FILES.items())
    diffs = []
    changed = [kind for kind in FILES if files.planned(paths[kind], texts[kind], diffs)]
    if not check_mode:
        for kind in changed:
            files.put(paths[kind], texts[kind])
    return bool(changed), paths, [_shown(diff) for diff in diffs]
