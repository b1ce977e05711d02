# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FortiOS apply benchmark against the stand-in FortiGate (tests/lab/fake_fortios.py). Prints figures; asserts
nothing; needs no root and no lab.

The stand-in listens on a free port of 127.0.0.1 and starts as a FortiGate of the customer's: its own address,
policy and ftp session helper, the SIP and H.323 session helpers and the SIP proxy on. playbooks/site.yml then
applies the enterprise profile to it through fortinet.fortios (httpapi) twice, each run measured by
tests/benchmark/playbook_run.py:

- first run:  the device holds nothing of ours, so everything is written;
- second run: the device is unchanged since the first, so nothing should be written.

Figures per run: wall time and CPU time (ansible-playbook and everything it started), and the cmdb requests the
stand-in answered (it counts them per method): reads (GET) and writes (POST, PUT, DELETE). Issue 12 item 4: the
second run writes nothing.

    .venv/bin/python tests/benchmark/fortios_benchmark.py
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lib'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))

import fake_fortios  # noqa: E402  pylint: disable=wrong-import-position
import playbook_run  # noqa: E402  pylint: disable=wrong-import-position
import stand_in_walk  # noqa: E402  pylint: disable=wrong-import-position

# The customer's FortiGate before the first run.
STARTING = {
    'firewall/address': [{'name': 'BRANCH', 'subnet': '10.99.0.0 255.255.0.0'}],
    'firewall/policy': [{'policyid': 1, 'name': 'LAN-OUT', 'srcintf': [{'name': 'internal'}],
                         'dstintf': [{'name': 'wan1'}], 'srcaddr': [{'name': 'BRANCH'}], 'dstaddr': [{'name': 'BRANCH'}],
                         'action': 'accept', 'schedule': 'always', 'service': [], 'logtraffic': 'utm'}],
    'system/session-helper': [{'id': 12, 'name': 'ftp', 'protocol': 6, 'port': 21},
                              {'id': 13, 'name': 'sip', 'protocol': 17, 'port': 5060},
                              {'id': 2, 'name': 'h323', 'protocol': 6, 'port': 1720},
                              {'id': 3, 'name': 'ras', 'protocol': 17, 'port': 1719}],
    'system/settings': {'default-voip-alg-mode': 'proxy-based', 'opmode': 'nat'},
}
INVENTORY = """firewalls:
  hosts:
    fgt-1:
      atea_anywhere_platform: fortios
      atea_anywhere_mode: apply
      ansible_host: 127.0.0.1
      ansible_user: lab
      ansible_password: lab
      ansible_connection: ansible.netcommon.httpapi
      ansible_network_os: fortinet.fortios.fortios
      ansible_httpapi_use_ssl: false
      ansible_httpapi_port: {port}
      ansible_httpapi_session_key: {{access_token: lab}}
"""


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def main():
    with tempfile.TemporaryDirectory(prefix='atea-fortios-benchmark-') as work:
        config, inventory = os.path.join(work, 'device.json'), os.path.join(work, 'inventory.yml')
        with open(config, 'w', encoding='utf-8') as handle:
            json.dump(STARTING, handle)
        port = _free_port()
        with open(inventory, 'w', encoding='utf-8') as handle:
            handle.write(INVENTORY.format(port=port))
        device = subprocess.Popen([sys.executable, os.path.join(REPO, 'tests', 'lab', 'fake_fortios.py'),
                                   '--listen', '127.0.0.1:%d' % port, '--config', config, '--user', 'lab',
                                   '--password', 'lab'], stdout=subprocess.PIPE, text=True)
        try:
            if device.stdout.readline().strip() != 'listening':
                raise RuntimeError('the stand-in FortiGate did not start')
            extra = {'profile': 'enterprise', 'atea_anywhere_networks': stand_in_walk.RUN_NETWORKS,
                     'atea_anywhere_render_dir': os.path.join(work, 'out')}
            print('FortiOS apply, enterprise profile, against the stand-in (tests/lab/fake_fortios.py)')
            print('%-11s %8s %8s %7s %7s %7s %7s %7s'
                  % ('run', 'wall s', 'cpu s', 'GET', 'POST', 'PUT', 'DELETE', 'writes'))
            for name in ('first', 'second'):
                before = fake_fortios.requests_answered(config)
                run = playbook_run.run_playbook('playbooks/site.yml', inventory, extra)
                after = fake_fortios.requests_answered(config)
                made = dict((method, after[method] - before[method]) for method in after)
                print('%-11s %8.1f %8.1f %7d %7d %7d %7d %7d' % (
                    name, run.wall, run.cpu, made['GET'], made['POST'], made['PUT'], made['DELETE'],
                    sum(made[method] for method in fake_fortios.WRITES)))
        finally:
            device.kill()
            device.wait()


if __name__ == '__main__':
    main()
