# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import inputs


@pytest.mark.parametrize('value, expected', [
    (443, (443, 443)),
    ('443', (443, 443)),
    ('16384-32767', (16384, 32767)),
    ([1, 65535], (1, 65535)),
    ((5060, 5061), (5060, 5061)),
])
def test_port_range_accepts(value, expected):
    assert inputs.port_range('ports[0]', value) == expected


@pytest.mark.parametrize('value, reason', [
    (0, 'port out of range 1-65535'),
    (65536, 'port out of range 1-65535'),
    ('70000', 'port out of range 1-65535'),
    ('500-400', 'reversed port range'),
    ([443, 80], 'reversed port range'),
    ('http', 'not a port number'),
    (True, 'not a port number'),
    ('1-2-3', 'not a port range'),
    ([1, 2, 3], 'not a port range'),
    (None, 'not a port number'),
])
def test_port_range_refuses_with_option_and_value(value, reason):
    with pytest.raises(inputs.InputError) as caught:
        inputs.port_range('extra_flows[0].destination_ports[1]', value)
    message = str(caught.value)
    assert message.startswith("option 'extra_flows[0].destination_ports[1]': " + reason)
    assert repr(value) in message


def test_port_ranges_collapse_overlapping_and_adjacent():
    assert inputs.port_ranges('p', [5061, 5060, 2443, 2445, 2444, '36002-59999', '40000-49999', 60000]) == (
        (2443, 2445), (5060, 5061), (36002, 60000))


def test_port_ranges_name_the_index_of_the_bad_item():
    with pytest.raises(inputs.InputError, match=r"option 'p\[2\]': port out of range 1-65535: 0"):
        inputs.port_ranges('p', [80, 443, 0])


def test_collapse_keeps_gaps():
    assert inputs.collapse_ranges([(6970, 6970), (6972, 6972)]) == ((6970, 6970), (6972, 6972))


@pytest.mark.parametrize('value, expected', [
    (['10.0.0.0/8'], ('10.0.0.0/8',)),
    ('192.0.2.0/24', ('192.0.2.0/24',)),
    (['192.0.2.7'], ('192.0.2.7/32',)),
    (['2001:db8::/32', '192.0.2.0/25', '192.0.2.128/25'], ('192.0.2.0/24', '2001:db8::/32')),
    (['10.0.0.0/8', '10.1.0.0/16'], ('10.0.0.0/8',)),
])
def test_networks_accept_and_merge(value, expected):
    assert inputs.networks('customer_networks', value) == expected


@pytest.mark.parametrize('value, where, reason', [
    (['10.0.0.1/8'], 'customer_networks[0]', 'host bits set (the network is 10.0.0.0/8)'),
    (['192.0.2.0/24', '2001:db8::1/32'], 'customer_networks[1]', 'host bits set (the network is 2001:db8::/32)'),
    (['300.0.0.0/8'], 'customer_networks[0]', 'not a network in CIDR notation'),
    (['192.0.2.0/33'], 'customer_networks[0]', 'not a network in CIDR notation'),
    (['lan'], 'customer_networks[0]', 'not a network in CIDR notation'),
    ([42], 'customer_networks[0]', 'not a network in CIDR notation'),
    ([], 'customer_networks', 'at least one network is required'),
])
def test_networks_refuse_with_option_and_value(value, where, reason):
    with pytest.raises(inputs.InputError) as caught:
        inputs.networks('customer_networks', value)
    assert str(caught.value).startswith("option '%s': %s" % (where, reason))


def test_choose_lists_the_valid_choices():
    with pytest.raises(inputs.InputError) as caught:
        inputs.choose('protocol', 'sctp', ('tcp', 'udp', 'icmp'))
    assert str(caught.value) == "option 'protocol': unknown value: 'sctp'; valid choices: icmp, tcp, udp"
