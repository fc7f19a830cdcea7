# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
"""Rx filters, RSS and MAC address on virtio-user (control queue, cq=1).

Executes the virtio-user cases of test-plans/virtio_pci_control_queue_test_plan.rst.
A vhost-user backend (the stock net_vhost) serves rings only: it neither
filters nor steers, so virtio-user does not offer VIRTIO_NET_F_CTRL_RX,
CTRL_VLAN or RSS. Rx mode and multicast list requests reach the driver and
are refused with -ENOTSUP and a message naming the feature; the MAC table,
VLAN filter and RSS are not advertised (max_mac_addrs 1, no VLAN_FILTER
offload, no RSS reta/key/flow types) so ethdev refuses them before the
driver. Changing the MAC address (VIRTIO_NET_F_CTRL_MAC_ADDR, answered by
virtio-user itself) works with cq=1, survives a restart, and is refused
without the control queue.
"""

import re

import pytest

from conftest import STOCK, VIRTIO_MAC

pytestmark = pytest.mark.skipif(STOCK, reason="checks our driver's messages")

NEW_MAC = "02:00:00:00:AA:01"
KEY = "".join(f"{i:02x}" for i in range(0x40, 0x68))
CTRL_RX_REFUSED = ("needs VIRTIO_NET_F_CTRL_RX and the control queue, which the device does not "
                   "offer (virtio-user never offers it: the vhost backend would not honour it)")


def start_pair(lab, cq):
    sock = lab.path("vhost.sock")
    vh = lab.vhost([f"net_vhost0,iface={sock},queues=2"], app=["--rxq=2", "--txq=2"])
    vu = lab.virtio([f"virtio_user0,path={sock},mac={VIRTIO_MAC},queues=2,cq={cq}"],
                    app=["--rxq=2", "--txq=2"])
    return vh, vu


def port_mac(vu):
    return re.search(r"MAC address: ([0-9A-F:]+)", vu.cmd("show port info 0")).group(1)


def test_virtio_user_filters_refused_mac_set_works(lab):
    vh, vu = start_pair(lab, 1)
    # Only a real change is refused (and logged); ethdev's replay at start stays quiet.
    assert vu.output.count(CTRL_RX_REFUSED) == 1, vu.output     # testpmd's promisc on at init
    for cmd, mode, what in (("set promisc 0 on", "promiscuous", "enabling promiscuous"),
                            ("set allmulti 0 on", "all-multicast", "enabling all-multicast")):
        out = vu.cmd(cmd)
        assert f"{mode} mode {CTRL_RX_REFUSED}" in out, out
        assert f"Error during {what} mode for port 0: Operation not supported" in out, out
    out = vu.cmd("mcast_addr add 0 01:00:5E:00:00:FB")
    assert f"a multicast address list {CTRL_RX_REFUSED}" in out, out
    assert "failed. diag=-95" in out, out
    info = vu.cmd("show port info 0")
    assert "Promiscuous mode: disabled" in info and "Allmulticast mode: disabled" in info, info
    # Not advertised, so ethdev and testpmd refuse before the driver.
    assert "Maximum number of MAC addresses: 1\n" in info, info
    assert "No RSS offload flow type is supported." in info, info
    out = vu.cmd("mac_addr add 0 02:00:00:00:99:01")
    assert "MAC address array full" in out, out
    assert "dev_info did not provide a valid hash key size" in vu.cmd("show port 0 rss-hash")
    out = vu.cmd("port config 0 rss reta (0,1)")
    assert "Redirection table size is 0" in out, out
    out = vu.cmd("rx_vlan add 100 0")
    assert "VLAN-filtering disabled" in out, out
    vu.cmd("port stop 0")
    vu.cmd("port config 0 rx_offload vlan_filter on")
    out = vu.cmd("port start 0")
    assert "requested Rx offloads 0x200 doesn't match Rx offloads capabilities" in out, out
    vu.cmd("port config 0 rx_offload vlan_filter off")
    # The address the control queue sets: kept across a restart, traffic still flows.
    out = vu.cmd(f"mac_addr set 0 {NEW_MAC}")
    assert "VIRTIO" not in out and "rror" not in out, out
    assert port_mac(vu) == NEW_MAC
    out = vu.cmd("port start 0")
    assert "VIRTIO: virtio_user0: control command" not in out, out
    assert port_mac(vu) == NEW_MAC
    vh.cmd("set fwd txonly")
    vh.cmd("start")
    vu.cmd("start")
    st = vu.wait_stats(lambda s: s[0]["RX-packets"] >= 64, timeout=30)
    vu.cmd("stop")
    vh.cmd("stop")
    assert st[0]["RX-packets"] >= 64, st
    assert vu.quit() == 0


def test_virtio_user_mac_set_needs_cq(lab):
    vh, vu = start_pair(lab, 0)
    out = vu.cmd(f"mac_addr set 0 {NEW_MAC}")
    assert ("changing the MAC address needs VIRTIO_NET_F_CTRL_MAC_ADDR and the control "
            "queue, which the device does not offer (virtio-user: devarg cq=1)") in out, out
    assert port_mac(vu) == VIRTIO_MAC.upper()
    # Setting the address it already has is no change.
    out = vu.cmd(f"mac_addr set 0 {VIRTIO_MAC}")
    assert "VIRTIO" not in out, out
    assert vu.quit() == 0
