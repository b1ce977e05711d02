# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real firewalld in a network namespace, with its own D-Bus system bus and its own /etc/firewalld.

firewalld needs the D-Bus system bus; the machine's bus is not used: a private dbus-daemon (system type,
allow-all policy for root) listens on STATE_DIR/system_bus_socket, and firewalld and every firewall-cmd
find it through DBUS_SYSTEM_BUS_ADDRESS (env()). The permanent configuration is private too: a copy of
/etc/firewalld at /etc/netns/NS/firewalld, which `ip netns exec NS` bind-mounts over /etc/firewalld for
every command it runs (ip-netns(8): "/etc/netns/NAME/... bind mounted over /etc/...").

Library: start(ns, state_dir) / stop(ns, state_dir), bus_address(state_dir), env(state_dir), firewall_cmd().
CLI: python tests/lib/firewalld_daemon.py start|stop NS STATE_DIR
The namespace must exist (the caller creates and deletes it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

FIREWALLD_ETC = '/etc/firewalld'
START_TIMEOUT = 30.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


class DaemonError(Exception):
    """The private bus or firewalld could not be started."""


def bus_socket(state_dir):
    return os.path.join(os.path.abspath(state_dir), 'system_bus_socket')


def bus_address(state_dir):
    """The DBUS_SYSTEM_BUS_ADDRESS of the namespace's private system bus."""
    return 'unix:path=%s' % bus_socket(state_dir)


def env(state_dir):
    """This process's environment with the private system bus: for firewalld and every firewall-cmd."""
    result = dict(os.environ)
    result['DBUS_SYSTEM_BUS_ADDRESS'] = bus_address(state_dir)
    return result


def netns_etc(ns):
    return os.path.join('/etc/netns', ns)


def log_path(state_dir):
    return os.path.join(os.path.abspath(state_dir), 'firewalld.log')


def firewall_cmd(ns, state_dir, *args, check=False, timeout=60):
    """Run `firewall-cmd ARGS` in the namespace on its private bus; the CompletedProcess (text)."""
    return subprocess.run(['ip', 'netns', 'exec', ns, 'firewall-cmd'] + list(args), env=env(state_dir),
                          capture_output=True, text=True, check=check, timeout=timeout)


def _pid_file(state_dir, name):
    return os.path.join(os.path.abspath(state_dir), '%s.pid' % name)


def _read_pid(state_dir, name):
    try:
        with open(_pid_file(state_dir, name), encoding='utf-8') as handle:
            text = handle.read().strip()
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0


def _log_tail(state_dir, lines=30):
    try:
        with open(log_path(state_dir), encoding='utf-8', errors='replace') as handle:
            return ''.join(handle.readlines()[-lines:])
    except OSError:
        return '(no firewalld log)'


def _start_bus(state_dir):
    config = os.path.join(os.path.abspath(state_dir), 'system-bus.conf')
    with open(config, 'w', encoding='utf-8') as handle:
        handle.write(BUS_CONFIG % bus_socket(state_dir))
    if os.path.exists(bus_socket(state_dir)):
        os.unlink(bus_socket(state_dir))
    done = subprocess.run(['dbus-daemon', '--config-file=%s' % config, '--fork', '--print-pid'],
                          capture_output=True, text=True, check=False, timeout=30)
    pid = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ''
    if done.returncode != 0 or not pid.isdigit():
        raise DaemonError('dbus-daemon did not start (rc %d): %s' % (done.returncode, done.stderr.strip()))
    with open(_pid_file(state_dir, 'dbus'), 'w', encoding='utf-8') as handle:
        handle.write(pid + '\n')


def _private_etc(ns):
    """A copy of the machine's /etc/firewalld that only this namespace sees."""
    target = os.path.join(netns_etc(ns), 'firewalld')
    if os.path.exists(target):
        shutil.rmtree(target)
    os.makedirs(netns_etc(ns), exist_ok=True)
    shutil.copytree(FIREWALLD_ETC, target, symlinks=True)


def state(ns, state_dir):
    """What `firewall-cmd --state` says in the namespace ('running', 'not running', ...)."""
    done = firewall_cmd(ns, state_dir, '--state', timeout=30)
    return (done.stdout.strip() or done.stderr.strip())


def start(ns, state_dir, timeout=START_TIMEOUT):
    """Start the private bus and firewalld in namespace NS; return firewalld's pid once it says running."""
    os.makedirs(state_dir, exist_ok=True)
    _private_etc(ns)
    _start_bus(state_dir)
    with open(os.path.join(os.path.abspath(state_dir), 'firewalld.stdout'), 'w', encoding='utf-8') as out:
        process = subprocess.Popen(['ip', 'netns', 'exec', ns, 'firewalld', '--nofork', '--nopid',
                                    '--log-file', log_path(state_dir)],
                                   env=env(state_dir), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    with open(_pid_file(state_dir, 'firewalld'), 'w', encoding='utf-8') as handle:
        handle.write('%d\n' % process.pid)
    deadline = time.monotonic() + timeout
    said = ''
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stop(ns, state_dir)
            raise DaemonError('firewalld exited (rc %s) in %s; log tail:\n%s' % (process.returncode, ns, _log_tail(state_dir)))
        said = state(ns, state_dir)
        if said == 'running':
            return process.pid
        time.sleep(0.5)
    stop(ns, state_dir)
    raise DaemonError('firewalld in %s not running after %.0f s (firewall-cmd --state: %s); log tail:\n%s'
                      % (ns, timeout, said, _log_tail(state_dir)))


def _kill(pid, group):
    if pid <= 1:
        return
    try:
        if group:
            os.killpg(pid, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    for _attempt in range(50):
        try:
            os.kill(pid, 0)
            # Reap it if it is our child (start() and stop() in one process).
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop(ns, state_dir):
    """Stop firewalld and the private bus (by their recorded pids) and remove /etc/netns/NS/firewalld."""
    # firewalld runs in its own session (start_new_session): its pid is its process group.
    _kill(_read_pid(state_dir, 'firewalld'), group=True)
    _kill(_read_pid(state_dir, 'dbus'), group=False)
    for name in ('firewalld', 'dbus'):
        if os.path.exists(_pid_file(state_dir, name)):
            os.unlink(_pid_file(state_dir, name))
    if os.path.exists(bus_socket(state_dir)):
        os.unlink(bus_socket(state_dir))
    shutil.rmtree(os.path.join(netns_etc(ns), 'firewalld'), ignore_errors=True)
    if os.path.isdir(netns_etc(ns)) and not os.listdir(netns_etc(ns)):
        os.rmdir(netns_etc(ns))


def main(argv):
    if len(argv) != 4 or argv[1] not in ('start', 'stop'):
        sys.stderr.write('usage: %s start|stop NS STATE_DIR\n' % argv[0])
        return 2
    action, ns, state_dir = argv[1:]
    if action == 'start':
        try:
            pid = start(ns, state_dir)
        except DaemonError as error:
            sys.stderr.write('%s\n' % error)
            return 1
        sys.stdout.write('firewalld running in %s (pid %d); DBUS_SYSTEM_BUS_ADDRESS=%s\n' % (ns, pid, bus_address(state_dir)))
        return 0
    stop(ns, state_dir)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
