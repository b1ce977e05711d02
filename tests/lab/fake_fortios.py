# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in FortiGate (FortiOS 7.2) for the apply tests, reached by fortinet.fortios over its REST API.

It answers what the httpapi plugin and the fortios_* modules use (login check, system status, cmdb GET,
POST, PUT, DELETE with revision_changed) for the tables the collection writes, and keeps them in a JSON
file the tests read. Like FortiOS it refuses a field a table does not have, a group member, policy
address or service that does not exist, a policy name another policy has, the deletion of an entry
something still uses, and a name, comment or policy id longer or larger than FortiOS takes. Policies keep
their order, and a PUT with action=move and before= or after= another policy's id moves one, as FortiOS's
REST API does. With --fail-write N the N-th write (POST, PUT or DELETE) is refused once and changes
nothing, as a device that drops a request halfway through a run would: the tests show what a run that stops
there leaves behind, and that the next run converges.

A cmdb GET answers as FortiOS does, not as the entry was written: each entry and each item of a list of names
carries q_origin_key (its key), and an address's subnet is given as address and netmask ("192.0.2.0
255.255.255.0") whichever notation was written. The cmdb requests it answered are counted per method (GET, POST,
PUT, DELETE) in <config>.requests.json beside the tables, rewritten after each request; the tests and the
benchmark read them with requests_answered(config).

    python fake_fortios.py --listen 127.0.0.1:8443 --config tables.json --user lab --password TOKEN
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import stand_in

_ADDRESS = {'name', 'comment', 'subnet', 'type'}
# cmdb path -> (key, fields); a key of None is a single settings object.
TABLES = {
    'firewall/address': ('name', _ADDRESS),
    'firewall/address6': ('name', {'name', 'comment', 'ip6', 'type'}),
    'firewall/addrgrp': ('name', {'name', 'member', 'comment'}),
    'firewall/addrgrp6': ('name', {'name', 'member', 'comment'}),
    'firewall.service/custom': ('name', {'name', 'comment', 'protocol', 'icmptype', 'tcp-portrange',
                                         'udp-portrange'}),
    'firewall/policy': ('policyid', {'policyid', 'name', 'srcintf', 'dstintf', 'srcaddr', 'dstaddr', 'srcaddr6',
                                     'dstaddr6', 'action', 'schedule', 'service', 'logtraffic', 'comments'}),
    'system/session-helper': ('id', {'id', 'name', 'protocol', 'port'}),
    'system/settings': (None, {'default-voip-alg-mode', 'opmode'}),
}
# Name fields and the tables their names must exist in.
REFERENCES = {
    ('firewall/addrgrp', 'member'): ('firewall/address',),
    ('firewall/addrgrp6', 'member'): ('firewall/address6',),
    ('firewall/policy', 'srcaddr'): ('firewall/address', 'firewall/addrgrp'),
    ('firewall/policy', 'dstaddr'): ('firewall/address', 'firewall/addrgrp'),
    ('firewall/policy', 'srcaddr6'): ('firewall/address6', 'firewall/addrgrp6'),
    ('firewall/policy', 'dstaddr6'): ('firewall/address6', 'firewall/addrgrp6'),
    ('firewall/policy', 'service'): ('firewall.service/custom',),
}
# FortiOS CLI reference sizes (config firewall address, addrgrp, service custom, policy) and the policy id
# range (FortiManager "Policy ID support"), written here apart from the renderer's own table.
NAME_LENGTH = {'firewall/policy': 35}
COMMENT_LENGTH = {'firewall/policy': 1023}
OBJECT_NAME_LENGTH = 79
OBJECT_COMMENT_LENGTH = 255
MAX_POLICY_ID = 4294967294
# The methods that change something; counted apart from GET by requests_answered().
WRITES = ('POST', 'PUT', 'DELETE')
CMDB = re.compile(r'/api/v2/cmdb/(?P<table>[\w.-]+/[\w-]+)(/(?P<key>[^/?]+))?$')


def _requests_file(config):
    return str(config) + '.requests.json'


def requests_answered(config):
    """Method -> the cmdb requests the stand-in keeping this configuration file has answered (all 0 before any)."""
    try:
        with open(_requests_file(config), encoding='utf-8') as handle:
            return json.load(handle)
    except FileNotFoundError:
        return dict((method, 0) for method in ('GET',) + WRITES)


class Device(object):
    """Table -> entries (settings: one object), saved to the JSON file after every change."""

    def __init__(self, path, fail_write=0):
        self.path = path
        self.fail_write = fail_write
        self.writes = 0
        self.requests = dict((method, 0) for method in ('GET',) + WRITES)
        self.lock = threading.Lock()
        with open(path, encoding='utf-8') as handle:
            self.tables = json.load(handle)
        for table, (key, _fields) in TABLES.items():
            self.tables.setdefault(table, {} if key is None else [])

    def save(self):
        with open(self.path, 'w', encoding='utf-8') as handle:
            json.dump(self.tables, handle, indent=1)

    def count(self, method):
        self.requests[method] += 1
        with open(_requests_file(self.path), 'w', encoding='utf-8') as handle:
            json.dump(self.requests, handle)

    def find(self, table, key):
        field = TABLES[table][0]
        return next((entry for entry in self.tables[table] if str(entry.get(field)) == str(key)), None)

    def _names(self, table):
        return set(entry.get('name') for entry in self.tables[table])

    def check(self, table, entry):
        """The reason FortiOS would refuse the entry, or None."""
        unknown = sorted(set(entry) - TABLES[table][1])
        if unknown:
            return 'invalid field %s' % unknown[0]
        key = TABLES[table][0]
        if len(str(entry.get('name', ''))) > NAME_LENGTH.get(table, OBJECT_NAME_LENGTH):
            return 'name too long: %s' % entry['name']
        comment = entry.get('comments', entry.get('comment', ''))
        if len(str(comment)) > COMMENT_LENGTH.get(table, OBJECT_COMMENT_LENGTH):
            return 'comment too long (%d characters)' % len(comment)
        if table == 'firewall/policy' and not 0 <= int(entry.get(key, 0)) <= MAX_POLICY_ID:
            return 'policy id out of range: %s' % entry.get(key)
        if table == 'firewall/policy' and any(other.get('name') == entry.get('name') and other[key] != entry[key]
                                              for other in self.tables[table]):
            return 'duplicate policy name %s' % entry.get('name')
        for (owner, field), targets in REFERENCES.items():
            if owner != table or field not in entry:
                continue
            for item in entry[field]:
                if not any(item.get('name') in self._names(target) for target in targets):
                    return 'entry not found in datasource: %s %s' % (field, item.get('name'))
        return None

    def move(self, table, key, query):
        """Move the entry before or after another (PUT ?action=move&before=<key>): its new place, or the reason
        FortiOS would refuse."""
        entry, entries = self.find(table, key), self.tables[table]
        where = 'before' if 'before' in query else 'after'
        target = self.find(table, query.get(where, [''])[0])
        if entry is None or target is None:
            return None, 'entry not found'
        if entry is target:
            return None, 'cannot move an entry %s itself' % where
        rest = [other for other in entries if other is not entry]
        at = rest.index(target) + (where == 'after')
        self.tables[table] = rest[:at] + [entry] + rest[at:]
        return self.tables[table] != entries, None

    def used(self, table, key):
        """Who still uses the entry, or None."""
        for (owner, field), targets in REFERENCES.items():
            if table not in targets:
                continue
            for entry in self.tables[owner]:
                if any(item.get('name') == key for item in entry.get(field, [])):
                    return '%s %s' % (owner, entry.get(TABLES[owner][0]))
        return None


def as_read(table, entry):
    """An entry as a cmdb GET returns it: q_origin_key on the entry (tables with a key) and on each item of
    its lists of names, a subnet as address and netmask."""
    key = TABLES[table][0]
    shown = dict((field, [dict(item, q_origin_key=item.get('name')) for item in value] if isinstance(value, list)
                  else value) for field, value in entry.items())
    if key is not None:
        shown['q_origin_key'] = entry.get(key)
    if '/' in str(entry.get('subnet', '')):
        network = ipaddress.ip_interface(entry['subnet'])
        shown['subnet'] = '%s %s' % (network.ip, network.netmask)
    return shown


class _Handler(BaseHTTPRequestHandler):
    device = None
    token = None

    def log_message(self, *args):
        """Quiet: the tests read the tables, not the access log."""

    def _reply(self, status, body):
        data = json.dumps(dict(body, http_status=status)).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, message):
        self._reply(status, {'status': 'error', 'error': -1, 'cli_error': message})

    def _handle(self, method):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        token = self.headers.get('Authorization', '').replace('Bearer ', '') or query.get('access_token', [''])[0]
        if url.path == '/logincheck':
            return self._reply(200, {'status': 'success'})
        if token != self.token:
            return self._error(401, 'unauthorized')
        if url.path == '/api/v2/monitor/system/status':
            return self._reply(200, {'status': 'success', 'version': 'v7.2.8', 'build': 1639, 'serial': 'FGVMLAB',
                                     'results': {'hostname': 'atea-lab-fgt', 'model': 'FGVM', 'model_name': 'FortiGate'}})
        found = CMDB.match(url.path)
        if not found or found.group('table') not in TABLES:
            return self._error(404, 'no such path')
        table, key = found.group('table'), found.group('key')
        key = unquote(key) if key else None
        length = int(self.headers.get('Content-Length') or 0)
        # A move sends the JSON null as its body.
        body = (json.loads(self.rfile.read(length) or b'{}') if length else {}) or {}
        with self.device.lock:
            self.device.count(method)
            return self._cmdb(method, table, key, body, query)

    def _cmdb(self, method, table, key, body, query):
        device, field = self.device, TABLES[table][0]
        if method != 'GET':
            device.writes += 1
            if device.writes == device.fail_write:
                return self._error(503, 'stand-in fault: write %d (%s %s) refused' % (device.writes, method, table))
        if method == 'PUT' and query.get('action') == ['move']:
            if table != 'firewall/policy':
                return self._error(405, 'move is for ordered tables')
            changed, reason = device.move(table, key, query)
            if reason:
                return self._error(500, reason)
            device.save()
            return self._reply(200, {'status': 'success', 'mkey': key, 'revision_changed': changed})
        if field is None:
            if method == 'GET':
                return self._reply(200, {'status': 'success', 'results': as_read(table, device.tables[table])})
            reason = device.check(table, body)
            if reason:
                return self._error(500, reason)
            before = dict(device.tables[table])
            device.tables[table].update(body)
            device.save()
            return self._reply(200, {'status': 'success', 'revision_changed': before != device.tables[table]})
        entry = device.find(table, key) if key is not None else None
        if method == 'GET':
            if key is None:
                return self._reply(200, {'status': 'success',
                                         'results': [as_read(table, item) for item in device.tables[table]]})
            if entry is None:
                return self._error(404, 'entry not found')
            return self._reply(200, {'status': 'success', 'results': [as_read(table, entry)]})
        if method == 'DELETE':
            if entry is None:
                return self._error(404, 'entry not found')
            user = device.used(table, entry.get('name'))
            if user:
                return self._error(500, 'entry is used by %s' % user)
            device.tables[table].remove(entry)
            device.save()
            return self._reply(200, {'status': 'success', 'revision_changed': True})
        if method == 'POST':
            if device.find(table, body.get(field)) is not None:
                return self._error(500, 'entry already exists')
            reason = device.check(table, body)
            if reason:
                return self._error(500, reason)
            device.tables[table].append(body)
            device.save()
            return self._reply(200, {'status': 'success', 'mkey': body.get(field), 'revision_changed': True})
        if method == 'PUT':
            if entry is None:
                return self._error(404, 'entry not found')
            merged = dict(entry, **body)
            reason = device.check(table, merged)
            if reason:
                return self._error(500, reason)
            changed = merged != entry
            entry.update(body)
            device.save()
            return self._reply(200, {'status': 'success', 'mkey': key, 'revision_changed': changed})
        return self._error(405, 'method not allowed')

    def do_GET(self):  # noqa: N802 (the http.server interface)
        self._handle('GET')

    def do_POST(self):  # noqa: N802
        self._handle('POST')

    def do_PUT(self):  # noqa: N802
        self._handle('PUT')

    def do_DELETE(self):  # noqa: N802
        self._handle('DELETE')


def main():
    args = stand_in.arguments(
        __doc__.splitlines()[0],
        ('--fail-write', dict(type=int, default=0, help='refuse this write (counted from 1) once; 0: none')))
    address, port = args.listen.rsplit(':', 1)
    handler = type('Handler', (_Handler,), {'device': Device(args.config, args.fail_write), 'token': args.password})
    server = ThreadingHTTPServer((address, int(port)), handler)
    print('listening', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
