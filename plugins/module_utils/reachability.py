# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reachability of the Atea networks' listening ports from a host inside a customer site.

The outbound TCP and UDP rules (from atea.anywhere.rules) say which ports the site must reach in each Atea
network; the user names the service's addresses in each network (targets), since a whole network is not a
service. Per TCP destination port range the ports tried are the range's two ends and a bounded number of
evenly spaced ports inside it (sample_ports). TCP is tried by connecting (nothing is sent; the connection is
closed at once), with a timeout per port and a total budget: a port whose whole timeout no longer fits in what
is left of the budget is not tried and is reported not_checked. UDP has no handshake: a listening service and a
silent drop look the same, so nothing is sent to a UDP port; what is checked instead is that the host has a
route and a source address for the destination (connect() of a UDP socket, which sends no packet).

Everything that touches the network is passed in (connect, route, clock), so the plan and the accounting are
tested without a network and without timing.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.atea.anywhere.plugins.module_utils import engine, inputs, text_gate
from ansible_collections.atea.anywhere.plugins.module_utils.requirements import ATEA_NETWORKS, PROFILES

DEFAULT_TIMEOUT = 3.0
LONGEST_TIMEOUT = 60.0
DEFAULT_BUDGET = 60.0
LONGEST_BUDGET = 3600.0
# Ports tried inside each destination port range beside its two ends.
DEFAULT_SAMPLES = 2
MOST_SAMPLES = 16
DEFAULT_PARALLEL = 8
MOST_PARALLEL = 32
STATES = ('open', 'closed', 'filtered', 'not_checked')
UDP_STATE = 'not_proven'
EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range'

# The module's own options beside rules and the selection options of engine.SELECTION_ARGUMENT_SPEC.
ARGUMENT_SPEC = {
    'rules': {'type': 'list', 'elements': 'dict'},
    'targets': {'type': 'dict'},
    'timeout': {'type': 'float', 'default': DEFAULT_TIMEOUT},
    'budget': {'type': 'float', 'default': DEFAULT_BUDGET},
    'samples': {'type': 'int', 'default': DEFAULT_SAMPLES},
    'parallel': {'type': 'int', 'default': DEFAULT_PARALLEL},
    'site': {'type': 'str'},
}

_ERRNO_DETAIL = {
    errno.EHOSTUNREACH: 'host unreachable (EHOSTUNREACH): an ICMP host unreachable or administratively prohibited '
                        'came back, or nothing on the way answered for the next hop',
    errno.ENETUNREACH: 'network unreachable (ENETUNREACH): this host has no route to it, or an ICMP network '
                       'unreachable came back',
    errno.EPERM: "this host's own firewall refused to send it (EPERM)",
    errno.EACCES: "this host's own firewall refused to send it (EACCES)",
}


def check_options(timeout, budget, samples, parallel):
    """The numbers the argument spec types but cannot bound; raises InputError naming the option."""
    for option, value, longest in (('timeout', timeout, LONGEST_TIMEOUT), ('budget', budget, LONGEST_BUDGET)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= longest:
            raise inputs.InputError(option, value, 'seconds above 0 and at most %g' % longest)
    if budget < timeout:
        raise inputs.InputError('budget', budget, 'less than timeout (%g s): no port could be tried in it' % timeout)
    if not inputs.is_number(samples) or not 0 <= samples <= MOST_SAMPLES:
        raise inputs.InputError('samples', samples, 'ports inside a range beside its ends: 0 to %d' % MOST_SAMPLES)
    if not inputs.is_number(parallel) or not 1 <= parallel <= MOST_PARALLEL:
        raise inputs.InputError('parallel', parallel, 'connections at once: 1 to %d' % MOST_PARALLEL)


def check_targets(targets):
    """{network name: [address, ...]} with every address an IP address (normalised, duplicates dropped)."""
    example = "for example {internet: ['192.0.2.10']}"
    if not targets:
        raise inputs.InputError('targets', targets, 'the addresses of the service to test in each Atea network are '
                                'required (a whole network is not probed); %s' % example, sorted(ATEA_NETWORKS))
    if not isinstance(targets, dict):
        raise inputs.InputError('targets', targets, 'expected a mapping of network name to addresses; %s' % example)
    checked = {}
    for name in sorted(targets):
        inputs.choose('targets', name, ATEA_NETWORKS)
        option = 'targets.%s' % name
        items = inputs.as_list(option, targets[name])
        if not items:
            raise inputs.InputError(option, targets[name], 'at least one address is required')
        addresses = []
        for index, item in enumerate(items):
            if isinstance(item, str) and '%' in item:
                raise inputs.InputError('%s[%d]' % (option, index), item,
                                        'has a scope (%...), which a target cannot have: give the service\'s address '
                                        'in the Atea network alone (a link-local address is in no Atea network)')
            try:
                address = str(ipaddress.ip_address(item.strip())) if isinstance(item, str) else None
            except ValueError:
                address = None
            if address is None:
                raise inputs.InputError('%s[%d]' % (option, index), item,
                                        'not an IP address (a single address such as 192.0.2.10 or 2001:db8::10)')
            if address not in addresses:
                addresses.append(address)
        checked[name] = addresses
    return checked


def check_site(site):
    """The site's name goes into the report: one line of text, without characters that reorder what is shown."""
    text_gate.single_line('site', site, 'a site name')
    if text_gate.BIDI_CONTROLS.intersection(site):
        raise inputs.InputError('site', site, 'has a bidirectional formatting character (shown escaped here), which '
                                'reorders how the report shows the text around it')
    return site


def sample_ports(low, high, samples):
    """The ports tried in a range: both ends and up to `samples` ports evenly spaced inside it, in order."""
    inside = high - low - 1
    count = min(samples, max(inside, 0))
    chosen = set([low, high])
    chosen.update(low + (step * (high - low)) // (count + 1) for step in range(1, count + 1))
    return sorted(chosen)


def _contains(cidrs, address):
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(cidr) for cidr in cidrs if inputs.family(cidr) == inputs.family(address))


def _outbound(rules):
    """The rules a site's checks are about: outbound TCP and UDP to an Atea network (or to unnamed ends)."""
    return [rule for rule in rules if rule['direction'] == 'outbound' and rule['protocol'] in ('tcp', 'udp')
            and rule['destination_network'] in tuple(ATEA_NETWORKS) + (None,)]


def profile_of(rules):
    """(profile, sections): the profile whose sections the rules are (null for other selections)."""
    sections = []
    for rule in rules:
        sections.extend(section for section in rule['sections'] if section not in sections)
    document = set(section for section in sections if section != engine.EXTRA_SECTION)
    profile = [name for name, numbers in sorted(PROFILES.items()) if set(numbers) == document]
    return (profile[0] if profile else None), sections


def _rows(entries, port):
    """The provenance entries (document rows) a port of a rule serves."""
    return [entry for entry in entries if any(low <= port <= high for low, high in entry['destination_ports'])]


def plan(rules, targets, samples):
    """What to check: (tcp jobs, udp checks, networks of the rules without targets, networks of targets without
    rules).

    rules: checked rules (engine.check_rules); targets: check_targets() output. Each target address takes the
    outbound rules of its network and family that hold it; an address that none holds is refused, naming it. A
    network the rules have no outbound flow to (mpls for smb) is left aside: an inventory may name every service
    address while the profile decides which are tried.
    A TCP job is one address and port, with the rows it serves and its rank (0: a range's low end, 1: its high
    end, 2 on: inside), by which the budget is spent: every range's ends before any range's inside.
    """
    outbound = _outbound(rules)
    tcp, udp, unused = [], [], []
    for name, addresses in sorted(targets.items()):
        if not any(rule['destination_network'] in (name, None) for rule in outbound):
            unused.append(name)
            continue
        for index, address in enumerate(addresses):
            chosen = [rule for rule in outbound if rule['destination_network'] in (name, None)
                      and rule['family'] == inputs.family(address) and _contains(rule['destinations'], address)]
            if not chosen:
                held = sorted(set(cidr for rule in outbound if rule['destination_network'] in (name, None)
                                  for cidr in rule['destinations']))
                raise inputs.InputError('targets.%s[%d]' % (name, index), address,
                                        'in no outbound TCP or UDP rule to the %s network of its address family '
                                        '(its destinations: %s)' % (name, ', '.join(held)))
            for rule in chosen:
                if rule['protocol'] == 'udp':
                    for entry in rule['provenance']:
                        udp.append({'address': address, 'rule': rule, 'rows': [entry],
                                    'ports': [list(r) for r in entry['destination_ports']]})
                    continue
                ranks = {}
                for entry in rule['provenance']:
                    for low, high in entry['destination_ports']:
                        for port in sample_ports(low, high, samples):
                            rank = 0 if port == low else 1 if port == high else 2
                            ranks[port] = min(rank, ranks.get(port, rank))
                for port in sorted(ranks):
                    tcp.append({'address': address, 'port': port, 'rule': rule, 'rank': ranks[port],
                                'rows': _rows(rule['provenance'], port)})
    named = set(rule['destination_network'] for rule in outbound if rule['destination_network'])
    return tcp, udp, sorted(named - set(targets)), unused


def _row_fields(rows):
    return {
        'section': ', '.join(dict.fromkeys(row['section'] for row in rows)),
        'purpose': '; '.join(dict.fromkeys(row['purpose'] for row in rows)),
        'ids': list(dict.fromkeys(row['id'] for row in rows)),
    }


def _outside(rule, address):
    """Why a source address does not pass the rule ('' where it does)."""
    if _contains(rule['sources'], address):
        return ''
    return ", which is not in the rule's sources (%s): the firewall does not pass it" % ', '.join(rule['sources'])


def _source_note(rule, source):
    """What the source address and port the OS chose mean for the rule (empty where nothing is known)."""
    if not source or not source[1] or ipaddress.ip_address(source[0]).is_unspecified:
        return ''
    return 'from %s port %d%s' % (source[0], source[1], _outside(rule, source[0]))


def source_ports_note(rules, ephemeral):
    """One sentence on the client source ports: the OS picks them from its ephemeral range (ephemeral: (low, high)
    or None where unknown), and the rules with source ports ask for these."""
    wanted = list(dict.fromkeys(tuple(tuple(r) for r in rule['source_ports']) for rule in rules
                                if rule['source_ports']))
    picked = ('the OS picks each source port from its ephemeral range %d-%d (net.ipv4.ip_local_port_range)' % ephemeral
              if ephemeral else 'the OS picks each source port from its ephemeral range')
    if not wanted:
        return picked + '; the rules ask for no source port'
    asked = ' or '.join(', '.join('%d-%d' % tuple(r) for r in ranges) for ranges in wanted)
    if ephemeral is None:
        return '%s; the rules ask for source ports %s' % (picked, asked)
    inside = all(any(low <= ephemeral[0] and ephemeral[1] <= high for low, high in ranges) for ranges in wanted)
    return '%s, %s the source ports %s the rules ask for (sections 3 and 4: 1024 and up)' % (
        picked, 'within' if inside else 'NOT within, so some connections are dropped for their source port:', asked)


def tcp_connect(address, port, timeout):
    """Connect once: (state, why, (source address, source port) or None). Sends no data; closes at once."""
    sock = socket.socket(socket.AF_INET6 if inputs.family(address) == 'ipv6' else socket.AF_INET, socket.SOCK_STREAM)
    source = None
    try:
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            state, why = 'open', 'connected: something listens on the port and the path lets it through'
        except socket.timeout:
            state, why = 'filtered', ('no answer within %g s: dropped on the way, or nothing at the address '
                                      'answers' % timeout)
        except ConnectionRefusedError:
            state, why = 'closed', ('refused (ECONNREFUSED: a TCP reset or an ICMP port unreachable): a host '
                                    'answered, the target (the path is open up to it and nothing listens on the port) '
                                    'or a firewall on the way that rejects rather than drops')
        except OSError as error:
            state = 'filtered'
            why = _ERRNO_DETAIL.get(error.errno, '%s (%s)' % (error.strerror, errno.errorcode.get(error.errno, error.errno)))
        try:
            source = sock.getsockname()[:2]
        except OSError:
            source = None
    finally:
        sock.close()
    return state, why, source


def udp_route(address, port):
    """(source address, None) that a UDP socket connected to address would send from, or (None, why). connect() on a
    UDP socket only picks a route and a source address: no packet leaves the host."""
    sock = socket.socket(socket.AF_INET6 if inputs.family(address) == 'ipv6' else socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.connect((address, port))
        return sock.getsockname()[0], None
    except OSError as error:
        return None, _ERRNO_DETAIL.get(error.errno, '%s (%s)' % (error.strerror, errno.errorcode.get(error.errno, error.errno)))
    finally:
        sock.close()


def run_tcp(jobs, timeout, budget, parallel, connect=tcp_connect, clock=time.monotonic):
    """Try each job within the budget; results in the order of jobs.

    A job starts only when its whole timeout fits in what is left of the budget, so the total stays within it;
    a job that does not fit is not_checked (never dropped). Jobs start by rank (every range's ends first).
    """
    results = [None] * len(jobs)
    deadline = clock() + budget
    lock = threading.Lock()

    def one(index):
        job = jobs[index]
        with lock:
            start = clock()
            late = start + timeout > deadline
        if late:
            results[index] = ('not_checked', 'not tried: less than the timeout (%g s) was left of the budget (%g s)'
                              % (timeout, budget), None, 0.0)
            return
        state, why, source = connect(job['address'], job['port'], timeout)
        results[index] = (state, why, source, round(max(clock() - start, 0.0), 3))

    order = sorted(range(len(jobs)), key=lambda i: jobs[i]['rank'])
    if order:
        with ThreadPoolExecutor(max_workers=min(parallel, len(order))) as pool:
            list(pool.map(one, order))
    return results


def ephemeral_range(path=EPHEMERAL_RANGE_FILE):
    """(low, high) of the OS's ephemeral ports, or None where it cannot be read (not Linux)."""
    try:
        with open(path, encoding='ascii') as handle:
            low, high = (int(part) for part in handle.read().split())
        return low, high
    except (OSError, ValueError):
        return None


def check(rules, targets, timeout=DEFAULT_TIMEOUT, budget=DEFAULT_BUDGET, samples=DEFAULT_SAMPLES,
          parallel=DEFAULT_PARALLEL, site=None, connect=tcp_connect, route=udp_route, clock=time.monotonic,
          ephemeral=None):
    """The reachability result (the module's RV(reachability)) for checked rules and raw targets."""
    check_options(timeout, budget, samples, parallel)
    site = check_site(socket.gethostname() if site is None else site)
    rules = engine.check_rules(rules)
    tcp_jobs, udp_checks, untargeted, unused = plan(rules, check_targets(targets), samples)
    profile, sections = profile_of(rules)
    started = clock()
    probed = run_tcp(tcp_jobs, timeout, budget, parallel, connect, clock)
    ports_note = source_ports_note([job['rule'] for job in tcp_jobs] + [item['rule'] for item in udp_checks], ephemeral)
    tcp = []
    for job, (state, why, source, seconds) in zip(tcp_jobs, probed):
        detail = why
        if state != 'not_checked':
            note = _source_note(job['rule'], source)
            detail = '%s; %s' % (why, note) if note else why
        entry = {'address': job['address'], 'port': job['port'], 'rule': job['rule']['name'], 'state': state,
                 'seconds': seconds, 'detail': detail}
        entry.update(_row_fields(job['rows']))
        tcp.append(entry)
    routes = {}
    udp = []
    for item in udp_checks:
        address = item['address']
        if address not in routes:
            routes[address] = route(address, item['ports'][0][0])
        source, failure = routes[address]
        if source is None:
            found = 'this host has no way to send to %s: %s, so it cannot reach it' % (address, failure)
        else:
            found = 'this host has a route to %s and sends from %s%s' % (address, source,
                                                                         _outside(item['rule'], source))
        entry = {'address': address, 'ports': item['ports'], 'rule': item['rule']['name'], 'state': UDP_STATE,
                 'source': source,
                 'checked_instead': 'UDP has no handshake: a listening service and a silent drop look the same from '
                                    'here, so nothing was sent to the port. Checked instead (connect() of a UDP '
                                    'socket, no packet sent): %s' % found}
        entry.update(_row_fields(item['rows']))
        udp.append(entry)
    counts = dict((state, sum(1 for entry in tcp if entry['state'] == state)) for state in STATES)
    counts[UDP_STATE] = len(udp)
    return {
        'site': site, 'profile': profile, 'sections': sections,
        'budget_seconds': budget, 'timeout_seconds': timeout, 'samples': samples, 'parallel': parallel,
        'total_seconds': round(max(clock() - started, 0.0), 3),
        'source_ports': ports_note, 'not_targeted': untargeted, 'not_in_rules': unused,
        'tcp': tcp, 'udp': udp, 'counts': counts,
    }
