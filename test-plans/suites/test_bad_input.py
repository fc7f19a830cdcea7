# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Bad devargs on virtio-user: refused at probe, one exact message each, no crash.

Executes the "Bad input" section of test-plans/virtio_hardening_test_plan.rst
for virtio-user (the PCI half runs in the kernel VM, test_virtio_pci.py).

All cases go into ONE testpmd as separate --vdev devices (virtio_user0,
virtio_user1, ...): the vdev bus probes each on its own, so every case gets
its own refusal, and the device name that starts each driver message tells
the cases apart. One launch of about a second instead of one per case. No
vhost-user backend is needed: every refusal comes before a connection (the
nonexistent socket case is a refusal *of* the connection).
"""

import re

import pytest

from conftest import STOCK, Lab

# What the driver says is allowed (drivers/net/virtio/devargs.c, same text).
A_QSIZE = "an integer from 1 to 32768, a power of two on a split ring"
A_QSIZE_SPLIT = "a power of two from 1 to 32768 on a split ring (packed_vq=0)"
A_QUEUES = "an integer from 1 to 128"
A_MAC = "a unicast MAC address written xx:xx:xx:xx:xx:xx"
A_BOOL = "0 or 1"
A_SPEED = ("a link speed in Mbps: 10, 100, 1000, 2500, 5000, 10000, 20000, 25000, 40000, "
           "50000, 56000, 100000, 200000, or 4294967295 (unknown)")
A_PATH = ("a vhost-user unix socket or the vhost-net device (/dev/vhost-net), a path of at "
          "most 107 bytes")
A_IFACE = "an interface name of 1 to 15 characters"
KEYS_USER = ("path, mac, cq, queue_size, queues, iface, server, mrg_rxbuf, in_order, "
             "packed_vq, speed, vectorized")
BOOL_KEYS = ("cq", "server", "mrg_rxbuf", "in_order", "packed_vq", "vectorized")

# SOCK: a socket path in the test directory nobody listens on (never reached by
# the refusals below but the nonexistent-socket case); DIR: that directory.
S = "path=SOCK"


def bad(key, value, allowed, args=None):
    """A refused value: the usual message shape."""
    return (args or f"{S},{key}={value}",
            f"devarg '{key}': invalid value '{value}': allowed is {allowed}")


# (devargs after 'virtio_userN,', the message after 'virtio_userN: ')
CASES = [
    # path
    ("mac=02:00:00:00:00:01", "devarg 'path': not given: it is required, allowed is a "
     "vhost-user unix socket or the vhost-net device (/dev/vhost-net)"),
    bad("path", "", A_PATH, "path="),
    bad("path", "/" + "p" * 107, A_PATH, "path=/" + "p" * 107),
    ("path=DIR/missing.sock",
     "devarg 'path': cannot connect to vhost-user socket 'DIR/missing.sock': No such file or "
     "directory; start the vhost-user backend first so that it listens there (net_vhost: "
     "iface=DIR/missing.sock), or use server=1 to let virtio-user listen and the backend "
     "connect (net_vhost: client=1)"),
    ("path=/dev/vhost-missing",
     "devarg 'path': '/dev/vhost-missing' does not exist; for the vhost-kernel backend load "
     "the vhost_net module (modprobe vhost_net)"),
    # queues
    bad("queues", "0", A_QUEUES),
    bad("queues", "129", A_QUEUES),
    bad("queues", "99999999999999999999", A_QUEUES),
    bad("queues", "two", A_QUEUES),
    bad("queues", "-1", A_QUEUES),
    # queue_size
    bad("queue_size", "0", A_QSIZE),
    bad("queue_size", "32769", A_QSIZE),
    bad("queue_size", "65536", A_QSIZE),
    bad("queue_size", "1k", A_QSIZE),
    bad("queue_size", "100", A_QSIZE_SPLIT),
    bad("queue_size", "255", A_QSIZE_SPLIT, f"{S},packed_vq=0,queue_size=255"),
    bad("queue_size", "1025", A_QSIZE_SPLIT),
    bad("queue_size", "32769", A_QSIZE, f"{S},packed_vq=1,queue_size=32769"),
    bad("queue_size", "0", A_QSIZE, f"{S},packed_vq=1,queue_size=0"),
    # mac
    bad("mac", "zz:00:00:00:00:00", A_MAC),
    bad("mac", "01:00:5e:00:00:01", A_MAC),
    bad("mac", "00:00:00:00:00:00", A_MAC),
    bad("mac", "00:11:22:33:44", A_MAC),
    # every boolean key: 2, yes, -1
    *[bad(k, v, A_BOOL) for k in BOOL_KEYS for v in ("2", "yes", "-1")],
    # speed
    bad("speed", "-1", A_SPEED),
    bad("speed", "-10000", A_SPEED),
    bad("speed", "fast", A_SPEED),
    bad("speed", "12345", A_SPEED),
    # iface: over-long, and a vhost-user port has no interface to name
    bad("iface", "abcdefghijklmnop", A_IFACE),
    (f"{S},iface=tap0", "devarg 'iface': invalid value 'tap0': allowed only with the "
     "vhost-kernel backend (path=/dev/vhost-net); 'SOCK' is not a character device"),
    # unknown keys, a PCI-only key, a key without a value
    (f"{S},bogus=1", f"devarg 'bogus': invalid key (value '1'): allowed keys are {KEYS_USER}"),
    (f"{S},queue-size=64",
     f"devarg 'queue-size': invalid key (value '64'): allowed keys are {KEYS_USER}"),
    (f"{S},vdpa=1", "devarg 'vdpa': invalid key (value '1'): only virtio-net PCI devices take "
     f"it; allowed keys are {KEYS_USER}"),
    (f"{S},cq", "devarg 'cq': no value (write cq=<value>): allowed is 0 or 1"),
    # a key given twice
    bad("queue_size", "512", "one value per key ('256' was given first)",
        f"{S},queue_size=256,queue_size=512"),
    bad("path", "SOCK", "one value per key ('SOCK' was given first)", f"{S},{S}"),
]

pytestmark = pytest.mark.xfail(STOCK, strict=False,
                               reason="stock driver: other messages, some values accepted")


@pytest.fixture(scope="module")
def refused():
    """One testpmd with every case as its own vdev; its output, summary and exit."""
    lab = Lab("bad_devargs")
    try:
        sock = lab.path("vhost.sock")

        def fill(s):
            return s.replace("SOCK", sock).replace("DIR", lab.dir)

        cases = [(f"virtio_user{i}", fill(a), fill(m)) for i, (a, m) in enumerate(CASES)]
        vu = lab.virtio([f"{name},{args}" for name, args, _ in cases], wait=False)
        exited = vu.wait_exit()
        summary = None
        if not exited:
            summary = vu.cmd("show port summary all")
            vu.quit()
        yield dict(lab=lab, vu=vu, cases=cases, exited=exited, summary=summary)
    finally:
        lab.teardown()


def test_no_port_no_crash(refused):
    """testpmd comes up without a single port and quits cleanly; no sanitizer report."""
    vu, lab = refused["vu"], refused["lab"]
    assert not vu.crashed(), vu.tail()
    assert not refused["exited"], f"testpmd exited on bad devargs:\n{vu.tail()}"
    assert re.search(r"Number of available ports:\s*0\b", refused["summary"]), \
        f"a port was created from bad devargs:\n{refused['summary']}"
    assert vu.exitstatus == 0, vu.tail()
    assert lab.sanitizer_reports() == []


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[c[0].replace("path=SOCK,", "") for c in CASES])
def test_refused_with_one_message(refused, index):
    name, args, want = refused["cases"][index]
    out = refused["vu"].output
    mine = [ln for ln in out.splitlines() if ln.startswith(f"VIRTIO: {name}: ")]
    assert mine == [f"VIRTIO: {name}: {want}"], \
        f"devargs '{args}': want exactly one message:\n  {want}\ngot:\n  " + "\n  ".join(mine)
    assert f"failed to initialize {name} device" in out
