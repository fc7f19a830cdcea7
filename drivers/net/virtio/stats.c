/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <stdio.h>
#include <string.h>

#include "rxtx/rxtx.h"
#include "stats.h"

int
virtnet_stats_get(struct rte_eth_dev *eth_dev, struct rte_eth_stats *st)
{
	uint16_t q;

	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		const struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

		if (rxq == NULL)
			continue;
		st->ipackets += rxq->stats.packets;
		st->ibytes += rxq->stats.bytes;
		st->ierrors += rxq->stats.errors;
		st->rx_nombuf += rxq->stats.nombuf;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[q] = rxq->stats.packets;
			st->q_ibytes[q] = rxq->stats.bytes;
			st->q_errors[q] = rxq->stats.errors;
		}
	}
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++) {
		const struct virtnet_txq *txq = eth_dev->data->tx_queues[q];

		if (txq == NULL)
			continue;
		st->opackets += txq->stats.packets;
		st->obytes += txq->stats.bytes;
		st->oerrors += txq->stats.errors;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_opackets[q] = txq->stats.packets;
			st->q_obytes[q] = txq->stats.bytes;
		}
	}
	return 0;
}

static void
reset_queue(struct virtnet_queue_stats *stats, struct virtqueue *vq)
{
	memset(stats, 0, sizeof(*stats));
	memset(&vq->errors, 0, sizeof(vq->errors));
	vq->notifications = 0;
}

int
virtnet_stats_reset(struct rte_eth_dev *eth_dev)
{
	uint16_t q;

	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

		if (rxq != NULL)
			reset_queue(&rxq->stats, &rxq->vq);
	}
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++) {
		struct virtnet_txq *txq = eth_dev->data->tx_queues[q];

		if (txq != NULL)
			reset_queue(&txq->stats, &txq->vq);
	}
	return 0;
}

/*
 * Per-queue counters beyond the basic stats (ethdev adds the per-queue
 * packets/bytes itself): what the device wrote that we refused, and how
 * often we rang its doorbell.
 */
static const struct {
	const char *name;
	size_t offset; /* in struct virtqueue */
} vq_xstats[] = {
	{ "bad_used_idx", offsetof(struct virtqueue, errors.bad_used_idx) },
	{ "bad_used_id", offsetof(struct virtqueue, errors.bad_used_id) },
	{ "bad_used_len", offsetof(struct virtqueue, errors.bad_used_len) },
	{ "bad_num_buffers", offsetof(struct virtqueue, errors.bad_num_buffers) },
	{ "vec_stalls", offsetof(struct virtqueue, errors.vec_stalls) },
	{ "notifications", offsetof(struct virtqueue, notifications) },
};

#define VQ_XSTATS RTE_DIM(vq_xstats)

static struct virtqueue *
queue_vq(struct rte_eth_dev *eth_dev, unsigned int rx_or_tx, uint16_t q)
{
	void *queue = rx_or_tx == 0 ? eth_dev->data->rx_queues[q] : eth_dev->data->tx_queues[q];

	if (queue == NULL)
		return NULL;
	return rx_or_tx == 0 ? &((struct virtnet_rxq *)queue)->vq :
			       &((struct virtnet_txq *)queue)->vq;
}

static unsigned int
xstats_count(struct rte_eth_dev *eth_dev)
{
	return VQ_XSTATS * (eth_dev->data->nb_rx_queues + eth_dev->data->nb_tx_queues);
}

int
virtnet_xstats_get_names(struct rte_eth_dev *eth_dev, struct rte_eth_xstat_name *names,
			 unsigned int n)
{
	unsigned int count = xstats_count(eth_dev), k = 0, dir, i;
	uint16_t q;

	if (names == NULL || n < count)
		return count;
	for (dir = 0; dir < 2; dir++) {
		uint16_t nq = dir == 0 ? eth_dev->data->nb_rx_queues :
					 eth_dev->data->nb_tx_queues;

		for (q = 0; q < nq; q++)
			for (i = 0; i < VQ_XSTATS; i++)
				snprintf(names[k++].name, sizeof(names[0].name), "%s_q%u_%s",
					 dir == 0 ? "rx" : "tx", q, vq_xstats[i].name);
	}
	return count;
}

int
virtnet_xstats_get(struct rte_eth_dev *eth_dev, struct rte_eth_xstat *xstats, unsigned int n)
{
	unsigned int count = xstats_count(eth_dev), k = 0, dir, i;
	uint16_t q;

	if (xstats == NULL || n < count)
		return count;
	for (dir = 0; dir < 2; dir++) {
		uint16_t nq = dir == 0 ? eth_dev->data->nb_rx_queues :
					 eth_dev->data->nb_tx_queues;

		for (q = 0; q < nq; q++) {
			struct virtqueue *vq = queue_vq(eth_dev, dir, q);

			for (i = 0; i < VQ_XSTATS; i++, k++) {
				xstats[k].id = k;
				xstats[k].value = vq == NULL ? 0 :
					*(const uint64_t *)((const uint8_t *)vq +
							    vq_xstats[i].offset);
			}
		}
	}
	return count;
}
