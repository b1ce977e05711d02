# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report's HTML page in a real browser (headless Chromium), from realistic inputs and from the lab.

The report is made from the rule data of both profiles with mixed statuses, a host and an extra flow with hostile
names, a failed host and a site. Chromium runs twice: a screenshot, whose PNG is checked by hand (signature, IHDR,
CRCs, the pixels after undoing the scanline filters: not blank, and the colours of the statuses are there), and a
dump of the DOM it built, which must hold the pictures (SVG with an arrow per section), the status texts, and no
element made of inventory text.

On the lab (prefix v1, root only), report.yml reads the firewall after site.yml and a hand edit, and the site; the
page of that report is viewed too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser

import pytest
from compliance_report_samples import host_compliance, site_reachability

from ansible_collections.atea.anywhere.plugins.module_utils import compliance_report as cr

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
pytestmark = pytest.mark.skipif(not CHROMIUM, reason='chromium is not installed (make setup installs it)')

WIDTH, HEIGHT = 1280, 2000
HOSTILE_HOST = 'fw-"branch"<script>alert(1)</script>'
HOSTILE_PURPOSE = '<img src=x onerror=alert(2)> & \'quoted\' | piped'
HOSTILE_MESSAGE = 'Failed to connect\n<script>alert(3)</script>\nssh: "refused"'
MIXED = ('in_place', 'in_place', 'in_place', 'missing', 'in_place', 'different', 'in_place', 'unknown')


def _mixed(index, _row):
    return MIXED[index % len(MIXED)]


def _report():
    return cr.build(
        [host_compliance('fw-hq', 'enterprise', _mixed),
         host_compliance(HOSTILE_HOST, 'smb', lambda index, row: 'missing' if row['section'] == 'extra' else 'in_place',
                         platform='cisco_ios', source='running_config',
                         extra_flows=[{'id': 'app', 'purpose': HOSTILE_PURPOSE, 'direction': 'inbound',
                                       'network': 'internet', 'protocol': 'tcp', 'destination_ports': [8000, 8010]}])],
        [site_reachability('site-oslo')],
        [{'name': 'fw-down', 'message': HOSTILE_MESSAGE}],
        'enterprise')


def _chromium(tmp_path, *arguments):
    """One headless Chromium run with a profile of its own (other runs on the machine do not share it)."""
    result = subprocess.run(
        [CHROMIUM, '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars',
         '--user-data-dir=%s' % (tmp_path / 'chromium-profile'), '--window-size=%d,%d' % (WIDTH, HEIGHT)]
        + list(arguments), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope='module')
def page(tmp_path_factory):
    """(report, path of the HTML page, PNG bytes of its screenshot, the DOM Chromium built)."""
    tmp_path = tmp_path_factory.mktemp('report')
    report = _report()
    _changed, paths, _diffs = cr.write(str(tmp_path / 'report'), report)
    shot = tmp_path / 'report.png'
    _chromium(tmp_path, '--screenshot=%s' % shot, 'file://%s' % paths['html'])
    dom = _chromium(tmp_path, '--dump-dom', 'file://%s' % paths['html'])
    return report, paths['html'], shot.read_bytes(), dom


# --- the PNG, read by hand ---------------------------------------------------------------------------------------

def _chunks(data):
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG signature'
    position = 8
    while position < len(data):
        length, kind = struct.unpack('>I4s', data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        crc, = struct.unpack('>I', data[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + body) & 0xffffffff == crc, 'bad CRC in chunk %r' % kind
        yield kind, body
        position += 12 + length


def _paeth(left, up, up_left):
    estimate = left + up - up_left
    distances = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
    if distances[0] <= distances[1] and distances[0] <= distances[2]:
        return left
    return up if distances[1] <= distances[2] else up_left


def _image(data):
    """(width, height, set of RGB colours) of a non-interlaced 8-bit RGB or RGBA PNG."""
    chunks = list(_chunks(data))
    assert chunks[0][0] == b'IHDR' and chunks[-1][0] == b'IEND'
    width, height, depth, colour_type, _compression, _filter, interlace = struct.unpack('>IIBBBBB', chunks[0][1])
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, (depth, colour_type, interlace)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b''.join(body for kind, body in chunks if kind == b'IDAT'))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    previous, colours = bytearray(stride), set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + (((line[i - channels] if i >= channels else 0) + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                line[i] = (line[i] + _paeth(line[i - channels] if i >= channels else 0, previous[i],
                                            previous[i - channels] if i >= channels else 0)) & 255
        else:
            assert kind == 0, 'unknown filter %d in row %d' % (kind, row)
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels))
        previous = line
    return width, height, colours


def test_screenshot_is_a_png_of_the_window_with_the_status_colours(page):
    _report_data, _path, png, _dom = page
    width, height, colours = _image(png)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(colours) > 50, 'the page looks blank: %d colours' % len(colours)
    for status in ('in_place', 'missing', 'different', 'unknown'):
        assert bytes.fromhex(cr.COLOURS[status][1:]) in colours, status


# --- the DOM Chromium built ----------------------------------------------------------------------------------------

class _Dom(HTMLParser):
    def __init__(self):
        super(_Dom, self).__init__(convert_charrefs=True)
        self.tags, self.arrows, self.text, self.attributes = [], [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.attributes.update(attrs)
        if tag == 'g' and 'arrow' in attrs.get('class', '').split():
            self.arrows.append((attrs['data-section'], attrs['data-status']))

    def handle_data(self, data):
        self.text.append(data)


def test_browser_built_the_pictures_and_the_statuses(page):
    report, _path, _png, dom = page
    parsed = _Dom()
    parsed.feed(dom)
    assert parsed.tags.count('svg') == len(report['hosts']) == 2
    expected = [(arrow['section'], arrow['worst']) for host in report['hosts'] for arrow in cr.arrows(host)]
    assert sorted(parsed.arrows) == sorted(expected) and len(expected) == 5 + 3
    assert ('extra', 'missing') in parsed.arrows
    assert parsed.tags.count('line') + parsed.tags.count('path') >= len(expected)
    text = ''.join(parsed.text)
    for status in ('in place', 'missing', 'different', 'unknown', 'not proven'):
        assert status in text
    assert 'Atea Anywhere over MPLS/WAN' in text and 'Customer networks' in text and 'fw-down' in text


def test_no_inventory_text_became_an_element(page):
    _report_data, path, _png, dom = page
    parsed = _Dom()
    parsed.feed(dom)
    assert 'script' not in parsed.tags and 'img' not in parsed.tags
    assert not any(name.startswith('on') for name in parsed.attributes)
    text = ''.join(parsed.text)
    for hostile in (HOSTILE_HOST, HOSTILE_PURPOSE, 'alert(3)'):
        assert hostile in text
    with open(path, encoding='utf-8') as handle:
        source = handle.read()
    # Nothing is loaded from elsewhere: no element has a source or a link (the SVG namespace is a name, not a load).
    assert '<script' not in source and not re.search(r'<[A-Za-z][^<>]*\s(src|href|xlink:href)=', source)


# --- the report of the lab ----------------------------------------------------------------------------------------

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
LAB_PREFIX = 'v1'


def _lab(*arguments):
    subprocess.run([sys.executable, os.path.join(REPO, 'tests', 'lab', 'lab.py')] + list(arguments)
                   + ['--prefix', LAB_PREFIX], cwd=REPO, check=True, capture_output=True, text=True, timeout=600)


def _playbook(tmp_path, inventory, playbook, *arguments):
    """ansible-playbook started in tmp_path, so the report goes to tmp_path/report."""
    run = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', inventory, os.path.join(REPO, 'playbooks', playbook),
                          '-e', 'profile=smb'] + list(arguments), cwd=str(tmp_path), capture_output=True, text=True,
                         timeout=900, check=False,
                         env=dict(os.environ, PATH=BIN + ':' + os.environ['PATH'],
                                  ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg')))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


@pytest.mark.skipif(not (os.geteuid() == 0 and shutil.which('ip') and shutil.which('nft')),
                    reason='the lab needs root, ip and nft')
def test_lab_report_after_a_hand_edit_in_the_browser(tmp_path):
    """site.yml applies smb on the lab firewall; by hand the UDP rule goes; report.yml --check then reports the UDP
    rows missing and the others in place (the lab has IPv4 only, one UDP rule), the site's TCP ports and what it
    cannot prove for UDP; Chromium shows the page with both colours."""
    _lab('down')
    try:
        _lab('up', '--sites')
        inventory = os.path.join(REPO, 'build', 'lab', LAB_PREFIX, 'inventory.json')
        _playbook(tmp_path, inventory, 'site.yml')
        firewall = ['ip', 'netns', 'exec', '%s-fw' % LAB_PREFIX]
        listing = subprocess.run(firewall + ['nft', '-a', 'list', 'table', 'inet', 'atea_anywhere'], check=True,
                                 capture_output=True, text=True).stdout
        handles = [line.rsplit('# handle ', 1)[1].strip() for line in listing.splitlines()
                   if 'udp-ipv4' in line and '# handle ' in line]
        assert len(handles) == 1, listing
        subprocess.run(firewall + ['nft', 'delete', 'rule', 'inet', 'atea_anywhere', 'forward', 'handle', handles[0]],
                       check=True)
        _playbook(tmp_path, inventory, 'report.yml', '--check')
    finally:
        _lab('down')
    folder = tmp_path / 'report'
    report = json.loads((folder / cr.FILES['json']).read_text())
    (host,) = report['hosts']
    assert (host['host'], host['platform'], host['source']) == ('%s-fw' % LAB_PREFIX, 'nftables', 'live')
    by_protocol = dict((protocol, set(r['status'] for r in host['rows'] if r['protocol'] == protocol))
                       for protocol in ('tcp', 'udp'))
    assert by_protocol == {'tcp': {'in_place'}, 'udp': {'missing'}}
    assert report['failed_hosts'] == []
    (site,) = report['sites']
    assert site['site'] == '%s-c1' % LAB_PREFIX and site['counts']['open'] > 0
    assert site['udp'] and all(p['state'] == 'not_proven' and p['checked_instead'] for p in site['udp'])

    shot = tmp_path / 'lab.png'
    _chromium(tmp_path, '--screenshot=%s' % shot, 'file://%s' % (folder / cr.FILES['html']))
    width, height, colours = _image(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    for status in ('in_place', 'missing'):
        assert bytes.fromhex(cr.COLOURS[status][1:]) in colours, status
