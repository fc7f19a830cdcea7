/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* The ethdev face of a virtio-net port, shared by every transport. */

#ifndef VIRTIO_ETHDEV_H
#define VIRTIO_ETHDEV_H

#include <ethdev_driver.h>

#include "devargs.h"
#include "rss.h"
#include "rx_filter.h"
#include "rxtx/select.h"
#include "rxtx/tx_gate.h"
#include "virtio_dev.h"

/* Frame sizes from 64 to 9728 bytes, as the stock driver documents. */
#define VIRTIO_MAX_RX_PKTLEN 9728
#define VIRTIO_MIN_MTU 68

/* Features this driver knows how to use today; devargs may turn some off. */
#define VIRTIO_DRIVER_FEATURES                                                   \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC) | \
	 VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |       \
	 VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |     \
	 VIRTIO_BIT(VIRTIO_F_IN_ORDER) | VIRTIO_BIT(VIRTIO_F_RING_PACKED) |         \
	 VIRTIO_BIT(VIRTIO_NET_F_MTU) | VIRTIO_BIT(VIRTIO_NET_F_SPEED_DUPLEX) |     \
	 VIRTIO_DRIVER_CTRL_FEATURES)

/* Features that work through the control queue (and need it negotiated). */
#define VIRTIO_DRIVER_CTRL_FEATURES                                           \
	(VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_MQ) |     \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) |  \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) | VIRTIO_BIT(VIRTIO_NET_F_RSS) |    \
	 VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE))

struct virtnet_port;

/*
 * How a transport delivers interrupts to the application (intr.c has the
 * shared part). All optional: a NULL hook means nothing to do.
 */
struct virtnet_intr_ops {
	/* At configure: can intr_conf be honoured? Errors say what is missing. */
	int (*check)(struct rte_eth_dev *eth_dev);
	/*
	 * Before the device starts: fills eth_dev->intr_handle with one event
	 * fd per Rx queue (intr_conf.rxq), sets up configuration-change delivery
	 * (intr_conf.lsc).
	 */
	int (*start)(struct rte_eth_dev *eth_dev);
	/* After the device stopped: undoes start. */
	void (*stop)(struct rte_eth_dev *eth_dev);
};

struct virtnet_port {
	struct virtio_dev dev;
	struct virtio_devargs args;
	struct virtio_path path;
	/* virtio-user: mrg_rxbuf, in_order and packed_vq devargs limit the features. */
	bool ring_devargs;
	uint16_t max_queue_pairs;    /* what the application may configure */
	uint16_t device_queue_pairs; /* max_virtqueue_pairs with MQ: the control queue follows */
	uint16_t max_mtu;            /* ours, or less when the device says so (VIRTIO_NET_F_MTU) */
	bool started;
	const struct virtnet_intr_ops *intr_ops;
	bool intr_started; /* intr_ops->start succeeded, stop is due */
	/* Multi-process (mp.c): the elected path by index, valid in every process. */
	uint8_t rx_path_id;
	uint8_t tx_path_id;
	uint16_t queue_max; /* the device's largest ring, read once by the primary */
	struct virtnet_rx_filter rx_filter; /* what ethdev does not keep for us */
	struct virtnet_rss rss;
	/* Guest announce (announce.c): the gate on Tx queue 0, one announcer at a time. */
	struct virtnet_tx_gate tx_gate;
	bool announcing;
};

static inline struct virtnet_port *
virtnet_port_of(struct rte_eth_dev *eth_dev)
{
	return eth_dev->data->dev_private;
}

/*
 * Finishes a probed port: reads the device, fills the MAC address, installs
 * the ops. The transport has set port->dev.ops/transport/name/use_va and
 * port->args before calling.
 */
int virtnet_port_init(struct rte_eth_dev *eth_dev);

/*
 * Reads the link from the device into ethdev; returns 0 when the status
 * changed, -1 when it did not (as rte_eth_linkstatus_set).
 */
int virtnet_link_update(struct rte_eth_dev *eth_dev);

/*
 * A secondary process attached to a port the primary created: installs the
 * ops a secondary may use (datapath, stats, queue info and status) and the
 * burst functions. `detach` (optional) releases what the transport holds in
 * this process (fds) when the port closes here.
 */
int virtnet_port_attach_secondary(struct rte_eth_dev *eth_dev,
				  void (*detach)(struct rte_eth_dev *eth_dev));

/*
 * The remove callback of every transport: closes the port (in a secondary
 * process this only releases what the process holds). NULL (already closed)
 * is fine.
 */
int virtnet_port_remove(struct rte_eth_dev *eth_dev);

#endif /* VIRTIO_ETHDEV_H */
