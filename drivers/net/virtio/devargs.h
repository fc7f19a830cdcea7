/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Device arguments: one table describes every key both device kinds accept. */

#ifndef VIRTIO_DEVARGS_H
#define VIRTIO_DEVARGS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

/* Which device kinds accept a key. */
#define VIRTIO_DEVARG_USER 0x1 /* virtio-user vdev */
#define VIRTIO_DEVARG_PCI  0x2 /* virtio-net PCI device */

/* Longest path a unix socket address can hold (sun_path minus the NUL). */
#define VIRTIO_USER_PATH_MAX 107
/* Queue pairs a virtio-user port may ask for. */
#define VIRTIO_USER_MAX_QUEUE_PAIRS 128

struct virtio_devargs {
	char path[VIRTIO_USER_PATH_MAX + 1];
	char iface[IFNAMSIZ];
	struct rte_ether_addr mac;
	bool mac_given;
	bool cq;
	uint32_t queue_size;
	uint32_t queues;
	bool server;
	bool mrg_rxbuf;
	bool in_order;
	bool packed_vq;
	uint32_t speed; /* RTE_ETH_SPEED_NUM_* in Mbps, or RTE_ETH_SPEED_NUM_UNKNOWN */
	bool vectorized;
	bool vdpa;
};

/*
 * Parses `args` ("k=v,k=v") for a device of `kind`, named `dev_name` in
 * messages. Every value is checked against the table; on the first problem
 * writes one message naming the key, the value and what is allowed into
 * `err` and returns -EINVAL. Defaults fill everything not given.
 */
int virtio_devargs_parse(const char *dev_name, const char *args, unsigned int kind,
			 struct virtio_devargs *out, char *err, size_t err_len);

#endif /* VIRTIO_DEVARGS_H */
