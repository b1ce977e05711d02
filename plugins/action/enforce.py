# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action atea.anywhere.enforce: the role's variables checked once, the rules computed once per distinct input of
the run, then applied through the Linux host's manager module or rendered for a network firewall, in one task."""

from __future__ import annotations

import os

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.atea.anywhere.plugins.module_utils import files
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_files import rendered_file
from ansible_collections.atea.anywhere.plugins.plugin_utils import enforce


# Platforms applied on a Linux host through a manager's module; the others are network firewalls.
LINUX_PLATFORMS = ('linux',) + tuple(sorted(enforce.MANAGER_OPTIONS))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = {'applied': {'type': 'bool', 'default': False}, 'file_suffix': {'type': 'str'},
                     'manual_apply': {'type': 'str'}, 'report': {'type': 'bool', 'default': False}}

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(self.ARGUMENT_SPEC)[0].validated_parameters
        spec = enforce.role_options()
        options = dict((name, self._templar.template(task_vars[name])) for name in spec if name in task_vars)
        try:
            options = enforce.check_options(spec, options)
            # Checked on every platform: Junos and IOS-XE take it in minutes.
            timeout = enforce.confirm_timeout(options, self._connection.transport in ('local', 'ansible.builtin.local'))
            rules, key, cached = enforce.rules(options, C.DEFAULT_LOCAL_TMP, os.getcwd())
            if options['atea_anywhere_platform'] in LINUX_PLATFORMS:
                result.update(self._linux(options, args, rules, timeout, task_vars))
            else:
                result.update(self._network(options, args, rules, key, task_vars['inventory_hostname']))
        except (enforce.EnforceError, InputError, files.FileError) as error:
            raise AnsibleActionFail(str(error))
        except OSError as error:
            raise AnsibleActionFail('could not write on the controller: %s' % error)
        result['cache'] = dict(result.get('cache', {}), rules='hit' if cached else 'computed')
        return result

    def _linux(self, options, args, rules, timeout, task_vars):
        manager, found = options['atea_anywhere_platform'], {}
        if manager == 'linux':
            found = self._execute_module('atea.anywhere.linux_firewall_info', module_args={
                'iptables_chain_prefix': options['atea_anywhere_iptables_chain_prefix']}, task_vars=task_vars)
            if found.get('failed') or found.get('unreachable'):
                return dict(found, msg='atea.anywhere.linux_firewall_info: %s' % found.get('msg', 'failed'))
            manager = found['manager']
        result = self._execute_module('atea.anywhere.%s' % manager, task_vars=task_vars,
                                      module_args=enforce.manager_arguments(manager, options, rules, timeout))
        if found:
            result['applied_through'] = manager
        if args['report'] and not (result.get('failed') or result.get('unreachable') or result.get('rollback')):
            # Read back on the connection already open, for the report (a change still to be confirmed is read by
            # the report's own play, after the confirmation).
            read = self._execute_module('atea.anywhere.compliance_info', task_vars=task_vars, module_args=enforce.
                                        compliance_arguments(manager, options, rules, task_vars['inventory_hostname']))
            if not (read.get('failed') or read.get('unreachable')):  # else the report's play reads it, and says why
                result['compliance'] = read['compliance']
        return result

    def _network(self, options, args, rules, key, host):
        # Imported here: the renderers of every brand cost each Linux host's task about 20 ms of controller CPU.
        from ansible_collections.atea.anywhere.plugins.module_utils import compliance, compliance_network, vendor_platforms

        platform, suffix = options['atea_anywhere_platform'], args['file_suffix']
        dest = rendered_file(host, options['atea_anywhere_render_dir'], suffix, os.getcwd())
        if args['applied']:
            # The brand's task file (tasks/platforms/apply/) pushes it; it writes the file it pushes, check mode too.
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            return {'changed': False, 'dest': dest, 'rules': len(rules)}
        running_path = rendered_file(host, options['atea_anywhere_running_config_dir'], suffix,
                                     os.getcwd(), 'atea_anywhere_running_config_dir') \
            if options['atea_anywhere_running_config_dir'] else None
        running = files.read_text(running_path) if running_path else None
        extra = dict((name, options['atea_anywhere_' + variable]) for name, variable in (
            ('bind_access_groups', 'asa_bind_access_groups'), ('policy_id_base', 'fortios_policy_id_base'))
            if name in vendor_platforms.PLATFORM_OPTIONS.get(platform, ()))
        text, cached = enforce.rendered(
            C.DEFAULT_LOCAL_TMP, key, {'platform': platform, 'zones': options['atea_anywhere_zones'],
                                       'running_config': running, 'options': extra},
            lambda: vendor_platforms.render_config(rules, platform, options['atea_anywhere_zones'], running, **extra))
        changed, diff = enforce.write_file(dest, text, self._task.check_mode, self._task.diff)
        result = {'changed': changed, 'rules': len(rules), 'cache': {'config': 'hit' if cached else 'computed'}}
        if not self._task.check_mode:
            # As ansible.builtin.copy: a check run writes no file, so it names none (an older one is not this run's).
            result['dest'] = dest
        if diff:
            result['diff'] = diff
        if args['manual_apply']:
            result['left'] = ['%s: %s The file is %s%s.' % (platform, args['manual_apply'], dest,
                                                            ' (not written: check mode)' if self._task.check_mode else '')]
        if args['report']:
            hint = ("save the device's running configuration there" if running_path
                    else "set atea_anywhere_running_config_dir and save the device's running configuration in it as "
                    "%s.%s" % (host, suffix))
            result['compliance'] = compliance.report(
                host, platform, options['atea_anywhere_placement'], rules,
                compliance_network.network_reading(platform, rules, running_path, options['atea_anywhere_zones'],
                                                   hint, **extra))
        return result
