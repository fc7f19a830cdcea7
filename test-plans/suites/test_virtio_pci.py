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
import re
import subprocess
import time

import pytest

from pcaps import diff_frames, frame_id, make_frames, read_pcap, write_pcap
from testpmd import parse_port_stats
from vm_lab import GUEST_BIND, VmNic

pytestmark = pytest.mark.kernel_vm

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
GUEST_LIB = os.path.join(HERE, "guest", "testpmd.sh")
TAP_IO = os.path.join(HERE, "tap_io.py")
BOOT_TIMEOUT = 300
FRAMES = 48          # per direction: below every ring size, so nothing may drop
SIZES = [64, 128, 512, 1024, 1514]   # 1514: a full frame at the tap's MTU 1500
STOCK = os.environ.get("VIRTIO_PMD", "").strip().lower() == "stock"

# (id, VmNic mode/packed/properties, guest binding, vIOMMU, devargs, burst mode
# the port must report)
# The first device also reports an MTU limit, a speed and a duplex in its
# configuration space (VIRTIO_NET_F_MTU, VIRTIO_NET_F_SPEED_DUPLEX).
DEVICE_LIMITS = "host_mtu=4000,speed=25000,duplex=full"
DEVICES = [
    ("modern-vfio-iommu", dict(mode="modern", iommu_platform=True, extra=DEVICE_LIMITS),
     "vfio-pci", True, "", "virtio_recv_mergeable_pkts"),
    ("modern-packed-vfio-iommu", dict(mode="modern", packed=True, iommu_platform=True),
     "vfio-pci", True, "", "virtio_recv_mergeable_pkts_packed"),
    # QEMU's -cpu max has AVX2 under TCG: the split vectorized Rx is elected.
    ("modern-vec-vfio-iommu", dict(mode="modern", iommu_platform=True, extra="mrg_rxbuf=off"),
     "vfio-pci", True, ",vectorized=1", "virtio_recv_pkts_vec_avx2"),
    ("legacy-uio", dict(mode="legacy"), "uio_pci_generic", False, "",
     "virtio_recv_mergeable_pkts"),
    ("transitional-uio", dict(mode="transitional"), "uio_pci_generic", False, "",
     "virtio_recv_mergeable_pkts"),
]


def guest_script(vm_lab, body):
    """A guest script: the testpmd helpers, fail on any error, then body."""
    return f"set -e\nsource {GUEST_LIB}\nDIR={vm_lab.dir}\n{body}"


def stock_flag():
    return "--stock" if STOCK else ""


# The guest's pcap pair: B.pcap goes out through the device, what the device
# receives goes into outB.pcap (io forwarding between port 0 and this port 1).
PCAP_PAIR = "--vdev net_pcap0,rx_pcap=$DIR/B.pcap,tx_pcap=$DIR/outB.pcap"
# Guest steps once the host has sent its frames: all of them arrive on port 0.
AFTER_HOST_SENT = f"wait_file $DIR/host-sent 120\nwait_rx 0 {FRAMES} 60\ntp stop\n"
# The device's MTU limit: one above it must be refused, the limit itself accepted.
MTU_PROBE = ('tp "show port info 0"\ntp "port config mtu 0 4001"\n'
             'tp "port config mtu 0 4000"\ntp "show port info 0"\n')
STATS_AND_QUIT = 'tp "show port stats all"\nsleep 1\ntp_quit\n'


def forwarding_script(vm_lab, binding, bdfs, then, devargs="", eal="", before=""):
    """Guest script: bind the devices, run `before`, testpmd io-forwarding on them
    (ports in bdfs order, then any vdev in eal), GUEST-FORWARDING once it runs,
    then `then`."""
    binds = "".join(f"bash {GUEST_BIND} {b} {binding}\n" for b in bdfs)
    allow = " ".join(f"-a {b}{devargs}" for b in bdfs)
    return guest_script(vm_lab, f"""{binds}{before}
tp_start $DIR/guest.log {stock_flag()} -l 0,1 {allow} {eal} \\
    -- --forward-mode=io --no-flush-rx --total-num-mbufs=4096
tp_wait 'testpmd> ' 120
tp "show rxq info 0 0"
tp start
tp_wait 'Logical Core' 30
echo GUEST-FORWARDING
{then}""")


class TapPeer:
    """tap_io.py in the tap's namespace: sends pcap frames, captures tagged ones."""

    def __init__(self, vm_lab, netns, iface, send_pcap, out_pcap, extra=()):
        self.out = out_pcap
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", netns, "/usr/bin/python3", TAP_IO, "--iface", iface,
             "--send", send_pcap, "--out", out_pcap, *extra],
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


@pytest.mark.parametrize("nic_kw,binding,iommu,devargs,rx_path",
                         [d[1:] for d in DEVICES], ids=[d[0] for d in DEVICES])
def test_pci_tap_content(vm_lab, nic_kw, binding, iommu, devargs, rx_path):
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
        vm.start(forwarding_script(vm_lab, binding, ["0000:00:06.0"],
                                   AFTER_HOST_SENT + MTU_PROBE + STATS_AND_QUIT, devargs,
                                   PCAP_PAIR))
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
    check_device_limits(log, DEVICE_LIMITS in nic_kw.get("extra", ""))
    stats = parse_port_stats(log)
    assert stats[0]["RX-packets"] == FRAMES
    assert stats[0]["RX-bytes"] == sum(map(len, to_guest))
    assert stats[0]["TX-packets"] == FRAMES
    assert stats[0]["TX-bytes"] == sum(map(len, from_guest))


def check_device_limits(log, limited):
    """Speed and MTU as the device's configuration space says (DEVICE_LIMITS), or ours."""
    if STOCK:
        return
    speeds = re.findall(r"Link speed: (.*)", log)
    mtus = re.findall(r"^MTU: (\d+)", log, re.M)
    # testpmd checks the port's max_mtu before it asks the driver.
    refused = re.findall(r"MTU \(4001\) > device max MTU \((\d+)\)", log)
    if limited:
        assert speeds and all(s.strip() == "25 Gbps" for s in speeds), speeds
        assert refused == ["4000"] and mtus[-1] == "4000", (refused, mtus)
    else:
        # Without VIRTIO_NET_F_MTU the port's limit is the driver's own (9714);
        # whether 4000 fits the Rx buffers is another matter (mrg_rxbuf=off).
        assert not refused, (refused, mtus)


def forward_stats(log):
    """testpmd's "Forward statistics for port N" blocks: {port: {counter: int}}."""
    result = {}
    for port, body in re.findall(r"Forward statistics for port (\d+)\s*-+\n(.*?)\n\s*-{20,}",
                                 log, re.S):
        result[int(port)] = {k: int(v) for k, v in re.findall(r"([A-Z]+-[a-z]+): +(\d+)", body)}
    return result


def move_tap(vm_lab, tap, netns, addr):
    """Move a tap QEMU already opened into a test namespace and address it there.

    QEMU opens taps by name in its own namespace, so two taps that end up in
    two namespaces are created in the host namespace and moved after boot,
    as the VPP virtio tests do. Teardown deletes the tap in its new namespace.
    """
    subprocess.run(["ip", "link", "set", tap, "netns", netns], check=True)
    vm_lab.taps[tap] = netns
    for argv in (["ip", "addr", "add", addr, "dev", tap], ["ip", "link", "set", tap, "up"]):
        vm_lab.netns_run(netns, argv, check=True)


TCP_SERVER = """
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.102", 5201)); s.listen(1); print("LISTENING", flush=True)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
"""

TCP_CLIENT = """
import hashlib, random, socket
import sys
data = random.Random(5).randbytes(int(sys.argv[1]))
c = socket.create_connection(("10.0.0.102", 5201), timeout=120)
c.sendall(data); c.close()
print(len(data), hashlib.sha256(data).hexdigest(), flush=True)
"""

TCP_BYTES = 2 << 20
# Device offload properties of the two variants of the namespace scenario.
NO_OFFLOADS = ("csum=off,guest_csum=off,gso=off,host_tso4=off,host_tso6=off,host_ufo=off,"
               "guest_tso4=off,guest_tso6=off,guest_ufo=off")
HOST_TSO4_BIT = 1 << 11


@pytest.mark.parametrize("offloads", ["gso", "no-gso"])
def test_two_namespaces_through_guest(vm_lab, offloads):
    """The VPP virtio scenario: ping and TCP between two namespaces cross the guest.

    vtap0 (10.0.0.101/24) and vtap1 (10.0.0.102/24) live in two namespaces;
    testpmd in the guest forwards between 0000:00:06.0 and 0000:00:07.0 (io,
    L2). In the "gso" variant the devices offer QEMU's checksum and
    segmentation offloads and the host stack uses GSO/TSO on the taps; in
    "no-gso" the devices offer none.
    """
    extra = NO_OFFLOADS if offloads == "no-gso" else ""
    ns1, ns2 = quiet_netns(vm_lab, "cli"), quiet_netns(vm_lab, "srv")
    taps = [vm_lab.create_tap("vtap0"), vm_lab.create_tap("vtap1")]
    nics = [VmNic(addr, backend="tap", ifname=tap, mode="modern", iommu_platform=True,
                  extra=extra) for addr, tap in zip(("06.0", "07.0"), taps)]
    vm = vm_lab.vm(nics=nics, iommu=True)
    vm.start(forwarding_script(vm_lab, "vfio-pci", ["0000:00:06.0", "0000:00:07.0"],
                               "wait_file $DIR/host-done 600\ntp stop\n" + STATS_AND_QUIT,
                               eal="--log-level=pmd.net.virtio.init:debug"))
    vm.wait_for("GUEST-FORWARDING", BOOT_TIMEOUT)
    move_tap(vm_lab, taps[0], ns1, "10.0.0.101/24")
    move_tap(vm_lab, taps[1], ns2, "10.0.0.102/24")
    # The first ping also resolves ARP through the guest.
    warm = vm_lab.netns_run(ns1, ["ping", "-c", "1", "-W", "30", "10.0.0.102"], timeout=60)
    assert warm.returncode == 0, warm.stdout
    ping = vm_lab.netns_run(ns1, ["ping", "-c", "5", "-i", "0.3", "-W", "10", "10.0.0.102"],
                            timeout=120)
    assert ping.returncode == 0 and " 0% packet loss" in ping.stdout, ping.stdout
    server = subprocess.Popen(["ip", "netns", "exec", ns2, "/usr/bin/python3", "-c", TCP_SERVER],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "LISTENING"
        client = vm_lab.netns_run(ns1, ["/usr/bin/python3", "-c", TCP_CLIENT, str(TCP_BYTES)],
                                  timeout=300)
        assert client.returncode == 0, client.stdout
        received = server.stdout.readline().split()
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    sent = client.stdout.split()
    open(vm_lab.path("host-done"), "w").close()
    res = vm.wait(BOOT_TIMEOUT)
    assert res.returncode == 0, res.output[-3000:]
    assert sent[0] == str(TCP_BYTES) and received == sent, (sent, received)
    log = open(vm_lab.path("guest.log"), encoding="utf-8", errors="replace").read()
    fwd = forward_stats(log)
    # io forwarding: every frame one port received was sent by the other or
    # dropped there on a full ring (TCP recovers); the port counters also hold
    # frames flushed before forwarding started, so these are the forward counts.
    assert fwd[0]["RX-packets"] == fwd[1]["TX-packets"] + fwd[1]["TX-dropped"], fwd
    assert fwd[1]["RX-packets"] == fwd[0]["TX-packets"] + fwd[0]["TX-dropped"], fwd
    assert parse_port_stats(log)[1]["TX-bytes"] >= TCP_BYTES
    if not STOCK:
        offered = [int(v, 16) for v in re.findall(r"features offered (0x[0-9a-f]+)", log)]
        assert len(offered) == 2
        assert all(bool(f & HOST_TSO4_BIT) == (offloads == "gso") for f in offered), offered


TXONLY_LEN = 100     # no test frame has this size

# Before the main run: vdpa=1 leaves the device alone, a bad devarg is refused.
# Bad devargs on the PCI device (virtio_hardening_test_plan.rst, "Bad input"): one
# guest testpmd started with the first case, then every other case by hotplug
# ('port attach <bdf>,<devargs>'), each refused by the driver at probe with exactly
# one message, in order. vdpa=1 is not an error: the driver leaves the device
# to another driver. Then a plain attach must still give a working port.
PCI_BDF = "0000:00:06.0"
A_BOOL = "0 or 1"
A_SPEED = ("a link speed in Mbps: 10, 100, 1000, 2500, 5000, 10000, 20000, 25000, 40000, "
           "50000, 56000, 100000, 200000, or 4294967295 (unknown)")
KEYS_PCI = "speed, vectorized, vdpa"


def _pci_bad(key, value, allowed):
    return (f"{key}={value}", f"devarg '{key}': invalid value '{value}': allowed is {allowed}")


def _pci_user_key(key, value):
    return (f"{key}={value}", f"devarg '{key}': invalid key (value '{value}'): only virtio-user "
            f"devices take it; allowed keys are {KEYS_PCI}")


PCI_BAD_DEVARGS = [
    _pci_bad("speed", "12345", A_SPEED),
    _pci_bad("speed", "-1", A_SPEED),
    _pci_bad("speed", "fast", A_SPEED),
    ("speed", f"devarg 'speed': no value (write speed=<value>): allowed is {A_SPEED}"),
    _pci_bad("vectorized", "2", A_BOOL),
    _pci_bad("vectorized", "yes", A_BOOL),
    _pci_bad("vdpa", "2", A_BOOL),
    _pci_bad("vdpa", "-1", A_BOOL),
    ("bogus=1", f"devarg 'bogus': invalid key (value '1'): allowed keys are {KEYS_PCI}"),
    _pci_user_key("path", "/tmp/x.sock"),
    _pci_user_key("queues", "2"),
    _pci_user_key("packed_vq", "1"),
    _pci_user_key("mac", "02:00:00:00:00:01"),
    ("speed=1000,speed=10000",
     "devarg 'speed': invalid value '10000': allowed is one value per key ('1000' was "
     "given first)"),
]
PCI_DEVARGS_PROBES = (
    "T0=$(date +%s%N)\n"
    f"tp_start $DIR/probe-bad.log {stock_flag()} -l 0,1 "
    f"-a {PCI_BDF},{PCI_BAD_DEVARGS[0][0]} --log-level=pmd.net.virtio.init:info "
    "-- --total-num-mbufs=2048\n"
    "tp_wait 'testpmd> ' 120\n"
    + "".join(f'tp "port attach {PCI_BDF},{d}"\n' for d, _ in PCI_BAD_DEVARGS[1:])
    + f'tp "port attach {PCI_BDF},vdpa=1"\n'
    + 'tp "show port summary all"\n'
    + f'tp "port attach {PCI_BDF}"\n'
    + "tp_wait 'Port 0 is attached' 60\n"
    + 'tp "show port summary all"\n'
    + "tp_quit\n"
    + 'echo "bad devargs table: $(( ($(date +%s%N) - T0) / 1000000 )) ms of guest time"\n')


def check_pci_bad_devargs(log):
    """Every case refused in order with its one message; no port until the good attach."""
    assert "No probed ethernet devices" in log, log
    if STOCK:
        return
    got = [ln[len(f"VIRTIO: {PCI_BDF}: "):] for ln in log.splitlines()
           if ln.startswith(f"VIRTIO: {PCI_BDF}: devarg")]
    assert got == [m for _, m in PCI_BAD_DEVARGS], "\n".join(got)
    assert f"VIRTIO: {PCI_BDF}: vdpa=1, leaving the device to a vDPA driver" in log, log
    summaries = re.findall(r"Number of available ports:\s*(\d+)", log)
    assert summaries == ["0", "1"], log


def tagged_frames(frames):
    """The frames that claim to be one of ours, whole (tag and length agree).

    txonly frames reuse mbufs without clearing them and may carry an old tag
    at the same offset; their length (TXONLY_LEN) gives them away. A damaged frame of ours
    is dropped here and then reported missing by diff_frames.
    """
    return [f for f in frames if frame_id(f) is not None and frame_id(f)[2] == len(f)]


def test_vhost_user_backend_and_reprobe(lab, vm_lab):
    """A PCI device whose backend is the host's stock net_vhost; then detach and re-attach.

    Host: testpmd with net_vhost (QEMU connects to its socket) and a pcap pair,
    io forwarding. Guest: testpmd on the PCI device and a pcap pair. Frames
    cross both ways and are compared; then the guest closes and detaches the
    device, attaches it again in the same process, and sends again.
    """
    sock = vm_lab.path("vhost.sock")
    to_guest = make_frames(SIZES, FRAMES, "A")
    from_guest = make_frames(SIZES, FRAMES, "B")
    write_pcap(vm_lab.path("A.pcap"), to_guest)
    write_pcap(vm_lab.path("B.pcap"), from_guest)
    host = lab.vhost([f"net_vhost0,iface={sock},client=0",
                      f"net_pcap0,rx_pcap={vm_lab.path('A.pcap')},"
                      f"tx_pcap={vm_lab.path('outA.pcap')}"],
                     app=["--no-flush-rx", "--forward-mode=io"])
    vm = vm_lab.vm(nics=[VmNic("06.0", backend="vhost-user", socket=sock, mode="modern")])
    vm.start(forwarding_script(vm_lab, "uio_pci_generic", ["0000:00:06.0"], AFTER_HOST_SENT + f"""
tp "show port stats 0"
tp "port stop 0"
tp "port close 0"
tp "device detach 0000:00:06.0"
tp_wait 'Device 0000:00:06.0 is detached' 30
tp "port attach 0000:00:06.0"
tp_wait 'Port 0 is attached' 30
tp "port start 0"
tp "set portlist 0"
tp "set txpkts {TXONLY_LEN}"
tp "set fwd txonly"
tp start
sleep 3
tp stop
echo GUEST-REATTACHED-SENT
tp_quit
""", eal=PCAP_PAIR, before=PCI_DEVARGS_PROBES))
    vm.wait_for("GUEST-FORWARDING", BOOT_TIMEOUT)
    host.cmd("start")
    st = host.wait_stats(lambda s: s[0]["RX-packets"] >= FRAMES and s[0]["TX-packets"] >= FRAMES,
                         timeout=60)
    assert (st[0]["RX-packets"], st[0]["TX-packets"]) == (FRAMES, FRAMES), st
    open(vm_lab.path("host-sent"), "w").close()
    vm.wait_for("GUEST-REATTACHED-SENT", BOOT_TIMEOUT)
    st = host.wait_stats(lambda s: s[0]["RX-packets"] > FRAMES, timeout=30)
    res = vm.wait(BOOT_TIMEOUT)
    host.cmd("stop")
    assert host.quit() == 0
    assert res.returncode == 0, res.output[-3000:]
    # The re-attached port's txonly frames reached the host.
    assert st[0]["RX-packets"] > FRAMES, st
    log = open(vm_lab.path("guest.log"), encoding="utf-8", errors="replace").read()
    assert "Device 0000:00:06.0 is detached" in log and "Port 0 is attached" in log
    check_pci_bad_devargs(open(vm_lab.path("probe-bad.log"), encoding="utf-8",
                               errors="replace").read())
    print(next((ln for ln in res.output.splitlines() if "bad devargs table" in ln), ""))
    got_b = tagged_frames(read_pcap(vm_lab.path("outB.pcap")))
    d = diff_frames(to_guest, got_b)
    assert not d, "host net_vhost -> guest PCI port:\n" + d
    got_a = tagged_frames(read_pcap(vm_lab.path("outA.pcap")))
    d = diff_frames(from_guest, got_a)
    assert not d, "guest PCI port -> host net_vhost:\n" + d
