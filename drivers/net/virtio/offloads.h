/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Offloads on the control path: which features the requested offloads need,
 * which offloads a device can give (capabilities), the per-queue flags the
 * burst functions read, and vlan_offload_set. The datapath side is
 * rxtx/offload.h.
 */

#ifndef VIRTIO_OFFLOADS_H
#define VIRTIO_OFFLOADS_H

#include <stdint.h>

#include <ethdev_driver.h>

/* LRO frames: a 64 KiB IP packet behind an Ethernet header and a VLAN tag. */
#define VIRTIO_MAX_LRO_PKTLEN (UINT16_MAX + RTE_ETHER_HDR_LEN + 4)

/* The virtio features the offloads in rx/tx need; nothing when none is asked. */
uint64_t virtnet_offload_features(uint64_t rx_offloads, uint64_t tx_offloads);

/*
 * What can be offered with the device's features (`offered`, already limited
 * by devargs); LRO needs mergeable Rx buffers as well.
 */
void virtnet_offload_capa(uint64_t offered, uint64_t *rx_capa, uint64_t *tx_capa);

/*
 * After negotiation: every requested offload must have its features. Logs
 * the first that does not, naming the offload and the missing feature.
 */
int virtnet_offload_check(const char *name, uint64_t negotiated, uint64_t rx_offloads,
			  uint64_t tx_offloads);

/* VIRTIO_RXQ_OFF_* / VIRTIO_TXQ_OFF_* for a queue of a configured port. */
uint8_t virtnet_rxq_offloads(uint64_t negotiated, uint64_t rx_offloads);
uint8_t virtnet_txq_offloads(uint64_t negotiated, uint64_t tx_offloads);

/* eth_dev_ops.vlan_offload_set: VLAN strip on or off, in software. */
int virtnet_vlan_offload_set(struct rte_eth_dev *eth_dev, int mask);

#endif /* VIRTIO_OFFLOADS_H */
