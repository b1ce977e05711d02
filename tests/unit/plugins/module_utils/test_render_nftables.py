# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nftables output against reviewed reference files, and against nft itself.

A mismatch writes the actual output beside the reference as <name>.actual, for review.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from regression import check_reference

from ansible_collections.atea.anywhere.plugins.module_utils import engine, render_nftables
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

LAB = {'networks': {'mpls': ['192.0.2.0/24', '2001:db8:9::/48'], 'internet': '203.0.113.0/24'},
       'customer_networks': ['198.51.100.0/24', '2001:db8:1::/48']}

CASES = {
    'smb-gateway': (dict(profile='smb'), {}),
    'enterprise-gateway': (dict(profile='enterprise'), {}),
    'enterprise-host-lab': (dict(profile='enterprise', **LAB),
                            {'placement': 'host', 'management_networks': ['198.51.100.0/24', '2001:db8:1::/48']}),
    'smb-ip-table': (dict(profile='smb', **LAB), {'table_family': 'ip', 'table': 'atea_v4'}),
    'smb-chain-gateway': (dict(profile='smb', **LAB), {'mode': 'chain', 'table': 'filter'}),
    'enterprise-chain-host': (dict(profile='enterprise', **LAB),
                              {'mode': 'chain', 'table': 'filter', 'placement': 'host', 'chain_prefix': 'atea',
                               'management_networks': ['198.51.100.0/24'], 'management_ports': [22, 2222]}),
    'enterprise-dual-stack': (dict(profile='enterprise', customer_networks=['10.20.0.0/16', '2001:db8:20::/48'],
                                   networks={'mpls': ['91.184.140.0/24', '2001:db8:9::/48']}), {}),
}


def _render(name):
    selection, options = CASES[name]
    return render_nftables.render_table(engine.compact_rules(engine.build_flows(**selection)), **options)


@pytest.mark.parametrize('name', sorted(CASES))
def test_matches_reference(name):
    check_reference('nftables', name, _render(name))


def _nft_can_check():
    return shutil.which('nft') and shutil.which('unshare') and os.geteuid() == 0


@pytest.mark.skipif(not _nft_can_check(), reason='needs root, nft and unshare')
@pytest.mark.parametrize('name', sorted(CASES))
def test_nft_accepts_it(tmp_path, name):
    script = tmp_path / 'table.nft'
    script.write_text(_render(name))
    # A private network namespace: the check touches no real ruleset.
    subprocess.run(['unshare', '--net', 'nft', '-c', '-f', str(script)], check=True, capture_output=True)


def test_every_port_carries_its_section_and_purpose():
    text = _render('enterprise-gateway')
    assert '3804 comment "2.1 Certificate Authority Proxy Function (CAPF) listening port' in text
    assert 'comment "atea-anywhere outbound-internet-tcp-ipv4: 3, 4"' in text
    # A single range is a plain value, its provenance in the rule comment (nft drops a lone element's comment).
    assert 'udp dport 36002-59999 accept comment "atea-anywhere outbound-internet-udp-ipv4: 3 Media; 4 Media"' in text


@pytest.mark.skipif(not _nft_can_check(), reason='needs root, nft and unshare')
@pytest.mark.parametrize('name', ['smb-gateway', 'enterprise-gateway', 'smb-ip-table', 'enterprise-host-lab'])
def test_the_live_ruleset_keeps_every_provenance(name):
    """Loaded into a private network namespace, nft lists every section and purpose of every rule back; a
    gateway table exactly as rendered (host placement: nft quotes the 'lo' of iif)."""
    rules = engine.compact_rules(engine.build_flows(**CASES[name][0]))
    listing = subprocess.run(['unshare', '--net', 'sh', '-c', 'nft -f - && nft list ruleset'], input=_render(name),
                             check=True, capture_output=True, text=True).stdout
    if 'host' not in name:
        assert listing == _render(name)
    for rule in rules:
        line = next(line for line in listing.splitlines() if 'atea-anywhere %s:' % rule['name'] in line)
        for entry in rule['provenance']:
            assert '%s %s' % (entry['section'], entry['purpose']) in line or \
                '%s %s' % (entry['section'], entry['name']) in line, (rule['name'], entry['id'])


def test_comments_fit_the_nftables_limit():
    rule = engine.compact_rules(engine.build_flows('enterprise'))[0]
    rule['provenance'] = [dict(p, purpose=p['purpose'] * 5, name=p['name'] * 20) for p in rule['provenance']]
    for line in render_nftables.rule_statement(rule).split('comment "')[1:]:
        assert len(line.split('"')[0].encode('utf-8')) <= 127


def test_host_placement_splits_directions_into_input_and_output():
    text = _render('enterprise-host-lab')
    input_chain, output_chain = text.split('chain output')
    assert 'inbound-mpls-tcp-ipv4' in input_chain and 'inbound-mpls-tcp-ipv4' not in output_chain
    assert 'outbound-internet-tcp-ipv4' in output_chain and 'outbound-internet-tcp-ipv4' not in input_chain
    assert 'internal-customer-udp-ipv4' in input_chain and 'internal-customer-udp-ipv4' in output_chain
    assert 'ip6 saddr 2001:db8:1::/48 tcp dport 22 accept' in input_chain


def test_chain_mode_renders_regular_chains_that_drop_nothing():
    text = _render('enterprise-chain-host')
    assert text.startswith('table inet filter {\n\tchain atea_input {\n\t\tiif lo accept')
    assert '\tchain atea_output {' in text
    assert 'type filter hook' not in text and 'policy' not in text and ' drop' not in text
    assert 'tcp dport { 22, 2222 } accept comment "atea-anywhere: management access"' in text


def test_ip_table_keeps_only_ipv4_rules():
    text = _render('smb-ip-table')
    assert 'ip6 ' not in text and 'ip daddr 203.0.113.0/24' in text


@pytest.mark.parametrize('options, message', [
    ({'placement': 'router'}, "option 'placement': unknown value: 'router'; valid choices: gateway, host"),
    ({'table_family': 'bridge'}, "option 'table_family': unknown value: 'bridge'"),
    ({'table': 'atea anywhere'}, "option 'table': not an nftables name"),
    ({'mode': 'chain'}, "option 'table': mode 'chain' needs the name of an existing table"),
    ({'mode': 'chain', 'table': 'filter', 'chain_prefix': '9lives'}, "option 'chain_prefix': not an nftables name"),
    ({'placement': 'host', 'management_ports': [0]}, "option 'management_ports[0]': port out of range"),
    ({'placement': 'host', 'management_networks': ['10.0.0.1/8']}, "option 'management_networks[0]': host bits"),
])
def test_bad_options_fail_naming_them(options, message):
    with pytest.raises(InputError) as caught:
        render_nftables.render_table(engine.compact_rules(engine.build_flows('smb')), **options)
    assert str(caught.value).startswith(message)
