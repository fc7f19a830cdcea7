# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Fixtures for the functional suites: real dpdk-testpmd processes.

The vhost-user side is always Debian's unchanged dpdk-testpmd with the stock
net_vhost PMD. The virtio-user side runs through devtools/dpdk-launch, which
puts our driver in place of the stock net_virtio; with VIRTIO_PMD=stock it
keeps the stock driver (used to develop and cross-check the suite).

Every test gets its own directory for sockets and pcaps and its own EAL file
prefixes. Teardown kills every process group it started (SIGKILL, even after a
failure), then removes the directory, the hugepage files and the EAL runtime
directories of those prefixes, so one failing test cannot spoil the next.
"""

import glob
import itertools
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from testpmd import Testpmd  # noqa: E402

# Kernel-VM fixtures (vm_lab, vm): test-plans/suites/vm_lab.py
pytest_plugins = ["vm_lab"]

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAUNCHER = os.path.join(REPO, "devtools", "dpdk-launch")
OUR_SO = os.environ.get("VIRTIO_PMD_SO") or os.path.join(
    REPO, "build", "drivers", "net", "virtio", "librte_net_virtio.so.23.0")
TESTPMD = os.environ.get("DPDK_TESTPMD", "dpdk-testpmd")
RUNTIME_DIR = "/var/run/dpdk"

# Which virtio driver the virtio-user process runs: ours unless VIRTIO_PMD=stock.
STOCK = os.environ.get("VIRTIO_PMD", "").strip().lower() == "stock"
DRIVER = "stock" if STOCK else "ours"
# The stock driver has no burst mode callbacks: its init log is the only place
# that names the Rx/Tx path it elected and the ring sizes it set up.
STOCK_EAL = ["--log-level=pmd.net.virtio.init:debug"] if STOCK else []

VIRTIO_MAC = "00:01:02:03:04:05"
LCORES = "0,1"
MEM_MB = 512
HUGEPAGES_NEEDED = 2 * MEM_MB // 2 + 64     # two processes of MEM_MB in 2 MiB pages

_seq = itertools.count()


def hugetlbfs_mounts():
    mounts = []
    with open("/proc/mounts", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "hugetlbfs":
                mounts.append(parts[1])
    return mounts


def free_hugepages():
    try:
        with open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
                  encoding="utf-8") as f:
            return int(f.read())
    except OSError:
        return 0


def pytest_report_header(config):
    return [f"virtio driver under test: {DRIVER}"
            + ("" if STOCK else f" ({OUR_SO})"),
            f"launcher: {LAUNCHER}"]


def virtio_launch_prefix():
    """Command prefix that starts an app with the virtio driver under test.

    Fails the test (never skips) when our driver has not been built.
    """
    have_launcher = os.path.isfile(LAUNCHER)
    if STOCK:
        if have_launcher:
            return ["/bin/bash", LAUNCHER, "--stock"]
        return []     # only the stock run may go without the launcher
    if not os.path.isfile(OUR_SO):
        pytest.fail(f"our virtio driver is not built: {OUR_SO} does not exist. "
                    "Build first (meson setup build && ninja -C build), or run the "
                    "suite against the stock driver with VIRTIO_PMD=stock.",
                    pytrace=False)
    if not have_launcher:
        pytest.fail(f"{LAUNCHER} is missing: cannot load our driver in place of "
                    "the stock one.", pytrace=False)
    return ["/bin/bash", LAUNCHER]


class Lab:
    """Processes, files and EAL prefixes of one test."""

    def __init__(self, name):
        self.name = name
        # Short path: unix socket paths must stay under 108 bytes.
        self.dir = tempfile.mkdtemp(prefix="vpmd-", dir="/tmp")
        self.prefixes = []
        self.procs = []
        # A driver built with sanitizers (dpdk-launch preloads the ASan runtime) writes
        # its reports here; teardown fails the test if there are any. The stock
        # testpmd processes ignore these variables.
        self.sanitizer_log = os.path.join(self.dir, "sanitizer")
        self.env = dict(os.environ)
        self.env["ASAN_OPTIONS"] = ":".join(filter(None, [
            os.environ.get("ASAN_OPTIONS", ""), f"log_path={self.sanitizer_log}",
            "detect_leaks=1", "halt_on_error=1"]))
        self.env["UBSAN_OPTIONS"] = ":".join(filter(None, [
            os.environ.get("UBSAN_OPTIONS", ""), f"log_path={self.sanitizer_log}",
            "print_stacktrace=1"]))

    def path(self, name):
        return os.path.join(self.dir, name)

    def new_prefix(self, role):
        p = f"vpmdt{os.getpid()}_{next(_seq)}_{role}"
        self.prefixes.append(p)
        return p

    def _spawn(self, launch, role, eal, app, lcores, main_lcore, mem, extra_eal,
               wait=True, timeout=60):
        prefix = self.new_prefix(role)
        argv = list(launch) + [TESTPMD]
        if lcores:
            argv += ["-l", lcores]
        if main_lcore is not None:
            argv.append(f"--main-lcore={main_lcore}")
        argv += ["--no-pci", f"--file-prefix={prefix}"]
        if mem:
            argv += ["-m", str(mem)]
        argv += list(eal) + list(extra_eal) + ["--", "-i"] + list(app)
        tp = Testpmd(argv, f"{len(self.procs)}-{role}", self.dir, timeout=timeout,
                     env=self.env)
        tp.prefix = prefix
        self.procs.append(tp)
        if wait:
            tp.wait_prompt()
        return tp

    def vhost(self, vdevs, app=(), lcores=LCORES, main_lcore=None, mem=MEM_MB,
              extra_eal=(), wait=True):
        """Stock dpdk-testpmd with the given --vdev list (net_vhost, net_pcap ...)."""
        eal = []
        for v in vdevs:
            eal += ["--vdev", v]
        return self._spawn([], "vhost", eal, app, lcores, main_lcore, mem, extra_eal,
                           wait)

    def virtio(self, vdevs, app=(), lcores=LCORES, main_lcore=1, mem=MEM_MB,
               extra_eal=(), wait=True):
        """dpdk-testpmd with the virtio driver under test, through the launcher."""
        launch = virtio_launch_prefix()
        eal = ["--single-file-segments"] + STOCK_EAL
        for v in vdevs:
            eal += ["--vdev", v]
        return self._spawn(launch, "virtio", eal, app, lcores, main_lcore, mem,
                           extra_eal, wait)

    def app(self, binary, eal, app_args, role, lcores=LCORES, mem=MEM_MB, ours=True):
        """Any DPDK application (not interactive), with our driver unless ours=False.

        Its output collects in the returned object's .output, and the process
        and its EAL files go with the lab like testpmd's.
        """
        prefix = self.new_prefix(role)
        argv = (virtio_launch_prefix() if ours else []) + [binary, "-l", lcores, "--no-pci",
                                                           f"--file-prefix={prefix}",
                                                           "-m", str(mem)]
        argv += list(eal) + (["--single-file-segments"] + STOCK_EAL if ours else [])
        argv += ["--"] + list(app_args)
        proc = Testpmd(argv, f"{len(self.procs)}-{role}", self.dir, env=self.env)
        proc.prefix = prefix
        self.procs.append(proc)
        return proc

    def sanitizer_reports(self):
        """Reports the sanitizers wrote so far (empty for a build without them)."""
        reports = []
        for f in sorted(glob.glob(self.sanitizer_log + ".*")):
            with open(f, encoding="utf-8", errors="replace") as fh:
                reports.append(f"{os.path.basename(f)}:\n{fh.read()}")
        return reports

    def teardown(self):
        for tp in reversed(self.procs):     # clients before their backend
            tp.kill()
        reports = self.sanitizer_reports()
        for r in reports:
            print(r)
        for tp in self.procs:
            # Shown by pytest only when the test failed. The vhost library's
            # protocol trace is left out: it is in the log file.
            lines = [ln for ln in tp.output.splitlines() if "VHOST_CONFIG" not in ln]
            print(f"----- {tp.name}: {' '.join(tp.argv)}\n"
                  f"      exit={tp.exitstatus} signal={tp.signalstatus}")
            print("\n".join(lines[-40:]))
        for p in self.prefixes:
            for mnt in set(hugetlbfs_mounts()) | {"/dev/hugepages"}:
                for f in glob.glob(os.path.join(mnt, f"{p}map_*")):
                    try:
                        os.unlink(f)
                    except OSError:
                        pass
            shutil.rmtree(os.path.join(RUNTIME_DIR, p), ignore_errors=True)
        if os.environ.get("VPMD_KEEP_ARTIFACTS"):
            print(f"artifacts kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if reports:
            pytest.fail(f"{len(reports)} sanitizer report(s) from the driver under "
                        f"test; the first:\n{reports[0][:4000]}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _environment():
    """The machine must be set up (devtools/setup.sh): fail loudly if it is not."""
    if shutil.which(TESTPMD) is None:
        pytest.fail(f"{TESTPMD} not found on PATH (apt-get install dpdk)", pytrace=False)
    if not hugetlbfs_mounts():
        pytest.fail("no hugetlbfs mounted; run devtools/setup.sh", pytrace=False)
    if free_hugepages() < HUGEPAGES_NEEDED:
        pytest.fail(f"only {free_hugepages()} free 2 MiB hugepages, the suite needs "
                    f"{HUGEPAGES_NEEDED}; run devtools/setup.sh", pytrace=False)
    yield


@pytest.fixture
def lab(request):
    lb = Lab(request.node.name)
    try:
        yield lb
    finally:
        lb.teardown()


@pytest.fixture
def stock():
    return STOCK
