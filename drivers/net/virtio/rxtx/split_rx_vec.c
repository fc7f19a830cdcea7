/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Vectorized split-ring receive, SSE4.1 (the baseline of DPDK's x86 builds). */

#include "split_rx_vec.h"

/* Packet fields of the element in bytes 0-7 (o = 0) or 8-15 (o = 8) of a register. */
#define FIELDS_SHUFFLE(o) _mm_set_epi8(-1, -1, -1, -1, -1, -1, (o) + 5, (o) + 4, \
				       (o) + 7, (o) + 6, (o) + 5, (o) + 4, -1, -1, -1, -1)

/*
 * Checks a pair of used elements (ids base and base + 1, lengths within the
 * posted buffer). Returns true if both are good; *data gets the elements
 * with lengths minus the header.
 */
static __rte_always_inline bool
pair_ok(const struct virtnet_rxq *rxq, __m128i ue, uint16_t base, __m128i *data)
{
	const __m128i hdr = _mm_set_epi32(rxq->hdr_size, 0, rxq->hdr_size, 0);
	const __m128i limit = _mm_set1_epi32((int)(rxq->post_len - rxq->hdr_size));
	/* Below the header wraps to a huge value and fails the limit too. */
	__m128i d = _mm_sub_epi32(ue, hdr);
	__m128i len_ok = _mm_cmpeq_epi32(_mm_max_epu32(d, limit), limit);
	__m128i ok = _mm_or_si128(vec_ids_match_sse(ue, base, rxq->vq.mask),
				  _mm_and_si128(len_ok, _mm_set_epi32(-1, 0, -1, 0)));

	*data = d;
	return _mm_movemask_epi8(ok) == 0xffff;
}

static __rte_always_inline void
pair_deliver(struct virtnet_rxq *rxq, __m128i data, uint16_t base, struct rte_mbuf **pkts)
{
	struct virtqueue *vq = &rxq->vq;
	const __m128i rearm = _mm_set_epi64x(0, (int64_t)rxq->mbuf_initializer);

	pkts[0] = vec_take_oldest(vq, base);
	pkts[1] = vec_take_oldest(vq, (uint16_t)((base + 1) & vq->mask));
	vec_rx_fields(pkts[0], rearm, _mm_shuffle_epi8(data, FIELDS_SHUFFLE(0)));
	vec_rx_fields(pkts[1], rearm, _mm_shuffle_epi8(data, FIELDS_SHUFFLE(8)));
}

/* Four elements, see vec_rx_group_t: both pairs are checked before either is taken. */
static __rte_always_inline bool
rx_group_sse(struct virtnet_rxq *rxq, const struct vring_used_elem *ue, uint16_t base,
	     struct rte_mbuf **pkts, uint64_t *bytes)
{
	uint16_t base2 = (uint16_t)((base + 2) & rxq->vq.mask);
	/* One load per pair: the device cannot change an element between check and use. */
	__m128i a = _mm_loadu_si128((const __m128i *)ue);
	__m128i b = _mm_loadu_si128((const __m128i *)(ue + 2));
	__m128i da, db, sum;

	if (!pair_ok(rxq, a, base, &da) || !pair_ok(rxq, b, base2, &db))
		return false;
	pair_deliver(rxq, da, base, pkts);
	pair_deliver(rxq, db, base2, pkts + 2);
	sum = _mm_add_epi64(_mm_srli_epi64(da, 32), _mm_srli_epi64(db, 32));
	*bytes += (uint64_t)_mm_cvtsi128_si64(sum) + (uint64_t)_mm_extract_epi64(sum, 1);
	return true;
}

uint16_t
virtio_recv_pkts_vec(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	return vec_rx_burst(rxq, pkts, nb_pkts, 4, rx_group_sse);
}
