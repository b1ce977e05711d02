# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nftables module's refusals; they all happen before nft is run (the lab scenarios apply it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.atea.anywhere.plugins.module_utils import engine, files, nftables_rollback, nftables_state
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_nftables import Layout
from ansible_collections.atea.anywhere.plugins.modules import nftables

RULES = engine.compact_rules(engine.build_flows('enterprise', customer_networks=['198.51.100.0/24'],
                                                networks={'mpls': '192.0.2.0/24'}))


class ReachedNft(Exception):
    """The module got past every check and would now run nft."""


@pytest.fixture(autouse=True)
def no_nft_here(monkeypatch):
    """These tests run the module in this process, in the machine's own network namespace: nft must not run."""
    def refuse(*_args, **_kwargs):
        raise ReachedNft()
    monkeypatch.setattr(nftables_state.Nft, 'for_module', refuse)


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        nftables.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('args, message', [
    ({'state': 'present'}, 'state is present but all of the following are missing: rules'),
    ({'rules': RULES, 'mode': 'chain'}, "option 'table': mode 'chain' needs the name of an existing table"),
    ({'rules': RULES, 'placement': 'host', 'management_networks': ['198.51.100.1/24']},
     "option 'management_networks[0]': host bits set"),
    ({'rules': [{'name': 'x'}]}, "option 'rules[0]'"),
    ({'rules': RULES, 'mode': 'chain', 'table': 'filter', 'parent_chains': {'prerouting': 'pre'}},
     "option 'parent_chains': unknown value: 'prerouting'; valid choices: forward"),
])
def test_bad_input_fails_before_anything_runs(capsys, args, message):
    code, result = run_module(capsys, args)
    assert code == 1 and message in result['msg']


FIREWALL = '192.0.2.1'          # the firewall's own address: in the MPLS network, not in the customer networks


def local_addresses(*addresses):
    """An is_local for connection_kept: these addresses are this host's."""
    return lambda address: address.split('%')[0] in addresses


def test_refuses_to_cut_the_ssh_connection_in_use(capsys, monkeypatch):
    monkeypatch.setattr(nftables_state, 'address_is_local', local_addresses('198.51.100.1'))
    monkeypatch.setenv('SSH_CONNECTION', '203.0.113.7 51000 198.51.100.1 22')
    code, result = run_module(capsys, {'rules': RULES, 'placement': 'host', 'management_networks': ['10.0.0.0/8']})
    assert code == 1
    assert result['msg'].startswith('refusing a change that would cut the connection Ansible is using: nothing in '
                                    'the new rules would accept the next connection like it, TCP from 203.0.113.7 '
                                    'port 51000 to this host\'s 198.51.100.1 port 22')


def test_enterprise_profile_over_ssh_to_the_firewalls_own_address_is_refused(capsys, monkeypatch):
    """Finding 3: 2.2 opens tcp/22 from MPLS to the customer networks, not to the firewall's own address."""
    monkeypatch.setattr(nftables_state, 'address_is_local', local_addresses(FIREWALL))
    monkeypatch.setenv('SSH_CONNECTION', '192.0.2.10 40000 %s 22' % FIREWALL)
    code, result = run_module(capsys, {'rules': RULES, 'placement': 'host'})
    assert code == 1 and 'to this host\'s 192.0.2.1 port 22' in result['msg']
    with patch_module_args({'rules': RULES, 'placement': 'host', 'ssh_guard': False}), pytest.raises(ReachedNft):
        nftables.main()


@pytest.mark.parametrize('ssh_connection, kept', [
    (None, True),                                           # not over SSH
    ('198.51.100.20 50000 198.51.100.1 22', True),           # management network, port 22
    ('198.51.100.20 50000 198.51.100.1 2222', False),        # management network, other port
    ('203.0.113.7 50000 198.51.100.1 22', False),            # elsewhere
    ('192.0.2.10 50000 198.51.100.1 22', True),              # 2.2 lets Atea's MPLS network reach SSH on devices
    ('192.0.2.10 50000 192.0.2.1 22', False),                # ... on customer devices, not on the firewall itself
    ('192.0.2.1 50000 192.0.2.1 22', True),                  # from the host itself: loopback
    ('::ffff:192.0.2.10 50000 ::ffff:198.51.100.1 22', True),  # IPv4 on an IPv6 socket
])
def test_connection_guard(ssh_connection, kept):
    layout = Layout(placement='host', management_networks=['198.51.100.0/24'])
    is_local = local_addresses('198.51.100.1', '192.0.2.1')
    assert nftables_state.connection_kept(layout, RULES, ssh_connection, is_local)[0] is kept


def test_guard_reads_destinations_and_source_ports():
    rule = dict(RULES[0], direction='inbound', protocol='tcp', family='ipv4', sources=['203.0.113.0/24'],
                destinations=['192.0.2.1/32'], destination_ports=[(22, 22)], source_ports=[(1024, 65535)])
    layout = Layout(placement='host')
    is_local = local_addresses('192.0.2.1', '192.0.2.2')
    assert nftables_state.connection_kept(layout, [rule], '203.0.113.7 50000 192.0.2.1 22', is_local)[0] is True
    # A client port outside the rule's source ports: the kernel would not match it.
    assert nftables_state.connection_kept(layout, [rule], '203.0.113.7 1000 192.0.2.1 22', is_local)[0] is False
    # Another address of this host, not among the rule's destinations.
    assert nftables_state.connection_kept(layout, [rule], '203.0.113.7 50000 192.0.2.2 22', is_local)[0] is False
    # Another family than the rule's.
    assert nftables_state.connection_kept(layout, [rule], '2001:db8::7 50000 2001:db8::1 22',
                                          local_addresses('2001:db8::1'))[0] is False


def test_controller_ssh_connection_leaking_into_a_local_run_is_not_guarded():
    """The server address is not one of this network namespace's: it is not this host's connection."""
    layout = Layout(placement='host')
    assert nftables_state.connection_kept(layout, RULES, '203.0.113.7 50000 198.51.100.1 22',
                                          local_addresses())[0] is True


def test_ssh_connection_dropped_by_become_is_read_from_an_ancestor(tmp_path):
    """sudo's env_reset drops SSH_CONNECTION from the module's environment; sudo itself still has it."""
    def process(pid, parent, command, environment):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / 'stat').write_bytes(b'%d (%s) S %d 1 1' % (pid, command, parent))
        (tmp_path / str(pid) / 'environ').write_bytes(b'\0'.join(environment) + b'\0')
    process(40, 30, b'python3', [b'HOME=/root'])
    process(30, 20, b'sudo (x) y', [b'SSH_CONNECTION=192.0.2.10 40000 192.0.2.1 22', b'USER=ops'])
    process(20, 1, b'sh', [b'SSH_CONNECTION=198.51.100.1 1 198.51.100.2 22'])
    assert nftables_state.ssh_connection({}, str(tmp_path), 40) == '192.0.2.10 40000 192.0.2.1 22'
    assert nftables_state.ssh_connection({'SSH_CONNECTION': 'own'}, str(tmp_path), 40) == 'own'
    process(50, 1, b'init-child', [b'HOME=/'])
    assert nftables_state.ssh_connection({}, str(tmp_path), 50) is None
    assert nftables_state.ssh_connection({}, str(tmp_path), 99) is None          # gone meanwhile


def test_address_is_local_binds_only_to_addresses_of_this_namespace():
    assert nftables_state.address_is_local('127.0.0.1') is True
    assert nftables_state.address_is_local('192.0.2.254') is False          # documentation range: on no host
    assert nftables_state.address_is_local('fe80::1%no-such-interface') is False


def test_guard_only_applies_to_host_placement():
    assert nftables_state.connection_kept(Layout(), RULES, '203.0.113.7 50000 198.51.100.1 22',
                                          local_addresses('198.51.100.1'))[0] is True


class FakeModule(object):
    """What plan_persistence() uses of AnsibleModule: params and warn."""

    def __init__(self, tmp_path):
        self.params = {'persist_file': str(tmp_path / 'nftables.d' / 'atea.nft'),
                       'main_config': str(tmp_path / 'nftables.conf'), 'jump_position': 'after_user_rules'}
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


WANTED = '# rendered table\n'


def _persist(module, present=True):
    """plan_persistence() then the writes, as the module's transaction makes them."""
    diffs = []
    changes, persisted = nftables.plan_persistence(module, Layout(), WANTED, present, diffs)
    for path, content in changes:
        files.put(path, content)
    return bool(changes), persisted, diffs


def test_persist_adds_one_include_and_removes_it_before_the_drop_in(tmp_path):
    module = FakeModule(tmp_path)
    main = tmp_path / 'nftables.conf'
    main.write_text('flush ruleset\ntable inet filter {\n}\n')
    assert _persist(module)[:2] == (True, True)
    include = 'include "%s"' % module.params['persist_file']
    assert main.read_text().count(include) == 1
    assert _persist(module)[0] is False
    main.write_text(main.read_text().replace(include, '  ' + include + '  '))   # edited by hand
    assert _persist(module)[0] is False and main.read_text().count(include) == 1
    changed, persisted, _diffs = _persist(module, present=False)
    assert (changed, persisted) == (True, False)
    assert include not in main.read_text() and not os.path.exists(module.params['persist_file'])
    assert main.read_text() == 'flush ruleset\ntable inet filter {\n}\n'


def test_persist_orders_the_drop_in_before_the_include_and_after_it_on_removal(tmp_path):
    module = FakeModule(tmp_path)
    (tmp_path / 'nftables.conf').write_text('flush ruleset\n')
    changes, _persisted = nftables.plan_persistence(module, Layout(), WANTED, True, [])
    assert [path for path, _content in changes] == [module.params['persist_file'], module.params['main_config']]
    for path, content in changes:
        files.put(path, content)
    changes, _persisted = nftables.plan_persistence(module, Layout(), WANTED, False, [])
    assert changes == [(module.params['main_config'], 'flush ruleset\n'), (module.params['persist_file'], None)]


def test_persist_absent_leaves_a_main_config_without_our_include_untouched(tmp_path):
    module = FakeModule(tmp_path)
    main = tmp_path / 'nftables.conf'
    main.write_text('flush ruleset')                       # no final newline: not ours to add
    assert _persist(module, present=False)[0] is False
    assert main.read_text() == 'flush ruleset'


def test_persist_absent_removes_the_drop_in_when_the_main_config_is_gone(tmp_path):
    module = FakeModule(tmp_path)
    os.makedirs(os.path.dirname(module.params['persist_file']))
    with open(module.params['persist_file'], 'w', encoding='utf-8') as handle:
        handle.write('old\n')
    assert _persist(module, present=False)[0] is True
    assert not os.path.exists(module.params['persist_file'])


def test_persist_plans_without_writing(tmp_path):
    module = FakeModule(tmp_path)
    main = tmp_path / 'nftables.conf'
    main.write_text('flush ruleset\n')
    diffs = []
    changes, _persisted = nftables.plan_persistence(module, Layout(), WANTED, True, diffs)
    assert len(changes) == 2 and len(diffs) == 2
    assert main.read_text() == 'flush ruleset\n' and not os.path.exists(module.params['persist_file'])


def test_put_keeps_mode_and_names_the_file_not_a_temporary_one(tmp_path):
    target = tmp_path / 'nftables.conf'
    target.write_text('old\n')
    os.chmod(target, 0o750)
    files.put(str(target), 'new\n')
    assert target.read_text() == 'new\n' and os.stat(target).st_mode & 0o777 == 0o750
    (tmp_path / 'missing-dir-file').write_text('a file where a directory should be')
    with pytest.raises(files.FileError) as error:
        files.put(str(tmp_path / 'missing-dir-file' / 'x'), 'text')
    assert str(error.value).startswith('could not write %s: ' % (tmp_path / 'missing-dir-file' / 'x'))
    refused = []

    def refuse(path):
        refused.append(open(path, encoding='utf-8').read())
        raise nftables_state.NftError('nft -c failed')

    with pytest.raises(nftables_state.NftError):
        files.put(str(target), 'checked\n', refuse)
    assert refused == ['checked\n'] and target.read_text() == 'new\n'
    assert sorted(os.listdir(tmp_path)) == ['missing-dir-file', 'nftables.conf']    # no temporary file left


@pytest.mark.parametrize('layout, ssh_connection', [
    (Layout(mode='chain', table='filter', placement='host'), '203.0.113.7 50000 198.51.100.1 22'),
    (Layout(placement='host', policy='accept'), '203.0.113.7 50000 198.51.100.1 22'),
    (Layout(placement='host', table_family='ip6'), '203.0.113.7 50000 198.51.100.1 22'),
])
def test_guard_ignores_what_cannot_cut_the_connection(layout, ssh_connection):
    assert nftables_state.connection_kept(layout, RULES, ssh_connection, local_addresses('198.51.100.1'))[0] is True


def test_guard_names_a_malformed_ssh_connection():
    with pytest.raises(InputError, match="option 'SSH_CONNECTION': not \"client port server port\""):
        nftables_state.connection_kept(Layout(placement='host'), RULES, 'garbage', local_addresses())
    link_local = Layout(placement='host', management_networks=['fe80::/64'])
    assert nftables_state.connection_kept(link_local, RULES, 'fe80::1%eth0 5 fe80::2 22',
                                          local_addresses('fe80::2'))[0] is True


@pytest.mark.parametrize('expr, terminal', [
    ([{'drop': None}], True),
    ([{'counter': {'packets': 0, 'bytes': 0}}, {'drop': None}], True),
    ([{'log': {'prefix': 'x'}}, {'reject': {'type': 'icmpx', 'expr': 'admin-prohibited'}}], True),
    ([{'match': {'op': '==', 'left': {'meta': {'key': 'iifname'}}, 'right': 'x0'}}, {'drop': None}], False),
    ([{'accept': None}], False),
    ([{'counter': None}], False),
    ([], False),
])
def test_a_terminal_rule_is_only_a_drop_or_reject(expr, terminal):
    assert nftables_state._is_terminal({'expr': expr}) is terminal  # pylint: disable=protected-access


# -- Bad input through the module, in a network namespace of the tests' own -----------------------------------
# Each case runs the module as its own process inside the namespace (ip netns exec), as Ansible would, with
# one bad value; the module must answer with a clean error naming the option, and the namespace's ruleset and
# the managed files must be byte-identical before and after.

COLLECTIONS = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '.ansible', 'collections')
NEEDS_ROOT = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which('nft') and shutil.which('ip') and shutil.which('unshare')),
    reason='needs root, nft, ip and unshare')
USER_TABLE = ('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n'
              '\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
              '\t\tip daddr 192.0.2.99 reject\n\t}\n}\n'
              'table inet voip {\n\tct helper sip-5060 {\n\t\ttype "sip" protocol udp\n\t\tl3proto inet\n\t}\n'
              '\tchain pre {\n\t\ttype filter hook prerouting priority filter; policy accept;\n'
              '\t\tudp dport 5060 ct helper set "sip-5060"\n\t}\n}\n')


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    """A namespace holding a user's table, a SIP helper and the Atea table applied once; files in a directory."""
    name = 'ftu-%s' % uuid.uuid4().hex[:8]
    work = tmp_path_factory.mktemp('bad-input')
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        subprocess.run(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], check=True)
        # The firewall's own address, in the MPLS network of the enterprise profile (not a customer network).
        subprocess.run(['ip', 'netns', 'exec', name, 'ip', 'link', 'add', 'fw0', 'type', 'veth', 'peer', 'name', 'fw1'],
                       check=True)
        subprocess.run(['ip', 'netns', 'exec', name, 'ip', 'addr', 'add', '%s/24' % FIREWALL, 'dev', 'fw0'],
                       check=True)
        subprocess.run(['ip', 'netns', 'exec', name, 'nft', '-f', '-'], input=USER_TABLE, text=True, check=True)
        (work / 'nftables.conf').write_text('flush ruleset\n' + USER_TABLE)
        (work / 'a-file').write_text('not a directory\n')
        lab = {'ns': name, 'work': work}
        code, result = module_in_namespace(lab, {})
        assert code == 0 and result['changed'], result
        yield lab
    finally:
        subprocess.run(['ip', 'netns', 'del', name], check=True)


def good_args(lab):
    work = str(lab['work'])
    return {'rules': RULES, 'persist_file': work + '/nftables.d/atea.nft', 'main_config': work + '/nftables.conf',
            'rollback_dir': work + '/rollback'}


def module_in_namespace(lab, args, env=None):
    args_file = lab['work'] / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': dict(good_args(lab), **args)}))
    environment = dict((k, v) for k, v in os.environ.items() if k != 'SSH_CONNECTION')
    environment.update(env or {}, PYTHONPATH=os.path.abspath(COLLECTIONS))
    process = subprocess.run(['ip', 'netns', 'exec', lab['ns'], sys.executable, '-m',
                              'ansible_collections.atea.anywhere.plugins.modules.nftables', str(args_file)],
                             capture_output=True, text=True, env=environment, check=False)
    assert 'Traceback' not in process.stdout + process.stderr, process.stdout + process.stderr
    return process.returncode, json.loads(process.stdout)


def host_state(lab):
    """The namespace's ruleset and every file under the work directory, as text."""
    ruleset = subprocess.run(['ip', 'netns', 'exec', lab['ns'], 'nft', 'list', 'ruleset'], capture_output=True,
                             text=True, check=True).stdout
    tree = {}
    for directory, _dirs, names in os.walk(lab['work']):
        for name in names:
            if name != 'args.json':
                with open(os.path.join(directory, name), encoding='utf-8') as handle:
                    tree[os.path.join(directory, name)] = handle.read()
    return ruleset, tree


BAD_PATHS = ['relative/atea.nft', '/etc/../tmp/atea.nft', '/tmp/a"b.nft', '/tmp/a\ninclude "/x".nft',
             '/tmp/a\\b.nft', '', '/tmp/a\x00b', '/tmp/a/', '/tmp//a.nft']
WORK = '@work'                              # stands for the namespace's work directory (an existing directory)
BAD_MODULE_INPUT = (
    [('persist_file', value, {}) for value in BAD_PATHS + [WORK]]
    + [('main_config', value, {}) for value in BAD_PATHS + [WORK]]
    + [('helper_blacklist_file', value, {}) for value in ['relative.conf', WORK, '/tmp/a\nb.conf']]
    + [('rollback_dir', value, {}) for value in ['relative', '/run/../etc', '/run/a\nb', WORK + '/a-file']]
    + [('persist_file', WORK + '/nftables.conf', {})]                   # the main configuration itself
    + [('table', value, {})
       for value in ['x; flush ruleset', 'a"b', 'a\nb', 'tä', '}', '$[x]', '-x', '1a', 'a' * 300]]
    + [('chain_prefix', value, {}) for value in ['x}', '1abc', 'a b', '../x', 'a#b']]
    + [('parent_chains', value, {'mode': 'chain', 'table': 'filter'})
       for value in [{'forward': 'fwd; drop'}, {'forward': '$[x]'}, {'forward': 'a\nb'}, {'prerouting': 'x'},
                     'not a mapping']]
    + [('management_networks', value, {'placement': 'host'})
       for value in [['0.0.0.0/0; drop'], ['192.0.2.1/24'], ['192.0.2.0/24 tcp'], ['x' * 1000], ['2001:db8::/32"']]]
    + [('management_ports', value, {'placement': 'host'})
       for value in [['22; drop'], [70000], [-1], ['22 tcp'], ['ssh'], [{'port': 22}]]]
    + [('rules', value, {})
       for value in [[], [{'name': 'x\ninjected'}], 'rules', [dict(RULES[0], destination_ports='443')]]]
    + [('confirm_timeout', value, {}) for value in [-1, 100000, 'soon']]
    + [('jump_position', 'last', {}), ('mode', 'chains', {}), ('table', 'filter', {})]
)


def _option_value(lab, value):
    if isinstance(value, str) and value.startswith(WORK):
        return str(lab['work']) + value[len(WORK):]
    return value


@NEEDS_ROOT
@pytest.mark.parametrize('option, value, extra', BAD_MODULE_INPUT)
def test_bad_module_input_is_a_clean_error_and_changes_nothing(lab, option, value, extra):
    before = host_state(lab)
    code, result = module_in_namespace(lab, dict(extra, **{option: _option_value(lab, value)}))
    assert code == 1 and result['failed'] and not result.get('changed')
    assert option.split('.')[0] in result['msg'] or option == 'table' and 'table' in result['msg']
    assert host_state(lab) == before


@NEEDS_ROOT
def test_lockout_over_ssh_to_the_firewalls_own_address_is_refused_and_changes_nothing(lab):
    """Finding 3 as the host sees it: the firewall's own address is local in its namespace."""
    before = host_state(lab)
    code, result = module_in_namespace(lab, {'placement': 'host'},
                                       env={'SSH_CONNECTION': '192.0.2.10 40000 %s 22' % FIREWALL})
    assert code == 1 and result['msg'].startswith('refusing a change that would cut the connection')
    assert host_state(lab) == before
    # The controller's SSH_CONNECTION leaking into a local run names an address this namespace lacks: no guard.
    code, result = module_in_namespace(lab, {'placement': 'host', '_ansible_check_mode': True},
                                       env={'SSH_CONNECTION': '192.0.2.10 40000 203.0.113.1 22'})
    assert code == 0 and host_state(lab) == before


def test_bad_module_input_count():
    """The README's Safety section cites this number."""
    assert len(BAD_MODULE_INPUT) >= 30


SMB_RULES = engine.compact_rules(engine.build_flows('smb', customer_networks=['198.51.100.0/24'],
                                                    networks={'internet': '203.0.113.0/24'}))


@NEEDS_ROOT
def test_an_earlier_runs_unconfirmed_change_is_never_a_quiet_success(lab):
    """A run leaves the host changed with its restore due (nobody confirmed): the next run with the same rules hands
    that rollback on with confirm_timeout, fails without it, warns in check mode; a different change is refused."""
    rollback_dir = good_args(lab)['rollback_dir']
    code, armed = module_in_namespace(lab, {'rules': SMB_RULES, 'confirm_timeout': 300})
    assert code == 0 and armed['changed'] and armed['rollback']['id'], armed
    rollback_id = armed['rollback']['id']
    try:
        state = host_state(lab)
        code, result = module_in_namespace(lab, {'rules': SMB_RULES})
        assert code == 1 and not result.get('changed'), result
        assert "an earlier run's change is not confirmed" in result['msg'] and rollback_id in result['msg'] \
            and rollback_dir in result['msg'] and 'let it restore' in result['msg'], result['msg']
        code, result = module_in_namespace(lab, {'rules': SMB_RULES, '_ansible_check_mode': True})
        assert code == 0 and 'rollback' not in result
        assert rollback_id in json.dumps(result.get('warnings')), sorted(result)
        code, result = module_in_namespace(lab, {'rules': RULES})
        assert code == 1 and 'which would undo this change too' in result['msg'] and rollback_id in result['msg']
        assert host_state(lab) == state
        code, result = module_in_namespace(lab, {'rules': SMB_RULES, 'confirm_timeout': 60})
        assert code == 0 and not result['changed'], result
        assert result['rollback']['id'] == rollback_id and result['rollback']['earlier_run']
        assert 0 < result['rollback']['timeout'] <= 300 and result['rollback']['deadline'] == armed['rollback']['deadline']
    finally:
        assert nftables_rollback.confirm(rollback_dir, rollback_id)[1]['confirmed']
    code, result = module_in_namespace(lab, {})  # the enterprise rules again, for the tests after this one
    assert code == 0 and result['changed'] and 'rollback' not in result, result
