/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Basic, per-queue and extended statistics of a port.
 *
 * The burst functions count into each queue's struct virtnet_queue_stats
 * (rxtx/stats_update.h) and struct vq_device_errors; nothing here runs on the
 * datapath. Extended stats are laid out queue by queue, all Rx queues first,
 * each queue with the entries of its direction's table, so an id maps to its
 * counter by arithmetic and the by-id calls cost what they ask for.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ethdev.h"
#include "rxtx/rxtx.h"
#include "rxtx/stats_update.h"
#include "stats.h"

const uint8_t virtio_stats_no_addr[RTE_ETHER_ADDR_LEN];

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

/* The port's fault counters; the rate limits keep their state. */
static void
reset_port_errors(struct virtnet_port *port)
{
	struct virtio_dev_errors *de = &port->dev.errors;
	/* The backend's counters live with the virtio-user device, which owns them. */
	struct virtio_backend_errors *be = (struct virtio_backend_errors *)port->dev.backend_errors;

	memset(de, 0, offsetof(struct virtio_dev_errors, log_limit));
	if (be != NULL)
		memset(be, 0, offsetof(struct virtio_backend_errors, log_limit));
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
	reset_port_errors(virtnet_port_of(eth_dev));
	return 0;
}

/* Where a counter lives: in the queue's stats or in its virtqueue. */
enum xstat_src { IN_STATS, IN_VQ };

struct xstat_def {
	const char *name;
	enum xstat_src src;
	size_t offset;
};

#define QS(name, field) { name, IN_STATS, offsetof(struct virtnet_queue_stats, field) }
#define VQ(name, field) { name, IN_VQ, offsetof(struct virtqueue, field) }

/*
 * The names and order of the stock driver's per-queue xstats come first,
 * then our own: every kind of invalid device write the datapath refused
 * (struct vq_device_errors), and the doorbells rung. The user guide
 * (doc/guides/nics/virtio.rst, "Extended statistics") describes each one.
 */
#define TRAFFIC_XSTATS \
	QS("good_packets", packets), \
	QS("good_bytes", bytes), \
	QS("errors", errors), \
	QS("multicast_packets", multicast), \
	QS("broadcast_packets", broadcast), \
	QS("undersize_packets", size_bins[0]), \
	QS("size_64_packets", size_bins[1]), \
	QS("size_65_127_packets", size_bins[2]), \
	QS("size_128_255_packets", size_bins[3]), \
	QS("size_256_511_packets", size_bins[4]), \
	QS("size_512_1023_packets", size_bins[5]), \
	QS("size_1024_1518_packets", size_bins[6]), \
	QS("size_1519_max_packets", size_bins[7])

static const struct xstat_def rx_xstats[] = {
	TRAFFIC_XSTATS,
	VQ("bad_used_idx", errors.bad_used_idx),
	VQ("bad_used_id", errors.bad_used_id),
	VQ("bad_used_len", errors.bad_used_len),
	VQ("bad_num_buffers", errors.bad_num_buffers),
	VQ("vec_stalls", errors.vec_stalls),
	VQ("notifications", notifications),
};

/* Tx ignores used lengths and has no num_buffers: those counters would stay 0. */
static const struct xstat_def tx_xstats[] = {
	TRAFFIC_XSTATS,
	VQ("bad_used_idx", errors.bad_used_idx),
	VQ("bad_used_id", errors.bad_used_id),
	VQ("vec_stalls", errors.vec_stalls),
	VQ("notifications", notifications),
};

#define NB_RX_XSTATS RTE_DIM(rx_xstats)
#define NB_TX_XSTATS RTE_DIM(tx_xstats)

/*
 * Per port, after all queues: invalid control-queue answers, config-space
 * values (struct virtio_dev_errors) and vhost-user replies (struct
 * virtio_backend_errors, zero on a port without a vhost-user backend).
 */
enum port_src { IN_DEV, IN_BACKEND };

struct port_xstat_def {
	const char *name;
	enum port_src src;
	size_t offset;
};

#define DE(name, field) { name, IN_DEV, offsetof(struct virtio_dev_errors, field) }
#define BE(name, field) { name, IN_BACKEND, offsetof(struct virtio_backend_errors, field) }

static const struct port_xstat_def port_xstats[] = {
	DE("cvq_bad_used", cvq_bad_used),
	DE("cvq_bad_ack", cvq_bad_ack),
	DE("config_bad_mtu", config_bad_mtu),
	DE("config_bad_max_virtqueue_pairs", config_bad_max_pairs),
	DE("config_bad_mac", config_bad_mac),
	DE("config_bad_status", config_bad_status),
	BE("backend_bad_reply", bad_reply),
	BE("backend_short_reply", short_reply),
	BE("backend_unexpected_fds", unexpected_fds),
	BE("backend_bad_value", bad_value),
};

#define NB_PORT_XSTATS RTE_DIM(port_xstats)

/* One extended stat, located from its id: a queue's (def) or the port's (port_def). */
struct xstat_at {
	const struct xstat_def *def;
	const struct port_xstat_def *port_def;
	bool rx;
	uint16_t queue;
};

static unsigned int
xstats_count(const struct rte_eth_dev *eth_dev)
{
	return NB_RX_XSTATS * eth_dev->data->nb_rx_queues +
	       NB_TX_XSTATS * eth_dev->data->nb_tx_queues + NB_PORT_XSTATS;
}

/* Finds the stat of id; false if there is none. */
static bool
xstat_locate(const struct rte_eth_dev *eth_dev, uint64_t id, struct xstat_at *at)
{
	uint64_t rx_total = (uint64_t)NB_RX_XSTATS * eth_dev->data->nb_rx_queues;

	if (id < rx_total) {
		at->port_def = NULL;
		at->rx = true;
		at->queue = (uint16_t)(id / NB_RX_XSTATS);
		at->def = &rx_xstats[id % NB_RX_XSTATS];
		return true;
	}
	id -= rx_total;
	at->port_def = NULL;
	if (id >= (uint64_t)NB_TX_XSTATS * eth_dev->data->nb_tx_queues) {
		id -= (uint64_t)NB_TX_XSTATS * eth_dev->data->nb_tx_queues;
		if (id >= NB_PORT_XSTATS)
			return false;
		at->def = NULL;
		at->port_def = &port_xstats[id];
		return true;
	}
	at->rx = false;
	at->queue = (uint16_t)(id / NB_TX_XSTATS);
	at->def = &tx_xstats[id % NB_TX_XSTATS];
	return true;
}

static void
xstat_name(const struct xstat_at *at, struct rte_eth_xstat_name *name)
{
	if (at->port_def != NULL) {
		snprintf(name->name, sizeof(name->name), "%s", at->port_def->name);
		return;
	}
	snprintf(name->name, sizeof(name->name), "%s_q%u_%s", at->rx ? "rx" : "tx", at->queue,
		 at->def->name);
}

/* A queue not set up yet reads as zero. */
static uint64_t
xstat_value(const struct rte_eth_dev *eth_dev, const struct xstat_at *at)
{
	const void *base;

	if (at->port_def != NULL) {
		const struct virtnet_port *port = eth_dev->data->dev_private;

		base = at->port_def->src == IN_DEV ? (const void *)&port->dev.errors :
						     (const void *)port->dev.backend_errors;
		if (base == NULL)
			return 0;
		return *(const uint64_t *)RTE_PTR_ADD(base, at->port_def->offset);
	}
	if (at->rx) {
		const struct virtnet_rxq *rxq = eth_dev->data->rx_queues[at->queue];

		if (rxq == NULL)
			return 0;
		base = at->def->src == IN_STATS ? (const void *)&rxq->stats : (const void *)&rxq->vq;
	} else {
		const struct virtnet_txq *txq = eth_dev->data->tx_queues[at->queue];

		if (txq == NULL)
			return 0;
		base = at->def->src == IN_STATS ? (const void *)&txq->stats : (const void *)&txq->vq;
	}
	return *(const uint64_t *)RTE_PTR_ADD(base, at->def->offset);
}

int
virtnet_xstats_get_names(struct rte_eth_dev *eth_dev, struct rte_eth_xstat_name *names,
			 unsigned int n)
{
	unsigned int count = xstats_count(eth_dev), k;
	struct xstat_at at;

	if (names == NULL || n < count)
		return count;
	for (k = 0; k < count && xstat_locate(eth_dev, k, &at); k++)
		xstat_name(&at, &names[k]);
	return count;
}

int
virtnet_xstats_get(struct rte_eth_dev *eth_dev, struct rte_eth_xstat *xstats, unsigned int n)
{
	unsigned int count = xstats_count(eth_dev), k;
	struct xstat_at at;

	if (xstats == NULL || n < count)
		return count;
	for (k = 0; k < count && xstat_locate(eth_dev, k, &at); k++) {
		xstats[k].id = k;
		xstats[k].value = xstat_value(eth_dev, &at);
	}
	return count;
}

int
virtnet_xstats_get_by_id(struct rte_eth_dev *eth_dev, const uint64_t *ids, uint64_t *values,
			 unsigned int n)
{
	unsigned int k;
	struct xstat_at at;

	for (k = 0; k < n; k++) {
		if (!xstat_locate(eth_dev, ids[k], &at))
			return -EINVAL;
		values[k] = xstat_value(eth_dev, &at);
	}
	return n;
}

int
virtnet_xstats_get_names_by_id(struct rte_eth_dev *eth_dev, const uint64_t *ids,
			       struct rte_eth_xstat_name *names, unsigned int n)
{
	unsigned int k;
	struct xstat_at at;

	for (k = 0; k < n; k++) {
		if (!xstat_locate(eth_dev, ids[k], &at))
			return -EINVAL;
		xstat_name(&at, &names[k]);
	}
	return n;
}
