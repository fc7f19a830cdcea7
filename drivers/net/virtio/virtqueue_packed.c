/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Packed virtqueue layout, reset and notification (VIRTIO 1.1+, section 2.8). */

#include <errno.h>
#include <string.h>


#include "virtqueue.h"

static size_t
event_offset(uint16_t size)
{
	return RTE_ALIGN_CEIL(sizeof(struct vring_packed_desc) * size, VRING_PACKED_EVENT_ALIGN);
}

size_t
vq_packed_ring_size(uint16_t size)
{
	return RTE_ALIGN_CEIL(event_offset(size) + 2 * sizeof(struct vring_packed_event), 4096);
}

int
vq_packed_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem,
	       uint64_t dev_addr, bool use_va)
{
	size_t ev = event_offset(size);
	int ret;

	if (size == 0 || size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	ret = vq_common_init(vq, index, size, dev_addr, use_va);
	if (ret != 0)
		return ret;
	vq->packed = true;
	vq->pdesc = mem;
	vq->driver_event = (struct vring_packed_event *)((uint8_t *)mem + ev);
	vq->device_event = vq->driver_event + 1;
	vq->avail_dev_addr = dev_addr + ev;
	vq->used_dev_addr = dev_addr + ev + sizeof(struct vring_packed_event);
	vq_packed_reset(vq, false);
	return 0;
}

void
vq_packed_reset(struct virtqueue *vq, bool event_idx)
{
	uint16_t i;

	memset(vq->pdesc, 0, vq_packed_ring_size(vq->size));
	memset(vq->extra, 0, sizeof(*vq->extra) * vq->size);
	/* Circular id sequence: in-order rings hand out and take back ids in turn. */
	for (i = 0; i < vq->size; i++)
		vq->next[i] = (uint16_t)(i + 1 == vq->size ? 0 : i + 1);
	vq->free_head = 0;
	vq->oldest_id = 0;
	vq->nfree = vq->size;
	vq->next_avail = 0;
	vq->next_used = 0;
	vq->avail_wrap = true;
	vq->used_wrap = true;
	vq_packed_set_avail_flags(vq);
	vq->event_idx = event_idx;
	memset(&vq->errors, 0, sizeof(vq->errors));
	vq->notifications = 0;
	vq->intr_armed = false;
	/* We poll: no used-buffer notifications until the application arms them. */
	vq->driver_event->flags = VRING_PACKED_EVENT_FLAG_DISABLE;
}

void
vq_packed_notify(struct virtqueue *vq, uint16_t old_slot, bool old_wrap)
{
	uint16_t flags, off_wrap, event, new_idx, old_idx;
	bool kick;

	/* Our descriptor flags must be visible before we read the device's wishes. */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(&vq->device_event->flags, __ATOMIC_RELAXED);
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE) {
		kick = false;
	} else if (flags != VRING_PACKED_EVENT_FLAG_DESC || !vq->event_idx) {
		kick = true;
	} else {
		/*
		 * Work in a 16-bit space where the current lap starts at 0 and
		 * the previous lap is just below it: then the split ring's
		 * need-event test applies unchanged.
		 */
		off_wrap = __atomic_load_n(&vq->device_event->off_wrap, __ATOMIC_RELAXED);
		event = off_wrap & ((1u << VRING_PACKED_EVENT_WRAP_SHIFT) - 1);
		if ((bool)(off_wrap >> VRING_PACKED_EVENT_WRAP_SHIFT) != vq->avail_wrap)
			event -= vq->size;
		new_idx = vq->next_avail;
		old_idx = old_wrap == vq->avail_wrap ? old_slot : (uint16_t)(old_slot - vq->size);
		kick = vring_need_event(event, new_idx, old_idx);
	}
	if (kick) {
		vq->notifications++;
		vq_kick(vq);
	}
}
