# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The output directory (ansible-runner's artifact directory, else the start directory) and what a job publishes."""

from __future__ import annotations

import hashlib
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
