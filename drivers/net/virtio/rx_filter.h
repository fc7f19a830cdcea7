/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Rx mode and filters through the control queue: promiscuous and
 * all-multicast (VIRTIO_NET_F_CTRL_RX), the unicast and multicast MAC tables
 * (MAC_TABLE_SET, also CTRL_RX), the port address (VIRTIO_NET_F_CTRL_MAC_ADDR)
 * and the VLAN filter (VIRTIO_NET_F_CTRL_VLAN).
 *
 * The device forgets all of it on reset. ethdev replays promiscuous,
 * all-multicast, the port address and the unicast addresses through these
 * ops after every start (eth_dev_config_restore); the multicast list and
 * the VLAN ids it does not, so virtnet_rx_filter_start() sends them. While
 * the port is stopped the ops only remember.
 */

#ifndef VIRTIO_RX_FILTER_H
#define VIRTIO_RX_FILTER_H

#include <ethdev_driver.h>

/* Unicast addresses, the port address included (ethdev's mac_addrs[0]). */
#define VIRTNET_MAX_MAC_ADDRS 32
/* Multicast addresses of set_mc_addr_list. */
#define VIRTNET_MAX_MC_ADDRS 32

struct virtnet_rx_filter {
	uint32_t nb_mc;
	struct rte_ether_addr mc[VIRTNET_MAX_MC_ADDRS];
};

struct virtnet_port;

/* max_mac_addrs for dev_infos_get: 1 without CTRL_RX (no table to put more in). */
uint32_t virtnet_rx_filter_max_mac_addrs(const struct virtnet_port *port);

/* Rx offload capabilities this file provides (VLAN_FILTER when CTRL_VLAN is offered). */
uint64_t virtnet_rx_filter_offload_capa(const struct virtnet_port *port);

/*
 * Features to drop at configure: CTRL_VLAN unless the application asked for
 * RTE_ETH_RX_OFFLOAD_VLAN_FILTER (with CTRL_VLAN negotiated the device drops
 * every tagged frame whose id was not added).
 */
uint64_t virtnet_rx_filter_unwanted(const struct rte_eth_dev *eth_dev);

/*
 * vlan_offload_set with RTE_ETH_VLAN_FILTER_MASK: CTRL_VLAN is negotiated at
 * configure, so the filter cannot be switched while configured otherwise.
 */
int virtnet_vlan_filter_offload_set(struct rte_eth_dev *eth_dev);

/* After DRIVER_OK: sends the MAC tables and VLAN ids ethdev does not replay. */
int virtnet_rx_filter_start(struct rte_eth_dev *eth_dev);

int virtnet_promiscuous_enable(struct rte_eth_dev *eth_dev);
int virtnet_promiscuous_disable(struct rte_eth_dev *eth_dev);
int virtnet_allmulticast_enable(struct rte_eth_dev *eth_dev);
int virtnet_allmulticast_disable(struct rte_eth_dev *eth_dev);
int virtnet_mac_addr_add(struct rte_eth_dev *eth_dev, struct rte_ether_addr *mac,
			 uint32_t index, uint32_t vmdq);
void virtnet_mac_addr_remove(struct rte_eth_dev *eth_dev, uint32_t index);
int virtnet_mac_addr_set(struct rte_eth_dev *eth_dev, struct rte_ether_addr *mac);
int virtnet_set_mc_addr_list(struct rte_eth_dev *eth_dev, struct rte_ether_addr *mc_addr_set,
			     uint32_t nb_mc_addr);
int virtnet_vlan_filter_set(struct rte_eth_dev *eth_dev, uint16_t vlan_id, int on);

#endif /* VIRTIO_RX_FILTER_H */
