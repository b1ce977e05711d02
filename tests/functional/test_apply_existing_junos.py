# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml in apply mode against a stand-in SRX (tests/lab/fake_junos.py, reached by junipernetworks.junos
over NETCONF) that starts with the customer's own policies in the zone pairs the profile uses: a permit, a
specific deny and a final deny-all. Afterwards the customer's policies are all there in their order, ours sit
before the first deny of each zone pair, a second run changes nothing, check mode changes nothing and shows the
diff, and a smaller profile removes only ours. The independent device model (tests/lib/device_model.py) walks
the final configuration: every document flow and its reply pass, the closed sample stays closed.
"""

from __future__ import annotations

import pytest
import sibling_tests
import stand_in_walk

_APPLY_MODE = sibling_tests.load(__file__, 'test_apply_mode')
# The namespace, stand-in and site.yml wiring of the apply-mode tests, with this test's starting configuration.
stand_in_fixture = _APPLY_MODE.stand_in_fixture
pytestmark = _APPLY_MODE.pytestmark
_recap, _set_lines, _wanted = _APPLY_MODE._recap, _APPLY_MODE._set_lines, _APPLY_MODE._wanted

ZONE_PAIRS = (('trust', 'mpls'), ('mpls', 'trust'), ('trust', 'trust'), ('trust', 'untrust'))


def _customer_policies(from_zone, to_zone):
    """A permit, a specific deny (reject) and a final deny-all, in that order."""
    policy = 'set security policies from-zone %s to-zone %s policy ' % (from_zone, to_zone)
    tag = '%s-%s' % (from_zone.upper(), to_zone.upper())
    return ''.join('%s%s-%s %s\n' % (policy, name, tag, statement) for name, statements in (
        ('WEB', ('match source-address BRANCH', 'match destination-address any', 'match application junos-https',
                 'then permit')),
        # SSH is a document flow from the MPLS (2.2): it passes only if ours come before this deny.
        ('NO-SSH', ('match source-address any', 'match destination-address any', 'match application junos-ssh',
                    'then reject')),
        ('DENY-ALL', ('match source-address any', 'match destination-address any', 'match application any',
                      'then deny'))) for statement in statements)


CUSTOMER = ('set security zones security-zone trust interfaces ge-0/0/1.0\n'
            'set security zones security-zone mpls interfaces ge-0/0/2.0\n'
            'set security zones security-zone untrust interfaces ge-0/0/0.0\n'
            'set security address-book global address BRANCH 10.99.0.0/16\n'
            + ''.join(_customer_policies(*pair) for pair in ZONE_PAIRS))


def final_configuration(config):
    """The stand-in's committed configuration, as `show configuration | display set` prints it."""
    return config.read_text()


def _policy_order(text):
    """Zone pair -> its policy names in configuration order."""
    order = {}
    for line in text.splitlines():
        words = line.split()
        if words[:3] == ['set', 'security', 'policies'] and words[3] == 'from-zone':
            names = order.setdefault((words[4], words[6]), [])
            if words[8] not in names:
                names.append(words[8])
    return order


def _check_placed(config, profile):
    """The customer's lines all there and in order, ours as rendered and before each pair's first deny."""
    text = final_configuration(config)
    committed = _set_lines(text)
    assert committed == _set_lines(_wanted('junos_srx', profile, None)) | _set_lines(CUSTOMER), profile
    customer_order = _policy_order(CUSTOMER)
    for pair, names in _policy_order(text).items():
        theirs = [name for name in names if not name.startswith('ATEA-')]
        assert theirs == customer_order.get(pair, []), pair
        ours = [name for name in names if name.startswith('ATEA-')]
        if theirs:
            # Ours right after the customer's permit, before its specific deny and its deny-all.
            assert names == theirs[:1] + ours + theirs[1:], (profile, pair, names)
    return text


def _walk(text, profile):
    # The model's base: the zones' interfaces and IPv6 flow mode.
    return stand_in_walk.walk(stand_in_walk.load('junos_srx', text, base=None), profile)


@pytest.mark.parametrize('stand_in', [('junos_srx', {'starting': CUSTOMER})], indirect=True)
def test_policies_go_before_the_customers_first_deny_and_a_smaller_profile_removes_only_ours(stand_in):
    _platform, site, config = stand_in
    run = site('enterprise', '--check', '--diff')
    assert 'changed=0' not in _recap(run)
    assert config.read_text() == CUSTOMER
    shown = run.stdout.splitlines()
    assert '+ set security alg h323 disable' in shown
    # The stand-in's diff names each zone pair whose order the inserts change.
    assert any(line.startswith('! policies from-zone trust to-zone untrust now in the order WEB-TRUST-UNTRUST '
                               'ATEA-OUTBOUND-INTERNET-') for line in shown), run.stdout

    run = site('enterprise', '--diff')
    assert 'changed=0' not in _recap(run)
    text = _check_placed(config, 'enterprise')
    walked = _walk(text, 'enterprise')
    assert 'changed=0' in _recap(site('enterprise'))
    assert final_configuration(config) == text

    run = site('smb')
    assert 'changed=0' not in _recap(run)
    smaller = _check_placed(config, 'smb')
    assert 'ATEA-OUTBOUND-MPLS' not in smaller and 'ATEA-INTERNAL' not in smaller
    _walk(smaller, 'smb')
    assert 'changed=0' in _recap(site('smb'))
    print('device model walk of the enterprise result: %d flows, %d replies, %d closed'
          % (walked.flows, walked.replies, walked.closed))
