# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""The PCI driver net_virtio inside a kernel VM (QEMU TCG).

Executes test-plans/virtio_pci_test_plan.rst. Each test boots one guest whose
virtio-net-pci devices are backed by host taps or by a host vhost-user
socket; dpdk-testpmd with the driver under test runs in the guest on those
devices, bound to vfio-pci (behind a virtual IOMMU) or uio_pci_generic.
Frames are checked byte for byte in both directions (pcaps.py), and the
guest's port counters must match what crossed.
"""

import os
import subprocess
import time

import pytest

from pcaps import diff_frames, make_frames, read_pcap, write_pcap
from testpmd import parse_port_stats
from vm_lab import GUEST_BIND, VmNic

pytestmark = pytest.mark.kernel_vm

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST_LIB = os.path.join(HERE, "guest", "testpmd.sh")
TAP_IO = os.path.join(HERE, "tap_io.py")
BOOT_TIMEOUT = 300
FRAMES = 48          # per direction: below every ring size, so nothing may drop
SIZES = [64, 128, 512, 1024, 1514]   # 1514: a full frame at the tap's MTU 1500
STOCK = os.environ.get("VIRTIO_PMD", "").strip().lower() == "stock"

# (id, VmNic mode/packed, guest binding, vIOMMU, burst mode the port must report)
DEVICES = [
    ("modern-vfio-iommu", dict(mode="modern", iommu_platform=True), "vfio-pci", True,
     "virtio_recv_mergeable_pkts"),
    ("modern-packed-vfio-iommu", dict(mode="modern", packed=True, iommu_platform=True),
     "vfio-pci", True, "virtio_recv_mergeable_pkts_packed"),
    ("legacy-uio", dict(mode="legacy"), "uio_pci_generic", False,
     "virtio_recv_mergeable_pkts"),
    ("transitional-uio", dict(mode="transitional"), "uio_pci_generic", False,
     "virtio_recv_mergeable_pkts"),
]


def guest_script(vm_lab, body):
    """A guest script: the testpmd helpers, fail on any error, then body."""
    return f"set -e\nsource {GUEST_LIB}\nDIR={vm_lab.dir}\n{body}"


def stock_flag():
    return "--stock" if STOCK else ""


class TapPeer:
    """tap_io.py in the tap's namespace: sends pcap frames, captures tagged ones."""

    def __init__(self, vm_lab, netns, iface, send_pcap, out_pcap):
        self.out = out_pcap
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", netns, "/usr/bin/python3", TAP_IO, "--iface", iface,
             "--send", send_pcap, "--out", out_pcap],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "READY"

    def command(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def dump(self):
        reply = self.command("dump")
        self.proc.wait(timeout=30)
        return read_pcap(self.out) if reply.startswith("DUMPED") else []

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def quiet_netns(vm_lab, name):
    """A namespace whose new interfaces send no IPv6 chatter into the guest."""
    ns = vm_lab.create_netns(name)
    vm_lab.netns_run(ns, ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
                     check=True)
    vm_lab.netns_run(ns, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check=True)
    return ns


@pytest.mark.parametrize("nic_kw,binding,iommu,rx_path",
                         [d[1:] for d in DEVICES], ids=[d[0] for d in DEVICES])
def test_pci_tap_content(vm_lab, nic_kw, binding, iommu, rx_path):
    """Frames cross between a host tap and testpmd on the PCI device, both ways."""
    to_guest = make_frames(SIZES, FRAMES, "A")
    from_guest = make_frames(SIZES, FRAMES, "B")
    write_pcap(vm_lab.path("A.pcap"), to_guest)
    write_pcap(vm_lab.path("B.pcap"), from_guest)
    ns = quiet_netns(vm_lab, "pci")
    tap = vm_lab.create_tap("vpt0", netns=ns)
    peer = TapPeer(vm_lab, ns, tap, vm_lab.path("A.pcap"), vm_lab.path("gotA.pcap"))
    try:
        vm = vm_lab.vm(nics=[VmNic("06.0", backend="tap", ifname=tap, **nic_kw)],
                       iommu=iommu)
        # Port 0 is the PCI device, port 1 a pcap pair: io forwarding moves
        # B.pcap out through the device and what the device receives into outB.pcap.
        vm.start(guest_script(vm_lab, f"""
bash {GUEST_BIND} 0000:00:06.0 {binding}
tp_start $DIR/guest.log {stock_flag()} -l 0,1 -a 0000:00:06.0 \\
    --vdev net_pcap0,rx_pcap=$DIR/B.pcap,tx_pcap=$DIR/outB.pcap -- --forward-mode=io --no-flush-rx --total-num-mbufs=2048
tp_wait 'testpmd> ' 120
tp "show rxq info 0 0"
tp start
tp_wait 'Logical Core' 30
echo GUEST-FORWARDING
wait_file $DIR/host-sent 120
wait_rx 0 {FRAMES} 60
tp stop
tp "show port stats all"
sleep 1
tp_quit
"""))
        vm.wait_for("GUEST-FORWARDING", BOOT_TIMEOUT)
        assert peer.command("send") == f"SENT {FRAMES}"
        open(vm_lab.path("host-sent"), "w").close()
        res = vm.wait(BOOT_TIMEOUT)
        # What the guest sent may still be on its way through QEMU.
        time.sleep(1)
        got_a = peer.dump()
    finally:
        peer.kill()
    log = open(vm_lab.path("guest.log"), encoding="utf-8", errors="replace").read()
    print(res.output[-3000:])
    assert res.returncode == 0, res.output[-3000:]
    if not STOCK:
        assert f"Burst mode: {rx_path}" in log
    d = diff_frames(to_guest, read_pcap(vm_lab.path("outB.pcap")))
    assert not d, "host tap -> guest PCI port:\n" + d
    d = diff_frames(from_guest, got_a)
    assert not d, "guest PCI port -> host tap:\n" + d
    stats = parse_port_stats(log)
    assert stats[0]["RX-packets"] == FRAMES
    assert stats[0]["RX-bytes"] == sum(map(len, to_guest))
    assert stats[0]["TX-packets"] == FRAMES
    assert stats[0]["TX-bytes"] == sum(map(len, from_guest))
