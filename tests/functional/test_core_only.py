# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection with ansible-core alone, on the oldest supported ansible-core and the newest.

Each version gets a venv with ansible-core and the collection's Python dependency only: no ansible package, no
other collection (tests/lib/core_venv.py, cached under build/core-venvs). The collection is reached through
ANSIBLE_COLLECTIONS_PATH (a folder whose ansible_collections/atea/anywhere is a link to the checkout).

- Render mode against a real network inventory (network_cli, netconf and httpapi hosts of every brand, an ASA with
  become_method enable): site.yml succeeds and writes, byte for byte, what the development venv (the ansible
  package) writes. It runs in a network namespace of its own whose every packet outside loopback is counted and
  rejected: the count must be 0, so no host was contacted.
- Only those hosts run on the controller: a Linux host and a network host in apply mode keep their own connection.
- The lab (tests/lab/lab.py, prefix k1): site.yml -e profile=smb applies nftables through that venv, then the
  probes pass.
- No deprecation warning in any of these runs (each would be the collection's doing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from core_venv import core_venv

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = [sys.executable, os.path.join(REPO, 'tests', 'lab', 'lab.py')]
LAB_PREFIX = 'k1'
# ansible-core version -> the Python minor it runs on. 2.16: the oldest meta/runtime.yml supports (requires_ansible
# >=2.16.0), newest patch release; 2.19: the development venv's core; 2.21: the newest (needs Python 3.12 or later).
VERSIONS = {'2.16.19': 11, '2.19.14': 11, '2.21.5': 12}
LAB_VERSIONS = ('2.16.19', '2.21.5')

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which('unshare') and shutil.which('ip') and shutil.which('nft')),
    reason='needs root, unshare, ip and nft (a network namespace of its own; the lab)')

# Hosts of every connection a network inventory uses, at documentation addresses. asa-2 is in apply mode, which
# renders for a brand the ansible package ships no collection for.
NETWORK_HOSTS = {
    'ios-1': {'atea_anywhere_platform': 'cisco_ios', 'ansible_host': '192.0.2.11',
              'ansible_connection': 'ansible.netcommon.network_cli', 'ansible_network_os': 'cisco.ios.ios'},
    'srx-1': {'atea_anywhere_platform': 'junos_srx', 'ansible_host': '192.0.2.12',
              'ansible_connection': 'ansible.netcommon.netconf', 'ansible_network_os': 'junipernetworks.junos.junos'},
    'pa-1': {'atea_anywhere_platform': 'panos', 'ansible_host': '192.0.2.13',
             'ansible_connection': 'ansible.netcommon.httpapi', 'ansible_network_os': 'paloaltonetworks.panos.panos',
             'ansible_httpapi_use_ssl': True},
    'fgt-1': {'atea_anywhere_platform': 'fortios', 'ansible_host': '192.0.2.14',
              'ansible_connection': 'ansible.netcommon.httpapi', 'ansible_network_os': 'fortinet.fortios.fortios'},
    'ros-1': {'atea_anywhere_platform': 'routeros', 'ansible_host': '192.0.2.15',
              'ansible_connection': 'ansible.netcommon.network_cli', 'ansible_network_os': 'community.routeros.routeros'},
    'asa-1': {'atea_anywhere_platform': 'cisco_asa', 'ansible_host': '192.0.2.16',
              'ansible_connection': 'ansible.netcommon.network_cli', 'ansible_network_os': 'cisco.asa.asa',
              'ansible_become': True, 'ansible_become_method': 'enable', 'ansible_become_password': 'not-used'},
    'asa-2': {'atea_anywhere_platform': 'cisco_asa', 'atea_anywhere_mode': 'apply', 'ansible_host': '192.0.2.17',
              'ansible_connection': 'ansible.netcommon.network_cli', 'ansible_network_os': 'cisco.asa.asa'},
}
SUFFIX = {'cisco_asa': 'asa.cfg', 'cisco_ios': 'ios.cfg', 'fortios': 'fortios.conf', 'panos': 'panos.set',
          'junos_srx': 'junos.set', 'routeros': 'routeros.rsc'}
# Every TCP or UDP packet that would leave the namespace (a connection attempt or a name lookup) is counted and
# rejected, so nothing waits on a timeout. ICMPv6 of the links coming up is no attempt of ours.
NFT_TABLE = 'atea_core_only'
ISOLATED = '''set -e
ip link set lo up
ip link add atea0 type veth peer name atea1
ip link set atea0 up
ip link set atea1 up
ip addr add 198.51.100.254/24 dev atea0
ip route add default dev atea0
nft -f - <<EOF
table inet {table} {{
  chain out {{ type filter hook output priority 0; oifname != "lo" meta l4proto {{ tcp, udp }} counter reject with icmpx type admin-prohibited; }}
}}
EOF
set +e
"$@"
status=$?
nft list table inet {table} > "$ATEA_COUNTER_FILE"
exit $status
'''.format(table=NFT_TABLE)


@pytest.fixture(scope='module')
def collections(tmp_path_factory):
    """A collections path whose only collection is atea.anywhere, a link to this checkout."""
    root = tmp_path_factory.mktemp('collections')
    (root / 'ansible_collections' / 'atea').mkdir(parents=True)
    os.symlink(REPO, str(root / 'ansible_collections' / 'atea' / 'anywhere'))
    return str(root)


def environment(bin_dir, collections):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
               ANSIBLE_DEPRECATION_WARNINGS='true', ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', PATH=bin_dir + os.pathsep + os.environ.get('PATH', ''))
    for name in ('ANSIBLE_CONFIG', 'ANSIBLE_STDOUT_CALLBACK', 'VIRTUAL_ENV'):
        env.pop(name, None)
    return env


def playbook(bin_dir, collections, cwd, inventory, play, *extra, isolated=False):
    """ansible-playbook of bin_dir, started in cwd (no ansible.cfg there); isolated: in a network namespace of its own,
    returning also the packets counted on their way out of it."""
    command = [os.path.join(bin_dir, 'ansible-playbook'), '-i', str(inventory), play] + list(extra)
    env = environment(bin_dir, collections)
    counter = os.path.join(str(cwd), 'counter.nft')
    if isolated:
        env['ATEA_COUNTER_FILE'] = counter
        command = ['unshare', '--net', 'sh', '-c', ISOLATED, 'isolated'] + command
    run = subprocess.run(command, cwd=str(cwd), env=env, capture_output=True, text=True, check=False)
    if not isolated:
        return run, None
    with open(counter, encoding='utf-8') as handle:
        packets = re.findall(r'counter packets (\d+)', handle.read())
    assert len(packets) == 1, 'the counter of the namespace was not read'
    return run, int(packets[0])


def deprecations(text):
    """The [DEPRECATION WARNING] blocks of the output. Only the collection's playbook and roles run, so each would be
    the collection's doing, whether it names the collection (a plugin of it) or ansible-core (what it handed over)."""
    return [block for block in re.split(r'\n(?=\S)', text) if 'DEPRECATION WARNING' in block]


def render(bin_dir, collections, folder):
    """site.yml -e profile=enterprise in render mode on the network inventory, isolated; the files it wrote."""
    folder.mkdir()
    inventory = folder / 'inventory.json'
    inventory.write_text(json.dumps({'all': {'children': {'firewalls': {'hosts': NETWORK_HOSTS}}}}, indent=1))
    out = folder / 'rendered'
    run, packets = playbook(bin_dir, collections, folder, inventory, os.path.join(REPO, 'playbooks', 'site.yml'),
                            '-e', 'profile=enterprise', '-e', 'atea_anywhere_render_dir=%s' % out, isolated=True)
    files = dict((name, (out / name).read_bytes()) for name in sorted(os.listdir(str(out)))) if out.is_dir() else {}
    return run, packets, files


def expected_files():
    return sorted('%s.%s' % (host, SUFFIX[variables['atea_anywhere_platform']])
                  for host, variables in NETWORK_HOSTS.items())


@pytest.fixture(scope='module')
def reference(collections, tmp_path_factory):
    """What the development venv (ansible-core with the ansible package and its collections) renders."""
    run, packets, files = render(os.path.dirname(sys.executable), collections,
                                 tmp_path_factory.mktemp('reference') / 'run')
    assert run.returncode == 0, run.stdout + run.stderr
    assert packets == 0
    assert sorted(files) == expected_files()
    return files


@pytest.mark.parametrize('version', sorted(VERSIONS))
def test_render_mode_on_a_network_inventory_needs_ansible_core_alone_and_contacts_no_host(
        version, collections, reference, tmp_path):
    bin_dir = core_venv(version, VERSIONS[version])
    site_packages = subprocess.run([os.path.join(bin_dir, 'python'), '-c', 'import site; print(site.getsitepackages()[0])'],
                                   capture_output=True, text=True, check=True).stdout.strip()
    # ansible-core alone: no collection but ansible.builtin beside it.
    assert not os.path.exists(os.path.join(site_packages, 'ansible_collections'))
    core = subprocess.run([os.path.join(bin_dir, 'ansible'), '--version'], capture_output=True, text=True, check=True)
    assert 'ansible [core %s]' % version in core.stdout
    run, packets, files = render(bin_dir, collections, tmp_path / 'run')
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert 'UNREACHABLE' not in output and 'unreachable=1' not in output
    assert packets == 0, 'packets left the namespace: a host was contacted'
    assert sorted(files) == expected_files()
    for name, text in files.items():
        assert text == reference[name], name
    assert deprecations(output) == []
    said = ' '.join(run.stdout.split())
    assert 'cisco_asa: the ansible package ships no Cisco ASA collection' in said


KEEP_PLAYBOOK = '''
- name: Keep the hosts whose configuration is only rendered on the controller
  hosts: all
  gather_facts: false
  tasks:
    - name: Include the controller entry point
      ansible.builtin.include_role:
        name: atea.anywhere.atea_anywhere
        tasks_from: controller
        apply:
          delegate_to: localhost

- name: Write what each host connects with
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write it
      ansible.builtin.copy:
        content: >-
          {{ dict(groups['all'] | zip(groups['all'] | map('extract', hostvars)
                  | map(attribute='ansible_connection', default='not set'))) | to_json }}
        dest: "{{ out }}"
        mode: "0644"
'''


@pytest.mark.parametrize('version', sorted(VERSIONS))
def test_only_the_hosts_whose_configuration_is_rendered_run_on_the_controller(version, collections, tmp_path):
    bin_dir = core_venv(version, VERSIONS[version])
    hosts = {
        'rendered-ios': NETWORK_HOSTS['ios-1'],
        'applied-asa': NETWORK_HOSTS['asa-2'],
        'applied-ios': dict(NETWORK_HOSTS['ios-1'], atea_anywhere_mode='apply'),
        'linux-ssh': {'ansible_host': '192.0.2.21', 'ansible_connection': 'ssh'},
        'linux-default': {'ansible_host': '192.0.2.22', 'atea_anywhere_platform': 'nftables'},
    }
    inventory = tmp_path / 'inventory.json'
    inventory.write_text(json.dumps({'all': {'hosts': hosts}}))
    play = tmp_path / 'keep.yml'
    play.write_text(KEEP_PLAYBOOK)
    out = tmp_path / 'connections.json'
    run, packets = playbook(bin_dir, collections, tmp_path, inventory, str(play), '-e', 'out=%s' % out, isolated=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert packets == 0
    assert json.loads(out.read_text()) == {
        'rendered-ios': 'ansible.builtin.local', 'applied-asa': 'ansible.builtin.local',
        'applied-ios': 'ansible.netcommon.network_cli', 'linux-ssh': 'ssh', 'linux-default': 'not set'}


@pytest.mark.parametrize('version', LAB_VERSIONS)
def test_the_lab_converges_through_ansible_core_alone(version, collections, tmp_path):
    bin_dir = core_venv(version, VERSIONS[version])
    subprocess.run(LAB + ['down', '--prefix', LAB_PREFIX], capture_output=True, check=False)
    up = subprocess.run(LAB + ['up', '--prefix', LAB_PREFIX], capture_output=True, text=True, check=False)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        inventory = os.path.join(REPO, 'build', 'lab', LAB_PREFIX, 'inventory.json')
        run, _packets = playbook(bin_dir, collections, tmp_path, inventory, os.path.join(REPO, 'playbooks', 'site.yml'),
                                 '-e', 'profile=smb')
        output = run.stdout + run.stderr
        assert run.returncode == 0, output
        assert re.search(r'%s-fw\s+: ok=\d+\s+changed=[1-9]' % LAB_PREFIX, run.stdout), run.stdout
        assert deprecations(output) == []
        probe = subprocess.run(LAB + ['probe', '--prefix', LAB_PREFIX, '--profile', 'smb'],
                               capture_output=True, text=True, check=False)
        assert probe.returncode == 0, probe.stdout + probe.stderr
        assert re.search(r'^\d+ probes, \d+ passed, 0 failed$', probe.stdout, re.M), probe.stdout
    finally:
        subprocess.run(LAB + ['down', '--prefix', LAB_PREFIX], capture_output=True, check=False)
