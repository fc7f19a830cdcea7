/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * One Rx and one Tx queue laid out by the driver's own initialisers over
 * plain heap memory (use_va, so descriptor addresses are pointers and
 * AddressSanitizer sees any access past a ring), fresh for every input, and
 * the application side of the bursts: building Tx packets from the input
 * and checking what Rx hands back. Shared by the split and packed targets.
 */

#ifndef FUZZ_QUEUES_H
#define FUZZ_QUEUES_H

#include "fuzz_common.h"
#include "rxtx/rxtx.h"

#define FZ_HDR_SIZE 12 /* VERSION_1: struct virtio_net_hdr_mrg_rxbuf */
#define FZ_MAX_BURST 64

typedef uint16_t (*fz_burst_t)(void *q, struct rte_mbuf **pkts, uint16_t n);

struct fz_queues {
	struct virtnet_rxq *rxq;
	struct virtnet_txq *txq;
	void *rx_ring;
	void *tx_ring;
	size_t rx_ring_len;
	size_t tx_ring_len;
	struct rte_mempool *rx_mp;
	struct rte_mempool *tx_mp;
	uint64_t kicks;
};

/*
 * Lays out both queues (`size` entries, packed or split, mergeable and
 * in-order as given), with the queue offload flags, and fills the Rx ring.
 */
void fz_queues_create(struct fz_queues *q, uint16_t size, bool packed, bool mergeable,
		bool in_order, bool use_indirect, uint8_t rx_offloads, uint8_t tx_offloads,
		struct rte_mempool *rx_mp, struct rte_mempool *tx_mp);

/* Stops both queues as a port stop does, frees them, and checks no mbuf leaked. */
void fz_queues_destroy(struct fz_queues *q);

/* An Rx burst of up to n packets, checked and freed; returns how many came. */
uint16_t fz_rx_burst(struct fz_queues *q, fz_burst_t rx, uint16_t n);

/*
 * A Tx burst of packets built from the input (count, segments, lengths,
 * headroom, shared mbufs, offload flags); with Tx offloads they go through
 * the driver's tx_prepare first. What is not sent is freed. Returns sent.
 */
uint16_t fz_tx_burst(struct fz_in *in, struct fz_queues *q, fz_burst_t tx);

#endif /* FUZZ_QUEUES_H */
