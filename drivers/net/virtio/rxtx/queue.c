/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Laying out Rx and Tx queues over memory the caller provides. */

#include <string.h>

#include "rxtx.h"

size_t
virtio_rxq_mem_size(uint16_t size, bool packed)
{
	return packed ? vq_packed_ring_size(size) : vq_split_ring_size(size);
}

size_t
virtio_txq_mem_size(uint16_t size, bool packed)
{
	return virtio_rxq_mem_size(size, packed) + sizeof(struct virtio_tx_slot) * size;
}

static int
vq_init(struct virtqueue *vq, const struct virtio_queue_params *p)
{
	if (p->packed)
		return vq_packed_init(vq, p->vq_index, p->size, p->mem, p->dev_addr, p->use_va);
	return vq_split_init(vq, p->vq_index, p->size, p->mem, p->dev_addr, p->use_va);
}

int
virtio_rxq_init(struct virtnet_rxq *rxq, const struct virtio_queue_params *p,
		struct rte_mempool *mp)
{
	struct rte_mbuf tmpl;
	int ret;

	memset(rxq, 0, sizeof(*rxq));
	ret = vq_init(&rxq->vq, p);
	if (ret != 0)
		return ret;
	rxq->mp = mp;
	rxq->hdr_size = p->hdr_size;
	/* The header lands in the tail of the headroom, the frame in the data room. */
	rxq->post_len = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM + p->hdr_size;
	rxq->refill_thresh = virtio_rx_refill_thresh(p->size);
	rxq->mergeable = p->mergeable;
	rxq->queue_id = p->queue_id;
	rxq->port_id = p->port_id;
	rxq->vq.port_id = p->port_id;
	rxq->vq.queue_id = p->queue_id;
	rxq->vq.role = VQ_ROLE_RX;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.data_off = RTE_PKTMBUF_HEADROOM;
	tmpl.nb_segs = 1;
	tmpl.port = p->port_id;
	rte_mbuf_refcnt_set(&tmpl, 1);
	memcpy(&rxq->mbuf_initializer, RTE_PTR_ADD(&tmpl, offsetof(struct rte_mbuf, rearm_data)),
	       sizeof(rxq->mbuf_initializer));
	return 0;
}

int
virtio_txq_init(struct virtnet_txq *txq, const struct virtio_queue_params *p, bool use_indirect)
{
	size_t ring_len = virtio_rxq_mem_size(p->size, p->packed);
	int ret;

	memset(txq, 0, sizeof(*txq));
	ret = vq_init(&txq->vq, p);
	if (ret != 0)
		return ret;
	/* Per-slot headers and indirect tables follow the ring. */
	txq->slots = (struct virtio_tx_slot *)((uint8_t *)p->mem + ring_len);
	txq->slots_dev_addr = p->dev_addr + ring_len;
	txq->hdr_size = p->hdr_size;
	txq->use_indirect = use_indirect;
	txq->in_order = p->in_order;
	txq->free_thresh = RTE_MIN(VIRTIO_TX_FREE_THRESH, p->size / 2);
	txq->queue_id = p->queue_id;
	txq->port_id = p->port_id;
	txq->vq.port_id = p->port_id;
	txq->vq.queue_id = p->queue_id;
	txq->vq.role = VQ_ROLE_TX;
	return 0;
}

int
virtio_rxq_fill(struct virtnet_rxq *rxq)
{
	uint16_t want = rxq->vq.nfree;
	uint16_t posted = rxq->vq.packed ? virtio_packed_rx_refill(rxq, want) :
					   virtio_split_rx_refill(rxq, want);

	return (posted == 0 && want > 0) ? -ENOMEM : posted;
}

static void
free_mbuf_cookie(void *cookie)
{
	rte_pktmbuf_free(cookie);
}

void
virtio_rxq_reclaim(struct virtnet_rxq *rxq)
{
	vq_reclaim_all(&rxq->vq, free_mbuf_cookie);
}

void
virtio_txq_reclaim(struct virtnet_txq *txq)
{
	/* The device is stopped: whatever it still holds goes back to the pool. */
	vq_reclaim_all(&txq->vq, free_mbuf_cookie);
}
