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
from ansible_collections.atea.anywhere.plugins.module_utils.render_nftables import OWNER_COMMENT

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


def _jumps(ruleset, layout, targets):
    """(chain, handle, target) of every rule in the layout's table that jumps to one of targets."""
    found = []
    for rule in objects_of(ruleset, 'rule'):
        if (rule.get('family'), rule.get('table')) != (layout.table_family, layout.table):
            continue
        for expr in rule.get('expr', []):
            target = expr.get('jump', {}).get('target') if isinstance(expr, dict) else None
            if target in targets:
                found.append((rule['chain'], rule['handle'], target))
    return found


class Plan(object):
    """What differs, the diff to show, and the nft script that makes it so."""

    def __init__(self, before, after, script):
        self.before = before
        self.after = after
        self.script = script

    @property
    def changed(self):
        return self.before != self.after


def has_table(ruleset, family, name):
    return any((t.get('family'), t.get('name')) == (family, name) for t in objects_of(ruleset, 'table'))


def _chains(ruleset, layout):
    """The layout table's chains by name (nft's JSON chain objects)."""
    return dict((c['name'], c) for c in objects_of(ruleset, 'chain')
                if (c.get('family'), c.get('table')) == (layout.table_family, layout.table))


def _owned(listing):
    """Whether a table listing is the collection's (its comment), or empty: nothing of anyone's to lose."""
    lines = [line.strip() for line in listing.splitlines() if line.strip()]
    return 'comment "%s"' % OWNER_COMMENT in lines or len(lines) <= 2


def plan_table(nft, ruleset, layout, wanted, present=True):
    """Mode 'table': the whole table is ours, and only when it carries our comment (or is empty)."""
    listing = [('table', layout.table_family, layout.table)]
    before = nft.listing(listing) if has_table(ruleset, layout.table_family, layout.table) else ''
    if before and not _owned(before):
        raise NftError("table %s %s exists and is not managed by atea.anywhere (it has no comment \"%s\"): it is "
                       "left alone; use mode 'chain' to add to it, or another table name (option table)"
                       % (layout.table_family, layout.table, OWNER_COMMENT))
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


def _jump_lines(jumps):
    return ''.join('# chain %s: jump %s\n' % (chain, target) for chain, _handle, target in sorted(jumps))


def _check_parents(chains, layout):
    for hook in layout.hooks:
        parent = chains.get(layout.parent_chains[hook])
        if parent is None or (parent.get('type'), parent.get('hook')) != ('filter', hook):
            raise NftError('table %s %s has no filter base chain %r on the %s hook (option parent_chains)'
                           % (layout.table_family, layout.table, layout.parent_chains[hook], hook))


def plan_chain(nft, ruleset, layout, wanted, present=True):
    """Mode 'chain': our chains inside the user's table, and one jump rule each from the user's base chain.

    Ours are the chains '<prefix>_forward', '_input' and '_output' and the rules that jump to them; those
    a placement no longer wants are removed with their jumps.
    """
    if not has_table(ruleset, layout.table_family, layout.table):
        if not present:
            return Plan('', '', '')
        raise NftError("table %s %s does not exist; mode 'chain' adds to an existing table (option table)"
                       % (layout.table_family, layout.table))
    chains = _chains(ruleset, layout)
    if present:
        _check_parents(chains, layout)
    possible = set('%s_%s' % (layout.chain_prefix, hook) for hook in ('forward', 'input', 'output'))
    existing = sorted(name for name in chains if name in possible)
    wanted_chains = [layout.chain_name(hook) for hook in layout.hooks] if present else []
    jumps = _jumps(ruleset, layout, possible)
    keep = set()
    for hook in layout.hooks if present else ():
        right = [j for j in jumps if j[0] == layout.parent_chains[hook] and j[2] == layout.chain_name(hook)]
        keep.update(right[:1])
    before = nft.listing([('chain', layout.table_family, layout.table, name) for name in existing])
    before += _jump_lines(jumps)
    prefix = '%s %s' % (layout.table_family, layout.table)
    # Jump rules go first: a chain cannot be deleted while a rule jumps to it.
    script = ['delete rule %s %s handle %d' % (prefix, chain, handle)
              for chain, handle, target in jumps if (chain, handle, target) not in keep]
    script.extend('delete chain %s %s' % (prefix, name) for name in existing if name not in wanted_chains)
    if not present:
        return Plan(before, '', '\n'.join(script) + '\n' if script else '')
    listing = [('chain', layout.table_family, layout.table, name) for name in sorted(wanted_chains)]
    after = nft.as_listed(wanted, listing)
    after += _jump_lines((layout.parent_chains[hook], 0, layout.chain_name(hook)) for hook in layout.hooks)
    kept_hooks = set(hook for hook in layout.hooks
                     if any(j[2] == layout.chain_name(hook) for j in keep))
    script.extend(_chain_definition(layout, wanted, [hook for hook in layout.hooks if hook not in kept_hooks]))
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

    ssh_connection is the SSH_CONNECTION value on the host: 'client port server port'. Only a table of
    our own with a drop policy on input can cut it, and only for its address families.
    Returns (kept, client, port); kept is True where there is nothing to guard.
    """
    if layout.placement != 'host' or layout.mode != 'table' or layout.policy != 'drop' or not ssh_connection:
        return True, None, None
    try:
        client, _client_port, _server, port = ssh_connection.split()[:4]
        client, port = client.split('%')[0], int(port)
        family = inputs.family(str(inputs.network('SSH_CONNECTION', client)))
    except (ValueError, inputs.InputError):
        raise inputs.InputError('SSH_CONNECTION', ssh_connection, 'not "client port server port" as OpenSSH sets it')
    if family not in layout.families:
        return True, client, port
    if inputs.contains(layout.management_networks, client) and _in_ranges(port, layout.management_ports):
        return True, client, port
    for rule in rules:
        if (rule['direction'] in ('inbound', 'internal') and rule['protocol'] == 'tcp'
                and inputs.contains(rule['sources'], client) and _in_ranges(port, rule['destination_ports'])):
            return True, client, port
    return False, client, port
