# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate for text that reaches a device, a file or a path: what passes, what is refused and how it is named."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import render_nftables, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

PLATFORMS = sorted(text_gate.PLATFORMS)
LINE_BREAKS = ['a\nb', 'a\rb', 'a\r\nb', 'a\x00b', 'a\tb', 'a\x1bb', 'a\x7fb', 'a\x85b', 'a\u2028b', 'a\u2029b']


@pytest.mark.parametrize('value', LINE_BREAKS + ['', None, 5, ['a']])
def test_single_line_refuses_breaks_controls_and_non_text(value):
    with pytest.raises(InputError) as caught:
        text_gate.single_line('extra_flows[0].purpose', value)
    assert caught.value.option == 'extra_flows[0].purpose' and caught.value.value == value


@pytest.mark.parametrize('value', ['HTTPS Access', 'Überwachung ☎', '$[x] "q" \\ # ; { }'])
def test_single_line_keeps_any_other_text(value):
    assert text_gate.single_line('purpose', value) == value


@pytest.mark.parametrize('value, reason', [
    ('relative/file.nft', 'a relative path'),
    ('/etc/../tmp/x.nft', 'not a normalised path'),
    ('/etc/nftables.d/', 'not a normalised path'),
    ('//etc/x.nft', 'not a normalised path'),
    ('/etc/x".nft', 'has a quote or a backslash'),
    ('/etc/x\\.nft', 'has a quote or a backslash'),
    ('/etc/x\n.nft', 'line break'),
])
def test_absolute_path_refuses_what_an_include_line_cannot_hold(value, reason):
    with pytest.raises(InputError, match=re.escape(reason)):
        text_gate.absolute_path('persist_file', value)


def test_file_path_refuses_a_directory(tmp_path):
    with pytest.raises(InputError, match='is a directory'):
        text_gate.file_path('main_config', str(tmp_path))
    assert text_gate.nft_include_line('persist_file', '/etc/nftables.d/a.nft') == 'include "/etc/nftables.d/a.nft"'


@pytest.mark.parametrize('value', ['../escaped', 'a/b', 'a\\b', '.', '..', '-rf', 'x' * 256, 'a\nb'])
def test_file_name_stays_in_its_directory(value):
    with pytest.raises(InputError):
        text_gate.file_name('inventory_hostname', value)


@pytest.mark.parametrize('platform, value', [
    ('nftables', 'atea_anywhere'), ('cisco_asa', 'inside'), ('cisco_asa', 'dmz.10'),
    ('cisco_ios', 'GigabitEthernet0/0/1.100'), ('cisco_ios', 'Port-channel10'), ('fortios', 'port2'),
    ('fortios', 'wan1'), ('panos', 'untrust'), ('junos_srx', 'trust'), ('routeros', 'forward'),
])
def test_platform_names_take_what_devices_call_their_zones(platform, value):
    assert text_gate.platform_name(platform, 'zones.customer', value) == value


@pytest.mark.parametrize('platform', PLATFORMS)
@pytest.mark.parametrize('value', ['in side', 'x\nset system root-authentication plain-text-password', 'x"', 'x;',
                                   '{', '}', '#x', '$[x]', 'x\\', '../x', 'zoné', 'x' * 256, '', None, 7])
def test_platform_names_refuse_anything_else_naming_option_and_platform(platform, value):
    with pytest.raises(InputError) as caught:
        text_gate.platform_name(platform, 'zones.mpls', value)
    assert caught.value.option == 'zones.mpls' and platform in caught.value.reason


@pytest.mark.parametrize('platform, value, refused', [
    ('nftables', 'say "hi"', True), ('nftables', 'Überwachung ☎ $[x] \\ ; # { }', False),
    ('cisco_asa', 'say "hi" $[x] \\ ; # { }', False), ('cisco_asa', 'what?', True), ('cisco_asa', 'Über', True),
    ('cisco_ios', 'what?', True), ('cisco_ios', 'a; b # c', False),
    ('fortios', 'say "hi"', True), ("fortios", "it's", True), ('fortios', '<b>', True), ('fortios', 'x\\', True),
    ('fortios', 'a; b # c $[x] { }', False),
    ('panos', 'say "hi"', True), ('panos', 'x\\', True), ('panos', 'a; b # c $[x] { }', False),
    ('junos_srx', 'say "hi"', True), ('junos_srx', 'x\\', True), ('junos_srx', 'a; b # c $[x] { }', False),
    ('routeros', 'say "hi" $[x] \\ ? ; # { }', False), ('routeros', 'Über', True),
])
def test_comment_text_per_platform(platform, value, refused):
    if not refused:
        assert text_gate.comment_text(platform, 'rules[0].provenance[0].purpose', value) == value
        return
    with pytest.raises(InputError) as caught:
        text_gate.comment_text(platform, 'rules[0].provenance[0].purpose', value)
    assert caught.value.option == 'rules[0].provenance[0].purpose' and platform in caught.value.reason


@pytest.mark.parametrize('platform', PLATFORMS)
@pytest.mark.parametrize('value', LINE_BREAKS)
def test_no_comment_anywhere_takes_a_line_break(platform, value):
    with pytest.raises(InputError):
        text_gate.comment_text(platform, 'purpose', value)


def test_routeros_quotes_escape_what_the_script_would_read():
    assert text_gate.quoted('routeros', 'a "b" $[/system reset] \\ ?') == '"a \\"b\\" \\$[/system reset] \\\\ \\?"'
    assert text_gate.quoted('routeros', 'x\\') == '"x\\\\"'
    assert text_gate.quoted('nftables', 'a $[x] \\') == '"a $[x] \\"'


def test_matching_names_what_it_expected():
    pattern = re.compile(r'[a-z]+')
    assert text_gate.matching('rules[0].name', 'abc', pattern, 'lower-case letters') == 'abc'
    with pytest.raises(InputError, match="option 'rules\\[0\\].name': not lower-case letters: 'aBc'"):
        text_gate.matching('rules[0].name', 'aBc', pattern, 'lower-case letters')


@pytest.mark.parametrize('value', ['arp', 'ip', 'table', 'drop', 'counter'])
def test_an_nftables_keyword_is_refused_as_a_name_naming_the_option(value):
    with pytest.raises(InputError, match="option 'table': an nftables keyword") as caught:
        text_gate.platform_name('nftables', 'table', value)
    assert caught.value.value == value


@pytest.mark.parametrize('value', ['filter', 'input', 'forward', 'dport', 'atea_anywhere', 'ARP'])
def test_names_nft_takes_pass(value):
    assert text_gate.platform_name('nftables', 'table', value) == value


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('nft') or not shutil.which('unshare'),
                    reason='nft -c in a network namespace of its own needs root, nft and unshare')
def test_nft_refuses_every_listed_keyword_as_a_table_and_a_chain_name(tmp_path):
    """The list is nft's, not ours: every word of it fails nft -c both ways, and a name beside them passes."""
    def takes(text):
        path = tmp_path / 'check.nft'
        path.write_text(text)
        return subprocess.run(['unshare', '-n', 'nft', '-c', '-f', str(path)], capture_output=True,
                              check=False).returncode == 0

    assert takes('table inet atea_anywhere {\n}\ntable inet x {\nchain filter {\n}\n}\n')
    taken = [word for word in sorted(text_gate.NFT_KEYWORDS)
             if takes('table inet %s {\n}\n' % word) or takes('table inet x {\nchain %s {\n}\n}\n' % word)]
    assert taken == []


def test_a_chain_prefix_may_be_a_keyword_as_the_chains_it_names_are_not():
    layout = render_nftables.Layout(mode='chain', table='filter', chain_prefix='ip')
    assert layout.chain_prefix == 'ip'
    with pytest.raises(InputError, match="option 'table': an nftables keyword"):
        render_nftables.Layout(mode='chain', table='ip', chain_prefix='ip')
