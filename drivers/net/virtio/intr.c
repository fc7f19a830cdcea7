/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <unistd.h>

#include <rte_interrupts.h>

#include "ethdev.h"
#include "intr.h"
#include "rxtx/rxtx.h"
#include "virtio_log.h"

int
virtnet_intr_configure(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	const struct rte_eth_intr_conf *conf = &eth_dev->data->dev_conf.intr_conf;

	if (!conf->rxq && !conf->lsc)
		return 0;
	if (port->intr_ops == NULL || port->intr_ops->start == NULL) {
		VIRTIO_LOG(ERR, "%s: interrupts (intr_conf.rxq/lsc) are not available on this "
			   "port", eth_dev->data->name);
		return -ENOTSUP;
	}
	return port->intr_ops->check != NULL ? port->intr_ops->check(eth_dev) : 0;
}

int
virtnet_intr_start(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	const struct rte_eth_intr_conf *conf = &eth_dev->data->dev_conf.intr_conf;
	int ret;

	if ((!conf->rxq && !conf->lsc) || port->intr_ops == NULL)
		return 0;
	ret = port->intr_ops->start(eth_dev);
	port->intr_started = ret == 0;
	return ret;
}

void
virtnet_intr_stop(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	if (!port->intr_started)
		return;
	if (port->intr_ops->stop != NULL)
		port->intr_ops->stop(eth_dev);
	port->intr_started = false;
}

int
virtnet_intr_map_rx_queues(struct rte_intr_handle *handle, uint16_t nb_rxq)
{
	uint16_t q;

	if (rte_intr_vec_list_alloc(handle, "virtio_rxq_intr", nb_rxq) != 0)
		return -ENOMEM;
	for (q = 0; q < nb_rxq; q++)
		if (rte_intr_vec_list_index_set(handle, q, RTE_INTR_VEC_RXTX_OFFSET + q) != 0)
			return -EINVAL;
	return 0;
}

void
virtnet_link_changed(struct rte_eth_dev *eth_dev)
{
	if (virtnet_link_update(eth_dev) == 0 && eth_dev->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(eth_dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* Wakes whoever waits on the queue's event fd, as the device would have. */
static void
signal_queue(struct rte_eth_dev *eth_dev, uint16_t q)
{
	int fd = rte_intr_efds_index_get(eth_dev->intr_handle, q);
	const uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		VIRTIO_LOG(DEBUG, "%s: Rx queue %u: cannot signal its event fd", eth_dev->data->name,
			   q);
}

int
virtnet_rx_queue_intr_enable(struct rte_eth_dev *eth_dev, uint16_t q)
{
	struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

	if (!eth_dev->data->dev_conf.intr_conf.rxq || !virtnet_port_of(eth_dev)->intr_started) {
		VIRTIO_LOG(ERR, "%s: Rx queue %u: interrupts need intr_conf.rxq = 1 at configure "
			   "and a started port", eth_dev->data->name, q);
		return -EINVAL;
	}
	/* A packet that slipped in before the request was seen must still wake the waiter. */
	if (vq_intr_arm(&rxq->vq))
		signal_queue(eth_dev, q);
	return 0;
}

int
virtnet_rx_queue_intr_disable(struct rte_eth_dev *eth_dev, uint16_t q)
{
	struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

	vq_intr_disarm(&rxq->vq);
	return 0;
}

/* rte_power_monitor asks before sleeping: 0 lets it sleep, -1 means work is there. */
static int
split_idle(const uint64_t value, const uint64_t opaque[RTE_POWER_MONITOR_OPAQUE_SZ])
{
	return (uint16_t)value == (uint16_t)opaque[0] ? 0 : -1;
}

static int
packed_idle(const uint64_t value, const uint64_t opaque[RTE_POWER_MONITOR_OPAQUE_SZ])
{
	bool wrap = opaque[0] != 0;
	bool avail = (value & VRING_PACKED_DESC_F_AVAIL) != 0;
	bool used = (value & VRING_PACKED_DESC_F_USED) != 0;

	return avail == used && used == wrap ? -1 : 0;
}

int
virtnet_get_monitor_addr(void *queue, struct rte_power_monitor_cond *pmc)
{
	struct virtnet_rxq *rxq = queue;
	uint16_t idle_value;

	vq_monitor_target(&rxq->vq, &pmc->addr, &idle_value);
	pmc->opaque[0] = idle_value;
	pmc->fn = rxq->vq.packed ? packed_idle : split_idle;
	pmc->size = sizeof(uint16_t);
	return 0;
}
