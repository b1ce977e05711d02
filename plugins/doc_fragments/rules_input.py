# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The input of the filters that render rules."""

    DOCUMENTATION = r'''
options:
  _input:
    description: Rules, as returned by the P(atea.anywhere.rules#filter) filter.
    type: list
    elements: dict
    required: true
'''
