# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml in render mode against an inventory of one host per network platform: no device is contacted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from regression import read_reference

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUFFIX = {'cisco_asa': 'asa.cfg', 'cisco_ios': 'ios.cfg', 'fortios': 'fortios.conf', 'panos': 'panos.set',
          'junos_srx': 'junos.set', 'routeros': 'routeros.rsc'}
# Unreachable on purpose: render mode must not try to connect.
INVENTORY = 'firewalls:\n  hosts:\n' + ''.join(
    '    %s-1:\n      atea_anywhere_platform: %s\n      ansible_host: 192.0.2.%d\n      ansible_connection: ssh\n'
    % (platform.replace('_', '-'), platform, index) for index, platform in enumerate(sorted(SUFFIX), 1))


def _site(tmp_path):
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(INVENTORY)
    return subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
         'playbooks/site.yml', '-e', 'profile=enterprise', '-e', 'atea_anywhere_render_dir=%s' % (tmp_path / 'out')],
        cwd=REPO, capture_output=True, text=True, check=False)


def test_render_mode_writes_one_reviewed_file_per_host_and_nothing_changes_the_second_time(tmp_path):
    first = _site(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    written = sorted(os.listdir(str(tmp_path / 'out')))
    assert written == sorted('%s-1.%s' % (p.replace('_', '-'), s) for p, s in SUFFIX.items())
    contents = {}
    for platform, suffix in SUFFIX.items():
        path = tmp_path / 'out' / ('%s-1.%s' % (platform.replace('_', '-'), suffix))
        contents[platform] = path.read_text()
        assert contents[platform] == read_reference(platform, 'enterprise'), platform
    second = _site(tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    for platform in SUFFIX:
        host = platform.replace('_', '-') + '-1'
        assert '%s ' % host in second.stdout
        assert any(line.startswith(host) and 'changed=0' in line for line in second.stdout.splitlines()), host
    for platform, suffix in SUFFIX.items():
        path = tmp_path / 'out' / ('%s-1.%s' % (platform.replace('_', '-'), suffix))
        assert path.read_text() == contents[platform]


def test_apply_mode_renders_with_instructions_where_no_collection_ships(tmp_path):
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('firewalls:\n  hosts:\n' + ''.join(
        '    %s-1:\n      atea_anywhere_platform: %s\n      atea_anywhere_mode: apply\n'
        '      ansible_host: 192.0.2.%d\n      ansible_connection: ssh\n' % (name, platform, index)
        for index, (name, platform) in enumerate((('asa', 'cisco_asa'), ('panos', 'panos')), 1)))
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
                          'playbooks/site.yml', '-e', 'profile=smb', '-e', 'atea_anywhere_render_dir=%s' % tmp_path],
                         cwd=REPO, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    said = ' '.join(run.stdout.split())
    assert 'cisco_asa: the ansible package ships no Cisco ASA collection' in said
    assert 'merge it with copy disk0:/<file> running-config' in said
    assert 'The file is %s/asa-1.asa.cfg.' % tmp_path in said
    assert 'panos: the ansible package ships no PAN-OS collection' in said
    assert 'The file is %s/panos-1.panos.set.' % tmp_path in said
    for name in ('asa-1.asa.cfg', 'panos-1.panos.set'):
        platform = 'cisco_asa' if name.startswith('asa') else 'panos'
        assert (tmp_path / name).read_text() == read_reference(platform, 'smb')


def test_render_mode_with_a_saved_running_configuration_removes_what_is_no_longer_wanted(tmp_path):
    saved = tmp_path / 'running'
    saved.mkdir()
    (saved / 'asa-1.asa.cfg').write_text(read_reference('cisco_asa', 'enterprise'))
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('firewalls:\n  hosts:\n    asa-1:\n      atea_anywhere_platform: cisco_asa\n')
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), 'playbooks/site.yml',
         '-e', 'profile=smb', '-e', 'atea_anywhere_render_dir=%s' % (tmp_path / 'out'),
         '-e', 'atea_anywhere_running_config_dir=%s' % saved], cwd=REPO, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    text = (tmp_path / 'out' / 'asa-1.asa.cfg').read_text()
    assert 'no object-group network ATEA-NET-MPLS' in text.splitlines()
    assert text.endswith(read_reference('cisco_asa', 'smb')[-200:])


def _files(top):
    return sorted(os.path.relpath(os.path.join(folder, name), str(top))
                  for folder, _dirs, names in os.walk(str(top)) for name in names)


# Host names that are not plain file names: each fails its host, naming inventory_hostname and the name.
BAD_HOST_NAMES = ('../escaped', 'a/b', '..', '-rf', 'line\nbreak', 'h' * 250)


def test_host_names_that_would_leave_the_render_directory_fail_cleanly_and_write_nothing(tmp_path):
    top = tmp_path / 'top'
    (top / 'work').mkdir(parents=True)
    inventory = tmp_path / 'inventory.json'
    hosts = dict((name, {'atea_anywhere_platform': 'cisco_asa'}) for name in BAD_HOST_NAMES + ('good-1',))
    inventory.write_text(json.dumps({'all': {'hosts': hosts}}))
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory), 'playbooks/site.yml',
         '-e', 'profile=smb', '-e', 'atea_anywhere_render_dir=%s' % (top / 'work' / 'out')],
        cwd=REPO, capture_output=True, text=True, check=False,
        env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json'))
    assert run.returncode == 2, run.stdout + run.stderr
    assert 'Traceback' not in run.stdout + run.stderr
    failures = {}
    for play in json.loads(run.stdout)['plays']:
        for task in play['tasks']:
            for host, result in task['hosts'].items():
                if result.get('failed'):
                    failures.setdefault(host, ' '.join(result['msg'].split()))
    assert sorted(failures) == sorted(BAD_HOST_NAMES)
    for name, message in failures.items():
        assert "option 'inventory_hostname'" in message and repr(name)[1:-1] in message, (name, message)
    # Only the good host's file, where it belongs.
    assert _files(top) == ['work/out/good-1.asa.cfg']


@pytest.mark.parametrize('how', ['checkout', 'installed'])
def test_a_relative_render_directory_is_taken_from_where_ansible_playbook_was_started(tmp_path, how):
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('firewalls:\n  hosts:\n    asa-1:\n      atea_anywhere_platform: cisco_asa\n')
    playbook = os.path.join(REPO, 'playbooks', 'site.yml') if how == 'checkout' else 'atea.anywhere.site'
    # PWD says another directory, as where a program starts ansible-playbook in a directory of its choosing.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.ansible', 'collections'),
               PWD=os.path.join(REPO, 'playbooks'))
    env.pop('ANSIBLE_CONFIG', None)
    for started_in, options, folder in (('first', ['-e', 'atea_anywhere_render_dir=review/out'], 'review/out'),
                                        ('second', [], 'rendered')):
        cwd = tmp_path / started_in
        cwd.mkdir()
        run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
                              playbook, '-e', 'profile=smb'] + options,
                             cwd=str(cwd), env=env, capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stdout + run.stderr
        # The report of the run (playbooks/report.yml, imported by site.yml) defaults to the start directory too.
        assert _files(cwd) == sorted(['%s/asa-1.asa.cfg' % folder] + ['report/atea-anywhere-report.%s' % kind
                                                                      for kind in ('html', 'json', 'md')]), started_in
        assert (cwd / folder / 'asa-1.asa.cfg').read_text() == read_reference('cisco_asa', 'smb')
    assert not os.path.exists(os.path.join(REPO, 'playbooks', 'rendered'))
    assert not os.path.exists(os.path.join(REPO, 'playbooks', 'review'))
