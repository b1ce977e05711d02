# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reviewed reference outputs (Aerleon's characterization tests): a mismatch writes <name>.actual beside them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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


def read_reference(platform, name):
    """The text of tests/regression/<platform>/<name>.ref."""
    with open(os.path.join(REFERENCES, platform, name + '.ref'), encoding='utf-8') as handle:
        return handle.read()


def parse_with_vendor_collection(playbook, config_text, tmp_path):
    """What a vendor collection's state: parsed makes of a configuration: playbook reads the file given
    as config and writes its reading as JSON to out."""
    config, out, play = tmp_path / 'config.txt', tmp_path / 'parsed.json', tmp_path / 'parse.yml'
    config.write_text(config_text)
    play.write_text(playbook)
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(play),
                          '-e', 'config=%s' % config, '-e', 'out=%s' % out],
                         capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(out.read_text())
