#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""A/B benchmark: our virtio PMD against the stock one, path by path, size by size.

For every path (a set of virtio-user devargs) and every frame size, each round
runs one measurement with the stock driver and then one with ours, so drift of
the machine hits both alike. Two methods:

primary    devtools/forward_demo.py: one testpmd, the stock net_vhost as port 0
           and the virtio-user port under test hot-attached as port 1, io
           forwarding on one forwarding core. Stable to about 2% on a 2-core
           machine; judge by this one. Cycles per packet are those of the whole
           loop (testpmd's --record-core-cycles); the vhost half is the same
           code for both drivers, so the difference is ours.
secondary  devtools/two_process_bench.py: vhost and virtio-user in two testpmd
           processes, each forwarding on its own core, mac forwarding. Closer
           to a guest/host pair, but identical runs differ by up to 2x here.

Prints a markdown table per method (medians over the rounds, the ratio
ours/stock as min/median/max of the per-round ratios, and the Rx/Tx functions
each driver reported), and writes every sample to a JSON file and the ratios to
a PNG chart. This is a benchmark, not a test: it asserts nothing.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEVTOOLS = os.path.join(REPO, "devtools")

# name -> (script, EAL file prefix, one-line description for the outputs)
METHODS = {
    "primary": (os.path.join(DEVTOOLS, "forward_demo.py"), "virtio-ab",
                "one testpmd, net_vhost + hot-attached virtio-user, io forwarding "
                "on one core; cycles/packet of the whole loop"),
    "secondary": (os.path.join(DEVTOOLS, "two_process_bench.py"), "virtio-ab2p",
                  "two testpmd processes, one core each, mac forwarding; swings up to "
                  "2x between identical runs, judge by the primary method; "
                  "cycles/packet of the virtio process only"),
}

# (name, devargs): the stock driver elects the same path from the same devargs.
# Which path each driver really elected is in the reported names: without
# AVX512 the vectorized packed path falls back to the scalar packed one.
PATHS = [
    ("split in-order mergeable", "in_order=1,mrg_rxbuf=1"),
    ("split in-order non-mergeable", "in_order=1,mrg_rxbuf=0"),
    ("split mergeable", "in_order=0,mrg_rxbuf=1"),
    ("split non-mergeable", "in_order=0,mrg_rxbuf=0"),
    ("split vectorized", "in_order=0,mrg_rxbuf=0,vectorized=1"),
    ("packed in-order mergeable", "packed_vq=1,in_order=1,mrg_rxbuf=1"),
    ("packed in-order non-mergeable", "packed_vq=1,in_order=1,mrg_rxbuf=0"),
    ("packed mergeable", "packed_vq=1,in_order=0,mrg_rxbuf=1"),
    ("packed non-mergeable", "packed_vq=1,in_order=0,mrg_rxbuf=0"),
    ("packed vectorized", "packed_vq=1,in_order=1,mrg_rxbuf=0,vectorized=1"),
]

RUN_TIMEOUT_S = 300


def run_child(cmd, timeout):
    """Runs one measurement script; on a timeout or Ctrl-C, lets it clean up.

    subprocess.run() would SIGKILL the script on a timeout and leave its
    testpmd processes and hugepage files behind; SIGTERM makes the script take
    them down first.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        raise RuntimeError("timeout after %d s: %s" % (timeout, " ".join(cmd)))
    except KeyboardInterrupt:
        # The script got the same SIGINT (same process group): wait for its cleanup.
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    return proc.returncode, out, err


def measure(method, stock, devargs, size, seconds):
    """One run of the method's script; returns the numbers it printed."""
    script, prefix, _ = METHODS[method]
    cmd = [sys.executable, script, "--seconds", str(seconds), "--devargs", devargs,
           "--pkt-size", str(size), "--file-prefix", prefix]
    if stock:
        cmd.append("--stock")
    rc, out, err = run_child(cmd, RUN_TIMEOUT_S)
    rate = re.search(r"^rate: ([0-9.]+) Mpps", out, re.M)
    path = re.search(r"^path: (.*)", out, re.M)
    cycles = re.search(r"^cycles/packet: ([0-9.]+)", out, re.M)
    if rc != 0 or not rate:
        raise RuntimeError("run failed (%s, %s, %d bytes):\n%s%s" % (
            "stock" if stock else "ours", devargs, size, out, err[-2000:]))
    return {"mpps": float(rate.group(1)),
            "cycles_per_packet": float(cycles.group(1)) if cycles else None,
            "reported_path": path.group(1).strip() if path else "?"}


def one_run(method, stock, devargs, size, seconds, attempts=2):
    """One sample; a failed run (harness hiccup) is retried once, then recorded.

    A long benchmark should not be lost to one bad run: the failure is kept in
    the sample and that round is left out of the cell's ratios.
    """
    sample = {"driver": "stock" if stock else "ours"}
    for attempt in range(attempts):
        try:
            sample.update(measure(method, stock, devargs, size, seconds))
            sample["ok"] = True
            return sample
        except RuntimeError as e:
            msg = str(e)
            print("%s run failed%s: %s" % (sample["driver"],
                                           ", retrying" if attempt + 1 < attempts else "",
                                           msg.splitlines()[0]), flush=True)
    sample.update({"ok": False, "error": msg[-4000:]})
    return sample


def spread(values):
    """min/median/max of the values, or None when there are none."""
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def distinct(values):
    """The reported path names, each once, in order of first appearance."""
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return " / ".join(seen) if seen else "?"


def summarize(rounds):
    """Medians per driver and the per-round ours/stock ratios.

    Ratios pair the stock and our run of the same round (run back to back),
    which cancels slow drift; rounds with a failed run are left out.
    """
    pairs = [r for r in rounds if r["stock"]["ok"] and r["ours"]["ok"]]
    stock = [r["stock"] for r in pairs]
    ours = [r["ours"] for r in pairs]
    ratios = [o["mpps"] / s["mpps"] for s, o in zip(stock, ours) if s["mpps"] > 0]
    cyc_ratios = [o["cycles_per_packet"] / s["cycles_per_packet"]
                  for s, o in zip(stock, ours)
                  if s["cycles_per_packet"] and o["cycles_per_packet"] is not None]
    return {
        "pairs": len(pairs),
        "failed_runs": sum(not r[d]["ok"] for r in rounds for d in ("stock", "ours")),
        "stock_mpps": spread([s["mpps"] for s in stock]),
        "ours_mpps": spread([o["mpps"] for o in ours]),
        "ratio": spread(ratios),
        "stock_cycles": spread([s["cycles_per_packet"] for s in stock
                                if s["cycles_per_packet"] is not None]),
        "ours_cycles": spread([o["cycles_per_packet"] for o in ours
                               if o["cycles_per_packet"] is not None]),
        "cycles_ratio": spread(cyc_ratios),
        "stock_path": distinct([s["reported_path"] for s in stock]),
        "ours_path": distinct([o["reported_path"] for o in ours]),
    }


def run_cell(method, name, devargs, size, args):
    """All rounds of one (path, size) cell, stock and ours alternating."""
    rounds = []
    for r in range(args.rounds):
        s = one_run(method, True, devargs, size, args.seconds)
        o = one_run(method, False, devargs, size, args.seconds)
        rounds.append({"round": r + 1, "stock": s, "ours": o})
        print("%-9s %-30s %4d B round %d: stock %s, ours %s (%s)" % (
            method, name, size, r + 1, brief(s), brief(o), o.get("reported_path", "failed")),
            flush=True)
    return {"path": name, "devargs": devargs, "size": size, "rounds": rounds,
            "summary": summarize(rounds)}


def brief(sample):
    if not sample["ok"]:
        return "FAILED"
    cyc = sample["cycles_per_packet"]
    return "%.2f Mpps %s cyc/pkt" % (sample["mpps"], "?" if cyc is None else "%.1f" % cyc)


def fmt(sp, key="median", form="%.2f"):
    return "n/a" if not sp else form % sp[key]


def markdown_table(method, result, rounds):
    """The table of one method, headed by what the method measures."""
    lines = ["### %s method: %s" % (method, result["description"]), "",
             "Medians over %d round(s); ratios are ours/stock per round (Mpps: higher "
             "is better for ours; cycles: lower is better)." % rounds, "",
             "| path | size | stock Mpps | ours Mpps | ours/stock min / median / max "
             "| stock cyc/pkt | ours cyc/pkt | cycles ours/stock | stock path | ours path |",
             "|---|---:|---:|---:|---|---:|---:|---:|---|---|"]
    for c in result["cells"]:
        s = c["summary"]
        ratio = "n/a" if not s["ratio"] else "%.3f / %.3f / %.3f" % (
            s["ratio"]["min"], s["ratio"]["median"], s["ratio"]["max"])
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            c["path"], c["size"], fmt(s["stock_mpps"]), fmt(s["ours_mpps"]), ratio,
            fmt(s["stock_cycles"], form="%.1f"), fmt(s["ours_cycles"], form="%.1f"),
            fmt(s["cycles_ratio"], form="%.3f"), s["stock_path"], s["ours_path"]))
    return "\n".join(lines)


def machine_info():
    """Enough context to tell two JSON files from different machines apart."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
            "dpdk": command_output(["pkg-config", "--modversion", "libdpdk"]),
            "source": command_output(["git", "-C", REPO, "describe", "--always", "--dirty"])}


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def write_json(path, doc):
    """Written after every cell, so an interrupted benchmark keeps what it measured."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def plot_method(ax, method, result, sizes):
    """Grouped bars per path, one per size: median ratio, min-max error bars.

    The bars start at 1.0 (parity) so that a few percent either way is
    visible; above the line ours forwards more packets than stock.
    """
    cells = result["cells"]
    names = []
    for c in cells:
        if c["path"] not in names:
            names.append(c["path"])
    width = 0.8 / max(len(sizes), 1)
    ends = [1.0]
    for i, size in enumerate(sizes):
        xs, meds, lo, hi = [], [], [], []
        for c in cells:
            r = c["summary"]["ratio"]
            if c["size"] != size or not r:
                continue
            xs.append(names.index(c["path"]) - 0.4 + width * (i + 0.5))
            meds.append(r["median"])
            lo.append(r["median"] - r["min"])
            hi.append(r["max"] - r["median"])
            ends += [r["min"], r["max"]]
        if not xs:
            continue
        ax.bar(xs, [m - 1.0 for m in meds], width * 0.9, bottom=1.0,
               yerr=[lo, hi], capsize=3, label="%d B" % size)
        for x, m in zip(xs, meds):
            ax.annotate("%.3f" % m, (x, m), textcoords="offset points",
                        xytext=(0, 3 if m >= 1.0 else -10), ha="center", fontsize=6)
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
    ax.grid(axis="y", alpha=0.3)
    ax.set_ylim(min(0.95, min(ends) - 0.03), max(1.05, max(ends) + 0.03))
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("ours / stock Mpps")
    ax.set_title(textwrap.fill("%s method: %s" % (method, result["description"]), 80),
                 fontsize=9)
    ax.legend(fontsize=8, title="frame size", title_fontsize=8)


def write_png(path, doc):
    """One chart per method that ran, primary first."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = [m for m in METHODS if m in doc["methods"]]
    npaths = max(len({c["path"] for c in doc["methods"][m]["cells"]}) for m in methods)
    fig, axes = plt.subplots(len(methods), 1, squeeze=False,
                             figsize=(max(7, 1.1 * npaths + 2), 5.5 * len(methods)))
    for ax, method in zip(axes[:, 0], methods):
        plot_method(ax, method, doc["methods"][method], doc["settings"]["sizes"])
    fig.suptitle("virtio PMD A/B: median ratio ours/stock, error bars min-max over %d "
                 "round(s) of %g s" % (doc["settings"]["rounds"], doc["settings"]["seconds"]),
                 fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="runs per driver and cell (5)")
    ap.add_argument("--seconds", type=float, default=3.0, help="measurement window (3)")
    ap.add_argument("--sizes", default="64,1518",
                    help="comma-separated frame sizes in bytes, no CRC (64,1518)")
    ap.add_argument("--path", action="append", help="only paths whose name contains this")
    ap.add_argument("--method", choices=("primary", "secondary", "both"), default="primary")
    ap.add_argument("--json", default=os.path.join(REPO, "build", "bench", "ab_bench.json"),
                    help="raw samples and summary (build/bench/ab_bench.json)")
    ap.add_argument("--png", default=os.path.join(REPO, "build", "bench", "ab_bench.png"),
                    help="chart of the ratios (build/bench/ab_bench.png)")
    args = ap.parse_args()
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error("--sizes takes comma-separated integers")
    if not args.sizes or args.rounds < 1 or args.seconds <= 0:
        ap.error("need at least one size, one round and a positive --seconds")
    return args


def main():
    args = parse_args()
    paths = [(n, d) for n, d in PATHS if not args.path or any(p in n for p in args.path)]
    if not paths:
        sys.exit("ab_bench: no path matches %s" % args.path)
    methods = ["primary", "secondary"] if args.method == "both" else [args.method]
    doc = {"benchmark": "devtools/ab_bench.py",
           "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "machine": machine_info(),
           "settings": {"rounds": args.rounds, "seconds": args.seconds, "sizes": args.sizes,
                        "methods": methods},
           "methods": {}}
    for method in methods:
        result = {"description": METHODS[method][2], "cells": []}
        doc["methods"][method] = result
        for name, devargs in paths:
            for size in args.sizes:
                result["cells"].append(run_cell(method, name, devargs, size, args))
                write_json(args.json, doc)

    for method in methods:
        print()
        print(markdown_table(method, doc["methods"][method], args.rounds))
    write_png(args.png, doc)
    print()
    print("ab_bench: samples in %s, chart in %s" % (args.json, args.png))
    failed = sum(c["summary"]["failed_runs"] for m in doc["methods"].values()
                 for c in m["cells"])
    if failed:
        print("ab_bench: %d run(s) failed; see \"error\" in the JSON" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
