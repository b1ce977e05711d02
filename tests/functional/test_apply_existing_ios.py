# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml in apply mode against the stand-in IOS-XE device (tests/lab/fake_ios.py) where the customer's
interfaces already filter inbound with access lists of their own: the collection's entries, and the return
entries a stateless list needs, go into those lists before their first deny; the customer's entries all
stay, in their order; a later, smaller profile takes out only ours. An interface without a list is refused
rather than made to pass less. The independent device model (tests/lib/device_model.py) walks the result:
every document flow and its reply pass, and its sample of closed flows stays closed.

The stand-in and the playbook run in a network namespace of their own with only a loopback (the fixture of
test_apply_mode.py).
"""

from __future__ import annotations

import re

import pytest
import sibling_tests
import stand_in_walk

from ansible_collections.atea.anywhere.plugins.module_utils import engine
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_ios import (
    IosRenderer, is_ours, normalized_entry)

_APPLY_MODE = sibling_tests.load(__file__, 'test_apply_mode')
# The stand-in device in its namespace, and how a run is read.
stand_in_fixture = _APPLY_MODE.stand_in_fixture
pytestmark = _APPLY_MODE.pytestmark

# The customer's configuration: a list on the LAN side with a permit, a deny of something specific and a final
# deny that logs, another on the MPLS side, and an internet interface without a filter.
CUSTOMER = """hostname atea-lab-ios
object-group network BRANCH-OFFICES
 10.99.0.0 255.255.0.0
ip access-list extended LAN-IN
 remark the customer's own rules
 permit tcp object-group BRANCH-OFFICES any eq 443
 deny udp any any eq 1900
 permit ip any host 192.0.2.1
 deny ip any any log
ip access-list extended WAN-IN
 permit tcp any any established
 remark no telnet from the MPLS
 deny tcp any any eq 23
 deny ip any any log
interface GigabitEthernet2
 description LAN
 ip access-group LAN-IN in
interface GigabitEthernet3
 description MPLS
 ip access-group WAN-IN in
interface GigabitEthernet4
 description INTERNET, no filter
"""
ZONES = {'customer': 'GigabitEthernet2', 'mpls': 'GigabitEthernet3'}
# Where the device model finds each side: the internet one unfiltered.
INTERFACES = dict(ZONES, internet='GigabitEthernet4')
OWN_LISTS = {'ATEA-ANYWHERE-CUSTOMER-IN-V4': 'LAN-IN', 'ATEA-ANYWHERE-MPLS-IN-V4': 'WAN-IN'}


def access_lists(text):
    """Access list name -> [(sequence number, entry as written)] of an IOS-XE configuration, in order (lines
    without a number numbered as IOS-XE does, 10 after the one before); the device model (tests/lib) can
    read the same text."""
    lists, current = {}, None
    for line in text.splitlines():
        match = re.match(r'(?:ip access-list extended|ipv6 access-list) (\S+)$', line)
        if match:
            current = lists.setdefault(match.group(1), [])
        elif line.startswith(' ') and current is not None:
            numbered = re.match(r' (?:sequence )?(\d+) (.*)$', line)
            number = int(numbered.group(1)) if numbered else (current[-1][0] if current else 0) + 10
            current.append((number, normalized_entry(numbered.group(2) if numbered else line)))
        else:
            current = None
    return dict((name, sorted(entries)) for name, entries in lists.items())


def interfaces(text):
    """'interface X' -> its lines."""
    blocks, current = {}, None
    for line in text.splitlines():
        if line.startswith('interface '):
            current = blocks.setdefault(line, [])
        elif line.startswith(' ') and current is not None:
            current.append(line.strip())
        else:
            current = None
    return blocks


def _wanted(profile):
    rules = engine.compact_rules(engine.build_flows(profile, networks=_APPLY_MODE.NETWORKS))
    return dict((acl, lines) for acl, (_network, _family, lines) in IosRenderer(rules).access_lists().items())


def _check_merged(text, profile):
    """The customer's entries all there in their order; ours, as wanted, together before the first deny."""
    lists = access_lists(text)
    before = access_lists(CUSTOMER)
    wanted = _wanted(profile)
    for name, original in before.items():
        entries = [entry for _sequence, entry in lists[name]]
        assert [entry for entry in entries if not is_ours(entry)] == [entry for _sequence, entry in original], name
        ours = [entry for entry in entries if is_ours(entry)]
        acl = next((acl for acl, own in OWN_LISTS.items() if own == name and acl in wanted), None)
        assert ours == (wanted[acl] if acl else []), (profile, name)
        if ours:
            first, last = entries.index(ours[0]), entries.index(ours[-1])
            assert entries[first:last + 1] == ours, name
            deny = next(index for index, entry in enumerate(entries) if entry.startswith('deny '))
            assert last < deny, name
    for acl in OWN_LISTS:
        assert acl not in lists, acl
    assert interfaces(text) == interfaces(CUSTOMER)


def walk(text, profile):
    """The device model's walk of a final configuration: flows and replies pass, closed flows stay closed
    (what the customer's configuration passed before counts as theirs)."""
    return stand_in_walk.walk(stand_in_walk.load('cisco_ios', text, zones=INTERFACES), profile,
                              before=stand_in_walk.load('cisco_ios', CUSTOMER, zones=INTERFACES))


@pytest.mark.parametrize('stand_in', [('cisco_ios', {'starting': CUSTOMER})], indirect=True)
def test_ios_entries_go_into_the_customers_lists_before_their_first_deny(stand_in):
    site, config = stand_in[1:]
    before = config.read_text()

    check = site('enterprise', '--check', '--diff', zones=ZONES)
    assert 'changed=0' not in _APPLY_MODE._recap(check)
    assert config.read_text() == before
    # The lines it would send: ours numbered into LAN-IN, between its permit and its first deny.
    assert re.search(r'- "?\d+ permit tcp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS eq 443"?\n',
                     check.stdout), check.stdout
    assert '- ip access-list extended LAN-IN' in check.stdout

    run = site('enterprise', '--diff', zones=ZONES)
    assert 'changed=0' not in _APPLY_MODE._recap(run)
    text = config.read_text()
    _check_merged(text, 'enterprise')
    lists = access_lists(text)
    wan = [entry for _sequence, entry in lists['WAN-IN']]
    # The replies of 2.1 flows and of echo come back in on the MPLS side.
    assert 'permit tcp object-group ATEA-NET-MPLS eq 80 object-group ATEA-NET-CUSTOMER established' in wan
    assert 'permit udp object-group ATEA-NET-MPLS range 16384 32767 object-group ATEA-NET-CUSTOMER' in wan
    assert 'permit icmp object-group ATEA-NET-MPLS object-group ATEA-NET-CUSTOMER echo-reply' in wan
    assert 'remark ATEA: reply to 2.1 outbound-mpls-icmp-ipv4: 2.1 ICMP echo' in wan
    # The internet side has no zone: its list of ours stays unbound, and GigabitEthernet4 passes what it did.
    assert 'ATEA-ANYWHERE-INTERNET-IN-V4' in lists
    assert interfaces(text)['interface GigabitEthernet4'] == ['description INTERNET, no filter']
    walked = walk(text, 'enterprise')
    print('device model walk of the enterprise result: %d flows, %d replies, %d closed'
          % (walked.flows, walked.replies, walked.closed))

    assert 'changed=0' in _APPLY_MODE._recap(site('enterprise', zones=ZONES))

    # Binding a list where there is none would drop what GigabitEthernet4 passes today: refused, nothing sent.
    refused = site('enterprise', zones=dict(ZONES, internet='GigabitEthernet4'))
    assert refused.returncode == 2
    said = ' '.join(refused.stdout.split())
    assert "option 'zones.internet': interface GigabitEthernet4 has no inbound IPv4 access list" in said, said
    assert config.read_text() == text

    # A smaller profile takes out ours only: the MPLS side's list is the customer's again.
    smaller = site('smb', zones=ZONES)
    assert 'changed=0' not in _APPLY_MODE._recap(smaller)
    text = config.read_text()
    _check_merged(text, 'smb')
    assert [entry for _sequence, entry in access_lists(text)['WAN-IN']] == \
        [entry for _sequence, entry in access_lists(CUSTOMER)['WAN-IN']]
    assert 'object-group network ATEA-NET-MPLS' not in text
    walk(text, 'smb')
    assert 'changed=0' in _APPLY_MODE._recap(site('smb', zones=ZONES))
