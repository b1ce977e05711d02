# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which firewall manager drives a Linux host: firewalld, ufw, iptables or nftables.

A packet must be accepted by every base chain on its hook (nft(8), OVERALL EVALUATION OF THE RULESET: an accept
ends one base chain, the packet goes on to the next; a drop anywhere is final), so the collection's rules only work
through the manager whose chains decide. The evidence is read, never changed:
- firewalld running: C(firewall-cmd --state) prints C(running) (it asks the daemon over the D-Bus system bus,
  DBUS_SYSTEM_BUS_ADDRESS honoured); installed but stopped is not active. firewall-cmd is a Python program (a tenth
  of a second), so it is not run where the host shows it would say not running (firewalld_absence).
- ufw active: C(ufw status) prints C(Status: active), which ufw decides by its chain ufw-user-input being
  loaded (ufw/backend_iptables.py get_status); installed but disabled is not active. Needs root. Not run where the
  live nftables ruleset and iptables-legacy show that chain is not loaded (ufw_absence).
- iptables rules: iptables-nft-save, iptables-legacy-save and their ip6 twins hold a C(-A) rule or a built-in
  chain whose policy is not ACCEPT, leaving out ufw's chains (ufw-*, ufw6-*), the collection's own
  (the iptables chain prefix) and the rules that jump to them.
- nftables: tables other than firewalld's (C(firewalld)), the collection's (its owner comment) and the
  tables iptables-nft keeps for iptables (an xtables table name whose base chains carry the built-in names).
"""

from __future__ import annotations

import os
import shlex

from ansible_collections.atea.anywhere.plugins.module_utils import nftables_state, render_iptables
from ansible_collections.atea.anywhere.plugins.module_utils.render_nftables import OWNER_COMMENT

MANAGERS = ('firewalld', 'ufw', 'iptables', 'nftables')
DEFAULT_IPTABLES_CHAIN_PREFIX = 'ATEA-ANYWHERE'
# (save command, variant, family) read for iptables rules.
IPTABLES_SAVES = (('iptables-nft-save', 'nft', 'ipv4'), ('ip6tables-nft-save', 'nft', 'ipv6'),
                  ('iptables-legacy-save', 'legacy', 'ipv4'), ('ip6tables-legacy-save', 'legacy', 'ipv6'))
UFW_CHAIN_PREFIXES = ('ufw-', 'ufw6-')
FIREWALLD_TABLE = 'firewalld'
FIREWALLD_RUNNING_BUT_FAILED = 251
# The tables and built-in chains of iptables, ip6tables, arptables and ebtables, as iptables-nft makes them in nftables.
XTABLES_TABLES = {'ip': ('filter', 'nat', 'mangle', 'raw', 'security'),
                  'ip6': ('filter', 'nat', 'mangle', 'raw', 'security'),
                  'arp': ('filter',), 'bridge': ('filter', 'nat', 'broute')}
XTABLES_BUILT_INS = ('PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING', 'BROUTING')
PLATFORM_HINT = 'set atea_anywhere_platform to the one that should carry the rules'
# firewalld's name on the D-Bus system bus (firewall/config/dbus.py DBUS_INTERFACE), which firewall-cmd asks for.
FIREWALLD_BUS_NAME = 'org.fedoraproject.FirewallD1'
# The system bus when DBUS_SYSTEM_BUS_ADDRESS is not set: libdbus's built-in unix:path=, /run or /var/run by build.
DEFAULT_SYSTEM_BUS_SOCKETS = ('/run/dbus/system_bus_socket', '/var/run/dbus/system_bus_socket')
# The system bus's standard service directories (dbus-daemon(1), <standard_system_servicedirs/>): a file named
# '<bus name>.service' there lets the bus start that service when a client asks for it while it is not running.
SYSTEM_SERVICE_DIRS = ('/usr/local/share/dbus-1/system-services', '/usr/share/dbus-1/system-services',
                       '/lib/dbus-1/system-services', '/usr/lib/dbus-1/system-services')
# The chain ufw status lists first (ufw/backend_iptables.py get_status): where it does not exist, ufw is inactive.
UFW_STATUS_CHAIN = 'ufw-user-input'


class ManagerError(Exception):
    """The evidence could not be read, or it does not name one manager (found: the Findings so far)."""

    def __init__(self, message, found=()):
        super(ManagerError, self).__init__(message)
        self.found = list(found)


class Finding(object):
    """What was seen of one manager: whether it is active (decides the host's packets) and why."""

    def __init__(self, manager, active, evidence):
        self.manager = manager
        self.active = active
        self.evidence = evidence

    def as_dict(self):
        return {'manager': self.manager, 'active': self.active, 'evidence': self.evidence}


class Host(object):
    """The host's commands. runner(argv) -> (rc, stdout, stderr) like AnsibleModule.run_command;
    which(name) -> path or None like AnsibleModule.get_bin_path.

    root: the directory the host's own files are read under ('/' on the host) for the evidence that spares running
    firewall-cmd or ufw; None reads none, and they are always run. environ: the environment the commands run with."""

    def __init__(self, runner, which, root=None, environ=None):
        self._runner = runner
        self._which = which
        self.root = root
        self.environ = {} if environ is None else environ

    @classmethod
    def for_module(cls, module):
        """The module's run_command in the C locale: the status lines read here (ufw status, firewall-cmd --state)
        are matched as English text, and ufw ships translations of them."""
        def runner(argv):
            return module.run_command(argv, environ_update={'LC_ALL': 'C'})
        return cls(runner, module.get_bin_path, root='/', environ=os.environ)

    def which(self, name):
        return self._which(name)

    def run(self, argv):
        return self._runner(argv)

    def output(self, argv):
        """stdout of argv, which must succeed."""
        rc, out, err = self._runner(argv)
        if rc != 0:
            raise ManagerError('%s failed (rc=%s): %s' % (' '.join(argv), rc, (err or out).strip()))
        return out

    def _path(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    def exists(self, path):
        return os.path.lexists(self._path(path))

    def read(self, path):
        """The text of an absolute path on the host, or None where it does not exist (a process that ended, among
        others); other errors (permission) are raised as OSError."""
        try:
            with open(self._path(path), 'rb') as handle:
                return handle.read().decode('utf-8', 'replace')
        except (FileNotFoundError, ProcessLookupError):
            return None

    def pids(self):
        """The process ids in the host's /proc."""
        return [name for name in os.listdir(self._path('/proc')) if name.isdigit()]


def _system_bus_sockets(environ):
    """The socket paths firewall-cmd would connect to for the D-Bus system bus (DBUS_SYSTEM_BUS_ADDRESS, else the
    default), or None where the address holds anything but plain unix:path= entries: a bus on another machine (tcp:,
    unixexec:) could answer for a firewalld there, an abstract socket is not a file, escapes are not undone here."""
    address = environ.get('DBUS_SYSTEM_BUS_ADDRESS')
    if address is None:
        return list(DEFAULT_SYSTEM_BUS_SOCKETS)
    paths = []
    for entry in address.split(';'):
        transport, _colon, options = entry.partition(':')
        values = dict(option.partition('=')[::2] for option in options.split(','))
        path = values.get('path', '')
        if transport != 'unix' or set(values) - set(('path', 'guid')) or not path.startswith('/') or '%' in path:
            return None
        paths.append(path)
    return paths


def _sees_every_process(host):
    """Whether the host's /proc lists every process of the machine: in the first PID namespace, the kernel's
    kthreadd is pid 2 with parent 0; a container's own PID namespace does not show it (nor the host's processes)."""
    stat = host.read('/proc/2/stat') or ''
    return stat.startswith('2 (kthreadd) ') and stat.split(') ', 1)[1].split()[1:2] == ['0']


def _may_be_firewalld(host, pid):
    """Whether process pid could be firewalld: named so (comm), or any argument of its command line is a path to
    firewalld (python3 -s /usr/sbin/firewalld). A process that ended meanwhile is not."""
    comm, cmdline = host.read('/proc/%s/comm' % pid), host.read('/proc/%s/cmdline' % pid)
    return comm is not None and (comm.strip() == 'firewalld' or any(
        os.path.basename(argument) == 'firewalld' for argument in (cmdline or '').split('\0')))


def firewalld_absence(host):
    """Why firewall-cmd --state would say firewalld is not running, read from the host's files without running it; or
    None where only firewall-cmd can tell.

    firewall-cmd asks the daemon on the D-Bus system bus (firewall/client.py FirewallClient): with no socket at the
    bus's address it cannot connect and says not running. Otherwise the bus has firewalld's name only while a firewalld
    process holds it, or once the bus starts one for firewall-cmd (dbus-python's get_object asks the bus to activate a
    name that has no owner), which needs an activation file; so where every process of the machine is seen, none is
    firewalld and no such file exists, it says not running. A firewalld in another network namespace (they share
    /proc) or anything unsure leaves it to firewall-cmd."""
    if host.root is None:
        return None
    try:
        sockets = _system_bus_sockets(host.environ)
        if sockets is None:
            return None
        if not any(host.exists(socket) for socket in sockets):
            return 'no D-Bus system bus for firewall-cmd to ask: nothing at %s' % ' or '.join(sockets)
        if not _sees_every_process(host) or any(host.exists('%s/%s.service' % (directory, FIREWALLD_BUS_NAME))
                                                for directory in SYSTEM_SERVICE_DIRS):
            return None
        if any(_may_be_firewalld(host, pid) for pid in host.pids()):
            return None
    except OSError:
        return None
    return 'no firewalld process on this machine'


def ufw_absence(host, ruleset):
    """Why ufw status would say inactive, read from the live nftables ruleset (nft's JSON objects, or None where it was
    not read) and the host's files without running ufw; or None where only ufw can tell.

    ufw status lists its chain ufw-user-input with iptables first and says inactive where it does not exist
    (ufw/backend_iptables.py get_status). iptables-nft keeps that chain in the nftables table ip filter; iptables-legacy
    in its filter table, which a network namespace has only once /proc/net/ip_tables_names names it (where it has none,
    iptables -L makes an empty one). Neither holding it, whichever variant ufw's iptables is, ufw says inactive."""
    if host.root is None or ruleset is None:
        return None
    if any((chain.get('family'), chain.get('table'), chain.get('name')) == ('ip', 'filter', UFW_STATUS_CHAIN)
           for chain in nftables_state.objects_of(ruleset, 'chain')):
        return None
    try:
        legacy = host.read('/proc/net/ip_tables_names')
    except OSError:
        return None
    if legacy is not None and 'filter' in legacy.split():
        return None
    return 'its chain %s, which ufw status looks for, is loaded neither in nftables nor in iptables-legacy' % UFW_STATUS_CHAIN


def firewalld_finding(host):
    """firewalld, when firewall-cmd is installed: running only if the daemon answers on D-Bus (firewall-cmd is not run
    where firewalld_absence shows it would say not running)."""
    command = host.which('firewall-cmd')
    if not command:
        return None
    absent = firewalld_absence(host)
    if absent:
        return Finding('firewalld', False, 'installed, not running (%s)' % absent)
    rc, out, err = host.run([command, '--state'])
    if rc == 0 and out.strip() == 'running':
        return Finding('firewalld', True, 'firewall-cmd --state: running')
    # firewall-cmd(1): exit code 0 running, RUNNING_BUT_FAILED (251, prints 'failed') when its startup failed,
    # NOT_RUNNING otherwise. A daemon that failed to start still runs and holds its base chains.
    if rc == FIREWALLD_RUNNING_BUT_FAILED:
        return Finding('firewalld', True, 'firewall-cmd --state: failed (running, but its startup failed)')
    return Finding('firewalld', False, 'installed, not running (firewall-cmd --state: %s)'
                   % ((out or err).strip().splitlines() or ['rc %s' % rc])[-1])


def ufw_finding(host, ruleset=None):
    """ufw, when installed: active only if 'ufw status' says so (its chains are loaded). ruleset: the live nftables
    ruleset where the caller read it; ufw is not run where ufw_absence shows it would say inactive."""
    command = host.which('ufw')
    if not command:
        return None
    absent = ufw_absence(host, ruleset)
    if absent:
        return Finding('ufw', False, 'installed, not active (%s)' % absent)
    status = host.output([command, 'status']).strip().splitlines()
    if status and status[0].strip() == 'Status: active':
        return Finding('ufw', True, 'ufw status: active')
    return Finding('ufw', False, 'installed, not active (ufw status: %s)' % (status[0].strip() if status else 'empty'))


def refusal(host, ruleset=None):
    """Why plain nftables rules would not let the flows through on this host, or None: a running firewalld or
    an active ufw rejects, in its own base chains, what it does not allow itself. ruleset: the live nftables ruleset,
    where the caller read it (see ufw_finding)."""
    firewalld = firewalld_finding(host)
    if firewalld and firewalld.active:
        return ('firewalld is running on this host: its own base chains reject what its zones do not allow, so the '
                'rules of atea.anywhere.nftables would not let the flows through; use atea_anywhere_platform linux '
                '(or firewalld), which applies them through firewalld (module atea.anywhere.firewalld). Nothing was '
                'changed.')
    ufw = ufw_finding(host, ruleset)
    if ufw and ufw.active:
        return ('ufw is active on this host: its own chains drop what its rules do not allow, so the rules of '
                'atea.anywhere.nftables would not let the flows through; use atea_anywhere_platform linux (or ufw), '
                'which applies them through ufw (module atea.anywhere.ufw). Nothing was changed.')
    return None


def _ufws_or_ours(chain, layout):
    """ufw's chains by their prefix; ours exactly by name (a short prefix such as IN must not hide INPUT)."""
    return chain.startswith(UFW_CHAIN_PREFIXES) or layout.owns(chain)


def iptables_rules(save_output, chain_prefix=DEFAULT_IPTABLES_CHAIN_PREFIX, policies_are_ufws=False):
    """[(table, chain, what)] of an iptables-save output that are neither ufw's nor the collection's: each '-A'
    rule (of a built-in or user chain) and each built-in chain whose policy is not ACCEPT (unless ufw is active:
    then ufw set them, from its default policies)."""
    layout = render_iptables.Layout(chain_prefix=chain_prefix)
    found = []
    table = None
    for line in save_output.splitlines():
        if line.startswith('*'):
            table = line[1:].strip()
        elif line.startswith(':'):
            words = line[1:].split()
            if len(words) >= 2 and words[1] not in ('ACCEPT', '-') and not policies_are_ufws \
                    and not _ufws_or_ours(words[0], layout):
                found.append((table, words[0], 'policy %s' % words[1]))
        elif line.startswith('-A '):
            words = shlex.split(line)
            target = next((words[i + 1] for i, word in enumerate(words[:-1]) if word in ('-j', '--jump', '-g', '--goto')),
                          None)
            if not _ufws_or_ours(words[1], layout) and not (target and _ufws_or_ours(target, layout)):
                found.append((table, words[1], 'rule'))
    return found


def _hooks(entries):
    """The netfilter hooks of the built-in chains among (table, chain, what) entries of the filter table."""
    return set(chain.lower() for table, chain, _what in entries if table == 'filter' and chain in XTABLES_BUILT_INS)


def iptables_findings(host, chain_prefix=DEFAULT_IPTABLES_CHAIN_PREFIX, policies_are_ufws=False):
    """{variant: (evidence text, hooks filtered)} of each iptables variant that holds rules."""
    held = {}
    for command, variant, family in IPTABLES_SAVES:
        path = host.which(command)
        if not path:
            continue
        entries = iptables_rules(host.output([path]), chain_prefix, policies_are_ufws)
        if entries:
            tables = sorted(set(table for table, _chain, _what in entries))
            rules = sum(1 for entry in entries if entry[2] == 'rule')
            policies = ['%s %s' % (chain, what) for _table, chain, what in entries if what != 'rule']
            text = '%s: %d rules in %s%s' % (command, rules, ', '.join(tables),
                                             ('; ' + ', '.join(policies)) if policies else '')
            evidence, hooks = held.get(variant, ([], set()))
            held[variant] = (evidence + [text], hooks | _hooks(entries))
    return dict((variant, ('; '.join(evidence), hooks)) for variant, (evidence, hooks) in held.items())


def installed_iptables_variant(host):
    """The variant the plain 'iptables' command is (iptables -V: '(nf_tables)' or '(legacy)'), or None."""
    command = host.which('iptables')
    if not command:
        return None
    rc, out, _err = host.run([command, '-V'])
    if rc != 0:
        return None
    return 'nft' if 'nf_tables' in out else 'legacy'


def _is_xtables_table(family, name, chains):
    base = [chain['name'] for chain in chains if 'hook' in chain]
    return name in XTABLES_TABLES.get(family, ()) and all(chain in XTABLES_BUILT_INS for chain in base)


def _nft(host):
    """nft on the host, run through it, or None when nft is not installed."""
    command = host.which('nft')
    return nftables_state.Nft(lambda argv, data: host.run(argv), command, None) if command else None


def _live_ruleset(nft):
    """The live ruleset (nft's JSON objects) read with nft, or None when nft is None (not installed)."""
    try:
        return nft.ruleset() if nft else None
    except nftables_state.NftError as error:
        raise ManagerError(str(error))


def nftables_tables(nft, ruleset):
    """(user tables as [(family, name, hooks filtered)], the collection's own tables, firewalld's tables) of the live
    ruleset (_live_ruleset), nft listing the tables that need it."""
    try:
        user, own, firewalld = [], [], []
        chains = nftables_state.objects_of(ruleset, 'chain')
        for table in nftables_state.objects_of(ruleset, 'table'):
            family, name = table['family'], table['name']
            mine = [chain for chain in chains if (chain.get('family'), chain.get('table')) == (family, name)]
            if name == FIREWALLD_TABLE and family in ('inet', 'ip', 'ip6'):
                firewalld.append((family, name))
            elif _is_xtables_table(family, name, mine):
                continue
            elif 'comment "%s"' % OWNER_COMMENT in nft.listing([('table', family, name)]):
                own.append((family, name))
            else:
                # A table filters only if something in it can drop: an empty table with accept policies (Debian's
                # default /etc/nftables.conf) decides nothing beside another manager.
                rules = [rule for rule in nftables_state.objects_of(ruleset, 'rule')
                         if (rule.get('family'), rule.get('table')) == (family, name)]
                drops = any(chain.get('policy') == 'drop' for chain in mine) or _can_drop([r.get('expr') for r in rules])
                hooks = set(chain['hook'] for chain in mine
                            if drops and chain.get('type') == 'filter' and 'hook' in chain)
                user.append((family, name, hooks))
    except nftables_state.NftError as error:
        raise ManagerError(str(error))
    return user, own, firewalld


def _can_drop(node):
    """Whether nft -j rule expressions hold a drop or reject verdict anywhere (a statement, a verdict map)."""
    if isinstance(node, dict):
        return 'drop' in node or 'reject' in node or any(_can_drop(value) for value in node.values())
    if isinstance(node, list):
        return any(_can_drop(value) for value in node)
    return False


class Detection(object):
    """The manager that drives the host, the iptables variant, what was found, and the collection's own nftables
    tables (left by an earlier run of the nftables platform)."""

    def __init__(self, manager, iptables_variant, found, own_tables=()):
        self.manager = manager
        self.iptables_variant = iptables_variant
        self.found = found
        self.own_tables = list(own_tables)

    @property
    def notes(self):
        """Warnings: the collection's own nftables table, where another manager now carries the rules, still
        filters beside it."""
        if not self.own_tables or self.manager == 'nftables':
            return []
        return ['the collection\'s own nftables table %s is loaded and still filters beside %s; remove it with '
                'atea_anywhere_platform nftables and atea_anywhere_state absent' % (_table_text(self.own_tables), self.manager)]

    def as_dict(self):
        return {'manager': self.manager, 'iptables_variant': self.iptables_variant,
                'found': [finding.as_dict() for finding in self.found]}


def _found_text(found):
    return '; '.join('%s (%s)' % (f.manager, f.evidence) for f in found) or 'none of firewalld, ufw, iptables, nft'


def _table_text(tables):
    return ', '.join('%s %s' % (family, name) for family, name in tables)


def _nftables_evidence(user):
    return 'user tables %s' % ', '.join('%s %s%s' % (family, name, (' (base chains on %s)' % ', '.join(sorted(hooks)))
                                                     if hooks else '') for family, name, hooks in user)


def detect(host, chain_prefix=DEFAULT_IPTABLES_CHAIN_PREFIX):
    """The one manager that decides this host's packets (see the module linux_firewall_info for the rules)."""
    render_iptables.chain_name('iptables_chain_prefix', chain_prefix)
    found = []
    nft = _nft(host)
    ruleset = _live_ruleset(nft)
    firewalld, ufw = firewalld_finding(host), ufw_finding(host, ruleset)
    found.extend(f for f in (firewalld, ufw) if f)
    iptables = iptables_findings(host, chain_prefix, policies_are_ufws=bool(ufw and ufw.active))
    for variant in sorted(iptables):
        found.append(Finding('iptables', True, '%s (iptables-%s)' % (iptables[variant][0], variant)))
    tables = nftables_tables(nft, ruleset) if nft else None
    user, own, firewalld_tables = tables or ([], [], [])
    if user:
        found.append(Finding('nftables', True, _nftables_evidence(user)))
    elif tables is not None:
        found.append(Finding('nftables', False, 'nft installed, no user tables'))
    held = sorted(iptables)
    variant = held[0] if len(held) == 1 else installed_iptables_variant(host)
    running = [f.manager for f in (firewalld, ufw) if f and f.active]
    if len(running) == 2:
        raise ManagerError('firewalld is running and ufw is active on this host: both filter every packet, so rules '
                           'applied through one would still be rejected by the other; stop one of them, or %s. '
                           'Found: %s' % (PLATFORM_HINT, _found_text(found)), found)
    if running:
        return Detection(running[0], variant, found, own)
    if firewalld_tables:
        raise ManagerError('firewalld is not running, but its nftables table %s is loaded and still filters: start '
                           'firewalld (then it is used), or remove the table. Found: %s'
                           % (_table_text(firewalld_tables), _found_text(found)), found)
    if len(held) == 2:
        raise ManagerError('both iptables-nft and iptables-legacy hold rules on this host: %s; %s and '
                           'atea_anywhere_iptables_variant to the one that should carry the rules'
                           % (_found_text(found), PLATFORM_HINT), found)
    if held:
        filtering = iptables[held[0]][1]
        nft_filtering = set().union(*(hooks for _family, _name, hooks in user))
        if filtering and nft_filtering:
            raise ManagerError('iptables (%s) and nftables (%s) both filter on this host (iptables on %s, nftables on '
                               '%s): a packet must pass both, so rules applied through one could still be dropped by '
                               'the other; %s' % (iptables[held[0]][0], _table_text(u[:2] for u in user),
                                                  ', '.join(sorted(filtering)), ', '.join(sorted(nft_filtering)),
                                                  PLATFORM_HINT), found)
        # Where only one of them filters (the other only translates or marks), that one decides.
        return Detection('nftables' if nft_filtering else 'iptables', variant, found, own)
    if tables is not None:
        return Detection('nftables', variant, found, own)
    if variant:
        return Detection('iptables', variant, found, own)
    raise ManagerError('no firewall manager that can be driven: found %s' % _found_text(found), found)
