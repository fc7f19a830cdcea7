/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Split-ring Rx and Tx against a device whose every write comes from the
 * input: used elements (ids, lengths), used->idx (when, and by how much it
 * moves), the order buffers come back in, and what lands in Rx buffers (net
 * header with num_buffers, offload flags, frame bytes).
 *
 * Input: byte 0 picks the Rx path (any order, mergeable, in order with and
 * without mergeable buffers, vectorized SSE or AVX2), the ring size and the
 * Rx offloads; byte 1 the Tx path (any order, in order, vectorized),
 * indirect descriptors and Tx offloads. Then operations until the input
 * ends, each one byte of opcode and its fields (see the switch below).
 *
 * The device only ever writes into buffers the driver has in flight: a
 * device scribbling on memory it does not own is beyond any driver's help.
 */

#include <rte_cpuflags.h>

#include "fuzz_queues.h"
#include "rxtx/offload.h"

uint16_t virtio_recv_pkts_vec(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_recv_pkts_vec_avx2(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_vec(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *rx_mp, *tx_mp;
static bool have_avx2;

static const uint16_t sizes[] = { 4, 8, 16, 32, 64, 128, 256, 1024 };

/* The device side of one split ring. */
struct split_dev {
	struct virtqueue *vq;
	uint16_t last_avail; /* next avail entry the device reads */
	uint16_t used_idx;   /* next used entry it writes */
};

enum split_op {
	OP_RX_BURST,
	OP_RX_USED,
	OP_RX_PUBLISH,
	OP_TX_BURST,
	OP_TX_USED,
	OP_TX_PUBLISH,
	OP_RX_USED_MANY,
	OP_TX_USED_MANY,
	OP_COUNT
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_eal_init("split", 128);
	rx_mp = fz_pool_create("fz_split_rx", 2048, RTE_MBUF_DEFAULT_BUF_SIZE);
	tx_mp = fz_pool_create("fz_split_tx", 4096, RTE_MBUF_DEFAULT_BUF_SIZE);
	have_avx2 = rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0;
	return 0;
}

static void
publish(struct split_dev *d, uint16_t idx)
{
	__atomic_store_n(&d->vq->used->idx, idx, __ATOMIC_RELEASE);
}

/*
 * Writes the header and frame bytes of an Rx buffer the driver has in
 * flight under `id` (nothing otherwise), and checks the driver's
 * descriptor stays inside the mbuf it posted.
 */
static void
fill_rx_buffer(struct fz_in *in, struct virtqueue *vq, uint32_t id, uint8_t nbytes)
{
	const struct vring_desc *desc;
	const struct rte_mbuf *m;
	uint8_t *buf;
	size_t take;

	if (id >= vq->size || vq->extra[id].ndescs == 0 || vq->extra[id].cookie == NULL) {
		uint8_t tmp[256];

		fz_bytes(in, tmp, nbytes);
		return;
	}
	desc = &vq->desc[id];
	m = vq->extra[id].cookie;
	buf = (uint8_t *)(uintptr_t)desc->addr;
	FZ_CHECK(buf >= (uint8_t *)m->buf_addr &&
		 buf + desc->len <= (uint8_t *)m->buf_addr + m->buf_len,
		 "Rx descriptor %u (%p, %u bytes) outside its mbuf", id, buf, desc->len);
	take = RTE_MIN((size_t)nbytes, (size_t)desc->len);
	fz_bytes(in, buf, take);
}

/*
 * One used element: the next buffer the driver made available (a device
 * doing its job) or an id from the input, a length from the input, for Rx
 * (post_len != 0) bytes written into the buffer, and maybe used->idx
 * published.
 */
static void
dev_used(struct fz_in *in, struct split_dev *d, uint32_t post_len)
{
	struct virtqueue *vq = d->vq;
	uint8_t flags = fz_u8(in);
	uint16_t avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	struct vring_used_elem *ue = &vq->used->ring[d->used_idx & vq->mask];
	uint32_t id, len;

	if (!(flags & 1) && d->last_avail != avail_idx)
		id = vq->avail->ring[d->last_avail++ & vq->mask];
	else if (flags & 2)
		id = fz_u16(in);
	else
		id = fz_u32(in);
	if (flags & 4)
		len = fz_u32(in);
	else if (post_len != 0)
		len = FZ_HDR_SIZE + fz_u16(in) % post_len;
	else
		len = fz_u16(in);
	if (post_len != 0 && !(flags & 8))
		fill_rx_buffer(in, vq, id, fz_u8(in));
	ue->id = id;
	ue->len = len;
	d->used_idx++;
	if (!(flags & 16))
		publish(d, d->used_idx);
}

/*
 * Up to n buffers given back properly, in the order they were made
 * available, then published: Rx ones with a plain header (one buffer) and
 * a length from the input. Cheap traffic, so that runs get deep.
 */
static void
dev_used_many(struct fz_in *in, struct split_dev *d, uint32_t post_len)
{
	struct virtqueue *vq = d->vq;
	uint16_t avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	uint8_t n = fz_u8(in) % 65;

	while (n-- > 0 && d->last_avail != avail_idx) {
		uint16_t id = vq->avail->ring[d->last_avail++ & vq->mask];
		struct vring_used_elem *ue = &vq->used->ring[d->used_idx++ & vq->mask];

		ue->id = id;
		ue->len = FZ_HDR_SIZE + 60;
		if (post_len != 0 && id < vq->size && vq->extra[id].ndescs != 0) {
			struct virtio_net_hdr_mrg_rxbuf hdr = { .num_buffers = 1 };

			ue->len = FZ_HDR_SIZE + RTE_MIN((uint32_t)fz_u8(in) * 8 + 1,
							 post_len - FZ_HDR_SIZE);
			memcpy((void *)(uintptr_t)vq->desc[id].addr, &hdr, sizeof(hdr));
		}
	}
	publish(d, d->used_idx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { .p = data, .n = size };
	uint8_t rx_cfg = fz_u8(&in);
	uint8_t tx_cfg = fz_u8(&in);
	uint16_t ring = sizes[(rx_cfg >> 5) & 7];
	unsigned int rx_kind = rx_cfg & 7;
	bool mergeable = rx_kind == 1 || rx_kind == 3;
	bool in_order = rx_kind == 2 || rx_kind == 3;
	bool vec_rx = rx_kind >= 4;
	unsigned int tx_kind = tx_cfg % 3;
	bool use_indirect = (tx_cfg & 4) || tx_kind == 2;
	uint8_t rx_off = vec_rx ? 0 : (rx_cfg >> 3) & 3;
	uint8_t tx_off = tx_kind == 2 ? 0 : (tx_cfg >> 3) & 0xf;
	struct split_dev rxd, txd;
	struct fz_queues q;
	fz_burst_t rx, tx;
	uint32_t post_len;

	if (rx_kind == 5 || rx_kind == 7)
		rx = have_avx2 ? virtio_recv_pkts_vec_avx2 : virtio_recv_pkts_vec;
	else if (vec_rx)
		rx = virtio_recv_pkts_vec;
	else if (in_order)
		rx = virtio_recv_pkts_inorder;
	else if (mergeable)
		rx = virtio_recv_mergeable_pkts;
	else
		rx = virtio_recv_pkts;
	tx = tx_kind == 0 ? virtio_xmit_pkts :
	     tx_kind == 1 ? virtio_xmit_pkts_inorder : virtio_xmit_pkts_vec;
	/* Tx offloads come with VIRTIO_TXQ_OFF_ANY, as ethdev sets them. */
	if (tx_off != 0)
		tx_off |= VIRTIO_TXQ_OFF_ANY;

	fz_queues_create(&q, ring, false, mergeable, in_order, use_indirect, rx_off, tx_off,
			 rx_mp, tx_mp);
	post_len = q.rxq->post_len;
	rxd = (struct split_dev){ .vq = &q.rxq->vq };
	txd = (struct split_dev){ .vq = &q.txq->vq };

	while (fz_more(&in)) {
		switch (fz_u8(&in) % OP_COUNT) {
		case OP_RX_BURST:
			fz_rx_burst(&q, rx, fz_u8(&in));
			break;
		case OP_RX_USED:
			dev_used(&in, &rxd, post_len);
			break;
		case OP_RX_PUBLISH:
			/* used->idx anywhere near where it should be, or far off. */
			publish(&rxd, (uint16_t)(rxd.used_idx + (int8_t)fz_u8(&in)));
			break;
		case OP_TX_BURST:
			fz_tx_burst(&in, &q, tx);
			break;
		case OP_TX_USED:
			dev_used(&in, &txd, 0);
			break;
		case OP_TX_PUBLISH:
			publish(&txd, (uint16_t)(txd.used_idx + (int8_t)fz_u8(&in)));
			break;
		case OP_RX_USED_MANY:
			dev_used_many(&in, &rxd, post_len);
			break;
		case OP_TX_USED_MANY:
			dev_used_many(&in, &txd, 0);
			break;
		}
	}
	fz_queues_destroy(&q);
	return 0;
}
