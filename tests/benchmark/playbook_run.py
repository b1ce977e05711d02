# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ansible-playbook run for the benchmarks, measured: its wall time, the CPU time of it and of everything it
started, and the wall time of each of its plays (the play_timer callback of callback_plugins/)."""

from __future__ import annotations

import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# wall: seconds from start to exit; cpu: user + system seconds of ansible-playbook and its children (workers, and the
# modules they ran on a local connection); plays: play name -> wall seconds; cache: kind (rules, config) -> {computed: n,
# hit: n} over the tasks of atea.anywhere.enforce.
Run = collections.namedtuple('Run', 'wall cpu plays cache')


def _cpu_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_playbook(playbook, inventory, extra_vars, options=()):
    """Run the playbook from the checkout (its ansible.cfg) with the extra variables (a dict) and further
    ansible-playbook options; a failed run raises RuntimeError with the end of its output.

    The CPU time is the difference of getrusage(RUSAGE_CHILDREN) around the run: the children this process waited
    for, and theirs, so nothing else may run as this process's child meanwhile."""
    with tempfile.TemporaryDirectory(prefix='atea-benchmark-') as work:
        variables, times_file = os.path.join(work, 'extra-vars.json'), os.path.join(work, 'play-times.json')
        with open(variables, 'w', encoding='utf-8') as handle:
            json.dump(extra_vars, handle)
        env = dict(os.environ, ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                   ANSIBLE_CALLBACKS_ENABLED='play_timer', ATEA_ANYWHERE_PLAY_TIMES=times_file)
        cpu, started = _cpu_of_children(), time.monotonic()
        result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
                                 playbook, '-e', '@' + variables] + list(options),
                                cwd=REPO, env=env, capture_output=True, text=True, check=False)
        wall, cpu = time.monotonic() - started, _cpu_of_children() - cpu
        if result.returncode != 0:
            raise RuntimeError('ansible-playbook failed:\n%s\n%s' % (result.stdout[-3000:], result.stderr[-2000:]))
        with open(times_file, encoding='utf-8') as handle:
            timed = json.load(handle)
    return Run(wall, cpu, dict((t['play'], t['seconds']) for t in timed['plays']), timed['cache'])
