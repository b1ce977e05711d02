# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input through the filters, called as Ansible calls them: every free-text option with line breaks, quotes,
';', '#', braces, '$[', '\\', path separators, very long and non-ASCII values, on every platform. Each is a clean
filter error naming the option and the value (and the platform where the platform is what refuses it); what a
platform can represent is written its own way and never adds a line."""

from __future__ import annotations

import copy

import pytest
from ansible.errors import AnsibleFilterError
from quoting import quotes_balanced

from ansible_collections.atea.anywhere.plugins.filter.flows import flows
from ansible_collections.atea.anywhere.plugins.filter.nftables_table import nftables_table
from ansible_collections.atea.anywhere.plugins.filter.rule_table import rule_table
from ansible_collections.atea.anywhere.plugins.filter.rules import rules
from ansible_collections.atea.anywhere.plugins.filter.vendor_api_requests import vendor_api_requests
from ansible_collections.atea.anywhere.plugins.filter.vendor_config import vendor_config

VENDORS = ['cisco_asa', 'cisco_ios', 'fortios', 'junos_srx', 'panos', 'routeros']
PLATFORMS = VENDORS + ['nftables']
BAD = {
    'newline': 'x\naccess-list INJ3CT extended permit ip any any',
    'cr': 'x\rset system root-authentication plain-text-password',
    'crlf': 'x\r\n/system reset-configuration',
    'tab': 'a\tb',
    'nul': 'a\x00b',
    'line_separator': 'a\u2028b',
    'quote': 'x" ; set action accept "',
    'semicolon': 'x; /system reset-configuration',
    'hash': '#x',
    'brace_close': '} flush ruleset {',
    'brace_open': '{',
    'dollar': '$[/system reset-configuration]',
    'backslash': 'x\\',
    'path': '../../etc/passwd',
    'long': 'a' * 300,
    'non_ascii': 'Überwachung ☎',
    'question': 'x?',
}
# Refused by the engine in any free text: one line, and a purpose of at most 255 characters.
NOT_ONE_LINE = ('newline', 'cr', 'crlf', 'tab', 'nul', 'line_separator')
# What each platform's comments cannot hold, of the texts the engine lets through.
REFUSED_IN_COMMENTS = {
    'cisco_asa': ('non_ascii', 'question'),
    'cisco_ios': ('non_ascii', 'question'),
    'fortios': ('quote', 'backslash', 'non_ascii', 'question'),
    'junos_srx': ('quote', 'backslash', 'non_ascii', 'question'),
    'panos': ('quote', 'backslash', 'non_ascii', 'question'),
    'routeros': ('non_ascii',),
    'nftables': ('quote',),
}
NETWORK_NAMES = ('customer', 'mpls', 'internet')
ENTERPRISE = rules(flows('enterprise'))


def _render(platform, rule_list, **options):
    if platform == 'nftables':
        return nftables_table(rule_list, **options)
    return vendor_config(rule_list, platform=platform, **options)


def _fails(call, option, value=None, platform=None):
    """The call raises a filter error naming the filter, the option, the value as given, and the platform."""
    with pytest.raises(AnsibleFilterError) as caught:
        call()
    message = str(caught.value)
    # The library names an option, Ansible's argument spec check an argument.
    assert message.startswith('atea.anywhere.'), message
    assert "option '%s'" % option in message or "argument '%s'" % option in message, message
    if value is not None:
        assert repr(value) in message, message
    if platform is not None:
        assert platform in message, message


def _extra(**item):
    flow = {'id': 'customer-app', 'purpose': 'Customer app', 'direction': 'inbound', 'network': 'internet',
            'protocol': 'tcp', 'destination_ports': [1234]}
    flow.update(item)
    return [flow]


@pytest.mark.parametrize('platform', VENDORS)
@pytest.mark.parametrize('kind', sorted(BAD))
def test_zone_values(platform, kind):
    network = NETWORK_NAMES[sorted(BAD).index(kind) % 3]
    _fails(lambda: vendor_config(ENTERPRISE, platform=platform, zones={network: BAD[kind]}),
           'zones.%s' % network, BAD[kind], platform)


@pytest.mark.parametrize('kind', sorted(BAD))
def test_extra_flow_ids(kind):
    _fails(lambda: flows('smb', extra_flows=_extra(id=BAD[kind])), 'extra_flows[0].id', BAD[kind])


@pytest.mark.parametrize('kind', NOT_ONE_LINE + ('long',))
def test_extra_flow_purposes_the_engine_refuses(kind):
    _fails(lambda: flows('smb', extra_flows=_extra(purpose=BAD[kind])), 'extra_flows[0].purpose', BAD[kind])


@pytest.mark.parametrize('platform, kind', [(p, k) for p in PLATFORMS for k in REFUSED_IN_COMMENTS[p]])
def test_extra_flow_purposes_a_platform_cannot_hold(platform, kind):
    rule_list = rules(flows('smb', extra_flows=_extra(purpose=BAD[kind])))
    extra = next(rule for rule in rule_list if rule['sections'] == ['extra'])
    # Named as the survey user wrote it: the extra flow, by its id.
    _fails(lambda: _render(platform, rule_list), 'extra_flows[id=%s].purpose' % extra['provenance'][0]['id'], BAD[kind],
           platform)


@pytest.mark.parametrize('platform', PLATFORMS)
@pytest.mark.parametrize('kind', sorted(BAD))
def test_rule_names(platform, kind):
    rule_list = copy.deepcopy(ENTERPRISE)
    rule_list[3]['name'] = BAD[kind]
    _fails(lambda: _render(platform, rule_list), 'rules[3].name', BAD[kind])


@pytest.mark.parametrize('field', ['id', 'section', 'purpose', 'name'])
@pytest.mark.parametrize('kind', ['newline', 'cr', 'nul', 'line_separator'])
def test_provenance_fields(field, kind):
    rule_list = copy.deepcopy(ENTERPRISE)
    rule_list[2]['provenance'][0][field] = BAD[kind]
    _fails(lambda: vendor_config(rule_list, platform='junos_srx'), 'rules[2].provenance[0].%s' % field, BAD[kind])


@pytest.mark.parametrize('kind', ['newline', 'nul'])
def test_rule_sections(kind):
    rule_list = copy.deepcopy(ENTERPRISE)
    rule_list[0]['sections'][0] = BAD[kind]
    _fails(lambda: rule_table(rule_list), 'rules[0].sections[0]', BAD[kind])


@pytest.mark.parametrize('call, option, value', [
    (lambda: vendor_config(ENTERPRISE, platform='fortios', policy_id_base=-4), 'policy_id_base', -4),
    (lambda: vendor_config(ENTERPRISE, platform='fortios', policy_id_base=-1), 'policy_id_base', -1),
    (lambda: vendor_config(ENTERPRISE, platform='fortios', policy_id_base=4294967294), 'policy_id_base', 4294967294),
    (lambda: vendor_config(ENTERPRISE, platform='fortios', policy_id_base=4294967294 - len(ENTERPRISE) + 1),
     'policy_id_base', 4294967294 - len(ENTERPRISE) + 1),
    (lambda: vendor_api_requests(ENTERPRISE, platform='fortios', policy_id_base=-4, current={}), 'policy_id_base', -4),
    (lambda: vendor_config(ENTERPRISE, platform='fortios', policy_id_base='edit 1'), 'policy_id_base', None),
    (lambda: vendor_config(ENTERPRISE, platform='fortios', policy_id_base='-4\nend'), 'policy_id_base', None),
])
def test_fortios_policy_id_base(call, option, value):
    _fails(call, option, value)


def test_fortios_policy_names_cut_to_35_characters_never_collide():
    rule_list = copy.deepcopy(ENTERPRISE)
    rule_list[0]['name'] = 'outbound-mpls-tcp-ipv4-with-a-long-tail-1'
    rule_list[1]['name'] = 'outbound-mpls-tcp-ipv4-with-a-long-tail-2'
    _fails(lambda: vendor_config(rule_list, platform='fortios'), 'rules[1].name', rule_list[1]['name'], 'FortiOS')


NETWORK_VALUES = {
    'any_ipv4': ('0.0.0.0/0', '0.0.0.0/0'),
    'any_ipv6': ('::/0', '::/0'),
    'any_merged': (['0.0.0.0/1', '128.0.0.0/1'], '0.0.0.0/0'),
    'newline': ('192.0.2.0/24\nflush ruleset', '192.0.2.0/24\nflush ruleset'),
    'semicolon': ('192.0.2.0/24; flush ruleset', '192.0.2.0/24; flush ruleset'),
    'brace': ('192.0.2.0/24 } accept {', '192.0.2.0/24 } accept {'),
    'host_bits': ('192.0.2.1/24', '192.0.2.1/24'),
    'path': ('../../etc/passwd', '../../etc/passwd'),
    'long': ('1' * 300, '1' * 300),
    'non_ascii': ('１９２.0.2.0/24', '１９２.0.2.0/24'),
    'dollar': ('$[/system reset-configuration]', '$[/system reset-configuration]'),
}


@pytest.mark.parametrize('option', ['networks.mpls', 'networks.internet', 'customer_networks'])
@pytest.mark.parametrize('kind', sorted(NETWORK_VALUES))
def test_networks(option, kind):
    given, shown = NETWORK_VALUES[kind]
    if option == 'customer_networks':
        selection = {'customer_networks': given if isinstance(given, list) else [given]}
    else:
        selection = {'networks': {option.split('.')[1]: given}}
    # A /0 is refused after merging, for the option; any other value by its place in the list.
    _fails(lambda: flows('enterprise', **selection), option if kind.startswith('any') else option + '[0]', shown)


def test_any_network_is_allowed_when_asked_for():
    assert flows('smb', networks={'internet': '0.0.0.0/0'}, allow_any_network=True)[0]['destinations'] == ['0.0.0.0/0']


PORTS = {
    'string': ('destination_ports', '443'),
    'one_number': ('destination_ports', [[443]]),
    'zero': ('destination_ports', [[0, 80]]),
    'reversed': ('destination_ports', [[80, 70]]),
    'strings': ('destination_ports', [['80', '80']]),
    'unsorted': ('destination_ports', [[80, 80], [70, 75]]),
    'bool': ('destination_ports', [[True, 80]]),
    'source_string': ('source_ports', '1024-65535'),
    'source_high': ('source_ports', [[1024, 65536]]),
}


@pytest.mark.parametrize('kind', sorted(PORTS))
def test_rule_ports(kind):
    key, value = PORTS[kind]
    rule_list = copy.deepcopy(ENTERPRISE)
    rule_list[0][key] = value
    with pytest.raises(AnsibleFilterError, match=r"option 'rules\[0\]\.%s" % key):
        vendor_config(rule_list, platform='cisco_asa')


@pytest.mark.parametrize('change, option', [
    (lambda rule: rule['provenance'][0].update(destination_ports=[[1, 10]]), 'rules[0].provenance[0].destination_ports'),
    (lambda rule: rule['provenance'].pop(), 'rules[0].provenance'),
    (lambda rule: rule.update(provenance=[]), 'rules[0].provenance'),
    (lambda rule: rule['provenance'][0].update(destination_ports='80'), 'rules[0].provenance[0].destination_ports'),
])
def test_provenance_must_be_the_rule_ports(change, option):
    rule_list = copy.deepcopy(ENTERPRISE)
    change(rule_list[0])
    _fails(lambda: nftables_table(rule_list), option)


@pytest.mark.parametrize('option', ['table', 'chain_prefix'])
@pytest.mark.parametrize('kind', sorted(BAD))
def test_nftables_names(option, kind):
    _fails(lambda: nftables_table(ENTERPRISE, **{option: BAD[kind]}), option, BAD[kind], 'nftables')


@pytest.mark.parametrize('platform', PLATFORMS)
def test_what_a_platform_can_hold_is_written_its_own_way(platform):
    plain = _render(platform, rules(flows('smb', extra_flows=_extra(purpose='placeholder'))))
    for kind in sorted(set(BAD) - set(NOT_ONE_LINE) - set(REFUSED_IN_COMMENTS[platform]) - {'long'}):
        text = _render(platform, rules(flows('smb', extra_flows=_extra(purpose=BAD[kind]))))
        assert len(text.splitlines()) == len(plain.splitlines()), (platform, kind)
        assert all(quotes_balanced(platform, line) for line in text.splitlines()), (platform, kind)


def test_routeros_comments_cannot_substitute_or_escape_their_quotes():
    text = vendor_config(rules(flows('smb', extra_flows=_extra(purpose='$[/system reset] x\\'))), platform='routeros')
    line = next(line for line in text.splitlines() if 'extra inbound' in line)
    assert 'comment="ATEA: extra inbound-internet-tcp-ipv4: extra \\$[/system reset] x\\\\"' in line


@pytest.mark.parametrize('key', ['source_network', 'destination_network'])
@pytest.mark.parametrize('value', [1, 'dmz', ['mpls'], 'mpls\nx'])
@pytest.mark.parametrize('call', [rule_table, lambda rule_list: vendor_config(rule_list, platform='cisco_ios')])
def test_rule_network_names(key, value, call):
    rule_list = copy.deepcopy(ENTERPRISE)
    rule_list[5][key] = value
    _fails(lambda: call(rule_list), 'rules[5].%s' % key, value)
