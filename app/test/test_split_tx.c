/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Split-ring transmit (virtio_xmit_pkts, and virtio_xmit_pkts_inorder for
 * VIRTIO_F_IN_ORDER) against the fake device: the three descriptor layouts,
 * headroom rules, ring full, oversize packets, cleanup, descriptor id wrap
 * and bad used entries.
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

#define HDR_SIZE    12
#define TEST_PORT   3
#define POOL_SIZE   4095
#define JUMBO_ROOM  (UT_MAX_FRAME + RTE_PKTMBUF_HEADROOM)
#define MAX_COLLECT 512
#define BURST	    32
#define FILL	    0xa5 /* what headroom and slot memory hold before the driver writes */

static struct rte_mempool *pool;
static struct rte_mempool *jumbo;

struct tx_env {
	struct virtnet_txq *txq;
	void *mem;
	struct fake_dev fd;
	struct fake_tx_frame *frames;
	bool inorder; /* VIRTIO_F_IN_ORDER: virtio_xmit_pkts_inorder, fake in order */
	uint8_t frame[UT_MAX_FRAME + 64];
};

static struct tx_env env;

/* Lays out a Tx queue with the driver's own initialiser, over plain memory. */
static void
tx_setup_mode(struct tx_env *e, uint16_t size, bool use_indirect, bool inorder)
{
	size_t ring_len = vq_split_ring_size(size);
	size_t slots_len = sizeof(struct virtio_tx_slot) * size;
	size_t mem_len = RTE_ALIGN_CEIL(ring_len + slots_len, 4096);
	struct virtio_queue_params params;
	struct virtnet_txq *txq;

	assert_null(e->txq);
	txq = rte_zmalloc("ut_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE);
	assert_non_null(txq);
	e->txq = txq;
	e->mem = aligned_alloc(4096, mem_len);
	assert_non_null(e->mem);
	memset(e->mem, 0, mem_len);
	params = (struct virtio_queue_params){
		.vq_index = 1,
		.size = size,
		.mem = e->mem,
		.dev_addr = (uintptr_t)e->mem,
		.use_va = true,
		.hdr_size = HDR_SIZE,
		.in_order = inorder,
		.port_id = TEST_PORT,
		.queue_id = 0,
	};
	assert_true(virtio_txq_mem_size(size, false) <= mem_len);
	assert_int_equal(virtio_txq_init(txq, &params, use_indirect), 0);
	assert_ptr_equal(txq->slots, (uint8_t *)e->mem + ring_len);
	/* Stale bytes: the driver must write every header and table field it uses. */
	memset(txq->slots, FILL, slots_len);

	assert_int_equal(fake_dev_init(&e->fd, &txq->vq, HDR_SIZE, false), 0);
	e->fd.in_order = inorder;
	e->inorder = inorder;
	assert_int_equal(fake_dev_add_region(&e->fd, txq->slots, slots_len), 0);
	assert_int_equal(fake_dev_add_mempool(&e->fd, pool), 0);
	assert_int_equal(fake_dev_add_mempool(&e->fd, jumbo), 0);
	if (e->frames == NULL)
		e->frames = calloc(MAX_COLLECT, sizeof(*e->frames));
	assert_non_null(e->frames);
}

static void
tx_setup(struct tx_env *e, uint16_t size, bool use_indirect)
{
	tx_setup_mode(e, size, use_indirect, false);
}

static void
tx_release(struct tx_env *e)
{
	if (e->txq == NULL)
		return;
	virtio_txq_reclaim(e->txq);
	vq_fini(&e->txq->vq);
	free(e->mem);
	rte_free(e->txq);
	fake_dev_fini(&e->fd);
	e->txq = NULL;
	e->mem = NULL;
}

/* End of a scenario: the device saw a valid ring, and every mbuf is back. */
static void
tx_finish(struct tx_env *e)
{
	uint64_t proto = e->fd.protocol_errors;
	uint64_t seq_errors = e->fd.seq_errors;
	uint16_t size = e->txq->vq.size;

	virtio_txq_reclaim(e->txq);
	assert_int_equal(e->txq->vq.nfree, size);
	tx_release(e);
	assert_int_equal(proto, 0);
	/* In order: chains started at the next descriptor id, through the wrap. */
	assert_int_equal(seq_errors, 0);
	assert_int_equal(ut_pool_in_use(pool), 0);
	assert_int_equal(ut_pool_in_use(jumbo), 0);
}

/* Fresh pools per test, so that one failing test cannot leak into the next. */
static int
tx_pool_setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_pool_create("ut_tx_pool", POOL_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE);
	jumbo = ut_pool_create("ut_tx_jumbo", 255, JUMBO_ROOM);
	return pool == NULL || jumbo == NULL ? -1 : 0;
}

static int
tx_cleanup(void **state)
{
	RTE_SET_USED(state);
	tx_release(&env);
	rte_mempool_free(pool);
	rte_mempool_free(jumbo);
	pool = NULL;
	jumbo = NULL;
	return 0;
}

static uint16_t
tx_xmit(struct tx_env *e, struct rte_mbuf **pkts, uint16_t n)
{
	return e->inorder ? virtio_xmit_pkts_inorder(e->txq, pkts, n) :
			    virtio_xmit_pkts(e->txq, pkts, n);
}

static uint16_t
tx_clean(struct tx_env *e)
{
	return e->inorder ? virtio_txq_cleanup_inorder(e->txq) : virtio_txq_cleanup(e->txq);
}

/* A packet of `len` bytes (frame seq) in nsegs segments; the first one's headroom set. */
static struct rte_mbuf *
make_pkt(struct tx_env *e, struct rte_mempool *mp, uint32_t seq, uint32_t len, unsigned int nsegs,
		uint16_t headroom)
{
	struct rte_mbuf *m;

	ut_frame_fill(e->frame, len, seq);
	m = ut_mbuf_build(mp, e->frame, len, nsegs, headroom, FILL);
	assert_non_null(m);
	assert_int_equal(m->nb_segs, nsegs);
	assert_int_equal(m->pkt_len, len);
	return m;
}

/* The device got the 12-byte zeroed header and exactly the frame (seq, len). */
static void
check_frame(struct tx_env *e, const struct fake_tx_frame *f, uint32_t seq, uint32_t len)
{
	assert_true(ut_bytes_all(f->hdr, HDR_SIZE, 0));
	assert_int_equal(f->len, len);
	ut_frame_fill(e->frame, len, seq);
	assert_memory_equal(f->data, e->frame, len);
}

enum layout {
	PUSHED, /* header in the mbuf headroom, one descriptor per segment */
	INDIRECT, /* one ring descriptor, table: header + segments */
	CHAINED, /* ring descriptors: header from the slot + segments */
};

static void
check_layout(const struct fake_tx_frame *f, enum layout l, unsigned int nsegs)
{
	switch (l) {
	case PUSHED:
		assert_false(f->indirect);
		assert_false(f->hdr_alone);
		assert_int_equal(f->ring_descs, nsegs);
		assert_int_equal(f->nbufs, nsegs);
		break;
	case INDIRECT:
		assert_true(f->indirect);
		assert_true(f->hdr_alone);
		assert_int_equal(f->ring_descs, 1);
		assert_int_equal(f->nbufs, nsegs + 1);
		break;
	case CHAINED:
		assert_false(f->indirect);
		assert_true(f->hdr_alone);
		assert_int_equal(f->ring_descs, nsegs + 1);
		assert_int_equal(f->nbufs, nsegs + 1);
		break;
	}
}

/* Sends one packet and checks the layout and bytes the device saw. */
static void
send_one(struct tx_env *e, struct rte_mbuf *m, uint32_t seq, uint32_t len, enum layout l)
{
	uint64_t kicks = e->fd.notifications;
	unsigned int nsegs = m->nb_segs;

	assert_int_equal(tx_xmit(e, &m, 1), 1);
	assert_int_equal(e->fd.notifications, kicks + 1);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 1);
	check_layout(&e->frames[0], l, nsegs);
	check_frame(e, &e->frames[0], seq, len);
}

/* ---- layouts ---- */

static void
run_single_segment(struct tx_env *e)
{
	static const uint32_t sizes[] = { 64, 128, 256, 512, 1024, 1518, 60, 2048 };
	static const uint32_t jumbo_sizes[] = { 2049, 4096, 9000, 9728 };
	uint64_t packets = e->txq->stats.packets, bytes = e->txq->stats.bytes;
	uint32_t seq = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(sizes) + RTE_DIM(jumbo_sizes); i++, seq++) {
		bool big = i >= RTE_DIM(sizes);
		uint32_t len = big ? jumbo_sizes[i - RTE_DIM(sizes)] : sizes[i];
		struct rte_mbuf *m =
				make_pkt(e, big ? jumbo : pool, seq, len, 1, RTE_PKTMBUF_HEADROOM);
		uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);

		send_one(e, m, seq, len, PUSHED);
		/* The header went right before the data, and nothing else was touched. */
		assert_ptr_equal(e->frames[0].first_buf, data - HDR_SIZE);
		assert_true(ut_bytes_all(m->buf_addr, RTE_PKTMBUF_HEADROOM - HDR_SIZE, FILL));
		assert_true(ut_bytes_all(data - HDR_SIZE, HDR_SIZE, 0));
		packets++;
		bytes += len;
	}
	assert_int_equal(e->txq->stats.packets, packets);
	assert_int_equal(e->txq->stats.bytes, bytes);
	assert_int_equal(e->txq->stats.errors, 0);
}

static void
test_tx_single_segment(void **state)
{
	struct tx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	unsigned int i;

	RTE_SET_USED(state);
	tx_setup(e, 256, false);
	run_single_segment(e);
	/* A burst of mixed sizes arrives in order. */
	for (i = 0; i < BURST; i++)
		pkts[i] = make_pkt(e, pool, 100 + i, ut_frame_len_for(i, 60, 2048), 1,
				RTE_PKTMBUF_HEADROOM);
	assert_int_equal(tx_xmit(e, pkts, BURST), BURST);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), BURST);
	for (i = 0; i < BURST; i++) {
		check_layout(&e->frames[i], PUSHED, 1);
		check_frame(e, &e->frames[i], 100 + i, ut_frame_len_for(i, 60, 2048));
	}
	/* Nothing to send: no doorbell. */
	{
		uint64_t kicks = e->fd.notifications;

		assert_int_equal(tx_xmit(e, pkts, 0), 0);
		assert_int_equal(e->fd.notifications, kicks);
	}
	tx_finish(e);

	/* INDIRECT_DESC changes nothing for a single segment with headroom. */
	tx_setup(e, 256, true);
	run_single_segment(e);
	tx_finish(e);
}

/* Segment counts and the layout each case must produce. */
static void
run_multiseg(struct tx_env *e, bool use_indirect, bool pushable)
{
	static const unsigned int segs[] = { 2, 3, 4, 5, 6, 7, 8, 15, 16, 24 };
	uint32_t seq = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(segs); i++) {
		unsigned int n = segs[i];
		uint32_t lens[] = { 64 * n, 1518, 300 * n + 7, RTE_MIN(9728u, 2000 * n) };
		unsigned int k;

		for (k = 0; k < RTE_DIM(lens); k++, seq++) {
			uint16_t headroom = pushable ? RTE_PKTMBUF_HEADROOM : 8;
			struct rte_mbuf *m = make_pkt(e, pool, seq, lens[k], n, headroom);
			enum layout l;

			if (pushable)
				l = PUSHED;
			else if (use_indirect && n < VIRTIO_TX_INDIRECT_MAX)
				l = INDIRECT;
			else
				l = CHAINED;
			send_one(e, m, seq, lens[k], l);
			if (!pushable) {
				/* Too little headroom for the header: left alone. */
				assert_true(ut_bytes_all(m->buf_addr, headroom, FILL));
			} else {
				assert_true(ut_bytes_all(m->buf_addr,
						RTE_PKTMBUF_HEADROOM - HDR_SIZE, FILL));
			}
		}
	}
	assert_int_equal(e->txq->stats.errors, 0);
	assert_int_equal(ut_dev_errors(&e->txq->vq), 0);
}

static void
test_tx_multiseg_pushed(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	tx_setup(e, 256, false);
	run_multiseg(e, false, true);
	tx_finish(e);
	tx_setup(e, 256, true);
	run_multiseg(e, true, true);
	tx_finish(e);
}

static void
test_tx_multiseg_indirect(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	tx_setup(e, 256, true);
	run_multiseg(e, true, false);
	tx_finish(e);
}

static void
test_tx_multiseg_chained(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	tx_setup(e, 256, false);
	run_multiseg(e, false, false);
	tx_finish(e);
}

/* Sizes 64..9728, every segment count that fits, every layout. */
static void
run_sizes(bool inorder)
{
	static const uint32_t sizes[] = { 64, 65, 127, 1000, 1514, 1518, 2048, 3000, 4096, 8192,
		9000, 9728 };
	struct tx_env *e = &env;
	unsigned int ind, push, i, n;
	uint32_t seq = 0;

	for (ind = 0; ind < 2; ind++) {
		tx_setup_mode(e, 256, ind == 1, inorder);
		for (push = 0; push < 2; push++) {
			for (i = 0; i < RTE_DIM(sizes); i++) {
				for (n = 1; n <= 8; n++, seq++) {
					uint32_t len = sizes[i];
					struct rte_mbuf *m;
					enum layout l;

					if ((len + n - 1) / n > 2048 - 8 || len < n)
						continue;
					m = make_pkt(e, pool, seq, len, n,
							push ? RTE_PKTMBUF_HEADROOM : 0);
					if (push)
						l = PUSHED;
					else if (ind && n > 1)
						l = INDIRECT;
					else
						l = CHAINED;
					send_one(e, m, seq, len, l);
				}
			}
		}
		assert_int_equal(e->txq->stats.errors, 0);
		tx_finish(e);
	}
}

static void
test_tx_sizes(void **state)
{
	RTE_SET_USED(state);
	run_sizes(false);
}

/* ---- headroom that must not be written ---- */

static void
run_no_push(struct tx_env *e, bool use_indirect)
{
	enum layout single = CHAINED;
	enum layout multi = use_indirect ? INDIRECT : CHAINED;
	struct rte_mbuf *m, *md, *mi;
	uint32_t len = 700;

	/* refcnt 2: someone else sees this buffer. */
	m = make_pkt(e, pool, 1, len, 1, RTE_PKTMBUF_HEADROOM);
	rte_pktmbuf_refcnt_update(m, 1);
	send_one(e, m, 1, len, single);
	assert_true(ut_bytes_all(m->buf_addr, RTE_PKTMBUF_HEADROOM, FILL));
	virtio_txq_cleanup(e->txq);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1); /* the driver dropped its reference */
	assert_true(ut_bytes_all(m->buf_addr, RTE_PKTMBUF_HEADROOM, FILL));
	rte_pktmbuf_free(m);

	/* Same with several segments. */
	m = make_pkt(e, pool, 2, 5000, 3, RTE_PKTMBUF_HEADROOM);
	rte_pktmbuf_refcnt_update(m, 1);
	send_one(e, m, 2, 5000, multi);
	virtio_txq_cleanup(e->txq);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_true(ut_bytes_all(m->buf_addr, RTE_PKTMBUF_HEADROOM, FILL));
	rte_pktmbuf_free(m);

	/* An indirect mbuf attached to a direct one: the buffer is shared. */
	md = make_pkt(e, pool, 3, len, 1, RTE_PKTMBUF_HEADROOM);
	mi = rte_pktmbuf_alloc(pool);
	assert_non_null(mi);
	rte_pktmbuf_attach(mi, md);
	assert_false(RTE_MBUF_DIRECT(mi));
	assert_int_equal(rte_mbuf_refcnt_read(md), 2);
	send_one(e, mi, 3, len, single);
	assert_true(ut_bytes_all(md->buf_addr, RTE_PKTMBUF_HEADROOM, FILL));
	virtio_txq_cleanup(e->txq);
	assert_int_equal(rte_mbuf_refcnt_read(md), 1);
	assert_true(ut_bytes_all(md->buf_addr, RTE_PKTMBUF_HEADROOM, FILL));
	rte_pktmbuf_free(md);

	/* Headroom smaller than the header (8 bytes), and none at all. */
	m = make_pkt(e, pool, 4, len, 1, HDR_SIZE - 4);
	send_one(e, m, 4, len, single);
	assert_true(ut_bytes_all(m->buf_addr, HDR_SIZE - 4, FILL));
	m = make_pkt(e, pool, 5, len, 1, 0);
	send_one(e, m, 5, len, single);
	m = make_pkt(e, pool, 6, 4000, 4, 0);
	send_one(e, m, 6, 4000, multi);

	/* Exactly the header size is enough. */
	m = make_pkt(e, pool, 7, len, 1, HDR_SIZE);
	send_one(e, m, 7, len, PUSHED);
	assert_ptr_equal(e->frames[0].first_buf, m->buf_addr);

	assert_int_equal(e->txq->stats.errors, 0);
}

static void
test_tx_headroom_not_written(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	tx_setup(e, 256, false);
	run_no_push(e, false);
	tx_finish(e);
	tx_setup(e, 256, true);
	run_no_push(e, true);
	tx_finish(e);
}

/* ---- ring full, cleanup ---- */

static void
run_ring_full(bool inorder)
{
	const unsigned int total = 100;
	struct tx_env *e = &env;
	struct rte_mbuf *pkts[100];
	unsigned int sent, i, got = 0;
	uint64_t kicks;
	uint16_t n;

	tx_setup_mode(e, 64, false, inorder);
	for (i = 0; i < total; i++)
		pkts[i] = make_pkt(e, pool, i, 100 + i, 1, RTE_PKTMBUF_HEADROOM);
	sent = tx_xmit(e, pkts, total);
	assert_true(sent < total);
	assert_int_equal(sent, 64);
	assert_int_equal(e->txq->vq.nfree, 0);
	/* Still full until the device completes something; no doorbell for nothing. */
	kicks = e->fd.notifications;
	assert_int_equal(tx_xmit(e, pkts + sent, total - sent), 0);
	assert_int_equal(e->fd.notifications, kicks);

	n = fake_tx_collect(&e->fd, e->frames, MAX_COLLECT);
	assert_int_equal(n, sent);
	for (i = 0; i < n; i++, got++)
		check_frame(e, &e->frames[i], got, 100 + got);
	while (sent < total) {
		n = tx_xmit(e, pkts + sent, total - sent);
		assert_true(n > 0);
		sent += n;
		n = fake_tx_collect(&e->fd, e->frames, MAX_COLLECT);
		for (i = 0; i < n; i++, got++)
			check_frame(e, &e->frames[i], got, 100 + got);
	}
	assert_int_equal(got, total);
	assert_int_equal(e->txq->stats.packets, total);
	tx_finish(e);

	/* Multi-descriptor chains: the packet that does not fit waits, whole. */
	tx_setup_mode(e, 16, false, inorder);
	for (i = 0; i < 6; i++)
		pkts[i] = make_pkt(e, pool, i, 3000, 3, 0); /* 4 descriptors each */
	assert_int_equal(tx_xmit(e, pkts, 6), 4);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 4);
	for (i = 0; i < 4; i++) {
		check_layout(&e->frames[i], CHAINED, 3);
		check_frame(e, &e->frames[i], i, 3000);
	}
	assert_int_equal(tx_xmit(e, pkts + 4, 2), 2);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 2);
	check_frame(e, &e->frames[0], 4, 3000);
	check_frame(e, &e->frames[1], 5, 3000);
	tx_finish(e);

	/*
	 * The ring fills in the middle of a burst while the device has already
	 * completed earlier chains: those are reclaimed and the burst goes on.
	 */
	tx_setup_mode(e, 64, false, inorder);
	for (i = 0; i < 8; i++)
		pkts[i] = make_pkt(e, pool, i, 900, 3, 0); /* 4 descriptors each */
	assert_int_equal(tx_xmit(e, pkts, 8), 8);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 8);
	assert_int_equal(e->txq->vq.nfree, 32);
	for (i = 0; i < 12; i++)
		pkts[i] = make_pkt(e, pool, 8 + i, 900, 3, 0);
	assert_int_equal(tx_xmit(e, pkts, 12), 12);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 12);
	for (i = 0; i < 12; i++)
		check_frame(e, &e->frames[i], 8 + i, 900);
	tx_finish(e);
}

static void
test_tx_ring_full(void **state)
{
	RTE_SET_USED(state);
	run_ring_full(false);
}

static void
test_tx_cleanup(void **state)
{
	struct tx_env *e = &env;
	struct rte_mbuf *pkts[50];
	unsigned int i, descs = 0, mbufs = 0;

	RTE_SET_USED(state);
	tx_setup(e, 256, false);
	for (i = 0; i < 50; i++) {
		unsigned int n = i % 4 + 1;
		uint16_t headroom = i % 3 == 0 ? 0 : RTE_PKTMBUF_HEADROOM;

		pkts[i] = make_pkt(e, pool, i, 200 * n, n, headroom);
		descs += n + (headroom == 0 ? 1 : 0);
		mbufs += n;
	}
	assert_int_equal(tx_xmit(e, pkts, 50), 50);
	assert_int_equal(e->txq->vq.nfree, 256 - descs);
	assert_int_equal(ut_pool_in_use(pool), mbufs);
	/* Nothing completed yet: nothing freed. */
	assert_int_equal(virtio_txq_cleanup(e->txq), 0);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 50);
	for (i = 0; i < 50; i++)
		check_frame(e, &e->frames[i], i, 200 * (i % 4 + 1));
	assert_int_equal(virtio_txq_cleanup(e->txq), descs);
	assert_int_equal(e->txq->vq.nfree, 256);
	assert_int_equal(ut_pool_in_use(pool), 0);
	tx_finish(e);

	/* The device never completes: stopping the queue still frees everything. */
	tx_setup(e, 256, true);
	for (i = 0; i < 50; i++)
		pkts[i] = make_pkt(e, pool, i, 3000, 3, i % 2 ? 0 : RTE_PKTMBUF_HEADROOM);
	assert_int_equal(tx_xmit(e, pkts, 50), 50);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, 20), 20);
	e->fd.hold = true;
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, 20), 20);
	assert_true(ut_pool_in_use(pool) > 0);
	tx_finish(e);
}

/* ---- packets that can never fit ---- */

static void
run_too_many_segs(struct tx_env *e)
{
	struct rte_mbuf *pkts[3];
	uint64_t errors = e->txq->stats.errors;
	uint64_t packets = e->txq->stats.packets;

	pkts[0] = make_pkt(e, pool, 1, 500, 1, RTE_PKTMBUF_HEADROOM);
	pkts[1] = make_pkt(e, pool, 2, 65 * 10, VIRTIO_TX_MAX_SEGS + 1, RTE_PKTMBUF_HEADROOM);
	pkts[2] = make_pkt(e, pool, 3, 600, 2, 0);
	assert_int_equal(tx_xmit(e, pkts, 3), 3);
	assert_int_equal(e->txq->stats.errors, errors + 1);
	assert_int_equal(e->txq->stats.packets, packets + 2);
	/* The oversize packet was freed at once, the others went out. */
	assert_int_equal(ut_pool_in_use(pool), 1 + 2);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 2);
	check_frame(e, &e->frames[0], 1, 500);
	check_frame(e, &e->frames[1], 3, 600);

	/* Exactly VIRTIO_TX_MAX_SEGS segments is fine, with and without headroom. */
	pkts[0] = make_pkt(e, pool, 4, 64 * 20, VIRTIO_TX_MAX_SEGS, RTE_PKTMBUF_HEADROOM);
	send_one(e, pkts[0], 4, 64 * 20, PUSHED);
	pkts[0] = make_pkt(e, pool, 5, 64 * 20, VIRTIO_TX_MAX_SEGS, 0);
	send_one(e, pkts[0], 5, 64 * 20, CHAINED);
	assert_int_equal(e->txq->stats.errors, errors + 1);

	/* The queue did not stall. */
	pkts[0] = make_pkt(e, pool, 6, 1518, 1, RTE_PKTMBUF_HEADROOM);
	send_one(e, pkts[0], 6, 1518, PUSHED);
}

static void
run_too_many_segments(bool inorder)
{
	struct tx_env *e = &env;
	struct rte_mbuf *pkts[2];

	tx_setup_mode(e, 256, false, inorder);
	run_too_many_segs(e);
	tx_finish(e);
	tx_setup_mode(e, 256, true, inorder);
	run_too_many_segs(e);
	tx_finish(e);

	/* More descriptors than the whole ring: dropped too, not waited for forever. */
	tx_setup_mode(e, 16, false, inorder);
	pkts[0] = make_pkt(e, pool, 1, 20 * 50, 20, RTE_PKTMBUF_HEADROOM);
	pkts[1] = make_pkt(e, pool, 2, 100, 1, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(tx_xmit(e, pkts, 2), 2);
	assert_int_equal(e->txq->stats.errors, 1);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 1);
	check_frame(e, &e->frames[0], 2, 100);
	/* 16 segments without headroom need 17 descriptors in a 16-entry ring. */
	pkts[0] = make_pkt(e, pool, 3, 16 * 50, 16, 0);
	assert_int_equal(tx_xmit(e, pkts, 1), 1);
	assert_int_equal(e->txq->stats.errors, 2);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 0);
	tx_finish(e);
}

static void
test_tx_too_many_segments(void **state)
{
	RTE_SET_USED(state);
	run_too_many_segments(false);
}

/* ---- bad device writes ---- */

static void
test_tx_bad_used_ids(void **state)
{
	struct tx_env *e = &env;
	struct virtqueue *vq;
	struct rte_mbuf *pkts[40];
	uint16_t free_id, uncollected;
	unsigned int i;

	RTE_SET_USED(state);
	tx_setup(e, 64, false);
	vq = &e->txq->vq;
	for (i = 0; i < 40; i++)
		pkts[i] = make_pkt(e, pool, i, 128, 1, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(tx_xmit(e, pkts, 40), 40);
	e->fd.hold = true;
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, 20), 20);
	for (i = 0; i < 20; i++)
		check_frame(e, &e->frames[i], i, 128);
	uncollected = e->fd.avail->ring[e->fd.last_avail & 63];
	assert_int_equal(fake_pick_not_in_flight(&e->fd, &free_id), 0);
	fake_inject_used(&e->fd, 64, 0);
	fake_inject_used(&e->fd, FAKE_BOGUS_ID, 0);
	fake_inject_used(&e->fd, 0x10000u | uncollected, 0); /* must not free that one */
	fake_inject_used(&e->fd, free_id, 0);
	assert_int_equal(fake_inject_duplicate(&e->fd), 0);
	e->fd.hold = false;
	assert_int_equal(fake_publish(&e->fd, UINT32_MAX, FAKE_ORDER_FIFO), 25);

	assert_int_equal(virtio_txq_cleanup(e->txq), 20);
	assert_int_equal(vq->errors.bad_used_id, 5);
	assert_int_equal(vq->errors.bad_used_idx, 0);
	assert_int_equal(ut_pool_in_use(pool), 20);
	assert_int_equal(vq->nfree, 64 - 20);

	/* The rest completes normally and the queue keeps working. */
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 20);
	for (i = 0; i < 20; i++)
		check_frame(e, &e->frames[i], 20 + i, 128);
	assert_int_equal(virtio_txq_cleanup(e->txq), 20);
	assert_int_equal(ut_pool_in_use(pool), 0);
	send_one(e, make_pkt(e, pool, 99, 1000, 1, RTE_PKTMBUF_HEADROOM), 99, 1000, PUSHED);
	assert_int_equal(vq->errors.bad_used_id, 5);
	tx_finish(e);
}

static void
test_tx_used_idx_jump(void **state)
{
	struct tx_env *e = &env;
	struct virtqueue *vq;
	struct rte_mbuf *pkts[32];
	unsigned int i, rounds = 0;

	RTE_SET_USED(state);
	tx_setup(e, 64, false);
	vq = &e->txq->vq;
	for (i = 0; i < 32; i++)
		pkts[i] = make_pkt(e, pool, i, 128, 1, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(tx_xmit(e, pkts, 32), 32);
	fake_used_idx_jump(&e->fd, 32 + 10);
	while (vq->used_cons != e->fd.used_idx) {
		assert_int_equal(virtio_txq_cleanup(e->txq), 0);
		assert_true(++rounds < 100);
	}
	assert_true(vq->errors.bad_used_idx >= 1);
	assert_int_equal(vq->errors.bad_used_id, 42);
	/* Nothing was freed while the device still owned it. */
	assert_int_equal(ut_pool_in_use(pool), 32);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 32);
	for (i = 0; i < 32; i++)
		check_frame(e, &e->frames[i], i, 128);
	assert_int_equal(virtio_txq_cleanup(e->txq), 32);
	assert_int_equal(ut_pool_in_use(pool), 0);
	send_one(e, make_pkt(e, pool, 77, 64, 1, RTE_PKTMBUF_HEADROOM), 77, 64, PUSHED);
	tx_finish(e);
}

/* ---- long runs and notification ---- */

static void
run_index_wrap(bool inorder)
{
	const uint32_t total = 70000;
	struct tx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	uint32_t sent = 0, seen = 0;

	tx_setup_mode(e, 256, true, inorder);
	while (seen < total) {
		uint16_t n = (uint16_t)RTE_MIN((uint32_t)BURST, total - sent);
		uint16_t i, done;
		int got;

		for (i = 0; i < n; i++) {
			uint32_t seq = sent + i;
			unsigned int segs = seq % 7 == 0 ? 3 : 1;

			pkts[i] = make_pkt(e, pool, seq, ut_frame_len_for(seq, 60, 400), segs,
					seq % 5 == 0 ? 0 : RTE_PKTMBUF_HEADROOM);
		}
		done = tx_xmit(e, pkts, n);
		for (i = done; i < n; i++)
			rte_pktmbuf_free(pkts[i]); /* not expected: checked below */
		assert_int_equal(done, n);
		sent += done;
		got = fake_tx_collect(&e->fd, e->frames, MAX_COLLECT);
		assert_int_equal(got, done);
		for (i = 0; i < got; i++, seen++)
			check_frame(e, &e->frames[i], seen, ut_frame_len_for(seen, 60, 400));
	}
	assert_int_equal(e->txq->stats.packets, total);
	assert_int_equal(e->txq->vq.avail_idx, (uint16_t)total);
	assert_int_equal(e->fd.used_idx, (uint16_t)total);
	assert_int_equal(ut_dev_errors(&e->txq->vq), 0);
	tx_finish(e);
}

static void
test_tx_index_wrap(void **state)
{
	RTE_SET_USED(state);
	run_index_wrap(false);
}

static void
test_tx_notification(void **state)
{
	struct tx_env *e = &env;
	uint64_t kicks;

	RTE_SET_USED(state);
	tx_setup(e, 64, false);
	/* The device asks for no kicks. */
	fake_set_used_flags(&e->fd, VRING_USED_F_NO_NOTIFY);
	kicks = e->fd.notifications;
	{
		struct rte_mbuf *m = make_pkt(e, pool, 1, 64, 1, RTE_PKTMBUF_HEADROOM);

		assert_int_equal(tx_xmit(e, &m, 1), 1);
	}
	assert_int_equal(e->fd.notifications, kicks);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 1);
	fake_set_used_flags(&e->fd, 0);
	send_one(e, make_pkt(e, pool, 2, 64, 1, RTE_PKTMBUF_HEADROOM), 2, 64, PUSHED);
	tx_finish(e);

	/* EVENT_IDX: the device names the avail index it wants to hear about. */
	tx_setup(e, 64, false);
	vq_split_reset(&e->txq->vq, true);
	fake_set_avail_event(&e->fd, 0);
	send_one(e, make_pkt(e, pool, 3, 64, 1, RTE_PKTMBUF_HEADROOM), 3, 64, PUSHED);
	kicks = e->fd.notifications;
	{
		struct rte_mbuf *m[3];
		unsigned int i;

		/* avail_event 0 is behind us now: no kick. */
		m[0] = make_pkt(e, pool, 4, 64, 1, RTE_PKTMBUF_HEADROOM);
		assert_int_equal(tx_xmit(e, m, 1), 1);
		assert_int_equal(e->fd.notifications, kicks);
		/* Wants a kick once entry 3 is published: a burst from 2 to 5 crosses it. */
		fake_set_avail_event(&e->fd, 3);
		for (i = 0; i < 3; i++)
			m[i] = make_pkt(e, pool, 5 + i, 64, 1, RTE_PKTMBUF_HEADROOM);
		assert_int_equal(tx_xmit(e, m, 3), 3);
		assert_int_equal(e->fd.notifications, kicks + 1);
	}
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 4);
	tx_finish(e);
}

/* ---- VIRTIO_F_IN_ORDER: virtio_xmit_pkts_inorder ---- */

/*
 * Overwrites the buffer of every mbuf the pool has free: a chain the driver
 * freed before the device was done with it then reaches the device spoiled.
 */
static void
poison_free_mbufs(struct rte_mempool *mp)
{
	static struct rte_mbuf *m[POOL_SIZE];
	unsigned int n = 0;

	while (n < RTE_DIM(m) && (m[n] = rte_pktmbuf_alloc(mp)) != NULL) {
		memset(m[n]->buf_addr, 0xee, m[n]->buf_len);
		n++;
	}
	rte_pktmbuf_free_bulk(m, n);
}

/* Mbufs of the pools not free: none may have been freed twice. */
static unsigned int
mbufs_in_use(void)
{
	assert_true(rte_mempool_avail_count(pool) <= POOL_SIZE);
	assert_true(rte_mempool_avail_count(jumbo) <= jumbo->size);
	return ut_pool_in_use(pool) + ut_pool_in_use(jumbo);
}

static void
test_tx_inorder_single_segment(void **state)
{
	struct tx_env *e = &env;
	struct rte_mbuf *pkts[BURST];
	unsigned int ind, i;

	RTE_SET_USED(state);
	for (ind = 0; ind < 2; ind++) {
		tx_setup_mode(e, 256, ind == 1, true);
		run_single_segment(e);
		for (i = 0; i < BURST; i++)
			pkts[i] = make_pkt(e, pool, 100 + i, ut_frame_len_for(i, 60, 1518), 1,
					RTE_PKTMBUF_HEADROOM);
		assert_int_equal(tx_xmit(e, pkts, BURST), BURST);
		assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), BURST);
		for (i = 0; i < BURST; i++) {
			check_layout(&e->frames[i], PUSHED, 1);
			check_frame(e, &e->frames[i], 100 + i, ut_frame_len_for(i, 60, 1518));
		}
		/* One descriptor per packet, handed out 0, 1, 2, ... */
		assert_int_equal(e->fd.next_head, (12 + BURST) % 256);
		assert_int_equal(tx_clean(e), 12 + BURST);
		assert_int_equal(mbufs_in_use(), 0);
		tx_finish(e);
	}
}

static void
test_tx_inorder_multiseg(void **state)
{
	struct tx_env *e = &env;
	unsigned int ind;

	RTE_SET_USED(state);
	for (ind = 0; ind < 2; ind++) {
		tx_setup_mode(e, 256, ind == 1, true);
		run_multiseg(e, ind == 1, true); /* pushed */
		tx_finish(e);
	}
	tx_setup_mode(e, 256, true, true);
	run_multiseg(e, true, false); /* indirect */
	tx_finish(e);
	tx_setup_mode(e, 256, false, true);
	run_multiseg(e, false, false); /* chained */
	tx_finish(e);
}

static void
test_tx_inorder_sizes(void **state)
{
	RTE_SET_USED(state);
	run_sizes(true);
}

static void
test_tx_inorder_ring_full(void **state)
{
	RTE_SET_USED(state);
	run_ring_full(true);
}

static void
test_tx_inorder_too_many_segments(void **state)
{
	RTE_SET_USED(state);
	run_too_many_segments(true);
}

/*
 * Packet `seq` of a long mixed run: every layout, frames from 60 to 9728
 * bytes, so that chains of 1 to 6 descriptors cross the end of the ring.
 */
static struct rte_mbuf *
mixed_pkt(struct tx_env *e, uint32_t seq, uint32_t *len)
{
	unsigned int kind = seq % 11;

	if (kind == 3) { /* jumbo, one segment */
		*len = ut_frame_len_for(seq, 2049, UT_MAX_FRAME);
		return make_pkt(e, jumbo, seq, *len, 1, seq % 2 ? RTE_PKTMBUF_HEADROOM : 0);
	}
	if (kind == 7) { /* jumbo in 5 segments: pushed, indirect or chained */
		*len = ut_frame_len_for(seq, 5000, UT_MAX_FRAME);
		return make_pkt(e, pool, seq, *len, 5, seq % 3 ? 0 : RTE_PKTMBUF_HEADROOM);
	}
	*len = ut_frame_len_for(seq, 60, 1518);
	return make_pkt(e, pool, seq, *len, kind % 3 + 1, kind % 2 ? 0 : RTE_PKTMBUF_HEADROOM);
}

/*
 * More than 65536 packets through a ring of 256. The device collects in
 * batches of varying size; with last_only it writes just the last used
 * element of each batch. Every frame arrives intact and in order, chains
 * start where the previous one ended (the fake checks it, through the
 * wrap), and cleanup gives back every mbuf.
 */
static void
run_inorder_wrap(struct tx_env *e, bool use_indirect, bool last_only, uint32_t total)
{
	static uint32_t lens[MAX_COLLECT];
	struct rte_mbuf *pkts[BURST];
	uint32_t sent = 0, seen = 0, rnd = 7;
	uint64_t descs = 0, bytes = 0;

	tx_setup_mode(e, 256, use_indirect, true);
	e->fd.used_last_only = last_only;
	while (seen < total) {
		uint16_t n = (uint16_t)RTE_MIN(ut_rand(&rnd) % BURST + 1, total - sent);
		uint16_t i, done;

		for (i = 0; i < n; i++)
			pkts[i] = mixed_pkt(e, sent + i, &lens[(sent + i) % MAX_COLLECT]);
		done = tx_xmit(e, pkts, n);
		/* Ring full: what did not go is built again next time. */
		for (i = done; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		for (i = 0; i < done; i++)
			bytes += lens[(sent + i) % MAX_COLLECT];
		assert_true(done > 0 || sent > seen);
		sent += done;
		/* The device lags behind by up to a few bursts. */
		if (ut_rand(&rnd) % 3 == 0 && sent < total)
			continue;
		while (seen < sent) {
			int got = fake_tx_collect(&e->fd, e->frames, ut_rand(&rnd) % 48 + 1);

			assert_true(got > 0);
			for (i = 0; i < got; i++, seen++) {
				check_frame(e, &e->frames[i], seen, lens[seen % MAX_COLLECT]);
				descs += e->frames[i].ring_descs;
			}
		}
	}
	assert_int_equal(e->fd.protocol_errors, 0);
	assert_int_equal(e->txq->stats.packets, total);
	assert_int_equal(e->txq->stats.bytes, bytes);
	assert_int_equal(e->txq->stats.errors, 0);
	assert_int_equal(e->fd.chains_taken, total);
	assert_int_equal(e->fd.next_head, descs % 256);
	assert_int_equal(e->fd.seq_errors, 0);
	assert_int_equal(e->fd.used_idx, (uint16_t)total);
	assert_true(descs > 65536 + total / 8); /* descriptor ids wrapped many times */
	if (last_only)
		assert_true(e->fd.garbage_written > total / 4);
	/* Everything the device completed is freed by cleanup, not by stop. */
	tx_clean(e);
	assert_int_equal(e->txq->vq.nfree, 256);
	assert_int_equal(mbufs_in_use(), 0);
	assert_int_equal(ut_dev_errors(&e->txq->vq), 0);
	tx_finish(e);
}

static void
test_tx_inorder_desc_id_wrap(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	run_inorder_wrap(e, false, false, 70000);
	run_inorder_wrap(e, true, false, 70000);
}

static void
test_tx_inorder_desc_id_wrap_last_used_only(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	run_inorder_wrap(e, false, true, 70000);
	run_inorder_wrap(e, true, true, 70000);
}

/*
 * The device writes only the last used element of each batch, garbage (ids
 * of chains in flight included) or stale entries in the others: cleanup
 * frees exactly the chains completed, oldest first, and nothing else.
 */
static void
test_tx_inorder_last_used_only(void **state)
{
	static const unsigned int bursts[] = { 1, 5, 40, 3, 17, 2, 33, 64, 9, 1, 50 };
	static const unsigned int batches[] = { 1, 3, 7, 2, 11, 30, 4, 1, 64, 5 };
	struct tx_env *e = &env;
	struct virtqueue *vq;
	struct rte_mbuf *pkts[64];
	uint32_t seq = 0, seen = 0, rnd = 3;
	unsigned int r, b = 0, i;

	RTE_SET_USED(state);
	tx_setup_mode(e, 64, false, true);
	vq = &e->txq->vq;
	e->fd.used_last_only = true;
	for (r = 0; r < 40; r++) {
		unsigned int n = bursts[r % RTE_DIM(bursts)];
		unsigned int in_ring;
		uint16_t done;

		/* Two descriptors per packet (header from the slot), two mbufs. */
		for (i = 0; i < n; i++)
			pkts[i] = make_pkt(e, pool, seq + i, 100 + (seq + i) % 1400, 2,
					RTE_PKTMBUF_HEADROOM);
		done = tx_xmit(e, pkts, (uint16_t)n);
		for (i = done; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		seq += done;
		in_ring = seq - seen;
		while (seen < seq) {
			unsigned int want = batches[b++ % RTE_DIM(batches)];
			uint16_t freed;
			int got;

			/* The device works on a batch and writes one used element. */
			got = fake_tx_collect(&e->fd, e->frames, want);
			assert_true(got > 0);
			for (i = 0; i < (unsigned int)got; i++, seen++)
				check_frame(e, &e->frames[i], seen, 100 + seen % 1400);
			/* Exactly that batch is freed, whatever the other elements say. */
			freed = tx_clean(e);
			assert_int_equal(freed, 2 * in_ring - 2 * (seq - seen));
			in_ring = seq - seen;
			assert_int_equal(mbufs_in_use(), 2 * in_ring);
			assert_int_equal(vq->nfree, 64 - 2 * in_ring);
			/* Whatever is still in flight must reach the device intact. */
			poison_free_mbufs(pool);
			if (ut_rand(&rnd) % 4 == 0)
				break; /* leave some in flight across bursts */
		}
	}
	assert_true(e->fd.garbage_written > 0);
	assert_int_equal(vq->errors.bad_used_id, 0);
	assert_int_equal(vq->errors.bad_used_idx, 0);
	assert_int_equal(e->txq->stats.errors, 0);

	/* A batch of 200 chains, more than one bulk free: all freed. */
	tx_finish(e);
	tx_setup_mode(e, 256, false, true);
	e->fd.used_last_only = true;
	for (r = 0; r < 200; r += BURST) {
		unsigned int n = RTE_MIN((unsigned int)BURST, 200u - r);

		for (i = 0; i < n; i++)
			pkts[i] = make_pkt(e, pool, r + i, 64, 1, RTE_PKTMBUF_HEADROOM);
		assert_int_equal(tx_xmit(e, pkts, (uint16_t)n), n);
	}
	assert_int_equal(mbufs_in_use(), 200);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 200);
	assert_int_equal(e->fd.garbage_written, 199);
	assert_int_equal(tx_clean(e), 200);
	assert_int_equal(mbufs_in_use(), 0);
	assert_int_equal(e->txq->vq.nfree, 256);
	assert_int_equal(ut_dev_errors(&e->txq->vq), 0);
	tx_finish(e);
}

/* Cleanup in order: counts, partial completion, nothing freed early. */
static void
test_tx_inorder_cleanup(void **state)
{
	struct tx_env *e = &env;
	struct rte_mbuf *pkts[50];
	unsigned int i, descs = 0, mbufs = 0, first_descs = 0, first_mbufs = 0;

	RTE_SET_USED(state);
	tx_setup_mode(e, 256, false, true);
	for (i = 0; i < 50; i++) {
		unsigned int n = i % 4 + 1;
		uint16_t headroom = i % 3 == 0 ? 0 : RTE_PKTMBUF_HEADROOM;
		unsigned int d = n + (headroom == 0 ? 1 : 0);

		pkts[i] = make_pkt(e, pool, i, 200 * n, n, headroom);
		descs += d;
		mbufs += n;
		if (i < 20) {
			first_descs += d;
			first_mbufs += n;
		}
	}
	assert_int_equal(tx_xmit(e, pkts, 50), 50);
	assert_int_equal(e->txq->vq.nfree, 256 - descs);
	assert_int_equal(tx_clean(e), 0);
	assert_int_equal(mbufs_in_use(), mbufs);
	/* The device completes the first 20: those and only those are freed. */
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, 20), 20);
	for (i = 0; i < 20; i++)
		check_frame(e, &e->frames[i], i, 200 * (i % 4 + 1));
	assert_int_equal(tx_clean(e), first_descs);
	assert_int_equal(tx_clean(e), 0);
	assert_int_equal(mbufs_in_use(), mbufs - first_mbufs);
	poison_free_mbufs(pool);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 30);
	for (i = 0; i < 30; i++)
		check_frame(e, &e->frames[i], 20 + i, 200 * ((20 + i) % 4 + 1));
	assert_int_equal(tx_clean(e), descs - first_descs);
	assert_int_equal(e->txq->vq.nfree, 256);
	assert_int_equal(mbufs_in_use(), 0);
	assert_int_equal(ut_dev_errors(&e->txq->vq), 0);
	tx_finish(e);

	/* The device never completes: stopping the queue still frees everything. */
	tx_setup_mode(e, 256, true, true);
	for (i = 0; i < 40; i++)
		pkts[i] = make_pkt(e, pool, i, 3000, 3, i % 2 ? 0 : RTE_PKTMBUF_HEADROOM);
	assert_int_equal(tx_xmit(e, pkts, 40), 40);
	e->fd.hold = true;
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, 20), 20);
	assert_true(mbufs_in_use() > 0);
	tx_finish(e);
}

/*
 * used->idx jumps past what is in flight. An in-order driver cannot tell
 * real completions from bogus ones, but it must count the jump, never free
 * more chains than it has in flight, never free a chain twice, and get every
 * mbuf back by the end.
 */
static void
run_inorder_used_idx_jump(struct tx_env *e, unsigned int nsegs, uint16_t headroom,
		uint16_t jump_extra)
{
	const unsigned int npkts = 8;
	struct virtqueue *vq;
	struct rte_mbuf *pkts[8];
	unsigned int i, rounds;
	uint16_t chain_descs = (uint16_t)(nsegs + (headroom == 0 ? 1 : 0));
	uint16_t freed = 0;

	tx_setup_mode(e, 64, false, true);
	vq = &e->txq->vq;
	for (i = 0; i < npkts; i++)
		pkts[i] = make_pkt(e, pool, i, 600, nsegs, headroom);
	assert_int_equal(tx_xmit(e, pkts, npkts), npkts);
	assert_int_equal(mbufs_in_use(), npkts * nsegs);
	fake_used_idx_jump(&e->fd, (uint16_t)(npkts + jump_extra));
	for (rounds = 0; rounds < 5; rounds++) {
		freed += tx_clean(e);
		assert_true(vq->nfree <= vq->size);
		assert_int_equal(vq->nfree, 64 - npkts * chain_descs + freed);
		/* Whole chains only, each at most once. */
		assert_int_equal(freed % chain_descs, 0);
		assert_true(freed <= npkts * chain_descs);
		assert_int_equal(mbufs_in_use(), (npkts - freed / chain_descs) * nsegs);
	}
	assert_true(vq->errors.bad_used_idx >= 1);
	assert_int_equal(vq->errors.bad_used_id + vq->errors.bad_used_len, 0);
	/* The device then really sends the chains; nothing is freed a second time. */
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), npkts);
	for (rounds = 0; rounds < 5; rounds++) {
		tx_clean(e);
		assert_true(vq->nfree <= vq->size);
		assert_int_equal(mbufs_in_use(), 0);
	}
	assert_int_equal(vq->nfree, 64);
	assert_int_equal(e->txq->stats.errors, 0);
	tx_finish(e);
}

static void
test_tx_inorder_used_idx_jump(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	/* One descriptor per chain: more used entries than descriptors in flight. */
	run_inorder_used_idx_jump(e, 1, RTE_PKTMBUF_HEADROOM, 10);
	run_inorder_used_idx_jump(e, 1, RTE_PKTMBUF_HEADROOM, 1);
	/* Four per chain: more entries than chains, fewer than descriptors. */
	run_inorder_used_idx_jump(e, 3, 0, 4);
	run_inorder_used_idx_jump(e, 3, 0, 1);
	run_inorder_used_idx_jump(e, 3, 0, 40);
}

/*
 * Regression: after used->idx jumped past what was in flight, the in-order
 * path freed chains the device had not read and never got back in step.
 * Now a claim of more completions than chains in flight is counted in
 * bad_used_idx and skipped without freeing anything, and later frames reach
 * the device intact.
 */
static void
run_inorder_jump_recovery(struct tx_env *e, unsigned int nsegs, uint16_t headroom,
		uint16_t jump_extra)
{
	struct rte_mbuf *pkts[8];
	unsigned int i, r;

	tx_setup_mode(e, 64, false, true);
	for (i = 0; i < 8; i++)
		pkts[i] = make_pkt(e, pool, i, 600, nsegs, headroom);
	assert_int_equal(tx_xmit(e, pkts, 8), 8);
	fake_used_idx_jump(&e->fd, (uint16_t)(8 + jump_extra));
	for (r = 0; r < 3; r++)
		tx_clean(e);
	assert_true(e->txq->vq.errors.bad_used_idx >= 1);
	/* The chains in flight at the jump reach the device intact. */
	poison_free_mbufs(pool);
	assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 8);
	for (i = 0; i < 8; i++)
		check_frame(e, &e->frames[i], i, 600);
	tx_clean(e);
	/* And later traffic is not freed before the device has read it either. */
	for (r = 0; r < 10; r++) {
		for (i = 0; i < 8; i++)
			pkts[i] = make_pkt(e, pool, 100 * r + i, 300 + r, nsegs, headroom);
		assert_int_equal(tx_xmit(e, pkts, 8), 8);
		tx_clean(e);
		poison_free_mbufs(pool);
		assert_int_equal(fake_tx_collect(&e->fd, e->frames, MAX_COLLECT), 8);
		for (i = 0; i < 8; i++)
			check_frame(e, &e->frames[i], 100 * r + i, 300 + r);
		tx_clean(e);
	}
	assert_int_equal(mbufs_in_use(), 0);
	tx_finish(e);
}

static void
test_tx_inorder_used_idx_jump_recovery(void **state)
{
	struct tx_env *e = &env;

	RTE_SET_USED(state);
	run_inorder_jump_recovery(e, 1, RTE_PKTMBUF_HEADROOM, 10);
	run_inorder_jump_recovery(e, 3, 0, 4);
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	return ut_eal_init("split_tx");
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	free(env.frames);
	ut_eal_fini();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, tx_pool_setup, tx_cleanup)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tx_single_segment),
		T(test_tx_multiseg_pushed),
		T(test_tx_multiseg_indirect),
		T(test_tx_multiseg_chained),
		T(test_tx_sizes),
		T(test_tx_headroom_not_written),
		T(test_tx_ring_full),
		T(test_tx_cleanup),
		T(test_tx_too_many_segments),
		T(test_tx_bad_used_ids),
		T(test_tx_used_idx_jump),
		T(test_tx_index_wrap),
		T(test_tx_notification),
		T(test_tx_inorder_single_segment),
		T(test_tx_inorder_multiseg),
		T(test_tx_inorder_sizes),
		T(test_tx_inorder_desc_id_wrap),
		T(test_tx_inorder_desc_id_wrap_last_used_only),
		T(test_tx_inorder_last_used_only),
		T(test_tx_inorder_cleanup),
		T(test_tx_inorder_ring_full),
		T(test_tx_inorder_too_many_segments),
		T(test_tx_inorder_used_idx_jump),
		T(test_tx_inorder_used_idx_jump_recovery),
	};

	return cmocka_run_group_tests_name("split_tx", tests, group_setup, group_teardown);
}
