# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in Cisco IOS-XE device for the apply tests, reached by cisco.ios over real SSH.

It speaks what cisco.ios's terminal and cliconf plugins use (exec and configuration modes, the
sub-modes of access lists and object-groups, show version/running-config) and keeps its running
configuration in a file the tests read, printed as IOS-XE prints it (numbered access-list entries,
some ports by name). It accepts only the command forms it knows, so a malformed line fails as on a
device, refuses to remove an entry that is not there and to delete an object-group an access list
still uses, so the tests show that removals come in a working order. Access-list lines keep their sequence
numbers as IOS-XE does ('IP Access List Entry Sequence Numbering'): a line given with a number ('25 permit ...',
IPv6 'sequence 25 permit ...') goes at that place, a number already used is refused ('% Duplicate sequence
number'), a line without one goes 10 after the last, 'no 25' ('no sequence 25') removes one, and
'ip access-list resequence NAME first step' ('ipv6 access-list resequence ...') renumbers a list. It keeps the
device's limits on its own (not from the renderer): a remark of more than 100 characters, a list of more than
2048 object-group entries, a sequence number past 2147483647 are refused. It does not check what IOS-XE would
accept beyond that; the reviewed references and the vendor documentation do.

Where the configuration has an archive (an 'archive' block with a 'path'), it answers the Configuration
Rollback Confirmed Change feature as cisco.ios's cliconf plugin drives it ('show archive', 'show archive
config rollback timer', 'configure terminal revert timer <minutes>', 'configure confirm'): unless confirmed
within the minutes, the running configuration reverts to what it was when the timer was set (Cisco IOS XE
Managing Configuration Files Configuration Guide, "Configuration Rollback Confirmed Change"). Each revert
timer, confirmation and revert is written to <config>.journal with the session that made it.
--seconds-per-minute shortens the tests' wait; --cut-off-while-pending refuses new connections while a
change awaits confirmation, as if that change had cut the management path.

    python fake_ios.py --listen 127.0.0.1:8022 --config running.cfg --user lab --password lab
"""

from __future__ import annotations

import copy
import itertools
import re
import threading

import stand_in

HOSTNAME = 'atea-lab-ios'
SHOW_VERSION = """Cisco IOS XE Software, Version 17.09.04a
Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 17.9.4a
{host} uptime is 1 day, 2 hours, 3 minutes
System image file is "bootflash:packages.conf"
cisco C8000V (VXE) processor (revision VXE) with 2028465K/3075K bytes of memory.
"""
INVALID = "% Invalid input detected at '^' marker."
# Sub-mode per block header, with the child lines it takes.
SUBMODES = (
    (re.compile(r'ip access-list extended [\w-]+'), 'config-ext-nacl',
     re.compile(r'remark .{1,100}|(permit|deny) (tcp|udp|icmp|ip|object-group [\w-]+) .+')),
    (re.compile(r'ipv6 access-list [\w-]+'), 'config-ipv6-acl',
     re.compile(r'remark .{1,100}|(permit|deny) (tcp|udp|icmp|ipv6|object-group [\w-]+) .+')),
    (re.compile(r'object-group network [\w-]+'), 'config-network-group',
     re.compile(r'description .+|host [\d.]+|[\d.]+ [\d.]+|group-object [\w-]+')),
    (re.compile(r'object-group v6-network [\w-]+'), 'config-v6-network-group',
     re.compile(r'description .+|host [\da-fA-F:]+|[\da-fA-F:]+/\d+|group-object [\w-]+')),
    # Only an interface the configuration has (Device.configure checks).
    (re.compile(r'interface [\w/.:-]+'), 'config-if',
     re.compile(r'description .+|ip address .+|(ip access-group|ipv6 traffic-filter) [\w-]+ (in|out)')),
)
ACCESS_LISTS = ('ip access-list ', 'ipv6 access-list ')
# A line of an access list with the number that places it: 'N line', in IPv6 lists 'sequence N line'.
NUMBERED = {False: re.compile(r'(\d+) (.+)'), True: re.compile(r'sequence (\d+) (.+)')}
# 'no 20' ('no sequence 20') removes the line of that number.
NUMBER = {False: re.compile(r'(\d+)'), True: re.compile(r'sequence (\d+)')}
RESEQUENCE = re.compile(r'(ip|ipv6) access-list resequence ([\w-]+) (\d+) (\d+)')
# The device's limits: the highest sequence number, and object-group entries in one list (a remark's 100
# characters are in the SUBMODES patterns).
LAST_SEQUENCE = 2147483647
OBJECT_GROUP_ENTRIES = 2048
GLOBAL_LINES = re.compile(r'hostname [\w-]+|(no )?ip nat service (sip (tcp|udp) port \d+|h225|ras)')


def _submode(header):
    for pattern, prompt, children in SUBMODES:
        if pattern.fullmatch(header):
            return prompt, children
    return None


def _section(header):
    """Where show running-config prints a block: global lines, object-groups, interfaces, access lists, the rest."""
    for rank, start in enumerate(('object-group ', 'interface ', ACCESS_LISTS, 'no ip nat service')):
        if header.startswith(start):
            return rank + 1
    return 0


class Device(object):
    """The running configuration: top-level lines, each with its children, saved to a file."""

    def __init__(self, path, seconds_per_minute=60):
        self.path = path
        self.seconds_per_minute = seconds_per_minute
        self.lock = threading.Lock()
        self.blocks = []
        self.startup = None
        # While a change awaits confirmation: the configuration a revert restores, and its timer.
        self.revert_to = None
        self.timer = None
        with open(path, encoding='utf-8') as handle:
            for line in handle.read().splitlines():
                if not line.strip() or line.startswith('!') or line == 'end':
                    continue
                if not line.startswith(' '):
                    self.blocks.append([line.strip(), []])
                elif self.blocks[-1][0].startswith(ACCESS_LISTS):
                    children, ipv6 = self.blocks[-1][1], self.blocks[-1][0].startswith('ipv6')
                    numbered = NUMBERED[ipv6].fullmatch(line.strip())
                    children.append([int(numbered.group(1)), numbered.group(2)] if numbered
                                    else [(children[-1][0] if children else 0) + 10, line.strip()])
                else:
                    self.blocks[-1][1].append(line.strip())
        self.startup = self.text()

    def text(self):
        """The running configuration as show running-config prints it after its header: in its sections
        (object-groups before the interfaces, access lists after them, whenever they were made), access-list
        entries numbered (IPv6: 'sequence N'), ports 80/tcp and 69/udp by name."""
        lines = []
        for header, children in sorted(self.blocks, key=lambda block: _section(block[0])):
            lines.append(header)
            for child in children:
                if header.startswith(ACCESS_LISTS):
                    number, child = child
                    child = re.sub(r'^(permit tcp .*) eq 80$', r'\1 eq www', child)
                    child = re.sub(r'^(permit tcp .* eq )80 (.*)$', r'\1www \2', child)
                    child = re.sub(r'^(permit udp .*) eq 69$', r'\1 eq tftp', child)
                    child = '%s%d %s' % ('sequence ' if header.startswith('ipv6') else '', number, child)
                lines.append(' ' + child)
            lines.append('!')
        return '\n'.join(lines) + '\nend\n'

    def save(self):
        with open(self.path, 'w', encoding='utf-8') as handle:
            handle.write(self.text())

    def write_memory(self):
        self.startup = self.text()
        with open(self.path + '.startup', 'w', encoding='utf-8') as handle:
            handle.write(self.startup)

    def archive(self):
        """The archive path, or None where no archive is configured."""
        block = self._block('archive')
        return next((child.split(None, 1)[1] for child in block[1] if child.startswith('path ')), None) if block else None

    def journal(self, event):
        with open(self.path + '.journal', 'a', encoding='utf-8') as handle:
            handle.write(event + '\n')

    def arm_revert(self, session, minutes):
        self.revert_to = copy.deepcopy(self.blocks)
        self.timer = threading.Timer(minutes * self.seconds_per_minute, self.revert)
        self.timer.daemon = True
        self.timer.start()
        self.journal('session %d: configure terminal revert timer %d' % (session, minutes))

    def confirm(self, session):
        self.timer.cancel()
        self.revert_to = self.timer = None
        self.journal('session %d: configure confirm' % session)

    def revert(self):
        with self.lock:
            if self.revert_to is None:
                return
            self.blocks, self.revert_to, self.timer = self.revert_to, None, None
            self.save()
            self.journal('rollback confirmed change timer expired; configuration reverted')

    def _block(self, header):
        return next((block for block in self.blocks if block[0] == header), None)

    def configure(self, line, context):
        """One configuration-mode line; returns the new context (a block, or None) and the reply."""
        if context is not None:
            if context[0][0].startswith(ACCESS_LISTS):
                reply = self._access_list_line(context, line)
                if reply is not None:
                    return context, reply
            else:
                body = line[3:] if line.startswith('no ') else line
                if context[2].fullmatch(body):
                    children = context[0][1]
                    if line.startswith('no '):
                        if body not in children:
                            return context, '%% Entry not found: %s' % body
                        children.remove(body)
                    elif body not in children:
                        children.append(body)
                    return context, ''
            if line == 'exit':
                return None, ''
        if line.startswith('no ') and _submode(line[3:]):
            return None, self._remove(line[3:])
        resequence = RESEQUENCE.fullmatch(line)
        if resequence:
            return None, self._resequence(*resequence.groups())
        submode = _submode(line)
        if submode:
            block = self._block(line)
            if block is None and line.startswith('interface '):
                return context, INVALID
            if block is None:
                block = [line, []]
                self.blocks.append(block)
            return (block, submode[0], submode[1]), ''
        if GLOBAL_LINES.fullmatch(line):
            opposite = line[3:] if line.startswith('no ') else 'no ' + line
            self.blocks = [block for block in self.blocks if block[0] not in (line, opposite)]
            if line.startswith('no ip nat service') or line.startswith('hostname'):
                self.blocks.append([line, []])
            return None, ''
        return context, INVALID

    @staticmethod
    def _access_list_line(context, line):
        """A line inside an access list: the reply, or None where it is not one (then it may leave the mode)."""
        (header, children), _prompt, pattern = context
        ipv6 = header.startswith('ipv6')
        negated = line.startswith('no ')
        body = line[3:] if negated else line
        numbered = NUMBERED[ipv6].fullmatch(body)
        if negated and NUMBER[ipv6].fullmatch(body):
            number = int(body.split()[-1])
            found = [child for child in children if child[0] == number]
            if not found:
                return '%% Entry %d not found' % number
            children.remove(found[0])
            return ''
        number, body = (int(numbered.group(1)), numbered.group(2)) if numbered else (None, body)
        if not pattern.fullmatch(body):
            return None
        same = [child for child in children if child[1] == body]
        if negated:
            if number is not None or not same:
                return '%% Entry not found: %s' % body
            children.remove(same[0])
            return ''
        if same and not body.startswith('remark '):
            # As IOS-XE: an entry that is already there (whatever its number) changes nothing.
            return ''
        if number is None:
            number = (children[-1][0] if children else 0) + 10
        if number > LAST_SEQUENCE:
            return '% Exceeded maximum sequence number.'
        if any(child[0] == number for child in children):
            return '% Duplicate sequence number'
        if not body.startswith('remark ') and len([c for c in children if ' object-group ' in ' ' + c[1]]) \
                >= OBJECT_GROUP_ENTRIES and 'object-group ' in body:
            return '%% Object-group ACL entries exceed the maximum of %d' % OBJECT_GROUP_ENTRIES
        children.append([number, body])
        children.sort()
        return ''

    def _resequence(self, family, name, first, step):
        block = self._block(('ip access-list extended %s' if family == 'ip' else 'ipv6 access-list %s') % name)
        if block is None:
            return '%% Access list %s does not exist' % name
        if int(first) + int(step) * len(block[1]) > LAST_SEQUENCE:
            return '% Exceeded maximum sequence number.'
        for index, child in enumerate(block[1]):
            child[0] = int(first) + int(step) * index
        return ''

    def _remove(self, header):
        block = self._block(header)
        if block is None:
            return ''
        if header.startswith('object-group '):
            name = header.split()[-1]
            users = [other[0] for other in self.blocks
                     if any(re.search(r'object-group %s( |$)' % re.escape(name), child if isinstance(child, str)
                                      else child[1]) for child in other[1])]
            if users:
                return '%% Invalid: object-group %s is still used by %s' % (name, users[0])
        self.blocks.remove(block)
        return ''


def _exec(device, line, session):
    """One exec-mode line: the reply, and whether it enters configuration mode."""
    if line in ('terminal length 0', 'terminal width 512', 'terminal width 0', 'end', ''):
        return '', False
    if line == 'configure terminal':
        return 'Enter configuration commands, one per line.  End with CNTL/Z.', True
    if line == 'show archive':
        if device.archive() is None:
            return 'Archive feature not enabled', False
        return ('The maximum archive configurations allowed is 10.\nThe next archive file will be named %s-<timestamp>-0'
                % device.archive()), False
    if line == 'show archive config rollback timer':
        if device.revert_to is None:
            return '%No Rollback Confirmed Change pending', False
        return 'Timeout : %d' % device.timer.interval, False
    revert = re.fullmatch(r'configure terminal revert timer (\d+)', line)
    if revert and device.archive() is not None and device.revert_to is None:
        with device.lock:
            device.arm_revert(session, int(revert.group(1)))
        return 'Rollback Confirmed Change: Rollback will begin in %s minutes' % revert.group(1), True
    if line == 'configure confirm':
        if device.revert_to is None:
            return '%No Rollback Confirmed Change pending', False
        with device.lock:
            device.confirm(session)
        return '', False
    if line == 'show version':
        return SHOW_VERSION.format(host=HOSTNAME), False
    if line == 'show privilege':
        return 'Current privilege level is 15', False
    if line == 'show running-config':
        with device.lock:
            text = device.text()
        return 'Building configuration...\n\nCurrent configuration : %d bytes\n!\n%s' % (len(text), text), False
    if line == 'show startup-config':
        return 'Using %d out of 33554432 bytes\n!\n%s' % (len(device.startup), device.startup), False
    return INVALID, False


def _session(channel, device, session):
    configuring, saving, context, pending = False, False, None, b''

    def prompt():
        mode = context[1] if context else ('config' if configuring else '')
        return '%s(%s)#' % (HOSTNAME, mode) if configuring else HOSTNAME + '#'

    channel.sendall(('\r\n' + prompt()).encode())
    while True:
        data = channel.recv(4096)
        if not data:
            return
        pending += data
        while b'\r' in pending or b'\n' in pending:
            cut = min(i for i in (pending.find(b'\r'), pending.find(b'\n')) if i >= 0)
            line, pending = pending[:cut].decode().strip(), pending[cut + 1:].lstrip(b'\n')
            if line == 'exit' and not configuring:
                channel.close()
                return
            if saving:
                with device.lock:
                    device.write_memory()
                saving = False
                channel.sendall(('\r\nBuilding configuration...\r\n[OK]\r\n' + prompt()).encode())
                continue
            if line == 'copy running-config startup-config' and not configuring:
                saving = True
                channel.sendall((line + '\r\nDestination filename [startup-config]? ').encode())
                continue
            if configuring:
                with device.lock:
                    if line == 'end' or (line == 'exit' and context is None):
                        configuring, context, reply = False, None, ''
                    else:
                        context, reply = device.configure(line, context)
                    device.save()
            else:
                reply, configuring = _exec(device, line, session)
            output = line + '\r\n' + (reply.replace('\n', '\r\n') + '\r\n' if reply else '')
            channel.sendall((output + prompt()).encode())


def main():
    args = stand_in.arguments(__doc__.splitlines()[0], *stand_in.confirm_options('revert timer'))
    device = Device(args.config, args.seconds_per_minute)
    sessions = itertools.count(1)
    stand_in.serve(args, lambda channel: _session(channel, device, next(sessions)),
                   admit=(lambda: device.revert_to is None) if args.cut_off_while_pending else None)


if __name__ == '__main__':
    main()
