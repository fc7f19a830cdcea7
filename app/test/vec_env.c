/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
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
#include <rte_cpuflags.h>
#include <rte_mbuf.h>

#include "vec_env.h"

struct rte_mempool *vec_pool;

/* One queue of each kind: cases run one after the other, teardowns find them here. */
static struct vec_rx rx_env;
static struct vec_tx tx_env;

int
vec_pool_setup(void **state)
{
	RTE_SET_USED(state);
	vec_pool = ut_pool_create("ut_vec_pool", POOL_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE);
	return vec_pool == NULL ? -1 : 0;
}

/* The rest of a cmocka teardown, once the queue is gone. */
static int
pool_teardown(void)
{
	rte_mempool_free(vec_pool);
	vec_pool = NULL;
	return 0;
}

uint32_t
vec_len_small(uint32_t seq)
{
	return ut_frame_len_for(seq, MIN_FRAME, 300);
}

uint32_t
vec_len_any(uint32_t seq)
{
	return ut_frame_len_for(seq, MIN_FRAME, MAX_ONE_BUF);
}

/* ---- Rx ---- */

struct vec_rx *
vec_rx_start(const struct vec_rx_path *path, struct virtio_queue_params *p)
{
	struct vec_rx *e = &rx_env;

	assert_true(!path->avx2 || rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0);
	assert_null(e->rxq);
	/* Not the hog: it is empty between cases, and large. */
	memset(e, 0, offsetof(struct vec_rx, hog));
	e->path = path;
	e->port = p->port_id;
	assert_int_equal(ut_rxq_create(&e->q, p, vec_pool), 0);
	e->rxq = e->q.rxq;
	e->fd = &e->q.fd;
	/*
	 * The fake's in-order mode also demands buffer ids in sequence, which
	 * an in-order packed device does not ask of the driver on Rx (see
	 * test_packed_vec.c); the split cases run a device in any order.
	 */
	e->fd->in_order = false;
	/* Dirty before the fill too: the fill takes its mbufs raw as well. */
	assert_int_equal(ut_pool_dirty(vec_pool), POOL_SIZE);
	assert_int_equal(virtio_rxq_fill(e->rxq), p->size);
	assert_int_equal(fake_avail_pending(e->fd), p->size);
	assert_int_equal(ut_pool_dirty(vec_pool), POOL_SIZE - p->size);
	return e;
}

void
vec_rx_release(struct vec_rx *e)
{
	ut_hog_release(&e->hog);
	ut_rxq_destroy(&e->q);
	e->rxq = NULL;
}

int
vec_rx_teardown(void **state)
{
	RTE_SET_USED(state);
	vec_rx_release(&rx_env);
	return pool_teardown();
}

void
vec_rx_finish(struct vec_rx *e)
{
	struct virtqueue *vq = &e->rxq->vq;

	assert_int_equal(e->fd->protocol_errors, 0);
	ut_hog_release(&e->hog);
	virtio_rxq_reclaim(e->rxq);
	assert_int_equal(vq->nfree, vq->size);
	vec_rx_release(e);
	assert_int_equal(ut_pool_in_use(vec_pool), 0);
}

uint16_t
vec_rx_burst(struct vec_rx *e, struct rte_mbuf **pkts, uint16_t n)
{
	return e->path->burst(e->rxq, pkts, n);
}

void
vec_rx_check_stats(struct vec_rx *e, uint64_t errors)
{
	assert_int_equal(e->rxq->stats.packets, e->packets);
	assert_int_equal(e->rxq->stats.bytes, e->bytes);
	assert_int_equal(e->rxq->stats.errors, errors);
	assert_int_equal(ut_dev_errors(&e->rxq->vq), errors);
}

int
vec_deliver(struct vec_rx *e, uint32_t seq, uint32_t len)
{
	ut_frame_fill(e->frame, len, seq);
	return fake_rx_deliver(e->fd, e->frame, len, NULL);
}

int
vec_deliver_next(struct vec_rx *e, uint32_t ahead, vec_len_fn *len_of)
{
	uint32_t seq = (uint32_t)e->packets + ahead;

	return vec_deliver(e, seq, len_of(seq));
}

void
vec_check_pkt(struct vec_rx *e, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	const char *bad = ut_rx_pkt_check(m, seq, len, e->port);

	if (bad != NULL)
		fail_msg("%s Rx, frame %u of %u bytes: %s", e->path->name, seq, len, bad);
	e->packets++;
	e->bytes += len;
	ut_mbuf_free_dirty(m);
}

void
vec_recv_exact(struct vec_rx *e, uint16_t max, uint16_t n, uint32_t seq, vec_len_fn *len_of)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t i;

	assert_true(max <= MAX_BURST);
	assert_int_equal(vec_rx_burst(e, pkts, max), n);
	for (i = 0; i < n; i++)
		vec_check_pkt(e, pkts[i], seq + i, len_of(seq + i));
}

void
vec_rx_pass_one(struct vec_rx *e)
{
	assert_int_equal(vec_deliver_next(e, 0, vec_len_small), 1);
	vec_recv_exact(e, 1, 1, (uint32_t)e->packets, vec_len_small);
}

void
vec_rx_laps(struct vec_rx *e, uint32_t total, vec_len_fn *len_of, uint32_t seed,
		vec_rx_bait_fn *bait)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint32_t sent = 0, seen = 0, rnd = seed;

	while (seen < total) {
		uint32_t ahead = ut_rand(&rnd) % 48 + 1;
		uint16_t want = (uint16_t)(ut_rand(&rnd) % 40 + 1), n, i;

		while (sent < total && sent - seen < ahead &&
				vec_deliver_next(e, sent - seen, len_of) > 0)
			sent++;
		assert_true(sent > seen);
		bait(e, want, sent - seen);
		n = vec_rx_burst(e, pkts, want);
		assert_int_equal(n, RTE_MIN((uint32_t)want, sent - seen));
		for (i = 0; i < n; i++, seen++)
			vec_check_pkt(e, pkts[i], (uint32_t)e->packets,
					len_of((uint32_t)e->packets));
	}
}

void
vec_rx_frame_sizes(struct vec_rx *e)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint32_t len = MIN_FRAME, k = 0;

	while (len <= MAX_ONE_BUF) {
		/* Bursts of 1..40 frames, each frame as long as its number. */
		uint32_t n = RTE_MIN(k++ % 40 + 1, MAX_ONE_BUF + 1 - len), i;

		for (i = 0; i < n; i++)
			assert_int_equal(vec_deliver(e, len + i, len + i), 1);
		assert_int_equal(vec_rx_burst(e, pkts, MAX_BURST), n);
		for (i = 0; i < n; i++)
			vec_check_pkt(e, pkts[i], len + i, len + i);
		len += n;
	}
	/* One byte more than a buffer holds cannot be delivered without mergeable buffers. */
	assert_int_equal(vec_deliver(e, 1, MAX_ONE_BUF + 1), -EMSGSIZE);
	assert_int_equal(e->packets, MAX_ONE_BUF - MIN_FRAME + 1);
	vec_rx_check_stats(e, 0);
	assert_int_equal(e->rxq->stats.nombuf, 0);
}

void
vec_rx_burst_sizes(struct vec_rx *e, const uint16_t *extras, unsigned int nextras,
		uint16_t posted_min)
{
	uint32_t sent = 0, seen = 0;
	uint16_t b;
	unsigned int x;

	for (b = 1; b <= 40; b++) {
		for (x = 0; x < nextras; x++) {
			uint16_t want = b + extras[x];

			while (sent - seen < want && vec_deliver(e, sent, vec_len_small(sent)) > 0)
				sent++;
			/* As many as asked, unless the driver left buffers unposted. */
			if (want <= posted_min)
				assert_int_equal(sent - seen, want);
			else
				assert_true(sent - seen >= posted_min);
			while (seen < sent) {
				uint16_t n = (uint16_t)RTE_MIN((uint32_t)b, sent - seen);

				vec_recv_exact(e, b, n, seen, vec_len_small);
				seen += n;
			}
			/* Nothing left: an empty poll returns nothing. */
			vec_recv_exact(e, b, 0, seen, vec_len_small);
		}
	}
	assert_int_equal(e->packets, sent);
	vec_rx_check_stats(e, 0);
}

uint32_t
vec_rx_fill_then_starve(struct vec_rx *e)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t size = e->rxq->vq.size;
	unsigned int kept = 0;
	uint32_t seq = 0, i;

	assert_true(size > 40);
	/* Nothing used: an empty poll. */
	vec_recv_exact(e, 40, 0, 0, vec_len_small);
	/* Full: as many used as the ring has entries. */
	while (vec_deliver(e, seq, vec_len_small(seq)) > 0)
		seq++;
	assert_int_equal(seq, size);
	vec_recv_exact(e, 40, 40, 0, vec_len_small);
	vec_recv_exact(e, 40, size - 40, 40, vec_len_small);
	assert_int_equal(fake_avail_pending(e->fd), size); /* all reposted */

	/* Empty: no mbuf to repost, every posted buffer used and kept by the application. */
	assert_true(ut_hog_take(&e->hog, vec_pool, 0));
	while (kept < size) {
		uint16_t n;

		for (i = 0; i < 40 && vec_deliver(e, seq + i, vec_len_small(seq + i)) > 0; i++)
			;
		n = vec_rx_burst(e, pkts, MAX_BURST);
		assert_int_equal(n, i);
		assert_true(n > 0);
		for (i = 0; i < n; i++, seq++) {
			assert_null(ut_rx_pkt_check(pkts[i], seq, vec_len_small(seq), e->port));
			e->packets++;
			e->bytes += vec_len_small(seq);
			assert_true(ut_hog_keep(&e->hog, pkts[i]));
			kept++;
		}
	}
	assert_int_equal(e->rxq->vq.nfree, size);
	assert_true(e->rxq->stats.nombuf > 0);
	assert_int_equal(vec_deliver(e, seq, 100), -ENOSPC);
	for (i = 0; i < 3; i++)
		vec_recv_exact(e, 40, 0, seq, vec_len_small);
	return seq;
}

/* ---- Tx ---- */

struct vec_tx *
vec_tx_start(uint16_t (*xmit)(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts),
		struct virtio_queue_params *p, bool use_indirect)
{
	struct vec_tx *e = &tx_env;

	assert_null(e->txq);
	e->xmit = xmit;
	e->packets = 0;
	e->bytes = 0;
	assert_int_equal(ut_txq_create(&e->q, p, use_indirect, FILL, &vec_pool, 1), 0);
	e->txq = e->q.txq;
	e->fd = &e->q.fd;
	if (e->frames == NULL)
		e->frames = calloc(MAX_COLLECT, sizeof(*e->frames));
	assert_non_null(e->frames);
	return e;
}

int
vec_tx_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_txq_destroy(&tx_env.q);
	tx_env.txq = NULL;
	free(tx_env.frames);
	tx_env.frames = NULL;
	return pool_teardown();
}

void
vec_tx_finish(struct vec_tx *e)
{
	struct virtqueue *vq = &e->txq->vq;

	assert_int_equal(e->fd->protocol_errors, 0);
	assert_int_equal(e->txq->stats.packets, e->packets);
	assert_int_equal(e->txq->stats.bytes, e->bytes);
	virtio_txq_reclaim(e->txq);
	assert_int_equal(vq->nfree, vq->size);
	ut_txq_destroy(&e->q);
	e->txq = NULL;
	assert_int_equal(ut_pool_in_use(vec_pool), 0);
}

uint16_t
vec_tx_xmit(struct vec_tx *e, struct rte_mbuf **pkts, uint16_t n)
{
	return e->xmit(e->txq, pkts, n);
}

void
vec_tx_account(struct vec_tx *e, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		e->packets++;
		e->bytes += pkts[i]->pkt_len;
	}
}

void
vec_send_all(struct vec_tx *e, struct rte_mbuf **pkts, uint16_t n)
{
	/* Counted before: once sent, the mbufs are the driver's. */
	vec_tx_account(e, pkts, n);
	assert_int_equal(vec_tx_xmit(e, pkts, n), n);
}

struct rte_mbuf *
vec_make_pkt(struct vec_tx *e, uint32_t seq, uint32_t len, unsigned int nsegs, uint16_t headroom)
{
	struct rte_mbuf *m;

	ut_frame_fill(e->frame, len, seq);
	m = ut_mbuf_build(vec_pool, e->frame, len, nsegs, headroom, FILL);
	assert_non_null(m);
	assert_int_equal(m->nb_segs, nsegs);
	return m;
}

void
vec_check_frame_data(struct vec_tx *e, const struct fake_tx_frame *f, uint32_t seq, uint32_t len)
{
	assert_true(ut_bytes_all(f->hdr, HDR_SIZE, 0));
	assert_int_equal(f->len, len);
	ut_frame_fill(e->frame, len, seq);
	assert_memory_equal(f->data, e->frame, len);
}
