/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Where a new device must pick up a ring that a device left behind without
 * handing it back (a vhost-user backend that died): the vring base of
 * VHOST_USER_SET_VRING_BASE.
 *
 * A dead device writes nothing any more, so the ring memory tells how far it
 * got: every buffer it marked used is ours, every buffer after that is
 * available again, including those it had read but not completed. The new
 * device processes those once more (a Tx frame may go out twice, an Rx
 * buffer is filled once more), but no descriptor is lost or used twice and
 * no mbuf is stranded.
 *
 * The datapath may run on another lcore meanwhile; it only consumes used
 * entries and makes new ones available after them, so the answer does not
 * move, but the packed ring walk starts from the datapath's own position and
 * retries until it read that position unchanged.
 */

#include "virtqueue.h"

/* Split: the device resumes at the used index it published (spec 2.7.8). */
static uint32_t
split_base(const struct virtqueue *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
}

/* One used descriptor at `slot`: how many slots it stands for, 0 to stop. */
static uint16_t
packed_used_span(const struct virtqueue *vq, uint16_t slot, bool wrap, bool in_order,
		 uint16_t *oldest)
{
	const struct vring_packed_desc *d = &vq->pdesc[slot];
	uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
	bool avail = flags & VRING_PACKED_DESC_F_AVAIL;
	bool used = flags & VRING_PACKED_DESC_F_USED;
	uint16_t id = d->id;
	uint16_t span = 0, n = 0;

	if (avail != used || used != wrap)
		return 0;
	if (!in_order)
		return id < vq->size ? vq->extra[id].ndescs : 0;
	/* In order, one used descriptor may complete every buffer up to `id` (spec 2.8.23). */
	if (id >= vq->size || vq->extra[id].ndescs == 0)
		return 0;
	do {
		uint16_t cur = *oldest;

		span += vq->extra[cur].ndescs;
		*oldest = vq->next[cur];
		if (cur == id)
			return span;
	} while (++n < vq->size && span < vq->size);
	return 0;
}

/*
 * Packed: the slot after the last used descriptor the device wrote, with the
 * wrap counter there in bit 15 (the vhost-user encoding of a packed base).
 */
static uint32_t
packed_base(const struct virtqueue *vq, bool in_order)
{
	uint16_t slot = 0;
	bool wrap = true;
	unsigned int tries;

	for (tries = 0; tries < 1000; tries++) {
		uint16_t start = __atomic_load_n(&vq->next_used, __ATOMIC_ACQUIRE);
		bool start_wrap = __atomic_load_n(&vq->used_wrap, __ATOMIC_ACQUIRE);
		uint16_t oldest = __atomic_load_n(&vq->oldest_id, __ATOMIC_ACQUIRE);
		uint32_t walked = 0;

		slot = start;
		wrap = start_wrap;
		while (walked < vq->size) {
			uint16_t span = packed_used_span(vq, slot, wrap, in_order, &oldest);

			if (span == 0 || walked + span > vq->size)
				break;
			vq_packed_advance(&slot, &wrap, span, vq->size);
			walked += span;
		}
		if (start == __atomic_load_n(&vq->next_used, __ATOMIC_ACQUIRE) &&
		    start_wrap == __atomic_load_n(&vq->used_wrap, __ATOMIC_ACQUIRE))
			break;
	}
	return slot | (uint32_t)wrap << 15;
}

uint32_t
vq_resume_base(const struct virtqueue *vq, bool tx_in_order)
{
	return vq->packed ? packed_base(vq, tx_in_order) : split_base(vq);
}
