/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rte_common.h>

#include "../virtio_log.h"
#include "../virtio_spec.h"
#include "vhost_kernel_tap.h"

#define TUN_DEVICE "/dev/net/tun"

/* Offloads the tap implements whatever the kernel: checksum and TSO both ways. */
uint64_t
vhost_kernel_tap_offered_features(void)
{
	return VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
	       VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6) |
	       VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6);
}

/*
 * TUNSETOFFLOAD names what the reader of the tap (our Rx) accepts, so only
 * the GUEST_* features count. The kernel ignores TSO without checksum
 * offload, hence nothing without GUEST_CSUM. HOST_* features need no flag:
 * a tap always takes checksum and GSO requests from its writer.
 */
unsigned int
vhost_kernel_tap_offload_flags(uint64_t features)
{
	static const struct {
		unsigned int bit;
		unsigned int flag;
	} map[] = {
		{ VIRTIO_NET_F_GUEST_CSUM, TUN_F_CSUM },
		{ VIRTIO_NET_F_GUEST_TSO4, TUN_F_TSO4 },
		{ VIRTIO_NET_F_GUEST_TSO6, TUN_F_TSO6 },
		{ VIRTIO_NET_F_GUEST_ECN, TUN_F_TSO_ECN },
		{ VIRTIO_NET_F_GUEST_UFO, TUN_F_UFO },
	};
	unsigned int flags = 0, i;

	if (!(features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	for (i = 0; i < RTE_DIM(map); i++)
		if (features & VIRTIO_BIT(map[i].bit))
			flags |= map[i].flag;
	return flags;
}

static const char *
tunsetiff_hint(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return "creating a tap needs CAP_NET_ADMIN: run as root";
	case EBUSY:
	case EINVAL:
		return "an interface of that name exists and is not a free tap with the same "
		       "flags; choose another name with devarg 'iface' or delete it";
	default:
		return "check that the tun module is loaded (modprobe tun)";
	}
}

static int
open_queue(const char *dev_name, struct ifreq *ifr, unsigned int q)
{
	int fd = open(TUN_DEVICE, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0) {
		err = errno;
		VIRTIO_LOG(ERR, "%s: cannot open %s for tap queue %u: %s; %s", dev_name,
			   TUN_DEVICE, q, strerror(err), err == EACCES || err == EPERM ?
			   "run as root" : "load the tun module (modprobe tun)");
		return -err;
	}
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		err = errno;
		VIRTIO_LOG(ERR, "%s: cannot create tap interface '%s' queue %u (TUNSETIFF): %s; "
			   "%s", dev_name, ifr->ifr_name, q, strerror(err), tunsetiff_hint(err));
		close(fd);
		return -err;
	}
	return fd;
}

static int
check_tun_features(const char *dev_name, unsigned int wanted)
{
	unsigned int have = 0;
	int fd = open(TUN_DEVICE, O_RDWR | O_CLOEXEC);
	int err = 0;

	if (fd < 0) {
		err = errno;
		VIRTIO_LOG(ERR, "%s: cannot open %s: %s; %s", dev_name, TUN_DEVICE, strerror(err),
			   err == EACCES || err == EPERM ? "run as root" :
			   "load the tun module (modprobe tun)");
		return -err;
	}
	if (ioctl(fd, TUNGETFEATURES, &have) < 0)
		err = errno;
	close(fd);
	if (err != 0) {
		VIRTIO_LOG(ERR, "%s: TUNGETFEATURES on %s failed: %s", dev_name, TUN_DEVICE,
			   strerror(err));
		return -err;
	}
	if ((have & wanted) != wanted) {
		VIRTIO_LOG(ERR, "%s: the kernel's tap lacks %s%s; %s", dev_name,
			   (wanted & ~have & IFF_VNET_HDR) ? "IFF_VNET_HDR " : "",
			   (wanted & ~have & IFF_MULTI_QUEUE) ? "IFF_MULTI_QUEUE" : "",
			   (wanted & ~have & IFF_MULTI_QUEUE) ? "use queues=1" :
			   "the vhost-kernel backend cannot work without it");
		return -ENOTSUP;
	}
	return 0;
}

static int
set_queue(struct vhost_kernel_tap *tap, const char *dev_name, unsigned int q, bool attach)
{
	struct ifreq ifr = { .ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE };

	if (ioctl(tap->fds[q], TUNSETQUEUE, &ifr) < 0) {
		int err = errno;

		VIRTIO_LOG(ERR, "%s: cannot %s queue %u of tap '%s' (TUNSETQUEUE): %s", dev_name,
			   attach ? "attach" : "detach", q, tap->name, strerror(err));
		return -err;
	}
	tap->attached[q] = attach;
	return 0;
}

void
vhost_kernel_tap_close(struct vhost_kernel_tap *tap)
{
	unsigned int q;

	/* The tap is not persistent: it disappears with its last queue fd. */
	for (q = 0; tap->fds != NULL && q < tap->nqueues; q++)
		if (tap->fds[q] >= 0)
			close(tap->fds[q]);
	free(tap->fds);
	free(tap->attached);
	tap->fds = NULL;
	tap->attached = NULL;
	tap->nqueues = 0;
}

int
vhost_kernel_tap_open(struct vhost_kernel_tap *tap, const char *dev_name, const char *name,
		      unsigned int nqueues)
{
	struct ifreq ifr = { 0 };
	unsigned int q;
	int ret;

	memset(tap, 0, sizeof(*tap));
	tap->multi_queue = nqueues > 1;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (tap->multi_queue ? IFF_MULTI_QUEUE : 0);
	ret = check_tun_features(dev_name, IFF_VNET_HDR | (tap->multi_queue ? IFF_MULTI_QUEUE : 0));
	if (ret != 0)
		return ret;
	tap->fds = malloc(sizeof(*tap->fds) * nqueues);
	tap->attached = calloc(nqueues, sizeof(*tap->attached));
	if (tap->fds == NULL || tap->attached == NULL) {
		free(tap->fds);
		free(tap->attached);
		tap->fds = NULL;
		tap->attached = NULL;
		return -ENOMEM;
	}
	tap->nqueues = nqueues;
	for (q = 0; q < nqueues; q++)
		tap->fds[q] = -1;
	/* The kernel expands "tap%d"; later queues join the interface it named. */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name[0] != '\0' ? name : "tap%d");
	for (q = 0; q < nqueues; q++) {
		ret = open_queue(dev_name, &ifr, q);
		if (ret < 0)
			goto fail;
		tap->fds[q] = ret;
		tap->attached[q] = true;
		if (q == 0)
			snprintf(tap->name, sizeof(tap->name), "%s", ifr.ifr_name);
	}
	/* Queue 0 stays attached: it carries the device-wide settings (header size, offloads). */
	for (q = 1; tap->multi_queue && q < nqueues; q++) {
		ret = set_queue(tap, dev_name, q, false);
		if (ret != 0)
			goto fail;
	}
	VIRTIO_LOG(INFO, "%s: tap interface %s with %u queue%s", dev_name, tap->name, nqueues,
		   nqueues > 1 ? "s" : "");
	return 0;
fail:
	vhost_kernel_tap_close(tap);
	return ret;
}

int
vhost_kernel_tap_enable_queue(struct vhost_kernel_tap *tap, const char *dev_name, unsigned int q,
			      bool enable)
{
	if (!tap->multi_queue || q == 0 || q >= tap->nqueues || tap->attached[q] == enable)
		return 0;
	return set_queue(tap, dev_name, q, enable);
}

int
vhost_kernel_tap_configure(struct vhost_kernel_tap *tap, const char *dev_name, int hdr_size,
			   uint64_t features)
{
	unsigned int offload = vhost_kernel_tap_offload_flags(features);
	int err;

	/*
	 * Both settings belong to the interface, not the queue: queue 0 (always
	 * attached) sets them for all. VERSION_1 headers are little-endian, which
	 * is what a tap uses by default on the little-endian CPUs DPDK runs on.
	 */
	if (ioctl(tap->fds[0], TUNSETVNETHDRSZ, &hdr_size) < 0) {
		err = errno;
		VIRTIO_LOG(ERR, "%s: cannot set the virtio-net header size of tap '%s' to %d "
			   "(TUNSETVNETHDRSZ): %s", dev_name, tap->name, hdr_size, strerror(err));
		return -err;
	}
	if (ioctl(tap->fds[0], TUNSETOFFLOAD, offload) < 0) {
		err = errno;
		VIRTIO_LOG(ERR, "%s: cannot set the offloads of tap '%s' to 0x%x (TUNSETOFFLOAD): "
			   "%s", dev_name, tap->name, offload, strerror(err));
		return -err;
	}
	return 0;
}
