/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Used-buffer notifications, for applications that sleep until a packet
 * arrives: arming and disarming them on either ring layout, and what a
 * power-monitoring core watches instead.
 */

#include <rte_atomic.h>

#include "virtqueue.h"

static bool
split_has_used(const struct virtqueue *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) != vq->used_cons;
}

static bool
packed_has_used(const struct virtqueue *vq)
{
	uint16_t flags = __atomic_load_n(&vq->pdesc[vq->next_used].flags, __ATOMIC_ACQUIRE);

	return vq_packed_is_used(vq, flags);
}

bool
vq_has_used(const struct virtqueue *vq)
{
	return vq->packed ? packed_has_used(vq) : split_has_used(vq);
}

static void
split_arm(struct virtqueue *vq)
{
	if (vq->event_idx)
		/* Notify once used->idx passes the entry we consume next. */
		vq->avail->ring[vq->size] = vq->used_cons;
	else
		__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
}

/*
 * Packed rings ask for every used descriptor while armed, event idx or not:
 * a position (DESC) would go stale as soon as a burst consumes past it.
 */
static void
packed_arm(struct virtqueue *vq)
{
	__atomic_store_n(&vq->driver_event->flags, VRING_PACKED_EVENT_FLAG_ENABLE,
			 __ATOMIC_RELAXED);
}

bool
vq_intr_arm(struct virtqueue *vq)
{
	vq->intr_armed = true;
	if (vq->packed)
		packed_arm(vq);
	else
		split_arm(vq);
	/*
	 * The device may have used a buffer just before it could see the
	 * request; our store must be visible before we look (a full barrier:
	 * store then load, and the device may be a real PCI function).
	 */
	rte_mb();
	return vq_has_used(vq);
}

void
vq_intr_disarm(struct virtqueue *vq)
{
	vq->intr_armed = false;
	if (vq->packed) {
		__atomic_store_n(&vq->driver_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE,
				 __ATOMIC_RELAXED);
	} else if (vq->event_idx) {
		vq_suppress_interrupts(vq);
	} else {
		__atomic_store_n(&vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
	}
}

void
vq_monitor_target(const struct virtqueue *vq, volatile void **addr, uint16_t *idle_value)
{
	if (vq->packed) {
		*addr = &vq->pdesc[vq->next_used].flags;
		*idle_value = vq->used_wrap;
	} else {
		*addr = &vq->used->idx;
		*idle_value = vq->used_cons;
	}
}
