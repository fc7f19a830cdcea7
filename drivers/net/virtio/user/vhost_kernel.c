/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * vhost-kernel backend: the kernel's vhost-net serves the rings and moves
 * packets to and from a tap interface. vhost-net handles one queue pair per
 * open file, so queue pair P is served by its own /dev/vhost-net fd (rings
 * 0 and 1 of that fd) and its own tap queue. The kernel runs in our address
 * space: ring and buffer addresses are our virtual addresses, and the memory
 * table needs no file descriptors.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * The vhost UAPI pulls in the kernel's ring layout, which virtio_spec.h
 * defines for the whole driver: keep the kernel's copy out, nothing here
 * needs it.
 */
#define _LINUX_VIRTIO_RING_H
#include <linux/vhost.h>

#include <rte_common.h>

#include "../virtio_log.h"
#include "../virtio_spec.h"
#include "vhost_kernel_tap.h"
#include "virtio_user_dev.h"

/*
 * vhost bits that are not device features: dirty logging (26) and
 * VHOST_NET_F_VIRTIO_NET_HDR (27, vhost adding the header itself; the tap
 * does it here). The IOMMU path (ACCESS_PLATFORM) is not used: the kernel
 * reads our memory through the table.
 */
#define VHOST_KERNEL_F_LOG_ALL 26
#define VHOST_KERNEL_F_NET_HDR 27
#define VHOST_KERNEL_HIDDEN_FEATURES                                                  \
	(VIRTIO_BIT(VHOST_KERNEL_F_LOG_ALL) | VIRTIO_BIT(VHOST_KERNEL_F_NET_HDR) | \
	 VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM))

struct vhost_kernel {
	unsigned int npairs;
	uint64_t vhost_features; /* what vhost-net offers, hidden bits removed */
	struct vhost_kernel_tap tap;
	int *vhostfds;           /* one per queue pair */
	bool *ring_on;           /* VHOST_NET_SET_BACKEND done, per ring */
};

static struct vhost_kernel *
state_of(struct virtio_user_dev *dev)
{
	return dev->backend;
}

static int
vk_ioctl(struct virtio_user_dev *dev, int fd, unsigned long req, void *arg, const char *what,
	 int ring)
{
	int err;

	if (ioctl(fd, req, arg) == 0)
		return 0;
	err = errno;
	if (ring >= 0)
		VIRTIO_LOG(ERR, "%s: vhost-kernel %s on ring %d failed: %s", dev->name, what, ring,
			   strerror(err));
	else
		VIRTIO_LOG(ERR, "%s: vhost-kernel %s failed: %s", dev->name, what, strerror(err));
	return -err;
}

/* The fd serving ring `index` and the ring's number within it (0 Rx, 1 Tx). */
static int
ring_fd(struct virtio_user_dev *dev, uint32_t index, unsigned int *local)
{
	struct vhost_kernel *vk = state_of(dev);

	if (index / 2 >= vk->npairs) {
		VIRTIO_LOG(ERR, "%s: vhost-kernel: ring %u is beyond the %u queue pairs opened "
			   "(devarg 'queues')", dev->name, index, vk->npairs);
		return -EINVAL;
	}
	*local = index % 2;
	return vk->vhostfds[index / 2];
}

static void
vk_destroy(struct virtio_user_dev *dev)
{
	struct vhost_kernel *vk = state_of(dev);
	unsigned int p;

	if (vk == NULL)
		return;
	/* vhost first: it holds references to the tap queues it serves. */
	for (p = 0; vk->vhostfds != NULL && p < vk->npairs; p++)
		if (vk->vhostfds[p] >= 0)
			close(vk->vhostfds[p]);
	vhost_kernel_tap_close(&vk->tap);
	free(vk->vhostfds);
	free(vk->ring_on);
	free(vk);
	dev->backend = NULL;
}

static int
open_vhost(struct virtio_user_dev *dev, unsigned int pair)
{
	int fd = open(dev->args.path, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0) {
		err = errno;
		VIRTIO_LOG(ERR, "%s: cannot open '%s' for queue pair %u: %s; %s", dev->name,
			   dev->args.path, pair, strerror(err),
			   err == EACCES || err == EPERM ?
			   "run as root or give this user read/write access to it" :
			   err == ENOENT || err == ENODEV ? "load the vhost_net module "
			   "(modprobe vhost_net)" : "check that it is the vhost-net device");
		return -err;
	}
	/* Binds the device to this process: its memory and its worker thread. */
	err = vk_ioctl(dev, fd, VHOST_SET_OWNER, NULL, "SET_OWNER", -1);
	if (err != 0) {
		close(fd);
		return err;
	}
	return fd;
}

static int
vk_setup(struct virtio_user_dev *dev)
{
	unsigned int npairs = dev->args.queues, p;
	struct vhost_kernel *vk = calloc(1, sizeof(*vk));
	uint64_t features;
	int ret = 0;

	if (vk == NULL)
		return -ENOMEM;
	dev->backend = vk;
	vk->vhostfds = malloc(sizeof(*vk->vhostfds) * npairs);
	vk->ring_on = calloc(2 * npairs, sizeof(*vk->ring_on));
	if (vk->vhostfds == NULL || vk->ring_on == NULL) {
		vk_destroy(dev);
		return -ENOMEM;
	}
	vk->npairs = npairs;
	for (p = 0; p < npairs; p++)
		vk->vhostfds[p] = -1;
	for (p = 0; p < npairs && ret == 0; p++) {
		ret = open_vhost(dev, p);
		if (ret >= 0) {
			vk->vhostfds[p] = ret;
			ret = 0;
		}
	}
	if (ret == 0)
		ret = vk_ioctl(dev, vk->vhostfds[0], VHOST_GET_FEATURES, &features, "GET_FEATURES",
			       -1);
	if (ret == 0) {
		vk->vhost_features = features & ~VHOST_KERNEL_HIDDEN_FEATURES;
		ret = vhost_kernel_tap_open(&vk->tap, dev->name, dev->args.iface, npairs);
	}
	if (ret != 0)
		vk_destroy(dev);
	return ret;
}

static int
vk_get_features(struct virtio_user_dev *dev, uint64_t *features)
{
	*features = state_of(dev)->vhost_features | vhost_kernel_tap_offered_features();
	return 0;
}

static int
vk_set_features(struct virtio_user_dev *dev, uint64_t features)
{
	struct vhost_kernel *vk = state_of(dev);
	/* The tap's share of the features goes to the tap, the rest to vhost-net. */
	uint64_t vhost = features & vk->vhost_features;
	unsigned int p;
	int ret;

	for (p = 0; p < vk->npairs; p++) {
		ret = vk_ioctl(dev, vk->vhostfds[p], VHOST_SET_FEATURES, &vhost, "SET_FEATURES",
			       -1);
		if (ret != 0)
			return ret;
	}
	return vhost_kernel_tap_configure(&vk->tap, dev->name, virtio_net_hdr_size(features),
					  features);
}

static int
vk_set_mem_table(struct virtio_user_dev *dev, const struct vhost_mem_region *regions,
		 unsigned int nregions)
{
	struct vhost_kernel *vk = state_of(dev);
	struct vhost_memory *mem;
	unsigned int i, p;
	int ret = 0;

	mem = calloc(1, sizeof(*mem) + sizeof(mem->regions[0]) * nregions);
	if (mem == NULL)
		return -ENOMEM;
	mem->nregions = nregions;
	for (i = 0; i < nregions; i++) {
		mem->regions[i].guest_phys_addr = regions[i].guest_addr;
		mem->regions[i].memory_size = regions[i].size;
		mem->regions[i].userspace_addr = regions[i].user_addr;
	}
	for (p = 0; p < vk->npairs && ret == 0; p++) {
		ret = vk_ioctl(dev, vk->vhostfds[p], VHOST_SET_MEM_TABLE, mem, "SET_MEM_TABLE", -1);
		if (ret == -E2BIG || ret == -ENOMEM)
			VIRTIO_LOG(ERR, "%s: the memory table has %u regions; vhost-net takes at "
				   "most its max_mem_regions module parameter (64 by default)",
				   dev->name, nregions);
	}
	free(mem);
	return ret;
}

static int
set_state(struct virtio_user_dev *dev, unsigned long req, const char *what, uint32_t index,
	  uint32_t num)
{
	struct vhost_vring_state state = { .num = num };
	unsigned int local;
	int fd = ring_fd(dev, index, &local);

	if (fd < 0)
		return fd;
	state.index = local;
	return vk_ioctl(dev, fd, req, &state, what, (int)index);
}

static int
vk_set_vring_num(struct virtio_user_dev *dev, uint32_t index, uint32_t num)
{
	return set_state(dev, VHOST_SET_VRING_NUM, "SET_VRING_NUM", index, num);
}

static int
vk_set_vring_base(struct virtio_user_dev *dev, uint32_t index, uint32_t base)
{
	return set_state(dev, VHOST_SET_VRING_BASE, "SET_VRING_BASE", index, base);
}

static int
vk_get_vring_base(struct virtio_user_dev *dev, uint32_t index, uint32_t *base)
{
	struct vhost_vring_state state = { 0 };
	unsigned int local;
	int fd = ring_fd(dev, index, &local);
	int ret;

	if (fd < 0)
		return fd;
	state.index = local;
	ret = vk_ioctl(dev, fd, VHOST_GET_VRING_BASE, &state, "GET_VRING_BASE", (int)index);
	if (ret == 0)
		*base = state.num;
	return ret;
}

static int
vk_set_vring_addr(struct virtio_user_dev *dev, const struct vhost_ring_addrs *a)
{
	struct vhost_vring_addr addr = {
		.desc_user_addr = a->desc,
		.avail_user_addr = a->avail,
		.used_user_addr = a->used,
	};
	unsigned int local;
	int fd = ring_fd(dev, a->index, &local);

	if (fd < 0)
		return fd;
	addr.index = local;
	return vk_ioctl(dev, fd, VHOST_SET_VRING_ADDR, &addr, "SET_VRING_ADDR", (int)a->index);
}

static int
set_file(struct virtio_user_dev *dev, unsigned long req, const char *what, uint32_t index,
	 int file)
{
	struct vhost_vring_file f = { .fd = file };
	unsigned int local;
	int fd = ring_fd(dev, index, &local);

	if (fd < 0)
		return fd;
	f.index = local;
	return vk_ioctl(dev, fd, req, &f, what, (int)index);
}

static int
vk_set_vring_kick(struct virtio_user_dev *dev, uint32_t index, int fd)
{
	return set_file(dev, VHOST_SET_VRING_KICK, "SET_VRING_KICK", index, fd);
}

static int
vk_set_vring_call(struct virtio_user_dev *dev, uint32_t index, int fd)
{
	return set_file(dev, VHOST_SET_VRING_CALL, "SET_VRING_CALL", index, fd);
}

/*
 * A ring runs once vhost-net has a tap queue to move its packets to or from.
 * The pair's tap queue is attached while either ring runs, so the kernel
 * steers traffic only to queues that are served.
 */
static int
vk_set_vring_enable(struct virtio_user_dev *dev, uint32_t index, int enable)
{
	struct vhost_kernel *vk = state_of(dev);
	unsigned int pair = index / 2;
	int ret;

	if (pair >= vk->npairs)
		return set_file(dev, VHOST_NET_SET_BACKEND, "NET_SET_BACKEND", index, -1);
	if (enable) {
		ret = vhost_kernel_tap_enable_queue(&vk->tap, dev->name, pair, true);
		if (ret == 0)
			ret = set_file(dev, VHOST_NET_SET_BACKEND, "NET_SET_BACKEND", index,
				       vk->tap.fds[pair]);
		vk->ring_on[index] = ret == 0;
		return ret;
	}
	ret = set_file(dev, VHOST_NET_SET_BACKEND, "NET_SET_BACKEND", index, -1);
	vk->ring_on[index] = false;
	if (!vk->ring_on[2 * pair] && !vk->ring_on[2 * pair + 1]) {
		int r = vhost_kernel_tap_enable_queue(&vk->tap, dev->name, pair, false);

		if (ret == 0)
			ret = r;
	}
	return ret;
}

const struct vhost_backend_ops vhost_kernel_backend_ops = {
	.name = "vhost-kernel",
	.max_mem_regions = VHOST_BACKEND_MAX_MEM_REGIONS,
	.mem_needs_fd = false,
	.setup = vk_setup,
	.destroy = vk_destroy,
	.get_features = vk_get_features,
	.set_features = vk_set_features,
	.set_mem_table = vk_set_mem_table,
	.set_vring_num = vk_set_vring_num,
	.set_vring_base = vk_set_vring_base,
	.get_vring_base = vk_get_vring_base,
	.set_vring_addr = vk_set_vring_addr,
	.set_vring_kick = vk_set_vring_kick,
	.set_vring_call = vk_set_vring_call,
	.set_vring_enable = vk_set_vring_enable,
	.set_status = NULL,
};
