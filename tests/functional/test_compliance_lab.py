# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's compliance entry point on the lab (tests/lab/lab.py, prefixes r1 and r2): site.yml -e profile=smb
applies, then a playbook runs tasks_from compliance in check mode and writes the fact __atea_anywhere_compliance.

Every expected status is named from the live ruleset, read here with the tools themselves (nft -j list ruleset,
iptables-nft-save; ufw's files as lab.py lists them) and interpreted by this file,
not by the collection: a row is missing where no rule of its name allows any of its ports, in place where one
allows them all and none of them allows ports around the row's that the rule's rows do not ask for, different
otherwise. A network firewall's rows come from a saved running configuration, the device never
contacted.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine, vendor_platforms

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, 'tests', 'lab', 'lab.py')
BIN = os.path.dirname(sys.executable)
TABLE = ('inet', 'atea_anywhere')

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which('ip') and shutil.which('nft') and shutil.which('iptables-nft-save')),
    reason='needs root, ip, nft and iptables-nft')

PLAYBOOK = '''---
- name: Read the compliance of the firewalls
  hosts: atea_anywhere_firewalls
  gather_facts: false
  tasks:
    # As site.yml does: a host whose configuration is only rendered is never contacted.
    - name: Run the tasks of hosts whose configuration is only rendered on the controller
      ansible.builtin.include_role:
        name: atea.anywhere.atea_anywhere
        tasks_from: controller
        apply:
          delegate_to: localhost
    - name: Read it
      ansible.builtin.include_role:
        name: atea.anywhere.atea_anywhere
        tasks_from: compliance
      vars:
        atea_anywhere_profile: smb
    - name: Write it for the test
      ansible.builtin.copy:
        content: "{{ __atea_anywhere_compliance | to_nice_json }}"
        dest: "{{ out }}/{{ inventory_hostname }}.json"
        mode: "0644"
      delegate_to: localhost
      check_mode: false
'''


def _lab(prefix, *args):
    subprocess.run([sys.executable, LAB] + list(args) + ['--prefix', prefix], cwd=REPO, check=True,
                   capture_output=True, text=True)


def _playbook(inventory, *args):
    run = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', inventory] + list(args), cwd=REPO,
                         capture_output=True, text=True, check=False, env=dict(os.environ, PATH=BIN + ':' + os.environ['PATH']))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


class Lab(object):
    def __init__(self, prefix, tmp):
        self.prefix = prefix
        self.firewall = '%s-fw' % prefix
        self.inventory = os.path.join(REPO, 'build', 'lab', prefix, 'inventory.json')
        self.tmp = tmp
        (tmp / 'compliance.yml').write_text(PLAYBOOK)

    def site(self, *extra):
        _playbook(self.inventory, 'playbooks/site.yml', '-e', 'profile=smb', *extra)

    def compliance(self, *extra, host=None):
        """The fact, from the entry point run in check mode."""
        _playbook(self.inventory, str(self.tmp / 'compliance.yml'), '--check', '-e', 'out=%s' % self.tmp, *extra)
        return json.loads((self.tmp / ('%s.json' % (host or self.firewall))).read_text())

    def listing(self):
        """What lab.py lists of the manager (ufw's user rules files, firewalld's runtime policies)."""
        return json.loads(subprocess.run([sys.executable, LAB, 'listing', '--prefix', self.prefix], cwd=REPO, check=True,
                                         capture_output=True, text=True).stdout)

    def netns(self, *argv, **kwargs):
        return subprocess.run(['ip', 'netns', 'exec', self.firewall] + list(argv), capture_output=True, text=True,
                              check=True, **kwargs).stdout


@contextlib.contextmanager
def lab_up(prefix, tmp_path, *options):
    """The lab built (torn down first if an earlier run left it), and torn down after."""
    _lab(prefix, 'down')
    try:
        _lab(prefix, 'up', *options)
        yield Lab(prefix, tmp_path)
    finally:
        _lab(prefix, 'down')


# -- the live ruleset, read here ---------------------------------------------------------------------------------

def _values(right):
    """Port ranges of an nft JSON value: a number, a range, a set of them (elements with comments)."""
    if isinstance(right, int):
        return [(right, right)]
    if 'range' in right:
        return [tuple(right['range'])]
    if 'elem' in right:
        return _values(right['elem']['val'])
    return [r for item in right['set'] for r in _values(item)]


def nft_rules(lab):
    """rule name -> the destination port ranges each live rule of that name in our table allows."""
    found = {}
    for entry in json.loads(lab.netns('nft', '-j', 'list', 'ruleset'))['nftables']:
        rule = entry.get('rule')
        if not rule or (rule['family'], rule['table']) != TABLE or not rule.get('comment', '').startswith('atea-anywhere '):
            continue
        name = rule['comment'].split()[1].rstrip(':')
        ports = [_values(s['match']['right']) for s in rule['expr']
                 if 'match' in s and s['match']['left'].get('payload', {}).get('field') == 'dport']
        found.setdefault(name, []).append(ports[0] if ports else [])
    return found


def _overlap(ranges, others):
    return any(low <= other_high and other_low <= high for low, high in ranges for other_low, other_high in others)


def expected(rows, live):
    """Each row's status from the live rules by name: live: rule name -> [port ranges of each rule of that name]
    ([]: the rule matches no port, so all). A rule's rows together are the ports it is asked for."""
    asked = {}
    for row in rows:
        asked.setdefault(row['rule'], []).extend(tuple(r) for r in row['destination_ports'])
    status = {}
    for row in rows:
        ports = [tuple(r) for r in row['destination_ports']]
        rules = [found for found in live.get(row['rule'], []) if not found or not ports or _overlap(ports, found)]
        covered = any(all(any(lo <= low and high <= hi for lo, hi in found) for low, high in ports) for found in rules)
        broader = any(not any(lo <= low and high <= hi for lo, hi in asked[row['rule']])
                      for found in rules for low, high in found if _overlap(ports, [(low, high)]))
        status[(row['id'], row['family'])] = ('missing' if not rules else 'in_place' if covered and not broader
                                              else 'different')
    return status


def statuses(result):
    return dict(((row['id'], row['family']), row['status']) for row in result['rows'])


def test_nftables_missing_then_in_place_then_a_hand_edit_then_missing_after_state_absent(tmp_path):
    with lab_up('r1', tmp_path, '--plant-voip-helpers') as nft_lab:
        _nftables(nft_lab)


def _nftables(nft_lab):
    # Before any run: nothing of ours, and a SIP helper of the customer's assigned (1.1 is a person's to do).
    result = nft_lab.compliance()
    assert set(statuses(result).values()) == {'missing'}
    helpers = [o for o in json.loads(nft_lab.netns('nft', '-j', 'list', 'ruleset'))['nftables'] if 'ct helper' in o]
    assert helpers
    assert result['checklist'][0]['status'] == 'left_to_a_person'
    assert 'nftables ct helper' in result['checklist'][0]['detail']

    nft_lab.site()
    before = nft_lab.netns('nft', 'list', 'ruleset')
    result = nft_lab.compliance()
    assert nft_lab.netns('nft', 'list', 'ruleset') == before
    assert (result['host'], result['platform'], result['source']) == (nft_lab.firewall, 'nftables', 'live')
    assert set(statuses(result).values()) == {'in_place'}
    assert statuses(result) == expected(result['rows'], nft_rules(nft_lab))
    assert [c['status'] for c in result['checklist']] == ['done', 'left_to_a_person']

    # By hand: in the rule with several ports, the first set element widened by one port and the second one
    # removed (the rule is still there); and the UDP rule deleted.
    listing = nft_lab.netns('nft', '-a', 'list', 'chain', *TABLE, 'forward')
    tcp = next(line.strip() for line in listing.splitlines() if 'dport {' in line and 'tcp-ipv4' in line)
    udp = next(line.strip() for line in listing.splitlines() if 'udp-ipv4' in line)
    first, second = re.match(r'.* dport \{ (\S+ comment "[^"]*"), (\S+ comment "[^"]*"), ', tcp).groups()
    widened, removed = first.split()[0].split('-')[-1], second.split()[0]
    text, handle = tcp.rsplit(' # handle ', 1)
    text = text.replace('%s, %s, ' % (first, second), '%s-%d%s, ' % (
        first.split()[0], int(widened) + 1, first[len(first.split()[0]):]), 1)
    script = ('delete rule %s forward handle %s\ndelete rule %s forward handle %s\nadd rule %s forward %s\n'
              % (' '.join(TABLE), handle, ' '.join(TABLE), udp.rsplit(' ', 1)[1], ' '.join(TABLE), text))
    nft_lab.netns('nft', '-f', '-', input=script)
    result = nft_lab.compliance()
    want = expected(result['rows'], nft_rules(nft_lab))
    assert statuses(result) == want
    assert sorted(set(want.values())) == ['different', 'in_place', 'missing']
    for row in result['rows']:
        if row['status'] == 'different':
            assert 'also allows port %d' % (int(widened) + 1) in row['detail'] and row['want'] != row['have']
        if row['status'] == 'missing':
            assert row['have'] is None and ('udp' in row['want'] or 'port %s' % removed in row['detail'])
    assert any(row['status'] == 'missing' and row['rule'] != udp.split('comment "atea-anywhere ')[1].split(':')[0]
               for row in result['rows'])

    nft_lab.site('-e', 'atea_anywhere_state=absent')
    result = nft_lab.compliance()
    assert nft_rules(nft_lab) == {}
    assert set(statuses(result).values()) == {'missing'}
    assert result['counts']['missing'] == len(result['rows']) > 0


def ipt_rules(lab):
    """rule name -> the destination port ranges of each iptables-nft line of that name (both families)."""
    found = {}
    for command in ('iptables-nft-save', 'ip6tables-nft-save'):
        for line in lab.netns(command, '-t', 'filter').splitlines():
            words = shlex.split(line) if line.startswith('-A ') else []
            if '--comment' not in words or not words[words.index('--comment') + 1].startswith('atea-anywhere '):
                continue
            name = words[words.index('--comment') + 1].split()[1].rstrip(':')
            ports = next((words[n + 1] for n, w in enumerate(words) if w in ('--dport', '--dports')), '')
            found.setdefault(name, []).append([tuple(int(p) for p in (part.split(':') * 2)[:2])
                                               for part in ports.split(',') if part])
    return found


def test_iptables_nft_in_place_then_missing_after_state_absent(tmp_path):
    with lab_up('r2', tmp_path, '--manager', 'iptables-nft') as iptables_lab:
        _iptables(iptables_lab)


def _iptables(iptables_lab):
    iptables_lab.site()
    # Reading makes no table: not even an empty one of the variant not in use (iptables-legacy-save -t filter would).
    tables = [iptables_lab.netns('cat', '/proc/net/ip_tables_names'), iptables_lab.netns('nft', 'list', 'ruleset')]
    result = iptables_lab.compliance()
    assert [iptables_lab.netns('cat', '/proc/net/ip_tables_names'), iptables_lab.netns('nft', 'list', 'ruleset')] == tables
    assert (result['platform'], result['source']) == ('iptables', 'live')
    assert 'iptables-nft-save' in result['read_from']
    assert set(statuses(result).values()) == {'in_place'}
    live = ipt_rules(iptables_lab)
    # A row is in place where some line of its rule allows all its ports (each line holds at most 15 of them).
    assert statuses(result) == expected(result['rows'], live)

    iptables_lab.site('-e', 'atea_anywhere_state=absent')
    result = iptables_lab.compliance()
    assert ipt_rules(iptables_lab) == {}
    assert set(statuses(result).values()) == {'missing'}


def ufw_rules(lab):
    """rule name -> [port ranges of each ufw rule of that name], from ufw's user rules files (comments in hex)."""
    found = {}
    for name in ('file user.rules', 'file user6.rules'):
        for line in lab.listing()[name].splitlines():
            if not line.startswith('### tuple ### ') or ' comment=' not in line:
                continue
            comment = bytes.fromhex(line.rsplit(' comment=', 1)[1]).decode('utf-8')
            if comment.startswith('atea-anywhere ') and ':' in comment:
                ports = line.split()[5]
                found.setdefault(comment.split()[1].rstrip(':'), []).append(
                    [tuple(int(p) for p in (part.split(':') * 2)[:2]) for part in ports.split(',')])
    return found


def test_ufw_in_place_then_a_rule_deleted_with_ufw_s_own_command(tmp_path):
    with lab_up('r2', tmp_path, '--manager', 'ufw') as lab:
        lab.site()
        result = lab.compliance()
        assert (result['platform'], result['source']) == ('ufw', 'live')
        assert set(statuses(result).values()) == {'in_place'}
        assert statuses(result) == expected(result['rows'], ufw_rules(lab))

        # ufw's own command deletes the UDP rule (it rewrites its files and reloads).
        numbered = lab.netns('ufw', 'status', 'numbered', env=dict(os.environ, LC_ALL='C'))
        number = next(line.split(']')[0].strip('[ ') for line in numbered.splitlines() if 'udp-ipv4' in line)
        lab.netns('ufw', '--force', 'delete', number)
        result = lab.compliance()
        want = expected(result['rows'], ufw_rules(lab))
        assert statuses(result) == want and sorted(set(want.values())) == ['in_place', 'missing']


NETWORK_INVENTORY = {'all': {'children': {'atea_anywhere_firewalls': {'hosts': {
    'asa-1': {'ansible_connection': 'ansible.netcommon.network_cli', 'ansible_network_os': 'cisco.asa.asa',
              'ansible_host': '192.0.2.250', 'atea_anywhere_platform': 'cisco_asa'}}}}}}


def test_a_network_firewall_from_its_saved_running_configuration_never_contacted(tmp_path):
    """The device's address is a documentation address nothing answers on: reading it would fail."""
    inventory = tmp_path / 'inventory.json'
    inventory.write_text(json.dumps(NETWORK_INVENTORY))
    lab = Lab('none', tmp_path)
    lab.inventory = str(inventory)
    result = lab.compliance(host='asa-1')
    assert (result['platform'], result['source']) == ('cisco_asa', 'none')
    assert set(statuses(result).values()) == {'unknown'}
    assert all('atea_anywhere_running_config_dir' in row['detail'] and 'asa-1.asa.cfg' in row['detail']
               for row in result['rows'])

    saved = tmp_path / 'running'
    saved.mkdir()
    rules = engine.compact_rules(engine.build_flows('smb'))
    rendered = vendor_platforms.render_config(rules, 'cisco_asa')
    gone = rules[-1]['name']
    # The saved configuration lacks the access list entry of one rule (and its remark).
    (saved / 'asa-1.asa.cfg').write_text('hostname asa-1\n' + ''.join(
        line for line in rendered.splitlines(True)
        if not (line.startswith('access-list') and (gone in line or gone.upper() in line))))
    result = lab.compliance('-e', 'atea_anywhere_running_config_dir=%s' % saved, host='asa-1')
    assert result['source'] == 'running_config' and result['read_from'] == str(saved / 'asa-1.asa.cfg')
    for row in result['rows']:
        assert row['status'] == ('different' if row['rule'] == gone else 'in_place'), row
