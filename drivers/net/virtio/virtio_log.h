/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#ifndef VIRTIO_LOG_H
#define VIRTIO_LOG_H

#include <inttypes.h>

#include <rte_log.h>

/* Dynamic log types pmd.net.virtio.init (control path) and pmd.net.virtio.driver. */
extern int virtio_logtype_init;
extern int virtio_logtype_driver;

#define VIRTIO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, virtio_logtype_init, "VIRTIO: " fmt "\n", ##__VA_ARGS__)

#define VIRTIO_DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, virtio_logtype_driver, "VIRTIO: " fmt "\n", ##__VA_ARGS__)

#endif /* VIRTIO_LOG_H */
