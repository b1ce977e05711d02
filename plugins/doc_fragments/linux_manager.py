# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The options every Linux manager module shares (nftables, iptables, ufw, firewalld); each documents its own
    state, placement and helper removal, which differ in what they touch."""

    DOCUMENTATION = r'''
options:
  rules:
    description:
      - Rules from the P(atea.anywhere.rules#filter) filter (or the C(rules) of M(atea.anywhere.requirements_info)).
      - Required with O(state=present).
    type: list
    elements: dict
  management_networks:
    description:
      - With O(placement=host), networks that keep TCP access to O(management_ports) (to any address of the host).
    type: list
    elements: str
    default: []
  management_ports:
    description: TCP ports that O(management_networks) keep access to.
    type: list
    elements: raw
    default: [22]
  confirm_timeout:
    description:
      - Seconds; V(0) is off. When the run changes something (outside check mode), the previous state (what the
        module's description says it saves) is kept in O(rollback_dir) and a restorer is started on the host
        before anything changes. It runs on its own (it does not need the controller or the connection) and,
        unless M(atea.anywhere.nftables_confirm) confirms the change with RV(rollback.id) within this many
        seconds, puts the saved state back and records that it did.
      - The play should confirm over a fresh connection, so that the new rules are what let it in.
      - A change while an earlier run's restore still waits is refused without O(confirm_timeout); with nothing
        to change, that rollback is returned for the play to confirm (without O(confirm_timeout) the run fails).
    type: int
    default: 0
    version_added: 0.3.0
  rollback_dir:
    description:
      - Where O(confirm_timeout) keeps the saved state, one directory per rollback (mode 0700). C(/run) is
        emptied at boot, when the boot configuration applies anyway.
    type: path
    default: /run/atea-anywhere
    version_added: 0.3.0
'''
