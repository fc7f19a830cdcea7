#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Boot the host's Debian kernel in QEMU (TCG) and run one shell script in it.

    from kernel_vm import KernelVM, VmNic, VmResult, VmError

    with KernelVM(nics=[VmNic("06.0", backend="tap", ifname="vtap0")]) as vm:
        res = vm.run("modprobe virtio_net && ip -br link")
    res.returncode, res.output, res.console

Why TCG: /dev/kvm exists on the test machines but cannot run a stock kernel,
so QEMU always runs with -accel tcg (multi-threaded). A boot to the script
takes a few seconds; every boot counts, so combine checks per boot.

Machine: q35 (with intel-iommu when iommu=True), -cpu max, memory from a
shared memfd backend (memory-backend-memfd,share=on: what vhost-user needs;
normal RAM, never the host's hugepages), serial console on QEMU's stdout,
-no-reboot and kernel panic=-1 so that a panic ends QEMU.

Guest environment the script can rely on
----------------------------------------
* The script is written to /run/vm-harness/script.sh and run as root by the
  host's /bin/bash (``/bin/bash /run/vm-harness/script.sh``, bash semantics,
  stdin /dev/null, cwd /, environment PATH HOME=/root TERM=dumb LANG=C.UTF-8
  VM_HARNESS=1 only).
* ``/`` is the host's root filesystem, read-only over 9p (virtio-9p-pci,
  security_model=none, readonly=on, multidevs=remap, cache=loose): the host's
  /usr/bin/dpdk-testpmd, python3, ip, modprobe with the host's /lib/modules,
  the repository checkout and its build directory are at their host paths.
  Paths under /tmp, /run, /root of the host are hidden by the tmpfs below,
  except the checkout itself (the one holding this file), which is exported
  again read-only and mounted at its path, so a clone in /tmp works too.
* tmpfs on /tmp /run /var/tmp /var/log /root /dev/shm (/var/run is /run);
  devtmpfs /dev, devpts /dev/pts, proc, sysfs, debugfs.
* /dev/hugepages: hugetlbfs with `hugepages` 2 MiB pages reserved at boot.
* every `shared_dirs` host path is mounted read-write at the same path
  (one 9p export each, cache=mmap): the way to hand files to the host.
* loopback up, hostname "vm".
* The virtio-9p devices sit at PCI slots 0x10 and up; the NICs where their
  VmNic.addr puts them (guest BDF 0000:00:<addr>). virtio_pci is loaded (the
  9p transport needs it), so the NICs are bound to virtio-pci at PCI level,
  but virtio_net is NOT loaded: no net device exists until the script does
  ``modprobe virtio_net``. devtools/vm/guest-bind.sh BDF DRIVER moves a NIC
  to vfio-pci, uio_pci_generic or back to virtio-pci (GUEST_BIND below).
* Kernel console messages are limited to emergencies while the script runs;
  the whole dmesg is printed after the exit marker and is in VmResult.console.

Console protocol: the initramfs prints VMH-<token>-BEGIN, the script's
stdout+stderr, VMH-<token>-EXIT=<status>, then dmesg, and powers off.
VmResult.output is what lies between the two markers.

The initramfs (busybox-static, the 9p/virtio-pci modules of the kernel, and
devtools/vm/init) is cached in /var/cache/virtio-pmd/vm (or
$VIRTIO_PMD_VM_CACHE), keyed by kernel version and its inputs; each VM gets a
small extra cpio with its script and configuration appended.

Command line: python3 devtools/kernel_vm.py --help (or devtools/vm/run-vm).
"""

import argparse
import codecs
import glob
import gzip
import hashlib
import io
import lzma
import os
import re
import secrets
import shlex
import shutil
import socket
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VM_DIR = os.path.join(HERE, "vm")
REPO = os.path.dirname(HERE)
INIT_SCRIPT = os.path.join(VM_DIR, "init")
GUEST_BIND = os.path.join(VM_DIR, "guest-bind.sh")
BUSYBOX = "/bin/busybox"
QEMU = "qemu-system-x86_64"
CACHE_DIR = os.environ.get("VIRTIO_PMD_VM_CACHE", "/var/cache/virtio-pmd/vm")
# Modules the initramfs loads (with their dependencies) unless built in.
INIT_MODULES = ("virtio_pci", "9pnet_virtio", "9p")
FORMAT = "3"          # bump when the initramfs layout changes

MODES = {
    # mode: (device properties, PCI device id the guest sees)
    "modern": ("disable-legacy=on,disable-modern=off", 0x1041),
    "legacy": ("disable-legacy=off,disable-modern=on", 0x1000),
    "transitional": ("disable-legacy=off,disable-modern=off", 0x1000),
}

__all__ = ["KernelVM", "VmNic", "VmResult", "VmError", "GUEST_BIND", "MODES"]


class VmError(RuntimeError):
    """The VM could not be started, timed out, or never reported an exit status."""


# --------------------------------------------------------------------------
# NICs
# --------------------------------------------------------------------------

class VmNic:
    """One virtio-net-pci device of the guest.

    addr       guest PCI "slot.fn" (hex): "06.0" -> 0000:00:06.0
    backend    "tap": the host tap `ifname` (created by the caller, QEMU opens
               it with script=no,downscript=no,vhost=off);
               "vhost-user": QEMU connects as client to the unix socket `socket`
               (the vhost-user server must be listening before the VM starts)
    mode       "modern" (1af4:1041), "legacy" or "transitional" (1af4:1000)
    mac        default 52:54:00:00:<slot>:<fn>
    queues     >1: mq=on, vectors=2*queues+2, queues=N on the netdev (a tap
               then needs multi_queue)
               vhost-user NICs get vectors=0 (INTx, no MSI-X) whatever the
               queues: QEMU 7.2 crashes (NULL dereference in
               msix_set_vector_notifiers, from vhost_net_start) when a guest
               starts an MSI-X vhost-user device under TCG. A "vectors=" in
               `extra` overrides this.
    packed     packed=on
    iommu_platform  iommu_platform=on,ats=on (with KernelVM(iommu=True))
    extra      raw ",k=v" device properties appended as they are
    """

    def __init__(self, addr="06.0", backend="tap", ifname=None, socket=None,
                 mode="modern", mac=None, queues=1, packed=False,
                 iommu_platform=False, extra=""):
        m = re.fullmatch(r"([0-9a-fA-F]{1,2})\.([0-7])", str(addr))
        if not m:
            raise VmError(f"VmNic addr {addr!r}: expected slot.fn such as '06.0'")
        self.slot = int(m.group(1), 16)
        self.fn = int(m.group(2))
        if not 1 <= self.slot <= 0x0f:
            raise VmError(f"VmNic addr {addr!r}: use slots 01..0f "
                          "(0x10 and up hold the 9p devices)")
        self.addr = f"{self.slot:02x}.{self.fn}"
        if backend not in ("tap", "vhost-user"):
            raise VmError(f"VmNic backend {backend!r}: 'tap' or 'vhost-user'")
        if backend == "tap" and not ifname:
            raise VmError("VmNic backend 'tap' needs ifname")
        if backend == "vhost-user" and not socket:
            raise VmError("VmNic backend 'vhost-user' needs socket")
        if mode not in MODES:
            raise VmError(f"VmNic mode {mode!r}: one of {', '.join(MODES)}")
        if int(queues) < 1:
            raise VmError("VmNic queues must be >= 1")
        if extra and not extra.startswith(","):
            extra = "," + extra
        self.backend = backend
        self.ifname = ifname
        self.socket = socket
        self.mode = mode
        self.mac = mac or f"52:54:00:00:{self.slot:02x}:{self.fn:02x}"
        self.queues = int(queues)
        self.packed = bool(packed)
        self.iommu_platform = bool(iommu_platform)
        self.extra = extra

    @property
    def bdf(self):
        """The guest's PCI address of the device, e.g. 0000:00:06.0."""
        return f"0000:00:{self.slot:02x}.{self.fn}"

    @property
    def device_id(self):
        """PCI device id the guest sees (vendor is always 0x1af4)."""
        return MODES[self.mode][1]

    def qemu_args(self, idx, multifunction=False):
        nd = f"vnet{idx}"
        args = []
        q = f",queues={self.queues}" if self.queues > 1 else ""
        if self.backend == "tap":
            args += ["-netdev", f"tap,id={nd},ifname={self.ifname},script=no,"
                     f"downscript=no,vhost=off{q}"]
        else:
            args += ["-chardev", f"socket,id=chr{idx},path={self.socket}",
                     "-netdev", f"vhost-user,id={nd},chardev=chr{idx}{q}"]
        dev = (f"virtio-net-pci,netdev={nd},id=nic{idx},bus=pcie.0,addr={self.addr},"
               f"mac={self.mac},{MODES[self.mode][0]}")
        if multifunction:
            dev += ",multifunction=on"
        if self.queues > 1:
            dev += ",mq=on"
        if "vectors=" in self.extra:
            pass
        elif self.backend == "vhost-user":
            # QEMU 7.2 under TCG (no irqfd) dereferences NULL in
            # msix_set_vector_notifiers() from vhost_net_start() as soon as the
            # guest starts an MSI-X enabled vhost-user device: use INTx.
            dev += ",vectors=0"
        elif self.queues > 1:
            dev += f",vectors={2 * self.queues + 2}"
        if self.packed:
            dev += ",packed=on"
        if self.iommu_platform:
            dev += ",iommu_platform=on,ats=on"
        dev += self.extra
        args += ["-device", dev]
        return args

    def __repr__(self):
        where = (f"ifname={self.ifname!r}" if self.backend == "tap"
                 else f"socket={self.socket!r}")
        return (f"VmNic({self.addr!r}, backend={self.backend!r}, {where}, "
                f"mode={self.mode!r}, queues={self.queues}, packed={self.packed}, "
                f"iommu_platform={self.iommu_platform})")


class VmResult:
    """returncode: the script's exit status; output: its stdout+stderr;
    console: the whole console log (QEMU argv and kernel cmdline first)."""

    def __init__(self, returncode, output, console, duration):
        self.returncode = returncode
        self.output = output
        self.console = console
        self.duration = duration

    def __repr__(self):
        return f"VmResult(returncode={self.returncode}, {len(self.output)} bytes output)"


# --------------------------------------------------------------------------
# initramfs
# --------------------------------------------------------------------------

class Cpio:
    """Minimal cpio 'newc' writer (what the kernel unpacks)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 721

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        self.ino += 1
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
            len(name_b), 0))
        self.buf.write(hdr.encode() + name_b)
        self.buf.write(b"\0" * (-(110 + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def dir(self, name, perm=0o755):
        self._entry(name, stat.S_IFDIR | perm, nlink=2)

    def file(self, name, data, perm=0o644):
        self._entry(name, stat.S_IFREG | perm, data)

    def chardev(self, name, major, minor, perm=0o600):
        self._entry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        self.buf.write(b"\0" * (-self.buf.tell() % 512))
        return self.buf.getvalue()


def _modname(path):
    base = os.path.basename(path)
    return re.sub(r"\.ko(\.(xz|zst|gz))?$", "", base).replace("-", "_")


def resolve_modules(kver, wanted=INIT_MODULES):
    """Module files (relative to /lib/modules/kver) in load order."""
    mdir = f"/lib/modules/{kver}"
    try:
        with open(os.path.join(mdir, "modules.dep"), encoding="utf-8") as f:
            dep_lines = f.read().splitlines()
    except OSError as e:
        raise VmError(f"cannot read {mdir}/modules.dep ({e}): install the modules of "
                      f"kernel {kver} (apt-get install linux-image-amd64)") from e
    deps, byname = {}, {}
    for line in dep_lines:
        if ":" not in line:
            continue
        mod, _, rest = line.partition(":")
        deps[mod] = rest.split()
        byname[_modname(mod)] = mod
    builtin = set()
    try:
        with open(os.path.join(mdir, "modules.builtin"), encoding="utf-8") as f:
            builtin = {_modname(x.strip()) for x in f if x.strip()}
    except OSError:
        pass
    order = []

    def visit(mod, stack=()):
        if mod in order or mod in stack:
            return
        for d in reversed(deps.get(mod, [])):
            visit(d, stack + (mod,))
        order.append(mod)

    for name in wanted:
        name = name.replace("-", "_")
        if name in builtin:
            continue
        if name not in byname:
            raise VmError(f"module {name} is neither in {mdir}/modules.dep nor built in")
        visit(byname[name])
    return order


def _read_module(path):
    if path.endswith(".xz"):
        with lzma.open(path) as f:
            return f.read()
    if path.endswith(".zst"):
        if not shutil.which("zstd"):
            raise VmError(f"{path} is zstd-compressed: apt-get install zstd")
        return subprocess.run(["zstd", "-dc", path], check=True,
                              stdout=subprocess.PIPE).stdout
    if path.endswith(".gz"):
        with gzip.open(path) as f:
            return f.read()
    with open(path, "rb") as f:
        return f.read()


def _is_static(path):
    with open(path, "rb") as f:
        head = f.read(1 << 20)
    return b"/lib64/ld-linux" not in head and b"/lib/ld-linux" not in head


def find_kernel(kernel=None):
    """(vmlinuz path, kernel version)."""
    if kernel is None:
        cands = glob.glob("/boot/vmlinuz-*-amd64")
        if not cands:
            raise VmError("no /boot/vmlinuz-*-amd64: apt-get install linux-image-amd64")

        def vkey(p):
            v = os.path.basename(p)[len("vmlinuz-"):]
            return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", v)
                    if x.isdigit()]
        kernel = sorted(cands, key=vkey)[-1]
    if not os.path.isfile(kernel):
        raise VmError(f"kernel {kernel} does not exist")
    base = os.path.basename(kernel)
    if not base.startswith("vmlinuz-"):
        raise VmError(f"cannot tell the version of kernel {kernel} (expected vmlinuz-<kver>)")
    kver = base[len("vmlinuz-"):]
    if not os.path.isdir(f"/lib/modules/{kver}"):
        raise VmError(f"/lib/modules/{kver} missing: reinstall linux-image-{kver}")
    return kernel, kver


def build_initramfs(kver, cache_dir=CACHE_DIR):
    """Path of the cached base initramfs for kernel kver (built when needed)."""
    if not os.path.isfile(BUSYBOX):
        raise VmError(f"{BUSYBOX} missing: apt-get install busybox-static")
    if not _is_static(BUSYBOX):
        raise VmError(f"{BUSYBOX} is dynamically linked: apt-get install busybox-static")
    mods = resolve_modules(kver)
    mdir = f"/lib/modules/{kver}"
    h = hashlib.sha256()
    h.update(f"{FORMAT}\0{kver}\0".encode())
    with open(INIT_SCRIPT, "rb") as f:
        init = f.read()
    h.update(init)
    for p in [BUSYBOX] + [os.path.join(mdir, m) for m in mods]:
        st = os.stat(p)
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    path = os.path.join(cache_dir, f"initramfs-{kver}-{h.hexdigest()[:16]}.cpio")
    if os.path.isfile(path):
        return path
    os.makedirs(cache_dir, exist_ok=True)
    c = Cpio()
    for d in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys",
              "newroot", "modules", "vm", "tmp", "root", "etc"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3, 0o666)
    with open(BUSYBOX, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    c.file("init", init, 0o755)
    order = []
    for i, m in enumerate(mods):
        name = f"{i:02d}-{_modname(m)}.ko"
        c.file(f"modules/{name}", _read_module(os.path.join(mdir, m)))
        order.append(name)
    c.file("modules/order", ("\n".join(order) + "\n").encode())
    data = c.finish()
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".initramfs-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)       # atomic: concurrent builders are fine
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    for old in glob.glob(os.path.join(cache_dir, f"initramfs-{kver}-*.cpio")):
        if old != path and time.time() - os.path.getmtime(old) > 3600:
            try:
                os.unlink(old)
            except OSError:
                pass
    return path


# --------------------------------------------------------------------------
# the VM
# --------------------------------------------------------------------------

_qemu_probe = {}


def _die_with_parent():
    """In the child before exec: SIGKILL when the thread that started it dies.

    A test runner killed by a stage timeout then leaves no QEMU behind.
    """
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)      # PR_SET_PDEATHSIG
    except Exception:       # noqa: BLE001 - best effort
        pass


def _qemu_accepts(qemu, args):
    """Does QEMU start at all with these arguments (cached)?"""
    key = (qemu, tuple(args))
    if key not in _qemu_probe:
        try:
            p = subprocess.run([qemu, "-accel", "tcg", "-nodefaults", "-display", "none",
                                "-S", "-m", "64"] + list(args) + ["-monitor", "none"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=5)
            _qemu_probe[key] = False if p.returncode else True
        except subprocess.TimeoutExpired:
            _qemu_probe[key] = True     # it started and waited: accepted
    return _qemu_probe[key]


class KernelVM:
    """One QEMU/TCG guest running one script (see the module docstring).

    netns: run QEMU inside this network namespace (its tap NICs live there).
    """

    def __init__(self, nics=(), iommu=False, smp=2, memory_mb=2048, hugepages=512,
                 shared_dirs=(), timeout=300, log_path=None, kernel=None, append="",
                 netns=None, qemu_extra=()):
        self.nics = list(nics)
        self.iommu = bool(iommu)
        self.smp = int(smp)
        self.memory_mb = int(memory_mb)
        self.hugepages = int(hugepages)
        self.shared_dirs = [os.path.abspath(d) for d in shared_dirs]
        self.timeout = timeout
        self.log_path = log_path
        self.kernel = kernel
        self.append = append
        self.netns = netns
        self.qemu_extra = list(qemu_extra)
        self.proc = None
        self.argv = None
        self.cmdline = None
        self.token = secrets.token_hex(6)
        self._console = ""
        self._cond = threading.Condition()
        self._eof = False
        self._reader = None
        self._log = None
        self._tmpdir = None
        self._t0 = None
        self._result = None
        if self.hugepages * 2 > self.memory_mb - 256:
            raise VmError(f"hugepages={self.hugepages} (2 MiB each) leave too little of "
                          f"memory_mb={self.memory_mb} for the guest")
        slots = [n.addr for n in self.nics]
        if len(set(slots)) != len(slots):
            raise VmError(f"two NICs at the same PCI address: {slots}")
        if re.search(r"[\s,='\"]", REPO):
            raise VmError(f"repository path {REPO!r}: no blanks, '=', ',' or quotes please")
        for d in self.shared_dirs:
            if not os.path.isdir(d):
                raise VmError(f"shared dir {d} does not exist")
            if re.search(r"[\s=,'\"\\]", d):
                raise VmError(f"shared dir {d!r}: no blanks, '=', ',' or quotes please")

    # -- context manager -------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def __del__(self):
        try:
            self.kill()
        except Exception:       # noqa: BLE001 - interpreter shutdown
            pass

    # -- building the command line ---------------------------------------
    def _check_nics(self):
        for n in self.nics:
            if n.backend == "tap":
                if self.netns is None:
                    if not os.path.exists(f"/sys/class/net/{n.ifname}"):
                        raise VmError(f"tap {n.ifname} does not exist in the host network "
                                      "namespace: create it first (ip tuntap add mode tap), "
                                      "or pass KernelVM(netns=...) when it lives in a netns")
                elif subprocess.run(["ip", "-n", self.netns, "link", "show", n.ifname],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    timeout=30).returncode:
                    raise VmError(f"tap {n.ifname} does not exist in network namespace "
                                  f"{self.netns}")
            elif not os.path.exists(n.socket):
                raise VmError(f"vhost-user socket {n.socket} does not exist: start the "
                              "vhost-user server (net_vhost port) before the VM")
            if n.iommu_platform and not self.iommu:
                raise VmError(f"{n!r}: iommu_platform needs KernelVM(iommu=True)")

    def build_argv(self, initrd):
        qemu = shutil.which(QEMU)
        if not qemu:
            raise VmError(f"{QEMU} not found: apt-get install qemu-system-x86")
        kernel, _ = find_kernel(self.kernel)
        machine = "q35,memory-backend=mem0"
        if self.iommu and _qemu_accepts(qemu, ["-machine", "q35,kernel-irqchip=split"]):
            machine += ",kernel-irqchip=split"
        cmdline = ["console=ttyS0", "panic=-1", "quiet", "loglevel=3",
                   "printk.time=1", "oops=panic", "init_on_alloc=0", "mitigations=off", "nokaslr",
                   "no_timer_check",
                   "8250.nr_uarts=1", "hugepagesz=2M", f"hugepages={self.hugepages}",
                   "rdinit=/init"]
        if self.iommu:
            cmdline += ["intel_iommu=on", "iommu=pt"]
        if self.append:
            cmdline.append(self.append)
        self.cmdline = " ".join(cmdline)
        argv = [qemu, "-accel", "tcg,thread=multi", "-machine", machine,
                "-cpu", "max", "-smp", str(self.smp), "-m", f"{self.memory_mb}M",
                "-object", f"memory-backend-memfd,id=mem0,size={self.memory_mb}M,share=on",
                "-nodefaults", "-no-user-config", "-display", "none", "-vga", "none",
                "-serial", "stdio", "-no-reboot",
                "-kernel", kernel, "-initrd", initrd, "-append", self.cmdline]
        # The human monitor on a socket of the VM's own, for monitor().
        argv += ["-monitor", f"unix:{self._monitor_path()},server=on,wait=off"]
        if self.iommu:
            # Must come before the devices it translates for.
            argv += ["-device", "intel-iommu,intremap=on,device-iotlb=on"]
        argv += ["-fsdev", "local,id=fsroot,path=/,security_model=none,readonly=on,"
                 "multidevs=remap",
                 "-device", "virtio-9p-pci,fsdev=fsroot,mount_tag=hostroot,bus=pcie.0,"
                 "addr=10.0"]
        # The checkout may sit below a path the guest covers with tmpfs (a
        # clone in /tmp): export it on its own too, read-only, same path.
        argv += ["-fsdev", f"local,id=fsrepo,path={REPO},security_model=none,readonly=on,"
                 "multidevs=remap",
                 "-device", "virtio-9p-pci,fsdev=fsrepo,mount_tag=repo,bus=pcie.0,addr=0f.0"]
        for i, d in enumerate(self.shared_dirs):
            argv += ["-fsdev", f"local,id=fsshr{i},path={d},security_model=none,"
                     "multidevs=remap",
                     "-device", f"virtio-9p-pci,fsdev=fsshr{i},mount_tag=shared{i},"
                     f"bus=pcie.0,addr={0x11 + i:02x}.0"]
        for i, n in enumerate(self.nics):
            # Function 0 of a slot with several NICs must say so.
            multi = n.fn == 0 and any(o.slot == n.slot and o.fn for o in self.nics)
            argv += n.qemu_args(i, multifunction=multi)
        argv += self.qemu_extra
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns] + argv
        return argv

    def _monitor_path(self):
        return os.path.join(self._tmpdir or "/nonexistent", "monitor.sock")

    def monitor(self, command, timeout=10):
        """Runs one QEMU human-monitor command (e.g. "set_link nic0 off"); returns its output.

        The guest's NICs have ids nic0, nic1... in the order given.
        """
        if not self.running():
            raise VmError(f"monitor {command!r}: the VM is not running")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self._monitor_path())
            out = b""
            while b"(qemu) " not in out:        # the banner, then the first prompt
                out += s.recv(4096) or b"(qemu) "
            s.sendall(command.encode() + b"\n")
            out = b""
            while out.count(b"(qemu) ") < 1:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
        text = out.decode(errors="replace").replace("\r", "")
        # The monitor echoes the command line; what follows up to the prompt is the answer.
        return text.split("\n", 1)[-1].rsplit("(qemu) ", 1)[0].strip()

    def _vm_cpio(self, script):
        shared = " ".join(f"shared{i}={d}" for i, d in enumerate(self.shared_dirs))
        conf = (f"TOKEN={self.token}\nHUGEPAGES={self.hugepages}\n"
                f"REPO={shlex.quote(REPO)}\nSHARED={shlex.quote(shared)}\n")
        c = Cpio()
        c.dir("vm")
        c.file("vm/config", conf.encode())
        c.file("vm/script.sh", script.encode(), 0o755)
        return c.finish()

    # -- running ---------------------------------------------------------
    def start(self, script):
        """Boot the VM and run `script` in it; returns at once."""
        if self.proc is not None:
            raise VmError("this KernelVM was already started (one script per VM)")
        self._check_nics()
        _, kver = find_kernel(self.kernel)
        base = build_initramfs(kver)
        self._tmpdir = tempfile.mkdtemp(prefix="kvm-", dir="/tmp")
        initrd = os.path.join(self._tmpdir, "initrd.cpio")
        with open(base, "rb") as src, open(initrd, "wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.write(self._vm_cpio(script))
        self.argv = self.build_argv(initrd)
        header = ("# qemu: " + " ".join(shlex.quote(a) for a in self.argv) + "\n"
                  + "# kernel cmdline: " + self.cmdline + "\n")
        if self.log_path:
            self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._append(header)
        self._t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         start_new_session=True,
                                         preexec_fn=_die_with_parent)
        except OSError as e:
            self._cleanup_files()
            raise VmError(f"cannot start {self.argv[0]}: {e}") from e
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name=f"vm-console-{self.token}")
        self._reader.start()
        return self

    def _append(self, text):
        with self._cond:
            self._console += text
            self._cond.notify_all()
        if self._log:
            try:
                self._log.write(text)
                self._log.flush()
            except ValueError:
                pass

    def _read_loop(self):
        fd = self.proc.stdout.fileno()
        dec = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                break
            self._append(dec.decode(data).replace("\r", ""))
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def console(self):
        with self._cond:
            return self._console

    def tail(self, lines=60):
        return "\n".join(self.console.splitlines()[-lines:])

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_for(self, regex, timeout=60):
        """Wait until `regex` (re.M) matches the console output; returns the match."""
        if self.proc is None:
            raise VmError("wait_for() before start()")
        rx = re.compile(regex, re.M) if isinstance(regex, str) else regex
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self._console)
                if m:
                    return m
                if self._eof:
                    raise VmError(f"VM exited before /{rx.pattern}/ showed up; "
                                  f"console tail:\n{self._tail_locked()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise VmError(f"/{rx.pattern}/ not seen in {timeout} s; "
                                  f"console tail:\n{self._tail_locked()}")
                self._cond.wait(min(left, 1.0))

    def _tail_locked(self, lines=60):
        return "\n".join(self._console.splitlines()[-lines:])

    def wait(self, timeout=None):
        """Wait for power-off and return the VmResult (VmError when none)."""
        if self._result is not None:
            return self._result
        if self.proc is None:
            raise VmError("wait() before start()")
        timeout = self.timeout if timeout is None else timeout
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise VmError(f"VM still running after {timeout} s (killed); console tail:\n"
                          f"{self.tail()}") from None
        if self._reader:
            self._reader.join(10)
        duration = time.monotonic() - self._t0
        status = self.proc.returncode
        self._cleanup_files()
        con = self.console
        begin = f"VMH-{self.token}-BEGIN\n"
        m = re.search(rf"^VMH-{self.token}-EXIT=(\d+)$", con, re.M)
        failed = re.search(rf"^VMH-{self.token}-FAILED$", con, re.M)
        if not m:
            why = "the guest init failed" if failed else "no exit status from the guest"
            raise VmError(f"{why} (qemu exit {status}, {duration:.1f} s); console tail:\n"
                          f"{self.tail()}")
        b = con.find(begin)
        output = con[b + len(begin):m.start()] if 0 <= b < m.start() else ""
        self._result = VmResult(int(m.group(1)), output, con, duration)
        return self._result

    def run(self, script, timeout=None):
        """Boot, run `script`, power off; returns the VmResult."""
        self.start(script)
        try:
            return self.wait(timeout)
        finally:
            self.kill()

    def kill(self):
        """Stop QEMU (SIGKILL) and remove the VM's files; idempotent."""
        p = self.proc
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass
        if self._reader is not None:
            self._reader.join(5)
        if p is not None and p.stdout is not None:
            try:
                p.stdout.close()
            except OSError:
                pass
        self._cleanup_files()

    def _cleanup_files(self):
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._log is not None and self.proc is not None and self.proc.poll() is not None:
            if self._reader is None or not self._reader.is_alive():
                self._log.close()
                self._log = None


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------

def _parse_nic(spec):
    """'06.0,backend=tap,ifname=t0,mode=legacy,queues=2,packed=1' -> VmNic."""
    parts = spec.split(",")
    kw = {"addr": parts[0]}
    for p in parts[1:]:
        k, sep, v = p.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"--nic: {p!r} is not key=value")
        k = k.replace("-", "_")
        if k in ("packed", "iommu_platform"):
            v = v.lower() in ("1", "on", "yes", "true")
        elif k == "queues":
            v = int(v)
        elif k == "extra":
            v = "," + v
        kw[k] = v
    try:
        return VmNic(**kw)
    except (VmError, TypeError) as e:
        raise argparse.ArgumentTypeError(f"--nic {spec}: {e}") from e


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Boot the host kernel in QEMU (TCG) and run a script in it.",
        epilog="example: %(prog)s --nic 06.0,backend=tap,ifname=vtap0,mode=legacy "
               "-- 'lspci -n; cat /proc/cmdline'")
    ap.add_argument("--nic", action="append", default=[], type=_parse_nic,
                    metavar="ADDR[,backend=tap|vhost-user][,ifname=X][,socket=P]"
                            "[,mode=M][,queues=N][,packed=1][,iommu_platform=1]")
    ap.add_argument("--iommu", action="store_true")
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--memory", type=int, default=2048, metavar="MB")
    ap.add_argument("--hugepages", type=int, default=512)
    ap.add_argument("--share", action="append", default=[], metavar="DIR")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log", metavar="FILE", help="write the console log here")
    ap.add_argument("--kernel")
    ap.add_argument("--append", default="")
    ap.add_argument("--netns")
    ap.add_argument("--console", action="store_true",
                    help="print the whole console instead of the script output")
    ap.add_argument("script", nargs="+", help="shell script (joined with blanks), "
                    "or @FILE to read it from a file")
    a = ap.parse_args(argv)
    script = " ".join(a.script)
    if script.startswith("@"):
        with open(script[1:], encoding="utf-8") as f:
            script = f.read()
    try:
        with KernelVM(nics=a.nic, iommu=a.iommu, smp=a.smp, memory_mb=a.memory,
                      hugepages=a.hugepages, shared_dirs=a.share, timeout=a.timeout,
                      log_path=a.log, kernel=a.kernel, append=a.append,
                      netns=a.netns) as vm:
            res = vm.run(script)
    except VmError as e:
        print(f"kernel_vm: {e}", file=sys.stderr)
        return 125
    sys.stdout.write(res.console if a.console else res.output)
    print(f"kernel_vm: exit status {res.returncode} after {res.duration:.1f} s",
          file=sys.stderr)
    return res.returncode


if __name__ == "__main__":
    sys.exit(main())
