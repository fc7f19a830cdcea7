# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Per-queue operations against the stock net_vhost backend.

Executes test-plans/virtio_queue_ops_test_plan.rst: Rx queue stop/start,
deferred start, Rx used count and descriptor status, Tx descriptor status,
Tx mbuf cleanup on demand, the private dump (telemetry /ethdev/dump_priv),
and the leak check: 100 port stop/start cycles with traffic in between, after
which every mbuf is back in its pool. Split and packed rings.

The vhost side runs testpmd's io engine and sends a known number of frames
with 'start tx_first N' (N bursts of 32) while the virtio side does not
forward: frames then wait in the virtio Rx ring, where the used count and
the descriptor status can see them.
"""

import json
import os
import re
import subprocess
import time

import pytest

from conftest import STOCK, VIRTIO_MAC
from test_virtio_user_vhost_user import assert_clean_exit, pools_in_use

RING = 256
BURST = 32

LAYOUTS = [
    pytest.param({}, id="split"),
    pytest.param({"packed_vq": 1}, id="packed"),
]

pytestmark = pytest.mark.skipif(STOCK, reason="per-queue operations are our driver's own")


def vdev(sock, devargs):
    extra = "".join(f",{k}={v}" for k, v in devargs.items())
    return f"virtio_user0,mac={VIRTIO_MAC},path={sock}{extra}"


def start_pair(lab, devargs, virtio_app=()):
    sock = lab.path("vhost.sock")
    app = [f"--rxd={RING}", f"--txd={RING}"]
    vh = lab.vhost([f"net_vhost0,iface={sock}"], app=app)
    vu = lab.virtio([vdev(sock, devargs)], app=app + list(virtio_app))
    vu.wait_link_up(0)
    vh.wait_link_up(0)
    vh.cmd("set fwd io")
    vu.cmd("set fwd rxonly")
    return vh, vu


def vhost_send(vh, bursts):
    """The vhost side sends bursts*32 frames and stops; returns its TX-packets before."""
    before = vh.stats(0)["TX-packets"]
    vh.cmd(f"start tx_first {bursts}")
    vh.cmd("stop")
    return before


def used_count(vu, q=0):
    out = vu.cmd(f"show port 0 rxq {q} desc used count")
    m = re.search(r"used desc count = (\d+)", out, re.I)
    assert m, f"no used count in:\n{out}"
    return int(m.group(1))


def desc_status(vu, kind, offset, q=0):
    out = vu.cmd(f"show port 0 {kind} {q} desc {offset} status")
    m = re.search(r"desc status = (\w+)", out, re.I)
    assert m, f"no descriptor status in:\n{out}"
    return m.group(1)


def wait_desc_status(vu, kind, offset, want, timeout=20.0):
    """Bounded wait for a descriptor to reach a status: the backend updates the
    used ring shortly after its own counters move."""
    deadline = time.monotonic() + timeout
    while True:
        got = desc_status(vu, kind, offset)
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def wait_used(vu, want, timeout=20.0):
    """Bounded wait until the device has filled `want` Rx buffers."""
    deadline = time.monotonic() + timeout
    while True:
        n = used_count(vu)
        if n >= want or time.monotonic() > deadline:
            return n
        time.sleep(0.2)


def wait_rx(tp, want, timeout=20.0):
    return tp.wait_stats(lambda s: s[0]["RX-packets"] >= want, timeout)[0]["RX-packets"]


def dump_priv(tp):
    """The private dump through telemetry (/ethdev/dump_priv), as text."""
    out = subprocess.run(["dpdk-telemetry.py", "-f", tp.prefix],
                         input="/ethdev/dump_priv,0\n", capture_output=True, text=True,
                         timeout=30)
    for line in out.stdout.splitlines():
        line = line.strip()
        if line.startswith("{") and "dump_priv" in line:
            return json.loads(line)["/ethdev/dump_priv"]
    raise AssertionError(f"no dump_priv answer from telemetry:\n{out.stdout}\n{out.stderr}")


@pytest.mark.parametrize("devargs", LAYOUTS)
def test_rx_queue_stop_start_and_status(lab, devargs):
    vh, vu = start_pair(lab, devargs)

    # All RING buffers posted, none filled: offset 0 and the last are AVAIL.
    assert used_count(vu) == 0
    assert desc_status(vu, "rxq", 0) == "AVAILABLE"
    assert desc_status(vu, "rxq", RING - 1) == "AVAILABLE"
    out = vu.cmd(f"show port 0 rxq 0 desc {RING} status")
    assert "Desc status" not in out, f"offset {RING} is beyond the ring:\n{out}"

    # 64 frames arrive while nobody polls: the device filled 64 buffers.
    vhost_send(vh, 2)
    assert wait_used(vu, 2 * BURST) == 2 * BURST
    assert desc_status(vu, "rxq", 0) == "DONE"
    assert desc_status(vu, "rxq", 2 * BURST - 1) == "DONE"
    assert desc_status(vu, "rxq", 2 * BURST) == "AVAILABLE"
    # Polling delivers them and the count goes back to 0.
    vu.cmd("start")
    assert wait_rx(vu, 2 * BURST) == 2 * BURST
    vu.cmd("stop")
    assert used_count(vu) == 0

    # Stopped queue: frames fill posted buffers, queue start drops them.
    out = vu.cmd("port 0 rxq 0 stop")
    assert "fail" not in out.lower(), out
    assert "Rx queue state: stopped" in vu.cmd("show rxq info 0 0")
    vhost_send(vh, 3)
    assert wait_used(vu, 3 * BURST) == 3 * BURST
    out = vu.cmd("port 0 rxq 0 start")
    assert "fail" not in out.lower(), out
    assert used_count(vu) == 0
    assert "Rx queue state: started" in vu.cmd("show rxq info 0 0")
    dump = dump_priv(vu)
    assert re.search(r"rxq 0: started.*stopped_drops 96\b", dump), dump

    # Fresh traffic after start is delivered; the dropped frames never were.
    vu.cmd("start")
    vhost_send(vh, 1)
    assert wait_rx(vu, 3 * BURST) == 3 * BURST
    vu.cmd("stop")
    st = vu.stats(0)
    assert st["RX-packets"] == 3 * BURST, st
    assert st["RX-bytes"] == 3 * BURST * 64, st

    vu.cmd("port stop 0")
    assert all(v == 0 for v in pools_in_use(vu).values()), pools_in_use(vu)
    assert_clean_exit(vu)


@pytest.mark.parametrize("devargs", LAYOUTS)
def test_deferred_start_tx_status_and_cleanup(lab, devargs):
    vh, vu = start_pair(lab, devargs)

    # Deferred Rx start: nothing is posted, so nothing can arrive.
    vu.cmd("port stop 0")
    out = vu.cmd("port 0 rxq 0 deferred_start on")
    assert "bad" not in out.lower() and "fail" not in out.lower(), out
    out = vu.cmd("port start 0")
    assert "fail" not in out.lower(), out
    info = vu.cmd("show rxq info 0 0")
    assert "RX deferred start: on" in info and "Rx queue state: stopped" in info, info
    assert desc_status(vu, "rxq", 0) == "UNAVAILABLE"
    vu.wait_link_up(0)
    vhost_send(vh, 1)
    assert used_count(vu) == 0
    vu.cmd("port 0 rxq 0 start")
    assert desc_status(vu, "rxq", 0) == "AVAILABLE"
    vu.cmd("start")
    vhost_send(vh, 1)
    assert wait_rx(vu, BURST) == BURST
    vu.cmd("stop")
    assert vu.stats(0)["RX-packets"] == BURST

    # Tx: the backend does not poll, so 32 sent frames stay in flight.
    vu.cmd("set fwd io")
    vu.cmd("start tx_first 1")
    vu.cmd("stop")
    sent = vu.stats(0)["TX-packets"]
    assert sent == BURST
    assert desc_status(vu, "txq", RING - 1) == "FULL"
    assert desc_status(vu, "txq", 0) == "DONE"
    out = vu.cmd("port cleanup 0 txq 0 0")
    assert re.search(r"mbuf nums: 0\b", out), out
    # The backend takes them; now cleanup frees every one and they are DONE.
    vh.cmd("set fwd rxonly")
    vh.cmd("start")
    vh.wait_stats(lambda s: s[0]["RX-packets"] >= sent)
    vh.cmd("stop")
    assert wait_desc_status(vu, "txq", RING - 1, "DONE") == "DONE", dump_priv(vu)
    out = vu.cmd("port cleanup 0 txq 0 0")
    m = re.search(r"mbuf nums: (\d+)", out)
    assert m and 0 < int(m.group(1)) <= sent, out
    assert "mbufs held 0" in dump_priv(vu)

    vu.cmd("port stop 0")
    assert all(v == 0 for v in pools_in_use(vu).values()), pools_in_use(vu)
    assert_clean_exit(vu)


CYCLES = 100


@pytest.mark.parametrize("devargs", LAYOUTS)
def test_stop_start_cycles_leak_no_mbuf(lab, devargs):
    # testpmd's link wait after each port start is not what this test is about.
    vh, vu = start_pair(lab, devargs, ["--disable-link-check"])
    vh.cmd("set fwd mac")
    vh.cmd("start")
    vu.cmd("set fwd mac")
    # Each cycle: 4 bursts out, the backend loops them back into the Rx ring,
    # forwarding runs while they come back, then the port stops under load.
    cycle = ["start tx_first 4", "stop", "port stop 0", "port start 0"]
    path = lab.path("cycles.cmd")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(cycle * CYCLES) + "\n")
    out = vu.cmd(f"load {path}", timeout=600)
    assert "Fail" not in out, out[-3000:]
    assert out.count("Done.") >= CYCLES, out[-3000:]
    vh.cmd("stop")
    st = vu.stats(0)
    # tx_first sends exactly 4 bursts of 32 per cycle; the rest is forwarding.
    assert st["TX-packets"] >= CYCLES * 4 * BURST, st
    assert st["RX-packets"] > 0, st
    vu.cmd("port stop 0")
    in_use = pools_in_use(vu)
    assert all(v == 0 for v in in_use.values()), \
        f"mbufs not back in the pool after {CYCLES} stop/start cycles: {in_use}"
    assert_clean_exit(vu)
