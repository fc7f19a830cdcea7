/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The tap interface behind the vhost-kernel backend: vhost-net moves the
 * ring contents to and from a tap queue, one tap queue per queue pair. The
 * tap, not vhost-net, decides which offloads the device can offer.
 */

#ifndef VHOST_KERNEL_TAP_H
#define VHOST_KERNEL_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct vhost_kernel_tap {
	char name[IFNAMSIZ];   /* as the kernel named it */
	unsigned int nqueues;
	bool multi_queue;      /* IFF_MULTI_QUEUE: queues can be attached and detached */
	int *fds;              /* one per queue pair, -1 when closed */
	bool *attached;
};

/*
 * Creates (or joins) the tap `name` ("" for the kernel's tap%d) with
 * `nqueues` queues. Multi-queue taps start with every queue detached so
 * that the kernel never steers packets to a queue nobody serves. Logs what
 * failed and what to do; returns -errno with nothing left open.
 */
int vhost_kernel_tap_open(struct vhost_kernel_tap *tap, const char *dev_name, const char *name,
			  unsigned int nqueues);
void vhost_kernel_tap_close(struct vhost_kernel_tap *tap);

/* Attaches (serves) or detaches one queue; a no-op on a single-queue tap. */
int vhost_kernel_tap_enable_queue(struct vhost_kernel_tap *tap, const char *dev_name,
				  unsigned int q, bool enable);

/* Virtio offload features the tap can back (the device offers them on top of vhost-net's). */
uint64_t vhost_kernel_tap_offered_features(void);

/* TUNSETOFFLOAD flags for the negotiated virtio features: what the tap may hand us. */
unsigned int vhost_kernel_tap_offload_flags(uint64_t features);

/* Applies the negotiated header size and offloads to every queue of the tap. */
int vhost_kernel_tap_configure(struct vhost_kernel_tap *tap, const char *dev_name,
			       int hdr_size, uint64_t features);

#endif /* VHOST_KERNEL_TAP_H */
