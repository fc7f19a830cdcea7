/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Packed-ring receive (virtio_recv_pkts_packed, virtio_recv_mergeable_pkts_packed)
 * against the fake device: exact bytes and mbuf fields, ring sizes that are
 * not powers of two, both wrap counters flipping lap after lap, completion
 * out of order, pool exhaustion, and every kind of bad device write.
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
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "fake_device.h"
#include "rxtx/rxtx.h"
#include "ut_common.h"

#define HDR_SIZE    12 /* VERSION_1: struct virtio_net_hdr_mrg_rxbuf */
#define TEST_PORT   6
#define POOL_SIZE   4095
#define BURST	    32
#define MAX_ONE_BUF 2048 /* largest frame one default mbuf takes */

static struct rte_mempool *pool;

struct rx_env {
	struct virtnet_rxq *rxq;
	void *ring;
	struct fake_dev fd;
	struct rte_mempool *mp;
	bool mergeable;
	uint8_t frame[UT_MAX_FRAME + 64];
	struct rte_mbuf *hog[POOL_SIZE + 1];
	unsigned int nhog;
};

static struct rx_env env;

/* Lays out a packed Rx queue with the driver's own initialiser, over plain memory. */
static void
rx_setup(struct rx_env *e, uint16_t size, bool mergeable, bool fill)
{
	struct rte_mempool *mp = pool;
	uint32_t room = rte_pktmbuf_data_room_size(mp);
	size_t ring_len = virtio_rxq_mem_size(size, true);
	struct virtio_queue_params params;
	struct virtnet_rxq *rxq;

	assert_null(e->rxq);
	e->mp = mp;
	e->mergeable = mergeable;
	e->nhog = 0;
	rxq = rte_zmalloc("ut_prxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE);
	assert_non_null(rxq);
	e->rxq = rxq;
	assert_int_equal(ring_len % 4096, 0);
	e->ring = aligned_alloc(4096, ring_len);
	assert_non_null(e->ring);
	memset(e->ring, 0, ring_len);
	params = (struct virtio_queue_params){
		.vq_index = 0,
		.size = size,
		.mem = e->ring,
		.dev_addr = (uintptr_t)e->ring,
		.use_va = true,
		.hdr_size = HDR_SIZE,
		.mergeable = mergeable,
		.packed = true,
		.port_id = TEST_PORT,
		.queue_id = 0,
	};
	assert_int_equal(virtio_rxq_init(rxq, &params, mp), 0);
	assert_true(rxq->vq.packed);
	assert_int_equal(rxq->vq.size, size);
	assert_int_equal(rxq->post_len, room - RTE_PKTMBUF_HEADROOM + HDR_SIZE);
	assert_int_equal(rxq->mergeable, mergeable);

	assert_int_equal(fake_dev_init(&e->fd, &rxq->vq, HDR_SIZE, mergeable), 0);
	assert_true(e->fd.packed);
	assert_int_equal(fake_dev_add_mempool(&e->fd, mp), 0);
	if (fill) {
		assert_int_equal(virtio_rxq_fill(rxq), size);
		assert_int_equal(rxq->vq.nfree, 0);
		assert_int_equal(fake_avail_pending(&e->fd), size);
		assert_true(e->fd.notifications >= 1);
	}
}

static void
hog_release(struct rx_env *e)
{
	while (e->nhog > 0)
		rte_pktmbuf_free(e->hog[--e->nhog]);
}

/* Takes mbufs out of the pool until only `leave` remain. */
static void
hog_pool(struct rx_env *e, unsigned int leave)
{
	while (rte_mempool_avail_count(e->mp) > leave) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(e->mp);

		assert_non_null(m);
		assert_true(e->nhog < RTE_DIM(e->hog));
		e->hog[e->nhog++] = m;
	}
	assert_int_equal(rte_mempool_avail_count(e->mp), leave);
}

static void
rx_release(struct rx_env *e)
{
	if (e->rxq == NULL)
		return;
	hog_release(e);
	virtio_rxq_reclaim(e->rxq);
	vq_fini(&e->rxq->vq);
	free(e->ring);
	rte_free(e->rxq);
	fake_dev_fini(&e->fd);
	e->rxq = NULL;
	e->ring = NULL;
}

/* End of a scenario: the driver behaved, and every mbuf is back in the pool. */
static void
rx_finish(struct rx_env *e)
{
	struct rte_mempool *mp = e->mp;
	uint64_t proto = e->fd.protocol_errors;
	uint64_t mismatch = e->fd.id_mismatch;
	uint16_t size = e->rxq->vq.size;

	hog_release(e);
	virtio_rxq_reclaim(e->rxq);
	assert_int_equal(e->rxq->vq.nfree, size);
	rx_release(e);
	assert_int_equal(proto, 0);
	assert_int_equal(mismatch, 0);
	assert_int_equal(ut_pool_in_use(mp), 0);
}

/* A fresh pool per test, so that one failing test cannot leak into the next. */
static int
rx_pool_setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_pool_create("ut_prx_pool", POOL_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE);
	return pool == NULL ? -1 : 0;
}

static int
rx_cleanup(void **state)
{
	RTE_SET_USED(state);
	rx_release(&env);
	rte_mempool_free(pool);
	pool = NULL;
	return 0;
}

static uint16_t
rx_burst(struct rx_env *e, struct rte_mbuf **pkts, uint16_t n)
{
	return e->mergeable ? virtio_recv_mergeable_pkts_packed(e->rxq, pkts, n) :
			      virtio_recv_pkts_packed(e->rxq, pkts, n);
}

static uint32_t
bufs_needed(const struct rx_env *e, uint32_t len)
{
	return (len + HDR_SIZE + e->rxq->post_len - 1) / e->rxq->post_len;
}

/* Checks a received packet against the frame (seq, len) and frees it. */
static void
check_pkt(struct rx_env *e, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	const struct rte_mbuf *s;
	uint32_t sum = 0;
	unsigned int segs = e->mergeable ? bufs_needed(e, len) : 1;

	ut_frame_fill(e->frame, len, seq);
	assert_non_null(m);
	assert_int_equal(m->pkt_len, len);
	assert_int_equal(m->nb_segs, segs);
	assert_int_equal(ut_mbuf_count_segs(m), segs);
	assert_int_equal(m->port, TEST_PORT);
	assert_int_equal(m->data_off, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	if (segs == 1)
		assert_int_equal(m->data_len, len);
	for (s = m; s != NULL; s = s->next) {
		assert_true(s->data_len > 0);
		assert_true((uint32_t)s->data_off + s->data_len <= s->buf_len);
		sum += s->data_len;
	}
	assert_int_equal(sum, len);
	assert_int_equal(ut_mbuf_diff(m, e->frame, len), -1);
	rte_pktmbuf_free(m);
}

static int
deliver(struct rx_env *e, uint32_t seq, uint32_t len)
{
	ut_frame_fill(e->frame, len, seq);
	return fake_rx_deliver(&e->fd, e->frame, len, NULL);
}

static int
deliver_fault(struct rx_env *e, uint32_t seq, uint32_t len, enum fake_fault fault)
{
	ut_frame_fill(e->frame, len, seq);
	return fake_rx_deliver_fault(&e->fd, e->frame, len, NULL, fault);
}

/* Receives exactly one packet and checks it. */
static void
recv_one(struct rx_env *e, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *pkts[BURST];

	assert_int_equal(rx_burst(e, pkts, BURST), 1);
	check_pkt(e, pkts[0], seq, len);
}

/* ---- what the driver posts ---- */

/* Every posted descriptor: one device-writable buffer, flags right for the lap. */
static void
check_posted(struct rx_env *e, uint16_t expect_flags)
{
	struct virtqueue *vq = &e->rxq->vq;
	uint8_t *seen = calloc(vq->size, 1);
	uint16_t slot;

	assert_non_null(seen);
	for (slot = 0; slot < vq->size; slot++) {
		const struct vring_packed_desc *d = &vq->pdesc[slot];
		const struct rte_mbuf *m;

		assert_int_equal(d->flags, VRING_DESC_F_WRITE | expect_flags);
		assert_true(d->id < vq->size);
		assert_int_equal(seen[d->id], 0);
		seen[d->id] = 1;
		assert_int_equal(vq->extra[d->id].ndescs, 1);
		m = vq->extra[d->id].cookie;
		assert_non_null(m);
		/* The header lands at the tail of the headroom, the frame at data_off. */
		assert_int_equal(d->addr, (uintptr_t)m->buf_addr + RTE_PKTMBUF_HEADROOM - HDR_SIZE);
		assert_int_equal(d->len, e->rxq->post_len);
		assert_true(d->len + RTE_PKTMBUF_HEADROOM - HDR_SIZE <= m->buf_len);
	}
	free(seen);
}

static void
test_prx_posted_descriptors(void **state)
{
	static const uint16_t sizes[] = { 1, 3, 255, 256 };
	struct rx_env *e = &env;
	unsigned int i, k;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		uint16_t size = sizes[i];

		rx_setup(e, size, i % 2 == 1, true);
		/* First lap: AVAIL set, USED clear; the wrap counter has flipped once. */
		check_posted(e, VRING_PACKED_DESC_F_AVAIL);
		assert_int_equal(e->rxq->vq.next_avail, 0);
		assert_false(e->rxq->vq.avail_wrap);
		assert_int_equal(e->rxq->vq.driver_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
		/* A whole lap through the device: the second lap has USED set, AVAIL clear. */
		for (k = 0; k < size; k++) {
			assert_int_equal(deliver(e, k, 100), 1);
			recv_one(e, k, 100);
		}
		if (e->rxq->vq.nfree > 0)
			virtio_packed_rx_refill(e->rxq, e->rxq->vq.nfree);
		assert_int_equal(e->rxq->vq.nfree, 0);
		assert_int_equal(e->fd.used_wraps, 1);
		assert_true(fake_packed_in_step(&e->fd));
		check_posted(e, VRING_PACKED_DESC_F_USED);
		assert_true(e->rxq->vq.avail_wrap);
		rx_finish(e);
	}
}

/* ---- good traffic ---- */

static void
test_prx_frame_sizes(void **state)
{
	static const uint32_t sizes[] = { 64, 128, 256, 512, 1024, 1518, 60, 2047, MAX_ONE_BUF };
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint64_t bytes = 0, packets = 0;
	uint32_t seq = 0, len;
	unsigned int i;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, true);
	for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
		assert_int_equal(deliver(e, seq, sizes[i]), 1);
		recv_one(e, seq, sizes[i]);
		bytes += sizes[i];
		packets++;
	}
	/* Every size from 64 to 1518 in bursts, in order and byte-exact. */
	for (len = 64; len <= 1518;) {
		uint16_t n, k;

		for (k = 0; k < BURST && len + k <= 1518; k++)
			assert_int_equal(deliver(e, len + k, len + k), 1);
		n = rx_burst(e, pkts, BURST);
		assert_int_equal(n, k);
		for (k = 0; k < n; k++, len++) {
			check_pkt(e, pkts[k], len, len);
			bytes += len;
			packets++;
		}
	}
	/* One byte more than a buffer holds does not fit without mergeable buffers. */
	assert_int_equal(deliver(e, 1, MAX_ONE_BUF + 1), -EMSGSIZE);
	assert_int_equal(e->rxq->stats.packets, packets);
	assert_int_equal(e->rxq->stats.bytes, bytes);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(e->rxq->stats.nombuf, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_true(e->rxq->vq.nfree < VIRTIO_RX_REFILL_BATCH);
	assert_true(fake_packed_in_step(&e->fd));
	/* Nothing more: an empty poll returns nothing. */
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	rx_finish(e);
}

static void
test_prx_mergeable_sizes(void **state)
{
	static const uint32_t sizes[] = { 64, 1000, 1518, 2047, 2048, 2049, 2060, 3000, 4096, 4120,
		6000, 8192, 9000, 9727, UT_MAX_FRAME };
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint64_t bytes = 0, bufs = 0;
	uint32_t seq = 0, i, len;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, true);
	for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
		int nb = deliver(e, seq, sizes[i]);

		assert_int_equal(nb, bufs_needed(e, sizes[i]));
		recv_one(e, seq, sizes[i]);
		bytes += sizes[i];
		bufs += nb;
	}
	/* Every size from 64 to 9728, several packets per burst. */
	for (len = 64; len <= UT_MAX_FRAME;) {
		uint16_t n, k;

		for (k = 0; k < 8 && len + k <= UT_MAX_FRAME; k++) {
			int nb = deliver(e, seq + k, len + k);

			assert_int_equal(nb, bufs_needed(e, len + k));
			bufs += nb;
		}
		n = rx_burst(e, pkts, BURST);
		assert_int_equal(n, k);
		for (k = 0; k < n; k++, seq++, len++) {
			check_pkt(e, pkts[k], seq, len);
			bytes += len;
		}
	}
	/* The largest frame, several in one burst. */
	for (i = 0; i < 20; i++, seq++)
		bufs += deliver(e, seq, UT_MAX_FRAME);
	assert_int_equal(rx_burst(e, pkts, BURST), 20);
	for (i = 0; i < 20; i++) {
		check_pkt(e, pkts[i], seq - 20 + i, UT_MAX_FRAME);
		bytes += UT_MAX_FRAME;
	}
	print_message("# %u mergeable packets took %" PRIu64 " buffers, %" PRIu64 " device laps\n",
			seq, bufs, e->fd.used_wraps);
	assert_int_equal(e->rxq->stats.packets, seq);
	assert_int_equal(e->rxq->stats.bytes, bytes);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_int_equal(e->fd.used_written, bufs);
	assert_true(fake_packed_in_step(&e->fd));
	rx_finish(e);
}

/* Runs n packets through the queue in small bursts; both wrap counters flip lap after lap. */
static void
run_wrap(struct rx_env *e, uint32_t n, uint32_t min_len, uint32_t max_len)
{
	struct rte_mbuf *pkts[BURST];
	uint32_t sent = 0, seen = 0;
	uint64_t packets_before = e->rxq->stats.packets;
	uint64_t errors_before = e->rxq->stats.errors + ut_dev_errors(&e->rxq->vq);

	while (seen < n) {
		uint16_t got, i;

		while (sent < n && sent - seen < BURST) {
			int ret = deliver(e, sent, ut_frame_len_for(sent, min_len, max_len));

			if (ret == -ENOSPC)
				break;
			assert_true(ret > 0);
			sent++;
		}
		got = rx_burst(e, pkts, BURST);
		assert_true(got > 0);
		for (i = 0; i < got; i++, seen++)
			check_pkt(e, pkts[i], seen, ut_frame_len_for(seen, min_len, max_len));
	}
	assert_int_equal(e->rxq->stats.packets, packets_before + n);
	assert_int_equal(e->rxq->stats.errors + ut_dev_errors(&e->rxq->vq), errors_before);
	assert_true(fake_packed_in_step(&e->fd));
}

/* The wrap counters of both sides agree after many laps. */
static void
check_laps(struct rx_env *e, uint64_t min_laps)
{
	struct virtqueue *vq = &e->rxq->vq;

	print_message("# ring of %u: the device read %" PRIu64 " laps and wrote %" PRIu64 "\n",
			vq->size, e->fd.avail_wraps, e->fd.used_wraps);
	assert_true(e->fd.used_wraps >= min_laps);
	assert_true(e->fd.avail_wraps >= e->fd.used_wraps);
	assert_int_equal(vq->used_wrap, e->fd.used_wraps % 2 == 0);
	assert_int_equal(e->fd.avail_wrap, e->fd.avail_wraps % 2 == 0);
	/* The driver is ahead of the device by exactly what it has posted. */
	assert_int_equal(fake_avail_pending(&e->fd), vq->size - vq->nfree - (e->fd.uncovered));
}

static void
test_prx_wrap_255(void **state)
{
	const uint32_t n = 70000;
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 255, false, true);
	run_wrap(e, n, 60, 300);
	check_laps(e, n / 255);
	assert_int_equal(e->fd.used_written, n);
	rx_finish(e);
}

static void
test_prx_wrap_256_mergeable(void **state)
{
	const uint32_t n = 70000;
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, true);
	run_wrap(e, n, 60, 4200);
	/* Many packets took two or three buffers: more laps than packets / 256. */
	check_laps(e, n / 256 + n / 512);
	rx_finish(e);
}

static void
test_prx_wrap_1025(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 1025, false, true);
	run_wrap(e, 25000, 60, MAX_ONE_BUF);
	check_laps(e, 24);
	rx_finish(e);
	rx_setup(e, 1025, true, true);
	run_wrap(e, 15000, 60, UT_MAX_FRAME);
	check_laps(e, 30);
	rx_finish(e);
}

/*
 * Keeps a device busy with `total` frames of `len` bytes on a small ring;
 * fails if Rx stops making progress while frames are waiting.
 */
static void
run_small_ring(struct rx_env *e, uint32_t len, uint32_t total)
{
	struct rte_mbuf *pkts[BURST];
	uint32_t sent = 0, seen = 0;
	unsigned int idle = 0;

	while (seen < total) {
		uint16_t n, i;

		while (sent < total && deliver(e, sent, len) > 0)
			sent++;
		n = rx_burst(e, pkts, BURST);
		for (i = 0; i < n; i++, seen++)
			check_pkt(e, pkts[i], seen, len);
		if (n == 0 && ++idle > 3) {
			print_message("# ring of %u: stuck after %u of %u frames of %u bytes: "
				      "%u buffers posted, %u free in the driver\n",
					e->rxq->vq.size, seen, total, len,
					fake_avail_pending(&e->fd), e->rxq->vq.nfree);
			fail_msg("Rx made no progress");
		}
		if (n > 0)
			idle = 0;
	}
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_true(fake_packed_in_step(&e->fd));
}

/* Rings of 1, 2, 3 and 7 entries: hundreds of laps each, jumbo frames included. */
static void
test_prx_tiny_rings(void **state)
{
	static const struct {
		uint16_t size;
		uint32_t len; /* mergeable frame: up to the whole ring */
	} rings[] = { { 1, MAX_ONE_BUF }, { 2, 4000 }, { 3, 6000 }, { 7, UT_MAX_FRAME } };
	struct rx_env *e = &env;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(rings); i++) {
		uint16_t size = rings[i].size;

		rx_setup(e, size, false, true);
		run_small_ring(e, 1518, 1000);
		assert_true(e->fd.used_wraps >= 1000 / size);
		rx_finish(e);
		rx_setup(e, size, true, true);
		assert_true(bufs_needed(e, rings[i].len) <= size);
		run_small_ring(e, rings[i].len, 500);
		assert_true(e->fd.used_wraps >= 500 * bufs_needed(e, rings[i].len) / size);
		rx_finish(e);
	}
}

/* The device completes buffers in another order than they were posted. */
static void
run_out_of_order(struct rx_env *e, enum fake_order order, uint32_t max_len)
{
	const unsigned int npkts = 48;
	uint8_t seen[48];
	struct rte_mbuf *pkts[BURST];
	unsigned int round, i;
	uint64_t packets_before = e->rxq->stats.packets;

	for (round = 0; round < 6; round++) {
		uint32_t base = round * 100;
		unsigned int got = 0, out_of_place = 0;

		memset(seen, 0, sizeof(seen));
		e->fd.hold = true;
		for (i = 0; i < npkts; i++)
			assert_true(deliver(e, base + i, ut_frame_len_for(base + i, 60, max_len)) >
					0);
		e->fd.hold = false;
		assert_true(fake_publish(&e->fd, UINT32_MAX, order) > 0);
		while (got < npkts) {
			uint16_t n = rx_burst(e, pkts, BURST);

			assert_true(n > 0);
			for (i = 0; i < n; i++, got++) {
				uint32_t seq = ut_frame_seq(rte_pktmbuf_mtod(pkts[i], uint8_t *));

				assert_true(seq >= base && seq < base + npkts);
				assert_int_equal(seen[seq - base], 0);
				seen[seq - base] = 1;
				if (seq != base + got)
					out_of_place++;
				check_pkt(e, pkts[i], seq, ut_frame_len_for(seq, 60, max_len));
			}
		}
		/* The scenario really reordered something. */
		assert_true(out_of_place > 0);
	}
	assert_int_equal(e->rxq->stats.packets, packets_before + 6 * npkts);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_true(fake_packed_in_step(&e->fd));
}

static void
test_prx_out_of_order(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 255, false, true);
	run_out_of_order(e, FAKE_ORDER_SHUFFLE, 1518);
	run_out_of_order(e, FAKE_ORDER_REVERSE, MAX_ONE_BUF);
	/* And in order again afterwards, with the free ids well shuffled. */
	run_wrap(e, 2000, 60, MAX_ONE_BUF);
	rx_finish(e);

	rx_setup(e, 255, true, true);
	run_out_of_order(e, FAKE_ORDER_SHUFFLE, UT_MAX_FRAME);
	run_out_of_order(e, FAKE_ORDER_REVERSE, 5000);
	run_wrap(e, 2000, 60, UT_MAX_FRAME);
	rx_finish(e);
}

/* ---- bad device writes ---- */

/*
 * good frame, one bad thing, good frame: both good frames arrive intact,
 * the bad thing is counted once, then the queue keeps working.
 */
struct bad_case {
	const char *what;
	enum fake_fault fault;
	uint32_t len; /* frame length of the faulty delivery */
	size_t counter; /* offsetof the vq_device_errors counter */
	bool mergeable_only;
};

#define ERR(f) offsetof(struct vq_device_errors, f)

static const struct bad_case bad_cases[] = {
	{ "used len 0", FAKE_FAULT_LEN_ZERO, 100, ERR(bad_used_len), false },
	{ "used len shorter than the header", FAKE_FAULT_LEN_SHORT, 100, ERR(bad_used_len), false },
	{ "used len past the buffer", FAKE_FAULT_LEN_TOO_BIG, 100, ERR(bad_used_len), false },
	{ "used id == ring size", FAKE_FAULT_ID_OUT_OF_RANGE, 100, ERR(bad_used_id), false },
	{ "used id 0xf00d", FAKE_FAULT_ID_BOGUS, 100, ERR(bad_used_id), false },
	{ "used id not in flight", FAKE_FAULT_ID_NOT_IN_FLIGHT, 100, ERR(bad_used_id), false },
	{ "duplicate used id", FAKE_FAULT_ID_DUPLICATE, 100, ERR(bad_used_id), false },
	{ "num_buffers 0", FAKE_FAULT_NUM_BUFFERS_ZERO, 100, ERR(bad_num_buffers), true },
	{ "num_buffers 65535", FAKE_FAULT_NUM_BUFFERS_HUGE, 100, ERR(bad_num_buffers), true },
	{ "continuation len 0", FAKE_FAULT_CONT_LEN_ZERO, 3000, ERR(bad_used_len), true },
	{ "continuation len past the buffer", FAKE_FAULT_CONT_LEN_TOO_BIG, 5000, ERR(bad_used_len),
			true },
	{ "continuation with a bad id", FAKE_FAULT_CONT_BAD_ID, 9000, ERR(bad_used_id), true },
	{ "9728-byte packet, bad id in the middle", FAKE_FAULT_CONT_BAD_ID, UT_MAX_FRAME,
			ERR(bad_used_id), true },
};

static void
run_bad_cases(struct rx_env *e, unsigned int rounds)
{
	struct rte_mbuf *pkts[BURST];
	uint32_t seq = 0;
	unsigned int r, i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < RTE_DIM(bad_cases); i++) {
			const struct bad_case *c = &bad_cases[i];
			struct virtqueue *vq = &e->rxq->vq;
			uint64_t *counter = (uint64_t *)((uint8_t *)&vq->errors + c->counter);
			uint64_t before = *counter, all_before = ut_dev_errors(vq);
			uint64_t errors_before = e->rxq->stats.errors;
			uint64_t packets_before = e->rxq->stats.packets;
			uint16_t n;

			if (c->mergeable_only && !e->mergeable)
				continue;
			if (r == 0)
				print_message("# bad device write: %s\n", c->what);
			/* Leave a buffer id unposted so that "not in flight" ids exist. */
			do {
				assert_int_equal(deliver(e, seq, 70), 1);
				recv_one(e, seq++, 70);
				packets_before++;
			} while (vq->nfree == 0);

			assert_true(deliver(e, seq, 1000) > 0);
			assert_true(deliver_fault(e, 777, c->len, c->fault) > 0);
			assert_true(deliver(e, seq + 1, 1200) > 0);
			n = rx_burst(e, pkts, BURST);
			assert_int_equal(n, 2);
			check_pkt(e, pkts[0], seq, 1000);
			check_pkt(e, pkts[1], seq + 1, 1200);
			seq += 2;
			assert_int_equal(*counter, before + 1);
			assert_int_equal(ut_dev_errors(vq), all_before + 1);
			assert_int_equal(e->rxq->stats.errors, errors_before + 1);
			assert_int_equal(e->rxq->stats.packets, packets_before + 2);
			/* Looking where the device writes next. */
			assert_true(fake_packed_in_step(&e->fd));

			/* The queue keeps working afterwards. */
			assert_true(deliver(e, seq, 1518) > 0);
			recv_one(e, seq++, 1518);
			assert_int_equal(rx_burst(e, pkts, BURST), 0);
			assert_int_equal(ut_dev_errors(vq), all_before + 1);
		}
	}
	/* Lap after lap afterwards, still in step. */
	run_wrap(e, 3 * e->rxq->vq.size, 60, e->mergeable ? UT_MAX_FRAME : 1518);
}

static void
test_prx_bad_device_writes(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 255, false, true);
	run_bad_cases(e, 3);
	rx_finish(e);
}

static void
test_prx_bad_device_writes_mergeable(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, true);
	run_bad_cases(e, 3);
	rx_finish(e);
}

/*
 * A descriptor at the driver's next used slot whose flags look used for
 * the other lap, or used in one bit only, is not used: nothing is taken,
 * nothing is counted, and the real used descriptor written later is.
 */
static void
run_wrong_wrap(struct rx_env *e, unsigned int rounds)
{
	struct virtqueue *vq = &e->rxq->vq;
	struct rte_mbuf *pkts[BURST];
	unsigned int r, v;
	uint32_t seq = 0;

	for (r = 0; r < rounds; r++) {
		bool w = e->fd.used_wrap;
		const uint16_t avail = VRING_PACKED_DESC_F_AVAIL, used = VRING_PACKED_DESC_F_USED;
		const uint16_t variants[] = {
			w ? 0 : avail | used, /* used, previous lap */
			w ? used : avail, /* USED right, AVAIL wrong */
			w ? avail : used, /* AVAIL right, USED wrong: looks available */
			(uint16_t)((w ? used : avail) | VRING_DESC_F_WRITE),
		};
		uint16_t next_used = vq->next_used, nfree = vq->nfree, id;
		uint64_t errors = ut_dev_errors(vq), stats_errors = e->rxq->stats.errors;
		uint32_t len = 100 + r % 1400;

		e->fd.hold = true;
		assert_true(deliver(e, seq, len) > 0);
		id = e->fd.staged[0].id; /* a buffer in flight: the tempting one to take */
		for (v = 0; v < RTE_DIM(variants); v++) {
			assert_int_equal(fake_packed_write_raw(&e->fd, variants[v], id,
							 len + HDR_SIZE),
					0);
			assert_int_equal(rx_burst(e, pkts, BURST), 0);
			assert_int_equal(vq->next_used, next_used);
			assert_int_equal(vq->nfree, nfree);
			assert_int_equal(ut_dev_errors(vq), errors);
			assert_int_equal(e->rxq->stats.errors, stats_errors);
		}
		e->fd.hold = false;
		assert_true(fake_publish(&e->fd, UINT32_MAX, FAKE_ORDER_FIFO) > 0);
		assert_int_equal(rx_burst(e, pkts, BURST), 1);
		check_pkt(e, pkts[0], seq, len);
		seq++;
		/* Move on a little, so that the next round is at another slot and lap. */
		run_small_ring(e, 64, r % 5 + 1);
	}
	assert_true(e->fd.used_wraps >= 2);
}

static void
test_prx_wrong_wrap_not_used(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 7, false, true);
	run_wrong_wrap(e, 30);
	rx_finish(e);
	rx_setup(e, 3, true, true);
	run_wrong_wrap(e, 30);
	rx_finish(e);
}

/*
 * The device marks the head of a multi-buffer packet used before the rest
 * (breaking spec 2.8.9): the driver must wait for the whole packet and take
 * nothing early.
 */
static void
run_head_first(struct rx_env *e, uint32_t seq, uint32_t len)
{
	struct virtqueue *vq = &e->rxq->vq;
	struct rte_mbuf *pkts[BURST];
	unsigned int nb = bufs_needed(e, len), k;
	uint16_t next_used = vq->next_used, nfree = vq->nfree;
	bool used_wrap = vq->used_wrap;

	assert_true(nb >= 2);
	e->fd.hold = true;
	assert_int_equal(deliver(e, seq, len), nb);
	for (k = 1; k < nb; k++) {
		/* The head and k - 1 of the rest are used. */
		assert_int_equal(fake_publish(&e->fd, 1, FAKE_ORDER_FIFO), 1);
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
		assert_int_equal(vq->next_used, next_used);
		assert_int_equal(vq->used_wrap, used_wrap);
		assert_int_equal(vq->nfree, nfree);
		assert_int_equal(ut_dev_errors(vq), 0);
	}
	assert_int_equal(fake_publish(&e->fd, UINT32_MAX, FAKE_ORDER_FIFO), 1);
	e->fd.hold = false;
	recv_one(e, seq, len);
	assert_true(fake_packed_in_step(&e->fd));
}

static void
test_prx_mergeable_head_first(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint32_t i;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, true);
	run_head_first(e, 1, 9000);
	run_head_first(e, 2, UT_MAX_FRAME);
	run_head_first(e, 3, 2049);
	/* A complete packet ahead of a partial one is returned on its own. */
	e->fd.hold = true;
	assert_int_equal(deliver(e, 4, 3000), 2);
	assert_int_equal(deliver(e, 5, 7000), 4);
	assert_int_equal(fake_publish(&e->fd, 4, FAKE_ORDER_FIFO), 4);
	assert_int_equal(rx_burst(e, pkts, BURST), 1);
	check_pkt(e, pkts[0], 4, 3000);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(fake_publish(&e->fd, UINT32_MAX, FAKE_ORDER_FIFO), 2);
	e->fd.hold = false;
	recv_one(e, 5, 7000);
	assert_int_equal(e->rxq->stats.errors, 0);
	/* Withheld forever: stopping the queue still returns every mbuf. */
	e->fd.hold = true;
	assert_int_equal(deliver(e, 6, UT_MAX_FRAME), 5);
	assert_int_equal(fake_publish(&e->fd, 2, FAKE_ORDER_FIFO), 2);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	e->fd.hold = false;
	rx_finish(e);

	/* On a ring of 7 the packet's buffers straddle the end of the ring. */
	rx_setup(e, 7, true, true);
	for (i = 0; i < 40; i++) {
		run_head_first(e, 100 + i, 2049 + i * 200);
		run_small_ring(e, 100, i % 3 + 1);
	}
	assert_true(e->fd.used_wraps >= 10);
	rx_finish(e);
}

/* ---- pool exhaustion ---- */

static void
test_prx_nothing_posted(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];

	RTE_SET_USED(state);
	rx_setup(e, 63, false, false);
	assert_int_equal(deliver(e, 1, 100), -ENOSPC);
	hog_pool(e, 0);
	/* An all-zero ring holds nothing used. */
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_int_equal(deliver(e, 1, 100), -ENOSPC);
	/* Mbufs come back: the next poll posts buffers and traffic flows. */
	hog_release(e);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(fake_avail_pending(&e->fd), 63);
	assert_int_equal(deliver(e, 2, 100), 1);
	recv_one(e, 2, 100);
	rx_finish(e);
}

/*
 * The pool runs dry: everything posted still arrives, then the ring is
 * empty (its slots hold used descriptors of the past lap, which must not be
 * taken again); when the application gives mbufs back Rx recovers.
 */
static void
run_pool_empty(struct rx_env *e, uint32_t len)
{
	uint16_t size = e->rxq->vq.size;
	struct rte_mbuf **kept = calloc(size, sizeof(*kept));
	struct rte_mbuf *pkts[BURST];
	unsigned int nkept = 0, i, r, nb = RTE_MIN(10u, size);
	uint32_t seq = 0;

	assert_non_null(kept);
	hog_pool(e, 0);
	while (fake_avail_pending(&e->fd) > 0) {
		uint16_t n;

		for (i = 0; i < BURST && deliver(e, seq + i, len) > 0; i++)
			;
		n = rx_burst(e, pkts, BURST);
		assert_int_equal(n, i);
		for (i = 0; i < n; i++, seq++) {
			ut_frame_fill(e->frame, len, seq);
			assert_int_equal(ut_mbuf_diff(pkts[i], e->frame, len), -1);
			kept[nkept++] = pkts[i];
		}
		assert_true(n > 0);
	}
	assert_int_equal(e->rxq->vq.nfree, size);
	assert_true(e->rxq->stats.nombuf > 0);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(deliver(e, seq, len), -ENOSPC);
	for (r = 0; r < 3; r++)
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(e->rxq->vq.nfree, size);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_true(fake_packed_in_step(&e->fd));

	/* The application gives the mbufs back: Rx recovers by itself. */
	for (i = 0; i < nkept; i++)
		rte_pktmbuf_free(kept[i]);
	hog_release(e);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(fake_avail_pending(&e->fd), size);
	for (i = 0; i < nb; i++)
		assert_true(deliver(e, 5000 + i, len) > 0);
	assert_int_equal(rx_burst(e, pkts, BURST), nb);
	for (i = 0; i < nb; i++)
		check_pkt(e, pkts[i], 5000 + i, len);
	free(kept);
}

static void
test_prx_pool_empty(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 255, false, true);
	run_pool_empty(e, 200);
	run_wrap(e, 1000, 60, 1518);
	rx_finish(e);
	rx_setup(e, 255, true, true);
	run_pool_empty(e, 1000);
	run_wrap(e, 1000, 60, UT_MAX_FRAME);
	rx_finish(e);
	/* A ring of 3 runs dry at every slot of the lap in turn. */
	rx_setup(e, 3, false, true);
	run_pool_empty(e, 64);
	run_small_ring(e, 64, 1);
	run_pool_empty(e, 64);
	run_small_ring(e, 64, 1);
	run_pool_empty(e, 64);
	rx_finish(e);
}

/* A pool holding fewer mbufs than the ring has room for: post what there is. */
static void
test_prx_fill_with_few_mbufs(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	unsigned int i;
	int ret;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, false);
	hog_pool(e, 40);
	ret = virtio_rxq_fill(e->rxq);
	assert_true(ret > 0 && ret <= 40);
	assert_int_equal(e->rxq->vq.nfree, 256 - ret);
	assert_int_equal(fake_avail_pending(&e->fd), ret);
	for (i = 0; i < (unsigned int)ret; i++) {
		assert_int_equal(deliver(e, i, 128), 1);
		recv_one(e, i, 128);
	}
	/* Restarted with nothing left in the pool: fill says so. */
	virtio_rxq_reclaim(e->rxq);
	vq_packed_reset(&e->rxq->vq, false);
	fake_dev_fini(&e->fd);
	assert_int_equal(fake_dev_init(&e->fd, &e->rxq->vq, HDR_SIZE, false), 0);
	assert_int_equal(fake_dev_add_mempool(&e->fd, pool), 0);
	hog_pool(e, 0);
	assert_int_equal(virtio_rxq_fill(e->rxq), -ENOMEM);
	hog_release(e);
	assert_int_equal(virtio_rxq_fill(e->rxq), 256);
	assert_int_equal(deliver(e, 7, 777), 1);
	assert_int_equal(rx_burst(e, pkts, BURST), 1);
	check_pkt(e, pkts[0], 7, 777);
	rx_finish(e);
}

/* Packets the device has written but nobody received are freed on stop. */
static void
test_prx_reclaim_unreceived(void **state)
{
	struct rx_env *e = &env;
	unsigned int i;

	RTE_SET_USED(state);
	rx_setup(e, 255, true, true);
	for (i = 0; i < 30; i++)
		assert_true(deliver(e, i, ut_frame_len_for(i, 64, UT_MAX_FRAME)) > 0);
	e->fd.hold = true;
	assert_true(deliver(e, 99, 9000) > 0);
	assert_true(ut_pool_in_use(pool) >= 255);
	rx_finish(e);
}

/* ---- doorbells ---- */

static void
test_prx_notify(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint64_t kicks;
	unsigned int i;

	RTE_SET_USED(state);
	rx_setup(e, 64, false, true);
	kicks = e->fd.notifications;
	assert_int_equal(e->rxq->vq.notifications, kicks);
	/* The device asks for no kicks: refills do not ring the doorbell. */
	fake_set_device_event(&e->fd, VRING_PACKED_EVENT_FLAG_DISABLE, 0, false);
	for (i = 0; i < 40; i++)
		assert_int_equal(deliver(e, i, 64), 1);
	assert_int_equal(rx_burst(e, pkts, BURST), BURST);
	for (i = 0; i < BURST; i++)
		check_pkt(e, pkts[i], i, 64);
	assert_int_equal(fake_avail_pending(&e->fd), 64 - 40 + BURST); /* refilled */
	assert_int_equal(e->fd.notifications, kicks);
	/* Enabled again: the next refill rings. */
	fake_set_device_event(&e->fd, VRING_PACKED_EVENT_FLAG_ENABLE, 0, false);
	assert_int_equal(rx_burst(e, pkts, BURST), 8);
	for (i = 0; i < 8; i++)
		check_pkt(e, pkts[i], BURST + i, 64);
	for (i = 0; i < 40; i++)
		assert_int_equal(deliver(e, 100 + i, 64), 1);
	assert_int_equal(rx_burst(e, pkts, BURST), BURST);
	assert_int_equal(e->fd.notifications, kicks + 1);
	assert_int_equal(e->rxq->vq.notifications, kicks + 1);
	for (i = 0; i < BURST; i++)
		check_pkt(e, pkts[i], 100 + i, 64);
	assert_int_equal(rx_burst(e, pkts, BURST), 8);
	for (i = 0; i < 8; i++)
		check_pkt(e, pkts[i], 100 + BURST + i, 64);
	rx_finish(e);

	/*
	 * EVENT_IDX: a kick only for the refill that makes the named descriptor
	 * (slot and wrap counter) available. Each round reposts 16 buffers, at
	 * slots 0-15, 16-31, ... of lap 2 (wrap counter 0), then of lap 3 (1).
	 */
	rx_setup(e, 64, false, false);
	vq_packed_reset(&e->rxq->vq, true);
	fake_set_device_event(&e->fd, VRING_PACKED_EVENT_FLAG_DESC, 10, false);
	assert_int_equal(virtio_rxq_fill(e->rxq), 64); /* lap 1: slot 10 of lap 2 not yet */
	assert_int_equal(e->fd.notifications, 0);
	{
		static const struct {
			uint16_t off;
			bool wrap;
			bool kick;
		} rounds[] = {
			{ 10, false, true }, /* lap 2, slots 0-15 */
			{ 40, false, false }, /* 16-31 */
			{ 40, false, true }, /* 32-47 */
			{ 63, true, false }, /* 48-63: slot 63 of lap 2, not of lap 3 */
			{ 63, true, false }, /* lap 3, 0-15 */
			{ 16, true, true }, /* 16-31 */
			{ 47, false, false }, /* 32-47 of lap 3: lap 2's slot 47 is long gone */
			{ 48, true, true }, /* 48-63 */
		};

		for (i = 0; i < RTE_DIM(rounds); i++) {
			unsigned int k;

			kicks = e->fd.notifications;
			fake_set_device_event(&e->fd, VRING_PACKED_EVENT_FLAG_DESC, rounds[i].off,
					rounds[i].wrap);
			for (k = 0; k < 16; k++)
				assert_int_equal(deliver(e, k, 64), 1);
			assert_int_equal(rx_burst(e, pkts, BURST), 16);
			for (k = 0; k < 16; k++)
				check_pkt(e, pkts[k], k, 64);
			assert_int_equal(e->rxq->vq.nfree, 0);
			assert_int_equal(e->fd.notifications, kicks + rounds[i].kick);
		}
	}
	/* Three laps made available: the wrap counter flipped three times. */
	assert_int_equal(e->rxq->vq.next_avail, 0);
	assert_false(e->rxq->vq.avail_wrap);
	rx_finish(e);
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	return ut_eal_init("packed_rx");
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_fini();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, rx_pool_setup, rx_cleanup)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_prx_posted_descriptors),
		T(test_prx_frame_sizes),
		T(test_prx_mergeable_sizes),
		T(test_prx_wrap_255),
		T(test_prx_wrap_256_mergeable),
		T(test_prx_wrap_1025),
		T(test_prx_tiny_rings),
		T(test_prx_out_of_order),
		T(test_prx_bad_device_writes),
		T(test_prx_bad_device_writes_mergeable),
		T(test_prx_wrong_wrap_not_used),
		T(test_prx_mergeable_head_first),
		T(test_prx_nothing_posted),
		T(test_prx_pool_empty),
		T(test_prx_fill_with_few_mbufs),
		T(test_prx_reclaim_unreceived),
		T(test_prx_notify),
	};

	return cmocka_run_group_tests_name("packed_rx", tests, group_setup, group_teardown);
}
