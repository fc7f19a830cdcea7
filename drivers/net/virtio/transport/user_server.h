/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#ifndef VIRTIO_USER_SERVER_H
#define VIRTIO_USER_SERVER_H

#include <ethdev_driver.h>

struct virtio_user_dev;

/* At probe, server=1 only: watch the listening socket and the connection. */
int virtio_user_server_init(struct rte_eth_dev *eth_dev);

/* At close, before the backend is destroyed (NULL handles are fine). */
void virtio_user_server_fini(struct virtio_user_dev *udev);

#endif /* VIRTIO_USER_SERVER_H */
