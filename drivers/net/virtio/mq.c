/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>

#include <rte_byteorder.h>

#include "cvq.h"
#include "mq.h"
#include "virtio_log.h"

/* MQ is usable only together with the control queue that switches pairs on. */
static bool
device_offers_mq(const struct virtnet_port *port)
{
	uint64_t both = VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);

	return (port->dev.device_features & both) == both;
}

void
virtnet_mq_init(struct virtnet_port *port)
{
	uint16_t pairs = 1;

	/* virtio-user without the control queue hands every ring to its backend. */
	port->max_queue_pairs = (uint16_t)port->args.queues;
	port->device_queue_pairs = 1;
	if (!device_offers_mq(port))
		return;
	port->dev.ops->read_config(&port->dev,
				   offsetof(struct virtio_net_config, max_virtqueue_pairs),
				   &pairs, sizeof(pairs));
	pairs = rte_le_to_cpu_16(pairs);
	if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX) {
		port->dev.errors.config_bad_max_pairs++;
		virtio_log_limited(&port->dev.errors.log_limit, "%s: config space: field "
				   "'max_virtqueue_pairs': %u, allowed 1..32768 (VIRTIO_NET_F_MQ): "
				   "using one queue pair", port->dev.name, pairs);
		port->dev.device_features &= ~VIRTIO_BIT(VIRTIO_NET_F_MQ);
		return;
	}
	port->device_queue_pairs = pairs;
	port->max_queue_pairs = RTE_MIN(pairs, RTE_MAX_QUEUES_PER_PORT);
}

uint16_t
virtnet_cvq_index(const struct virtnet_port *port)
{
	bool mq = virtio_dev_has(&port->dev, VIRTIO_NET_F_MQ);

	return 2 * (mq ? port->device_queue_pairs : 1);
}

static uint16_t
configured_pairs(const struct rte_eth_dev *eth_dev)
{
	return RTE_MAX(eth_dev->data->nb_rx_queues, eth_dev->data->nb_tx_queues);
}

int
virtnet_mq_configure(struct rte_eth_dev *eth_dev)
{
	const struct rte_eth_rxmode *rxmode = &eth_dev->data->dev_conf.rxmode;
	struct rte_eth_dev_data *d = eth_dev->data;

	if (rxmode->mq_mode == RTE_ETH_MQ_RX_RSS) {
		int ret = virtnet_rss_configure(eth_dev);

		if (ret != 0)
			return ret;
	} else if (rxmode->mq_mode != RTE_ETH_MQ_RX_NONE) {
		VIRTIO_LOG(ERR, "%s: Rx multi-queue mode %d is not supported; use "
			   "RTE_ETH_MQ_RX_NONE or RTE_ETH_MQ_RX_RSS (with VIRTIO_NET_F_RSS)",
			   d->name, rxmode->mq_mode);
		return -ENOTSUP;
	}
	if (d->nb_rx_queues != d->nb_tx_queues && configured_pairs(eth_dev) > 1)
		VIRTIO_LOG(NOTICE, "%s: %u Rx and %u Tx queues: the device runs %u queue pairs "
			   "and may deliver to Rx queues the application does not have, which "
			   "then hold those frames", d->name, d->nb_rx_queues, d->nb_tx_queues,
			   configured_pairs(eth_dev));
	return 0;
}

int
virtnet_mq_start(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t pairs = rte_cpu_to_le_16(configured_pairs(eth_dev));
	int ret;

	if (!virtio_dev_has(&port->dev, VIRTIO_NET_F_MQ))
		return 0;
	/* RSS_CONFIG carries the queue count too (max_tx_vq). */
	if (eth_dev->data->dev_conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS)
		return virtnet_rss_start(eth_dev);
	ret = virtio_cvq_command(&port->dev, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
				 &pairs, sizeof(pairs));
	if (ret != 0)
		VIRTIO_LOG(ERR, "%s: cannot switch the device to %u queue pairs", eth_dev->data->name,
			   configured_pairs(eth_dev));
	return ret;
}
