/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* virtio-user in secondary processes: forwarding the kick eventfds (user_mp.c). */

#ifndef VIRTIO_USER_MP_H
#define VIRTIO_USER_MP_H

#include <ethdev_driver.h>

/* Primary: answers secondaries that ask for kick fds (once for all ports). */
int virtio_user_mp_primary_init(void);

/* Secondary: installs this process's doorbell, which uses copies of the primary's fds. */
int virtio_user_mp_secondary_attach(struct rte_eth_dev *eth_dev);

/* Secondary: closes this process's copies. */
void virtio_user_mp_secondary_detach(struct rte_eth_dev *eth_dev);

#endif /* VIRTIO_USER_MP_H */
