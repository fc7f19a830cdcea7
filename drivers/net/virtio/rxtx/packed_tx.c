/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Packed-ring transmit (spec 2.8). A packet takes consecutive ring slots
 * (header pushed into the headroom, or a header slot, then one per segment)
 * or a single slot pointing at an indirect table. The buffer id goes in
 * every descriptor of the chain; the head's flags are written last, which
 * publishes the whole chain at once.
 *
 * Completion: any order, each used descriptor names its buffer. In order
 * (VIRTIO_F_IN_ORDER), a used descriptor may stand for a whole batch ending
 * at the buffer it names, so buffers are freed oldest first up to it.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "offload.h"
#include "rxtx.h"
#include "stats_update.h"

#define TX_FREE_BULK 64

struct free_batch {
	struct rte_mbuf *mbufs[TX_FREE_BULK];
	uint16_t n;
};

static inline void
batch_add(struct free_batch *b, struct rte_mbuf *m)
{
	b->mbufs[b->n++] = m;
	if (b->n == TX_FREE_BULK) {
		rte_pktmbuf_free_bulk(b->mbufs, b->n);
		b->n = 0;
	}
}

/* Frees the oldest buffer in flight (in-order rings); returns its id. */
static inline uint16_t
free_oldest(struct virtqueue *vq, struct free_batch *b)
{
	uint16_t id = vq->oldest_id;
	struct vq_desc_extra *dx = &vq->extra[id];

	vq_packed_advance(&vq->next_used, &vq->used_wrap, dx->ndescs, vq->size);
	vq->nfree += dx->ndescs;
	batch_add(b, dx->cookie);
	dx->ndescs = 0;
	dx->cookie = NULL;
	vq->oldest_id = vq->next[id];
	return id;
}

static __rte_always_inline uint16_t
cleanup(struct virtnet_txq *txq, const bool inorder)
{
	struct virtqueue *vq = &txq->vq;
	struct free_batch b = { .n = 0 };
	uint16_t before = vq->nfree;

	while (vq->nfree < vq->size) {
		const struct vring_packed_desc *d = &vq->pdesc[vq->next_used];
		uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
		struct vq_desc_extra *dx;
		uint16_t id;

		if (!vq_packed_is_used(vq, flags))
			break;
		id = d->id;
		dx = vq_used_chain(vq, id);
		if (unlikely(dx == NULL)) {
			/*
			 * An in-order device completes the oldest buffer first, so
			 * this must be it under a garbled id. Any order: we cannot
			 * know the chain, step over the slot and resynchronise.
			 */
			if (inorder)
				free_oldest(vq, &b);
			else
				vq_packed_advance(&vq->next_used, &vq->used_wrap, 1, vq->size);
			continue;
		}
		if (inorder) {
			while (free_oldest(vq, &b) != id)
				;
		} else {
			vq_packed_advance(&vq->next_used, &vq->used_wrap, dx->ndescs, vq->size);
			batch_add(&b, dx->cookie);
			vq_free_chain(vq, id);
		}
	}
	if (b.n > 0)
		rte_pktmbuf_free_bulk(b.mbufs, b.n);
	return vq->nfree - before;
}

/* Writes one descriptor of a chain; the head's flags are held back by the caller. */
static inline void
write_desc(struct virtqueue *vq, uint16_t slot, uint64_t addr, uint32_t len, uint16_t id,
	   uint16_t flags, bool is_head)
{
	struct vring_packed_desc *d = &vq->pdesc[slot];

	d->addr = addr;
	d->len = len;
	d->id = id;
	if (!is_head)
		d->flags = flags;
}

/* Lays out m's descriptors; returns the flags the head must be published with. */
static inline uint16_t
enqueue_one(struct virtnet_txq *txq, struct rte_mbuf *m, uint16_t id, bool pushed,
	    bool indirect, uint16_t *head_slot)
{
	struct virtqueue *vq = &txq->vq;
	struct virtio_tx_slot *slot = &txq->slots[id];
	uint64_t slot_addr = virtio_tx_slot_dev_addr(txq, id);
	uint16_t hdr_size = txq->hdr_size;
	uint16_t avail_bits, head_flags;
	const struct rte_mbuf *seg;
	bool first = true;

	if (indirect) {
		struct vring_packed_desc *t = slot->indirect_packed;
		uint16_t i;

		virtio_tx_hdr_write(&slot->hdr, hdr_size, m, txq->offloads);
		t[0] = (struct vring_packed_desc){
			.addr = slot_addr + offsetof(struct virtio_tx_slot, hdr),
			.len = hdr_size,
		};
		for (seg = m, i = 1; seg != NULL; seg = seg->next, i++)
			t[i] = (struct vring_packed_desc){
				.addr = virtio_seg_dev_addr(vq, seg),
				.len = seg->data_len,
			};
		*head_slot = vq_packed_take_slot(vq, &avail_bits);
		write_desc(vq, *head_slot,
			   slot_addr + offsetof(struct virtio_tx_slot, indirect_packed),
			   sizeof(struct vring_packed_desc) * i, id, 0, true);
		return VRING_DESC_F_INDIRECT | avail_bits;
	}

	head_flags = 0;
	if (pushed) {
		virtio_tx_hdr_write(rte_pktmbuf_mtod_offset(m, void *, -(int)hdr_size), hdr_size, m,
				    txq->offloads);
	} else {
		virtio_tx_hdr_write(&slot->hdr, hdr_size, m, txq->offloads);
		*head_slot = vq_packed_take_slot(vq, &avail_bits);
		write_desc(vq, *head_slot, slot_addr + offsetof(struct virtio_tx_slot, hdr),
			   hdr_size, id, 0, true);
		head_flags = VRING_DESC_F_NEXT | avail_bits;
		first = false;
	}
	for (seg = m; seg != NULL; seg = seg->next) {
		uint64_t addr = virtio_seg_dev_addr(vq, seg);
		uint32_t len = seg->data_len;
		uint16_t pos = vq_packed_take_slot(vq, &avail_bits);
		uint16_t f;

		f = avail_bits | (seg->next != NULL ? VRING_DESC_F_NEXT : 0);
		if (first) {
			/* The header shares the first descriptor. */
			addr -= hdr_size;
			len += hdr_size;
			*head_slot = pos;
			head_flags = f;
		}
		write_desc(vq, pos, addr, len, id, f, first);
		first = false;
	}
	return head_flags;
}

static __rte_always_inline uint16_t
xmit(struct virtnet_txq *txq, struct rte_mbuf **pkts, uint16_t nb_pkts, const bool inorder)
{
	struct virtqueue *vq = &txq->vq;
	uint16_t old_slot = vq->next_avail;
	bool old_wrap = vq->avail_wrap;
	struct virtio_stats_acc acc = VIRTIO_STATS_ACC_INIT(&txq->stats);
	uint64_t bytes = 0;
	uint16_t nb_tx, sent = 0;

	if (virtio_tx_should_clean(txq, nb_pkts))
		cleanup(txq, inorder);

	for (nb_tx = 0; nb_tx < nb_pkts; nb_tx++) {
		struct rte_mbuf *m = pkts[nb_tx];
		bool pushed, indirect;
		uint16_t ndescs;
		uint16_t id, head_slot, head_flags;

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
		id = vq_packed_alloc_id(vq);
		vq->extra[id].cookie = m;
		vq->extra[id].ndescs = ndescs;
		vq->extra[id].tail = id;
		vq->nfree -= ndescs;
		head_flags = enqueue_one(txq, m, id, pushed, indirect, &head_slot);
		__atomic_store_n(&vq->pdesc[head_slot].flags, head_flags, __ATOMIC_RELEASE);
		bytes += m->pkt_len;
		sent++;
		virtio_stats_acc_pkt(&acc, m);
	}
	if (sent > 0) {
		vq_packed_notify(vq, old_slot, old_wrap);
		txq->stats.packets += sent;
		txq->stats.bytes += bytes;
		virtio_stats_acc_flush(&acc);
	}
	return nb_tx;
}

uint16_t
virtio_xmit_pkts_packed(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtnet_txq *txq = queue;

	/* One callback for both completion schemes, as the stock driver names it. */
	if (txq->in_order)
		return xmit(txq, pkts, nb_pkts, true);
	return xmit(txq, pkts, nb_pkts, false);
}

uint16_t
virtio_packed_txq_cleanup(struct virtnet_txq *txq)
{
	return txq->in_order ? cleanup(txq, true) : cleanup(txq, false);
}
