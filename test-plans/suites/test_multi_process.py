# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Multi-process: a secondary process runs Rx/Tx and reads stats on our port.

Executes test-plans/virtio_multi_process_test_plan.rst. The stock net_vhost
with two queue pairs in one testpmd; our virtio-user port with two queue
pairs created by a primary testpmd (--num-procs=2 --proc-id=0) and used by a
secondary testpmd (--proc-type=secondary --proc-id=1): testpmd gives each
process one queue pair to forward. dpdk-proc-info, a third process, reads
the stats, xstats and the private dump as another secondary.
"""

import os
import re
import subprocess
import time

import pytest

from conftest import STOCK, TESTPMD, VIRTIO_MAC, virtio_launch_prefix
from test_virtio_user_vhost_user import assert_clean_exit, pools_in_use
from test_multi_queue import queue_xstats
import testpmd

QUEUES = 2
PACKETS = 20_000       # per queue, before the checks

LAYOUTS = [
    pytest.param({}, id="split"),
    pytest.param({"packed_vq": 1}, id="packed"),
]


def vdev(sock, devargs):
    extra = "".join(f",{k}={v}" for k, v in devargs.items())
    return f"virtio_user0,mac={VIRTIO_MAC},path={sock},queues={QUEUES}{extra}"


def app_args(proc_id):
    return ["-i", f"--rxq={QUEUES}", f"--txq={QUEUES}", "--nb-cores=1",
            f"--num-procs=2", f"--proc-id={proc_id}"]


def secondary_env(lab):
    """The lab's environment for a secondary process: sanitizer reports go to the
    lab's files like every other process's, but without leak detection. A
    secondary's EAL allocates the vdev device object (librte_bus_vdev) and never
    frees it, a leak of DPDK's, not of the driver's."""
    return dict(lab.env, ASAN_OPTIONS=lab.env["ASAN_OPTIONS"] + ":detect_leaks=0")


def secondary(lab, primary, eal_vdev, proc_id=1):
    """A secondary testpmd on the primary's file prefix; the lab kills it too."""
    argv = virtio_launch_prefix() + [TESTPMD, "-l", "0,1", "--main-lcore=0", "--no-pci",
                                     f"--file-prefix={primary.prefix}",
                                     "--single-file-segments", "--proc-type=secondary",
                                     "--vdev", eal_vdev, "--"] + app_args(proc_id)
    tp = testpmd.Testpmd(argv, f"{len(lab.procs)}-secondary", lab.dir,
                         env=secondary_env(lab))
    tp.prefix = primary.prefix
    lab.procs.append(tp)
    tp.wait_prompt()
    return tp


# Secondary processes map the primary's memory at the primary's addresses. With
# the sanitizer build every process also carries the ASan runtime, whose own
# mappings land at random places and can take that range in a secondary
# ("Cannot reserve ... please use '--base-virtaddr'"). A base far above where
# mmap places anything (32 TiB, in ASan's application range) keeps it free.
PRIMARY_BASE_VIRTADDR = "--base-virtaddr=0x200000000000"


def proc_info(lab, primary, eal_vdev, *args):
    argv = virtio_launch_prefix() + ["dpdk-proc-info", "--no-pci",
                                     f"--file-prefix={primary.prefix}",
                                     "--vdev", eal_vdev, "--"] + list(args)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                         env=secondary_env(lab))
    assert out.returncode == 0, f"dpdk-proc-info {args}: exit {out.returncode}\n" \
                                f"{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return out.stdout


def pid_of_testpmd(tp):
    """The dpdk-testpmd process under the launcher (same process group)."""
    pids = subprocess.run(["pgrep", "-g", str(tp.pid)], capture_output=True,
                          text=True).stdout.split()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
                if f.read().strip() == "dpdk-testpmd":
                    return int(pid)
        except OSError:
            continue
    raise AssertionError(f"no dpdk-testpmd in process group {tp.pid}: {pids}")


def eventfds(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += "eventfd" in os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return n


def wait_queues(tp, count, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        per = queue_xstats(tp)
        low = [q for q in range(QUEUES) if per.get(("rx", q), {}).get("packets", 0) <= count]
        if not low or time.monotonic() > deadline:
            return per, low
        time.sleep(0.3)


def stream_line(start_output):
    m = re.search(r"RX P=0/Q=(\d+) .*?-> TX P=0/Q=(\d+)", start_output)
    assert m, f"no forwarding stream in:\n{start_output}"
    return int(m.group(1)), int(m.group(2))


@pytest.mark.skipif(STOCK, reason="runs our driver's multi-process support")
@pytest.mark.parametrize("devargs", LAYOUTS)
def test_secondary_forwards_its_queue_and_reads_stats(lab, devargs):
    sock = lab.path("vhost.sock")
    vh = lab.vhost([f"net_vhost0,iface={sock},queues={QUEUES}"],
                   app=[f"--rxq={QUEUES}", f"--txq={QUEUES}", "--nb-cores=1"])
    eal_vdev = vdev(sock, devargs)
    pri = lab.virtio([eal_vdev], app=app_args(0)[1:],
                     extra_eal=["--proc-type=primary", PRIMARY_BASE_VIRTADDR])
    sec = secondary(lab, pri, eal_vdev)
    assert "secondary process attached to port 0 (started)" in sec.output, sec.tail()
    # The same burst functions in both processes, by index.
    assert pri.cmd("show rxq info 0 1").split("Burst mode:")[1].split("\n")[0] == \
        sec.cmd("show rxq info 0 1").split("Burst mode:")[1].split("\n")[0]

    for tp in (pri, sec):
        tp.cmd("set fwd mac")
    assert stream_line(pri.cmd("start")) == (0, 0)
    assert stream_line(sec.cmd("start")) == (1, 1)
    vh.cmd("set fwd mac")
    vh.cmd("start tx_first 32")
    per, low = wait_queues(pri, PACKETS)
    assert not low, f"queues {low} carried {PACKETS} packets or fewer:\n{per}"

    # The secondary's Tx kicks go through its own copies of the kick eventfds.
    assert eventfds(pid_of_testpmd(sec)) == 2 * QUEUES

    # Only the secondary polls queue 1: stopping it freezes queue 1 alone.
    sec.cmd("stop")
    q1 = queue_xstats(pri)[("rx", 1)]["packets"]
    q0 = queue_xstats(pri)[("rx", 0)]["packets"]
    per = pri.wait_stats(lambda s: queue_xstats(pri)[("rx", 0)]["packets"] > q0 + PACKETS)
    now = queue_xstats(pri)
    assert now[("rx", 0)]["packets"] > q0 + PACKETS, now
    assert now[("rx", 1)]["packets"] == q1, f"queue 1 moved without its process: {now}"

    pri.cmd("stop")
    vh.cmd("stop")
    # Both processes and dpdk-proc-info read the same counters.
    st_pri, st_sec = pri.stats(0), sec.stats(0)
    assert st_pri["RX-packets"] == st_sec["RX-packets"] > 2 * PACKETS, (st_pri, st_sec)
    assert st_pri["TX-packets"] == st_sec["TX-packets"], (st_pri, st_sec)
    per_pri = queue_xstats(pri)
    per_vh = queue_xstats(vh)
    for q in range(QUEUES):
        assert per_pri[("tx", q)]["packets"] == per_vh[("rx", q)]["packets"], \
            f"queue {q}: virtio sent {per_pri[('tx', q)]}, vhost got {per_vh[('rx', q)]}"
    xstats = proc_info(lab, pri, eal_vdev, "--xstats")
    for q in range(QUEUES):
        m = re.search(rf"rx_q{q}_packets: (\d+)", xstats)
        assert m and int(m.group(1)) == per_pri[("rx", q)]["packets"], xstats
    dump = proc_info(lab, pri, eal_vdev, "--show-port-private")
    assert re.search(r"rxq 1: started.*packets " + str(per_pri[("rx", 1)]["packets"]), dump), \
        dump

    # A secondary may clear the shared counters too.
    proc_info(lab, pri, eal_vdev, "--stats-reset")
    st = pri.stats(0)
    assert st["RX-packets"] == 0 and st["TX-packets"] == 0, st

    # The secondary leaves; the primary's port keeps working.
    assert_clean_exit(sec)
    pri.cmd("start")
    vh.cmd("start tx_first 8")
    before = pri.stats(0)["RX-packets"]
    st = pri.wait_stats(lambda s: s[0]["RX-packets"] > before + PACKETS)
    assert st[0]["RX-packets"] > before + PACKETS, st
    pri.cmd("stop")
    vh.cmd("stop")
    pri.cmd("port stop 0")
    in_use = pools_in_use(pri)
    assert all(v == 0 for v in in_use.values()), in_use
    assert_clean_exit(pri)


# --------------------------------------------------------------------------
# PCI, inside a kernel VM: the secondary runs the datapath of a modern device.
# --------------------------------------------------------------------------

PCI_FRAMES = 48
PCI_SIZES = [64, 512, 1514]
BOOT_TIMEOUT = 300

PCI_GUEST = r"""
bash {bind} 0000:00:06.0 uio_pci_generic
# The primary probes and starts the port, and does not forward.
tp_start $DIR/primary.log -l 0,1 --main-lcore=0 -a 0000:00:06.0 --file-prefix=vmp \
    --proc-type=primary -- --port-topology=loop --forward-mode=io --total-num-mbufs=4096
tp_wait 'testpmd> ' 120
# The secondary forwards: io on port 0 looped back to port 0.
rm -f /tmp/sec.fifo; mkfifo /tmp/sec.fifo
stdbuf -o0 -e0 bash $TP_REPO/devtools/dpdk-launch dpdk-testpmd -l 0,1 --main-lcore=1 \
    -a 0000:00:06.0 --file-prefix=vmp --proc-type=secondary -- --port-topology=loop \
    --forward-mode=io </tmp/sec.fifo >$DIR/secondary.log 2>&1 &
SEC=$!
exec 4>/tmp/sec.fifo
for i in $(seq 1 1200); do
    grep -q 'Press enter to exit' $DIR/secondary.log && break
    kill -0 $SEC
    sleep 0.1
done
grep -q 'Press enter to exit' $DIR/secondary.log
echo GUEST-FORWARDING
wait_file $DIR/host-sent 120
proc_info() {{
    bash $TP_REPO/devtools/dpdk-launch dpdk-proc-info -a 0000:00:06.0 --file-prefix=vmp -- "$@"
}}
for i in $(seq 1 120); do
    proc_info --stats >$DIR/procinfo.txt 2>&1
    grep -Eq "TX-packets: +{frames}\b" $DIR/procinfo.txt && break
    sleep 0.5
done
proc_info --show-port-private >$DIR/private.txt 2>&1
echo >&4
exec 4>&-
wait $SEC
echo "secondary exit status $?"
tp "show port stats 0"
sleep 1
tp_quit
"""


@pytest.mark.kernel_vm
@pytest.mark.skipif(STOCK, reason="runs our driver's multi-process support")
def test_pci_secondary_forwards(vm_lab):
    """A modern PCI device: the primary starts it, a secondary loops host frames back."""
    from pcaps import diff_frames, make_frames, read_pcap, write_pcap
    from test_virtio_pci import GUEST_LIB, TapPeer, guest_script, quiet_netns
    from vm_lab import GUEST_BIND, VmNic

    frames = make_frames(PCI_SIZES, PCI_FRAMES, "A")
    write_pcap(vm_lab.path("A.pcap"), frames)
    ns = quiet_netns(vm_lab, "mp")
    tap = vm_lab.create_tap("vmp0", netns=ns)
    peer = TapPeer(vm_lab, ns, tap, vm_lab.path("A.pcap"), vm_lab.path("gotA.pcap"))
    total = PCI_FRAMES
    try:
        # uio_pci_generic without an IOMMU: the quickest guest that has BARs to map.
        vm = vm_lab.vm(nics=[VmNic("06.0", backend="tap", ifname=tap, mode="modern")])
        vm.start(guest_script(vm_lab, PCI_GUEST.format(bind=GUEST_BIND, frames=total)))
        vm.wait_for("GUEST-FORWARDING", BOOT_TIMEOUT)
        assert peer.command("send") == f"SENT {total}"
        open(vm_lab.path("host-sent"), "w").close()
        res = vm.wait(BOOT_TIMEOUT)
        time.sleep(1)      # the last frames may still be in QEMU
        got = peer.dump()
    finally:
        peer.kill()

    def read(name):
        with open(vm_lab.path(name), encoding="utf-8", errors="replace") as f:
            return f.read()

    assert res.returncode == 0, res.output[-3000:]
    sec_log = read("secondary.log")
    assert "secondary process attached to port 0 (started)" in sec_log, sec_log[-3000:]
    assert "secondary exit status 0" in res.output, res.output[-3000:]
    # Every frame went in through the device and back out of it, unchanged,
    # moved by the secondary alone (the primary never started forwarding).
    d = diff_frames(frames, got)
    assert not d, "host tap -> secondary -> host tap:\n" + d
    stats = read("procinfo.txt")
    assert re.search(rf"RX-packets: +{total}\b", stats), stats
    assert re.search(rf"TX-packets: +{total}\b", stats), stats
    private = read("private.txt")
    assert re.search(rf"rxq 0: started.*packets {total}\b", private), private
    assert "VERSION_1" in private, private
