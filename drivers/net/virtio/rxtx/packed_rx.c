/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Packed-ring receive (spec 2.8). Each posted buffer is one device-writable
 * descriptor laid out like the split ring's (header at the tail of the
 * headroom). The device overwrites descriptors in ring order with used ones
 * naming a buffer id; ids are validated before anything is believed.
 * In-order devices write every used Rx descriptor, so one path serves both.
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
	uint16_t id = vq_packed_alloc_id(vq);
	uint16_t avail_bits;
	uint16_t slot = vq_packed_take_slot(vq, &avail_bits);
	struct vring_packed_desc *d = &vq->pdesc[slot];

	d->addr = vq_mbuf_dev_addr(vq, m) + RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	d->len = rxq->post_len;
	d->id = id;
	vq->extra[id].cookie = m;
	vq->extra[id].ndescs = 1;
	vq->extra[id].tail = id;
	vq->nfree--;
	/* The flags publish the descriptor: everything else must be visible first. */
	__atomic_store_n(&d->flags, VRING_DESC_F_WRITE | avail_bits, __ATOMIC_RELEASE);
}

uint16_t
virtio_packed_rx_refill(struct virtnet_rxq *rxq, uint16_t want)
{
	struct virtqueue *vq = &rxq->vq;
	uint16_t old_slot = vq->next_avail;
	bool old_wrap = vq->avail_wrap;
	uint16_t posted = virtio_rx_post_many(rxq, want, post_buffer);

	if (posted > 0)
		vq_packed_notify(vq, old_slot, old_wrap);
	return posted;
}

static inline void
refill_if_worth_it(struct virtnet_rxq *rxq)
{
	if (rxq->vq.nfree >= rxq->refill_thresh)
		virtio_packed_rx_refill(rxq, rxq->vq.nfree);
}

/* The used descriptor at the next used slot, or NULL if the device has not written one. */
static inline const struct vring_packed_desc *
next_used_desc(const struct virtqueue *vq, uint16_t slot, bool wrap)
{
	const struct vring_packed_desc *d = &vq->pdesc[slot];
	uint16_t flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
	bool avail = flags & VRING_PACKED_DESC_F_AVAIL;
	bool used = flags & VRING_PACKED_DESC_F_USED;

	return (avail == used && used == wrap) ? d : NULL;
}

/*
 * Takes back the buffer a used descriptor names and moves past it. A bad id
 * names nothing we can free: count it and step over the one slot.
 */
static inline struct rte_mbuf *
take_used(struct virtnet_rxq *rxq, uint16_t id)
{
	struct virtqueue *vq = &rxq->vq;
	struct vq_desc_extra *dx = vq_used_chain(vq, id);
	struct rte_mbuf *m;

	if (unlikely(dx == NULL)) {
		vq_packed_advance(&vq->next_used, &vq->used_wrap, 1, vq->size);
		return NULL;
	}
	m = dx->cookie;
	vq_packed_advance(&vq->next_used, &vq->used_wrap, dx->ndescs, vq->size);
	vq_free_chain(vq, id);
	return m;
}

uint16_t
virtio_recv_pkts_packed(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtnet_rxq *rxq = queue;
	struct virtqueue *vq = &rxq->vq;
	uint16_t hdr_size = rxq->hdr_size;
	uint16_t nb_rx = 0;
	uint64_t bytes = 0;

	while (nb_rx < nb_pkts) {
		const struct vring_packed_desc *d = next_used_desc(vq, vq->next_used, vq->used_wrap);
		struct rte_mbuf *m;
		uint32_t len;

		if (d == NULL)
			break;
		len = d->len;
		m = take_used(rxq, d->id);
		if (unlikely(m == NULL)) {
			rxq->stats.errors++;
			continue;
		}
		if (unlikely(!virtio_rx_len_ok(rxq, len, hdr_size))) {
			rte_mbuf_raw_free(m);
			rxq->stats.errors++;
			continue;
		}
		len -= hdr_size;
		virtio_rx_init_pkt(rxq, m, len);
		virtio_rx_offload_apply(rxq, m);
		pkts[nb_rx++] = m;
		bytes += len;
	}
	rxq->stats.packets += nb_rx;
	rxq->stats.bytes += bytes;
	virtio_stats_burst(&rxq->stats, pkts, nb_rx);
	refill_if_worth_it(rxq);
	return nb_rx;
}

/*
 * True when the n - 1 descriptors after the head are used too. The device
 * marks the head of a multi-buffer packet last (spec 2.8, "Multi-buffer
 * requests"), so this only fails for a device that breaks that rule or lies
 * in num_buffers.
 */
static inline bool
rest_is_used(const struct virtqueue *vq, uint16_t n)
{
	uint16_t slot = vq->next_used;
	bool wrap = vq->used_wrap;
	uint16_t k;

	for (k = 1; k < n; k++) {
		vq_packed_advance(&slot, &wrap, 1, vq->size);
		if (next_used_desc(vq, slot, wrap) == NULL)
			return false;
	}
	return true;
}

uint16_t
virtio_recv_mergeable_pkts_packed(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtnet_rxq *rxq = queue;
	struct virtqueue *vq = &rxq->vq;
	uint16_t hdr_size = rxq->hdr_size;
	uint16_t nb_rx = 0;
	uint64_t bytes = 0;

	while (nb_rx < nb_pkts) {
		const struct vring_packed_desc *d = next_used_desc(vq, vq->next_used, vq->used_wrap);
		struct rte_mbuf *head, *tail;
		struct vq_desc_extra *dx;
		uint32_t len;
		uint16_t nbufs, k;
		bool bad = false;

		if (d == NULL)
			break;
		len = d->len;
		dx = vq_used_chain(vq, d->id);
		if (unlikely(dx == NULL)) {
			vq_packed_advance(&vq->next_used, &vq->used_wrap, 1, vq->size);
			rxq->stats.errors++;
			continue;
		}
		head = dx->cookie;
		nbufs = virtio_rx_num_buffers(rxq, head);
		if (unlikely(!virtio_rx_len_ok(rxq, len, hdr_size))) {
			bad = true;
		} else if (unlikely(nbufs == 0 || nbufs > vq->size - vq->nfree)) {
			vq_device_error(vq, VQ_ERR_NUM_BUFFERS, nbufs, vq->size - vq->nfree);
			bad = true;
		} else if (!rest_is_used(vq, nbufs)) {
			break; /* the rest is not written yet */
		}
		take_used(rxq, d->id);
		if (unlikely(bad)) {
			rte_mbuf_raw_free(head);
			rxq->stats.errors++;
			continue;
		}

		virtio_rx_init_pkt(rxq, head, len - hdr_size);
		tail = head;
		for (k = 1; k < nbufs; k++) {
			const struct vring_packed_desc *c = &vq->pdesc[vq->next_used];
			uint32_t clen = c->len;
			struct rte_mbuf *seg = take_used(rxq, c->id);

			if (unlikely(seg == NULL)) {
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
