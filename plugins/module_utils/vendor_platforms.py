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
# Options a platform's renderer takes beyond rules and zones.
PLATFORM_OPTIONS = {'cisco_asa': ('bind_access_groups',), 'fortios': ('policy_id_base',)}


def render_config(rules, platform, zones=None, **options):
    """The platform's complete configuration text for the rules."""
    renderer = RENDERERS[inputs.choose('platform', platform, sorted(RENDERERS))]
    for option in options:
        inputs.choose('options', option, PLATFORM_OPTIONS.get(platform, ()))
    return renderer(rules, zones, **options).render()
