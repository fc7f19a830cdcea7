/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Per-queue operations beyond the stock driver.
 *
 * What "stop" means on virtio: a driver cannot take buffers back from a
 * running device. VIRTIO_F_RING_RESET would allow resetting one queue, but
 * neither QEMU 7.2 nor the DPDK vhost library offer it, and a full device
 * reset stops every queue. So a queue stop is a software gate:
 *  - Rx stop: the queue is marked stopped and the application stops polling
 *    it (the ethdev contract; testpmd does). Buffers already posted stay with
 *    the device, which may fill them; once they are full it has nowhere to
 *    put more and drops (the backend counts them). Rx start drops what
 *    arrived while stopped (counted in the dump as stopped_drops) so the
 *    application never sees stale packets, and the ring refills as usual.
 *  - Deferred Rx start posts no buffers at port start, so the device cannot
 *    deliver anything to the queue until rx_queue_start posts them.
 *  - Tx stop frees what the device has completed; packets still in flight
 *    are sent and freed later, at the latest when the port stops.
 * No mbuf is lost either way: port stop resets the device and gives every
 * buffer on every ring back to its pool.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>

#include "ethdev.h"
#include "mp.h"
#include "queue_ops.h"
#include "rxtx/rxtx.h"
#include "virtio_log.h"

static uint16_t
in_flight(const struct virtqueue *vq)
{
	return (uint16_t)(vq->size - vq->nfree);
}

/* Split: used->idx minus what we consumed, never more than we gave. */
static uint16_t
split_used_ready(const struct virtqueue *vq)
{
	uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(used_idx - vq->used_cons);

	return RTE_MIN(pending, in_flight(vq));
}

/*
 * Packed: used descriptors from next_used on, each naming a buffer in
 * flight. The walk stops at the first one that is not used or names a
 * buffer we did not give (the burst function would refuse it too).
 */
static uint16_t
packed_used_ready(const struct virtqueue *vq)
{
	uint16_t slot = vq->next_used, limit = in_flight(vq), n = 0;
	bool wrap = vq->used_wrap;

	while (n < limit) {
		const volatile struct vring_packed_desc *d = &vq->pdesc[slot];
		uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
		bool avail = flags & VRING_PACKED_DESC_F_AVAIL;
		bool used = flags & VRING_PACKED_DESC_F_USED;
		uint16_t id = d->id;

		if (avail != used || used != wrap)
			break;
		if (id >= vq->size || vq->extra[id].ndescs == 0)
			break;
		n++;
		vq_packed_advance(&slot, &wrap, RTE_MAX(vq->extra[id].ndescs, 1), vq->size);
	}
	return n;
}

uint16_t
vq_used_ready(const struct virtqueue *vq)
{
	return vq->packed ? packed_used_ready(vq) : split_used_ready(vq);
}

int
vq_rx_desc_status(const struct virtqueue *vq, uint16_t offset)
{
	if (offset >= vq->size)
		return -EINVAL;
	/* Rx buffers are one descriptor each: ring order is the order we consume. */
	if (offset < vq_used_ready(vq))
		return RTE_ETH_RX_DESC_DONE;
	if (offset < in_flight(vq))
		return RTE_ETH_RX_DESC_AVAIL;
	return RTE_ETH_RX_DESC_UNAVAIL;
}

/*
 * Split Tx, in avail ring entries (one per packet): the entry `offset`
 * places after the next one we fill was made available size - offset
 * packets ago. The device has not used it if fewer entries than that
 * have come back.
 */
static int
split_tx_desc_status(const struct virtqueue *vq, uint16_t offset)
{
	uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	uint16_t not_used = (uint16_t)(vq->avail_idx - used_idx);
	uint16_t age = (uint16_t)(vq->size - offset);

	/* The device claims to have used entries we never made available. */
	if (not_used > vq->size)
		return RTE_ETH_TX_DESC_UNAVAIL;
	return age <= not_used ? RTE_ETH_TX_DESC_FULL : RTE_ETH_TX_DESC_DONE;
}

/*
 * Packed Tx: slots from next_used on that the device has given back, walked
 * as the cleanup walks them but without changing anything. An in-order
 * device may write one used descriptor for a batch, naming its last buffer:
 * it covers every buffer from the oldest on. The walk stops at anything it
 * cannot account for (not used, a buffer not in flight).
 */
static uint16_t
packed_done_slots(const struct virtqueue *vq, bool in_order)
{
	uint16_t limit = in_flight(vq), done = 0, pos = vq->next_used, oldest = vq->oldest_id;
	bool wrap = vq->used_wrap;

	while (done < limit) {
		uint16_t flags = __atomic_load_n(&vq->pdesc[pos].flags, __ATOMIC_ACQUIRE);
		bool avail = flags & VRING_PACKED_DESC_F_AVAIL;
		bool used = flags & VRING_PACKED_DESC_F_USED;
		uint16_t id = vq->pdesc[pos].id, cur;

		if (avail != used || used != wrap || id >= vq->size || vq->extra[id].ndescs == 0)
			break;
		if (!in_order) {
			done += vq->extra[id].ndescs;
			vq_packed_advance(&pos, &wrap, vq->extra[id].ndescs, vq->size);
			continue;
		}
		do {
			uint16_t step = vq->extra[oldest].ndescs;

			if (step == 0)
				return RTE_MIN(done, limit);
			cur = oldest;
			done += step;
			vq_packed_advance(&pos, &wrap, step, vq->size);
			oldest = vq->next[cur];
		} while (cur != id && done < limit);
	}
	return RTE_MIN(done, limit);
}

/*
 * Packed Tx, in ring slots. From the tail on the ring holds the free slots
 * (done, waiting to be filled), then the slots in flight from next_used on:
 * done as far as the device gave them back, FULL after that.
 */
static int
packed_tx_desc_status(const struct virtqueue *vq, uint16_t offset, bool in_order)
{
	uint16_t busy = in_flight(vq);
	uint32_t d = (uint32_t)busy + offset;

	if (d >= vq->size)
		d -= vq->size;
	if (d >= busy)
		return RTE_ETH_TX_DESC_DONE;
	return d < packed_done_slots(vq, in_order) ? RTE_ETH_TX_DESC_DONE : RTE_ETH_TX_DESC_FULL;
}

int
vq_tx_desc_status(const struct virtqueue *vq, uint16_t offset, bool in_order)
{
	if (offset >= vq->size)
		return -EINVAL;
	return vq->packed ? packed_tx_desc_status(vq, offset, in_order) :
			    split_tx_desc_status(vq, offset);
}

uint16_t
vq_cookies_held(const struct virtqueue *vq)
{
	uint16_t i, n = 0;

	for (i = 0; i < vq->size; i++)
		if (vq->extra[i].ndescs != 0 && vq->extra[i].cookie != NULL)
			n++;
	return n;
}

bool
virtnet_rxq_deferred(struct rte_eth_dev *eth_dev, uint16_t q)
{
	const struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

	return rxq != NULL && rxq->deferred_start;
}

bool
virtnet_txq_deferred(struct rte_eth_dev *eth_dev, uint16_t q)
{
	const struct virtnet_txq *txq = eth_dev->data->tx_queues[q];

	return txq != NULL && txq->deferred_start;
}

static int
primary_only(struct rte_eth_dev *eth_dev, const char *what)
{
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		return 0;
	VIRTIO_LOG(ERR, "%s: %s is allowed only in the primary process", eth_dev->data->name,
		   what);
	return -E_RTE_SECONDARY;
}

/* Drops what the device delivered while the queue was stopped; returns how many. */
static uint64_t
rx_drain(struct rte_eth_dev *eth_dev, struct virtnet_rxq *rxq)
{
	struct virtnet_queue_stats saved = rxq->stats;
	struct rte_mbuf *pkts[32];
	unsigned int rounds = 2u * rxq->vq.size / RTE_DIM(pkts) + 2;
	uint64_t dropped = 0;
	uint16_t n;

	/* Bounded: a device that keeps writing cannot keep us here. */
	while (rounds-- > 0 &&
	       (n = eth_dev->rx_pkt_burst(rxq, pkts, RTE_DIM(pkts))) > 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		dropped += n;
	}
	/* They were never delivered: not received, not counted as such. */
	saved.nombuf = rxq->stats.nombuf;
	saved.errors = rxq->stats.errors;
	rxq->stats = saved;
	return dropped;
}

int
virtnet_rx_queue_start(struct rte_eth_dev *eth_dev, uint16_t q)
{
	struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];
	int ret = primary_only(eth_dev, "Rx queue start");

	if (ret != 0)
		return ret;
	if (rxq->vq.nfree == rxq->vq.size) {
		/* Never posted (deferred start): fill it as port start would have. */
		if (virtio_rxq_fill(rxq) < 0) {
			VIRTIO_LOG(ERR, "%s: Rx queue %u: mempool has no mbufs to post",
				   eth_dev->data->name, q);
			return -ENOMEM;
		}
	} else {
		uint64_t dropped = rx_drain(eth_dev, rxq);

		rxq->stopped_drops += dropped;
		if (dropped > 0)
			VIRTIO_LOG(INFO, "%s: Rx queue %u: dropped %" PRIu64 " packets that "
				   "arrived while it was stopped", eth_dev->data->name, q, dropped);
	}
	eth_dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

int
virtnet_rx_queue_stop(struct rte_eth_dev *eth_dev, uint16_t q)
{
	int ret = primary_only(eth_dev, "Rx queue stop");

	if (ret != 0)
		return ret;
	/* Posted buffers stay with the device until start (dropped) or port stop. */
	eth_dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

int
virtnet_tx_queue_start(struct rte_eth_dev *eth_dev, uint16_t q)
{
	int ret = primary_only(eth_dev, "Tx queue start");

	if (ret != 0)
		return ret;
	eth_dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

/* The cleanup that matches the elected Tx path's bookkeeping. */
static virtio_txq_cleanup_t
tx_cleanup_of(const struct virtnet_txq *txq)
{
	const struct virtnet_port *port = rte_eth_devices[txq->port_id].data->dev_private;
	const char *path = virtnet_tx_path_name(port->tx_path_id);

	if (txq->vq.packed)
		return virtio_packed_txq_cleanup;
	if (path != NULL && strcmp(path, "virtio_xmit_pkts_inorder") == 0)
		return virtio_txq_cleanup_inorder;
	if (path != NULL && strcmp(path, "virtio_xmit_pkts_vec") == 0)
		return virtio_txq_cleanup_vec;
	return virtio_txq_cleanup;
}

int
virtio_txq_done_cleanup(struct virtnet_txq *txq, virtio_txq_cleanup_t cleanup)
{
	uint16_t before = vq_cookies_held(&txq->vq);

	cleanup(txq);
	return before - vq_cookies_held(&txq->vq);
}

static void
tx_cleanup(struct virtnet_txq *txq)
{
	tx_cleanup_of(txq)(txq);
}

int
virtnet_tx_queue_stop(struct rte_eth_dev *eth_dev, uint16_t q)
{
	struct virtnet_txq *txq = eth_dev->data->tx_queues[q];
	int ret = primary_only(eth_dev, "Tx queue stop");

	if (ret != 0)
		return ret;
	tx_cleanup(txq);
	eth_dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

uint32_t
virtnet_rx_queue_count(void *queue)
{
	return vq_used_ready(&((struct virtnet_rxq *)queue)->vq);
}

int
virtnet_rx_descriptor_status(void *queue, uint16_t offset)
{
	return vq_rx_desc_status(&((struct virtnet_rxq *)queue)->vq, offset);
}

int
virtnet_tx_descriptor_status(void *queue, uint16_t offset)
{
	const struct virtnet_txq *txq = queue;

	return vq_tx_desc_status(&txq->vq, offset, txq->in_order);
}

/*
 * Completions are freed by the path's own cleanup, which takes all that the
 * device has returned: the count freed may exceed free_cnt (0: no limit).
 * It runs on the datapath lcore of the queue, like a Tx burst.
 */
int
virtnet_tx_done_cleanup(void *queue, uint32_t free_cnt)
{
	struct virtnet_txq *txq = queue;

	RTE_SET_USED(free_cnt);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	return virtio_txq_done_cleanup(txq, tx_cleanup_of(txq));
}

static const char *
queue_state(uint8_t state)
{
	switch (state) {
	case RTE_ETH_QUEUE_STATE_STARTED:
		return "started";
	case RTE_ETH_QUEUE_STATE_HAIRPIN:
		return "hairpin";
	default:
		return "stopped";
	}
}

static void
dump_ring(FILE *f, const struct virtqueue *vq)
{
	if (vq->packed)
		fprintf(f, "    ring: packed, size %u, free %u, next_avail %u (wrap %u), "
			"next_used %u (wrap %u)\n", vq->size, vq->nfree, vq->next_avail,
			vq->avail_wrap, vq->next_used, vq->used_wrap);
	else
		fprintf(f, "    ring: split, size %u, free %u, avail_idx %u, used_cons %u, "
			"device used_idx %u\n", vq->size, vq->nfree, vq->avail_idx,
			vq->used_cons, __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
	fprintf(f, "    device errors: bad_used_idx %" PRIu64 ", bad_used_id %" PRIu64
		", bad_used_len %" PRIu64 ", bad_num_buffers %" PRIu64 "; notifications %" PRIu64
		"\n", vq->errors.bad_used_idx, vq->errors.bad_used_id, vq->errors.bad_used_len,
		vq->errors.bad_num_buffers, vq->notifications);
}

int
virtnet_priv_dump(struct rte_eth_dev *eth_dev, FILE *f)
{
	const struct virtnet_port *port = virtnet_port_of(eth_dev);
	const struct rte_eth_dev_data *d = eth_dev->data;
	const char *rx = virtnet_rx_path_name(port->rx_path_id);
	const char *tx = virtnet_tx_path_name(port->tx_path_id);
	char features[1024];
	uint16_t q;

	virtio_dev_features_str(port->dev.features, features, sizeof(features));
	fprintf(f, "virtio port %u (%s)\n", d->port_id, d->name);
	fprintf(f, "  features offered 0x%" PRIx64 ", negotiated 0x%" PRIx64 ": %s\n",
		port->dev.device_features, port->dev.features, features);
	fprintf(f, "  started %s, Rx path %s, Tx path %s\n", d->dev_started ? "yes" : "no",
		rx != NULL ? rx : "none", tx != NULL ? tx : "none");
	for (q = 0; q < d->nb_rx_queues; q++) {
		const struct virtnet_rxq *rxq = d->rx_queues[q];

		if (rxq == NULL)
			continue;
		fprintf(f, "  rxq %u: %s%s, vq %u, ready %u, packets %" PRIu64 ", bytes %" PRIu64
			", errors %" PRIu64 ", nombuf %" PRIu64 ", stopped_drops %" PRIu64 "\n", q,
			queue_state(d->rx_queue_state[q]),
			rxq->deferred_start ? " (deferred start)" : "", rxq->vq.index,
			vq_used_ready(&rxq->vq), rxq->stats.packets, rxq->stats.bytes,
			rxq->stats.errors, rxq->stats.nombuf, rxq->stopped_drops);
		dump_ring(f, &rxq->vq);
	}
	for (q = 0; q < d->nb_tx_queues; q++) {
		const struct virtnet_txq *txq = d->tx_queues[q];

		if (txq == NULL)
			continue;
		fprintf(f, "  txq %u: %s%s, vq %u, mbufs held %u, packets %" PRIu64 ", bytes %"
			PRIu64 ", errors %" PRIu64 "\n", q, queue_state(d->tx_queue_state[q]),
			txq->deferred_start ? " (deferred start)" : "", txq->vq.index,
			vq_cookies_held(&txq->vq), txq->stats.packets, txq->stats.bytes,
			txq->stats.errors);
		dump_ring(f, &txq->vq);
	}
	return 0;
}
