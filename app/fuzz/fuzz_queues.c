/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <rte_malloc.h>

#include "fuzz_queues.h"
#include "rxtx/offload.h"

static void
count_kick(struct virtqueue *vq)
{
	struct fz_queues *q = vq->notify_cookie;

	q->kicks++;
}

static void *
ring_alloc(size_t len)
{
	void *mem = aligned_alloc(4096, RTE_ALIGN_CEIL(len, 4096));

	FZ_CHECK(mem != NULL, "no memory for a %zu-byte ring", len);
	memset(mem, 0, len);
	return mem;
}

void
fz_queues_create(struct fz_queues *q, uint16_t size, bool packed, bool mergeable, bool in_order,
		 bool use_indirect, uint8_t rx_offloads, uint8_t tx_offloads,
		 struct rte_mempool *rx_mp, struct rte_mempool *tx_mp)
{
	struct virtio_queue_params p = {
		.size = size,
		.use_va = true,
		.hdr_size = FZ_HDR_SIZE,
		.mergeable = mergeable,
		.packed = packed,
		.in_order = in_order,
	};
	int ret;

	memset(q, 0, sizeof(*q));
	q->rx_mp = rx_mp;
	q->tx_mp = tx_mp;
	q->rxq = rte_zmalloc("fz_rxq", sizeof(*q->rxq), RTE_CACHE_LINE_SIZE);
	q->txq = rte_zmalloc("fz_txq", sizeof(*q->txq), RTE_CACHE_LINE_SIZE);
	FZ_CHECK(q->rxq != NULL && q->txq != NULL, "no memory for the queues");

	q->rx_ring_len = virtio_rxq_mem_size(size, packed);
	q->rx_ring = ring_alloc(q->rx_ring_len);
	p.vq_index = 0;
	p.mem = q->rx_ring;
	p.dev_addr = (uintptr_t)q->rx_ring;
	ret = virtio_rxq_init(q->rxq, &p, rx_mp);
	FZ_CHECK(ret == 0, "virtio_rxq_init: %d", ret);
	q->rxq->offloads = rx_offloads;

	q->tx_ring_len = virtio_txq_mem_size(size, packed);
	q->tx_ring = ring_alloc(q->tx_ring_len);
	p.vq_index = 1;
	p.mergeable = false;
	p.mem = q->tx_ring;
	p.dev_addr = (uintptr_t)q->tx_ring;
	ret = virtio_txq_init(q->txq, &p, use_indirect);
	FZ_CHECK(ret == 0, "virtio_txq_init: %d", ret);
	q->txq->offloads = tx_offloads;

	q->rxq->vq.notify = count_kick;
	q->rxq->vq.notify_cookie = q;
	q->txq->vq.notify = count_kick;
	q->txq->vq.notify_cookie = q;

	ret = virtio_rxq_fill(q->rxq);
	FZ_CHECK(ret == size, "Rx fill posted %d of %u buffers", ret, size);
}

void
fz_queues_destroy(struct fz_queues *q)
{
	virtio_rxq_reclaim(q->rxq);
	virtio_txq_reclaim(q->txq);
	vq_fini(&q->rxq->vq);
	vq_fini(&q->txq->vq);
	free(q->rx_ring);
	free(q->tx_ring);
	rte_free(q->rxq);
	rte_free(q->txq);
	fz_check_pool_full(q->rx_mp, "Rx after the queue was stopped");
	fz_check_pool_full(q->tx_mp, "Tx after the queue was stopped");
	memset(q, 0, sizeof(*q));
}

uint16_t
fz_rx_burst(struct fz_queues *q, fz_burst_t rx, uint16_t n)
{
	struct rte_mbuf *pkts[FZ_MAX_BURST];
	struct virtnet_rxq *rxq = q->rxq;
	/* Mergeable: a packet spans at most the buffers the ring holds. */
	unsigned int max_segs = rxq->mergeable ? rxq->vq.size : 1;
	uint32_t max_len = (rxq->post_len - rxq->hdr_size) * max_segs;
	uint16_t got;

	n = RTE_MIN(n, (uint16_t)FZ_MAX_BURST);
	got = rx(rxq, pkts, n);
	FZ_CHECK(got <= n, "burst of %u returned %u", n, got);
	fz_rx_consume(pkts, got, max_len, max_segs);
	return got;
}

/* Offload requests an application may make (the driver must refuse what it cannot do). */
static const uint64_t tx_flag_choices[] = {
	RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM,
	RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM,
	RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM,
	RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM,
	RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM,
	RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG,
	RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG,
	RTE_MBUF_F_TX_VLAN,
	RTE_MBUF_F_TX_SCTP_CKSUM,
	RTE_MBUF_F_TX_TCP_SEG, /* without an IP version */
};

uint16_t
fz_tx_burst(struct fz_in *in, struct fz_queues *q, fz_burst_t tx)
{
	struct rte_mbuf *pkts[FZ_MAX_BURST];
	struct rte_mbuf *extra_ref[FZ_MAX_BURST];
	uint16_t n = fz_u8(in) % (FZ_MAX_BURST + 1);
	uint16_t i, built = 0, nref = 0, ok, sent;

	for (i = 0; i < n; i++) {
		uint8_t shape = fz_u8(in);
		/* Mostly short chains; a few past VIRTIO_TX_MAX_SEGS, which must be dropped. */
		unsigned int nsegs = shape >= 250 ? VIRTIO_TX_MAX_SEGS + 1 : 1 + shape % 6;
		uint32_t len = fz_u16(in) % 9800;
		uint8_t opts = fz_u8(in);
		/* No room for the header in front of the data, or the default headroom. */
		uint16_t headroom = (opts & 1) ? (opts >> 4) : RTE_PKTMBUF_HEADROOM;
		struct rte_mbuf *m;

		if (len < nsegs)
			len = nsegs;
		m = fz_tx_mbuf(in, q->tx_mp, len, nsegs, headroom);
		if (m == NULL)
			break;
		if (opts & 2) {
			struct rte_mbuf *seg;

			/* Shared with the application: the header may not be pushed. */
			for (seg = m; seg != NULL; seg = seg->next)
				rte_mbuf_refcnt_update(seg, 1);
			extra_ref[nref++] = m;
		}
		if (q->txq->offloads != 0 && (opts & 4)) {
			m->ol_flags = tx_flag_choices[fz_u8(in) % RTE_DIM(tx_flag_choices)];
			m->l2_len = fz_u8(in) & 0x7f;
			m->l3_len = fz_u8(in);
			m->l4_len = fz_u8(in) & 0x7f;
			m->tso_segsz = fz_u16(in);
			m->vlan_tci = fz_u16(in);
		}
		pkts[built++] = m;
	}
	ok = built;
	if (q->txq->offloads != 0)
		ok = virtio_xmit_pkts_prepare(q->txq, pkts, built);
	FZ_CHECK(ok <= built, "tx_prepare of %u returned %u", built, ok);
	sent = tx(q->txq, pkts, ok);
	FZ_CHECK(sent <= ok, "burst of %u sent %u", ok, sent);
	for (i = sent; i < built; i++)
		rte_pktmbuf_free(pkts[i]);
	/* The application lets go of its reference; the driver keeps its own. */
	for (i = 0; i < nref; i++)
		rte_pktmbuf_free(extra_ref[i]);
	return sent;
}
