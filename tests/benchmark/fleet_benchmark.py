# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet converge benchmark on bare lab firewalls (root). Prints figures; asserts nothing.

Cases: 1, 10 and 50 firewalls (--sizes). Each firewall is a network namespace of its own holding nftables only
(lab.py's Lab.up_bare: no segments, services or probes; the converge is what is measured), named <prefix>1-fw,
<prefix>2-fw, ... (prefix f), reached as the lab reaches its firewall: a local connection whose Python runs inside
the namespace (ip netns exec). A case is one ansible-playbook run of fleet.yml (one play applying the role
atea.anywhere.enterprise) over all its firewalls with --forks 10, after one warm-up run (steady state: the firewalls
already hold the rules, as on every run after the first).

Figures per case, total and per host: wall time of the run and of its play; CPU time of ansible-playbook
and of everything it started (getrusage RUSAGE_CHILDREN; the connection is local, so the modules' own CPU time, on
the firewall's side, is in it too).

Targets (issue 12): the largest fleet in at most 10x the wall time of one firewall; growth no faster than linear:
wall and CPU time per host do not rise as the fleet grows (each size against the next smaller one, 10% allowed for
noise).

    .venv/bin/python tests/benchmark/fleet_benchmark.py [--sizes 1,10,50] [--forks 10] [--prefix f]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))

import lab  # noqa: E402  pylint: disable=wrong-import-position
import playbook_run  # noqa: E402  pylint: disable=wrong-import-position

PREFIX = 'f'
# Per-host figures of a larger fleet may exceed the smaller fleet's by this much before growth counts as faster
# than linear (two runs on a shared machine differ by a few percent).
NOISE = 1.1


def growth(sizes, per_host):
    """'linear or better', or where the per-host figure (size -> value) rose beyond NOISE between two sizes."""
    rises = ['%d -> %d hosts: %.3f -> %.3f s per host' % (small, large, per_host[small], per_host[large])
             for small, large in zip(sizes, sizes[1:]) if per_host[large] > per_host[small] * NOISE]
    return 'faster than linear (%s)' % '; '.join(rises) if rises else 'linear or better'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', default='1,10,50', help='firewalls per case, comma-separated (default %(default)s)')
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--prefix', default=PREFIX, help='namespace name prefix; firewall N is <prefix>N-fw')
    args = parser.parse_args()
    sizes = sorted(set(int(size) for size in args.sizes.split(',')))
    labs = [lab.Lab('%s%d' % (args.prefix, number)) for number in range(1, sizes[-1] + 1)]
    for the_lab in labs:
        the_lab.down()  # what an interrupted run left
    runs = {}
    try:
        hosts = {}
        for the_lab in labs:
            hosts[the_lab.firewall] = the_lab.host_vars(the_lab.up_bare())
        names = [the_lab.firewall for the_lab in labs]
        with tempfile.TemporaryDirectory(prefix='atea-fleet-') as work:
            for size in sizes:
                inventory = os.path.join(work, 'inventory-%d.json' % size)
                with open(inventory, 'w', encoding='utf-8') as handle:
                    json.dump({'all': {'children': {'atea_anywhere_firewalls': {'hosts': dict(
                        (name, hosts[name]) for name in names[:size])}}}}, handle)
                options = ('--forks', str(args.forks))
                playbook = os.path.join(HERE, 'fleet.yml')
                playbook_run.run_playbook(playbook, inventory, {}, options)  # warm-up
                runs[size] = playbook_run.run_playbook(playbook, inventory, {}, options)
    finally:
        for the_lab in labs:
            the_lab.down()
    print('%6s %9s %11s %12s %9s %9s %10s'
          % ('hosts', 'wall s', 'converge s', 'converge/h s', 'wall/h s', 'CPU s', 'CPU/h s'))
    for size in sizes:
        run = runs[size]
        print('%6d %9.2f %11.2f %12.3f %9.3f %9.2f %10.3f' % (
            size, run.wall, run.plays['Converge'], run.plays['Converge'] / size, run.wall / size, run.cpu,
            run.cpu / size))
    smallest, largest = runs[sizes[0]], runs[sizes[-1]]
    print('')
    print('%d hosts vs %d: wall %.1fx, converge play %.1fx, CPU %.1fx  (target: wall <= 10x for 50 vs 1)' % (
        sizes[-1], sizes[0], largest.wall / smallest.wall, largest.plays['Converge'] / smallest.plays['Converge'],
        largest.cpu / smallest.cpu))
    print('growth of wall time per host:      %s' % growth(sizes, dict((s, runs[s].wall / s) for s in sizes)))
    print('growth of converge play per host:  %s' % growth(sizes, dict((s, runs[s].plays['Converge'] / s) for s in sizes)))
    print('growth of CPU time per host:       %s' % growth(sizes, dict((s, runs[s].cpu / s) for s in sizes)))
    print('(forks %d; CPU time: ansible-playbook and its children, modules included)' % args.forks)
    return 0


if __name__ == '__main__':
    sys.exit(main())
