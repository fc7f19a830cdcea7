/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <rte_byteorder.h>

#include "dev_config.h"
#include "virtio_log.h"

#define CONFIG_READ(port, field, dst)                                                    \
	(port)->dev.ops->read_config(&(port)->dev, offsetof(struct virtio_net_config, field), \
				     (dst), sizeof(*(dst)))

/* Spec 5.1.4: duplex 0 half, 1 full, 0xff unknown; speed 0xffffffff unknown. */
#define VIRTIO_NET_DUPLEX_HALF 0
#define VIRTIO_NET_DUPLEX_FULL 1
#define VIRTIO_NET_DUPLEX_UNKNOWN 0xff
#define VIRTIO_NET_SPEED_UNKNOWN UINT32_MAX

uint16_t
virtnet_config_max_mtu(struct virtnet_port *port)
{
	uint16_t limit = VIRTIO_MAX_RX_PKTLEN - RTE_ETHER_HDR_LEN;
	uint16_t mtu;

	if (!(port->dev.device_features & VIRTIO_BIT(VIRTIO_NET_F_MTU)))
		return limit;
	CONFIG_READ(port, mtu, &mtu);
	mtu = rte_le_to_cpu_16(mtu);
	if (mtu < VIRTIO_MIN_MTU) {
		VIRTIO_LOG(ERR, "%s: the device offers VIRTIO_NET_F_MTU with mtu %u, below the "
			   "minimum %u: ignoring it", port->dev.name, mtu, VIRTIO_MIN_MTU);
		port->dev.device_features &= ~VIRTIO_BIT(VIRTIO_NET_F_MTU);
		return limit;
	}
	/* Above our own limit the device is generous; we still cannot receive more. */
	return RTE_MIN(mtu, limit);
}

void
virtnet_config_speed(struct virtnet_port *port, struct rte_eth_link *link)
{
	uint32_t speed;
	uint8_t duplex;

	link->link_speed = port->args.speed;
	link->link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	if (port->args.speed != RTE_ETH_SPEED_NUM_UNKNOWN ||
	    !virtio_dev_has(&port->dev, VIRTIO_NET_F_SPEED_DUPLEX))
		return;
	CONFIG_READ(port, speed, &speed);
	CONFIG_READ(port, duplex, &duplex);
	speed = rte_le_to_cpu_32(speed);
	/* ethdev speeds are at most INT32_MAX Mbps; more than that is not a real speed. */
	if (speed != VIRTIO_NET_SPEED_UNKNOWN && speed <= INT32_MAX)
		link->link_speed = speed;
	if (duplex == VIRTIO_NET_DUPLEX_HALF)
		link->link_duplex = RTE_ETH_LINK_HALF_DUPLEX;
}
