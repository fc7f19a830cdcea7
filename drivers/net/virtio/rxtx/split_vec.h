/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Ring discipline of the vectorized split-ring paths.
 *
 * Every buffer is ONE descriptor and descriptors are handed out in ring
 * order (the circular free list of vq_split_reset), so descriptor i always
 * sits in avail slot i: the avail ring never changes after the first lap and
 * a burst of completions is a run of consecutive ids that SIMD code checks
 * and consumes at once.
 *
 * The device has not promised VIRTIO_F_IN_ORDER, so it may still complete a
 * buffer ahead of older ones. That buffer is taken at once and counted in
 * vq->ooo_done; its descriptor is only reused when every older one is back
 * (vq_oldest() moves over it), so descriptors stay in ring order. Ids that
 * name no buffer in flight are counted and skipped like on every path.
 *
 * A buffer the device never gives back (lost, or reported under a bogus id)
 * would hold every later descriptor back for good. When half the ring still
 * waits behind the oldest buffer at the end of a pass, the queue gives up
 * the ring order: the waiting
 * descriptors go onto the scalar free list and the queue runs the scalar
 * any-order burst function until the port restarts, losing only the one
 * descriptor, as the scalar path does. Counted in vec_stalls.
 */

#ifndef VIRTIO_SPLIT_VEC_H
#define VIRTIO_SPLIT_VEC_H

#include <rte_vect.h>

#include "rxtx.h"

/* Hands every descriptor already back to the free list of the scalar any-order path. */
static inline void
vec_give_up_ring_order(struct virtqueue *vq)
{
	uint16_t in_flight = (uint16_t)(vq->size - vq->nfree);
	uint16_t id = vq_oldest(vq);
	uint16_t k;

	for (k = 0; k < in_flight; k++, id = (uint16_t)((id + 1) & vq->mask)) {
		if (vq->extra[id].ndescs != 0)
			continue;
		vq->next[id] = vq->free_head;
		vq->free_head = id;
		vq->nfree++;
	}
	vq->ooo_done = 0;
	vq->vec_given_up = true;
	vq->errors.vec_stalls++;
}

/* The oldest buffers are back: their descriptors become free, in ring order. */
static __rte_always_inline void
vec_release_done(struct virtqueue *vq)
{
	while (vq->ooo_done > 0 && vq->nfree < vq->size &&
	       vq->extra[vq_oldest(vq)].ndescs == 0) {
		vq->nfree++;
		vq->ooo_done--;
	}
}

/*
 * After a pass over the used ring: if half the ring still waits behind the
 * oldest buffer, that buffer is not merely late (a device completing a batch
 * backwards is back in order by the end of the pass).
 */
static __rte_always_inline void
vec_check_stall(struct virtqueue *vq)
{
	if (unlikely(vq->ooo_done >= vq->size / 2))
		vec_give_up_ring_order(vq);
}

/*
 * Takes the buffer of one used element by its id, in or out of order.
 * Returns NULL (counted as bad_used_id) when the id names nothing in flight.
 */
static __rte_always_inline void *
vec_take_by_id(struct virtqueue *vq, uint32_t id)
{
	struct vq_desc_extra *dx = vq_used_chain(vq, id);
	void *cookie;

	if (unlikely(dx == NULL))
		return NULL;
	cookie = dx->cookie;
	dx->cookie = NULL;
	dx->ndescs = 0;
	if (id == vq_oldest(vq))
		vq->nfree++;
	else
		vq->ooo_done++;
	vec_release_done(vq);
	return cookie;
}

/* Takes the oldest buffer: the fast path, after the ids were checked in bulk. */
static __rte_always_inline void *
vec_take_oldest(struct virtqueue *vq, uint16_t id)
{
	struct vq_desc_extra *dx = &vq->extra[id];
	void *cookie = dx->cookie;

	_mm_storeu_si128((__m128i *)dx, _mm_setzero_si128());
	return cookie;
}

/*
 * Checks two used elements at once: ids must be base and base + 1 (modulo
 * the ring). Returns the 16-byte lane mask of the check, all ones if both
 * match; the length lanes are left for the caller (zero here).
 */
static __rte_always_inline __m128i
vec_ids_match_sse(__m128i ue, uint16_t base, uint16_t mask)
{
	const __m128i id_lanes = _mm_set_epi32(0, -1, 0, -1);
	__m128i want = _mm_and_si128(_mm_add_epi32(_mm_set1_epi32(base), _mm_set_epi32(0, 1, 0, 0)),
				     _mm_set1_epi32(mask));

	return _mm_and_si128(_mm_cmpeq_epi32(_mm_and_si128(ue, id_lanes), want), id_lanes);
}

/* Used elements from position pos that can be loaded without passing the ring's end. */
static __rte_always_inline uint16_t
vec_run_to_ring_end(const struct virtqueue *vq, uint16_t pos)
{
	return (uint16_t)(vq->size - (pos & vq->mask));
}

/* Writes a whole 16-byte descriptor with one store. */
static __rte_always_inline void
vec_write_desc(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags)
{
	_mm_storeu_si128((__m128i *)d,
			 _mm_set_epi64x((int64_t)((uint64_t)len | (uint64_t)flags << 32), (int64_t)addr));
}

/* Records the buffer of descriptor id as in flight, with one store. */
static __rte_always_inline void
vec_set_extra(struct vq_desc_extra *dx, void *cookie, uint16_t id)
{
	RTE_BUILD_BUG_ON(sizeof(*dx) != 16);
	_mm_storeu_si128((__m128i *)dx, _mm_set_epi64x((int64_t)((uint64_t)1 | (uint64_t)id << 16),
							(int64_t)(uintptr_t)cookie));
}

/* Takes the next descriptor in ring order. */
static __rte_always_inline uint16_t
vec_alloc_desc(struct virtqueue *vq)
{
	uint16_t id = vq->free_head;

	vq->free_head = (uint16_t)((id + 1) & vq->mask);
	vq->nfree--;
	return id;
}

/* Split vectorized Rx, per instruction set (split_rx_vec.c, split_rx_vec_avx2.c). */
uint16_t virtio_recv_pkts_vec(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_recv_pkts_vec_avx2(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
/* Split vectorized Tx (split_tx_vec.c). */
uint16_t virtio_xmit_pkts_vec(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

#endif /* VIRTIO_SPLIT_VEC_H */
