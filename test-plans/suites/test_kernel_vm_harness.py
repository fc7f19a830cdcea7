# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Smoke tests of the kernel-VM harness (devtools/kernel_vm.py).

Executes test-plans/kernel_vm_harness_test_plan.rst. Every boot costs seconds
under TCG, so each test boots once (twice for the error paths) and checks
everything that boot can show.
"""

import os
import re

import pytest

from vm_lab import GUEST_BIND, KernelVM, VmError, VmNic

pytestmark = pytest.mark.kernel_vm

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOOT_TIMEOUT = 240          # one boot + script under load (TCG, 2 cores shared)
VENDOR = "0x1af4"
MODERN_ID, LEGACY_ID = "0x1041", "0x1000"
QUEUE_SIZE = 256            # QEMU's virtio-net default ring size


def kv(output, key):
    """Value of the 'KEY=value' line of a guest's output (exactly one)."""
    vals = re.findall(rf"^{re.escape(key)}=(.*)$", output, re.M)
    assert len(vals) == 1, f"expected one {key}= line in the guest output:\n{output}"
    return vals[0]


def pci_ids_script(bdfs):
    return "".join(f"echo ID{b}=$(cat /sys/bus/pci/devices/{b}/vendor) "
                   f"$(cat /sys/bus/pci/devices/{b}/device)\n" for b in bdfs)


def test_script_status_output_and_guest_environment(vm_lab):
    """Exit status and output come back; mounts, shared dir, DPDK in the guest."""
    with open(vm_lab.path("from-host.txt"), "w", encoding="utf-8") as f:
        f.write("host to guest\n")
    script = f"""
echo out-line
echo err-line >&2
cat {vm_lab.dir}/from-host.txt
printf 'written by the guest\\n' > {vm_lab.dir}/from-guest.txt
if touch /usr/vmh-ro-probe 2>/dev/null; then echo ROOT=writable; else echo ROOT=readonly; fi
echo ROOTFS=$(awk '$2 == "/" {{print $3 "," $4}}' /proc/mounts)
ok=yes
for d in /tmp /run /var/tmp /var/log /root /dev/shm; do
    touch $d/probe || ok=no
    [ "$(stat -f -c %T $d)" = tmpfs ] || ok="no ($d)"
done
echo TMPFS=$ok
echo HUGE=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages) \
    $(awk '$2 == "/dev/hugepages" {{print $3}}' /proc/mounts)
echo LO=$(ip -o link show lo | grep -c 'LOOPBACK,UP')
echo VIRTIO_NET=$(test -d /sys/module/virtio_net && echo loaded || echo absent)
echo UID=$(id -u)
echo SHELL_IS=$BASH_VERSION
echo REPO=$(test -f {REPO}/devtools/kernel_vm.py && echo visible)
printf 'start\\nstop\\nquit\\n' | dpdk-testpmd --no-pci --vdev net_null0 -l 0,1 -m 64 \
    --file-prefix vmh -- -i --total-num-mbufs=2048 > /tmp/testpmd.log 2>&1
echo TESTPMD=$?
grep -c '^Bye' /tmp/testpmd.log | sed 's/^/TESTPMD_BYE=/'
exit 3
"""
    vm = vm_lab.vm(hugepages=64)
    res = vm.run(script, timeout=BOOT_TIMEOUT)
    out = res.output
    print(out)
    assert res.returncode == 3
    lines = out.splitlines()
    assert lines[:3] == ["out-line", "err-line", "host to guest"], out
    assert "VMH-" not in out and not re.search(r"^\[ *\d+\.\d+\]", out, re.M), \
        "harness markers or kernel messages leaked into the script output"
    with open(vm_lab.path("from-guest.txt"), encoding="utf-8") as f:
        assert f.read() == "written by the guest\n"
    assert kv(out, "ROOT") == "readonly"
    assert kv(out, "ROOTFS").startswith("9p,ro,")
    assert kv(out, "TMPFS") == "yes"
    assert kv(out, "HUGE") == "64 hugetlbfs"
    assert kv(out, "LO") == "1"
    assert kv(out, "VIRTIO_NET") == "absent"
    assert kv(out, "UID") == "0"
    assert kv(out, "SHELL_IS"), "the script did not run under bash"
    assert kv(out, "REPO") == "visible"
    assert kv(out, "TESTPMD") == "0", "dpdk-testpmd (net_null) failed in the guest"
    assert kv(out, "TESTPMD_BYE") == "1"
    # The console keeps what the output leaves out, for diagnosis.
    assert "# qemu: " in res.console and "# kernel cmdline: " in res.console
    assert re.search(r"^\[ *\d+\.\d+\] Linux version", res.console, re.M)
    print(f"boot + script: {res.duration:.1f} s")


def test_errors_timeout_and_panic(vm_lab):
    """A hung script times out (QEMU killed), a panic is an error, bad NICs fail early."""
    with pytest.raises(VmError, match="tap vmh-missing0 does not exist"):
        vm_lab.vm(nics=[VmNic("06.0", ifname="vmh-missing0")]).start("true")
    with pytest.raises(VmError, match="socket .* does not exist"):
        vm_lab.vm(nics=[VmNic("06.0", backend="vhost-user",
                              socket=vm_lab.path("none.sock"))]).start("true")
    with pytest.raises(VmError, match="iommu_platform needs"):
        KernelVM(nics=[VmNic("06.0", backend="vhost-user", socket="/",
                             iommu_platform=True)]).start("true")

    vm = vm_lab.vm()
    vm.start("echo ARMED; sleep 600")
    assert vm.wait_for(r"^ARMED$", BOOT_TIMEOUT).group(0) == "ARMED"
    with pytest.raises(VmError, match="still running after 2 s"):
        vm.wait(timeout=2)
    assert not vm.running() and vm.proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(vm.proc.pid, 0)
    vm.kill()       # idempotent

    vm = vm_lab.vm()
    vm.start("echo CRASHING; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger;"
             " sleep 30; echo SURVIVED")
    with pytest.raises(VmError) as ei:
        vm.wait(timeout=BOOT_TIMEOUT)
    msg = str(ei.value)
    assert "no exit status" in msg and "Kernel panic" in msg, msg
    with pytest.raises(VmError, match="VM exited before"):
        vm.wait_for("SURVIVED", 5)


def test_nic_ids_and_tap_ping(vm_lab):
    """Legacy and transitional NICs at 06.0/07.0; ping both ways over a tap."""
    ns = vm_lab.create_netns("vmh-ping")
    tap0 = vm_lab.create_tap("vmh0", netns=ns, addr="10.0.0.1/24")
    tap1 = vm_lab.create_tap("vmh1", netns=ns)
    nics = [VmNic("06.0", backend="tap", ifname=tap0, mode="legacy"),
            VmNic("07.0", backend="tap", ifname=tap1, mode="transitional")]
    done = vm_lab.path("host-done")
    script = pci_ids_script(n.bdf for n in nics) + f"""
echo DRIVER06=$(basename $(readlink /sys/bus/pci/devices/0000:00:06.0/driver))
echo NETDEVS_BEFORE=$(ls /sys/class/net | grep -vx lo | wc -l)
modprobe virtio_net || exit 10
dev=$(ls /sys/bus/pci/devices/0000:00:06.0/virtio*/net/)
echo MAC=$(cat /sys/class/net/$dev/address)
ip addr add 10.0.0.2/24 dev $dev && ip link set $dev up || exit 11
ping -c 3 -W 5 10.0.0.1 >/dev/null; echo PING=$?
echo READY
n=0
while [ ! -e {done} ]; do sleep 0.2; n=$((n + 1)); [ $n -lt 600 ] || exit 12; done
"""
    vm = vm_lab.vm(nics=nics)
    vm.start(script)
    vm.wait_for(r"^READY$", BOOT_TIMEOUT)
    ping = vm_lab.netns_run(ns, ["ping", "-c", "3", "-W", "5", "10.0.0.2"])
    with open(done, "w", encoding="utf-8"):
        pass
    res = vm.wait(BOOT_TIMEOUT)
    out = res.output
    print(out)
    assert res.returncode == 0, out
    assert kv(out, "ID0000:00:06.0") == f"{VENDOR} {LEGACY_ID}"
    assert kv(out, "ID0000:00:07.0") == f"{VENDOR} {LEGACY_ID}"
    assert kv(out, "DRIVER06") == "virtio-pci"
    assert kv(out, "NETDEVS_BEFORE") == "0", "virtio_net must not be loaded by the harness"
    assert kv(out, "MAC") == "52:54:00:00:06:00"
    assert kv(out, "PING") == "0", "guest could not ping the host tap"
    assert ping.returncode == 0, f"host could not ping the guest:\n{ping.stdout}"
    print(f"boot + script: {res.duration:.1f} s")


SEND_FRAMES = r"""
import socket, sys
dev, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
src = open(f"/sys/class/net/{dev}/address").read().strip()
hdr = b"\xff" * 6 + bytes.fromhex(src.replace(":", "")) + b"\x88\xb5"
for i in range(count):
    s.send(hdr + i.to_bytes(4, "big") + b"\0" * 50)
print("SENT=%d" % count)
"""


def test_vhost_user_nic(vm_lab, lab):
    """A vhost-user NIC (2 queue pairs) reaches the host's stock net_vhost."""
    sock = lab.path("vhu0.sock")
    vh = lab.vhost([f"net_vhost0,iface={sock},client=0,queues=2"],
                   app=["--rxq=2", "--txq=2"])
    vh.cmd("set fwd rxonly")
    vh.cmd("start")
    assert os.path.exists(sock), "net_vhost did not create its socket at port start"
    frames = 200
    done = vm_lab.path("host-done")
    with open(vm_lab.path("send.py"), "w", encoding="utf-8") as f:
        f.write(SEND_FRAMES)
    nic = VmNic("06.0", backend="vhost-user", socket=sock, mode="modern", queues=2)
    script = pci_ids_script([nic.bdf]) + f"""
modprobe virtio_net || exit 10
dev=$(ls /sys/bus/pci/devices/{nic.bdf}/virtio*/net/)
echo QUEUES=$(ls -d /sys/class/net/$dev/queues/rx-* | wc -l)
sysctl -qw net.ipv6.conf.$dev.disable_ipv6=1
ip link set $dev up || exit 11
python3 {vm_lab.path("send.py")} $dev {frames}
# Stay up until the host has counted: frames still in the ring are lost when
# QEMU exits.
n=0
while [ ! -e {done} ]; do sleep 0.2; n=$((n + 1)); [ $n -lt 600 ] || exit 12; done
"""
    vm = vm_lab.vm(nics=[nic])
    vm.start(script)
    vm.wait_for(r"^SENT=\d+$", BOOT_TIMEOUT)
    st = vh.wait_stats(lambda s: s[0].get("RX-packets", 0) >= frames, timeout=60)
    with open(done, "w", encoding="utf-8"):
        pass
    res = vm.wait(BOOT_TIMEOUT)
    out = res.output
    print(out)
    assert res.returncode == 0, out
    assert kv(out, "ID0000:00:06.0") == f"{VENDOR} {MODERN_ID}"
    assert kv(out, "QUEUES") == "2"
    assert kv(out, "SENT") == str(frames)
    assert st[0]["RX-packets"] >= frames, f"net_vhost counted {st[0]} of {frames} frames"
    print(f"boot + script: {res.duration:.1f} s")


def test_iommu_vfio_and_dpdk_in_guest(vm_lab):
    """vIOMMU guest: a modern iommu_platform NIC on vfio-pci runs the stock net_virtio."""
    ns = vm_lab.create_netns("vmh-iommu")
    tap = vm_lab.create_tap("vmhi0", netns=ns)
    nic = VmNic("06.0", backend="tap", ifname=tap, mode="modern", iommu_platform=True)
    script = pci_ids_script([nic.bdf]) + f"""
echo IOMMUS=$(ls /sys/class/iommu | wc -l)
{GUEST_BIND} {nic.bdf} vfio-pci || exit 10
echo DRIVER=$(basename $(readlink /sys/bus/pci/devices/{nic.bdf}/driver))
{GUEST_BIND} {nic.bdf} no-such-driver 2>&1; echo BADBIND=$?
printf 'show port info 0\\nset fwd txonly\\nstart\\nstop\\nquit\\n' | \
    dpdk-testpmd -l 0,1 -a {nic.bdf} -m 64 --file-prefix vmh -- -i --total-num-mbufs=2048
echo TESTPMD=$?
"""
    vm = vm_lab.vm(nics=[nic], iommu=True)
    res = vm.run(script, timeout=BOOT_TIMEOUT + 120)
    out = res.output
    print(out)
    assert res.returncode == 0, out
    assert kv(out, "ID0000:00:06.0") == f"{VENDOR} {MODERN_ID}"
    assert int(kv(out, "IOMMUS")) >= 1, "no /sys/class/iommu/* in the guest"
    assert kv(out, "DRIVER") == "vfio-pci"
    assert kv(out, "BADBIND") == "1" and "unknown driver 'no-such-driver'" in out
    assert "intel_iommu=on" in res.console
    assert kv(out, "TESTPMD") == "0"
    assert re.search(r"Selected IOVA mode 'VA'", out), "vfio did not use the vIOMMU"
    assert re.search(r"Driver name: net_virtio\b", out)
    assert "Bye..." in out
    sent = re.search(r"Accumulated forward statistics.*?TX-packets:\s+(\d+)", out, re.S)
    assert sent and int(sent.group(1)) > 0, "the guest's testpmd sent nothing"
    # What the guest's DPDK sent came out of the host tap.
    stats = {}
    for k in ("rx_packets", "rx_dropped"):
        r = vm_lab.netns_run(ns, ["cat", f"/sys/class/net/{tap}/statistics/{k}"], check=True)
        stats[k] = int(r.stdout)
    # Up to a ring of frames may still be queued when testpmd closes the port.
    got, sent = stats["rx_packets"] + stats["rx_dropped"], int(sent.group(1))
    assert sent - QUEUE_SIZE <= got <= sent, f"testpmd sent {sent}, the tap got {stats}"
    print(f"boot + script: {res.duration:.1f} s")
