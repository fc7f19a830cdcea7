/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#ifndef VIRTIO_USER_INTR_H
#define VIRTIO_USER_INTR_H

#include <ethdev_driver.h>

#include "../ethdev.h"

struct virtio_user_dev;

extern const struct virtnet_intr_ops virtio_user_intr_ops;

/* At probe: the port's interrupt handles; sets RTE_ETH_DEV_INTR_LSC where it applies. */
int virtio_user_intr_init(struct rte_eth_dev *eth_dev);

/* At close: frees what init allocated (NULL-safe). */
void virtio_user_intr_fini(struct virtio_user_dev *udev);

#endif /* VIRTIO_USER_INTR_H */
