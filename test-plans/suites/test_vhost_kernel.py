# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""virtio-user with the vhost-kernel backend, inside a kernel VM.

Executes test-plans/virtio_user_vhost_kernel_test_plan.rst (after DTS
virtio_user_as_exceptional_path_test_plan.rst, without a physical NIC: the
Linux stack on the tap is the far end). This machine has no /dev/vhost-net,
so one kernel VM (devtools/kernel_vm.py, QEMU TCG) runs every scenario of
vk_guest.py in a single boot and reports facts; the tests below assert them.

Scenarios:
  mq            queues=2, queue_size=1024, default name: tap0 is a multi-queue
                vnet-header tap; kernel -> testpmd and testpmd -> kernel on
                both queues, counted and content-checked; ping answered by
                testpmd's icmpecho; mbufs back; tap0 gone after quit.
  packed_iface  queues=1, packed_vq=1, iface=vkpk%d: vkpk0 single-queue; the
                kernel has no packed rings, so the port says it runs split;
                ping; gone after quit.
  bad_iface     iface=lo: no port, an error naming TUNSETIFF and 'lo'.
"""

import json
import os
import sys

import pytest

from conftest import REPO, virtio_launch_prefix

sys.path.insert(0, os.path.join(REPO, "devtools"))

from kernel_vm import KernelVM  # noqa: E402

pytestmark = pytest.mark.kernel_vm

GUEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vk_guest.py")
VIRTIO_MAC = "00:01:02:03:04:05"
FRAMES_IN = 64
FRAME_IN_LEN = 14 + 20 + 8 + 64     # what vk_guest.py sends toward testpmd

# linux/if_tun.h
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000
IFF_MULTI_QUEUE = 0x0100


@pytest.fixture(scope="module")
def vm_facts(tmp_path_factory):
    """Boots one VM, runs every scenario, returns {scenario: facts}."""
    virtio_launch_prefix()          # fails (never skips) when our driver is not built
    log = tmp_path_factory.mktemp("vk") / "console.log"
    vm = KernelVM(smp=2, memory_mb=2048, hugepages=512, timeout=600, log_path=str(log))
    try:
        res = vm.run(f"/usr/bin/python3 {GUEST}")
    finally:
        vm.kill()
    facts = {}
    for line in res.output.splitlines():
        if line.startswith("VK-RESULT "):
            d = json.loads(line[len("VK-RESULT "):])
            facts[d["scenario"]] = d
    facts["_returncode"] = res.returncode
    facts["_output_tail"] = "\n".join(res.output.splitlines()[-60:])
    return facts


def scenario(vm_facts, name):
    f = vm_facts.get(name)
    assert f is not None, f"scenario {name} reported nothing:\n{vm_facts['_output_tail']}"
    assert "error" not in f, f"scenario {name} failed in the guest:\n{f['error']}\n" + \
        f.get("log_tail", "")
    return f


def test_guest_environment(vm_facts):
    assert vm_facts["_returncode"] == 0, vm_facts["_output_tail"]
    mods = scenario(vm_facts, "modules")
    assert mods["rc"] == 0, f"modprobe vhost_net tun failed: {mods['out']}"
    left = scenario(vm_facts, "leftovers")
    assert left["testpmd"] == "", f"testpmd survived its scenario: {left['testpmd']}"


def test_tap_created_multi_queue(vm_facts):
    f = scenario(vm_facts, "mq")
    tap = f["tap"]
    assert "tap0" in f["netdevs"] and tap["exists"], f"no tap0: {f['netdevs']}"
    want = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE
    assert tap["tun_flags"] & want == want, f"tun_flags 0x{tap['tun_flags']:x}:\n{tap['ip_d_link']}"
    assert "multi_queue" in tap["ip_d_link"] and "vnet_hdr on" in tap["ip_d_link"], \
        tap["ip_d_link"]
    # Both queue pairs attached while the port runs.
    assert f["tap_queues_running"] == ["rx-0", "rx-1", "tx-0", "tx-1"], f["tap_queues_running"]
    # The driver does not bring the tap up: the user configures it (exception-path doc).
    assert tap["operstate_before"] == "down", tap["operstate_before"]
    assert "Burst mode: virtio_recv_mergeable_pkts (split ring)" in f["rxq_burst"], f["rxq_burst"]
    assert "Number of RXDs: 1024" in f["rxq_burst"], f["rxq_burst"]


def test_kernel_to_testpmd_both_queues(vm_facts):
    """64 UDP flows sent on tap0 arrive at testpmd, spread over both Rx queues, intact."""
    f = scenario(vm_facts, "mq")
    x = f["in_xstats"]
    assert x["rx_q0_packets"] > 0 and x["rx_q1_packets"] > 0, f"one Rx queue idle: {x}"
    assert x["rx_q0_packets"] + x["rx_q1_packets"] == FRAMES_IN, x
    assert x["rx_q0_bytes"] + x["rx_q1_bytes"] == FRAMES_IN * FRAME_IN_LEN, x
    logged = f["in_logged"]
    assert len(logged) == FRAMES_IN, f"testpmd logged {len(logged)} frames"
    bad = [e for e in logged
           if e[1:] != [f["in_src_mac"], VIRTIO_MAC, "0x0800", FRAME_IN_LEN]]
    assert not bad, f"frames changed on the way (vnet header size?): {bad[:5]}"
    assert {e[0] for e in logged} == {0, 1}, "frames were not logged on both queues"


def test_testpmd_to_kernel_both_queues(vm_facts):
    """txonly on both Tx queues: the tap counts exactly what testpmd sent, frames intact."""
    f = scenario(vm_facts, "mq")
    x = f["out_xstats"]
    assert x["tx_q0_packets"] > 0 and x["tx_q1_packets"] > 0, f"one Tx queue idle: {x}"
    assert x["tx_q0_packets"] + x["tx_q1_packets"] == f["out_sent"] > 0, (x, f["out_sent"])
    assert f["out_tap_rx"] == f["out_sent"], \
        f"testpmd sent {f['out_sent']}, tap0 received {f['out_tap_rx']}"
    assert f["out_tap_rx_dropped"] == 0, f["out_tap_rx_dropped"]
    assert f["out_sniffed"] > 0, "no frame from testpmd was captured on tap0"
    assert f["out_bad"] == [], f"frames captured on tap0 differ from what txonly sends: " \
        f"{f['out_bad']}"


def test_ping_answered_by_testpmd(vm_facts):
    f = scenario(vm_facts, "mq")
    p = f["ping"]
    assert p["rc"] == 0 and p["received"] == p["sent"] == 5, p["text"]


def test_teardown_removes_tap(vm_facts):
    f = scenario(vm_facts, "mq")
    assert f["exit"] == 0 and not f["crashed"], f.get("log_tail")
    assert all(v == 0 for v in f["mbufs_in_use"].values()), f["mbufs_in_use"]
    assert "tap0" not in f["netdevs_after"], f"tap0 outlived testpmd: {f['netdevs_after']}"


def test_iface_and_packed_fallback(vm_facts):
    """iface=vkpk%d names the tap; packed_vq=1 runs split on vhost-net and says so."""
    f = scenario(vm_facts, "packed_iface")
    assert "vkpk0" in f["netdevs"], f["netdevs"]
    assert "tap0" not in f["netdevs"], f["netdevs"]
    flags = f["tap"]["tun_flags"]
    assert flags & (IFF_TAP | IFF_VNET_HDR) == IFF_TAP | IFF_VNET_HDR, hex(flags)
    assert not flags & IFF_MULTI_QUEUE, f"a single-queue port made a multi-queue tap: {flags:x}"
    assert "does not offer VIRTIO_F_RING_PACKED: using a split ring" in f["log"], \
        "no message says the packed ring request fell back to split"
    assert "(split ring)" in f["rxq_burst"], f["rxq_burst"]
    p = f["ping"]
    assert p["rc"] == 0 and p["received"] == p["sent"] == 3, p["text"]
    assert f["exit"] == 0 and not f["crashed"]
    assert all(v == 0 for v in f["mbufs_in_use"].values()), f["mbufs_in_use"]
    assert "vkpk0" not in f["netdevs_after"], f["netdevs_after"]


def test_iface_not_a_tap_refused(vm_facts):
    f = scenario(vm_facts, "bad_iface")
    assert not f["crashed"], f["log"][-2000:]
    if "summary" in f:
        assert "Number of available ports: 0" in f["summary"], f["summary"]
    lines = [ln for ln in f["log"].splitlines() if "TUNSETIFF" in ln and "'lo'" in ln]
    assert lines, "no error names TUNSETIFF and the interface:\n" + f["log"][-2000:]
    assert "iface" in lines[0], lines[0]
    assert f["netdevs_after"] == ["lo"], f["netdevs_after"]
