# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml over a fleet in render mode: the role's one task (atea.anywhere.enforce) computes the rules and renders a
configuration once per distinct input of the run, and takes extra flows and customer networks from files.

Render mode only: nothing is contacted, nothing leaves the machine. Forks 1, so which host computes and which finds
the result in the run's cache does not depend on timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOWS = [{'id': 'app-%d' % index, 'purpose': 'Application %d' % index, 'direction': 'outbound', 'network': 'mpls',
          'protocol': 'tcp', 'destination_ports': [20000 + index]} for index in range(3)]
NETWORKS = ['198.51.100.0/26', '198.51.100.128/26']


def _site(tmp_path, hosts, extra=None):
    """site.yml (profile enterprise) over hosts: (return code, JSON callback output, rendered texts by file name)."""
    (tmp_path / 'inventory.json').write_text(json.dumps({'all': {'hosts': hosts}}))
    (tmp_path / 'extra.json').write_text(json.dumps(dict({'profile': 'enterprise',
                                                          'atea_anywhere_output_dir': str(tmp_path / 'out')},
                                                         **(extra or {}))))
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(tmp_path / 'inventory.json'),
         '-f', '1', os.path.join(REPO, 'playbooks', 'site.yml'), '-e', '@%s' % (tmp_path / 'extra.json')],
        cwd=str(tmp_path), capture_output=True, text=True, check=False, timeout=300,
        env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_CALLBACK_RESULT_FORMAT='json',
                 ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'),
                 ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.ansible', 'collections')))
    assert 'Traceback' not in run.stdout + run.stderr, run.stdout + run.stderr
    folder = tmp_path / 'out' / 'rendered'
    rendered = dict((path.name, path.read_text()) for path in folder.iterdir()) if folder.is_dir() else {}
    return run.returncode, json.loads(run.stdout), rendered


def _enforce(report):
    """{host: result} of the role's one task."""
    (task,) = [task for play in report['plays'] for task in play['tasks']
               if task['task']['name'].endswith('Enforce the rules on the platform')]
    return task['hosts']


def test_hosts_with_the_same_inputs_share_one_computation_and_one_render(tmp_path):
    hosts = dict(('asa-%d' % index, {'atea_anywhere_platform': 'cisco_asa'}) for index in range(4))
    hosts.update(('ios-%d' % index, {'atea_anywhere_platform': 'cisco_ios'}) for index in range(3))
    hosts['asa-other'] = {'atea_anywhere_platform': 'cisco_asa', 'atea_anywhere_customer_networks': NETWORKS}
    returncode, report, rendered = _site(tmp_path, hosts)
    assert returncode == 0
    results = _enforce(report)
    assert sorted(results) == sorted(hosts)
    # Three distinct inputs for the configuration (asa, ios, asa with other networks), two for the rules.
    configs = sorted(result['cache']['config'] for result in results.values())
    assert configs == ['computed'] * 3 + ['hit'] * 5, configs
    rules = sorted(result['cache']['rules'] for result in results.values())
    assert rules == ['computed'] * 2 + ['hit'] * 6, rules
    # A shared render is the render: the same file for the same inputs, another for other networks.
    assert len(set(rendered['asa-%d.asa.cfg' % index] for index in range(4))) == 1
    assert rendered['asa-other.asa.cfg'] != rendered['asa-0.asa.cfg']
    assert '198.51.100.128' in rendered['asa-other.asa.cfg'] and '198.51.100.128' not in rendered['asa-0.asa.cfg']
    # The report judged each rendered host in the same task: the report's own read play read none of them.
    document = json.loads((tmp_path / 'out' / 'report' / 'atea-anywhere-report.json').read_text())
    assert sorted(host['host'] for host in document['hosts']) == sorted(hosts)
    assert all('compliance' in result for result in results.values())


def test_flows_and_networks_from_files_render_as_the_same_variables_do(tmp_path):
    (tmp_path / 'flows.yml').write_text(''.join(
        '- id: %(id)s\n  purpose: %(purpose)s\n  direction: outbound\n  network: mpls\n  protocol: tcp\n'
        '  destination_ports: [%(port)d]\n' % dict(flow, port=flow['destination_ports'][0]) for flow in FLOWS))
    (tmp_path / 'networks.json').write_text(json.dumps(NETWORKS[1:]))
    platforms = ('cisco_asa', 'junos_srx', 'routeros')
    inline = tmp_path / 'inline'
    inline.mkdir()
    returncode, _report, want = _site(inline, dict(('fw-%s' % platform.replace('_', '-'), {
        'atea_anywhere_platform': platform, 'atea_anywhere_extra_flows': FLOWS,
        'atea_anywhere_customer_networks': NETWORKS}) for platform in platforms))
    assert returncode == 0 and len(want) == 3
    returncode, _report, have = _site(tmp_path, dict(('fw-%s' % platform.replace('_', '-'), {
        'atea_anywhere_platform': platform, 'atea_anywhere_extra_flows_file': 'flows.yml',
        'atea_anywhere_customer_networks': NETWORKS[:1],
        'atea_anywhere_customer_networks_file': str(tmp_path / 'networks.json')}) for platform in platforms))
    assert returncode == 0
    assert have == want
    assert all('20002' in text and '198.51.100.128' in text for text in have.values())


def test_a_file_that_cannot_be_read_fails_its_host_naming_the_variable(tmp_path):
    (tmp_path / 'networks.yml').write_text('not: a list\n')
    returncode, report, rendered = _site(tmp_path, {
        'asa-1': {'atea_anywhere_platform': 'cisco_asa'},
        'asa-2': {'atea_anywhere_platform': 'cisco_asa', 'atea_anywhere_customer_networks_file': 'networks.yml'},
        'asa-3': {'atea_anywhere_platform': 'cisco_asa', 'atea_anywhere_extra_flows_file': 'absent.yml'}})
    assert returncode == 2
    results = _enforce(report)
    assert "option 'atea_anywhere_customer_networks_file': must hold a list of strings" in results['asa-2']['msg']
    assert "option 'atea_anywhere_extra_flows_file': cannot be read" in results['asa-3']['msg']
    assert '\n' not in results['asa-2']['msg'] + results['asa-3']['msg']
    assert sorted(rendered) == ['asa-1.asa.cfg']


def test_a_second_report_in_the_same_run_reads_the_hosts_again(tmp_path):
    """site.yml's report takes what its apply task judged; report.yml imported after it in the same run reads again."""
    (tmp_path / 'both.yml').write_text('- import_playbook: %s\n- import_playbook: %s\n' % (
        os.path.join(REPO, 'playbooks', 'site.yml'), os.path.join(REPO, 'playbooks', 'report.yml')))
    (tmp_path / 'inventory.json').write_text(json.dumps({'all': {'hosts': {
        'asa-1': {'atea_anywhere_platform': 'cisco_asa'}, 'ios-1': {'atea_anywhere_platform': 'cisco_ios'}}}}))
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(tmp_path / 'inventory.json'),
         str(tmp_path / 'both.yml'), '-e', 'profile=smb', '-e', 'atea_anywhere_output_dir=%s' % (tmp_path / 'out')],
        cwd=str(tmp_path), capture_output=True, text=True, check=False, timeout=300,
        env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_CALLBACK_RESULT_FORMAT='json',
                 ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'),
                 ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.ansible', 'collections')))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    reads = [play for play in json.loads(run.stdout)['plays']
             if play['play']['name'] == 'Read what is in place on each firewall']
    assert len(reads) == 2
    read_by = [sorted(host for task in play['tasks'] if task['task']['name'] == 'Read what is in place, per document row'
                      for host in task['hosts']) for play in reads]
    assert read_by == [[], ['asa-1', 'ios-1']]
