/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Multi-queue (VIRTIO_NET_F_MQ): how many queue pairs exist and how many run. */

#ifndef VIRTIO_MQ_H
#define VIRTIO_MQ_H

#include "ethdev.h"

/* At probe: the queue pairs the device offers, and so what the application may use. */
void virtnet_mq_init(struct virtnet_port *port);

/* Virtqueue index of the control queue: after every queue pair the device has. */
uint16_t virtnet_cvq_index(const struct virtnet_port *port);

/* At configure, after feature negotiation: is the Rx multi-queue mode possible? */
int virtnet_mq_configure(struct rte_eth_dev *eth_dev);

/* After DRIVER_OK: tells a multi-queue device how many pairs to use. */
int virtnet_mq_start(struct rte_eth_dev *eth_dev);

#endif /* VIRTIO_MQ_H */
