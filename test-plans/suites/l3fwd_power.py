# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Reading dpdk-l3fwd-power's own log: when its lcores slept and woke up.

In interrupt-only mode (--interrupt-only, with --log-level=user1,7) the
unchanged sample application logs

    L3FWD_POWER: lcore 1 is waked up from rx interrupt on port 0 queue 1
    L3FWD_POWER: lcore 1 sleeps until interrupt triggers

The sleep line is printed only when the lcore goes back to sleep after a
wake-up, so "woke, slept, woke" is exactly the cycle the tests look for.
"""

import os
import re
import subprocess


def _default_path():
    """Where devtools/setup.sh builds the sample for the installed DPDK."""
    version = subprocess.run(["pkg-config", "--modversion", "libdpdk"], text=True,
                             stdout=subprocess.PIPE, check=False).stdout.strip()
    return f"/var/cache/virtio-pmd/examples/{version}/l3fwd-power/build/l3fwd-power"


L3FWD_POWER = os.environ.get("VIRTIO_PMD_L3FWD_POWER") or _default_path()

WAKE_RE = re.compile(r"lcore (\d+) is waked up from rx interrupt on port (\d+) queue (\d+)")
SLEEP_RE = re.compile(r"lcore (\d+) sleeps until interrupt triggers")


def events(text):
    """[("wake", port, queue) | ("sleep",), ...] in the order they were logged."""
    out = []
    for line in text.splitlines():
        m = WAKE_RE.search(line)
        if m:
            out.append(("wake", int(m.group(2)), int(m.group(3))))
        elif SLEEP_RE.search(line):
            out.append(("sleep",))
    return out


def wakes(text):
    return [e for e in events(text) if e[0] == "wake"]


def sleeps(text):
    return [e for e in events(text) if e[0] == "sleep"]


def app_args(config, port_mask="0x1"):
    """The sample's arguments, as the DTS interrupt plans give them, in interrupt-only mode."""
    return ["-p", port_mask, f"--config={config}", "--parse-ptype", "--interrupt-only"]


EAL_LOG = ["--log-level=user1,7"]
