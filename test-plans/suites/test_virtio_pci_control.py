# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Control queue features of the PCI driver inside a kernel VM (QEMU TCG).

Executes test-plans/virtio_pci_control_queue_test_plan.rst. One guest boots
with a virtio-net-pci device of 4 queue pairs (mq=on, rss=on) on a
multi-queue host tap. QEMU implements CTRL_RX, CTRL_VLAN, CTRL_MAC_ADDR, MQ
and RSS (software RSS in QEMU without vhost). testpmd with our driver runs
in the guest in rxonly mode with verbose output; the host sends frames into
the tap for each step and the guest logs which frames arrived on which
queue. Filtering is done by the device, so a filtered frame never reaches
the port: every step asserts exactly which frames arrived.

The host drives the guest through the shared directory: it writes step-K
(testpmd commands, or START/QUIT/END), the guest runs them and prints
READY-K, the host sends the step's frames and writes expect-K (how many must
arrive), the guest waits for them, snapshots its log to snap-K.log and
prints DONE-K.
"""

import os
import re
import time

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from pcaps import write_pcap
from test_virtio_pci import TapPeer, guest_script, quiet_netns
from vm_lab import GUEST_BIND, VmNic

pytestmark = [pytest.mark.kernel_vm,
              pytest.mark.skipif(os.environ.get("VIRTIO_PMD", "").strip().lower() == "stock",
                                 reason="checks our driver's control-queue features")]

BOOT_TIMEOUT = 300
STEP_TIMEOUT = 120
QUEUES = 4
BDF = "0000:00:06.0"
PORT_MAC = "52:54:00:00:06:00"
FOREIGN = "02:00:00:00:99:01"
MCAST = "01:00:5e:00:00:fb"
MCAST2 = "01:00:5e:00:00:fc"
NEW_MAC = "02:00:00:00:aa:01"
KEY = "".join(f"{i:02x}" for i in range(0x40, 0x68))

GUEST_LOOP = r"""
nstat() { grep -c "NIC statistics for port 0" "$TP_LOG" || true; }
sync_tp() {
	local n i
	n=$(nstat)
	tp "show port stats 0"
	for ((i = 0; i < 600; i++)); do
		[ "$(nstat)" -gt "$n" ] && return 0
		sleep 0.1
	done
	echo "sync_tp: testpmd did not answer" >&2
	return 1
}
k=0
while true; do
	wait_file $DIR/step-$k 600
	first=$(head -n1 $DIR/step-$k)
	case "$first" in
	END)
		echo DONE-$k
		exit 0
		;;
	QUIT)
		tp stop
		tp_quit
		cp "$TP_LOG" $DIR/
		echo DONE-$k
		;;
	START*)
		set -- $first
		name=$2
		shift 2
		# The log stays in the guest (9p is slow to poll); snapshots go to $DIR.
		tp_start /tmp/$name.log -l 0,1 -a __BDF__ --log-level=pmd.net.virtio*:info \
			-- --forward-mode=rxonly --rxq=__Q__ --txq=__Q__ --total-num-mbufs=4096 "$@"
		tp_wait 'testpmd> ' 120
		tp "set verbose 1"
		tp start
		sync_tp
		echo DONE-$k
		;;
	*)
		while IFS= read -r line; do tp "$line"; done < $DIR/step-$k
		sync_tp
		echo READY-$k
		wait_file $DIR/expect-$k 120
		wait_rx 0 "$(cat $DIR/expect-$k)" 30 || true
		cp "$TP_LOG" $DIR/snap-$k.log
		# The next step's commands and sync come after this in testpmd's order.
		tp "clear port stats 0"
		echo DONE-$k
		;;
	esac
	k=$((k + 1))
done
""".replace("__BDF__", BDF).replace("__Q__", str(QUEUES))


def frame(dst, case, n, vlan=None, flow=0):
    """A UDP frame to `dst`; the source MAC names the case and number, the flow the 5-tuple."""
    eth = Ether(src=f"02:00:00:00:{case:02x}:{n:02x}", dst=dst)
    if vlan is not None:
        eth = eth / Dot1Q(vlan=vlan)
    pkt = (eth / IP(src=f"10.1.{flow // 200}.{flow % 200 + 1}", dst="10.2.0.1")
           / UDP(sport=1024 + flow, dport=4000 + flow) / (b"VPMD" + bytes(40)))
    return bytes(pkt)


def flows(count, case=0x0a):
    return [frame(PORT_MAC, case, i, flow=i) for i in range(count)]


def cases(*spec):
    """(dst, case, vlan) triples -> 4 frames each, one flow per case."""
    return [frame(dst, case, n, vlan=vlan, flow=case) for dst, case, vlan in spec
            for n in range(4)]


class Driver:
    """The host side of the step protocol."""

    def __init__(self, vm_lab, vm, peer):
        self.lab, self.vm, self.peer = vm_lab, vm, peer
        self.k = 0
        self.offset = 0      # what the current testpmd run had logged at the last snapshot

    def _write(self, name, text):
        tmp = self.lab.path(name + ".tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.lab.path(name))

    def control(self, line):
        k = self.k
        t0 = time.monotonic()
        self._write(f"step-{k}", line + "\n")
        self.vm.wait_for(rf"^DONE-{k}$", BOOT_TIMEOUT if line.startswith("START") else
                         STEP_TIMEOUT)
        self.k += 1
        print(f"step {k} {line}: {time.monotonic() - t0:.1f} s")
        if line.startswith("START"):
            self.offset = 0

    def step(self, commands, frames, expect):
        """Runs testpmd commands, sends frames, returns (log segment, [(queue, src, dst)])."""
        k = self.k
        t0 = time.monotonic()
        self._write(f"step-{k}", "".join(c + "\n" for c in commands))
        self.vm.wait_for(rf"^READY-{k}$", STEP_TIMEOUT)
        write_pcap(self.lab.path("send.pcap"), frames)
        assert self.peer.command("send") == f"SENT {len(frames)}"
        self._write(f"expect-{k}", str(expect))
        self.vm.wait_for(rf"^DONE-{k}$", STEP_TIMEOUT)
        self.k += 1
        print(f"step {k} {commands[:1]}: {time.monotonic() - t0:.1f} s")
        text = open(self.lab.path(f"snap-{k}.log"), encoding="utf-8", errors="replace").read()
        seg, self.offset = text[self.offset:], len(text)
        return seg, received(seg)


def received(seg):
    """[(queue, src, dst)] of every frame testpmd's verbose output logged."""
    return [(int(q, 16), src.lower(), dst.lower()) for src, dst, q in re.findall(
        r"src=([0-9A-F:]{17}) - dst=([0-9A-F:]{17}) - [^\n]*?Receive queue=0x([0-9a-f]+)", seg)]


def case_counts(got):
    """{case byte of the source MAC: frames}."""
    out = {}
    for _, src, _ in got:
        c = int(src.split(":")[4], 16)
        out[c] = out.get(c, 0) + 1
    return out


def queue_counts(got):
    out = {}
    for q, _, _ in got:
        out[q] = out.get(q, 0) + 1
    return out


def reta_commands(queue):
    """testpmd reta updates of 12 entries each (its list argument takes 127 characters)."""
    return ["port config 0 rss reta "
            + ",".join(f"({i},{queue})" for i in range(b, min(b + 12, 128)))
            for b in range(0, 128, 12)]


def test_pci_control_queue(vm_lab):
    ns = quiet_netns(vm_lab, "pcicq")
    tap = vm_lab.create_tap("vcq0", netns=ns, multi_queue=True)
    peer = TapPeer(vm_lab, ns, tap, vm_lab.path("send.pcap"), vm_lab.path("rarp.pcap"),
                   extra=["--ethertype", "0x8035"])
    try:
        nic = VmNic("06.0", backend="tap", ifname=tap, mode="modern", queues=QUEUES,
                    mac=PORT_MAC, extra=",rss=on")
        vm = vm_lab.vm(nics=[nic])
        vm.start(guest_script(vm_lab, f"bash {GUEST_BIND} {BDF} uio_pci_generic\n"
                              + GUEST_LOOP))
        d = Driver(vm_lab, vm, peer)
        t0 = time.monotonic()
        vm.wait_for("^VMH-.*-BEGIN", BOOT_TIMEOUT)
        print(f"boot: {time.monotonic() - t0:.1f} s")
        run_steps(d)
        d.control("END")
        res = vm.wait(BOOT_TIMEOUT)
        rarps = peer.dump()
    finally:
        peer.kill()
    assert res.returncode == 0, res.output[-3000:]
    check_announce(d, rarps)


def check_announce(d, rarps):
    """Guest announce: a RARP for the address the guest set, not only QEMU's own.

    QEMU's announce_self sends RARPs for the device's configured address
    itself; only the driver knows the address set with mac_addr set, so a
    RARP from NEW_MAC can only come from the driver.
    """
    ours = [f for f in rarps if f[6:12] == bytes.fromhex(NEW_MAC.replace(":", ""))]
    assert ours, [f[:42].hex() for f in rarps]
    new = bytes.fromhex(NEW_MAC.replace(":", ""))
    for f in ours:
        assert len(f) == 60 and f[:6] == b"\xff" * 6 and f[12:14] == b"\x80\x35", f.hex()
        # htype 1, ptype IPv4, hlen 6, plen 4, op 3 (reverse request), sha = tha = address.
        assert f[14:22] == bytes.fromhex("0001080006040003"), f.hex()
        assert f[22:28] == new and f[32:38] == new, f.hex()
    log = open(d.lab.path("rss.log"), encoding="utf-8", errors="replace").read()
    assert f"guest announce: RARP for {NEW_MAC.upper()} sent and acknowledged" in log, \
        log[-3000:]


def run_steps(d):
    # (a) MQ without RSS: MQ_VQ_PAIRS_SET switches 4 pairs on; the tap spreads flows.
    d.control("START mq --disable-rss")
    seg, got = d.step([], flows(64), 64)
    assert len(got) == 64, seg[-5000:]
    per = queue_counts(got)
    assert sorted(per) == list(range(QUEUES)), per
    d.control("QUIT")
    mq_log = open(d.lab.path("mq.log"), encoding="utf-8", errors="replace").read()
    assert "RX queue number: 4 Tx queue number: 4" in mq_log, mq_log
    # No control command failed (each failure is logged with its name).
    assert "control command" not in mq_log, mq_log

    # (b) RSS: testpmd configures RTE_ETH_MQ_RX_RSS; the VLAN filter offload too.
    d.control("START rss --enable-hw-vlan-filter")
    cmds = reta_commands(3) + [
        "port config all rss udp",
        f"port config 0 rss-hash-key ipv4-udp {KEY}",
        "show port 0 rss reta 128 (0xffffffffffffffff,0xffffffffffffffff)",
        "show port 0 rss-hash key"]
    seg, got = d.step(cmds, flows(64), 64)
    assert queue_counts(got) == {3: 64}, (queue_counts(got), seg[:3000])
    reta = re.findall(r"RSS RETA configuration: hash index=(\d+), queue=(\d+)", seg)
    assert len(reta) == 128 and all(q == "3" for _, q in reta), reta
    m = re.search(r"RSS functions:\s*\n(.*?)\nRSS key:\s*\n([0-9A-Fa-f]+)", seg, re.S)
    assert m, seg[-3000:]
    assert m.group(2).lower() == KEY
    assert "ipv4-udp" in m.group(1) and "ipv4-tcp" not in m.group(1), m.group(1)

    # (c) Rx mode: promiscuous off drops a foreign unicast destination, on lets it in.
    uni = cases((FOREIGN, 1, None), (PORT_MAC, 2, None))
    seg, got = d.step(["set promisc 0 off"], uni, 4)
    assert case_counts(got) == {2: 4}, (case_counts(got), seg[-3000:])
    seg, got = d.step(["set promisc 0 on"], uni, 8)
    assert case_counts(got) == {1: 4, 2: 4}, (case_counts(got), seg[-3000:])
    multi = cases((MCAST, 3, None), (PORT_MAC, 2, None))
    seg, got = d.step(["set promisc 0 off", "set allmulti 0 on"], multi, 8)
    assert case_counts(got) == {2: 4, 3: 4}, (case_counts(got), seg[-3000:])
    seg, got = d.step(["set allmulti 0 off"], multi, 4)
    assert case_counts(got) == {2: 4}, (case_counts(got), seg[-3000:])
    # MAC table: an added unicast and a listed multicast address pass, others do not.
    table = cases((FOREIGN, 1, None), (MCAST, 3, None), (MCAST2, 4, None), (PORT_MAC, 2, None))
    seg, got = d.step([f"mac_addr add 0 {FOREIGN}", f"mcast_addr add 0 {MCAST}"], table, 12)
    assert case_counts(got) == {1: 4, 2: 4, 3: 4}, (case_counts(got), seg[-3000:])

    # (d) VLAN filter: only the added id passes; untagged frames are not affected.
    vlan = cases((PORT_MAC, 5, 100), (PORT_MAC, 6, 200), (PORT_MAC, 2, None))
    seg, got = d.step(["rx_vlan add 100 0"], vlan, 8)
    assert case_counts(got) == {2: 4, 5: 4}, (case_counts(got), seg[-3000:])

    # Stop/start: the device was reset; filters, table, VLAN and RSS come back.
    every = table + cases((PORT_MAC, 5, 100), (PORT_MAC, 6, 200))
    seg, got = d.step(["stop", "port stop 0", "port start 0", "start"], every, 16)
    assert case_counts(got) == {1: 4, 2: 4, 3: 4, 5: 4}, (case_counts(got), seg[-3000:])
    assert queue_counts(got) == {3: 16}, queue_counts(got)

    # (e) A new port address: frames to it arrive, to the old one no longer.
    addr = cases((NEW_MAC, 7, None), (PORT_MAC, 2, None))
    seg, got = d.step([f"mac_addr set 0 {NEW_MAC}"], addr, 4)
    assert case_counts(got) == {7: 4}, (case_counts(got), seg[-3000:])

    # (f) Guest announce: QEMU sets VIRTIO_NET_S_ANNOUNCE; the next link query
    # (uio_pci_generic: no configuration interrupt) sends the RARP and the ack.
    d.vm.monitor("announce_self")
    d.step(["show port info 0"], [], 0)
    d.control("QUIT")
    log = open(d.lab.path("rss.log"), encoding="utf-8", errors="replace").read()
    assert "control command" not in log and "refused the RSS" not in log, log
