# -*- coding: utf-8 -*-
# Copyright: Contributors to the atea.anywhere collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Atea Anywhere firewall requirements document, as data.

This is the only copy of the document's content in the collection. Every
table row of the document is one ``Requirement`` below, in document order;
``tests/unit/plugins/module_utils/test_requirements_document.py`` parses the
document itself and fails when the two disagree.

Where the document is ambiguous the row says how it is read, in a comment.
"""

from __future__ import annotations

from collections import namedtuple

# The Atea networks by name, as published in the document.
ATEA_NETWORKS = {
    'mpls': ('91.184.140.0/24',),
    'internet': ('88.151.163.0/24',),
}

# RFC 1918: where customer devices live unless the user says otherwise.
DEFAULT_CUSTOMER_NETWORKS = ('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16')

DIRECTIONS = ('outbound', 'inbound', 'internal')
PROTOCOLS = ('tcp', 'udp', 'icmp')

# Sections 3 and 4: "Internet Endpoint (source) >=1024".
UNPRIVILEGED_SOURCE_PORTS = ((1024, 65535),)

CISCO_ENDPOINTS = ('Cisco Jabber', 'IP Phones', 'Telepresence systems')
VMR_ENDPOINTS = ('Virtual Meeting Rooms via web browser',)

Section = namedtuple('Section', 'number name title direction network source_ports endpoints')
Requirement = namedtuple('Requirement', 'id section name purpose protocols application destination_ports')
ChecklistItem = namedtuple('ChecklistItem', 'id section title action')

SECTIONS = (
    Section('2.1', 'mpls_outbound',
            'Outgoing from customer office site to Atea Anywhere over MPLS/WAN',
            'outbound', 'mpls', (), CISCO_ENDPOINTS),
    Section('2.2', 'mpls_inbound',
            'Incoming traffic from Atea Anywhere to customer devices over MPLS/WAN',
            'inbound', 'mpls', (), CISCO_ENDPOINTS),
    Section('2.3', 'internal',
            'Traffic between customer devices (bi-directional)',
            'internal', None, (), CISCO_ENDPOINTS),
    Section('3', 'mra',
            'Outgoing traffic to Atea Anywhere over internet (Mobile and Remote Access)',
            'outbound', 'internet', UNPRIVILEGED_SOURCE_PORTS, CISCO_ENDPOINTS),
    Section('4', 'vmr',
            'Outgoing traffic to Atea Anywhere Virtual Meeting Rooms over internet',
            'outbound', 'internet', UNPRIVILEGED_SOURCE_PORTS, VMR_ENDPOINTS),
)

# ICMP rows carry echo: "This protocol number carries echo-related traffic".
ICMP_ECHO = 'echo-request'

REQUIREMENTS = (
    # 2.1 Outgoing from customer office site to Atea Anywhere (MPLS)
    Requirement('2.1-tftp', '2.1', 'TFTP',
                'Trivial File Transfer Protocol (TFTP) used to download firmware and configuration files',
                ('udp',), 'TFTP', ((69, 69), (6969, 6969))),
    Requirement('2.1-http', '2.1', 'HTTP', 'HTTP Access', ('tcp',), 'HTTP', ((80, 80),)),
    Requirement('2.1-https', '2.1', 'HTTPS', 'HTTPS Access', ('tcp',), 'HTTPS', ((443, 443),)),
    Requirement('2.1-xml-apps', '2.1', 'XML applications',
                'URLs for XML applications, authentication, directories, services, etc.',
                ('tcp',), 'HTTP', ((8080, 8080),)),
    Requirement('2.1-bfcp', '2.1', 'BFCP',
                'Binary Floor Control Protocol (BFCP) for video desktop sharing capabilities',
                ('udp',), 'BFCP', ((5070, 5070),)),
    Requirement('2.1-sccp', '2.1', 'SCCP', 'Skinny Client Control Protocol (SCCP)',
                ('tcp',), 'SCCP', ((2000, 2000),)),
    Requirement('2.1-sccps', '2.1', 'SCCPS', 'Secure Skinny Client Control Protocol (SCCPS)',
                ('tcp',), 'SCCPS', ((2443, 2443),)),
    # The document names no application protocol for this row.
    Requirement('2.1-trust-verification', '2.1', 'Trust verification',
                'Provide trust verification service', ('tcp',), '', ((2445, 2445),)),
    Requirement('2.1-capf', '2.1', 'CAPF',
                'Certificate Authority Proxy Function (CAPF) listening port for issuing '
                'Locally Significant Certificates (LSCs)',
                ('tcp',), 'CAPF', ((3804, 3804),)),
    # 'TCP +UDP': both transports.
    Requirement('2.1-sip', '2.1', 'SIP', 'Session Initiation Protocol (SIP)',
                ('tcp', 'udp'), 'SIP', ((5060, 5060),)),
    Requirement('2.1-sips', '2.1', 'SIPS', 'Secure Session Initiation Protocol (SIPS)',
                ('tcp',), 'SIPS', ((5061, 5061),)),
    Requirement('2.1-firmware-https', '2.1', 'Firmware download',
                'HTTP-based download of firmware and configuration files',
                ('tcp',), 'HTTPS', ((6970, 6970),)),
    Requirement('2.1-rtp', '2.1', 'RTP/SRTP',
                'Real-Time Protocol (RTP), Secure Real-Time Protocol (SRTP)',
                ('udp',), 'RTP/SRTP', ((16384, 32767),)),
    Requirement('2.1-cucm-https', '2.1', 'CUCM HTTPS',
                'Traffic to Cisco Unified Communications Manager and Cisco Unified '
                'Communications Manager IM and Presence Service.',
                ('tcp',), 'HTTPS', ((8443, 8443),)),
    Requirement('2.1-tftp-secure', '2.1', 'Secure TFTP config',
                'Connects to the TFTP server to download client configuration files securely '
                'for Cisco Unified Communications Manager',
                ('tcp',), 'HTTPS', ((6972, 6972),)),
    Requirement('2.1-xmpp', '2.1', 'XMPP',
                'Connects to Cisco Unified Presence or Cisco Unified Communications Manager IM '
                'and Presence Service for instant messaging and presence.',
                ('tcp',), 'XMPP', ((5222, 5222),)),
    Requirement('2.1-ctl', '2.1', 'CTL',
                'Certificate Trust List (CTL) provider listening service in Cisco Unified '
                'Communications Manager',
                ('tcp',), 'CTL-Client', ((2444, 2444),)),
    Requirement('2.1-cti', '2.1', 'CTI', 'Computer Telephony Interface (CTI) used for desk phone control.',
                ('tcp',), 'CTIQBE', ((2748, 2748),)),
    Requirement('2.1-icmp-echo', '2.1', 'ICMP echo',
                'Internet Control Message Protocol (ICMP) This protocol number carries '
                'echo-related traffic. It does not constitute a port as indicated in the column heading.',
                ('icmp',), 'ICMP', ()),

    # 2.2 Incoming traffic from Atea Anywhere (MPLS) to customer devices
    Requirement('2.2-rtp', '2.2', 'RTP/SRTP',
                'Real-Time Protocol (RTP), Secure Real-Time Protocol (SRTP)',
                ('udp',), 'RTP/SRTP', ((16384, 32767),)),
    # 'TCP and UDP': both transports.
    Requirement('2.2-sip', '2.2', 'SIP', 'Session Initiation Protocol (SIP)',
                ('tcp', 'udp'), 'SIP', ((5060, 5060),)),
    Requirement('2.2-sips', '2.2', 'SIPS', 'Secure Session Initiation Protocol (SIPS)',
                ('tcp',), 'SIPS', ((5061, 5061),)),
    # The transport column is empty; HTTP runs over TCP.
    Requirement('2.2-phone-web', '2.2', 'CUCM to phone web',
                'Web Requests From Cisco Unified Communications Manager to Phone',
                ('tcp',), 'HTTP', ((80, 80),)),
    Requirement('2.2-ssh', '2.2', 'SSH', 'Secure FTP service, SSH access', ('tcp',), 'SSH', ((22, 22),)),
    Requirement('2.2-bfcp', '2.2', 'BFCP',
                'Binary Floor Control Protocol (BFCP) for video desktop sharing capabilities',
                ('udp',), 'BFCP', ((5070, 5070),)),
    # The stray '7' in the port column is not a port: ICMP has none (echo is type 8, reply 0).
    Requirement('2.2-icmp-echo', '2.2', 'ICMP echo',
                'Internet Control Message Protocol (ICMP) This protocol number carries '
                'echo-related traffic. It does not constitute a port as indicated in the column heading.',
                ('icmp',), 'ICMP', ()),

    # 2.3 Traffic between customer devices (bi-directional)
    Requirement('2.3-rtp', '2.3', 'RTP/SRTP',
                'Real-Time Protocol (RTP), Secure Real-Time Protocol (SRTP)',
                ('udp',), 'RTP/SRTP', ((16384, 32767),)),
    Requirement('2.3-screen-share', '2.3', 'IM-only screen share', 'IM-Only Screen Share',
                ('tcp',), '', ((49152, 65535),)),
    # 'TCP / UDP': both transports.
    Requirement('2.3-file-transfer', '2.3', 'P2P file transfer',
                'Peer to peer file transfers. The client also uses this port to send screen captures.',
                ('tcp', 'udp'), 'SOCKS5 Bytestreams', ((37200, 37200),)),

    # 3 Outgoing traffic to Atea Anywhere over internet (MRA). These tables have
    # no application column: their 'Protocol' column is the transport.
    Requirement('3-xmpp', '3', 'XMPP', 'XMPP (IM and Presence)', ('tcp',), 'XMPP', ((5222, 5222),)),
    Requirement('3-uds-proxy', '3', 'UDS proxy', 'HTTP proxy (UDS)', ('tcp',), 'HTTPS', ((8443, 8443),)),
    Requirement('3-media', '3', 'Media', 'Media', ('udp',), '', ((36002, 59999),)),
    # 'TLS' is the application; it runs over TCP.
    Requirement('3-sip-tls', '3', 'SIP signaling', 'SIP signaling', ('tcp',), 'TLS', ((5061, 5061),)),

    # 4 Outgoing traffic to Atea Anywhere VMR over internet
    Requirement('4-https', '4', 'HTTPS', 'HTTPS', ('tcp',), 'HTTPS', ((443, 443),)),
    # 'TCP + UDP': both transports.
    Requirement('4-media', '4', 'Media', 'Media', ('tcp', 'udp'), '', ((40000, 49999),)),
)

# Section 1: not port rules; each platform acts on them or leaves them to a person.
CHECKLIST = (
    ChecklistItem('1.1-sip-h323-inspection', '1.1', 'Firewall SIP inspection rules',
                  'Disable SIP and H.323 inspection (ALG) on every firewall in the path; '
                  'it causes misbehaviour of voice and video calls.'),
    ChecklistItem('1.2-symantec-hids', '1.2', 'Jabber to Jabber calls and Symantec Host IDS',
                  'Add Cisco Jabber to the Symantec HIDS exception list; otherwise three '
                  'Jabber to Jabber calls within 200 seconds block calls for 600 seconds.'),
)

PROFILES = {
    'smb': ('3', '4'),
    'enterprise': ('2.1', '2.2', '2.3', '3', '4'),
}
