# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render-mode benchmark: site.yml over a fleet of network firewalls, on the controller only. Prints figures;
asserts nothing; contacts no device and needs no lab.

One ansible-playbook run of playbooks/site.yml, profile enterprise, --forks 10, over 500 hosts (--hosts) dealt in
turn to the six network platforms (cisco_asa, cisco_ios, fortios, junos_srx, panos, routeros: 83 or 84 each), in
render mode on a local connection, writing into a temporary output directory (atea_anywhere_output_dir: the
rendered files and the compliance report). No warm-up run: render mode keeps no state on any device.

The hosts' inputs: their platform, and one of --variants sets of customer networks (default 1: every host of a
platform has the same inputs, as sites of one customer built alike do).

Figures: wall time of the run and of each of its plays, total and per host; CPU time of ansible-playbook and of
everything it started (getrusage RUSAGE_CHILDREN), total and per host; the distinct inputs, the distinct rendered
files (sha256), and how many configurations and rule sets the role's action (atea.anywhere.enforce) computed and
how many it took from the run's cache. Identical inputs give identical files, so a render beyond the distinct
inputs would be repeated work.

Issue 12: render mode does not re-render identical configurations (configurations rendered = distinct inputs).

    .venv/bin/python tests/benchmark/render_benchmark.py [--hosts 500] [--variants 1] [--forks 10]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, '.ansible', 'collections'))

import playbook_run  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms  # noqa: E402

PLATFORMS = sorted(vendor_platforms.RENDERERS)


def fleet(count, variants):
    """Host name -> variables: platforms dealt in turn, customer networks variant after variant (private ranges:
    render mode sends nothing anywhere)."""
    hosts = {}
    for index in range(count):
        platform = PLATFORMS[index % len(PLATFORMS)]
        variant = (index // len(PLATFORMS)) % variants
        hosts['%s-%03d' % (platform.replace('_', '-'), index)] = {
            'atea_anywhere_platform': platform,
            'atea_anywhere_customer_networks': ['10.%d.0.0/16' % variant, '192.168.0.0/16'],
        }
    return hosts


def digests(directory):
    """Host name -> sha256 of its rendered file (<host>.<suffix>; the host names hold no dot)."""
    found = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), 'rb') as handle:
            found[name.split('.')[0]] = hashlib.sha256(handle.read()).hexdigest()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--hosts', type=int, default=500)
    parser.add_argument('--variants', type=int, default=1, help='sets of customer networks (default %(default)s)')
    parser.add_argument('--forks', type=int, default=10)
    args = parser.parse_args()
    hosts = fleet(args.hosts, max(args.variants, 1))
    with tempfile.TemporaryDirectory(prefix='atea-render-') as work:
        inventory = os.path.join(work, 'inventory.json')
        with open(inventory, 'w', encoding='utf-8') as handle:
            json.dump({'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                               'children': {'firewalls': {'hosts': hosts}}}}, handle)
        output = os.path.join(work, 'output')
        run = playbook_run.run_playbook(os.path.join(REPO, 'playbooks', 'site.yml'), inventory,
                                        {'profile': 'enterprise', 'atea_anywhere_output_dir': output},
                                        ('--forks', str(args.forks)))
        rendered = digests(os.path.join(output, 'rendered'))
    count = len(hosts)
    inputs = set((v['atea_anywhere_platform'], tuple(v['atea_anywhere_customer_networks'])) for v in hosts.values())
    print('%d hosts over %d platforms (%s), render mode, profile enterprise, forks %d' % (
        count, len(PLATFORMS), ', '.join('%s %d' % (p, n) for p, n in sorted(collections.Counter(
            v['atea_anywhere_platform'] for v in hosts.values()).items())), args.forks))
    print('')
    print('%-48s %9s %12s' % ('play', 'wall s', 'per host ms'))
    for play, seconds in run.plays.items():
        print('%-48s %9.2f %12.1f' % (play, seconds, 1000 * seconds / count))
    print('%-48s %9.2f %12.1f' % ('whole run (ansible-playbook start to exit)', run.wall, 1000 * run.wall / count))
    print('%-48s %9.2f %12.1f' % ('CPU time (ansible-playbook and its children)', run.cpu, 1000 * run.cpu / count))
    print('')
    print('rendered files: %d of %d hosts' % (len(rendered), count))
    print('distinct inputs (platform, customer networks): %d' % len(inputs))
    print('distinct rendered files (sha256): %d' % len(set(rendered.values())))
    config = run.cache.get('config', {})
    print('configurations rendered: %d; taken from the run\'s cache (identical inputs): %d' % (
        config.get('computed', 0), config.get('hit', 0)))
    rules = run.cache.get('rules', {})
    print('rule sets computed: %d; taken from the run\'s cache: %d' % (rules.get('computed', 0), rules.get('hit', 0)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
