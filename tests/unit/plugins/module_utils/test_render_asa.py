# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco ASA as the device behaves: echo replies by ICMP inspection, traffic back out the interface it came in,
the customer's own access lists (entries go in before the first deny, ASA line numbers, nothing of the
customer's touched, a second run changes nothing), binding that never cuts traffic, and the limits."""

from __future__ import annotations

import fleet
import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_asa import AsaRenderer
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import object_name


def _rules(profile, **kwargs):
    return engine.compact_rules(engine.build_flows(profile, **kwargs))


def _render(profile, running=None, **options):
    return vendor_platforms.render_config(_rules(profile), 'cisco_asa', running_config=running, **options)


# ---- A tiny ASA, written apart from the renderer: the configuration as a list of top-level lines, each with
# its indented children, changed by pasted commands the way ASA takes them.

def _parse(text):
    blocks = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith('!'):
            continue
        if line.startswith(' '):
            blocks[-1][1].append(line.strip())
        else:
            blocks.append([line.strip(), []])
    return blocks


def _acl_positions(blocks, acl):
    return [index for index, (header, _children) in enumerate(blocks) if header.startswith('access-list %s ' % acl)]


def _in_use(blocks, group):
    return any(group in header.split() for header, _children in blocks if header.startswith('access-list '))


def apply(running, commands):
    """running after pasting commands. 'access-list X line N ...' takes the place of X's N-th line (remarks count,
    from 1) and pushes it down; without 'line' an entry goes to the end of X, and an entry X already has is refused
    as a duplicate; 'no access-list X ...' needs the exact line; an object-group in use cannot be removed."""
    blocks = _parse(running)
    current = None
    for line in commands.splitlines():
        if not line.strip() or line.lstrip().startswith('!'):
            continue
        words = line.split()
        if line.startswith(' '):
            children = current[1]
            if words[0] == 'no':
                # An object-group member must be there; ASA answers 'no inspect x' without x with an error only.
                assert ' '.join(words[1:]) in children or not current[0].startswith('object-group'), line
                if ' '.join(words[1:]) in children:
                    children.remove(' '.join(words[1:]))
            elif line.strip() not in children:
                children.append(line.strip())
            continue
        if words[0] == 'access-list':
            acl = words[1]
            positions = _acl_positions(blocks, acl)
            if words[2] == 'line':
                number, text = int(words[3]), ' '.join(words[4:])
                assert 1 <= number <= len(positions) + 1, line
                at = positions[number - 1] if number <= len(positions) else positions[-1] + 1
                blocks.insert(at, ['access-list %s %s' % (acl, text), []])
            elif line.strip() in [blocks[i][0] for i in positions] and words[2] != 'remark':
                pass  # ASA refuses a duplicate entry and keeps the list as it is
            else:
                blocks.insert(positions[-1] + 1 if positions else len(blocks), [line.strip(), []])
            current = None
            continue
        if words[0] == 'no':
            header = ' '.join(words[1:])
            if words[1] == 'object-group':
                assert not _in_use(blocks, words[3]), 'ASA refuses to remove %s: in use' % words[3]
            matches = [block for block in blocks if block[0] == header]
            assert matches, line
            blocks.remove(matches[0])
            current = None
            continue
        existing = [block for block in blocks if block[0] == line.strip()]
        if existing:
            current = existing[0]
        else:
            current = [line.strip(), []]
            blocks.append(current)
    return '\n'.join('\n'.join([header] + [' ' + child for child in children]) for header, children in blocks) + '\n'


def _acl(config, acl):
    return [header[len('access-list %s ' % acl):] for header, _children in _parse(config)
            if header.startswith('access-list %s ' % acl)]


def _ours(entry):
    return entry.startswith('remark atea-anywhere ') or ('object-group ATEA-NET-' in entry and ' any' not in entry)


def _first_deny(entries):
    return next(index for index, entry in enumerate(entries) if entry.startswith('extended deny'))


CUSTOMER = """interface GigabitEthernet0/1
 nameif inside
 security-level 100
access-list INSIDE-IN remark Customer web
access-list INSIDE-IN extended permit tcp 10.1.0.0 255.255.0.0 any eq www
access-list INSIDE-IN extended permit udp any host 10.1.1.53 eq domain
access-list INSIDE-IN remark Block the lab
access-list INSIDE-IN extended deny ip 10.66.0.0 255.255.0.0 any
access-list INSIDE-IN extended permit tcp any any eq https
access-list INSIDE-IN extended deny ip any any
access-list MPLS-IN extended permit icmp any any echo-reply
access-list MPLS-IN extended permit udp object-group ATEA-NET-MPLS any eq 5060
access-list MPLS-IN extended deny ip any any log
access-group INSIDE-IN in interface inside
access-group MPLS-IN in interface mpls
policy-map global_policy
 class inspection_default
  inspect ftp
  inspect h323 h225
  inspect h323 ras
  inspect sip
service-policy global_policy global
"""


# ---- Replies and same-interface traffic (finding 2)

def _policy_children(text):
    blocks = _parse(text)
    index = next(i for i, (header, _children) in enumerate(blocks) if header == 'policy-map global_policy')
    return blocks[index][1]


def _icmp_replies_pass(text):
    """ICMP is permitted somewhere, and the global policy's default class inspects it (else echo replies drop)."""
    children = _policy_children(text)
    start = children.index('class inspection_default')
    return 'inspect icmp' in children[start + 1:]


def test_echo_replies_come_back_by_icmp_inspection():
    text = _render('enterprise')
    assert 'extended permit icmp object-group ATEA-NET-CUSTOMER object-group ATEA-NET-MPLS echo' in text
    assert _icmp_replies_pass(text)
    # The reason sits beside it, naming the rules that need it.
    assert '! 2.1 outbound-mpls-icmp-ipv4, 2.2 inbound-mpls-icmp-ipv4: echo replies pass only' in text
    # 0.2.0 had the policy without it: the same check fails on such a text.
    assert not _icmp_replies_pass(text.replace('  inspect icmp\n', ''))


def test_no_icmp_inspection_error_and_none_without_icmp_rules():
    assert 'inspect icmp error' not in _render('enterprise')
    assert 'inspect icmp' not in _render('smb')  # smb permits no ICMP


def test_customer_to_customer_traffic_may_leave_by_the_interface_it_came_in():
    text = _render('enterprise').splitlines()
    index = text.index('same-security-traffic permit intra-interface')
    assert text[index - 1].startswith('! 2.3 internal-customer-tcp-ipv4, 2.3 internal-customer-udp-ipv4: traffic '
                                      'enters and leaves interface inside')
    # Where no rule enters and leaves by one interface, it is not rendered.
    assert 'same-security-traffic' not in _render('smb')
    split = vendor_platforms.render_config(_rules('enterprise'), 'cisco_asa', zones={'mpls': 'inside'})
    assert '2.1 outbound-mpls-tcp-ipv4' in split.splitlines()[
        split.splitlines().index('same-security-traffic permit intra-interface') - 1]


# ---- The customer's own access lists (item 3)

def test_entries_go_into_the_customers_list_before_its_first_deny():
    text = _render('enterprise', CUSTOMER)
    # Line 4 is the customer's remark that leads to the first deny: ours go above both.
    assert 'access-list INSIDE-IN line 4 remark atea-anywhere 2.1 outbound-mpls-tcp-ipv4: 2.1 HTTP; 2.1 HTTPS; ' \
           '2.1 XML applications; 2.1 SCCP;...' in text.splitlines()
    assert 'access-list INSIDE-IN line 5 extended permit tcp object-group ATEA-NET-CUSTOMER object-group ' \
           'ATEA-NET-MPLS object-group ATEA-SVC-OUTBOUND-MPLS-TCP-IPV4' in text.splitlines()
    assert 'access-group' not in '\n'.join(line for line in text.splitlines() if not line.startswith('!'))
    assert 'ATEA-ANYWHERE-' not in text
    after = apply(CUSTOMER, text)
    for acl in ('INSIDE-IN', 'MPLS-IN'):
        before, now = _acl(CUSTOMER, acl), _acl(after, acl)
        assert [entry for entry in now if not _ours(entry)] == before, acl  # all kept, in order
        ours = [index for index, entry in enumerate(now) if _ours(entry)]
        assert ours and max(ours) < _first_deny(now), acl
    inside = _acl(after, 'INSIDE-IN')
    assert inside.index('remark Block the lab') == inside.index('extended deny ip 10.66.0.0 255.255.0.0 any') - 1
    wanted = list(_acl(apply('', _render('enterprise')), 'ATEA-ANYWHERE-INSIDE'))
    assert [entry for entry in inside if _ours(entry)] == wanted
    assert len([entry for entry in _acl(after, 'MPLS-IN') if _ours(entry)]) == 6  # three 2.2 rules and remarks


def test_a_second_run_changes_nothing():
    after = apply(CUSTOMER, _render('enterprise', CUSTOMER))
    again = _render('enterprise', after)
    assert not [line for line in again.splitlines() if line.startswith(('access-list', 'no '))], again
    assert apply(after, again) == after


def test_our_own_lists_are_compared_line_by_line_too():
    """ASA appends a remark entered again (it checks only entries for duplicates): lines already there are not
    sent again, and a list of ours for an interface that now has its own list is emptied."""
    unbound = CUSTOMER.replace('access-group INSIDE-IN in interface inside\n', '')
    after = apply(unbound, _render('enterprise', unbound))
    assert len(_acl(after, 'ATEA-ANYWHERE-INSIDE')) == 14
    again = _render('enterprise', after)
    assert not [line for line in again.splitlines() if line.startswith(('no ', 'access-list'))], again
    assert apply(after, again) == after
    # A 0.2.0 remark without the marker is ours too in a list of ours: replaced.
    old = after.replace('ATEA-ANYWHERE-INSIDE remark atea-anywhere 2.1', 'ATEA-ANYWHERE-INSIDE remark 2.1')
    assert 'no access-list ATEA-ANYWHERE-INSIDE remark 2.1 outbound-mpls-tcp-ipv4: 2.1 HTTP; 2.1 HTTPS; 2.1 XML ' \
           'applications; 2.1 SCCP;...' in _render('enterprise', old).splitlines()
    # Bound again to the customer's list: ours move into it, our list is emptied.
    moved = _render('enterprise', after + 'access-group INSIDE-IN in interface inside\n')
    assert len([line for line in moved.splitlines() if line.startswith('no access-list ATEA-ANYWHERE-INSIDE ')]) == 14
    assert len([line for line in moved.splitlines() if line.startswith('access-list INSIDE-IN line ')]) == 14


def test_ours_are_removed_only_when_the_profile_shrinks():
    after = apply(CUSTOMER, _render('enterprise', CUSTOMER))
    shrunk = _render('smb', after)
    removed = [line for line in shrunk.splitlines() if line.startswith('no ')]
    assert removed and all(line.startswith(('no access-list INSIDE-IN remark atea-anywhere 2.',
                                            'no access-list INSIDE-IN extended permit',
                                            'no access-list MPLS-IN remark atea-anywhere 2.2',
                                            'no access-list MPLS-IN extended permit',
                                            'no object-group ')) for line in removed), removed
    assert not [line for line in removed if ' any' in line or 'Customer' in line or '3/4' in line]
    # The customer's own entry in MPLS-IN names ATEA-NET-MPLS: that group stays, the MPLS services go.
    assert 'no object-group network ATEA-NET-MPLS' not in removed
    assert 'no object-group service ATEA-SVC-INBOUND-MPLS-TCP-IPV4 tcp' in removed
    smaller = apply(after, shrunk)  # the applier refuses a group removed while an entry still uses it
    assert [entry for entry in _acl(smaller, 'MPLS-IN') if _ours(entry)] == []
    assert [entry for entry in _acl(smaller, 'INSIDE-IN') if not _ours(entry)] == _acl(CUSTOMER, 'INSIDE-IN')
    assert len([entry for entry in _acl(smaller, 'INSIDE-IN') if _ours(entry)]) == 4  # smb: two rules
    # Growing again adds and removes nothing of ours.
    grown = _render('enterprise', smaller)
    assert not [line for line in grown.splitlines() if line.startswith('no ')]
    assert apply(apply(smaller, grown), _render('enterprise', apply(smaller, grown))) == apply(smaller, grown)


def test_an_entry_of_ours_behind_a_deny_moves_before_it_and_a_changed_remark_is_replaced():
    entry = 'extended permit tcp object-group ATEA-NET-CUSTOMER range 1024 65535 object-group ATEA-NET-INTERNET ' \
            'object-group ATEA-SVC-OUTBOUND-INTERNET-TCP-IPV4'
    running = (CUSTOMER.split('access-list', maxsplit=1)[0] + 'access-list IN extended permit ip host 10.0.0.1 any\n'
               'access-list IN extended deny ip any any\n'
               'access-list IN %s\naccess-list IN remark atea-anywhere 3/4 old words\naccess-list IN %s\n'
               'access-group IN in interface inside\n%s' % (entry, entry.replace('TCP', 'UDP').replace('tcp', 'udp'),
                                                            CUSTOMER[CUSTOMER.index('policy-map'):]))
    text = _render('smb', running)
    assert 'no access-list IN %s' % entry in text.splitlines()
    assert 'no access-list IN remark atea-anywhere 3/4 old words' in text.splitlines()
    now = _acl(apply(running, text), 'IN')
    assert now[0] == 'extended permit ip host 10.0.0.1 any' and now[-1] == 'extended deny ip any any'
    assert len(now) == 6 and all(_ours(e) for e in now[1:5])
    # In place with a remark that changed: the remark is replaced above it, the entry stays where it is.
    in_place = running.replace('access-list IN extended deny ip any any\n', '').replace(
        'access-group IN', 'access-list IN extended deny ip any any\naccess-group IN')
    text = _render('smb', in_place)
    assert [line for line in text.splitlines() if line.startswith(('no ', 'access-list'))] == [
        'no access-list IN remark atea-anywhere 3/4 old words',
        'access-list IN line 2 remark atea-anywhere 3/4 outbound-internet-tcp-ipv4: 3 XMPP; 3 UDS proxy; 3 SIP '
        'signaling; 4 HTTPS; 4...',
        'access-list IN line 4 remark atea-anywhere 3/4 outbound-internet-udp-ipv4: 3 Media; 4 Media']
    assert _render('smb', apply(in_place, text)).count('access-list IN') == 0


def test_ours_leave_a_list_no_interface_of_ours_uses_any_more():
    after = apply(CUSTOMER, _render('enterprise', CUSTOMER))
    rebound = after.replace('access-group INSIDE-IN in interface inside', 'access-group INSIDE-NEW in interface inside')
    rebound += 'access-list INSIDE-NEW extended deny ip any any\n'
    text = _render('enterprise', rebound)
    assert len([line for line in text.splitlines() if line.startswith('no access-list INSIDE-IN ')]) == 14
    assert 'access-list INSIDE-NEW line 1 remark atea-anywhere 2.1 outbound-mpls-tcp-ipv4' in text
    result = apply(rebound, text)
    assert _acl(result, 'INSIDE-IN') == _acl(CUSTOMER, 'INSIDE-IN')


def _as_asa_prints(text):
    """A rendered configuration as show running-config prints it: well-known ports of service groups by name."""
    names = {'tcp': {'22': 'ssh', '80': 'www', '443': 'https', '2748': 'ctiqbe', '5060': 'sip'},
             'udp': {'69': 'tftp', '5060': 'sip'}}
    lines, protocol = [], None
    for line in text.splitlines():
        if line.startswith('object-group service '):
            protocol = line.split()[-1]
        elif not line.startswith(' '):
            protocol = None
        elif protocol and line.startswith(' port-object '):
            line = ' ' + ' '.join(names[protocol].get(word, word) for word in line.split())
        lines.append(line)
    return '\n'.join(lines) + '\n'


def test_ports_the_device_prints_by_name_are_not_removed_and_added_again():
    printed = _as_asa_prints(_render('enterprise'))
    assert ' port-object range sip 5061' in printed and ' port-object eq tftp' in printed
    assert ' port-object eq ctiqbe' in printed and ' port-object eq www' in printed
    again = _render('enterprise', printed)
    assert not [line for line in again.splitlines() if line.startswith(('no ', ' no ', 'access-list'))], again
    # A port of ours no longer wanted still goes, named as a number ASA takes.
    stale = printed.replace(' port-object eq ssh\n', ' port-object eq ssh\n port-object eq pop3\n')
    removals = _render('enterprise', stale).split('! End of removals.')[0].splitlines()
    assert removals[-2:] == ['object-group service ATEA-SVC-INBOUND-MPLS-TCP-IPV4 tcp', ' no port-object eq 110']


def test_one_list_on_two_interfaces_takes_the_entries_of_both():
    shared = CUSTOMER.replace('access-group MPLS-IN in interface mpls', 'access-group INSIDE-IN in interface mpls')
    after = apply(shared, _render('enterprise', shared))
    ours = [entry for entry in _acl(after, 'INSIDE-IN') if _ours(entry)]
    assert len(ours) == 20  # inside's seven rules and mpls' three, each with its remark
    assert max(i for i, e in enumerate(_acl(after, 'INSIDE-IN')) if _ours(e)) < _first_deny(_acl(after, 'INSIDE-IN'))
    assert not [line for line in _render('enterprise', after).splitlines() if line.startswith(('access-list', 'no '))]


# ---- Binding (an interface with no access list passes by security levels today)

def test_no_access_group_means_an_unbound_list_and_nothing_cut():
    running = 'access-group MPLS-IN in interface mpls\naccess-list MPLS-IN extended deny ip any any\n'
    text = _render('enterprise', running)
    commands = [line for line in text.splitlines() if not line.startswith('!')]
    assert not [line for line in commands if line.startswith('access-group')]
    assert 'access-list ATEA-ANYWHERE-INSIDE extended permit icmp object-group ATEA-NET-CUSTOMER ' \
           'object-group ATEA-NET-MPLS echo' in commands
    assert '! Not bound: binding it (access-group ATEA-ANYWHERE-INSIDE in interface inside) would replace' in text
    assert 'access-list MPLS-IN line 1 remark atea-anywhere 2.2' in text


@pytest.mark.parametrize('running, message', [
    (None, "option 'bind_access_groups': needs the running configuration"),
    ('access-group MPLS-IN in interface mpls\n', "option 'bind_access_groups': interface inside has no access-group. "
                                                 "Binding one would replace ASA's security-level permit"),
])
def test_bind_access_groups_refuses_what_would_cut_traffic(running, message):
    with pytest.raises(InputError) as caught:
        _render('enterprise', running, bind_access_groups=True)
    assert str(caught.value).startswith(message)


def test_bind_access_groups_passes_where_every_interface_has_a_list():
    text = _render('enterprise', CUSTOMER, bind_access_groups=True)
    assert text == _render('enterprise', CUSTOMER)
    override = CUSTOMER.replace('in interface mpls', 'in interface mpls per-user-override')
    assert _render('enterprise', override, bind_access_groups=True) == text
    # A control-plane list filters traffic to the ASA itself, not through it: not the interface's list.
    to_the_box = CUSTOMER.replace('in interface mpls', 'in interface mpls control-plane')
    with pytest.raises(InputError, match='interface mpls has no access-group'):
        _render('enterprise', to_the_box, bind_access_groups=True)
    # A list of ours bound by an earlier release is the interface's list: it stays and is filled.
    ours = 'access-group ATEA-ANYWHERE-INSIDE in interface inside\naccess-group MPLS-IN in interface mpls\n'
    text = _render('enterprise', ours, bind_access_groups=True)
    assert 'access-list ATEA-ANYWHERE-INSIDE remark atea-anywhere 2.1 outbound-mpls-tcp-ipv4: 2.1 HTTP; 2.1 HTTPS; ' \
           '2.1 XML applications; 2.1 SCCP;...' in text.splitlines()


# ---- Limits (item 4)

@pytest.mark.parametrize('case', fleet.CASES)
def test_a_fleet_sized_customer_renders_within_the_limits(case):
    rules = fleet.rules(case)
    text = vendor_platforms.render_config(rules, 'cisco_asa', running_config=CUSTOMER)
    limits = AsaRenderer.LIMITS
    remarks = [line.split(' remark ', 1)[1] for line in text.splitlines() if ' remark ' in line]
    assert remarks and max(len(remark) for remark in remarks) <= limits['remark_length'].value
    names = [line.split()[2] for line in text.splitlines() if line.startswith('object-group ')]
    assert max(len(name) for name in names) <= limits['object_name_length'].value
    assert ' network-object 10.3.232.0 255.255.255.0' in text or case.endswith('dual-stack')
    # The longest rule name atea.anywhere.rules makes (48) still gives an object name within the limit.
    assert len(object_name('SVC', 'x' * 48)) <= limits['object_name_length'].value
