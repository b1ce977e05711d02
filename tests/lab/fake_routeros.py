# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in MikroTik RouterOS 7 for the apply tests, reached by community.routeros over its API (TCP).

It speaks the API's sentences (login, print, add, set, remove, move) on the firewall menus the
collection uses and keeps them in a JSON file the tests read. Fields outside what those menus take
are refused, like RouterOS' "unknown parameter", service ports can only be set, not added, only
filter rules can be moved, and a port list of more than 15 ports or ranges is refused (the netfilter
multiport limit the RouterOS renderer keeps to).

    python fake_routeros.py --listen 127.0.0.1:8728 --config menus.json --user lab --password lab
"""

from __future__ import annotations

import itertools
import json
import threading

import stand_in

_ADDRESS_LIST = {'list', 'address', 'comment', 'disabled', 'timeout'}
_FILTER = {'chain', 'action', 'protocol', 'icmp-options', 'src-address', 'dst-address', 'src-address-list',
           'dst-address-list', 'src-port', 'dst-port', 'in-interface', 'out-interface', 'in-interface-list',
           'out-interface-list', 'connection-state', 'connection-nat-state', 'comment', 'disabled', 'log'}
FIELDS = {
    '/ip/firewall/address-list': _ADDRESS_LIST,
    '/ipv6/firewall/address-list': _ADDRESS_LIST,
    '/ip/firewall/filter': _FILTER,
    '/ipv6/firewall/filter': _FILTER,
    '/ip/firewall/service-port': {'name', 'ports', 'disabled'},
}
FIXED = {'/ip/firewall/service-port'}
MAX_PORTS = 15


def _value(value):
    return {'yes': 'true', 'no': 'false'}.get(value, value)


class Device(object):
    """Menu -> entries (field -> text, with '.id'), saved to the JSON file after every change."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.menus = dict((menu, []) for menu in FIELDS)
        with open(path, encoding='utf-8') as handle:
            for menu, entries in json.load(handle).items():
                self.menus[menu] = [dict(entry) for entry in entries]
        self.ids = itertools.count(1)
        for entries in self.menus.values():
            for entry in entries:
                entry['.id'] = '*%X' % next(self.ids)

    def save(self):
        with open(self.path, 'w', encoding='utf-8') as handle:
            json.dump(dict((menu, [dict((k, v) for k, v in e.items() if k != '.id') for e in entries])
                           for menu, entries in self.menus.items()), handle, indent=1)

    def _entry(self, entries, ident):
        entry = next((e for e in entries if e['.id'] == ident), None)
        if entry is None:
            raise ValueError('no such item (%s)' % ident)
        return entry

    def run(self, command, words):
        """The reply sentences to one command sentence."""
        menu, verb = command.rsplit('/', 1)
        if menu not in FIELDS:
            raise ValueError('no such command prefix')
        entries = self.menus[menu]
        if verb == 'print':
            return [['!re'] + ['=%s=%s' % item for item in dict({'disabled': 'false'}, **entry).items()]
                    for entry in entries]
        arguments = dict(word[1:].split('=', 1) for word in words if word.startswith('='))
        fields = [k.lstrip('!') for k in arguments if k not in ('.id', 'numbers', 'destination')]
        unknown = [k for k in fields if k not in FIELDS[menu]]
        if unknown:
            raise ValueError('unknown parameter %s' % unknown[0])
        for field in ('src-port', 'dst-port'):
            if len(arguments.get(field, '').split(',')) > MAX_PORTS:
                raise ValueError('too many ports in %s (at most %d)' % (field, MAX_PORTS))
        if verb == 'add':
            if menu in FIXED:
                raise ValueError('entries here can only be set')
            entry = dict((k, _value(v)) for k, v in arguments.items())
            entry['.id'] = '*%X' % next(self.ids)
            entries.append(entry)
            return [['!done', '=ret=%s' % entry['.id']]]
        if verb == 'set':
            entry = self._entry(entries, arguments.pop('.id'))
            for key, value in arguments.items():
                if key.startswith('!'):
                    entry.pop(key[1:], None)
                else:
                    entry[key] = _value(value)
            return []
        if verb == 'remove':
            if menu in FIXED:
                raise ValueError('entries here can only be set')
            gone = [self._entry(entries, ident) for ident in arguments['.id'].split(',')]
            self.menus[menu] = [e for e in entries if e not in gone]
            return []
        if verb == 'move':
            if not menu.endswith('/filter'):
                raise ValueError('no such command')
            moving = [self._entry(entries, ident) for ident in arguments['numbers'].split(',')]
            rest = [e for e in entries if e not in moving]
            target = self._entry(entries, arguments['destination']) if 'destination' in arguments else None
            at = rest.index(target) if target in rest else len(rest)
            self.menus[menu] = rest[:at] + moving + rest[at:]
            return []
        raise ValueError('no such command')


def _read(connection, size):
    data = b''
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _read_word(connection):
    """One word: its length in one to four bytes (the high bits say how many), then the text."""
    head = _read(connection, 1)
    for limit, size, flag in ((0x80, 1, 0), (0xC0, 2, 0x8000), (0xE0, 3, 0xC00000), (0xF0, 4, 0xE0000000)):
        if head[0] < limit:
            break
    length = int.from_bytes(head + _read(connection, size - 1), 'big') ^ flag
    return _read(connection, length).decode()


def _encode(word):
    data = word.encode()
    size = len(data)
    if size < 0x80:
        head = size.to_bytes(1, 'big')
    elif size < 0x4000:
        head = (size | 0x8000).to_bytes(2, 'big')
    else:
        head = (size | 0xC00000).to_bytes(3, 'big')
    return head + data


def _session(connection, device, user, password):
    logged_in = False
    try:
        while True:
            sentence = []
            while True:
                word = _read_word(connection)
                if not word:
                    break
                sentence.append(word)
            if not sentence:
                continue
            command, words = sentence[0], sentence[1:]
            if command == '/login':
                logged_in = ('=name=%s' % user in words and '=password=%s' % password in words)
                replies = [['!done']] if logged_in else [['!trap', '=message=invalid user name or password (6)'],
                                                         ['!done']]
            elif not logged_in:
                replies = [['!fatal', 'not logged in']]
            else:
                with device.lock:
                    try:
                        replies = device.run(command, words)
                        if not replies or replies[-1][0] != '!done':
                            replies = replies + [['!done']]
                        if not command.endswith('/print'):
                            device.save()
                    except ValueError as error:
                        replies = [['!trap', '=message=%s' % error], ['!done']]
            connection.sendall(b''.join(b''.join(_encode(w) for w in reply) + b'\x00' for reply in replies))
    except (EOFError, OSError):
        pass
    finally:
        connection.close()


def main():
    args = stand_in.arguments(__doc__.splitlines()[0])
    device = Device(args.config)
    stand_in.serve(args, lambda connection: _session(connection, device, args.user, args.password), ssh=False)


if __name__ == '__main__':
    main()
