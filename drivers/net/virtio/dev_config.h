/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * What the device configuration space says about MTU (VIRTIO_NET_F_MTU),
 * speed and duplex (VIRTIO_NET_F_SPEED_DUPLEX), MAC (VIRTIO_NET_F_MAC) and link
 * status (VIRTIO_NET_F_STATUS). Every value is checked: a
 * device offering nonsense gets a message and the driver's defaults.
 */

#ifndef VIRTIO_DEV_CONFIG_H
#define VIRTIO_DEV_CONFIG_H

#include "ethdev.h"

/* At probe: the largest MTU the application may set. */
uint16_t virtnet_config_max_mtu(struct virtnet_port *port);

/*
 * Link speed and duplex: the speed devarg when given, else what a device
 * with SPEED_DUPLEX reports, else unknown speed at full duplex.
 */
void virtnet_config_speed(struct virtnet_port *port, struct rte_eth_link *link);

/*
 * At probe: the device's MAC address into *mac when it offers one that is
 * unicast and not all zeros (true); a bad one is counted (config_bad_mac),
 * logged, and VIRTIO_NET_F_MAC dropped from the offer (false).
 */
bool virtnet_config_mac(struct virtnet_port *port, struct rte_ether_addr *mac);

/*
 * The status field (VIRTIO_NET_F_STATUS negotiated): bits the spec does not
 * define are counted (config_bad_status), logged and cleared.
 */
uint16_t virtnet_config_status(struct virtnet_port *port);

#endif /* VIRTIO_DEV_CONFIG_H */
