/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Receive-side scaling (VIRTIO_NET_F_RSS, spec 5.1.6.5.7): the driver keeps
 * the hash types, key and redirection table and sends them whole with
 * VIRTIO_NET_CTRL_MQ_RSS_CONFIG at start and on every update while running.
 * Configure resets them from rx_adv_conf.rss_conf (table spread evenly over
 * the Rx queues); stop/start keeps them.
 */

#ifndef VIRTIO_RSS_H
#define VIRTIO_RSS_H

#include <ethdev_driver.h>

#define VIRTNET_RSS_KEY_SIZE 40
#define VIRTNET_RSS_RETA_SIZE 128

struct virtnet_rss {
	bool offered;             /* the device offers RSS we can use (probe) */
	uint32_t device_types;    /* supported_hash_types of the device */
	uint64_t rss_hf;          /* as the application set it (ethdev flags) */
	uint8_t key[VIRTNET_RSS_KEY_SIZE];
	uint16_t reta[VIRTNET_RSS_RETA_SIZE];
};

struct virtnet_port;

/* At probe: reads the RSS limits of the device; RSS stays off if they are too small. */
void virtnet_rss_init(struct virtnet_port *port);

/* ethdev RSS flags <-> virtio hash types. */
uint32_t virtnet_rss_hf_to_types(uint64_t rss_hf);
uint64_t virtnet_rss_types_to_hf(uint32_t types);

/* dev_infos_get: flow_type_rss_offloads, reta_size and hash_key_size when RSS is usable. */
void virtnet_rss_infos(const struct virtnet_port *port, struct rte_eth_dev_info *info);

/* At configure with RTE_ETH_MQ_RX_RSS: checks and takes rx_adv_conf.rss_conf. */
int virtnet_rss_configure(struct rte_eth_dev *eth_dev);

/* Builds the RSS_CONFIG command data into buf (size >= 512); returns its length. */
size_t virtnet_rss_command(const struct virtnet_rss *rss, uint32_t hash_types, uint16_t max_tx_vq,
			   uint8_t *buf);

/* After DRIVER_OK with RTE_ETH_MQ_RX_RSS: RSS_CONFIG instead of MQ_VQ_PAIRS_SET. */
int virtnet_rss_start(struct rte_eth_dev *eth_dev);

int virtnet_rss_hash_update(struct rte_eth_dev *eth_dev, struct rte_eth_rss_conf *conf);
int virtnet_rss_hash_conf_get(struct rte_eth_dev *eth_dev, struct rte_eth_rss_conf *conf);
int virtnet_rss_reta_update(struct rte_eth_dev *eth_dev, struct rte_eth_rss_reta_entry64 *conf,
			    uint16_t size);
int virtnet_rss_reta_query(struct rte_eth_dev *eth_dev, struct rte_eth_rss_reta_entry64 *conf,
			   uint16_t size);

#endif /* VIRTIO_RSS_H */
