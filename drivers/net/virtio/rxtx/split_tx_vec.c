/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Vectorized split-ring transmit (beyond the stock driver, which has none).
 *
 * Every packet takes exactly one descriptor, in ring order (split_vec.h):
 * the net header goes into the headroom when the mbuf is ours alone,
 * otherwise the packet is described by its slot's indirect table (the path
 * is elected only with VIRTIO_RING_F_INDIRECT_DESC). Descriptors are written
 * with one 16-byte store and completions are checked two at a time.
 */

#include "split_tx.h"
#include "split_vec.h"
#include "stats_update.h"

#define TX_FREE_BULK 64

/* Frees what the device has sent; returns descriptors freed. */
static uint16_t
vec_tx_cleanup(struct virtnet_txq *txq)
{
	struct virtqueue *vq = &txq->vq;
	uint16_t pending = vq_used_pending(vq);
	uint16_t nfree_before = vq->nfree;
	struct rte_mbuf *done[TX_FREE_BULK];
	uint16_t ndone = 0, i = 0;

	while (i < pending) {
		uint16_t pos = (uint16_t)(vq->used_cons + i);

		if (ndone + 2 > TX_FREE_BULK) {
			rte_pktmbuf_free_bulk(done, ndone);
			ndone = 0;
		}
		/* Two in ring order at once, unless a buffer already came back early. */
		if (vq->ooo_done == 0 && pending - i >= 2 && vec_run_to_ring_end(vq, pos) >= 2) {
			__m128i ue = _mm_loadu_si128((const __m128i *)&vq->used->ring[pos & vq->mask]);
			uint16_t base = vq_oldest(vq);

			if (_mm_movemask_epi8(vec_ids_match_sse(ue, base, vq->mask)) == 0x0f0f) {
				done[ndone++] = vec_take_oldest(vq, base);
				done[ndone++] = vec_take_oldest(vq, (uint16_t)((base + 1) & vq->mask));
				vq->nfree += 2;
				i += 2;
				continue;
			}
		}
		{
			struct vring_used_elem ue = vq_used_elem(vq, pos);
			struct rte_mbuf *m = vec_take_by_id(vq, ue.id);

			if (m != NULL)
				done[ndone++] = m;
			i++;
		}
	}
	vq->used_cons += pending;
	if (ndone > 0)
		rte_pktmbuf_free_bulk(done, ndone);
	vec_check_stall(vq);
	return (uint16_t)(vq->nfree - nfree_before);
}

/* Writes the one descriptor of m into id; false if m cannot be sent at all. */
static __rte_always_inline bool
vec_tx_enqueue(struct virtnet_txq *txq, struct rte_mbuf *m, uint16_t id)
{
	struct virtqueue *vq = &txq->vq;
	uint16_t hdr_size = txq->hdr_size;

	if (likely(m->nb_segs == 1 && virtio_tx_can_push(m, hdr_size))) {
		void *hdr = rte_pktmbuf_mtod_offset(m, uint8_t *, -(int)hdr_size);

		memset(hdr, 0, hdr_size);
		vec_write_desc(&vq->desc[id], virtio_seg_dev_addr(vq, m) - hdr_size,
			       m->data_len + hdr_size, 0);
		return true;
	}
	if (unlikely(m->nb_segs >= VIRTIO_TX_INDIRECT_MAX))
		return false;
	split_tx_indirect(txq, id, m, &vq->desc[id]);
	return true;
}

uint16_t
virtio_xmit_pkts_vec(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtnet_txq *txq = queue;
	struct virtqueue *vq = &txq->vq;
	uint16_t old_idx = vq->avail_idx;
	struct virtio_stats_acc acc = VIRTIO_STATS_ACC_INIT(&txq->stats);
	uint64_t bytes = 0;
	uint16_t nb_tx;

	if (unlikely(vq->vec_given_up))
		return virtio_xmit_pkts(txq, pkts, nb_pkts);
	if (virtio_tx_should_clean(txq, nb_pkts))
		vec_tx_cleanup(txq);

	for (nb_tx = 0; nb_tx < nb_pkts; nb_tx++) {
		struct rte_mbuf *m = pkts[nb_tx];
		uint16_t id;

		if (unlikely(vq->nfree == 0) && vec_tx_cleanup(txq) == 0)
			break;
		if (unlikely(vq->vec_given_up))
			break; /* the rest goes the scalar way, below */
		id = vq->free_head;
		if (unlikely(!vec_tx_enqueue(txq, m, id))) {
			/* Too many segments for one indirect table: drop, never stall. */
			txq->stats.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		vec_alloc_desc(vq);
		vec_set_extra(&vq->extra[id], m, id);
		vq_avail_push(vq, id);
		bytes += m->pkt_len;
		virtio_stats_acc_pkt(&acc, m);
	}
	split_tx_publish(txq, old_idx, bytes);
	virtio_stats_acc_flush(&acc);
	if (unlikely(vq->vec_given_up) && nb_tx < nb_pkts)
		nb_tx += virtio_xmit_pkts(txq, &pkts[nb_tx], nb_pkts - nb_tx);
	return nb_tx;
}

uint16_t
virtio_txq_cleanup_vec(struct virtnet_txq *txq)
{
	return vec_tx_cleanup(txq);
}
