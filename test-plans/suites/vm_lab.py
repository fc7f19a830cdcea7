# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""pytest fixtures for kernel-VM tests (devtools/kernel_vm.py).

    pytestmark = pytest.mark.kernel_vm

    def test_x(vm_lab, lab):
        ns = vm_lab.create_netns("ping")
        tap = vm_lab.create_tap("vt0", netns=ns, addr="10.0.0.1/24")
        vm = vm_lab.vm(nics=[VmNic("06.0", backend="tap", ifname=tap)])
        res = vm.run("...")

Fixtures:
  vm_lab   a VmLab: vm(...) factory, create_netns(), create_tap(), netns_run(),
           and `dir`, the test's short shared directory (the `lab` fixture's
           directory, so vhost-user sockets and pcaps of lab.vhost(...) live
           there too); every VM gets it as a read-write shared dir.
  vm       the VmLab's vm(...) factory itself.

Teardown (also after a failure): kill every VM (printing the tail of its
console, shown by pytest for a failed test), delete the taps and the network
namespaces; the `lab` fixture then kills its testpmd processes and removes the
directory.
"""

import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "devtools"))

from kernel_vm import GUEST_BIND, KernelVM, VmError, VmNic, VmResult  # noqa: E402,F401


def _ip(*args, check=True):
    p = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    if check and p.returncode:
        raise RuntimeError(f"ip {' '.join(args)}: {p.stdout.strip()}")
    return p


class VmLab:
    """The VMs, network namespaces and taps of one test."""

    def __init__(self, name, shared_dir):
        self.name = name
        self.dir = shared_dir
        self.vms = []
        self.namespaces = []
        self.taps = {}      # tap name -> netns (None: host namespace)

    def path(self, name):
        return os.path.join(self.dir, name)

    # -- network ---------------------------------------------------------
    def create_netns(self, name):
        """Create the network namespace `name` (loopback up) and return the name.

        Fails when it exists already (left over, or a concurrent run of the
        same test: give tests names of their own).
        """
        ns = name
        if os.path.exists(f"/run/netns/{ns}"):
            pytest.fail(f"network namespace {ns} exists already (another run, or a "
                        f"leftover: ip netns del {ns})", pytrace=False)
        _ip("netns", "add", ns)
        self.namespaces.append(ns)
        _ip("-n", ns, "link", "set", "lo", "up")
        return ns

    def create_tap(self, name, netns=None, addr=None, multi_queue=False):
        """Create a tap (up), in `netns` when given, with `addr` (CIDR) if given.

        Returns the tap name. A VM made by vm() that uses the tap is started in
        the tap's namespace (QEMU opens taps by name in its own namespace).
        Addresses belong in test-owned namespaces only.
        """
        if len(name) > 15:
            raise ValueError(f"tap name {name!r} longer than 15 characters")
        if addr and netns is None:
            raise ValueError("give the tap an address only inside a test namespace")
        pre = ["-n", netns] if netns else []
        mq = ["multi_queue"] if multi_queue else []
        _ip(*pre, "tuntap", "add", "dev", name, "mode", "tap", *mq)
        self.taps[name] = netns
        if addr:
            _ip(*pre, "addr", "add", addr, "dev", name)
        _ip(*pre, "link", "set", name, "up")
        return name

    def netns_run(self, netns, argv, timeout=60, check=False):
        """subprocess.run(argv) inside netns, output captured as text."""
        return subprocess.run(["ip", "netns", "exec", netns] + list(argv),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout, check=check)

    # -- VMs -------------------------------------------------------------
    def vm(self, nics=(), shared_dirs=None, **kw):
        """A KernelVM (not started) that teardown kills; see kernel_vm.KernelVM.

        The test's dir is shared read-write unless shared_dirs is given; the
        console log goes to <dir>/vm<N>.console.
        """
        nics = list(nics)
        if "netns" not in kw:
            spaces = {self.taps[n.ifname] for n in nics
                      if n.backend == "tap" and n.ifname in self.taps}
            if len(spaces) > 1:
                raise ValueError(f"the taps of one VM live in different namespaces: {spaces}")
            kw["netns"] = spaces.pop() if spaces else None
        if shared_dirs is None:
            shared_dirs = [self.dir]
        kw.setdefault("log_path", self.path(f"vm{len(self.vms)}.console"))
        try:
            vm = KernelVM(nics=nics, shared_dirs=shared_dirs, **kw)
        except VmError as e:
            pytest.fail(f"cannot set up the VM: {e}", pytrace=False)
        self.vms.append(vm)
        return vm

    def teardown(self):
        for i, vm in enumerate(self.vms):
            vm.kill()
            if vm.argv:
                print(f"----- vm{i}: {len(vm.console)} bytes of console; tail:")
                print(vm.tail(60))
        for tap, ns in self.taps.items():
            pre = ["-n", ns] if ns else []
            _ip(*pre, "link", "del", tap, check=False)
        for ns in reversed(self.namespaces):
            _ip("netns", "del", ns, check=False)


@pytest.fixture
def vm_lab(request, lab):
    vl = VmLab(request.node.name, lab.dir)
    try:
        yield vl
    finally:
        vl.teardown()


@pytest.fixture
def vm(vm_lab):
    return vm_lab.vm
