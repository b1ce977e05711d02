# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The firewalld renderer (rich rules as firewall-cmd lists them) and the plan made from canned firewall-cmd
listings; the module's refusals before firewall-cmd runs. tests/functional/test_firewalld_apply.py runs the
real daemon."""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine, firewalld_state, render_firewalld
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_firewalld import Layout, render
from ansible_collections.atea.anywhere.plugins.modules import firewalld

SMB = engine.compact_rules(engine.build_flows('smb', customer_networks=['198.51.100.0/24'],
                                              networks={'internet': '203.0.113.0/24'}))
ENTERPRISE = engine.compact_rules(engine.build_flows(
    'enterprise', customer_networks=['198.51.100.0/24', '2001:db8:1::/48'],
    networks={'mpls': ['192.0.2.0/24', '2001:db8:2::/48'], 'internet': '203.0.113.0/24'}))


def by_name(rules, name):
    return [r for r in rules if r['name'] == name][0]


def test_smb_gateway_is_one_forward_policy_with_a_rich_rule_per_port_range():
    policies, provenance = render(SMB, Layout())
    assert list(policies) == ['forward']
    policy = policies['forward']
    assert (policy.name, policy.priority, policy.target, policy.ingress, policy.egress) == \
        ('atea-anywhere-fwd', -100, 'CONTINUE', ('ANY',), ('ANY',))
    assert policy.rich_rules == (
        'rule family="ipv4" source address="198.51.100.0/24" destination address="203.0.113.0/24" port port="443" '
        'protocol="tcp" accept',
        'rule family="ipv4" source address="198.51.100.0/24" destination address="203.0.113.0/24" port port="5061" '
        'protocol="tcp" accept',
        'rule family="ipv4" source address="198.51.100.0/24" destination address="203.0.113.0/24" port port="5222" '
        'protocol="tcp" accept',
        'rule family="ipv4" source address="198.51.100.0/24" destination address="203.0.113.0/24" port port="8443" '
        'protocol="tcp" accept',
        'rule family="ipv4" source address="198.51.100.0/24" destination address="203.0.113.0/24" '
        'port port="40000-49999" protocol="tcp" accept',
        'rule family="ipv4" source address="198.51.100.0/24" destination address="203.0.113.0/24" '
        'port port="36002-59999" protocol="udp" accept')
    assert policy.description == ('atea-anywhere: managed by atea.anywhere; outbound-internet-tcp-ipv4: 3, 4; '
                                  'outbound-internet-udp-ipv4: 3, 4')
    assert provenance[0] == ('atea-anywhere-fwd', policy.rich_rules[0], 'outbound-internet-tcp-ipv4', ['3', '4'])
    # The SMB internet rules have source ports 1024-65535, which a rich rule cannot hold beside a port.
    assert render_firewalld.has_source_ports(SMB)


def test_enterprise_ipv6_and_icmp():
    policies, _provenance = render(ENTERPRISE, Layout())
    rich = policies['forward'].rich_rules
    assert ('rule family="ipv6" source address="2001:db8:1::/48" destination address="2001:db8:2::/48" '
            'port port="16384-32767" protocol="udp" accept') in rich
    assert ('rule family="ipv4" source address="198.51.100.0/24" destination address="192.0.2.0/24" '
            'icmp-type name="echo-request" accept') in rich
    assert ('rule family="ipv6" source address="2001:db8:2::/48" destination address="2001:db8:1::/48" '
            'icmp-type name="echo-request" accept') in rich
    # One rich rule per source, destination and port range, or one per ICMP rule.
    assert len(rich) == sum(max(1, len(r['destination_ports'])) * len(r['sources']) * len(r['destinations'])
                            for r in ENTERPRISE)


def test_several_sources_and_destinations_multiply():
    rule = dict(by_name(ENTERPRISE, 'inbound-mpls-tcp-ipv4'), sources=['192.0.2.0/25', '192.0.2.128/25'],
                destinations=['198.51.100.1/32', '198.51.100.2/32'], destination_ports=[[22, 22]],
                provenance=[dict(by_name(ENTERPRISE, 'inbound-mpls-tcp-ipv4')['provenance'][0],
                                 destination_ports=[[22, 22]])])
    assert render_firewalld.rule_rich_rules(rule) == [
        'rule family="ipv4" source address="%s" destination address="%s" port port="22" protocol="tcp" accept' % (s, d)
        for s in ('192.0.2.0/25', '192.0.2.128/25') for d in ('198.51.100.1/32', '198.51.100.2/32')]


def test_host_placement_splits_by_direction_and_keeps_management_first():
    layout = Layout(placement='host', management_networks=['10.0.0.0/24', '2001:db8:99::/48'], management_ports=[22, 8443])
    policies, provenance = render(ENTERPRISE, layout)
    inbound, outbound = policies['input'], policies['output']
    assert (inbound.name, inbound.ingress, inbound.egress) == ('atea-anywhere-in', ('ANY',), ('HOST',))
    assert (outbound.name, outbound.ingress, outbound.egress) == ('atea-anywhere-out', ('HOST',), ('ANY',))
    assert inbound.rich_rules[:4] == (
        'rule family="ipv4" source address="10.0.0.0/24" port port="22" protocol="tcp" accept',
        'rule family="ipv4" source address="10.0.0.0/24" port port="8443" protocol="tcp" accept',
        'rule family="ipv6" source address="2001:db8:99::/48" port port="22" protocol="tcp" accept',
        'rule family="ipv6" source address="2001:db8:99::/48" port port="8443" protocol="tcp" accept')
    assert provenance[0][2:] == ('management', ['management access'])
    assert 'inbound-mpls-tcp-ipv4: 2.2' in inbound.description and 'outbound' not in inbound.description
    assert 'internal-customer-udp-ipv6: 2.3' in inbound.description and 'internal-customer' in outbound.description
    assert not any('inbound' in line for line in outbound.description.split('; '))


@pytest.mark.parametrize('options, message', [
    ({'object_prefix': 'a-prefix-too-long'}, "option 'object_prefix'"),
    ({'object_prefix': 'bad name'}, "option 'object_prefix'"),
    ({'ingress_zones': ['ANY', 'public']}, "option 'ingress_zones': ANY stands alone"),
    ({'egress_zones': ['HOST']}, "option 'egress_zones[0]': HOST is the host placement's"),
    ({'egress_zones': ['bad;zone']}, "option 'egress_zones[0]'"),
    ({'priority': 0}, "option 'priority'"),
    ({'priority': 40000}, "option 'priority'"),
])
def test_bad_layout_is_refused_by_option(options, message):
    with pytest.raises(InputError) as error:
        Layout(**options)
    assert message in str(error.value)


def test_longest_prefix_fits_firewalds_policy_name_limit():
    layout = Layout(object_prefix='a' * 14)
    assert max(len(name) for name in layout.names.values()) == render_firewalld.POLICY_NAME_LIMIT


def test_policy_xml_holds_the_same_rich_rules():
    policy = render(ENTERPRISE, Layout())[0]['forward']
    xml = render_firewalld.policy_xml(policy)
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n<policy priority="-100" target="CONTINUE">\n'
                          '  <short>atea-anywhere</short>\n')
    assert xml.count('<rule family=') == len(policy.rich_rules)
    assert ('  <rule family="ipv6">\n    <source address="2001:db8:2::/48"/>\n    <destination address="2001:db8:1::/48"/>\n'
            '    <icmp-type name="echo-request"/>\n    <accept/>\n  </rule>\n') in xml
    assert '<ingress-zone name="ANY"/>\n  <egress-zone name="ANY"/>' in xml


def test_description_with_markup_is_escaped_in_the_xml():
    rule = dict(SMB[0], sections=['3 <a & b>'])
    policy = render([rule], Layout())[0]['forward']
    assert '3 &lt;a &amp; b&gt;' in render_firewalld.policy_xml(policy)


def test_a_line_break_in_a_section_is_refused():
    rule = dict(SMB[0], sections=['3\nrm -rf /'])
    with pytest.raises(InputError):
        render([rule], Layout())


# -- firewall-cmd listings, canned as firewalld 1.3.3 prints them (it ends each empty 'key: ' with a space) -------

ZONES = '''public (default, active)
  target: default
  icmp-block-inversion: no
  interfaces: %s
  sources:
  services: dhcpv6-client sip ssh
  ports:
  protocols:
  forward: yes
  masquerade: no
  forward-ports:
  source-ports:
  icmp-blocks:
  rich rules: %s

trusted
  target: ACCEPT
  icmp-block-inversion: no
  interfaces:
  sources:
  services:
  ports:
  protocols:
  forward: yes
  masquerade: no
  forward-ports:
  source-ports:
  icmp-blocks:
  rich rules:
'''

POLICY = '''%s (active)
  priority: -100
  target: CONTINUE
  ingress-zones: ANY
  egress-zones: ANY
  services:
  ports:
  protocols:
  masquerade: no
  forward-ports:
  source-ports:
  icmp-blocks:
  rich rules:
%s
'''

USER_POLICY = '''allow-host-ipv6 (active)
  priority: -15000
  target: CONTINUE
  ingress-zones: ANY
  egress-zones: HOST
  services:
  ports:
  protocols:
  masquerade: no
  forward-ports:
  source-ports:
  icmp-blocks:
  rich rules:
\trule family="ipv6" icmp-type name="neighbour-advertisement" accept
'''


class CannedCmd(object):
    """firewall-cmd reads answered from canned listings."""

    def __init__(self, answers):
        self.answers = answers
        self.binary = '/usr/bin/firewall-cmd'

    def read(self, *args):
        return self.answers[args]


def canned(runtime_policies, permanent_policies, description='', runtime_zones=None, permanent_zones=None,
           services=None):
    answers = {
        ('--list-all-zones',): runtime_zones or ZONES % ('', ''),
        ('--permanent', '--list-all-zones'): permanent_zones or ZONES % ('', ''),
        ('--list-all-policies',): USER_POLICY + runtime_policies,
        ('--permanent', '--list-all-policies'): USER_POLICY + permanent_policies,
        ('--permanent', '--policy=atea-anywhere-fwd', '--get-description'): description + '\n',
    }
    for service, (runtime, permanent) in (services or {}).items():
        text = '%s\n  ports: 5060/tcp\n  helpers: %s\n'
        answers[('--info-service=%s' % service,)] = text % (service, runtime)
        answers[('--permanent', '--info-service=%s' % service)] = text % (service, permanent)
    return CannedCmd(answers)


NAMES = ['atea-anywhere-fwd', 'atea-anywhere-in', 'atea-anywhere-out']


def wanted_smb():
    policy = render(SMB, Layout())[0]['forward']
    return policy, {policy.name: policy}


def listed(policy, rich_rules=None):
    rich = policy.rich_rules if rich_rules is None else rich_rules
    return POLICY % (policy.name, '\n'.join('\t' + r for r in rich))


def test_parse_listing_names_without_markers_and_rich_rules_as_lines():
    parsed = firewalld_state.parse_listing(ZONES % ('eth0', '') + '\n' + USER_POLICY)
    assert sorted(parsed) == ['allow-host-ipv6', 'public', 'trusted']
    assert parsed['public']['services'] == 'dhcpv6-client sip ssh'
    assert parsed['allow-host-ipv6']['rich rules'] == ['rule family="ipv6" icmp-type name="neighbour-advertisement" accept']


def test_nothing_to_do_when_both_hold_the_policy():
    policy, wanted = wanted_smb()
    state = firewalld_state.State(canned(listed(policy), listed(policy), policy.description), NAMES)
    plan = firewalld_state.plan(state, NAMES, wanted)
    assert not plan.changed and plan.calls == [] and plan.diffs == []


def test_a_new_policy_is_created_permanently_and_reloaded():
    policy, wanted = wanted_smb()
    state = firewalld_state.State(canned('', ''), NAMES)
    plan = firewalld_state.plan(state, NAMES, wanted, exists=lambda path: False)
    assert plan.reload and plan.calls == [] and plan.new_files == [(policy.name, render_firewalld.policy_xml(policy))]
    assert [d['before_header'] for d in plan.diffs] == ['firewalld runtime (policies of atea-anywhere)',
                                                        'firewalld permanent (policies of atea-anywhere)']
    assert plan.diffs[0]['before'] == '' and 'description' not in plan.diffs[0]['after']
    assert 'description: atea-anywhere: managed' in plan.diffs[1]['after']


def test_changed_rich_rules_are_removed_then_added_in_place_runtime_and_permanent():
    policy, wanted = wanted_smb()
    stale = 'rule family="ipv4" source address="198.51.100.0/24" destination address="203.0.113.0/24" port port="80" ' \
            'protocol="tcp" accept'
    have = (stale,) + policy.rich_rules[1:]
    state = firewalld_state.State(canned(listed(policy, have), listed(policy, have), 'old'), NAMES)
    plan = firewalld_state.plan(state, NAMES, wanted)
    remove = ['--policy=atea-anywhere-fwd', '--remove-rich-rule=%s' % stale]
    add = ['--policy=atea-anywhere-fwd', '--add-rich-rule=%s' % policy.rich_rules[0]]
    assert not plan.reload
    assert plan.calls == [remove, add, ['--permanent'] + remove, ['--permanent'] + add,
                          ['--permanent', '--policy=atea-anywhere-fwd', '--set-description=%s' % policy.description]]
    # The inverse, last change first.
    undo_remove = ['--policy=atea-anywhere-fwd', '--remove-rich-rule=%s' % policy.rich_rules[0]]
    undo_add = ['--policy=atea-anywhere-fwd', '--add-rich-rule=%s' % stale]
    assert plan.undo == [['--permanent', '--policy=atea-anywhere-fwd', '--set-description=old'],
                         ['--permanent'] + undo_remove, ['--permanent'] + undo_add, undo_remove, undo_add]
    lines = firewalld_state.command_lines(plan.calls, plan.reload)
    assert lines[0] == ("firewall-cmd --policy=atea-anywhere-fwd '--remove-rich-rule=rule family=\"ipv4\" "
                        "source address=\"198.51.100.0/24\" destination address=\"203.0.113.0/24\" port port=\"80\" "
                        "protocol=\"tcp\" accept'")


def test_a_runtime_only_difference_is_changed_in_the_runtime_only():
    policy, wanted = wanted_smb()
    state = firewalld_state.State(canned(listed(policy, policy.rich_rules[1:]), listed(policy), policy.description),
                                  NAMES)
    plan = firewalld_state.plan(state, NAMES, wanted)
    assert plan.calls == [['--policy=atea-anywhere-fwd', '--add-rich-rule=%s' % policy.rich_rules[0]]]
    assert [d['before_header'].split()[1] for d in plan.diffs] == ['runtime']


def test_another_priority_recreates_the_policy():
    policy, _wanted = wanted_smb()
    other = policy._replace(priority=-200)
    state = firewalld_state.State(canned(listed(policy), listed(policy), policy.description), NAMES)
    plan = firewalld_state.plan(state, NAMES, {other.name: other})
    assert plan.reload and plan.calls == [['--permanent', '--delete-policy=atea-anywhere-fwd']]
    assert plan.new_files == [(other.name, render_firewalld.policy_xml(other))]


def test_zones_listed_in_another_order_are_the_same_zones():
    policy = render(SMB, Layout(ingress_zones=['internal', 'dmz'], egress_zones=['external']))[0]['forward']
    listed_policy = listed(policy).replace('ingress-zones: ANY', 'ingress-zones: dmz internal').replace(
        'egress-zones: ANY', 'egress-zones: external')
    state = firewalld_state.State(canned(listed_policy, listed_policy, policy.description), NAMES)
    assert policy.ingress == ('internal', 'dmz')
    assert not firewalld_state.plan(state, NAMES, {policy.name: policy}).changed


def test_something_else_added_to_our_policy_recreates_it():
    policy, wanted = wanted_smb()
    tampered = listed(policy).replace('  services:\n', '  services: http\n')
    state = firewalld_state.State(canned(tampered, tampered, policy.description), NAMES)
    assert state.owned('runtime', policy.name).target == 'CONTINUE (also services: http)'
    plan = firewalld_state.plan(state, NAMES, wanted)
    assert plan.reload and plan.calls == [['--permanent', '--delete-policy=atea-anywhere-fwd']]
    assert 'target: CONTINUE (also services: http)' in plan.diffs[0]['before']


def test_absent_deletes_ours_and_its_backup_and_reloads():
    policy, _wanted = wanted_smb()
    state = firewalld_state.State(canned(listed(policy), listed(policy), policy.description), NAMES)
    plan = firewalld_state.plan(state, NAMES, {}, exists=lambda path: False)
    assert plan.reload and plan.calls == [['--permanent', '--delete-policy=atea-anywhere-fwd']]
    assert plan.stale_files == ['/etc/firewalld/policies/atea-anywhere-fwd.xml.old']
    assert plan.diffs[1]['after'] == ''


def test_foreign_drift_names_runtime_only_changes_but_not_interfaces():
    policy, _wanted = wanted_smb()
    runtime_zones = ZONES % ('eth0', '\n\trule family="ipv4" source address="192.0.2.9" accept')
    state = firewalld_state.State(canned(listed(policy), '', runtime_zones=runtime_zones), NAMES)
    assert firewalld_state.foreign_drift(state, NAMES) == ['zone public']
    state = firewalld_state.State(canned(listed(policy), '', runtime_zones=ZONES % ('eth0', '')), NAMES)
    assert firewalld_state.foreign_drift(state, NAMES) == []


def test_helpers_of_services_in_use_are_removed_permanently_with_a_reload():
    policy, _wanted = wanted_smb()
    cmd = canned(listed(policy), listed(policy), policy.description,
                 services={'dhcpv6-client': ('', ''), 'sip': ('sip', 'sip'), 'ssh': ('', '')})
    helpers = firewalld_state.plan_helpers(cmd, firewalld_state.State(cmd, NAMES), lambda service: True)
    assert helpers.reload and helpers.services == ['sip']
    assert helpers.removals == [['--permanent', '--service=sip', '--remove-helper=sip']]
    assert helpers.findings == [{'kind': 'firewalld service helper',
                                 'where': 'service sip, used by zone public (permanent), zone public (runtime)',
                                 'detail': 'helper sip removed from service sip (override in '
                                           '/etc/firewalld/services/sip.xml), firewalld reloaded'}]
    # Removed permanently already, but the runtime still has it: only the reload is left.
    cmd = canned(listed(policy), listed(policy), policy.description,
                 services={'dhcpv6-client': ('', ''), 'sip': ('sip', ''), 'ssh': ('', '')})
    helpers = firewalld_state.plan_helpers(cmd, firewalld_state.State(cmd, NAMES), lambda service: True)
    assert helpers.reload and helpers.removals == []


def test_only_services_that_declare_a_voip_helper_are_asked_about(tmp_path):
    (tmp_path / 'sip.xml').write_text('<service><port protocol="udp" port="5060"/><helper name="sip"/></service>')
    (tmp_path / 'ssh.xml').write_text('<service><port protocol="tcp" port="22"/></service>')
    (tmp_path / 'voip.xml').write_text('<service><helper name="Q.931"/><helper name="RAS"/></service>')
    assert [firewalld_state.declares_voip_helper(s, [str(tmp_path)]) for s in ('sip', 'ssh', 'voip', 'none')] == \
        [True, False, True, False]
    # Debian's firewalld 1.3: sip.xml declares the sip helper.
    if os.path.exists('/usr/lib/firewalld/services/sip.xml'):
        assert firewalld_state.declares_voip_helper('sip') and not firewalld_state.declares_voip_helper('ssh')


# -- the module, before firewall-cmd runs -----------------------------------------------------------------------

def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        firewalld.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('args, message', [
    ({'state': 'present'}, 'state is present but all of the following are missing: rules'),
    ({'rules': SMB, 'object_prefix': 'much-too-long-prefix'}, "option 'object_prefix'"),
    ({'rules': SMB, 'placement': 'host', 'management_networks': ['198.51.100.1/24']},
     "option 'management_networks[0]': host bits set"),
    ({'rules': [{'name': 'x'}]}, "option 'rules[0]'"),
    ({'rules': SMB, 'confirm_timeout': -1}, "option 'confirm_timeout'"),
])
def test_bad_input_fails_before_firewall_cmd_runs(capsys, monkeypatch, args, message):
    monkeypatch.setattr(firewalld_state.FirewallCmd, '_run', lambda *a: pytest.fail('firewall-cmd ran'))
    code, result = run_module(capsys, args)
    assert code == 1 and message in result['msg']


def test_firewalld_not_running_is_said(capsys, monkeypatch):
    monkeypatch.setattr(firewalld_state.FirewallCmd, '_run', lambda self, args: (252, 'not running\n', ''))
    code, result = run_module(capsys, {'rules': SMB})
    assert code == 1
    assert result['msg'] == ('nothing was changed: firewalld is not running (firewall-cmd --state: not running); start '
                             'it, or choose another platform (firewall-offline-cmd is not supported)')
