/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Split-ring receive, device may complete buffers in any order.
 *
 * Each posted buffer is one device-writable descriptor covering the tail of
 * the mbuf headroom (room for the net header) and the whole data room, so the
 * header lands just before the packet and no copy is needed.
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "offload.h"
#include "rxtx.h"
#include "stats_update.h"

static inline void
post_buffer(struct virtnet_rxq *rxq, struct rte_mbuf *m)
{
	struct virtqueue *vq = &rxq->vq;
	uint16_t tail;
	uint16_t id = vq_alloc_chain(vq, 1, &tail);
	struct vring_desc *d = &vq->desc[id];

	d->addr = vq_mbuf_dev_addr(vq, m) + RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	d->len = rxq->post_len;
	d->flags = VRING_DESC_F_WRITE;
	vq->extra[id].cookie = m;
	vq->extra[id].ndescs = 1;
	vq->extra[id].tail = id;
	vq_avail_push(vq, id);
}

uint16_t
virtio_split_rx_refill(struct virtnet_rxq *rxq, uint16_t want)
{
	uint16_t old_idx = rxq->vq.avail_idx;
	uint16_t posted = virtio_rx_post_many(rxq, want, post_buffer);

	if (posted > 0)
		vq_publish_and_notify(&rxq->vq, old_idx);
	return posted;
}

static inline void
refill_if_worth_it(struct virtnet_rxq *rxq)
{
	struct virtqueue *vq = &rxq->vq;

	if (vq->nfree >= rxq->refill_thresh)
		virtio_split_rx_refill(rxq, vq->nfree);
	vq_suppress_interrupts(vq);
}

/*
 * Takes back the buffer a used element completes, after checking that the
 * device names a buffer it owns (any order) or exactly the oldest one
 * (in order). Returns NULL when it does not; the caller counts the error and
 * calls skip_bad_buffer() so the ring keeps moving.
 */
static __rte_always_inline struct rte_mbuf *
take_buffer(struct virtqueue *vq, uint32_t id, const bool inorder)
{
	struct rte_mbuf *m;

	if (inorder) {
		uint16_t oldest = vq_oldest(vq);

		if (unlikely(id != oldest)) {
			vq_device_error(vq, VQ_ERR_USED_ID, id, vq->size);
			return NULL;
		}
		m = vq->extra[oldest].cookie;
		vq_free_oldest(vq);
		return m;
	}
	{
		struct vq_desc_extra *dx = vq_used_chain(vq, id);

		if (dx == NULL)
			return NULL;
		m = dx->cookie;
		vq_free_chain(vq, (uint16_t)id);
		return m;
	}
}

/* The mbuf a used element would complete, without taking it (NULL if invalid). */
static __rte_always_inline struct rte_mbuf *
peek_buffer(struct virtqueue *vq, uint32_t id, const bool inorder)
{
	if (inorder) {
		if (unlikely(id != vq_oldest(vq))) {
			vq_device_error(vq, VQ_ERR_USED_ID, id, vq->size);
			return NULL;
		}
		return vq->extra[id].cookie;
	}
	{
		struct vq_desc_extra *dx = vq_used_chain(vq, id);

		return dx == NULL ? NULL : dx->cookie;
	}
}

static inline void
drop_fresh_mbuf(struct virtnet_rxq *rxq, struct rte_mbuf *m)
{
	/* Posted mbufs come straight from the pool and were never chained. */
	rte_mbuf_raw_free(m);
	rxq->stats.errors++;
}

/*
 * After an invalid used element: an in-order ring gives up its oldest buffer
 * so that the next element lines up again; an any-order ring has nothing to
 * reclaim (the id named nothing we own).
 */
static __rte_always_inline void
give_up_oldest(struct virtqueue *vq, const bool inorder)
{
	if (inorder && vq->nfree < vq->size) {
		struct rte_mbuf *m = vq->extra[vq_oldest(vq)].cookie;

		vq_free_oldest(vq);
		rte_mbuf_raw_free(m);
	}
}

static __rte_always_inline void
skip_bad_buffer(struct virtnet_rxq *rxq, const bool inorder)
{
	give_up_oldest(&rxq->vq, inorder);
	rxq->stats.errors++;
}

/* Rx buffers are single descriptors: chains in flight = descriptors in flight. */
static __rte_always_inline uint16_t
rx_pending(struct virtqueue *vq, const bool inorder)
{
	if (inorder)
		return vq_used_pending_inorder(vq, vq->size - vq->nfree);
	return vq_used_pending(vq);
}

static __rte_always_inline uint16_t
recv_single(struct virtnet_rxq *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts,
	    const bool inorder)
{
	struct virtqueue *vq = &rxq->vq;
	uint16_t n = RTE_MIN(rx_pending(vq, inorder), nb_pkts);
	uint16_t hdr_size = rxq->hdr_size;
	uint16_t i, nb_rx = 0;
	uint64_t bytes = 0;

	for (i = 0; i < n; i++) {
		struct vring_used_elem ue = vq_used_elem(vq, vq->used_cons + i);
		uint32_t len = ue.len;
		struct rte_mbuf *m = take_buffer(vq, ue.id, inorder);

		if (unlikely(m == NULL)) {
			skip_bad_buffer(rxq, inorder);
			continue;
		}
		if (unlikely(!virtio_rx_len_ok(rxq, len, hdr_size))) {
			drop_fresh_mbuf(rxq, m);
			continue;
		}
		len -= hdr_size;
		virtio_rx_init_pkt(rxq, m, len);
		virtio_rx_offload_apply(rxq, m);
		pkts[nb_rx++] = m;
		bytes += len;
	}
	vq->used_cons += n;
	rxq->stats.packets += nb_rx;
	rxq->stats.bytes += bytes;
	virtio_stats_burst(&rxq->stats, pkts, nb_rx);
	refill_if_worth_it(rxq);
	return nb_rx;
}

static __rte_always_inline uint16_t
recv_mergeable(struct virtnet_rxq *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts,
	       const bool inorder)
{
	struct virtqueue *vq = &rxq->vq;
	uint16_t pending = rx_pending(vq, inorder);
	uint16_t hdr_size = rxq->hdr_size;
	uint16_t nb_rx = 0;
	uint64_t bytes = 0;

	while (nb_rx < nb_pkts && pending > 0) {
		struct vring_used_elem ue = vq_used_elem(vq, vq->used_cons);
		struct rte_mbuf *head = peek_buffer(vq, ue.id, inorder);
		struct rte_mbuf *tail;
		uint32_t len = ue.len;
		uint16_t nbufs, k;
		bool bad = false;

		if (unlikely(head == NULL)) {
			skip_bad_buffer(rxq, inorder);
			vq->used_cons++;
			pending--;
			continue;
		}
		nbufs = virtio_rx_num_buffers(rxq, head);
		if (unlikely(!virtio_rx_len_ok(rxq, len, hdr_size))) {
			bad = true;
		} else if (unlikely(nbufs == 0 || nbufs > vq->size - vq->nfree)) {
			vq_device_error(vq, VQ_ERR_NUM_BUFFERS, nbufs, vq->size - vq->nfree);
			bad = true;
		} else if (nbufs > pending) {
			break; /* the rest of this packet is not published yet */
		}
		take_buffer(vq, ue.id, inorder);
		vq->used_cons++;
		pending--;
		if (unlikely(bad)) {
			drop_fresh_mbuf(rxq, head);
			continue;
		}

		virtio_rx_init_pkt(rxq, head, len - hdr_size);
		tail = head;
		for (k = 1; k < nbufs; k++) {
			struct vring_used_elem ce = vq_used_elem(vq, vq->used_cons);
			uint32_t clen = ce.len;
			struct rte_mbuf *seg = take_buffer(vq, ce.id, inorder);

			vq->used_cons++;
			pending--;
			if (unlikely(seg == NULL)) {
				give_up_oldest(vq, inorder);
				bad = true;
				continue;
			}
			if (!virtio_rx_append_checked(rxq, head, &tail, seg, clen))
				bad = true;
		}
		if (unlikely(bad)) {
			rte_pktmbuf_free(head);
			rxq->stats.errors++;
			continue;
		}
		virtio_rx_offload_apply(rxq, head);
		pkts[nb_rx++] = head;
		bytes += head->pkt_len;
	}
	rxq->stats.packets += nb_rx;
	rxq->stats.bytes += bytes;
	virtio_stats_burst(&rxq->stats, pkts, nb_rx);
	refill_if_worth_it(rxq);
	return nb_rx;
}

uint16_t
virtio_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	return recv_single(rxq, pkts, nb_pkts, false);
}

uint16_t
virtio_recv_mergeable_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	return recv_mergeable(rxq, pkts, nb_pkts, false);
}

/* One callback for both buffer kinds, as the stock driver names it. */
uint16_t
virtio_recv_pkts_inorder(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtnet_rxq *rxq = queue;

	if (rxq->mergeable)
		return recv_mergeable(rxq, pkts, nb_pkts, true);
	return recv_single(rxq, pkts, nb_pkts, true);
}
