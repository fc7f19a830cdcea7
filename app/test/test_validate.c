/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * What the datapath does with an invalid device write, seen from outside:
 * the per-queue counter (the xstat) counts every one, the log says so at
 * most once per second per queue (a fake clock steps the seconds, so no
 * timing is involved) and names port, queue and field, good traffic flows
 * after the bad item, and every mbuf is back in the pool at the end.
 * Split and packed Rx (bad lengths, bad ids), the in-order split Tx rule
 * that the last used entry of a batch names the chain it completes, and a
 * bad packed Tx buffer id.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "fake_device.h"
#include "rxtx/rxtx.h"
#include "ut_common.h"

#define HDR_SIZE  12
#define RING	  64
#define PORT	  3
#define QUEUE	  1
#define FRAME_LEN 200
#define NB_BAD	  20

static struct rte_mempool *pool;
static uint8_t frame[FRAME_LEN];

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_eal_and_pool("validate", 1023);
	return pool == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_and_pool_fini(pool);
	return 0;
}


static void
params(struct virtio_queue_params *p, bool packed, bool in_order, uint16_t vq_index)
{
	*p = (struct virtio_queue_params){
		.vq_index = vq_index, .size = RING, .use_va = true, .hdr_size = HDR_SIZE,
		.packed = packed, .in_order = in_order, .port_id = PORT, .queue_id = QUEUE,
	};
}

/* One good frame through the queue: delivered intact. */
static void
rx_one_good(struct ut_rxq *q, bool packed, uint32_t seq)
{
	struct rte_mbuf *m = NULL;

	ut_frame_fill(frame, FRAME_LEN, seq);
	assert_true(fake_rx_deliver(&q->fd, frame, FRAME_LEN, NULL) > 0);
	assert_int_equal(packed ? virtio_recv_pkts_packed(q->rxq, &m, 1) :
				  virtio_recv_pkts(q->rxq, &m, 1), 1);
	assert_null(ut_rx_pkt_check(m, seq, FRAME_LEN, PORT));
	rte_pktmbuf_free(m);
}

static void
rx_one_bad(struct ut_rxq *q, bool packed, enum fake_fault fault)
{
	struct rte_mbuf *m = NULL;

	ut_frame_fill(frame, FRAME_LEN, 0);
	assert_true(fake_rx_deliver_fault(&q->fd, frame, FRAME_LEN, NULL, fault) > 0);
	assert_int_equal(packed ? virtio_recv_pkts_packed(q->rxq, &m, 1) :
				  virtio_recv_pkts(q->rxq, &m, 1), 0);
}

/*
 * NB_BAD bad items, each followed by a good frame, within one second: the
 * counter says NB_BAD, the log one line; a second later one more bad item
 * brings the second line with the number held back.
 */
static void
run_rx_faults(bool packed, enum fake_fault fault, const char *field, size_t counter_off)
{
	const struct virtqueue *vq;
	struct virtio_queue_params p;
	struct ut_rxq q;
	char needle[96];
	unsigned int i;

	params(&p, packed, false, 2 * QUEUE);
	assert_int_equal(ut_rxq_create(&q, &p, pool), 0);
	assert_true(virtio_rxq_fill(q.rxq) > 0);
	vq = &q.rxq->vq;
	ut_log_mark();
	for (i = 0; i < NB_BAD; i++) {
		rx_one_bad(&q, packed, fault);
		rx_one_good(&q, packed, i + 1);
	}
	assert_int_equal(*(const uint64_t *)RTE_PTR_ADD(&vq->errors, counter_off), NB_BAD);
	assert_int_equal(ut_dev_errors(vq), NB_BAD);
	assert_int_equal(q.rxq->stats.errors, NB_BAD);
	assert_int_equal(q.rxq->stats.packets, NB_BAD);
	snprintf(needle, sizeof(needle), "port %u rx queue %u (virtqueue %u): the device wrote %s",
		 PORT, QUEUE, 2 * QUEUE, field);
	if (ut_log_count(needle) != 1)
		fail_msg("want one \"%s\" in:\n%s", needle, ut_log_text());
	assert_int_equal(ut_log_count("VIRTIO:"), 1);

	ut_log_clock_advance_s(1);
	rx_one_bad(&q, packed, fault);
	rx_one_good(&q, packed, 1000);
	assert_int_equal(ut_log_count(needle), 2);
	assert_int_equal(ut_log_count("(19 similar messages suppressed since the last one)"), 1);
	ut_rxq_destroy(&q);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

static void
split_rx_bad_len(void **state)
{
	RTE_SET_USED(state);
	run_rx_faults(false, FAKE_FAULT_LEN_TOO_BIG, "used length 2061",
		      offsetof(struct vq_device_errors, bad_used_len));
}

static void
split_rx_bad_id(void **state)
{
	RTE_SET_USED(state);
	run_rx_faults(false, FAKE_FAULT_ID_OUT_OF_RANGE, "used id 64",
		      offsetof(struct vq_device_errors, bad_used_id));
}

static void
packed_rx_bad_len(void **state)
{
	RTE_SET_USED(state);
	run_rx_faults(true, FAKE_FAULT_LEN_SHORT, "used length",
		      offsetof(struct vq_device_errors, bad_used_len));
}

static void
packed_rx_bad_id(void **state)
{
	RTE_SET_USED(state);
	run_rx_faults(true, FAKE_FAULT_ID_BOGUS, "used id",
		      offsetof(struct vq_device_errors, bad_used_id));
}

/* Sends n frames; the fake device reads them all. */
static void
tx_send(struct ut_txq *q, bool packed, unsigned int n, uint32_t seq)
{
	struct rte_mbuf *pkts[8];
	struct fake_tx_frame *got = calloc(n, sizeof(*got));
	unsigned int i;

	assert_non_null(got);
	assert_true(n <= RTE_DIM(pkts));
	for (i = 0; i < n; i++) {
		ut_frame_fill(frame, FRAME_LEN, seq + i);
		pkts[i] = ut_mbuf_build(pool, frame, FRAME_LEN, 1, RTE_PKTMBUF_HEADROOM, 0);
		assert_non_null(pkts[i]);
	}
	if (packed)
		assert_int_equal(virtio_xmit_pkts_packed(q->txq, pkts, n), n);
	else
		assert_int_equal(virtio_xmit_pkts_inorder(q->txq, pkts, n), n);
	assert_int_equal(fake_tx_collect(&q->fd, got, n), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(got[i].len, FRAME_LEN);
		assert_int_equal(ut_frame_seq(got[i].data), seq + i);
	}
	free(got);
}

/*
 * In-order split Tx: the device may leave all used entries of a batch but
 * the last stale; that one must name the chain it completes. A wrong one
 * is counted and logged (once per second), the chains are still freed by
 * the count, and traffic goes on.
 */
static void
split_tx_inorder_last_id(void **state)
{
	struct virtio_queue_params p;
	struct ut_txq q;
	struct virtqueue *vq;
	unsigned int i;

	RTE_SET_USED(state);
	params(&p, false, true, 2 * QUEUE + 1);
	assert_int_equal(ut_txq_create(&q, &p, false, 0, &pool, 1), 0);
	vq = &q.txq->vq;
	ut_log_mark();
	for (i = 0; i < NB_BAD; i++) {
		uint16_t last;

		tx_send(&q, false, 4, 10 * i);
		last = (uint16_t)(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) - 1);
		vq->used->ring[last & vq->mask].id = vq->size + 5;
		assert_int_equal(virtio_txq_cleanup_inorder(q.txq), 4);
		assert_int_equal(vq->nfree, RING);
		/* A good batch after it: nothing counted. */
		tx_send(&q, false, 3, 10 * i + 5);
		assert_int_equal(virtio_txq_cleanup_inorder(q.txq), 3);
	}
	assert_int_equal(vq->errors.bad_used_id, NB_BAD);
	assert_int_equal(ut_dev_errors(vq), NB_BAD);
	assert_int_equal(ut_log_count("port 3 tx queue 1 (virtqueue 3): the device wrote used id "
				      "69"), 1);
	assert_int_equal(ut_pool_in_use(pool), 0);
	ut_txq_destroy(&q);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

/*
 * Packed Tx, any order: a used descriptor naming no buffer in flight is
 * counted and stepped over; the buffer it stood for is reclaimed at the
 * end, and traffic goes on.
 */
static void
packed_tx_bad_id(void **state)
{
	struct virtio_queue_params p;
	struct ut_txq q;
	struct virtqueue *vq;
	unsigned int i;

	RTE_SET_USED(state);
	params(&p, true, false, 2 * QUEUE + 1);
	assert_int_equal(ut_txq_create(&q, &p, false, 0, &pool, 1), 0);
	vq = &q.txq->vq;
	ut_log_mark();
	for (i = 0; i < NB_BAD; i++) {
		struct rte_mbuf *m;

		ut_frame_fill(frame, FRAME_LEN, i);
		m = ut_mbuf_build(pool, frame, FRAME_LEN, 1, RTE_PKTMBUF_HEADROOM, 0);
		assert_non_null(m);
		assert_int_equal(virtio_xmit_pkts_packed(q.txq, &m, 1), 1);
		/* The device takes the buffer and reports it under an id nobody owns. */
		fake_inject_used(&q.fd, RING + 9, 0);
		virtio_packed_txq_cleanup(q.txq);
		tx_send(&q, true, 2, 100 + 10 * i);
		virtio_packed_txq_cleanup(q.txq);
	}
	assert_int_equal(vq->errors.bad_used_id, NB_BAD);
	assert_int_equal(ut_log_count("port 3 tx queue 1 (virtqueue 3): the device wrote used id "
				      "73"), 1);
	assert_int_equal(q.txq->stats.packets, 3 * NB_BAD);
	ut_txq_destroy(&q);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, ut_log_fixture_setup, ut_log_fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(split_rx_bad_len),
		T(split_rx_bad_id),
		T(packed_rx_bad_len),
		T(packed_rx_bad_id),
		T(split_tx_inorder_last_id),
		T(packed_tx_bad_id),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
