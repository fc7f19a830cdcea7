/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Vectorized split-ring receive, shared by the SSE and AVX2 builds: the
 * burst loop, the refill and the per-element fallback. Each build supplies
 * the group step that checks and delivers GROUP used elements at once.
 *
 * Like every Rx path, buffers are taken raw from the pool (virtio_rx_alloc):
 * the group step writes every field a received packet needs (rearm data,
 * ol_flags, packet_type, lengths, vlan_tci, hash) with two 16-byte stores.
 */

#ifndef VIRTIO_SPLIT_RX_VEC_H
#define VIRTIO_SPLIT_RX_VEC_H

#include "split_vec.h"
#include "stats_update.h"

/*
 * Checks `GROUP` used elements starting at `ue` (ids from `base` on, lengths
 * within the posted buffer); on success fills pkts[0..GROUP) and adds the
 * data bytes to *bytes, on failure touches nothing and returns false.
 */
typedef bool (*vec_rx_group_t)(struct virtnet_rxq *rxq, const struct vring_used_elem *ue,
			       uint16_t base, struct rte_mbuf **pkts, uint64_t *bytes);

static __rte_always_inline void
vec_rx_fields(struct rte_mbuf *m, __m128i rearm, __m128i fields)
{
	_mm_storeu_si128((__m128i *)RTE_PTR_ADD(m, offsetof(struct rte_mbuf, rearm_data)), rearm);
	_mm_storeu_si128((__m128i *)RTE_PTR_ADD(m, offsetof(struct rte_mbuf,
							     rx_descriptor_fields1)), fields);
}

/* Posts up to `want` raw mbufs in ring order; returns how many. */
static inline uint16_t
vec_rx_refill(struct virtnet_rxq *rxq, uint16_t want)
{
	struct virtqueue *vq = &rxq->vq;
	struct rte_mbuf *mbufs[VIRTIO_RX_REFILL_BATCH * 4];
	uint16_t old_idx = vq->avail_idx;
	uint16_t ask = RTE_MIN(want, (uint16_t)RTE_DIM(mbufs));
	uint16_t n = virtio_rx_alloc(rxq, mbufs, ask);
	uint16_t i;

	rxq->stats.nombuf += ask - n;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = mbufs[i];
		uint16_t id = vec_alloc_desc(vq);

		vec_write_desc(&vq->desc[id],
			       vq_mbuf_dev_addr(vq, m) + RTE_PKTMBUF_HEADROOM - rxq->hdr_size,
			       rxq->post_len, VRING_DESC_F_WRITE);
		vec_set_extra(&vq->extra[id], m, id);
		vq_avail_push(vq, id);
	}
	if (n > 0)
		vq_publish_and_notify(vq, old_idx);
	return n;
}

/* One used element the group step could not take: validated on its own. */
static __rte_always_inline bool
vec_rx_one(struct virtnet_rxq *rxq, uint16_t pos, struct rte_mbuf **pkt, uint64_t *bytes)
{
	struct vring_used_elem ue = vq_used_elem(&rxq->vq, pos);
	struct rte_mbuf *m = vec_take_by_id(&rxq->vq, ue.id);

	if (unlikely(m == NULL)) {
		rxq->stats.errors++;
		return false;
	}
	if (unlikely(!virtio_rx_len_ok(rxq, ue.len, rxq->hdr_size))) {
		rte_mempool_put(rxq->mp, m);
		rxq->stats.errors++;
		return false;
	}
	virtio_rx_init_pkt(rxq, m, ue.len - rxq->hdr_size);
	*pkt = m;
	*bytes += m->pkt_len;
	return true;
}

static __rte_always_inline uint16_t
vec_rx_burst(struct virtnet_rxq *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts,
	     const uint16_t group, vec_rx_group_t group_step)
{
	struct virtqueue *vq = &rxq->vq;
	uint16_t pos = vq->used_cons;
	uint16_t fast = 0, nb_rx, i, n;
	uint64_t bytes = 0;

	if (unlikely(vq->vec_given_up))
		return virtio_recv_pkts(rxq, pkts, nb_pkts);
	n = RTE_MIN(vq_used_pending(vq), nb_pkts);

	/* Fast: whole groups in ring order, none already taken out of order. */
	if (likely(vq->ooo_done == 0)) {
		while (n - fast >= group && vec_run_to_ring_end(vq, pos + fast) >= group &&
		       group_step(rxq, &vq->used->ring[(pos + fast) & vq->mask],
				  vq_oldest(vq), &pkts[fast], &bytes)) {
			fast += group;
			vq->nfree += group;
		}
	}
	nb_rx = fast;
	for (i = fast; i < n; i++)
		if (vec_rx_one(rxq, (uint16_t)(pos + i), &pkts[nb_rx], &bytes))
			nb_rx++;
	vq->used_cons += n;
	rxq->stats.packets += nb_rx;
	rxq->stats.bytes += bytes;
	virtio_stats_burst(&rxq->stats, pkts, nb_rx);
	vec_check_stall(vq);
	if (vq->nfree >= rxq->refill_thresh) {
		if (unlikely(vq->vec_given_up))
			virtio_split_rx_refill(rxq, vq->nfree); /* from the free list now */
		else
			vec_rx_refill(rxq, vq->nfree);
	}
	vq_suppress_interrupts(vq);
	return nb_rx;
}

#endif /* VIRTIO_SPLIT_RX_VEC_H */
