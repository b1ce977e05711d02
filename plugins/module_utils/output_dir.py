# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a run's results go on the controller, and what of them is published to the job (set_stats).

The output directory holds the rendered configurations (<output>/rendered) and the report (<output>/report)
unless their own variables say otherwise. Given, it is taken as written (a relative one from the directory
ansible-playbook was started from). Left empty (auto), it is the job's artifact directory when ansible-runner
runs the play (AWX runs every job through it; ansible-runner sets AWX_ISOLATED_DATA_DIR to that directory), so
the files travel with the job's artifacts; otherwise the start directory, as 0.2.0 wrote ./rendered there.

job_stats() is what site.yml hands to ansible.builtin.set_stats: the checksum of every file, the report's data,
and, each up to a bound, the rendered texts and the report's own content (the rows not in place, the Markdown text).
Under AWX the stats are all that outlives the job (the files go with its private data directory), but AWX keeps
them in its database and copies them into the extra variables of every later node of a workflow: hence the bounds.
"""

from __future__ import annotations

import hashlib
import json
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
# The report's content published through set_stats (the rows not in place of all hosts, then the Markdown text), in
# UTF-8 bytes of JSON and text; what does not fit is in the report's files, published by checksum.
REPORT_BOUND = 256 * 1024
# What is published of a row that is not in place.
ROW_FIELDS = ('id', 'section', 'status', 'rule', 'detail')


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


def _within(items, bound):
    """What fits in bound bytes: items are (key, value, size in bytes), taken in their order; an item that would
    pass the bound is left out and the next ones are still tried. Returns ({key: value} kept, [key] left out)."""
    kept, left, used = {}, [], 0
    for key, value, size in items:
        if used + size <= bound:
            kept[key] = value
            used += size
        else:
            left.append(key)
    return kept, left


def _report_file(report, kind):
    """The absolute path of the report's file of a kind ('json', 'markdown'), or None when no report was written."""
    paths = report.get('paths') if isinstance(report, dict) else None
    if not isinstance(paths, dict) or paths.get(kind) is None:
        return None
    path = paths[kind]
    if not isinstance(path, str) or not os.path.isabs(path) or not os.path.isfile(path):
        raise InputError('report.paths.' + kind, path, 'is not an absolute path of a file on the controller')
    return path


def _report_content(report, output, bound):
    """The rows not in place per host (from the report's JSON file) and the Markdown text, within bound."""
    document, markdown = _report_file(report, 'json'), _report_file(report, 'markdown')
    items = []
    if document is not None:
        try:
            with open(document, encoding='utf-8') as handle:
                hosts = dict((host['host'], [dict((field, row.get(field)) for field in ROW_FIELDS)
                                             for row in host['rows'] if row['status'] != 'in_place'])
                             for host in json.load(handle)['hosts'])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise InputError('report.paths.json', document, 'is not a compliance report (%s)' % error)
        for host in sorted(hosts):
            items.append((('rows', host), hosts[host], len(json.dumps(hosts[host], ensure_ascii=False).encode('utf-8'))))
    if markdown is not None:
        with open(markdown, 'rb') as handle:
            data = handle.read()
        items.append((('markdown', None), data.decode('utf-8', 'replace'), len(data)))
    kept, left = _within(items, bound)
    rows = dict((host, value) for (kind, host), value in kept.items() if kind == 'rows')
    omitted = {'rows': [host for kind, host in left if kind == 'rows'],
               'markdown': _name(markdown, output) if ('markdown', None) in left else None}
    return rows, kept.get(('markdown', None)), omitted


def job_stats(rendered, output, files=(), report=None, bound=RENDERED_BOUND, report_bound=REPORT_BOUND):
    """The data site.yml publishes with set_stats under the key atea_anywhere.

    rendered: {host: absolute path of its rendered file}; output: the output directory (absolute); files: other
    files to list (the report's); report: the report's data (the fact atea_anywhere_report), passed on as it is;
    its paths.json and paths.markdown are read for the report's content. Returns {output_dir, report,
    files: {name: sha256}, rendered: {host: text}, rendered_omitted: {host: name}, rendered_bound,
    report_rows: {host: [{id, section, status, rule, detail}]}, report_markdown: text or None,
    report_omitted: {rows: [host], markdown: name or None}, report_bound}, a name being the path relative to
    output where the file lies inside it, else the absolute path. Within bound: the rendered texts, hosts in name
    order; within report_bound: the rows not in place, hosts in name order (a host with every row in place has
    an empty list), then the Markdown text.
    """
    for host, path in rendered.items():
        if not isinstance(path, str) or not os.path.isabs(path):
            raise InputError('rendered', path, 'the rendered file of %s is not an absolute path' % host)
    checksums = {}
    for path in sorted(set(rendered.values()) | set(files)):
        if not os.path.isfile(path):
            raise InputError('files', path, 'is not a file on the controller')
        checksums[_name(path, output)] = _sha256(path)
    items = []
    for host in sorted(rendered):
        with open(rendered[host], 'rb') as handle:
            data = handle.read()
        items.append((host, data.decode('utf-8', 'replace'), len(data)))
    texts, left = _within(items, bound)
    rows, markdown, report_omitted = _report_content(report, output, report_bound)
    return {'output_dir': output, 'report': report, 'files': checksums, 'rendered': texts,
            'rendered_omitted': dict((host, _name(rendered[host], output)) for host in left), 'rendered_bound': bound,
            'report_rows': rows, 'report_markdown': markdown, 'report_omitted': report_omitted,
            'report_bound': report_bound}
