# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a host's rendered file goes: inside the render directory, a relative one taken from the start directory."""

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.atea.anywhere.plugins.filter.render_path import render_path
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.module_utils.render_files import rendered_file


@pytest.mark.parametrize('folder, expected', [
    ('rendered', '/srv/ops/rendered/fw-1.asa.cfg'),
    ('review/../out/', '/srv/ops/out/fw-1.asa.cfg'),
    ('/var/review', '/var/review/fw-1.asa.cfg'),
])
def test_the_file_is_in_the_folder_a_relative_one_taken_from_the_start(folder, expected):
    assert rendered_file('fw-1', folder, 'asa.cfg', '/srv/ops') == expected


def test_home_is_the_controller_users():
    assert rendered_file('fw-1', '~/out', 'asa.cfg', '/srv/ops') == os.path.expanduser('~/out/fw-1.asa.cfg')


@pytest.mark.parametrize('host', ['../escaped', 'a/b', 'a\\b', '.', '..', '-rf', 'line\nbreak', '', 'h' * 250])
def test_host_names_that_are_not_plain_file_names_are_refused(host):
    with pytest.raises(InputError) as caught:
        rendered_file(host, 'rendered', 'asa.cfg', '/srv/ops')
    assert caught.value.option == 'inventory_hostname'
    assert caught.value.value in (host, host + '.asa.cfg')


def test_a_render_directory_that_is_a_file_is_refused(tmp_path):
    taken = tmp_path / 'taken'
    taken.write_text('')
    with pytest.raises(InputError) as caught:
        rendered_file('fw-1', 'taken', 'asa.cfg', str(tmp_path), option='atea_anywhere_running_config_dir')
    assert (caught.value.option, caught.value.value) == ('atea_anywhere_running_config_dir', 'taken')
    assert 'is not a directory' in str(caught.value)


@pytest.mark.parametrize('folder', ['', 'out\nrm'])
def test_an_empty_or_multi_line_render_directory_is_refused(folder):
    with pytest.raises(InputError) as caught:
        rendered_file('fw-1', folder, 'asa.cfg', '/srv/ops')
    assert caught.value.option == 'atea_anywhere_render_dir'


def test_the_filter_takes_relative_folders_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert render_path('fw-1', directory='out', suffix='junos.set') == str(tmp_path / 'out' / 'fw-1.junos.set')
    with pytest.raises(AnsibleFilterError, match=r"atea.anywhere.render_path: option 'inventory_hostname'.*'\.\./x'"):
        render_path('../x', directory='out', suffix='junos.set')
    with pytest.raises(AnsibleFilterError, match='unknown option folder'):
        render_path('fw-1', folder='out', suffix='junos.set')
