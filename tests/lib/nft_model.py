# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A model of netfilter for tests: it reads a ruleset as the kernel has it and says what passes.

The ruleset is loaded into a throwaway network namespace and read back with `nft -j list ruleset` (nft's own
JSON; nothing of the collection's renderer or state code is used), or given as such a listing taken elsewhere
(a lab firewall's namespace). Packets are the device model's (device_model.packet), and so is the walk:

    device = load(text, base=foreign_ruleset, placement='gateway')
    device = Nftables(listing_in('lab-fw'), placement='gateway')          # a listing taken elsewhere
    device.passes(packet('tcp', '10.0.0.5', '91.184.140.9', 443, 40000), 'customer', 'mpls')   # -> Verdict
    device_model.walk(device, 'enterprise', networks, seed)

Semantics, from nft(8) of nftables 1.0.6 (Debian 12, /usr/share/man/man8/nft.8.gz, VERDICT STATEMENT: an accepted
packet "can still be dropped later by another hook, ... or another forward base chain that has a higher priority
number"), the section OVERALL EVALUATION OF THE RULESET added to nft(8) after it (nftables commit 2c6363fb -
https://git.ipfire.org/cgi-bin/gitweb.cgi?a=commitdiff&h=2c6363fb2b6dca8ee7640b6ee6b65a60e8e4d53a&p=thirdparty%2Fnftables.git)
and the nftables wiki "Configuring chains", base chain priority -
https://wiki.nftables.org/wiki-nftables/index.php?oldid=1141&title=Configuring_chains:

- a packet meets every base chain attached to each hook on its way (forwarded: prerouting, forward,
  postrouting; received by the host: prerouting, input; sent by it: output, postrouting), of every table whose
  family carries it (inet: both, ip: IPv4, ip6: IPv6), in order of priority, lower first;
- accept (or a policy accept) only ends the current base chain: the packet goes on to the next one, and is
  passed only when no chain drops it; drop and reject end everything;
- jump pushes a return point, goto does not, return (or the end of a regular chain) goes back to the last
  return point, and in a base chain means its policy;
- header matches carry nft's implicit dependencies ("ip saddr" needs IPv4, "tcp dport" TCP, "icmp type"
  ICMP over IPv4, "icmpv6 type" ICMPv6 over IPv6): on any other packet the match is false, "!=" too;
- conntrack: a connection's first packet has ct state new, its reply established; nat-type chains see only
  first packets, and NAT that rewrites the destination (dnat, redirect) is not modelled.

Whatever the listing holds that this model does not know (an object, an expression, a statement, a family
with base chains, a value) raises NotModelled: nothing is silently passed or dropped.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import subprocess
import tempfile

from device_model import Device, Verdict, family, reply_of

NAMESPACE_PREFIX = 'ntm'
_NAMESPACE_COUNT = itertools.count()

# The hooks a packet meets, in order, by the way it takes through the box that holds the ruleset.
PATHS = {'forwarded': ('prerouting', 'forward', 'postrouting'), 'received': ('prerouting', 'input'),
         'sent': ('output', 'postrouting')}
TABLE_FAMILIES = {'inet': (4, 6), 'ip': (4,), 'ip6': (6,)}
# Families whose base chains never see routed IP packets (ARP only).
UNSEEN_FAMILIES = ('arp',)
PROTOCOL_NUMBERS = {'tcp': 6, 'udp': 17, 'icmp': 1, 'ipv6-icmp': 58, 'icmpv6': 58}
# ICMP and ICMPv6 type names as nft prints them (`nft describe icmp type`, `nft describe icmpv6 type`, 1.0.6).
ICMP_TYPES = {
    4: {'echo-reply': 0, 'destination-unreachable': 3, 'source-quench': 4, 'redirect': 5, 'echo-request': 8,
        'router-advertisement': 9, 'router-solicitation': 10, 'time-exceeded': 11, 'parameter-problem': 12,
        'timestamp-request': 13, 'timestamp-reply': 14, 'info-request': 15, 'info-reply': 16,
        'address-mask-request': 17, 'address-mask-reply': 18},
    6: {'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4,
        'echo-request': 128, 'echo-reply': 129, 'mld-listener-query': 130, 'mld-listener-report': 131,
        'mld-listener-done': 132, 'mld-listener-reduction': 132, 'nd-router-solicit': 133, 'nd-router-advert': 134,
        'nd-neighbor-solicit': 135, 'nd-neighbor-advert': 136, 'nd-redirect': 137, 'router-renumbering': 138,
        'ind-neighbor-solicit': 141, 'ind-neighbor-advert': 142, 'mld2-listener-report': 143},
}
CT_STATES = ('invalid', 'new', 'established', 'related', 'untracked')
# Statements that change nothing the model decides on.
NEUTRAL_STATEMENTS = ('counter', 'log', 'ct helper')
# Source NAT rewrites the source after every filter chain has run: as a verdict it accepts.
SOURCE_NAT = ('masquerade', 'snat')


class NotModelled(Exception):
    """The listing holds something the model does not know how the kernel would treat."""


def listing_of(text):
    """nft's JSON listing of text (an nft -f script) loaded into a network namespace of its own, removed after."""
    namespace = '%s-%d-%d' % (NAMESPACE_PREFIX, os.getpid(), next(_NAMESPACE_COUNT))
    subprocess.run(['ip', 'netns', 'add', namespace], check=True, capture_output=True)
    try:
        with tempfile.NamedTemporaryFile('w', suffix='.nft') as script:
            script.write(text)
            script.flush()
            loaded = subprocess.run(['ip', 'netns', 'exec', namespace, 'nft', '-f', script.name],
                                    capture_output=True, text=True, check=False)
            if loaded.returncode:
                raise ValueError('nft refused the ruleset: %s' % loaded.stderr.strip())
        return listing_in(namespace)
    finally:
        subprocess.run(['ip', 'netns', 'del', namespace], check=False, capture_output=True)


def listing_in(namespace):
    """nft's JSON listing of a namespace's ruleset (a lab firewall's, after a run): give it to Nftables."""
    return subprocess.run(['ip', 'netns', 'exec', namespace, 'nft', '-j', 'list', 'ruleset'],
                          capture_output=True, text=True, check=True).stdout


def load(text, base='', placement='gateway', interfaces=None, hosts=('customer',)):
    """The box after base (its ruleset before, e.g. a customer's own tables) and then text were loaded."""
    return Nftables(listing_of(base + '\n' + text), placement, interfaces, hosts)


# --------------------------------------------------------------------------------------------------------------
# Values: every field the model reads, as a kind that says how its values are written and compared.

MISSING = object()   # the header a match needs is not in the packet: the match is false (implicit dependency)


class Context(object):
    """One packet at one point of its way: the device model's packet, its conntrack state and interfaces."""

    def __init__(self, sent, state, iif, oif):
        self.sent, self.state, self.iif, self.oif = sent, state, iif, oif
        self.version = family(sent.source)
        self.l4 = PROTOCOL_NUMBERS[sent.protocol] if sent.protocol != 'icmp' else {4: 1, 6: 58}[self.version]


def _address(ctx, version, which):
    if ctx.version != version:
        return MISSING
    return ipaddress.ip_address(ctx.sent.source if which == 'saddr' else ctx.sent.destination)


def _port(ctx, protocols, which):
    if ctx.sent.protocol not in ('tcp', 'udp'):
        if protocols is None:
            raise NotModelled('th %s on a %s packet: nft adds no dependency, the kernel reads whatever bytes are '
                              'there' % (which, ctx.sent.protocol))
        return MISSING
    if protocols is not None and ctx.sent.protocol not in protocols:
        return MISSING
    return ctx.sent.source_port if which == 'sport' else ctx.sent.destination_port


def _icmp_type(ctx, version):
    return ctx.sent.icmp_type if ctx.sent.protocol == 'icmp' and ctx.version == version else MISSING


# (expression, field or key) -> (kind of its values, how to read it from a packet)
PAYLOADS = {
    ('ip', 'saddr'): ('address4', lambda ctx: _address(ctx, 4, 'saddr')),
    ('ip', 'daddr'): ('address4', lambda ctx: _address(ctx, 4, 'daddr')),
    ('ip', 'protocol'): ('l4proto', lambda ctx: ctx.l4 if ctx.version == 4 else MISSING),
    ('ip6', 'saddr'): ('address6', lambda ctx: _address(ctx, 6, 'saddr')),
    ('ip6', 'daddr'): ('address6', lambda ctx: _address(ctx, 6, 'daddr')),
    ('ip6', 'nexthdr'): ('l4proto', lambda ctx: ctx.l4 if ctx.version == 6 else MISSING),
    ('tcp', 'sport'): ('port', lambda ctx: _port(ctx, ('tcp',), 'sport')),
    ('tcp', 'dport'): ('port', lambda ctx: _port(ctx, ('tcp',), 'dport')),
    ('udp', 'sport'): ('port', lambda ctx: _port(ctx, ('udp',), 'sport')),
    ('udp', 'dport'): ('port', lambda ctx: _port(ctx, ('udp',), 'dport')),
    ('th', 'sport'): ('port', lambda ctx: _port(ctx, None, 'sport')),
    ('th', 'dport'): ('port', lambda ctx: _port(ctx, None, 'dport')),
    ('icmp', 'type'): ('icmp4', lambda ctx: _icmp_type(ctx, 4)),
    ('icmpv6', 'type'): ('icmp6', lambda ctx: _icmp_type(ctx, 6)),
}
METAS = {
    'l4proto': ('l4proto', lambda ctx: ctx.l4),
    'nfproto': ('nfproto', lambda ctx: ctx.version),
    'protocol': ('ethertype', lambda ctx: ctx.version),
    'iifname': ('ifname', lambda ctx: ctx.iif),
    'oifname': ('ifname', lambda ctx: ctx.oif),
    'iif': ('ifname', lambda ctx: ctx.iif),
    'oif': ('ifname', lambda ctx: ctx.oif),
}


def _number(value, names, what):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value in names:
        return names[value]
    raise NotModelled('%s value %r is not known to the model' % (what, value))


def _scalar(kind, value):
    """A written value of a kind -> what packets are compared with."""
    if kind in ('address4', 'address6'):
        address = ipaddress.ip_address(value)
        if address.version != int(kind[-1]):
            raise NotModelled('address %s where an IPv%s address is read' % (value, kind[-1]))
        return address
    if kind == 'port':
        return _number(value, {}, 'port')
    if kind == 'l4proto':
        return _number(value, PROTOCOL_NUMBERS, 'protocol')
    if kind == 'nfproto':
        return _number(value, {'ipv4': 4, 'ipv6': 6}, 'nfproto')
    if kind == 'ethertype':
        return _number(value, {'ip': 4, 'ip6': 6}, 'meta protocol')
    if kind in ('icmp4', 'icmp6'):
        return _number(value, ICMP_TYPES[int(kind[-1])], '%s type' % kind)
    if kind == 'ifname' and isinstance(value, str):
        return value
    raise NotModelled('%s value %r is not known to the model' % (kind, value))


class Element(object):
    """One element of a set or a right-hand side: an interval of values (a value is one), an interface name
    pattern ('eth*'), or a concatenation of elements."""

    def __init__(self, low=None, high=None, pattern=None, parts=None):
        self.low, self.high, self.pattern, self.parts = low, high, pattern, parts

    def holds(self, value):
        if self.parts is not None:
            return len(value) == len(self.parts) and all(p.holds(v) for p, v in zip(self.parts, value))
        if self.pattern is not None:
            return value.startswith(self.pattern[:-1]) if self.pattern.endswith('*') else value == self.pattern
        if type(value) is not type(self.low):   # pylint: disable=unidiomatic-typecheck
            return False   # an IPv4 address against an IPv6 one never matches
        return self.low <= value <= self.high


def _element(kind, written):
    """An element as nft's JSON writes it (value, prefix, range, concat, or elem with a comment)."""
    if isinstance(written, dict) and set(written) == {'elem'}:
        return _element(kind, written['elem']['val'])
    if isinstance(kind, tuple):
        if not (isinstance(written, dict) and set(written) == {'concat'}) or len(written['concat']) != len(kind):
            raise NotModelled('%r is not an element of a concatenation of %s' % (written, ', '.join(kind)))
        return Element(parts=[_element(k, w) for k, w in zip(kind, written['concat'])])
    if isinstance(written, dict) and set(written) == {'prefix'}:
        if kind not in ('address4', 'address6'):
            raise NotModelled('a prefix of %s' % kind)
        network = ipaddress.ip_network('%s/%d' % (written['prefix']['addr'], written['prefix']['len']))
        _scalar(kind, str(network.network_address))
        return Element(network.network_address, network.broadcast_address)
    if isinstance(written, dict) and set(written) == {'range'}:
        low, high = (_scalar(kind, v) for v in written['range'])
        return Element(low, high)
    if kind == 'ifname':
        return Element(pattern=_scalar(kind, written))
    value = _scalar(kind, written)
    return Element(value, value)


# --------------------------------------------------------------------------------------------------------------
# Rules compiled from the listing


class Match(object):
    """One match expression: what it reads (a function of the packet), its operator and right-hand side."""

    def __init__(self, read, op, elements=None, flags=None):
        self.read, self.op, self.elements, self.flags = read, op, elements, flags

    def matches(self, ctx):
        value = self.read(ctx)
        if value is MISSING:
            return False
        if self.flags is not None:   # ct state: any of the flags
            return ctx.state in self.flags
        inside = any(e.holds(value) for e in self.elements)
        if self.op == '==':
            return inside
        if self.op == '!=':
            return not inside
        bound = self.elements[0].low
        return {'<': value < bound, '>': value > bound, '<=': value <= bound, '>=': value >= bound}[self.op]


class Rule(object):
    def __init__(self, where, handle, comment, matches, verdict):
        self.where, self.handle, self.comment = where, handle, comment
        self.matches, self.verdict = matches, verdict

    def describe(self):
        return '%s rule %s%s' % (self.where, self.handle, ' "%s"' % self.comment[:70] if self.comment else '')


class Chain(object):
    def __init__(self, table, spec):
        self.table, self.name = table, spec['name']
        self.hook, self.type, self.priority = spec.get('hook'), spec.get('type'), spec.get('prio')
        self.policy = spec.get('policy', 'accept')
        self.rules = []
        if self.hook is not None and not isinstance(self.priority, int):
            raise NotModelled('chain %s %s: priority %r' % (' '.join(table), self.name, self.priority))
        if self.hook is not None and self.type not in ('filter', 'nat', 'route'):
            raise NotModelled('chain %s %s: type %r' % (' '.join(table), self.name, self.type))

    def describe(self):
        return '%s %s chain %s' % (self.table[0], self.table[1], self.name)


class Nftables(Device):
    """A Linux box's netfilter ruleset, as nft -j list ruleset prints it.

    placement 'gateway': the box forwards between the roles (customer, mpls, internet). 'host': each machine of
    the roles in hosts (default the customer's) holds the ruleset itself: what it sends meets output and
    postrouting, what it receives prerouting and input (both when two such hosts talk). interfaces: the interface
    name per role for iifname/oifname/iif/oif (default the role names; never 'lo').
    """
    PLATFORM = 'nftables'

    def __init__(self, listing, placement='gateway', interfaces=None, hosts=('customer',)):
        if placement not in ('gateway', 'host'):
            raise ValueError('placement %r: gateway or host' % placement)
        self.placement, self.hosts = placement, tuple(hosts)
        self.interfaces = dict(interfaces or {})
        Device.__init__(self, listing)

    # ---------------------------------------------------------------------------------------------- reading
    def read(self, listing):
        objects = (json.loads(listing) if isinstance(listing, str) else listing)['nftables']
        self.chains, self.sets, self.families = {}, {}, set()
        rules = []
        for entry in objects:
            if len(entry) != 1:
                raise NotModelled('listing entry %r' % entry)
            kind, spec = next(iter(entry.items()))
            if kind in ('metainfo', 'ct helper'):
                continue   # helpers only act where a rule assigns one ("ct helper set", read as neutral)
            if kind == 'table':
                self.families.add(spec['family'])
            elif kind == 'chain':
                table = (spec['family'], spec['table'])
                self.chains[table + (spec['name'],)] = Chain(table, spec)
            elif kind in ('set', 'map'):
                self.sets[(spec['family'], spec['table'], spec['name'])] = (kind, spec)
            elif kind == 'rule':
                rules.append(spec)
            else:
                raise NotModelled('listing object %r' % kind)
        for spec in rules:
            if spec['family'] in UNSEEN_FAMILIES:
                continue
            table = (spec['family'], spec['table'])
            chain = self.chains[table + (spec['chain'],)]
            chain.rules.append(self._rule(table, chain, spec))
        for chain in self.chains.values():
            if chain.hook is not None and chain.table[0] not in tuple(TABLE_FAMILIES) + UNSEEN_FAMILIES:
                raise NotModelled('%s: base chains of family %s' % (chain.describe(), chain.table[0]))

    def _rule(self, table, chain, spec):
        matches, verdict = [], None
        for expression in spec['expr']:
            if verdict is not None:
                raise NotModelled('%s: %r after the verdict' % (chain.describe(), expression))
            if not isinstance(expression, dict) or len(expression) != 1:
                raise NotModelled('%s: expression %r' % (chain.describe(), expression))
            key, value = next(iter(expression.items()))
            if key == 'match':
                matches.append(self._match(table, value))
            elif key in NEUTRAL_STATEMENTS:
                continue
            elif key in ('accept', 'drop', 'return', 'continue'):
                verdict = (key,)
            elif key == 'reject':
                verdict = ('drop',)
            elif key in ('jump', 'goto'):
                verdict = (key, self._chain(table, value['target']))
            elif key == 'vmap':
                verdict = ('vmap',) + self._vmap(table, value)
            elif key in SOURCE_NAT and chain.type == 'nat':
                verdict = ('accept',)
            else:
                raise NotModelled('%s: statement %r' % (chain.describe(), expression))
        return Rule(chain.describe(), spec.get('handle'), spec.get('comment'), matches, verdict)

    def _chain(self, table, name):
        if table + (name,) not in self.chains:
            raise NotModelled('%s %s: no chain %s' % (table + (name,)))
        return self.chains[table + (name,)]

    def _left(self, expression):
        """A left-hand side -> (kind, read) for one field, or a tuple of kinds and a reader for a concatenation."""
        if not isinstance(expression, dict) or len(expression) != 1:
            raise NotModelled('left-hand side %r' % (expression,))
        key, value = next(iter(expression.items()))
        if key == 'payload' and (value.get('protocol'), value.get('field')) in PAYLOADS:
            return PAYLOADS[(value['protocol'], value['field'])]
        if key == 'meta' and value.get('key') in METAS:
            return METAS[value['key']]
        if key == 'ct' and value == {'key': 'state'}:
            return 'ctstate', lambda ctx: ctx.state
        if key == 'concat':
            parts = [self._left(part) for part in value]
            if any(kind == 'ctstate' for kind, _read in parts):
                raise NotModelled('ct state in a concatenation')

            def read(ctx):
                values = tuple(part_read(ctx) for _kind, part_read in parts)
                return MISSING if MISSING in values else values
            return tuple(kind for kind, _read in parts), read
        raise NotModelled('left-hand side %r' % (expression,))

    def _elements(self, table, kind, right):
        """The elements a right-hand side stands for: a value, prefix, range, anonymous set or @named set."""
        if isinstance(right, str) and right.startswith('@'):
            sort, spec = self._set(table, right[1:])
            if sort != 'set':
                raise NotModelled('map @%s used as a set' % right[1:])
            return [_element(kind, e) for e in spec.get('elem', [])]
        if isinstance(right, dict) and set(right) == {'set'}:
            return [_element(kind, e) for e in right['set']]
        return [_element(kind, right)]

    def _set(self, table, name):
        if table + (name,) not in self.sets:
            raise NotModelled('%s %s: no set or map %s' % (table + (name,)))
        return self.sets[table + (name,)]

    def _match(self, table, spec):
        kind, read = self._left(spec['left'])
        op, right = spec['op'], spec['right']
        if kind == 'ctstate':
            flags = set(right if isinstance(right, list) else [right])
            if not flags <= set(CT_STATES) or op not in ('in', '=='):
                raise NotModelled('ct state %s %r' % (op, right))
            return Match(read, op, flags=flags)
        if op not in ('==', '!=', '<', '>', '<=', '>='):
            raise NotModelled('operator %r on %s' % (op, kind))
        elements = self._elements(table, kind, right)
        if op not in ('==', '!=') and (len(elements) != 1 or kind not in ('port', 'l4proto')):
            raise NotModelled('operator %r on %r' % (op, right))
        return Match(read, op, elements)

    def _vmap(self, table, spec):
        """A verdict map: (kind, read, [(element, verdict)])."""
        kind, read = self._left(spec['key'])
        data = spec['data']
        if isinstance(data, str) and data.startswith('@'):
            sort, named = self._set(table, data[1:])
            if sort != 'map' or named.get('map') != 'verdict':
                raise NotModelled('vmap on @%s, which is no verdict map' % data[1:])
            pairs = named.get('elem', [])
        elif isinstance(data, dict) and set(data) == {'set'}:
            pairs = data['set']
        else:
            raise NotModelled('vmap data %r' % (data,))
        entries = []
        for key, verdict in pairs:
            name, target = next(iter(verdict.items()))
            if name in ('accept', 'drop', 'return', 'continue'):
                entries.append((_element(kind, key), (name,)))
            elif name in ('jump', 'goto'):
                entries.append((_element(kind, key), (name, self._chain(table, target['target']))))
            else:
                raise NotModelled('verdict %r in a verdict map' % verdict)
        return kind, read, entries

    # -------------------------------------------------------------------------------------------- evaluation
    def _verdict_of(self, rule, ctx):
        """The rule's verdict for the packet, None when it does not match or decides nothing."""
        if not all(m.matches(ctx) for m in rule.matches):
            return None
        if rule.verdict is None or rule.verdict[0] != 'vmap':
            return rule.verdict
        value = rule.verdict[2](ctx)
        if value is MISSING:
            return None
        return next((verdict for element, verdict in rule.verdict[3] if element.holds(value)), None)

    def _call(self, chain, ctx, depth=0):
        """(verdict, rule) of a chain: 'accept' or 'drop', or None when it returns or ends (the caller goes on)."""
        if depth > 16:
            raise NotModelled('%s: jumps deeper than 16 chains' % chain.describe())
        current = chain
        while current is not None:
            target, current = current, None
            for rule in target.rules:
                verdict = self._verdict_of(rule, ctx)
                if verdict is None or verdict[0] == 'continue':
                    continue
                if verdict[0] in ('accept', 'drop'):
                    return verdict[0], rule.describe()
                if verdict[0] == 'return':
                    return None
                if verdict[0] == 'jump':
                    decided = self._call(verdict[1], ctx, depth + 1)
                    if decided is not None:
                        return decided
                    continue
                current = verdict[1]   # goto: the end of that chain returns to this chain's caller
                break
        return None

    def _base_chains(self, hook, ctx):
        chains = [c for c in self.chains.values()
                  if c.hook == hook and ctx.version in TABLE_FAMILIES.get(c.table[0], ())
                  and (c.type != 'nat' or ctx.state == 'new')]
        return sorted(chains, key=lambda c: c.priority)

    def _through(self, path, ctx):
        """Every base chain of the hooks on the path, in order: a drop anywhere wins."""
        accepted = []
        for hook in PATHS[path]:
            for chain in self._base_chains(hook, ctx):
                decided = self._call(chain, ctx)
                verdict, where = decided if decided is not None else (chain.policy, '%s policy' % chain.describe())
                if verdict == 'drop':
                    return Verdict(False, 'dropped (%s, ct state %s) by %s' % (hook, ctx.state, where))
                accepted.append('%s: %s' % (hook, where))
        return Verdict(True, 'accepted (ct state %s) by %s' % (ctx.state, '; '.join(accepted) or 'no base chain'))

    def _interface(self, role):
        return self.interfaces.get(role, role)

    def _admit(self, sent, state, source_role, destination_role):
        if self.placement == 'gateway':
            return self._through('forwarded', Context(sent, state, self._interface(source_role),
                                                      self._interface(destination_role)))
        verdicts = []
        if source_role in self.hosts:
            verdicts.append(self._through('sent', Context(sent, state, '', self._interface(destination_role))))
        if destination_role in self.hosts:
            verdicts.append(self._through('received', Context(sent, state, self._interface(source_role), '')))
        if not verdicts:
            raise ValueError('host placement: neither %s nor %s holds the ruleset' % (source_role, destination_role))
        failed = [v for v in verdicts if not v]
        return failed[0] if failed else Verdict(True, '; '.join(v.reason for v in verdicts))

    def admit(self, sent, ingress, egress):
        return self._admit(sent, 'new', ingress, egress)

    def admit_reply(self, sent, ingress, egress):
        verdict = self._admit(reply_of(sent), 'established', egress, ingress)
        return Verdict(verdict.passed, 'reply: %s' % verdict.reason)
