# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in Juniper SRX for the apply tests, reached by junipernetworks.junos over NETCONF (SSH).

It answers the RPCs junos_config and junos_command use (lock, load-configuration action=set,
validate, get-configuration with compare or format=set, commit-configuration, discard-changes,
unlock) on a candidate and a committed configuration of set lines; the committed one is kept in a
file the tests read. A commit check refuses a policy that names an address or application the
configuration does not define (and a set member that is not defined), as Junos does, and a line outside
the security and applications hierarchies is a syntax error. It enforces the limits the renderer declares
(JunosSrxRenderer.LIMITS, kept here apart from it): a ninth term in an application fails with Junos' own message ("'term' number of
elements exceeds limit of 8"), and a policy naming more addresses or applications than allowed (sets
expanded) fails. Policies keep their order in their zone pair: a new one goes to the end, `insert ...
policy P before policy Q` moves P before Q ("Reordering Security Policies", Junos security policies user
guide). The diff it returns lists set lines, not Junos' hierarchical form, and the new order of each zone
pair whose policies changed in number or order, where Junos shows a policy in its place.

A commit confirmed (<commit-configuration><confirmed/><confirm-timeout>minutes</confirm-timeout>) commits
the candidate and rolls back to the configuration committed before it once the timeout passes, unless a
plain commit or a commit check confirms it first; a further commit confirmed only moves the deadline, as
the Junos XML protocol guide describes ("Commit the Candidate Configuration Only After Confirmation Using
the Junos XML Protocol", juniper.net/documentation/us/en/software/junos/junos-xml-protocol/topics/task/
junos-xml-protocol-configuration-committing-with-confirmation.html: the timeout is in minutes, 10 by
default). Closing the session does not roll back; only the deadline does. Each commit is written to
<config>.journal with the session that made it. --seconds-per-minute shortens the tests' wait;
--cut-off-while-pending refuses new connections while a commit awaits confirmation, as if that change had
cut the management path.

    python fake_junos.py --listen 127.0.0.1:8830 --config committed.set --user lab --password lab
"""

from __future__ import annotations

import re
import threading
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import stand_in

BASE = 'urn:ietf:params:xml:ns:netconf:base:1.0'
END = ']]>]]>'
HELLO = ('<?xml version="1.0" encoding="UTF-8"?><hello xmlns="%s"><capabilities>'
         '<capability>urn:ietf:params:netconf:base:1.0</capability>'
         '<capability>urn:ietf:params:netconf:capability:candidate:1.0</capability>'
         '<capability>urn:ietf:params:netconf:capability:confirmed-commit:1.0</capability>'
         '<capability>urn:ietf:params:netconf:capability:validate:1.0</capability>'
         '<capability>http://xml.juniper.net/netconf/junos/1.0</capability>'
         '</capabilities><session-id>%%d</session-id></hello>' % BASE)
SOFTWARE = ('<software-information><host-name>atea-lab-srx</host-name><product-model>vsrx</product-model>'
            '<product-name>vsrx</product-name><junos-version>22.4R3-S2.11</junos-version></software-information>')
HIERARCHIES = ('security ', 'applications ')
# Words of a policy line that name something defined elsewhere; what Junos predefines is allowed.
REFERENCES = (
    (re.compile(r'security policies .* match (?:source|destination)-address (\S+)$'),
     ('security address-book global address %s ', 'security address-book global address-set %s '), ('any',)),
    (re.compile(r'security policies .* match application (\S+)$'),
     ('applications application %s ', 'applications application-set %s '), ('any',)),
    (re.compile(r'applications application-set \S+ application (\S+)$'), ('applications application %s ',), ()),
    (re.compile(r'security address-book global address-set \S+ address (\S+)$'),
     ('security address-book global address %s ',), ()),
)
POLICY = re.compile(r'security policies from-zone (\S+) to-zone (\S+) policy (\S+)( |$)')
INSERT = re.compile(r'insert security policies from-zone (\S+) to-zone (\S+) policy (\S+) before policy (\S+)$')
# As a device holds them, written down apart from the renderer: terms per application (the commit check's
# own message, google/capirca issue 30), and address and application objects per policy on the smallest SRX of
# Juniper's "Best Practices for Defining Policies on High-End SRX Series Devices".
TERMS_PER_APPLICATION = 8
ADDRESSES_PER_POLICY = 1024
APPLICATIONS_PER_POLICY = 128


def _local(tag):
    return tag.rsplit('}', 1)[-1]


class Device(object):
    """Committed and candidate configurations as lists of set lines without the word 'set'."""

    def __init__(self, path, seconds_per_minute=60):
        self.path = path
        self.seconds_per_minute = seconds_per_minute
        self.lock = threading.Lock()
        with open(path, encoding='utf-8') as handle:
            self.committed = [line[4:].strip() for line in handle if line.startswith('set ')]
        self.candidate = list(self.committed)
        # While a commit confirmed awaits confirmation: the configuration a rollback restores, and its timer.
        self.rollback_to = None
        self.deadline = None

    def load(self, text):
        """Apply set, delete and insert lines to the candidate; the first bad line is the error."""
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            verb, path = (line.split(None, 1) + [''])[:2]
            if verb == 'insert':
                failure = self._insert(line)
                if failure:
                    return failure
                continue
            if verb not in ('set', 'delete') or not path.startswith(HIERARCHIES) or path.count('"') % 2:
                return 'syntax error: %s' % line
            if verb == 'delete':
                self.candidate = [have for have in self.candidate if have != path and not have.startswith(path + ' ')]
                continue
            if ' description ' in path:
                owner = path.split(' description ', 1)[0]
                self.candidate = [have for have in self.candidate if not have.startswith(owner + ' description ')]
            if path not in self.candidate:
                self._add(path)
        return None

    def _add(self, path):
        """A new statement of a policy joins that policy's others; a new policy, or anything else, goes last."""
        found = POLICY.match(path)
        if found:
            own = [index for index, have in enumerate(self.candidate) if POLICY.match(have)
                   and POLICY.match(have).groups()[:3] == found.groups()[:3]]
            if own:
                self.candidate.insert(own[-1] + 1, path)
                return
        self.candidate.append(path)

    def _insert(self, line):
        """insert security policies from-zone A to-zone B policy P before policy Q: P's statements go right
        before Q's, both policies of that zone pair."""
        found = INSERT.match(line)
        if not found:
            return 'syntax error: %s' % line
        from_zone, to_zone, moved, before = found.groups()

        def statements(name):
            return [have for have in self.candidate if POLICY.match(have)
                    and POLICY.match(have).groups()[:3] == (from_zone, to_zone, name)]
        lines, anchor = statements(moved), statements(before)
        if not lines or not anchor or moved == before:
            return 'statement not found: %s' % line
        rest = [have for have in self.candidate if have not in lines]
        at = rest.index(anchor[0])
        self.candidate = rest[:at] + lines + rest[at:]
        return None

    def policy_order(self, lines):
        """Zone pair -> its policy names in order, as the configuration lines hold them."""
        order = {}
        for line in lines:
            found = POLICY.match(line)
            if found:
                names = order.setdefault(found.groups()[:2], [])
                if found.group(3) not in names:
                    names.append(found.group(3))
        return order

    def _expanded(self, kind, name):
        """The addresses or applications a name stands for, its sets expanded."""
        prefix = {'address': 'security address-book global address-set %s address ',
                  'application': 'applications application-set %s application '}[kind] % name
        members = [have[len(prefix):] for have in self.candidate if have.startswith(prefix)]
        if not members:
            return [name]
        return [leaf for member in members for leaf in self._expanded(kind, member)]

    def _limits(self):
        """What a commit check refuses beyond the references: the limits of a device."""
        terms = {}
        for line in self.candidate:
            found = re.match(r'applications application (\S+) term (\S+) ', line)
            if found:
                terms.setdefault(found.group(1), set()).add(found.group(2))
        for application, names in terms.items():
            if len(names) > TERMS_PER_APPLICATION:
                return ("[edit applications application %s]\n  'term'\n    number of elements exceeds limit of %d\n"
                        'error: configuration check-out failed: (number of elements exceeds limit)'
                        % (application, TERMS_PER_APPLICATION))
        matches = {}
        for line in self.candidate:
            found = re.match(r'(security policies from-zone \S+ to-zone \S+ policy \S+) match '
                             r'(source-address|destination-address|application) (\S+)$', line)
            if found:
                kind = 'application' if found.group(2) == 'application' else 'address'
                matches.setdefault((found.group(1), kind), []).extend(self._expanded(kind, found.group(3)))
        for (policy, kind), names in matches.items():
            most = APPLICATIONS_PER_POLICY if kind == 'application' else ADDRESSES_PER_POLICY
            if len(names) > most:
                return '[edit %s]\n  %d %s objects exceed the limit of %d per policy' % (policy, len(names), kind, most)
        return None

    def check(self):
        """What a commit check would refuse, or None."""
        for line in self.candidate:
            for pattern, definitions, predefined in REFERENCES:
                match = pattern.match(line)
                if not match:
                    continue
                name = match.group(1)
                if name in predefined or name.startswith('junos-'):
                    continue
                if not any(have.startswith(form % name) for form in definitions for have in self.candidate):
                    return 'commit check failed: %s is not defined, referenced by: %s' % (name, line)
        return self._limits()

    def diff(self):
        gone = ['- set %s' % line for line in self.committed if line not in self.candidate]
        new = ['+ set %s' % line for line in self.candidate if line not in self.committed]
        before, after = self.policy_order(self.committed), self.policy_order(self.candidate)
        moved = ['! policies from-zone %s to-zone %s now in the order %s' % (pair + (' '.join(names),))
                 for pair, names in after.items() if names != before.get(pair)]
        return '\n'.join(gone + new + moved)

    def journal(self, event):
        with open(self.path + '.journal', 'a', encoding='utf-8') as handle:
            handle.write(event + '\n')

    def _write(self):
        with open(self.path, 'w', encoding='utf-8') as handle:
            handle.write(''.join('set %s\n' % line for line in self.committed))

    def commit(self, session, confirm_minutes=None):
        """A commit; with confirm_minutes a commit confirmed. Either confirms a pending commit confirmed."""
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        if confirm_minutes is None:
            if self.rollback_to is not None:
                self.journal('session %d: commit, confirming the commit confirmed' % session)
            else:
                self.journal('session %d: commit' % session)
            self.rollback_to = None
        else:
            if self.rollback_to is None:
                self.rollback_to = list(self.committed)
            self.deadline = threading.Timer(confirm_minutes * self.seconds_per_minute, self.roll_back)
            self.deadline.daemon = True
            self.deadline.start()
            self.journal('session %d: commit confirmed, rolled back in %d minutes unless confirmed'
                         % (session, confirm_minutes))
        self.committed = list(self.candidate)
        self._write()

    def confirm(self, session):
        """A commit check confirms a pending commit confirmed too."""
        if self.rollback_to is not None:
            self.commit(session)

    def roll_back(self):
        with self.lock:
            if self.rollback_to is None:
                return
            self.committed, self.candidate = self.rollback_to, list(self.rollback_to)
            self.rollback_to = self.deadline = None
            self._write()
            self.journal('commit not confirmed; automatic rollback complete')


def _error(message):
    return ('<rpc-error><error-type>protocol</error-type><error-tag>operation-failed</error-tag>'
            '<error-severity>error</error-severity><error-message>%s</error-message></rpc-error>' % escape(message))


def _confirm_minutes(operation):
    """The minutes of a commit confirmed (10 by default), or None for another commit."""
    children = dict((_local(child.tag), (child.text or '').strip()) for child in operation)
    if 'confirmed' not in children:
        return None
    minutes = children.get('confirm-timeout') or '10'
    if not minutes.isdigit() or not 1 <= int(minutes) <= 65535:
        raise ValueError('confirm-timeout: %s is not a number of minutes in 1..65535' % minutes)
    return int(minutes)


def _answer(device, operation, session):
    """The body of the reply to one RPC."""
    name = _local(operation.tag)
    if name == 'get-software-information':
        return SOFTWARE
    if name in ('lock', 'unlock', 'close-session'):
        return '<ok/>'
    if name == 'load-configuration':
        text = next((child.text or '' for child in operation if _local(child.tag) == 'configuration-set'), None)
        if operation.get('action') != 'set' or text is None:
            return _error('this stand-in loads set lines only')
        failure = device.load(text)
        return _error(failure) if failure else '<load-configuration-results><ok/></load-configuration-results>'
    if name == 'validate':
        failure = device.check()
        return _error(failure) if failure else '<ok/>'
    if name == 'get-configuration' and operation.get('compare') == 'rollback':
        # Junos answers an empty comparison with a line break, which junos_config counts on.
        return ('<configuration-information><configuration-output>\n%s</configuration-output>'
                '</configuration-information>' % escape(device.diff()))
    if name == 'get-configuration' and operation.get('format') == 'set':
        return '<configuration-set>%s</configuration-set>' % escape(
            ''.join('set %s\n' % line for line in device.committed))
    if name == 'commit-configuration':
        failure = device.check()
        if failure:
            return _error(failure)
        if any(_local(child.tag) == 'check' for child in operation):
            device.confirm(session)
        else:
            try:
                device.commit(session, _confirm_minutes(operation))
            except ValueError as error:
                return _error(str(error))
        return '<commit-results><routing-engine><name>re0</name><commit-success/></routing-engine></commit-results>'
    if name == 'discard-changes':
        device.candidate = list(device.committed)
        return '<ok/>'
    return _error('syntax error, expecting <rpc> command: %s' % name)


def _session(channel, device, session_id):
    channel.sendall((HELLO % session_id + END).encode())
    pending, greeted = '', False
    while True:
        data = channel.recv(65536)
        if not data:
            return
        pending += data.decode()
        while END in pending:
            message, pending = pending.split(END, 1)
            if not greeted:
                greeted = True
                continue
            rpc = ElementTree.fromstring(message.strip())
            operation = list(rpc)[0]
            with device.lock:
                body = _answer(device, operation, session_id)
            channel.sendall(('<rpc-reply xmlns="%s" message-id="%s">%s</rpc-reply>%s'
                             % (BASE, rpc.get('message-id', ''), body, END)).encode())
            if _local(operation.tag) == 'close-session':
                channel.close()
                return


def main():
    args = stand_in.arguments(__doc__.splitlines()[0], *stand_in.confirm_options('confirm-timeout'))
    device = Device(args.config, args.seconds_per_minute)
    sessions = iter(range(1, 1 << 30))
    stand_in.serve(args, lambda channel: _session(channel, device, next(sessions)),
                   admit=(lambda: device.rollback_to is None) if args.cut_off_while_pending else None)


if __name__ == '__main__':
    main()
