# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtual environments with ansible-core alone (no ansible package, no other collection) plus the collection's
Python dependencies, one per ansible-core version, kept under build/core-venvs between runs.

A venv is reused while its marker file names the same requirements; pip installs from the configured index.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENVS = os.path.join(REPO, 'build', 'core-venvs')
MARKER = '.installed'


def collection_requirements():
    """The collection's own Python dependencies as pinned for development (requirements.txt): netaddr only; no
    plugin, role or playbook of the collection uses jmespath (json_query)."""
    with open(os.path.join(REPO, 'requirements.txt'), encoding='utf-8') as handle:
        return [line.split('#')[0].strip() for line in handle if line.split('==')[0].strip().lower() == 'netaddr']


def interpreter(minor):
    """A Python 3.<minor> interpreter: this one, pyenv's, or one on PATH; None where there is none."""
    if sys.version_info[:2] == (3, minor):
        return sys.executable
    roots = [os.environ.get('PYENV_ROOT', ''), os.path.expanduser('~/.pyenv'), '/root/.pyenv']
    if shutil.which('pyenv'):
        found = subprocess.run(['pyenv', 'root'], capture_output=True, text=True, check=False)
        roots.insert(0, found.stdout.strip())
    for root in roots:
        candidates = sorted(glob.glob(os.path.join(root, 'versions', '3.%d.*' % minor, 'bin', 'python')), reverse=True)
        if root and candidates:
            return candidates[0]
    return shutil.which('python3.%d' % minor)


def core_venv(version, minor):
    """The bin directory of a venv with ansible-core <version> on Python 3.<minor>, built when missing or stale."""
    python = interpreter(minor)
    if not python:
        raise RuntimeError('ansible-core %s needs Python 3.%d: none found (tried pyenv root, ~/.pyenv, PATH)'
                           % (version, minor))
    requirements = ['ansible-core==%s' % version] + collection_requirements()
    path = os.path.join(VENVS, 'ansible-core-%s-py3.%d' % (version, minor))
    marker = os.path.join(path, MARKER)
    wanted = '\n'.join(requirements) + '\n'
    if os.path.exists(marker):
        with open(marker, encoding='utf-8') as handle:
            if handle.read() == wanted:
                return os.path.join(path, 'bin')
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([python, '-m', 'venv', path], check=True, capture_output=True)
    subprocess.run([os.path.join(path, 'bin', 'python'), '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
                   + requirements, check=True, capture_output=True)
    with open(marker, 'w', encoding='utf-8') as handle:
        handle.write(wanted)
    return os.path.join(path, 'bin')
