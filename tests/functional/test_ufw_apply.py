# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atea.anywhere.ufw against the real ufw, each test in a network namespace of its own (prefix 'ua-') with its own
/etc/ufw (tests/lib/ufw_namespace.py), run as the lab runs modules: Ansible with a local connection and an
interpreter 'ip netns exec <ns> python'.

Shown here: the files the module writes are byte for byte what ufw itself writes when the same rules are added
with `ufw route allow ...` / `ufw allow ...`; the user's rules stay byte for byte and in order; a second run
changes nothing; check mode changes nothing; absent leaves the files as they were before the first apply; hostile
comment text stays text; an inactive ufw is refused; a failed load puts the files and the chains back.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest
import ufw_namespace

from ansible_collections.atea.anywhere.plugins.module_utils import engine, render_ufw, ufw_state

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which('ufw') and shutil.which('ip') and shutil.which('iptables-restore')
         and os.path.exists(os.path.join(BIN, 'ansible'))),
    reason='needs root, ufw, ip, iptables and ansible in the virtual environment')

NETWORKS = {'mpls': ['192.0.2.0/24', '2001:db8:2::/48'], 'internet': ['203.0.113.0/24']}
CUSTOMER = ['198.51.100.0/24', '2001:db8:1::/48']
# The user's own rules, added with ufw before the module runs: input, output, routed, IPv6, one with a comment.
USER_COMMANDS = [
    ['allow', '22/tcp'],
    ['allow', 'out', 'to', '203.0.113.9', 'port', '53', 'proto', 'udp', 'comment', 'my dns'],
    ['route', 'allow', 'proto', 'tcp', 'from', '198.51.100.7', 'to', '192.0.2.80', 'port', '80'],
    ['deny', 'from', '2001:db8:66::/48'],
]
# A failing stand-in for ip6tables-restore (its --test runs the real one), once: then it is the real one.
FAIL_ONCE = '''#!/bin/sh
here=$(dirname "$0")
for arg in "$@"; do [ "$arg" = "--test" ] && exec %(real)s "$@"; done
if [ -e "$here/fail" ]; then rm -f "$here/fail"; echo "injected fault" >&2; exit 1; fi
exec %(real)s "$@"
''' % {'real': shutil.which('ip6tables-restore')}


def rules(profile='smb', extra_flows=None):
    return engine.compact_rules(engine.build_flows(profile, networks=NETWORKS, customer_networks=CUSTOMER,
                                                   extra_flows=extra_flows))


class Host(object):
    """A namespace with ufw active and its own /etc/ufw, and the interpreter Ansible runs the module through."""

    def __init__(self, base, enable=True):
        self.ns = 'ua-%s' % uuid.uuid4().hex[:8]
        self.dir = base
        self.shim = base / 'shim'
        self.shim.mkdir()
        subprocess.run(['ip', 'netns', 'add', self.ns], check=True)
        try:
            subprocess.run(['ip', 'netns', 'exec', self.ns, 'ip', 'link', 'set', 'lo', 'up'], check=True)
            if enable:
                ufw_namespace.enable(self.ns)
            else:
                shutil.copytree(ufw_namespace.UFW_ETC, ufw_namespace.config_dir(self.ns))
        except BaseException:
            self.remove()
            raise

    def etc(self, name):
        return os.path.join(ufw_namespace.config_dir(self.ns), name)

    def ufw(self, *argv):
        return ufw_namespace.ufw(self.ns, *argv).stdout

    def files(self):
        texts = {}
        for path in ufw_state.USER_RULES.values():
            with open(self.etc(os.path.basename(path)), encoding='utf-8') as handle:
                texts[path] = handle.read()
        return texts

    def chains(self):
        """The live ufw user chains, as iptables-save and ip6tables-save print them (without counters)."""
        lines = []
        for save in ('iptables-save', 'ip6tables-save'):
            out = subprocess.run(['ip', 'netns', 'exec', self.ns, save, '-t', 'filter'], capture_output=True,
                                 text=True, check=True).stdout
            lines.extend(line for line in out.splitlines() if '-user-' in line and not line.startswith('#'))
        return lines

    def load(self):
        for restore, path in (('iptables-restore', 'user.rules'), ('ip6tables-restore', 'user6.rules')):
            subprocess.run(['ip', 'netns', 'exec', self.ns, restore, '-n', self.etc(path)], check=True)

    def user_blocks(self):
        return dict((path, [b.text for b in ufw_state.UserRules(path, text).blocks if not b.ours])
                    for path, text in self.files().items())

    def interpreter(self):
        path = self.dir / 'python'
        path.write_text('#!/bin/sh\nPATH=%s:$PATH\nexport PATH\nexec %s netns exec %s %s "$@"\n'
                        % (self.shim, shutil.which('ip'), self.ns, sys.executable))
        os.chmod(path, 0o755)
        return str(path)

    def ansible(self, check=False, module='atea.anywhere.ufw', **module_args):
        """Run a module (atea.anywhere.ufw) once with Ansible; returns the host's result."""
        argv = [os.path.join(BIN, 'ansible'), 'all', '-i', '%s,' % self.ns, '-c', 'local', '--diff',
                '-e', 'ansible_python_interpreter=%s' % self.interpreter(), '-m', module,
                '-a', json.dumps(dict({'rollback_dir': str(self.dir / 'rollback')}, **module_args))]
        if check:
            argv.append('--check')
        env = dict(os.environ, ANSIBLE_LOAD_CALLBACK_PLUGINS='1', ANSIBLE_STDOUT_CALLBACK='json',
                   ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.ansible', 'collections'),
                   PATH=BIN + os.pathsep + os.environ['PATH'])
        env.pop('SSH_CONNECTION', None)
        output = subprocess.run(argv, env=env, capture_output=True, text=True, check=False).stdout
        return json.loads(output)['plays'][0]['tasks'][0]['hosts'][self.ns]

    def remove(self):
        # A restorer of a failed test's unconfirmed change would wake up in a namespace that is gone: stop it.
        for armed in (self.dir / 'rollback').glob('*/armed'):
            try:
                os.kill(json.loads(armed.read_text())['pid'], signal.SIGTERM)
            except (OSError, ValueError, KeyError):
                pass
        ufw_namespace.disable(self.ns)
        subprocess.run(['ip', 'netns', 'del', self.ns], check=False)


@pytest.fixture
def host(tmp_path):
    made = Host(tmp_path)
    try:
        for argv in USER_COMMANDS:
            made.ufw(*argv)
        # ufw 0.36 adds a rule to the live chains one by one and leaves ufw6-user-limit without the REJECT line its
        # file has until the next reload; load the files as a reload would, so that the chains are what they say.
        made.load()
        yield made
    finally:
        made.remove()


@pytest.mark.parametrize('profile, options', [
    ('enterprise', {}),
    ('enterprise', {'placement': 'host', 'management_networks': ['192.0.2.0/28', '2001:db8:9::/64'],
                    'management_ports': [22, '8000-8010']}),
])
def test_the_files_are_what_ufw_writes_for_the_same_rules(host, profile, options):
    """The module's files, and ufw's own after `ufw <rule>` for each rule the renderer makes, in that order,
    on the same starting files: byte for byte the same. Also the time each way takes (printed, not asserted)."""
    original = host.files()
    started = time.monotonic()
    applied = host.ansible(rules=rules(profile), **options)
    module_seconds = time.monotonic() - started
    assert applied['changed'] and not applied.get('failed'), applied.get('msg')
    by_module, chains_by_module = host.files(), host.chains()
    removed = host.ansible(state='absent', **options)
    assert removed['changed'] and host.files() == original
    wanted = render_ufw.render(rules(profile), render_ufw.Layout(**options))
    started = time.monotonic()
    for rule in wanted:
        host.ufw(*shlex.split(rule.command())[1:])
    ufw_seconds = time.monotonic() - started
    assert host.files() == by_module
    assert host.chains() == chains_by_module
    assert applied['ufw_rules'] == len(wanted)
    print('%s %s: %d ufw rules; module run %.2f s (Ansible included); ufw commands %.2f s'
          % (profile, options.get('placement', 'gateway'), len(wanted), module_seconds, ufw_seconds))


def test_gateway_apply_check_mode_idempotence_and_absent(host):
    original, users = host.files(), host.user_blocks()
    chains = host.chains()
    checked = host.ansible(check=True, rules=rules())
    assert checked['changed'] and host.files() == original and host.chains() == chains
    assert checked['commands'] == ['%s -n /etc/ufw/user.rules' % shutil.which('iptables-restore')]
    assert checked['diff'][0]['before'] == '' and checked['diff'][0]['after'].startswith(
        'ufw route allow from 198.51.100.0/24 port 1024:65535 to 203.0.113.0/24 port ')

    applied = host.ansible(rules=rules())
    assert applied['changed'] and applied['rules'] == len(rules()) and applied['checklist_done'] == ['1.1']
    assert host.user_blocks() == users
    live = host.chains()
    assert any(line.startswith('-A ufw-user-forward -s 198.51.100.0/24 -d 203.0.113.0/24 -p tcp') for line in live)
    status = host.ufw('status')
    assert status.startswith('Status: active') and '# atea-anywhere outbound-internet-tcp-ipv4:' in status

    again = host.ansible(rules=rules())
    assert again['changed'] is False and again['commands'] == [] and host.chains() == live

    after_apply = host.files()
    checked_absent = host.ansible(check=True, state='absent')
    assert checked_absent['changed'] and host.files() == after_apply

    removed = host.ansible(state='absent')
    assert removed['changed'] and host.files() == original and host.chains() == chains
    assert host.ansible(state='absent')['changed'] is False


def test_host_placement_with_management_and_icmp_notes(host):
    users = host.user_blocks()
    options = {'placement': 'host', 'management_networks': ['192.0.2.0/28']}
    applied = host.ansible(rules=rules('enterprise'), **options)
    assert applied['changed'] and host.user_blocks() == users
    assert '-A ufw-user-input -s 192.0.2.0/28 -p tcp -m tcp --dport 22 -j ACCEPT' in host.chains()
    assert any(line.startswith('-A ufw-user-output ') and '203.0.113.0/24' in line for line in host.chains())
    assert applied['icmp'] and all('before' in note['covered_by'] or 'OUTPUT_POLICY' in note['covered_by']
                                   for note in applied['icmp'])
    assert host.ansible(rules=rules('enterprise'), **options)['changed'] is False


def test_hostile_comment_text_stays_text(host):
    marker = '/tmp/ua-pwned-%s' % uuid.uuid4().hex[:8]
    purpose = '$(touch %s); `id` | & > "q" \\ # ; ufw disable' % marker
    extra = [{'id': 'x1', 'purpose': purpose, 'direction': 'outbound', 'network': 'internet', 'protocol': 'tcp',
              'destination_ports': [8080]}]
    applied = host.ansible(rules=rules(extra_flows=extra))
    assert applied['changed'] and not os.path.exists(marker)
    assert host.ufw('status').startswith('Status: active')
    assert purpose in host.ufw('show', 'added')
    original = host.files()
    quoted = [{'id': 'x2', 'purpose': "it's", 'direction': 'outbound', 'network': 'internet', 'protocol': 'tcp',
               'destination_ports': [8081]}]
    refused = host.ansible(rules=rules(extra_flows=quoted))
    assert refused['failed'] and "extra_flows[id=x2].purpose" in refused['msg'] and host.files() == original


def test_a_failed_load_puts_the_files_and_chains_back(host):
    original, chains = host.files(), host.chains()
    shim = host.shim / 'ip6tables-restore'
    shim.write_text(FAIL_ONCE)
    os.chmod(shim, 0o755)
    (host.shim / 'fail').write_text('')
    result = host.ansible(rules=rules('enterprise'))     # IPv4 and IPv6 rules: user.rules is loaded first
    assert result['failed'] and result['changed'] is False
    assert 'injected fault' in result['msg'] and 'The previous state was restored' in result['msg']
    assert 'while loading /etc/ufw/user6.rules' in result['msg']
    assert host.files() == original and host.chains() == chains
    assert host.ansible(rules=rules('enterprise'))['changed']


def test_confirm_timeout_and_an_earlier_runs_unconfirmed_change(host):
    applied = host.ansible(rules=rules(), confirm_timeout=120)
    assert applied['changed'] and applied['rollback']['timeout'] == 120
    refused = host.ansible(rules=rules())
    assert refused['failed'] and "an earlier run's change is not confirmed" in refused['msg']
    handed = host.ansible(rules=rules(), confirm_timeout=120)
    assert handed['changed'] is False and handed['rollback']['id'] == applied['rollback']['id']
    assert handed['rollback']['earlier_run'] is True
    confirmed = host.ansible(module='atea.anywhere.nftables_confirm', id=applied['rollback']['id'])
    assert confirmed['confirmed'] and not confirmed.get('failed')
    assert host.ansible(rules=rules())['changed'] is False


def test_inactive_ufw_is_refused(tmp_path):
    made = Host(tmp_path, enable=False)
    try:
        original = made.files()
        result = made.ansible(rules=rules())
        assert result['failed'] and 'ufw is not active on this host (ufw status: Status: inactive)' in result['msg']
        assert made.files() == original
    finally:
        made.remove()
