# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Junos SRX and PAN-OS as the devices take them: the reviewed references read as the device would (an SRX
application holds at most 8 terms, a policy at most 1024 addresses and 128 applications; PAN-OS ICMPv6 echo
by its type only), limits kept by splitting, SRX policies placed before a zone pair's first deny, and the
stand-in SRX refusing what a device refuses."""

from __future__ import annotations

import re

import fake_junos
import pytest
from regression import read_reference

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms

CASES = ('smb', 'enterprise', 'enterprise-dual-stack')
# Written down apart from the renderer: the commit check's limit of terms, and the per-policy objects of the
# smallest SRX in Juniper's "Best Practices for Defining Policies on High-End SRX Series Devices".
TERMS, ADDRESSES, APPLICATIONS = 8, 1024, 128
POLICY_MATCH = re.compile(r'set security policies from-zone (\S+) to-zone (\S+) policy (\S+) match (\S+) (\S+)$')


def _sets(text):
    """Address-set and application-set name -> member names, from set lines."""
    sets = {}
    for line in text.splitlines():
        words = line.split()
        if words[:5] == ['set', 'security', 'address-book', 'global', 'address-set']:
            sets.setdefault(words[5], []).append(words[7])
        elif words[:3] == ['set', 'applications', 'application-set']:
            sets.setdefault(words[3], []).append(words[5])
    return sets


def _expanded(sets, name):
    return [leaf for member in sets[name] for leaf in _expanded(sets, member)] if name in sets else [name]


def _terms(text):
    """Application name -> its term names."""
    terms = {}
    for line in text.splitlines():
        found = re.match(r'set applications application (\S+) term (\S+) ', line)
        if found:
            terms.setdefault(found.group(1), set()).add(found.group(2))
    return terms


def _policies(text):
    """Policy name -> {'source-address': [...], 'destination-address': [...], 'application': [...]}, sets expanded."""
    sets, policies = _sets(text), {}
    for line in text.splitlines():
        found = POLICY_MATCH.match(line)
        if found:
            policies.setdefault(found.group(3), {})[found.group(4)] = _expanded(sets, found.group(5))
    return policies


def _within_srx_limits(text):
    """What in a Junos configuration a device would refuse for its limits, as a list of reasons."""
    refused = ['application %s has %d terms' % (name, len(terms)) for name, terms in _terms(text).items()
               if len(terms) > TERMS]
    for name, match in _policies(text).items():
        if len(match['source-address']) + len(match['destination-address']) > ADDRESSES:
            refused.append('policy %s names more than %d addresses' % (name, ADDRESSES))
        if len(match['application']) > APPLICATIONS:
            refused.append('policy %s names more than %d applications' % (name, APPLICATIONS))
    return refused


def _rules(profile, **options):
    return engine.compact_rules(engine.build_flows(profile, **options))


@pytest.mark.parametrize('case', CASES)
def test_no_junos_application_in_a_reference_has_more_than_eight_terms(case):
    # 0.2.0's enterprise reference had ATEA-APP-OUTBOUND-MPLS-TCP-IPV4 with 12 terms, which no SRX commits.
    text = read_reference('junos_srx', case)
    assert _within_srx_limits(text) == []
    policies = _policies(text)
    assert policies
    # Each policy names an application set of defined applications, each of a single term.
    terms = _terms(text)
    for name, match in policies.items():
        assert match['application'], name
        assert all(len(terms[application]) == 1 for application in match['application']), name


def test_the_limits_check_catches_a_ninth_term():
    text = read_reference('junos_srx', 'enterprise')
    ninth = ''.join('set applications application ATEA-APP-X term t%d protocol tcp\n' % index for index in range(9))
    assert _within_srx_limits(text + ninth) == ['application ATEA-APP-X has 9 terms']


def _fleet(profile, networks=1000, ports=0, dual_stack=False):
    """Many customer networks (every other /24, so none merge) and ports (every other, so none merge)."""
    v4 = ['10.%d.%d.0/24' % divmod(2 * index, 256) for index in range(networks)]
    flows = [{'id': 'many', 'purpose': 'Many ports', 'direction': 'outbound', 'network': 'mpls', 'protocol': 'tcp',
              'destination_ports': [str(20000 + 2 * index) for index in range(ports)]}] if ports else []
    customer = v4[:networks // 2] + ['2001:db8:%x::/48' % (2 * n) for n in range(networks // 2)] if dual_stack else v4
    return _rules(profile, customer_networks=customer, extra_flows=flows)


def _meaning(text):
    """Policy name without its -PARTn -> (zone pair, sources, destinations, applications) it permits, sets
    expanded, once the parts are shown to be every combination of disjoint groups of each."""
    pairs = dict((found.group(3), found.group(1, 2)) for found in map(POLICY_MATCH.match, text.splitlines()) if found)
    parts = {}
    for name, match in _policies(text).items():
        base = re.sub(r'-PART\d+$', '', name)
        parts.setdefault(base, []).append((pairs[name],) + tuple(
            frozenset(match[what]) for what in ('source-address', 'destination-address', 'application')))
    meaning = {}
    for base, found in parts.items():
        assert len(set(part[0] for part in found)) == 1, base
        groups = [set(part[index] for part in found) for index in (1, 2, 3)]
        for group in groups:
            assert sum(map(len, group)) == len(frozenset().union(*group)), (base, 'parts overlap')
        assert len(set(found)) == len(found) == len(groups[0]) * len(groups[1]) * len(groups[2]), base
        meaning[base] = (found[0][0],) + tuple(frozenset().union(*group) for group in groups)
    return meaning


@pytest.mark.parametrize('dual_stack', [False, True])
def test_a_thousand_customer_networks_split_policies_within_the_limits_and_mean_the_same(dual_stack, monkeypatch):
    text = vendor_platforms.render_config(_fleet('enterprise', dual_stack=dual_stack, ports=140), 'junos_srx')
    assert _within_srx_limits(text) == []
    policies = _policies(text)
    split = [name for name in policies if '-PART' in name]
    assert split, 'nothing was split'
    # Internal flows name the customer sets on both sides: 2 x 2 parts in IPv4 alone.
    assert 'ATEA-INTERNAL-CUSTOMER-TCP-IPV4-PART4' in policies or dual_stack
    # The same rules with the limits out of the way mean the same flows.
    renderer = vendor_platforms.RENDERERS['junos_srx']
    monkeypatch.setattr(renderer, 'LIMITS', dict((name, limit._replace(value=10 ** 6))
                                                 for name, limit in renderer.LIMITS.items()))
    whole = vendor_platforms.render_config(_fleet('enterprise', dual_stack=dual_stack, ports=140), 'junos_srx')
    assert not [name for name in _policies(whole) if '-PART' in name]
    assert _meaning(text) == _meaning(whole)


def test_more_ports_than_a_policy_takes_applications_split_the_policy():
    text = vendor_platforms.render_config(_fleet('smb', networks=3, ports=140), 'junos_srx')
    policies = _policies(text)
    assert sorted(name for name in policies if name.startswith('ATEA-OUTBOUND-MPLS-TCP-IPV4')) == [
        'ATEA-OUTBOUND-MPLS-TCP-IPV4', 'ATEA-OUTBOUND-MPLS-TCP-IPV4-PART2']
    assert [len(policies[name]['application']) for name in ('ATEA-OUTBOUND-MPLS-TCP-IPV4',
                                                            'ATEA-OUTBOUND-MPLS-TCP-IPV4-PART2')] == [128, 12]


# The customer's own policies in trust -> untrust: a permit, a specific deny and a final deny-all.
CUSTOMER_POLICIES = """set security policies from-zone trust to-zone untrust policy WEB match source-address any
set security policies from-zone trust to-zone untrust policy WEB match destination-address any
set security policies from-zone trust to-zone untrust policy WEB match application junos-https
set security policies from-zone trust to-zone untrust policy WEB then permit
set security policies from-zone trust to-zone untrust policy NO-TELNET match source-address any
set security policies from-zone trust to-zone untrust policy NO-TELNET match destination-address any
set security policies from-zone trust to-zone untrust policy NO-TELNET match application junos-telnet
set security policies from-zone trust to-zone untrust policy NO-TELNET then reject
set security policies from-zone trust to-zone untrust policy DENY-ALL match source-address any
set security policies from-zone trust to-zone untrust policy DENY-ALL match destination-address any
set security policies from-zone trust to-zone untrust policy DENY-ALL match application any
set security policies from-zone trust to-zone untrust policy DENY-ALL then deny
"""


def _inserts(text):
    return [line for line in text.splitlines() if line.startswith('insert ')]


def test_junos_policies_are_inserted_before_the_first_deny_of_their_zone_pair():
    rules = _rules('smb')
    text = vendor_platforms.render_config(rules, 'junos_srx', running_config=CUSTOMER_POLICIES)
    assert _inserts(text) == [
        'insert security policies from-zone trust to-zone untrust policy ATEA-OUTBOUND-INTERNET-TCP-IPV4 '
        'before policy NO-TELNET',
        'insert security policies from-zone trust to-zone untrust policy ATEA-OUTBOUND-INTERNET-UDP-IPV4 '
        'before policy NO-TELNET']
    # Loaded into the stand-in: the customer's policies in their order, ours before the first deny.
    device = fake_junos.Device.__new__(fake_junos.Device)
    device.candidate = [line[4:] for line in CUSTOMER_POLICIES.splitlines()]
    assert device.load('\n'.join(line for line in text.splitlines() if not line.startswith('#'))) is None
    assert device.check() is None
    assert device.policy_order(device.candidate)[('trust', 'untrust')] == [
        'WEB', 'ATEA-OUTBOUND-INTERNET-TCP-IPV4', 'ATEA-OUTBOUND-INTERNET-UDP-IPV4', 'NO-TELNET', 'DENY-ALL']
    # Rendered against that, nothing moves again.
    placed = ''.join('set %s\n' % line for line in device.candidate)
    assert _inserts(vendor_platforms.render_config(rules, 'junos_srx', running_config=placed)) == []


def test_junos_policy_after_a_deny_is_moved_and_a_zone_pair_without_deny_is_left_alone():
    rules = _rules('smb')
    ours_last = CUSTOMER_POLICIES + ''.join(
        line for line in vendor_platforms.render_config(rules, 'junos_srx').splitlines(True)
        if line.startswith('set security policies'))
    assert len(_inserts(vendor_platforms.render_config(rules, 'junos_srx', running_config=ours_last))) == 2
    permits_only = '\n'.join(line for line in CUSTOMER_POLICIES.splitlines() if 'policy WEB ' in line) + '\n'
    assert _inserts(vendor_platforms.render_config(rules, 'junos_srx', running_config=permits_only)) == []
    # A deny of ours (by name) is not the customer's deny.
    own_deny = permits_only + 'set security policies from-zone trust to-zone untrust policy ATEA-OLD then deny\n'
    assert _inserts(vendor_platforms.render_config(rules, 'junos_srx', running_config=own_deny)) == []


def test_junos_removals_cover_application_sets_and_the_old_multi_term_applications():
    old = ('set applications application ATEA-APP-OUTBOUND-INTERNET-TCP-IPV4 term p443 protocol tcp\n'
           'set applications application-set ATEA-APP-LEGACY application junos-sip\n'
           'set applications application-set ATEA-APP-OUTBOUND-INTERNET-TCP-IPV4 application ATEA-APP-GONE\n'
           'set applications application-set CUSTOMER-APPS application ATEA-APP-OUTBOUND-INTERNET-TCP-IPV4-443\n')
    text = vendor_platforms.render_config(_rules('smb'), 'junos_srx', running_config=old)
    removals = [line for line in text.splitlines() if line.startswith('delete ')]
    assert removals == [
        'delete applications application ATEA-APP-OUTBOUND-INTERNET-TCP-IPV4',
        'delete applications application-set ATEA-APP-LEGACY',
        'delete applications application-set ATEA-APP-OUTBOUND-INTERNET-TCP-IPV4 application ATEA-APP-GONE']


def test_the_stand_in_refuses_a_ninth_term_as_junos_does():
    device = fake_junos.Device.__new__(fake_junos.Device)
    device.candidate = []
    device.load(''.join('set applications application ATEA-APP-X term t%d protocol tcp\n' % index for index in range(8)))
    assert device.check() is None
    device.load('set applications application ATEA-APP-X term t8 protocol tcp\n')
    assert "'term'\n    number of elements exceeds limit of 8" in device.check()


def test_the_stand_in_refuses_a_policy_over_its_address_limit():
    device = fake_junos.Device.__new__(fake_junos.Device)
    device.candidate = []
    lines = ['set security address-book global address A%d 10.0.%d.%d/32' % (n, n // 256, n % 256) for n in range(1025)]
    lines += ['set security address-book global address-set BIG address A%d' % n for n in range(1025)]
    lines += ['set security policies from-zone a to-zone b policy P match %s' % what
              for what in ('source-address BIG', 'destination-address any', 'application any')]
    assert device.load('\n'.join(lines)) is None
    assert 'exceed the limit of 1024 per policy' in device.check()


@pytest.mark.parametrize('case', CASES)
def test_panos_ipv6_echo_is_an_application_of_icmpv6_type_128_only(case):
    # 0.2.0 allowed [ ping ipv6-icmp ], and ipv6-icmp is every ICMPv6 type.
    text = read_reference('panos', case)
    assert 'ipv6-icmp' not in text
    echo_rules = re.findall(r'^set rulebase security rules (\S+-ICMP-IPV6) .* application (\S+) service', text, re.M)
    if case.endswith('dual-stack'):
        assert echo_rules
    for _rule, application in echo_rules:
        definition = [line for line in text.splitlines() if line.startswith('set application %s ' % application)]
        assert 'set application %s default ident-by-icmp6-type type 128' % application in definition
    assert not re.search(r'-ICMP-IPV4 .* application (?!ping )', text)


def test_panos_a_stale_custom_application_of_ours_is_removed():
    running = 'set application ATEA-APP-OLD default ident-by-icmp6-type type 129\nset application CUSTOM-APP risk 2\n'
    text = vendor_platforms.render_config(_rules('smb'), 'panos', running_config=running)
    assert [line for line in text.splitlines() if line.startswith('delete ')] == ['delete application ATEA-APP-OLD']
