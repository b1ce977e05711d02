# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commit-confirmed on Linux: a restore armed on the host before a change, called off by a confirmation.

arm() saves the snapshot of what the change touches (nftables_transaction.take_snapshot) in a state
directory <rollback_dir>/<id> and starts the restorer there: a copy of nftables_restore run as its own
program, in a session of its own with no terminal and no pipe to the module, so it outlives the
module, the connection and the controller. It inherits the module's network namespace, as a child
does. Unless confirm() comes first, it restores the snapshot when the timeout has passed and records
that in the state directory, where confirm() reports it. A restorer killed with its host (a reboot
empties /run) restores nothing; the boot configuration applies instead.
"""

from __future__ import annotations

import contextlib
import calendar
import inspect
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

from ansible_collections.atea.anywhere.plugins.module_utils import nftables_restore, nftables_transaction
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.nftables_restore import (
    ARMED,
    CONFIRMED,
    PROGRAM,
    RESTORE_FAILED,
    SNAPSHOT,
    STATUS,
    Locked,
    read_json,
    write_file,
)

ID_PATTERN = re.compile(r'^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$')
ARM_WAIT = 10
# How an unconfirmed change of an earlier run is settled before the host is changed again.
SETTLE = 'confirm it (atea.anywhere.nftables_confirm) or let it restore'
LOG = 'restorer.log'


class RollbackError(Exception):
    """The restore could not be armed, or a rollback's state directory cannot be read."""


def state_dir(rollback_dir, rollback_id):
    """The state directory of one rollback; the id cannot name anything outside rollback_dir."""
    if not isinstance(rollback_id, str) or not ID_PATTERN.match(rollback_id):
        raise InputError('id', rollback_id, 'not a rollback id as the nftables module returns it '
                                            '(rollback.id, for example 20260131T120000Z-0123abcd)')
    return os.path.join(rollback_dir, rollback_id)


def restorer_pid(directory):
    """The pid of the restorer of a state directory while it runs, else None."""
    armed = read_json(os.path.join(directory, ARMED)) or {}
    pid = armed.get('pid')
    if not isinstance(pid, int) or pid <= 1:
        return None
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            arguments = handle.read().split(b'\0')
    except OSError:
        return None
    # The same pid may since belong to another process: the restorer names its state directory.
    return pid if os.fsencode(directory) in arguments else None


def network_namespace():
    """This process's network namespace, as device:inode of /proc/self/ns/net."""
    info = os.stat('/proc/self/ns/net')
    return '%d:%d' % (info.st_dev, info.st_ino)


def pending(rollback_dir, namespace):
    """Ids of rollbacks in rollback_dir, armed in this network namespace, whose restorer still waits (neither
    confirmed nor done). Namespaces sharing /run (a lab of several firewalls) do not wait for each other."""
    try:
        names = sorted(os.listdir(rollback_dir))
    except FileNotFoundError:
        return []
    waiting = []
    for name in names:
        directory = os.path.join(rollback_dir, name)
        if (ID_PATTERN.match(name) and not os.path.exists(os.path.join(directory, CONFIRMED))
                and not os.path.exists(os.path.join(directory, STATUS)) and restorer_pid(directory)
                and (read_json(os.path.join(directory, SNAPSHOT)) or {}).get('namespace') == namespace):
            waiting.append(name)
    return waiting


def unconfirmed(rollback_dir):
    """The rollback an earlier run armed in this network namespace and nobody confirmed yet, as arm() returns it
    (timeout: the seconds left) with earlier_run true, or None.

    A run that finds the host already as it wants it (the earlier run, killed on the controller, applied it)
    must not report success while that restore is still due: it hands the rollback to the play to confirm.
    """
    waiting = pending(rollback_dir, network_namespace())
    if not waiting:
        return None
    rollback_id = waiting[-1]  # arm() refuses a second one, so there is one
    armed = read_json(os.path.join(rollback_dir, rollback_id, ARMED)) or {}
    deadline = armed.get('deadline', '')
    try:
        left = calendar.timegm(time.strptime(deadline, '%Y-%m-%dT%H:%M:%SZ')) - time.time()
    except ValueError:
        raise RollbackError('rollback %s in %s has no readable deadline (%r)' % (rollback_id, rollback_dir, deadline))
    return {'id': rollback_id, 'timeout': max(1, int(math.ceil(left))), 'deadline': deadline, 'earlier_run': True}


def still_unconfirmed(rollback_dir, earlier):
    """unconfirmed() again once the host was read; earlier: what it gave before. Raises RollbackError where the
    rollback settled (or another run armed one) meanwhile: what the run read may be gone."""
    found = unconfirmed(rollback_dir)
    if (found or {}).get('id') != (earlier or {}).get('id'):
        raise RollbackError('rollback %s in %s %s while this run read the host; run again'
                            % ((earlier or found)['id'], rollback_dir, 'settled' if earlier else 'was armed by another run'))
    return found


def waiting_text(found, rollback_dir):
    """What an unconfirmed() rollback means for the host, in words."""
    return ("an earlier run's change is not confirmed: the host restores its previous state at %s (rollback %s in %s)"
            % (found['deadline'], found['id'], rollback_dir))


def refuse_change(earlier, rollback_dir):
    """A change on top of an earlier run's unconfirmed one would be undone by its restore: refused (arm() refuses
    it too, when this run arms a restore of its own)."""
    if earlier:
        raise RollbackError('%s, which would undo this change too; %s, then run again'
                            % (waiting_text(earlier, rollback_dir), SETTLE))


def _hand_over(module, earlier):
    """The host is as wanted, but maybe by an earlier run that was cut off before its confirmation (earlier: the
    rollback that waited when this run began to read the host): its restore is still due. With confirm_timeout
    the play confirms it; without, that is an error, never a quiet success."""
    rollback_dir = module.params['rollback_dir']
    found = still_unconfirmed(rollback_dir, earlier)
    if not found:
        return None
    said = 'the host already holds what this run wants, but %s' % waiting_text(found, rollback_dir)
    if module.check_mode:
        module.warn(said)
        return None
    if not module.params['confirm_timeout']:
        raise RollbackError('%s; %s, then run again' % (said, SETTLE))
    module.warn('%s; this run hands it to the play to confirm' % said)
    return found


def settle(module, earlier, changed, apply):
    """What a Linux manager's module does once it knows whether the host changes, beside an earlier run's
    unconfirmed rollback (earlier, read before the host was): apply() the change (it arms a restore of its own
    with confirm_timeout, which arm() refuses over an earlier one; without, a change over it is refused here),
    or hand the earlier rollback to the play. Returns the rollback for the play to confirm, or None."""
    if changed and not module.check_mode:
        if not module.params['confirm_timeout']:
            refuse_change(earlier, module.params['rollback_dir'])
        return apply()
    return None if changed else _hand_over(module, earlier)


def arm(snapshot, rollback_dir, timeout, change, python=None):
    """Save snapshot and start the restorer; returns {id, timeout, deadline}. Raises RollbackError.

    Nothing has changed yet when this is called, so a failure here leaves the host as it was.
    """
    try:
        os.makedirs(rollback_dir, mode=0o700, exist_ok=True)
    except OSError as error:
        raise RollbackError('could not make the rollback directory %s: %s' % (rollback_dir, error.strerror))
    namespace = network_namespace()
    others = pending(rollback_dir, namespace)
    if others:
        raise RollbackError('rollback %s of an earlier run still waits for its confirmation in %s; %s before '
                            'changing the host again' % (', '.join(others), rollback_dir, SETTLE))
    rollback_id = '%s-%s' % (time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()), uuid.uuid4().hex[:8])
    directory = os.path.join(rollback_dir, rollback_id)
    try:
        os.mkdir(directory, 0o700)
        write_file(os.path.join(directory, SNAPSHOT),
                   json.dumps(dict(snapshot, timeout=timeout, change=change, namespace=namespace,
                                   armed_at=nftables_restore.now_text())))
        write_file(os.path.join(directory, PROGRAM), inspect.getsource(nftables_restore))
        with open(os.path.join(directory, LOG), 'w', encoding='utf-8') as log:
            process = subprocess.Popen(  # pylint: disable=consider-using-with
                [python or sys.executable, os.path.join(directory, PROGRAM), directory],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True, start_new_session=True, cwd='/')
    except OSError as error:
        shutil.rmtree(directory, ignore_errors=True)
        raise RollbackError('could not arm the rollback in %s: %s' % (directory, error.strerror or error))
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < ARM_WAIT:
        armed = read_json(os.path.join(directory, ARMED))
        if armed:
            return {'id': rollback_id, 'timeout': timeout, 'deadline': armed['deadline']}
        time.sleep(0.02)
    if process.poll() is None:
        process.kill()
    process.wait()
    with open(os.path.join(directory, LOG), encoding='utf-8') as log:
        reason = log.read().strip()[-500:] or 'no word from it within %d seconds' % ARM_WAIT
    shutil.rmtree(directory, ignore_errors=True)
    raise RollbackError('could not arm the rollback: the restorer did not start (%s)' % reason)


@contextlib.contextmanager
def armed(module, snapshot, change):
    """The steps of a change as one (nftables_transaction.Transaction over snapshot), with the host's own restore
    armed first when the module's confirm_timeout asks for it: yields (transaction, rollback or None).

    A failed step that was put back calls the armed restore off; one that could not be put back leaves it armed,
    and the error says when it tries again."""
    params = module.params
    rollback = None
    if params['confirm_timeout']:
        rollback = arm(snapshot, params['rollback_dir'], params['confirm_timeout'], change)
    transaction = nftables_transaction.Transaction(
        snapshot, rollback and (lambda: disarm(params['rollback_dir'], rollback['id'])))
    try:
        yield transaction, rollback
    except nftables_transaction.ChangeError as error:
        if error.changed and rollback:
            error.args = ('%s The host\'s own restore (rollback %s) stays armed and tries again at %s.'
                          % (error, rollback['id'], rollback['deadline']),)
        raise


def _stop(directory):
    """Mark a rollback confirmed and stop its restorer; the caller holds the lock."""
    write_file(os.path.join(directory, CONFIRMED), nftables_restore.now_text())
    pid = restorer_pid(directory)
    if pid:
        os.kill(pid, signal.SIGTERM)
    return pid is not None


def disarm(rollback_dir, rollback_id):
    """Call off a rollback whose change was undone already (a failed step was restored in the module)."""
    directory = state_dir(rollback_dir, rollback_id)
    with Locked(directory):
        _stop(directory)
    shutil.rmtree(directory, ignore_errors=True)


def confirm(rollback_dir, rollback_id, check_mode=False):
    """Confirm a change: (failed, result) with result holding msg, changed, confirmed, rolled_back, restore_failed."""
    directory = state_dir(rollback_dir, rollback_id)
    result = {'changed': False, 'confirmed': False, 'rolled_back': False, 'restore_failed': False}
    if not os.path.isdir(directory):
        return True, dict(result, msg='no rollback %s in %s: it was confirmed already, or never armed on this host '
                                      '(or the host restarted, which empties %s)'
                                      % (rollback_id, rollback_dir, rollback_dir))
    snapshot = read_json(os.path.join(directory, SNAPSHOT)) or {}
    change = snapshot.get('change', 'the change')
    with Locked(directory):
        status = read_json(os.path.join(directory, STATUS))
        if status is not None:
            if status['state'] == RESTORE_FAILED:
                return True, dict(result, restore_failed=True, errors=status['errors'], msg=(
                    'the play did not confirm %s within %s seconds, and the host\'s own restore at %s failed: %s. '
                    'The rest of the saved state (%s) was put back; the host holds a mix of old and new state '
                    'for what failed. The saved state is in %s.'
                    % (change, snapshot.get('timeout'), status['at'], '; '.join(status['errors']),
                       ', '.join(snapshot.get('tables', [])) or 'files only', directory)))
            return True, dict(result, rolled_back=True, msg=(
                'the host restored its previous state at %s because the play did not confirm %s within %s seconds '
                '(rollback %s): the change is not in force'
                % (status['at'], change, snapshot.get('timeout'), rollback_id)))
        if check_mode:
            return False, dict(result, changed=True, msg='rollback %s would be confirmed' % rollback_id)
        running = _stop(directory)
    shutil.rmtree(directory, ignore_errors=True)
    message = 'confirmed: %s stands (rollback %s called off)' % (change, rollback_id)
    if not running:
        message += '; its restorer was no longer running'
    return False, dict(result, changed=True, confirmed=True, msg=message)
