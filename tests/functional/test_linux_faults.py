# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults on the Linux path: afterwards the host holds the previous state byte for byte, or the whole new
state, never a mix; and the next run converges (changed, then unchanged).

Each test has a network namespace of its own (ip netns, prefix 'ft') and runs atea.anywhere.nftables as
the lab does: Ansible with a local connection and an interpreter that is 'ip netns exec <ns> python'.
Faults are injected by a stand-in 'nft' earlier in the module's PATH (it passes every call through to the
real nft except the one it is told to break), by a read-only bind mount of the persistence directory in
a mount namespace of the module's own, and by killing Ansible during the apply.

'The state' compared is: 'nft list ruleset', 'iptables-save -t raw' (without its comment lines), and the
content of every file under the test's directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import engine

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
NFT = shutil.which('nft')

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and NFT and shutil.which('ip') and shutil.which('unshare') and shutil.which('iptables')
         and os.path.exists(os.path.join(BIN, 'ansible'))),
    reason='needs root, nft, iptables, ip, unshare and ansible in the virtual environment')

NETWORKS = {'mpls': '192.0.2.0/24', 'internet': '203.0.113.0/24'}
CUSTOMER = ['198.51.100.0/24']
USER_TABLE = ('table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
              '\t\tip daddr 192.0.2.99 reject\n\t}\n}\n')
VOIP_TABLE = ('table inet voip {\n\tct helper sip-5060 {\n\t\ttype "sip" protocol udp\n\t\tl3proto inet\n\t}\n'
              '\tchain pre {\n\t\ttype filter hook prerouting priority filter; policy accept;\n'
              '\t\tudp dport 5060 ct helper set "sip-5060"\n'
              '\t\ttcp dport 5060 ct helper set "sip-5060" accept\n\t}\n}\n')
# The stand-in nft: the real one, except for the main apply ('nft -f -' of a script that deletes a table,
# which only the change itself sends; the comparison in a private namespace loads the bare table), which it
# fails (fault 'fail'), or holds for a minute after leaving a mark (fault 'hold'); and 'nft -c -f <file>'
# of the boot configuration (fault 'fail-boot-check').
SHIM = '''#!/bin/sh
here=$(dirname "$0")
fault=$(cat "$here/fault" 2>/dev/null)
if [ "$1 $2" = "-f -" ]; then
    script=$(mktemp)
    cat > "$script"
    if grep -q '^delete table' "$script"; then
        case "$fault" in
            fail) rm -f "$script"; echo "Error: injected fault" >&2; exit 1 ;;
            hold) touch "$here/holding"; sleep 60 ;;
        esac
    fi
    %(nft)s -f - < "$script"; rc=$?; rm -f "$script"; exit $rc
fi
if [ "$1 $2" = "-c -f" ] && [ "$3" != "-" ] && [ "$fault" = "fail-boot-check" ]; then
    echo "Error: injected fault in the boot configuration check" >&2; exit 1
fi
exec %(nft)s "$@"
''' % {'nft': NFT}


def rules(profile):
    return engine.compact_rules(engine.build_flows(profile, customer_networks=CUSTOMER, networks=NETWORKS))


class Host(object):
    """A namespace, its files, and the wrappers Ansible runs the module through."""

    def __init__(self, base):
        self.ns = 'ft-%s' % uuid.uuid4().hex[:8]
        self.dir = base
        self.files = base / 'etc'
        self.shim = base / 'shim'
        self.files.mkdir()
        self.shim.mkdir()
        (self.shim / 'nft').write_text(SHIM)
        os.chmod(self.shim / 'nft', 0o755)
        (self.files / 'nftables.conf').write_text('#!/usr/sbin/nft -f\nflush ruleset\n' + USER_TABLE)
        self.run('ip', 'netns', 'add', self.ns)
        self.netns('ip', 'link', 'set', 'lo', 'up')
        self.netns('nft', '-f', str(self.files / 'nftables.conf'))

    def run(self, *argv, **kwargs):
        return subprocess.run(argv, capture_output=True, text=True, check=True, **kwargs).stdout

    def netns(self, *argv, **kwargs):
        return self.run('ip', 'netns', 'exec', self.ns, *argv, **kwargs)

    def plant_voip_helpers(self):
        self.netns('nft', '-f', '-', input=VOIP_TABLE)
        self.netns('iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '5060', '-j', 'CT',
                   '--helper', 'sip')

    def fault(self, name):
        (self.shim / 'fault').write_text(name)

    def interpreter(self, read_only=None):
        """'ip netns exec <ns> python', with the stand-in nft first in PATH; read_only: a directory the
        module sees read-only (a bind mount in a mount namespace of its own)."""
        path = self.dir / ('python-ro' if read_only else 'python')
        command = '%s netns exec %s' % (shutil.which('ip'), self.ns)
        if read_only:
            command += (' unshare --mount sh -c \'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" '
                        '&& exec "$@"\' %s' % read_only)
        wrapper = '#!/bin/sh\nPATH=%s:$PATH\nexport PATH\nexec %s %s "$@"\n'
        path.write_text(wrapper % (self.shim, command, sys.executable))
        os.chmod(path, 0o755)
        return str(path)

    def args(self, profile='enterprise', **options):
        return dict({'rules': rules(profile), 'persist_file': str(self.files / 'nftables.d' / 'atea.nft'),
                     'main_config': str(self.files / 'nftables.conf'), 'rollback_dir': str(self.dir / 'rollback'),
                     'helper_blacklist_file': None}, **options)

    def ansible(self, module_args, read_only=None, module='atea.anywhere.nftables', background=False):
        """Run one module task with Ansible; returns the host's result (or the Popen with background)."""
        argv = [os.path.join(BIN, 'ansible'), 'all', '-i', '%s,' % self.ns, '-c', 'local',
                '-e', 'ansible_python_interpreter=%s' % self.interpreter(read_only), '-m', module,
                '-a', json.dumps(dict((k, v) for k, v in module_args.items() if v is not None))]
        env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_STDOUT_CALLBACK='json',
                   ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.ansible', 'collections'),
                   PATH=BIN + os.pathsep + os.environ['PATH'])
        env.pop('SSH_CONNECTION', None)
        if background:
            return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
        output = subprocess.run(argv, env=env, capture_output=True, text=True, check=False).stdout
        return json.loads(output)['plays'][0]['tasks'][0]['hosts'][self.ns]

    def state(self):
        ruleset = self.netns('nft', 'list', 'ruleset')
        raw = [line for line in self.netns('iptables-save', '-t', 'raw').splitlines() if not line.startswith('#')]
        tree = {}
        for directory, _dirs, names in os.walk(self.files):
            for name in names:
                with open(os.path.join(directory, name), encoding='utf-8') as handle:
                    tree[os.path.relpath(os.path.join(directory, name), self.files)] = handle.read()
        return ruleset, raw, tree

    def converges(self, **options):
        """With the fault gone: the next run changes, the one after does not."""
        self.fault('')
        first = self.ansible(self.args(**options))
        second = self.ansible(self.args(**options))
        return first.get('changed') is True and not first.get('failed') and second.get('changed') is False

    def remove(self):
        subprocess.run(['ip', 'netns', 'del', self.ns], check=False)


@pytest.fixture
def host(tmp_path):
    made = Host(tmp_path)
    yield made
    made.remove()


def test_nft_failing_mid_apply_leaves_the_previous_state(host):
    """Fault 1: the table apply fails after the persistence was planned; an older table of ours is in place."""
    assert host.ansible(host.args('smb'))['changed']
    before = host.state()
    host.fault('fail')
    result = host.ansible(host.args('enterprise'))
    assert result['failed'] and result['changed'] is False
    assert 'while applying the nft script to table inet atea_anywhere' in result['msg']
    assert 'injected fault' in result['msg'] and 'The previous state was restored' in result['msg']
    assert host.state() == before
    assert host.converges()


def test_helper_removal_followed_by_a_failing_apply_puts_the_helpers_back(host):
    """Fault 2: the SIP helpers (nftables and iptables) are removed first, then the table apply fails."""
    host.plant_voip_helpers()
    before = host.state()
    assert 'ct helper sip-5060' in before[0] and any('--helper sip' in line for line in before[1])
    host.fault('fail')
    result = host.ansible(host.args())
    assert result['failed'] and result['changed'] is False and 'The previous state was restored' in result['msg']
    assert len(result['voip_helpers']) == 4          # reported, and back in place
    assert host.state() == before
    assert host.converges()
    ruleset, raw, _files = host.state()
    assert 'ct helper' not in ruleset and not any('--helper' in line for line in raw)


def test_read_only_persistence_directory(host):
    """Fault 3: the drop-in cannot be written; the live ruleset and the helpers go back, and the error names
    the file and the cause, not a temporary file."""
    host.plant_voip_helpers()
    (host.files / 'nftables.d').mkdir()
    before = host.state()
    result = host.ansible(host.args(), read_only=str(host.files / 'nftables.d'))
    drop_in = str(host.files / 'nftables.d' / 'atea.nft')
    assert result['failed'] and result['changed'] is False
    assert 'while writing %s: could not write %s: Read-only file system' % (drop_in, drop_in) in result['msg']
    assert '.atea_anywhere.' not in result['msg'] and 'The previous state was restored' in result['msg']
    assert host.state() == before
    assert host.converges()


def test_boot_configuration_failing_its_check_is_not_written(host):
    """Fault 4: 'nft -c -f' refuses the boot configuration with the include line: the main configuration
    is not written, and the drop-in written before it and the live ruleset go back."""
    before = host.state()
    host.fault('fail-boot-check')
    result = host.ansible(host.args())
    assert result['failed'] and result['changed'] is False
    main_config = host.files / 'nftables.conf'
    assert 'checking the new boot configuration %s' % main_config in result['msg']
    assert 'nft refused the new %s (its candidate %s/.atea_anywhere.' % (main_config, host.files) in result['msg']
    assert host.state() == before
    assert host.converges()


def test_unconfirmed_change_is_rolled_back_by_the_host(host):
    """Fault 5: armed with confirm_timeout and never confirmed (the play is gone): the host restores the
    previous state byte for byte by itself, and says so when asked."""
    host.plant_voip_helpers()
    before = host.state()
    result = host.ansible(host.args(confirm_timeout=3))
    assert result['changed'] and result['rollback']['timeout'] == 3
    assert host.state() != before
    deadline = time.monotonic() + 10
    while host.state() != before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert host.state() == before
    asked = host.ansible({'id': result['rollback']['id'], 'rollback_dir': str(host.dir / 'rollback')},
                         module='atea.anywhere.nftables_confirm')
    assert asked['failed'] and asked['rolled_back'] is True and not asked['confirmed']
    assert 'did not confirm the nftables change' in asked['msg'] and 'within 3 seconds' in asked['msg']
    assert host.converges()


def test_confirmed_change_stays(host):
    before = host.state()
    result = host.ansible(host.args(confirm_timeout=3))
    confirmed = host.ansible({'id': result['rollback']['id'], 'rollback_dir': str(host.dir / 'rollback')},
                             module='atea.anywhere.nftables_confirm')
    assert confirmed['changed'] and confirmed['confirmed'] is True and not confirmed['rolled_back']
    after = host.state()
    assert after != before
    time.sleep(4)
    assert host.state() == after
    assert os.listdir(host.dir / 'rollback') == []
    assert host.ansible(host.args()).get('changed') is False


def test_ansible_killed_during_the_apply_is_rolled_back_by_the_host(host):
    """Fault 6: Ansible (and the module with it) is killed after the helpers were removed, while the table is
    being applied; the host's own restore puts the helpers back and the state is the previous one."""
    host.plant_voip_helpers()
    before = host.state()
    host.fault('hold')
    play = host.ansible(host.args(confirm_timeout=4), background=True)
    deadline = time.monotonic() + 20
    while not (host.shim / 'holding').exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (host.shim / 'holding').exists()
    assert host.state() != before                   # the helpers are gone: half-way
    os.killpg(play.pid, signal.SIGKILL)
    play.wait()
    deadline = time.monotonic() + 15
    while host.state() != before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert host.state() == before
    assert host.converges()
