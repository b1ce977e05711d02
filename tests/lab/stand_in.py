# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the stand-in devices share (fake_ios.py, fake_junos.py, fake_routeros.py, fake_fortios.py): their
command line, a listener with one thread per connection, and for SSH devices password login, a shell or the
netconf subsystem."""

from __future__ import annotations

import argparse
import socket
import threading

import paramiko


class _Server(paramiko.ServerInterface):
    def __init__(self, user, password):
        self.user, self.password = user, password
        self.opened = threading.Event()

    def check_auth_password(self, username, password):
        ok = (username, password) == (self.user, self.password)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username):
        return 'password'

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == 'session' else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, channel, term, width, height, pixelwidth, pixelheight, modes):
        return True

    def check_channel_shell_request(self, channel):
        self.opened.set()
        return True

    def check_channel_subsystem_request(self, channel, name):
        if name != 'netconf':
            return False
        self.opened.set()
        return True


def _serve(client, host_key, session, user, password):
    transport = paramiko.Transport(client)
    transport.add_server_key(host_key)
    server = _Server(user, password)
    try:
        transport.start_server(server=server)
        channel = transport.accept(30)
        if channel is None or not server.opened.wait(30):
            return
        session(channel)
    except (EOFError, OSError, paramiko.SSHException):
        pass
    finally:
        transport.close()


def arguments(description, *options):
    """The command line of a stand-in device; options are (flag, add_argument keywords) of its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--listen', required=True, help='address:port')
    parser.add_argument('--config', required=True, help='configuration file, read at start and kept')
    parser.add_argument('--user', required=True)
    parser.add_argument('--password', required=True)
    for flag, keywords in options:
        parser.add_argument(flag, **keywords)
    return parser.parse_args()


def confirm_options(minute):
    """The options of a stand-in whose changes await confirmation (IOS-XE revert timer, Junos commit confirmed):
    how long its minute lasts, and whether it refuses connections while a change awaits confirmation."""
    return (('--seconds-per-minute', dict(type=float, default=60, help='length of a %s minute' % minute)),
            ('--cut-off-while-pending',
             dict(action='store_true', help='refuse connections while a change awaits confirmation')))


def serve(args, session, ssh=True, admit=None):
    """Accept connections on args.listen for ever; session(channel) runs each in a thread, on an SSH
    channel after login, or with ssh=False on the TCP socket itself. Where admit() says no, a new
    connection is closed at once, as if the device could no longer be reached."""
    address, port = args.listen.rsplit(':', 1)
    host_key = paramiko.ECDSAKey.generate() if ssh else None
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, int(port)))
    listener.listen(8)
    print('listening', flush=True)
    while True:
        client = listener.accept()[0]
        if admit is not None and not admit():
            client.close()
            continue
        if ssh:
            threading.Thread(target=_serve, args=(client, host_key, session, args.user, args.password),
                             daemon=True).start()
        else:
            threading.Thread(target=session, args=(client,), daemon=True).start()
