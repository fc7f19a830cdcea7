# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Test Case 8 of virtio_user_vhost_user_basic_test_plan.rst: the README's main job.

devtools/run-main.sh (through devtools/forward_demo.py) must forward real
traffic through our virtio-user port and report the path it elected and a
rate. The rate is only required to be above zero: speed belongs to the
benchmark, not to a test.
"""

import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, STOCK

DEMO = os.path.join(REPO, "devtools", "forward_demo.py")

CASES = [
    # (extra devargs, Rx callback, Tx callback)
    ("", "virtio_recv_pkts_inorder", "virtio_xmit_pkts_inorder"),
    ("packed_vq=1", "virtio_recv_mergeable_pkts_packed", "virtio_xmit_pkts_packed"),
]


@pytest.mark.parametrize("devargs,rx_fn,tx_fn", [
    pytest.param(*c, id=c[0] or "defaults") for c in CASES])
def test_main_job_forwards_and_reports(devargs, rx_fn, tx_fn):
    cmd = [sys.executable, DEMO, "--seconds", "1", "--file-prefix", "virtio-main-test"]
    if devargs:
        cmd += ["--devargs", devargs]
    if STOCK:
        cmd.append("--stock")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    text = out.stdout + out.stderr
    assert out.returncode == 0, f"main job failed:\n{text[-3000:]}"
    path = re.search(r"^path: rx=(\S+).* tx=(\S+)", out.stdout, re.M)
    assert path, f"no path line:\n{out.stdout}"
    assert (path.group(1), path.group(2)) == (rx_fn, tx_fn), out.stdout
    rate = re.search(r"^rate: ([0-9.]+) Mpps", out.stdout, re.M)
    assert rate and float(rate.group(1)) > 0, f"no traffic:\n{out.stdout}"
    if not STOCK:
        assert "ours:" in out.stdout, f"our driver was not the one loaded:\n{out.stdout}"
