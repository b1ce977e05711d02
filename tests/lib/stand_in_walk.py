# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The independent device model's walk (tests/lib/device_model.py) of what an apply run left on a stand-in device
(tests/lab/fake_*.py), for the apply-mode tests (tests/functional/test_apply_*.py): the stand-in's state as the
device prints it, loaded on the model, every document flow of what the run applied and its reply passing, the closed
sample staying closed (or, with the device as it was before the run, passing what it passed before).
"""

from __future__ import annotations

import device_model
import requirements_document
import stand_in_text

# The MPLS and internet networks of the apply runs (documentation ranges), and the default customer networks.
RUN_NETWORKS = {'mpls': '198.51.100.0/24', 'internet': '203.0.113.0/24'}
WALK_NETWORKS = dict([(side, [cidr]) for side, cidr in RUN_NETWORKS.items()],
                     customer=['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'])
# The sections each component name stands for (README, "components": mpls_outbound (2.1), mpls_inbound (2.2),
# internal (2.3), mra (3), vmr (4)).
COMPONENT_SECTIONS = {'mpls_outbound': '2.1', 'mpls_inbound': '2.2', 'internal': '2.3', 'mra': '3', 'vmr': '4'}


def device_text(platform, state):
    """The stand-in's state as the device prints it: FortiOS and RouterOS stand-ins keep JSON tables (shown or
    exported by tests/lab/stand_in_text.py), the IOS-XE and SRX stand-ins the configuration text itself."""
    if platform == 'fortios':
        return stand_in_text.fortios_show(state)
    if platform == 'routeros':
        return stand_in_text.routeros_export(state)
    return state


def load(platform, state, zones=None, base=''):
    """The device model of a stand-in's state (base: what the model enters first; '' for none)."""
    device = device_model.load(platform, device_text(platform, state), zones=zones, base=base)
    assert device.errors == [], device.errors
    return device


def applied(profile, components=None):
    """What a run applied, as the walk names it: the profile, or the components joined with '+'."""
    return '+'.join(components) if components else profile


def sections(what):
    """The document sections of what a run applied (applied()): the profile's, or its components'."""
    if what in requirements_document.PROFILE_SECTIONS:
        return requirements_document.PROFILE_SECTIONS[what]
    return tuple(COMPONENT_SECTIONS[name] for name in what.split('+'))


def walk(device, what, before=None):
    """The walk of what a run applied (applied()) on a stand-in's device model: no failures, and flows, their
    replies and a closed sample walked."""
    walked = device_model.walk(device, what, WALK_NETWORKS, before=before, sections=sections(what))
    assert walked.failures == [], '%s\nfirst: %s' % (device_model.summary(walked.failures),
                                                     '\n'.join(walked.failures[:5]))
    assert walked.flows and walked.replies == walked.flows and walked.closed, walked
    return walked


def record(record_property, platform, what, walked):
    """The walk's counts, printed at the end of pytest (tests/conftest.py) as 'device model <kind> <platform> <case>'."""
    for kind, count in (('apply', walked.flows), ('apply-closed', walked.closed),
                        ('apply-passed-before', walked.passed_before)):
        record_property('device model %s %s %s' % (kind, platform, what), count)
