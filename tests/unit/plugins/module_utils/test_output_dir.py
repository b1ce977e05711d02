# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The output directory (ansible-runner's artifact directory, else the start directory) and what a job publishes."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.atea.anywhere.plugins.filter.job_stats import job_stats as job_stats_filter
from ansible_collections.atea.anywhere.plugins.filter.output_dir import output_dir as output_dir_filter
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.output_dir import job_stats, output_dir


@pytest.mark.parametrize('value', ['', None])
def test_automatic_is_the_start_directory_without_ansible_runner(value):
    assert output_dir(value, {}, '/srv/ops/') == '/srv/ops'


@pytest.mark.parametrize('value', ['', None])
def test_automatic_is_inside_the_artifact_directory_under_ansible_runner(value):
    environ = {'AWX_ISOLATED_DATA_DIR': '/runner/artifacts/42'}
    assert output_dir(value, environ, '/runner/project') == '/runner/artifacts/42/atea_anywhere'


@pytest.mark.parametrize('value, expected', [
    ('out', '/srv/ops/out'),
    ('review/../out/', '/srv/ops/out'),
    ('/var/review', '/var/review'),
])
def test_a_given_directory_wins_over_ansible_runner_and_a_relative_one_is_from_the_start(value, expected):
    assert output_dir(value, {'AWX_ISOLATED_DATA_DIR': '/runner/artifacts/42'}, '/srv/ops') == expected


@pytest.mark.parametrize('value', ['line\nbreak', 'nul\x00byte', 'tab\there'])
def test_a_directory_with_a_line_break_or_control_character_is_refused_naming_the_option(value):
    with pytest.raises(InputError) as caught:
        output_dir(value, {}, '/srv/ops', option='atea_anywhere_report_dir')
    assert caught.value.option == 'atea_anywhere_report_dir'
    assert caught.value.value == value


def test_an_artifact_directory_with_a_line_break_is_refused_naming_the_variable():
    with pytest.raises(InputError) as caught:
        output_dir('', {'AWX_ISOLATED_DATA_DIR': '/runner/artifacts/4\n2'}, '/srv/ops')
    assert caught.value.option == 'AWX_ISOLATED_DATA_DIR'


def test_a_file_is_not_a_directory(tmp_path):
    (tmp_path / 'taken').write_text('')
    with pytest.raises(InputError) as caught:
        output_dir('taken', {}, str(tmp_path))
    assert 'is not a directory' in str(caught.value)


def test_the_filter_reads_the_controllers_environment_and_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv('AWX_ISOLATED_DATA_DIR', raising=False)
    assert output_dir_filter('') == str(tmp_path)
    monkeypatch.setenv('AWX_ISOLATED_DATA_DIR', str(tmp_path / 'artifacts' / '7'))
    assert output_dir_filter('') == str(tmp_path / 'artifacts' / '7' / 'atea_anywhere')
    assert output_dir_filter('mine') == str(tmp_path / 'mine')
    with pytest.raises(AnsibleFilterError) as caught:
        output_dir_filter('a\nb', option='atea_anywhere_render_dir')
    assert str(caught.value).startswith('atea.anywhere.output_dir: ')
    assert 'atea_anywhere_render_dir' in str(caught.value)


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    return path


def test_job_stats_lists_every_file_with_its_checksum_and_the_texts_within_the_bound(tmp_path):
    out = str(tmp_path / 'out')
    texts = {'a-1': 'x' * 40, 'b-1': 'y' * 30, 'c-1': 'z' * 20}
    rendered = dict((host, _write(os.path.join(out, 'rendered', host + '.asa.cfg'), text))
                    for host, text in texts.items())
    elsewhere = _write(str(tmp_path / 'elsewhere' / 'report.json'), '{}')
    stats = job_stats(rendered, out, files=[elsewhere], report={'counts': {'in_place': 3}}, bound=60)
    assert stats['files'] == dict(
        [('rendered/%s.asa.cfg' % host, hashlib.sha256(text.encode()).hexdigest()) for host, text in texts.items()]
        + [(elsewhere, hashlib.sha256(b'{}').hexdigest())])
    # In name order: a-1 (40) fits, b-1 (30) would make 70, c-1 (20) makes 60.
    assert stats['rendered'] == {'a-1': texts['a-1'], 'c-1': texts['c-1']}
    assert stats['rendered_omitted'] == {'b-1': 'rendered/b-1.asa.cfg'}
    assert stats['report'] == {'counts': {'in_place': 3}}
    assert stats['rendered_bound'] == 60 and stats['output_dir'] == out


def test_job_stats_refuses_a_missing_file_or_a_relative_path(tmp_path):
    with pytest.raises(InputError) as caught:
        job_stats({}, str(tmp_path), files=[str(tmp_path / 'gone.json')])
    assert 'is not a file' in str(caught.value)
    with pytest.raises(InputError):
        job_stats({'a-1': 'rendered/a-1.asa.cfg'}, str(tmp_path))


def test_job_stats_filter_names_itself_in_errors(tmp_path):
    with pytest.raises(AnsibleFilterError) as caught:
        job_stats_filter({'a-1': str(tmp_path / 'none')}, output_dir=str(tmp_path))
    assert str(caught.value).startswith('atea.anywhere.job_stats: ')


def _row(row_id, status, rule='r-1', detail=''):
    return {'id': row_id, 'section': row_id.split('-')[0], 'name': 'n', 'purpose': 'p', 'protocol': 'tcp',
            'status': status, 'rule': rule, 'want': 'w', 'have': None, 'detail': detail}


def _report(tmp_path, hosts, markdown='# Report\n'):
    """A report as report.yml leaves it: its files, and the fact atea_anywhere_report naming them."""
    folder = str(tmp_path / 'out' / 'report')
    document = {'hosts': [{'host': host, 'rows': rows} for host, rows in hosts.items()]}
    paths = {'json': _write(os.path.join(folder, 'atea-anywhere-report.json'), json.dumps(document)),
             'markdown': _write(os.path.join(folder, 'atea-anywhere-report.md'), markdown),
             'html': _write(os.path.join(folder, 'atea-anywhere-report.html'), '<html></html>')}
    return {'paths': paths, 'hosts': {}, 'counts': {}, 'failed_hosts': []}


def test_job_stats_publishes_the_rows_not_in_place_and_the_markdown_text(tmp_path):
    report = _report(tmp_path, {
        'fw-2': [_row('3-xmpp', 'in_place')],
        'fw-1': [_row('2.1-http', 'in_place'), _row('2.1-sip', 'missing', 'mpls-udp', 'no rule allows it'),
                 _row('3-xmpp', 'different', 'internet-tcp', 'ports 5222 instead of 5222-5223')]}, '# Report\nfw-1\n')
    stats = job_stats({}, str(tmp_path / 'out'), files=list(report['paths'].values()), report=report)
    assert stats['report_rows'] == {
        'fw-1': [{'id': '2.1-sip', 'section': '2.1', 'status': 'missing', 'rule': 'mpls-udp', 'detail': 'no rule allows it'},
                 {'id': '3-xmpp', 'section': '3', 'status': 'different', 'rule': 'internet-tcp',
                  'detail': 'ports 5222 instead of 5222-5223'}],
        'fw-2': []}
    assert stats['report_markdown'] == '# Report\nfw-1\n'
    assert stats['report_omitted'] == {'rows': [], 'markdown': None}
    assert stats['report'] is report and stats['report_bound'] == 256 * 1024


def test_job_stats_bounds_the_report_rows_first_by_host_then_the_markdown(tmp_path):
    one = [{'id': '3-xmpp', 'section': '3', 'status': 'missing', 'rule': 'r-1', 'detail': ''}]
    size = len(json.dumps(one).encode('utf-8'))
    report = _report(tmp_path, {'a-1': [_row('3-xmpp', 'missing')], 'b-1': [_row('3-xmpp', 'missing')] * 3,
                                'c-1': [_row('3-xmpp', 'missing')]}, 'm' * 10)
    # a-1 fits, b-1 (three rows) would pass the bound, c-1 fits; the Markdown does not fit after them.
    stats = job_stats({}, str(tmp_path / 'out'), report=report, report_bound=2 * size + 9)
    assert stats['report_rows'] == {'a-1': one, 'c-1': one}
    assert stats['report_markdown'] is None
    assert stats['report_omitted'] == {'rows': ['b-1'], 'markdown': 'report/atea-anywhere-report.md'}
    # The same bound with room for the Markdown after the rows.
    stats = job_stats({}, str(tmp_path / 'out'), report=report, report_bound=2 * size + 10)
    assert stats['report_markdown'] == 'm' * 10 and stats['report_omitted'] == {'rows': ['b-1'], 'markdown': None}
    # The rendered texts have their own bound.
    assert stats['rendered_bound'] == 256 * 1024


def test_job_stats_without_a_report_publishes_no_report_content(tmp_path):
    stats = job_stats({}, str(tmp_path), report=None)
    assert (stats['report'], stats['report_rows'], stats['report_markdown']) == (None, {}, None)
    assert stats['report_omitted'] == {'rows': [], 'markdown': None}


def test_job_stats_refuses_a_report_file_that_is_missing_or_no_report(tmp_path):
    report = _report(tmp_path, {})
    os.remove(report['paths']['markdown'])
    with pytest.raises(InputError) as caught:
        job_stats({}, str(tmp_path), report=report)
    assert (caught.value.option, caught.value.value) == ('report.paths.markdown', report['paths']['markdown'])
    _write(report['paths']['json'], '[]')
    with pytest.raises(InputError) as caught:
        job_stats({}, str(tmp_path), report=dict(report, paths={'json': report['paths']['json']}))
    assert caught.value.option == 'report.paths.json' and 'is not a compliance report' in str(caught.value)
