# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""firewalld as it is (firewall-cmd listings, runtime and permanent) and the firewall-cmd calls that make our
policies as wanted.

Rules of the road (firewalld 1.3.3, firewall-cmd(1), checked in a namespace):
- A policy is created or deleted in the permanent configuration only; the runtime gets it by
  `firewall-cmd --reload`, which makes the permanent configuration the runtime one ("all runtime only changes
  done until reload are lost"). Zone interfaces and direct rules are kept (firewall/core/fw.py reload()).
  So a reload is refused while any zone or policy that is not ours differs between runtime and permanent,
  except for interfaces bound to a zone at runtime only (as NetworkManager binds them): with
  FlushAllOnReload=yes (firewalld.conf(5), the default) a reload drops those bindings, so the module binds
  them again right after it (rebind_calls()), as firewalld itself does with FlushAllOnReload=no.
- An existing policy changes in place without a reload: firewall-cmd reads the policy's settings, changes
  them and sets them in one D-Bus call, so one call is one change; --add-rich-rule and --remove-rich-rule do
  not go together in one call (argparse refuses), so a policy takes a remove call and an add call, for
  runtime and for --permanent, and --set-description (permanent only) is a call of its own.
- With several items firewall-cmd turns a refused item into a warning and exit code 0: after a change the
  policies are read again and compared with what was wanted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from xml.etree import ElementTree

from ansible_collections.atea.anywhere.plugins.module_utils import nftables_transaction
from ansible_collections.atea.anywhere.plugins.module_utils.render_firewalld import (
    COMMENT_PREFIX,
    Policy,
    policy_text,
    policy_xml,
)

CONFIG_DIR = '/etc/firewalld'
# Where firewalld reads service definitions: its own, then the overrides (firewalld.service(5)).
SERVICE_DIRS = ('/usr/lib/firewalld/services', os.path.join(CONFIG_DIR, 'services'))
# firewalld helper names (/usr/lib/firewalld/helpers) for SIP and H.323: requirement 1.1.
VOIP_HELPERS = ('sip', 'h323', 'Q.931', 'RAS')
# What a policy of ours holds besides rich rules: nothing (firewall-cmd --info-policy keys).
EMPTY_KEYS = ('services', 'ports', 'protocols', 'forward-ports', 'source-ports', 'icmp-blocks')
# Bound again after a reload (rebind_calls()): not a reason to refuse one.
KEPT_BY_RELOAD = ('interfaces',)


class FirewalldError(Exception):
    """firewalld is not running, or a firewall-cmd read failed; nothing was changed."""


class StepError(nftables_transaction.StepError):
    """A firewall-cmd call of the change failed; nftables_transaction restores."""


def parse_listing(text):
    """firewall-cmd --list-all-zones / --list-all-policies / --info-* output -> {name: {key: value}}.

    'rich rules' is a list of lines; the other values are the text after 'key: '. The header's
    '(active)' / '(default, active)' is not part of the name."""
    objects, current, key = {}, None, None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            current = objects[line.split()[0]] = {}
            key = None
        elif line.startswith('\t') and key == 'rich rules':
            current[key].append(line.strip())
        elif current is not None and ':' in line:
            key, _sep, value = line.strip().partition(':')
            current[key] = [] if key == 'rich rules' else value.strip()
    return objects


def as_policy(name, listed, description):
    """A Policy from a parse_listing() entry (None when absent); unexpected contents make it differ from any
    wanted one (its target says so)."""
    if listed is None:
        return None
    extra = ['%s: %s' % (k, listed.get(k)) for k in EMPTY_KEYS if listed.get(k)]
    if listed.get('masquerade', 'no') != 'no':
        extra.append('masquerade: %s' % listed['masquerade'])
    target = listed.get('target', '') + (' (also %s)' % '; '.join(extra) if extra else '')
    priority = listed.get('priority', '')
    return Policy(name, int(priority) if priority.lstrip('-').isdigit() else priority, target,
                  tuple(listed.get('ingress-zones', '').split()), tuple(listed.get('egress-zones', '').split()),
                  tuple(listed.get('rich rules', [])), description)


def shape(policy):
    """What cannot change in place without a reload: priority, target, zones (a set each)."""
    return policy and (policy.priority, policy.target, sorted(policy.ingress), sorted(policy.egress))


class FirewallCmd(object):
    """firewall-cmd through the module (run_command); reads raise FirewalldError, changes StepError."""

    def __init__(self, module):
        self.module = module
        self.binary = module.get_bin_path('firewall-cmd')

    def _run(self, args):
        if not self.binary:
            raise FirewalldError('firewall-cmd was not found: firewalld is not installed on this host')
        return self.module.run_command([self.binary] + list(args))

    def read(self, *args):
        rc, out, err = self._run(args)
        if rc != 0:
            raise FirewalldError('firewall-cmd %s failed (rc %d): %s' % (' '.join(args), rc, (err or out).strip()))
        return out

    def running(self):
        rc, out, err = self._run(['--state'])
        return rc == 0 and out.strip() == 'running', (out or err).strip()

    def change(self, args):
        """Run one change; StepError when firewall-cmd fails."""
        rc, out, err = self._run(args)
        if rc != 0:
            raise StepError('firewall-cmd %s failed (rc %d): %s' % (' '.join(args), rc, (err or out).strip()))
        return out


class State(object):
    """What firewall-cmd lists: zones (unless zones is false) and policies, runtime and permanent, and our
    policies' descriptions."""

    def __init__(self, cmd, names, zones=True):
        self.zones = {'runtime': parse_listing(cmd.read('--list-all-zones')) if zones else {},
                      'permanent': parse_listing(cmd.read('--permanent', '--list-all-zones')) if zones else {}}
        self.policies = {'runtime': parse_listing(cmd.read('--list-all-policies')),
                         'permanent': parse_listing(cmd.read('--permanent', '--list-all-policies'))}
        self.descriptions = dict((name, cmd.read('--permanent', '--policy=%s' % name, '--get-description').strip())
                                 for name in names if name in self.policies['permanent'])
        self.services = {}

    def owned(self, scope, name):
        """Our policy as it is in scope (runtime or permanent), or None."""
        description = self.descriptions.get(name) if scope == 'permanent' else None
        return as_policy(name, self.policies[scope].get(name), description)


def foreign_drift(state, owned):
    """'zone X' / 'policy X' for each zone and policy not ours whose runtime differs from its permanent
    configuration (a reload would lose the runtime part)."""
    drift = []
    for kind, listings in (('zone', state.zones), ('policy', state.policies)):
        runtime, permanent = listings['runtime'], listings['permanent']
        for name in sorted(set(runtime) | set(permanent)):
            if name in owned:
                continue
            have = dict((k, v) for k, v in (runtime.get(name) or {}).items() if k not in KEPT_BY_RELOAD)
            want = dict((k, v) for k, v in (permanent.get(name) or {}).items() if k not in KEPT_BY_RELOAD)
            if have != want:
                drift.append('%s %s' % (kind, name))
    return drift


def rebind_calls(state):
    """The runtime-only interface bindings of zones, as calls that make them again after a reload."""
    calls = []
    for zone, listed in sorted(state.zones['runtime'].items()):
        permanent = (state.zones['permanent'].get(zone) or {}).get('interfaces', '').split()
        calls.extend(['--zone=%s' % zone, '--change-interface=%s' % interface]
                     for interface in listed.get('interfaces', '').split() if interface not in permanent)
    return calls


def used_services(state):
    """service -> ['zone public (runtime)', ...]: where each service is in use."""
    used = {}
    for kind, listings in (('zone', state.zones), ('policy', state.policies)):
        for scope, objects in sorted(listings.items()):
            for name, listed in sorted(objects.items()):
                for service in listed.get('services', '').split():
                    used.setdefault(service, []).append('%s %s (%s)' % (kind, name, scope))
    return used


class HelperPlan(object):
    """The SIP and H.323 helpers of services in use: findings, the permanent removals, whether a reload is due."""

    def __init__(self):
        self.findings = []
        self.removals = []
        self.services = []
        self.reload = False


def declares_voip_helper(service, directories=SERVICE_DIRS):
    """Whether the service's definition, firewalld's own or an override in /etc/firewalld/services, names a SIP or
    H.323 helper: only those are asked about (two firewall-cmd calls each), not every service in use."""
    for directory in directories:
        try:
            root = ElementTree.parse(os.path.join(directory, '%s.xml' % service)).getroot()
        except (OSError, ElementTree.ParseError):
            continue
        if any(helper.get('name') in VOIP_HELPERS for helper in root.iter('helper')):
            return True
    return False


def plan_helpers(cmd, state, declares=declares_voip_helper):
    """For each service in use with a SIP or H.323 helper: remove the helper from the service's permanent
    definition (firewalld writes an override in /etc/firewalld/services) and reload."""
    plan = HelperPlan()
    for service, where in sorted(used_services(state).items()):
        if not declares(service):
            continue
        helpers = {}
        for scope in ('runtime', 'permanent'):
            args = ['--info-service=%s' % service] if scope == 'runtime' else ['--permanent', '--info-service=%s' % service]
            listed = parse_listing(cmd.read(*args)).get(service, {})
            helpers[scope] = [h for h in listed.get('helpers', '').split() if h in VOIP_HELPERS]
        if not helpers['runtime'] and not helpers['permanent']:
            continue
        plan.reload = True
        plan.services.append(service)
        if helpers['permanent']:
            plan.removals.append(['--permanent', '--service=%s' % service]
                                 + ['--remove-helper=%s' % h for h in helpers['permanent']])
        for helper in sorted(set(helpers['runtime']) | set(helpers['permanent'])):
            plan.findings.append({
                'kind': 'firewalld service helper', 'where': 'service %s, used by %s' % (service, ', '.join(where)),
                'detail': 'helper %s removed from service %s (override in %s/services/%s.xml), firewalld reloaded'
                          % (helper, service, CONFIG_DIR, service)})
    return plan


class Plan(object):
    """The change to our policies: firewall-cmd argument lists in order, whether a reload is needed, the inverse
    calls (without a reload), the files the permanent change touches, and the diffs."""

    def __init__(self):
        self.calls = []
        self.undo = []
        self.reload = False
        self.new_files = []
        self.stale_files = []
        self.paths = []
        self.diffs = []

    @property
    def changed(self):
        return bool(self.calls) or self.reload or bool(self.stale_files)


def _rich_calls(scope_args, name, have, want):
    """Remove then add calls for the rich rules that differ, and their inverse."""
    removed = [r for r in have if r not in want]
    added = [r for r in want if r not in have]
    calls, undo = [], []
    if removed:
        calls.append(scope_args + ['--policy=%s' % name] + ['--remove-rich-rule=%s' % r for r in removed])
        undo.append(scope_args + ['--policy=%s' % name] + ['--add-rich-rule=%s' % r for r in removed])
    if added:
        calls.append(scope_args + ['--policy=%s' % name] + ['--add-rich-rule=%s' % r for r in added])
        undo.insert(0, scope_args + ['--policy=%s' % name] + ['--remove-rich-rule=%s' % r for r in added])
    return calls, undo


def policy_path(name):
    return os.path.join(CONFIG_DIR, 'policies', '%s.xml' % name)


def plan(state, names, wanted, exists=os.path.exists):
    """names: every policy name of ours; wanted: name -> Policy (absent ones are removed, with the backup
    <name>.xml.old firewalld leaves of them)."""
    result = Plan()
    before, after = {}, {}
    for scope in ('runtime', 'permanent'):
        before[scope] = ''.join(policy_text(state.owned(scope, name)) for name in names)
        after[scope] = ''.join(policy_text(wanted.get(name) if scope == 'permanent' else
                                           wanted.get(name) and wanted[name]._replace(description=None))
                               for name in names)
    for name in names:
        runtime, permanent, want = state.owned('runtime', name), state.owned('permanent', name), wanted.get(name)
        if want is None:
            if permanent is not None:
                result.calls.append(['--permanent', '--delete-policy=%s' % name])
            result.reload = result.reload or runtime is not None or permanent is not None
            if permanent is not None or exists(policy_path(name) + '.old'):
                result.stale_files.append(policy_path(name) + '.old')
        elif permanent is None or shape(permanent) != shape(want):
            if permanent is not None:
                result.calls.append(['--permanent', '--delete-policy=%s' % name])
            result.new_files.append((name, policy_xml(want)))
            result.reload = True
        elif runtime is None or shape(runtime) != shape(want):
            result.reload = True
            calls, _undo = _rich_calls(['--permanent'], name, permanent.rich_rules, want.rich_rules)
            result.calls.extend(calls)
        else:
            for scope_args, have in (([], runtime), (['--permanent'], permanent)):
                calls, undo = _rich_calls(scope_args, name, have.rich_rules, want.rich_rules)
                result.calls.extend(calls)
                result.undo = undo + result.undo
        if want is not None and permanent is not None and shape(permanent) == shape(want) \
                and permanent.description != want.description:
            result.calls.append(['--permanent', '--policy=%s' % name, '--set-description=%s' % want.description])
            result.undo.insert(0, ['--permanent', '--policy=%s' % name,
                                   '--set-description=%s' % permanent.description])
        if runtime != want or permanent != want or policy_path(name) + '.old' in result.stale_files:
            result.paths.extend([policy_path(name), policy_path(name) + '.old'])
    for scope in ('runtime', 'permanent'):
        if result.changed and before[scope] != after[scope]:
            header = 'firewalld %s (policies of %s)' % (scope, COMMENT_PREFIX)
            result.diffs.append({'before': before[scope], 'after': after[scope],
                                 'before_header': header, 'after_header': header})
    return result


def command_lines(calls, reload, rebind=(), stale_files=()):
    """The command lines as the module reports them: the calls, the reload and the bindings after it."""
    calls = list(calls) + ([['--reload']] + list(rebind) if reload else [])
    lines = [' '.join(['firewall-cmd'] + [_shell_word(a) for a in args]) for args in calls]
    lines.extend('rm %s' % path for path in stale_files)
    return lines


def _shell_word(arg):
    if all(c.isalnum() or c in '-_=./:,' for c in arg):
        return arg
    return "'%s'" % arg.replace("'", "'\\''")


def create_policy(cmd, name, xml):
    """--permanent --new-policy-from-file with the policy's XML in a temporary <name>.xml (firewalld takes the
    file name for a policy name and refuses a "." in it)."""
    directory = tempfile.mkdtemp(prefix='atea_anywhere_policy_')
    path = os.path.join(directory, '%s.xml' % name)
    try:
        with open(path, 'w', encoding='utf-8') as stream:
            stream.write(xml)
        cmd.change(['--permanent', '--new-policy-from-file=%s' % path, '--name=%s' % name])
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def check_applied(cmd, names, wanted):
    """Read our policies again: each as wanted, runtime and permanent (firewall-cmd warns and goes on)."""
    state = State(cmd, names, zones=False)
    wrong = []
    for name in names:
        want = wanted.get(name)
        for scope in ('runtime', 'permanent'):
            have = state.owned(scope, name)
            expected = want if scope == 'permanent' or want is None else want._replace(description=None)
            if (have and (shape(have), sorted(have.rich_rules), have.description)) != \
                    (expected and (shape(expected), sorted(expected.rich_rules), expected.description)):
                wrong.append('%s policy %s' % (scope, name))
    if wrong:
        raise StepError('after the change firewalld does not hold what was applied: %s' % ', '.join(wrong))
