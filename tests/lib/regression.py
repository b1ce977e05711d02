# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reviewed reference outputs (Aerleon's characterization tests): a mismatch writes <name>.actual beside them."""

from __future__ import annotations

import os

REFERENCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'regression')


def check_reference(platform, name, actual):
    """Assert actual equals tests/regression/<platform>/<name>.ref, leaving <name>.actual for review if not."""
    reference = os.path.join(REFERENCES, platform, name + '.ref')
    with open(reference, encoding='utf-8') as handle:
        expected = handle.read()
    if actual != expected:
        with open(reference[:-4] + '.actual', 'w', encoding='utf-8') as handle:
            handle.write(actual)
    assert actual == expected, 'output differs from %s; see the .actual file beside it' % reference
