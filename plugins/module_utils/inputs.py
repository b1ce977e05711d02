# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of user input: ports, port ranges, networks, names.

Every error names the offending value, the option it came from and, where
there is a closed set, the valid choices. Nothing here returns a partial
result: a function either returns normalised data or raises ``InputError``.
"""

from __future__ import annotations

import importlib.util
import ipaddress

# Imported on first use: modules that never parse a network do not pay for it on every run.
netaddr = None
HAS_NETADDR = importlib.util.find_spec('netaddr') is not None


class InputError(ValueError):
    """A user-supplied value is not acceptable."""

    def __init__(self, option, value, reason, choices=None):
        self.option = option
        self.value = value
        self.reason = reason
        self.choices = tuple(choices) if choices is not None else None
        message = "option '%s': %s: %r" % (option, reason, value)
        if self.choices is not None:
            message += '; valid choices: %s' % ', '.join(str(c) for c in self.choices)
        super(InputError, self).__init__(message)


def require_netaddr():
    global netaddr  # pylint: disable=global-statement
    if not HAS_NETADDR:
        raise ImportError('the Python library netaddr is required on the host that runs this plugin')
    if netaddr is None:
        import netaddr as library  # pylint: disable=import-outside-toplevel
        netaddr = library


def choose(option, value, choices):
    """Return value if it is one of choices, else raise an error listing them."""
    if not isinstance(value, str) or value not in choices:
        raise InputError(option, value, 'unknown value', sorted(choices))
    return value


def as_list(option, value):
    """Accept a single item or a list of items; return a list."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (str, int, dict)):
        return [value]
    raise InputError(option, value, 'expected a list')


def is_number(value):
    """A whole number (Ansible's templated ints included), not a boolean."""
    return isinstance(value, int) and not isinstance(value, bool)


def _port(option, value):
    text = value.strip() if isinstance(value, str) else None
    number = int(text) if text and text.isascii() and text.isdigit() else value
    if not is_number(number):
        raise InputError(option, value, 'not a port number')
    if not 1 <= number <= 65535:
        raise InputError(option, value, 'port out of range 1-65535')
    return number


def port_range(option, value):
    """Parse one port or range: 443, '443', '16384-32767', [16384, 32767]."""
    if isinstance(value, str) and '-' in value:
        parts = value.split('-')
        if len(parts) != 2:
            raise InputError(option, value, 'not a port range (expected LOW-HIGH)')
        low, high = parts
    elif isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise InputError(option, value, 'not a port range (expected [LOW, HIGH])')
        low, high = value
    else:
        low = high = value
    low, high = _port(option, low), _port(option, high)
    if low > high:
        raise InputError(option, value, 'reversed port range (low end above high end)')
    return (low, high)


def collapse_ranges(ranges):
    """Merge overlapping and adjacent (low, high) ranges; return them sorted."""
    merged = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def port_ranges(option, value):
    """Parse a list of ports and ranges into collapsed (low, high) tuples."""
    items = as_list(option, value)
    return collapse_ranges(port_range('%s[%d]' % (option, index), item) for index, item in enumerate(items))


def network(option, value):
    """Parse one IPv4 or IPv6 CIDR (a bare address is a host route); refuse host bits."""
    require_netaddr()
    if not isinstance(value, str):
        raise InputError(option, value, 'not a network in CIDR notation')
    try:
        parsed = netaddr.IPNetwork(value.strip())
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise InputError(option, value, 'not a network in CIDR notation (for example 192.0.2.0/24 or 2001:db8::/32)')
    if '/' in value and parsed.ip != parsed.network:
        raise InputError(option, value, 'host bits set (the network is %s)' % parsed.cidr)
    return parsed.cidr


def networks(option, value):
    """Parse a non-empty list of CIDRs; merge overlaps; return sorted CIDR strings."""
    require_netaddr()
    items = as_list(option, value)
    if not items:
        raise InputError(option, value, 'at least one network is required')
    parsed = [network('%s[%d]' % (option, index), item) for index, item in enumerate(items)]
    return tuple(str(cidr) for cidr in netaddr.cidr_merge(parsed))


def family(cidr):
    """'ipv4' or 'ipv6' for a CIDR string already validated by network()."""
    return 'ipv6' if ':' in cidr else 'ipv4'


def strict_cidr(option, value, expected_family):
    """A CIDR already in normal form (as the engine writes it), of the expected family; stdlib only.

    For data that reaches a device as text: modules check it without needing netaddr on the host.
    """
    try:
        parsed = ipaddress.ip_network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != value or family(value) != expected_family:
        raise InputError(option, value, 'not an %s network in CIDR notation' % expected_family)
    return value


def contains(cidrs, address):
    """Whether address (a string) lies in any of the CIDR strings."""
    require_netaddr()
    ip = netaddr.IPAddress(address)
    return any(ip in netaddr.IPNetwork(cidr) for cidr in cidrs if family(cidr) == ('ipv6' if ip.version == 6 else 'ipv4'))
