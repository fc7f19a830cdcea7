# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Offloads of our virtio-user port against the stock net_vhost (test plan:
test-plans/virtio_offload_test_plan.rst).

Topology as in the other suites: pcap <-> net_vhost ==socket== virtio <-> pcap,
port 0 the pcap port and port 1 the vhost or virtio port on each side.

- Tx: testpmd's csum engine on the virtio side reads frames with wrong
  checksums from a pcap, asks for IP/TCP/UDP checksum offload and TSO, and
  sends them through our port. The vhost library (net_vhost, compliant
  offload flags, the default of its legacy-ol-flags devarg) turns the net
  header into mbuf flags; net_vhost completes the checksum of a NEEDS_CSUM
  packet in software when its application did not ask for Rx checksum
  offload. So the capture on the vhost side holds checksums that scapy
  verifies, and TSO frames arrive whole with the TCP checksum the header
  promised. The vhost side runs rxonly with verbose on to also see the
  flags the vhost library derived (RX_L4_CKSUM / RX_LRO).
- Rx: the vhost side's csum engine sends with Tx checksum offload, so the
  vhost library writes NEEDS_CSUM headers; our port must report
  RTE_MBUF_F_RX_L4_CKSUM_NONE (seen through testpmd's verbose output).
- VLAN insert and strip in software, byte for byte.
- Capabilities and features: 'show port N rx_offload capabilities' and
  'tx_offload capabilities' of our port list what the device offers; a port
  that asks for no offload keeps the vectorized path.
"""

import os
import re
import socket
import struct

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether
from scapy.utils import checksum

from conftest import STOCK, VIRTIO_MAC
from pcaps import read_pcap, write_pcap

PCAP_PORT = 0
PORT = 1   # net_vhost on one side, our virtio-user on the other

pytestmark = pytest.mark.skipif(STOCK, reason="offload suite checks our driver's own "
                                "messages and burst modes")

MSS = 1000


def cmd_ok(tp, command):
    out = tp.cmd(command)
    assert not re.search(r"Fail|Invalid|[Ee]rror|Bad arguments|not supported", out), \
        f"'{command}' failed:\n{out}"
    return out


def virtio_vdev(sock, **devargs):
    args = {"path": sock, "mac": VIRTIO_MAC}
    args.update(devargs)
    return "virtio_user0," + ",".join(f"{k}={v}" for k, v in args.items())


def l2(vlan=None):
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    return eth / Dot1Q(vlan=vlan) if vlan is not None else eth


def payload(n, seed):
    return bytes(((seed * 13 + i) & 0xFF) for i in range(n))


def tx_frames():
    """Frames with wrong checksums on purpose: only offload can make them right."""
    return [
        bytes(l2() / IP(src="10.0.0.1", dst="10.0.0.2", chksum=0x1111)
              / TCP(sport=1000, dport=80, flags="A", chksum=0x2222) / payload(300, 1)),
        bytes(l2() / IP(src="10.0.0.1", dst="10.0.0.2", chksum=0x1111)
              / UDP(sport=1001, dport=4789, chksum=0x3333) / payload(200, 2)),
        bytes(l2() / IPv6(src="2001:db8::1", dst="2001:db8::2")
              / TCP(sport=1002, dport=80, flags="A", chksum=0x4444) / payload(500, 3)),
        bytes(l2() / IPv6(src="2001:db8::1", dst="2001:db8::2")
              / UDP(sport=1003, dport=53, chksum=0x5555) / payload(64, 4)),
        # Larger than the MSS: TSO.
        bytes(l2() / IP(src="10.0.0.1", dst="10.0.0.3", chksum=0x1111)
              / TCP(sport=1004, dport=80, flags="A", chksum=0x6666) / payload(3 * MSS + 77, 5)),
        bytes(l2() / IPv6(src="2001:db8::1", dst="2001:db8::3")
              / TCP(sport=1005, dport=80, flags="A", chksum=0x7777) / payload(2 * MSS + 9, 6)),
    ]


def l4_ok(raw):
    """(IP checksum ok or None for IPv6, L4 checksum ok): recomputed by scapy."""
    pkt = Ether(raw)
    ip = pkt[IP] if IP in pkt else pkt[IPv6]
    l4 = pkt[TCP] if TCP in pkt else pkt[UDP]
    ip_ok = None
    if IP in pkt:
        ip_ok = checksum(bytes(ip)[:ip.ihl * 4]) == 0
    fixed = pkt.copy()
    del (fixed[TCP] if TCP in fixed else fixed[UDP]).chksum
    want = (fixed[TCP] if TCP in fixed else fixed[UDP])
    want = Ether(bytes(fixed))[want.__class__].chksum
    return ip_ok, l4.chksum == want


class Pair:
    """Both testpmds; the vhost one with net_vhost as port 1, ours with virtio-user."""

    def __init__(self, lab, frames_b, devargs=None, vhost_devargs="", virtio_app=(),
                 vhost_app=(), frames_a=()):
        self.lab = lab
        self.a, self.b = lab.path("A.pcap"), lab.path("B.pcap")
        self.out_a, self.out_b = lab.path("outA.pcap"), lab.path("outB.pcap")
        write_pcap(self.a, list(frames_a))
        write_pcap(self.b, list(frames_b))
        sock = lab.path("vhost.sock")
        self.vh = lab.vhost([f"net_pcap0,rx_pcap={self.a},tx_pcap={self.out_a}",
                             f"net_vhost0,iface={sock}{vhost_devargs}"],
                            app=["--no-flush-rx", *vhost_app])
        self.vu = lab.virtio([f"net_pcap0,rx_pcap={self.b},tx_pcap={self.out_b}",
                              virtio_vdev(sock, **(devargs or {}))],
                             app=["--no-flush-rx", *virtio_app])
        self.vu.wait_link_up(PORT)
        self.vh.wait_link_up(PORT)

    def finish(self):
        for tp in (self.vu, self.vh):
            code = tp.quit()
            assert not tp.crashed(), f"{tp.name} crashed:\n{tp.tail()}"
            assert code == 0, f"{tp.name} exited with {code}:\n{tp.tail()}"
        # A pcap port that never sent may leave no file behind.
        return tuple(read_pcap(p) if os.path.exists(p) else [] for p in (self.out_a, self.out_b))


def csum_engine(tp, port, tso=True, vlan=None, protos=("ip", "tcp", "udp")):
    """csum forwarding with checksum (and TSO) offload asked of `port`."""
    cmd_ok(tp, "set fwd csum")
    cmd_ok(tp, "port stop all")
    for proto in protos:
        cmd_ok(tp, f"csum set {proto} hw {port}")
    if tso:
        cmd_ok(tp, f"tso set {MSS} {port}")
    if vlan is not None:
        cmd_ok(tp, f"tx_vlan set {port} {vlan}")
    cmd_ok(tp, "port start all")


def burst_mode(tp, kind, port):
    out = tp.cmd(f"show {kind} info {port} 0")
    m = re.search(r"Burst mode:\s*(.*)", out)
    assert m, out
    return m.group(1)


PATHS = [pytest.param({}, id="split"), pytest.param({"packed_vq": 1}, id="packed")]


@pytest.mark.parametrize("devargs", PATHS)
def test_tx_checksum_and_tso(lab, devargs):
    """IP/TCP/UDP checksum offload and TSO: the vhost side captures valid checksums."""
    frames = tx_frames()
    pr = Pair(lab, frames, devargs, vhost_devargs=",tso=1")
    csum_engine(pr.vu, PORT)
    assert "virtio_xmit_pkts" in burst_mode(pr.vu, "txq", PORT)
    cmd_ok(pr.vh, "set fwd io")
    cmd_ok(pr.vh, "set verbose 1")
    cmd_ok(pr.vh, "start")
    cmd_ok(pr.vu, "start")
    st = pr.vh.wait_stats(lambda s: s[PCAP_PORT]["TX-packets"] >= len(frames))
    cmd_ok(pr.vu, "stop")
    cmd_ok(pr.vh, "stop")
    vu = pr.vu.stats(PORT)
    got, _ = pr.finish()
    # What the vhost library made of our net headers, per packet in order: the
    # two TSO frames carried GSO fields (RX_LRO), every L4 checksum was left
    # to the device (NEEDS_CSUM: net_vhost completed it and says GOOD).
    flags = re.findall(r"ol_flags: ([^\n]*)", pr.vh.output)
    assert len(flags) == len(frames), pr.vh.output[-3000:]
    for i, f in enumerate(flags):
        assert "RTE_MBUF_F_RX_L4_CKSUM_GOOD" in f, f"frame {i}: {f}"
        assert ("RTE_MBUF_F_RX_LRO" in f) == (i >= 4), f"frame {i}: {f}"
    assert vu["TX-packets"] == len(frames) and vu["TX-errors"] == 0, vu
    assert st[PCAP_PORT]["TX-packets"] == len(frames), st
    assert len(got) == len(frames), f"captured {len(got)} of {len(frames)} frames"
    for i, (sent, cap) in enumerate(zip(frames, got)):
        assert len(cap) == len(sent), f"frame {i}: {len(cap)} bytes captured, {len(sent)} sent"
        ip_ok, l4_valid = l4_ok(cap)
        assert ip_ok in (None, True), f"frame {i}: IPv4 header checksum wrong"
        assert l4_valid, f"frame {i}: L4 checksum wrong:\n{Ether(cap).show(dump=True)}"
        # Apart from the checksums, the bytes are the frame we sent.
        assert bytes(Ether(cap)[2].payload) == bytes(Ether(sent)[2].payload), \
            f"frame {i}: payload differs"


def checksum_field(raw):
    """(L4 checksum field, pseudo-header sum including the L4 length) of a frame."""
    pkt = Ether(raw)
    ip = pkt[IP] if IP in pkt else pkt[IPv6]
    l4 = pkt[TCP] if TCP in pkt else pkt[UDP]
    l4_len = len(bytes(l4))
    if IP in pkt:
        ph = struct.pack("!4s4sBBH", socket.inet_aton(ip.src), socket.inet_aton(ip.dst), 0,
                         ip.proto, l4_len)
    else:
        ph = (socket.inet_pton(socket.AF_INET6, ip.src) + socket.inet_pton(socket.AF_INET6, ip.dst)
              + struct.pack("!I3xB", l4_len, ip.nh))
    return l4.chksum, (~checksum(ph)) & 0xFFFF


@pytest.mark.parametrize("rx_cksum", [True, False], ids=["rx_cksum_on", "rx_cksum_off"])
def test_rx_checksum(lab, rx_cksum):
    """The vhost side asks for Tx checksum offload, so the vhost library writes
    NEEDS_CSUM headers if we negotiated GUEST_CSUM: our port says
    RX_L4_CKSUM_NONE and the data holds the pseudo-header sum. Without Rx
    checksum offload nothing is negotiated and net_vhost checksums in software.
    """
    frames = tx_frames()[:4]
    pr = Pair(lab, [], frames_a=frames, vhost_devargs=",tso=1")
    if rx_cksum:
        cmd_ok(pr.vu, "port stop all")
        cmd_ok(pr.vu, f"port config {PORT} rx_offload tcp_cksum on")
        cmd_ok(pr.vu, f"port config {PORT} rx_offload udp_cksum on")
        cmd_ok(pr.vu, "port start all")
        pr.vu.wait_link_up(PORT)
    # net_vhost has no IPv4 header checksum offload: testpmd computes that one.
    csum_engine(pr.vh, PORT, tso=False, protos=("tcp", "udp"))
    cmd_ok(pr.vu, "set fwd io")
    cmd_ok(pr.vu, "set verbose 1")
    cmd_ok(pr.vu, "start")
    cmd_ok(pr.vh, "start")
    pr.vu.wait_stats(lambda s: s[PCAP_PORT]["TX-packets"] >= len(frames))
    cmd_ok(pr.vh, "stop")
    cmd_ok(pr.vu, "stop")
    _, got = pr.finish()
    flags = re.findall(r"ol_flags: ([^\n]*)", pr.vu.output)
    assert len(flags) == len(frames) == len(got), (flags, len(got))
    for i, (f, raw) in enumerate(zip(flags, got)):
        field, pseudo = checksum_field(raw)
        ip_ok, l4_valid = l4_ok(raw)
        assert ip_ok in (None, True), f"frame {i}: IPv4 header checksum wrong"
        if rx_cksum:
            assert "RTE_MBUF_F_RX_L4_CKSUM_NONE" in f, f"frame {i}: {f}"
            assert field == pseudo, f"frame {i}: field {field:#x}, pseudo-header sum {pseudo:#x}"
        else:
            assert "RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN" in f, f"frame {i}: {f}"
            assert l4_valid, f"frame {i}: L4 checksum wrong"


def test_vlan_insert_and_strip(lab):
    """Software VLAN insert on Tx and strip on Rx, byte for byte both ways."""
    out_frames = tx_frames()[:2]
    in_frames = [bytes(l2(vlan=200) / IP(src="10.1.0.1", dst="10.1.0.2")
                       / UDP(sport=7, dport=9) / payload(100 + i, i)) for i in range(3)]
    pr = Pair(lab, out_frames, frames_a=in_frames)
    cmd_ok(pr.vu, "port stop all")
    cmd_ok(pr.vu, f"tx_vlan set {PORT} 100")
    cmd_ok(pr.vu, f"vlan set strip on {PORT}")
    cmd_ok(pr.vu, "port start all")
    cmd_ok(pr.vu, "set fwd mac")
    cmd_ok(pr.vh, "set fwd io")
    # The pcap port's frames go out at once: verbose output printed while
    # testpmd writes its prompt would garble the prompt, so verbose goes on
    # only once they are through; the stripped frames come from vhost later.
    cmd_ok(pr.vu, "start")
    pr.vu.wait_stats(lambda s: s[PCAP_PORT]["RX-packets"] >= len(out_frames))
    cmd_ok(pr.vu, "set verbose 1")
    cmd_ok(pr.vh, "start")
    pr.vu.wait_stats(lambda s: s[PCAP_PORT]["TX-packets"] >= len(in_frames))
    pr.vh.wait_stats(lambda s: s[PCAP_PORT]["TX-packets"] >= len(out_frames))
    cmd_ok(pr.vh, "stop")
    cmd_ok(pr.vu, "stop")
    got_a, got_b = pr.finish()
    # Tx: the tag right after the MAC addresses, the rest as sent (MACs rewritten by mac fwd).
    assert len(got_a) == len(out_frames)
    for i, (sent, cap) in enumerate(zip(out_frames, got_a)):
        assert len(cap) == len(sent) + 4, f"frame {i}: {len(cap)} bytes, sent {len(sent)}"
        assert cap[12:16] == bytes.fromhex("81000064"), f"frame {i}: tag {cap[12:16].hex()}"
        assert cap[16:] == sent[12:], f"frame {i}: bytes after the tag differ"
    # Rx: the tag is gone from the data and reported in the mbuf.
    assert len(got_b) == len(in_frames)
    for i, (sent, cap) in enumerate(zip(in_frames, got_b)):
        assert cap[12:] == sent[16:], f"frame {i}: not stripped: {cap[12:20].hex()}"
    flags = re.findall(r"ol_flags: ([^\n]*)", pr.vu.output)
    stripped = [f for f in flags if "RTE_MBUF_F_RX_VLAN_STRIPPED" in f]
    assert len(stripped) == len(in_frames), flags
    assert len(re.findall(r"VLAN tci=0xc8\b", pr.vu.output)) == len(in_frames), \
        pr.vu.output[-2000:]


def capabilities(tp, side):
    out = tp.cmd(f"show port {PORT} {side}_offload capabilities")
    m = re.search(r"Per Port\s*:\s*([^\n]*)", out)
    assert m, out
    return set(m.group(1).split())


@pytest.mark.parametrize("tso", [1, 0], ids=["vhost_tso1", "vhost_tso0"])
def test_capabilities_and_fast_path(lab, tso):
    """Capabilities follow what net_vhost offers; a port asking for no offload
    negotiates none of their features and keeps its vectorized paths; asking
    for one elects the scalar path and says why."""
    pr = Pair(lab, [], {"vectorized": 1, "in_order": 0, "mrg_rxbuf": 0},
              vhost_devargs=f",tso={tso}")
    pr.vu.kill()
    pr.vu = lab.virtio([f"net_pcap0,rx_pcap={pr.b},tx_pcap={pr.out_b}",
                        virtio_vdev(lab.path("vhost.sock"), vectorized=1, in_order=0,
                                    mrg_rxbuf=0)],
                       app=["--no-flush-rx"], extra_eal=["--log-level=pmd.net.virtio.*:debug"])
    rx, tx = capabilities(pr.vu, "rx"), capabilities(pr.vu, "tx")
    assert {"VLAN_STRIP", "TCP_CKSUM", "UDP_CKSUM"} <= rx, rx
    assert "TCP_LRO" not in rx, f"LRO needs mergeable buffers (mrg_rxbuf=0 here): {rx}"
    want_tx = {"MULTI_SEGS", "IPV4_CKSUM", "TCP_CKSUM", "UDP_CKSUM", "VLAN_INSERT"}
    assert want_tx <= tx, tx
    assert ("TCP_TSO" in tx) == bool(tso), f"net_vhost tso={tso}: {tx}"
    negotiated = re.findall(r"negotiated 0x[0-9a-f]+ \(([^)]*)\)", pr.vu.output)
    assert negotiated, pr.vu.output[-2000:]
    for name in ("CSUM", "GUEST_CSUM", "HOST_TSO4", "GUEST_TSO4"):
        assert name not in negotiated[-1].split(), f"{name} negotiated without offloads: " \
            f"{negotiated[-1]}"
    assert "_vec" in burst_mode(pr.vu, "rxq", PORT) and "_vec" in burst_mode(pr.vu, "txq", PORT)
    # One offload each way: scalar paths, the note says why, the features are negotiated.
    cmd_ok(pr.vu, "port stop all")
    cmd_ok(pr.vu, f"port config {PORT} rx_offload udp_cksum on")
    cmd_ok(pr.vu, f"port config {PORT} tx_offload tcp_cksum on")
    cmd_ok(pr.vu, "port start all")
    assert burst_mode(pr.vu, "rxq", PORT).startswith("virtio_recv_pkts ")
    assert burst_mode(pr.vu, "txq", PORT).startswith("virtio_xmit_pkts ")
    assert "split vectorized Rx: not with LRO, checksum or VLAN strip Rx offloads" in pr.vu.output
    assert "split vectorized Tx: not with checksum, TSO or VLAN insert Tx offloads" in pr.vu.output
    negotiated = re.findall(r"negotiated 0x[0-9a-f]+ \(([^)]*)\)", pr.vu.output)
    assert {"CSUM", "GUEST_CSUM"} <= set(negotiated[-1].split()), negotiated[-1]
    if not tso:
        # Not offered: ethdev refuses it before the driver is asked.
        cmd_ok(pr.vu, "port stop all")
        out = pr.vu.cmd(f"port config {PORT} tx_offload tcp_tso on")
        out += pr.vu.cmd("port start all")
        assert "doesn't match Tx offloads capabilities" in out + pr.vu.output[-3000:], out
    pr.finish()
