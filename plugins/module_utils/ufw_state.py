# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Have versus want for the ufw rules the collection owns, read from and written to ufw's own files.

ufw keeps its added rules in /etc/ufw/user.rules (IPv4) and user6.rules (IPv6), iptables-restore files with the
rules between '### RULES ###' and '### END RULES ###', each as a '### tuple ###' line (the rule as ufw reads it
back) and the iptables lines ufw loads for it. A rule is ours when its comment starts with 'atea-anywhere'.
The plan keeps every other rule's text as it is and where it is, drops ours that are no longer wanted, keeps ours
that still are, and appends the missing ones; everything outside the rules (chains, logging, rate limiting)
stays byte for byte.

The change is loaded the way ufw itself reloads its user rules (ufw/backend_iptables.py _reload_user_rules):
iptables-restore -n of each file. Without -n nothing else is flushed, and each user chain the file declares is
flushed and refilled in one commit, so there is no moment without the rules (`ufw reload` instead disables and
enables the firewall: ufw/frontend.py, action 'reload').
"""

from __future__ import annotations

import binascii
import fcntl
import re
from collections import namedtuple

from ansible_collections.atea.anywhere.plugins.module_utils import files
from ansible_collections.atea.anywhere.plugins.module_utils.render_ufw import is_ours, tuple_command

USER_RULES = {'ipv4': '/etc/ufw/user.rules', 'ipv6': '/etc/ufw/user6.rules'}
BEFORE_RULES = {'ipv4': '/etc/ufw/before.rules', 'ipv6': '/etc/ufw/before6.rules'}
DEFAULTS = '/etc/default/ufw'
RESTORE = {'ipv4': 'iptables-restore', 'ipv6': 'ip6tables-restore'}
# ufw's own lock (/usr/sbin/ufw, create_lock): held while the files are read, written and loaded.
LOCK = '/run/ufw.lock'
RULES_START = '### RULES ###\n'
RULES_END = '\n### END RULES ###\n'
_TUPLE = re.compile(r'^### tuple ### (.*)$', re.M)


class UfwError(files.FileError):
    """ufw is not active, its files are not as ufw writes them, or loading them failed (a FileError, so that a
    Transaction step that fails with it puts the snapshot back)."""


class Block(namedtuple('Block', 'text tuple comment')):
    """One rule's text in a user rules file: its tuple (without comment) and its decoded comment."""

    __slots__ = ()

    @property
    def ours(self):
        return is_ours(self.comment)

    def command(self):
        """The rule in the form `ufw show added` uses, read from its tuple (for diffs)."""
        return tuple_command(self.tuple, self.comment)


def decode_comment(hex_text):
    """ufw's comment=<hex> as text (ufw/util.py hex_decode: an odd last digit is dropped)."""
    hex_text = hex_text.strip()
    try:
        return binascii.unhexlify(hex_text[:len(hex_text) - len(hex_text) % 2]).decode('utf-8', 'backslashreplace')
    except (binascii.Error, ValueError):
        return ''


class UserRules(object):
    """A user rules file split as ufw writes it: head (to '### RULES ###'), rule blocks, tail."""

    def __init__(self, path, text):
        self.path = path
        start, end = text.find(RULES_START), text.find(RULES_END)
        if start < 0 or end < start:
            raise UfwError('%s is not as ufw writes it (no "### RULES ###" ... "### END RULES ###" section); '
                           'ufw rewrites it when a rule is added or deleted with the ufw command' % path)
        self.text = text
        self.head = text[:start + len(RULES_START)]
        self.tail = text[end:]
        body = text[start + len(RULES_START):end]
        self.blocks = []
        for part in re.split(r'(?=\n### tuple ### )', body):
            if not part:
                continue
            match = _TUPLE.search(part)
            if not part.startswith('\n### tuple ### ') or not match:
                raise UfwError('%s has text between its rules that ufw does not write: %r' % (path, part[:80]))
            line = match.group(1)
            tuple_text, _sep, hex_text = line.partition(' comment=')
            self.blocks.append(Block(part, tuple_text.strip(), decode_comment(hex_text) if hex_text else ''))

    def ours(self):
        return [b for b in self.blocks if b.ours]

    def with_rules(self, wanted):
        """The file's text holding exactly the wanted rules of ours (UfwRule list): the user's blocks untouched
        and in place, ours kept where they are while wanted, the missing ones appended."""
        wanted_texts = [rule.block() for rule in wanted]
        kept = [b.text for b in self.blocks if not b.ours or b.text in wanted_texts]
        seen = set()
        body = []
        for text in kept:
            if text in wanted_texts and text in seen:
                continue        # a rule of ours twice: once is enough
            seen.add(text)
            body.append(text)
        body.extend(text for text in wanted_texts if text not in seen)
        return self.head + ''.join(body) + self.tail


def read_user_rules(family):
    path = USER_RULES[family]
    text = files.read_text(path)
    if text is None:
        raise UfwError('%s does not exist; is ufw installed and enabled?' % path)
    return UserRules(path, text)


def read_defaults(path=DEFAULTS):
    """The settings of /etc/default/ufw (KEY=value, quotes removed)."""
    settings = {}
    for line in (files.read_text(path) or '').splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and not key.startswith('#'):
            settings[key.strip()] = value.strip().strip('"\'')
    return settings


def ipv6_enabled(defaults):
    return defaults.get('IPV6', 'yes').lower() == 'yes'


def icmp_coverage(needs, before_texts, defaults):
    """How ufw's own before rules cover each needed ICMP echo-request.

    needs: [(rule name, family, chain)] from render_ufw.icmp_rules; before_texts: family -> (path, text) of
    before.rules / before6.rules. Returns (notes, missing): notes say which line accepts it; missing names the
    file, chain and the line to add. An echo-request in the output chain is also covered by an ACCEPT output policy.
    """
    notes, missing = [], []
    for name, family, chain in needs:
        path, text = before_texts[family]
        icmp = 'icmp' if family == 'ipv4' else 'icmpv6'
        wanted = '-A %s -p %s --%s-type echo-request -j ACCEPT' % (chain, icmp, icmp)
        lines = (text or '').splitlines()
        if wanted in lines:
            notes.append({'rule': name, 'covered_by': '%s line %d: %s' % (path, lines.index(wanted) + 1, wanted)})
        elif chain.endswith('-before-output') and defaults.get('DEFAULT_OUTPUT_POLICY', '').upper() == 'ACCEPT':
            notes.append({'rule': name, 'covered_by': '%s DEFAULT_OUTPUT_POLICY="ACCEPT"' % DEFAULTS})
        else:
            missing.append('rule %s: ICMP echo-request (%s) needs the line "%s" in %s (ufw rules cannot match ICMP '
                           'types; add it before COMMIT with the other ICMP lines, then run ufw reload)'
                           % (name, family, wanted, path))
    return notes, missing


class Locked(object):
    """ufw's own lock (/run/ufw.lock, fcntl.lockf as /usr/sbin/ufw takes it), for the with statement."""

    def __init__(self, path=LOCK):
        self.path = path
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        fcntl.lockf(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        fcntl.lockf(self.handle, fcntl.LOCK_UN)
        self.handle.close()
