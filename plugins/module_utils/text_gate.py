# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One gate for text that reaches a device, a file or a path.

Every free-text value a renderer or writer puts into a device's configuration, a file's content or a
file system path passes through here first. A value is either returned as the platform can hold it
(checked, or escaped the platform's own way) or refused with an InputError naming the option, the
value and the platform, before anything is written or sent.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import namedtuple

from ansible_collections.atea.anywhere.plugins.module_utils.inputs import InputError

# Bidirectional formatting characters (embeddings, overrides, isolates and the marks): they reorder the text shown
# around them, so a site name cannot hold them and the report shows each as a visible escape such as \u202e.
BIDI_CONTROLS = frozenset('\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069')


def _has_control(text):
    """Line breaks, tabs and other control or separator characters (C0, DEL, C1, U+2028, U+2029)."""
    return any(unicodedata.category(char) in ('Cc', 'Zl', 'Zp') for char in text)


def single_line(option, value, where='a single line'):
    """A non-empty string without line breaks or control characters."""
    if not isinstance(value, str) or not value:
        raise InputError(option, value, 'a non-empty string is required')
    if _has_control(value):
        raise InputError(option, value, 'has a line break or control character, which %s cannot hold' % where)
    return value


def absolute_path(option, value):
    """An absolute, normalised path of text that an nftables include line can quote."""
    single_line(option, value, 'a path')
    if not os.path.isabs(value):
        raise InputError(option, value, 'a relative path; give an absolute one')
    if os.path.normpath(value) != value or value.startswith('//'):
        raise InputError(option, value, 'not a normalised path (no "..", ".", "//" or trailing "/"); '
                                        'normalised it is %s' % os.path.normpath(value))
    if '"' in value or '\\' in value:
        raise InputError(option, value, 'has a quote or a backslash, which an nftables include line cannot hold')
    return value


def file_path(option, value):
    """An absolute_path() that is not a directory on this host."""
    absolute_path(option, value)
    if os.path.isdir(value):
        raise InputError(option, value, 'is a directory; give the path of a file')
    return value


def file_name(option, value):
    """One path component (a file name made from an inventory host name, for example): it cannot leave
    the directory it is joined to."""
    single_line(option, value, 'a file name')
    if '/' in value or '\\' in value or value in ('.', '..') or value.startswith('-'):
        raise InputError(option, value, 'not a plain file name (no path separators, not "." or "..", no leading "-")')
    if len(value.encode('utf-8')) > 255:
        raise InputError(option, value, 'longer than 255 bytes, the longest file name Linux takes')
    return value


def nft_include_line(option, path):
    """The line of the nftables main configuration that includes path."""
    return 'include "%s"' % absolute_path(option, path)


def matching(option, value, pattern, what):
    """A string that pattern (a compiled regular expression) matches whole; what says what it must be."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InputError(option, value, 'not %s' % what)
    return value


# What each platform's configuration holds in a name the user gives (zone, interface, chain, table) and in a
# comment, and how a comment is written there.
#   name, name_text: the pattern of a zone, interface or chain name, and what it says in words. Conservative
#     subsets of what each platform takes, so that a name is one word on a command line and is never quoted.
#   ascii: whether a comment takes printable ASCII only (CLIs over SSH and the vendor collections' parsers);
#     nftables stores comments as UTF-8 bytes and lists them back unchanged.
#   refused: characters a comment cannot hold there, with the reason.
#   escapes: how a character is written inside the platform's double quotes.
Platform = namedtuple('Platform', 'name name_text ascii refused escapes')

_HELP_KEY = '? (the CLI\'s help key)'
PLATFORMS = {
    # nft's scanner takes a quoted string up to the next '"' and has no escape for it; names up to 255 bytes
    # (NFT_NAME_MAXLEN 256 with the terminating NUL). Checked with nft 1.0.6: '\', '$', ';', '#', '{', '}'
    # and UTF-8 are kept in a comment as given.
    'nftables': Platform(re.compile(r'[A-Za-z][A-Za-z0-9_]{0,254}'),
                         'an nftables name (a letter, then letters, digits, underscores; up to 255)',
                         False, {'"': 'an nftables comment is a quoted string without escapes'}, {}),
    # ASA and IOS remarks run to the end of the line, up to 100 characters (Cisco, "access-list remark":
    # "The text can be up to 100 characters"; IOS-XE "Commented IP Access List Entries": "Each remark is limited
    # to 100 characters"); '?' typed on the CLI asks for help instead. ASA interface names (nameif) up to 48.
    'cisco_asa': Platform(re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,47}'),
                          'an ASA interface name (letters, digits, "_", ".", "-"; up to 48)',
                          True, {'?': _HELP_KEY}, {}),
    'cisco_ios': Platform(re.compile(r'[A-Za-z][A-Za-z0-9/.:-]{0,63}'),
                          'an IOS-XE interface name as show running-config prints it (for example '
                          'GigabitEthernet0/0/1.100; letters, digits, "/", ".", ":", "-"; up to 64)',
                          True, {'?': _HELP_KEY}, {}),
    # FortiOS text strings may not hold " ' < > (FortiGate administration guide, "Text strings"); "\" escapes a
    # space or continues the line (FortiOS CLI reference, "CLI command syntax"); interface and zone names up to 35.
    'fortios': Platform(re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,34}'),
                        'a FortiOS interface or zone name (letters, digits, "_", ".", "-"; up to 35)',
                        True, {'"': 'FortiOS text strings cannot hold it', "'": 'FortiOS text strings cannot hold it',
                               '<': 'FortiOS text strings cannot hold it', '>': 'FortiOS text strings cannot hold it',
                               '\\': 'the FortiOS CLI reads it as an escape or a line continuation',
                               '?': _HELP_KEY}, {}),
    # PAN-OS zone names up to 31 characters (letters, digits, spaces, "-", ".", "_"; spaces left out so the
    # set command needs no quotes); a description is quoted and has no documented escape.
    'panos': Platform(re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,30}'),
                      'a PAN-OS zone name (letters, digits, "_", ".", "-"; up to 31)',
                      True, {'"': 'a PAN-OS description is a quoted string with no documented escape',
                             '\\': 'a PAN-OS description is a quoted string with no documented escape',
                             '?': _HELP_KEY}, {}),
    # Junos security zone names up to 63 characters; a policy description is quoted, where '\' escapes.
    'junos_srx': Platform(re.compile(r'[A-Za-z][A-Za-z0-9_-]{0,62}'),
                          'a Junos security zone name (a letter, then letters, digits, "_", "-"; up to 63)',
                          True, {'"': 'a Junos description is a quoted string', '\\': 'Junos reads it as an escape',
                                 '?': _HELP_KEY}, {}),
    # RouterOS scripting manual, "Constant Escape Sequences": inside "..." \" \\ \$ \? stand for the character;
    # an unescaped $ substitutes a variable or a command ($[...]) and ? prints help.
    'routeros': Platform(re.compile(r'[A-Za-z][A-Za-z0-9_-]{0,63}'),
                         'a RouterOS chain name (a letter, then letters, digits, "_", "-"; up to 64)',
                         True, {}, {'\\': '\\\\', '"': '\\"', '$': '\\$', '?': '\\?'}),
    # iptables-save prints a comment in double quotes with '"', "'" and '\\' escaped by a backslash, which
    # iptables-restore reads back; chain names up to 28 characters (XT_EXTENSION_MAXNAMELEN 29 with the NUL).
    'iptables': Platform(re.compile(r'[A-Za-z][A-Za-z0-9_-]{0,27}'),
                         'an iptables chain name (a letter, then letters, digits, "_", "-"; up to 28)',
                         False, {}, {'"': '\\"', "'": "\\'", '\\': '\\\\'}),
    # firewalld takes a policy description as an argument (firewall-cmd --set-description) or XML text, neither of
    # which needs quoting; zone names up to 17 characters (firewall/functions.py max_zone_name_len()).
    'firewalld': Platform(re.compile(r'[A-Za-z0-9][A-Za-z0-9_-]{0,16}'),
                          'a firewalld zone name (letters, digits, "_", "-"; up to 17)',
                          False, {}, {}),
    # ufw refuses "'" in a comment ("Comment may not contain \"'\"", ufw/parser.py) and stores it hex-encoded;
    # printable ASCII, as `ufw status` prints comments under whatever locale the shell has. Interface names up
    # to 15 characters (IFNAMSIZ 16 with the NUL).
    'ufw': Platform(re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,14}'),
                    'a Linux interface name (letters, digits, "_", ".", "-"; up to 15)',
                    True, {"'": 'ufw refuses it in a comment ("Comment may not contain \\"\'\\"")'}, {}),
}


# The words nft's scanner reads as keywords wherever a table or chain name stands, so they cannot name one: the
# keywords of nftables 1.0.6 src/scanner.l (Debian 12's nft), each refused as a table and as a chain name by
# `nft -c` 1.0.6 (keywords scoped to other statements, such as dport, are names there and are not listed).
NFT_KEYWORDS = frozenset((
    'accept add ah all and arp auto-merge bridge cgroup chain comment comp constant continue counter cpu create '
    'ct day dccp define delete describe device devices dnat drop dst dup dynamic ecn element elements eq esp '
    'ether exists expires export exthdr fib flags flow flowtable flush frag fwd gc-interval ge get goto gt handle '
    'hbh hook hour ibriport ibrname icmp icmpv6 igmp iif iifgroup iifname iiftype import include index inet '
    'insert interval ip ip6 ipsec jhash jump le limit list log lshift lt map mark masquerade meta meter mh '
    'missing monitor ne netdev nftrace not notrack numgen obriport obrname offload oif oifgroup oifname oiftype '
    'or osf pkttype policy position priority queue quota random redefine redirect reject rename replace reset '
    'return rshift rt rt0 rt2 rtclassid rule ruleset sctp secmark set size skgid skuid snat socket srh symhash '
    'synproxy table tcp th time timeout tproxy type typeof udp udplite undefine update vlan vmap xor xt'
).split())


def platform_name(platform, option, value, whole=True):
    """A zone, interface, chain or table name as the platform takes it, unquoted; whole false for the first part of
    a name (a chain prefix), which may be a word nft reserves."""
    rules = PLATFORMS[platform]
    if not isinstance(value, str) or not rules.name.fullmatch(value):
        raise InputError(option, value, 'not %s, which %s needs here' % (rules.name_text, platform))
    if platform == 'nftables' and whole and value in NFT_KEYWORDS:
        raise InputError(option, value, 'an nftables keyword, which nft does not take as a table or chain name')
    return value


def comment_text(platform, option, value):
    """A free-text value (a purpose, a section, a name) that goes into a comment on the platform, checked."""
    rules = PLATFORMS[platform]
    single_line(option, value, 'a %s comment' % platform)
    if rules.ascii and not all(' ' <= char <= '~' for char in value):
        raise InputError(option, value, 'has a character other than printable ASCII, which a %s comment cannot '
                                        'hold' % platform)
    refused = sorted(set(value) & set(rules.refused))
    if refused:
        raise InputError(option, value, 'has %s, which a %s comment cannot hold: %s'
                         % (refused[0], platform, rules.refused[refused[0]]))
    return value


def quoted(platform, text):
    """Text that comment_text() let through, in the platform's double quotes with its escapes."""
    escapes = PLATFORMS[platform].escapes
    return '"%s"' % ''.join(escapes.get(char, char) for char in text)
