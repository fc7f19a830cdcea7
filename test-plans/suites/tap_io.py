#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Send and capture test frames on a host tap (run inside its namespace).

    ip netns exec NS tap_io.py --iface vpt0 --send A.pcap --out got.pcap

Opens a raw packet socket on the interface, prints READY, then obeys lines on
stdin: "send" transmits every frame of the --send pcap, "dump" writes the
frames received so far that carry the suites' test tag (pcaps.MAGIC), or
whose Ethernet type is one of --ethertype, to --out and exits. Frames we sent
ourselves and other kernel chatter are not captured.
"""

import argparse
import os
import select
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pcaps import MAGIC, read_pcap, write_pcap  # noqa: E402

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--send", help="pcap whose frames 'send' transmits")
    ap.add_argument("--out", required=True, help="pcap 'dump' writes")
    ap.add_argument("--ethertype", action="append", default=[],
                    help="also capture frames of this Ethernet type (e.g. 0x8035, RARP)")
    args = ap.parse_args()
    types = {int(t, 0).to_bytes(2, "big") for t in args.ethertype}

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((args.iface, 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    got = []
    print("READY", flush=True)
    while True:
        ready, _, _ = select.select([sock, sys.stdin], [], [])
        if sock in ready:
            frame, addr = sock.recvfrom(65536)
            if addr[2] != PACKET_OUTGOING and (MAGIC in frame or frame[12:14] in types):
                got.append(frame)
        if sys.stdin in ready:
            cmd = sys.stdin.readline().strip()
            if cmd == "send":
                for frame in read_pcap(args.send):
                    sock.send(frame)
                print(f"SENT {len(read_pcap(args.send))}", flush=True)
            elif cmd in ("dump", ""):
                write_pcap(args.out, got)
                print(f"DUMPED {len(got)}", flush=True)
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
