/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Split-ring transmit helpers shared by the scalar and vectorized paths. */

#ifndef VIRTIO_SPLIT_TX_H
#define VIRTIO_SPLIT_TX_H

#include <string.h>

#include "offload.h"
#include "rxtx.h"

/* Fills descriptors for the segments of m, starting at descriptor id. */
static inline uint16_t
fill_segments(struct virtqueue *vq, struct vring_desc *table, const uint16_t *links,
	      uint16_t id, const struct rte_mbuf *m)
{
	const struct rte_mbuf *seg;
	uint16_t last = id;

	for (seg = m; seg != NULL; seg = seg->next) {
		struct vring_desc *d = &table[id];

		d->addr = virtio_seg_dev_addr(vq, seg);
		d->len = seg->data_len;
		d->flags = seg->next != NULL ? VRING_DESC_F_NEXT : 0;
		last = id;
		id = links != NULL ? links[id] : (uint16_t)(id + 1);
		d->next = id;
	}
	return last;
}

/*
 * Describes m through the indirect table of slot `id`: the zeroed net header,
 * then one entry per segment. *d becomes the one ring descriptor pointing at it.
 */
static inline void
split_tx_indirect(struct virtnet_txq *txq, uint16_t id, struct rte_mbuf *m,
		  struct vring_desc *d)
{
	struct virtio_tx_slot *slot = &txq->slots[id];
	uint64_t slot_addr = virtio_tx_slot_dev_addr(txq, id);
	struct vring_desc *t = slot->indirect;

	virtio_tx_hdr_write(&slot->hdr, txq->hdr_size, m, txq->offloads);
	t[0].addr = slot_addr + offsetof(struct virtio_tx_slot, hdr);
	t[0].len = txq->hdr_size;
	t[0].flags = VRING_DESC_F_NEXT;
	t[0].next = 1;
	fill_segments(&txq->vq, t, NULL, 1, m);
	d->addr = slot_addr + offsetof(struct virtio_tx_slot, indirect);
	d->len = sizeof(struct vring_desc) * (m->nb_segs + 1u);
	d->flags = VRING_DESC_F_INDIRECT;
}

/* Publishes the packets enqueued since old_idx, rings the doorbell if needed, counts them. */
static inline void
split_tx_publish(struct virtnet_txq *txq, uint16_t old_idx, uint64_t bytes)
{
	struct virtqueue *vq = &txq->vq;

	if (vq->avail_idx == old_idx)
		return;
	vq_publish_and_notify(vq, old_idx);
	txq->stats.packets += (uint16_t)(vq->avail_idx - old_idx);
	txq->stats.bytes += bytes;
}

#endif /* VIRTIO_SPLIT_TX_H */
