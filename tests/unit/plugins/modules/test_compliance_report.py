# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module: its options reach the writer, check mode writes nothing, diff mode shows what changes, bad input
fails naming where."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args
from compliance_report_samples import host_compliance, site_reachability

from ansible_collections.atea.anywhere.plugins.module_utils import compliance_report as cr
from ansible_collections.atea.anywhere.plugins.modules import compliance_report


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        compliance_report.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def _args(tmp_path, **extra):
    args = {'profile': 'smb', 'dest': str(tmp_path / 'report'),
            'compliance': [host_compliance('fw1', 'smb', lambda i, _r: ('in_place', 'missing')[i % 2])],
            'reachability': [site_reachability('c1')],
            'failed_hosts': [{'name': 'fw2', 'message': 'UNREACHABLE'}, {'name': 'fw0'}]}
    args.update(extra)
    return args


def test_check_mode_returns_what_would_be_written_and_writes_nothing(capsys, tmp_path):
    code, result = run_module(capsys, _args(tmp_path, _ansible_check_mode=True, _ansible_diff=True))
    assert code == 0 and result['changed'] is True
    assert not (tmp_path / 'report').exists()
    assert result['paths']['html'] == str(tmp_path / 'report' / 'atea-anywhere-report.html')
    assert [d['after_header'] for d in result['diff']] == [result['paths'][k] for k in ('json', 'markdown', 'html')]
    assert result['failed_hosts'] == [{'name': 'fw0', 'message': 'failed'}, {'name': 'fw2', 'message': 'UNREACHABLE'}]
    rows = len(result['report']['hosts'][0]['rows'])
    assert result['hosts'] == {'fw1': {'in_place': (rows + 1) // 2, 'missing': rows // 2, 'different': 0, 'unknown': 0}}
    assert result['counts'] == result['hosts']['fw1']


def test_writes_then_changes_nothing(capsys, tmp_path):
    code, first = run_module(capsys, _args(tmp_path))
    assert code == 0 and first['changed'] is True and 'diff' not in first
    written = json.loads((tmp_path / 'report' / 'atea-anywhere-report.json').read_text())
    assert written == first['report']
    assert (tmp_path / 'report' / 'atea-anywhere-report.md').read_text() == cr.markdown(written)
    code, second = run_module(capsys, _args(tmp_path, _ansible_diff=True))
    assert code == 0 and second['changed'] is False and second['diff'] == []


@pytest.mark.parametrize('extra, message', [
    ({'profile': 'large'}, 'value of profile must be one of: enterprise, smb, got: large'),
    ({'failed_hosts': [{'message': 'x'}]}, "option 'failed_hosts[0].name': expected a text: None"),
    ({'compliance': [{'host': 'fw1', 'rows': [{'id': 'a', 'section': '3', 'purpose': 'p', 'protocol': 'tcp',
                                               'status': 'green'}]}]},
     "option 'compliance[host=fw1].rows[0].status': unknown value: 'green'"),
])
def test_bad_input_fails_naming_it(capsys, tmp_path, extra, message):
    code, result = run_module(capsys, _args(tmp_path, **extra))
    assert code == 1 and message in result['msg']
    assert not (tmp_path / 'report').exists()


def test_a_file_where_the_directory_should_be(capsys, tmp_path):
    (tmp_path / 'report').write_text('')
    code, result = run_module(capsys, _args(tmp_path))
    assert code == 1 and "option 'dest': is not a directory" in result['msg']
