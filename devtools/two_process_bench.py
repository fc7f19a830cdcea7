#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Two-process loopback through virtio-user and vhost-user; print path and rate.

The secondary method of devtools/ab_bench.py. Two dpdk-testpmd processes, each
forwarding on its own core: the stock net_vhost (vhost-user server, forwarding
on core 0) and virtio_user0 with the driver under test (started through
devtools/dpdk-launch, forwarding on core 1). Both use mac forwarding, so the
frames injected by "start tx_first 32" on the virtio side bounce between the two
processes. The virtio port's Rx rate is measured from its port stats over the
window.

This is closer to a real guest/host pair than the one-process loop of
devtools/forward_demo.py, but on a 2-core machine the two busy cores also
carry the main lcores and everything else, and identical runs differ by up to
2x: report it, judge by the one-process method. The output has the same lines
as forward_demo.py (driver, path, size, rate, cycles/packet), the cycles being
those of the virtio process's forwarding core only.
"""

import os
import re
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import forward_demo as fd  # noqa: E402

VIRTIO_PORT = 0
VHOST_PORT = 0


def vhost_argv(prefix, sock):
    """Stock testpmd with net_vhost; its forwarding core is core 0."""
    return ["dpdk-testpmd", "-l", "0,1", "--main-lcore=1", "--no-pci",
            "--file-prefix=" + prefix, "--vdev", "net_vhost0,iface=%s,queues=1" % sock,
            "--", "-i", "--nb-cores=1", "--txd=1024", "--rxd=1024"]


def virtio_argv(args, prefix, sock):
    """testpmd with the driver under test; its forwarding core is core 1.

    --single-file-segments keeps the number of memory fds sent to the vhost
    backend small; the init log level makes the stock driver name its path.
    """
    vdev = "virtio_user0,mac=%s,path=%s" % (fd.VIRTIO_MAC, sock)
    if args.devargs:
        vdev += "," + args.devargs.lstrip(",")
    return fd.launcher(args) + [
        "dpdk-testpmd", "-l", "0,1", "--main-lcore=0", "--no-pci",
        "--single-file-segments", "--file-prefix=" + prefix, "--vdev=" + vdev,
        "--log-level=pmd.net.virtio.init:info",
        "--", "-i", "--nb-cores=1", "--txd=1024", "--rxd=1024", "--record-core-cycles"]


def wait_for(predicate, what, timeout=20.0, interval=0.2):
    """Polls until predicate() is true; the processes start asynchronously."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise fd.DemoError("timeout after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def link_up(pmd, port):
    out = pmd.cmd("show port info %d" % port)
    m = re.search(r"Link status:\s*(\S+)", out)
    return bool(m) and m.group(1).lower() == "up"


def cycles_per_packet(out):
    m = re.search(r"CPU cycles/packet=([0-9.]+)", out)
    return m.group(1) if m else None


def start_loop(vhost, virtio, size):
    """mac forwarding on both sides; the vhost side waits, the virtio side injects."""
    for pmd, name in ((vhost, "vhost"), (virtio, "virtio")):
        fd.check_no_error(pmd.cmd("set fwd mac"), "%s: set fwd mac" % name)
    fd.check_no_error(vhost.cmd("start"), "vhost: start")
    fd.check_no_error(virtio.cmd("set txpkts %d" % size), "virtio: set txpkts %d" % size)
    fd.check_no_error(virtio.cmd("start tx_first 32"), "virtio: start tx_first 32")


def measure(args, vhost, virtio):
    """Both links up, the loop running, then one measurement window."""
    wait_for(lambda: link_up(virtio, VIRTIO_PORT), "the virtio link")
    wait_for(lambda: link_up(vhost, VHOST_PORT), "the vhost link")
    driver, rx, tx = fd.port_report(virtio, VIRTIO_PORT)
    start_loop(vhost, virtio, args.pkt_size)
    time.sleep(args.warmup)
    first, second, pps = fd.measure_window(virtio, VIRTIO_PORT, args.seconds)
    print("driver: %s (%s)" % (driver, "stock" if args.stock else "ours"))
    print("path: rx=%s tx=%s" % (rx, tx))
    print("size: %d" % args.pkt_size)
    print("rate: %.3f Mpps through virtio_user0 (two processes, mac forwarding)"
          % (pps / 1e6))
    fd.check_frame_size(first, second, args.pkt_size)
    cycles = cycles_per_packet(virtio.cmd("stop", timeout=30))
    if cycles:
        print("cycles/packet: %s (virtio process only)" % cycles)
    vhost.cmd("stop", timeout=30)


def run(args, workdir):
    """Starts the backend, then the virtio side once the socket exists; always
    takes both processes down, the client before its backend."""
    sock = os.path.join(workdir, "vhost.sock")
    procs = []
    try:
        argv = vhost_argv(args.file_prefix + "-vhost", sock)
        print("vhost: %s" % " ".join(argv))
        vhost = fd.Testpmd(argv, args.verbose)
        procs.append(("vhost", vhost))
        vhost.wait_prompt("vhost testpmd start", timeout=120)
        wait_for(lambda: os.path.exists(sock), "the vhost-user socket %s" % sock)

        argv = virtio_argv(args, args.file_prefix + "-virtio", sock)
        print("virtio: %s" % " ".join(argv))
        virtio = fd.Testpmd(argv, args.verbose)
        procs.append(("virtio", virtio))
        virtio.wait_prompt("virtio testpmd start", timeout=120)
        fd.check_driver(virtio, args.stock)
        measure(args, vhost, virtio)
        for _, pmd in reversed(procs):
            pmd.quit()
    except BaseException:
        for name, pmd in reversed(procs):
            pmd.kill()
            fd.dump_tail(pmd, name)
        raise
    finally:
        for _, pmd in reversed(procs):
            pmd.kill()


def main():
    args = fd.parse_run_args(__doc__.splitlines()[0], "virtio-2p")
    if os.geteuid() != 0:
        sys.exit("two-process: error: must run as root")
    # Background jobs inherit SIGINT ignored; Ctrl-C must always reach us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, fd.on_sigterm)
    signal.signal(signal.SIGHUP, fd.on_sigterm)
    workdir = tempfile.mkdtemp(prefix="virtio-2p.")
    try:
        run(args, workdir)
    except fd.DemoError as e:
        sys.stderr.write("two-process: error: %s\n" % e)
        return 1
    except (KeyboardInterrupt, fd.Terminated) as e:
        sys.stderr.write("two-process: interrupted%s\n" % (": %s" % e if str(e) else ""))
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        for role in ("virtio", "vhost"):
            fd.remove_eal_files(args.file_prefix + "-" + role)
    return 0


if __name__ == "__main__":
    sys.exit(main())
