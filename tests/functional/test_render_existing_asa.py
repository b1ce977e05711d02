# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Through site.yml: an ASA whose interfaces already have access lists gets the entries in them, and
atea_anywhere_asa_bind_access_groups refuses an interface that has none, before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RUNNING = """access-list INSIDE-IN extended permit tcp 10.1.0.0 255.255.0.0 any eq www
access-list INSIDE-IN extended deny ip any any
access-group INSIDE-IN in interface inside
"""


def _site(tmp_path, running, *extra):
    saved = tmp_path / 'running'
    saved.mkdir()
    (saved / 'asa-1.asa.cfg').write_text(running)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('firewalls:\n  hosts:\n    asa-1:\n      atea_anywhere_platform: cisco_asa\n')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
               'playbooks/site.yml', '-e', 'profile=smb', '-e', 'atea_anywhere_render_dir=%s' % (tmp_path / 'out'),
               '-e', 'atea_anywhere_running_config_dir=%s' % saved]
    for variable in extra:
        command += ['-e', variable]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


def test_entries_go_into_the_interfaces_own_list(tmp_path):
    run = _site(tmp_path, RUNNING, 'atea_anywhere_asa_bind_access_groups=true')
    assert run.returncode == 0, run.stdout + run.stderr
    lines = (tmp_path / 'out' / 'asa-1.asa.cfg').read_text().splitlines()
    assert 'access-list INSIDE-IN line 2 remark atea-anywhere 3/4 outbound-internet-tcp-ipv4: 3 XMPP; 3 UDS proxy; ' \
           '3 SIP signaling; 4 HTTPS; 4...' in lines
    assert 'access-list INSIDE-IN line 5 extended permit udp object-group ATEA-NET-CUSTOMER range 1024 65535 ' \
           'object-group ATEA-NET-INTERNET object-group ATEA-SVC-OUTBOUND-INTERNET-UDP-IPV4' in lines
    assert not [line for line in lines if line.startswith(('access-group', 'no ', 'access-list ATEA-'))]


def test_bind_access_groups_refuses_an_interface_without_a_list(tmp_path):
    run = _site(tmp_path, 'hostname edge\n', 'atea_anywhere_asa_bind_access_groups=true')
    assert run.returncode != 0
    said = ' '.join(run.stdout.split())
    assert "option 'bind_access_groups': interface inside has no access-group" in said, run.stdout
    assert 'Traceback' not in run.stdout + run.stderr
    assert not (tmp_path / 'out' / 'asa-1.asa.cfg').exists()
