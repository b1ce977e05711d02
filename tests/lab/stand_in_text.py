# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand-ins' saved state (fake_fortios.py and fake_routeros.py keep JSON tables) as the device would print
it, so that the independent device model (tests/lib/device_model.py) reads what an apply run left on the device:
FortiOS as `show` prints it (config / edit / set / next / end), RouterOS as `/export` prints it (a menu line, then
`add field=value ...` in the menu's order). Written from the devices' formats, not from the renderers' code.
"""

from __future__ import annotations

import json
import re

# FortiOS REST table -> its key field (None: a settings object); the CLI path is the REST path with / and . as
# spaces (firewall.service/custom -> config firewall service custom).
FORTIOS_KEYS = {'firewall/address': 'name', 'firewall/address6': 'name', 'firewall/addrgrp': 'name',
                'firewall/addrgrp6': 'name', 'firewall.service/custom': 'name', 'firewall/policy': 'policyid',
                'system/session-helper': 'id', 'system/settings': None}
# FortiOS prints these as one quoted string; other text values as their words.
FORTIOS_QUOTED = ('name', 'comment', 'comments')


def _fortios_quoted(text):
    return '"%s"' % str(text).replace('\\', '\\\\').replace('"', '\\"')


def _fortios_set(field, value):
    if isinstance(value, list):
        # A list of references ([{'name': ...}]), as `set srcintf "internal" "wan2"`.
        words = [_fortios_quoted(item['name'] if isinstance(item, dict) else item) for item in value]
        if not words:
            return None
    elif field in FORTIOS_QUOTED:
        words = [_fortios_quoted(value)]
    else:
        words = str(value).split()
    return '        set %s %s' % (field, ' '.join(words))


def fortios_show(state):
    """The FortiOS CLI configuration of a fake_fortios.py state (its JSON text or its tables), tables in the
    order given and entries in table order (a policy table's order is the order FortiOS evaluates it in)."""
    tables = json.loads(state) if isinstance(state, str) else state
    lines = []
    for table, entries in tables.items():
        if table not in FORTIOS_KEYS:
            raise ValueError('no CLI path known for the stand-in table %s' % table)
        lines.append('config %s' % re.sub(r'[/.]', ' ', table))
        key = FORTIOS_KEYS[table]
        if key is None:
            # A settings object: its set lines straight under config.
            lines += ['    ' + line.strip() for line in
                      (_fortios_set(field, value) for field, value in entries.items()) if line]
        else:
            for entry in entries:
                lines.append('    edit %s' % (_fortios_quoted(entry[key]) if key == 'name' else entry[key]))
                lines += [line for line in (_fortios_set(field, value) for field, value in entry.items()
                                            if field != key) if line]
                lines.append('    next')
        lines.append('end')
    return '\n'.join(lines) + '\n'


# RouterOS API menu -> the export's menu line; the API's true/false as the export's yes/no.
ROUTEROS_MENUS = ('/ip/firewall/address-list', '/ipv6/firewall/address-list', '/ip/firewall/filter',
                  '/ipv6/firewall/filter', '/ip/firewall/service-port')
ROUTEROS_BOOLEANS = {'true': 'yes', 'false': 'no'}
# RouterOS export leaves a value bare when it holds only these.
_ROUTEROS_BARE = re.compile(r'^[A-Za-z0-9_.,:/!*+-]+$')


def _routeros_value(value):
    value = ROUTEROS_BOOLEANS.get(str(value), str(value))
    if _ROUTEROS_BARE.match(value):
        return value
    return '"%s"' % re.sub(r'(["\\$])', r'\\\1', value)


def routeros_export(state):
    """The RouterOS /export text of a fake_routeros.py state (its JSON text or its menus): address lists, then the
    filter chains in their order (the order RouterOS evaluates them in), then the service ports (helpers), which
    an export can only `set`."""
    menus = json.loads(state) if isinstance(state, str) else state
    unknown = sorted(set(menus) - set(ROUTEROS_MENUS))
    if unknown:
        raise ValueError('no export form known for the stand-in menu %s' % unknown[0])
    lines = []
    for menu in ROUTEROS_MENUS:
        entries = menus.get(menu, [])
        if not entries:
            continue
        lines.append('/' + menu.strip('/').replace('/', ' '))
        for entry in entries:
            fields = dict((field, value) for field, value in entry.items()
                          if field != '.id' and not (field == 'disabled' and str(value) in ('false', 'no')))
            if menu.endswith('service-port'):
                name = fields.pop('name')
                fields.setdefault('disabled', 'no')
                lines.append('set %s %s' % (name, ' '.join('%s=%s' % (field, _routeros_value(value))
                                                           for field, value in sorted(fields.items()))))
            else:
                lines.append('add %s' % ' '.join('%s=%s' % (field, _routeros_value(value))
                                                 for field, value in sorted(fields.items())))
    return '\n'.join(lines) + '\n'
