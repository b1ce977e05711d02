# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The atea.anywhere.compliance_info module's options and wiring: the platform's layout from the options, its reading
(compliance_linux, compliance_network) and requirement 1.1 as the host's state shows it (voip_helpers)."""

from __future__ import annotations

from ansible_collections.atea.anywhere.plugins.module_utils import (
    compliance,
    compliance_linux,
    compliance_network,
    firewalld_state,
    linux_managers,
    linux_options,
    nftables_state,
    render_firewalld,
    render_iptables,
    render_nftables,
    render_ufw,
    text_gate,
    voip_helpers,
)
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.render_common import PLACEMENTS
from ansible_collections.atea.anywhere.plugins.module_utils.vendor_platforms import RENDERERS

LINUX_PLATFORMS = ('nftables', 'iptables', 'ufw', 'firewalld')
PLATFORMS = LINUX_PLATFORMS + tuple(sorted(RENDERERS))
NO_RUNNING_CONFIG = 'save the device\'s running configuration there'

ARGUMENT_SPEC = dict(
    rules=dict(type='list', elements='dict', required=True),
    platform=dict(type='str', required=True, choices=list(PLATFORMS)),
    host=dict(type='str', default=''),
    placement=dict(type='str', default='gateway', choices=list(PLACEMENTS)),
    management_networks=dict(type='list', elements='str', default=[]),
    management_ports=dict(type='list', elements='raw', default=[22]),
    mode=dict(type='str', default='table', choices=list(render_nftables.MODES)),
    table=dict(type='str'),
    table_family=dict(type='str', default='inet', choices=list(render_nftables.TABLE_FAMILIES)),
    chain_prefix=dict(type='str'),
    parent_chains=dict(type='dict'),
    variant=dict(type='str', default='auto', choices=['auto', 'nft', 'legacy']),
    object_prefix=dict(type='str', default=render_firewalld.DEFAULT_PREFIX),
    ingress_zones=dict(type='list', elements='str', default=['ANY']),
    egress_zones=dict(type='list', elements='str', default=['ANY']),
    priority=dict(type='int', default=render_firewalld.DEFAULT_PRIORITY),
    zones=dict(type='dict'),
    options=dict(type='dict', default={}),
    running_config=dict(type='path'),
    running_config_hint=dict(type='str', default=NO_RUNNING_CONFIG),
)


def _iptables_nft_raw(module):
    """(findings, commands read) of the raw tables iptables-nft holds, read without nft: voip_helpers.plan_removal finds
    them through nft's ruleset, which a host without the nft binary cannot list. iptables-nft-save without -t lists
    the tables that exist and makes none."""
    findings, read = [], []
    for save, _family, _legacy_names in voip_helpers.IPTABLES_SAVE:
        binary = module.get_bin_path(save.replace('-save', '-nft-save'))
        if not binary:
            continue
        rc, out, err = module.run_command([binary])
        if rc != 0:
            raise voip_helpers.HelperError('%s failed: %s' % (binary, (err or out).strip()))
        found, _argvs = voip_helpers.iptables_plan(out, binary.replace('-save', ''))
        findings.extend(found)
        read.append(binary)
    return findings, read


def voip_state(module, ruleset, nft_error=None):
    """(done, detail) of requirement 1.1 on a Linux host: no SIP or H.323 conntrack helper assigned in nftables or an
    iptables raw table (voip_helpers reads them as the apply modules do before removing them). ruleset: nft's
    objects ([] without the nft binary: the raw tables of iptables-nft are then read with iptables-nft-save), or None
    when nft failed (nft_error says why): then 1.1 cannot be read and is left to a person."""
    if ruleset is None:
        return False, 'SIP and H.323 inspection cannot be read: %s' % (nft_error or 'nft -j list ruleset failed')
    read = ['nft -j list ruleset', 'iptables raw tables']
    try:
        findings = list(voip_helpers.plan_removal(module, ruleset, ('sip', 'h323')).findings)
        if not module.get_bin_path('nft'):
            extra, read = _iptables_nft_raw(module)
            findings.extend(extra)
            read = ['iptables raw tables'] + read
    except voip_helpers.HelperError as error:
        return False, 'the iptables raw tables could not be read: %s' % error
    if findings:
        return False, ('SIP or H.323 inspection is on: %s (an apply run of the collection removes them)'
                       % '; '.join('%s in %s' % (f['kind'], f['where']) for f in findings))
    return True, 'no SIP or H.323 conntrack helper is assigned (%s)' % ', '.join(read)


def _others(host, ruleset):
    """firewalld's and ufw's findings (None where not installed or unreadable); the live ruleset lets ufw's be read
    without running ufw where its chains are not loaded."""
    found = []
    for finding in (linux_managers.firewalld_finding, lambda host: linux_managers.ufw_finding(host, ruleset)):
        try:
            found.append(finding(host))
        except linux_managers.ManagerError:
            found.append(None)
    return found


def linux_reading(module, ruleset, nft_error=None):
    """The reading of the Linux manager module.params['platform'] (ruleset: the live nft JSON objects, or None when
    nft_error says why it could not be read)."""
    params = module.params
    platform = params['platform']
    common = dict(placement=params['placement'], management_networks=params['management_networks'],
                  management_ports=params['management_ports'])
    runner = linux_options.command_runner(module)
    host = linux_managers.Host.for_module(module)
    if platform == 'nftables':
        layout = render_nftables.Layout(mode=params['mode'], table=params['table'], table_family=params['table_family'],
                                        chain_prefix=params['chain_prefix'] or render_nftables.DEFAULT_CHAIN_PREFIX,
                                        parent_chains=params['parent_chains'], **common)
        nft, unshare = module.get_bin_path('nft'), module.get_bin_path('unshare')
        if ruleset is None or not unshare:
            why = ('nft is not installed' if not nft else 'unshare (util-linux) is not installed' if not unshare
                   else nft_error)

            def unread():
                raise compliance.Unread('nftables cannot be read: %s' % why, 'nft -j -a list ruleset')
            return unread
        return compliance_linux.nftables_reading(runner, nft, unshare, ruleset, params['rules'], layout,
                                                 _others(host, ruleset))
    if platform == 'iptables':
        layout = render_iptables.Layout(chain_prefix=params['chain_prefix'] or render_iptables.DEFAULT_CHAIN_PREFIX,
                                        parent_chains=params['parent_chains'], **common)
        return compliance_linux.iptables_reading(runner, module.get_bin_path, params['variant'], params['rules'], layout)
    if platform == 'ufw':
        return compliance_linux.ufw_reading(host, params['rules'], render_ufw.Layout(**common))
    layout = render_firewalld.Layout(object_prefix=params['object_prefix'], ingress_zones=params['ingress_zones'],
                                     egress_zones=params['egress_zones'], priority=params['priority'], **common)
    return compliance_linux.firewalld_reading(firewalld_state.FirewallCmd(module), host, params['rules'], layout)


def compliance_of(module):
    """The compliance of the host the module runs on (Linux), or of a saved running configuration (network)."""
    params = module.params
    params['rules'] = check_rules(params['rules'])
    platform = params['platform']
    if platform in RENDERERS:
        if params['running_config']:
            text_gate.file_path('running_config', params['running_config'])
        reading = compliance_network.network_reading(platform, params['rules'], params['running_config'],
                                                     params['zones'], params['running_config_hint'],
                                                     **params['options'])
        voip = None
    else:
        nft, nft_error = module.get_bin_path('nft'), None
        try:
            ruleset = nftables_state.Nft(linux_options.command_runner(module), nft, None).ruleset() if nft else []
        except nftables_state.NftError as error:
            ruleset, nft_error = None, str(error)
        reading = linux_reading(module, ruleset if nft else None, nft_error)
        voip = voip_state(module, ruleset, nft_error)
    return compliance.report(params['host'], platform, params['placement'], params['rules'], reading, voip)
