# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The page per network platform: there is one, the README links it, and its example is the reviewed output."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.atea.anywhere.plugins.module_utils import vendor_platforms

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(*parts):
    with open(os.path.join(REPO, *parts), encoding='utf-8') as handle:
        return handle.read()


@pytest.mark.parametrize('platform', sorted(vendor_platforms.RENDERERS))
def test_each_platform_has_a_page_whose_example_is_the_reviewed_output(platform):
    page = _read('docs', 'platforms', platform + '.md')
    assert '(docs/platforms/%s.md)' % platform in _read('README.md')
    assert '`atea_anywhere_platform: %s`' % platform in page.splitlines()[0]
    for heading in ('## What it renders', '## Requirement 1.1', '## Zones and options', '## Apply mode', '## Example'):
        assert heading in page, heading
    example = re.search(r'## Example.*?```text\n(.*?)```', page, re.S).group(1).splitlines()
    reference = iter(_read('tests', 'regression', platform, 'enterprise.ref').splitlines())
    # Every line of the example, in order, is a line of the reference.
    assert len(example) >= 2 and all(line in reference for line in example)
