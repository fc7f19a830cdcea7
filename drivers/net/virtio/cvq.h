/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The control virtqueue (VIRTIO_NET_F_CTRL_VQ, spec 5.1.6.5): one command at
 * a time, {class, command, data} out and one ack byte back. Transports that
 * answer commands themselves (virtio-user: the vhost backend never sees a
 * control queue) provide ctrl_command and need no ring.
 */

#ifndef VIRTIO_CVQ_H
#define VIRTIO_CVQ_H

#include <stddef.h>
#include <stdint.h>

#include <rte_memzone.h>
#include <rte_spinlock.h>

#include "virtqueue.h"

struct virtio_dev;

/* Command data up to this size (the RSS configuration is the largest). */
#define VIRTIO_CVQ_DATA_MAX 2048
/* How long a command may take before the device is declared unresponsive. */
#define VIRTIO_CVQ_TIMEOUT_MS 3000

struct virtio_cvq {
	struct virtqueue vq;
	const struct rte_memzone *mz;
	uint8_t *buf;          /* header and data, then the ack byte */
	uint64_t buf_dev_addr;
	rte_spinlock_t lock;   /* one command in flight, whoever calls */
	/* A command timed out: its buffer may still belong to the device. */
	bool stuck;
};

/* Ring memory plus the command buffer: what virtio_cvq_init lays out over `mem`. */
size_t virtio_cvq_mem_size(uint16_t size, bool packed);

/*
 * Lays out the control queue over `mz` (virtio_cvq_mem_size() bytes) as
 * virtqueue `index` of `size` entries. Returns 0 or -errno.
 */
int virtio_cvq_init(struct virtio_cvq *cvq, const struct rte_memzone *mz, uint16_t index,
		    uint16_t size, bool packed, bool use_va);
void virtio_cvq_fini(struct virtio_cvq *cvq);

/* Before each device start: an empty ring, and a timed-out command forgotten. */
void virtio_cvq_reset(struct virtio_cvq *cvq, bool event_idx);

/*
 * Sends one command and waits for the device's ack. Returns 0 (VIRTIO_NET_OK),
 * -EIO (the device answered VIRTIO_NET_ERR), -ETIMEDOUT, -EBUSY (an earlier
 * command timed out), -EPROTO (the device gave the buffer back without its
 * ack), -ENOTSUP (no control
 * queue negotiated) or -ENOTCONN (the device is not running). Every failure
 * is logged with the command's name.
 */
int virtio_cvq_command(struct virtio_dev *dev, uint8_t class, uint8_t cmd, const void *data,
		       size_t len);

/* "MQ_VQ_PAIRS_SET" and the like, for messages. */
const char *virtio_cvq_command_name(uint8_t class, uint8_t cmd);

#endif /* VIRTIO_CVQ_H */
