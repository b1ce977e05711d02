# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's side of the role's one task (action atea.anywhere.enforce): its variables checked once against
the role's argument spec, the rules computed once per distinct input and run, and the arguments of the module that
applies them on a Linux host.

A run's cache lives in ansible-core's local temporary directory for the run (created by the main process before it
forks its workers, removed when it exits), so every host and task of one ansible-playbook run shares it, and no
run sees another's. What is cached is a pure function of its key (the inputs, and the files' bytes), written
atomically: two workers computing the same entry write the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.atea.anywhere.plugins.module_utils import files, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE_SPEC = os.path.join(COLLECTION, 'roles', 'atea_anywhere', 'meta', 'argument_specs.yml')

# The most an input file may hold (bytes): 5,000 flows of a few hundred bytes each fit many times over.
MAX_INPUT_FILE = 64 * 1024 * 1024
# The role variables the rules are computed from, and the files that add to two of them.
RULE_VARIABLES = ('atea_anywhere_profile', 'atea_anywhere_components', 'atea_anywhere_networks',
                  'atea_anywhere_customer_networks', 'atea_anywhere_extra_flows', 'atea_anywhere_allow_any_network')
INPUT_FILES = {'atea_anywhere_extra_flows_file': ('atea_anywhere_extra_flows', dict),
               'atea_anywhere_customer_networks_file': ('atea_anywhere_customer_networks', str)}

# The options every Linux manager's module takes (linux_options.argument_spec): module option -> role variable (None:
# computed by the action).
COMMON_MANAGER_OPTIONS = {
    'rules': None, 'state': 'atea_anywhere_state', 'placement': 'atea_anywhere_placement',
    'management_networks': 'atea_anywhere_management_networks', 'management_ports': 'atea_anywhere_management_ports',
    'confirm_timeout': None, 'rollback_dir': 'atea_anywhere_nftables_rollback_dir',
}
# Per Linux manager, with the options of its own.
MANAGER_OPTIONS = {
    'nftables': dict(COMMON_MANAGER_OPTIONS, **{
        'mode': 'atea_anywhere_nftables_mode', 'table': 'atea_anywhere_nftables_table',
        'table_family': 'atea_anywhere_nftables_table_family', 'chain_prefix': 'atea_anywhere_nftables_chain_prefix',
        'parent_chains': 'atea_anywhere_nftables_parent_chains', 'jump_position': 'atea_anywhere_nftables_jump_position',
        'ssh_guard': 'atea_anywhere_nftables_ssh_guard', 'helper_blacklist_file': 'atea_anywhere_helper_blacklist_file',
        'persist': 'atea_anywhere_nftables_persist', 'persist_file': 'atea_anywhere_nftables_persist_file',
        'main_config': 'atea_anywhere_nftables_main_config',
    }),
    'iptables': dict(COMMON_MANAGER_OPTIONS, **{
        'variant': 'atea_anywhere_iptables_variant', 'chain_prefix': 'atea_anywhere_iptables_chain_prefix',
        'parent_chains': 'atea_anywhere_iptables_parent_chains', 'jump_position': 'atea_anywhere_iptables_jump_position',
        'persist': 'atea_anywhere_iptables_persist', 'persist_file_ipv4': 'atea_anywhere_iptables_persist_file_ipv4',
        'persist_file_ipv6': 'atea_anywhere_iptables_persist_file_ipv6',
    }),
    'ufw': dict(COMMON_MANAGER_OPTIONS),
    'firewalld': dict(COMMON_MANAGER_OPTIONS, **{
        'object_prefix': 'atea_anywhere_firewalld_object_prefix', 'ingress_zones': 'atea_anywhere_firewalld_ingress_zones',
        'egress_zones': 'atea_anywhere_firewalld_egress_zones', 'priority': 'atea_anywhere_firewalld_priority',
    }),
}
# Module atea.anywhere.compliance_info on a Linux host: option -> role variable, per manager where it differs.
COMPLIANCE_OPTIONS = {
    'placement': 'atea_anywhere_placement', 'management_networks': 'atea_anywhere_management_networks',
    'management_ports': 'atea_anywhere_management_ports', 'mode': 'atea_anywhere_nftables_mode',
    'table': 'atea_anywhere_nftables_table', 'table_family': 'atea_anywhere_nftables_table_family',
    'chain_prefix': 'atea_anywhere_nftables_chain_prefix', 'parent_chains': 'atea_anywhere_nftables_parent_chains',
    'variant': 'atea_anywhere_iptables_variant', 'object_prefix': 'atea_anywhere_firewalld_object_prefix',
    'ingress_zones': 'atea_anywhere_firewalld_ingress_zones', 'egress_zones': 'atea_anywhere_firewalld_egress_zones',
    'priority': 'atea_anywhere_firewalld_priority',
}
COMPLIANCE_IPTABLES_OPTIONS = {'chain_prefix': 'atea_anywhere_iptables_chain_prefix',
                               'parent_chains': 'atea_anywhere_iptables_parent_chains'}
# Empty means "the module's own default" for these (the role's tasks used to omit them).
OMITTED_WHEN_EMPTY = frozenset(('table', 'helper_blacklist_file'))


# Python types of the list elements the role's spec names.
ELEMENT_TYPES = {'str': str, 'dict': dict}


class EnforceError(ValueError):
    """The role's variables cannot be used; the message names the variable and the value."""


def role_options(entry_point='main'):
    """The options of the role's entry point, from the role's meta/argument_specs.yml (the one source)."""
    with open(ROLE_SPEC, encoding='utf-8') as handle:
        specs = yaml.load(handle, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
    return specs['argument_specs'][entry_point]['options']


def check_options(spec, values):
    """values (variable -> value) converted as the spec says, absent ones with the spec's default; EnforceError
    with every error in one line, each naming the variable, the value and what it may be. A path stays as given:
    it is expanded on the host it is used on, not on the controller."""
    # A list whose items are all of their type already is what the validator would make of it: it is left out of
    # the validator, which deep-copies what it checks (thousands of networks or flows, on every host).
    kept = dict((name, value) for name, value in values.items()
                if spec.get(name, {}).get('type') == 'list' and isinstance(value, list)
                and spec[name].get('elements') in ELEMENT_TYPES and not spec[name].get('choices')
                and not spec[name].get('options')
                and all(isinstance(item, ELEMENT_TYPES[spec[name]['elements']]) for item in value))
    result = ArgumentSpecValidator(spec).validate(dict(values, **dict((name, []) for name in kept)))
    if result.error_messages:
        raise EnforceError('; '.join(result.error_messages))
    return dict((name, kept[name] if name in kept else values[name]
                 if spec[name].get('type') == 'path' and name in values else value)
                for name, value in result.validated_parameters.items())


def confirm_timeout(options, local_connection):
    """The seconds of the commit-confirmed restore the apply arms on a Linux host (0: none): on unless the
    connection is local (auto), or always; 'always' without a timeout cannot be confirmed."""
    confirm, timeout = options['atea_anywhere_confirm'], int(options['atea_anywhere_confirm_timeout'])
    if confirm == 'always' and timeout <= 0:
        raise EnforceError('atea_anywhere_confirm is always, but atea_anywhere_confirm_timeout is %s: a change cannot be '
                           'confirmed without a timeout; give it in seconds (for example 120), or set '
                           'atea_anywhere_confirm to never.' % timeout)
    return timeout if confirm == 'always' or (confirm == 'auto' and not local_connection) else 0


def manager_arguments(manager, options, rules, timeout):
    """The arguments of module atea.anywhere.<manager> for the role's options."""
    arguments = {}
    for option, variable in MANAGER_OPTIONS[manager].items():
        if variable is None:
            arguments[option] = rules if option == 'rules' else timeout
        elif not (option in OMITTED_WHEN_EMPTY and not options[variable]):
            arguments[option] = options[variable]
    return arguments


def compliance_arguments(manager, options, rules, host):
    """The arguments of module atea.anywhere.compliance_info reading a Linux host through its manager."""
    arguments = {'rules': rules, 'platform': manager, 'host': host}
    for option, variable in COMPLIANCE_OPTIONS.items():
        variable = COMPLIANCE_IPTABLES_OPTIONS.get(option, variable) if manager == 'iptables' else variable
        if not (option in OMITTED_WHEN_EMPTY and not options[variable]):
            arguments[option] = options[variable]
    return arguments


def _input_file(variable, value, start):
    """(path, bytes) of an input file: a regular file of at most MAX_INPUT_FILE bytes (a relative path is taken from
    start, where ansible-playbook started). Errors name the variable and the path, never the file's content."""
    text_gate.single_line(variable, value, 'a path')
    path = os.path.normpath(os.path.join(start, os.path.expanduser(value)))
    try:
        with open(path, 'rb') as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise InputError(variable, value, 'is not a regular file (%s)' % path)
            if info.st_size > MAX_INPUT_FILE:
                raise InputError(variable, value, 'is %d bytes, more than the %d an input file may hold (%s)'
                                 % (info.st_size, MAX_INPUT_FILE, path))
            return path, handle.read(MAX_INPUT_FILE + 1)
    except OSError as error:
        raise InputError(variable, value, 'cannot be read (%s)' % (error.strerror or error))


def _file_entries(variable, path, data):
    """The list an input file holds (JSON or YAML), checked to be a list of the entries its variable takes."""
    target, kind = INPUT_FILES[variable]
    try:
        entries = yaml.load(data, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, 'problem_mark', None)
        raise InputError(variable, path, 'is not JSON or YAML%s' % (
            ' (line %d, column %d)' % (mark.line + 1, mark.column + 1) if mark else ''))
    if entries is None:
        return []
    wrong = [index for index, entry in enumerate(entries) if not isinstance(entry, kind)][:1] \
        if isinstance(entries, list) else None
    if wrong is None or wrong:
        where = 'a %s' % type(entries).__name__ if wrong is None else 'entry %d, a %s' % (
            wrong[0], type(entries[wrong[0]]).__name__)
        raise InputError(variable, path, 'must hold a list of %s, as %s takes; it holds %s'
                         % ('mappings' if kind is dict else 'strings', target, where))
    return entries


def _from_file(error, lengths, paths):
    """error of the engine moved to the input file its entry came from: the entries of a file follow the variable's
    own (lengths: variable -> count of its own entries; paths: file variable -> path), so an index beyond the
    variable's own entries is the file's."""
    found = re.match(r'(customer_networks|extra_flows)\[(\d+)\](.*)$', error.option or '')
    if found:
        target, index = 'atea_anywhere_' + found.group(1), int(found.group(2))
        variable = next((name for name, (of, _kind) in INPUT_FILES.items() if of == target), None)
        if variable in paths and index >= lengths[target]:
            return InputError('%s[%d]%s (%s)' % (variable, index - lengths[target], found.group(3), paths[variable]),
                              error.value, error.reason, error.choices)
    return error


def _cached(cache_dir, kind, key, compute):
    """compute()'s JSON-able value, computed once per key in the run's cache directory."""
    path = os.path.join(cache_dir, 'atea-anywhere-%s-%s.json' % (kind, key))
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle), True
    except FileNotFoundError:
        pass
    value = json.loads(json.dumps(compute()))
    os.makedirs(cache_dir, exist_ok=True)
    handle = tempfile.NamedTemporaryFile('w', dir=cache_dir, prefix='.atea-anywhere-', delete=False, encoding='utf-8')
    with handle:
        json.dump(value, handle)
    os.replace(handle.name, path)
    return value, False


def _digest(*parts):
    """sha256 of JSON-able parts."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode('utf-8')).hexdigest()


def role_rules(variables, cache_dir, start):
    """rules() of role variables (name -> value) that must first be checked against the role's argument spec, the
    ones not given taking its defaults."""
    spec = role_options()
    names = RULE_VARIABLES + tuple(sorted(INPUT_FILES))
    unknown = sorted(set(variables) - set(names))
    if unknown:
        raise EnforceError('not a variable the rules are made of: %s; they are %s' % (', '.join(unknown), ', '.join(names)))
    return rules(check_options(dict((name, spec[name]) for name in names), variables), cache_dir, start)


def rules(options, cache_dir, start):
    """(rules, rules key, whether they came from the cache) for the role's options: the profile (or the
    components), Atea's and the customer's networks and the extra flows, with the entries of the input files
    added to the last two."""
    inputs = dict((variable, options[variable]) for variable in RULE_VARIABLES)
    input_files = dict((variable, _input_file(variable, options[variable], start))
                       for variable in sorted(INPUT_FILES) if options.get(variable))
    # Each file by the variable it was given in: the same bytes are other inputs as flows than as networks.
    key = _digest(inputs, sorted((variable, hashlib.sha256(data).hexdigest())
                                 for variable, (_path, data) in input_files.items()))

    def compute():
        # Imported on a miss only: the other hosts of the run take the rules from the cache.
        from ansible_collections.atea.anywhere.plugins.module_utils import engine

        added = dict((INPUT_FILES[variable][0], _file_entries(variable, path, data))
                     for variable, (path, data) in input_files.items())
        customer_networks = list(inputs['atea_anywhere_customer_networks'])
        extra_flows = list(inputs['atea_anywhere_extra_flows'])
        try:
            return engine.compact_rules(engine.build_flows(
                profile=(inputs['atea_anywhere_profile'] or None) if not inputs['atea_anywhere_components'] else None,
                components=inputs['atea_anywhere_components'] or None,
                networks=inputs['atea_anywhere_networks'],
                customer_networks=customer_networks + added.get('atea_anywhere_customer_networks', []),
                extra_flows=extra_flows + added.get('atea_anywhere_extra_flows', []),
                allow_any_network=inputs['atea_anywhere_allow_any_network']))
        except InputError as error:
            raise _from_file(error, {'atea_anywhere_customer_networks': len(customer_networks),
                                     'atea_anywhere_extra_flows': len(extra_flows)},
                             dict((variable, path) for variable, (path, _data) in input_files.items()))
    value, hit = _cached(cache_dir, 'rules', key, compute)
    return value, key, hit


def rendered(cache_dir, rules_key, platform, render):
    """(text, whether it came from the cache) of a network configuration: render() once per rules and platform
    inputs (platform carries everything render() reads besides the rules)."""
    return _cached(cache_dir, 'config', _digest(rules_key, platform), render)


def write_file(path, text, check_mode, diff_mode):
    """Make path hold text, as ansible.builtin.copy would: (changed, diff or None); nothing written in check mode."""
    diffs = []
    changed = files.planned(path, text, diffs)
    if changed and not check_mode:
        files.put(path, text)
    return changed, (diffs[0] if diffs and diff_mode else None)
