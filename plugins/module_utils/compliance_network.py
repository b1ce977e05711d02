# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The units of compliance (see compliance.py) of a network firewall, from a saved running configuration.

The platform's renderer (vendor_platforms) writes the configuration the rules want; a unit is one statement of it
that names a rule's objects (ATEA-<RULE>, ATEA-SVC-<RULE>) or the rule itself (in a comment or remark): for
block configurations (Cisco ASA, IOS-XE) a block header with one of its lines, elsewhere the line. The same
statements of the running configuration are the live units; a statement is in place when the running
configuration holds it as rendered (spacing aside). Where no running configuration was saved, every row is
unknown and the detail says where to save it.
"""

from __future__ import annotations

import re

from ansible_collections.atea.anywhere.plugins.module_utils import files, vendor_platforms
from ansible_collections.atea.anywhere.plugins.module_utils.compliance import Unit, Unread
from ansible_collections.atea.anywhere.plugins.module_utils.engine import check_rules
from ansible_collections.atea.anywhere.plugins.module_utils.render_cisco_asa import ports_as_numbers
from ansible_collections.atea.anywhere.plugins.module_utils.render_vendor import blocks

# Comment lines of block configurations (ASA, IOS-XE).
_BLOCK_COMMENT = '!'


def rule_names(renderer_class, rule):
    """The words that mark a statement as one of rule's: its object names and its own name."""
    return (renderer_class.rule_object(rule), renderer_class.service_object(rule), rule['name'])


def _mentions(text, names):
    return any(re.search(r'(?<![A-Za-z0-9-])%s(?![A-Za-z0-9-])' % re.escape(name), text) for name in names)


def statements(text, running_format):
    """The statements of a configuration: (header, line) of each block line and (header,) of each block header for
    block configurations; (line,) of each line elsewhere (comment lines aside, spacing made single)."""
    if running_format == 'block':
        found = []
        for header, children in blocks(text, _BLOCK_COMMENT):
            found.append((' '.join(header.split()),))
            found.extend((' '.join(header.split()), ' '.join(child.split())) for child in children)
        return found
    return [(' '.join(line.split()),) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith(('#', '!'))]


# A port line of an ASA service object-group: 'port-object eq 443', 'port-object range 40000 49999'.
_PORT_OBJECT = re.compile(r'port-object (?:eq ([0-9]+)|range ([0-9]+) ([0-9]+))$')


def _unit(name, statement):
    """A statement's unit; a port line of a service group is keyed by the group, its port as its range, so a row is
    judged by its own ports."""
    match = _PORT_OBJECT.match(statement[-1]) if len(statement) == 2 else None
    if match:
        low, high = (match.group(1), match.group(1)) if match.group(1) else match.group(2, 3)
        return Unit(name, (statement[0], 'port-object'), [(int(low), int(high))], ' / '.join(statement))
    return Unit(name, statement, None, ' / '.join(statement))


def units(text, running_format, rules, renderer_class):
    """The units of each rule in a configuration's text: the statements that name it (a block whose header names
    it, with all its lines)."""
    found = []
    for rule in rules:
        names = rule_names(renderer_class, rule)
        for statement in statements(text, running_format):
            if _mentions(statement[0], names) or _mentions(statement[-1], names):
                found.append(_unit(rule['name'], statement))
    return found


def network_reading(platform, rules, running_config_path, zones=None, hint='', **options):
    """compliance.report's reading for a network platform from the saved running configuration at
    running_config_path (None: none configured). hint: what to do when there is none."""
    def reading():
        checked = check_rules(rules)
        renderer_class = vendor_platforms.RENDERERS[platform]
        running_format = renderer_class.RUNNING_FORMAT
        rendered = vendor_platforms.render_config(checked, platform, zones, **options)
        running = files.read_text(running_config_path) if running_config_path else None
        if running is None:
            raise Unread('no saved running configuration%s: %s' % (' at %s' % running_config_path if running_config_path
                                                                   else '', hint), running_config_path or '')
        if platform == 'cisco_asa':
            running = ports_as_numbers(running)
        return ('running_config', running_config_path, units(rendered, running_format, checked, renderer_class),
                units(running, running_format, checked, renderer_class), {},
                ' in the running configuration')
    return reading
