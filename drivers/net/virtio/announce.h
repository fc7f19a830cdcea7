/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Guest announce (VIRTIO_NET_F_GUEST_ANNOUNCE, spec 5.1.6.5.4): when the
 * device sets VIRTIO_NET_S_ANNOUNCE (after a live migration, or QEMU's
 * announce_self) the driver sends a RARP for the port's MAC address, so
 * switches learn where it now is, and acknowledges with
 * VIRTIO_NET_CTRL_ANNOUNCE_ACK.
 */

#ifndef VIRTIO_ANNOUNCE_H
#define VIRTIO_ANNOUNCE_H

#include <ethdev_driver.h>

/*
 * At path election: when GUEST_ANNOUNCE is negotiated, puts the gate
 * (rxtx/tx_gate.h) in front of the elected Tx burst so that the RARP can
 * go out on Tx queue 0 from whatever thread sees the announcement.
 */
void virtnet_announce_setup(struct rte_eth_dev *eth_dev);

/* The device's status says ANNOUNCE: send the RARP, then acknowledge. */
void virtnet_announce(struct rte_eth_dev *eth_dev);

/* A RARP request for `mac` from `mp` (60 bytes, broadcast); NULL if the pool is empty. */
struct rte_mbuf *virtnet_rarp_build(struct rte_mempool *mp, const struct rte_ether_addr *mac);

#endif /* VIRTIO_ANNOUNCE_H */
