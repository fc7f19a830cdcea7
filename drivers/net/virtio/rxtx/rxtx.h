/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Rx/Tx queue objects and the burst functions (callback names match the stock driver). */

#ifndef VIRTIO_RXTX_H
#define VIRTIO_RXTX_H

#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "../virtqueue.h"

/* Packets a Tx chain may span; more than this is dropped and counted. */
#define VIRTIO_TX_MAX_SEGS 64
/* Entries in each Tx slot's indirect table: header + segments. */
#define VIRTIO_TX_INDIRECT_MAX 16
/*
 * Tx frees completed mbufs once more than this many descriptors are in
 * flight (rte_eth_txconf.tx_free_thresh, 0 = this default; at most half a
 * ring). Freeing early keeps the mbufs in circulation few and warm in cache.
 */
#define VIRTIO_TX_FREE_THRESH 32
/* Rx refill happens once this many descriptors are free (less on tiny rings). */
#define VIRTIO_RX_REFILL_BATCH 32

/* A quarter of a small ring, so a ring of a few entries never stalls. */
static inline uint16_t
virtio_rx_refill_thresh(uint16_t ring_size)
{
	return RTE_MAX(1, RTE_MIN(VIRTIO_RX_REFILL_BATCH, ring_size / 4));
}

/* Frame size buckets of the extended stats, see rxtx/stats_update.h. */
#define VIRTIO_SIZE_BINS 8

struct virtnet_queue_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;  /* packets dropped (bad device write, oversize, ...) */
	uint64_t nombuf;  /* Rx: mbufs a refill wanted and the pool did not have */
	uint64_t multicast; /* group destination, broadcast not included */
	uint64_t broadcast;
	uint64_t size_bins[VIRTIO_SIZE_BINS]; /* <64, 64, 65-127, ..., 1024-1518, 1519+ */
};

struct virtnet_rxq {
	struct virtqueue vq; /* first: the burst function touches it most */
	struct rte_mempool *mp;
	uint64_t mbuf_initializer; /* rearm_data template: data_off, refcnt, nb_segs, port */
	uint32_t post_len;         /* bytes of each posted buffer, header included */
	uint16_t refill_thresh;    /* refill once this many descriptors are free */
	bool mergeable;            /* VIRTIO_NET_F_MRG_RXBUF: packets span buffers */
	uint8_t offloads;          /* VIRTIO_RXQ_OFF_* (rxtx/offload.h), 0 = none */
	uint16_t hdr_size;
	uint16_t queue_id;
	uint16_t port_id;
	struct virtnet_queue_stats stats;
	const struct rte_memzone *mz;
	bool deferred_start;    /* rx_deferred_start: no buffers posted at port start */
	uint64_t stopped_drops; /* packets that arrived while stopped, dropped at queue start */
};

/*
 * Per Tx descriptor id: the net header used when it cannot go in the mbuf
 * headroom, and the indirect table used for multi-segment packets.
 */
struct virtio_tx_slot {
	struct virtio_net_hdr_mrg_rxbuf hdr;
	union {
		struct vring_desc indirect[VIRTIO_TX_INDIRECT_MAX];
		struct vring_packed_desc indirect_packed[VIRTIO_TX_INDIRECT_MAX];
	} __rte_aligned(16);
} __rte_aligned(16);

struct virtnet_tx_gate;

struct virtnet_txq {
	struct virtqueue vq;
	struct virtio_tx_slot *slots; /* size entries, in device-visible memory */
	uint64_t slots_dev_addr;
	uint16_t hdr_size;
	uint16_t queue_id;
	uint16_t port_id;
	bool use_indirect; /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool in_order;     /* VIRTIO_F_IN_ORDER: packed completions may cover a batch */
	uint8_t offloads;  /* VIRTIO_TXQ_OFF_* (rxtx/offload.h), 0 = none */
	uint16_t free_thresh; /* clean up once more descriptors than this are in flight */
	struct virtnet_queue_stats stats;
	const struct rte_memzone *mz;
	bool deferred_start;  /* tx_deferred_start: stopped at port start */
	/* With virtio_xmit_pkts_gated in front (tx_gate.h): the gate, the elected burst. */
	struct virtnet_tx_gate *gate;
	uint16_t (*gated_tx)(void *txq, struct rte_mbuf **pkts, uint16_t n);
};

/* Where a queue lives and whom it belongs to. */
struct virtio_queue_params {
	uint16_t vq_index;  /* virtqueue index in the device */
	uint16_t size;      /* ring entries (a power of two on split rings) */
	void *mem;          /* zeroed, 4096-aligned ring memory */
	uint64_t dev_addr;  /* the same memory as the device addresses it */
	bool use_va;        /* descriptors carry virtual addresses */
	uint16_t hdr_size;  /* net header size for the negotiated features */
	bool mergeable;     /* Rx: VIRTIO_NET_F_MRG_RXBUF negotiated */
	bool packed;        /* VIRTIO_F_RING_PACKED: any size up to 32768 */
	bool in_order;      /* VIRTIO_F_IN_ORDER negotiated */
	uint16_t port_id;
	uint16_t queue_id;
};

/* Bytes an Rx queue needs: the ring. */
size_t virtio_rxq_mem_size(uint16_t size, bool packed);

/* Lays out an Rx queue over p->mem (virtio_rxq_mem_size() bytes). */
int virtio_rxq_init(struct virtnet_rxq *rxq, const struct virtio_queue_params *p,
		    struct rte_mempool *mp);

/* Bytes a Tx queue needs: the ring, then per-slot headers and indirect tables. */
size_t virtio_txq_mem_size(uint16_t size, bool packed);

/* Lays out a Tx queue over p->mem (virtio_txq_mem_size() bytes). */
int virtio_txq_init(struct virtnet_txq *txq, const struct virtio_queue_params *p,
		    bool use_indirect);

/*
 * Takes up to n mbufs raw from the pool, fewer when it runs low (bulk gets
 * are all or nothing, so it asks for less until it gets some). The caller
 * counts what it wanted and did not get (stats.nombuf), once per refill.
 * No rte_pktmbuf_reset: virtio_rx_init_pkt() writes every field a received
 * packet carries, and the pool keeps next = NULL, nb_segs = 1, refcnt = 1.
 */
static inline uint16_t
virtio_rx_alloc(struct virtnet_rxq *rxq, struct rte_mbuf **mbufs, uint16_t n)
{
	while (n > 0 && unlikely(rte_mempool_get_bulk(rxq->mp, (void **)mbufs, n) != 0))
		n /= 2;
	return n;
}

typedef void (*virtio_rx_post_t)(struct virtnet_rxq *rxq, struct rte_mbuf *m);

/* Allocates and posts up to `want` fresh mbufs with `post`; returns how many. */
static __rte_always_inline uint16_t
virtio_rx_post_many(struct virtnet_rxq *rxq, uint16_t want, virtio_rx_post_t post)
{
	struct rte_mbuf *mbufs[VIRTIO_RX_REFILL_BATCH * 4];
	uint16_t posted = 0;

	while (want > 0) {
		uint16_t n = virtio_rx_alloc(rxq, mbufs, RTE_MIN(want, (uint16_t)RTE_DIM(mbufs)));
		uint16_t i;

		if (n == 0) {
			rxq->stats.nombuf += want;
			break;
		}
		for (i = 0; i < n; i++)
			post(rxq, mbufs[i]);
		posted += n;
		want -= n;
	}
	return posted;
}

/*
 * Receive helpers shared by the split and packed paths. A received buffer
 * holds the net header at the tail of the headroom and data after it; a
 * continuation buffer of a mergeable packet holds data from its first byte.
 */

/* Checks a used length against what we posted: at least the header, at most the buffer. */
static inline bool
virtio_rx_len_ok(struct virtnet_rxq *rxq, uint32_t len, uint32_t min)
{
	if (likely(len >= min && len <= rxq->post_len))
		return true;
	vq_device_error(&rxq->vq, VQ_ERR_USED_LEN, len, rxq->post_len);
	return false;
}

/* The two 16-byte mbuf areas virtio_rx_init_pkt() writes. */
static_assert(offsetof(struct rte_mbuf, ol_flags) ==
	      offsetof(struct rte_mbuf, rearm_data) + 8, "rearm_data then ol_flags");
static_assert(offsetof(struct rte_mbuf, pkt_len) ==
	      offsetof(struct rte_mbuf, rx_descriptor_fields1) + 4, "packet_type then pkt_len");
static_assert(offsetof(struct rte_mbuf, data_len) ==
	      offsetof(struct rte_mbuf, rx_descriptor_fields1) + 8, "then data_len");
static_assert(offsetof(struct rte_mbuf, vlan_tci) ==
	      offsetof(struct rte_mbuf, rx_descriptor_fields1) + 10, "then vlan_tci");

typedef uint64_t virtio_u64x2 __attribute__((vector_size(16)));

/*
 * Makes a one-segment packet of `len` data bytes from a filled buffer taken
 * raw from the pool: rearm data and ol_flags = 0, then packet_type = 0,
 * pkt_len, data_len, vlan_tci = 0 and hash = 0, in two 16-byte stores.
 */
static inline void
virtio_rx_init_pkt(struct virtnet_rxq *rxq, struct rte_mbuf *m, uint32_t len)
{
	const virtio_u64x2 rearm = { rxq->mbuf_initializer, 0 };
	const virtio_u64x2 fields = { (uint64_t)len << 32, (uint16_t)len };

	memcpy(RTE_PTR_ADD(m, offsetof(struct rte_mbuf, rearm_data)), &rearm, sizeof(rearm));
	memcpy(RTE_PTR_ADD(m, offsetof(struct rte_mbuf, rx_descriptor_fields1)), &fields,
	       sizeof(fields));
}

/* Appends a continuation buffer of `len` bytes to the packet at head (last segment *tail). */
static inline void
virtio_rx_append(struct virtnet_rxq *rxq, struct rte_mbuf *head, struct rte_mbuf **tail,
		 struct rte_mbuf *seg, uint32_t len)
{
	seg->data_off = RTE_PKTMBUF_HEADROOM - rxq->hdr_size;
	seg->data_len = (uint16_t)len;
	(*tail)->next = seg;
	*tail = seg;
	head->nb_segs++;
	head->pkt_len += len;
}

/* Appends a continuation buffer after checking its length; a bad one is freed (false). */
static inline bool
virtio_rx_append_checked(struct virtnet_rxq *rxq, struct rte_mbuf *head, struct rte_mbuf **tail,
			 struct rte_mbuf *seg, uint32_t len)
{
	if (unlikely(!virtio_rx_len_ok(rxq, len, 1))) {
		rte_mbuf_raw_free(seg);
		return false;
	}
	virtio_rx_append(rxq, head, tail, seg, len);
	return true;
}

/* num_buffers of a mergeable packet, read from the header of its first buffer. */
static inline uint16_t
virtio_rx_num_buffers(const struct virtnet_rxq *rxq, const struct rte_mbuf *head)
{
	const struct virtio_net_hdr_mrg_rxbuf *hdr = (const void *)((const uint8_t *)head->buf_addr +
		RTE_PKTMBUF_HEADROOM - rxq->hdr_size);

	return hdr->num_buffers;
}

/* Post fresh buffers into free descriptors and tell the device; returns how many. */
uint16_t virtio_split_rx_refill(struct virtnet_rxq *rxq, uint16_t want);
uint16_t virtio_packed_rx_refill(struct virtnet_rxq *rxq, uint16_t want);

/* The header may be written into the headroom only if nobody else sees it. */
static inline bool
virtio_tx_can_push(const struct rte_mbuf *m, uint16_t hdr_size)
{
	return RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
	       rte_pktmbuf_headroom(m) >= hdr_size;
}

/* Device address of a segment's data. */
static inline uint64_t
virtio_seg_dev_addr(const struct virtqueue *vq, const struct rte_mbuf *seg)
{
	return vq_mbuf_dev_addr(vq, seg) + seg->data_off;
}

/*
 * How a packet will be laid out: header pushed into its headroom, an
 * indirect table, or a header descriptor followed by the segments. Returns
 * the ring descriptors it needs, or 0 when it could never fit (the caller
 * drops and counts it rather than stall the queue).
 */
static inline uint16_t
virtio_tx_plan(const struct virtnet_txq *txq, const struct rte_mbuf *m, bool *pushed,
	       bool *indirect)
{
	uint16_t ndescs;

	*pushed = virtio_tx_can_push(m, txq->hdr_size);
	*indirect = !*pushed && txq->use_indirect && m->nb_segs > 1 &&
		    m->nb_segs < VIRTIO_TX_INDIRECT_MAX;
	ndescs = *indirect ? 1 : m->nb_segs + (*pushed ? 0 : 1);
	if (unlikely(m->nb_segs > VIRTIO_TX_MAX_SEGS || ndescs > txq->vq.size))
		return 0;
	return ndescs;
}

/* Time to free what the device has sent? (before a burst of nb_pkts) */
static inline bool
virtio_tx_should_clean(const struct virtnet_txq *txq, uint16_t nb_pkts)
{
	const struct virtqueue *vq = &txq->vq;

	return vq->size - vq->nfree > txq->free_thresh || vq->nfree < nb_pkts;
}

/* Address of the Tx slot area of descriptor or buffer id `id`, as the device sees it. */
static inline uint64_t
virtio_tx_slot_dev_addr(const struct virtnet_txq *txq, uint16_t id)
{
	return txq->slots_dev_addr + (uint64_t)id * sizeof(struct virtio_tx_slot);
}

/* Split ring, any order. */
uint16_t virtio_recv_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_recv_mergeable_pkts(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

/* Packed ring; in-order devices use the same callbacks. */
uint16_t virtio_recv_pkts_packed(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_recv_mergeable_pkts_packed(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_packed(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

/* Split ring, VIRTIO_F_IN_ORDER: buffers complete in the order they were posted. */
uint16_t virtio_recv_pkts_inorder(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_inorder(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

/*
 * rte_eth_tx_prepare() of a port with Tx offloads (any ring): refuses what the
 * queue cannot offload (rte_errno ENOTSUP), writes pseudo-header checksums.
 */
uint16_t virtio_xmit_pkts_prepare(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

/*
 * Posts as many fresh mbufs as the ring has room for. Returns the number
 * posted, or a negative errno when the pool could not fill even one.
 */
int virtio_rxq_fill(struct virtnet_rxq *rxq);

/* Gives every mbuf still owned by the device back to its pool. */
void virtio_rxq_reclaim(struct virtnet_rxq *rxq);
void virtio_txq_reclaim(struct virtnet_txq *txq);

/* Frees what the device has finished sending; returns descriptors freed. */
uint16_t virtio_txq_cleanup(struct virtnet_txq *txq);
uint16_t virtio_txq_cleanup_inorder(struct virtnet_txq *txq);
uint16_t virtio_packed_txq_cleanup(struct virtnet_txq *txq);
/* The vectorized split Tx path's (virtio_xmit_pkts_vec) cleanup. */
uint16_t virtio_txq_cleanup_vec(struct virtnet_txq *txq);

#endif /* VIRTIO_RXTX_H */
