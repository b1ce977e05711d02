# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the collection, install it into an empty path, and use it as a user would.

The expected flows come from the independent reading of the document
(tests/lib/requirements_document.py), not from the collection's data.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest
import requirements_document as document

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']
PROFILE_SECTIONS = {'smb': ['3', '4'], 'enterprise': ['2.1', '2.2', '2.3', '3', '4']}

PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - atea.anywhere.requirements_info: {args}
      register: result
    - ansible.builtin.copy:
        content: "{{{{ result | to_json }}}}"
        dest: {out}
        mode: "0644"
'''


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """A collections path holding only atea.anywhere, installed from its built tarball."""
    work = tmp_path_factory.mktemp('installed')
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', REPO, '--output-path', str(work)],
                   check=True, capture_output=True, cwd=str(work))
    tarball, = glob.glob(str(work / 'atea-anywhere-*.tar.gz'))
    path = work / 'collections'
    # --force: a copy elsewhere on the default collections path (Molecule's, say) must not skip the install.
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', tarball, '-p', str(path)],
                   check=True, capture_output=True, cwd=str(work))
    assert os.listdir(str(path / 'ansible_collections')) == ['atea']
    return work


def ansible(installed, *command):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed / 'collections'),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    env.pop('ANSIBLE_CONFIG', None)
    return subprocess.run([os.path.join(BIN, command[0])] + list(command[1:]), capture_output=True, text=True,
                          env=env, cwd=str(installed), check=False)


def requirements_info(installed, args):
    out = installed / 'result.json'
    if out.exists():
        out.unlink()
    playbook = installed / 'read.yml'
    playbook.write_text(PLAYBOOK.format(args=json.dumps(args), out=out))
    run = ansible(installed, 'ansible-playbook', str(playbook))
    return run, (json.loads(out.read_text()) if out.exists() else None)


def expected_flows(sections):
    """(section, direction, protocol, ports, source ports, sources, destinations) per document row and protocol."""
    expected = []
    for section in document.load():
        if section.number not in sections:
            continue
        atea = [section.network] if section.network else RFC1918
        sources, destinations = {'outbound': (RFC1918, atea), 'inbound': (atea, RFC1918),
                                 'internal': (RFC1918, RFC1918)}[section.direction]
        for row in section.rows:
            for protocol in row.protocols:
                expected.append((section.number, section.direction, protocol,
                                 [list(r) for r in row.ports], [list(r) for r in row.source_ports],
                                 sources, destinations))
    return sorted(expected)


@pytest.mark.parametrize('profile', sorted(PROFILE_SECTIONS))
def test_installed_module_returns_exactly_the_document_rows(installed, profile):
    run, result = requirements_info(installed, {'profile': profile})
    assert run.returncode == 0, run.stdout + run.stderr
    actual = sorted((f['section'], f['direction'], f['protocol'], f['destination_ports'], f['source_ports'],
                     f['sources'], f['destinations']) for f in result['flows'])
    assert actual == expected_flows(PROFILE_SECTIONS[profile])
    assert result['sections'] == PROFILE_SECTIONS[profile]
    assert [c['section'] for c in result['checklist']] == ['1.1', '1.2']
    assert all(f['icmp_type'] == 'echo-request' for f in result['flows'] if f['protocol'] == 'icmp')


@pytest.mark.parametrize('args, message', [
    ({'profile': 'small'}, 'value of profile must be one of: enterprise, smb, got: small'),
    ({'components': ['2.4']}, "option 'components[0]': unknown value: '2.4'"),
    ({'profile': 'smb', 'customer_networks': ['10.1.2.3/8']}, "option 'customer_networks[0]': host bits set"),
    ({'profile': 'smb', 'networks': {'internet': '203.0.113.0/33'}},
     "option 'networks.internet[0]': not a network in CIDR notation"),
    ({'profile': 'smb', 'extra_flows': [{'id': 'x', 'direction': 'outbound', 'network': 'mpls',
                                         'protocol': 'tcp', 'destination_ports': ['2000-1000']}]},
     "option 'extra_flows[0].destination_ports[0]': reversed port range"),
    ({'profile': 'smb', 'extra_flows': [{'id': 'x', 'direction': 'outbound', 'network': 'mpls',
                                         'protocol': 'tcp', 'destination_ports': [0]}]},
     "option 'extra_flows[0].destination_ports[0]': port out of range 1-65535: 0"),
    ({'profile': 'smb', 'extra_flows': [{'id': 'x', 'direction': 'outbound', 'network': 'mpls',
                                         'protocol': 'esp', 'destination_ports': [1]}]},
     "option 'extra_flows[0].protocol': unknown value: 'esp'; valid choices: icmp, tcp, udp"),
])
def test_installed_module_fails_cleanly_on_bad_input(installed, args, message):
    run, result = requirements_info(installed, args)
    assert run.returncode == 2
    assert result is None
    assert message in run.stdout
    assert 'Traceback' not in run.stdout + run.stderr


def test_installed_site_playbook_runs_by_its_name(installed):
    run = ansible(installed, 'ansible-playbook', 'atea.anywhere.site', '-e', 'profile=smb')
    assert run.returncode == 0, run.stdout + run.stderr
    assert 'PLAY [Apply the Atea Anywhere firewall requirements]' in run.stdout


@pytest.mark.parametrize('extra', [['-e', 'profile=big'], []])
def test_installed_site_playbook_refuses_a_missing_or_unknown_profile_before_any_host(installed, extra):
    inventory = installed / 'unreachable.ini'
    inventory.write_text('never-touched ansible_host=192.0.2.1 ansible_connection=ssh\n')
    run = ansible(installed, 'ansible-playbook', '-i', str(inventory), 'atea.anywhere.site', *extra)
    assert run.returncode == 2
    assert 'Give the profile: -e profile=smb or -e profile=enterprise' in run.stdout
    assert 'never-touched' not in run.stdout


def test_installed_docs_render(installed):
    # Every module and filter file of the collection (each filter file holds the filter of its name).
    plugins = [(kind, name[:-3]) for kind, folder in (('module', 'modules'), ('filter', 'filter'))
               for name in sorted(os.listdir(os.path.join(REPO, 'plugins', folder)))
               if name.endswith('.py') and name != '__init__.py']
    assert ('module', 'firewalld') in plugins and ('filter', 'rules') in plugins
    for kind, name in plugins:
        run = ansible(installed, 'ansible-doc', '-t', kind, 'atea.anywhere.' + name)
        assert run.returncode == 0, run.stderr
        assert 'EXAMPLES' in run.stdout and 'RETURN VALUES' in run.stdout, (name, run.stdout)
        if name in ('nftables', 'iptables', 'ufw', 'firewalld'):
            # The options of the shared doc fragment, as an installed collection resolves it.
            assert 'confirm_timeout' in run.stdout and 'management_networks' in run.stdout, (name, run.stdout)
    for role in ('smb', 'enterprise', 'atea_anywhere'):
        run = ansible(installed, 'ansible-doc', '-t', 'role', 'atea.anywhere.' + role)
        assert run.returncode == 0 and 'ENTRY POINT: *main*' in run.stdout, (role, run.stdout, run.stderr)
    assert 'atea_anywhere_nftables_mode' in run.stdout and 'atea_anywhere_routeros_api_tls' in run.stdout
    assert 'atea_anywhere_confirm_timeout' in run.stdout and 'atea_anywhere_allow_any_network' in run.stdout
