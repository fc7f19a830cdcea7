# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""virtio-user server mode (server=1) and reconnection to a restarted backend.

Executes test-plans/virtio_user_server_mode_test_plan.rst, after DTS
loopback_virtio_user_server_mode_test_plan.rst: our virtio-user listens on
the socket, the stock net_vhost connects to it (client=1) from another
testpmd. The backend quits or is killed and starts again; traffic resumes
by itself, counted exactly in both directions, on a representative set of
Rx/Tx paths (split in-order mergeable, split mergeable, split vectorized,
packed mergeable, packed in-order non-mergeable, packed vectorized or its
fallback). Link state and LSC events are checked on every loss and return,
and every mbuf is back in its pool at the end.
"""

import re
import time

import pytest

from conftest import STOCK, VIRTIO_MAC
from test_virtio_user_vhost_user import (PATH_BY_ID, assert_path, devargs_text,
                                         pools_in_use)

BURSTS = 2                 # tx_first bursts per exchange
BURST = 32                 # testpmd's default burst size
EXCHANGE = BURSTS * BURST  # packets each way per exchange
LSC = "Port 0: link state change event"
LOSS_LINE = "the vhost-user backend closed the connection: link down"

pytestmark = pytest.mark.skipif(STOCK, reason="the stock driver's server mode has "
                                "other log lines; these tests check ours")


def vhost_client(lab, sock, wait=True, queues=1):
    """The stock net_vhost connecting to our socket, as in the DTS plan."""
    return lab.vhost([f"net_vhost0,iface={sock},client=1,queues={queues}"],
                     app=[f"--rxq={queues}", f"--txq={queues}"], wait=wait)


def virtio_server(lab, sock, devargs="", eal=(), wait=True, queues=1):
    tp = lab.virtio([f"net_virtio_user0,mac={VIRTIO_MAC},path={sock},server=1,"
                     f"queues={queues}{devargs}"], extra_eal=eal, wait=wait,
                    app=[f"--rxq={queues}", f"--txq={queues}"])
    tp.queues = queues
    return tp


def wait_for(predicate, what, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} (waited {timeout}s); {proc.name}:\n{proc.tail(40)}")


def exchange(vu, vh):
    """EXCHANGE packets per queue each way, both sides in rxonly; exact counts.

    The virtio port has forwarded in rxonly since it started (its lcore polls
    through losses and reconnections). Its stats are cleared while its lcore
    is stopped: a reset racing with the lcore's own counter updates may be lost.
    """
    total = EXCHANGE * vu.queues  # testpmd sends tx_first bursts on every queue
    vh.cmd("set fwd rxonly")
    vh.cmd("start")
    vu.cmd("stop")
    vu.cmd("clear port stats all")
    vu.cmd(f"start tx_first {BURSTS}")
    s = vh.wait_stats(lambda s: s[0]["RX-packets"] >= total)
    assert s[0]["RX-packets"] == total, f"virtio -> vhost: {s[0]}"
    vh.cmd("stop")
    vh.cmd(f"start tx_first {BURSTS}")
    s = vu.wait_stats(lambda s: s[0]["RX-packets"] >= total)
    vh.cmd("stop")
    time.sleep(0.3)  # nothing more may arrive: the counts must stay exact
    s_vu, s_vh = vu.stats(0), vh.stats(0)
    assert s_vu["TX-packets"] == total and s_vu["RX-packets"] == total, s_vu
    assert s_vh["RX-packets"] == total and s_vh["TX-packets"] == total, s_vh
    assert s_vu["RX-bytes"] == 64 * total and s_vu["TX-bytes"] == 64 * total, s_vu
    assert s_vu["RX-errors"] == 0 and s_vu["TX-errors"] == 0, s_vu
    vh.cmd("clear port stats all")


def assert_no_mbufs_in_use(vu):
    vu.cmd("stop")
    out = vu.cmd("port stop 0")
    assert "Fail" not in out, out
    in_use = pools_in_use(vu)
    assert all(v == 0 for v in in_use.values()), f"mbufs still in use: {in_use}"


# (path, queue pairs, control queue): one pair on each path, two (every ring
# handed over again, as in the DTS plan's multi-queue cases) on one split and
# one packed path; with cq=1 the pairs the application enabled through the
# control queue must be enabled again on the new backend.
RECONNECT_CASES = [("split-inorder-mrg", 1, 0), ("split-mrg", 2, 0), ("split-vec", 1, 0),
                   ("packed-mrg", 1, 0), ("packed-inorder-nonmrg", 2, 1), ("packed-vec", 1, 0)]


@pytest.mark.parametrize("path_id,queues,cq", [
    pytest.param(p, q, c, id=f"{p}-{q}q" + ("-cq" if c else "")) for p, q, c in RECONNECT_CASES])
def test_reconnect_after_backend_quit(lab, path_id, queues, cq):
    path = PATH_BY_ID[path_id]
    sock = lab.path("vhost-net")
    # DTS test cases 1 and 2: virtio-user first, probe waits for the backend.
    vu = virtio_server(lab, sock, devargs_text(path.devargs) + f",cq={cq}", path.eal,
                       wait=False, queues=queues)
    vh = vhost_client(lab, sock, queues=queues)
    vu.wait_prompt()
    assert "server=1: listening on" in vu.output
    vu.cmd("set fwd rxonly")
    vu.cmd("start")
    assert_path(vu, 0, path)
    vu.wait_link_up(0)
    exchange(vu, vh)

    # The backend quits: link down, one event, one log line.
    vh.quit()
    wait_for(lambda: LSC in vu.output, "no LSC event after the backend quit", vu)
    assert not vu.link_up(0)
    assert vu.output.count(LOSS_LINE) == 1
    # It comes back: link up, one more event, same path, exact counts.
    vh = vhost_client(lab, sock, queues=queues)
    wait_for(lambda: vu.output.count(LSC) == 2, "no LSC event after the backend "
             "came back", vu)
    vu.wait_link_up(0)
    assert_path(vu, 0, path)
    exchange(vu, vh)
    assert vu.output.count(LSC) == 2 and vu.output.count(LOSS_LINE) == 1
    assert_no_mbufs_in_use(vu)
    assert not vu.crashed()


@pytest.mark.parametrize("path_id", ["split-inorder-mrg", "packed-inorder-mrg"])
def test_backend_killed_mid_traffic(lab, path_id):
    path = PATH_BY_ID[path_id]
    sock = lab.path("vhost-net")
    vh = vhost_client(lab, sock)
    vu = virtio_server(lab, sock, devargs_text(path.devargs), path.eal)
    vu.wait_link_up(0)
    vh.cmd("set fwd mac")
    vh.cmd("start")
    vu.cmd("set fwd mac")
    vu.cmd("start tx_first 8")
    s = vu.wait_stats(lambda s: min(s[0]["RX-packets"], s[0]["TX-packets"]) > 50_000)
    assert min(s[0]["RX-packets"], s[0]["TX-packets"]) > 50_000, s

    vh.kill()  # SIGKILL: no goodbye on the socket, buffers in flight
    wait_for(lambda: LSC in vu.output, "no LSC event after SIGKILL of the backend", vu)
    assert not vu.link_up(0)
    time.sleep(0.5)
    assert vu.output.count(LOSS_LINE) == 1 and vu.output.count(LSC) == 1

    vh = vhost_client(lab, sock)
    vu.wait_link_up(0)
    assert vu.output.count(LSC) == 2
    vh.cmd("set fwd mac")
    vh.cmd("start tx_first 8")
    since = vu.stats(0)
    s = vu.wait_stats(lambda s: min(s[0]["RX-packets"] - since["RX-packets"],
                                    s[0]["TX-packets"] - since["TX-packets"]) > 50_000)
    grown = min(s[0]["RX-packets"] - since["RX-packets"],
                s[0]["TX-packets"] - since["TX-packets"])
    assert grown > 50_000, f"traffic did not resume: {since} -> {s[0]}"
    assert s[0]["RX-errors"] == 0 and s[0]["TX-errors"] == 0, s
    vh.cmd("stop")
    assert_no_mbufs_in_use(vu)
    out = vu.cmd("show port xstats 0")
    bad = {k: int(v) for k, v in re.findall(r"(\w*bad\w*):\s*(\d+)", out) if int(v)}
    assert not bad, f"the ring was handed over wrong, the device wrote bad entries: {bad}"
    assert not vu.crashed()


def test_backend_connects_after_start(lab):
    """No backend at probe: the port starts with link down and comes up on connect."""
    sock = lab.path("vhost-net")
    vu = virtio_server(lab, sock)
    assert "no vhost-user backend connected to" in vu.output
    vu.cmd("set fwd rxonly")
    vu.cmd("start")
    assert not vu.link_up(0)
    vh = vhost_client(lab, sock)
    wait_for(lambda: LSC in vu.output, "no LSC event when the backend connected", vu)
    vu.wait_link_up(0)
    assert vu.output.count(LSC) == 1 and LOSS_LINE not in vu.output
    exchange(vu, vh)
    assert_no_mbufs_in_use(vu)


def test_client_mode_without_backend(lab):
    sock = lab.path("nobody.sock")
    vu = lab.virtio([f"net_virtio_user0,mac={VIRTIO_MAC},path={sock}"], wait=False)
    if not vu.wait_exit():
        vu.quit()
    line = next((ln for ln in vu.output.splitlines() if "cannot connect" in ln), "")
    assert sock in line, vu.tail()
    assert "start the vhost-user backend first" in line and "server=1" in line, line


def test_virtio_restarts_backend_stays(lab):
    """DTS steps 7 and 8: virtio-user goes (killed, its socket file left behind)
    and comes back; the waiting backend connects to the new socket."""
    sock = lab.path("vhost-net")
    vh = vhost_client(lab, sock)
    vu = virtio_server(lab, sock)
    vu.cmd("set fwd rxonly")
    vu.cmd("start")
    vu.wait_link_up(0)
    vh.wait_link_up(0)
    exchange(vu, vh)
    vu.kill()
    wait_for(lambda: not vh.link_up(0), "vhost port still up after virtio-user died", vh)
    vu = virtio_server(lab, sock)  # replaces the stale socket file
    vu.cmd("set fwd rxonly")
    vu.cmd("start")
    vu.wait_link_up(0)
    vh.wait_link_up(0)
    exchange(vu, vh)
    assert_no_mbufs_in_use(vu)
