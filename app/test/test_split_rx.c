/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Split-ring receive (virtio_recv_pkts, virtio_recv_mergeable_pkts, and
 * virtio_recv_pkts_inorder for VIRTIO_F_IN_ORDER) against the fake device:
 * exact bytes and mbuf fields, index and descriptor id wrap, completion out
 * of order, pool exhaustion, and every kind of bad device write.
 */

#include <errno.h>
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

#define HDR_SIZE  12 /* VERSION_1: struct virtio_net_hdr_mrg_rxbuf */
#define TEST_PORT 5
#define POOL_SIZE 4095
#define BURST	  32

static struct rte_mempool *pool;

struct rx_env {
	struct virtnet_rxq *rxq;
	void *ring;
	struct fake_dev fd;
	struct rte_mempool *mp;
	bool mergeable;
	bool inorder; /* VIRTIO_F_IN_ORDER: virtio_recv_pkts_inorder, fake in order */
	uint8_t frame[UT_MAX_FRAME + 64];
	struct rte_mbuf *hog[POOL_SIZE + 1];
	unsigned int nhog;
};

static struct rx_env env;

/* Lays out an Rx queue with the driver's own initialiser, over plain memory. */
static void
rx_setup_mode(struct rx_env *e, uint16_t size, bool mergeable, bool inorder, struct rte_mempool *mp,
		bool fill)
{
	uint32_t room = rte_pktmbuf_data_room_size(mp);
	size_t ring_len = vq_split_ring_size(size);
	struct virtio_queue_params params;
	struct virtnet_rxq *rxq;

	assert_null(e->rxq);
	e->mp = mp;
	e->mergeable = mergeable;
	e->inorder = inorder;
	e->nhog = 0;
	rxq = rte_zmalloc("ut_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE);
	assert_non_null(rxq);
	e->rxq = rxq;
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
		.in_order = inorder,
		.port_id = TEST_PORT,
		.queue_id = 0,
	};
	assert_int_equal(virtio_rxq_init(rxq, &params, mp), 0);
	assert_int_equal(rxq->post_len, room - RTE_PKTMBUF_HEADROOM + HDR_SIZE);
	assert_int_equal(rxq->mergeable, mergeable);

	assert_int_equal(fake_dev_init(&e->fd, &rxq->vq, HDR_SIZE, mergeable), 0);
	e->fd.in_order = inorder;
	assert_int_equal(fake_dev_add_mempool(&e->fd, mp), 0);
	if (fill) {
		assert_int_equal(virtio_rxq_fill(rxq), size);
		assert_int_equal(rxq->vq.nfree, 0);
		assert_int_equal(fake_avail_pending(&e->fd), size);
		assert_true(e->fd.notifications >= 1);
	}
}

static void
rx_setup(struct rx_env *e, uint16_t size, bool mergeable, struct rte_mempool *mp, bool fill)
{
	rx_setup_mode(e, size, mergeable, false, mp, fill);
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

/* End of a scenario: the device behaved, and every mbuf is back in the pool. */
static void
rx_finish(struct rx_env *e)
{
	struct rte_mempool *mp = e->mp;
	uint64_t proto = e->fd.protocol_errors;
	uint64_t seq_errors = e->fd.seq_errors;
	uint16_t size = e->rxq->vq.size;

	hog_release(e);
	virtio_rxq_reclaim(e->rxq);
	assert_int_equal(e->rxq->vq.nfree, size);
	rx_release(e);
	assert_int_equal(proto, 0);
	/* In order: every buffer was posted at the next descriptor id, through the wrap. */
	assert_int_equal(seq_errors, 0);
	assert_int_equal(ut_pool_in_use(mp), 0);
}

/* A fresh pool per test, so that one failing test cannot leak into the next. */
static int
rx_pool_setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_pool_create("ut_rx_pool", POOL_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE);
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
	if (e->inorder)
		return virtio_recv_pkts_inorder(e->rxq, pkts, n);
	return e->mergeable ? virtio_recv_mergeable_pkts(e->rxq, pkts, n) :
			      virtio_recv_pkts(e->rxq, pkts, n);
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
		/* Data stays inside the buffer. */
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

/* ---- good traffic ---- */

static void
test_rx_frame_sizes(void **state)
{
	static const uint32_t sizes[] = { 64, 128, 256, 512, 1024, 1518, 60, 2047, 2048 };
	struct rx_env *e = &env;
	uint64_t bytes = 0, packets = 0;
	uint32_t seq = 0;
	unsigned int i, r;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, pool, true);
	for (r = 0; r < 3; r++) {
		for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
			assert_int_equal(deliver(e, seq, sizes[i]), 1);
			recv_one(e, seq, sizes[i]);
			bytes += sizes[i];
			packets++;
		}
	}
	/* A burst of mixed sizes comes back in order. */
	for (i = 0; i < BURST; i++)
		assert_int_equal(deliver(e, 1000 + i, ut_frame_len_for(i, 60, 2048)), 1);
	{
		struct rte_mbuf *pkts[BURST];

		assert_int_equal(rx_burst(e, pkts, BURST), BURST);
		for (i = 0; i < BURST; i++) {
			check_pkt(e, pkts[i], 1000 + i, ut_frame_len_for(i, 60, 2048));
			bytes += ut_frame_len_for(i, 60, 2048);
			packets++;
		}
	}
	assert_int_equal(e->rxq->stats.packets, packets);
	assert_int_equal(e->rxq->stats.bytes, bytes);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(e->rxq->stats.nombuf, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	/* The driver keeps the ring stocked as it goes. */
	assert_true(e->rxq->vq.nfree < VIRTIO_RX_REFILL_BATCH);
	rx_finish(e);
}

static void
test_rx_burst_limits(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint32_t seq = 0, got = 0;
	uint16_t i;

	RTE_SET_USED(state);
	rx_setup(e, 128, false, pool, true);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	for (i = 0; i < 50; i++)
		assert_int_equal(deliver(e, i, 64 + i), 1);
	assert_int_equal(rx_burst(e, pkts, 0), 0);
	while (got < 50) {
		uint16_t n = rx_burst(e, pkts, 16);

		assert_int_equal(n, RTE_MIN(16u, 50 - got));
		for (i = 0; i < n; i++, seq++)
			check_pkt(e, pkts[i], seq, 64 + seq);
		got += n;
	}
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(e->rxq->stats.packets, 50);
	rx_finish(e);
}

static void
test_rx_mergeable_sizes(void **state)
{
	static const uint32_t sizes[] = { 64, 1000, 1518, 2047, 2048, 2049, 2060, 3000, 4096, 4120,
		6000, 8192, 9000, 9728 };
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint64_t bytes = 0;
	uint32_t seq = 0, i;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, pool, true);
	for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
		int nb = deliver(e, seq, sizes[i]);

		assert_int_equal(nb, bufs_needed(e, sizes[i]));
		recv_one(e, seq, sizes[i]);
		bytes += sizes[i];
	}
	/* Several large packets in one burst. */
	for (i = 0; i < 20; i++)
		assert_true(deliver(e, 100 + i, ut_frame_len_for(i, 64, UT_MAX_FRAME)) > 0);
	assert_int_equal(rx_burst(e, pkts, BURST), 20);
	for (i = 0; i < 20; i++) {
		check_pkt(e, pkts[i], 100 + i, ut_frame_len_for(i, 64, UT_MAX_FRAME));
		bytes += ut_frame_len_for(i, 64, UT_MAX_FRAME);
	}
	assert_int_equal(e->rxq->stats.packets, RTE_DIM(sizes) + 20);
	assert_int_equal(e->rxq->stats.bytes, bytes);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	rx_finish(e);
}

/* Runs n packets through the queue in small bursts; 16-bit indexes wrap. */
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
}

static void
test_rx_index_wrap(void **state)
{
	const uint32_t n = 70000;
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, pool, true);
	run_wrap(e, n, 60, 300);
	/* Both free-running indexes went past 65535. */
	assert_int_equal(e->rxq->vq.used_cons, (uint16_t)n);
	assert_int_equal(e->fd.used_idx, (uint16_t)n);
	assert_int_equal(e->rxq->vq.used->idx, (uint16_t)n);
	assert_true(n > 65536);
	rx_finish(e);
}

static void
test_rx_index_wrap_mergeable(void **state)
{
	const uint32_t n = 70000;
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, pool, true);
	run_wrap(e, n, 60, 4200);
	assert_int_equal(e->rxq->vq.used_cons, e->fd.used_idx);
	rx_finish(e);
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

	for (round = 0; round < 4; round++) {
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
	assert_int_equal(e->rxq->stats.packets, packets_before + 4 * npkts);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
}

static void
test_rx_out_of_order(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, pool, true);
	run_out_of_order(e, FAKE_ORDER_SHUFFLE, 1518);
	run_out_of_order(e, FAKE_ORDER_REVERSE, 2048);
	/* And in order again afterwards, with the free list well shuffled. */
	run_wrap(e, 600, 60, 2048);
	rx_finish(e);
}

static void
test_rx_out_of_order_mergeable(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 512, true, pool, true);
	run_out_of_order(e, FAKE_ORDER_SHUFFLE, UT_MAX_FRAME);
	run_out_of_order(e, FAKE_ORDER_REVERSE, 5000);
	rx_finish(e);
}

/* ---- descriptor and mbuf exhaustion ---- */

static void
test_rx_nothing_posted(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];

	RTE_SET_USED(state);
	rx_setup(e, 64, false, pool, false);
	assert_int_equal(deliver(e, 1, 100), -ENOSPC);
	assert_int_equal(e->fd.used_idx, 0);
	hog_pool(e, 0);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_int_equal(deliver(e, 1, 100), -ENOSPC);
	/* Mbufs come back: the next poll posts buffers and traffic flows. */
	hog_release(e);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(fake_avail_pending(&e->fd), 64);
	assert_int_equal(deliver(e, 2, 100), 1);
	recv_one(e, 2, 100);
	rx_finish(e);
}

static void
run_pool_empty(struct rx_env *e, uint16_t size)
{
	struct rte_mbuf **kept = calloc(size, sizeof(*kept));
	struct rte_mbuf *pkts[BURST];
	unsigned int nkept = 0, i;
	uint32_t seq = 0, len = 200;

	assert_non_null(kept);
	hog_pool(e, 0);
	/* Everything posted still arrives, even though nothing can be reposted. */
	while (nkept < size) {
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
	/* Nothing posted: the device has nowhere to write. */
	assert_int_equal(deliver(e, seq, len), -ENOSPC);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);

	/* The application gives the mbufs back: Rx recovers by itself. */
	for (i = 0; i < nkept; i++)
		rte_pktmbuf_free(kept[i]);
	hog_release(e);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(fake_avail_pending(&e->fd), size);
	for (i = 0; i < 10; i++)
		assert_true(deliver(e, 5000 + i, len) > 0);
	assert_int_equal(rx_burst(e, pkts, BURST), 10);
	for (i = 0; i < 10; i++)
		check_pkt(e, pkts[i], 5000 + i, len);
	free(kept);
}

static void
test_rx_pool_empty(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, pool, true);
	run_pool_empty(e, 256);
	rx_finish(e);
}

static void
test_rx_pool_empty_mergeable(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, pool, true);
	run_pool_empty(e, 256);
	rx_finish(e);
}

/*
 * Regression: refill used to ask the pool for a whole batch at once and give
 * up when that failed, so a pool holding fewer mbufs than the batch posted
 * nothing and port start failed. It must post what the pool has.
 */
static void
test_rx_fill_with_few_mbufs(void **state)
{
	struct rx_env *e = &env;
	int ret;
	unsigned int i;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, pool, false);
	hog_pool(e, 40);
	ret = virtio_rxq_fill(e->rxq);
	print_message("# virtio_rxq_fill with 40 free mbufs and 256 free descriptors: %d\n", ret);
	assert_true(ret > 0);
	assert_int_equal(e->rxq->vq.nfree, 256 - ret);
	assert_int_equal(fake_avail_pending(&e->fd), ret);
	for (i = 0; i < (unsigned int)ret; i++) {
		assert_int_equal(deliver(e, i, 128), 1);
		recv_one(e, i, 128);
	}
	rx_finish(e);
}

/*
 * Regression (same cause): once the ring had drained it was not restocked
 * while fewer mbufs than the batch were free.
 */
static void
test_rx_refill_with_few_mbufs(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	unsigned int i;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, pool, true);
	hog_pool(e, 0);
	for (i = 0; i < 256; i += BURST) {
		unsigned int k;

		for (k = 0; k < BURST; k++)
			assert_int_equal(deliver(e, i + k, 64), 1);
		assert_int_equal(rx_burst(e, pkts, BURST), BURST);
		for (k = 0; k < BURST; k++)
			e->hog[e->nhog++] = pkts[k];
	}
	assert_int_equal(e->rxq->vq.nfree, 256);
	/* The application frees 100 mbufs: enough to restock part of the ring. */
	for (i = 0; i < 100; i++)
		rte_pktmbuf_free(e->hog[--e->nhog]);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	print_message("# buffers posted after 100 mbufs came back: %u\n",
			fake_avail_pending(&e->fd));
	assert_true(fake_avail_pending(&e->fd) > 0);
	assert_int_equal(deliver(e, 1000, 64), 1);
	recv_one(e, 1000, 64);
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
				      "%u buffers posted, %u descriptors free in the driver\n",
					e->rxq->vq.size, seen, total, len,
					fake_avail_pending(&e->fd), e->rxq->vq.nfree);
			fail_msg("Rx made no progress");
		}
		if (n > 0)
			idle = 0;
	}
	assert_int_equal(e->rxq->stats.errors, 0);
}

/* Small rings (queue_size down to 1) still receive, without mergeable buffers. */
static void
test_rx_small_rings(void **state)
{
	struct rx_env *e = &env;
	uint16_t size;

	RTE_SET_USED(state);
	for (size = 1; size <= 64; size *= 2) {
		rx_setup(e, size, false, pool, true);
		run_small_ring(e, 1518, 300);
		rx_finish(e);
		rx_setup(e, size, true, pool, true);
		run_small_ring(e, 1000, 300);
		rx_finish(e);
	}
}

/*
 * Regression: the refill threshold was a fixed 32, so on a ring of 32 or
 * fewer entries with mergeable buffers the device could be left with fewer
 * buffers than one large frame needs while the driver waited for the ring to
 * drain: Rx of large frames stopped for good. The threshold is now at most a
 * quarter of the ring.
 */
static void
test_rx_small_ring_mergeable_jumbo(void **state)
{
	static const uint16_t sizes[] = { 64, 32, 16, 8 };
	struct rx_env *e = &env;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		rx_setup(e, sizes[i], true, pool, true);
		run_small_ring(e, 9000, 200);
		rx_finish(e);
	}
}

/* ---- bad device writes ---- */

/* Id of a buffer the driver has posted and the device has not used yet. */
static uint16_t
posted_id(struct rx_env *e)
{
	assert_true(fake_avail_pending(&e->fd) > 0);
	return e->fd.avail->ring[e->fd.last_avail & (e->fd.size - 1)];
}

/*
 * good frame, one bad thing, good frame: both good frames arrive intact,
 * the bad thing is counted once, then the queue keeps working.
 */
struct bad_case {
	const char *what;
	enum fake_fault fault; /* FAKE_FAULT_NONE: `inject` does the damage */
	uint32_t len; /* frame length of the faulty delivery */
	void (*inject)(struct rx_env *e);
	size_t counter; /* offsetof the vq_device_errors counter */
	bool mergeable_only;
};

static void
inject_id_out_of_range(struct rx_env *e)
{
	fake_inject_used(&e->fd, e->fd.size, 64);
}

static void
inject_id_huge(struct rx_env *e)
{
	fake_inject_used(&e->fd, FAKE_BOGUS_ID, 64);
}

static void
inject_id_aliasing(struct rx_env *e)
{
	/* Same low 16 bits as a posted buffer: must not be truncated into it. */
	fake_inject_used(&e->fd, 0x10000u | posted_id(e), 64);
}

static void
inject_id_not_in_flight(struct rx_env *e)
{
	uint16_t id;

	assert_int_equal(fake_pick_not_in_flight(&e->fd, &id), 0);
	fake_inject_used(&e->fd, id, 64);
}

static void
inject_duplicate(struct rx_env *e)
{
	assert_int_equal(fake_inject_duplicate(&e->fd), 0);
}

#define ERR(f) offsetof(struct vq_device_errors, f)

static const struct bad_case bad_cases[] = {
	{ "used len 0", FAKE_FAULT_LEN_ZERO, 100, NULL, ERR(bad_used_len), false },
	{ "used len shorter than the header", FAKE_FAULT_LEN_SHORT, 100, NULL, ERR(bad_used_len),
			false },
	{ "used len past the buffer", FAKE_FAULT_LEN_TOO_BIG, 100, NULL, ERR(bad_used_len), false },
	{ "used id == ring size", FAKE_FAULT_NONE, 0, inject_id_out_of_range, ERR(bad_used_id),
			false },
	{ "used id 0xfffff00d", FAKE_FAULT_NONE, 0, inject_id_huge, ERR(bad_used_id), false },
	{ "used id 0x10000 + a posted id", FAKE_FAULT_NONE, 0, inject_id_aliasing, ERR(bad_used_id),
			false },
	{ "used id not in flight", FAKE_FAULT_NONE, 0, inject_id_not_in_flight, ERR(bad_used_id),
			false },
	{ "duplicate used id", FAKE_FAULT_NONE, 0, inject_duplicate, ERR(bad_used_id), false },
	{ "num_buffers 0", FAKE_FAULT_NUM_BUFFERS_ZERO, 100, NULL, ERR(bad_num_buffers), true },
	{ "num_buffers 65535", FAKE_FAULT_NUM_BUFFERS_HUGE, 100, NULL, ERR(bad_num_buffers), true },
	{ "continuation len 0", FAKE_FAULT_CONT_LEN_ZERO, 3000, NULL, ERR(bad_used_len), true },
	{ "continuation len past the buffer", FAKE_FAULT_CONT_LEN_TOO_BIG, 5000, NULL,
			ERR(bad_used_len), true },
	{ "continuation with a bad id", FAKE_FAULT_CONT_BAD_ID, 9000, NULL, ERR(bad_used_id),
			true },
};

static void
run_bad_case_table(struct rx_env *e, const struct bad_case *table, unsigned int ncases)
{
	struct rte_mbuf *pkts[BURST];
	uint32_t seq = 0;
	unsigned int i;

	for (i = 0; i < ncases; i++) {
		const struct bad_case *c = &table[i];
		struct virtqueue *vq = &e->rxq->vq;
		uint64_t *counter = (uint64_t *)((uint8_t *)&vq->errors + c->counter);
		uint64_t before = *counter, all_before = ut_dev_errors(vq);
		uint64_t errors_before = e->rxq->stats.errors;
		uint64_t packets_before = e->rxq->stats.packets;
		uint16_t n;

		if (c->mergeable_only && !e->mergeable)
			continue;
		print_message("# bad device write: %s\n", c->what);
		/* Leave a descriptor unposted so that "not in flight" ids exist. */
		do {
			assert_int_equal(deliver(e, seq, 70), 1);
			recv_one(e, seq++, 70);
			packets_before++;
		} while (vq->nfree == 0);

		assert_true(deliver(e, seq, 1000) > 0);
		if (c->inject != NULL) {
			c->inject(e);
		} else {
			int nb = deliver_fault(e, 777, c->len, c->fault);

			assert_true(nb > 0);
		}
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

		/* The queue keeps working afterwards. */
		assert_true(deliver(e, seq, 1518) > 0);
		recv_one(e, seq++, 1518);
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
		assert_int_equal(ut_dev_errors(vq), all_before + 1);
	}
}

static void
run_bad_cases(struct rx_env *e)
{
	run_bad_case_table(e, bad_cases, RTE_DIM(bad_cases));
}

static void
test_rx_bad_device_writes(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, false, pool, true);
	run_bad_cases(e);
	rx_finish(e);
}

static void
test_rx_bad_device_writes_mergeable(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, pool, true);
	run_bad_cases(e);
	rx_finish(e);
}

/* used->idx runs ahead of everything the driver has in flight. */
static void
run_used_idx_jump(struct rx_env *e)
{
	struct virtqueue *vq = &e->rxq->vq;
	struct rte_mbuf *pkts[BURST];
	uint16_t in_flight = (uint16_t)(vq->size - vq->nfree);
	unsigned int rounds = 0;

	assert_true(in_flight > 0);
	fake_used_idx_jump(&e->fd, (uint16_t)(in_flight + 10));
	/* The driver consumes the bogus entries without returning anything. */
	while (vq->used_cons != e->fd.used_idx) {
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
		assert_true(++rounds < 1000);
	}
	assert_true(vq->errors.bad_used_idx >= 1);
	assert_int_equal(vq->errors.bad_used_len, 0);
	assert_true(vq->errors.bad_used_id >= (uint64_t)in_flight + 10 - BURST);
	assert_true(e->rxq->stats.errors > 0);
	assert_int_equal(e->rxq->stats.packets, 0);
	/* Nothing the device owns was taken back, and traffic flows again. */
	assert_int_equal(fake_avail_pending(&e->fd) + vq->nfree, in_flight);
	assert_true(deliver(e, 1, 1400) > 0);
	recv_one(e, 1, 1400);
	assert_true(deliver(e, 2, 64) > 0);
	recv_one(e, 2, 64);
}

static void
test_rx_used_idx_jump(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 128, false, pool, true);
	run_used_idx_jump(e);
	rx_finish(e);
	rx_setup(e, 128, true, pool, true);
	run_used_idx_jump(e);
	rx_finish(e);
}

/* A mergeable packet whose buffers are only partly published waits for the rest. */
static void
run_mergeable_withheld(struct rx_env *e)
{
	struct rte_mbuf *pkts[BURST];
	int nb;

	e->fd.hold = true;
	nb = deliver(e, 1, 9000);
	assert_int_equal(nb, 5);
	assert_int_equal(fake_publish(&e->fd, 3, FAKE_ORDER_FIFO), 3);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(e->rxq->vq.used_cons, 0);
	assert_int_equal(e->rxq->vq.nfree, 0); /* no buffer of it taken back yet */
	assert_int_equal(fake_publish(&e->fd, 1, FAKE_ORDER_FIFO), 1);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(fake_publish(&e->fd, UINT32_MAX, FAKE_ORDER_FIFO), 1);
	recv_one(e, 1, 9000);

	/* A complete packet ahead of a partial one is returned on its own. */
	assert_int_equal(deliver(e, 2, 3000), 2);
	assert_int_equal(deliver(e, 3, 7000), 4);
	assert_int_equal(fake_publish(&e->fd, 4, FAKE_ORDER_FIFO), 4);
	assert_int_equal(rx_burst(e, pkts, BURST), 1);
	check_pkt(e, pkts[0], 2, 3000);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_int_equal(fake_publish(&e->fd, UINT32_MAX, FAKE_ORDER_FIFO), 2);
	recv_one(e, 3, 7000);

	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	/* Withheld forever: stopping the queue still returns every mbuf. */
	assert_int_equal(deliver(e, 4, 9728), 5);
	assert_int_equal(fake_publish(&e->fd, 2, FAKE_ORDER_FIFO), 2);
	assert_int_equal(rx_burst(e, pkts, BURST), 0);
	e->fd.hold = false;
}

static void
test_rx_mergeable_withheld(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, pool, true);
	run_mergeable_withheld(e);
	rx_finish(e);
}

/* Packets the device has published but nobody received are freed on stop. */
static void
test_rx_reclaim_unreceived(void **state)
{
	struct rx_env *e = &env;
	unsigned int i;

	RTE_SET_USED(state);
	rx_setup(e, 256, true, pool, true);
	for (i = 0; i < 30; i++)
		assert_true(deliver(e, i, ut_frame_len_for(i, 64, UT_MAX_FRAME)) > 0);
	assert_true(ut_pool_in_use(pool) >= 256);
	rx_finish(e);
}

/* The device asks for no kicks: refills do not ring the doorbell. */
static void
test_rx_notify_suppressed(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint64_t kicks;
	unsigned int i;

	RTE_SET_USED(state);
	rx_setup(e, 64, false, pool, true);
	kicks = e->fd.notifications;
	fake_set_used_flags(&e->fd, VRING_USED_F_NO_NOTIFY);
	for (i = 0; i < 40; i++)
		assert_int_equal(deliver(e, i, 64), 1);
	assert_int_equal(rx_burst(e, pkts, BURST), BURST);
	for (i = 0; i < BURST; i++)
		check_pkt(e, pkts[i], i, 64);
	assert_int_equal(fake_avail_pending(&e->fd), 64 - 40 + BURST); /* refilled */
	assert_int_equal(e->fd.notifications, kicks);
	fake_set_used_flags(&e->fd, 0);
	assert_int_equal(rx_burst(e, pkts, BURST), 8);
	for (i = 0; i < 8; i++)
		check_pkt(e, pkts[i], BURST + i, 64);
	for (i = 0; i < 40; i++)
		assert_int_equal(deliver(e, 100 + i, 64), 1);
	assert_int_equal(rx_burst(e, pkts, BURST), BURST);
	for (i = 0; i < BURST; i++)
		check_pkt(e, pkts[i], 100 + i, 64);
	assert_true(e->fd.notifications > kicks);
	assert_int_equal(rx_burst(e, pkts, BURST), 8);
	for (i = 0; i < 8; i++)
		check_pkt(e, pkts[i], 100 + BURST + i, 64);
	rx_finish(e);
}

/* ---- VIRTIO_F_IN_ORDER: virtio_recv_pkts_inorder ---- */

static void
test_rx_inorder_frame_sizes(void **state)
{
	static const uint32_t sizes[] = { 64, 128, 256, 512, 1024, 1280, 1500, 1514, 1518, 60, 2047,
		2048 };
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint64_t bytes = 0, packets = 0;
	uint32_t seq = 0;
	unsigned int i, r;

	RTE_SET_USED(state);
	rx_setup_mode(e, 256, false, true, pool, true);
	assert_false(e->rxq->mergeable);
	for (r = 0; r < 3; r++) {
		for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
			assert_int_equal(deliver(e, seq, sizes[i]), 1);
			recv_one(e, seq, sizes[i]);
			bytes += sizes[i];
			packets++;
		}
	}
	/* Every size from 64 to 1518 in bursts, in order and byte-exact. */
	for (seq = 64; seq <= 1518;) {
		uint16_t n, k;

		for (k = 0; k < BURST && seq + k <= 1518; k++)
			assert_int_equal(deliver(e, seq + k, seq + k), 1);
		n = rx_burst(e, pkts, BURST);
		assert_int_equal(n, k);
		for (k = 0; k < n; k++, seq++) {
			check_pkt(e, pkts[k], seq, seq);
			bytes += seq;
			packets++;
		}
	}
	assert_int_equal(e->rxq->stats.packets, packets);
	assert_int_equal(e->rxq->stats.bytes, bytes);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(e->rxq->stats.nombuf, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_true(e->rxq->vq.nfree < VIRTIO_RX_REFILL_BATCH);
	/* Descriptors were handed out in sequence: the device is at the right id. */
	assert_int_equal(e->fd.chains_taken, packets);
	assert_int_equal(e->fd.next_head, packets % 256);
	rx_finish(e);
}

static void
test_rx_inorder_mergeable_sizes(void **state)
{
	static const uint32_t sizes[] = { 64, 1000, 1518, 2047, 2048, 2049, 2060, 3000, 4096, 4120,
		6000, 8192, 9000, 9727, 9728 };
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint64_t bytes = 0, bufs = 0;
	uint32_t seq = 0, i, len;

	RTE_SET_USED(state);
	rx_setup_mode(e, 256, true, true, pool, true);
	assert_true(e->rxq->mergeable);
	for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
		int nb = deliver(e, seq, sizes[i]);

		assert_int_equal(nb, bufs_needed(e, sizes[i]));
		recv_one(e, seq, sizes[i]);
		bytes += sizes[i];
		bufs += nb;
	}
	/* Sizes from 64 to 9728 in steps of 97 bytes, several per burst. */
	for (len = 64; len <= UT_MAX_FRAME;) {
		uint16_t n, k;
		uint32_t l = len;

		for (k = 0; k < 8 && l <= UT_MAX_FRAME; k++, l += 97) {
			int nb = deliver(e, seq + k, l);

			assert_int_equal(nb, bufs_needed(e, l));
			bufs += nb;
		}
		n = rx_burst(e, pkts, BURST);
		assert_int_equal(n, k);
		for (k = 0; k < n; k++, seq++, len += 97) {
			check_pkt(e, pkts[k], seq, len);
			bytes += len;
		}
	}
	/* And the largest frame, several in one burst. */
	for (i = 0; i < 20; i++, seq++)
		bufs += deliver(e, seq, UT_MAX_FRAME);
	assert_int_equal(rx_burst(e, pkts, BURST), 20);
	for (i = 0; i < 20; i++) {
		check_pkt(e, pkts[i], seq - 20 + i, UT_MAX_FRAME);
		bytes += UT_MAX_FRAME;
	}
	assert_int_equal(e->rxq->stats.packets, seq);
	assert_int_equal(e->rxq->stats.bytes, bytes);
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	assert_int_equal(e->fd.chains_taken, bufs);
	assert_int_equal(e->fd.next_head, bufs % 256);
	rx_finish(e);
}

/* More than 65536 packets through a ring of 256: indexes and descriptor ids wrap. */
static void
test_rx_inorder_index_wrap(void **state)
{
	const uint32_t n = 70000;
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup_mode(e, 256, false, true, pool, true);
	run_wrap(e, n, 60, 1518);
	assert_int_equal(e->rxq->vq.used_cons, (uint16_t)n);
	assert_int_equal(e->fd.used_idx, (uint16_t)n);
	assert_int_equal(e->rxq->vq.used->idx, (uint16_t)n);
	/* n buffers, one descriptor each, handed out as 0, 1, ..., 255, 0, ... */
	assert_int_equal(e->fd.chains_taken, n);
	assert_int_equal(e->fd.next_head, n % 256);
	assert_int_equal(e->fd.seq_errors, 0);
	assert_true(n > 65536);
	rx_finish(e);
}

static void
test_rx_inorder_index_wrap_mergeable(void **state)
{
	const uint32_t n = 70000;
	struct rx_env *e = &env;
	uint64_t bufs = 0;
	uint32_t seq;

	RTE_SET_USED(state);
	rx_setup_mode(e, 256, true, true, pool, true);
	run_wrap(e, n, 60, 4200);
	for (seq = 0; seq < n; seq++)
		bufs += bufs_needed(e, ut_frame_len_for(seq, 60, 4200));
	assert_true(bufs > 65536 + n / 4); /* many packets took several buffers */
	assert_int_equal(e->rxq->vq.used_cons, e->fd.used_idx);
	assert_int_equal(e->fd.used_idx, (uint16_t)bufs);
	assert_int_equal(e->fd.chains_taken, bufs);
	assert_int_equal(e->fd.next_head, bufs % 256);
	assert_int_equal(e->fd.seq_errors, 0);
	rx_finish(e);
}

static const struct bad_case inorder_bad_cases[] = {
	{ "in order: used len 0", FAKE_FAULT_LEN_ZERO, 100, NULL, ERR(bad_used_len), false },
	{ "in order: used len shorter than the header", FAKE_FAULT_LEN_SHORT, 100, NULL,
			ERR(bad_used_len), false },
	{ "in order: used len past the buffer", FAKE_FAULT_LEN_TOO_BIG, 100, NULL,
			ERR(bad_used_len), false },
	{ "in order: id of the next buffer", FAKE_FAULT_ID_NEXT, 100, NULL, ERR(bad_used_id),
			false },
	{ "in order: id of the previous buffer", FAKE_FAULT_ID_PREV, 100, NULL, ERR(bad_used_id),
			false },
	{ "in order: id + 0x10000", FAKE_FAULT_ID_ALIAS, 100, NULL, ERR(bad_used_id), false },
	{ "in order: id == ring size", FAKE_FAULT_ID_OUT_OF_RANGE, 100, NULL, ERR(bad_used_id),
			false },
	{ "in order: id 0xfffff00d", FAKE_FAULT_ID_BOGUS, 100, NULL, ERR(bad_used_id), false },
	{ "in order: num_buffers 0", FAKE_FAULT_NUM_BUFFERS_ZERO, 100, NULL, ERR(bad_num_buffers),
			true },
	{ "in order: num_buffers 65535", FAKE_FAULT_NUM_BUFFERS_HUGE, 100, NULL,
			ERR(bad_num_buffers), true },
	{ "in order: continuation len 0", FAKE_FAULT_CONT_LEN_ZERO, 3000, NULL, ERR(bad_used_len),
			true },
	{ "in order: continuation len past the buffer", FAKE_FAULT_CONT_LEN_TOO_BIG, 5000, NULL,
			ERR(bad_used_len), true },
	{ "in order: continuation with a bad id", FAKE_FAULT_CONT_BAD_ID, 9000, NULL,
			ERR(bad_used_id), true },
	{ "in order: 9728-byte packet, bad id in the middle", FAKE_FAULT_CONT_BAD_ID, UT_MAX_FRAME,
			NULL, ERR(bad_used_id), true },
};

/*
 * A device that names another buffer than the oldest one, or writes a bad
 * length: counted once, the buffer dropped, and the frames around it intact.
 */
static void
test_rx_inorder_bad_device_writes(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup_mode(e, 256, false, true, pool, true);
	run_bad_case_table(e, inorder_bad_cases, RTE_DIM(inorder_bad_cases));
	/* Long after: still in step with the device. */
	run_wrap(e, 1000, 60, 1518);
	rx_finish(e);
}

static void
test_rx_inorder_bad_device_writes_mergeable(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup_mode(e, 256, true, true, pool, true);
	run_bad_case_table(e, inorder_bad_cases, RTE_DIM(inorder_bad_cases));
	run_wrap(e, 1000, 60, UT_MAX_FRAME);
	rx_finish(e);
}

/*
 * The device completes `npkts` single-buffer frames in another order than
 * they were made available. Each element that does not name the oldest
 * buffer costs that buffer (counted); the frames whose element lands in its
 * own place still arrive, intact and in order.
 */
static void
run_inorder_reordered(struct rx_env *e, unsigned int npkts, enum fake_order order, uint32_t base)
{
	struct virtqueue *vq = &e->rxq->vq;
	struct rte_mbuf *pkts[BURST];
	uint16_t heads[BURST] = { 0 };
	uint32_t expect[BURST] = { 0 };
	uint16_t first_used = e->fd.used_idx;
	uint64_t bad_id = vq->errors.bad_used_id, errors = e->rxq->stats.errors;
	uint64_t packets = e->rxq->stats.packets;
	unsigned int i, nexpect = 0;
	uint16_t n;

	assert_true(npkts <= BURST);
	e->fd.hold = true;
	for (i = 0; i < npkts; i++) {
		heads[i] = e->fd.avail->ring[(uint16_t)(e->fd.last_avail) & (e->fd.size - 1)];
		assert_int_equal(deliver(e, base + i, 100 + i), 1);
	}
	e->fd.hold = false;
	assert_int_equal(fake_publish(&e->fd, UINT32_MAX, order), npkts);
	/* Frame i survives when the element in place i names buffer i. */
	for (i = 0; i < npkts; i++) {
		uint32_t id = e->fd.used->ring[(uint16_t)(first_used + i) & (e->fd.size - 1)].id;

		if (id == heads[i])
			expect[nexpect++] = i;
	}
	assert_true(nexpect < npkts); /* the scenario broke the order */
	n = rx_burst(e, pkts, BURST);
	assert_int_equal(n, nexpect);
	for (i = 0; i < n; i++)
		check_pkt(e, pkts[i], base + expect[i], 100 + expect[i]);
	assert_int_equal(vq->errors.bad_used_id, bad_id + npkts - nexpect);
	assert_int_equal(e->rxq->stats.errors, errors + npkts - nexpect);
	assert_int_equal(e->rxq->stats.packets, packets + nexpect);
	assert_int_equal(vq->used_cons, e->fd.used_idx);
	assert_int_equal(vq->errors.bad_used_len + vq->errors.bad_used_idx, 0);

	/* In step again: the next frames arrive intact. */
	for (i = 0; i < 5; i++)
		assert_int_equal(deliver(e, base + 100 + i, 1518 - i), 1);
	assert_int_equal(rx_burst(e, pkts, BURST), 5);
	for (i = 0; i < 5; i++)
		check_pkt(e, pkts[i], base + 100 + i, 1518 - i);
	assert_int_equal(vq->errors.bad_used_id, bad_id + npkts - nexpect);
}

static void
test_rx_inorder_order_violated(void **state)
{
	struct rx_env *e = &env;
	unsigned int m;

	RTE_SET_USED(state);
	for (m = 0; m < 2; m++) {
		rx_setup_mode(e, 64, m == 1, true, pool, true);
		/* Two buffers swapped: both elements name the wrong one. */
		run_inorder_reordered(e, 2, FAKE_ORDER_REVERSE, 0);
		run_inorder_reordered(e, 7, FAKE_ORDER_REVERSE, 1000);
		run_inorder_reordered(e, BURST, FAKE_ORDER_SHUFFLE, 2000);
		run_inorder_reordered(e, BURST, FAKE_ORDER_SHUFFLE, 3000);
		/* Many laps of the ring later, everything still lines up. */
		run_wrap(e, 500, 60, m == 1 ? 5000 : 1518);
		rx_finish(e);
	}
}

static void
test_rx_inorder_mergeable_withheld(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup_mode(e, 256, true, true, pool, true);
	run_mergeable_withheld(e);
	rx_finish(e);
	/* The same on a small ring, where the held-back packet spans the wrap. */
	rx_setup_mode(e, 8, true, true, pool, true);
	run_small_ring(e, 3000, 3); /* 6 buffers: the next packet starts at id 6 */
	e->fd.hold = true;
	assert_int_equal(deliver(e, 10, 9000), 5); /* ids 6, 7, 0, 1, 2 */
	assert_int_equal(fake_publish(&e->fd, 4, FAKE_ORDER_FIFO), 4);
	{
		struct rte_mbuf *pkts[BURST];

		assert_int_equal(rx_burst(e, pkts, BURST), 0);
		assert_int_equal(e->rxq->vq.nfree, 0);
		assert_int_equal(fake_publish(&e->fd, UINT32_MAX, FAKE_ORDER_FIFO), 1);
		e->fd.hold = false;
		assert_int_equal(rx_burst(e, pkts, BURST), 1);
		check_pkt(e, pkts[0], 10, 9000);
	}
	assert_int_equal(e->rxq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
	rx_finish(e);
}

/* Small rings keep receiving, jumbo mergeable frames included. */
static void
test_rx_inorder_small_rings(void **state)
{
	static const struct {
		uint16_t size;
		uint32_t len; /* mergeable frame: up to the whole ring */
	} rings[] = { { 1, 1500 }, { 2, 4000 }, { 4, 8000 }, { 8, 9000 }, { 8, UT_MAX_FRAME },
		{ 16, UT_MAX_FRAME }, { 32, 9000 }, { 32, UT_MAX_FRAME }, { 64, UT_MAX_FRAME } };
	struct rx_env *e = &env;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(rings); i++) {
		rx_setup_mode(e, rings[i].size, false, true, pool, true);
		run_small_ring(e, 1518, 300);
		assert_int_equal(e->fd.next_head, 300 % rings[i].size);
		rx_finish(e);
		rx_setup_mode(e, rings[i].size, true, true, pool, true);
		assert_true(bufs_needed(e, rings[i].len) <= rings[i].size);
		run_small_ring(e, rings[i].len, 300);
		assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
		rx_finish(e);
	}
}

static void
test_rx_inorder_pool_empty(void **state)
{
	struct rx_env *e = &env;
	unsigned int m;

	RTE_SET_USED(state);
	for (m = 0; m < 2; m++) {
		rx_setup_mode(e, 256, m == 1, true, pool, true);
		run_pool_empty(e, 256);
		/* Restocked after the wrap of the descriptor ids: still in sequence. */
		run_wrap(e, 600, 60, m == 1 ? UT_MAX_FRAME : 1518);
		rx_finish(e);
	}
}

/* The pool runs dry with the ring half posted; traffic resumes when mbufs return. */
static void
test_rx_inorder_pool_low(void **state)
{
	struct rx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	unsigned int m, i;

	RTE_SET_USED(state);
	for (m = 0; m < 2; m++) {
		uint32_t len = m == 1 ? 5000 : 1000; /* 3 buffers mergeable */
		uint32_t seq = 0;
		int posted;

		rx_setup_mode(e, 256, m == 1, true, pool, false);
		hog_pool(e, 40);
		posted = virtio_rxq_fill(e->rxq);
		assert_true(posted > 0 && posted <= 40);
		assert_int_equal(fake_avail_pending(&e->fd), posted);
		/*
		 * What was posted is used; the application keeps every packet, so
		 * nothing can be reposted and the ring runs empty.
		 */
		while (deliver(e, seq, len) > 0) {
			assert_int_equal(rx_burst(e, pkts, BURST), 1);
			ut_frame_fill(e->frame, len, seq);
			assert_int_equal(ut_mbuf_diff(pkts[0], e->frame, len), -1);
			assert_true(e->nhog < RTE_DIM(e->hog));
			e->hog[e->nhog++] = pkts[0];
			seq++;
		}
		assert_true(seq > 0);
		/* Left: fewer buffers than one more frame needs. */
		assert_int_equal(e->rxq->vq.nfree + fake_avail_pending(&e->fd), 256);
		assert_true(fake_avail_pending(&e->fd) < bufs_needed(e, len));
		assert_true(e->rxq->stats.nombuf > 0);
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
		/* The mbufs come back: the ring fills up, ids continue where they stopped. */
		hog_release(e);
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
		assert_true(fake_avail_pending(&e->fd) > 0);
		for (i = 0; i < 3; i++, seq++) {
			assert_true(deliver(e, seq, len) > 0);
			recv_one(e, seq, len);
		}
		run_wrap(e, 700, 60, m == 1 ? UT_MAX_FRAME : 1518);
		assert_int_equal(e->rxq->stats.errors, 0);
		assert_int_equal(ut_dev_errors(&e->rxq->vq), 0);
		rx_finish(e);
	}
}

/* Frames published and never received, and buffers never used: all freed on stop. */
static void
test_rx_inorder_reclaim(void **state)
{
	struct rx_env *e = &env;
	unsigned int m, i;

	RTE_SET_USED(state);
	for (m = 0; m < 2; m++) {
		rx_setup_mode(e, 256, m == 1, true, pool, true);
		run_wrap(e, 300, 60, m == 1 ? UT_MAX_FRAME : 1518);
		for (i = 0; i < 30; i++)
			assert_true(deliver(e, i, m == 1 ? 9000 : 1518) > 0);
		e->fd.hold = true;
		assert_true(deliver(e, 99, m == 1 ? 9000 : 1518) > 0);
		/* The ring (less at most one refill batch) and the unreceived frames. */
		assert_true(ut_pool_in_use(pool) >= 256 - VIRTIO_RX_REFILL_BATCH);
		rx_finish(e);
	}
}

/*
 * Regression: used->idx jumps past every buffer in flight, with entries that
 * name nothing. The in-order path used to take each as an order violation
 * and drop the oldest buffer although the device never returned it, ending
 * up more than a ring ahead of the device with freed mbufs posted. Now the
 * jump is counted in bad_used_idx, the entries skipped, nothing freed, and
 * the queue keeps working (as the any-order path does, test_rx_used_idx_jump).
 */
static void
run_inorder_used_idx_jump(struct rx_env *e)
{
	struct virtqueue *vq = &e->rxq->vq;
	struct rte_mbuf *pkts[BURST];
	unsigned int rounds = 0;

	assert_int_equal(vq->nfree, 0);
	fake_used_idx_jump(&e->fd, (uint16_t)(vq->size + 10));
	while (vq->used_cons != e->fd.used_idx && ++rounds < 100)
		assert_int_equal(rx_burst(e, pkts, BURST), 0);
	assert_true(vq->errors.bad_used_idx >= 1);
	assert_int_equal(e->rxq->stats.packets, 0);
	/* Nothing the device owns was taken back or posted a second time. */
	assert_int_equal(fake_avail_pending(&e->fd) + vq->nfree, vq->size);
	assert_int_equal(e->fd.protocol_errors, 0);
	/* Traffic flows again, intact. */
	run_wrap(e, 300, 60, e->mergeable ? UT_MAX_FRAME : 1518);
}

static void
test_rx_inorder_used_idx_jump(void **state)
{
	struct rx_env *e = &env;

	RTE_SET_USED(state);
	rx_setup_mode(e, 64, false, true, pool, true);
	run_inorder_used_idx_jump(e);
	rx_finish(e);
	rx_setup_mode(e, 64, true, true, pool, true);
	run_inorder_used_idx_jump(e);
	rx_finish(e);
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	return ut_eal_init("split_rx");
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
		T(test_rx_frame_sizes),
		T(test_rx_burst_limits),
		T(test_rx_mergeable_sizes),
		T(test_rx_index_wrap),
		T(test_rx_index_wrap_mergeable),
		T(test_rx_out_of_order),
		T(test_rx_out_of_order_mergeable),
		T(test_rx_nothing_posted),
		T(test_rx_pool_empty),
		T(test_rx_pool_empty_mergeable),
		T(test_rx_fill_with_few_mbufs),
		T(test_rx_refill_with_few_mbufs),
		T(test_rx_small_rings),
		T(test_rx_small_ring_mergeable_jumbo),
		T(test_rx_bad_device_writes),
		T(test_rx_bad_device_writes_mergeable),
		T(test_rx_used_idx_jump),
		T(test_rx_mergeable_withheld),
		T(test_rx_reclaim_unreceived),
		T(test_rx_notify_suppressed),
		T(test_rx_inorder_frame_sizes),
		T(test_rx_inorder_mergeable_sizes),
		T(test_rx_inorder_index_wrap),
		T(test_rx_inorder_index_wrap_mergeable),
		T(test_rx_inorder_bad_device_writes),
		T(test_rx_inorder_bad_device_writes_mergeable),
		T(test_rx_inorder_order_violated),
		T(test_rx_inorder_mergeable_withheld),
		T(test_rx_inorder_small_rings),
		T(test_rx_inorder_pool_empty),
		T(test_rx_inorder_pool_low),
		T(test_rx_inorder_reclaim),
		T(test_rx_inorder_used_idx_jump),
	};

	return cmocka_run_group_tests_name("split_rx", tests, group_setup, group_teardown);
}
