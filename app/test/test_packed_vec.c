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

#include <inttypes.h>
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
#include "vec_env.h"

/* packed_vec_generic.c */
uint16_t virtio_recv_pkts_packed_vec_generic(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_packed_vec_generic(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

#define TEST_PORT 8
#define STEP	  4 /* descriptors per vector step */

/* ---- Rx ---- */

static const struct vec_rx_path rx_packed = {
	.name = "packed",
	.burst = virtio_recv_pkts_packed_vec_generic,
	.group = STEP,
};

/* Bursts of the running case whose steps met the ring's end, n slots left. */
static uint64_t ring_end[STEP];

/* A packed Rx queue of `size` (in-order device), filled with mbufs from a dirtied pool. */
static struct vec_rx *
rx_start(uint16_t size)
{
	struct virtio_queue_params p = {
		.size = size,
		.hdr_size = HDR_SIZE,
		.packed = true,
		.in_order = true,
		.port_id = TEST_PORT,
	};

	memset(ring_end, 0, sizeof(ring_end));
	return vec_rx_start(&rx_packed, &p);
}

/*
 * End of a scenario: the device saw a valid ring, the driver looks where the
 * device writes next, every buffer is free or posted but `swallowed` (ones
 * the device reported under a bad id and kept), and stopping the queue
 * returns every mbuf to the pool.
 */
static void
rx_finish(struct vec_rx *e, uint16_t swallowed)
{
	struct virtqueue *vq = &e->rxq->vq;

	assert_int_equal(e->fd->id_mismatch, 0);
	assert_true(fake_packed_in_step(e->fd));
	assert_int_equal(vq->nfree + fake_avail_pending(e->fd) + swallowed, vq->size);
	vec_rx_finish(e);
}

/*
 * Bait past the ring's end: used descriptors for the current lap, with a
 * length no frame has, naming the buffers at the device's next read
 * positions (posted, not used yet). A step that read on past the last slot
 * would take them. The event suppression areas share the first slot past
 * the end (its address field) and stay untouched.
 */
static void
bait_past_ring_end(struct vec_rx *e)
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
note_ring_end(struct vec_rx *e, uint16_t want, uint32_t pending)
{
	uint32_t to_end = e->rxq->vq.size - e->rxq->vq.next_used;
	uint32_t steps_to_end = to_end / STEP;

	if (RTE_MIN((uint32_t)want, pending) >= (steps_to_end + 1) * STEP)
		ring_end[to_end % STEP]++;
}

/* Before every burst of a lap: the bait, and where the steps meet the ring's end. */
static void
before_burst(struct vec_rx *e, uint16_t want, uint32_t pending)
{
	bait_past_ring_end(e);
	note_ring_end(e, want, pending);
}

/* vec_rx_laps() with bait past the ring's end; the device stays in step with the driver. */
static void
run_laps(struct vec_rx *e, uint32_t total, vec_len_fn *len_of)
{
	vec_rx_laps(e, total, len_of, 9, before_burst);
	assert_true(fake_packed_in_step(e->fd));
}

/* Every size from 60 to 2048 bytes, every field of every mbuf. */
static void
test_prx_frame_sizes(void **state)
{
	struct vec_rx *e = rx_start(256);

	RTE_SET_USED(state);
	vec_rx_frame_sizes(e);
	rx_finish(e, 0);
}

/* Bursts of 1..40 with more pending than asked, by every remainder modulo the step. */
static void
test_prx_burst_remainders(void **state)
{
	static const uint16_t extras[] = { 0, 1, 2, 3, 4, 5, 7, 11 };
	struct vec_rx *e = rx_start(255);

	RTE_SET_USED(state);
	/* The whole ring stays posted. */
	vec_rx_burst_sizes(e, extras, RTE_DIM(extras), 255);
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
		struct vec_rx *e = rx_start(rings[r].size);
		struct virtqueue *vq = &e->rxq->vq;

		run_laps(e, rings[r].total, vec_len_small);
		print_message("# ring of %u: %u frames, %" PRIu64
			      " laps; steps met the end with 0/1/2/3 slots left: %" PRIu64
			      "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
			      rings[r].size, rings[r].total, e->fd->used_wraps,
			      ring_end[0], ring_end[1], ring_end[2], ring_end[3]);
		/* Steps going on past the wrap need two steps' worth in the ring. */
		for (k = rings[r].size < 2 * STEP ? 1 : 0; k < STEP; k++)
			assert_true(ring_end[k] > 0);
		vec_rx_check_stats(e, 0);
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
	struct vec_rx *e = rx_start(63);
	uint32_t seq;

	RTE_SET_USED(state);
	seq = vec_rx_fill_then_starve(e);
	assert_true(fake_packed_in_step(e->fd));
	vec_rx_check_stats(e, 0);
	/* The mbufs come back: the ring fills up again and traffic flows. */
	ut_hog_release(&e->hog);
	vec_recv_exact(e, 40, 0, seq, vec_len_small);
	assert_int_equal(fake_avail_pending(e->fd), 63);
	run_laps(e, 2000, vec_len_any);
	vec_rx_check_stats(e, 0);
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
align_to_step(struct vec_rx *e)
{
	struct virtqueue *vq = &e->rxq->vq;

	while (vq->next_used % STEP != 0 || vq->size - vq->next_used < 3 * STEP || vq->nfree == 0)
		vec_rx_pass_one(e);
}

/*
 * `before` good frames, the bad descriptor, good frames up to two steps on,
 * the first at a step boundary: the step holding the bad descriptor must
 * not take it, the scalar path counts it once, and the good frames all
 * arrive in order.
 */
static void
run_bad_case(struct vec_rx *e, const struct bad_case *c, uint16_t before)
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
		assert_int_equal(vec_deliver(e, seq + i, 100 + i), 1);
	ut_frame_fill(frame, sizeof(frame), 7);
	assert_int_equal(fake_rx_deliver_fault(e->fd, frame, sizeof(frame), NULL, c->fault), 1);
	for (i = 0; i < after; i++)
		assert_int_equal(vec_deliver(e, seq + before + i, 100 + before + i), 1);
	e->fd->hold = false;
	assert_int_equal(fake_publish(e->fd, UINT32_MAX, FAKE_ORDER_FIFO), before + after + 1);
	n = vec_rx_burst(e, pkts, MAX_BURST);
	assert_int_equal(n, before + after);
	for (i = 0; i < n; i++)
		vec_check_pkt(e, pkts[i], seq + i, 100 + i);
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
		struct vec_rx *e = rx_start(256);
		uint16_t runs = 0;

		print_message("# %s, at every place of two steps\n", bc->what);
		for (before = 0; before <= 2 * STEP; before++) {
			run_bad_case(e, bc, before);
			runs++;
		}
		vec_rx_check_stats(e, runs);
		/* Lap after lap afterwards, still in step with the device. */
		run_laps(e, 1000, vec_len_any);
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
		struct vec_rx *e = rx_start(256);
		struct rte_mbuf *pkts[MAX_BURST];
		uint8_t frame[100];

		for (i = 0; i < dup; i++)
			assert_int_equal(vec_deliver(e, i, 100 + i), 1);
		ut_frame_fill(frame, sizeof(frame), 7);
		assert_int_equal(fake_rx_deliver_fault(e->fd, frame, sizeof(frame), NULL,
						       FAKE_FAULT_ID_DUPLICATE), 1);
		for (i = dup; i < 2 * STEP - 1; i++)
			assert_int_equal(vec_deliver(e, i, 100 + i), 1);
		assert_int_equal(vec_rx_burst(e, pkts, MAX_BURST), 2 * STEP - 1);
		for (i = 0; i < 2 * STEP - 1; i++)
			vec_check_pkt(e, pkts[i], i, 100 + i);
		assert_int_equal(e->rxq->vq.errors.bad_used_id, 1);
		assert_int_equal(e->rxq->stats.errors, 1);
		run_laps(e, 1000, vec_len_any);
		rx_finish(e, 1);
	}
}

/* ---- Tx ---- */

/*
 * A packed Tx queue for an in-order device; with `batch_used` the device
 * completes each batch it reads with one used descriptor naming its last
 * buffer.
 */
static struct vec_tx *
tx_start(uint16_t size, bool use_indirect, bool batch_used)
{
	struct virtio_queue_params p = {
		.vq_index = 1,
		.size = size,
		.hdr_size = HDR_SIZE,
		.packed = true,
		.in_order = true,
		.port_id = TEST_PORT,
	};
	struct vec_tx *e = vec_tx_start(virtio_xmit_pkts_packed_vec_generic, &p, use_indirect);

	assert_true(e->txq->in_order && e->fd->in_order);
	e->fd->used_last_only = batch_used;
	return e;
}

static uint16_t
tx_clean(struct vec_tx *e)
{
	return virtio_packed_txq_cleanup(e->txq);
}

/*
 * The device saw a valid ring with buffer ids in sequence and one id per
 * chain, the stats add up, and stopping the queue returns every mbuf.
 */
static void
tx_finish(struct vec_tx *e)
{
	assert_int_equal(e->fd->seq_errors, 0);
	assert_int_equal(e->fd->id_mismatch, 0);
	assert_int_equal(ut_dev_errors(&e->txq->vq), 0);
	vec_tx_finish(e);
}

/* One pushable segment: what a vector step takes. */
static struct rte_mbuf *
simple_pkt(struct vec_tx *e, uint32_t seq, uint32_t len)
{
	return vec_make_pkt(e, seq, len, 1, RTE_PKTMBUF_HEADROOM);
}

/*
 * What the device got for packet seq: a zeroed header and the frame, laid
 * out as the packet allows: header pushed into the headroom and one slot
 * per segment, or a header of its own followed by the segments, in an
 * indirect table for a chain when the device takes them.
 */
static void
check_frame(struct vec_tx *e, const struct fake_tx_frame *f, uint32_t seq, uint32_t len,
	    unsigned int nsegs, bool pushed)
{
	bool indirect = !pushed && e->txq->use_indirect && nsegs > 1;

	vec_check_frame_data(e, f, seq, len);
	assert_int_equal(f->indirect, indirect);
	assert_int_equal(f->hdr_alone, !pushed);
	assert_int_equal(f->nbufs, pushed ? nsegs : nsegs + 1);
	assert_int_equal(f->ring_descs, pushed ? nsegs : indirect ? 1 : nsegs + 1);
}

/*
 * Sends a burst that must all go; `steps` of them by vector steps. Each part
 * of a burst rings the doorbell once (the device asks for every kick), so
 * the kicks tell whether the steps and the scalar tail each sent something.
 */
static void
send_burst(struct vec_tx *e, struct rte_mbuf **pkts, uint16_t n, uint16_t steps)
{
	uint64_t kicks = e->fd->notifications;

	vec_send_all(e, pkts, n);
	assert_int_equal(e->fd->notifications - kicks, (steps > 0) + (n > steps * STEP));
}

/* Vector steps a burst of n simple packets takes at the queue's current slot. */
static uint16_t
steps_for(const struct vec_tx *e, uint16_t n)
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
	struct vec_tx *e = tx_start(255, true, true);
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
		assert_int_equal(ut_pool_in_use(vec_pool), 0);
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
	struct vec_tx *e;
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
				uint16_t headroom = kind == 1 ? RTE_PKTMBUF_HEADROOM :
						    kind == 0 ? 0 : HDR_SIZE - 1;

				/* From slot 0, so that steps are not cut by the ring's end. */
				while (e->txq->vq.next_avail != 0) {
					pkts[0] = simple_pkt(e, 999, 64);
					send_burst(e, pkts, 1, 0);
					assert_int_equal(fake_tx_collect(e->fd, e->frames, 1), 1);
					tx_clean(e);
				}
				for (i = 0; i < 12; i++)
					pkts[i] = i == j && kind != 2 ?
							  vec_make_pkt(e, seq + i, 100 + i, nsegs, headroom) :
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
				assert_int_equal(ut_pool_in_use(vec_pool), 0);
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
	struct vec_tx *e = tx_start(63, true, true);
	struct virtqueue *vq = &e->txq->vq;
	struct rte_mbuf *pkts[100];
	uint64_t kicks;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < 100; i++)
		pkts[i] = simple_pkt(e, i, 100 + i);
	/* 15 steps, then the ring's end: the scalar path sends 3 and finds the ring full. */
	kicks = e->fd->notifications;
	assert_int_equal(vec_tx_xmit(e, pkts, 100), 63);
	assert_int_equal(e->fd->notifications - kicks, 2);
	assert_int_equal(vq->nfree, 0);
	assert_int_equal(vq->next_avail, 0);
	assert_false(vq->avail_wrap);
	vec_tx_account(e, pkts, 63);
	kicks = e->fd->notifications;
	assert_int_equal(vec_tx_xmit(e, pkts + 63, 37), 0);
	assert_int_equal(e->fd->notifications, kicks);
	/* Half the ring completes, one used descriptor: the burst goes on with steps. */
	assert_int_equal(fake_tx_collect(e->fd, e->frames, 32), 32);
	for (i = 0; i < 32; i++)
		check_frame(e, &e->frames[i], i, 100 + i, 1, true);
	assert_int_equal(e->fd->used_written, 1);
	assert_int_equal(vec_tx_xmit(e, pkts + 63, 37), 32);
	vec_tx_account(e, pkts + 63, 32);
	assert_int_equal(vq->nfree, 0);
	assert_int_equal(fake_tx_collect(e->fd, e->frames, MAX_COLLECT), 63);
	for (i = 0; i < 63; i++)
		check_frame(e, &e->frames[i], 32 + i, 132 + i, 1, true);
	assert_int_equal(vec_tx_xmit(e, pkts + 95, 5), 5);
	vec_tx_account(e, pkts + 95, 5);
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
run_traffic(struct vec_tx *e, uint32_t total)
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
			lens[k] = vec_len_any(seq);
			segs[k] = seq % 13 == 7 ? 3 : 1;
			pushed[k] = segs[k] == 1 || seq % 2 == 0;
			pkts[i] = vec_make_pkt(e, seq, lens[k], segs[k],
					       pushed[k] ? RTE_PKTMBUF_HEADROOM : 0);
		}
		done = vec_tx_xmit(e, pkts, n);
		vec_tx_account(e, pkts, done);
		for (i = done; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		sent += done;
		while (got < sent) {
			int k;

			ut_pool_poison(vec_pool, 0xee);
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
	assert_int_equal(ut_pool_in_use(vec_pool), 0);
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
		struct vec_tx *e = tx_start(runs[r].size, r % 2 == 0, runs[r].batch_used);

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

#define RX(fn) cmocka_unit_test_setup_teardown(fn, vec_pool_setup, vec_rx_teardown)
#define TX(fn) cmocka_unit_test_setup_teardown(fn, vec_pool_setup, vec_tx_teardown)

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
