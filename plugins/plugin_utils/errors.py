# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn library errors into Ansible filter errors that name the filter."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError


def plain(value):
    """A deep copy as plain dicts, lists and scalars.

    Filters receive Ansible's lazily templated containers; the library gets plain data, templated once
    up front, whatever it does with it.
    """
    if isinstance(value, Mapping):
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def filter_entry(name, argument_spec=None):
    """Decorate a filter: check its keyword options, and report bad input as '<name>: <reason>'."""
    validator = ArgumentSpecValidator(argument_spec) if argument_spec is not None else None

    def decorate(function):
        @functools.wraps(function)
        def wrapper(data, **options):
            # Plain data for the validator too: it deep-copies what it gets, and deep-copying ansible-core's lazy
            # containers is deprecated from 2.21 (they carry the templar and its plugin loaders).
            options = plain(options)
            if validator is not None:
                result = validator.validate(options)
                if result.unsupported_parameters:
                    raise AnsibleFilterError('%s: unknown option %s; valid options: %s' % (
                        name, ', '.join(sorted(result.unsupported_parameters)), ', '.join(sorted(argument_spec))))
                if result.error_messages:
                    raise AnsibleFilterError('%s: %s' % (name, '; '.join(result.error_messages)))
                options = result.validated_parameters
            try:
                return function(plain(data), **options)
            except (InputError, ImportError) as error:
                raise AnsibleFilterError('%s: %s' % (name, error))
        return wrapper
    return decorate
