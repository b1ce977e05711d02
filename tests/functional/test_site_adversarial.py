# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile values through playbooks/site.yml, as an AWX survey or inventory would send them.

Each case is one host with one bad value: network platform hosts in render mode, and nftables hosts that
all enforce on one firewall namespace of this test's own (reached with the local connection and an
`ip netns exec` interpreter, as the Molecule lab does). One run carries many hosts; afterwards every
case's host must have failed with a clean error naming its option and its value (no Python traceback),
the firewall's ruleset and persistence files must be byte-identical, and nothing may be written outside
the render directory. A control host with good values shows that the run itself works.

The survey runs pass one hostile value as extra variables (-e @file.json), which apply to every host of
the run: each platform host must refuse it in its own terms.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys

import pytest

import ssh_lab

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = 'sa'
FIREWALL = '%s-fw' % PREFIX
NETWORK_PLATFORMS = ('cisco_asa', 'cisco_ios', 'fortios', 'panos', 'junos_srx', 'routeros')
GOOD_FLOW = {'id': 'crm', 'purpose': 'CRM', 'direction': 'outbound', 'network': 'internet', 'protocol': 'tcp',
             'destination_ports': [8443]}
INJECTED = 'x\naccess-list INJ3CT extended permit ip any any'
LONG = 'z' * 3000
# Paths on the firewall a hostile value points at: a folder that does not exist, so that a value let through
# by mistake fails to write instead of writing the machine's own files.
NOWHERE = '/nonexistent-atea-anywhere-lab'
# Failed results carry 'exception' even without one ('(traceback unavailable)'); a real one starts so.
TRACEBACK = 'Traceback (most recent call last)'

# name: (platform, host variables, option named in the error, offending value named in the error)
Case = collections.namedtuple('Case', 'platform variables option value')


def _flow(**changes):
    return {'atea_anywhere_extra_flows': [dict(GOOD_FLOW, **changes)]}


def _zone(value, network='customer'):
    return {'atea_anywhere_zones': {network: value}}


HOST_CASES = {
    # Zones and interfaces: names on a command line, never quoted; every hostile character is refused.
    'zone-newline-junos': Case('junos_srx', _zone('trust\nset system root-authentication plain-text-password'),
                               'zones', 'root-authentication'),
    'zone-quote-fortios': Case('fortios', _zone('port1" set action accept'), 'zones', 'port1" set action accept'),
    'zone-semicolon-asa': Case('cisco_asa', _zone('inside; write erase'), 'zones', 'inside; write erase'),
    'zone-brace-junos': Case('junos_srx', _zone('trust } system {'), 'zones', 'trust } system {'),
    'zone-dollar-routeros': Case('routeros', _zone('forward$[/system reset-configuration]'), 'zones',
                                 'forward$[/system reset-configuration]'),
    'zone-backslash-panos': Case('panos', _zone('trust\\'), 'zones', 'trust\\\\'),
    'zone-hash-ios': Case('cisco_ios', _zone('Gi0/1 # comment', 'mpls'), 'zones', 'Gi0/1 # comment'),
    'zone-path-fortios': Case('fortios', _zone('../../etc/passwd', 'internet'), 'zones', '../../etc/passwd'),
    'zone-long-ios': Case('cisco_ios', _zone(LONG), 'zones', LONG[:50]),
    'zone-non-ascii-asa': Case('cisco_asa', _zone('innside-\u00e6\u00f8\u00e5'), 'zones', 'innside-'),
    'zone-not-text-panos': Case('panos', _zone(['trust', 'untrust']), 'zones', "['trust', 'untrust']"),
    # Extra flows: the id is a name on every platform, the purpose a comment.
    'flow-purpose-newline-asa': Case('cisco_asa', _flow(purpose=INJECTED), 'extra_flows[0].purpose', 'INJ3CT'),
    'flow-purpose-newline-nft': Case('nftables', _flow(purpose='x\n}\ntable ip evil {'), 'extra_flows[0].purpose', 'table ip evil'),
    'flow-purpose-quote-fortios': Case('fortios', _flow(purpose='CRM" next edit 1 set action accept'),
                                       'extra_flows[id=crm].purpose', 'CRM" next edit 1'),
    'flow-purpose-quote-nft': Case('nftables', _flow(purpose='CRM" accept comment "x'), 'extra_flows[id=crm].purpose', 'CRM" accept'),
    'flow-purpose-non-ascii-ios': Case('cisco_ios', _flow(purpose='M\u00f8terom'), 'extra_flows[id=crm].purpose', 'M'),
    'flow-purpose-help-ios': Case('cisco_ios', _flow(purpose='why?'), 'extra_flows[id=crm].purpose', 'why?'),
    'flow-purpose-long-junos': Case('junos_srx', _flow(purpose=LONG), 'extra_flows[0].purpose', LONG[:50]),
    'flow-id-newline-junos': Case('junos_srx', _flow(id='crm\nset system services telnet'), 'id', 'telnet'),
    'flow-id-semicolon-panos': Case('panos', _flow(id='crm;commit'), 'id', 'crm;commit'),
    'flow-id-brace-nft': Case('nftables', _flow(id='crm}'), 'id', 'crm}'),
    # A port string is one port ('443' is port 443); a list or range in one string is not.
    'flow-ports-list-string-asa': Case('cisco_asa', _flow(destination_ports='443,80'), 'destination_ports', '443,80'),
    'flow-ports-reversed-nft': Case('nftables', _flow(destination_ports=['443-22']), 'destination_ports', '443-22'),
    'flow-ports-out-of-range-ios': Case('cisco_ios', _flow(destination_ports=[70000]), 'destination_ports', '70000'),
    # Any-to-any networks: the README promises no rule opens everything.
    'customer-any-v4-nft': Case('nftables', {'atea_anywhere_customer_networks': ['0.0.0.0/0']},
                                'customer_networks', '0.0.0.0/0'),
    'customer-any-v6-panos': Case('panos', {'atea_anywhere_customer_networks': ['198.51.100.0/24', '::/0']},
                                  'customer_networks', '::/0'),
    'atea-any-routeros': Case('routeros', {'atea_anywhere_networks': {'mpls': '0.0.0.0/0'}}, 'mpls', '0.0.0.0/0'),
    # Nothing selected: a drop policy with nothing allowed is refused.
    'no-customer-networks-nft': Case('nftables', {'atea_anywhere_customer_networks': []}, 'customer_networks', '[]'),
    'no-common-family-nft': Case('nftables', {'atea_anywhere_components': ['2.2'],
                                              'atea_anywhere_customer_networks': ['2001:db8::/32']},
                                 'networks.mpls', '192.0.2.0/24'),
    'unknown-section-asa': Case('cisco_asa', {'atea_anywhere_components': ['9.9']}, 'components', '9.9'),
    # FortiOS policy ids.
    'policy-base-negative-fortios': Case('fortios', {'atea_anywhere_fortios_policy_id_base': -4},
                                         'policy_id_base', '-4'),
    # Paths on the firewall: the drop-in and the main configuration.
    'persist-relative-nft': Case('nftables', {'atea_anywhere_nftables_persist_file': 'nftables.d/atea.nft'},
                                 'persist_file', 'nftables.d/atea.nft'),
    'persist-quote-nft': Case('nftables', {'atea_anywhere_nftables_persist_file': NOWHERE + '/atea".nft'},
                              'persist_file', NOWHERE + '/atea".nft'),
    'persist-newline-nft': Case('nftables', {'atea_anywhere_nftables_persist_file': NOWHERE + '/atea.nft\nflush ruleset'},
                                'persist_file', 'flush ruleset'),
    'persist-directory-nft': Case('nftables', {'atea_anywhere_nftables_persist_file': '/tmp'}, 'persist_file', '/tmp'),
    'persist-dotdot-nft': Case('nftables', {'atea_anywhere_nftables_persist_file': NOWHERE + '/nftables.d/../shadow'},
                               'persist_file', NOWHERE + '/nftables.d/../shadow'),
    'main-config-directory-nft': Case('nftables', {'atea_anywhere_nftables_main_config': '/tmp'}, 'main_config', '/tmp'),
    'main-config-relative-nft': Case('nftables', {'atea_anywhere_nftables_main_config': 'nftables.conf'},
                                     'main_config', 'nftables.conf'),
    # Names the module puts into nft commands.
    'table-injection-nft': Case('nftables', {'atea_anywhere_nftables_table': 'x; flush ruleset'}, 'table',
                                'x; flush ruleset'),
    'chain-prefix-newline-nft': Case('nftables', {'atea_anywhere_nftables_chain_prefix': 'atea\nflush ruleset'},
                                     'chain_prefix', 'flush ruleset'),
    'management-port-text-nft': Case('nftables',
                                     {'atea_anywhere_placement': 'host', 'atea_anywhere_management_ports': ['22; drop']},
                                     'management_ports', '22; drop'),
    'confirm-timeout-negative-nft': Case('nftables', {'atea_anywhere_confirm': 'always', 'atea_anywhere_confirm_timeout': -5},
                                         'confirm_timeout', '-5'),
    'persist-is-main-config-nft': Case('nftables', {'atea_anywhere_nftables_persist_file': NOWHERE + '/nftables.conf',
                                                    'atea_anywhere_nftables_main_config': NOWHERE + '/nftables.conf'},
                                       'persist_file', NOWHERE + '/nftables.conf'),
    'blacklist-relative-nft': Case('nftables', {'atea_anywhere_helper_blacklist_file': 'modprobe.d/voip.conf'},
                                   'helper_blacklist_file', 'modprobe.d/voip.conf'),
    'confirm-choice-nft': Case('nftables', {'atea_anywhere_confirm': 'sometimes'}, 'atea_anywhere_confirm',
                               'sometimes'),
    'confirm-timeout-text-nft': Case('nftables', {'atea_anywhere_confirm_timeout': 'soon'},
                                     'atea_anywhere_confirm_timeout', 'soon'),
    'confirm-always-no-timeout-nft': Case('nftables', {'atea_anywhere_confirm': 'always',
                                                       'atea_anywhere_confirm_timeout': 0},
                                          'atea_anywhere_confirm_timeout', 'is 0'),
}
# Host names that would leave the render directory (render mode).
NAME_CASES = {
    '../escaped': Case('cisco_asa', {}, 'inventory_hostname', '../escaped'),
    '../../escaped-further': Case('routeros', {}, 'inventory_hostname', '../../escaped-further'),
    '-rf': Case('panos', {}, 'inventory_hostname', '-rf'),
}
# One hostile survey answer each, sent as extra variables to a host of every platform.
SURVEY_CASES = {
    'zones-newline': ({'atea_anywhere_zones': {'mpls': 'outside\nset system root-authentication plain-text-password'}},
                      'zones', 'root-authentication', NETWORK_PLATFORMS),
    'purpose-newline': (_flow(purpose=INJECTED), 'purpose', 'INJ3CT', NETWORK_PLATFORMS + ('nftables',)),
    'customer-any': ({'atea_anywhere_customer_networks': ['10.0.0.0/8', '0.0.0.0/0']}, 'customer_networks',
                     '0.0.0.0/0', NETWORK_PLATFORMS + ('nftables',)),
    'persist-include-injection': ({'atea_anywhere_nftables_persist_file': NOWHERE + '/a.nft"\ninclude "/tmp/evil.nft'},
                                  'persist_file', 'evil.nft', ('nftables',)),
}

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('nft') or not shutil.which('ip'),
                                reason='needs root, nft and ip for the firewall namespace')


@pytest.fixture(scope='module')
def firewall(tmp_path_factory):
    """A namespace with a ruleset of someone else's, and the interpreter that runs modules inside it."""
    state = tmp_path_factory.mktemp('firewall')
    ssh_lab.run(['ip', 'netns', 'del', FIREWALL], check=False)
    try:
        ssh_lab.run(['ip', 'netns', 'add', FIREWALL])
        ssh_lab.netns(FIREWALL, 'ip', 'link', 'set', 'lo', 'up')
        ssh_lab.netns(FIREWALL, 'nft', '-f', '-', data=ssh_lab.FOREIGN_TABLE)
        interpreter = state / 'python'
        interpreter.write_text('#!/bin/sh\nexec %s netns exec %s %s "$@"\n' % (shutil.which('ip'), FIREWALL, sys.executable))
        interpreter.chmod(0o755)
        (state / 'nftables.conf').write_text('#!/usr/sbin/nft -f\nflush ruleset\n' + ssh_lab.FOREIGN_TABLE)
        yield {'state': state, 'interpreter': str(interpreter)}
    finally:
        ssh_lab.run(['ip', 'netns', 'del', FIREWALL], check=False)


def _host_vars(platform, firewall):
    common = {'ansible_connection': 'local', 'atea_anywhere_platform': platform,
              'atea_anywhere_networks': {'mpls': ['192.0.2.0/24'], 'internet': ['203.0.113.0/24']},
              'atea_anywhere_customer_networks': ['198.51.100.0/24']}
    if platform == 'nftables':
        common.update({'ansible_python_interpreter': firewall['interpreter'],
                       'atea_anywhere_nftables_persist_file': str(firewall['state'] / 'nftables.d' / 'atea_anywhere.nft'),
                       'atea_anywhere_nftables_main_config': str(firewall['state'] / 'nftables.conf'),
                       'atea_anywhere_helper_blacklist_file': ''})
    else:
        common['ansible_python_interpreter'] = sys.executable
    return common


def _snapshot(firewall, tmp_path):
    """The firewall's ruleset; every file under tmp_path and the firewall's folder, with its content; and the
    names beside tmp_path, where a host name with '../..' would lead."""
    files = {}
    for root in (str(tmp_path), str(firewall['state'])):
        for folder, folders, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                with open(path, 'rb') as handle:
                    files[path] = handle.read()
            files.update((os.path.join(folder, name) + '/', b'') for name in folders)
    files.update((os.path.join(str(tmp_path.parent), name), b'') for name in os.listdir(str(tmp_path.parent))
                 if os.path.join(str(tmp_path.parent), name) not in (str(tmp_path), str(firewall['state'])))
    return ssh_lab.netns(FIREWALL, 'nft', 'list', 'ruleset').stdout, files


def _run_site(tmp_path, inventory, extra=None):
    inventory_file = tmp_path / 'inventory.json'
    inventory_file.write_text(json.dumps({'all': {'hosts': inventory,
                                                  'vars': {'atea_anywhere_render_dir': str(tmp_path / 'out')}}}))
    argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory_file), '-f', '20',
            'playbooks/site.yml', '-e', 'profile=enterprise']
    if extra is not None:
        extra_file = tmp_path / 'survey.json'
        extra_file.write_text(json.dumps(extra))
        argv += ['-e', '@%s' % extra_file]
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_CALLBACK_RESULT_FORMAT='json')
    run = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False, env=env)
    assert TRACEBACK not in run.stdout + run.stderr, run.stdout + run.stderr
    try:
        return run.returncode, json.loads(run.stdout), run.stderr
    except ValueError:
        pytest.fail('ansible-playbook printed no JSON: %s %s' % (run.stdout, run.stderr))


def _outcomes(report):
    """host -> (failed, message of its first failure, that result) over every task of every play."""
    found = {}
    for play in report['plays']:
        for task in play['tasks']:
            for host, result in task['hosts'].items():
                if host in found and found[host][0]:
                    continue
                failed = bool(result.get('failed') or result.get('unreachable'))
                for item in result.get('results', []):
                    failed = failed or bool(item.get('failed'))
                found[host] = (failed, ' '.join(str(result.get('msg', '')).split()) if failed else '', result)
    return found


def _check(outcomes, cases):
    """Per case: failed, naming its option and value, without a traceback. Returns the list of problems."""
    problems = []
    for host, case in cases.items():
        failed, message, result = outcomes.get(host, (False, 'no result', {}))
        if not failed:
            problems.append('%s: not refused' % host)
        elif case.option not in message or case.value not in message:
            problems.append('%s: the error does not name %r and %r: %s' % (host, case.option, case.value, message[:400]))
        elif TRACEBACK in str(result.get('exception', '')) + str(result.get('module_stderr', '')):
            problems.append('%s: a traceback: %s %s' % (host, result.get('exception'), result.get('module_stderr')))
    return problems


def test_hostile_inventory_values_each_fail_their_host_cleanly_and_change_nothing(tmp_path, firewall):
    inventory = {}
    for name, case in HOST_CASES.items():
        inventory[name] = dict(_host_vars(case.platform, firewall), **case.variables)
    for name, case in NAME_CASES.items():
        inventory[name] = _host_vars(case.platform, firewall)
    inventory['control-asa'] = _host_vars('cisco_asa', firewall)
    (tmp_path / 'out').mkdir()
    before = _snapshot(firewall, tmp_path)
    rc, report, stderr = _run_site(tmp_path, inventory)
    outcomes = _outcomes(report)
    assert rc != 0
    assert not outcomes['control-asa'][0], outcomes['control-asa']
    problems = _check(outcomes, dict(HOST_CASES, **NAME_CASES))
    ruleset, files = _snapshot(firewall, tmp_path)
    control = str(tmp_path / 'out' / 'control-asa.asa.cfg')
    written = sorted(set(files) - set(before[1]) - {control, str(tmp_path / 'inventory.json')})
    print('site.yml, hostile inventory values: %d cases, %d refused cleanly'
          % (len(HOST_CASES) + len(NAME_CASES), len(HOST_CASES) + len(NAME_CASES) - len(problems)))
    assert not problems, '\n'.join(problems) + '\n' + stderr
    assert ruleset == before[0]
    assert control in files
    assert not written, written
    assert dict((k, v) for k, v in files.items() if k in before[1]) == before[1]


@pytest.mark.parametrize('survey', sorted(SURVEY_CASES))
def test_a_hostile_survey_answer_is_refused_by_every_platform_and_changes_nothing(tmp_path, firewall, survey):
    extra, option, value, platforms = SURVEY_CASES[survey]
    inventory = dict(('%s-1' % platform.replace('_', '-'), _host_vars(platform, firewall)) for platform in platforms)
    (tmp_path / 'out').mkdir()
    before = _snapshot(firewall, tmp_path)
    rc, report, stderr = _run_site(tmp_path, inventory, dict(extra, profile='enterprise'))
    assert rc != 0
    problems = _check(_outcomes(report), dict((host, Case(None, None, option, value)) for host in inventory))
    print('site.yml, survey answer %s: %d platforms, %d refused cleanly'
          % (survey, len(inventory), len(inventory) - len(problems)))
    assert not problems, '\n'.join(problems) + '\n' + stderr
    after = _snapshot(firewall, tmp_path)
    assert after[0] == before[0]
    assert sorted(set(after[1]) - set(before[1])) == [str(tmp_path / 'inventory.json'), str(tmp_path / 'survey.json')]
    assert dict((k, v) for k, v in after[1].items() if k in before[1]) == before[1]
