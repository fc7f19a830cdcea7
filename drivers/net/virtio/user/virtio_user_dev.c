/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <inttypes.h>
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

RTE_INIT(kick_eventfd_register)
{
	/* Secondary processes replace it with one that uses their own copies (user_mp.c). */
	vq_notify_register(VQ_NOTIFY_USER, kick_eventfd);
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
	if (ret == 0 && args->server && dev->ops != &vhost_user_backend_ops) {
		VIRTIO_LOG(ERR, "%s: devarg 'server': invalid value '1' with path '%s': server "
			   "mode exists only for a vhost-user socket; use server=0 with the %s "
			   "backend", name, args->path, dev->ops->name);
		ret = -EINVAL;
	}
	if (ret != 0)
		return ret;
	ret = dev->ops->setup(dev);
	if (ret != 0)
		return ret;
	ret = dev->ops->get_features(dev, &dev->backend_features);
	if (ret == -ENOTCONN && args->server) {
		dev->backend_features = VIRTIO_USER_SERVER_ASSUMED_FEATURES;
		ret = 0;
	} else if (ret == 0) {
		dev->link_up = true;
	}
	if (ret != 0) {
		dev->ops->destroy(dev);
		return ret;
	}
	pthread_mutex_init(&dev->lock, NULL);
	/*
	 * The configuration space is ours (the backend's is never asked for):
	 * it has no MTU to report, so VIRTIO_NET_F_MTU is not offered rather
	 * than offered with an mtu of 0 that the driver would have to refuse.
	 */
	dev->device_features = (dev->backend_features & ~VIRTIO_NET_FEATURES_NEEDING_CTRL_VQ &
				~VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) & ~VIRTIO_BIT(VIRTIO_NET_F_MTU)) |
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
release_rings(struct virtio_user_dev *dev)
{
	unsigned int i;

	for (i = 0; dev->backend_running && i < VIRTIO_USER_MAX_VQS; i++) {
		uint32_t base;

		if (dev->vqs[i] == NULL)
			continue;
		dev->ops->set_vring_enable(dev, i, 0);
		dev->ops->get_vring_base(dev, i, &base);
	}
	dev->backend_running = false;
}

static void
stop_backend(struct virtio_user_dev *dev)
{
	if (!dev->rings_ready)
		return;
	release_rings(dev);
	/* The datapath is stopped by now: nobody kicks a closed eventfd. */
	close_fds(dev);
	dev->rings_ready = false;
}

/*
 * The eventfds of every ring, made once per start: they outlive a backend
 * that goes away, so a datapath kicking on another lcore never writes to a
 * closed (or reused) descriptor, and the next backend gets the same ones.
 */
static int
prepare_rings(struct virtio_user_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_USER_MAX_VQS; i++) {
		struct virtqueue *vq = dev->vqs[i];

		if (vq == NULL)
			continue;
		if (dev->kickfds[i] < 0)
			dev->kickfds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dev->kickfds[i] < 0 || virtio_user_dev_callfd(dev, i) < 0) {
			VIRTIO_LOG(ERR, "%s: cannot create eventfds for queue %u: %s", dev->name,
				   i, strerror(errno));
			return -errno;
		}
		vq->notify_kind = VQ_NOTIFY_USER;
		vq->notify_cookie = &dev->kickfds[i];
	}
	dev->rings_ready = true;
	return 0;
}

static int
hand_over_ring(struct virtio_user_dev *dev, struct virtqueue *vq)
{
	struct vhost_ring_addrs addrs = {
		.index = vq->index,
		.desc = vq->desc_dev_addr,
		.avail = vq->avail_dev_addr,
		.used = vq->used_dev_addr,
	};
	/* Odd virtqueues transmit; only a Tx ring may see batched in-order completions. */
	bool tx_in_order = (vq->index & 1) && (dev->features & VIRTIO_BIT(VIRTIO_F_IN_ORDER));
	int ret;

	ret = dev->ops->set_vring_num(dev, vq->index, vq->size);
	/*
	 * A fresh ring gives 0 (split) or slot 0 with the wrap counter at 1
	 * (packed); a ring a lost backend left behind, where it got to.
	 */
	if (ret == 0)
		ret = dev->ops->set_vring_base(dev, vq->index, vq_resume_base(vq, tx_in_order));
	if (ret == 0)
		ret = dev->ops->set_vring_addr(dev, &addrs);
	/* The call fd first: a backend may treat the kick fd as "ring ready". */
	if (ret == 0)
		ret = dev->ops->set_vring_call(dev, vq->index, dev->callfds[vq->index]);
	if (ret == 0)
		ret = dev->ops->set_vring_kick(dev, vq->index, dev->kickfds[vq->index]);
	return ret;
}

/* Features, memory table and every ring, to the backend connected now. */
static int
hand_over(struct virtio_user_dev *dev)
{
	struct vhost_mem_region regions[VHOST_BACKEND_MAX_MEM_REGIONS];
	uint64_t wanted = dev->features & ~VIRTIO_USER_EMULATED_FEATURES;
	unsigned int nregions, i;
	int ret;

	if (wanted & ~dev->backend_features) {
		VIRTIO_LOG(ERR, "%s: the vhost-user backend does not offer features 0x%" PRIx64
			   " that the port negotiated (backend offers 0x%" PRIx64 "); reconfigure "
			   "the port (port stop, port config, port start) or start the backend "
			   "with them", dev->name, wanted & ~dev->backend_features,
			   dev->backend_features);
		return -ENOTSUP;
	}
	ret = dev->ops->set_features(dev, wanted);
	if (ret == 0)
		ret = virtio_user_dev_mem_regions(dev, regions, &nregions);
	if (ret == 0)
		ret = dev->ops->set_mem_table(dev, regions, nregions);
	if (ret != 0)
		return ret;
	dev->backend_running = true; /* from here on, stop_backend() undoes */
	for (i = 0; ret == 0 && i < VIRTIO_USER_MAX_VQS; i++)
		if (dev->vqs[i] != NULL)
			ret = hand_over_ring(dev, dev->vqs[i]);
	/* The pairs in use: after a reconnect, those MQ_VQ_PAIRS_SET chose before. */
	if (ret == 0)
		ret = virtio_user_dev_enable_pairs(dev, dev->enabled_pairs);
	if (ret != 0)
		release_rings(dev);
	return ret;
}

static bool
connection_lost(struct virtio_user_dev *dev)
{
	return dev->ops->connection_lost != NULL && dev->ops->connection_lost(dev);
}

static int
start_backend(struct virtio_user_dev *dev)
{
	int ret = prepare_rings(dev);

	/* A multi-queue device starts with one pair; MQ_VQ_PAIRS_SET adds the others. */
	dev->enabled_pairs = dev->features & VIRTIO_BIT(VIRTIO_NET_F_MQ) ?
				     1 : dev->config.max_virtqueue_pairs;
	if (ret != 0) {
		stop_backend(dev);
		return ret;
	}
	/* Secondary processes hold copies of the kick fds: tell them these are new. */
	__atomic_fetch_add(&dev->kick_gen, 1, __ATOMIC_RELEASE);
	/* Server mode: the backend gets the rings when it connects. */
	if (dev->args.server && connection_lost(dev)) {
		VIRTIO_LOG(NOTICE, "%s: started with link down: no vhost-user backend is "
			   "connected to '%s'", dev->name, dev->args.path);
		__atomic_store_n(&dev->link_up, false, __ATOMIC_RELEASE);
		return 0;
	}
	ret = hand_over(dev);
	if (ret != 0 && dev->args.server && connection_lost(dev)) {
		/* It went away during the handover: the next one gets the rings. */
		__atomic_store_n(&dev->link_up, false, __ATOMIC_RELEASE);
		return 0;
	}
	if (ret != 0)
		stop_backend(dev);
	return ret;
}

int
virtio_user_dev_set_status(struct virtio_user_dev *dev, uint8_t status)
{
	int ret = 0;

	pthread_mutex_lock(&dev->lock);
	if (status == VIRTIO_STATUS_RESET) {
		stop_backend(dev);
	} else if ((status & VIRTIO_STATUS_DRIVER_OK) && !(dev->status & VIRTIO_STATUS_DRIVER_OK)) {
		ret = start_backend(dev);
		if (ret != 0) {
			/* Earlier messages name the request; this one says what it means. */
			VIRTIO_LOG(ERR, "%s: cannot start the vhost backend: %s%s", dev->name,
				   strerror(-ret), ret == -ENOTCONN ? " (the connection was lost "
				   "earlier; close the port and probe it again, or use server=1 "
				   "so that the backend can reconnect)" : "");
			status |= VIRTIO_STATUS_FAILED;
		}
	}
	if (dev->ops->set_status != NULL && dev->backend_running)
		dev->ops->set_status(dev, status);
	dev->status = status;
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

bool
virtio_user_dev_backend_lost(struct virtio_user_dev *dev)
{
	bool was_up;

	pthread_mutex_lock(&dev->lock);
	/* The rings stay ours as they are: the next backend resumes them. */
	dev->backend_running = false;
	was_up = __atomic_exchange_n(&dev->link_up, false, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&dev->lock);
	return was_up;
}

int
virtio_user_dev_backend_connected(struct virtio_user_dev *dev, bool *link_changed)
{
	uint64_t features = 0;
	int ret;

	*link_changed = false;
	pthread_mutex_lock(&dev->lock);
	ret = dev->ops->accept_conn(dev);
	if (ret == 0)
		ret = dev->ops->get_features(dev, &features);
	if (ret == 0) {
		dev->backend_features = features;
		/* A stopped port hands the rings over at its next start. */
		if (dev->rings_ready && (dev->status & VIRTIO_STATUS_DRIVER_OK))
			ret = hand_over(dev);
	}
	if (ret == 0)
		*link_changed = !__atomic_exchange_n(&dev->link_up, true, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

bool
virtio_user_dev_link_up(struct virtio_user_dev *dev)
{
	if (dev->args.server)
		return __atomic_load_n(&dev->link_up, __ATOMIC_ACQUIRE);
	/* Client mode: a backend that went away takes the link with it for good. */
	return !connection_lost(dev);
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
	if (dev->ops != NULL && dev->backend != NULL) {
		dev->ops->destroy(dev);
		pthread_mutex_destroy(&dev->lock);
	}
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
