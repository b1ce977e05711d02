# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Have versus want for the nftables objects the collection owns, and one atomic apply.

What is owned: in mode 'table' the whole table; in mode 'chain' the chains
'<prefix>_<hook>' inside the user's table and the jump rules to them in the
user's base chains. Nothing else is read for change or ever written.

The wanted state is compared in the form nft itself prints: the rendered text
is loaded into a private, empty network namespace (unshare --net) and listed
back, so both sides come from the same printer.
"""

from __future__ import annotations

import json

from ansible_collections.atea.anywhere.plugins.module_utils import inputs

JUMP_COMMENT = 'atea-anywhere: Atea Anywhere requirements'


class NftError(Exception):
    """nft refused a command or a listing could not be read."""


class Nft(object):
    """The nft command line. runner(argv, data) -> (rc, stdout, stderr), like AnsibleModule.run_command."""

    def __init__(self, runner, nft='nft', unshare='unshare'):
        self._runner = runner
        self.nft = nft
        self.unshare = unshare

    @classmethod
    def for_module(cls, module, unshare=True):
        """nft (and unshare, for comparing) found on the module's host, run with the module's run_command."""
        def runner(argv, data):
            return module.run_command(argv, data=data, binary_data=True)
        return cls(runner, module.get_bin_path('nft', required=True),
                   module.get_bin_path('unshare', required=True) if unshare else None)

    def _run(self, argv, data=None):
        rc, out, err = self._runner(argv, data)
        if rc != 0:
            raise NftError('%s failed (rc=%s): %s' % (' '.join(argv[:4]), rc, (err or out).strip()))
        return out

    def ruleset(self):
        """The live ruleset as nft's JSON objects, with handles."""
        out = self._run([self.nft, '-j', '-a', 'list', 'ruleset'])
        try:
            return json.loads(out)['nftables']
        except (ValueError, KeyError, TypeError):
            raise NftError('could not read the output of nft -j list ruleset')

    def listing(self, listings):
        """Text of each 'list' command in listings (for example ['chain', 'inet', 'filter', 'x']), joined."""
        return ''.join(self._run([self.nft, 'list'] + list(what)) for what in listings)

    def as_listed(self, script, listings):
        """Load script into an empty private network namespace and list it back."""
        commands = ' && '.join('%s list %s' % (self.nft, ' '.join(what)) for what in listings)
        shell = '%s -f - && %s' % (self.nft, commands)
        return self._run([self.unshare, '--net', 'sh', '-c', shell], script)

    def check(self, script):
        self._run([self.nft, '-c', '-f', '-'], script)

    def apply(self, script):
        self._run([self.nft, '-f', '-'], script)

    def apply_json(self, script):
        self._run([self.nft, '-j', '-f', '-'], script)


def objects_of(ruleset, kind):
    return [entry[kind] for entry in ruleset if kind in entry]


def _jumps_to(ruleset, layout, hook):
    """Handles of the rules in the user's base chain for hook that jump to our chain."""
    target = layout.chain_name(hook)
    parent = layout.parent_chains[hook]
    handles = []
    for rule in objects_of(ruleset, 'rule'):
        if (rule.get('family'), rule.get('table'), rule.get('chain')) != (layout.table_family, layout.table, parent):
            continue
        if any(isinstance(e, dict) and e.get('jump', {}).get('target') == target for e in rule.get('expr', [])):
            handles.append(rule['handle'])
    return handles


class Plan(object):
    """What differs, the diff to show, and the nft script that makes it so."""

    def __init__(self, before, after, script):
        self.before = before
        self.after = after
        self.script = script

    @property
    def changed(self):
        return self.before != self.after


def _table_exists(ruleset, layout):
    return any((t.get('family'), t.get('name')) == (layout.table_family, layout.table)
               for t in objects_of(ruleset, 'table'))


def _chain_exists(ruleset, layout, name):
    return any((c.get('family'), c.get('table'), c.get('name')) == (layout.table_family, layout.table, name)
               for c in objects_of(ruleset, 'chain'))


def plan_table(nft, ruleset, layout, wanted, present=True):
    """Mode 'table': the whole table is ours."""
    listing = [('table', layout.table_family, layout.table)]
    before = nft.listing(listing) if _table_exists(ruleset, layout) else ''
    if not present:
        return Plan(before, '', 'delete table %s %s\n' % (layout.table_family, layout.table) if before else '')
    return Plan(before, nft.as_listed(wanted, listing), _table_definition(layout, wanted))


def _table_definition(layout, wanted):
    """'table X' then 'delete table X' empties it whether or not it existed, in the same transaction."""
    ref = '%s %s' % (layout.table_family, layout.table)
    return 'table %s\ndelete table %s\n%s' % (ref, ref, wanted)


def _chain_definition(layout, wanted, jump_hooks):
    """Our chains emptied and filled, and a jump inserted first in the user's base chain of each jump_hooks."""
    prefix = '%s %s' % (layout.table_family, layout.table)
    lines = []
    for hook in layout.hooks:
        lines.append('add chain %s %s' % (prefix, layout.chain_name(hook)))
        lines.append('flush chain %s %s' % (prefix, layout.chain_name(hook)))
    lines.append(wanted.rstrip('\n'))
    lines.extend('insert rule %s %s jump %s comment "%s"'
                 % (prefix, layout.parent_chains[hook], layout.chain_name(hook), JUMP_COMMENT) for hook in jump_hooks)
    return lines


def _jump_text(layout, hook, count):
    if not count:
        return ''
    return '# %s: %d rule(s) jump %s\n' % (layout.parent_chains[hook], count, layout.chain_name(hook))


def plan_chain(nft, ruleset, layout, wanted, present=True):
    """Mode 'chain': our chains inside the user's table, and one jump rule each from the user's base chain."""
    if not _table_exists(ruleset, layout):
        raise NftError("table %s %s does not exist; mode 'chain' adds to an existing table (option table)"
                       % (layout.table_family, layout.table))
    for hook in layout.hooks:
        if not _chain_exists(ruleset, layout, layout.parent_chains[hook]):
            raise NftError('table %s %s has no chain %r for the %s hook (option parent_chains)'
                           % (layout.table_family, layout.table, layout.parent_chains[hook], hook))
    ours = [layout.chain_name(hook) for hook in layout.hooks]
    existing = [name for name in ours if _chain_exists(ruleset, layout, name)]
    jumps = dict((hook, _jumps_to(ruleset, layout, hook)) for hook in layout.hooks)
    before = nft.listing([('chain', layout.table_family, layout.table, name) for name in existing])
    before += ''.join(_jump_text(layout, hook, len(jumps[hook])) for hook in layout.hooks)
    prefix = '%s %s' % (layout.table_family, layout.table)
    script = []
    for hook in layout.hooks:
        # Our jump rules go first: a chain cannot be deleted while a rule jumps to it.
        keep = jumps[hook][:1] if present else []
        script.extend('delete rule %s %s handle %d' % (prefix, layout.parent_chains[hook], handle)
                      for handle in jumps[hook] if handle not in keep)
    if not present:
        script.extend('delete chain %s %s' % (prefix, name) for name in existing)
        return Plan(before, '', '\n'.join(script) + '\n' if script else '')
    listing = [('chain', layout.table_family, layout.table, name) for name in ours]
    after = nft.as_listed(wanted, listing)
    after += ''.join(_jump_text(layout, hook, 1) for hook in layout.hooks)
    script.extend(_chain_definition(layout, wanted, [hook for hook in layout.hooks if not jumps[hook]]))
    return Plan(before, after, '\n'.join(script) + '\n')


def plan(nft, ruleset, layout, wanted, present=True):
    """The change for the layout's mode, from the live ruleset read once by the caller."""
    planner = plan_table if layout.mode == 'table' else plan_chain
    return planner(nft, ruleset, layout, wanted, present)


PERSIST_HEADER = '# Managed by atea.anywhere: Atea Anywhere firewall requirements. Changes here are overwritten.\n'


def persistent_script(layout, wanted, present=True):
    """What the boot-time drop-in file holds: the same change, without handles of a running ruleset."""
    if not present:
        return ''
    if layout.mode == 'table':
        return PERSIST_HEADER + _table_definition(layout, wanted)
    note = ('# Include it after the definition of table %s %s, in a file that starts with flush ruleset.\n'
            % (layout.table_family, layout.table))
    return PERSIST_HEADER + note + '\n'.join(_chain_definition(layout, wanted, layout.hooks)) + '\n'


def _in_ranges(port, ranges):
    return any(low <= port <= high for low, high in ranges)


def connection_kept(layout, rules, ssh_connection):
    """Whether the wanted host ruleset still accepts a new connection like Ansible's current one.

    ssh_connection is the SSH_CONNECTION value on the host: 'client port server port'.
    Returns (kept, client, port); kept is True where there is nothing to guard.
    """
    if layout.placement != 'host' or not ssh_connection:
        return True, None, None
    client, _client_port, _server, port = ssh_connection.split()[:4]
    port = int(port)
    if inputs.contains(layout.management_networks, client) and _in_ranges(port, layout.management_ports):
        return True, client, port
    for rule in rules:
        if (rule['direction'] in ('inbound', 'internal') and rule['protocol'] == 'tcp'
                and inputs.contains(rule['sources'], client) and _in_ranges(port, rule['destination_ports'])):
            return True, client, port
    return False, client, port
