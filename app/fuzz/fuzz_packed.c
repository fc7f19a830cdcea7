/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Packed-ring Rx and Tx against a device whose every write comes from the
 * input: used descriptors (buffer id, length, AVAIL/USED flags with the
 * right or a wrong wrap counter), how many slots each steps over, batches
 * an in-order device covers with one descriptor, and what lands in Rx
 * buffers (net header with num_buffers, offload flags, frame bytes).
 *
 * Input: byte 0 picks the Rx path (plain, mergeable, vectorized body built
 * for the baseline CPU), in order or not, the ring size (any, not only
 * powers of two) and the Rx offloads; byte 1 the Tx path (plain or
 * vectorized), indirect descriptors and Tx offloads. Then operations until
 * the input ends (see the switch below).
 *
 * The device only writes into Rx buffers the driver has in flight, found
 * by buffer id in the driver's own bookkeeping.
 */

#include "fuzz_queues.h"
#include "rxtx/offload.h"

uint16_t virtio_recv_pkts_packed_vec_generic(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_packed_vec_generic(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *rx_mp, *tx_mp;

static const uint16_t sizes[] = { 1, 2, 3, 8, 17, 64, 255, 256 };

/* The device side of one packed ring. */
struct packed_dev {
	struct virtqueue *vq;
	uint16_t avail_pos; /* next slot the device reads */
	bool avail_wrap;    /* the driver's wrap counter it expects there */
	uint16_t used_pos;  /* next slot it writes a used descriptor into */
	bool used_wrap;     /* Device Ring Wrap Counter */
};

enum packed_op {
	OP_RX_BURST,
	OP_RX_USED,
	OP_TX_BURST,
	OP_TX_USED,
	OP_RX_USED_MANY,
	OP_TX_USED_MANY,
	OP_RAW_FLAGS,
	OP_COUNT
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_eal_init("packed", 128);
	rx_mp = fz_pool_create("fz_packed_rx", 1024, RTE_MBUF_DEFAULT_BUF_SIZE);
	tx_mp = fz_pool_create("fz_packed_tx", 4096, RTE_MBUF_DEFAULT_BUF_SIZE);
	return 0;
}

static void
advance(uint16_t *pos, bool *wrap, uint32_t n, uint16_t size)
{
	while (n-- > 0)
		if (++*pos == size) {
			*pos = 0;
			*wrap = !*wrap;
		}
}

/*
 * Takes the next available chain (NEXT links, the buffer id in its last
 * descriptor, spec 2.8.6); false when the driver has made none available.
 */
static bool
take_chain(struct packed_dev *d, uint16_t *id, uint16_t *nslots)
{
	struct virtqueue *vq = d->vq;
	uint16_t pos = d->avail_pos, n = 0;
	bool wrap = d->avail_wrap;

	for (;;) {
		const struct vring_packed_desc *desc = &vq->pdesc[pos];
		uint16_t flags = __atomic_load_n(&desc->flags, __ATOMIC_ACQUIRE);
		bool avail = flags & VRING_PACKED_DESC_F_AVAIL;
		bool used = flags & VRING_PACKED_DESC_F_USED;

		if (avail != wrap || used == wrap)
			return false; /* not (or not yet entirely) available */
		n++;
		if (!(flags & VRING_DESC_F_NEXT) || n >= vq->size) {
			*id = desc->id;
			break;
		}
		advance(&pos, &wrap, 1, vq->size);
	}
	advance(&d->avail_pos, &d->avail_wrap, n, vq->size);
	*nslots = n;
	return true;
}

static uint16_t
used_flags(bool wrap)
{
	return wrap ? VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED : 0;
}

/* Writes bytes into the Rx buffer the driver has in flight under buffer id `id`. */
static void
fill_rx_buffer(struct fz_in *in, struct virtnet_rxq *rxq, uint32_t id, uint8_t nbytes)
{
	struct virtqueue *vq = &rxq->vq;
	struct rte_mbuf *m;

	if (id >= vq->size || vq->extra[id].ndescs == 0 || vq->extra[id].cookie == NULL) {
		uint8_t tmp[256];

		fz_bytes(in, tmp, nbytes);
		return;
	}
	m = vq->extra[id].cookie;
	fz_bytes(in, (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM - rxq->hdr_size,
		 RTE_MIN((uint32_t)nbytes, rxq->post_len));
}

static void
write_used(struct packed_dev *d, uint16_t id, uint32_t len, uint16_t flags)
{
	struct vring_packed_desc *desc = &d->vq->pdesc[d->used_pos];

	desc->id = id;
	desc->len = len;
	__atomic_store_n(&desc->flags, flags, __ATOMIC_RELEASE);
}

/*
 * One used descriptor: for the next chains the driver made available (one,
 * or a batch an in-order device may give back at once) or for an id from
 * the input; a length from the input; flags right for the wrap counter or
 * from the input; and it steps over the slots of what it covers, or over
 * as many as the input says. Rx (rxq != NULL) writes into the buffer too.
 */
static void
dev_used(struct fz_in *in, struct packed_dev *d, struct virtnet_rxq *rxq)
{
	uint8_t f = fz_u8(in);
	unsigned int batch = (f & 64) ? 1 + fz_u8(in) % 8 : 1;
	uint16_t id = 0, slots = 0, n;
	uint32_t len;
	bool taken = false;

	if (!(f & 1)) {
		while (batch-- > 0 && take_chain(d, &id, &n)) {
			slots += n;
			taken = true;
		}
	}
	if (!taken) {
		id = fz_u16(in);
		slots = 1 + fz_u8(in) % 4;
	}
	if (f & 4)
		len = fz_u32(in);
	else if (rxq != NULL)
		len = FZ_HDR_SIZE + fz_u16(in) % rxq->post_len;
	else
		len = fz_u16(in);
	if (rxq != NULL && !(f & 8))
		fill_rx_buffer(in, rxq, id, fz_u8(in));
	write_used(d, id, len, (f & 16) ? fz_u16(in) : used_flags(d->used_wrap));
	if (f & 32)
		slots = fz_u8(in);
	advance(&d->used_pos, &d->used_wrap, slots, d->vq->size);
}

/* Up to n chains given back properly, one used descriptor each: cheap traffic. */
static void
dev_used_many(struct fz_in *in, struct packed_dev *d, struct virtnet_rxq *rxq)
{
	uint8_t n = fz_u8(in) % 65;
	uint16_t id, slots;

	while (n-- > 0 && take_chain(d, &id, &slots)) {
		uint32_t len = FZ_HDR_SIZE + 60;

		if (rxq != NULL && id < rxq->vq.size && rxq->vq.extra[id].ndescs != 0) {
			struct rte_mbuf *m = rxq->vq.extra[id].cookie;
			struct virtio_net_hdr_mrg_rxbuf hdr = { .num_buffers = 1 };

			len = FZ_HDR_SIZE + RTE_MIN((uint32_t)fz_u8(in) * 8 + 1,
						    rxq->post_len - FZ_HDR_SIZE);
			memcpy((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM - rxq->hdr_size, &hdr,
			       rxq->hdr_size);
		}
		write_used(d, id, len, used_flags(d->used_wrap));
		advance(&d->used_pos, &d->used_wrap, slots, d->vq->size);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { .p = data, .n = size };
	uint8_t rx_cfg = fz_u8(&in);
	uint8_t tx_cfg = fz_u8(&in);
	uint16_t ring = sizes[(rx_cfg >> 5) & 7];
	unsigned int rx_kind = rx_cfg % 3;
	bool mergeable = rx_kind == 1;
	bool vec_rx = rx_kind == 2;
	bool vec_tx = tx_cfg & 1;
	/* The vectorized paths are elected for in-order devices only. */
	bool in_order = vec_rx || vec_tx || (rx_cfg & 4);
	bool use_indirect = tx_cfg & 2;
	uint8_t rx_off = vec_rx ? 0 : (rx_cfg >> 3) & 3;
	uint8_t tx_off = vec_tx ? 0 : (tx_cfg >> 2) & 0xf;
	struct packed_dev rxd, txd;
	struct fz_queues q;
	fz_burst_t rx, tx;

	rx = vec_rx ? virtio_recv_pkts_packed_vec_generic :
	     mergeable ? virtio_recv_mergeable_pkts_packed : virtio_recv_pkts_packed;
	tx = vec_tx ? virtio_xmit_pkts_packed_vec_generic : virtio_xmit_pkts_packed;
	if (tx_off != 0)
		tx_off |= VIRTIO_TXQ_OFF_ANY;

	fz_queues_create(&q, ring, true, mergeable, in_order, use_indirect, rx_off, tx_off, rx_mp,
			 tx_mp);
	/* Both wrap counters start at 1 (spec 2.8.1). */
	rxd = (struct packed_dev){ .vq = &q.rxq->vq, .avail_wrap = true, .used_wrap = true };
	txd = (struct packed_dev){ .vq = &q.txq->vq, .avail_wrap = true, .used_wrap = true };

	while (fz_more(&in)) {
		switch (fz_u8(&in) % OP_COUNT) {
		case OP_RX_BURST:
			fz_rx_burst(&q, rx, fz_u8(&in));
			break;
		case OP_RX_USED:
			dev_used(&in, &rxd, q.rxq);
			break;
		case OP_TX_BURST:
			fz_tx_burst(&in, &q, tx);
			break;
		case OP_TX_USED:
			dev_used(&in, &txd, NULL);
			break;
		case OP_RX_USED_MANY:
			dev_used_many(&in, &rxd, q.rxq);
			break;
		case OP_TX_USED_MANY:
			dev_used_many(&in, &txd, NULL);
			break;
		case OP_RAW_FLAGS: {
			/* Any flags at the device's used position of either ring, not moving on. */
			struct packed_dev *d = (fz_u8(&in) & 1) ? &txd : &rxd;
			uint16_t id = fz_u16(&in);
			uint32_t len = fz_u32(&in);

			write_used(d, id, len, fz_u16(&in));
			break;
		}
		}
	}
	fz_queues_destroy(&q);
	return 0;
}
