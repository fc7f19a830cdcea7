/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal_memconfig.h>
#include <rte_memory.h>

#include "../virtio_log.h"
#include "virtio_user_dev.h"

static void
kick_eventfd(struct virtqueue *vq)
{
	const uint64_t one = 1;
	int fd = *(int *)vq->notify_cookie;

	/* A full counter or a closed backend only loses a wake-up: it polls anyway. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

/*
 * The path says which backend serves the device: a character device is a
 * vhost kernel driver, anything else is taken for a vhost-user socket (whose
 * connect() then explains what is wrong with it).
 */
static int
select_backend(struct virtio_user_dev *dev)
{
	const char *path = dev->args.path;
	const char *base = strrchr(path, '/');
	struct stat st;
	int found;

	base = base != NULL ? base + 1 : path;
	if (strncmp(base, "vhost-vdpa", 10) == 0) {
		VIRTIO_LOG(ERR, "%s: devarg 'path': invalid value '%s': the vhost-vdpa backend is "
			   "not supported by this driver; allowed is a vhost-user socket or "
			   "/dev/vhost-net", dev->name, path);
		return -ENOTSUP;
	}
	found = stat(path, &st) == 0 ? 0 : errno;
	if (found == 0 && S_ISCHR(st.st_mode)) {
		dev->ops = &vhost_kernel_backend_ops;
		return 0;
	}
	if (strncmp(path, "/dev/", 5) == 0 && found == ENOENT) {
		VIRTIO_LOG(ERR, "%s: devarg 'path': '%s' does not exist; for the vhost-kernel "
			   "backend load the vhost_net module (modprobe vhost_net)", dev->name, path);
		return -ENOENT;
	}
	if (dev->args.iface[0] != '\0') {
		/* A vhost-user port has no kernel interface to name: refuse rather than ignore. */
		VIRTIO_LOG(ERR, "%s: devarg 'iface': invalid value '%s': allowed only with the "
			   "vhost-kernel backend (path=/dev/vhost-net); '%s' is not a character "
			   "device", dev->name, dev->args.iface, path);
		return -EINVAL;
	}
	dev->ops = &vhost_user_backend_ops;
	return 0;
}

int
virtio_user_dev_init(struct virtio_user_dev *dev, const char *name,
		     const struct virtio_devargs *args)
{
	unsigned int i;
	int ret;

	memset(dev, 0, sizeof(*dev));
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->args = *args;
	for (i = 0; i < VIRTIO_USER_MAX_VQS; i++) {
		dev->kickfds[i] = -1;
		dev->callfds[i] = -1;
	}
	ret = select_backend(dev);
	if (ret != 0)
		return ret;
	ret = dev->ops->setup(dev);
	if (ret != 0)
		return ret;
	ret = dev->ops->get_features(dev, &dev->backend_features);
	if (ret != 0) {
		dev->ops->destroy(dev);
		return ret;
	}
	dev->device_features = (dev->backend_features & ~VIRTIO_NET_FEATURES_NEEDING_CTRL_VQ &
				~VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)) |
			       VIRTIO_USER_EMULATED_FEATURES;
	if (!args->cq)
		dev->device_features &= ~VIRTIO_USER_CTRL_FEATURES;

	memcpy(dev->config.mac, args->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	dev->config.status = VIRTIO_NET_S_LINK_UP;
	dev->config.max_virtqueue_pairs = (uint16_t)args->queues;
	dev->config.speed = args->speed;
	dev->config.duplex = 1;
	return 0;
}

static void
close_fds(struct virtio_user_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_USER_MAX_VQS; i++) {
		if (dev->kickfds[i] >= 0)
			close(dev->kickfds[i]);
		if (dev->callfds[i] >= 0)
			close(dev->callfds[i]);
		dev->kickfds[i] = -1;
		dev->callfds[i] = -1;
	}
}

/* Stops every ring; GET_VRING_BASE is what tells a vhost backend to let go. */
static void
stop_backend(struct virtio_user_dev *dev)
{
	unsigned int i;

	if (!dev->backend_running)
		return;
	for (i = 0; i < VIRTIO_USER_MAX_VQS; i++) {
		uint32_t base;

		/* Only rings that got as far as their eventfds were handed over. */
		if (dev->vqs[i] == NULL || dev->kickfds[i] < 0)
			continue;
		dev->ops->set_vring_enable(dev, i, 0);
		dev->ops->get_vring_base(dev, i, &base);
	}
	close_fds(dev);
	dev->backend_running = false;
}

static int
start_ring(struct virtio_user_dev *dev, struct virtqueue *vq)
{
	struct vhost_ring_addrs addrs = {
		.index = vq->index,
		.desc = vq->desc_dev_addr,
		.avail = vq->avail_dev_addr,
		.used = vq->used_dev_addr,
	};
	int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int call = virtio_user_dev_callfd(dev, vq->index);
	int ret;

	dev->kickfds[vq->index] = kick;
	if (kick < 0 || call < 0) {
		VIRTIO_LOG(ERR, "%s: cannot create eventfds for queue %u: %s", dev->name,
			   vq->index, strerror(errno));
		return -errno;
	}
	vq->notify = kick_eventfd;
	vq->notify_cookie = &dev->kickfds[vq->index];

	ret = dev->ops->set_vring_num(dev, vq->index, vq->size);
	/* Packed rings start at slot 0 with both wrap counters at 1 (bit 15). */
	if (ret == 0)
		ret = dev->ops->set_vring_base(dev, vq->index, vq->packed ? 1u << 15 : 0);
	if (ret == 0)
		ret = dev->ops->set_vring_addr(dev, &addrs);
	/* The call fd first: a backend may treat the kick fd as "ring ready". */
	if (ret == 0)
		ret = dev->ops->set_vring_call(dev, vq->index, call);
	if (ret == 0)
		ret = dev->ops->set_vring_kick(dev, vq->index, kick);
	return ret;
}

static int
start_backend(struct virtio_user_dev *dev)
{
	struct vhost_mem_region regions[VHOST_BACKEND_MAX_MEM_REGIONS];
	unsigned int nregions, i;
	int ret;

	ret = dev->ops->set_features(dev, dev->features & ~VIRTIO_USER_EMULATED_FEATURES);
	if (ret == 0)
		ret = virtio_user_dev_mem_regions(dev, regions, &nregions);
	if (ret == 0)
		ret = dev->ops->set_mem_table(dev, regions, nregions);
	if (ret != 0)
		return ret;
	dev->backend_running = true; /* from here on, stop_backend() undoes */
	for (i = 0; ret == 0 && i < VIRTIO_USER_MAX_VQS; i++)
		if (dev->vqs[i] != NULL)
			ret = start_ring(dev, dev->vqs[i]);
	/* A multi-queue device starts with one pair; MQ_VQ_PAIRS_SET adds the others. */
	if (ret == 0)
		ret = virtio_user_dev_enable_pairs(dev, dev->features & VIRTIO_BIT(VIRTIO_NET_F_MQ) ?
						   1 : dev->config.max_virtqueue_pairs);
	if (ret != 0)
		stop_backend(dev);
	return ret;
}

int
virtio_user_dev_set_status(struct virtio_user_dev *dev, uint8_t status)
{
	int ret = 0;

	if (status == VIRTIO_STATUS_RESET) {
		stop_backend(dev);
	} else if ((status & VIRTIO_STATUS_DRIVER_OK) && !(dev->status & VIRTIO_STATUS_DRIVER_OK)) {
		ret = start_backend(dev);
		if (ret != 0) {
			/* Earlier messages name the request; this one says what it means. */
			VIRTIO_LOG(ERR, "%s: cannot start the vhost backend: %s%s", dev->name,
				   strerror(-ret), ret == -ENOTCONN ? " (the connection was lost "
				   "earlier; close the port and probe it again)" : "");
			status |= VIRTIO_STATUS_FAILED;
		}
	}
	if (dev->ops->set_status != NULL && dev->backend_running)
		dev->ops->set_status(dev, status);
	dev->status = status;
	return ret;
}

int
virtio_user_dev_callfd(struct virtio_user_dev *dev, uint16_t index)
{
	if (index >= VIRTIO_USER_MAX_VQS)
		return -1;
	if (dev->callfds[index] < 0)
		dev->callfds[index] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return dev->callfds[index];
}

int
virtio_user_dev_add_queue(struct virtio_user_dev *dev, struct virtqueue *vq)
{
	if (vq->index >= VIRTIO_USER_MAX_VQS)
		return -EINVAL;
	dev->vqs[vq->index] = vq;
	return 0;
}

void
virtio_user_dev_remove_queue(struct virtio_user_dev *dev, struct virtqueue *vq)
{
	if (vq->index < VIRTIO_USER_MAX_VQS && dev->vqs[vq->index] == vq)
		dev->vqs[vq->index] = NULL;
}

void
virtio_user_dev_uninit(struct virtio_user_dev *dev)
{
	stop_backend(dev);
	if (dev->ops != NULL && dev->backend != NULL)
		dev->ops->destroy(dev);
}

struct mem_walk {
	struct vhost_mem_region *regions;
	unsigned int max;
	bool needs_fd;
	unsigned int n;
	unsigned int needed; /* regions a complete table would need */
	const void *no_fd_addr;
};

/* Called with the memory lock held: only the _thread_unsafe getters are allowed. */
static int
add_segment(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	struct mem_walk *w = arg;
	struct vhost_mem_region *last = w->n > 0 ? &w->regions[w->n - 1] : NULL;
	size_t offset;
	int fd;

	if (msl->external)
		return 0;
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0 || rte_memseg_get_fd_offset_thread_unsafe(ms, &offset) < 0) {
		if (w->needs_fd) {
			w->no_fd_addr = ms->addr;
			return 1;
		}
		fd = -1;
		offset = 0;
	}
	/* A backend in our own kernel maps nothing: address contiguity is all that counts. */
	if (last != NULL && last->user_addr + last->size == ms->addr_64 &&
	    (!w->needs_fd || (last->fd == fd && last->mmap_offset + last->size == offset))) {
		last->size += ms->len;
		return 0;
	}
	w->needed++;
	if (w->n == w->max)
		return 0; /* keep counting for the message */
	w->regions[w->n++] = (struct vhost_mem_region){
		.guest_addr = ms->addr_64,
		.user_addr = ms->addr_64,
		.size = ms->len,
		.mmap_offset = offset,
		.fd = fd,
	};
	return 0;
}

int
virtio_user_dev_mem_regions(struct virtio_user_dev *dev, struct vhost_mem_region *regions,
			    unsigned int *nregions)
{
	struct mem_walk w = {
		.regions = regions,
		.max = RTE_MIN(dev->ops->max_mem_regions, (unsigned int)VHOST_BACKEND_MAX_MEM_REGIONS),
		.needs_fd = dev->ops->mem_needs_fd,
	};

	rte_memseg_walk(add_segment, &w);
	if (w.no_fd_addr != NULL) {
		VIRTIO_LOG(ERR, "%s: memory at %p has no file to share with the vhost backend; "
			   "virtio-user needs hugepage memory backed by files (do not use "
			   "--no-huge or --huge-unlink)", dev->name, w.no_fd_addr);
		return -ENOTSUP;
	}
	if (w.needed > w.max) {
		VIRTIO_LOG(ERR, "%s: DPDK memory is split into %u regions but a %s backend "
			   "accepts at most %u; %s", dev->name, w.needed, dev->ops->name, w.max,
			   w.needs_fd ? "add --single-file-segments to the EAL arguments (alone or "
			   "with --in-memory)" : "reserve less memory (-m) or use larger hugepages");
		return -E2BIG;
	}
	*nregions = w.n;
	return 0;
}
