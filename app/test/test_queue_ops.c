/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Per-queue queries against the fake device, on split and packed rings: the
 * Rx used count, Rx and Tx descriptor status (DPDK's AVAIL/DONE/UNAVAIL and
 * FULL/DONE/UNAVAIL), what a device writing nonsense does to them, and Tx
 * cleanup on demand with the number of packets it freed.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "fake_device.h"
#include "queue_ops.h"
#include "rxtx/rxtx.h"
#include "ut_common.h"

#define HDR_SIZE 12
#define RING 64
#define FRAME 128

static struct rte_mempool *pool;

static void
rxq_make(struct ut_rxq *q, bool packed)
{
	struct virtio_queue_params p = {
		.size = RING,
		.use_va = true,
		.hdr_size = HDR_SIZE,
		.packed = packed,
		.port_id = 1,
	};

	memset(q, 0, sizeof(*q));
	assert_int_equal(ut_rxq_create(q, &p, pool), 0);
	vq_reset(&q->rxq->vq, false);
}

static void
rxq_free(struct ut_rxq *q)
{
	assert_int_equal(q->fd.protocol_errors, 0);
	ut_rxq_destroy(q);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

static void
deliver(struct ut_rxq *q, unsigned int n)
{
	uint8_t frame[FRAME];
	unsigned int i;

	for (i = 0; i < n; i++) {
		ut_frame_fill(frame, sizeof(frame), i);
		assert_int_equal(fake_rx_deliver(&q->fd, frame, sizeof(frame), NULL), 1);
	}
}

static uint16_t
receive(struct ut_rxq *q, bool packed, uint16_t n)
{
	struct rte_mbuf *pkts[RING];
	uint16_t got = packed ? virtio_recv_pkts_packed(q->rxq, pkts, n) :
				virtio_recv_pkts(q->rxq, pkts, n);

	rte_pktmbuf_free_bulk(pkts, got);
	return got;
}

static void
rx_count_and_status(bool packed)
{
	struct ut_rxq q;
	struct virtqueue *vq;

	rxq_make(&q, packed);
	vq = &q.rxq->vq;
	/* Nothing posted yet (a deferred queue): every descriptor is the driver's. */
	assert_int_equal(vq_used_ready(vq), 0);
	assert_int_equal(vq_rx_desc_status(vq, 0), RTE_ETH_RX_DESC_UNAVAIL);

	assert_int_equal(virtio_rxq_fill(q.rxq), RING);
	assert_int_equal(vq_used_ready(vq), 0);
	assert_int_equal(vq_rx_desc_status(vq, 0), RTE_ETH_RX_DESC_AVAIL);
	assert_int_equal(vq_rx_desc_status(vq, RING - 1), RTE_ETH_RX_DESC_AVAIL);
	assert_int_equal(vq_rx_desc_status(vq, RING), -EINVAL);

	deliver(&q, 5);
	assert_int_equal(vq_used_ready(vq), 5);
	assert_int_equal(vq_rx_desc_status(vq, 0), RTE_ETH_RX_DESC_DONE);
	assert_int_equal(vq_rx_desc_status(vq, 4), RTE_ETH_RX_DESC_DONE);
	assert_int_equal(vq_rx_desc_status(vq, 5), RTE_ETH_RX_DESC_AVAIL);

	/* Three consumed (below the refill threshold: their slots stay empty). */
	assert_int_equal(receive(&q, packed, 3), 3);
	assert_int_equal(vq_used_ready(vq), 2);
	assert_int_equal(vq_rx_desc_status(vq, 1), RTE_ETH_RX_DESC_DONE);
	assert_int_equal(vq_rx_desc_status(vq, 2), RTE_ETH_RX_DESC_AVAIL);
	assert_int_equal(vq_rx_desc_status(vq, RING - 4), RTE_ETH_RX_DESC_AVAIL);
	assert_int_equal(vq_rx_desc_status(vq, RING - 3), RTE_ETH_RX_DESC_UNAVAIL);

	/* Across the ring's end, lap after lap. */
	for (unsigned int lap = 0; lap < 3; lap++) {
		assert_int_equal(receive(&q, packed, RING), 2);
		assert_int_equal(virtio_rxq_fill(q.rxq) >= 0, true);
		deliver(&q, RING - 7);
		assert_int_equal(vq_used_ready(vq), RING - 7);
		assert_int_equal(receive(&q, packed, RING - 9), RING - 9);
		assert_int_equal(vq_used_ready(vq), 2);
	}
	rxq_free(&q);
}

static void
test_rx_count_and_status_split(void **state)
{
	RTE_SET_USED(state);
	rx_count_and_status(false);
}

static void
test_rx_count_and_status_packed(void **state)
{
	RTE_SET_USED(state);
	rx_count_and_status(true);
}

/* A used index that claims more than was posted counts no more than was posted. */
static void
test_rx_count_split_used_idx_beyond_posted(void **state)
{
	struct ut_rxq q;

	RTE_SET_USED(state);
	rxq_make(&q, false);
	assert_int_equal(virtio_rxq_fill(q.rxq), RING);
	deliver(&q, 2);
	fake_used_idx_jump(&q.fd, 1000);
	assert_int_equal(vq_used_ready(&q.rxq->vq), RING);
	assert_int_equal(vq_rx_desc_status(&q.rxq->vq, RING - 1), RTE_ETH_RX_DESC_DONE);
	/* The burst function drops what it cannot trust; the queue is not harmed. */
	receive(&q, false, RING);
	rxq_free(&q);
}

/* Packed: the count stops at a used descriptor naming no buffer in flight, or the wrong lap. */
static void
test_rx_count_packed_stops_at_invalid(void **state)
{
	struct ut_rxq q;
	struct virtqueue *vq;

	RTE_SET_USED(state);
	rxq_make(&q, true);
	vq = &q.rxq->vq;
	assert_int_equal(virtio_rxq_fill(q.rxq), RING);
	deliver(&q, 3);
	fake_inject_used(&q.fd, FAKE_BOGUS_ID, FRAME);
	deliver(&q, 2);
	assert_int_equal(vq_used_ready(vq), 3);
	assert_int_equal(vq_rx_desc_status(vq, 3), RTE_ETH_RX_DESC_AVAIL);
	rxq_free(&q);

	rxq_make(&q, true);
	vq = &q.rxq->vq;
	assert_int_equal(virtio_rxq_fill(q.rxq), RING);
	deliver(&q, 1);
	/* USED = AVAIL = 0 with a valid id: used, but in a lap the ring is not in. */
	vq->pdesc[1].flags = 0;
	assert_int_equal(vq_used_ready(vq), 1);
	vq->pdesc[1].flags = VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED;
	assert_int_equal(vq_used_ready(vq), 2);
	rxq_free(&q);
}

struct tx_env {
	struct ut_txq q;
	bool packed;
};

static void
txq_make_order(struct tx_env *e, bool packed, bool in_order)
{
	struct virtio_queue_params p = {
		.vq_index = 1,
		.size = RING,
		.use_va = true,
		.hdr_size = HDR_SIZE,
		.packed = packed,
		.in_order = in_order,
		.port_id = 1,
	};

	memset(e, 0, sizeof(*e));
	e->packed = packed;
	assert_int_equal(ut_txq_create(&e->q, &p, true, 0xa5, &pool, 1), 0);
	vq_reset(&e->q.txq->vq, false);
	e->q.fd.in_order = in_order;
}

static void
txq_make(struct tx_env *e, bool packed)
{
	txq_make_order(e, packed, false);
}

static int
tx_status(const struct virtqueue *vq, uint16_t offset)
{
	return vq_tx_desc_status(vq, offset, false);
}

static void
txq_free(struct tx_env *e)
{
	assert_int_equal(e->q.fd.protocol_errors, 0);
	ut_txq_destroy(&e->q);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

static void
tx_send(struct tx_env *e, unsigned int n)
{
	uint8_t frame[FRAME];
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m;
		uint16_t sent;

		ut_frame_fill(frame, sizeof(frame), i);
		m = ut_mbuf_build(pool, frame, sizeof(frame), 1, RTE_PKTMBUF_HEADROOM, 0);
		assert_non_null(m);
		sent = e->packed ? virtio_xmit_pkts_packed(e->q.txq, &m, 1) :
				   virtio_xmit_pkts(e->q.txq, &m, 1);
		assert_int_equal(sent, 1);
	}
}

static uint16_t
cleanup_of(struct tx_env *e, struct virtnet_txq *txq)
{
	return e->packed ? virtio_packed_txq_cleanup(txq) : virtio_txq_cleanup(txq);
}

static void
tx_status_and_cleanup(bool packed)
{
	struct fake_tx_frame *frames = calloc(RING, sizeof(*frames));
	virtio_txq_cleanup_t cleanup = packed ? virtio_packed_txq_cleanup : virtio_txq_cleanup;
	struct tx_env e;
	struct virtqueue *vq;

	assert_non_null(frames);
	txq_make(&e, packed);
	vq = &e.q.txq->vq;
	/* Fresh ring: every entry is the driver's to fill. */
	assert_int_equal(tx_status(vq, 0), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(tx_status(vq, RING - 1), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(tx_status(vq, RING), -EINVAL);

	/* Four packets in flight: the four entries behind the tail are FULL. */
	tx_send(&e, 4);
	assert_int_equal(tx_status(vq, RING - 1), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(tx_status(vq, RING - 4), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(tx_status(vq, RING - 5), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(tx_status(vq, 0), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(vq_cookies_held(vq), 4);
	assert_int_equal(virtio_txq_done_cleanup(e.q.txq, cleanup), 0);

	/* The device sends three: those are DONE and cleanup frees exactly three. */
	assert_int_equal(fake_tx_collect(&e.q.fd, frames, 3), 3);
	assert_int_equal(tx_status(vq, RING - 4), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(tx_status(vq, RING - 2), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(tx_status(vq, RING - 1), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(virtio_txq_done_cleanup(e.q.txq, cleanup), 3);
	assert_int_equal(ut_pool_in_use(pool), 1);
	assert_int_equal(vq_cookies_held(vq), 1);

	/* Laps around the ring: status follows the tail. */
	for (unsigned int lap = 0; lap < 5; lap++) {
		tx_send(&e, RING / 2 + 3);
		assert_int_equal(fake_tx_collect(&e.q.fd, frames, RING), RING / 2 + 4);
		assert_int_equal(tx_status(vq, RING - 1), RTE_ETH_TX_DESC_DONE);
		cleanup_of(&e, e.q.txq);
		tx_send(&e, 1);
		assert_int_equal(tx_status(vq, RING - 1), RTE_ETH_TX_DESC_FULL);
		assert_int_equal(tx_status(vq, RING - 2), RTE_ETH_TX_DESC_DONE);
	}
	assert_int_equal(fake_tx_collect(&e.q.fd, frames, RING), 1);
	assert_int_equal(virtio_txq_done_cleanup(e.q.txq, cleanup), 1);
	assert_int_equal(ut_pool_in_use(pool), 0);
	txq_free(&e);
	free(frames);
}

static void
test_tx_status_and_cleanup_split(void **state)
{
	RTE_SET_USED(state);
	tx_status_and_cleanup(false);
}

static void
test_tx_status_and_cleanup_packed(void **state)
{
	RTE_SET_USED(state);
	tx_status_and_cleanup(true);
}

/* A split used index ahead of what was made available: UNAVAIL, never a guess. */
static void
test_tx_status_split_used_idx_ahead(void **state)
{
	struct tx_env e;

	RTE_SET_USED(state);
	txq_make(&e, false);
	tx_send(&e, 4);
	fake_used_idx_jump(&e.q.fd, 10);
	assert_int_equal(tx_status(&e.q.txq->vq, RING - 1), RTE_ETH_TX_DESC_UNAVAIL);
	txq_free(&e);
}

/* Packed: a used descriptor naming a buffer not in flight completes nothing. */
static void
test_tx_status_packed_bogus_id(void **state)
{
	struct tx_env e;

	RTE_SET_USED(state);
	txq_make(&e, true);
	tx_send(&e, 4);
	fake_inject_used(&e.q.fd, FAKE_BOGUS_ID, 0);
	assert_int_equal(tx_status(&e.q.txq->vq, RING - 4), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(tx_status(&e.q.txq->vq, RING - 1), RTE_ETH_TX_DESC_FULL);
	txq_free(&e);
}

/*
 * Packed in order: the device may write one used descriptor for a batch,
 * naming its last buffer (as the DPDK vhost library does); every slot of the
 * batch is DONE, and with in_order false only the slot written would be.
 */
static void
test_tx_status_packed_in_order_batch(void **state)
{
	struct fake_tx_frame *frames = calloc(RING, sizeof(*frames));
	struct tx_env e;
	struct virtqueue *vq;

	RTE_SET_USED(state);
	assert_non_null(frames);
	txq_make_order(&e, true, true);
	vq = &e.q.txq->vq;
	e.q.fd.hold = true;
	e.q.fd.used_last_only = true;
	tx_send(&e, 5);
	assert_int_equal(fake_tx_collect(&e.q.fd, frames, 4), 4);
	assert_int_equal(fake_publish(&e.q.fd, 4, FAKE_ORDER_FIFO), 4);
	assert_int_equal(vq_tx_desc_status(vq, RING - 5, true), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(vq_tx_desc_status(vq, RING - 2, true), RTE_ETH_TX_DESC_DONE);
	assert_int_equal(vq_tx_desc_status(vq, RING - 1, true), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(vq_tx_desc_status(vq, RING - 3, false), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(virtio_txq_done_cleanup(e.q.txq, virtio_packed_txq_cleanup), 4);
	assert_int_equal(vq_tx_desc_status(vq, RING - 1, true), RTE_ETH_TX_DESC_FULL);
	assert_int_equal(fake_tx_collect(&e.q.fd, frames, 4), 1);
	assert_int_equal(fake_publish(&e.q.fd, 4, FAKE_ORDER_FIFO), 1);
	assert_int_equal(vq_tx_desc_status(vq, RING - 1, true), RTE_ETH_TX_DESC_DONE);
	txq_free(&e);
	free(frames);
}

static int
setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_eal_and_pool("test_queue_ops", 1023);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_and_pool_fini(pool);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_count_and_status_split),
		cmocka_unit_test(test_rx_count_and_status_packed),
		cmocka_unit_test(test_rx_count_split_used_idx_beyond_posted),
		cmocka_unit_test(test_rx_count_packed_stops_at_invalid),
		cmocka_unit_test(test_tx_status_and_cleanup_split),
		cmocka_unit_test(test_tx_status_and_cleanup_packed),
		cmocka_unit_test(test_tx_status_split_used_idx_ahead),
		cmocka_unit_test(test_tx_status_packed_bogus_id),
		cmocka_unit_test(test_tx_status_packed_in_order_batch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
