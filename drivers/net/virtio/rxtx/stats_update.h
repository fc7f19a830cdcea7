/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Per-queue extended statistics of the burst functions: multicast and
 * broadcast destinations and frame size buckets (the xstats stats.c names).
 *
 * The datapath cost is kept to a handful of instructions per packet, without
 * branches: the size bucket comes from the position of the length's highest
 * set bit (no chain of comparisons) and is one increment in memory; the
 * multicast and broadcast counts of a burst build up in a local accumulator
 * (struct virtio_stats_acc, kept in registers) and reach the queue's
 * counters once per burst.
 *
 * Rx paths call virtio_stats_burst() once after their loop, over the
 * packets they deliver. Tx paths that may drop (and free) a packet in the
 * middle of a burst cannot look at pkts[] afterwards: they add each packet
 * they enqueue with virtio_stats_acc_pkt() and flush the accumulator after
 * the loop.
 */

#ifndef VIRTIO_STATS_UPDATE_H
#define VIRTIO_STATS_UPDATE_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "rxtx.h"

/*
 * Bucket of a frame length (bytes of the Ethernet frame without the net
 * header and without FCS): VIRTIO_SIZE_UNDERSIZE below 64, then 64,
 * 65-127, 128-255, 256-511, 512-1023, 1024-1518 and 1519 and more.
 *
 * fls(len) - 5 is already right for 65..1023 (fls = highest set bit, 1-based);
 * clamped to 1..6 it covers the rest up to 1518, and two comparisons move
 * 64 and below down one bucket and 1519 and above up one.
 */
static __rte_always_inline unsigned int
virtio_size_bin(uint32_t len)
{
	int b = (int)(32 - __builtin_clz(len | 1)) - 5;

	b = b < 1 ? 1 : b;
	b = b > 6 ? 6 : b;
	return (unsigned int)b - (len <= 64) + (len >= 1519);
}

/*
 * What a burst counted so far. The size buckets go straight to the queue's
 * counters (an increment in memory measured cheaper than packing the counts
 * into registers); the address counts stay in registers until the flush.
 */
struct virtio_stats_acc {
	struct virtnet_queue_stats *st;
	uint64_t multicast; /* group addresses, broadcast included */
	uint64_t broadcast;
};

#define VIRTIO_STATS_ACC_INIT(stats) { (stats), 0, 0 }

/* Where a frame too short to hold a destination address is read from instead. */
extern const uint8_t virtio_stats_no_addr[RTE_ETHER_ADDR_LEN];

/* Adds one packet (pkt_len and the destination address of its first segment). */
static __rte_always_inline void
virtio_stats_acc_pkt(struct virtio_stats_acc *acc, const struct rte_mbuf *m)
{
	const uint8_t *dst = m->data_len >= RTE_ETHER_ADDR_LEN ?
			     rte_pktmbuf_mtod(m, const uint8_t *) : virtio_stats_no_addr;
	uint32_t w0;
	uint16_t w1;

	memcpy(&w0, dst, sizeof(w0));
	memcpy(&w1, dst + sizeof(w0), sizeof(w1));
	acc->st->size_bins[virtio_size_bin(m->pkt_len)]++;
	acc->multicast += dst[0] & 1;
	acc->broadcast += (w0 == UINT32_MAX) & (w1 == UINT16_MAX);
}

/* Adds the address counts of a burst to the queue's counters. */
static __rte_always_inline void
virtio_stats_acc_flush(const struct virtio_stats_acc *acc)
{
	/* Broadcast is a group address too; the counters keep them apart. */
	acc->st->multicast += acc->multicast - acc->broadcast;
	acc->st->broadcast += acc->broadcast;
}

/* Counts the n packets of pkts[] (all valid, owned by the caller) in one go. */
static __rte_always_inline void
virtio_stats_burst(struct virtnet_queue_stats *st, struct rte_mbuf *const *pkts, uint16_t n)
{
	struct virtio_stats_acc acc = VIRTIO_STATS_ACC_INIT(st);
	uint16_t i;

	if (n == 0)
		return; /* an empty poll writes nothing */
	for (i = 0; i < n; i++)
		virtio_stats_acc_pkt(&acc, pkts[i]);
	virtio_stats_acc_flush(&acc);
}

#endif /* VIRTIO_STATS_UPDATE_H */
