# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compliance_network: a network firewall's rows from a saved running configuration (the user's own lines and the
configuration the renderer wrote, as a device that took it lists it), and unknown without one."""

from __future__ import annotations

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import compliance, compliance_network, engine, vendor_platforms

RULES = engine.compact_rules(engine.build_flows('smb', customer_networks=['198.51.100.0/25']))
# The user's own lines, which name nothing of ours.
FOREIGN = {
    'cisco_asa': 'hostname fw\nobject-group network INSIDE-NETS\n network-object 198.51.100.0 255.255.255.128\n'
                 'access-list INSIDE-IN extended permit tcp any any eq www\naccess-group INSIDE-IN in interface inside\n',
    'junos_srx': 'set system host-name fw\nset security zones security-zone trust interfaces ge-0/0/1.0\n',
}


def rows(platform, running, tmp_path):
    path = None
    if running is not None:
        path = tmp_path / 'fw.cfg'
        path.write_text(running)
    reading = compliance_network.network_reading(platform, RULES, path and str(path), hint='save it')
    return compliance.report('fw', platform, 'gateway', RULES, reading)


def by_rule(result):
    found = {}
    for row in result['rows']:
        found.setdefault(row['rule'], set()).add(row['status'])
    return found


@pytest.mark.parametrize('platform', sorted(FOREIGN))
def test_the_rendered_configuration_in_the_running_one_is_in_place(platform, tmp_path):
    running = FOREIGN[platform] + vendor_platforms.render_config(RULES, platform)
    result = rows(platform, running, tmp_path)
    assert (result['source'], result['read_from']) == ('running_config', str(tmp_path / 'fw.cfg'))
    assert set(r['status'] for r in result['rows']) == {'in_place'}
    assert set(r['status'] for r in rows(platform, FOREIGN[platform], tmp_path)['rows']) == {'missing'}


@pytest.mark.parametrize('platform', sorted(FOREIGN))
def test_lines_of_one_rule_gone_make_only_its_rows_missing(platform, tmp_path):
    rendered = vendor_platforms.render_config(RULES, platform)
    gone = RULES[-1]
    names = compliance_network.rule_names(vendor_platforms.RENDERERS[platform], gone)
    kept, skipping = [], False
    for line in rendered.splitlines():
        # A block whose header names the rule goes with its lines.
        if not line.startswith(' '):
            skipping = any(name in line for name in names)
        if not (skipping or any(name in line for name in names)):
            kept.append(line)
    result = rows(platform, FOREIGN[platform] + '\n'.join(kept) + '\n', tmp_path)
    found = by_rule(result)
    assert found.pop(gone['name']) == {'missing'}
    assert set().union(*found.values()) == {'in_place'}


def test_an_asa_port_object_changed_makes_only_the_rows_of_that_port_different(tmp_path):
    rendered = vendor_platforms.render_config(RULES, 'cisco_asa')
    assert ' port-object eq 5222\n' in rendered
    result = rows('cisco_asa', FOREIGN['cisco_asa'] + rendered.replace(' port-object eq 5222\n', ' port-object eq 5223\n'), tmp_path)
    for row in result['rows']:
        expected = 'different' if [5222, 5222] in row['destination_ports'] else 'in_place'
        assert row['status'] == expected, row
        if expected == 'different':
            assert 'port 5222' in row['detail']


def test_without_a_running_configuration_every_row_is_unknown_and_says_what_to_do(tmp_path):
    result = rows('cisco_asa', None, tmp_path)
    assert result['source'] == 'none'
    assert set(r['status'] for r in result['rows']) == {'unknown'}
    assert all(r['detail'] == 'no saved running configuration: save it' for r in result['rows'])
    assert [c['status'] for c in result['checklist']] == ['left_to_a_person', 'left_to_a_person']
