# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.py walk without a lab: the firewall's listing is a reference ruleset loaded beside foreign tables into a
throwaway namespace (nft_model.listing_of) in place of the lab firewall's."""

from __future__ import annotations

import json
import os
import shutil

import lab
import nft_model
import pytest
from regression import read_reference

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('nft') or not shutil.which('ip'),
                                reason='loads rulesets into network namespaces: needs root, nft and ip')

SEED = 20261204
# smb, table 'ip atea_v4', rendered for the customer network 198.51.100.0/24 and the internet 203.0.113.0/24: it
# holds the IPv4 lab's networks (customer segments 198.51.100.0/26 and .64/26).
REFERENCE = read_reference('nftables', 'smb-ip-table')


def _lab(tmp_path, monkeypatch, foreign, ours=REFERENCE, placement='gateway'):
    """A lab whose state says it was built with foreign (table text) and whose firewall holds foreign and ours."""
    state = {'families': ['ipv4'], 'placement': placement, 'seed': SEED, 'foreign_listing': {'foreign': foreign}}
    with open(os.path.join(str(tmp_path), 'state.json'), 'w', encoding='utf-8') as handle:
        json.dump(state, handle)
    listing = nft_model.listing_of(foreign + ours)
    built = lab.Lab('zz', state_dir=str(tmp_path))
    monkeypatch.setattr(built, 'applied_listing', lambda: listing)
    return built


def test_table_mode_walk_passes_with_the_foreign_table_beside(tmp_path, monkeypatch):
    result, own_drops = _lab(tmp_path, monkeypatch, lab.FOREIGN_TABLES['table']).walk('smb', 'table')
    assert result.flows > 0 and result.replies == result.flows and result.closed > 0
    assert not result.failures and not own_drops
    assert lab.walk_report(result, own_drops, {'placement': 'gateway', 'families': ['ipv4'], 'seed': SEED},
                           'table').splitlines()[-1] == '0 failures'


def test_without_the_table_mode_stance_the_open_box_before_would_have_to_stay_open(tmp_path, monkeypatch):
    # mode chain: before is the foreign table alone (policy accept), so every closed packet passed before.
    result = _lab(tmp_path, monkeypatch, lab.FOREIGN_TABLES['table']).walk('smb', 'chain')[0]
    assert result.closed == 0 and result.passed_before > 0
    assert result.failures and all('passed before the run but is dropped now' in f for f in result.failures)


def test_flows_the_customers_own_rules_drop_are_set_apart_not_failed(tmp_path, monkeypatch):
    foreign = ('table ip own {\n\tchain f {\n\t\ttype filter hook forward priority 10; policy accept;\n'
               '\t\tip daddr 203.0.113.0/25 drop\n\t}\n}\n')
    result, own_drops = _lab(tmp_path, monkeypatch, foreign).walk('smb', 'table')
    assert not result.failures and own_drops
    assert all(' -> 203.0.113.' in f and 'by ip own chain f rule' in f for f in own_drops)
    assert all(int(f.split(' -> 203.0.113.')[1].split(':')[0]) < 128 for f in own_drops)


def test_a_rule_the_renderer_got_wrong_fails_the_walk(tmp_path, monkeypatch):
    planted = REFERENCE.replace('udp dport 36002-59999', 'udp dport 36003-59999')
    assert planted != REFERENCE
    result, own_drops = _lab(tmp_path, monkeypatch, lab.FOREIGN_TABLES['table'], planted).walk('smb', 'table')
    assert result.failures and not own_drops
    assert all('udp ' in f and ':36002 ' in f and 'is dropped' in f for f in result.failures)


def test_the_walk_uses_the_networks_the_inventory_gives_the_collection(tmp_path):
    for families in (('ipv4',), lab.FAMILIES):
        lab.Lab('zz', state_dir=str(tmp_path)).write_inventory('main.conf', families, 'gateway')
        with open(os.path.join(str(tmp_path), 'inventory.json'), encoding='utf-8') as handle:
            host_vars = json.load(handle)['all']['children']['atea_anywhere_firewalls']['hosts']['zz-fw']
        networks = lab.collection_networks(families)
        assert networks['customer'] == host_vars['atea_anywhere_customer_networks']
        assert {'mpls': networks['mpls'], 'internet': networks['internet']} == host_vars['atea_anywhere_networks']
        assert len(networks['customer']) == 2 * len(families)
