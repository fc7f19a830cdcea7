/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Interrupts as the application sees them: Rx queue interrupts, link state
 * change events and the power-monitor condition. Transports plug in through
 * struct virtnet_intr_ops (ethdev.h).
 */

#ifndef VIRTIO_INTR_H
#define VIRTIO_INTR_H

#include <ethdev_driver.h>
#include <rte_power_intrinsics.h>

/* Configure: refuses an intr_conf the transport cannot deliver. */
int virtnet_intr_configure(struct rte_eth_dev *eth_dev);

/* Start (before the device starts) and stop (after it stopped). */
int virtnet_intr_start(struct rte_eth_dev *eth_dev);
void virtnet_intr_stop(struct rte_eth_dev *eth_dev);

/*
 * For transports: maps Rx queue q to event fd q of the handle (the vector
 * list ethdev's rte_eth_dev_rx_intr_ctl_q reads). The handle's event fds are
 * already set.
 */
int virtnet_intr_map_rx_queues(struct rte_intr_handle *handle, uint16_t nb_rxq);

/* For transports: the link may have changed; raises LSC once per change. */
void virtnet_link_changed(struct rte_eth_dev *eth_dev);

int virtnet_rx_queue_intr_enable(struct rte_eth_dev *eth_dev, uint16_t q);
int virtnet_rx_queue_intr_disable(struct rte_eth_dev *eth_dev, uint16_t q);
int virtnet_get_monitor_addr(void *rxq, struct rte_power_monitor_cond *pmc);

#endif /* VIRTIO_INTR_H */
