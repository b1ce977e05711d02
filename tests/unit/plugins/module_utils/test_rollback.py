# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore, the all-or-nothing transaction and commit-confirmed, on files in a temporary directory.

nftables is left out here (no 'nft' key in the snapshots); the functional fault tests restore rulesets.
"""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import (
    files,
    nftables_restore,
    nftables_rollback,
    nftables_state,
    nftables_transaction,
)
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


class FakeModule(object):
    def run_command(self, argv):
        raise AssertionError('no command expected: %s' % argv)


def snapshot_of(paths):
    return nftables_transaction.take_snapshot(FakeModule(), nftables_state.Nft(None, nft='/nonexistent/nft'), [], [],
                                              [], paths)


def test_restore_puts_files_back_with_mode_and_removes_new_ones(tmp_path):
    kept, new = tmp_path / 'kept.conf', tmp_path / 'sub' / 'new.nft'
    kept.write_text('before\n')
    os.chmod(kept, 0o640)
    snapshot = snapshot_of([str(kept), str(new)])
    assert snapshot['files'][1]['content'] is None
    files.put(str(kept), 'after\n')
    os.chmod(kept, 0o600)
    files.put(str(new), 'added\n')
    assert nftables_restore.restore(snapshot) == []
    assert kept.read_text() == 'before\n' and os.stat(kept).st_mode & 0o777 == 0o640
    assert not new.exists()


def test_restore_runs_the_manager_commands_after_the_files_and_reports_each_failure(tmp_path):
    """A manager that reads its own files (firewalld, ufw) is told to reload after they are back."""
    kept = tmp_path / 'kept.conf'
    kept.write_text('before\n')
    seen = tmp_path / 'seen'
    snapshot = dict(snapshot_of([str(kept)]), commands=[
        ['sh', '-c', 'cat %s > %s' % (kept, seen)],
        ['sh', '-c', 'echo refused >&2; exit 3'],
        ['sh', '-c', 'echo still run >> %s' % seen]])
    files.put(str(kept), 'after\n')
    assert nftables_restore.restore(snapshot) == ['sh -c echo refused >&2; exit 3 failed: refused']
    assert seen.read_text() == 'before\nstill run\n'


def test_a_snapshot_of_files_and_commands_needs_no_nft_and_says_what_it_puts_back(tmp_path):
    policy = tmp_path / 'policy.xml'
    snapshot = nftables_transaction.take_snapshot(FakeModule(), None, [], [], [], [str(policy)])
    snapshot['commands'] = [['/usr/bin/firewall-cmd', '--reload']]
    assert snapshot['nft'] == '' and snapshot['nft_binary'] is None
    assert nftables_transaction.describe(snapshot) == 'file %s, then firewall-cmd --reload' % policy
    assert nftables_transaction.describe(dict(snapshot, files=[])) == 'firewall-cmd --reload'


def test_a_step_error_of_a_manager_restores_like_any_failed_step(tmp_path):
    first = tmp_path / 'first'
    first.write_text('old\n')
    transaction = nftables_transaction.Transaction(snapshot_of([str(first)]))
    transaction.run('writing first', files.put, str(first), 'new\n')

    def refused():
        raise nftables_transaction.StepError('firewall-cmd --reload failed (rc 1): refused')
    with pytest.raises(nftables_transaction.ChangeError) as error:
        transaction.run('reloading firewalld', refused)
    assert error.value.changed is False and first.read_text() == 'old\n'
    assert 'while reloading firewalld: firewall-cmd --reload failed (rc 1): refused' in str(error.value)


def test_a_failed_step_restores_what_earlier_steps_did(tmp_path):
    first, second = tmp_path / 'first', tmp_path / 'blocked' / 'second'
    first.write_text('old\n')
    restored = []
    transaction = nftables_transaction.Transaction(snapshot_of([str(first), str(second)]),
                                                   lambda: restored.append(True))
    (tmp_path / 'blocked').write_text('a file where the directory should be\n')
    transaction.run('writing first', files.put, str(first), 'new\n')
    with pytest.raises(nftables_transaction.ChangeError) as error:
        transaction.run('writing %s' % second, files.put, str(second), 'new\n')
    assert error.value.changed is False and restored == [True]
    assert str(error.value).startswith('the change failed while writing %s: could not write %s: ' % (second, second))
    assert 'The previous state was restored (file %s, file %s); nothing is changed.' % (first, second) \
        in str(error.value)
    assert first.read_text() == 'old\n'


def test_a_failed_restore_says_what_state_the_host_is_in(tmp_path):
    target = tmp_path / 'target'
    target.write_text('old\n')
    snapshot = snapshot_of([str(target)])
    snapshot['files'][0]['path'] = str(tmp_path / 'gone' / 'target')    # cannot be written back
    transaction = nftables_transaction.Transaction(snapshot)
    transaction.run('writing the first file', files.put, str(target), 'new\n')
    with pytest.raises(nftables_transaction.ChangeError) as error:
        transaction.run('failing', files.put, str(tmp_path / 'target' / 'x'), 'y')
    message = str(error.value)
    assert error.value.changed is True
    assert 'Restoring the previous state failed too: file %s not restored' % (tmp_path / 'gone' / 'target') in message
    assert 'Done before the failure: writing the first file.' in message


def _state(tmp_path):
    target = tmp_path / 'etc' / 'drop-in.nft'
    target.parent.mkdir()
    target.write_text('before\n')
    return target, snapshot_of([str(target)])


def test_restorer_restores_at_its_deadline_unless_confirmed(tmp_path):
    """The restorer program itself (main), with a timeout of 0: it restores and records it."""
    target, snapshot = _state(tmp_path)
    directory = tmp_path / 'rollback'
    directory.mkdir()
    (directory / nftables_restore.SNAPSHOT).write_text(json.dumps(dict(snapshot, timeout=0, change='the change')))
    target.write_text('after\n')
    assert nftables_restore.main(['restore.py', str(directory)]) == 0
    assert target.read_text() == 'before\n'
    status = json.loads((directory / nftables_restore.STATUS).read_text())
    assert status['state'] == 'rolled back' and status['errors'] == []
    target.write_text('after\n')
    os.remove(directory / nftables_restore.STATUS)
    (directory / nftables_restore.CONFIRMED).write_text('now')
    nftables_restore.main(['restore.py', str(directory)])
    assert target.read_text() == 'after\n' and not (directory / nftables_restore.STATUS).exists()


def test_arm_then_confirm_stops_the_restorer_and_removes_the_state(tmp_path):
    _target, snapshot = _state(tmp_path)
    rollback_dir = str(tmp_path / 'rollback')
    rollback = nftables_rollback.arm(snapshot, rollback_dir, 60, 'the change')
    assert nftables_rollback.ID_PATTERN.match(rollback['id']) and rollback['timeout'] == 60
    directory = nftables_rollback.state_dir(rollback_dir, rollback['id'])
    pid = nftables_rollback.restorer_pid(directory)
    assert pid and oct(os.stat(directory).st_mode & 0o777) == '0o700'
    with pytest.raises(nftables_rollback.RollbackError, match='still waits for its confirmation'):
        nftables_rollback.arm(snapshot, rollback_dir, 60, 'another change')
    failed, result = nftables_rollback.confirm(rollback_dir, rollback['id'], check_mode=True)
    assert (failed, result['changed'], result['confirmed']) == (False, True, False) and os.path.isdir(directory)
    failed, result = nftables_rollback.confirm(rollback_dir, rollback['id'])
    assert (failed, result['confirmed'], result['rolled_back']) == (False, True, False)
    assert not os.path.exists(directory)
    os.waitpid(pid, 0)                          # the restorer is this test's child: it ended on SIGTERM
    failed, result = nftables_rollback.confirm(rollback_dir, rollback['id'])
    assert failed and result['msg'].startswith('no rollback %s in %s' % (rollback['id'], rollback_dir))


@pytest.mark.parametrize('status, expected', [
    ({'state': 'rolled back', 'at': '2026-01-31T12:00:00Z', 'errors': []},
     {'rolled_back': True, 'restore_failed': False}),
    ({'state': 'restore failed', 'at': '2026-01-31T12:00:00Z', 'errors': ['file /x not restored: denied']},
     {'rolled_back': False, 'restore_failed': True}),
])
def test_confirm_after_the_host_restored_reports_it(tmp_path, status, expected):
    rollback_id = '20260131T115800Z-0123abcd'
    directory = tmp_path / rollback_id
    directory.mkdir()
    (directory / nftables_restore.SNAPSHOT).write_text(json.dumps({'timeout': 120, 'change': 'the nftables change',
                                                                   'tables': ['inet atea_anywhere']}))
    (directory / nftables_restore.STATUS).write_text(json.dumps(status))
    failed, result = nftables_rollback.confirm(str(tmp_path), rollback_id)
    assert failed and not result['confirmed'] and not result['changed']
    assert dict((k, result[k]) for k in expected) == expected
    if expected['rolled_back']:
        assert result['msg'] == ('the host restored its previous state at 2026-01-31T12:00:00Z because the play did '
                                 'not confirm the nftables change within 120 seconds (rollback %s): the change is '
                                 'not in force' % rollback_id)
    else:
        assert 'file /x not restored: denied' in result['msg']


@pytest.mark.parametrize('rollback_id', ['../etc', '', 'x' * 40, '20260131T115800Z-0123abcd/..', None])
def test_rollback_ids_cannot_name_anything_else(tmp_path, rollback_id):
    with pytest.raises(InputError, match="option 'id'"):
        nftables_rollback.confirm(str(tmp_path), rollback_id)


def test_a_rollback_waiting_in_another_network_namespace_does_not_block(tmp_path):
    """Firewalls in network namespaces share /run: each waits only for its own earlier rollback."""
    _target, snapshot = _state(tmp_path)
    rollback_dir = str(tmp_path / 'rollback')
    first = nftables_rollback.arm(snapshot, rollback_dir, 60, 'the change')
    saved = os.path.join(nftables_rollback.state_dir(rollback_dir, first['id']), nftables_restore.SNAPSHOT)
    with open(saved, encoding='utf-8') as handle:
        other = dict(json.load(handle), namespace='0:1')
    nftables_restore.write_file(saved, json.dumps(other))
    second = nftables_rollback.arm(snapshot, rollback_dir, 60, 'a change in this namespace')
    pids = [nftables_rollback.restorer_pid(nftables_rollback.state_dir(rollback_dir, r['id'])) for r in (first, second)]
    for rollback in (first, second):
        assert nftables_rollback.confirm(rollback_dir, rollback['id'])[1]['confirmed']
    for pid in pids:
        os.waitpid(pid, 0)


def test_an_unconfirmed_rollback_of_an_earlier_run_is_found_with_the_seconds_it_has_left(tmp_path):
    _target, snapshot = _state(tmp_path)
    rollback_dir = str(tmp_path / 'rollback')
    assert nftables_rollback.unconfirmed(rollback_dir) is None
    armed = nftables_rollback.arm(snapshot, rollback_dir, 60, 'the change')
    pid = nftables_rollback.restorer_pid(nftables_rollback.state_dir(rollback_dir, armed['id']))
    found = nftables_rollback.unconfirmed(rollback_dir)
    assert (found['id'], found['deadline'], found['earlier_run']) == (armed['id'], armed['deadline'], True)
    assert 0 < found['timeout'] <= 60
    assert nftables_rollback.confirm(rollback_dir, armed['id'])[1]['confirmed']
    os.waitpid(pid, 0)
    assert nftables_rollback.unconfirmed(rollback_dir) is None


class ArmingModule(FakeModule):
    def __init__(self, rollback_dir, confirm_timeout):
        self.params = {'rollback_dir': rollback_dir, 'confirm_timeout': confirm_timeout}


def test_armed_transaction_calls_the_restore_off_when_a_failed_step_was_put_back(tmp_path):
    target, snapshot = _state(tmp_path)
    rollback_dir = str(tmp_path / 'rollback')
    with pytest.raises(nftables_transaction.ChangeError) as error:
        with nftables_rollback.armed(ArmingModule(rollback_dir, 60), snapshot, 'the change') as (transaction, rollback):
            pid = nftables_rollback.restorer_pid(nftables_rollback.state_dir(rollback_dir, rollback['id']))
            transaction.run('writing the drop-in', files.put, str(target), 'after\n')
            transaction.run('failing', files.put, str(tmp_path / 'etc' / 'drop-in.nft' / 'x'), 'y')
    assert error.value.changed is False and 'stays armed' not in str(error.value)
    assert target.read_text() == 'before\n' and os.listdir(rollback_dir) == []
    os.waitpid(pid, 0)


def test_armed_transaction_says_when_the_restore_tries_again_after_a_restore_that_failed(tmp_path):
    target, snapshot = _state(tmp_path)
    snapshot['files'][0]['path'] = str(tmp_path / 'gone' / 'drop-in.nft')    # cannot be written back
    rollback_dir = str(tmp_path / 'rollback')
    with pytest.raises(nftables_transaction.ChangeError) as error:
        with nftables_rollback.armed(ArmingModule(rollback_dir, 60), snapshot, 'the change') as (transaction, rollback):
            transaction.run('failing', files.put, str(target / 'x'), 'y')
    assert error.value.changed is True
    assert str(error.value).endswith('The host\'s own restore (rollback %s) stays armed and tries again at %s.'
                                     % (rollback['id'], rollback['deadline']))
    nftables_rollback.disarm(rollback_dir, rollback['id'])


def test_armed_without_a_timeout_arms_nothing(tmp_path):
    _target, snapshot = _state(tmp_path)
    with nftables_rollback.armed(ArmingModule(str(tmp_path / 'rollback'), 0), snapshot, 'the change') as (_t, rollback):
        assert rollback is None
    assert not (tmp_path / 'rollback').exists()
