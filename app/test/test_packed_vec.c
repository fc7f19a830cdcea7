/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Vectorized packed-ring paths (rxtx/packed_vec_body.h) against the fake
 * device: non-mergeable receive and one-segment transmit in steps of four
 * descriptors for an in-order device, the rest delegated to the scalar
 * packed functions.
 *
 * The driver builds that body only with AVX512 flags, and elects it only on
 * CPUs that have them; these tests must run everywhere, this machine (no
 * AVX512) included. So they call the generic twins built from the very
 * same body for the baseline CPU by packed_vec_generic.c: the steps, checks,
 * fallbacks and ring arithmetic under test are the driver's, only the
 * instructions the compiler picks differ.
 *
 * Receive: the device publishes used descriptors strictly in the order the
 * buffers were made available, one per buffer, which is what an in-order
 * device does on Rx. The fake's in-order mode is not used there because it
 * also demands buffer ids in sequence, which the spec does not ask of the
 * driver and the packed Rx paths do not do (a freed id goes to the head of
 * the free list). Transmit runs the fake in in-order mode, ids checked, and
 * completes batches with one used descriptor.
 *
 * Every Rx path takes mbufs raw from the pool: the pool is dirtied before
 * the fill and every received mbuf again before it goes back, so a field a
 * burst does not write shows up. On Tx each part of a burst (the steps,
 * the scalar rest) rings the doorbell once, which shows whether steps ran.
 */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "fake_device.h"
#include "rxtx/rxtx.h"
#include "ut_common.h"

/* packed_vec_generic.c */
uint16_t virtio_recv_pkts_packed_vec_generic(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_packed_vec_generic(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

#define HDR_SIZE    12 /* VERSION_1: struct virtio_net_hdr_mrg_rxbuf */
#define TEST_PORT   8
#define POOL_SIZE   4095
#define STEP	    4 /* descriptors per vector step */
#define MAX_BURST   64
#define MAX_ONE_BUF 2048 /* largest frame one default mbuf takes */
#define MIN_FRAME   60
#define BAIT_LEN    (MIN_FRAME - 1) /* a length no frame of these tests has */
#define MAX_COLLECT 1100
#define TRACKED	    2048 /* Tx packets in flight at most: the largest ring and a burst */
#define FILL	    0xa5 /* headroom and slot bytes before the driver writes */

static struct rte_mempool *pool;

static int
pool_setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_pool_create("ut_pvec_pool", POOL_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE);
	return pool == NULL ? -1 : 0;
}

static uint32_t
len_small(uint32_t seq)
{
	return ut_frame_len_for(seq, MIN_FRAME, 300);
}

static uint32_t
len_any(uint32_t seq)
{
	return ut_frame_len_for(seq, MIN_FRAME, MAX_ONE_BUF);
}

/* ---- Rx ---- */

struct rx_env {
	struct ut_rxq q;
	struct virtnet_rxq *rxq;
	struct fake_dev *fd;
	uint64_t packets, bytes; /* what the stats must say */
	uint64_t ring_end[STEP]; /* bursts whose steps met the ring's end, n slots left */
	struct ut_hog hog;
};

static struct rx_env rx_env;

static void
rx_release(struct rx_env *e)
{
	ut_hog_release(&e->hog);
	ut_rxq_destroy(&e->q);
	e->rxq = NULL;
}

static int
rx_teardown(void **state)
{
	RTE_SET_USED(state);
	rx_release(&rx_env);
	rte_mempool_free(pool);
	pool = NULL;
	return 0;
}

/* A packed Rx queue of `size` (in-order device), filled with mbufs from a dirtied pool. */
static struct rx_env *
rx_start(uint16_t size)
{
	struct rx_env *e = &rx_env;
	struct virtio_queue_params p = {
		.size = size,
		.hdr_size = HDR_SIZE,
		.packed = true,
		.in_order = true,
		.port_id = TEST_PORT,
	};

	assert_null(e->rxq);
	memset(e, 0, offsetof(struct rx_env, hog));
	assert_int_equal(ut_rxq_create(&e->q, &p, pool), 0);
	e->rxq = e->q.rxq;
	e->fd = &e->q.fd;
	e->fd->in_order = false; /* see the top of this file */
	assert_int_equal(ut_pool_dirty(pool), POOL_SIZE);
	assert_int_equal(virtio_rxq_fill(e->rxq), size);
	assert_int_equal(fake_avail_pending(e->fd), size);
	assert_int_equal(ut_pool_dirty(pool), POOL_SIZE - size);
	return e;
}

static uint16_t
rx_burst(struct rx_env *e, struct rte_mbuf **pkts, uint16_t n)
{
	return virtio_recv_pkts_packed_vec_generic(e->rxq, pkts, n);
}

static void
check_stats(struct rx_env *e, uint64_t errors)
{
	assert_int_equal(e->rxq->stats.packets, e->packets);
	assert_int_equal(e->rxq->stats.bytes, e->bytes);
	assert_int_equal(e->rxq->stats.errors, errors);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), errors);
}

/*
 * End of a scenario: the device saw a valid ring, the driver looks where the
 * device writes next, every buffer is free or posted but `swallowed` (ones
 * the device reported under a bad id and kept), and stopping the queue
 * returns every mbuf to the pool.
 */
static void
rx_finish(struct rx_env *e, uint16_t swallowed)
{
	struct virtqueue *vq = &e->rxq->vq;

	assert_int_equal(e->fd->protocol_errors, 0);
	assert_int_equal(e->fd->id_mismatch, 0);
	assert_true(fake_packed_in_step(e->fd));
	assert_int_equal(vq->nfree + fake_avail_pending(e->fd) + swallowed, vq->size);
	ut_hog_release(&e->hog);
	virtio_rxq_reclaim(e->rxq);
	assert_int_equal(vq->nfree, vq->size);
	rx_release(e);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

static int
deliver(struct rx_env *e, uint32_t seq, uint32_t len)
{
	static uint8_t frame[MAX_ONE_BUF + 64];

	ut_frame_fill(frame, len, seq);
	return fake_rx_deliver(e->fd, frame, len, NULL);
}

/* The next frame of the scenario: sequence numbers follow the packets received. */
static int
deliver_next(struct rx_env *e, uint32_t ahead, uint32_t (*len_of)(uint32_t seq))
{
	uint32_t seq = (uint32_t)e->packets + ahead;

	return deliver(e, seq, len_of(seq));
}

/* Checks every field and byte of a received packet (frame seq, len), then frees it dirty. */
static void
check_pkt(struct rx_env *e, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	const char *bad = ut_rx_pkt_check(m, seq, len, TEST_PORT);

	if (bad != NULL)
		fail_msg("packed Rx, frame %u of %u bytes: %s", seq, len, bad);
	e->packets++;
	e->bytes += len;
	ut_mbuf_free_dirty(m);
}

/* Receives exactly `n` packets with one burst of `max`: frames seq.., len_of(seq). */
static void
recv_exact(struct rx_env *e, uint16_t max, uint16_t n, uint32_t seq,
	   uint32_t (*len_of)(uint32_t seq))
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t i;

	assert_true(max <= MAX_BURST);
	assert_int_equal(rx_burst(e, pkts, max), n);
	for (i = 0; i < n; i++)
		check_pkt(e, pkts[i], seq + i, len_of(seq + i));
}

/*
 * Bait past the ring's end: used descriptors for the current lap, with a
 * length no frame has, naming the buffers at the device's next read
 * positions (posted, not used yet). A step that read on past the last slot
 * would take them. The event suppression areas share the first slot past
 * the end (its address field) and stay untouched.
 */
static void
bait_past_ring_end(struct rx_env *e)
{
	struct virtqueue *vq = &e->rxq->vq;
	uint16_t used = vq->used_wrap ? VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED : 0;
	uint16_t pos = e->fd->avail_pos, k;

	for (k = 0; k < STEP; k++) {
		struct vring_packed_desc *d = &vq->pdesc[vq->size + k];

		d->id = vq->pdesc[pos].id;
		d->len = HDR_SIZE + BAIT_LEN;
		d->flags = used;
		pos = pos + 1 == vq->size ? 0 : pos + 1;
	}
}

/*
 * Notes a burst of `want` with `pending` used whose steps reach the ring's
 * end with another step to go: 1..3 slots left (the step must not be taken)
 * or none (the steps go on from slot 0, the wrap counter flipped).
 */
static void
note_ring_end(struct rx_env *e, uint16_t want, uint32_t pending)
{
	uint32_t to_end = e->rxq->vq.size - e->rxq->vq.next_used;
	uint32_t steps_to_end = to_end / STEP;

	if (RTE_MIN((uint32_t)want, pending) >= (steps_to_end + 1) * STEP)
		e->ring_end[to_end % STEP]++;
}

/*
 * `total` frames through the ring, the device publishing a varying number
 * ahead and the application asking for 1..40 at a time, with bait past the
 * ring's end before every burst.
 */
static void
run_laps(struct rx_env *e, uint32_t total, uint32_t (*len_of)(uint32_t seq))
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint32_t sent = 0, seen = 0, rnd = 9;

	while (seen < total) {
		uint32_t ahead = ut_rand(&rnd) % 48 + 1;
		uint16_t want = (uint16_t)(ut_rand(&rnd) % 40 + 1), n, i;

		while (sent < total && sent - seen < ahead && deliver_next(e, sent - seen, len_of) > 0)
			sent++;
		assert_true(sent > seen);
		bait_past_ring_end(e);
		note_ring_end(e, want, sent - seen);
		n = rx_burst(e, pkts, want);
		assert_int_equal(n, RTE_MIN((uint32_t)want, sent - seen));
		for (i = 0; i < n; i++, seen++)
			check_pkt(e, pkts[i], (uint32_t)e->packets, len_of((uint32_t)e->packets));
	}
	assert_true(fake_packed_in_step(e->fd));
}

/* Every size from 60 to 2048 bytes, every field of every mbuf. */
static void
test_prx_frame_sizes(void **state)
{
	struct rx_env *e = rx_start(256);
	struct rte_mbuf *pkts[MAX_BURST];
	uint32_t len = MIN_FRAME, k = 0;

	RTE_SET_USED(state);
	while (len <= MAX_ONE_BUF) {
		uint32_t n = RTE_MIN(k++ % 40 + 1, MAX_ONE_BUF + 1 - len), i;

		for (i = 0; i < n; i++)
			assert_int_equal(deliver(e, len + i, len + i), 1);
		assert_int_equal(rx_burst(e, pkts, MAX_BURST), n);
		for (i = 0; i < n; i++)
			check_pkt(e, pkts[i], len + i, len + i);
		len += n;
	}
	assert_int_equal(deliver(e, 1, MAX_ONE_BUF + 1), -EMSGSIZE);
	assert_int_equal(e->packets, MAX_ONE_BUF - MIN_FRAME + 1);
	check_stats(e, 0);
	assert_int_equal(e->rxq->stats.nombuf, 0);
	rx_finish(e, 0);
}

/* Bursts of 1..40 with more pending than asked, by every remainder modulo the step. */
static void
test_prx_burst_remainders(void **state)
{
	static const uint16_t extras[] = { 0, 1, 2, 3, 4, 5, 7, 11 };
	struct rx_env *e = rx_start(255);
	uint32_t sent = 0, seen = 0;
	uint16_t b;
	unsigned int x;

	RTE_SET_USED(state);
	for (b = 1; b <= 40; b++) {
		for (x = 0; x < RTE_DIM(extras); x++) {
			uint16_t want = b + extras[x];

			while (sent - seen < want && deliver(e, sent, len_small(sent)) > 0)
				sent++;
			assert_int_equal(sent - seen, want);
			while (seen < sent) {
				uint16_t n = (uint16_t)RTE_MIN((uint32_t)b, sent - seen);

				recv_exact(e, b, n, seen, len_small);
				seen += n;
			}
			recv_exact(e, b, 0, seen, len_small);
		}
	}
	assert_int_equal(e->packets, sent);
	check_stats(e, 0);
	rx_finish(e, 0);
}

/*
 * Ring sizes of every remainder modulo the step, powers of two or not,
 * many laps each: the steps meet the ring's end with 0, 1, 2 and 3 slots left,
 * both wrap counters flip lap after lap, nothing past the end is read.
 */
static void
test_prx_ring_sizes(void **state)
{
	static const struct {
		uint16_t size;
		uint32_t total;
	} rings[] = { { 4, 3000 }, { 5, 3000 }, { 6, 3000 }, { 7, 3000 }, { 64, 20000 },
		      { 254, 30000 }, { 255, 70000 }, { 256, 30000 }, { 1025, 70000 } };
	unsigned int r, k;

	RTE_SET_USED(state);
	for (r = 0; r < RTE_DIM(rings); r++) {
		struct rx_env *e = rx_start(rings[r].size);
		struct virtqueue *vq = &e->rxq->vq;

		run_laps(e, rings[r].total, len_small);
		print_message("# ring of %u: %u frames, %" PRIu64
			      " laps; steps met the end with 0/1/2/3 slots left: %" PRIu64
			      "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
			      rings[r].size, rings[r].total, e->fd->used_wraps,
			      e->ring_end[0], e->ring_end[1], e->ring_end[2], e->ring_end[3]);
		/* Steps going on past the wrap need two steps' worth in the ring. */
		for (k = rings[r].size < 2 * STEP ? 1 : 0; k < STEP; k++)
			assert_true(e->ring_end[k] > 0);
		check_stats(e, 0);
		/* Both sides flipped their wrap counters once per lap, and agree. */
		assert_true(e->fd->used_wraps >= rings[r].total / rings[r].size);
		assert_int_equal(e->fd->used_written, rings[r].total);
		assert_int_equal(vq->used_wrap, e->fd->used_wraps % 2 == 0);
		assert_int_equal(e->fd->avail_wrap, e->fd->avail_wraps % 2 == 0);
		rx_finish(e, 0);
	}
}

/* The device fills every posted buffer; then the pool runs dry and the ring empties. */
static void
test_prx_ring_full_and_empty(void **state)
{
	struct rx_env *e = rx_start(63);
	struct rte_mbuf *pkts[MAX_BURST];
	uint32_t seq = 0, i;

	RTE_SET_USED(state);
	recv_exact(e, 40, 0, 0, len_small);
	while (deliver(e, seq, len_small(seq)) > 0)
		seq++;
	assert_int_equal(seq, 63);
	recv_exact(e, 40, 40, 0, len_small);
	recv_exact(e, 40, 23, 40, len_small);
	assert_int_equal(fake_avail_pending(e->fd), 63);

	/* No mbuf to repost, every posted buffer used and kept by the application. */
	assert_true(ut_hog_take(&e->hog, pool, 0));
	while (e->rxq->vq.nfree < 63) {
		uint16_t n;

		for (i = 0; i < 40 && deliver(e, seq + i, len_small(seq + i)) > 0; i++)
			;
		n = rx_burst(e, pkts, MAX_BURST);
		assert_int_equal(n, i);
		assert_true(n > 0);
		for (i = 0; i < n; i++, seq++) {
			assert_null(ut_rx_pkt_check(pkts[i], seq, len_small(seq), TEST_PORT));
			e->packets++;
			e->bytes += len_small(seq);
			assert_true(ut_hog_keep(&e->hog, pkts[i]));
		}
	}
	assert_true(e->rxq->stats.nombuf > 0);
	assert_int_equal(deliver(e, seq, 100), -ENOSPC);
	for (i = 0; i < 3; i++)
		recv_exact(e, 40, 0, seq, len_small);
	assert_true(fake_packed_in_step(e->fd));
	check_stats(e, 0);
	/* The mbufs come back: the ring fills up again and traffic flows. */
	ut_hog_release(&e->hog);
	recv_exact(e, 40, 0, seq, len_small);
	assert_int_equal(fake_avail_pending(e->fd), 63);
	run_laps(e, 2000, len_any);
	check_stats(e, 0);
	rx_finish(e, 0);
}

/* ---- Rx: bad device writes ---- */

struct bad_case {
	const char *what;
	enum fake_fault fault;
	size_t counter; /* offsetof the vq_device_errors counter */
	bool swallows; /* the device keeps the buffer it reports under a bad id */
};

#define ERR(f) offsetof(struct vq_device_errors, f)

static const struct bad_case bad_cases[] = {
	{ "used len 0", FAKE_FAULT_LEN_ZERO, ERR(bad_used_len), false },
	{ "used len shorter than the header", FAKE_FAULT_LEN_SHORT, ERR(bad_used_len), false },
	{ "used len one past the buffer", FAKE_FAULT_LEN_TOO_BIG, ERR(bad_used_len), false },
	{ "used id == ring size", FAKE_FAULT_ID_OUT_OF_RANGE, ERR(bad_used_id), true },
	{ "used id 0xf00d", FAKE_FAULT_ID_BOGUS, ERR(bad_used_id), true },
	{ "used id not in flight", FAKE_FAULT_ID_NOT_IN_FLIGHT, ERR(bad_used_id), true },
	/* The id of the frame delivered just before it, in the same step or not. */
	{ "duplicate used id", FAKE_FAULT_ID_DUPLICATE, ERR(bad_used_id), true },
};

/* Receives single frames until a step can start here with three steps' room before the end. */
static void
align_to_step(struct rx_env *e)
{
	struct virtqueue *vq = &e->rxq->vq;

	while (vq->next_used % STEP != 0 || vq->size - vq->next_used < 3 * STEP || vq->nfree == 0) {
		assert_int_equal(deliver_next(e, 0, len_small), 1);
		recv_exact(e, 1, 1, (uint32_t)e->packets, len_small);
	}
}

/*
 * `before` good frames, the bad descriptor, good frames up to two steps on,
 * the first at a step boundary: the step holding the bad descriptor must
 * not take it, the scalar path counts it once, and the good frames all
 * arrive in order.
 */
static void
run_bad_case(struct rx_env *e, const struct bad_case *c, uint16_t before)
{
	struct virtqueue *vq = &e->rxq->vq;
	uint16_t after = (uint16_t)(2 * STEP - before), n, i;
	uint64_t *counter = (uint64_t *)((uint8_t *)&vq->errors + c->counter);
	uint64_t was = *counter, errors = e->rxq->stats.errors;
	struct rte_mbuf *pkts[MAX_BURST];
	uint32_t seq = 10000 + (uint32_t)e->packets;
	uint8_t frame[100];

	align_to_step(e);
	/* Staged, then published at once: a bad id can only name what is really not in flight. */
	e->fd->hold = true;
	for (i = 0; i < before; i++)
		assert_int_equal(deliver(e, seq + i, 100 + i), 1);
	ut_frame_fill(frame, sizeof(frame), 7);
	assert_int_equal(fake_rx_deliver_fault(e->fd, frame, sizeof(frame), NULL, c->fault), 1);
	for (i = 0; i < after; i++)
		assert_int_equal(deliver(e, seq + before + i, 100 + before + i), 1);
	e->fd->hold = false;
	assert_int_equal(fake_publish(e->fd, UINT32_MAX, FAKE_ORDER_FIFO), before + after + 1);
	n = rx_burst(e, pkts, MAX_BURST);
	assert_int_equal(n, before + after);
	for (i = 0; i < n; i++)
		check_pkt(e, pkts[i], seq + i, 100 + i);
	assert_int_equal(*counter, was + 1);
	assert_int_equal(ut_dev_errors(vq), errors + 1);
	assert_int_equal(e->rxq->stats.errors, errors + 1);
	assert_true(fake_packed_in_step(e->fd));
}

static void
test_prx_bad_device_writes(void **state)
{
	unsigned int c;
	uint16_t before;

	RTE_SET_USED(state);
	for (c = 0; c < RTE_DIM(bad_cases); c++) {
		const struct bad_case *bc = &bad_cases[c];
		struct rx_env *e = rx_start(256);
		uint16_t runs = 0;

		print_message("# %s, at every place of two steps\n", bc->what);
		for (before = 0; before <= 2 * STEP; before++) {
			run_bad_case(e, bc, before);
			runs++;
		}
		check_stats(e, runs);
		/* Lap after lap afterwards, still in step with the device. */
		run_laps(e, 1000, len_any);
		assert_int_equal(e->rxq->stats.errors, runs);
		rx_finish(e, bc->swallows ? runs : 0);
	}
}

/*
 * Regression: vec_rx_step() took every id in flight, so a step naming the
 * same buffer twice freed it twice and wrote the second packet's fields
 * through the NULL cookie the first take left (SIGSEGV). The device names
 * the buffer of the descriptor before it again, at each place of a step:
 * the step must refuse, the scalar path counts the second id as bad, the
 * frames arrive, and the buffer the device filled is lost until stop.
 */
static void
test_prx_duplicate_id_in_step(void **state)
{
	uint16_t dup, i;

	RTE_SET_USED(state);
	for (dup = 1; dup < STEP; dup++) {
		struct rx_env *e = rx_start(256);
		struct rte_mbuf *pkts[MAX_BURST];
		uint8_t frame[100];

		for (i = 0; i < dup; i++)
			assert_int_equal(deliver(e, i, 100 + i), 1);
		ut_frame_fill(frame, sizeof(frame), 7);
		assert_int_equal(fake_rx_deliver_fault(e->fd, frame, sizeof(frame), NULL,
						       FAKE_FAULT_ID_DUPLICATE), 1);
		for (i = dup; i < 2 * STEP - 1; i++)
			assert_int_equal(deliver(e, i, 100 + i), 1);
		assert_int_equal(rx_burst(e, pkts, MAX_BURST), 2 * STEP - 1);
		for (i = 0; i < 2 * STEP - 1; i++)
			check_pkt(e, pkts[i], i, 100 + i);
		assert_int_equal(e->rxq->vq.errors.bad_used_id, 1);
		assert_int_equal(e->rxq->stats.errors, 1);
		run_laps(e, 1000, len_any);
		rx_finish(e, 1);
	}
}

/* ---- Tx ---- */

struct tx_env {
	struct ut_txq q;
	struct virtnet_txq *txq;
	struct fake_dev *fd;
	struct fake_tx_frame *frames;
	uint64_t packets, bytes; /* what the stats must say */
	uint8_t frame[UT_MAX_FRAME + 64];
};

static struct tx_env tx_env;

static int
tx_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_txq_destroy(&tx_env.q);
	tx_env.txq = NULL;
	free(tx_env.frames);
	tx_env.frames = NULL;
	rte_mempool_free(pool);
	pool = NULL;
	return 0;
}

/*
 * A packed Tx queue for an in-order device; with `batch_used` the device
 * completes each batch it reads with one used descriptor naming its last
 * buffer.
 */
static struct tx_env *
tx_start(uint16_t size, bool use_indirect, bool batch_used)
{
	struct tx_env *e = &tx_env;
	struct virtio_queue_params p = {
		.vq_index = 1,
		.size = size,
		.hdr_size = HDR_SIZE,
		.packed = true,
		.in_order = true,
		.port_id = TEST_PORT,
	};

	assert_null(e->txq);
	e->packets = 0;
	e->bytes = 0;
	assert_int_equal(ut_txq_create(&e->q, &p, use_indirect, FILL, &pool, 1), 0);
	e->txq = e->q.txq;
	e->fd = &e->q.fd;
	assert_true(e->txq->in_order && e->fd->in_order);
	e->fd->used_last_only = batch_used;
	if (e->frames == NULL)
		e->frames = calloc(MAX_COLLECT, sizeof(*e->frames));
	assert_non_null(e->frames);
	return e;
}

static uint16_t
tx_xmit(struct tx_env *e, struct rte_mbuf **pkts, uint16_t n)
{
	return virtio_xmit_pkts_packed_vec_generic(e->txq, pkts, n);
}

static uint16_t
tx_clean(struct tx_env *e)
{
	return virtio_packed_txq_cleanup(e->txq);
}

/*
 * The device saw a valid ring with buffer ids in sequence and one id per
 * chain, the stats add up, and stopping the queue returns every mbuf.
 */
static void
tx_finish(struct tx_env *e)
{
	struct virtqueue *vq = &e->txq->vq;

	assert_int_equal(e->fd->protocol_errors, 0);
	assert_int_equal(e->fd->seq_errors, 0);
	assert_int_equal(e->fd->id_mismatch, 0);
	assert_int_equal(e->txq->stats.packets, e->packets);
	assert_int_equal(e->txq->stats.bytes, e->bytes);
	assert_int_equal(ut_dev_errors(vq), 0);
	virtio_txq_reclaim(e->txq);
	assert_int_equal(vq->nfree, vq->size);
	ut_txq_destroy(&e->q);
	e->txq = NULL;
	assert_int_equal(ut_pool_in_use(pool), 0);
}

/* A packet of `len` bytes (frame seq) in nsegs segments, the first with `headroom`. */
static struct rte_mbuf *
make_pkt(struct tx_env *e, uint32_t seq, uint32_t len, unsigned int nsegs, uint16_t headroom)
{
	struct rte_mbuf *m;

	ut_frame_fill(e->frame, len, seq);
	m = ut_mbuf_build(pool, e->frame, len, nsegs, headroom, FILL);
	assert_non_null(m);
	return m;
}

/* One pushable segment: what a vector step takes. */
static struct rte_mbuf *
simple_pkt(struct tx_env *e, uint32_t seq, uint32_t len)
{
	return make_pkt(e, seq, len, 1, RTE_PKTMBUF_HEADROOM);
}

/*
 * What the device got for packet seq: a zeroed header and the frame, laid
 * out as the packet allows: header pushed into the headroom and one slot
 * per segment, or a header of its own followed by the segments, in an
 * indirect table for a chain when the device takes them.
 */
static void
check_frame(struct tx_env *e, const struct fake_tx_frame *f, uint32_t seq, uint32_t len,
	    unsigned int nsegs, bool pushed)
{
	bool indirect = !pushed && e->txq->use_indirect && nsegs > 1;

	assert_true(ut_bytes_all(f->hdr, HDR_SIZE, 0));
	assert_int_equal(f->len, len);
	ut_frame_fill(e->frame, len, seq);
	assert_memory_equal(f->data, e->frame, len);
	assert_int_equal(f->indirect, indirect);
	assert_int_equal(f->hdr_alone, !pushed);
	assert_int_equal(f->nbufs, pushed ? nsegs : nsegs + 1);
	assert_int_equal(f->ring_descs, pushed ? nsegs : indirect ? 1 : nsegs + 1);
}

static void
account(struct tx_env *e, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		e->packets++;
		e->bytes += pkts[i]->pkt_len;
	}
}

/*
 * Sends a burst that must all go; `steps` of them by vector steps. Each part
 * of a burst rings the doorbell once (the device asks for every kick), so
 * the kicks tell whether the steps and the scalar tail each sent something.
 */
static void
send_burst(struct tx_env *e, struct rte_mbuf **pkts, uint16_t n, uint16_t steps)
{
	uint64_t kicks = e->fd->notifications;

	account(e, pkts, n);
	assert_int_equal(tx_xmit(e, pkts, n), n);
	assert_int_equal(e->fd->notifications - kicks, (steps > 0) + (n > steps * STEP));
}

/* Vector steps a burst of n simple packets takes at the queue's current slot. */
static uint16_t
steps_for(const struct tx_env *e, uint16_t n)
{
	const struct virtqueue *vq = &e->txq->vq;

	return RTE_MIN(n / STEP, (vq->size - vq->next_avail) / STEP);
}

/*
 * Bursts of 1..40 simple packets of every size from 60 to 2048 bytes: steps
 * of four, the remainder and whatever the ring's end cuts off by the scalar
 * path; each batch completed with one used descriptor.
 */
static void
test_ptx_steps(void **state)
{
	struct tx_env *e = tx_start(255, true, true);
	struct rte_mbuf *pkts[40];
	uint32_t len = MIN_FRAME, k = 0, stepped = 0;
	uint16_t n, i;

	RTE_SET_USED(state);
	while (len <= MAX_ONE_BUF) {
		n = (uint16_t)RTE_MIN(k++ % 40 + 1, MAX_ONE_BUF + 1 - len);
		for (i = 0; i < n; i++)
			pkts[i] = simple_pkt(e, len + i, len + i);
		stepped += steps_for(e, n) * STEP;
		send_burst(e, pkts, n, steps_for(e, n));
		assert_int_equal(fake_tx_collect(e->fd, e->frames, MAX_COLLECT), n);
		for (i = 0; i < n; i++) {
			const uint8_t *data = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

			check_frame(e, &e->frames[i], len + i, len + i, 1, true);
			assert_ptr_equal(e->frames[i].first_buf, data - HDR_SIZE);
			assert_true(ut_bytes_all(pkts[i]->buf_addr,
						 RTE_PKTMBUF_HEADROOM - HDR_SIZE, FILL));
		}
		/* One used descriptor for the batch: exactly it is freed. */
		assert_int_equal(tx_clean(e), n);
		assert_int_equal(ut_pool_in_use(pool), 0);
		assert_true(fake_packed_in_step(e->fd));
		len += n;
	}
	print_message("# %" PRIu64 " packets, %u by vector steps, %" PRIu64 " laps\n", e->packets,
		      stepped, e->fd->avail_wraps);
	assert_true(stepped > e->packets / 2);
	assert_true(e->fd->used_written < e->packets / 10);
	assert_int_equal(e->txq->stats.errors, 0);
	tx_finish(e);
}

/*
 * A packet a step cannot take (a chain with or without headroom, a shared
 * mbuf, no headroom) at every place of a burst of 12: the steps before it
 * are vector steps, and from there on the scalar path sends everything, in
 * order.
 */
static void
test_ptx_mixed(void **state)
{
	struct tx_env *e;
	struct rte_mbuf *pkts[12];
	uint32_t seq = 0;
	unsigned int ind, kind, j, i;

	RTE_SET_USED(state);
	for (ind = 0; ind < 2; ind++) {
		e = tx_start(128, ind == 1, ind == 1);
		for (kind = 0; kind < 4; kind++) {
			for (j = 0; j < 12; j++, seq += 12) {
				unsigned int nsegs = kind < 2 ? j % 3 + 2 : 1;
				bool pushed = kind == 1; /* a chain with headroom takes the header */

				/* From slot 0, so that steps are not cut by the ring's end. */
				while (e->txq->vq.next_avail != 0) {
					pkts[0] = simple_pkt(e, 999, 64);
					send_burst(e, pkts, 1, 0);
					assert_int_equal(fake_tx_collect(e->fd, e->frames, 1), 1);
					tx_clean(e);
				}
				for (i = 0; i < 12; i++)
					pkts[i] = i == j && kind != 2 ?
							  make_pkt(e, seq + i, 100 + i, nsegs,
								   kind == 1 ? RTE_PKTMBUF_HEADROOM :
								   kind == 0 ? 0 : HDR_SIZE - 1) :
							  simple_pkt(e, seq + i, 100 + i);
				if (kind == 2)
					rte_mbuf_refcnt_update(pkts[j], 1);
				send_burst(e, pkts, 12, (uint16_t)(j / STEP));
				assert_int_equal(fake_tx_collect(e->fd, e->frames, MAX_COLLECT), 12);
				for (i = 0; i < 12; i++)
					check_frame(e, &e->frames[i], seq + i, 100 + i,
						    i == j ? nsegs : 1, i != j || pushed);
				tx_clean(e);
				assert_true(fake_packed_in_step(e->fd));
				if (kind == 2) {
					/* Sent without writing into it, and let go of. */
					assert_int_equal(rte_mbuf_refcnt_read(pkts[j]), 1);
					assert_true(ut_bytes_all(pkts[j]->buf_addr,
								 RTE_PKTMBUF_HEADROOM, FILL));
					rte_pktmbuf_free(pkts[j]);
				}
				assert_int_equal(ut_pool_in_use(pool), 0);
			}
		}
		assert_int_equal(e->txq->stats.errors, 0);
		tx_finish(e);
	}
}

/* Ring full: the burst returns fewer, the rest goes once the device completes. */
static void
test_ptx_ring_full(void **state)
{
	struct tx_env *e = tx_start(63, true, true);
	struct virtqueue *vq = &e->txq->vq;
	struct rte_mbuf *pkts[100];
	uint64_t kicks;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < 100; i++)
		pkts[i] = simple_pkt(e, i, 100 + i);
	/* 15 steps, then the ring's end: the scalar path sends 3 and finds the ring full. */
	kicks = e->fd->notifications;
	assert_int_equal(tx_xmit(e, pkts, 100), 63);
	assert_int_equal(e->fd->notifications - kicks, 2);
	assert_int_equal(vq->nfree, 0);
	assert_int_equal(vq->next_avail, 0);
	assert_false(vq->avail_wrap);
	account(e, pkts, 63);
	kicks = e->fd->notifications;
	assert_int_equal(tx_xmit(e, pkts + 63, 37), 0);
	assert_int_equal(e->fd->notifications, kicks);
	/* Half the ring completes, one used descriptor: the burst goes on with steps. */
	assert_int_equal(fake_tx_collect(e->fd, e->frames, 32), 32);
	for (i = 0; i < 32; i++)
		check_frame(e, &e->frames[i], i, 100 + i, 1, true);
	assert_int_equal(e->fd->used_written, 1);
	assert_int_equal(tx_xmit(e, pkts + 63, 37), 32);
	account(e, pkts + 63, 32);
	assert_int_equal(vq->nfree, 0);
	assert_int_equal(fake_tx_collect(e->fd, e->frames, MAX_COLLECT), 63);
	for (i = 0; i < 63; i++)
		check_frame(e, &e->frames[i], 32 + i, 132 + i, 1, true);
	assert_int_equal(tx_xmit(e, pkts + 95, 5), 5);
	account(e, pkts + 95, 5);
	assert_int_equal(fake_tx_collect(e->fd, e->frames, MAX_COLLECT), 5);
	for (i = 0; i < 5; i++)
		check_frame(e, &e->frames[i], 95 + i, 195 + i, 1, true);
	tx_finish(e);
}

/*
 * `total` packets, mostly simple, through the ring: the application sends
 * 1..40 at a time and builds again what did not fit, the device reads a
 * varying number at a time; freed mbufs are poisoned before every read so
 * a buffer freed before the device read it arrives spoiled.
 */
static void
run_traffic(struct tx_env *e, uint32_t total)
{
	static uint32_t lens[TRACKED];
	static uint8_t segs[TRACKED], pushed[TRACKED];
	struct rte_mbuf *pkts[40];
	uint32_t sent = 0, got = 0, rnd = 13;

	while (got < total) {
		uint16_t n = (uint16_t)RTE_MIN(ut_rand(&rnd) % 40 + 1, total - sent), i, done;

		for (i = 0; i < n; i++) {
			uint32_t seq = sent + i, k = seq % TRACKED;

			/* Now and then a chain, every other one without headroom. */
			lens[k] = len_any(seq);
			segs[k] = seq % 13 == 7 ? 3 : 1;
			pushed[k] = segs[k] == 1 || seq % 2 == 0;
			pkts[i] = make_pkt(e, seq, lens[k], segs[k],
					   pushed[k] ? RTE_PKTMBUF_HEADROOM : 0);
		}
		done = tx_xmit(e, pkts, n);
		account(e, pkts, done);
		for (i = done; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		sent += done;
		while (got < sent) {
			int k;

			ut_pool_poison(pool, 0xee);
			k = fake_tx_collect(e->fd, e->frames, ut_rand(&rnd) % 48 + 1);
			assert_true(k > 0);
			for (i = 0; i < k; i++, got++)
				check_frame(e, &e->frames[i], got, lens[got % TRACKED],
					    segs[got % TRACKED], pushed[got % TRACKED]);
			if (ut_rand(&rnd) % 2)
				break;
		}
	}
	tx_clean(e);
	assert_int_equal(e->txq->vq.nfree, e->txq->vq.size);
	assert_int_equal(ut_pool_in_use(pool), 0);
	assert_true(fake_packed_in_step(e->fd));
}

/* Slots and ids wrap lap after lap, with batched and with one-by-one completions. */
static void
test_ptx_laps(void **state)
{
	static const struct {
		uint16_t size;
		uint32_t total;
		bool batch_used;
	} runs[] = { { 5, 3000, true }, { 7, 3000, false }, { 63, 10000, true },
		     { 255, 70000, true }, { 256, 20000, false }, { 1025, 30000, true } };
	unsigned int r;

	RTE_SET_USED(state);
	for (r = 0; r < RTE_DIM(runs); r++) {
		struct tx_env *e = tx_start(runs[r].size, r % 2 == 0, runs[r].batch_used);

		run_traffic(e, runs[r].total);
		print_message("# ring of %u: %u packets, %" PRIu64 " laps, %" PRIu64
			      " used descriptors\n",
			      runs[r].size, runs[r].total, e->fd->avail_wraps, e->fd->used_written);
		assert_true(e->fd->avail_wraps >= 10);
		assert_int_equal(e->fd->used_wraps, e->fd->avail_wraps);
		assert_int_equal(e->txq->vq.avail_wrap, e->fd->avail_wraps % 2 == 0);
		assert_int_equal(e->txq->vq.used_wrap, e->fd->used_wraps % 2 == 0);
		assert_int_equal(e->fd->chains_taken, runs[r].total);
		if (runs[r].batch_used)
			assert_true(e->fd->used_written < runs[r].total / 4);
		else
			assert_int_equal(e->fd->used_written, runs[r].total);
		assert_int_equal(e->txq->stats.errors, 0);
		tx_finish(e);
	}
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	return ut_eal_init("packed_vec");
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_fini();
	return 0;
}

#define RX(fn) cmocka_unit_test_setup_teardown(fn, pool_setup, rx_teardown)
#define TX(fn) cmocka_unit_test_setup_teardown(fn, pool_setup, tx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RX(test_prx_frame_sizes),
		RX(test_prx_burst_remainders),
		RX(test_prx_ring_sizes),
		RX(test_prx_ring_full_and_empty),
		RX(test_prx_bad_device_writes),
		RX(test_prx_duplicate_id_in_step),
		TX(test_ptx_steps),
		TX(test_ptx_mixed),
		TX(test_ptx_ring_full),
		TX(test_ptx_laps),
	};

	return cmocka_run_group_tests_name("packed_vec", tests, group_setup, group_teardown);
}
