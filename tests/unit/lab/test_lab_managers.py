# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's Linux managers without building them: what is the collection's in a listing, what the checks compare,
what a manager widens, what the customer's own iptables rules are."""

from __future__ import annotations

import binascii
import json

import lab
import pytest

SEED = 20261204
LAB = lab.Lab('zz')


def _tuple(comment, rule='allow tcp 2222 0.0.0.0/0 any 198.51.100.0/26 in'):
    return '### tuple ### %s comment=%s' % (rule, binascii.hexlify(comment.encode()).decode())


USER_RULES = '\n'.join([
    '*filter', ':ufw-user-input - [0:0]', '### RULES ###', '',
    _tuple('customer own'), '-A ufw-user-input -p tcp --dport 2222 -s 198.51.100.0/26 -j ACCEPT', '',
    _tuple('atea-anywhere 3 XMPP', 'route:allow tcp 5222 203.0.113.0/24 any 198.51.100.0/26 in'),
    '-A ufw-user-forward -p tcp -d 203.0.113.0/24 --dport 5222 -s 198.51.100.0/26 -j ACCEPT', '',
    _tuple('customer: rogue segment', 'route:deny any any 0.0.0.0/0 any 198.51.100.128/26 in'),
    '-A ufw-user-forward -s 198.51.100.128/26 -j DROP', '',
    '### END RULES ###', 'COMMIT']) + '\n'


def test_ufw_rules_without_ours_drops_the_tuple_its_rules_and_its_blank_line():
    kept = lab.ufw_rules_without_ours(USER_RULES)
    assert 'atea' not in kept.lower() and '5222' not in kept
    assert kept == USER_RULES.replace('\n'.join(USER_RULES.split('\n')[7:10]) + '\n', '')
    assert lab.ufw_rules_without_ours(kept) == kept


def test_ufw_comment_is_read_from_hex_and_a_customer_comment_naming_us_later_is_kept():
    assert lab.ufw_comment(_tuple('atea-anywhere 2.1')) == 'atea-anywhere 2.1'
    assert lab.ufw_comment('### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in') == ''
    customer = _tuple('not atea-anywhere')
    assert customer in lab.ufw_rules_without_ours(customer + '\n-A ufw-user-input -j ACCEPT\n')


def test_ufw_status_without_ours():
    status = ('Status: active\n\nTo  Action  From\n2222/tcp  ALLOW IN  198.51.100.0/26  # customer own\n'
              '203.0.113.0/24 5222/tcp  ALLOW FWD  198.51.100.0/26  # atea-anywhere 3 XMPP\n')
    assert lab.foreign_view('ufw', 'status', status) == status.replace(status.splitlines()[-1] + '\n', '')


POLICIES = ('allow-host-ipv6 (active)\n  priority: -15000\n  rich rules: \n\trule family="ipv6" icmp-type name="redirect" accept\n\n'
            'atea-anywhere-forward (active)\n  priority: -100\n  rich rules: \n\trule family="ipv4" port port="5222" protocol="tcp" accept\n\n'
            'customer-audit (active)\n  priority: -1\n')


def test_firewalld_listing_without_our_policy_blocks():
    kept = lab.foreign_view('firewalld', 'runtime policies', POLICIES)
    assert 'atea-anywhere' not in kept and '5222' not in kept
    assert 'allow-host-ipv6 (active)' in kept and 'customer-audit (active)' in kept and 'redirect' in kept


def test_firewalld_files_of_ours_and_the_sip_service_override_are_not_foreign():
    assert lab.foreign_view('firewalld', 'file policies/atea-anywhere-forward.xml', '<policy/>') is None
    assert lab.foreign_view('firewalld', 'file services/sip.xml', '<service/>') is None
    assert lab.removal_view('firewalld', 'file services/sip.xml', '<service/>') is None
    assert lab.removal_view('firewalld', 'file services/sip.xml.old', '<service/>') is None
    assert lab.removal_view('firewalld', 'file services/sipx.xml', '<service/>') == '<service/>'
    assert lab.foreign_view('firewalld', 'file policies/atea-anywhere-forward.xml.old', '<policy/>') is None
    assert lab.foreign_view('firewalld', 'file zones/work.xml', '<zone>\n</zone>\n') == '<zone>\n</zone>\n'


def test_the_zone_that_uses_the_sip_service_must_keep_it():
    zone = '<zone>\n  <service name="ssh"/>\n  <service name="sip"/>\n  <interface name="mf-c2"/>\n</zone>\n'
    assert lab.foreign_view('firewalld', 'file zones/work.xml', zone) == zone
    listing = 'work (active)\n  services: dhcpv6-client sip ssh\n  ports: \n'
    assert lab.foreign_view('firewalld', 'runtime zones', listing) == listing


SAVE = ('*raw\n:PREROUTING ACCEPT [0:0]\n' + lab.IPTABLES_VOIP + '\nCOMMIT\n'
        '*filter\n:FORWARD DROP [12:3400]\n:ATEA-ANYWHERE-FORWARD - [0:0]\n'
        '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n'
        '-A FORWARD -m comment --comment "atea-anywhere jump" -j ATEA-ANYWHERE-FORWARD\n'
        '-A FORWARD -d 192.0.2.99/32 -j DROP\n'
        '-A ATEA-ANYWHERE-FORWARD -p tcp -m tcp --dport 5222 -j ACCEPT\nCOMMIT\n')


def test_iptables_without_our_chains_jumps_and_the_planted_helper():
    kept = lab.foreign_view('iptables-nft', 'ipv4', lab.iptables_save_normalized('# Generated on a day\n' + SAVE))
    assert kept == ('*raw\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:FORWARD DROP [0:0]\n'
                    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n'
                    '-A FORWARD -d 192.0.2.99/32 -j DROP\nCOMMIT\n')
    # A rule of ours outside our chains is not hidden.
    stray = '-A FORWARD -m comment --comment "atea-anywhere 3" -j ACCEPT\n'
    assert stray in lab.foreign_view('iptables-legacy', 'ipv4', stray)


def test_compare_listings_names_what_changed_appeared_or_went():
    before = {'ipv4': SAVE, 'ipv6': '*filter\nCOMMIT\n'}
    assert lab.compare_listings(before, dict(before), lab.removal_view, 'iptables-nft') == []
    assert lab.compare_listings(before, {'ipv4': SAVE.replace('192.0.2.99', '192.0.2.98')}, lab.removal_view,
                                'iptables-nft') == ['ipv4', 'ipv6']
    # What is ours may come and go for foreign-check, not for removed-check.
    ours = {'ipv4': SAVE, 'ipv6': '*filter\n:ATEA-ANYWHERE-INPUT - [0:0]\nCOMMIT\n'}
    assert lab.compare_listings(before, ours, lab.foreign_view, 'iptables-nft') == []
    assert lab.compare_listings(before, ours, lab.removal_view, 'iptables-nft') == ['ipv6']
    assert lab.compare_listings({}, {'file policies/atea-anywhere-forward.xml': 'x'}, lab.foreign_view, 'firewalld') == []
    assert lab.compare_listings({}, {'file policies/atea-anywhere-forward.xml': 'x'}, lab.removal_view,
                                'firewalld') == ['file policies/atea-anywhere-forward.xml']


def test_voip_helpers_left_in_nftables_firewalld_and_iptables_listings():
    nft = '\tct helper helper-sip-udp {\n\t\ttype "sip" protocol udp\n\t\tudp dport 5060 ct helper set "helper-sip-udp"\n'
    assert lab.voip_helpers_left({'nft': nft, 'rules.v4': lab.IPTABLES_VOIP + '\n-A PREROUTING -j CT --helper RAS\n'}) == [
        'nft: type "sip" protocol udp', 'nft: udp dport 5060 ct helper set "helper-sip-udp"', 'rules.v4: ' + lab.IPTABLES_VOIP,
        'rules.v4: -A PREROUTING -j CT --helper RAS']
    # firewalld's netbios-ns helper (samba-client) is no VoIP helper.
    assert lab.voip_helpers_left({'nft': 'udp dport 137 ct helper set "helper-netbios-ns-udp"\ntcp dport 5060 accept'}) == []


@pytest.mark.parametrize('placement, chain', [('gateway', 'FORWARD'), ('host', 'INPUT')])
def test_iptables_foreign_drops_by_policy_in_the_chain_the_collection_filters(placement, chain):
    for family in lab.FAMILIES:
        text = lab.iptables_foreign(family, placement, voip=True)
        assert ':%s DROP [0:0]' % chain in text
        assert '-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' % chain in text
        assert ('--helper sip' in text) is (family == 'ipv4')
        assert ('neighbour-solicitation' in text) is (family == 'ipv6' and chain == 'INPUT')
        assert text.count(' -j DROP') == 1 and text.endswith('COMMIT\n')


def _probes(manager, profile='enterprise', placement='gateway'):
    return LAB.probes(profile, placement, lab.FAMILIES, SEED, manager)


def test_firewalld_widens_only_the_low_source_port_probes_of_allowed_flows():
    plain, firewalld = _probes('nftables'), _probes('firewalld')
    assert [p[:6] for p in plain] == [p[:6] for p in firewalld]
    changed = [(a, b) for a, b in zip(plain, firewalld) if a != b]
    assert changed and all(0 < a.sport < 1024 and not a.expected and b.expected for a, b in changed)
    assert all(b.widened == 'firewalld matches no source port' for _a, b in changed)
    # Each low source port probe whose twin from any port is allowed; a low source port from the wrong source stays dropped.
    expected = dict((p[:6], p.expected) for p in plain)
    twins = [p for p in plain if p.sport and expected.get(p[:5] + (0,))]
    assert [a for a, _b in changed] == twins and len(twins) < len([p for p in plain if p.sport])


def test_ufw_widens_echo_requests_only_and_other_icmp_queries_stay_dropped():
    plain, ufw = _probes('nftables', 'smb'), _probes('ufw', 'smb')
    changed = [(a, b) for a, b in zip(plain, ufw) if a != b]
    assert changed and all(b.protocol == 'icmp' and b.port == lab.ICMP_ECHO[b.family] and b.expected and b.widened
                           for _a, b in changed)
    assert any(p.source == 'rogue' for _a, p in changed)
    assert all(not p.expected for p in ufw if p.protocol == 'icmp' and p.port != lab.ICMP_ECHO[p.family])


@pytest.mark.parametrize('manager', ['iptables-nft', 'iptables-legacy'])
def test_iptables_widens_nothing(manager):
    assert _probes(manager) == _probes('nftables')
    assert _probes(manager, 'smb', 'host') == _probes('nftables', 'smb', 'host')


def test_summary_counts_widened_probes_apart_and_report_says_why():
    allowed = lab.Probe('c1', 'inet', 'ipv4', 'tcp', 443, 0, True)
    widened = lab.Probe('c1', 'inet', 'ipv4', 'tcp', 443, 999, True, 'firewalld matches no source port')
    denied = lab.Probe('c1', 'inet', 'ipv4', 'tcp', 23, 0, False)
    rows = [(allowed, True), (widened, True), (denied, False)]
    assert lab.summary(rows, 'gateway', 7, 0) == (
        'ipv4 allowed 1/1 passed, denied 1/1 dropped, widened 1/1 passed; placement gateway; seed 7; retried 0')
    text, failures = lab.report(rows, 'gateway', 7, [])
    assert failures == 0 and 'widened (firewalld matches no source port)' in text


def test_after_removal_only_the_managers_own_stance_passes():
    host_out = lab.Probe('fw', 'inet', 'ipv4', 'tcp', 5222, 0, True)
    echo = lab.Probe('rogue', 'c1', 'ipv6', 'icmp', 128, 0, False)
    timestamp = lab.Probe('mpls', 'c1', 'ipv4', 'icmp', 13, 0, False)
    assert lab.manager_stance_allows('iptables-legacy', host_out) and lab.manager_stance_allows('ufw', echo)
    assert not lab.manager_stance_allows('firewalld', echo) and not lab.manager_stance_allows('ufw', timestamp)


def test_inventory_of_a_manager_lab_detects_it_and_keeps_iptables_files_in_the_lab(tmp_path):
    built = lab.Lab('zz', state_dir=str(tmp_path))
    for manager in lab.MANAGERS:
        built.write_inventory('main.conf', ('ipv4',), 'gateway', manager)
        with open(str(tmp_path / 'inventory.json'), encoding='utf-8') as handle:
            host_vars = json.load(handle)['all']['children']['atea_anywhere_firewalls']['hosts']['zz-fw']
        assert host_vars['atea_anywhere_platform'] == ('nftables' if manager == 'nftables' else 'linux')
        with open(host_vars['ansible_python_interpreter'], encoding='utf-8') as handle:
            wrapper = handle.read()
        assert ('DBUS_SYSTEM_BUS_ADDRESS=unix:path=%s/firewalld/system_bus_socket' % tmp_path in wrapper) is (
            manager == 'firewalld')
        persist = host_vars.get('atea_anywhere_iptables_persist_file_ipv4', '')
        assert (persist == str(tmp_path / 'iptables' / 'rules.v4')) is manager.startswith('iptables')


def test_a_foreign_nftables_table_beside_another_manager_is_refused():
    with pytest.raises(RuntimeError, match='foreign nftables tables are for the nftables manager, not ufw'):
        LAB.up(foreign='table', manager='ufw')


def test_after_removal_the_low_source_ports_are_new_ones_and_none_is_served():
    before = set(p.sport for p in _probes('firewalld') if p.sport)
    after = [p.sport for p in LAB.probes('enterprise', 'gateway', lab.FAMILIES, SEED, 'firewalld', lab.REMOVED_LOW_SOURCE_PORT)
             if p.sport]
    assert after and not before & set(after) and len(after) == len(set(after)) == len(before)
    assert not set(after) & set(LAB.service_ports(SEED)['tcp'])
