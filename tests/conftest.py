# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the checkout importable as ansible_collections.atea.anywhere, for plain pytest."""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collection_root():
    """The folder that holds ansible_collections/atea/anywhere for this checkout."""
    parts = REPO.split(os.sep)
    if parts[-3:-1] == ['ansible_collections', 'atea'] and parts[-1] == 'anywhere':
        return os.sep.join(parts[:-3])
    root = os.path.join(REPO, '.ansible', 'collections')
    link = os.path.join(root, 'ansible_collections', 'atea', 'anywhere')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(REPO, os.path.dirname(link)), link)
    return root


sys.path.insert(0, _collection_root())
sys.path.insert(0, os.path.join(REPO, 'tests', 'lib'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))


def pytest_terminal_summary(terminalreporter):
    """The number of examples the property-based tests ran, per platform, and the device model walk's counts per
    platform and reference (their user properties)."""
    counts, walked = {}, {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, 'when', None) != 'call':
                continue
            for name, value in report.user_properties:
                if name.startswith('hypothesis_examples ') or name == 'nft -c checks':
                    counts[name] = counts.get(name, 0) + value
                elif name.startswith('device model '):
                    kind, platform, case = name.split()[2:]
                    walked.setdefault((platform, case), {})[kind] = value
    if counts:
        terminalreporter.write_sep('-', 'property-based examples run')
        for name in sorted(counts):
            terminalreporter.write_line('%s: %d' % (name.replace('hypothesis_examples ', ''), counts[name]))
    if walked:
        terminalreporter.write_sep('-', 'device model walk: flows, replies and closed flows walked')
        for platform, case in sorted(walked):
            terminalreporter.write_line('%s %s: %s' % (platform, case, ', '.join(
                '%s %d' % (kind, value) for kind, value in sorted(walked[(platform, case)].items()))))
