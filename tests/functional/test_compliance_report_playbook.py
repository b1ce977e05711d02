# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/report.yml on an inventory of network firewalls read from saved running configurations (no device and
no packet needed): one as rendered (in place), one without a saved configuration (unknown), one whose host name
cannot name a file (fails reading) and one that cannot be reached (its ssh is a stand-in that fails as ssh does).
The report lists the two failures and reports the others; it is written under --check, and a second run changes
nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'report.yml')
EXTRA = [{'id': 'app', 'purpose': '<script>alert("x")</script>', 'direction': 'outbound', 'network': 'internet',
          'protocol': 'tcp', 'destination_ports': [1234]}]
HOSTILE = 'fw-<i>x</i>'


def _inventory(tmp_path):
    running = tmp_path / 'running'
    running.mkdir()
    rules = engine.compact_rules(engine.build_flows('smb', extra_flows=EXTRA))
    (running / 'fw-ios.ios.cfg').write_text(vendor_platforms.render_config(rules, 'cisco_ios'))
    ssh = tmp_path / 'unreachable-ssh'
    ssh.write_text('#!/bin/sh\necho "ssh: connect to host 192.0.2.1 port 22: Connection refused" >&2\nexit 255\n')
    ssh.chmod(0o755)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(yaml.safe_dump({'all': {
        'vars': {'ansible_python_interpreter': sys.executable, 'atea_anywhere_running_config_dir': str(running)},
        'hosts': {
            'fw-ios': {'ansible_connection': 'local', 'atea_anywhere_platform': 'cisco_ios',
                       'atea_anywhere_extra_flows': EXTRA},
            'fw-asa': {'ansible_connection': 'local', 'atea_anywhere_platform': 'cisco_asa'},
            HOSTILE: {'ansible_connection': 'local', 'atea_anywhere_platform': 'cisco_asa'},
            'fw-down': {'ansible_connection': 'ssh', 'ansible_host': '192.0.2.1', 'ansible_ssh_executable': str(ssh),
                        'atea_anywhere_platform': 'nftables'},
        }}}))
    return inventory


def _run(tmp_path, inventory, *arguments):
    """ansible-playbook started in tmp_path (the report goes to ./report there), its JSON output."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
                          PLAYBOOK, '-e', 'profile=smb'] + list(arguments),
                         cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(run.stdout)


def _task(output, name, host='localhost'):
    for play in output['plays']:
        for task in play['tasks']:
            if task['task']['name'] == name:
                return task['hosts'][host]
    raise AssertionError('no task %r' % name)


def test_report_playbook_lists_failures_writes_under_check_and_changes_nothing_the_second_time(tmp_path):
    inventory = _inventory(tmp_path)
    first = _run(tmp_path, inventory, '--check')
    folder = tmp_path / 'report'
    written = _task(first, 'Write the report (JSON, Markdown, HTML)')
    assert written['changed'] is True
    assert written['paths'] == dict((kind, str(folder / name)) for kind, name in (
        ('json', 'atea-anywhere-report.json'), ('markdown', 'atea-anywhere-report.md'),
        ('html', 'atea-anywhere-report.html')))
    report = json.loads((folder / 'atea-anywhere-report.json').read_text())
    hosts = dict((host['host'], host) for host in report['hosts'])
    assert sorted(hosts) == ['fw-asa', 'fw-ios']
    assert hosts['fw-ios']['counts'] == {'in_place': 8, 'missing': 0, 'different': 0, 'unknown': 0}
    assert hosts['fw-ios']['source'] == 'running_config'
    assert hosts['fw-asa']['counts']['unknown'] == 7 and hosts['fw-asa']['source'] == 'none'
    failed = dict((entry['name'], entry['message']) for entry in report['failed_hosts'])
    assert sorted(failed) == sorted(['fw-down', HOSTILE])
    assert failed['fw-down'].startswith('unreachable: ') and 'Connection refused' in failed['fw-down']
    assert 'not a plain file name' in failed[HOSTILE]
    page = (folder / 'atea-anywhere-report.html').read_text()
    assert '<i>x</i>' not in page and 'fw-&lt;i&gt;x&lt;/i&gt;' in page
    assert '<script>' not in page and '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' in page
    fact = _task(first, 'Keep where the report is and its counts, for the summary')['ansible_facts']['atea_anywhere_report']
    assert fact == {'paths': written['paths'], 'hosts': dict((h, hosts[h]['counts']) for h in hosts),
                    'counts': report['counts'], 'failed_hosts': report['failed_hosts']}

    second = _run(tmp_path, inventory)
    assert _task(second, 'Write the report (JSON, Markdown, HTML)')['changed'] is False
    assert second['stats']['localhost']['changed'] == 0
