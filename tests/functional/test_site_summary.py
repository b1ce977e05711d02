# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml's summary: what each host did, which failed or was unreachable and why; site hosts left alone.

A host that fails is listed in the report and the summary, and fails in the last play (recap and exit code), even
when every host fails.

Render mode only, and an unreachable host whose connection is refused on the loopback: nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHOICES = 'linux, nftables, firewalld, ufw, iptables, cisco_asa, cisco_ios, fortios, panos, junos_srx, routeros'


def _site(tmp_path, inventory, *options):
    (tmp_path / 'inventory.json').write_text(json.dumps(inventory))
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(tmp_path / 'inventory.json'),
         'playbooks/site.yml', '-e', 'profile=smb', '-e', 'atea_anywhere_output_dir=%s' % (tmp_path / 'out')]
        + list(options),
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
        env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ANSIBLE_CALLBACK_RESULT_FORMAT='json',
                 ANSIBLE_SHOW_CUSTOM_STATS='1'))
    assert 'Traceback' not in run.stdout + run.stderr, run.stdout + run.stderr
    return run, json.loads(run.stdout)


def _task(report, name):
    return [task for play in report['plays'] for task in play['tasks'] if task['task']['name'] == name]


def _summary(report):
    """{host: what the summary says of it}; the summary play comes before the last play, which fails hosts."""
    (task,) = _task(report, 'Show per host what it did and what a person must still do')
    return dict((item['item'], item['msg']) for item in task['hosts']['localhost']['results'])


def _failed_last(report):
    """{host: message} of the hosts failed by the last play, which runs on those hosts only."""
    assert report['plays'][-1]['play']['name'] == 'Fail the hosts whose apply failed'
    tasks = report['plays'][-1]['tasks']
    assert all(result.get('failed') for task in tasks for result in task['hosts'].values()), tasks
    return dict((host, result['msg']) for task in tasks for host, result in task['hosts'].items())


def test_the_summary_names_failed_and_unreachable_hosts_and_leaves_site_hosts_out(tmp_path):
    run, report = _site(tmp_path, {'all': {
        'hosts': {
            'asa-1': {'atea_anywhere_platform': 'cisco_asa'},
            'bogus-1': {'atea_anywhere_platform': 'bogus'},
            # Refused at once on the loopback: unreachable.
            'gone-1': {'atea_anywhere_platform': 'nftables', 'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1',
                       'ansible_port': 1},
        },
        # A site host (no reachability targets: its check fails at once, contacting nothing).
        'children': {'atea_anywhere_sites': {'hosts': {'site-1': {'atea_anywhere_platform': 'cisco_asa',
                                                                  'ansible_connection': 'local'}}}}}})
    # Unreachable makes 4 (over the failed host's 2): the run ends non-zero.
    assert run.returncode == 4, run.stdout[-3000:] + run.stderr
    summary = _summary(report)
    assert sorted(summary) == ['asa-1', 'bogus-1', 'gone-1']
    html = str(tmp_path / 'out' / 'report' / 'atea-anywhere-report.html')
    rendered = str(tmp_path / 'out' / 'rendered' / 'asa-1.asa.cfg')
    assert (summary['asa-1']['did'], summary['asa-1']['changed'], summary['asa-1']['file']) == ('rendered', True, rendered)
    assert os.listdir(str(tmp_path / 'out' / 'rendered')) == ['asa-1.asa.cfg']
    refused = 'Enforce the rules on the platform: value of atea_anywhere_platform must be one of: %s, got: bogus' \
        % CHOICES
    assert summary['bogus-1'] == {'failed': refused, 'report': html}
    assert sorted(summary['gone-1']) == ['report', 'unreachable'] and 'port 1' in summary['gone-1']['unreachable']
    # The report lists both (and the site whose check failed); the last play fails the host that failed (the
    # unreachable one stays unreachable).
    document = json.loads((tmp_path / 'out' / 'report' / 'atea-anywhere-report.json').read_text())
    assert [host['host'] for host in document['hosts']] == ['asa-1']
    failed = dict((entry['name'], entry['message']) for entry in document['failed_hosts'])
    assert sorted(failed) == ['bogus-1', 'gone-1', 'site-1'] and failed['bogus-1'] == refused
    assert failed['site-1'].startswith('reachability check: ')
    assert _failed_last(report) == {'bogus-1': refused}
    assert (report['stats']['bogus-1']['failures'], report['stats']['gone-1']['unreachable']) == (1, 1)
    assert report['stats']['asa-1']['failures'] == 0
    # One line, not the role's whole argument spec.
    apply = json.dumps([play for play in report['plays']
                        if play['play']['name'] == 'Apply the Atea Anywhere firewall requirements'])
    assert 'argument_spec_data' not in apply
    assert 'atea_anywhere_asa_bind_access_groups' not in apply
    # The site host was not in the apply play.
    assert not [task for task in _task(report, 'Apply the profile') if 'site-1' in task['hosts']]


def test_when_every_host_fails_the_report_and_summary_list_them_and_the_run_fails(tmp_path):
    run, report = _site(tmp_path, {'all': {'hosts': {'bogus-1': {'atea_anywhere_platform': 'bogus'},
                                                     'bogus-2': {'atea_anywhere_platform': 'cisco_asa',
                                                                 'atea_anywhere_mode': 'push'}}}})
    assert run.returncode == 2, run.stdout[-3000:] + run.stderr
    messages = {'bogus-1': 'Enforce the rules on the platform: value of atea_anywhere_platform must be one of: '
                           '%s, got: bogus' % CHOICES,
                'bogus-2': 'Enforce the rules on the platform: value of atea_anywhere_mode must be one of: '
                           'render, apply, got: push'}
    # The report is written, listing both with their messages, and no host as read.
    folder = tmp_path / 'out' / 'report'
    document = json.loads((folder / 'atea-anywhere-report.json').read_text())
    assert document['hosts'] == []
    assert document['failed_hosts'] == [{'name': name, 'message': message} for name, message in sorted(messages.items())]
    assert 'bogus-2' in (folder / 'atea-anywhere-report.md').read_text()
    # The summary lists both and links the report.
    html = str(folder / 'atea-anywhere-report.html')
    assert _summary(report) == dict((name, {'failed': message, 'report': html}) for name, message in messages.items())
    # The last play fails them: the recap counts them as failed.
    assert _failed_last(report) == messages
    assert [report['stats'][name]['failures'] for name in sorted(messages)] == [1, 1]
    assert 'argument_spec_data' not in run.stdout


def test_check_mode_says_so_writes_no_configuration_but_the_report_and_publishes_no_older_file(tmp_path):
    older = tmp_path / 'out' / 'rendered' / 'asa-1.asa.cfg'
    older.parent.mkdir(parents=True)
    older.write_text('an earlier run\n')
    run, report = _site(tmp_path, {'all': {'hosts': {'asa-1': {'atea_anywhere_platform': 'cisco_asa'}}}}, '--check')
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert _failed_last(report) == {}
    (summary,) = _summary(report).values()
    assert summary['did'] == 'rendered (check mode: nothing was changed)' and 'file' not in summary
    assert summary['left_to_a_person'][0].startswith('Apply the rendered file to the device')
    assert summary['report'] == str(tmp_path / 'out' / 'report' / 'atea-anywhere-report.html')
    assert older.read_text() == 'an earlier run\n'
    published = report['global_custom_stats']['atea_anywhere']
    assert published['rendered'] == {}
    assert sorted(published['files']) == ['report/atea-anywhere-report.%s' % name for name in ('html', 'json', 'md')]
