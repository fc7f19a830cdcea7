#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""A/B benchmark: our virtio PMD against the stock one, path by path.

Each round runs devtools/forward_demo.py (one testpmd, net_vhost and
virtio-user as two ports of one process, one forwarding core: the only loop
that is stable on a 2-core machine) once with the stock driver and once with
ours, alternating, so drift of the machine hits both alike. For every path it
prints both rates, the ratio ours/stock as min/median/max over the rounds,
and the median CPU cycles per packet of the whole loop (testpmd's
--record-core-cycles; the vhost half is the same for both drivers).
This is a benchmark, not a test: it asserts nothing.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(REPO, "devtools", "forward_demo.py")

# (name, devargs): the stock driver elects the same path from the same devargs.
PATHS = [
    ("split in-order mergeable", "in_order=1,mrg_rxbuf=1"),
    ("split in-order non-mergeable", "in_order=1,mrg_rxbuf=0"),
    ("split mergeable", "in_order=0,mrg_rxbuf=1"),
    ("split non-mergeable", "in_order=0,mrg_rxbuf=0"),
    ("packed in-order mergeable", "packed_vq=1,in_order=1,mrg_rxbuf=1"),
    ("packed in-order non-mergeable", "packed_vq=1,in_order=1,mrg_rxbuf=0"),
    ("packed mergeable", "packed_vq=1,in_order=0,mrg_rxbuf=1"),
    ("packed non-mergeable", "packed_vq=1,in_order=0,mrg_rxbuf=0"),
]


def one_run(stock, devargs, seconds, attempts=2):
    """One measurement; a failed run (harness hiccup) is retried once, then raised."""
    for attempt in range(attempts):
        try:
            return measure(stock, devargs, seconds)
        except RuntimeError as e:
            if attempt + 1 == attempts:
                raise
            print("retrying after a failed run: %s" % str(e).splitlines()[0], flush=True)
    raise AssertionError("unreachable")


def measure(stock, devargs, seconds):
    cmd = [sys.executable, DEMO, "--seconds", str(seconds), "--devargs", devargs,
           "--file-prefix", "virtio-ab"]
    if stock:
        cmd.append("--stock")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    rate = re.search(r"rate: ([0-9.]+) Mpps", out.stdout)
    path = re.search(r"path: (.*)", out.stdout)
    cycles = re.search(r"cycles/packet: ([0-9.]+)", out.stdout)
    if out.returncode != 0 or not rate:
        raise RuntimeError("run failed (%s, %s):\n%s%s" % (
            "stock" if stock else "ours", devargs, out.stdout, out.stderr[-2000:]))
    return (float(rate.group(1)), float(cycles.group(1)) if cycles else float("nan"),
            path.group(1) if path else "?")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--path", action="append", help="only paths whose name contains this")
    args = ap.parse_args()

    rows = []
    for name, devargs in PATHS:
        if args.path and not any(p in name for p in args.path):
            continue
        stock, ours, ratios, scyc, ocyc = [], [], [], [], []
        for r in range(args.rounds):
            s, sc, spath = one_run(True, devargs, args.seconds)
            o, oc, opath = one_run(False, devargs, args.seconds)
            stock.append(s)
            ours.append(o)
            scyc.append(sc)
            ocyc.append(oc)
            ratios.append(o / s if s else float("inf"))
            print("%-30s round %d: stock %.2f Mpps %.1f cyc/pkt, ours %.2f Mpps %.1f cyc/pkt "
                  "(%s)" % (name, r + 1, s, sc, o, oc, opath), flush=True)
        rows.append((name, statistics.median(stock), statistics.median(ours),
                     min(ratios), statistics.median(ratios), max(ratios),
                     statistics.median(scyc), statistics.median(ocyc)))

    print()
    print("| path | stock Mpps | ours Mpps | ours/stock min / median / max | "
          "stock cyc/pkt | ours cyc/pkt |")
    print("|---|---|---|---|---|---|")
    for name, s, o, lo, med, hi, sc, oc in rows:
        print("| %s | %.2f | %.2f | %.2f / %.2f / %.2f | %.1f | %.1f |" %
              (name, s, o, lo, med, hi, sc, oc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
