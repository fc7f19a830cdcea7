/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>

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
	/* A 16-bit field cannot exceed 65535: only the lower bound can be broken. */
	if (unlikely(mtu < VIRTIO_MIN_MTU)) {
		port->dev.errors.config_bad_mtu++;
		virtio_log_limited(&port->dev.errors.log_limit, "%s: config space: field 'mtu': "
				   "%u, allowed %u..65535 (VIRTIO_NET_F_MTU): ignoring it",
				   port->dev.name, mtu, VIRTIO_MIN_MTU);
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

bool
virtnet_config_mac(struct virtnet_port *port, struct rte_ether_addr *mac)
{
	char buf[RTE_ETHER_ADDR_FMT_SIZE];

	if (!(port->dev.device_features & VIRTIO_BIT(VIRTIO_NET_F_MAC)))
		return false;
	port->dev.ops->read_config(&port->dev, offsetof(struct virtio_net_config, mac),
				   mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	if (likely(rte_is_unicast_ether_addr(mac) && !rte_is_zero_ether_addr(mac)))
		return true;
	/* Nobody could send to it: as if the device offered no address at all. */
	port->dev.errors.config_bad_mac++;
	rte_ether_format_addr(buf, sizeof(buf), mac);
	virtio_log_limited(&port->dev.errors.log_limit, "%s: config space: field 'mac': %s, "
			   "allowed a unicast, non-zero address (VIRTIO_NET_F_MAC): using a random "
			   "address instead", port->dev.name, buf);
	port->dev.device_features &= ~VIRTIO_BIT(VIRTIO_NET_F_MAC);
	return false;
}

uint16_t
virtnet_config_status(struct virtnet_port *port)
{
	const uint16_t known = VIRTIO_NET_S_LINK_UP | VIRTIO_NET_S_ANNOUNCE;
	uint16_t status = 0;

	CONFIG_READ(port, status, &status);
	status = rte_le_to_cpu_16(status);
	if (unlikely(status & ~known)) {
		/* The bits we know still mean what they say; the rest is ignored. */
		port->dev.errors.config_bad_status++;
		virtio_log_limited(&port->dev.errors.log_limit, "%s: config space: field "
				   "'status': 0x%x, allowed bits 0x%x (LINK_UP, ANNOUNCE): the "
				   "others are ignored", port->dev.name, status, known);
		status &= known;
	}
	return status;
}
