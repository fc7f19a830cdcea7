/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Body of the vectorized packed-ring paths (see packed_vec.h). Included by
 * one file per build, which defines PACKED_VEC_FN(name) to name the burst
 * functions. A step handles four descriptors that do not cross the ring's
 * end; anything else (a short burst, the ring's end, a packet that is not
 * one pushable segment, a device write that fails a check) goes to the
 * scalar packed path, which validates and counts exactly as it always does.
 */

#include <string.h>

#include <rte_atomic.h>

#include "packed_vec.h"
#include "rxtx.h"
#include "stats_update.h"

#define VEC_BATCH 4

typedef uint32_t vec_u32x16 __attribute__((vector_size(64)));
typedef uint64_t vec_u64x8 __attribute__((vector_size(64)));
typedef uint32_t vec_u32x4 __attribute__((vector_size(16)));
typedef uint64_t vec_u64x2 __attribute__((vector_size(16)));

static_assert(sizeof(struct vring_packed_desc) * VEC_BATCH == sizeof(vec_u32x16),
	      "a step is one 64-byte vector");

static __rte_always_inline vec_u32x16
vec_load_descs(const struct vring_packed_desc *d)
{
	vec_u32x16 v;

	memcpy(&v, (const void *)d, sizeof(v));
	return v;
}

static __rte_always_inline void
vec_store16(void *dst, vec_u64x2 v)
{
	memcpy(dst, &v, sizeof(v));
}

/* True when every lane is non-zero. */
static __rte_always_inline bool
vec_all(vec_u32x4 c)
{
	return (c[0] & c[1] & c[2] & c[3]) != 0;
}

/*
 * Rx step: four used descriptors at next_used, each with a valid length
 * and naming a buffer in flight. Returns false, consuming nothing, if any
 * check fails.
 */
static __rte_always_inline bool
vec_rx_step(struct virtnet_rxq *rxq, struct rte_mbuf **pkts, uint64_t *bytes)
{
	struct virtqueue *vq = &rxq->vq;
	const struct vring_packed_desc *d = &vq->pdesc[vq->next_used];
	const uint32_t used_bits = (uint32_t)(VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED) << 16;
	const uint32_t want = vq->used_wrap ? used_bits : 0;
	const vec_u64x2 rearm = { rxq->mbuf_initializer, 0 };
	vec_u32x16 v = vec_load_descs(d);
	vec_u32x4 id_flags = __builtin_shufflevector(v, v, 3, 7, 11, 15);
	vec_u32x4 len, data;
	uint16_t ids[VEC_BATCH];
	int k;

	if (!vec_all((vec_u32x4)((id_flags & used_bits) == want)))
		return false;
	/* The flags said used: only now read what the device wrote before them. */
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	v = vec_load_descs(d);
	id_flags = __builtin_shufflevector(v, v, 3, 7, 11, 15);
	len = __builtin_shufflevector(v, v, 2, 6, 10, 14);
	data = len - rxq->hdr_size; /* below the header wraps and fails the limit */
	if (!vec_all((vec_u32x4)(data <= rxq->post_len - rxq->hdr_size)))
		return false;
	for (k = 0; k < VEC_BATCH; k++) {
		int j;

		ids[k] = (uint16_t)id_flags[k];
		if (ids[k] >= vq->size || vq->extra[ids[k]].ndescs == 0)
			return false;
		/* Each id names a buffer in flight, and a different one. */
		for (j = 0; j < k; j++)
			if (ids[j] == ids[k])
				return false;
	}
	for (k = 0; k < VEC_BATCH; k++) {
		struct rte_mbuf *m = vq->extra[ids[k]].cookie;
		const vec_u32x4 fields = { 0, data[k], data[k] & 0xffff, 0 };

		vq_free_chain(vq, ids[k]);
		vec_store16(RTE_PTR_ADD(m, offsetof(struct rte_mbuf, rearm_data)), rearm);
		vec_store16(RTE_PTR_ADD(m, offsetof(struct rte_mbuf, rx_descriptor_fields1)),
			    (vec_u64x2)fields);
		pkts[k] = m;
		*bytes += data[k];
	}
	vq_packed_advance(&vq->next_used, &vq->used_wrap, VEC_BATCH, vq->size);
	return true;
}

uint16_t
PACKED_VEC_FN(virtio_recv_pkts_packed_vec)(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtnet_rxq *rxq = queue;
	struct virtqueue *vq = &rxq->vq;
	uint64_t bytes = 0;
	uint16_t nb_rx = 0;

	while (nb_pkts - nb_rx >= VEC_BATCH && vq->next_used + VEC_BATCH <= vq->size &&
	       vec_rx_step(rxq, &pkts[nb_rx], &bytes))
		nb_rx += VEC_BATCH;
	rxq->stats.packets += nb_rx;
	rxq->stats.bytes += bytes;
	virtio_stats_burst(&rxq->stats, pkts, nb_rx);
	if (nb_rx < nb_pkts)
		/* The rest, checked one by one; it refills the ring too. */
		return nb_rx + virtio_recv_pkts_packed(rxq, &pkts[nb_rx], nb_pkts - nb_rx);
	if (vq->nfree >= rxq->refill_thresh)
		virtio_packed_rx_refill(rxq, vq->nfree);
	return nb_rx;
}

/* A packet the Tx step can take: one segment whose headroom can hold the header. */
static __rte_always_inline bool
vec_tx_simple(const struct virtnet_txq *txq, const struct rte_mbuf *m)
{
	return m->nb_segs == 1 && virtio_tx_can_push(m, txq->hdr_size);
}

/* Tx step: four simple packets into four slots, published by the first one's flags. */
static __rte_always_inline void
vec_tx_step(struct virtnet_txq *txq, struct rte_mbuf **pkts)
{
	struct virtqueue *vq = &txq->vq;
	uint16_t slot = vq->next_avail;
	struct vring_packed_desc *d = &vq->pdesc[slot];
	uint64_t flags = vq->avail_flags;
	uint16_t hdr_size = txq->hdr_size;
	uint16_t first_flags = 0;
	vec_u64x8 descs = { 0 };
	int k;

	for (k = 0; k < VEC_BATCH; k++) {
		struct rte_mbuf *m = pkts[k];
		uint16_t id = vq_packed_alloc_id(vq);
		/* The first descriptor keeps its old flags until everything else is written. */
		uint64_t f = k == 0 ? d[0].flags : flags;

		memset(rte_pktmbuf_mtod_offset(m, void *, -(int)hdr_size), 0, hdr_size);
		vq->extra[id].cookie = m;
		vq->extra[id].ndescs = 1;
		vq->extra[id].tail = id;
		descs[2 * k] = virtio_seg_dev_addr(vq, m) - hdr_size;
		descs[2 * k + 1] = (uint64_t)(m->data_len + hdr_size) | (uint64_t)id << 32 | f << 48;
		if (k == 0)
			first_flags = (uint16_t)flags;
	}
	memcpy(d, &descs, sizeof(descs));
	__atomic_store_n(&d[0].flags, first_flags, __ATOMIC_RELEASE);
	vq->nfree -= VEC_BATCH;
	vq->next_avail += VEC_BATCH;
	if (vq->next_avail == vq->size) {
		vq->next_avail = 0;
		vq->avail_wrap = !vq->avail_wrap;
		vq_packed_set_avail_flags(vq);
	}
}

uint16_t
PACKED_VEC_FN(virtio_xmit_pkts_packed_vec)(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtnet_txq *txq = queue;
	struct virtqueue *vq = &txq->vq;
	uint16_t old_slot = vq->next_avail;
	bool old_wrap = vq->avail_wrap;
	uint64_t bytes = 0;
	uint16_t nb_tx = 0;

	if (virtio_tx_should_clean(txq, nb_pkts))
		virtio_packed_txq_cleanup(txq);
	while (nb_pkts - nb_tx >= VEC_BATCH && vq->nfree >= VEC_BATCH &&
	       vq->next_avail + VEC_BATCH <= vq->size &&
	       vec_tx_simple(txq, pkts[nb_tx]) && vec_tx_simple(txq, pkts[nb_tx + 1]) &&
	       vec_tx_simple(txq, pkts[nb_tx + 2]) && vec_tx_simple(txq, pkts[nb_tx + 3])) {
		int k;

		vec_tx_step(txq, &pkts[nb_tx]);
		for (k = 0; k < VEC_BATCH; k++)
			bytes += pkts[nb_tx + k]->pkt_len;
		nb_tx += VEC_BATCH;
	}
	if (nb_tx > 0) {
		vq_packed_notify(vq, old_slot, old_wrap);
		txq->stats.packets += nb_tx;
		txq->stats.bytes += bytes;
		virtio_stats_burst(&txq->stats, pkts, nb_tx);
	}
	if (nb_tx < nb_pkts)
		/* The rest one by one: chains, indirect tables, the ring's end. */
		return nb_tx + virtio_xmit_pkts_packed(txq, &pkts[nb_tx], nb_pkts - nb_tx);
	return nb_tx;
}
