#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Forward traffic through virtio-user and a vhost-user backend, print path and rate.

One dpdk-testpmd process (started through devtools/dpdk-launch) holds both ports:
port 0 is the stock net_vhost (vhost-user server), port 1 is virtio_user0 (the
driver under test) connected to it. One forwarding core runs io forwarding between
them, which is the only stable loop on a 2-core machine. --pkt-size sets the
frame length testpmd sends (its "set txpkts", no CRC); the byte counters must
confirm that length, or the run fails.

net_vhost creates its socket only when its port is configured, after all vdevs were
probed, so virtio_user0 is hot-plugged with "port attach" once testpmd is up.
"""

import argparse
import glob
import os
import re
import shutil
import signal
import sys
import tempfile
import time

import pexpect

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(REPO, "devtools", "dpdk-launch")
PROMPT = "testpmd> "
# Seconds without a prompt before asking testpmd for a fresh one.
PROMPT_NUDGE_S = 10
VIRTIO_PORT = 1
VIRTIO_MAC = "00:01:02:03:04:05"
# Shortest Ethernet frame without CRC, and the data room of testpmd's default mbuf
# (2176 bytes minus 128 of headroom): a longer frame would need several segments.
MIN_PKT_SIZE = 60
MAX_PKT_SIZE = 2048

# The stock driver does not implement rx/tx_burst_mode_get; it logs the elected path
# instead. Map its log wording to the burst function names for a uniform report.
STOCK_RX_PATHS = {
    "standard": "virtio_recv_pkts",
    "mergeable buffer": "virtio_recv_mergeable_pkts",
    "inorder": "virtio_recv_pkts_inorder",
    "vectorized": "virtio_recv_pkts_vec",
    "packed ring standard": "virtio_recv_pkts_packed",
    "packed ring mergeable buffer": "virtio_recv_mergeable_pkts_packed",
    "packed ring vectorized": "virtio_recv_pkts_packed_vec",
}
STOCK_TX_PATHS = {
    "standard": "virtio_xmit_pkts",
    "inorder": "virtio_xmit_pkts_inorder",
    "packed ring standard": "virtio_xmit_pkts_packed",
    "packed ring vectorized": "virtio_xmit_pkts_packed_vec",
}


class DemoError(Exception):
    pass


class Terminated(Exception):
    pass


def on_sigterm(signum, frame):
    raise Terminated("terminated by signal %d" % signum)


class Testpmd:
    def __init__(self, argv, verbose):
        self.transcript = []
        self.child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=60, echo=False)
        self.verbose = verbose
        self.child.logfile_read = self

    # pexpect logfile protocol: keep everything testpmd printed.
    def write(self, data):
        self.transcript.append(data)
        if self.verbose:
            sys.stdout.write(data)
            sys.stdout.flush()

    def flush(self):
        pass

    def output(self):
        return "".join(self.transcript)

    def wait_prompt(self, what, timeout=60):
        """Waits for the prompt after a command.

        Asynchronous log lines (vhost-user messages, link events) can land in
        the middle of the prompt and break it apart. When no prompt shows up
        for a while, an empty line makes testpmd print a fresh one; extra
        prompts that follow are drained so the next command starts clean.
        """
        deadline = time.monotonic() + timeout
        before = ""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DemoError("timeout after %d s waiting for %s" % (timeout, what))
            idx = self.child.expect([PROMPT, pexpect.EOF, pexpect.TIMEOUT],
                                    timeout=min(left, PROMPT_NUDGE_S))
            if idx == 1:
                raise DemoError("testpmd exited while waiting for %s" % what)
            if idx == 0:
                before += self.child.before
                break
            before += self.child.before
            self.child.send("\r")
        while self.child.expect([PROMPT, pexpect.TIMEOUT], timeout=0.3) == 0:
            pass
        return before

    def cmd(self, line, timeout=30):
        self.child.sendline(line)
        return self.wait_prompt("'%s'" % line, timeout)

    def quit(self):
        if not self.child.isalive():
            return
        self.child.sendline("quit")
        self.child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=20)

    def kill(self):
        """Make sure testpmd is gone: SIGTERM (testpmd cleans up), then SIGKILL."""
        if not self.child.isalive():
            self.child.close(force=True)
            return
        for sig, grace in ((signal.SIGINT, 5), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.kill(self.child.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                if not self.child.isalive():
                    break
                time.sleep(0.1)
            if not self.child.isalive():
                break
        self.child.close(force=True)


# testpmd's own error messages start a line; driver log lines start with "func(): ".
TESTPMD_ERROR = re.compile(
    r"^\s*(Fail(ed)? to .*|Invalid port.*|error desc:.*|Bad arguments.*)$",
    re.M)


def check_no_error(out, what):
    m = TESTPMD_ERROR.search(out)
    if m:
        raise DemoError("%s: %s" % (what, m.group(0).strip()))


def loaded_override(pid):
    """Source of the bind mount over the stock virtio PMD in pid's namespace, or None."""
    try:
        with open("/proc/%d/mountinfo" % pid) as f:
            for line in f:
                fields = line.split()
                if "/dpdk/pmds-" in fields[4] and "librte_net_virtio.so" in fields[4]:
                    return fields[3]
    except OSError:
        pass
    return None


def burst_mode(out):
    m = re.search(r"Burst mode:\s*(.+)", out)
    if not m:
        return None
    return re.sub(r"\s*\(per queue\)\s*$", "", m.group(1).strip())


def stock_log_path(transcript, direction, port):
    found = None
    pat = r"virtio: using (.+?) %s path on port %d" % (direction, port)
    for m in re.finditer(pat, transcript):
        found = m.group(1)
    if found is None:
        return None
    table = STOCK_RX_PATHS if direction == "Rx" else STOCK_TX_PATHS
    return table.get(found, found + " (stock log)")


def parse_stats(out):
    stats = {}
    for key in ("RX-packets", "RX-bytes", "TX-packets", "TX-bytes", "Rx-pps", "Tx-pps"):
        m = re.search(r"%s:\s+(\d+)" % key, out)
        if m:
            stats[key] = int(m.group(1))
    if "RX-packets" not in stats:
        raise DemoError("cannot parse 'show port stats %d':\n%s" % (VIRTIO_PORT, out))
    return stats


def check_frame_size(first, second, size):
    """The frames really were `size` bytes long, in both directions.

    A frame length testpmd silently refused (or a driver that counts bytes
    differently) would make the rate describe other frames than the label says;
    the per-packet byte count over the measurement window catches both.
    """
    for d in ("RX", "TX"):
        packets = second[d + "-packets"] - first[d + "-packets"]
        octets = second.get(d + "-bytes", 0) - first.get(d + "-bytes", 0)
        if packets <= 0:
            continue
        avg = octets / packets
        if abs(avg - size) >= 0.5:
            raise DemoError("%s frames averaged %.1f bytes, not the %d of --pkt-size"
                            % (d, avg, size))


def start_traffic(pmd, size):
    """io forwarding, `size`-byte frames, 32 bursts injected on both ports."""
    out = pmd.cmd("set fwd io")
    check_no_error(out, "set fwd io")
    out = pmd.cmd("set txpkts %d" % size)
    check_no_error(out, "set txpkts %d" % size)
    out = pmd.cmd("start tx_first 32")
    check_no_error(out, "start tx_first 32")


def measure_window(pmd, port, seconds):
    """Port stats before and after the window, and the Rx packets per second.

    testpmd's own Rx-pps covers exactly the interval between the two samples;
    the packet delta over our clock is the fallback.
    """
    first = parse_stats(pmd.cmd("show port stats %d" % port))
    t0 = time.monotonic()
    time.sleep(seconds)
    second = parse_stats(pmd.cmd("show port stats %d" % port))
    elapsed = time.monotonic() - t0
    pps = second.get("Rx-pps")
    if not pps:
        pps = (second["RX-packets"] - first["RX-packets"]) / elapsed
    if pps <= 0:
        raise DemoError("no packets forwarded through virtio_user0 in %.1f s" % elapsed)
    return first, second, pps


def port_report(pmd, port):
    """Driver name and elected Rx/Tx burst functions of the port.

    Ours answers 'show rxq info' with a burst mode; the stock driver only names
    its path in the init log, which is mapped to the same function names.
    """
    out = pmd.cmd("show port info %d" % port)
    check_no_error(out, "show port info")
    m = re.search(r"Driver name:\s*(\S+)", out)
    driver = m.group(1) if m else "?"
    m = re.search(r"Link status:\s*(\S+)", out)
    if m and m.group(1).lower() != "up":
        sys.stderr.write("demo: warning: port %d link is %s\n" % (port, m.group(1)))
    rx = burst_mode(pmd.cmd("show rxq info %d 0" % port))
    tx = burst_mode(pmd.cmd("show txq info %d 0" % port))
    rx = rx or stock_log_path(pmd.output(), "Rx", port) or "unknown"
    tx = tx or stock_log_path(pmd.output(), "Tx", port) or "unknown"
    return driver, rx, tx


def check_driver(pmd, stock):
    """The process runs the driver we asked for; returns our .so or None."""
    override = loaded_override(pmd.child.pid)
    if stock and override:
        raise DemoError("--stock, but %s is mounted over the stock driver" % override)
    if not stock and not override:
        raise DemoError("our driver is not mounted over the stock one")
    return override


def launcher(args):
    """dpdk-launch with the driver selection of the command line."""
    launch = [LAUNCHER]
    if args.stock:
        launch.append("--stock")
    elif args.so:
        launch += ["--so", args.so]
    return launch


def dump_tail(pmd, name="testpmd"):
    """The end of what testpmd printed: the only clue once a run has failed."""
    tail = pmd.output().splitlines()[-40:]
    sys.stderr.write("demo: %s output (last %d lines):\n" % (name, len(tail)))
    sys.stderr.write("\n".join("  | " + line for line in tail) + "\n")


def run(args, workdir):
    sock = os.path.join(workdir, "vhost-demo.sock")
    eal = ["--no-pci", "--single-file-segments", "--file-prefix=" + args.file_prefix,
           "-l", "0,1", "--vdev", "net_vhost0,iface=" + sock,
           # The stock driver reports its elected path only in this log.
           "--log-level=pmd.net.virtio.init:info"]
    # --record-core-cycles: testpmd reports CPU cycles per packet of the whole loop.
    app = ["--", "-i", "--nb-cores=1", "--txd=1024", "--rxd=1024", "--record-core-cycles"]
    argv = launcher(args) + ["dpdk-testpmd"] + eal + app
    virtio = "virtio_user0,mac=%s,path=%s" % (VIRTIO_MAC, sock)
    if args.devargs:
        virtio += "," + args.devargs.lstrip(",")

    print("demo: %s" % " ".join(argv))
    pmd = Testpmd(argv, args.verbose)
    try:
        pmd.wait_prompt("testpmd start", timeout=120)
        override = check_driver(pmd, args.stock)
        out = pmd.cmd("port attach " + virtio, timeout=60)
        if "Port %d is attached" % VIRTIO_PORT not in out:
            raise DemoError("attaching %s failed" % virtio)
        out = pmd.cmd("port start %d" % VIRTIO_PORT, timeout=60)
        check_no_error(out, "port start %d" % VIRTIO_PORT)
        driver, rx, tx = port_report(pmd, VIRTIO_PORT)

        start_traffic(pmd, args.pkt_size)
        time.sleep(args.warmup)
        first, second, pps = measure_window(pmd, VIRTIO_PORT, args.seconds)
        which = "stock" if args.stock else "ours: " + override
        print("driver: %s (%s)" % (driver, which))
        print("path: rx=%s tx=%s" % (rx, tx))
        print("size: %d" % args.pkt_size)
        print("rate: %.3f Mpps through virtio_user0 (vhost-user backend)" % (pps / 1e6))
        check_frame_size(first, second, args.pkt_size)

        out = pmd.cmd("stop", timeout=30)
        m = re.search(r"CPU cycles/packet=([0-9.]+)", out)
        if m:
            print("cycles/packet: %s (whole loop, both ports)" % m.group(1))
        pmd.quit()
    except BaseException:
        pmd.kill()
        dump_tail(pmd)
        raise
    pmd.kill()


def remove_eal_files(prefix):
    """The hugepage files and runtime directory testpmd leaves for its prefix."""
    for path in glob.glob("/dev/hugepages/%smap_*" % glob.escape(prefix)):
        try:
            os.unlink(path)
        except OSError:
            pass
    shutil.rmtree(os.path.join("/var/run/dpdk", prefix), ignore_errors=True)


def parse_run_args(description, file_prefix):
    """The options every measuring script shares (this one and two_process_bench.py)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--stock", action="store_true",
                    help="use DPDK's stock virtio driver on the virtio side (A/B)")
    ap.add_argument("--so", help="our driver .so (default: the launcher's default)")
    ap.add_argument("--seconds", type=float, default=5.0,
                    help="measurement interval in seconds (default 5)")
    ap.add_argument("--warmup", type=float, default=2.0, help=argparse.SUPPRESS)
    ap.add_argument("--devargs", default="",
                    help="extra devargs appended to the virtio_user0 vdev string")
    ap.add_argument("--pkt-size", type=int, default=64, metavar="N",
                    help="frame length in bytes as testpmd's 'set txpkts' counts it, "
                    "without CRC (default 64, at most %d)" % MAX_PKT_SIZE)
    ap.add_argument("--file-prefix", default=file_prefix, help=argparse.SUPPRESS)
    ap.add_argument("-v", "--verbose", action="store_true", help="echo testpmd output")
    args = ap.parse_args()
    if args.seconds <= 0:
        ap.error("--seconds must be positive")
    if not MIN_PKT_SIZE <= args.pkt_size <= MAX_PKT_SIZE:
        ap.error("--pkt-size must be between %d and %d" % (MIN_PKT_SIZE, MAX_PKT_SIZE))
    return args


def main():
    args = parse_run_args(__doc__.splitlines()[0], "virtio-demo")
    if os.geteuid() != 0:
        sys.exit("demo: error: must run as root")

    # Background jobs inherit SIGINT ignored; Ctrl-C must always reach us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGHUP, on_sigterm)
    workdir = tempfile.mkdtemp(prefix="virtio-demo.")
    try:
        run(args, workdir)
    except DemoError as e:
        sys.stderr.write("demo: error: %s\n" % e)
        return 1
    except (KeyboardInterrupt, Terminated) as e:
        sys.stderr.write("demo: interrupted%s\n" % (": %s" % e if str(e) else ""))
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        remove_eal_files(args.file_prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
