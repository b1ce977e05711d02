# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network-firewall platforms: name -> renderer, and how their files are named."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils import inputs
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_asa import AsaRenderer
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_ios import IosRenderer
from ansible_collections.atea.anywhere.plugins.module_utils.render_fortios import FortiosRenderer
from ansible_collections.atea.anywhere.plugins.module_utils.render_junos_srx import JunosSrxRenderer
from ansible_collections.atea.anywhere.plugins.module_utils.render_panos import PanosRenderer
from ansible_collections.atea.anywhere.plugins.module_utils.render_routeros import RouterOsRenderer

RENDERERS = dict((r.PLATFORM, r) for r in (
    AsaRenderer, IosRenderer, FortiosRenderer, PanosRenderer, JunosSrxRenderer, RouterOsRenderer))
# Platforms whose configuration can also be given as requests to an API module.
API_PLATFORMS = sorted(name for name, renderer in RENDERERS.items() if hasattr(renderer, 'api_requests'))
# Platforms that can give only the changes a running configuration needs.
CHANGES_PLATFORMS = sorted(name for name, renderer in RENDERERS.items() if hasattr(renderer, 'changes'))
# Options a platform's renderer takes beyond rules and zones.
PLATFORM_OPTIONS = {'cisco_asa': ('bind_access_groups',), 'fortios': ('policy_id_base',)}


def _renderer(rules, platform, platforms, zones, options):
    renderer_class = RENDERERS[inputs.choose('platform', platform, platforms)]
    for option in options:
        inputs.choose('options', option, PLATFORM_OPTIONS.get(platform, ()))
    return renderer_class(rules, zones, **options)


def render_config(rules, platform, zones=None, running_config=None, changes_only=False, **options):
    """The platform's complete configuration text for the rules.

    With the device's running configuration, the text starts by removing the ATEA-* objects and lines
    the rules no longer want; nothing without the prefix is ever named. With changes_only (platforms
    that can compare, cisco_ios), the text holds only the lines the device lacks and the removals.
    """
    renderer = _renderer(rules, platform, CHANGES_PLATFORMS if changes_only else sorted(RENDERERS), zones, options)
    if running_config is None:
        if changes_only:
            raise inputs.InputError('running_config', running_config, 'changes_only needs the running configuration')
        return renderer.render()
    if not isinstance(running_config, str):
        raise inputs.InputError('running_config', running_config, 'expected the configuration as text')
    renderer.conflicts(running_config)
    if changes_only:
        return '\n'.join(renderer.changes(running_config)) + '\n'
    text = renderer.render() + ''.join(line + '\n' for line in renderer.placements(running_config))
    removals = renderer.removals(running_config, text)
    if not removals:
        return text
    lines = text.splitlines()
    header = 0
    while header < len(lines) and lines[header][:1] in ('!', '#'):
        header += 1
    comment = lines[0][0]
    return '\n'.join(lines[:header] + ['%s Remove what this profile no longer wants:' % comment] + removals
                     + ['%s End of removals.' % comment] + lines[header:]) + '\n'


def api_requests(rules, platform, zones=None, current=None, **options):
    """The configuration as requests to the platform's API modules, for the platforms applied through them.

    fortios plans against current, the tables as read; routeros' api_modify reads for itself.
    """
    return _renderer(rules, platform, API_PLATFORMS, zones, options).api_requests(current)
