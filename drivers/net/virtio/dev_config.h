/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * What the device configuration space says about MTU (VIRTIO_NET_F_MTU),
 * speed and duplex (VIRTIO_NET_F_SPEED_DUPLEX). Every value is checked: a
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

#endif /* VIRTIO_DEV_CONFIG_H */
