/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Vectorized split-ring receive, AVX2: four used elements per register,
 * eight per group. Built with -mavx2; elected only when the CPU has AVX2 and
 * the application allows 256-bit SIMD.
 */

#include "split_rx_vec.h"

/* Per 128-bit lane: fields of the lane's first (o = 0) or second (o = 8) element. */
#define FIELDS_SHUFFLE(o) _mm256_set_epi8( \
	-1, -1, -1, -1, -1, -1, (o) + 5, (o) + 4, (o) + 7, (o) + 6, (o) + 5, (o) + 4, -1, -1, -1, -1, \
	-1, -1, -1, -1, -1, -1, (o) + 5, (o) + 4, (o) + 7, (o) + 6, (o) + 5, (o) + 4, -1, -1, -1, -1)

/* Checks four used elements (ids base..base+3, lengths in the buffer); *data as in SSE. */
static __rte_always_inline bool
quad_ok(const struct virtnet_rxq *rxq, __m256i ue, uint16_t base, __m256i *data)
{
	const __m256i id_lanes = _mm256_set_epi32(0, -1, 0, -1, 0, -1, 0, -1);
	const __m256i hdr = _mm256_andnot_si256(id_lanes, _mm256_set1_epi32(rxq->hdr_size));
	const __m256i limit = _mm256_set1_epi32((int)(rxq->post_len - rxq->hdr_size));
	__m256i want = _mm256_and_si256(_mm256_add_epi32(_mm256_set1_epi32(base),
							 _mm256_set_epi32(0, 3, 0, 2, 0, 1, 0, 0)),
					_mm256_set1_epi32(rxq->vq.mask));
	__m256i d = _mm256_sub_epi32(ue, hdr);
	__m256i len_ok = _mm256_cmpeq_epi32(_mm256_max_epu32(d, limit), limit);
	__m256i id_ok = _mm256_cmpeq_epi32(_mm256_and_si256(ue, id_lanes), want);

	*data = d;
	return _mm256_movemask_epi8(_mm256_blend_epi32(id_ok, len_ok, 0xaa)) == -1;
}

static __rte_always_inline void
quad_deliver(struct virtnet_rxq *rxq, __m256i data, uint16_t base, struct rte_mbuf **pkts)
{
	struct virtqueue *vq = &rxq->vq;
	const __m128i rearm = _mm_set_epi64x(0, (int64_t)rxq->mbuf_initializer);
	__m256i first = _mm256_shuffle_epi8(data, FIELDS_SHUFFLE(0));  /* elements 0, 2 */
	__m256i second = _mm256_shuffle_epi8(data, FIELDS_SHUFFLE(8)); /* elements 1, 3 */
	uint16_t k;

	for (k = 0; k < 4; k++)
		pkts[k] = vec_take_oldest(vq, (uint16_t)((base + k) & vq->mask));
	vec_rx_fields(pkts[0], rearm, _mm256_castsi256_si128(first));
	vec_rx_fields(pkts[1], rearm, _mm256_castsi256_si128(second));
	vec_rx_fields(pkts[2], rearm, _mm256_extracti128_si256(first, 1));
	vec_rx_fields(pkts[3], rearm, _mm256_extracti128_si256(second, 1));
}

/* Eight elements, see vec_rx_group_t: both quads are checked before either is taken. */
static __rte_always_inline bool
rx_group_avx2(struct virtnet_rxq *rxq, const struct vring_used_elem *ue, uint16_t base,
	      struct rte_mbuf **pkts, uint64_t *bytes)
{
	uint16_t base2 = (uint16_t)((base + 4) & rxq->vq.mask);
	__m256i a = _mm256_loadu_si256((const __m256i *)ue);
	__m256i b = _mm256_loadu_si256((const __m256i *)(ue + 4));
	__m256i da, db, sum;
	__m128i half;

	if (!quad_ok(rxq, a, base, &da) || !quad_ok(rxq, b, base2, &db))
		return false;
	quad_deliver(rxq, da, base, pkts);
	quad_deliver(rxq, db, base2, pkts + 4);
	sum = _mm256_add_epi64(_mm256_srli_epi64(da, 32), _mm256_srli_epi64(db, 32));
	half = _mm_add_epi64(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
	*bytes += (uint64_t)_mm_cvtsi128_si64(half) + (uint64_t)_mm_extract_epi64(half, 1);
	return true;
}

uint16_t
virtio_recv_pkts_vec_avx2(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	return vec_rx_burst(rxq, pkts, nb_pkts, 8, rx_group_avx2);
}
