/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_malloc.h>

#include "virtqueue.h"

static void
notify_direct(struct virtqueue *vq)
{
	vq->notify(vq);
}

virtqueue_notify_t vq_notify_fns[VQ_NOTIFY_KINDS] = {
	[VQ_NOTIFY_DIRECT] = notify_direct,
};

void
vq_notify_register(enum vq_notify_kind kind, virtqueue_notify_t fn)
{
	if (kind > VQ_NOTIFY_DIRECT && kind < VQ_NOTIFY_KINDS)
		vq_notify_fns[kind] = fn;
}

/* Legacy devices need the used ring on its own page; modern ones accept it too. */
#define VRING_USED_PAGE 4096

static size_t
avail_part_size(uint16_t size)
{
	/* flags, idx, ring[size], used_event */
	return sizeof(struct vring_avail) + sizeof(uint16_t) * (size + 1u);
}

static size_t
used_part_offset(uint16_t size)
{
	return RTE_ALIGN_CEIL(sizeof(struct vring_desc) * size + avail_part_size(size),
			      VRING_USED_PAGE);
}

size_t
vq_split_ring_size(uint16_t size)
{
	/* flags, idx, ring[size], avail_event */
	size_t used = sizeof(struct vring_used) + sizeof(struct vring_used_elem) * size +
		      sizeof(uint16_t);

	return RTE_ALIGN_CEIL(used_part_offset(size) + used, VRING_USED_PAGE);
}

int
vq_common_init(struct virtqueue *vq, uint16_t index, uint16_t size, uint64_t dev_addr,
	       bool use_va)
{
	memset(vq, 0, sizeof(*vq));
	vq->next = rte_zmalloc("virtio_vq_next", sizeof(*vq->next) * size, 0);
	vq->extra = rte_zmalloc("virtio_vq_extra", sizeof(*vq->extra) * size,
				RTE_CACHE_LINE_SIZE);
	if (vq->next == NULL || vq->extra == NULL) {
		vq_fini(vq);
		return -ENOMEM;
	}
	vq->index = index;
	vq->size = size;
	vq->desc_dev_addr = dev_addr;
	vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
	vq->mbuf_addr_off = use_va ? offsetof(struct rte_mbuf, buf_addr) :
				     offsetof(struct rte_mbuf, buf_iova);
	return 0;
}

int
vq_split_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem,
	      uint64_t dev_addr, bool use_va)
{
	int ret;

	if (size == 0 || !rte_is_power_of_2(size))
		return -EINVAL;
	ret = vq_common_init(vq, index, size, dev_addr, use_va);
	if (ret != 0)
		return ret;
	vq->mask = size - 1;
	vq->desc = mem;
	vq->avail = (struct vring_avail *)((uint8_t *)mem + sizeof(struct vring_desc) * size);
	vq->used = (struct vring_used *)((uint8_t *)mem + used_part_offset(size));
	vq->avail_dev_addr = dev_addr + sizeof(struct vring_desc) * size;
	vq->used_dev_addr = dev_addr + used_part_offset(size);
	vq_split_reset(vq, false);
	return 0;
}

void
vq_fini(struct virtqueue *vq)
{
	rte_free(vq->next);
	rte_free(vq->extra);
	vq->next = NULL;
	vq->extra = NULL;
}

void
vq_split_reset(struct virtqueue *vq, bool event_idx)
{
	uint16_t i;

	memset(vq->desc, 0, vq_split_ring_size(vq->size));
	memset(vq->extra, 0, sizeof(*vq->extra) * vq->size);
	/* Circular, so in-order rings can allocate straight through the wrap. */
	for (i = 0; i < vq->size; i++)
		vq->next[i] = (uint16_t)((i + 1) & vq->mask);
	vq->free_head = 0;
	vq->nfree = vq->size;
	vq->avail_idx = 0;
	vq->used_cons = 0;
	vq->chains = 0;
	vq->ooo_done = 0;
	vq->vec_given_up = false;
	vq->event_idx = event_idx;
	memset(&vq->errors, 0, sizeof(vq->errors));
	vq->notifications = 0;
	vq->intr_armed = false;
	/*
	 * We poll: ask for no interrupts until the application arms them. With
	 * event idx the flags must stay 0 (spec 2.7.7.1) and used_event does it.
	 */
	vq->avail->flags = event_idx ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
	vq_suppress_interrupts(vq);
}

void
vq_reclaim_all(struct virtqueue *vq, void (*fn)(void *cookie))
{
	uint16_t id;

	for (id = 0; id < vq->size; id++) {
		struct vq_desc_extra *dx = &vq->extra[id];

		if (dx->ndescs == 0)
			continue;
		if (dx->cookie != NULL && fn != NULL)
			fn(dx->cookie);
		vq_free_chain(vq, id);
	}
	vq->chains = 0;
	vq->ooo_done = 0;
}

void
vq_publish_and_notify(struct virtqueue *vq, uint16_t old_avail_idx)
{
	uint16_t new_idx = vq->avail_idx;
	bool kick;

	/* Descriptors and ring entries must be visible before the index. */
	__atomic_store_n(&vq->avail->idx, new_idx, __ATOMIC_RELEASE);

	/* The index store must be visible before we read the device's wishes. */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		/* avail_event sits right after the used ring entries. */
		uint16_t *event = (uint16_t *)&vq->used->ring[vq->size];
		uint16_t avail_event = __atomic_load_n(event, __ATOMIC_RELAXED);

		kick = vring_need_event(avail_event, new_idx, old_avail_idx);
	} else {
		kick = !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) &
			 VRING_USED_F_NO_NOTIFY);
	}
	if (kick) {
		vq->notifications++;
		vq_kick(vq);
	}
}

void
vq_reset(struct virtqueue *vq, bool event_idx)
{
	if (vq->packed)
		vq_packed_reset(vq, event_idx);
	else
		vq_split_reset(vq, event_idx);
}
