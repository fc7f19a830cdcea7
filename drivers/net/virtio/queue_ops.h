/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Per-queue operations beyond the stock driver (queue_ops.c): queue
 * start/stop and deferred start, used-entry count, descriptor status,
 * Tx completion on demand and the private dump.
 */

#ifndef VIRTIO_QUEUE_OPS_H
#define VIRTIO_QUEUE_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ethdev_driver.h>

#include "virtqueue.h"

/*
 * Ring-level answers, on either layout, reading only: nothing the device
 * wrote is trusted beyond what the burst functions would accept.
 */

/* Used buffers ready for the driver, counted from the next one it consumes. */
uint16_t vq_used_ready(const struct virtqueue *vq);

/* RTE_ETH_RX_DESC_* of the descriptor `offset` places after the next one to consume. */
int vq_rx_desc_status(const struct virtqueue *vq, uint16_t offset);

/*
 * RTE_ETH_TX_DESC_* of the ring entry `offset` places after the next one to
 * fill. in_order: VIRTIO_F_IN_ORDER negotiated (a packed used descriptor may
 * stand for a batch).
 */
int vq_tx_desc_status(const struct virtqueue *vq, uint16_t offset, bool in_order);

/* Buffers the device owns or has not given back yet (mbufs attached to the ring). */
uint16_t vq_cookies_held(const struct virtqueue *vq);

struct virtnet_txq;
typedef uint16_t (*virtio_txq_cleanup_t)(struct virtnet_txq *txq);

/* Frees what the device completed with `cleanup`; returns the packets freed. */
int virtio_txq_done_cleanup(struct virtnet_txq *txq, virtio_txq_cleanup_t cleanup);

/* Queues with *_deferred_start stay stopped at port start (dev_start asks). */
bool virtnet_rxq_deferred(struct rte_eth_dev *eth_dev, uint16_t q);
bool virtnet_txq_deferred(struct rte_eth_dev *eth_dev, uint16_t q);

int virtnet_rx_queue_start(struct rte_eth_dev *eth_dev, uint16_t q);
int virtnet_rx_queue_stop(struct rte_eth_dev *eth_dev, uint16_t q);
int virtnet_tx_queue_start(struct rte_eth_dev *eth_dev, uint16_t q);
int virtnet_tx_queue_stop(struct rte_eth_dev *eth_dev, uint16_t q);

uint32_t virtnet_rx_queue_count(void *rxq);
int virtnet_rx_descriptor_status(void *rxq, uint16_t offset);
int virtnet_tx_descriptor_status(void *txq, uint16_t offset);
int virtnet_tx_done_cleanup(void *txq, uint32_t free_cnt);
int virtnet_priv_dump(struct rte_eth_dev *eth_dev, FILE *file);

#endif /* VIRTIO_QUEUE_OPS_H */
