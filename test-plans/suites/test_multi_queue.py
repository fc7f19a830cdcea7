# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""virtio-user <-> vhost-user with several queue pairs.

Executes test-plans/loopback_multi_queues_test_plan.rst (after DTS
loopback_multi_queues_test_plan.rst): the stock net_vhost with queues=N in
one testpmd, our virtio-user with queues=N in the other, both in mac
forwarding with N Rx and N Tx queues on one forwarding core. Every queue
must carry traffic both ways (per-queue counters from 'show port xstats'),
the frames each queue receives must be the frames the other side sent
(testpmd's verbose Rx log: addresses, type, length), and every mbuf must be
back in its pool once the port is stopped.
"""

import re
import time

import pytest

from conftest import STOCK, VIRTIO_MAC
from test_virtio_user_vhost_user import (ERROR_COUNTERS, assert_clean_exit, pools_in_use,
                                         virtio_vdev)

PACKETS_PER_QUEUE = 2_000        # per direction, per queue, before we stop
VERBOSE_FRAMES = 8               # per queue in the content phase
FRAME = 64
VHOST_MAC = "02:00:00:00:00:09"  # the vhost port's address as the virtio side sees it

# (id, virtio devargs): the split and packed rows of the DTS plan's paths.
PATHS = [
    pytest.param({"in_order": 1, "mrg_rxbuf": 1}, id="split-inorder-mrg"),
    pytest.param({"in_order": 0, "mrg_rxbuf": 0}, id="split-nonmrg"),
    pytest.param({"packed_vq": 1, "in_order": 0, "mrg_rxbuf": 1}, id="packed-mrg"),
    # With the control queue the device starts with one pair and the driver
    # switches the others on with MQ_VQ_PAIRS_SET: queues > 0 carry traffic
    # only if that command worked.
    pytest.param({"cq": 1}, id="split-cq"),
    pytest.param({"cq": 1, "packed_vq": 1}, id="packed-cq"),
]

_XSTAT_RE = re.compile(r"^\s*([rt]x_q(\d+)_(packets|bytes|errors)):\s*(\d+)\s*$", re.M)


def queue_xstats(tp, port=0):
    """{('rx'|'tx', queue): {'packets': n, 'bytes': n, ...}} from 'show port xstats'."""
    out = tp.cmd(f"show port xstats {port}")
    per = {}
    for m in _XSTAT_RE.finditer(out):
        kind, q, what, val = m.group(1)[:2], int(m.group(2)), m.group(3), int(m.group(4))
        per.setdefault((kind, q), {})[what] = val
    return per


def app_args(n):
    return [f"--rxq={n}", f"--txq={n}", "--nb-cores=1", "--txd=1024", "--rxd=1024"]


def start_loop(lab, n, devargs, vhost_queues=None):
    """vhost testpmd with net_vhost queues=N and virtio testpmd with queues=N, both mac fwd."""
    sock = lab.path("vhost.sock")
    vh = lab.vhost([f"net_vhost0,iface={sock},queues={vhost_queues or n}"],
                   app=app_args(vhost_queues or n))
    vu = lab.virtio([virtio_vdev(sock, queues=n, **devargs)], app=app_args(n))
    return vh, vu


def wait_every_queue(vu, n, count, timeout=60.0):
    """Bounded wait until every Rx and Tx queue of the virtio port counted `count` packets."""
    deadline = time.monotonic() + timeout
    while True:
        per = queue_xstats(vu)
        low = [k for k in [("rx", q) for q in range(n)] + [("tx", q) for q in range(n)]
               if per.get(k, {}).get("packets", 0) <= count]
        if not low or time.monotonic() > deadline:
            return per, low
        time.sleep(0.3)


def assert_queue_counts(tp, n, count, side):
    """Queues 0..n-1 counted more than `count` packets each way; none beyond n exists."""
    per = queue_xstats(tp)
    for q in range(n):
        for kind in ("rx", "tx"):
            got = per.get((kind, q), {}).get("packets", 0)
            assert got > count, f"{side} {kind} queue {q}: {got} packets:\n{per}"
    assert ("rx", n) not in per and ("tx", n) not in per, \
        f"{side} reports queues beyond the {n} configured: {sorted(per)}"
    return per


def assert_totals_match(tp, per, side):
    st = tp.stats(0)
    rx = sum(v.get("packets", 0) for (k, _), v in per.items() if k == "rx")
    tx = sum(v.get("packets", 0) for (k, _), v in per.items() if k == "tx")
    assert (st["RX-packets"], st["TX-packets"]) == (rx, tx), \
        f"{side}: port totals {st} do not add up to the queues' {rx}/{tx}"
    bad = {k: st[k] for k in ERROR_COUNTERS if st.get(k)}
    assert not bad, f"{side}: error counters not zero: {bad}"


def run_mac_loop(vh, vu, n):
    """Both sides mac fwd; the vhost side injects 32 bursts per queue; all queues carry it."""
    vu.cmd("set fwd mac")
    vh.cmd("set fwd mac")
    vu.cmd("start")
    vh.cmd(f"set txpkts {FRAME}")
    vh.cmd("start tx_first 32")
    per, low = wait_every_queue(vu, n, PACKETS_PER_QUEUE)
    assert not low, f"virtio queues {low} carried {PACKETS_PER_QUEUE} packets or fewer:\n{per}"
    # The virtio side first: vhost then drains what virtio already sent
    # (bounded wait: on a loaded machine the last burst may still be in the ring).
    vu.cmd("stop")
    sent = vu.stats(0)["TX-packets"]
    deadline = time.monotonic() + 10
    while vh.stats(0)["RX-packets"] < sent and time.monotonic() < deadline:
        time.sleep(0.2)
    vh.cmd("stop")
    per_vu = assert_queue_counts(vu, n, PACKETS_PER_QUEUE, "virtio")
    per_vh = assert_queue_counts(vh, n, PACKETS_PER_QUEUE, "vhost")
    assert_totals_match(vu, per_vu, "virtio")
    for q in range(n):
        # What virtio sent on queue q, vhost received on its queue q, exactly.
        sent, got = per_vu[("tx", q)]["packets"], per_vh[("rx", q)]["packets"]
        assert sent == got, f"queue {q}: virtio sent {sent}, vhost received {got}"
        for side, per in (("virtio", per_vu), ("vhost", per_vh)):
            for kind in ("rx", "tx"):
                c = per[(kind, q)]
                assert c["bytes"] == FRAME * c["packets"], f"{side} {kind} queue {q}: {c}"


VERBOSE_RE = re.compile(
    r"port 0/queue (\d+): received \d+ packets\n(.*?)(?=\nport \d+/queue|\Z)", re.S)
PKT_RE = re.compile(r"src=([0-9A-F:]{17}) - dst=([0-9A-F:]{17}) - pool=\S+ - "
                    r"type=(0x[0-9a-f]{4}) - length=(\d+)")


def check_content_per_queue(vh, vu, n):
    """Every virtio Rx queue receives the vhost side's txonly frames intact.

    txonly sends 64-byte IPv4/UDP frames from the vhost port's address to the
    peer address set with 'set eth-peer'; the virtio side, in rxonly with
    verbose Rx, logs each frame with its queue, addresses, type and length.
    """
    vu.cmd("set fwd rxonly")
    # Drain what the mac loop left in the Rx rings, then log only the new frames.
    vu.cmd("start")
    time.sleep(0.3)
    vu.cmd("stop")
    mark = len(vu.output)
    vu.cmd("set verbose 1")
    vu.cmd("start")
    vh.cmd("set fwd txonly")
    vh.cmd(f"set eth-peer 0 {VIRTIO_MAC}")
    vh.cmd("set burst 1")
    vh.cmd(f"set txpkts {FRAME}")
    vh.cmd(f"start tx_first {VERBOSE_FRAMES}")
    time.sleep(0.5)
    vh.cmd("stop")
    time.sleep(0.5)
    vu.cmd("stop")
    vu.cmd("set verbose 0")
    vh_mac = re.search(r"MAC address:\s*([0-9A-F:]{17})", vh.cmd("show port info 0")).group(1)
    seen = {}
    for m in VERBOSE_RE.finditer(vu.output[mark:]):
        for p in PKT_RE.finditer(m.group(2)):
            seen.setdefault(int(m.group(1)), []).append(p.groups())
    for q in range(n):
        frames = seen.get(q, [])
        assert len(frames) >= VERBOSE_FRAMES, \
            f"virtio Rx queue {q} logged {len(frames)} frames, expected >= {VERBOSE_FRAMES}"
        bad = [f for f in frames
               if f != (vh_mac, VIRTIO_MAC, "0x0800", str(FRAME))]
        assert not bad, f"virtio Rx queue {q} got unexpected frames: {bad[:5]}"


def queue_count_params():
    """2 and 8 pairs on every path; a single pair once (every other suite runs one)."""
    return ([pytest.param(1, PATHS[0].values[0], id=f"1-{PATHS[0].id}")]
            + [pytest.param(n, p.values[0], id=f"{n}-{p.id}") for n in (2, 8) for p in PATHS])


@pytest.mark.parametrize("n,devargs", queue_count_params())
def test_multi_queue_traffic(lab, n, devargs):
    vh, vu = start_loop(lab, n, devargs)
    vu.wait_link_up(0)
    info = vu.cmd("show port info 0")
    m = re.search(r"Max possible RX queues:\s*(\d+)", info)
    assert m and int(m.group(1)) == n, f"virtio port should offer {n} Rx queues:\n{info}"
    m = re.search(r"Current number of RX queues:\s*(\d+)", info)
    assert m and int(m.group(1)) == n, info
    run_mac_loop(vh, vu, n)
    check_content_per_queue(vh, vu, n)
    out = vu.cmd("port stop all")
    assert "Fail" not in out, out
    in_use = pools_in_use(vu)
    assert all(v == 0 for v in in_use.values()), f"mbufs in use after port stop: {in_use}"
    assert_clean_exit(vu)
    assert_clean_exit(vh)


def reconfigure(vu, n):
    """stop, configure the port for n queue pairs, set them up again, start."""
    for cmd in ("stop", "port stop 0", f"port config all rxq {n}",
                f"port config all txq {n}", "port start 0"):
        out = vu.cmd(cmd)
        assert not re.search(r"(?i)fail|error|invalid", out), f"'{cmd}': {out}"
    vu.wait_link_up(0)


@pytest.mark.skipif(STOCK, reason="checks our driver's queue xstats after reconfiguration")
@pytest.mark.parametrize("cq", [0, 1], ids=["no-cq", "cq"])
def test_reconfigure_queue_count(lab, cq):
    """queues=8 port reconfigured 2 -> 1 -> 8 without reprobe; traffic on every queue each time.

    With cq=1 each start switches the pairs through the control queue.
    """
    sock = lab.path("vhost.sock")
    vh = lab.vhost([f"net_vhost0,iface={sock},queues=8"], app=app_args(8))
    vu = lab.virtio([virtio_vdev(sock, queues=8, cq=cq)], app=app_args(2))
    vu.wait_link_up(0)
    for n in (2, 1, 8):
        if n != 2:
            reconfigure(vu, n)
        vu.cmd("clear port xstats all")
        vh.cmd("clear port xstats all")
        vu.cmd("set fwd mac")
        vu.cmd("start")
        # The vhost side serves 8 queues; only the virtio side's n carry traffic.
        vh.cmd("set fwd mac")
        vh.cmd(f"set txpkts {FRAME}")
        vh.cmd("start tx_first 32")
        per, low = wait_every_queue(vu, n, PACKETS_PER_QUEUE)
        assert not low, f"{n} queues: virtio queues {low} stayed low:\n{per}"
        vu.cmd("stop")
        vh.cmd("stop")
        per = assert_queue_counts(vu, n, PACKETS_PER_QUEUE, f"virtio with {n} queues")
        assert_totals_match(vu, per, f"virtio with {n} queues")
    out = vu.cmd("port stop all")
    assert "Fail" not in out, out
    in_use = pools_in_use(vu)
    assert all(v == 0 for v in in_use.values()), f"mbufs in use after port stop: {in_use}"
    assert_clean_exit(vu)
    assert_clean_exit(vh)

