# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ufw in a network namespace of the tests' own, with a configuration of its own.

`ip netns exec NS cmd` bind-mounts every entry of /etc/netns/NS over the same name in /etc before running cmd
(ip-netns(8): "ip netns exec automates handling of this configuration, file convention for network namespace
unaware applications, by creating a mount namespace and bind mounting all of the per network namespace configure
files into their traditional location in /etc"). A copy of /etc/ufw in /etc/netns/NS/ufw is therefore the /etc/ufw
of every `ip netns exec NS ufw ...`: its user.rules, user6.rules and ufw.conf (ENABLED=yes) are written there, and
the rules go into the namespace's own netfilter tables. Shared with the machine, read only: /etc/default/ufw (only
`ufw default ...` writes it: never call that here) and the lock /run/ufw.lock (it serialises ufw runs of all
namespaces, which is harmless). `ufw enable` also applies /etc/ufw/sysctl.conf: all its keys (net/ipv4/conf/*,
net/ipv4/icmp_*, net/ipv6/conf/*) are per network namespace. Checked on Debian 12 with ufw 0.36.2: enable, a route
rule and disable in a namespace leave iptables-save, ip6tables-save, iptables-legacy-save and nft list ruleset of
the root namespace, /etc/ufw and /etc/default/ufw unchanged.

    from ufw_namespace import enable, disable, ufw
    enable('ua-gw')                  # the namespace must exist; ufw active there
    ufw('ua-gw', 'allow', '22/tcp')  # -> CompletedProcess of `ip netns exec ua-gw ufw allow 22/tcp`
    disable('ua-gw')                 # ufw disabled there, /etc/netns/ua-gw/ufw gone (and /etc/netns/ua-gw if empty)

CLI: python tests/lib/ufw_namespace.py enable|disable NS
"""

import os
import shutil
import subprocess
import sys

NETNS_ETC = '/etc/netns'
UFW_ETC = '/etc/ufw'


def config_dir(namespace):
    """The namespace's own /etc/ufw as seen from the root mount namespace."""
    return os.path.join(NETNS_ETC, namespace, 'ufw')


def _require_namespace(namespace):
    # ufw outside a namespace of ours would change the machine's firewall: refuse anything that is not one.
    if not namespace or '/' in namespace or namespace in ('.', '..'):
        raise ValueError('not a namespace name: %r' % (namespace,))
    if not os.path.exists(os.path.join('/run/netns', namespace)):
        raise ValueError('no network namespace %r (create it first: ip netns add %s)' % (namespace, namespace))


def ufw(namespace, *args, check=True):
    """Run `ufw ARGS` in the namespace, with its own /etc/ufw; the CompletedProcess (text)."""
    _require_namespace(namespace)
    if not os.path.isdir(config_dir(namespace)):
        raise ValueError('namespace %r has no ufw configuration of its own (call enable first)' % namespace)
    return subprocess.run(['ip', 'netns', 'exec', namespace, 'ufw'] + list(args), check=check, capture_output=True, text=True)


def enable(namespace, source=UFW_ETC):
    """Give the namespace a copy of SOURCE (the machine's /etc/ufw) as its /etc/ufw and enable ufw there."""
    _require_namespace(namespace)
    target = config_dir(namespace)
    if os.path.exists(target):
        shutil.rmtree(target)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copytree(source, target, symlinks=True)
    ufw(namespace, '--force', 'enable')
    return target


def disable(namespace):
    """Disable ufw in the namespace (if it still exists) and remove its configuration; safe to call twice."""
    target = config_dir(namespace)
    if os.path.isdir(target) and os.path.exists(os.path.join('/run/netns', namespace)):
        ufw(namespace, '--force', 'disable', check=False)
    if os.path.isdir(target):
        shutil.rmtree(target)
    parent = os.path.join(NETNS_ETC, namespace)
    if os.path.isdir(parent) and not os.listdir(parent):
        os.rmdir(parent)
    if os.path.isdir(NETNS_ETC) and not os.listdir(NETNS_ETC):
        os.rmdir(NETNS_ETC)


def main(argv):
    if len(argv) != 3 or argv[1] not in ('enable', 'disable'):
        sys.stderr.write('usage: %s enable|disable NAMESPACE\n' % argv[0])
        return 2
    try:
        if argv[1] == 'enable':
            enable(argv[2])
        else:
            disable(argv[2])
    except (ValueError, subprocess.CalledProcessError) as error:
        sys.stderr.write('%s: %s%s\n' % (argv[1], error, ('\n' + error.stderr) if getattr(error, 'stderr', None) else ''))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
