# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test module of the same folder as a module, for its fixtures and helpers (pytest's importlib import mode
puts no test folder on the path)."""

from __future__ import annotations

import importlib.util
import os


def load(caller, name):
    """The module name.py beside the file caller (give __file__)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(os.path.abspath(caller)),
                                                                     name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
