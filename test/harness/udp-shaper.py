#!/usr/bin/env python3
"""Delays and reorders the UDP datagrams a namespace sends, for the lossy-link tests (lossy-link.ts).

Runs inside the server namespace. It opens a TUN device; lossy-link.ts routes the namespace's UDP
towards the clients into it (policy routing), and this process sends each datagram on after the delay
chosen for it, through a raw socket whose mark (SO_MARK 1) routes it out the normal way. Where the
kernel has sch_netem, `tc qdisc ... netem delay/reorder` does the same; this is for kernels without it.

usage: udp-shaper.py TUN_NAME --rtp-port N [--seed S] [--jitter-ms J] [--reverse-first K]
                     [--delay-idr-ms D]
  --jitter-ms J      every datagram waits a random 0..J ms (seeded): neighbours swap places
  --reverse-first K  the first K RTP datagrams (from --rtp-port) are sent in reverse order
  --delay-idr-ms D   the second RTP packet of every H.264 IDR picture (FU-A) waits D ms: the rest of
                     the keyframe's burst overtakes it
Prints 'ready' once the TUN device exists, and a JSON line of counts on SIGTERM.
"""
import argparse
import fcntl
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
SO_MARK = 36

p = argparse.ArgumentParser()
p.add_argument('tun')
p.add_argument('--rtp-port', type=int, required=True)
p.add_argument('--seed', type=int, default=1)
p.add_argument('--jitter-ms', type=float, default=0)
p.add_argument('--reverse-first', type=int, default=0)
p.add_argument('--delay-idr-ms', type=float, default=0)
a = p.parse_args()

rng = random.Random(a.seed)
tun = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack('16sH', a.tun.encode(), IFF_TUN | IFF_NO_PI))
out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
out.setsockopt(socket.SOL_SOCKET, SO_MARK, 1)
print('ready', flush=True)

queue = []  # (release time, order, datagram)
order = 0
first = []
counts = {'datagrams': 0, 'reversed': 0, 'idrDelayed': 0}
idr_packet = 0


def stop(*_):
    print(json.dumps(counts), flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)


def rtp_payload(pkt):
    """The RTP payload of a datagram from the RTP port, or None."""
    if len(pkt) < 20 or pkt[9] != 17:
        return None
    ihl = (pkt[0] & 0x0F) * 4
    sport = struct.unpack('!H', pkt[ihl:ihl + 2])[0]
    if sport != a.rtp_port:
        return None
    rtp = pkt[ihl + 8:]
    if len(rtp) < 12:
        return None
    at = 12 + 4 * (rtp[0] & 0x0F)
    if rtp[0] & 0x10 and len(rtp) >= at + 4:
        at += 4 + 4 * struct.unpack('!H', rtp[at + 2:at + 4])[0]
    return rtp[at:]


def send(pkt):
    dst = socket.inet_ntoa(pkt[16:20])
    out.sendto(pkt, (dst, 0))


def schedule(pkt, delay_ms):
    global order
    order += 1
    heapq.heappush(queue, (time.monotonic() + delay_ms / 1000, order, pkt))


while True:
    timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 1.0
    ready, _, _ = select.select([tun], [], [], timeout)
    if ready:
        pkt = os.read(tun, 65535)
        if len(pkt) >= 20 and pkt[0] >> 4 == 4:
            counts['datagrams'] += 1
            payload = rtp_payload(pkt)
            if payload is not None and len(first) < a.reverse_first:
                first.append(pkt)
                if len(first) == a.reverse_first:
                    for held in reversed(first):
                        schedule(held, 0)
                    counts['reversed'] = len(first)
                continue
            delay = rng.uniform(0, a.jitter_ms) if a.jitter_ms else 0
            if payload is not None and a.delay_idr_ms and len(payload) >= 2 and payload[0] & 0x1F == 28:
                if payload[1] & 0x1F == 5 and payload[1] & 0x80:
                    idr_packet = 1
                elif idr_packet == 1 and payload[1] & 0x1F == 5:
                    idr_packet = 0
                    delay = a.delay_idr_ms
                    counts['idrDelayed'] += 1
                else:
                    idr_packet = 0
            schedule(pkt, delay)
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        send(heapq.heappop(queue)[2])
