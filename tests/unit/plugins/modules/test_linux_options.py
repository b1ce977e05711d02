# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options the Linux manager modules share: one argument spec, one doc fragment, one check."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.atea.anywhere.plugins.doc_fragments.linux_manager import ModuleDocFragment
from ansible_collections.atea.anywhere.plugins.module_utils import linux_options
from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError
from ansible_collections.atea.anywhere.plugins.modules import firewalld, iptables, nftables, ufw

SHARED = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']


@pytest.mark.parametrize('module', [nftables, iptables, ufw, firewalld], ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_documentation_with_the_fragment_matches_the_argument_spec(module):
    documentation = yaml.safe_load(module.DOCUMENTATION)
    assert 'atea.anywhere.linux_manager' in documentation['extends_documentation_fragment']
    documented = dict(SHARED, **documentation['options'])
    # ufw has no option of its own: its spec is the shared one.
    spec = module.argument_spec() if hasattr(module, 'argument_spec') else linux_options.argument_spec()
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        doc = documented[name]
        assert doc['type'] == option['type'], name
        assert doc.get('default') == option.get('default'), name
        assert doc.get('choices') == option.get('choices'), name
        assert doc.get('elements') == option.get('elements'), name


def params(**given):
    return dict(dict((name, option.get('default')) for name, option in linux_options.argument_spec().items()),
                **given)


@pytest.mark.parametrize('given, option, reason', [
    ({'rules': []}, 'rules', 'no rules here'),
    ({'rules': [{}], 'rollback_dir': 'run/x'}, 'rollback_dir', 'absolute'),
    ({'rules': [{}], 'confirm_timeout': -1}, 'confirm_timeout', 'seconds from 1 to 86400'),
    ({'rules': [{}], 'confirm_timeout': 86401}, 'confirm_timeout', 'seconds from 1 to 86400'),
])
def test_the_shared_checks_name_the_option(given, option, reason):
    with pytest.raises(InputError) as error:
        linux_options.check(params(**given), 'no rules here')
    assert error.value.option == option and reason in str(error.value)


def test_absent_needs_no_rules_and_a_rollback_dir_must_be_a_directory(tmp_path):
    linux_options.check(params(state='absent', rules=None, rollback_dir=str(tmp_path)), 'unused')
    (tmp_path / 'file').write_text('')
    with pytest.raises(InputError, match='exists and is not a directory'):
        linux_options.check(params(rules=[{}], rollback_dir=str(tmp_path / 'file')), 'unused')
