# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml run by ansible-runner the way AWX runs a job, against the lab: the results reach the job.

The private data directory is laid out as AWX's awx/main/tasks/jobs.py lays it out (ansible/awx e21dd0a0,
BaseTask.build_private_data_dir, build_project_dir, build_inventory/write_inventory_file, build_extra_vars_file,
RunJob.build_env, and the env/settings written in BaseTask.run):

- project/: the project's files (AWX: the SCM checkout of the revision; here the tracked files of this checkout);
- requirements_collections/: what AWX's project update installed from the project's collections/requirements.yml
  (awx/playbooks/project_update.yml), first on ANSIBLE_COLLECTIONS_PATH (RunJob.build_env path_vars);
- inventory/hosts: an executable script printing the inventory as JSON, with _meta hostvars;
- env/extravars: the job's extra variables (here a survey's answer: profile smb);
- env/settings: job_timeout, suppress_ansible_output, suppress_output_file as AWX writes them;
- env/envvars: JOB_ID, INVENTORY_ID, ANSIBLE_RETRY_FILES_ENABLED, MAX_EVENT_RES, ANSIBLE_SSH_CONTROL_PATH_DIR and the
  collections path (AWX hands the same dictionary to ansible_runner.run as envvars).

The job's ident is its id, so ansible-runner's artifact directory is artifacts/<id>, which it exports to the play as
AWX_ISOLATED_DATA_DIR; events come through an event handler as AWX receives them (suppress_output_file).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from regression import read_reference

ansible_runner = pytest.importorskip('ansible_runner')

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, 'tests', 'lab', 'lab.py')
PREFIX = 'w1'
JOB_ID = 4242
# Network firewalls in render mode beside the lab's firewall: nothing contacts them (documentation addresses).
RENDERED = {'asa-w1': ('cisco_asa', 'asa.cfg', '192.0.2.201'), 'srx-w1': ('junos_srx', 'junos.set', '192.0.2.202')}


def _lab(*args, check=True):
    return subprocess.run([sys.executable, LAB] + list(args) + ['--prefix', PREFIX], cwd=REPO, capture_output=True,
                          text=True, check=check, timeout=120)


@pytest.fixture(name='lab')
def lab_fixture():
    if os.geteuid() != 0:
        pytest.skip('the lab needs root (network namespaces)')
    _lab('down', check=False)
    try:
        _lab('up', '--sites')
        with open(os.path.join(REPO, 'build', 'lab', PREFIX, 'inventory.json'), encoding='utf-8') as handle:
            yield json.load(handle)
    finally:
        _lab('down', check=False)


def _script_inventory(inventory):
    """The lab's YAML-style inventory as the JSON an AWX inventory script prints (Inventory.get_script_data)."""
    data = {'all': {'children': ['ungrouped'], 'hosts': []}, '_meta': {'hostvars': {}}}

    def walk(name, group):
        entry = data.setdefault(name, {'hosts': [], 'children': []})
        for host, host_vars in (group.get('hosts') or {}).items():
            entry['hosts'].append(host)
            data['_meta']['hostvars'][host] = host_vars
        for child, child_group in (group.get('children') or {}).items():
            entry['children'].append(child)
            walk(child, child_group)
    for child, group in inventory['all'].get('children', {}).items():
        data['all']['children'].append(child)
        walk(child, group)
    data['ungrouped'] = {'hosts': sorted(RENDERED)}
    for host, (platform, _suffix, address) in RENDERED.items():
        data['_meta']['hostvars'][host] = {'atea_anywhere_platform': platform, 'ansible_host': address,
                                           'ansible_connection': 'ssh'}
    return data


def _private_data_dir(top, inventory):
    """A private data directory as AWX writes it for a job of the project with the lab inventory."""
    project = top / 'project'
    tracked = subprocess.run(['git', 'ls-files', '-z'], cwd=REPO, capture_output=True, check=True).stdout
    for name in tracked.decode().split('\0'):
        source = os.path.join(REPO, name)
        if name and os.path.isfile(source):
            os.makedirs(str(project / os.path.dirname(name)), exist_ok=True)
            shutil.copy2(source, str(project / name))
    # AWX's project update: ansible-galaxy collection install -r collections/requirements.yml, in the project.
    collections = top / 'requirements_collections'
    subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy'), 'collection', 'install',
                    '-r', 'collections/requirements.yml', '-p', str(collections)],
                   cwd=str(project), capture_output=True, text=True, check=True, timeout=300)
    for folder in ('inventory', 'env', 'cp'):
        (top / folder).mkdir(mode=0o700)
    hosts = top / 'inventory' / 'hosts'
    hosts.write_text('#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n'
                     % json.dumps(_script_inventory(inventory)))
    hosts.chmod(stat.S_IRWXU)
    (top / 'env' / 'extravars').write_text(json.dumps({'profile': 'smb'}))
    (top / 'env' / 'settings').write_text(json.dumps({'job_timeout': 600, 'suppress_ansible_output': True,
                                                      'suppress_output_file': True}))
    (top / 'env' / 'envvars').write_text(json.dumps({
        'JOB_ID': str(JOB_ID), 'INVENTORY_ID': '7', 'ANSIBLE_RETRY_FILES_ENABLED': 'False', 'MAX_EVENT_RES': '700000',
        'ANSIBLE_SSH_CONTROL_PATH_DIR': str(top / 'cp'),
        # RunJob.build_env: requirements_collections, then the project's ansible.cfg collections_path, then defaults.
        'ANSIBLE_COLLECTIONS_PATH': ':'.join([str(collections), '.ansible/collections:~/.ansible/collections:'
                                              '/usr/share/ansible/collections', '~/.ansible/collections',
                                              '/usr/share/ansible/collections']),
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
    }))
    return top


def _sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_site_through_ansible_runner_keeps_the_rendered_files_and_report_in_the_job_artifacts(lab, tmp_path):
    top = _private_data_dir(tmp_path / 'job', lab)
    events = []
    runner = ansible_runner.run(private_data_dir=str(top), playbook='playbooks/site.yml', inventory='hosts',
                                ident=JOB_ID, event_handler=lambda event: events.append(event) or True, quiet=True)
    stdout = ''.join(event.get('stdout', '') + '\n' for event in events)
    assert (runner.status, runner.rc) == ('successful', 0), stdout[-6000:]
    output = top / 'artifacts' / str(JOB_ID) / 'atea_anywhere'
    firewall, site = '%s-fw' % PREFIX, '%s-c1' % PREFIX

    # The rendered files are in the job's artifact directory (AWX_ISOLATED_DATA_DIR), as the profile renders them;
    # nothing was written in the project.
    for host, (platform, suffix, _address) in RENDERED.items():
        assert (output / 'rendered' / ('%s.%s' % (host, suffix))).read_text() == read_reference(platform, 'smb'), host
    assert not (top / 'project' / 'rendered').exists()

    # The report is there too.
    report = dict((name, output / 'report' / ('atea-anywhere-report.' + name)) for name in ('json', 'md', 'html'))
    for path in report.values():
        assert path.is_file(), sorted(os.listdir(str(output)))
    document = json.loads(report['json'].read_text())
    assert firewall in json.dumps(document)

    # The summary says per host what was done, with the report's rows for the firewall.
    summary = dict((event['event_data']['res']['item'], event['event_data']['res']['msg']) for event in events
                   if event.get('event') == 'runner_item_on_ok'
                   and event['event_data'].get('task') == 'Show per host what it did and what a person must still do')
    assert sorted(summary) == sorted([firewall] + list(RENDERED))
    assert summary[firewall]['did'] == 'applied through nftables' and summary[firewall]['changed'] is True
    rows = summary[firewall]['document_rows']
    assert (rows['in_place'] > 0, rows['missing'], rows['different']) == (True, 0, 0), rows
    for host, (_platform, suffix, _address) in RENDERED.items():
        assert (summary[host]['did'], summary[host]['file']) == ('rendered', str(output / 'rendered' / ('%s.%s' % (host, suffix))))
        assert summary[host]['report'] == str(report['html'])

    # The same results reach AWX through set_stats: the playbook_on_stats event's artifact_data, which AWX keeps
    # as the job's artifacts.
    stats = [event for event in events if event.get('event') == 'playbook_on_stats']
    assert len(stats) == 1
    published = stats[0]['event_data']['artifact_data']['atea_anywhere']
    assert published['output_dir'] == str(output)
    files = dict((name, os.path.join(str(output), name)) for name in
                 ['rendered/%s.%s' % (host, suffix) for host, (_p, suffix, _a) in RENDERED.items()]
                 + ['report/atea-anywhere-report.%s' % name for name in ('json', 'md', 'html')])
    assert published['files'] == dict((name, _sha256(path)) for name, path in files.items())
    assert published['rendered'] == dict((host, (output / 'rendered' / ('%s.%s' % (host, suffix))).read_text())
                                         for host, (_p, suffix, _a) in RENDERED.items())
    assert published['rendered_omitted'] == {}
    assert published['report']['paths']['html'] == str(report['html'])
    # The report's content too, since the files do not outlive an AWX job: its Markdown text, and per host the rows
    # that are not in place. The firewall was applied: none missing or different. The rendered hosts have no saved
    # running configuration: every row is unknown, saying what to save.
    assert published['report_markdown'] == report['md'].read_text()
    assert published['report_omitted'] == {'rows': [], 'markdown': None} and published['report_bound'] == 262144
    assert sorted(published['report_rows']) == sorted([firewall] + list(RENDERED))
    assert [row['status'] for row in published['report_rows'][firewall]] == ['unknown'] * rows['unknown']
    hosts = dict((host['host'], host) for host in document['hosts'])
    for host in RENDERED:
        rows = published['report_rows'][host]
        assert [(row['id'], row['section']) for row in rows] == [(row['id'], row['section']) for row in hosts[host]['rows']]
        for row in rows:
            assert sorted(row) == ['detail', 'id', 'rule', 'section', 'status'] and row['status'] == 'unknown', row
            assert 'running configuration' in row['detail'] and row['rule'], row

    # The site host (group atea_anywhere_sites) was left out of the apply play; the firewall passes the probe.
    applied = [event['event_data']['host'] for event in events
               if event.get('event') == 'runner_on_ok' and event['event_data'].get('play') ==
               'Apply the Atea Anywhere firewall requirements']
    assert firewall in applied and site not in applied
    probe = _lab('probe', '--profile', 'smb', check=False)
    assert probe.returncode == 0, probe.stdout + probe.stderr
