# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""virtio-user <-> vhost-user basic functional tests.

Executes test-plans/virtio_user_vhost_user_basic_test_plan.rst. Two testpmd
processes: the stock net_vhost in one, the virtio driver under test in the
other (see conftest.py). Content checks put a net_pcap port next to each
end, both testpmds in io forwarding:

    A.pcap -> [pcap0 -> vhost port] -> socket -> [virtio port -> pcap0] -> outB.pcap
    outA.pcap <- [pcap0 <- vhost port] <- socket <- [virtio port <- pcap0] <- B.pcap

Every frame is numbered; the captures must equal what was sent, in order.

Most cases run once per Rx/Tx path: PATHS holds the eight non-vectorized
rows of DTS loopback_multi_paths_port_restart_test_plan.rst (split and packed
ring, mergeable or not, in order or not), and each such case first checks
that the port really runs the row's burst functions.
"""

import re
import time
from typing import NamedTuple

import pytest

from conftest import STOCK, VIRTIO_MAC
from pcaps import diff_frames, make_frames, read_pcap, write_pcap

# Port ids in the content-check layout (the vdevs are probed in this order).
PCAP_PORT = 0
VHOST_PORT = 1
VIRTIO_PORT = 1
# virtio-user's default queue_size: how many descriptors one ring holds.
QUEUE_SIZE = 256

FRAMES = 102                       # per direction, all sizes: below QUEUE_SIZE
SIZES = [64, 128, 256, 512, 1024, 1518]
JUMBO_SIZES = [2049, 4096, 9000, 9728]
JUMBO_FRAMES = 8 * len(JUMBO_SIZES)    # chained buffers: keep well below a ring
TXONLY_SIZE = 64                   # testpmd's default txonly frame length

ERROR_COUNTERS = ("RX-errors", "RX-missed", "RX-nombuf", "TX-errors")


def xfail_stock(reason):
    """Expected failure with the stock driver only (strict: a pass is news)."""
    return pytest.mark.xfail(STOCK, reason=f"stock driver: {reason}", strict=True,
                             raises=AssertionError)


# --------------------------------------------------------------------------
# The Rx/Tx paths (the non-vectorized rows of
# loopback_multi_paths_port_restart_test_plan.rst)
# --------------------------------------------------------------------------

class Path(NamedTuple):
    """One Rx/Tx path: the devargs (and EAL options) that elect it and its burst functions.

    `stock_rx`/`stock_tx` name the stock driver's functions where they differ
    from ours (it has no vectorized split Tx and no AVX2 Rx).
    """
    id: str
    devargs: dict
    rx: str
    tx: str
    eal: tuple = ()
    stock_rx: str = None
    stock_tx: str = None

    @property
    def expected_rx(self):
        return self.stock_rx if STOCK and self.stock_rx else self.rx

    @property
    def expected_tx(self):
        return self.stock_tx if STOCK and self.stock_tx else self.tx

    @property
    def mergeable(self):
        return self.devargs.get("mrg_rxbuf", 1) == 1

    @property
    def packed(self):
        return self.devargs.get("packed_vq", 0) == 1


def cpu_flags():
    """The CPU's feature flags, as /proc/cpuinfo lists them."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


CPU = cpu_flags()
HAS_AVX512 = {"avx512f", "avx512bw", "avx512vl"} <= CPU
# Split vectorized Rx: AVX2 where the CPU has it and 256-bit SIMD is allowed
# (DPDK's default), SSE otherwise.
SPLIT_VEC_RX = "virtio_recv_pkts_vec_avx2" if "avx2" in CPU else "virtio_recv_pkts_vec"
SPLIT_VEC = {"in_order": 0, "mrg_rxbuf": 0, "vectorized": 1}
PACKED_VEC = {"packed_vq": 1, "in_order": 1, "mrg_rxbuf": 0, "vectorized": 1}
SIMD512 = ("--force-max-simd-bitwidth=512",)

PATHS = [
    Path("split-mrg", {"in_order": 0, "mrg_rxbuf": 1},
         "virtio_recv_mergeable_pkts", "virtio_xmit_pkts"),
    Path("split-nonmrg", {"in_order": 0, "mrg_rxbuf": 0},
         "virtio_recv_pkts", "virtio_xmit_pkts"),
    Path("split-inorder-mrg", {"in_order": 1, "mrg_rxbuf": 1},
         "virtio_recv_pkts_inorder", "virtio_xmit_pkts_inorder"),
    Path("split-inorder-nonmrg", {"in_order": 1, "mrg_rxbuf": 0},
         "virtio_recv_pkts_inorder", "virtio_xmit_pkts_inorder"),
    Path("packed-mrg", {"packed_vq": 1, "in_order": 0, "mrg_rxbuf": 1},
         "virtio_recv_mergeable_pkts_packed", "virtio_xmit_pkts_packed"),
    Path("packed-nonmrg", {"packed_vq": 1, "in_order": 0, "mrg_rxbuf": 0},
         "virtio_recv_pkts_packed", "virtio_xmit_pkts_packed"),
    Path("packed-inorder-mrg", {"packed_vq": 1, "in_order": 1, "mrg_rxbuf": 1},
         "virtio_recv_mergeable_pkts_packed", "virtio_xmit_pkts_packed"),
    Path("packed-inorder-nonmrg", {"packed_vq": 1, "in_order": 1, "mrg_rxbuf": 0},
         "virtio_recv_pkts_packed", "virtio_xmit_pkts_packed"),
    # The vectorized rows of the DTS plan, plus our SSE Rx under a 128-bit cap.
    Path("split-vec", SPLIT_VEC, SPLIT_VEC_RX, "virtio_xmit_pkts_vec",
         stock_rx="virtio_recv_pkts_vec", stock_tx="virtio_xmit_pkts"),
    Path("split-vec-sse", SPLIT_VEC, "virtio_recv_pkts_vec", "virtio_xmit_pkts_vec",
         eal=("--force-max-simd-bitwidth=128",), stock_tx="virtio_xmit_pkts"),
    # Needs AVX512F/BW/VL: on a CPU without them both drivers fall back to the
    # packed in-order path (test_vectorized_fallback_logged checks the reason).
    Path("packed-vec", PACKED_VEC,
         "virtio_recv_pkts_packed_vec" if HAS_AVX512 else "virtio_recv_pkts_packed",
         "virtio_xmit_pkts_packed_vec" if HAS_AVX512 else "virtio_xmit_pkts_packed",
         eal=SIMD512),
]

# What the stock driver's init log says for each burst function
# ("virtio: using <words> Rx|Tx path on port N").
STOCK_PATH_LOG = {
    "virtio_recv_mergeable_pkts": "mergeable buffer",
    "virtio_recv_pkts": "standard",
    "virtio_recv_pkts_inorder": "inorder",
    "virtio_recv_mergeable_pkts_packed": "packed ring mergeable buffer",
    "virtio_recv_pkts_packed": "packed ring standard",
    "virtio_xmit_pkts": "standard",
    "virtio_xmit_pkts_inorder": "inorder",
    "virtio_xmit_pkts_packed": "packed ring standard",
    "virtio_recv_pkts_vec": "vectorized",
    "virtio_recv_pkts_packed_vec": "packed ring vectorized",
    "virtio_xmit_pkts_packed_vec": "packed ring vectorized",
}


def path_params(select=lambda p: True):
    """The PATHS rows that `select` keeps, as pytest parameters named by their id."""
    return [pytest.param(p, id=p.id) for p in PATHS if select(p)]


def burst_mode(tp, kind, port):
    """The 'Burst mode:' text of 'show rxq|txq info <port> 0'."""
    out = tp.cmd(f"show {kind} info {port} 0")
    m = re.search(r"Burst mode:\s*(.*)", out)
    assert m, f"'show {kind} info {port} 0' printed no Burst mode line:\n{out}"
    return m.group(1).strip()


def assert_burst_modes(tp, port, path):
    """The port reports the row's burst functions and ring layout."""
    ring = "packed" if path.packed else "split"
    for kind, fn in (("rxq", path.expected_rx), ("txq", path.expected_tx)):
        mode = burst_mode(tp, kind, port)
        assert re.search(r"(?<![\w])%s(?![\w])" % re.escape(fn), mode), \
            f"{kind} burst mode should name {fn}: '{mode}'"
        assert re.search(r"\b%s ring\b" % ring, mode), \
            f"{kind} burst mode should say '{ring} ring': '{mode}'"


def assert_path(tp, port, path):
    """The started port runs the row's Rx and Tx burst functions.

    Our driver reports them as burst modes. The stock driver has no burst
    mode callbacks; its init log (conftest.STOCK_EAL) names the path each
    time the port starts, in words that map one to one to its functions.
    """
    if not STOCK:
        assert_burst_modes(tp, port, path)
        return
    for kind, fn in (("Rx", path.expected_rx), ("Tx", path.expected_tx)):
        said = set(re.findall(r"virtio: using (.+?) %s path on port %d\b" % (kind, port),
                              tp.output))
        assert said == {STOCK_PATH_LOG[fn]}, \
            f"stock {kind} path log on port {port}: {said}, expected {fn}"


def assert_ring_size(tp, port, size):
    """Both rings of the port hold `size` descriptors."""
    if STOCK:
        got = [int(n) for n in re.findall(r"vq_size: (\d+)", tp.output)]
        assert len(got) >= 2 and set(got) == {size}, f"stock vq sizes {got}, expected {size}"
        return
    for kind, what in (("rxq", "RXDs"), ("txq", "TXDs")):
        out = tp.cmd(f"show {kind} info {port} 0")
        m = re.search(r"Number of %s:\s*(\d+)" % what, out)
        assert m and int(m.group(1)) == size, \
            f"'show {kind} info {port} 0' should count {size} {what}:\n{out}"


def virtio_vdev(sock, **devargs):
    args = {"path": sock, "mac": VIRTIO_MAC}
    args.update(devargs)
    return "virtio_user0," + ",".join(f"{k}={v}" for k, v in args.items())


def devargs_text(devargs):
    """',key=value,...' to append to a vdev string."""
    return "".join(f",{k}={v}" for k, v in devargs.items())


def assert_no_errors(stats, where):
    bad = {k: stats[k] for k in ERROR_COUNTERS if stats.get(k)}
    assert not bad, f"{where}: error counters not zero: {bad}"


def assert_clean_exit(tp):
    code = tp.quit()
    assert not tp.crashed(), f"{tp.name} crashed:\n{tp.tail()}"
    assert code == 0, f"{tp.name} exited with {code}:\n{tp.tail()}"


# --------------------------------------------------------------------------
# Content-check topology
# --------------------------------------------------------------------------

class Bidir:
    """pcap <-> vhost  ==socket==  virtio <-> pcap, both testpmds in io mode.

    `path` is a PATHS row; `extra` adds devargs to it. `retry` names the side
    ("vhost" or "virtio") whose testpmd forwards in io retry mode: its Tx
    waits for ring room instead of dropping, which a direction that carries
    more frames than a ring holds needs. Only one side may retry: two
    retrying sides can each wait for the other.
    """

    def __init__(self, lab, frames_a, frames_b, path, extra=None, vhost_app=(),
                 virtio_app=(), virtio_setup=None, retry=None):
        self.lab = lab
        self.frames_a, self.frames_b = frames_a, frames_b
        self.a, self.b = lab.path("A.pcap"), lab.path("B.pcap")
        self.out_a, self.out_b = lab.path("outA.pcap"), lab.path("outB.pcap")
        write_pcap(self.a, frames_a)
        write_pcap(self.b, frames_b)
        sock = lab.path("vhost.sock")
        # --no-flush-rx: testpmd would otherwise read (and drop) pcap frames
        # when forwarding starts.
        self.vh = lab.vhost([f"net_pcap0,rx_pcap={self.a},tx_pcap={self.out_a}",
                             f"net_vhost0,iface={sock}"],
                            app=["--no-flush-rx", *vhost_app])
        self.vu = lab.virtio([f"net_pcap0,rx_pcap={self.b},tx_pcap={self.out_b}",
                              virtio_vdev(sock, **path.devargs, **(extra or {}))],
                             app=["--no-flush-rx", *virtio_app], extra_eal=path.eal)
        if virtio_setup:
            virtio_setup(self.vu)
        self.vu.wait_link_up(VIRTIO_PORT)
        self.vh.wait_link_up(VHOST_PORT)
        assert_path(self.vu, VIRTIO_PORT, path)
        for side, tp in (("vhost", self.vh), ("virtio", self.vu)):
            if side == retry:
                cmd_ok(tp, "set fwd io retry")
                # Up to 5 s per burst: covers the gap between the two starts.
                cmd_ok(tp, "set burst tx delay 10 retry 500000")
            else:
                cmd_ok(tp, "set fwd io")

    def run(self, expect_in_out_a, expect_in_out_b, timeout=20.0):
        """Forward everything; return when the pcap ports have sent what we expect.

        The virtio side starts first: its pcap frames wait in the virtio Tx
        ring (fewer descriptors than the ring holds) until the vhost side
        starts. From then on both ends poll, and A's frames go to a virtio
        Rx ring that is being served.
        """
        self.vu.cmd("start")
        self.vh.cmd("start")
        na, nb = len(self.frames_a), len(self.frames_b)
        self.vh.wait_stats(lambda s: s[PCAP_PORT]["RX-packets"] >= na
                           and s[PCAP_PORT]["TX-packets"] >= expect_in_out_a,
                           timeout=timeout)
        self.vu.wait_stats(lambda s: s[PCAP_PORT]["RX-packets"] >= nb
                           and s[PCAP_PORT]["TX-packets"] >= expect_in_out_b,
                           timeout=timeout)
        self.vu_stop = self.vu.cmd("stop")
        self.vh_stop = self.vh.cmd("stop")
        self.vu_stats = self.vu.stats()
        self.vh_stats = self.vh.stats()
        # net_pcap may buffer its dumper: read the captures only after quit.
        assert_clean_exit(self.vu)
        assert_clean_exit(self.vh)
        self.got_a = read_pcap(self.out_a)     # what the vhost side's pcap sent
        self.got_b = read_pcap(self.out_b)     # what the virtio side's pcap sent


def check_bidir_delivery(bd, sent_to_virtio, sent_from_virtio):
    """Counters on both ends and byte-exact captures, for frames all delivered."""
    vu, vh = bd.vu_stats[VIRTIO_PORT], bd.vh_stats[VHOST_PORT]
    n_in, b_in = len(sent_to_virtio), sum(map(len, sent_to_virtio))
    n_out, b_out = len(sent_from_virtio), sum(map(len, sent_from_virtio))
    assert (vu["RX-packets"], vu["RX-bytes"]) == (n_in, b_in), \
        f"virtio port Rx counters {vu}, expected {n_in} frames / {b_in} bytes"
    assert (vu["TX-packets"], vu["TX-bytes"]) == (n_out, b_out), \
        f"virtio port Tx counters {vu}, expected {n_out} frames / {b_out} bytes"
    assert (vh["TX-packets"], vh["TX-bytes"]) == (n_in, b_in), f"vhost port {vh}"
    assert (vh["RX-packets"], vh["RX-bytes"]) == (n_out, b_out), f"vhost port {vh}"
    assert_no_errors(vu, "virtio port")
    assert_no_errors(vh, "vhost port")
    d = diff_frames(sent_to_virtio, bd.got_b)
    assert not d, "vhost -> virtio direction (outB.pcap vs A.pcap):\n" + d
    d = diff_frames(sent_from_virtio, bd.got_a)
    assert not d, "virtio -> vhost direction (outA.pcap vs B.pcap):\n" + d


# --------------------------------------------------------------------------
# Test case 1: bidirectional content check, standard frame sizes
# --------------------------------------------------------------------------

@pytest.mark.parametrize("path", path_params())
def test_bidir_content(lab, path):
    # Every standard size, interleaved, in one run per path: the ring sees each
    # size after every other one, and a path costs one pair of launches, not six.
    a = make_frames(SIZES, FRAMES, "A")
    b = make_frames(SIZES, FRAMES, "B")
    bd = Bidir(lab, a, b, path)
    bd.run(len(b), len(a))
    check_bidir_delivery(bd, a, b)


# --------------------------------------------------------------------------
# Test case 2: jumbo frames
# --------------------------------------------------------------------------

def jumbo_setup(scatter=True, multi_segs=True, mtu=True):
    """Set the virtio port up for jumbo frames (stop, configure, start).

    Only the virtio port is configured: net_pcap advertises no offload at
    all, so the global --enable-scatter / --tx-offloads / --max-pkt-len
    options would make the pcap port's configuration fail. The MTU goes to
    the largest value the port accepts for our biggest frame.
    """
    def setup(tp):
        cmd_ok(tp, f"port stop {VIRTIO_PORT}")
        if scatter:
            cmd_ok(tp, f"port config {VIRTIO_PORT} rx_offload scatter on")
        if multi_segs:
            cmd_ok(tp, f"port config {VIRTIO_PORT} tx_offload multi_segs on")
        if mtu:
            want = raise_mtu(tp, VIRTIO_PORT, max(JUMBO_SIZES))
        cmd_ok(tp, f"port start {VIRTIO_PORT}")
        if mtu:
            got = port_mtu(tp, VIRTIO_PORT)
            assert got == want >= 9000, f"virtio port took MTU {got}, asked {want}"
    return setup


def cmd_ok(tp, command):
    out = tp.cmd(command)
    assert not re.search(r"Fail|Invalid|[Ee]rror|Bad arguments", out), \
        f"'{command}' failed:\n{out}"
    return out


def raise_mtu(tp, port, frame_len):
    """Configure the MTU for frame_len-byte frames, or the port's maximum if lower.

    Runs on a stopped port (testpmd applies the MTU at the next start);
    returns the MTU the port took.
    """
    want = frame_len - 18           # Ethernet header + CRC
    out = tp.cmd(f"port config mtu {port} {want}")
    m = re.search(r"device max MTU \((\d+)\)", out)
    mtu = int(m.group(1)) if m else want
    if m:
        out = tp.cmd(f"port config mtu {port} {mtu}")
    assert not re.search(r"(?i)fail|error|invalid|> device", out), f"MTU {mtu}: {out}"
    return mtu


def port_mtu(tp, port):
    got = re.search(r"MTU:\s*(\d+)", tp.cmd(f"show port info {port}"))
    assert got, f"no MTU in 'show port info {port}'"
    return int(got.group(1))


@pytest.mark.parametrize("mbuf", [pytest.param(None, id="chained-mbufs"),
                                  pytest.param(10240, id="large-mbufs")])
@pytest.mark.parametrize("path", path_params(lambda p: p.mergeable))
def test_jumbo_mrg(lab, path, mbuf):
    """Mergeable paths: 2049..9728-byte frames both ways, content checked."""
    a = make_frames(JUMBO_SIZES, JUMBO_FRAMES, "A")
    b = make_frames(JUMBO_SIZES, JUMBO_FRAMES, "B")
    app = [] if mbuf is None else [f"--mbuf-size={mbuf}", "--total-num-mbufs=16384"]
    bd = Bidir(lab, a, b, path, vhost_app=app, virtio_app=app,
               virtio_setup=jumbo_setup())
    bd.run(len(b), len(a))
    check_bidir_delivery(bd, a, b)


@pytest.mark.parametrize("path", path_params(lambda p: not p.mergeable))
def test_jumbo_large_mbufs_no_mrg(lab, path):
    """Non-mergeable paths, Rx buffers large enough: one buffer holds a jumbo frame."""
    a = make_frames(JUMBO_SIZES, JUMBO_FRAMES, "A")
    b = make_frames(JUMBO_SIZES, JUMBO_FRAMES, "B")
    app = ["--mbuf-size=10240", "--total-num-mbufs=16384"]
    bd = Bidir(lab, a, b, path, vhost_app=app, virtio_app=app,
               virtio_setup=jumbo_setup(scatter=False))
    bd.run(len(b), len(a))
    check_bidir_delivery(bd, a, b)


@pytest.mark.parametrize("path", path_params(lambda p: not p.mergeable))
def test_jumbo_no_mrg_dropped(lab, path):
    """mrg_rxbuf=0, 2 KiB Rx buffers: a 9000-byte frame cannot be placed.

    Toward virtio, jumbo and 1518-byte frames alternate. Without mergeable
    buffers each Rx descriptor holds one 2 KiB mbuf, so the vhost backend
    cannot place a jumbo frame and drops it (counted as TX-dropped in the
    vhost testpmd's forward statistics); the driver never sees it. The
    1518-byte frames between them must all arrive intact and in order, and
    the driver must keep running. The vhost side forwards one frame per
    burst so that a refused jumbo frame takes no neighbour with it (the
    backend stops a burst at the first frame it cannot place).
    Toward vhost, jumbo frames still go out: Tx does not depend on
    mrg_rxbuf.
    """
    big, small = 9000, 1518
    a = make_frames([big, small], 40, "A")
    b = make_frames([big, small], 16, "B")
    bd = Bidir(lab, a, b, path, vhost_app=["--burst=1"],
               virtio_setup=jumbo_setup(scatter=False, mtu=False))
    expected_b = [f for f in a if len(f) == small]
    n_big = len(a) - len(expected_b)
    bd.run(len(b), len(expected_b))
    # Toward virtio: only the frames that fit, byte-exact, in order.
    d = diff_frames(expected_b, bd.got_b)
    assert not d, "vhost -> virtio (non-jumbo frames only):\n" + d
    vu, vh = bd.vu_stats[VIRTIO_PORT], bd.vh_stats[VHOST_PORT]
    assert vu["RX-packets"] == len(expected_b)
    assert vu["RX-bytes"] == sum(map(len, expected_b))
    assert_no_errors(vu, "virtio port")
    assert vh["TX-packets"] == len(expected_b), vh
    m = re.search(r"Forward statistics for port %d.*?TX-packets:\s*(\d+)\s+"
                  r"TX-dropped:\s*(\d+)" % VHOST_PORT, bd.vh_stop, re.S)
    assert m, "no forward statistics for the vhost port:\n" + bd.vh_stop
    assert int(m.group(2)) == n_big, \
        f"vhost side should count {n_big} refused jumbo frames:\n{bd.vh_stop}"
    # Toward vhost: everything, jumbo included.
    d = diff_frames(b, bd.got_a)
    assert not d, "virtio -> vhost:\n" + d
    assert (vu["TX-packets"], vu["TX-bytes"]) == (len(b), sum(map(len, b)))


# --------------------------------------------------------------------------
# Test case 3: the acceptance scenario (mac forwarding loop)
# --------------------------------------------------------------------------

ACCEPT_PACKETS = 1_000_000


def start_mac_loop(lab, devargs_extra="", extra_eal=()):
    """The issue's command lines: vhost testpmd and virtio testpmd, both mac fwd."""
    sock = lab.path("vhost.sock")
    vh = lab.vhost([f"net_vhost0,iface={sock}"], lcores=None, mem=None)
    vu = lab.virtio([f"virtio_user0,mac={VIRTIO_MAC},path={sock}{devargs_extra}"],
                    lcores="0,1", main_lcore=1, mem=None, extra_eal=extra_eal)
    vu.wait_link_up(0)
    vh.wait_link_up(0)
    vh.cmd("set fwd mac")
    vu.cmd("set fwd mac")
    vh.cmd("start")
    vu.cmd("start tx_first 32")
    return vh, vu


def wait_both_directions(vh, vu, count, timeout=60.0):
    """Bounded wait until each direction has carried `count` packets."""
    deadline = time.monotonic() + timeout
    while True:
        s_vu, s_vh = vu.stats(0), vh.stats(0)
        done = min(s_vu["RX-packets"], s_vu["TX-packets"],
                   s_vh["RX-packets"], s_vh["TX-packets"]) > count
        if done or time.monotonic() > deadline:
            return s_vu, s_vh
        time.sleep(0.5)


PATH_BY_ID = {p.id: p for p in PATHS}


@pytest.mark.parametrize("devargs_extra,path_id", [
    pytest.param("", "split-inorder-mrg", id="defaults"),
    pytest.param(",mrg_rxbuf=0", "split-inorder-nonmrg", id="mrg0")])
def test_acceptance_mac_fwd(lab, devargs_extra, path_id):
    vh, vu = start_mac_loop(lab, devargs_extra)
    # Without devargs, virtio-user with net_vhost runs the split in-order path.
    assert_path(vu, 0, PATH_BY_ID[path_id])
    wait_both_directions(vh, vu, ACCEPT_PACKETS)
    # Stop the virtio side first: the vhost side then drains the virtio Tx
    # ring, so what virtio sent equals what vhost received, exactly.
    vu.cmd("stop")
    vh.cmd("stop")
    s_vu, s_vh = vu.stats(0), vh.stats(0)
    assert s_vu["TX-packets"] > ACCEPT_PACKETS and s_vh["RX-packets"] > ACCEPT_PACKETS, \
        f"virtio -> vhost carried too few packets: virtio {s_vu}, vhost {s_vh}"
    assert s_vh["TX-packets"] > ACCEPT_PACKETS and s_vu["RX-packets"] > ACCEPT_PACKETS, \
        f"vhost -> virtio carried too few packets: virtio {s_vu}, vhost {s_vh}"
    assert s_vh["RX-packets"] == s_vu["TX-packets"], \
        f"virtio sent {s_vu['TX-packets']}, vhost received {s_vh['RX-packets']}"
    # What vhost placed in the virtio Rx ring after virtio stopped stays there.
    in_ring = s_vh["TX-packets"] - s_vu["RX-packets"]
    assert 0 <= in_ring <= QUEUE_SIZE, \
        f"vhost sent {s_vh['TX-packets']}, virtio received {s_vu['RX-packets']}"
    for side, s in (("virtio", s_vu), ("vhost", s_vh)):
        assert s["RX-bytes"] == TXONLY_SIZE * s["RX-packets"], f"{side}: {s}"
        assert s["TX-bytes"] == TXONLY_SIZE * s["TX-packets"], f"{side}: {s}"
        assert_no_errors(s, side)
    assert_clean_exit(vu)
    assert_clean_exit(vh)


# --------------------------------------------------------------------------
# Test case 4: every mbuf back in its pool
# --------------------------------------------------------------------------

def pools_in_use(tp):
    pools = tp.mempools()
    assert pools, "dump_mempool printed no mempool:\n" + tp.tail()
    for name, p in pools.items():
        assert "in_use" in p, f"cannot read counts of mempool {name}: {p}"
    return {name: p["in_use"] for name, p in pools.items()}


def run_traffic_then_stop(lab, path):
    vh, vu = start_mac_loop(lab, devargs_text(path.devargs), path.eal)
    assert_path(vu, 0, path)
    s_vu, _ = wait_both_directions(vh, vu, 100_000)
    assert s_vu["RX-packets"] > 100_000 and s_vu["TX-packets"] > 100_000, s_vu
    vu.cmd("stop")
    vh.cmd("stop")
    out = vu.cmd("port stop all")
    assert "Fail" not in out, out
    return vh, vu


@pytest.mark.parametrize("path", path_params())
@xfail_stock("keeps its Rx ring's mbufs (QUEUE_SIZE) out of the pool across "
             "'port stop'; they return only at close")
def test_mbufs_returned_after_port_stop_and_close(lab, path):
    vh, vu = run_traffic_then_stop(lab, path)
    in_use = pools_in_use(vu)
    assert all(v == 0 for v in in_use.values()), \
        f"mbufs still in use after 'port stop all': {in_use}"
    out = vu.cmd("port close all")
    assert "Port 0 is closed" in out, out
    in_use = pools_in_use(vu)
    assert all(v == 0 for v in in_use.values()), \
        f"mbufs still in use after 'port close all': {in_use}"


# --------------------------------------------------------------------------
# Test case 5: port restart (after loopback_multi_paths_port_restart)
# --------------------------------------------------------------------------

RESTART_PACKETS = 10_000


def assert_quiet(tp, port, why, settle=0.3, watch=0.5):
    """The port's packet counters do not move for `watch` seconds; return them.

    `settle` first lets the frames already in the rings go through.
    """
    time.sleep(settle)
    before = tp.stats(port)
    time.sleep(watch)
    after = tp.stats(port)
    moved = {k: (before[k], after[k]) for k in ("RX-packets", "TX-packets")
             if before[k] != after[k]}
    assert not moved, f"virtio port counters moved {why}: {moved}"
    return after


def assert_resumes(tp, port, since, why, timeout=30.0):
    """Both packet counters of the port grow by more than RESTART_PACKETS."""
    deadline = time.monotonic() + timeout
    while True:
        now = tp.stats(port)
        grown = min(now["RX-packets"] - since["RX-packets"],
                    now["TX-packets"] - since["TX-packets"])
        if grown > RESTART_PACKETS or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert grown > RESTART_PACKETS, f"traffic did not resume {why}: {since} -> {now}"


def restart_params():
    """Each path once, the frame size alternating between 64 and 1518 bytes."""
    return [pytest.param(p.values[0], (64, 1518)[i % 2], id=f"{p.id}-{(64, 1518)[i % 2]}",
                         marks=p.marks)
            for i, p in enumerate(path_params())]


@pytest.mark.parametrize("path,size", restart_params())
def test_port_restart(lab, path, size):
    sock = lab.path("vhost.sock")
    vh = lab.vhost([f"net_vhost0,iface={sock},queues=1,client=0"])
    vu = lab.virtio([virtio_vdev(sock, **path.devargs)], extra_eal=path.eal)
    vu.wait_link_up(0)
    vh.wait_link_up(0)
    assert_path(vu, 0, path)
    vh.cmd("set fwd mac")
    vu.cmd("set fwd mac")
    vu.cmd("start")
    vh.cmd(f"set txpkts {size}")
    vh.cmd("start tx_first 32")
    s1, _ = wait_both_directions(vh, vu, RESTART_PACKETS)
    assert min(s1["RX-packets"], s1["TX-packets"]) > RESTART_PACKETS, f"no traffic: {s1}"

    # The plan's steps: the vhost side stops its port. The virtio side keeps
    # forwarding but must see no traffic at all.
    vh.cmd("stop")
    cmd_ok(vh, "port stop 0")
    still = assert_quiet(vu, 0, "while the vhost port was stopped")
    # Restart it and send a single frame: the loop must carry traffic again.
    cmd_ok(vh, "port start 0")
    vh.wait_link_up(0)
    vh.cmd("set burst 1")
    vh.cmd("start tx_first 1")
    assert_resumes(vu, 0, still, "after the vhost port restarted")

    # The same with the virtio port itself: stop, restart, one frame.
    vu.cmd("stop")
    cmd_ok(vu, "port stop 0")
    still = assert_quiet(vu, 0, "while stopped", settle=0.0)
    cmd_ok(vu, "port start 0")
    vu.wait_link_up(0)
    assert_path(vu, 0, path)
    vu.cmd("set burst 1")
    vu.cmd(f"set txpkts {size}")
    vu.cmd("start tx_first 1")
    assert_resumes(vu, 0, still, "after the virtio port restarted")

    vu.cmd("stop")
    vh.cmd("stop")
    s3, h3 = vu.stats(0), vh.stats(0)
    for side, s in (("virtio", s3), ("vhost", h3)):
        assert s["RX-bytes"] == size * s["RX-packets"], f"{side}: {s}"
        assert s["TX-bytes"] == size * s["TX-packets"], f"{side}: {s}"
        assert_no_errors(s, side)
    assert_clean_exit(vu)
    assert_clean_exit(vh)


# --------------------------------------------------------------------------
# Test case 6: the port reports its Rx/Tx path
# --------------------------------------------------------------------------

@pytest.mark.parametrize("path", path_params())
@xfail_stock("implements neither rxq_info_get nor rx/tx_burst_mode_get: "
             "'show rxq info' fails with -95")
def test_burst_mode_reported(lab, path):
    sock = lab.path("vhost.sock")
    lab.vhost([f"net_vhost0,iface={sock}"])
    vu = lab.virtio([virtio_vdev(sock, **path.devargs)], extra_eal=path.eal)
    assert_burst_modes(vu, 0, path)
    assert_clean_exit(vu)


# --------------------------------------------------------------------------
# Test case 6b: a requested vectorized path that cannot run says why
# --------------------------------------------------------------------------

# (id, devargs, EAL options, Rx and Tx functions elected instead, phrase of the reason)
VEC_FALLBACKS = [
    ("split-mrg", {"in_order": 0, "mrg_rxbuf": 1, "vectorized": 1}, (),
     "virtio_recv_mergeable_pkts", "virtio_xmit_pkts_vec", "needs mrg_rxbuf=0"),
    ("split-inorder", {"in_order": 1, "mrg_rxbuf": 0, "vectorized": 1}, (),
     "virtio_recv_pkts_inorder", "virtio_xmit_pkts_inorder", "needs in_order=0"),
    ("split-simd-off", SPLIT_VEC, ("--force-max-simd-bitwidth=64",),
     "virtio_recv_pkts", "virtio_xmit_pkts", "SIMD is disabled"),
    ("packed-simd-256", PACKED_VEC, (),
     "virtio_recv_pkts_packed", "virtio_xmit_pkts_packed",
     "needs --force-max-simd-bitwidth=512"),
    ("packed-mrg", dict(PACKED_VEC, mrg_rxbuf=1), SIMD512,
     "virtio_recv_mergeable_pkts_packed",
     "virtio_xmit_pkts_packed_vec" if HAS_AVX512 else "virtio_xmit_pkts_packed",
     "needs mrg_rxbuf=0" if HAS_AVX512 else "the CPU lacks AVX512F/BW/VL"),
] + ([] if HAS_AVX512 else [
    ("packed-no-avx512", PACKED_VEC, SIMD512,
     "virtio_recv_pkts_packed", "virtio_xmit_pkts_packed", "the CPU lacks AVX512F/BW/VL"),
])


@pytest.mark.parametrize("devargs,eal,rx,tx,reason",
                         [pytest.param(*c[1:], id=c[0]) for c in VEC_FALLBACKS])
@xfail_stock("falls back without saying which condition failed, and has no burst mode")
def test_vectorized_fallback_logged(lab, devargs, eal, rx, tx, reason):
    """vectorized=1 is accepted; the start log names the paths taken and why."""
    sock = lab.path("vhost.sock")
    lab.vhost([f"net_vhost0,iface={sock}"])
    vu = lab.virtio([virtio_vdev(sock, **devargs)], extra_eal=eal)
    assert_burst_modes(vu, 0, Path("fallback", devargs, rx, tx))
    line = line_names(vu.output, [f"Rx path {rx}", f"Tx path {tx}"])
    assert line, f"no start log line names Rx path {rx} and Tx path {tx}:\n{vu.tail(30)}"
    assert reason in line, f"the start log should say '{reason}': {line}"
    assert_clean_exit(vu)


# --------------------------------------------------------------------------
# Test case 7: bad devargs are refused, naming the key and the value:
# moved to test_bad_input.py (one testpmd for the whole table, no backend)
# --------------------------------------------------------------------------

def line_names(output, needles):
    """The first output line that contains every needle as a whole token."""
    pats = [re.compile(r"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])" % re.escape(n))
            for n in needles]
    for line in output.splitlines():
        if all(p.search(line) for p in pats):
            return line
    return None


# --------------------------------------------------------------------------
# Test case 8b: the Tx free threshold
# --------------------------------------------------------------------------

@xfail_stock("has no txq_info_get, so 'show txq info' cannot show the threshold")
def test_tx_free_thresh_applied(lab):
    """--txfreet reaches the queue (show txq info) and traffic still flows."""
    sock = lab.path("vhost.sock")
    lab.vhost([f"net_vhost0,iface={sock}"])
    vu = lab.virtio([virtio_vdev(sock)], app=["--txd=256", "--txfreet=100"])
    out = vu.cmd("show txq info 0 0")
    assert re.search(r"TX free threshold:\s*100\b", out), out
    assert_clean_exit(vu)


def test_tx_free_thresh_too_big(lab):
    """A threshold of a whole ring is refused, naming the value and the limit."""
    sock = lab.path("vhost.sock")
    lab.vhost([f"net_vhost0,iface={sock}"])
    vu = lab.virtio([virtio_vdev(sock)], app=["--txd=256", "--txfreet=256"], wait=False)
    exited = vu.wait_exit()
    if not exited:
        vu.quit()
    assert not vu.crashed(), vu.tail()
    assert line_names(vu.output, ["tx_free_thresh", "256"]), vu.tail(30)


# --------------------------------------------------------------------------
# Test case 9: packed rings of any size
# --------------------------------------------------------------------------

PACKED_QUEUE_SIZES = [255, 1025]       # as in the DTS plans: not powers of two
SMALL_FRAMES = 100                     # waits in a ring: fits in the smallest one


def ring_size_params():
    """Each packed path with both sizes; the bulk direction alternates, so that
    each size and each direction is covered on several paths."""
    rows = []
    for i, p in enumerate(path_params(lambda p: p.packed)):
        for j, qsize in enumerate(PACKED_QUEUE_SIZES):
            bulk = ("to-virtio", "from-virtio")[(i + j) % 2]
            rows.append(pytest.param(p.values[0], qsize, bulk,
                                     id=f"{p.id}-q{qsize}-{bulk}", marks=p.marks))
    return rows


@pytest.mark.parametrize("path,qsize,bulk", ring_size_params())
def test_packed_ring_size(lab, path, qsize, bulk):
    """Content check on a packed ring of qsize descriptors, wrapping it.

    One direction (`bulk`) carries three rings' worth of frames and more,
    every standard size in turn, so its ring wraps (and its wrap counter
    flips) several times; the other carries SMALL_FRAMES. The sender of
    the bulk direction forwards in io retry mode: the receiver drains the
    ring as fast as it can but may fall behind for a moment.
    """
    n_bulk = 3 * qsize + 17
    n_a, n_b = (n_bulk, SMALL_FRAMES) if bulk == "to-virtio" else (SMALL_FRAMES, n_bulk)
    a = make_frames(SIZES, n_a, "A")
    b = make_frames(SIZES, n_b, "B")
    bd = Bidir(lab, a, b, path, extra={"queue_size": qsize},
               retry="vhost" if bulk == "to-virtio" else "virtio")
    assert_ring_size(bd.vu, VIRTIO_PORT, qsize)
    bd.run(len(b), len(a))
    check_bidir_delivery(bd, a, b)
