#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Write the seed corpus of the fuzz targets (app/fuzz/corpus/<target>/).

The seeds are small well-behaved scenarios in each target's input format
(see the comment at the top of app/fuzz/fuzz_<target>.c): traffic through
every path with a device doing its job, a vhost-user backend answering
properly, typical devargs, every control command. The fuzzer mutates from
there. The files are committed; rerun this after changing an input format.
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tx_burst(n, length=100, opts=0, segs_shape=0):
    """Count, then per packet: shape, length, options and the frame bytes read
    (fz_tx_mbuf: up to 64 per segment)."""
    out = bytes([n])
    nsegs = 1 + segs_shape % 6
    parts = [length // nsegs] * (nsegs - 1) + [length - (length // nsegs) * (nsegs - 1)]
    frame = b"".join(bytes([0x5a]) * min(p, 64) for p in parts)
    for _ in range(n):
        out += bytes([segs_shape]) + u16(length) + bytes([opts]) + frame
    return out


def ring_seeds():
    # split: op codes, see enum split_op
    RX_BURST, RX_USED, RX_PUBLISH, TX_BURST, TX_USED, TX_PUBLISH, RX_MANY, TX_MANY = range(8)
    for kind in range(8):
        for size_idx in (1, 4):
            rx_cfg = kind | (size_idx << 5)
            for tx_kind in range(3):
                body = bytes([RX_MANY, 8] + [8] * 8 + [RX_BURST, 32])
                body += bytes([TX_BURST]) + tx_burst(4, 200, 0, 1)
                body += bytes([TX_MANY, 8, TX_BURST]) + tx_burst(2, 1500, 1, 0)
                # one used element by hand: next buffer, a header with num_buffers 1
                hdr = bytes(10) + u16(1)
                body += bytes([RX_USED, 0]) + u16(100) + bytes([12]) + hdr
                body += bytes([RX_BURST, 4, TX_MANY, 8])
                write("split", "path%d_size%d_tx%d" % (kind, size_idx, tx_kind),
                      bytes([rx_cfg, tx_kind | 4]) + body)
    # packed: see enum packed_op
    RX_BURST, RX_USED, TX_BURST, TX_USED, RX_MANY, TX_MANY, RAW = range(7)
    for kind in range(3):
        for size_idx in (2, 5, 6):
            for in_order in (0, 4):
                rx_cfg = kind | in_order | (size_idx << 5)
                for tx_cfg in (0, 1, 2):
                    body = bytes([RX_MANY, 8] + [8] * 8 + [RX_BURST, 32])
                    body += bytes([TX_BURST]) + tx_burst(3, 300, 0, 2)
                    body += bytes([TX_MANY, 8])
                    hdr = bytes(10) + u16(1)
                    body += bytes([RX_USED, 0]) + u16(64) + bytes([12]) + hdr
                    body += bytes([RX_BURST, 4, TX_USED, 0x40, 3]) + u16(0)
                    write("packed", "path%d_io%d_size%d_tx%d" % (kind, in_order, size_idx,
                                                                  tx_cfg),
                          bytes([rx_cfg, tx_cfg]) + body)


def vhost_user_seeds():
    feats = (1 << 32) | (1 << 15) | (1 << 30) | (1 << 34) | (1 << 35) | (1 << 29) | (1 << 28)
    proto = (1 << 0) | (1 << 3)
    for cfg in (0, 1, 2, 3, 4, 7):
        queues = 1 + (cfg & 1)
        # DRIVER_OK with every feature (0x84: op 0, bit 7), reset, DRIVER_OK, 1 pair, link;
        # the rest of the operations area is link checks (op 5)
        ops = bytes([0x84, 2, 0x84, 3, 1, 5])
        script = bytes([0])  # SET_OWNER
        script += bytes([0]) + u64(feats)  # GET_FEATURES
        script += bytes([0]) + u64(proto)  # GET_PROTOCOL_FEATURES
        script += bytes([0])  # SET_PROTOCOL_FEATURES (no ack yet)
        if queues > 1:
            script += bytes([0]) + u64(4)  # GET_QUEUE_NUM
        script += bytes([0]) + u64(feats)  # GET_FEATURES of the device init
        script += bytes(600)  # every later request acked, GET_VRING_BASE index echoed
        nops = 4
        write("vhost_user", "ok_cfg%d" % cfg, bytes([cfg, nops]) + ops +
              bytes([5] * (9 * nops - len(ops))) + script)
        # without protocol features: no acks
        script = bytes([0]) + bytes([0]) + u64(feats & ~(1 << 30)) + bytes([0]) + \
            u64(feats & ~(1 << 30)) + bytes(300)
        write("vhost_user", "noproto_cfg%d" % cfg, bytes([cfg & ~1, 2, 0x84, 2]) +
              bytes([5] * 16) + script)

    # server mode: the backend hangs up once (script byte 6) and connects again; the
    # driver side notices (op 6) and takes the new connection (op 7)
    handshake = bytes([0]) + bytes([0]) + u64(feats) + bytes([0]) + u64(proto) + bytes([0])
    for cfg in (8, 9, 12, 14):
        ops = bytes([0x84, 5, 6, 7, 5, 2, 0x84])
        nops = 4
        script = handshake + bytes([0]) + u64(feats) + bytes(200) + bytes([6])
        script += handshake + bytes([0]) + u64(feats) + bytes(400)
        write("vhost_user", "server_cfg%d" % cfg, bytes([cfg, nops]) + ops +
              bytes([5] * (9 * nops - len(ops))) + script)


def devargs_seeds():
    user = [
        "path=/tmp/vhost.sock",
        "path=/tmp/vhost.sock,queues=2,queue_size=1024,cq=1",
        "path=/tmp/s,mac=02:00:00:00:00:01,server=1,packed_vq=1,in_order=1",
        "path=/dev/vhost-net,iface=tap0,queues=4",
        "path=/tmp/s,mrg_rxbuf=0,vectorized=1,speed=10000",
        "path=/tmp/s,queue_size=255,packed_vq=1",
        "path=/tmp/s,queues=0",
        "path=/tmp/s,mac=zz",
        "",
    ]
    pci = ["", "vectorized=1", "speed=25000,mrg_rxbuf=0", "vdpa=0", "in_order=1,packed_vq=1"]
    for i, s in enumerate(user):
        write("devargs", "user%d" % i, b"\x00" + s.encode())
    for i, s in enumerate(pci):
        write("devargs", "pci%d" % i, b"\x01" + s.encode())


def cvq_seeds():
    cmds = [
        (0, 0, b"\x01"),  # RX_PROMISC on
        (0, 1, b"\x00"),  # RX_ALLMULTI off
        (1, 1, bytes(6)),  # MAC_ADDR_SET
        (1, 0, u32(1) + bytes(6) + u32(0)),  # MAC_TABLE_SET
        (2, 0, u16(5)),  # VLAN_ADD
        (3, 0, b""),  # ANNOUNCE_ACK
        (4, 0, u16(2)),  # MQ_VQ_PAIRS_SET
    ]
    for cfg in (0, 1, 2, 4, 6, 9):
        body = b""
        for cls, cmd, data in cmds:
            body += bytes([cls, cmd, len(data)]) + data + bytes([0, 0])  # doorbell, ack OK
        write("cvq", "all_cfg%d" % cfg, bytes([cfg]) + body)


def main():
    ring_seeds()
    vhost_user_seeds()
    devargs_seeds()
    cvq_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
