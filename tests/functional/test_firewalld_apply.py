# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atea.anywhere.firewalld against the real firewalld, in network namespaces (prefix 'fa').

fa-<id>-fw runs firewalld on a private D-Bus system bus with its own /etc/firewalld (tests/lib/firewalld_daemon.py);
the client namespace (198.51.100.2, the customer network, zone 'internal') and the server namespace
(203.0.113.2, the internet, zone 'dmz') reach each other only through it. firewalld forwards between zones
only where a policy says so, so the TCP connections tried are the proof: the SMB profile's 443 passes, 80 does not.
The module runs as the lab runs it: Ansible, local connection, an interpreter 'ip netns exec <ns> python' with
DBUS_SYSTEM_BUS_ADDRESS of the private bus.

The tests run in file order on one firewalld (module fixture): check mode, apply, idempotence, refused reload,
failed steps put back (a stand-in firewall-cmd fails the call named), the host's own restore of an unconfirmed
change, removal. 'Foreign' is every file under the namespace's /etc/firewalld except our policies and the SIP service
override, and the runtime listing of every zone and policy that is not ours.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

import firewalld_daemon
from ansible_collections.atea.anywhere.plugins.module_utils import engine, firewalld_state

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which('firewalld') and shutil.which('dbus-daemon') and shutil.which('ip')
         and os.path.exists(os.path.join(BIN, 'ansible'))),
    reason='needs root, firewalld, dbus-daemon, ip and ansible in the virtual environment')

RULES = engine.compact_rules(engine.build_flows('smb', customer_networks=['198.51.100.0/24'],
                                                networks={'internet': '203.0.113.0/24'}))
USER_RICH_RULE = 'rule family="ipv4" source address="192.0.2.99" service name="ssh" accept'
SERVER_PORTS = (443, 80)
# A listener on each port, in the server namespace, until killed.
SERVER = ('import socket, threading\n'
          'def serve(port):\n'
          '    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n'
          '    s.bind(("203.0.113.2", port)); s.listen(16)\n'
          '    while True: s.accept()[0].close()\n'
          'for p in %r: threading.Thread(target=serve, args=(p,), daemon=True).start()\n'
          'threading.Event().wait()\n' % (SERVER_PORTS,))


# The stand-in firewall-cmd: the real one, except for the calls named in the file 'fault' beside it.
SHIM = '''#!/bin/sh
fault=$(cat "$(dirname "$0")/fault" 2>/dev/null)
if [ -n "$fault" ]; then
    case "$*" in "$fault"*) echo "injected fault" >&2; exit 1;; esac
fi
exec %s "$@"
'''


def run(*argv, check=True, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, check=check, **kwargs)


class Lab(object):
    def __init__(self, state_dir):
        tag = uuid.uuid4().hex[:4]
        self.fw, self.client, self.server = ('fa-%s-%s' % (tag, role) for role in ('fw', 'cl', 'sv'))
        self.dir = str(state_dir)
        self.listener = None
        for ns in (self.fw, self.client, self.server):
            run('ip', 'netns', 'add', ns)
            run('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up')
        for peer, fw_address, peer_address in ((self.client, '198.51.100.1', '198.51.100.2'),
                                               (self.server, '203.0.113.1', '203.0.113.2')):
            outer, inner = 'v%s' % peer[-2:] + tag, 'e0'
            run('ip', 'link', 'add', outer, 'netns', self.fw, 'type', 'veth', 'peer', 'name', inner, 'netns', peer)
            run('ip', 'netns', 'exec', self.fw, 'ip', 'addr', 'add', fw_address + '/24', 'dev', outer)
            run('ip', 'netns', 'exec', self.fw, 'ip', 'link', 'set', outer, 'up')
            run('ip', 'netns', 'exec', peer, 'ip', 'addr', 'add', peer_address + '/24', 'dev', inner)
            run('ip', 'netns', 'exec', peer, 'ip', 'link', 'set', inner, 'up')
            run('ip', 'netns', 'exec', peer, 'ip', 'route', 'add', 'default', 'via', fw_address)
        run('ip', 'netns', 'exec', self.fw, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
        self.interfaces = {'internal': 'vcl' + tag, 'dmz': 'vsv' + tag}
        firewalld_daemon.start(self.fw, self.dir)
        self.listener = subprocess.Popen(['ip', 'netns', 'exec', self.server, sys.executable, '-c', SERVER],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def etc(self):
        return os.path.join('/etc/netns', self.fw, 'firewalld')

    def cmd(self, *args):
        done = firewalld_daemon.firewall_cmd(self.fw, self.dir, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def interpreter(self):
        """'ip netns exec <fw> python' on the private bus, with the stand-in firewall-cmd first in PATH."""
        shim = os.path.join(self.dir, 'shim')
        if not os.path.isdir(shim):
            os.mkdir(shim)
            with open(os.path.join(shim, 'firewall-cmd'), 'w', encoding='utf-8') as handle:
                handle.write(SHIM % shutil.which('firewall-cmd'))
            os.chmod(os.path.join(shim, 'firewall-cmd'), 0o755)
        path = os.path.join(self.dir, 'python')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write('#!/bin/sh\nPATH=%s:$PATH DBUS_SYSTEM_BUS_ADDRESS=%s exec %s netns exec %s %s "$@"\n'
                         % (shim, firewalld_daemon.bus_address(self.dir), shutil.which('ip'), self.fw, sys.executable))
        os.chmod(path, 0o755)
        return path

    def fault(self, arguments):
        """Make the stand-in firewall-cmd fail the calls whose arguments start with these ('' for none)."""
        with open(os.path.join(self.dir, 'shim', 'fault'), 'w', encoding='utf-8') as handle:
            handle.write(arguments)

    def ours(self):
        """Our policies as firewalld lists them, runtime and permanent (rich rules sorted: a rule added back in place
        comes last), with their descriptions."""
        ours = {}
        for scope in ('runtime', 'permanent'):
            args = [] if scope == 'runtime' else ['--permanent']
            for name, listed in firewalld_state.parse_listing(self.cmd(*args, '--list-all-policies')).items():
                if name.startswith('atea-anywhere-'):
                    ours[(scope, name)] = dict(listed, **{'rich rules': sorted(listed['rich rules'])})
                    if scope == 'permanent':
                        ours[(scope, name)]['description'] = self.cmd('--permanent', '--policy=%s' % name,
                                                                      '--get-description')
        return ours

    def owned_file_bytes(self):
        policies = os.path.join(self.etc, 'policies')
        files = {}
        for name in self.owned_files():
            with open(os.path.join(policies, name), 'rb') as handle:
                files[name] = handle.read()
        return files

    def module(self, check=False, **options):
        """One atea.anywhere.firewalld task through Ansible (with --diff); the host's result."""
        args = dict({'rules': RULES, 'rollback_dir': os.path.join(self.dir, 'rollback')}, **options)
        argv = [os.path.join(BIN, 'ansible'), 'all', '-i', '%s,' % self.fw, '-c', 'local', '--diff',
                '-e', 'ansible_python_interpreter=%s' % self.interpreter(), '-m', 'atea.anywhere.firewalld',
                '-a', json.dumps(args)] + (['--check'] if check else [])
        env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_STDOUT_CALLBACK='json',
                   ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.ansible', 'collections'),
                   PATH=BIN + os.pathsep + os.environ['PATH'])
        output = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, timeout=120).stdout
        return json.loads(output)['plays'][0]['tasks'][0]['hosts'][self.fw]

    def connects(self, port):
        done = run('ip', 'netns', 'exec', self.client, sys.executable, '-c',
                   'import socket; socket.create_connection(("203.0.113.2", %d), timeout=2).close()' % port, check=False)
        return done.returncode == 0

    def foreign(self):
        """Every file under /etc/firewalld but ours (bytes), and the runtime listings of zones and policies not ours."""
        tree = {}
        for directory, _dirs, names in os.walk(self.etc):
            for name in names:
                relative = os.path.relpath(os.path.join(directory, name), self.etc)
                if relative.startswith(('policies/atea-anywhere-', 'services/sip.xml')):
                    continue
                with open(os.path.join(directory, name), 'rb') as handle:
                    tree[relative] = handle.read()
        policies = [block for block in self.cmd('--list-all-policies').split('\n\n')
                    if not block.startswith('atea-anywhere-')]
        return tree, self.cmd('--list-all-zones'), policies

    def owned_files(self):
        return sorted(name for name in os.listdir(os.path.join(self.etc, 'policies')) if name.startswith('atea-anywhere-'))

    def helpers_in_ruleset(self):
        """The lines of nft's ruleset that assign or define a SIP or H.323 conntrack helper (firewalld names them
        helper-<helper>-<protocol>; zone internal's samba-client brings netbios-ns, which is not ours to remove)."""
        ruleset = run('ip', 'netns', 'exec', self.fw, 'nft', 'list', 'ruleset').stdout
        return [line.strip() for line in ruleset.splitlines()
                if 'ct helper' in line and any('helper-%s-' % name in line for name in ('sip', 'h323', 'Q.931', 'RAS'))]

    def down(self):
        if self.listener:
            self.listener.kill()
            self.listener.wait()
        firewalld_daemon.stop(self.fw, self.dir)
        for ns in (self.fw, self.client, self.server):
            run('ip', 'netns', 'del', ns, check=False)


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    made = None
    try:
        made = Lab(tmp_path_factory.mktemp('firewalld'))
        # The user's own: a rich rule in a zone, a policy, SIP (with its helper) in zone internal.
        for scope in ([], ['--permanent']):
            made.cmd(*scope, '--zone=public', '--add-rich-rule=%s' % USER_RICH_RULE)
            made.cmd(*scope, '--zone=internal', '--add-service=sip')
        made.cmd('--permanent', '--new-policy=user-pol')
        made.cmd('--permanent', '--policy=user-pol', '--add-ingress-zone=internal')
        made.cmd('--permanent', '--policy=user-pol', '--add-egress-zone=HOST')
        made.cmd('--permanent', '--policy=user-pol', '--add-service=http')
        made.cmd('--reload')
        # Runtime-only interface bindings, as NetworkManager makes them: the module binds them again after a reload.
        for zone, interface in made.interfaces.items():
            made.cmd('--zone=%s' % zone, '--change-interface=%s' % interface)
        yield made
    finally:
        if made:
            made.down()


def test_nothing_passes_between_the_zones_before(lab):
    assert lab.helpers_in_ruleset()
    assert not lab.connects(443) and not lab.connects(80)


def test_check_mode_reports_and_changes_nothing(lab):
    before = lab.foreign()
    result = lab.module(check=True)
    assert result['changed'] is True and not result.get('failed'), result.get('msg')
    assert result['commands'][-3:] == ['firewall-cmd --reload',
                                       'firewall-cmd --zone=dmz --change-interface=%s' % lab.interfaces['dmz'],
                                       'firewall-cmd --zone=internal --change-interface=%s' % lab.interfaces['internal']]
    assert any('--new-policy-from-file' in line for line in result['commands'])
    assert [f['detail'].split(' (')[0] for f in result['voip_helpers']] == ['helper sip removed from service sip']
    assert 'rule family="ipv4" source address="198.51.100.0/24"' in result['diff'][0]['after']
    assert lab.foreign() == before and lab.owned_files() == [] and lab.helpers_in_ruleset()


def test_apply_smb_passes_the_allowed_port_only(lab):
    before = lab.foreign()
    result = lab.module()
    assert result['changed'] is True and not result.get('failed'), result.get('msg')
    assert result['rules'] == 2 and result['checklist_done'] == ['1.1'] and len(result['rich_rules']) == 6
    assert 'source ports' in ' '.join(result.get('warnings', []))
    assert 'atea-anywhere-fwd' in lab.cmd('--get-policies').split()
    runtime = lab.cmd('--policy=atea-anywhere-fwd', '--list-rich-rules').splitlines()
    assert sorted(runtime) == sorted(r['rich_rule'] for r in result['rich_rules'])
    assert sorted(lab.cmd('--permanent', '--policy=atea-anywhere-fwd', '--list-rich-rules').splitlines()) == sorted(runtime)
    assert lab.helpers_in_ruleset() == []
    assert lab.connects(443) and not lab.connects(80)
    after = lab.foreign()
    assert after == before, 'a zone or policy not ours changed'
    assert USER_RICH_RULE in after[1] and ' sip ' in lab.cmd('--zone=internal', '--list-services') + ' '


def test_second_run_changes_nothing(lab):
    result = lab.module()
    assert result['changed'] is False and result['commands'] == [] and result['voip_helpers'] == [], result


def test_a_reload_over_runtime_only_changes_is_refused(lab):
    lab.cmd('--zone=dmz', '--add-port=8080/tcp')          # runtime only
    before = lab.foreign()
    result = lab.module(priority=-200)                     # another priority needs a reload
    assert result['failed'] and result['msg'] == (
        'nothing was changed: this change needs firewall-cmd --reload, which would lose the runtime-only changes '
        'of zone dmz (their runtime configuration differs from the permanent one); make them permanent '
        '(firewall-cmd --runtime-to-permanent) or undo them, then run again')
    assert lab.foreign() == before
    # A change in place needs no reload: it goes through beside the user's runtime-only port.
    fewer = [dict(RULES[0], destination_ports=[[443, 443]],
                  provenance=[dict(RULES[0]['provenance'][0], destination_ports=[[443, 443]])])] + RULES[1:]
    result = lab.module(rules=fewer)
    assert result['changed'] and not result.get('failed') and '--reload' not in ' '.join(result['commands']), result
    assert lab.foreign() == before and lab.connects(443)
    lab.cmd('--zone=dmz', '--remove-port=8080/tcp')


def test_a_failing_call_in_place_is_undone_by_the_inverse_calls(lab):
    before = lab.foreign(), lab.ours()
    lab.fault('--permanent --policy=atea-anywhere-fwd --add-rich-rule')
    result = lab.module()                                   # adds back what the previous test left out
    lab.fault('')
    assert result['failed'] and result['changed'] is False, result
    assert 'injected fault' in result['msg'] and 'The previous state was restored' in result['msg']
    assert (lab.foreign(), lab.ours()) == before


def test_a_failing_call_before_a_reload_is_undone_by_the_files_and_a_reload(lab):
    before = lab.foreign(), lab.ours(), lab.owned_file_bytes()
    lab.fault('--permanent --new-policy-from-file')
    result = lab.module(placement='host')                   # deletes -fwd, then fails to create -in
    lab.fault('')
    assert result['failed'] and result['changed'] is False, result
    assert 'while creating policy atea-anywhere-in' in result['msg'] and 'The previous state was restored' in result['msg']
    assert (lab.foreign(), lab.ours(), lab.owned_file_bytes()) == before
    assert lab.connects(443)


def test_an_unconfirmed_change_is_restored_by_the_host(lab):
    before = lab.foreign(), lab.ours()
    # Long enough for the apply and a rerun to finish first on a loaded machine, short for the test.
    result = lab.module(placement='host', management_networks=['198.51.100.0/24'], confirm_timeout=12)
    assert result['changed'] and result['rollback']['timeout'] == 12, result.get('msg')
    assert sorted(p for p in lab.cmd('--get-policies').split() if p.startswith('atea')) == \
        ['atea-anywhere-in', 'atea-anywhere-out']
    # Meanwhile the host is as a rerun wants it, but not for long: that is an error, not a quiet success.
    again = lab.module(placement='host', management_networks=['198.51.100.0/24'])
    assert again['failed'] and again['changed'] is False
    assert "an earlier run's change is not confirmed" in again['msg'] and result['rollback']['id'] in again['msg']
    restored = os.path.join(lab.dir, 'rollback', result['rollback']['id'], 'status.json')
    for _attempt in range(80):
        if os.path.exists(restored):
            break
        time.sleep(0.5)
    with open(restored, encoding='utf-8') as handle:
        assert json.load(handle)['state'] == 'rolled back'
    assert (lab.foreign(), lab.ours()) == before and lab.connects(443)


def test_absent_removes_exactly_ours(lab):
    before = lab.foreign()
    result = lab.module(state='absent', rules=None)
    assert result['changed'] is True and not result.get('failed'), result.get('msg')
    assert 'atea-anywhere-fwd' not in lab.cmd('--get-policies').split()
    assert 'atea-anywhere-fwd' not in lab.cmd('--permanent', '--get-policies').split()
    assert lab.owned_files() == []
    assert lab.foreign() == before
    assert not lab.connects(443)
    assert lab.module(state='absent', rules=None)['changed'] is False
