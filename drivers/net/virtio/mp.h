/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Multi-process support: what a secondary process needs to run the datapath
 * of a port the primary created (mp.c).
 */

#ifndef VIRTIO_MP_H
#define VIRTIO_MP_H

#include <stdint.h>

#include <ethdev_driver.h>

#include "rxtx/select.h"

/*
 * Burst functions by index. The primary stores the index of the elected
 * path in the port (shared memory); every process resolves it in its own
 * table, since the PMD may be loaded at a different address in each. 0 means
 * no path elected (port never started).
 */
uint8_t virtnet_rx_path_id(virtio_burst_t fn);
uint8_t virtnet_tx_path_id(virtio_burst_t fn);
const char *virtnet_rx_path_name(uint8_t id);
const char *virtnet_tx_path_name(uint8_t id);

/*
 * The burst functions a secondary installs: they run the path the primary
 * elected last, so a primary that restarts the port with another path needs
 * no action from the secondary, and return 0 while the port is stopped.
 * Cost: a few loads and one table look-up per burst.
 */
uint16_t virtnet_secondary_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtnet_secondary_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

#endif /* VIRTIO_MP_H */
