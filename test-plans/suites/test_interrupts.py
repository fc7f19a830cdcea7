# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Rx interrupts and link state change interrupts on virtio-user + vhost-user.

Executes test-plans/virtio_user_interrupt_test_plan.rst (host part). The
unchanged dpdk-l3fwd-power runs in interrupt-only mode on our virtio-user
port; the stock net_vhost in a testpmd feeds it bursts. Each check reads the
sample's own log: its lcore wakes on a burst, goes back to sleep when the
queue is empty, and wakes again on the next burst; the packets it forwarded
come back to the vhost port, counted.
"""

import os
import time

import pytest

from l3fwd_power import EAL_LOG, L3FWD_POWER, app_args, events, sleeps, wakes

BURST = 32          # testpmd's tx_first burst per stream
ROUNDS = 3


def wait_until(predicate, timeout, what, proc):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if not proc.alive():
            break
        time.sleep(0.1)
    pytest.fail(f"{what} (waited {timeout}s); {proc.name} output:\n{proc.tail(40)}")


@pytest.fixture(scope="module", autouse=True)
def _l3fwd_power_built():
    if not os.access(L3FWD_POWER, os.X_OK):
        pytest.fail(f"{L3FWD_POWER} missing; run devtools/setup.sh (it builds the sample "
                    "from package dpdk-doc)", pytrace=False)


@pytest.mark.parametrize("queues", [1, 2], ids=["1q", "2q"])
@pytest.mark.parametrize("ring", ["split", "packed"])
def test_l3fwd_power_sleeps_and_wakes(lab, ring, queues):
    sock = lab.path("vhost-net")
    vhost = lab.vhost([f"net_vhost0,iface={sock},queues={queues}"],
                      app=[f"--rxq={queues}", f"--txq={queues}"])
    vdev = f"virtio_user0,path={sock},queues={queues}"
    if ring == "packed":
        vdev += ",packed_vq=1"
    config = ",".join(f"(0,{q},1)" for q in range(queues))
    l3 = lab.app(L3FWD_POWER, EAL_LOG + ["--vdev", vdev], app_args(config), "l3fwd-power")
    wait_until(lambda: "entering main interrupt loop on lcore 1" in l3.output, 60,
               "l3fwd-power did not reach its interrupt loop", l3)
    assert ("packed" in l3.output) == (ring == "packed"), "ring layout not as asked"

    # Idle: the lcore sleeps in epoll and nothing wakes it.
    time.sleep(2)
    assert wakes(l3.output) == [], "woken up with no traffic"

    vhost.cmd("set fwd rxonly")
    for r in range(1, ROUNDS + 1):
        seen = len(events(l3.output))
        vhost.cmd("start tx_first")
        # Woken on every queue that got the burst, then asleep again.
        wait_until(lambda: {e[2] for e in wakes(l3.output)} >= set(range(queues))
                   and len(sleeps(l3.output)) >= r, 20,
                   f"round {r}: no wake-up on every queue followed by a sleep", l3)
        new = events(l3.output)[seen:]
        assert new and new[0][0] == "wake", f"round {r}: first event is not a wake-up: {new}"
        assert ("sleep",) in new, f"round {r}: the lcore did not go back to sleep: {new}"
        # l3fwd-power routed the burst back out of port 0: all of it arrived.
        st = vhost.wait_stats(lambda s: s[0]["RX-packets"] >= r * BURST * queues)
        assert st[0]["RX-packets"] == r * BURST * queues
        vhost.cmd("stop")
    assert {e[2] for e in wakes(l3.output)} == set(range(queues))
    assert len(wakes(l3.output)) >= ROUNDS
    assert not l3.crashed()


def test_lsc_event_when_backend_goes_away(lab):
    sock = lab.path("vhost-net")
    vhost = lab.vhost([f"net_vhost0,iface={sock},queues=1,client=0"])
    vhost.cmd("set fwd mac")
    vhost.cmd("start")
    virtio = lab.virtio([f"net_virtio_user0,mac=00:01:02:03:04:05,path={sock}"],
                        app=["--tx-offloads=0x00"])
    virtio.cmd("set fwd mac")
    virtio.cmd("start")
    virtio.wait_link_up(0)
    assert "link state change" not in virtio.output

    vhost.quit()
    wait_until(lambda: "Port 0: link state change event" in virtio.output, 20,
               "no LSC event after the backend quit", virtio)
    assert not virtio.link_up(0)
    time.sleep(2)
    # One event and one log line per change, not a flood.
    assert virtio.output.count("Port 0: link state change event") == 1
    assert virtio.output.count("closed the connection: link down") == 1
    virtio.cmd("stop")
    assert virtio.quit() == 0
