/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Split-ring transmit, device may complete chains in any order.
 *
 * Three layouts, cheapest first:
 *  - header pushed into the mbuf headroom: one descriptor per segment;
 *  - indirect table (multi-segment, INDIRECT_DESC): one ring descriptor;
 *  - header from the per-slot area, then one descriptor per segment.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "split_tx.h"
#include "stats_update.h"

#define TX_FREE_BULK 64

/*
 * Frees the chains the device has completed. Any order: each used element
 * names its chain and is validated. In order: elements may be stale (a device
 * may write only the last of a batch), so only the count is used and chains
 * are freed oldest first.
 */
static __rte_always_inline uint16_t
cleanup(struct virtnet_txq *txq, const bool inorder)
{
	struct virtqueue *vq = &txq->vq;
	uint16_t pending = inorder ? vq_used_pending_inorder(vq, vq->chains) :
				     vq_used_pending(vq);
	struct rte_mbuf *done[TX_FREE_BULK];
	uint16_t ndone = 0, freed = 0;
	uint16_t i;

	for (i = 0; i < pending; i++) {
		struct vq_desc_extra *dx;

		if (inorder) {
			uint16_t oldest = vq_oldest(vq);

			/*
			 * The device may leave all but the last entry of a batch
			 * stale (spec 2.7.9), but that one must name the chain it
			 * completes. A wrong one is counted; the chains are still
			 * freed by the count, which was checked against those in
			 * flight.
			 */
			if (i + 1 == pending) {
				uint32_t last_id = vq_used_elem(vq, vq->used_cons + i).id;

				if (unlikely(last_id != oldest))
					vq_device_error(vq, VQ_ERR_USED_ID, last_id, vq->size);
			}
			dx = &vq->extra[oldest];
			freed += dx->ndescs;
			done[ndone++] = dx->cookie;
			vq_free_oldest(vq);
			vq->chains--;
		} else {
			struct vring_used_elem ue = vq_used_elem(vq, vq->used_cons + i);

			dx = vq_used_chain(vq, ue.id);
			if (unlikely(dx == NULL))
				continue;
			freed += dx->ndescs;
			done[ndone++] = dx->cookie;
			vq_free_chain(vq, (uint16_t)ue.id);
		}
		if (ndone == TX_FREE_BULK) {
			rte_pktmbuf_free_bulk(done, ndone);
			ndone = 0;
		}
	}
	vq->used_cons += pending;
	if (ndone > 0)
		rte_pktmbuf_free_bulk(done, ndone);
	return freed;
}

uint16_t
virtio_txq_cleanup(struct virtnet_txq *txq)
{
	return cleanup(txq, false);
}

uint16_t
virtio_txq_cleanup_inorder(struct virtnet_txq *txq)
{
	return cleanup(txq, true);
}

/* Writes the chain's ring descriptors; returns the descriptors consumed. */
static inline uint16_t
enqueue_one(struct virtnet_txq *txq, struct rte_mbuf *m, uint16_t head, uint16_t ndescs,
	    bool pushed, bool indirect)
{
	struct virtqueue *vq = &txq->vq;
	struct virtio_tx_slot *slot = &txq->slots[head];
	uint64_t slot_addr = virtio_tx_slot_dev_addr(txq, head);
	struct vring_desc *d = &vq->desc[head];
	uint16_t hdr_size = txq->hdr_size;

	if (pushed) {
		void *hdr = rte_pktmbuf_mtod_offset(m, uint8_t *, -(int)hdr_size);
		uint16_t last;

		virtio_tx_hdr_write(hdr, hdr_size, m, txq->offloads);
		last = fill_segments(vq, vq->desc, vq->next, head, m);
		/* The first descriptor starts at the header. */
		d->addr -= hdr_size;
		d->len += hdr_size;
		RTE_SET_USED(last);
	} else if (indirect) {
		split_tx_indirect(txq, head, m, d);
	} else {
		virtio_tx_hdr_write(&slot->hdr, hdr_size, m, txq->offloads);
		d->addr = slot_addr + offsetof(struct virtio_tx_slot, hdr);
		d->len = hdr_size;
		d->flags = VRING_DESC_F_NEXT;
		d->next = vq->next[head];
		fill_segments(vq, vq->desc, vq->next, vq->next[head], m);
	}
	return ndescs;
}

static __rte_always_inline uint16_t
xmit(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts, const bool inorder)
{
	struct virtnet_txq *txq = queue;
	struct virtqueue *vq = &txq->vq;
	uint16_t old_idx = vq->avail_idx;
	struct virtio_stats_acc acc = VIRTIO_STATS_ACC_INIT(&txq->stats);
	uint64_t bytes = 0;
	uint16_t nb_tx;

	if (virtio_tx_should_clean(txq, nb_pkts))
		cleanup(txq, inorder);

	for (nb_tx = 0; nb_tx < nb_pkts; nb_tx++) {
		struct rte_mbuf *m = pkts[nb_tx];
		bool pushed, indirect;
		uint16_t ndescs;
		uint16_t head, tail;

		if (unlikely(!virtio_tx_offload_apply(txq, &m)))
			continue;
		ndescs = virtio_tx_plan(txq, m, &pushed, &indirect);
		if (unlikely(ndescs == 0)) {
			/* Could never fit: drop it rather than stall the queue. */
			txq->stats.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(ndescs > vq->nfree)) {
			cleanup(txq, inorder);
			if (ndescs > vq->nfree)
				break;
		}
		head = vq_alloc_chain(vq, ndescs, &tail);
		enqueue_one(txq, m, head, ndescs, pushed, indirect);
		vq->extra[head].cookie = m;
		vq->extra[head].ndescs = ndescs;
		vq->extra[head].tail = tail;
		vq_avail_push(vq, head);
		if (inorder)
			vq->chains++;
		bytes += m->pkt_len;
		virtio_stats_acc_pkt(&acc, m);
	}
	split_tx_publish(txq, old_idx, bytes);
	virtio_stats_acc_flush(&acc);
	return nb_tx;
}

uint16_t
virtio_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	return xmit(txq, pkts, nb_pkts, false);
}

/* Descriptors are taken and returned in ring order, so no free list is walked. */
uint16_t
virtio_xmit_pkts_inorder(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	return xmit(txq, pkts, nb_pkts, true);
}
