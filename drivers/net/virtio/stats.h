/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Basic, per-queue and extended statistics of a virtio-net port. */

#ifndef VIRTIO_STATS_H
#define VIRTIO_STATS_H

#include <ethdev_driver.h>

int virtnet_stats_get(struct rte_eth_dev *eth_dev, struct rte_eth_stats *st);
/* Resets basic and extended counters alike. */
int virtnet_stats_reset(struct rte_eth_dev *eth_dev);
int virtnet_xstats_get(struct rte_eth_dev *eth_dev, struct rte_eth_xstat *xstats,
		       unsigned int n);
int virtnet_xstats_get_names(struct rte_eth_dev *eth_dev, struct rte_eth_xstat_name *names,
			     unsigned int n);
/* ids are ours (ethdev has taken off its basic stats); -EINVAL for an id we do not have. */
int virtnet_xstats_get_by_id(struct rte_eth_dev *eth_dev, const uint64_t *ids, uint64_t *values,
			     unsigned int n);
int virtnet_xstats_get_names_by_id(struct rte_eth_dev *eth_dev, const uint64_t *ids,
				   struct rte_eth_xstat_name *names, unsigned int n);

#endif /* VIRTIO_STATS_H */
