# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lockout over real SSH (tests/lab/ssh_lab.py): site.yml runs in a controller namespace and reaches the
firewall namespace through sshd, so a change that cuts new SSH connections shows as it would in the field.

The change: the enterprise profile with host placement, the controller in the "MPLS" range and the
firewall's own address outside the customer networks. Section 2.2 opens tcp/22 from MPLS to the customer
networks only, so after it no new SSH connection reaches the firewall; the connection the change is made
on stays up (replies are accepted), which is how 0.2.0 exited 0 and left the host unreachable.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import signal
import subprocess
import time

import pytest

import ssh_lab

# Long enough that a loaded machine still tries a new SSH connection while the change is live (at 8 s, CI once found
# the host already restored when it tried), short enough to keep the file quick.
CONFIRM_TIMEOUT = 15
# The restore of the killed run that the next run must confirm.
EARLIER_TIMEOUT = 40
# A host that locked itself out must be back by its deadline; this much later counts as a failure.
RESTORE_SLACK = 4
CHANGE = {
    'profile': 'enterprise',
    'atea_anywhere_placement': 'host',
    'atea_anywhere_networks': {'mpls': ['192.0.2.0/24'], 'internet': ['203.0.113.0/24']},
    'atea_anywhere_customer_networks': ['198.51.100.0/24'],
    # atea_anywhere_confirm is left at auto: on, as the connection is SSH.
    'atea_anywhere_confirm_timeout': CONFIRM_TIMEOUT,
}
LOCKOUT = dict(CHANGE, atea_anywhere_nftables_ssh_guard=False)
MANAGED = dict(CHANGE, atea_anywhere_management_networks=['%s/32' % ssh_lab.CONTROLLER_ADDRESS])
OWN_TABLE = 'table inet atea_anywhere {'

pytestmark = pytest.mark.skipif(bool(ssh_lab.missing_tools()),
                                reason='the SSH lab needs %s' % ', '.join(ssh_lab.missing_tools()))


@pytest.fixture
def lab(tmp_path):
    """A fresh SSH lab per test: no restore armed by an earlier test can fire during this one."""
    built = ssh_lab.SshLab('sl', state_dir=str(tmp_path / 'lab'))
    try:
        built.up()
        yield built
    finally:
        built.down()


def _host_files(lab):
    """The persistence files a run may write on the firewall, as bytes (None when absent)."""
    found = {}
    for name in ('nftables.conf', 'nftables.d/atea_anywhere.nft'):
        try:
            with open(lab.path(name), 'rb') as handle:
                found[name] = handle.read()
        except FileNotFoundError:
            found[name] = None
    return found


def _start(lab, tmp_path, extra, name):
    extra_file = tmp_path / ('%s.json' % name)
    extra_file.write_text(json.dumps(extra))
    # start_new_session: the test can kill ansible-playbook with every worker and ssh client it started.
    return subprocess.Popen(lab.playbook_argv('playbooks/site.yml', '-e', '@%s' % extra_file),  # pylint: disable=consider-using-with
                            cwd=ssh_lab.REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _site(lab, tmp_path, extra, name):
    process = _start(lab, tmp_path, extra, name)
    out = process.communicate(timeout=240)[0]
    assert 'Traceback' not in out, out
    return process.returncode, out


def _recap(out, lab):
    line = [line for line in out.splitlines() if line.startswith(lab.firewall + ' ') and 'ok=' in line]
    assert line, out
    return dict((key, int(value)) for key, value in re.findall(r'(\w+)=(\d+)', line[-1]))


def _wait_for(condition, seconds, step=0.02):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def test_a_change_that_cuts_new_ssh_connections_is_rolled_back_by_the_host_and_reported(lab, tmp_path):
    before, files_before = lab.ruleset(), _host_files(lab)
    started = time.time()
    process = _start(lab, tmp_path, LOCKOUT, 'lockout')
    assert _wait_for(lambda: OWN_TABLE in lab.ruleset(), 120), process.communicate()[0]
    applied = time.time()
    # The lockout is real: a new connection no longer gets in while the change is live.
    assert not lab.ssh_works(timeout=2)
    assert _wait_for(lambda: lab.ruleset() == before, CONFIRM_TIMEOUT + RESTORE_SLACK), lab.ruleset()
    restored = time.time()
    out = process.communicate(timeout=240)[0]
    assert 'Traceback' not in out, out
    assert process.returncode != 0, out
    said = ' '.join(out.split())
    assert 'The change was rolled back by the host: no fresh connection could confirm it within %d seconds' \
        % CONFIRM_TIMEOUT in said, out
    # The only host failed: the report and the summary list it, and the last play fails it.
    assert _recap(out, lab)['failed'] == 1
    # Byte for byte: the ruleset and the persistence files are what they were before the run.
    assert lab.ruleset() == before
    assert _host_files(lab) == files_before
    assert lab.ssh_works()
    print('lockout: applied %.1fs after start, restored by the host %.1fs later (timeout %ds), run took %.1fs'
          % (applied - started, restored - applied, CONFIRM_TIMEOUT, time.time() - started))


def test_the_ssh_guard_refuses_the_same_change_before_anything_changes(lab, tmp_path):
    before, files_before = lab.ruleset(), _host_files(lab)
    rc, out = _site(lab, tmp_path, CHANGE, 'guarded')
    assert rc != 0, out
    said = ' '.join(out.split())
    assert 'refusing' in said and ssh_lab.CONTROLLER_ADDRESS in said, out
    assert 'rolled back' not in said, out
    assert not os.path.exists(lab.path('rollback')) or not os.listdir(lab.path('rollback')), 'a restore was armed'
    assert lab.ruleset() == before
    assert _host_files(lab) == files_before
    assert lab.ssh_works()


def test_with_the_controller_in_the_management_networks_the_change_is_applied_and_confirmed(lab, tmp_path):
    before = lab.ruleset()
    rc, out = _site(lab, tmp_path, MANAGED, 'managed')
    confirmed_at = time.time()
    assert rc == 0, out
    said = ' '.join(out.split())
    assert 'confirmation: confirmed' in said, out
    assert _recap(out, lab)['changed'] >= 1
    after = lab.ruleset()
    assert after != before and OWN_TABLE in after
    assert 'ip saddr %s tcp dport 22 accept' % ssh_lab.CONTROLLER_ADDRESS in after, after
    # Still in place once the deadline of the restore the run armed has passed: the confirm disarmed it.
    time.sleep(max(0.0, confirmed_at + CONFIRM_TIMEOUT + RESTORE_SLACK - time.time()))
    assert lab.ruleset() == after
    assert lab.ssh_works()
    rc, out = _site(lab, tmp_path, MANAGED, 'managed-again')
    assert rc == 0, out
    assert _recap(out, lab)['changed'] == 0, out
    assert 'confirmation' not in out, out  # nothing changed, nothing armed
    assert lab.ruleset() == after


def _at_work(lab):
    """The command lines of what runs inside the firewall namespace besides the listening sshd: modules,
    restorers, and sshd's sessions (a command on its way to the host: it may still start a module)."""
    with open(lab.path('sshd.pid'), encoding='utf-8') as handle:
        listening = handle.read().strip()
    found = []
    for pid in ssh_lab.run(['ip', 'netns', 'pids', lab.firewall], check=False).stdout.split():
        if pid == listening:
            continue
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                arguments = handle.read().split(b'\0')
        except OSError:
            continue
        found.append(arguments)
    return found


def _busy(lab):
    return bool(_at_work(lab))


def _command_started(lab):
    """Whether a command of the run (not only an sshd session on its way to one) runs on the host."""
    return any(not arguments[0].startswith(b'sshd') for arguments in _at_work(lab))


def _kill_the_controller(lab, process):
    """ansible-playbook with its workers and ssh clients, then what outlives their process group in the
    controller namespace (ssh's ControlPersist master): the controller is gone, as if its machine died."""
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    for pid in ssh_lab.run(['ip', 'netns', 'pids', lab.controller], check=False).stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize('kill_when', ['module started', 'ruleset changed'])
def test_ansible_playbook_killed_during_apply_leaves_the_old_or_the_whole_new_state_and_the_next_run_converges(
        lab, tmp_path, kill_when):
    before, files_before = lab.ruleset(), _host_files(lab)
    process = _start(lab, tmp_path, MANAGED, 'killed')
    reached = _command_started if kill_when == 'module started' else (lambda lab: OWN_TABLE in lab.ruleset())
    assert _wait_for(lambda: reached(lab), 120, step=0.005), process.communicate()[0]
    _kill_the_controller(lab, process)
    killed = time.time()
    # Nobody confirms. Watch the host until it is quiet (no module, no restorer) and holds its previous
    # state again, byte for byte; every listing seen on the way is kept.
    seen, changed_at = [], None
    while True:
        ruleset, busy = lab.ruleset(), _busy(lab)
        if not seen or seen[-1] != ruleset:
            seen.append(ruleset)
        if ruleset != before and changed_at is None:
            changed_at = time.time()  # the module, still running on the host, may apply after the kill
        if ruleset == before and not busy:
            break
        # The host restores within its timeout of the change, and the module has long finished by then.
        assert time.time() < (changed_at or killed) + CONFIRM_TIMEOUT + RESTORE_SLACK, (seen, _at_work(lab))
        time.sleep(0.05)
    restored_after = time.time() - (changed_at or killed)
    assert _host_files(lab) == files_before
    rc, out = _site(lab, tmp_path, MANAGED, 'converge')
    assert rc == 0, out
    assert _recap(out, lab)['changed'] >= 1
    new = lab.ruleset()
    assert new != before
    # The host held either the old state or the whole new one, never a mix, at every moment watched.
    assert all(listing in (before, new) for listing in seen), seen
    rc, out = _site(lab, tmp_path, MANAGED, 'converged')
    assert rc == 0, out
    assert _recap(out, lab)['changed'] == 0, out
    assert lab.ruleset() == new
    print('killed at %s: the host went through %s; quiet with its previous state %.1fs after the change (timeout %ds)'
          % (kill_when, ' -> '.join('previous' if listing == before else 'whole new' for listing in seen),
             restored_after, CONFIRM_TIMEOUT))


def test_a_run_that_finds_an_earlier_runs_change_unconfirmed_confirms_it_instead_of_reporting_success(lab, tmp_path):
    """The earlier run is killed once its change is in force: its module still arms the restore and finishes,
    nobody confirms. The next run finds the host as it wants it; it must not say ok and let the restore undo it."""
    before = lab.ruleset()
    # The killed run's restore waits long enough for a whole new run to start on a loaded machine.
    process = _start(lab, tmp_path, dict(MANAGED, atea_anywhere_confirm_timeout=EARLIER_TIMEOUT), 'killed')
    assert _wait_for(lambda: OWN_TABLE in lab.ruleset(), 120, step=0.005), process.communicate()[0]
    _kill_the_controller(lab, process)
    restorer = os.fsencode(os.path.join(lab.path('rollback'), ''))

    def only_the_restorer():
        running = _at_work(lab)
        return running and all(any(a.startswith(restorer) for a in arguments) for arguments in running)

    # Only the restorer left on the host: the killed run's module has finished.
    assert _wait_for(only_the_restorer, 30), _at_work(lab)
    new = lab.ruleset()
    assert new != before
    (rollback_id,) = os.listdir(lab.path('rollback'))
    with open(os.path.join(lab.path('rollback'), rollback_id, 'armed'), encoding='utf-8') as handle:
        deadline = calendar.timegm(time.strptime(json.load(handle)['deadline'], '%Y-%m-%dT%H:%M:%SZ'))
    rc, out = _site(lab, tmp_path, MANAGED, 'after-the-killed-run')
    assert rc == 0, out
    said = ' '.join(out.split())
    assert "an earlier run's change is not confirmed" in said and 'confirmation: confirmed' in said, out
    assert _recap(out, lab)['changed'] >= 1
    # Past the earlier restore's deadline the change still stands: it was confirmed, not left to restore.
    time.sleep(max(0.0, deadline + RESTORE_SLACK - time.time()))
    assert lab.ruleset() == new and not os.listdir(lab.path('rollback'))
    rc, out = _site(lab, tmp_path, MANAGED, 'converged')
    assert rc == 0 and _recap(out, lab)['changed'] == 0, out
