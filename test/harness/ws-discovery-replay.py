#!/usr/bin/env python3
"""
A camera on a test link as far as WS-Discovery goes: answers each Probe for
NetworkVideoTransmitter with a recorded ProbeMatches (test/fixtures/onvif-mockup/Probe.xml, from the
`onvif` package's tests), its RelatesTo set to the probe's MessageID and its XAddrs to the given
URL, as that package's own test server does. Prints "ready" once it listens.

usage: ws-discovery-replay.py <interface address> <xaddr>
"""
import os
import re
import socket
import struct
import sys

GROUP, PORT = '239.255.255.250', 3702
address, xaddr = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, '..', 'fixtures', 'onvif-mockup', 'Probe.xml'), encoding='utf-8') as f:
    recorded = f.read()

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((GROUP, PORT))
sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                struct.pack('4s4s', socket.inet_aton(GROUP), socket.inet_aton(address)))
reply = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
reply.bind((address, 0))
print('ready', flush=True)

while True:
    data, sender = sock.recvfrom(65535)
    text = data.decode('utf-8', 'replace')
    message_id = re.search(r'<(?:\w+:)?MessageID>([^<]+)<', text)
    if not message_id or 'Probe</' not in text or 'NetworkVideoTransmitter' not in text:
        continue
    answer = recorded.replace('RELATES_TO', message_id.group(1)).replace('SERVICE_URI', xaddr)
    reply.sendto(answer.encode('utf-8'), sender)
    print('answered', message_id.group(1), 'from', sender[0], flush=True)
