# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a run's results go on the controller, and what of them is published to the job (set_stats).

The output directory holds the rendered configurations (<output>/rendered) and the report (<output>/report)
unless their own variables say otherwise. Given, it is taken as written (a relative one from the directory
ansible-playbook was started from). Left empty (auto), it is the job's artifact directory when ansible-runner
runs the play (AWX runs every job through it; ansible-runner sets AWX_ISOLATED_DATA_DIR to that directory), so
the files travel with the job's artifacts; otherwise the start directory, as 0.2.0 wrote ./rendered there.

job_stats() is what site.yml hands to ansible.builtin.set_stats: the checksum of every file, the report's data
and the rendered texts up to a bound, since AWX keeps the stats in its database and copies them into the extra
variables of every later node of a workflow.
"""

from __future__ import annotations

import hashlib
import os

from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_files import directory

# The variable ansible-runner sets to the job's artifact directory (ansible_runner/config/_base.py).
RUNNER_ARTIFACTS = 'AWX_ISOLATED_DATA_DIR'
# The folder of the collection's own inside the artifact directory.
ARTIFACT_FOLDER = 'atea_anywhere'
# The rendered texts published through set_stats, all hosts together, in UTF-8 bytes; hosts beyond it (in name
# order) are published by path and checksum only.
RENDERED_BOUND = 256 * 1024


def output_dir(value, environ, start, option='atea_anywhere_output_dir'):
    """The output directory as an absolute, normalised path.

    value: the variable's value ('' or None: auto); environ: the controller's environment; start: the directory
    ansible-playbook was started from; option: the variable named in errors.
    """
    if value is None or value == '':
        artifacts = environ.get(RUNNER_ARTIFACTS)
        if artifacts:
            return directory(RUNNER_ARTIFACTS, os.path.join(directory(RUNNER_ARTIFACTS, artifacts, start),
                                                            ARTIFACT_FOLDER), start)
        return directory(option, start, start)
    return directory(option, value, start)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(65536), b''):
            digest.update(block)
    return digest.hexdigest()


def _name(path, top):
    """path relative to top where it lies inside it, else the absolute path."""
    relative = os.path.relpath(path, top)
    return path if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def job_stats(rendered, output, files=(), report=None, bound=RENDERED_BOUND):
    """The data site.yml publishes with set_stats under the key atea_anywhere.

    rendered: {host: absolute path of its rendered file}; output: the output directory (absolute); files: other
    files to list (the report's); report: the report's data, passed on as it is. Returns {output_dir, report,
    files: {name: sha256}, rendered: {host: text}, rendered_omitted: {host: name}, rendered_bound}, a name being
    the path relative to output where the file lies inside it, else the absolute path.
    """
    for host, path in rendered.items():
        if not isinstance(path, str) or not os.path.isabs(path):
            raise InputError('rendered', path, 'the rendered file of %s is not an absolute path' % host)
    checksums, texts, omitted, used = {}, {}, {}, 0
    for path in sorted(set(rendered.values()) | set(files)):
        if not os.path.isfile(path):
            raise InputError('files', path, 'is not a file on the controller')
        checksums[_name(path, output)] = _sha256(path)
    for host in sorted(rendered):
        with open(rendered[host], 'rb') as handle:
            data = handle.read()
        if used + len(data) <= bound:
            texts[host] = data.decode('utf-8', 'replace')
            used += len(data)
        else:
            omitted[host] = _name(rendered[host], output)
    return {'output_dir': output, 'report': report, 'files': checksums, 'rendered': texts,
            'rendered_omitted': omitted, 'rendered_bound': bound}
