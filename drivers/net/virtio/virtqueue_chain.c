/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * One chain of buffers at a time, for queues outside the datapath (the
 * control queue): simple and layout-neutral rather than fast.
 */

#include <errno.h>

#include "virtqueue.h"

static int
split_add(struct virtqueue *vq, const struct vq_buf *bufs, uint16_t n, void *cookie)
{
	uint16_t old_avail = vq->avail_idx;
	uint16_t tail, head = vq_alloc_chain(vq, n, &tail);
	uint16_t id = head, i;

	for (i = 0; i < n; i++) {
		struct vring_desc *d = &vq->desc[id];

		d->addr = bufs[i].addr;
		d->len = bufs[i].len;
		d->flags = (bufs[i].device_writes ? VRING_DESC_F_WRITE : 0) |
			   (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = i + 1 < n ? vq->next[id] : 0;
		id = vq->next[id];
	}
	vq->extra[head] = (struct vq_desc_extra){ .cookie = cookie, .ndescs = n, .tail = tail };
	vq_avail_push(vq, head);
	vq_publish_and_notify(vq, old_avail);
	return 0;
}

static int
packed_add(struct virtqueue *vq, const struct vq_buf *bufs, uint16_t n, void *cookie)
{
	uint16_t old_slot = vq->next_avail, head_flags = 0, id, i;
	bool old_wrap = vq->avail_wrap;
	struct vring_packed_desc *head = NULL;

	id = vq_packed_alloc_id(vq);
	vq->nfree -= n;
	for (i = 0; i < n; i++) {
		uint16_t flags, slot = vq_packed_take_slot(vq, &flags);
		struct vring_packed_desc *d = &vq->pdesc[slot];

		flags |= (bufs[i].device_writes ? VRING_DESC_F_WRITE : 0) |
			 (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->addr = bufs[i].addr;
		d->len = bufs[i].len;
		d->id = id;
		if (i == 0) {
			/* The head goes last: it makes the whole chain visible at once. */
			head = d;
			head_flags = flags;
		} else {
			d->flags = flags;
		}
	}
	vq->extra[id] = (struct vq_desc_extra){ .cookie = cookie, .ndescs = n, .tail = id };
	__atomic_store_n(&head->flags, head_flags, __ATOMIC_RELEASE);
	vq_packed_notify(vq, old_slot, old_wrap);
	return 0;
}

int
vq_add_buffers(struct virtqueue *vq, const struct vq_buf *bufs, uint16_t n, void *cookie)
{
	if (n == 0 || n > vq->nfree)
		return -ENOSPC;
	return vq->packed ? packed_add(vq, bufs, n, cookie) : split_add(vq, bufs, n, cookie);
}

static int
split_take(struct virtqueue *vq, void **cookie, uint32_t *len)
{
	struct vring_used_elem ue;
	struct vq_desc_extra *dx;

	if (vq_used_pending(vq) == 0)
		return -EAGAIN;
	ue = vq_used_elem(vq, vq->used_cons);
	vq->used_cons++;
	dx = vq_used_chain(vq, ue.id);
	if (dx == NULL)
		return -EIO;
	*cookie = dx->cookie;
	*len = ue.len;
	vq_free_chain(vq, (uint16_t)ue.id);
	return 0;
}

static int
packed_take(struct virtqueue *vq, void **cookie, uint32_t *len)
{
	const struct vring_packed_desc *d = &vq->pdesc[vq->next_used];
	uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
	struct vq_desc_extra *dx;
	uint16_t id;

	if (vq->nfree == vq->size || !vq_packed_is_used(vq, flags))
		return -EAGAIN;
	id = d->id;
	*len = d->len;
	dx = vq_used_chain(vq, id);
	if (dx == NULL) {
		/* We cannot know the chain: step over the slot. */
		vq_packed_advance(&vq->next_used, &vq->used_wrap, 1, vq->size);
		return -EIO;
	}
	vq_packed_advance(&vq->next_used, &vq->used_wrap, dx->ndescs, vq->size);
	*cookie = dx->cookie;
	vq_free_chain(vq, id);
	return 0;
}

int
vq_take_used(struct virtqueue *vq, void **cookie, uint32_t *len)
{
	return vq->packed ? packed_take(vq, cookie, len) : split_take(vq, cookie, len);
}
