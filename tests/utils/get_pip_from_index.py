# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for get-pip.py, for ansible-test on machines that reach only the package index.

ansible-test downloads get-pip.py from a host of its own unless a copy is in its cache; `make sanity`
puts this file there. ansible-test runs it in a new virtual environment made without pip, with pip's
install arguments (for example ``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``).
The standard library's ensurepip installs its bundled pip, which then installs what was asked for.
"""

from __future__ import annotations

import subprocess
import sys

# Options that get-pip.py knows and `pip install` does not.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def main():
    # A child process: ensurepip.bootstrap() would leave PIP_CONFIG_FILE=/dev/null in this one,
    # hiding the machine's pip configuration (certificates, indexes) from the install below.
    subprocess.check_call([sys.executable, '-m', 'ensurepip'])
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + arguments)


if __name__ == '__main__':
    main()
