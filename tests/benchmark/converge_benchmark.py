# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge benchmark on the namespace lab (root). Prints figures; asserts nothing.

Each ansible-playbook run holds a one-task no-op play (ping) and a converge play on the same lab host,
so every figure is a ratio within one run. Cases, each after one warm-up run (steady state: the
host already holds the rules, as on every run after the first):

- profile:         the enterprise profile through atea.anywhere.enterprise
- profile+1000:    the same with 1,000 extra customer flows (atea_anywhere_extra_flows)
- +1000 file:      the same 1,000 flows from a file (atea_anywhere_extra_flows_file)
- profile+5000:    the profile with 5,000 more customer networks (atea_anywhere_customer_networks; /25 networks
                   apart from each other, so that none merges with another)
- +5000 file:      the same 5,000 networks from a file (atea_anywhere_customer_networks_file)
- iptables:        the same rules, one ansible.builtin.iptables task per rule (multiport; rules with a
                   source port take one task per port range, as multiport cannot carry both)
- iptables/range:  one ansible.builtin.iptables task per rule and destination port range

Targets: profile <= 1.3x no-op; 1,000 flows and 5,000 networks each add < 0.3 s; profile >= 7x faster than
iptables.

    .venv/bin/python tests/benchmark/converge_benchmark.py [--repeat 5] [--prefix ab]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))
sys.path.insert(0, os.path.join(REPO, '.ansible', 'collections'))

import lab  # noqa: E402  pylint: disable=wrong-import-position
import playbook_run  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.atea.anywhere.plugins.module_utils import engine  # noqa: E402

PREFIX = 'ab'
DIRECTIONS = (('outbound', 'mpls'), ('outbound', 'internet'), ('inbound', 'mpls'), ('internal', None))


def extra_flows(count):
    flows = []
    for index in range(count):
        direction, network = DIRECTIONS[index % len(DIRECTIONS)]
        flow = {'id': 'customer-%04d' % index, 'purpose': 'Customer application %d' % index, 'direction': direction,
                'protocol': ('tcp', 'udp')[index % 2], 'destination_ports': [20000 + index]}
        if network:
            flow['network'] = network
        flows.append(flow)
    return flows


def customer_networks(host_vars, count):
    """The lab host's customer networks and count more /25 networks of 10.0.0.0/8 with a gap between each two (the
    rules list them all; the benchmark only renders and compares them, nothing is sent to them)."""
    return list(host_vars['atea_anywhere_customer_networks']) + [
        '10.%d.%d.0/25' % (index // 128, (index % 128) * 2) for index in range(count)]


def iptables_rules(host_vars, per_range):
    rules = engine.compact_rules(engine.build_flows(
        'enterprise', networks=host_vars['atea_anywhere_networks'],
        customer_networks=host_vars['atea_anywhere_customer_networks']))
    items = []
    for rule in rules:
        ports = ['%d:%d' % tuple(r) if r[0] != r[1] else str(r[0]) for r in rule['destination_ports']]
        # iptables' multiport match cannot be combined with a source port: those rules go one range a task.
        groups = [[p] for p in ports] if per_range or rule['source_ports'] else [ports]
        for group in groups or [[]]:
            item = dict((k, rule[k]) for k in ('protocol', 'sources', 'destinations', 'source_ports', 'name'))
            item['icmp_type'] = rule['icmp_type']
            if len(group) == 1:
                item['port'] = group[0]
            elif group:
                item['ports'] = group
            items.append(item)
    return items


def run_case(inventory, extra_vars):
    plays = playbook_run.run_playbook(os.path.join(HERE, 'bench.yml'), inventory, extra_vars).plays
    return plays['No-op'], plays['Converge']


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--prefix', default=PREFIX, help="the lab's namespace name prefix (default %(default)s)")
    args = parser.parse_args()
    the_lab = lab.Lab(args.prefix)
    the_lab.down()
    the_lab.up()
    try:
        inventory = os.path.join(the_lab.state_dir, 'inventory.json')
        with open(inventory, encoding='utf-8') as handle:
            host_vars = json.load(handle)['all']['children']['atea_anywhere_firewalls']['hosts'][the_lab.firewall]
        flows_file, networks_file = (os.path.join(the_lab.state_dir, name) for name in ('flows.json', 'networks.json'))
        with open(flows_file, 'w', encoding='utf-8') as handle:
            json.dump(extra_flows(1000), handle)
        with open(networks_file, 'w', encoding='utf-8') as handle:
            json.dump(customer_networks(host_vars, 5000)[len(host_vars['atea_anywhere_customer_networks']):], handle)
        cases = [
            ('profile', {'bench_case': 'profile'}),
            ('profile+1000', {'bench_case': 'profile', 'atea_anywhere_extra_flows': extra_flows(1000)}),
            ('+1000 file', {'bench_case': 'profile', 'atea_anywhere_extra_flows_file': flows_file}),
            ('profile+5000', {'bench_case': 'profile',
                              'atea_anywhere_customer_networks': customer_networks(host_vars, 5000)}),
            ('+5000 file', {'bench_case': 'profile', 'atea_anywhere_customer_networks_file': networks_file}),
            ('iptables', {'bench_case': 'iptables', 'bench_iptables_rules': iptables_rules(host_vars, False)}),
            ('iptables/range', {'bench_case': 'iptables', 'bench_iptables_rules': iptables_rules(host_vars, True)}),
        ]
        figures = {}
        for name, extra_vars in cases:
            run_case(inventory, extra_vars)  # warm-up: the host holds the rules afterwards
            runs = [run_case(inventory, extra_vars) for _run in range(args.repeat)]
            figures[name] = {
                'noop': statistics.median(r[0] for r in runs),
                'converge': statistics.median(r[1] for r in runs),
                'ratio': statistics.median(r[1] / r[0] for r in runs),
                'items': len(extra_vars.get('bench_iptables_rules', [])),
            }
    finally:
        the_lab.down()
    print('%-16s %10s %12s %14s' % ('case', 'no-op s', 'converge s', 'converge/no-op'))
    for name, figure in figures.items():
        print('%-16s %10.3f %12.3f %14.2f%s' % (name, figure['noop'], figure['converge'], figure['ratio'],
                                                '   (%d tasks)' % figure['items'] if figure['items'] else ''))
    profile = figures['profile']['converge']
    print('')
    print('enterprise profile vs no-op play:        %.2fx  (target <= 1.3x)' % figures['profile']['ratio'])
    for case, what in (('profile+1000', '1,000 extra customer flows add:     '),
                       ('+1000 file', '  the same from a file:             '),
                       ('profile+5000', '5,000 more customer networks add:   '),
                       ('+5000 file', '  the same from a file:             ')):
        print('%s     %.3f s (target < 0.3 s)' % (what, figures[case]['converge'] - profile))
    print('faster than an iptables task per rule:   %.1fx  (target >= 7x)' % (figures['iptables']['converge'] / profile))
    print('faster than an iptables task per range:  %.1fx' % (figures['iptables/range']['converge'] / profile))
    return 0


if __name__ == '__main__':
    sys.exit(main())
