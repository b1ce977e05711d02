# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put back what a change touched, from a snapshot taken before it; also the host's own restorer.

Standard library only, on purpose: the nftables module copies this file into a rollback's state
directory and starts it there as a detached program (python3 nftables_restore.py <state dir>), which
must keep working after the module, its temporary files and the controller are gone. The same
restore() puts the previous state back in the module itself when a step of a change fails.

A snapshot (JSON) holds:
  nft       - one nft script that puts every touched nftables table back as it was listed (or deletes
              a table that did not exist), in one transaction;
  iptables  - [{restore, table, saved, nft_table, nft_chains}]: an iptables-restore/ip6tables-restore
              binary and the iptables-save text of one table, restored with '-T <table>' (that table is
              flushed first); with iptables-nft, the table's nft name and the chains it had, so that the
              chains iptables-restore makes beyond those are removed again;
  files     - [{path, content, mode, uid, gid}]: the file's text, or content null if it did not exist;
  commands  - [argv]: run in order after the files are back, for a manager that reads its own files
              (firewall-cmd --reload, ufw reload); each failure is an error, the next still runs.

State directory of an armed rollback: snapshot.json, the program, 'armed' (the restorer's pid and
deadline), 'lock' (flock, so confirming and restoring never overlap), then either 'confirmed' or
status.json ({state: 'rolled back' | 'restore failed', at, errors}).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time

SNAPSHOT = 'snapshot.json'
ARMED = 'armed'
LOCK = 'lock'
CONFIRMED = 'confirmed'
STATUS = 'status.json'
PROGRAM = 'restore.py'
ROLLED_BACK = 'rolled back'
RESTORE_FAILED = 'restore failed'


def now_text(seconds=None):
    """UTC time as 2026-01-31T12:00:00Z."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def write_file(path, content, mode=None, uid=None, gid=None, check=None):
    """Replace path with content atomically (a temporary file in the same directory, then rename).

    check(temporary path), when given, examines the new text in place first; if it raises, path stays.
    """
    directory = os.path.dirname(path) or '.'
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.atea_anywhere.')
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            stream.write(content)
        if mode is not None:
            os.chmod(temporary, mode)
        if uid is not None and (uid, gid) != (os.geteuid(), os.getegid()):
            os.chown(temporary, uid, gid)
        if check is not None:
            check(temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _run(argv, stdin_text=None):
    """(ok, message) of a command."""
    try:
        result = subprocess.run(argv, input=stdin_text, capture_output=True, text=True, check=False)
    except OSError as error:
        return False, '%s: %s' % (argv[0], error.strerror)
    return result.returncode == 0, (result.stderr or result.stdout).strip()


def _drop_new_chains(nft, table, chains):
    """iptables-nft makes built-in chains only when used, and iptables-restore makes every chain it is given:
    remove the chains of the table (family, name) that did not exist before, to leave it as it was."""
    ok, listing = _run([nft, '-j', 'list', 'table'] + table)
    if not ok:
        return ok, listing
    try:
        names = [entry['chain']['name'] for entry in json.loads(listing)['nftables'] if 'chain' in entry]
    except (ValueError, KeyError, TypeError):
        return False, 'could not read the output of nft -j list table %s' % ' '.join(table)
    for name in names:
        if name not in chains:
            ok, message = _run([nft, 'delete', 'chain'] + table + [name])
            if not ok:
                return ok, message
    return True, ''


def restore(snapshot):
    """Put every part of snapshot back; returns the errors (empty when all of it is restored).

    The nftables tables go first, in one transaction: they decide whether the host can be reached.
    """
    errors = []
    if snapshot.get('nft'):
        # A file, not standard input: nothing of the failed change's own input path is reused.
        handle, script = tempfile.mkstemp(prefix='atea_anywhere_restore.', suffix='.nft')
        try:
            with os.fdopen(handle, 'w', encoding='utf-8') as stream:
                stream.write(snapshot['nft'])
            ok, message = _run([snapshot['nft_binary'], '-f', script])
        finally:
            os.remove(script)
        if not ok:
            errors.append('nftables tables (%s) not restored: %s' % (', '.join(snapshot['tables']), message))
    for entry in snapshot.get('iptables', []):
        ok, message = _run([entry['restore'], '-T', entry['table']], entry['saved'])
        if ok and entry.get('nft_chains') is not None:
            ok, message = _drop_new_chains(snapshot['nft_binary'], entry['nft_table'], entry['nft_chains'])
        if not ok:
            command = os.path.basename(entry['restore'])
            errors.append('%s table %s not restored: %s' % (command, entry['table'], message))
    for entry in snapshot.get('files', []):
        try:
            if entry['content'] is None:
                if os.path.lexists(entry['path']):
                    os.remove(entry['path'])
            else:
                write_file(entry['path'], entry['content'], entry['mode'], entry['uid'], entry['gid'])
        except OSError as error:
            errors.append('file %s not restored: %s' % (entry['path'], error.strerror or error))
    for argv in snapshot.get('commands', []):
        ok, message = _run(argv)
        if not ok:
            errors.append('%s failed: %s' % (' '.join(argv), message))
    return errors


class Locked(object):
    """An exclusive flock on the state directory's lock file, for the with statement."""

    def __init__(self, state_dir):
        self.path = os.path.join(state_dir, LOCK)
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, 'a', encoding='utf-8')  # pylint: disable=consider-using-with
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def read_json(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def restore_unless_confirmed(state_dir):
    """At the deadline: restore and record it, unless the change was confirmed meanwhile."""
    with Locked(state_dir):
        if os.path.exists(os.path.join(state_dir, CONFIRMED)):
            return
        snapshot = read_json(os.path.join(state_dir, SNAPSHOT))
        errors = restore(snapshot)
        status = {'state': RESTORE_FAILED if errors else ROLLED_BACK, 'at': now_text(), 'errors': errors}
        write_file(os.path.join(state_dir, STATUS), json.dumps(status))


def main(argv):
    """The detached restorer: restore.py <state dir>; sleeps until the snapshot's timeout has passed."""
    state_dir = argv[1]
    snapshot = read_json(os.path.join(state_dir, SNAPSHOT))
    started = time.monotonic()
    deadline = time.time() + snapshot['timeout']
    write_file(os.path.join(state_dir, ARMED), json.dumps({'pid': os.getpid(), 'deadline': now_text(deadline)}))
    while time.monotonic() - started < snapshot['timeout']:
        time.sleep(min(1.0, max(0.0, snapshot['timeout'] - (time.monotonic() - started))))
    restore_unless_confirmed(state_dir)
    return 0


if __name__ == '__main__':
    raise SystemExit(main(sys.argv))
