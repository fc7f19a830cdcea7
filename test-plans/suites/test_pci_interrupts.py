# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Interrupts inside the kernel VM: PCI MSI-X through vfio-pci, and vhost-kernel.

Executes test-plans/virtio_pci_interrupt_test_plan.rst and the vhost-kernel
case of test-plans/virtio_user_interrupt_test_plan.rst. The unchanged
dpdk-l3fwd-power runs in the guest in interrupt-only mode; the host sends
frames into the taps behind the guest's devices, round after round, and reads
the sample's log (written to the shared test directory) for each wake-up and
the sleep after it. Link changes are made with QEMU's monitor (set_link) and
counted as testpmd's LSC events in the guest.
"""

import re
import time

import pytest

from l3fwd_power import EAL_LOG, L3FWD_POWER, app_args, events, sleeps, wakes
from pcaps import make_frames, write_pcap
from test_virtio_pci import STOCK, TapPeer, guest_script, quiet_netns, stock_flag
from vm_lab import GUEST_BIND, VmNic

pytestmark = pytest.mark.kernel_vm

BOOT_TIMEOUT = 300
ROUNDS = 3
FRAMES = 4          # per round
PCI = ["0000:00:06.0", "0000:00:07.0"]


def l3fwd_power_script(vm_lab, eal, config, port_mask, before="", during=""):
    """Guest: run `before`, start l3fwd-power (log in the shared dir), print
    GUEST-READY once it waits for interrupts, run `during`, stop it when the
    host says so."""
    argv = " ".join([f"{L3FWD_POWER}", "-l", "0,1"] + eal + EAL_LOG + ["--"]
                    + [f"'{a}'" for a in app_args(config, port_mask)])
    return guest_script(vm_lab, f"""{before}
stdbuf -o0 -e0 bash $TP_REPO/devtools/dpdk-launch {stock_flag()} {argv} >$DIR/l3.log 2>&1 &
L3=$!
for i in $(seq 1200); do
    grep -q 'entering main interrupt loop on lcore 1' $DIR/l3.log && break
    kill -0 $L3 2>/dev/null || {{ tail -n 40 $DIR/l3.log; exit 1; }}
    sleep 0.1
done
echo GUEST-READY
{during}
wait_file $DIR/host-done 600
kill -INT $L3
wait $L3 || true
""")


def l3_log(vm_lab):
    try:
        with open(vm_lab.path("l3.log"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_log(vm_lab, vm, predicate, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(l3_log(vm_lab)):
            return
        if not vm.running():
            break
        time.sleep(0.2)
    pytest.fail(f"{what} (waited {timeout}s); l3fwd-power log:\n{l3_log(vm_lab)[-3000:]}\n"
                f"console:\n{vm.tail(30)}")


def woke_then_slept(new_events, port):
    """A wake-up on `port` and a sleep after it among the events of this step."""
    for i, e in enumerate(new_events):
        if e[0] == "wake" and e[1] == port:
            return ("sleep",) in new_events[i + 1:]
    return False


def check_rounds(vm_lab, vm, send, ports):
    """Idle: no wake-up. Then per round and port, one port at a time (frames
    arriving while the lcore still polls after another port's wake-up would be
    taken without one): frames in, a wake-up on that port, a sleep after."""
    time.sleep(3)
    assert wakes(l3_log(vm_lab)) == [], "woken up without traffic:\n" + l3_log(vm_lab)
    for r in range(1, ROUNDS + 1):
        for port in ports:
            seen = len(events(l3_log(vm_lab)))
            send(port)
            wait_log(vm_lab, vm, lambda t: woke_then_slept(events(t)[seen:], port),
                     f"round {r}: no wake-up on port {port} followed by a sleep")
            new = events(l3_log(vm_lab))[seen:]
            assert new[0][0] == "wake", f"round {r}, port {port}: {new}"


# (id, the two devices' VmNic settings, extra EAL arguments, the log lines
# naming each port's device)
MSIX_VARIANTS = [
    # Modern split and packed devices, vfio-pci behind the virtual IOMMU.
    ("modern-split-packed",
     [dict(iommu_platform=True), dict(iommu_platform=True, packed=True)], [],
     ["Rx path virtio_recv_mergeable_pkts,", "Rx path virtio_recv_mergeable_pkts_packed"]),
    # A legacy device (vectors in the legacy registers, device configuration
    # moved to offset 24 once MSI-X is on) and a transitional one. A legacy
    # device cannot translate through the IOMMU (no iommu_platform), and
    # Debian's kernel has no no-IOMMU vfio: IOVA as physical addresses makes
    # the IOMMU mapping the identity the device assumes.
    ("legacy-transitional",
     [dict(mode="legacy"), dict(mode="transitional")], ["--iova-mode=pa"],
     ["0000:00:06.0: virtio-pci-legacy device", "0000:00:07.0: virtio-pci-modern device"]),
]


@pytest.mark.skipif(STOCK, reason="checks this driver's MSI-X programming")
@pytest.mark.parametrize("nic_kw,eal,expect", [v[1:] for v in MSIX_VARIANTS],
                         ids=[v[0] for v in MSIX_VARIANTS])
def test_pci_msix_wakes_l3fwd_power(vm_lab, nic_kw, eal, expect):
    """Two devices through vfio-pci with MSI-X wake one l3fwd-power lcore."""
    ns = quiet_netns(vm_lab, "irq")
    taps = [vm_lab.create_tap("vit0", netns=ns), vm_lab.create_tap("vit1", netns=ns)]
    nics = [VmNic(addr, backend="tap", ifname=tap, **kw)
            for addr, tap, kw in zip(("06.0", "07.0"), taps, nic_kw)]
    # To each device's own address: l3fwd-power does not ask for promiscuous
    # mode, and the device (VIRTIO_NET_F_CTRL_RX) then drops other unicast.
    for nic in nics:
        mac = bytes.fromhex(nic.mac.replace(":", ""))
        write_pcap(vm_lab.path(f"A-{nic.ifname}.pcap"),
                   [mac + f[6:] for f in make_frames([64, 256], FRAMES, "A")])
    peers = [TapPeer(vm_lab, ns, t, vm_lab.path(f"A-{t}.pcap"), vm_lab.path(f"got{t}.pcap"))
             for t in taps]
    try:
        vm = vm_lab.vm(nics=nics, iommu=True)
        binds = "".join(f"bash {GUEST_BIND} {b} vfio-pci\n" for b in PCI)
        vm.start(l3fwd_power_script(vm_lab, [f"-a {b}" for b in PCI] + eal +
                                    ["--log-level=pmd.net.virtio.*:info"],
                                    "(0,0,1),(1,0,1)", "0x3", before=binds))
        vm.wait_for("GUEST-READY", BOOT_TIMEOUT)
        log = l3_log(vm_lab)
        for line in expect:
            assert line in log, log

        def send(port):
            assert peers[port].command("send") == f"SENT {FRAMES}"
        check_rounds(vm_lab, vm, send, [0, 1])
    finally:
        for p in peers:
            p.kill()
    open(vm_lab.path("host-done"), "w").close()
    res = vm.wait(BOOT_TIMEOUT)
    assert res.returncode == 0, res.output[-3000:]
    assert len(wakes(l3_log(vm_lab))) >= 2 * ROUNDS


def test_vhost_kernel_ping_wakes_l3fwd_power(vm_lab):
    """virtio-user + vhost-kernel in the guest: a ping on tap0 wakes the sample.

    tap0 belongs to the guest's kernel, so the guest pings, one round each
    time the host creates ping-<round>; the ARP requests reach l3fwd-power
    through vhost-net.
    """
    # No IPv6 chatter (router solicitations, DAD) from the guest's tap0.
    before = """modprobe vhost_net
modprobe tun
sysctl -qw net.ipv6.conf.all.disable_ipv6=1
sysctl -qw net.ipv6.conf.default.disable_ipv6=1
"""
    during = f"""for i in $(seq 600); do ip link show tap0 >/dev/null 2>&1 && break; sleep 0.1; done
ip addr add 10.7.7.1/24 dev tap0
ip link set tap0 up
echo TAP-UP
for r in $(seq {ROUNDS}); do
    wait_file $DIR/ping-$r 300
    ping -c 1 -W 2 -I tap0 10.7.7.2 >/dev/null 2>&1 || true
done
"""
    vm = vm_lab.vm(nics=[])
    vm.start(l3fwd_power_script(vm_lab, ["--no-pci", "--single-file-segments",
                                         "--vdev=virtio_user0,path=/dev/vhost-net"],
                                "(0,0,1)", "0x1", before=before, during=during))
    vm.wait_for("TAP-UP", BOOT_TIMEOUT)
    rounds = iter(range(1, ROUNDS + 1))
    check_rounds(vm_lab, vm, lambda port: open(vm_lab.path(f"ping-{next(rounds)}"), "w").close(),
                 [0])
    open(vm_lab.path("host-done"), "w").close()
    res = vm.wait(BOOT_TIMEOUT)
    assert res.returncode == 0, res.output[-3000:]


LSC_EVENT = "Port 0: link state change event"


@pytest.mark.skipif(STOCK, reason="checks this driver's error message")
def test_pci_lsc_on_set_link_and_uio_refusal(vm_lab):
    """QEMU set_link off/on: one LSC event each in testpmd; uio_pci_generic
    cannot give interrupts and configure says so."""
    ns = quiet_netns(vm_lab, "lsc")
    tap = vm_lab.create_tap("vlt0", netns=ns)
    vm = vm_lab.vm(nics=[VmNic("06.0", backend="tap", ifname=tap, iommu_platform=True)],
                   iommu=True)
    uio_argv = " ".join([L3FWD_POWER, "-l", "0,1", f"-a {PCI[0]}", "--"]
                        + [f"'{a}'" for a in app_args("(0,0,1)", "0x1")])
    vm.start(guest_script(vm_lab, f"""bash {GUEST_BIND} {PCI[0]} vfio-pci
tp_start $DIR/guest.log -l 0,1 -a {PCI[0]} -- --total-num-mbufs=2048
tp_wait 'testpmd> ' 120
tp "show port info 0"
tp_wait 'Link status: up' 30
echo GUEST-LINK-UP
tp_wait '{LSC_EVENT}' 120
tp "show port info 0"
tp_wait 'Link status: down' 30
echo GUEST-SAW-DOWN
for i in $(seq 1200); do
    [ "$(grep -c '{LSC_EVENT}' $DIR/guest.log)" -ge 2 ] && break
    sleep 0.1
done
tp "show port info 0"
sleep 2
tp_quit
bash {GUEST_BIND} {PCI[0]} uio_pci_generic
rc=0
bash $TP_REPO/devtools/dpdk-launch {uio_argv} >$DIR/uio.log 2>&1 || rc=$?
echo "uio l3fwd-power exit $rc"
"""))
    vm.wait_for("GUEST-LINK-UP", BOOT_TIMEOUT)
    vm.monitor("set_link nic0 off")
    vm.wait_for("GUEST-SAW-DOWN", 120)
    time.sleep(2)
    vm.monitor("set_link nic0 on")
    res = vm.wait(BOOT_TIMEOUT)
    assert res.returncode == 0, res.output[-3000:]
    with open(vm_lab.path("guest.log"), encoding="utf-8", errors="replace") as f:
        log = f.read()
    assert log.count(LSC_EVENT) == 2, log[-3000:]
    assert re.findall(r"Link status:\s*(\w+)", log) == ["up", "down", "up"], log[-3000:]
    with open(vm_lab.path("uio.log"), encoding="utf-8", errors="replace") as f:
        uio = f.read()
    assert "need MSI-X through vfio-pci; the device is bound to uio_pci_generic" in uio, uio
    assert "Cannot configure device: err=-95" in uio, uio     # -ENOTSUP, no crash
    assert "uio l3fwd-power exit 0" not in res.output
