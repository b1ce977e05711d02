# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reachability check without a network: which ports it tries, how it spends its budget (a fake clock and
connector: no timing), and what it refuses."""

from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, reachability
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

LAB = {'networks': {'mpls': '192.0.2.0/24', 'internet': '203.0.113.0/24'},
       'customer_networks': ['198.51.100.0/26', '2001:db8:0:c1::/64'], 'allow_any_network': False}
INET = '203.0.113.10'
MPLS = '192.0.2.10'


def _rules(profile='smb', **extra):
    return engine.compact_rules(engine.build_flows(profile, **dict(LAB, **extra)))


class FakeClock(object):
    """A clock that only the fake connector moves: each attempt costs the seconds the connector says."""

    def __init__(self):
        self.now = 100.0
        self.lock = threading.Lock()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        with self.lock:
            self.now += seconds


def _connector(clock, answers, tried):
    """answers: port -> (state, seconds); unknown ports are filtered after the whole timeout."""
    def connect(address, port, timeout):
        tried.append((address, port))
        state, seconds = answers.get(port, ('filtered', timeout))
        clock.advance(seconds)
        return state, 'fake %s' % state, ('198.51.100.10', 40000)
    return connect


def _route(address, port):
    return '198.51.100.10', None


def _check(rules, targets, answers=None, **options):
    clock = FakeClock()
    tried = []
    options.setdefault('site', 'lab-site')
    result = reachability.check(rules, targets, connect=_connector(clock, answers or {}, tried), route=_route,
                                clock=clock, ephemeral=(32768, 60999), **options)
    return result, tried


def test_sample_ports_are_the_ends_and_a_bounded_even_spread():
    assert reachability.sample_ports(5222, 5222, 2) == [5222]
    assert reachability.sample_ports(80, 81, 5) == [80, 81]
    assert reachability.sample_ports(80, 82, 5) == [80, 81, 82]
    assert reachability.sample_ports(40000, 49999, 0) == [40000, 49999]
    assert reachability.sample_ports(40000, 49999, 2) == [40000, 43333, 46666, 49999]
    for samples in range(reachability.MOST_SAMPLES + 1):
        ports = reachability.sample_ports(1, 65535, samples)
        assert len(ports) == samples + 2 and ports[0] == 1 and ports[-1] == 65535 and ports == sorted(set(ports))


def test_smb_targets_take_the_internet_rules_ports_and_rows():
    result, tried = _check(_rules(), {'internet': [INET]}, samples=1)
    by_port = dict((entry['port'], entry) for entry in result['tcp'])
    # 443 (4), 5061, 5222, 8443 (3) once each; 40000-49999 (4, tcp) its ends and its middle.
    assert sorted(by_port) == [443, 5061, 5222, 8443, 40000, 44999, 49999]
    assert sorted(port for _address, port in tried) == sorted(by_port)
    assert by_port[5222]['ids'] == ['3-xmpp'] and by_port[5222]['section'] == '3'
    assert by_port[44999]['ids'] == ['4-media-tcp'] and by_port[44999]['section'] == '4'
    assert all(entry['address'] == INET and entry['rule'] == 'outbound-internet-tcp-ipv4' for entry in result['tcp'])
    # Two UDP rows (3-media, 4-media-udp), never proven, with what was checked instead.
    assert sorted(tuple(entry['ids']) for entry in result['udp']) == [('3-media',), ('4-media-udp',)]
    assert all(entry['state'] == 'not_proven' and 'no packet sent' in entry['checked_instead']
               and entry['source'] == '198.51.100.10' for entry in result['udp'])
    udp_ports = dict((e['ids'][0], e['ports']) for e in result['udp'])
    assert udp_ports == {'3-media': [[36002, 59999]], '4-media-udp': [[40000, 49999]]}
    assert result['profile'] == 'smb' and result['sections'] == ['3', '4'] and result['not_targeted'] == []
    assert result['not_in_rules'] == []
    assert result['counts'] == {'open': 0, 'closed': 0, 'filtered': 7, 'not_checked': 0, 'not_proven': 2}
    assert 'within the source ports 1024-65535' in result['source_ports']


def test_targets_in_a_network_without_rules_are_left_aside_and_listed():
    result, tried = _check(_rules(), {'mpls': [MPLS], 'internet': [INET]}, samples=0)
    assert result['not_in_rules'] == ['mpls'] and result['not_targeted'] == []
    assert set(address for address, _port in tried) == {INET} and len(result['udp']) == 2


def test_enterprise_outbound_only_and_a_network_without_targets_is_listed():
    result, _tried = _check(_rules('enterprise'), {'mpls': [MPLS]}, samples=0)
    assert result['not_targeted'] == ['internet']
    assert set(entry['section'] for entry in result['tcp']) == {'2.1'}
    # 2.2 (inbound) and 2.3 (internal) rows are not a site's outbound checks; 2.1's 22 is not a row.
    ports = [entry['port'] for entry in result['tcp']]
    assert 80 in ports and 8443 in ports and 22 not in ports and 49152 not in ports
    assert sorted(e['ids'][0] for e in result['udp']) == ['2.1-bfcp', '2.1-rtp', '2.1-sip-udp', '2.1-tftp']
    assert result['profile'] == 'enterprise'


def test_overlapping_rows_share_a_port_and_each_range_keeps_its_own_ends():
    extra = [{'id': 'wide', 'direction': 'outbound', 'network': 'internet', 'protocol': 'tcp',
              'destination_ports': ['40000-40100'], 'source_ports': ['1024-65535']}]
    result, tried = _check(_rules(extra_flows=extra), {'internet': [INET]}, samples=0)
    by_port = dict((entry['port'], entry) for entry in result['tcp'])
    assert by_port[40000]['ids'] == ['4-media-tcp', 'wide'] and by_port[40000]['section'] == '4, extra'
    assert by_port[40100]['ids'] == ['4-media-tcp', 'wide'] and by_port[49999]['ids'] == ['4-media-tcp']
    assert len(tried) == len(set(tried)) == len(result['tcp'])
    assert result['profile'] == 'smb' and result['sections'][-1] == 'extra'


def test_budget_leaves_what_does_not_fit_as_not_checked_ends_first():
    answers = {443: ('open', 0.01), 5222: ('closed', 0.01)}
    result, tried = _check(_rules(), {'internet': [INET]}, answers, samples=2, timeout=2, budget=5, parallel=1)
    states = dict((entry['port'], entry['state']) for entry in result['tcp'])
    # Ends first: 443, 5061, 5222, 8443 and 40000 (rank 0) start before 49999 (rank 1) and the inside (rank 2).
    assert [port for _address, port in tried] == [443, 5061, 5222, 8443]
    assert states == {443: 'open', 5061: 'filtered', 5222: 'closed', 8443: 'filtered', 40000: 'not_checked',
                      43333: 'not_checked', 46666: 'not_checked', 49999: 'not_checked'}
    left = [entry for entry in result['tcp'] if entry['state'] == 'not_checked']
    assert all(entry['seconds'] == 0.0 and 'left of the budget' in entry['detail'] for entry in left)
    assert result['counts']['not_checked'] == 4 and sum(result['counts'][s] for s in reachability.STATES) == 8
    assert result['total_seconds'] <= result['budget_seconds']


def test_budget_with_parallel_attempts_never_starts_one_that_cannot_finish():
    clock = FakeClock()
    tried = []
    jobs = [{'address': INET, 'port': port, 'rank': 0} for port in range(1000, 1040)]
    results = reachability.run_tcp(jobs, 3, 10, 4, _connector(clock, {}, tried), clock)
    checked = [r for r in results if r[0] != 'not_checked']
    assert len(results) == 40 and len(checked) == len(tried) and checked
    assert all(r[0] in ('filtered', 'not_checked') for r in results)
    assert clock.now - 100.0 <= 10 + 3 * 4  # each started attempt had its whole timeout left when it began


def test_details_name_the_source_and_a_source_outside_the_rule():
    def connect(address, port, timeout):
        return 'open', 'connected', ('10.9.9.9', 50000)
    result = reachability.check(_rules(), {'internet': [INET]}, connect=connect, route=lambda a, p: ('10.9.9.9', None),
                                clock=FakeClock(), site='s', ephemeral=(1000, 60999), samples=0)
    assert all('from 10.9.9.9 port 50000, which is not in the rule\'s sources' in e['detail'] for e in result['tcp'])
    assert all("not in the rule's sources" in e['checked_instead'] for e in result['udp'])
    assert 'NOT within' in result['source_ports']
    no_route = reachability.check(_rules(), {'internet': [INET]}, connect=connect, clock=FakeClock(), site='s',
                                  route=lambda a, p: (None, 'network unreachable (ENETUNREACH)'), samples=0)
    assert all(e['source'] is None and 'ENETUNREACH' in e['checked_instead'] and e['state'] == 'not_proven'
               for e in no_route['udp'])


@pytest.mark.parametrize('targets, option, reason', [
    (None, 'targets', 'required'),
    ({}, 'targets', 'required'),
    (['203.0.113.10'], 'targets', 'mapping'),
    ({'dmz': ['203.0.113.10']}, 'targets', 'unknown value'),
    ({'internet': []}, 'targets.internet', 'at least one'),
    ({'internet': ['203.0.113.0/24']}, 'targets.internet[0]', 'not an IP address'),
    ({'internet': [INET, 'host.example']}, 'targets.internet[1]', 'not an IP address'),
    ({'internet': [7]}, 'targets.internet[0]', 'not an IP address'),
    ({'internet': ['203.0.113.10\n']}, None, None),
    ({'internet': ['fe80::1%<script>']}, 'targets.internet[0]', 'has a scope'),
    ({'internet': ['fe80::1%eth0']}, 'targets.internet[0]', 'has a scope'),
    ({'internet': [INET, '2001:db8::10%\u202e']}, 'targets.internet[1]', 'has a scope'),
    ({'internet': ['198.51.100.10']}, 'targets.internet[0]', 'in no outbound'),
    ({'internet': ['2001:db8::10']}, 'targets.internet[0]', 'in no outbound'),
    ({'internet': ['192.0.2.10']}, 'targets.internet[0]', 'its destinations: 203.0.113.0/24'),
])
def test_targets_are_checked_naming_the_option(targets, option, reason):
    if option is None:  # surrounding white space of an address is dropped, not refused
        assert _check(_rules(), targets, samples=0)[0]['tcp'][0]['address'] == INET
        return
    with pytest.raises(InputError) as caught:
        _check(_rules(), targets)
    assert caught.value.option == option and reason in caught.value.reason


@pytest.mark.parametrize('options, option', [
    ({'timeout': 0}, 'timeout'),
    ({'timeout': -1}, 'timeout'),
    ({'timeout': 61}, 'timeout'),
    ({'timeout': True}, 'timeout'),
    ({'budget': 0}, 'budget'),
    ({'budget': 3601}, 'budget'),
    ({'timeout': 5, 'budget': 4}, 'budget'),
    ({'samples': -1}, 'samples'),
    ({'samples': 17}, 'samples'),
    ({'parallel': 0}, 'parallel'),
    ({'parallel': 33}, 'parallel'),
    ({'site': 'a\nb'}, 'site'),
    ({'site': ''}, 'site'),
    ({'site': 'site\u202e1'}, 'site'),
    ({'site': '\u2067a\u2069'}, 'site'),
    ({'site': 'a\u200fb'}, 'site'),
])
def test_numbers_and_the_site_are_checked_naming_the_option(options, option):
    with pytest.raises(InputError) as caught:
        _check(_rules(), {'internet': [INET]}, **options)
    assert caught.value.option == option


@pytest.mark.parametrize('options', [{'site': 'site\u202e1'}, {'targets': {'internet': ['2001:db8::10%\u202e']}}])
def test_an_error_shows_a_bidirectional_control_escaped(options):
    options = dict({'targets': {'internet': [INET]}}, **options)
    with pytest.raises(InputError) as caught:
        _check(_rules(), options.pop('targets'), **options)
    assert '\u202e' not in str(caught.value) and '\\u202e' in str(caught.value)


def test_rules_are_checked_before_anything_is_tried():
    rules = _rules()
    rules[0]['destination_ports'] = [[0, 443]]
    with pytest.raises(InputError) as caught:
        _check(rules, {'internet': [INET]})
    assert caught.value.option.startswith('rules[0]')


def test_ephemeral_range_is_read_or_unknown(tmp_path):
    good = tmp_path / 'range'
    good.write_text('32768\t60999\n')
    assert reachability.ephemeral_range(str(good)) == (32768, 60999)
    (tmp_path / 'bad').write_text('x')
    assert reachability.ephemeral_range(str(tmp_path / 'bad')) is None
    assert reachability.ephemeral_range(str(tmp_path / 'missing')) is None


def test_tcp_connect_tells_open_from_closed_on_loopback():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(('127.0.0.1', 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        state, why, source = reachability.tcp_connect('127.0.0.1', port, 5)
        assert state == 'open' and why.startswith('connected') and source[0] == '127.0.0.1' and source[1] > 0
    finally:
        listener.close()
    state, why, _source = reachability.tcp_connect('127.0.0.1', port, 5)  # nothing listens there now
    assert state == 'closed' and 'ECONNREFUSED' in why
    assert reachability.udp_route('127.0.0.1', port) == ('127.0.0.1', None)
