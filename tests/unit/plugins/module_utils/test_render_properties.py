# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based: arbitrary text (control characters, quotes, escapes, any Unicode) in every free-text option of
every renderer either is refused with an InputError naming the option, or gives a rendering with as many lines as
a plain value gives, with balanced quotes on every line; every nftables rendering passes nft -c.

The number of examples run is recorded per test (user property 'hypothesis_examples <platform>') and printed at
the end of the run by tests/conftest.py.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from quoting import quotes_balanced

from ansible_collections.atea.anywhere.plugins.module_utils import engine, render_nftables, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

VENDORS = sorted(vendor_platforms.RENDERERS)
EXAMPLES = 120
NFT_EXAMPLES = 60
NFT = bool(shutil.which('nft') and shutil.which('unshare') and os.geteuid() == 0)
# Arbitrary text, and text made of what breaks configurations, so that both are tried often.
TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list('"\'\\$[](){};#?!|&<>*` \t\n\r\x00\x0b\x1b\x7f\x85\u2028\u2029/.-_:,'
                                          'aZ09Üé☎\U0001f4de')), min_size=1, max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), min_size=1, max_size=300),
)
EXTRA = {'id': 'customer-app', 'purpose': 'Customer app', 'direction': 'inbound', 'network': 'internet',
         'protocol': 'tcp', 'destination_ports': [1234, 1240]}


def _rules(**extra):
    return engine.compact_rules(engine.build_flows('smb', extra_flows=[dict(EXTRA, **extra)]))


BASE = _rules()
EXTRA_RULE = next(index for index, rule in enumerate(BASE) if rule['sections'] == ['extra'])


def _with(path, value):
    """BASE with the value at path (rule index, then keys) replaced."""
    rules = copy.deepcopy(BASE)
    target = rules
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return rules


# Option -> how a value of it reaches a renderer: (rules, zones or nftables layout options).
RULE_OPTIONS = {
    'extra_flows[0].purpose': lambda text: (_rules(purpose=text), {}),
    'extra_flows[0].id': lambda text: (_rules(id=text), {}),
    'rules[0].name': lambda text: (_with((0, 'name'), text), {}),
    'rules[n].sections[0]': lambda text: (_with((EXTRA_RULE, 'sections', 0), text), {}),
    'rules[n].provenance[0].section': lambda text: (_with((EXTRA_RULE, 'provenance', 0, 'section'), text), {}),
    'rules[n].provenance[0].purpose': lambda text: (_with((EXTRA_RULE, 'provenance', 0, 'purpose'), text), {}),
    'rules[n].provenance[0].name': lambda text: (_with((EXTRA_RULE, 'provenance', 0, 'name'), text), {}),
}
ZONE_OPTIONS = ('zones.customer', 'zones.mpls', 'zones.internet')
NFT_OPTIONS = {
    'table': lambda text: (BASE, {'table': text}),
    'chain_prefix': lambda text: (BASE, {'mode': 'chain', 'table': 'filter', 'chain_prefix': text}),
    'parent_chains.input': lambda text: (BASE, {'mode': 'chain', 'table': 'filter', 'placement': 'host',
                                                'parent_chains': {'input': text}}),
}
# Zones that other networks get while one is tried: none is a prefix or case variant of a placeholder.
OTHER_ZONES = {'routeros': 'forward'}


def _vendor_case(platform, option, text, tried=True):
    """(rules, zones) for a vendor platform with text in option (tried: by hypothesis)."""
    if option in RULE_OPTIONS:
        return RULE_OPTIONS[option](text)
    network = option.split('.')[1]
    zones = dict((name, OTHER_ZONES.get(platform, 'zone%s' % name)) for name in ('customer', 'mpls', 'internet'))
    # Two networks on one zone name up to case make one ACL of two on ASA: not what is tried here.
    if tried and platform != 'routeros':
        assume(all(text.upper().replace('_', '-') != zone.upper() for name, zone in zones.items() if name != network))
    zones[network] = text
    return BASE, zones


def _vendor_render(platform, case):
    rules, zones = case
    return vendor_platforms.render_config(rules, platform, zones)


def _placeholder(platform, option):
    if option.startswith('zones.'):
        return OTHER_ZONES.get(platform, 'placeholder')
    return 'placeholder'


def _names(option, named):
    """Whether an error naming named is about option: an extra flow's text may be refused by the renderer, as
    the extra flow by its id (or the rule it is in); a rule's text by its field in some rule (FortiOS names two
    rules by one cut name), or the extra flow its provenance came from."""
    if option.startswith('extra_flows'):
        return named == option or named.startswith(('rules[', 'extra_flows[id='))
    if option.startswith('rules'):
        path = option.split('.', 1)[1]
        return (named.startswith('rules[') and named.endswith(path)) or (
            named.startswith('extra_flows[id=') and named.endswith('.' + path.split('.')[-1]))
    return named == option


def _check_lines(platform, text, plain):
    lines = text.splitlines()
    assert text.endswith('\n') and len(lines) == len(plain.splitlines())
    for line in lines:
        assert quotes_balanced(platform, line), line


def _run(check, examples, record_property, platform, strategy=TEXT):
    """Run check on examples values of strategy; record how many ran."""
    count = [0]

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(value=strategy)
    def run(value):
        count[0] += 1
        check(value)

    run()
    record_property('hypothesis_examples %s' % platform, count[0])


@pytest.mark.parametrize('platform', VENDORS)
@pytest.mark.parametrize('option', sorted(RULE_OPTIONS) + list(ZONE_OPTIONS))
def test_vendor_text_is_refused_or_stays_in_its_place(platform, option, record_property):
    plain = _vendor_render(platform, _vendor_case(platform, option, _placeholder(platform, option), tried=False))

    def check(text):
        try:
            rendered = _vendor_render(platform, _vendor_case(platform, option, text))
        except InputError as error:
            assert _names(option, error.option), (error.option, option)
            return
        _check_lines(platform, rendered, plain)

    _run(check, EXAMPLES, record_property, platform)


@pytest.mark.parametrize('option', sorted(RULE_OPTIONS) + sorted(NFT_OPTIONS))
def test_nftables_text_is_refused_or_passes_nft(option, record_property):
    make = RULE_OPTIONS.get(option) or NFT_OPTIONS[option]
    rules, options = make('placeholder')
    plain = render_nftables.render_table(rules, **options)
    checked = [0]

    def check(text):
        try:
            rules, options = make(text)
            rendered = render_nftables.render_table(rules, **options)
        except InputError as error:
            assert _names(option, error.option), (error.option, option)
            return
        _check_lines('nftables', rendered, plain)
        if NFT:
            # A private network namespace: nothing on the host is touched.
            run = subprocess.run(['unshare', '--net', 'nft', '-c', '-f', '-'], input=rendered.encode('utf-8'),
                                 capture_output=True, check=False)
            assert run.returncode == 0, run.stderr.decode('utf-8', 'replace')
            checked[0] += 1

    _run(check, NFT_EXAMPLES if NFT else EXAMPLES, record_property, 'nftables')
    record_property('nft -c checks', checked[0])


def test_fortios_policy_ids_fit_fortios(record_property):
    def check(base):
        try:
            text = vendor_platforms.render_config(BASE, 'fortios', policy_id_base=base)
        except InputError as error:
            assert error.option == 'policy_id_base' and (base < 0 or base + len(BASE) > 4294967294)
            return
        ids = [int(line.split()[1]) for line in text.splitlines()
               if line.startswith('    edit ') and line.split()[1].isdigit()]
        assert ids == list(range(base + 1, base + 1 + len(BASE))) and max(ids) <= 4294967294

    _run(check, EXAMPLES, record_property, 'fortios',
         st.one_of(st.integers(), st.integers(min_value=4294967290, max_value=4294967300)))
