# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report's writer: statuses and their aggregation, the checklist, the SVG arrows and their colours,
escaping of every inventory text in HTML and Markdown (property-based), the files and check mode."""

from __future__ import annotations

import json
import os
import re
import stat
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from compliance_report_samples import host_compliance, site_reachability
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.atea.anywhere.plugins.module_utils import compliance_report as cr
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.requirements import CHECKLIST, SECTIONS

CYCLE = ('in_place', 'in_place', 'missing', 'in_place', 'different', 'unknown')
HOSTILE = '<script>alert("x")</script>\n| \'q\' & `c` *b* [l](http://x) <img src=x onerror=alert(1)>'
SVG = '{http://www.w3.org/2000/svg}'


def cycled(index, _row):
    return CYCLE[index % len(CYCLE)]


def _report(**overrides):
    arguments = {
        'compliance': [host_compliance('fw1', 'enterprise', cycled),
                       host_compliance('fw2', 'smb', lambda _i, _r: 'in_place')],
        'reachability': [site_reachability('c1')],
        'failed_hosts': [{'name': 'fw3', 'message': 'Failed to connect to the host via ssh'}],
        'profile': 'enterprise',
    }
    arguments.update(overrides)
    return cr.build(**arguments)


# --- statuses and aggregation -------------------------------------------------------------------------------

def test_counts_per_host_and_in_all_come_from_the_rows():
    report = _report()
    fw1, fw2 = report['hosts']
    rows = host_compliance('fw1', 'enterprise', cycled)['rows']
    expected = dict((s, sum(1 for i in range(len(rows)) if CYCLE[i % len(CYCLE)] == s)) for s in cr.STATUSES)
    assert fw1['counts'] == expected and fw1['worst'] == 'missing'
    assert fw2['counts'] == dict(cr.counts_of([{'status': 'in_place'}] * len(fw2['rows']))) and fw2['worst'] == 'in_place'
    assert report['counts'] == dict((s, expected[s] + fw2['counts'][s]) for s in cr.STATUSES)
    assert list(report['counts']) == list(fw1['counts']) == list(cr.STATUSES)
    assert cr.aggregate(report) == {'hosts': {'fw1': expected, 'fw2': fw2['counts']}, 'counts': report['counts'],
                                    'failed_hosts': [{'name': 'fw3', 'message': 'Failed to connect to the host via ssh'}]}


def test_counts_given_by_a_host_are_not_trusted():
    lying = host_compliance('fw1', 'smb', lambda _i, _r: 'missing')
    lying['counts'] = {'in_place': 99, 'missing': 0, 'different': 0, 'unknown': 0}
    report = cr.build([lying], profile='smb')
    assert report['counts']['missing'] == len(lying['rows']) and report['counts']['in_place'] == 0


@pytest.mark.parametrize('statuses, expected', [
    (['in_place', 'unknown'], 'unknown'),
    (['unknown', 'different', 'in_place'], 'different'),
    (['different', 'missing'], 'missing'),
    (['in_place'], 'in_place'),
    ([], None),
])
def test_worst_status(statuses, expected):
    assert cr.worst(statuses) == expected


def test_rows_keep_rule_want_and_have_and_the_report_shows_them_for_rows_not_in_place():
    report = _report()
    rows = report['hosts'][0]['rows']
    missing = next(r for r in rows if r['status'] == 'missing')
    different = next(r for r in rows if r['status'] == 'different')
    in_place = next(r for r in rows if r['status'] == 'in_place')
    assert missing['rule'] and missing['want'] and missing['have'] is None
    assert different['have'] and different['have'] != different['want']
    page, text = cr.html_page(report), cr.markdown(report)
    assert cr.esc(different['have']) in page and cr.md(different['have']) in text
    assert cr.esc(different['want']) in page
    # An in-place row's texts are not repeated: only the rows not in place carry them.
    unique_rule_texts = [r['want'] for r in rows if r['status'] == 'in_place'
                         and not any(o['want'] == r['want'] for o in rows if o['status'] != 'in_place')]
    assert all(cr.esc(want) not in page for want in unique_rule_texts)
    assert in_place['want'] and cr.STATUS_TEXT['in_place'] in text


def test_sections_and_titles_are_the_requirement_data():
    report = _report()
    assert [s['section'] for s in report['sections']] == [s.number for s in SECTIONS]
    assert [s['title'] for s in report['sections']] == [s.title for s in SECTIONS]
    smb = cr.build([host_compliance('fw', 'smb', cycled, extra_flows=[
        {'id': 'app', 'purpose': 'App', 'direction': 'inbound', 'network': 'internet', 'protocol': 'tcp',
         'destination_ports': [1234]}])], profile='smb')
    assert [s['section'] for s in smb['sections']] == ['3', '4', 'extra']


def test_checklist_left_to_a_person():
    done = host_compliance('fw1', 'smb', cycled)
    not_done = host_compliance('fw2', 'smb', cycled)
    not_done['checklist'] = [dict(c, status='left_to_a_person') for c in not_done['checklist']]
    silent = host_compliance('fw4', 'smb', cycled)
    silent['checklist'] = []
    report = cr.build([done, not_done, silent], profile='smb')
    left = dict((item['section'], item['hosts']) for item in report['left_to_a_person'])
    assert left == {'1.1': ['fw2', 'fw4'], '1.2': ['fw1', 'fw2', 'fw4']}
    assert [c['id'] for c in report['hosts'][0]['checklist']] == [c.id for c in CHECKLIST]
    # 1.2 is always listed, also with no host read at all.
    assert [i['section'] for i in cr.build([], profile='smb')['left_to_a_person']] == ['1.2']
    assert 'Symantec' in cr.markdown(report) and 'Symantec' in cr.html_page(report)


@pytest.mark.parametrize('change, option', [
    (lambda c: c['rows'][2].update(status='ok'), 'compliance[host=fw1].rows[2].status'),
    (lambda c: c['rows'][0].update(purpose=['x']), 'compliance[host=fw1].rows[0].purpose'),
    (lambda c: c['rows'][1].update(destination_ports=[[1, 70000]]), 'compliance[host=fw1].rows[1].destination_ports[0]'),
    (lambda c: c['checklist'][1].update(status='done'), 'compliance[host=fw1].checklist[1].status'),
    (lambda c: c['checklist'][0].update(status='skipped'), 'compliance[host=fw1].checklist[0].status'),
    (lambda c: c['checklist'].append({'id': '9.9-other', 'status': 'done'}), 'compliance[host=fw1].checklist[2].id'),
    (lambda c: c.update(rows='none'), 'compliance[host=fw1].rows'),
    (lambda c: c.pop('host'), 'compliance[0].host'),
])
def test_bad_compliance_is_refused_naming_where(change, option):
    compliance = host_compliance('fw1', 'smb', cycled)
    change(compliance)
    with pytest.raises(InputError) as error:
        cr.build([compliance], profile='smb')
    assert error.value.option == option


def test_a_host_twice_or_both_failed_and_read_is_refused():
    with pytest.raises(InputError, match='given twice'):
        cr.build([host_compliance('fw1', 'smb', cycled)] * 2, profile='smb')
    with pytest.raises(InputError, match='failed or was read'):
        cr.build([host_compliance('fw1', 'smb', cycled)], failed_hosts=[{'name': 'fw1', 'message': 'x'}],
                 profile='smb')
    with pytest.raises(InputError) as error:
        cr.build([], reachability=[dict(site_reachability('c1'), tcp=[{'address': 'a', 'port': 1, 'state': 'up'}])],
                 profile='smb')
    assert error.value.option == 'reachability[site=c1].tcp[0].state'


def test_failed_hosts_and_reachability_are_in_every_rendering():
    report = _report()
    text, page, data = cr.markdown(report), cr.html_page(report), json.loads(cr.json_text(report))
    assert data['failed_hosts'] == [{'name': 'fw3', 'message': 'Failed to connect to the host via ssh'}]
    assert '| fw3 | Failed to connect to the host via ssh |' in text
    assert '<td>fw3</td><td>Failed to connect to the host via ssh</td>' in page
    site = report['sites'][0]
    assert site['counts'] == {'open': 2, 'closed': 1, 'filtered': 1, 'not_checked': 1}
    for rendered in (text, page):
        assert 'Site c1' in rendered and 'not proven' in rendered and 'connection refused' in rendered
    assert cr.md(cr.UDP_STATEMENT) in text and cr.esc(cr.UDP_STATEMENT) in page


def test_the_same_input_gives_the_same_bytes_and_the_json_renders_as_the_data():
    report = _report()
    assert cr.render(report) == cr.render(_report())
    assert cr.render(json.loads(cr.json_text(report))) == cr.render(report)


# --- the picture ---------------------------------------------------------------------------------------------

def _arrows(page_svg):
    root = ET.fromstring(page_svg)
    result = {}
    for group in root.iter(SVG + 'g'):
        shape = group.find(SVG + 'line')
        if shape is None:
            shape = group.find(SVG + 'path')
        label = ''.join(group.find(SVG + 'text').itertext())
        result[group.get('data-section')] = (group.get('data-status'), shape.get('stroke'), label,
                                             shape.get('marker-end'))
    return result


def test_svg_arrow_per_section_coloured_by_its_worst_status():
    def status(_index, row):
        return {'2.1': 'different' if row['id'] == '2.1-https' else 'in_place',
                '2.2': 'unknown' if row['id'] == '2.2-ssh' else 'in_place',
                '2.3': 'in_place', '3': 'missing' if row['id'] == '3-media' else 'in_place',
                '4': 'in_place'}[row['section']]
    host = cr.build([host_compliance('fw1', 'enterprise', status)], profile='enterprise')['hosts'][0]
    arrows = _arrows(cr.svg(0, host))
    assert sorted(arrows) == ['2.1', '2.2', '2.3', '3', '4']
    expected = {'2.1': 'different', '2.2': 'unknown', '2.3': 'in_place', '3': 'missing', '4': 'in_place'}
    for section, worst in expected.items():
        status_given, stroke, label, marker = arrows[section]
        assert (status_given, stroke, marker) == (worst, cr.COLOURS[worst], 'url(#h0-%s)' % worst), section
        rows = [r for r in host['rows'] if r['section'] == section]
        assert label.startswith(section + ' ') and cr.counts_text(cr.counts_of(rows)) in label
    assert '1 missing' in arrows['3'][2] and arrows['2.3'][2].startswith('2.3 internal:')
    assert arrows['2.1'][2].startswith('2.1 out:') and arrows['2.2'][2].startswith('2.2 in:')


def test_svg_directions_and_boxes():
    host = cr.build([host_compliance('fw1', 'enterprise', cycled)], profile='enterprise')['hosts'][0]
    root = ET.fromstring(cr.svg(3, host))
    lines = dict((g.get('data-section'), g.find(SVG + 'line')) for g in root.iter(SVG + 'g'))
    outbound, inbound = lines['2.1'], lines['2.2']
    assert float(outbound.get('x1')) < float(outbound.get('x2'))
    assert float(inbound.get('x1')) > float(inbound.get('x2'))
    texts = [''.join(t.itertext()) for t in root.iter(SVG + 'text')]
    for title in ('Customer networks', 'Atea Anywhere over MPLS/WAN', 'Atea Anywhere over internet', 'Firewall fw1'):
        assert title in texts
    assert '91.184.140.0/24' in texts and '88.151.163.0/24' in texts and '10.0.0.0/8' in texts
    # Marker ids are the host's own: several pictures on one page do not share them.
    assert all(m.get('id').startswith('h3-') for m in root.iter(SVG + 'marker'))


def test_svg_without_mpls_flows_still_draws_the_mpls_box():
    host = cr.build([host_compliance('fw1', 'smb', cycled)], profile='smb')['hosts'][0]
    page_svg = cr.svg(0, host)
    assert sorted(_arrows(page_svg)) == ['3', '4']
    assert 'Atea Anywhere over MPLS/WAN' in page_svg and 'no flows in this report' in page_svg


# --- escaping ------------------------------------------------------------------------------------------------

class _Tags(HTMLParser):
    """Every element and attribute of a page, its text, and the text of each table cell."""

    def __init__(self):
        super(_Tags, self).__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text, self.cells, self._cell = set(), set(), [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _value in attrs)
        if tag == 'td':
            self._cell = []

    def handle_endtag(self, tag):
        if tag == 'td':
            self.cells.append(''.join(self._cell))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


HTML_TAGS = {'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'h3', 'p', 'strong', 'span', 'table',
             'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'li', 'svg', 'defs', 'marker', 'path', 'text', 'rect', 'line',
             'g'}
MD_TAGS = {'h1', 'h2', 'h3', 'p', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'br', 'ul', 'li', 'code'}
# Bidirectional formatting characters: embeddings, overrides, isolates, the marks.
BIDI = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c'
TEXT = st.one_of(
    st.text(min_size=1),
    st.text(alphabet=st.sampled_from(list('<>&"\'`|\\*_[]()#!-+.=~$:/@ \t\n\r\x00\x0b\x85\u2028aZ1w' + BIDI)),
            min_size=1, max_size=40),
    # What GitHub makes a link of (the GFM autolink extension), among other text.
    st.lists(st.sampled_from(['www.', 'WWW.', 'https://', 'http:', 'ftp://', 'mailto:', 'xmpp:', 'a@b.example',
                              'evil.example', '(', '*', '_', '~', ' ', '\\', '`', '&#64;', 'x'] + list(BIDI)),
             min_size=1, max_size=12).map(''.join),
)


def _hostile_report(text):
    extra = host_compliance('fw-extra', 'smb', cycled, extra_flows=[
        {'id': 'app', 'purpose': 'App', 'direction': 'inbound', 'network': 'internet', 'protocol': 'tcp',
         'destination_ports': [1234]}])
    for row in extra['rows']:
        if row['section'] == 'extra':
            row['purpose'] = text       # as from extra_flows (whatever a gate upstream lets through)
    extra['rows'][0].update(status='different', have=text, detail=text, rule=text)
    named = host_compliance(text, 'smb', cycled)
    named['read_from'] = text
    site = site_reachability(text)
    site['tcp'][0]['detail'] = text
    site['udp'][0]['checked_instead'] = text
    return cr.build([extra, named], [site], [{'name': text + ' (failed)', 'message': text}], 'smb')


def _cmarkgfm():
    """GitHub's own Markdown parser (cmark-gfm), where installed; the token check below does not need it."""
    try:
        import cmarkgfm  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return cmarkgfm


# The starts of GitHub's autolinks other than an e-mail address (cmark-gfm's: any case, ftp too).
_AUTOLINK_START = re.compile(r'(?:https?|ftp)://|(?:mailto|xmpp):|www\.', re.IGNORECASE)


def _autolink_forms(markdown_it, source):
    """Where the Markdown holds what GitHub's autolink extension links: an '@' outside a code span of its own (GitHub
    finds an e-mail address across escapes and character references), or a scheme's ':' or the '.' after 'www'
    within one run of plain text (a backslash escape ends the run, as for GitHub)."""
    found = []
    parser = markdown_it.MarkdownIt('commonmark').enable('table').disable('text_join')
    for token in parser.parse(source):
        for child in token.children or ():
            if child.type == 'code_inline':
                if child.content != '@':
                    found.append(child.content)
            elif '@' in child.content or (child.type == 'text' and _AUTOLINK_START.search(child.content)):
                found.append(child.content)
    return found


def _squeezed(text):
    return ''.join(text.split())


def _record(request, name):
    request.node.user_properties.append(('hypothesis_examples %s' % name, 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_hostile_text_never_becomes_html(request, text):
    _record(request, 'compliance_report html')
    report = _hostile_report(text)
    page = cr.html_page(report)
    parsed = _Tags()
    parsed.feed(page)
    assert parsed.tags <= HTML_TAGS
    assert not any(name.startswith('on') for name in parsed.attributes)
    assert '<script' not in page.lower() and '<img' not in page.lower()
    # No bidirectional control reorders the page or the JSON's text.
    assert not set(BIDI) & set(page + cr.json_text(report))
    # The failed host's message is one cell, whole.
    assert _squeezed(cr._clean(text)) in [_squeezed(cell) for cell in parsed.cells]
    # Each picture is well-formed XML whatever the host name.
    for index, host in enumerate(report['hosts']):
        ET.fromstring(cr.svg(index, host))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_hostile_text_stays_one_markdown_cell(request, text):
    markdown_it = pytest.importorskip('markdown_it', reason='markdown-it-py (a dependency of rich) parses the Markdown')
    _record(request, 'compliance_report markdown')
    report = _hostile_report(text)
    source = cr.markdown(report)
    parser = markdown_it.MarkdownIt('commonmark', {'html': True}).enable('table')
    tokens = parser.parse(source)
    # Every table row has as many cells as its header.
    width, cells = None, 0
    for token in tokens:
        if token.type == 'thead_open':
            width = None
        elif token.type == 'tr_open':
            cells = 0
        elif token.type in ('th_open', 'td_open'):
            cells += 1
        elif token.type == 'tr_close':
            width = cells if width is None else width
            assert cells == width
    parsed = _Tags()
    rendered = parser.render(source)
    parsed.feed(rendered)
    assert parsed.tags <= MD_TAGS and not set(BIDI) & set(source)
    assert re.findall('<code>(.*?)</code>', rendered) == ['@'] * rendered.count('<code>')
    # Nothing becomes a link on GitHub.
    assert _autolink_forms(markdown_it, source) == []
    gfm = _cmarkgfm()
    if gfm is not None:
        assert '<a ' not in gfm.github_flavored_markdown_to_html(source)
    # The failed host's message is one cell, whole (a table with a cell too many drops the rest of the row).
    assert _squeezed(cr._clean(text)) in [_squeezed(cell) for cell in parsed.cells]
    headings = [t for t in tokens if t.type == 'heading_open']
    assert len(headings) == 1 + 4 + len(report['hosts']) + len(report['sites'])


@pytest.mark.parametrize('text', [HOSTILE, '- item', '1. one', '# heading', '    code', '> quote', '===', 'a\\', '&amp;'])
def test_markdown_text_examples(text):
    """Examples of what the property test tries, readable: each comes back as itself."""
    markdown_it = pytest.importorskip('markdown_it', reason='markdown-it-py (a dependency of rich) parses the Markdown')
    html = markdown_it.MarkdownIt('commonmark', {'html': True}).enable('table').render(
        '| h |\n|---|\n| %s |\n\n- %s\n' % (cr.md(text), cr.md(text)))
    parsed = _Tags()
    parsed.feed(html)
    assert parsed.tags <= MD_TAGS and parsed.tags >= {'table', 'ul', 'li'}
    assert [_squeezed(cell) for cell in parsed.cells] == [_squeezed(text)]
    assert _squeezed(''.join(parsed.text)) == 'h' + _squeezed(text) * 2


@pytest.mark.parametrize('text, escaped', [
    ('www.evil.example', 'www\\.evil.example'),
    ('see (www.evil.example)', 'see (www\\.evil.example)'),
    ('https://evil.example/x', 'https\\://evil.example/x'),
    ('ftp://evil.example', 'ftp\\://evil.example'),
    ('a@b.example', 'a`@`b.example'),
    ('mailto:a@b.example', 'mailto\\:a`@`b.example'),
    ('xmpp:a@b.example/x', 'xmpp\\:a`@`b.example/x'),
    ('fe80::1 and 2001:db8::10', 'fe80::1 and 2001:db8::10'),
])
def test_markdown_text_never_becomes_a_link(text, escaped):
    """GitHub links www., a scheme and an e-mail address in plain text (the GFM autolink extension); the report's
    Markdown shows them as text."""
    markdown_it = pytest.importorskip('markdown_it', reason='markdown-it-py (a dependency of rich) parses the Markdown')
    assert cr.md(text) == escaped
    source = '| h |\n|---|\n| %s |\n\n- %s\n' % (cr.md(text), cr.md(text))
    assert _autolink_forms(markdown_it, source) == []
    parsed = _Tags()
    parsed.feed(markdown_it.MarkdownIt('commonmark').enable('table').render(source))
    assert [_squeezed(cell) for cell in parsed.cells] == [_squeezed(text)]
    gfm = _cmarkgfm()
    if gfm is not None:
        assert '<a ' not in gfm.github_flavored_markdown_to_html(source)
        # The text itself is a link there (the example would find a fix undone).
        assert ('<a ' in gfm.github_flavored_markdown_to_html(text)) == ('.example' in text)


@pytest.mark.parametrize('char', list(BIDI))
def test_bidirectional_controls_are_shown_escaped_everywhere(char):
    report = _hostile_report('fw%s1' % char)
    name = 'fw\\u%04x1' % ord(char)
    page, source = cr.html_page(report), cr.markdown(report)
    assert char not in page + source + cr.json_text(report)
    assert '<h2>Host %s</h2>' % name in page and '## Host fw\\%s' % name[2:] in source


def test_an_error_names_a_host_without_its_bidirectional_controls():
    bad = host_compliance('fw\u202e1', 'smb', cycled)
    bad['rows'][0]['status'] = 'gone'
    with pytest.raises(InputError) as error:
        cr.build([bad], profile='smb')
    assert error.value.option == 'compliance[host=fw\\u202e1].rows[0].status'
    assert '\u202e' not in str(error.value)


def test_hostile_text_examples_in_html():
    page = cr.html_page(_hostile_report(HOSTILE))
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in page
    assert '<script' not in page and 'onerror=alert' not in page.replace('&lt;img src=x onerror=alert(1)&gt;', '')
    assert "default-src 'none'" in page and 'http://' not in page.replace('http://x', '').replace(
        'http://www.w3.org/2000/svg', '')


# --- the files -----------------------------------------------------------------------------------------------

def test_write_check_mode_then_write_then_nothing_to_do(tmp_path):
    folder = tmp_path / 'out' / 'report'
    report = _report()
    changed, paths, diffs = cr.write(str(folder), report, check_mode=True)
    assert changed and not folder.exists()
    assert paths == dict((kind, str(folder / name)) for kind, name in cr.FILES.items())
    assert [d['after_header'] for d in diffs] == [paths['json'], paths['markdown'], paths['html']]
    markdown_diff = diffs[1]
    assert markdown_diff['before'] == '' and markdown_diff['after'] == cr.markdown(report)
    changed, paths, _diffs = cr.write(str(folder), report)
    assert changed and json.loads((folder / cr.FILES['json']).read_text()) == report
    assert stat.S_IMODE(os.stat(paths['html']).st_mode) == 0o644
    assert cr.write(str(folder), report) == (False, paths, [])
    # A state that changed changes the files; an existing file keeps its mode.
    os.chmod(paths['markdown'], 0o600)
    other = _report(failed_hosts=[])
    changed, _paths, diffs = cr.write(str(folder), other)
    assert changed and len(diffs) == 3 and '| fw3 |' in diffs[1]['before'] and '| fw3 |' not in diffs[1]['after']
    assert stat.S_IMODE(os.stat(paths['markdown']).st_mode) == 0o600
    assert (folder / cr.FILES['markdown']).read_text() == cr.markdown(other)


def test_long_files_are_named_in_the_diff_not_shown(tmp_path):
    many = [host_compliance('fw%d' % n, 'enterprise', cycled) for n in range(12)]
    _changed, _paths, diffs = cr.write(str(tmp_path), cr.build(many, profile='enterprise'), check_mode=True)
    assert all(d.get('src_larger') == cr.MAX_DIFF and 'after' not in d for d in diffs if d['after_header'].endswith(
        ('.json', '.html')))


def test_relative_folder_is_taken_from_the_start_directory(tmp_path):
    _changed, paths, _diffs = cr.write('reports', _report(), check_mode=True, start=str(tmp_path))
    assert paths['html'] == str(tmp_path / 'reports' / cr.FILES['html'])
    (tmp_path / 'file').write_text('')
    with pytest.raises(InputError, match='is not a directory'):
        cr.write('file', _report(), check_mode=True, start=str(tmp_path))
