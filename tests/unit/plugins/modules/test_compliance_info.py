# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""atea.anywhere.compliance_info: its documentation says what its argument spec takes."""

from __future__ import annotations

import yaml

from ansible_collections.atea.anywhere.plugins.module_utils import compliance, compliance_host, engine
from ansible_collections.atea.anywhere.plugins.modules import compliance_info


def test_documentation_matches_the_argument_spec():
    documented = yaml.safe_load(compliance_info.DOCUMENTATION)['options']
    spec = compliance_host.ARGUMENT_SPEC
    assert sorted(documented) == sorted(spec)
    for name, option in spec.items():
        doc = documented[name]
        for key in ('type', 'default', 'choices', 'elements', 'required'):
            assert doc.get(key) == option.get(key), (name, key)


def test_returned_row_and_checklist_fields_are_documented():
    returned = yaml.safe_load(compliance_info.RETURN)['compliance']['contains']
    row = compliance.document_rows(engine.compact_rules(engine.build_flows('smb')))[0]
    assert sorted(returned['rows']['contains']) == sorted(row)
    # The fields the report (helper REPORT-VIEW) reads, as the shared design names them.
    assert sorted(row) == sorted(
        ['id', 'section', 'name', 'purpose', 'direction', 'protocol', 'family', 'source_network',
         'destination_network', 'sources', 'destinations', 'destination_ports', 'source_ports', 'status', 'rule',
         'want', 'have', 'detail'])
    assert sorted(returned['checklist']['contains']) == sorted(compliance.checklist()[0])
    assert sorted(returned) == ['checklist', 'counts', 'host', 'placement', 'platform', 'read_from', 'rows', 'source']
