# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Per-queue extended statistics of the virtio port, read three ways.

Executes test-plans/virtio_stats_test_plan.rst. The topology of
test_virtio_user_vhost_user.py: a net_pcap port next to the stock net_vhost
in one testpmd and next to the virtio-user port in the other, both in io
forwarding. Each pcap holds a known mix of frame sizes (every size bucket
boundary) and destination addresses (unicast, multicast, broadcast, and a
group address that is not broadcast), so the exact value of every Rx and
Tx xstat of the virtio port is known beforehand. The values are then read

  - with 'show port xstats' (rte_eth_xstats_get_names / rte_eth_xstats_get),
  - with 'show port stats' and --display-xstats (rte_eth_xstats_get_id_by_name,
    then rte_eth_xstats_get_by_id),
  - through the telemetry socket with Debian's dpdk-telemetry.py
    (/ethdev/xstats,<port>),

and must all equal the expectation. 'clear port xstats' must zero them, as
seen by each of the three.
"""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import RUNTIME_DIR, STOCK
from pcaps import make_frame, write_pcap
from test_virtio_user_vhost_user import (PATHS, PCAP_PORT, VHOST_PORT, VIRTIO_PORT,
                                         assert_path, cmd_ok, jumbo_setup, virtio_vdev)

TELEMETRY = shutil.which("dpdk-telemetry.py") or "/usr/bin/dpdk-telemetry.py"

UNICAST = bytes.fromhex("020000000101")
MULTICAST = bytes.fromhex("01005e000001")
BROADCAST = b"\xff" * 6
GROUP_NOT_BC = bytes.fromhex("fffffffffffe")   # group bit set: multicast

BOUNDARIES = [60, 63, 64, 65, 127, 128, 255, 256, 511, 512, 1023, 1024, 1518, 1519]
JUMBO = 9000

BUCKETS = [("undersize", 0, 63), ("size_64", 64, 64), ("size_65_127", 65, 127),
           ("size_128_255", 128, 255), ("size_256_511", 256, 511),
           ("size_512_1023", 512, 1023), ("size_1024_1518", 1024, 1518),
           ("size_1519_max", 1519, 1 << 32)]

# Our counters of invalid device writes: none may move in a clean run.
RX_DEVICE_ERRORS = ("bad_used_idx", "bad_used_id", "bad_used_len", "bad_num_buffers",
                    "vec_stalls")
TX_DEVICE_ERRORS = ("bad_used_idx", "bad_used_id", "vec_stalls")

# Shown by 'show port stats' through rte_eth_xstats_get_by_id. Only names
# that are the driver's alone: ethdev answers a request that includes one of
# its own basic stats (rx_q0_errors is one of them too, see the user guide)
# with a full rte_eth_xstats_get instead of the driver's by-id op.
BY_ID = ["rx_q0_good_packets", "rx_q0_multicast_packets", "rx_q0_size_64_packets",
         "rx_q0_size_1519_max_packets", "rx_q0_bad_used_id", "tx_q0_good_bytes",
         "tx_q0_broadcast_packets", "tx_q0_undersize_packets"]

# Three rows: the default path (virtio-user's defaults: split, in order,
# mergeable), packed mergeable, and the vectorized split path.
ROWS = {p.id: p for p in PATHS}
CASES = [pytest.param(ROWS["split-inorder-mrg"], True, id="default-split-inorder-mrg"),
         pytest.param(ROWS["packed-mrg"], True, id="packed-mrg"),
         pytest.param(ROWS["split-vec"], False, id="split-vec")]


def with_dst(frame, dst):
    return dst + frame[6:]


def traffic(direction, jumbo, dsts):
    """Frames of every boundary size, each with every destination of `dsts`."""
    sizes = BOUNDARIES + ([JUMBO] if jumbo else [])
    frames = []
    for size in sizes:
        for dst in dsts:
            frames.append(with_dst(make_frame(size, len(frames), direction), dst))
    return frames


def expected_xstats(frames, prefix):
    """What rx_q0_* or tx_q0_* must say after `frames` went through."""
    exp = {
        "good_packets": len(frames),
        "good_bytes": sum(map(len, frames)),
        "errors": 0,
        "multicast_packets": sum(1 for f in frames if f[0] & 1 and f[:6] != BROADCAST),
        "broadcast_packets": sum(1 for f in frames if f[:6] == BROADCAST),
    }
    for name, lo, hi in BUCKETS:
        exp[name + "_packets"] = sum(1 for f in frames if lo <= len(f) <= hi)
    errors = RX_DEVICE_ERRORS if prefix == "rx" else TX_DEVICE_ERRORS
    for name in errors:
        exp[name] = 0
    return {f"{prefix}_q0_{k}": v for k, v in exp.items()}


def parse_xstats(text):
    """'show port xstats N' output into {name: value}."""
    return {k: int(v) for k, v in re.findall(r"^\s*(\w+):\s+(\d+)\s*$", text, re.M)}


def parse_display_xstats(text, names):
    """The --display-xstats rows of 'show port stats N': name, value, rate."""
    got = {}
    for name in names:
        m = re.search(r"^\s*%s\s+(\d+)" % re.escape(name), text, re.M)
        if m:
            got[name] = int(m.group(1))
    return got


def telemetry_xstats(prefix, port):
    """/ethdev/xstats,<port> through Debian's dpdk-telemetry.py."""
    res = subprocess.run([TELEMETRY, "-f", prefix], input=f"/ethdev/xstats,{port}\n",
                         capture_output=True, text=True, timeout=30,
                         # The script appends dpdk/<prefix> to this.
                         env={"RUNTIME_DIRECTORY": os.path.dirname(RUNTIME_DIR),
                              "PATH": "/usr/bin:/bin"})
    lines = [ln for ln in res.stdout.splitlines() if ln.strip().startswith("{")]
    assert res.returncode == 0 and lines, \
        f"dpdk-telemetry.py -f {prefix}: rc={res.returncode}\n{res.stdout}\n{res.stderr}"
    reply = json.loads(lines[-1])
    assert "/ethdev/xstats" in reply, f"telemetry reply without /ethdev/xstats: {reply}"
    return reply["/ethdev/xstats"]


def mismatches(got, want):
    return {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}


@pytest.mark.skipif(STOCK, reason="our own xstats (device error counters) and by-id op")
@pytest.mark.parametrize("path,jumbo", CASES)
def test_xstats_exact(lab, path, jumbo):
    to_virtio = traffic("A", jumbo, [UNICAST, MULTICAST, BROADCAST, GROUP_NOT_BC])
    from_virtio = traffic("B", jumbo, [BROADCAST, UNICAST, MULTICAST])[:-2]
    want = expected_xstats(to_virtio, "rx")
    want.update(expected_xstats(from_virtio, "tx"))
    shown_by_id = BY_ID

    a, b = lab.path("A.pcap"), lab.path("B.pcap")
    write_pcap(a, to_virtio)
    write_pcap(b, from_virtio)
    sock = lab.path("vhost.sock")
    vh = lab.vhost([f"net_pcap0,rx_pcap={a},tx_pcap={lab.path('outA.pcap')}",
                    f"net_vhost0,iface={sock}"], app=["--no-flush-rx"])
    vu = lab.virtio([f"net_pcap0,rx_pcap={b},tx_pcap={lab.path('outB.pcap')}",
                     virtio_vdev(sock, **path.devargs)],
                    app=["--no-flush-rx", "--display-xstats=" + ",".join(shown_by_id)],
                    extra_eal=path.eal)
    if jumbo:
        jumbo_setup()(vu)
    vu.wait_link_up(VIRTIO_PORT)
    vh.wait_link_up(VHOST_PORT)
    assert_path(vu, VIRTIO_PORT, path)
    cmd_ok(vu, "set fwd io")
    cmd_ok(vh, "set fwd io")

    vu.cmd("start")
    vh.cmd("start")
    vh.wait_stats(lambda s: s[PCAP_PORT]["RX-packets"] >= len(to_virtio)
                  and s[PCAP_PORT]["TX-packets"] >= len(from_virtio))
    vu.wait_stats(lambda s: s[PCAP_PORT]["RX-packets"] >= len(from_virtio)
                  and s[PCAP_PORT]["TX-packets"] >= len(to_virtio))
    vu.cmd("stop")
    vh.cmd("stop")

    shown = parse_xstats(vu.cmd(f"show port xstats {VIRTIO_PORT}"))
    bad = mismatches(shown, want)
    assert not bad, f"show port xstats: {{name: (got, expected)}} {bad}"
    assert shown["rx_good_packets"] == len(to_virtio)
    assert shown["tx_good_packets"] == len(from_virtio)

    by_id = parse_display_xstats(vu.cmd(f"show port stats {VIRTIO_PORT}"), shown_by_id)
    bad = mismatches(by_id, {k: want[k] for k in shown_by_id})
    assert not bad, f"--display-xstats (by id): {{name: (got, expected)}} {bad}"

    tele = telemetry_xstats(vu.prefix, VIRTIO_PORT)
    bad = mismatches(tele, want)
    assert not bad, f"telemetry /ethdev/xstats: {{name: (got, expected)}} {bad}"
    ours = [k for k in tele if re.match(r"[rt]x_q\d+_", k)]
    assert sorted(ours) == sorted(k for k in shown if re.match(r"[rt]x_q\d+_", k)), \
        "telemetry and testpmd list different per-queue xstats"

    cmd_ok(vu, f"clear port xstats {VIRTIO_PORT}")
    zero = {k: 0 for k in want}
    shown = parse_xstats(vu.cmd(f"show port xstats {VIRTIO_PORT}"))
    assert not mismatches(shown, zero), f"after clear: {mismatches(shown, zero)}"
    assert not [k for k, v in shown.items() if v], \
        f"xstats not zero after 'clear port xstats': {[k for k, v in shown.items() if v]}"
    by_id = parse_display_xstats(vu.cmd(f"show port stats {VIRTIO_PORT}"), shown_by_id)
    assert by_id == {k: 0 for k in shown_by_id}, f"by id after clear: {by_id}"
    tele = telemetry_xstats(vu.prefix, VIRTIO_PORT)
    assert not [k for k, v in tele.items() if v], \
        f"telemetry not zero after clear: {[k for k, v in tele.items() if v]}"
    code = vu.quit()
    assert code == 0 and not vu.crashed(), vu.tail()
