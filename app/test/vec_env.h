/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * What the tests of the vectorized split (test_split_vec.c) and packed
 * (test_packed_vec.c) paths share: the mbuf pool of a case, an Rx queue
 * polled through the vectorized burst under test, a Tx queue, and the Rx
 * scenarios whose logic does not depend on the ring layout. Each test file
 * keeps what belongs to its layout: the queue parameters, the bait past the
 * ring's end, and the checks a scenario ends with.
 *
 * The Rx paths take mbufs raw from the pool, so the pool is dirtied before
 * the fill and every received mbuf again before it goes back: a field a
 * burst does not write shows up.
 */

#ifndef VEC_ENV_H
#define VEC_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fake_device.h"
#include "rxtx/rxtx.h"
#include "ut_common.h"

#define HDR_SIZE    12 /* VERSION_1: struct virtio_net_hdr_mrg_rxbuf */
#define POOL_SIZE   4095
#define MAX_BURST   64
#define MAX_ONE_BUF 2048 /* largest frame one default mbuf takes */
#define MIN_FRAME   60
#define BAIT_LEN    (MIN_FRAME - 1) /* a length no frame of these tests has */
#define MAX_COLLECT 1100 /* Tx frames one collect returns at most */
#define TRACKED	    2048 /* Tx packets in flight at most: the largest ring and a burst */
#define FILL	    0xa5 /* headroom and slot bytes before the driver writes */

/* The pool of the running case: a fresh one per case, so that a failing case cannot leak. */
extern struct rte_mempool *vec_pool;

/* cmocka setup of every case: creates vec_pool. */
int vec_pool_setup(void **state);

/* Frame length of sequence number `seq`. */
typedef uint32_t vec_len_fn(uint32_t seq);

/* 60 to 300 bytes, and 60 bytes to what one mbuf takes. */
uint32_t vec_len_small(uint32_t seq);
uint32_t vec_len_any(uint32_t seq);

/* ---- Rx ---- */

/* A vectorized Rx burst under test. */
struct vec_rx_path {
	const char *name; /* what failure messages call it */
	uint16_t (*burst)(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
	uint16_t group; /* used elements one vector step takes */
	bool avx2; /* built for AVX2: main() skips its cases on a CPU without it */
};

/* The Rx queue of a case; one at a time, torn down by vec_rx_teardown. */
struct vec_rx {
	struct ut_rxq q;
	struct virtnet_rxq *rxq;
	struct fake_dev *fd;
	const struct vec_rx_path *path;
	uint16_t port;
	uint64_t packets, bytes; /* what the stats must say */
	struct ut_hog hog; /* mbufs the application keeps */
	uint8_t frame[MAX_ONE_BUF + 64];
};

/*
 * An Rx queue laid out by `p` (mem and dev_addr are set here), polled
 * through `path`, and filled with mbufs from a dirtied pool.
 */
struct vec_rx *vec_rx_start(const struct vec_rx_path *path, struct virtio_queue_params *p);

/* Gives back the kept mbufs and destroys the queue; idempotent. */
void vec_rx_release(struct vec_rx *e);

/* cmocka teardown of the Rx cases: releases the queue, frees the pool. */
int vec_rx_teardown(void **state);

/*
 * End of a scenario, after the checks of the ring layout: the device saw a
 * valid ring, and stopping the queue returns every mbuf to the pool.
 */
void vec_rx_finish(struct vec_rx *e);

uint16_t vec_rx_burst(struct vec_rx *e, struct rte_mbuf **pkts, uint16_t n);

/* The stats say what the case received, and `errors` device errors were counted. */
void vec_rx_check_stats(struct vec_rx *e, uint64_t errors);

/* The device fills a buffer with frame (seq, len); fake_rx_deliver()'s result. */
int vec_deliver(struct vec_rx *e, uint32_t seq, uint32_t len);

/* The next frame of the scenario: sequence numbers follow the packets received. */
int vec_deliver_next(struct vec_rx *e, uint32_t ahead, vec_len_fn *len_of);

/* Checks every field and byte of a received packet (frame seq, len), then frees it dirty. */
void vec_check_pkt(struct vec_rx *e, struct rte_mbuf *m, uint32_t seq, uint32_t len);

/* Receives exactly `n` packets with one burst of `max` and checks them (seq.., len_of). */
void vec_recv_exact(struct vec_rx *e, uint16_t max, uint16_t n, uint32_t seq, vec_len_fn *len_of);

/* Delivers the next small frame and receives it alone: moves the ring on by one. */
void vec_rx_pass_one(struct vec_rx *e);

/* Called before every burst of vec_rx_laps() with what is asked and what is pending. */
typedef void vec_rx_bait_fn(struct vec_rx *e, uint16_t want, uint32_t pending);

/*
 * `total` frames through the ring, the device publishing a varying number
 * ahead and the application asking for 1..40 at a time, `bait` planting
 * what a burst reading past the ring's end would take. `seed` picks the
 * sequence of those numbers.
 */
void vec_rx_laps(struct vec_rx *e, uint32_t total, vec_len_fn *len_of, uint32_t seed,
		vec_rx_bait_fn *bait);

/* Every size from 60 to 2048 bytes in bursts of 1..40, every field of every mbuf. */
void vec_rx_frame_sizes(struct vec_rx *e);

/*
 * Bursts of 1..40, each with `extras[]` more pending than asked: each burst
 * returns exactly what was asked, in order, and an empty poll nothing. The
 * driver keeps the whole ring posted, or `posted_min` buffers of it at least.
 */
void vec_rx_burst_sizes(struct vec_rx *e, const uint16_t *extras, unsigned int nextras,
		uint16_t posted_min);

/*
 * The device fills every posted buffer and the application receives them;
 * then the pool runs dry, the application keeps (in e->hog) every packet,
 * and the ring empties: nothing to post, nothing to deliver, empty polls.
 * The ring must be larger than a burst of 40. Returns the next sequence number.
 */
uint32_t vec_rx_fill_then_starve(struct vec_rx *e);

/* ---- Tx ---- */

/* The Tx queue of a case; one at a time, torn down by vec_tx_teardown. */
struct vec_tx {
	struct ut_txq q;
	struct virtnet_txq *txq;
	struct fake_dev *fd;
	uint16_t (*xmit)(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);
	struct fake_tx_frame *frames; /* MAX_COLLECT of them, kept from queue to queue */
	uint64_t packets, bytes; /* what the stats must say */
	uint8_t frame[UT_MAX_FRAME + 64];
};

/* A Tx queue laid out by `p`, sending with `xmit`; slots hold FILL before use. */
struct vec_tx *vec_tx_start(uint16_t (*xmit)(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts),
		struct virtio_queue_params *p, bool use_indirect);

/* cmocka teardown of the Tx cases: destroys the queue, frees the pool. */
int vec_tx_teardown(void **state);

/*
 * End of a scenario, after the checks of the ring layout: the device saw a
 * valid ring, the stats add up, and stopping the queue returns every mbuf.
 */
void vec_tx_finish(struct vec_tx *e);

uint16_t vec_tx_xmit(struct vec_tx *e, struct rte_mbuf **pkts, uint16_t n);

/* Counts pkts[0..n) in the stats the queue must report. */
void vec_tx_account(struct vec_tx *e, struct rte_mbuf **pkts, uint16_t n);

/* Sends pkts[0..n), which must all go, and counts them. */
void vec_send_all(struct vec_tx *e, struct rte_mbuf **pkts, uint16_t n);

/* A packet of `len` bytes (frame seq) in nsegs segments, the first with `headroom`. */
struct rte_mbuf *vec_make_pkt(struct vec_tx *e, uint32_t seq, uint32_t len, unsigned int nsegs,
		uint16_t headroom);

/* The device got a zeroed header and exactly the frame (seq, len); the layout is not checked. */
void vec_check_frame_data(struct vec_tx *e, const struct fake_tx_frame *f, uint32_t seq,
		uint32_t len);

#endif /* VEC_ENV_H */
