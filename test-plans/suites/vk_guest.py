#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Guest side of test_vhost_kernel.py: runs inside the kernel VM, as root.

Starts dpdk-testpmd with our virtio-user port on /dev/vhost-net (through
devtools/dpdk-launch), drives traffic between it and the Linux stack over the
tap, and prints what it observed as one line per scenario:

    VK-RESULT {"scenario": ..., facts...}

It asserts nothing itself: the host test reads the facts and asserts, so a
failure names what was seen. Every process it starts is killed and every
interface it made disappears with testpmd, whatever happens.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

from testpmd import Testpmd, parse_mempools  # noqa: E402

LAUNCHER = os.path.join(REPO, "devtools", "dpdk-launch")
VIRTIO_MAC = "00:01:02:03:04:05"
LOGDIR = "/tmp/vk"
FRAMES_IN = 64          # kernel -> testpmd, one UDP flow each


def sh(cmd, check=False):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.returncode}: {p.stderr}")
    return p.returncode, (p.stdout + p.stderr).strip()


def read(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return default


def netdevs():
    return sorted(os.listdir("/sys/class/net"))


def counter(dev, name):
    return int(read(f"/sys/class/net/{dev}/statistics/{name}", "0"))


def tap_facts(dev):
    return {
        "exists": os.path.isdir(f"/sys/class/net/{dev}"),
        "tun_flags": int(read(f"/sys/class/net/{dev}/tun_flags", "0"), 16),
        "queues": sorted(os.listdir(f"/sys/class/net/{dev}/queues"))
        if os.path.isdir(f"/sys/class/net/{dev}/queues") else [],
        "operstate_before": read(f"/sys/class/net/{dev}/operstate"),
        "ip_d_link": sh(f"ip -d link show {dev}")[1],
        "mac": read(f"/sys/class/net/{dev}/address"),
    }


def start_testpmd(name, devargs, app):
    argv = ["/bin/bash", LAUNCHER, "dpdk-testpmd", "-l", "0,1", "--no-pci",
            f"--file-prefix={name}", "-m", "256",
            f"--vdev=virtio_user0,{devargs}", "--", "-i", "--total-num-mbufs=8192"] + app
    tp = Testpmd(argv, name, LOGDIR, timeout=120)
    return tp


def queue_xstats(tp):
    out = tp.cmd("show port xstats 0")
    per = {}
    for m in re.finditer(r"^\s*([rt]x)_q(\d+)_(packets|bytes):\s*(\d+)\s*$", out, re.M):
        per[f"{m.group(1)}_q{m.group(2)}_{m.group(3)}"] = int(m.group(4))
    return per


def fwd_tx_packets(stop_out):
    m = re.search(r"Forward statistics for port 0.*?TX-packets:\s*(\d+)", stop_out, re.S)
    return int(m.group(1)) if m else -1


def up_tap(dev, addr, peer):
    sh(f"ip addr add {addr}/24 dev {dev}", check=True)
    sh(f"ip link set {dev} up", check=True)
    sh(f"ip neigh replace {peer} lladdr {VIRTIO_MAC} dev {dev} nud permanent", check=True)


def kernel_to_testpmd(tp, dev, facts):
    """FRAMES_IN UDP frames, one flow each, sent on the tap: testpmd counts them per queue."""
    from scapy.all import IP, UDP, Ether, Raw, sendp  # noqa: PLC0415

    tp.cmd("clear port xstats all")
    tp.cmd("set fwd rxonly")
    tp.cmd("set verbose 1")
    tp.cmd("start")
    mark = len(tp.output)
    src = read(f"/sys/class/net/{dev}/address")
    frames = [Ether(src=src, dst=VIRTIO_MAC) / IP(src="10.77.0.1", dst="10.77.0.2")
              / UDP(sport=1000 + i, dport=4000) / Raw(b"VKIN" + bytes([i]) * 60)
              for i in range(FRAMES_IN)]
    sendp(frames, iface=dev, verbose=False)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if len(re.findall(r"dst=00:01:02:03:04:05 - pool=\S+ - type=0x0800 - length=106",
                          tp.output[mark:])) >= FRAMES_IN:
            break
        time.sleep(0.3)
    tp.cmd("stop")
    tp.cmd("set verbose 0")
    log = tp.output[mark:]
    facts["in_sent"] = len(frames)
    logged = []
    for q, body in re.findall(r"port 0/queue (\d+): received \d+ packets\n(.*?)(?=\nport \d+/queue|"
                              r"\ntestpmd> |\Z)", log, re.S):
        for s, d, t, ln in re.findall(r"src=([0-9A-Fa-f:]{17}) - dst=([0-9A-Fa-f:]{17}) - "
                                      r"pool=\S+ - type=(0x[0-9a-f]{4}) - length=(\d+)", body):
            logged.append((int(q), s.upper(), d.upper(), t, int(ln)))
    facts["in_logged"] = logged
    facts["in_src_mac"] = src.upper()
    facts["in_xstats"] = queue_xstats(tp)


def testpmd_to_kernel(tp, dev, facts):
    """txonly toward the tap's address: the tap counts what testpmd sent; frames sniffed intact."""
    from scapy.all import AsyncSniffer  # noqa: PLC0415

    mac = read(f"/sys/class/net/{dev}/address")
    sniffer = AsyncSniffer(iface=dev, store=True,
                           lfilter=lambda p: p.src.lower() == VIRTIO_MAC.lower())
    sniffer.start()
    time.sleep(1.0)
    before = counter(dev, "rx_packets") + counter(dev, "rx_dropped")
    tp.cmd("clear port xstats all")
    tp.cmd("set fwd txonly")
    tp.cmd(f"set eth-peer 0 {mac}")
    tp.cmd("set txpkts 64")
    tp.cmd("set burst 8")
    tp.cmd("start")
    time.sleep(1.0)
    out = tp.cmd("stop")
    sent = fwd_tx_packets(out)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if counter(dev, "rx_packets") + counter(dev, "rx_dropped") - before >= sent:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    got = sniffer.stop() or []
    facts["out_sent"] = sent
    facts["out_tap_rx"] = counter(dev, "rx_packets") + counter(dev, "rx_dropped") - before
    facts["out_tap_rx_dropped"] = counter(dev, "rx_dropped")
    facts["out_xstats"] = queue_xstats(tp)
    facts["out_sniffed"] = len(got)
    facts["out_bad"] = [bytes(p).hex()[:80] for p in got
                        if len(bytes(p)) != 64 or p.dst.lower() != mac.lower()
                        or p.type != 0x0800][:5]
    facts["tap_mac"] = mac


def ping(tp, peer, count, facts, key):
    tp.cmd("set fwd icmpecho")
    tp.cmd("start")
    rc, out = sh(f"ping -c {count} -i 0.3 -W 3 {peer}")
    tp.cmd("stop")
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    facts[key] = {"rc": rc, "sent": int(m.group(1)) if m else 0,
                  "received": int(m.group(2)) if m else 0, "text": out[-300:]}


def finish(tp, facts):
    tp.cmd("port stop all")
    pools = parse_mempools(tp.cmd("dump_mempool"))
    facts["mbufs_in_use"] = {k: v.get("in_use") for k, v in pools.items()}
    facts["exit"] = tp.quit()
    facts["crashed"] = tp.crashed()
    time.sleep(0.5)
    facts["netdevs_after"] = netdevs()


def scenario_mq(facts):
    tp = start_testpmd("vk_mq", f"path=/dev/vhost-net,queues=2,queue_size=1024,mac={VIRTIO_MAC}",
                       ["--rxq=2", "--txq=2", "--rxd=1024", "--txd=1024", "--nb-cores=1"])
    try:
        tp.wait_prompt()
        facts["netdevs"] = netdevs()
        facts["tap"] = tap_facts("tap0")
        facts["rxq_burst"] = tp.cmd("show rxq info 0 0")
        up_tap("tap0", "10.77.0.1", "10.77.0.2")
        kernel_to_testpmd(tp, "tap0", facts)
        testpmd_to_kernel(tp, "tap0", facts)
        ping(tp, "10.77.0.2", 5, facts, "ping")
        facts["tap_queues_running"] = sorted(os.listdir("/sys/class/net/tap0/queues"))
        finish(tp, facts)
    finally:
        tp.kill()
        facts["log_tail"] = tp.tail(40)


def scenario_packed_iface(facts):
    tp = start_testpmd("vk_pk", f"path=/dev/vhost-net,queues=1,packed_vq=1,iface=vkpk%d,"
                       f"mac={VIRTIO_MAC}", [])
    try:
        tp.wait_prompt()
        facts["netdevs"] = netdevs()
        facts["tap"] = tap_facts("vkpk0")
        facts["rxq_burst"] = tp.cmd("show rxq info 0 0")
        facts["log"] = tp.output
        up_tap("vkpk0", "10.78.0.1", "10.78.0.2")
        ping(tp, "10.78.0.2", 3, facts, "ping")
        finish(tp, facts)
    finally:
        tp.kill()


def scenario_bad_iface(facts):
    """iface names an interface that is not a tap (lo): the probe fails naming it."""
    tp = start_testpmd("vk_bad", "path=/dev/vhost-net,iface=lo", [])
    try:
        exited = tp.wait_exit(timeout=120)
        if not exited:
            facts["summary"] = tp.cmd("show port summary all")
            tp.quit()
        facts["crashed"] = tp.crashed()
        facts["log"] = tp.output
        facts["netdevs_after"] = netdevs()
    finally:
        tp.kill()


SCENARIOS = {"mq": scenario_mq, "packed_iface": scenario_packed_iface,
             "bad_iface": scenario_bad_iface}


def main():
    os.makedirs(LOGDIR, exist_ok=True)
    # Keep the kernel from sending its own IPv6 chatter on the taps: only test frames count.
    sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    rc, out = sh("modprobe vhost_net && modprobe tun")
    print(f"VK-RESULT {json.dumps({'scenario': 'modules', 'rc': rc, 'out': out})}", flush=True)
    for name in sys.argv[1:] or SCENARIOS:
        facts = {"scenario": name}
        t0 = time.monotonic()
        try:
            SCENARIOS[name](facts)
        except Exception:  # noqa: BLE001 - reported to the host, which fails the test
            facts["error"] = traceback.format_exc()
        facts["seconds"] = round(time.monotonic() - t0, 1)
        print(f"VK-RESULT {json.dumps(facts)}", flush=True)
    # Nothing may survive: the host checks this list is empty.
    rc, out = sh("pgrep -a dpdk-testpmd")
    print(f"VK-RESULT {json.dumps({'scenario': 'leftovers', 'testpmd': out})}", flush=True)


if __name__ == "__main__":
    threading.excepthook = lambda a: None
    main()
