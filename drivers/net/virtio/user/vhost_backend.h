/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * What a virtio-user device needs from a vhost backend: vhost-user (a unix
 * socket) and vhost-kernel (/dev/vhost-net with a tap); vhost-vdpa would plug
 * in here too.
 */

#ifndef VHOST_BACKEND_H
#define VHOST_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

struct virtio_user_dev;

/* One region of our memory the backend maps (VA doubles as the "guest" address). */
struct vhost_mem_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
	int fd;
};

/* Regions a vhost-user message carries (one fd each). */
#define VHOST_MAX_MEM_REGIONS 8
/* The largest table any backend takes: vhost-net's default max_mem_regions. */
#define VHOST_BACKEND_MAX_MEM_REGIONS 64

struct vhost_ring_addrs {
	uint32_t index;
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
};

struct vhost_backend_ops {
	const char *name;
	/* Memory table limits: how many regions, and whether each needs a file to share. */
	unsigned int max_mem_regions;
	bool mem_needs_fd;
	/* Opens the connection and takes ownership of the device. */
	int (*setup)(struct virtio_user_dev *dev);
	void (*destroy)(struct virtio_user_dev *dev);
	int (*get_features)(struct virtio_user_dev *dev, uint64_t *features);
	int (*set_features)(struct virtio_user_dev *dev, uint64_t features);
	int (*set_mem_table)(struct virtio_user_dev *dev, const struct vhost_mem_region *regions,
			     unsigned int nregions);
	int (*set_vring_num)(struct virtio_user_dev *dev, uint32_t index, uint32_t num);
	int (*set_vring_base)(struct virtio_user_dev *dev, uint32_t index, uint32_t base);
	/* Stops the ring and returns where the backend got to. */
	int (*get_vring_base)(struct virtio_user_dev *dev, uint32_t index, uint32_t *base);
	int (*set_vring_addr)(struct virtio_user_dev *dev, const struct vhost_ring_addrs *addrs);
	int (*set_vring_kick)(struct virtio_user_dev *dev, uint32_t index, int fd);
	int (*set_vring_call)(struct virtio_user_dev *dev, uint32_t index, int fd);
	/* Starts (enable=1) or stops the backend on one ring after its setup. */
	int (*set_vring_enable)(struct virtio_user_dev *dev, uint32_t index, int enable);
	/* Optional: forwards the device status (NULL when the backend has no such notion). */
	int (*set_status)(struct virtio_user_dev *dev, uint8_t status);
	/*
	 * Optional: the connection whose end means the backend went away (the
	 * vhost-user socket), and the check that it did (peer closed or reset).
	 */
	int (*conn_fd)(struct virtio_user_dev *dev);
	bool (*connection_lost)(struct virtio_user_dev *dev);
	/*
	 * Optional, server mode (vhost-user server=1): the listening socket
	 * (-1 otherwise), and taking the connection waiting on it: the handshake
	 * (owner, features, protocol features) runs again on the new socket.
	 */
	int (*listen_fd)(struct virtio_user_dev *dev);
	int (*accept_conn)(struct virtio_user_dev *dev);
};

extern const struct vhost_backend_ops vhost_user_backend_ops;
extern const struct vhost_backend_ops vhost_kernel_backend_ops;

#endif /* VHOST_BACKEND_H */
