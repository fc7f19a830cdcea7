/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Per-port counters of invalid things a device or backend wrote outside the
 * Rx/Tx rings: control-queue answers, configuration-space values and (for
 * virtio-user) vhost-user replies. Each is an xstat (stats.c) and each fault
 * is logged through the port's rate limit (virtio_log.h). The datapath's own
 * faults are counted per queue (struct vq_device_errors).
 */

#ifndef VIRTIO_DEV_ERRORS_H
#define VIRTIO_DEV_ERRORS_H

#include <stdint.h>

#include "virtio_log.h"

/* Control queue and configuration space (any transport). */
struct virtio_dev_errors {
	uint64_t cvq_bad_used;   /* used entry naming no command, or a length other than 1 */
	uint64_t cvq_bad_ack;    /* ack byte neither VIRTIO_NET_OK nor VIRTIO_NET_ERR */
	uint64_t config_bad_mtu; /* VIRTIO_NET_F_MTU with mtu outside 68..65535 */
	uint64_t config_bad_max_pairs; /* VIRTIO_NET_F_MQ with max_virtqueue_pairs outside 1..0x8000 */
	uint64_t config_bad_mac; /* VIRTIO_NET_F_MAC with a multicast or all-zero address */
	uint64_t config_bad_status; /* status with bits the spec does not define */
	struct virtio_log_limit log_limit; /* one message per second for the port */
};

/* A vhost-user backend's replies (virtio-user); lives with the virtio-user device. */
struct virtio_backend_errors {
	uint64_t bad_reply;      /* header: request type, flags/version or size not as asked */
	uint64_t short_reply;    /* the connection ended or timed out inside a reply */
	uint64_t unexpected_fds; /* file descriptors attached to a reply (closed) */
	uint64_t bad_value;      /* a value out of range (queue count, ring index or base) */
	struct virtio_log_limit log_limit;
};

#endif /* VIRTIO_DEV_ERRORS_H */
