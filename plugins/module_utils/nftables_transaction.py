# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""All or nothing on Linux: what a change will touch is saved first, and put back if any step fails.

Saved are exactly the things the change touches, never the whole ruleset (iptables-nft tables cannot
be loaded back from their nft listing): each nftables table the change alters, as 'nft list table'
prints it; each iptables raw table it alters, as iptables-save prints it; each file it writes or
removes, with its mode and owner, or the fact that it did not exist. The saved nftables tables are
checked with 'nft -c' before anything changes, so a snapshot that could not be loaded back stops
the change instead of the restore.
"""

from __future__ import annotations

import os

from ansible_collections.atea.anywhere.plugins.module_utils import nftables_restore
from ansible_collections.atea.anywhere.plugins.module_utils.files import FileError, read_text
from ansible_collections.atea.anywhere.plugins.module_utils.nftables_state import NftError, has_table, objects_of
from ansible_collections.atea.anywhere.plugins.module_utils.voip_helpers import HelperError


class StepError(Exception):
    """A step of a change failed in a way of its own kind (a firewall manager's command, say): Transaction restores."""


class ChangeError(Exception):
    """A step of the change failed; the message says which, why, and what state the host is in.

    changed is False when the previous state was restored, True when the host was left changed.
    """

    def __init__(self, message, changed):
        super(ChangeError, self).__init__(message)
        self.changed = changed


def table_restore_script(nft, ruleset, tables):
    """One nft script putting each (family, name) table back as it is now, or removing it if it is absent.

    'table X' then 'delete table X' empties it whether or not it exists, in the same transaction.
    """
    script = []
    for family, name in tables:
        script.append('table %s %s\ndelete table %s %s\n' % (family, name, family, name))
        if has_table(ruleset, family, name):
            script.append(nft.listing([('table', family, name)]))
    return ''.join(script)


def take_snapshot(module, nft, ruleset, tables, iptables, paths):
    """The state of what a change will touch; raises NftError, FileError or ChangeError if it cannot be saved.

    nft: the Nft the tables are read with, or None for a change of files and commands only (firewalld);
    tables: (family, name) of nftables tables; iptables: (save, restore) binaries whose raw table changes;
    paths: files that will be written or removed.
    """
    tables = sorted(set(tables))
    script = table_restore_script(nft, ruleset, tables) if tables else ''
    if script:
        try:
            nft.check(script)
        except NftError as error:
            raise ChangeError('nothing was changed: the tables %s as they are now could not be loaded back by nft, '
                              'so a failed change could not be undone (%s)'
                              % (', '.join('%s %s' % t for t in tables), error), False)
    saved = []
    for save, restore in iptables:
        rc, out, err = module.run_command([save, '-t', 'raw'])
        if rc != 0:
            raise ChangeError('nothing was changed: %s -t raw failed: %s' % (save, err.strip()), False)
        entry = {'restore': restore, 'table': 'raw', 'saved': out}
        family = 'ip6' if os.path.basename(save).startswith('ip6') else 'ip'
        if 'legacy' not in os.path.basename(save) and has_table(ruleset, family, 'raw'):       # iptables-nft
            entry.update(nft_table=[family, 'raw'], nft_chains=[c['name'] for c in objects_of(ruleset, 'chain')
                                                                if (c.get('family'), c.get('table')) == (family, 'raw')])
        saved.append(entry)
    files = []
    for path in paths:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            files.append({'path': path, 'content': None, 'mode': None, 'uid': None, 'gid': None})
            continue
        except OSError as error:
            raise FileError('could not read %s: %s' % (path, error.strerror))
        files.append({'path': path, 'content': read_text(path), 'mode': info.st_mode & 0o7777,
                      'uid': info.st_uid, 'gid': info.st_gid})
    return {'nft': script, 'nft_binary': nft and nft.nft, 'tables': ['%s %s' % t for t in tables],
            'iptables': saved, 'files': files}


def describe(snapshot):
    """What the snapshot covers, for messages: 'table inet x, iptables raw table, file /etc/..., then firewall-cmd
    --reload'."""
    parts = ['nftables table %s' % t for t in snapshot['tables']]
    parts.extend('%s %s table' % (os.path.basename(e['restore']).replace('-restore', ''), e['table'])
                 for e in snapshot['iptables'])
    parts.extend('file %s' % f['path'] for f in snapshot['files'])
    text = ', '.join(parts)
    commands = '; '.join(' '.join([os.path.basename(argv[0])] + list(argv[1:])) for argv in snapshot.get('commands', []))
    return '%s, then %s' % (text, commands) if text and commands else text or commands


class Transaction(object):
    """Steps of one change; the first that fails puts the snapshot back and raises ChangeError."""

    def __init__(self, snapshot, on_restored=None):
        self.snapshot = snapshot
        self.done = []
        self.on_restored = on_restored

    def run(self, step, function, *args):
        try:
            result = function(*args)
        except (NftError, FileError, HelperError, StepError, OSError) as error:
            raise self._undo(step, error)
        self.done.append(step)
        return result

    def _undo(self, step, error):
        errors = nftables_restore.restore(self.snapshot)
        failed = 'the change failed while %s: %s.' % (step, error)
        if not errors:
            note = ''
            if self.on_restored is not None:
                try:
                    self.on_restored()
                except OSError as cause:
                    note = (' Its armed restore could not be called off (%s): at its deadline it puts back the same '
                            'previous state once more.' % cause)
            return ChangeError('%s The previous state was restored (%s); nothing is changed.%s'
                               % (failed, describe(self.snapshot), note), False)
        done = ('Done before the failure: %s.' % '; '.join(self.done)) if self.done else 'No step had completed.'
        return ChangeError('%s Restoring the previous state failed too: %s. %s Everything else of %s was restored; '
                           'the host holds a mix of the old and new state for what failed to restore.'
                           % (failed, '; '.join(errors), done, describe(self.snapshot)), True)
