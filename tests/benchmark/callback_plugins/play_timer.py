# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback for the benchmark: wall time of each play, and what the role's action computed or took from the run's
cache, written as JSON to $ATEA_ANYWHERE_PLAY_TIMES."""

from __future__ import annotations

DOCUMENTATION = r'''
name: play_timer
type: aggregate
short_description: Wall time of each play and the role's cache use, for the benchmark
description:
  - Writes C({plays, cache}) as JSON to the file named by the environment variable E(ATEA_ANYWHERE_PLAY_TIMES).
  - C(plays) is a list of C({play, seconds}); C(cache) counts per kind (C(rules), C(config)) each value of the
    C(cache) return value of atea.anywhere.enforce (C(computed), C(hit)).
requirements:
  - enabled in callbacks_enabled
'''

import collections
import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'play_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._times = []
        self._current = None
        self._cache = collections.defaultdict(collections.Counter)

    def _close(self):
        if self._current:
            name, started = self._current
            self._times.append({'play': name, 'seconds': time.monotonic() - started})

    def v2_playbook_on_play_start(self, play):
        self._close()
        self._current = (play.get_name(), time.monotonic())

    def v2_runner_on_ok(self, result):
        for kind, use in (result._result.get('cache') or {}).items():
            self._cache[kind][use] += 1

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ['ATEA_ANYWHERE_PLAY_TIMES'], 'w', encoding='utf-8') as handle:
            json.dump({'plays': self._times, 'cache': self._cache}, handle)
