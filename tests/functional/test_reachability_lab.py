# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atea.anywhere.reachability on the namespace lab (prefix q1): the firewall gets profile smb through site.yml,
then the customer host c1 (group atea_anywhere_sites, lab.py --sites) checks the internet stand-in 203.0.113.10
through it with the role's reachability entry point, in check mode. What each port must show follows from the
lab: a port the rules allow and the stand-in listens on (lab.py service_ports) is open, one the rules allow and
nothing listens on is closed, one the firewall drops (a flow of the check's own that the firewall was not given)
is filtered; a budget of one timeout leaves ports not_checked; UDP is never proven."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import lab

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
PREFIX = 'q1'
# A seed whose drawn ports leave the inside samples of 40000-49999 (43333, 46666) unserved: the closed ports.
SEED = 5
INET = lab.DEFAULT_TOPOLOGY['inet'][2]
# A flow of the check's own, not the firewall's: the stand-in listens on 23 (lab.CLOSED_CANDIDATES), the firewall
# drops it.
DROPPED = 23
CHECK_PLAY = """
- name: Check reachability from the site
  hosts: atea_anywhere_sites
  gather_facts: false
  vars:
    atea_anywhere_profile: smb
    atea_anywhere_extra_flows:
      - {id: dropped, direction: outbound, network: internet, protocol: tcp, destination_ports: [%(dropped)d]}
    atea_anywhere_reachability_timeout: 1
  tasks:
    - name: Run the reachability entry point
      ansible.builtin.include_role:
        name: atea.anywhere.atea_anywhere
        tasks_from: reachability

    - name: Run the module with a budget of one timeout, one attempt at a time
      atea.anywhere.reachability:
        profile: smb
        networks: "{{ atea_anywhere_networks }}"
        customer_networks: "{{ atea_anywhere_customer_networks }}"
        targets: "{{ atea_anywhere_reachability_targets }}"
        timeout: 1
        budget: 1
        parallel: 1
      register: short

    - name: Keep both results
      ansible.builtin.copy:
        content: "{{ {'role': __atea_anywhere_reachability, 'short': short.reachability,
                      'changed': short.changed} | to_json }}"
        dest: "%(out)s"
        mode: "0600"
      check_mode: false
"""

pytestmark = pytest.mark.skipif(not (os.geteuid() == 0 and shutil.which('ip') and shutil.which('nft')),
                                reason='the namespace lab needs root, iproute2 and nftables')


def _playbook(inventory, *argv):
    run = subprocess.run([PLAYBOOK, '-i', inventory] + list(argv), cwd=REPO, capture_output=True, text=True,
                         check=False, timeout=300)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    return run


@pytest.fixture(scope='module')
def checked(tmp_path_factory):
    out = tmp_path_factory.mktemp('reachability') / 'result.json'
    the_lab = lab.Lab(PREFIX)
    the_lab.up(seed=SEED, sites=True)
    try:
        inventory = os.path.join(the_lab.state_dir, 'inventory.json')
        _playbook(inventory, 'playbooks/site.yml', '-e', 'profile=smb', '-e', 'atea_anywhere_target_hosts=atea_anywhere_firewalls')
        play = out.parent / 'check.yml'
        play.write_text(CHECK_PLAY % {'dropped': DROPPED, 'out': out})
        _playbook(inventory, '--check', str(play))
        yield json.loads(out.read_text()), set(the_lab.service_ports(SEED)['tcp'])
    finally:
        the_lab.down()
    assert not the_lab.existing_namespaces()


def _expected(port, served):
    if port == DROPPED:
        return 'filtered'
    return 'open' if port in served else 'closed'


def test_each_port_shows_what_the_firewall_and_the_stand_in_do(checked):
    result, served = checked
    reach = result['role']
    tcp = reach['tcp']
    assert reach['site'] == '%s-c1' % PREFIX and reach['profile'] == 'smb' and reach['not_targeted'] == []
    assert reach['not_in_rules'] == ['mpls']  # the lab names the MPLS stand-in too; smb has no flow to it
    assert all(entry['address'] == INET for entry in tcp + reach['udp'])
    ports = [entry['port'] for entry in tcp]
    # smb's TCP rows (443, 5061, 5222, 8443; 40000-49999 with its ends and two inside) and the dropped flow.
    assert sorted(ports) == [DROPPED, 443, 5061, 5222, 8443, 40000, 43333, 46666, 49999]
    wanted = dict((port, _expected(port, served)) for port in ports)
    # The seed gives each state at least once, so each is tested.
    assert set(wanted.values()) == {'open', 'closed', 'filtered'}
    assert dict((entry['port'], entry['state']) for entry in tcp) == wanted, json.dumps(tcp, indent=1)
    by_port = dict((entry['port'], entry) for entry in tcp)
    assert 'ECONNREFUSED' in by_port[43333]['detail'] and 'no answer within 1 s' in by_port[DROPPED]['detail']
    assert all('from %s port ' % lab.DEFAULT_TOPOLOGY['c1'][2] in entry['detail'] for entry in tcp)
    assert by_port[5222]['ids'] == ['3-xmpp'] and by_port[DROPPED]['ids'] == ['dropped']
    assert reach['counts'] == {'open': list(wanted.values()).count('open'), 'closed': list(wanted.values()).count('closed'),
                               'filtered': 1, 'not_checked': 0, 'not_proven': 2}


def test_udp_is_not_proven_and_says_what_was_checked_instead(checked):
    udp = checked[0]['role']['udp']
    assert sorted(entry['ids'][0] for entry in udp) == ['3-media', '4-media-udp']
    for entry in udp:
        assert entry['state'] == 'not_proven' and entry['source'] == lab.DEFAULT_TOPOLOGY['c1'][2]
        assert 'UDP has no handshake' in entry['checked_instead'] and 'no packet sent' in entry['checked_instead']


def test_a_budget_of_one_timeout_leaves_ports_not_checked_and_none_out(checked):
    short, changed = checked[0]['short'], checked[0]['changed']
    assert changed is False
    states = [entry['state'] for entry in short['tcp']]
    # The same eight smb ports, every one reported; one attempt at a time, so after the first nothing fits.
    assert len(states) == 8 and states.count('not_checked') >= 1
    assert short['counts']['not_checked'] == states.count('not_checked')
    assert sum(short['counts'][state] for state in ('open', 'closed', 'filtered', 'not_checked')) == 8
    left = [entry for entry in short['tcp'] if entry['state'] == 'not_checked']
    assert all(entry['seconds'] == 0 and 'left of the budget' in entry['detail'] for entry in left)
