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

import ipaddress
import json
import os
import socket

from ansible_collections.atea.anywhere.plugins.module_utils import inputs, linux_options
from ansible_collections.atea.anywhere.plugins.module_utils.render_nftables import OWNER_COMMENT

JUMP_COMMENT = 'atea-anywhere: Atea Anywhere requirements'
JUMP_POSITIONS = ('after_user_rules', 'first')


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
        return cls(linux_options.command_runner(module), module.get_bin_path('nft', required=True),
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

    def check_file(self, path):
        """nft -c -f path: the file, with everything it includes, would load."""
        self._run([self.nft, '-c', '-f', path])

    def apply(self, script):
        self._run([self.nft, '-f', '-'], script)

    def apply_json(self, script):
        self._run([self.nft, '-j', '-f', '-'], script)


def objects_of(ruleset, kind):
    return [entry[kind] for entry in ruleset if kind in entry]


def _jump_target(rule, targets):
    """The chain in targets that rule jumps to, or None."""
    for expr in rule.get('expr', []):
        target = expr.get('jump', {}).get('target') if isinstance(expr, dict) else None
        if target in targets:
            return target
    return None


def _is_terminal(rule):
    """A rule that is only a drop or reject, perhaps counted or logged: nothing after it is reached."""
    expr = [e for e in rule.get('expr', []) if isinstance(e, dict)]
    return (bool(expr) and len(expr) == len(rule.get('expr', [])) and len(expr[-1]) == 1
            and next(iter(expr[-1])) in ('drop', 'reject')
            and all(len(e) == 1 and next(iter(e)) in ('counter', 'log') for e in expr[:-1]))


def _chain_rules(ruleset, layout, chain):
    """The rules of one chain of the layout's table, in order."""
    return [rule for rule in objects_of(ruleset, 'rule')
            if (rule.get('family'), rule.get('table'), rule.get('chain')) == (layout.table_family, layout.table, chain)]


class Jump(object):
    """A rule jumping to one of our chains: where it is (chain, handle, and after how many other rules)."""

    def __init__(self, chain, handle, target, position):
        self.chain = chain
        self.handle = handle
        self.target = target
        self.position = position

    def line(self):
        return '# chain %s: jump %s after %d other rules\n' % (self.chain, self.target, self.position)


def _jumps(ruleset, layout, targets):
    """Every rule in the layout's table that jumps to one of targets, with its position among the others."""
    found = []
    for chain in sorted(set(rule.get('chain') for rule in objects_of(ruleset, 'rule'))):
        others = 0
        for rule in _chain_rules(ruleset, layout, chain):
            target = _jump_target(rule, targets)
            if target is None:
                others += 1
            else:
                found.append(Jump(chain, rule['handle'], target, others))
    return found


def jump_place(ruleset, layout, hook, targets, jump_position):
    """(position, handle before which to insert or None to append, terminal rule or None) for a hook's jump.

    'first': before every rule. 'after_user_rules': after the user's rules, but before the first rule that
    only drops or rejects (which would otherwise never let a packet reach the jump).
    """
    others = [rule for rule in _chain_rules(ruleset, layout, layout.parent_chains[hook])
              if _jump_target(rule, targets) is None]
    if jump_position == 'first':
        return 0, others[0]['handle'] if others else None, None
    for index, rule in enumerate(others):
        if _is_terminal(rule):
            return index, rule['handle'], rule
    return len(others), None, None


class Plan(object):
    """What differs, the diff to show, and the nft script that makes it so."""

    def __init__(self, before, after, script, tables=(), boot_warnings=()):
        self.before = before
        self.after = after
        self.script = script
        self.tables = list(tables)          # (family, name) of each table the script changes
        self.boot_warnings = list(boot_warnings)

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
    tables = [(layout.table_family, layout.table)]
    if not present:
        return Plan(before, '', 'delete table %s %s\n' % (layout.table_family, layout.table) if before else '', tables)
    return Plan(before, nft.as_listed(wanted, listing), _table_definition(layout, wanted), tables)


def _table_definition(layout, wanted):
    """'table X' then 'delete table X' empties it whether or not it existed, in the same transaction."""
    ref = '%s %s' % (layout.table_family, layout.table)
    return 'table %s\ndelete table %s\n%s' % (ref, ref, wanted)


def _jump_rule(layout, hook, before_handle=None, append=False):
    """The rule that jumps from the user's base chain of hook to ours: appended, or inserted before a handle
    (first in the chain when before_handle is None)."""
    where = '%s %s %s' % (layout.table_family, layout.table, layout.parent_chains[hook])
    jump = 'jump %s comment "%s"' % (layout.chain_name(hook), JUMP_COMMENT)
    if append:
        return 'add rule %s %s' % (where, jump)
    if before_handle is None:
        return 'insert rule %s %s' % (where, jump)
    return 'insert rule %s position %d %s' % (where, before_handle, jump)


def _chain_definition(layout, wanted, jump_rules):
    """Our chains emptied and filled, then the jump rules given."""
    prefix = '%s %s' % (layout.table_family, layout.table)
    lines = []
    for hook in layout.hooks:
        lines.append('add chain %s %s' % (prefix, layout.chain_name(hook)))
        lines.append('flush chain %s %s' % (prefix, layout.chain_name(hook)))
    lines.append(wanted.rstrip('\n'))
    lines.extend(jump_rules)
    return lines


def _check_parents(chains, layout):
    for hook in layout.hooks:
        parent = chains.get(layout.parent_chains[hook])
        if parent is None or (parent.get('type'), parent.get('hook')) != ('filter', hook):
            raise NftError('table %s %s has no filter base chain %r on the %s hook (option parent_chains)'
                           % (layout.table_family, layout.table, layout.parent_chains[hook], hook))


def _rule_text(rule):
    """A short description of a rule from its JSON, for messages: its verdict statements and handle."""
    return '%s (handle %s)' % (' '.join(sorted(k for e in rule.get('expr', []) if isinstance(e, dict) for k in e)),
                               rule.get('handle'))


def plan_chain(nft, ruleset, layout, wanted, present=True, jump_position='after_user_rules'):
    """Mode 'chain': our chains inside the user's table, and one jump rule each from the user's base chain.

    Ours are the chains '<prefix>_forward', '_input' and '_output' and the rules that jump to them; those
    a placement no longer wants are removed with their jumps. A jump that is not where jump_position
    puts it (see jump_place) is deleted and added again at the right place.
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
    places = dict((hook, jump_place(ruleset, layout, hook, possible, jump_position))
                  for hook in (layout.hooks if present else ()))
    keep = []
    for hook, (position, _handle, _terminal) in places.items():
        right = [j for j in jumps if (j.chain, j.target) == (layout.parent_chains[hook], layout.chain_name(hook))]
        keep.extend(j for j in right[:1] if j.position == position)
    before = nft.listing([('chain', layout.table_family, layout.table, name) for name in existing])
    before += ''.join(j.line() for j in jumps)
    prefix = '%s %s' % (layout.table_family, layout.table)
    # Jump rules go first: a chain cannot be deleted while a rule jumps to it.
    script = ['delete rule %s %s handle %d' % (prefix, j.chain, j.handle) for j in jumps if j not in keep]
    script.extend('delete chain %s %s' % (prefix, name) for name in existing if name not in wanted_chains)
    tables = [(layout.table_family, layout.table)]
    if not present:
        return Plan(before, '', '\n'.join(script) + '\n' if script else '', tables)
    listing = [('chain', layout.table_family, layout.table, name) for name in sorted(wanted_chains)]
    after = nft.as_listed(wanted, listing)
    after += ''.join(sorted(Jump(layout.parent_chains[hook], 0, layout.chain_name(hook), places[hook][0]).line()
                            for hook in layout.hooks))
    kept_targets = set(j.target for j in keep)
    jump_rules = [_jump_rule(layout, hook, places[hook][1], append=jump_position != 'first' and places[hook][1] is None)
                  for hook in layout.hooks if layout.chain_name(hook) not in kept_targets]
    script.extend(_chain_definition(layout, wanted, jump_rules))
    # At boot the drop-in appends its jumps (the user's rules are loaded first): behind a rule that only drops.
    boot_warnings = ['the drop-in that restores this at boot appends the jump to chain %s after its rules, behind '
                     'the rule %s that drops or rejects everything: after a reboot nothing reaches the Atea rules '
                     'until the next run; end that chain with a drop policy instead, or set jump_position first'
                     % (layout.parent_chains[hook], _rule_text(terminal))
                     for hook, (_position, _handle, terminal) in sorted(places.items())
                     if terminal is not None and jump_position != 'first']
    return Plan(before, after, '\n'.join(script) + '\n', tables, boot_warnings)


def plan(nft, ruleset, layout, wanted, present=True, jump_position='after_user_rules'):
    """The change for the layout's mode, from the live ruleset read once by the caller."""
    if layout.mode == 'table':
        return plan_table(nft, ruleset, layout, wanted, present)
    return plan_chain(nft, ruleset, layout, wanted, present, jump_position)


PERSIST_HEADER = '# Managed by atea.anywhere: Atea Anywhere firewall requirements. Changes here are overwritten.\n'


def persistent_script(layout, wanted, present=True, jump_position='after_user_rules'):
    """What the boot-time drop-in file holds: the same change, without handles of a running ruleset.

    In chain mode the jumps are appended to the user's chains (after_user_rules), or inserted first.
    """
    if not present:
        return ''
    if layout.mode == 'table':
        return PERSIST_HEADER + _table_definition(layout, wanted)
    note = ('# Include it after the definition of table %s %s, in a file that starts with flush ruleset.\n'
            % (layout.table_family, layout.table))
    jump_rules = [_jump_rule(layout, hook, append=jump_position != 'first') for hook in layout.hooks]
    return PERSIST_HEADER + note + '\n'.join(_chain_definition(layout, wanted, jump_rules)) + '\n'


def _in_ranges(port, ranges):
    return any(low <= port <= high for low, high in ranges)


def address_is_local(address):
    """Whether address belongs to this host in this network namespace.

    bind() to port 0 succeeds only for a local address (EADDRNOTAVAIL otherwise), and binding is all it
    does: nothing is sent. (With net.ipv4.ip_nonlocal_bind set it succeeds for any address: then the
    guard checks a connection it need not, which refuses rather than locks out.)
    """
    try:
        info = socket.getaddrinfo(address, 0, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)[0]
        probe = socket.socket(info[0], socket.SOCK_STREAM)
    except OSError:          # a link-local address whose interface is not in this namespace, for one
        return False
    try:
        probe.bind(info[4])
    except OSError:
        return False
    finally:
        probe.close()
    return True


def ssh_connection(environ=None, proc='/proc', pid=None):
    """SSH_CONNECTION of this process or, where become dropped it (sudo's env_reset), of the nearest
    ancestor process that has it (sudo itself, or the shell sshd started); None when there is none."""
    environ = os.environ if environ is None else environ
    if environ.get('SSH_CONNECTION'):
        return environ['SSH_CONNECTION']
    pid = os.getppid() if pid is None else pid
    while pid > 1:
        try:
            with open(os.path.join(proc, str(pid), 'environ'), 'rb') as handle:
                variables = handle.read().split(b'\0')
            with open(os.path.join(proc, str(pid), 'stat'), 'rb') as handle:
                # 'pid (command) state ppid ...': the command may hold spaces and parentheses.
                parent = int(handle.read().rsplit(b')', 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None
        for variable in variables:
            if variable.startswith(b'SSH_CONNECTION='):
                return variable.split(b'=', 1)[1].decode('ascii', 'replace')
        pid = parent
    return None


class Connection(object):
    """SSH_CONNECTION as OpenSSH sets it on the host: 'client client_port server server_port'."""

    def __init__(self, value):
        try:
            client, client_port, server, server_port = value.split()
            self.client, self.server = self._address(client), self._address(server)
            self.client_port, self.server_port = int(client_port), int(server_port)
            self.zone = client.partition('%')[2] or server.partition('%')[2]
        except (ValueError, AttributeError):
            raise inputs.InputError('SSH_CONNECTION', value, 'not "client port server port" as OpenSSH sets it')
        self.family = 'ipv6' if self.client.version == 6 else 'ipv4'

    @staticmethod
    def _address(text):
        address = ipaddress.ip_address(text.partition('%')[0])
        # An IPv4 client on an IPv6 socket: the kernel's netfilter sees the IPv4 packet.
        return address.ipv4_mapped or address if address.version == 6 else address

    def scoped(self, address):
        return '%s%%%s' % (address, self.zone) if self.zone and address.is_link_local else str(address)

    def __str__(self):
        return ('TCP from %s port %d to this host\'s %s port %d'
                % (self.client, self.client_port, self.server, self.server_port))


def _accepts(rule, connection):
    """Whether one rendered rule of the input chain accepts a new connection like this one."""
    client, server = str(connection.client), str(connection.server)
    return (rule['direction'] in ('inbound', 'internal') and rule['protocol'] == 'tcp'
            and rule['family'] == connection.family
            and inputs.contains(rule['sources'], client) and inputs.contains(rule['destinations'], server)
            and _in_ranges(connection.server_port, rule['destination_ports'])
            and (not rule['source_ports'] or _in_ranges(connection.client_port, rule['source_ports'])))


def connection_kept(layout, rules, ssh_connection, is_local=None):
    """Whether the wanted ruleset still accepts the next SSH connection like Ansible's current one.

    Read as the kernel will: the input chain of a table of our own with a drop policy sees a new TCP
    connection from the client's address and port to the server address and port (the host's own),
    of the client's address family. It gets through by the loopback rule (client on this host), the
    management rule (client in management_networks, port in management_ports, any destination) or a
    rendered rule whose sources, destinations, destination ports and source ports all hold it. The
    current client port stands for the next connection's, which the client picks anew.
    A table of the user's (mode chain) is not guarded: our chains there only accept.
    When the server address is not one of this network namespace (SSH_CONNECTION of a controller leaking
    into a local connection, for example into a network namespace), the connection is not this host's.
    Returns (kept, connection or None); kept is True where there is nothing to guard.
    """
    if layout.placement != 'host' or layout.mode != 'table' or layout.policy != 'drop' or not ssh_connection:
        return True, None
    connection = Connection(ssh_connection)
    is_local = is_local or address_is_local
    if connection.family not in layout.families or not is_local(connection.scoped(connection.server)):
        return True, connection
    client = str(connection.client)
    if is_local(connection.scoped(connection.client)):
        return True, connection
    if layout.management_networks and inputs.contains(layout.management_networks, client) \
            and _in_ranges(connection.server_port, layout.management_ports):
        return True, connection
    return any(_accepts(rule, connection) for rule in rules), connection
