/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Helpers shared by the unit test binaries: EAL bootstrap, mbuf pools,
 * deterministic frame contents and mbuf comparison, queues served by the
 * fake device, and mbufs dirtied the way a pool may hand them out.
 */

#ifndef UT_COMMON_H
#define UT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fake_device.h"
#include "rxtx/rxtx.h"

/* Largest frame the driver documents (and the tests push through it). */
#define UT_MAX_FRAME 9728

/*
 * Starts EAL without hugepages, PCI or shared config, with a file prefix
 * derived from `name` so that test binaries can run in parallel.
 * Returns 0 or a negative value (the message is already printed).
 */
int ut_eal_init(const char *name);
void ut_eal_fini(void);

/*
 * The usual group setup of a test binary: EAL for `name`, then a pool of
 * `n` default-sized mbufs (named after the binary). NULL on failure, with
 * the message printed; ut_eal_and_pool_fini() undoes both.
 */
struct rte_mempool *ut_eal_and_pool(const char *name, unsigned int n);
void ut_eal_and_pool_fini(struct rte_mempool *pool);

/* A pktmbuf pool without per-lcore cache, so that in-use counts are exact. */
struct rte_mempool *ut_pool_create(const char *name, unsigned int n, uint16_t data_room);

/* Mbufs taken from the pool and not returned. */
unsigned int ut_pool_in_use(const struct rte_mempool *mp);

/*
 * Writes a frame of `len` bytes whose every byte depends on `seq`; the
 * sequence number is also stored in the frame (from byte 14 on, when it fits)
 * so that a receiver can tell frames apart whatever order they arrive in.
 */
void ut_frame_fill(uint8_t *buf, uint32_t len, uint32_t seq);

/* Sequence number stored by ut_frame_fill (frames of at least 18 bytes). */
uint32_t ut_frame_seq(const uint8_t *buf);

/* Frame length used for sequence number `seq` in mixed-size scenarios. */
uint32_t ut_frame_len_for(uint32_t seq, uint32_t min, uint32_t max);

/*
 * Compares the bytes of an mbuf chain (walking next and data_len) with
 * `expect`. Returns the offset of the first difference, or -1 when the
 * chain holds exactly `len` bytes equal to `expect`. A chain length
 * mismatch returns the shorter length.
 */
long ut_mbuf_diff(const struct rte_mbuf *m, const uint8_t *expect, uint32_t len);

/* Segments actually linked in an mbuf chain (independent of nb_segs). */
unsigned int ut_mbuf_count_segs(const struct rte_mbuf *m);

/*
 * Builds an mbuf chain holding `len` bytes of `frame` spread over `nsegs`
 * segments (each segment but the last gets len / nsegs bytes). The first
 * segment's data starts `headroom` bytes into its buffer; the others start
 * at the default headroom. The bytes before the data of the first segment
 * are set to `fill`. Returns NULL when the pool is empty or the data does
 * not fit.
 */
struct rte_mbuf *ut_mbuf_build(struct rte_mempool *mp, const uint8_t *frame, uint32_t len,
		unsigned int nsegs, uint16_t headroom, uint8_t fill);

/* True when the `n` bytes at `p` all equal `v`. */
bool ut_bytes_all(const void *p, size_t n, uint8_t v);

/* Small deterministic generator for shuffles (xorshift32). */
uint32_t ut_rand(uint32_t *state);

/*
 * Queues laid out by the driver's own initialiser over plain memory (use_va),
 * with the fake device attached. The memory has UT_RING_SLACK spare bytes
 * after the ring, where a test may plant bait for reads past the ring's end.
 */
#define UT_RING_SLACK 4096

struct ut_rxq {
	struct virtnet_rxq *rxq;
	void *ring;
	struct fake_dev fd;
};

struct ut_txq {
	struct virtnet_txq *txq;
	void *mem;
	struct fake_dev fd;
};

/*
 * Sets p->mem and p->dev_addr, initialises the queue and the fake, which may
 * use every mbuf of mp. Returns 0 or a negative errno.
 */
int ut_rxq_create(struct ut_rxq *q, struct virtio_queue_params *p, struct rte_mempool *mp);

/*
 * The same for Tx: the slot area is filled with `fill` (stale bytes the
 * driver must overwrite before use) and the fake may read it and every mbuf
 * of the `npools` pools.
 */
int ut_txq_create(struct ut_txq *q, struct virtio_queue_params *p, bool use_indirect, uint8_t fill,
		struct rte_mempool *const *pools, unsigned int npools);

/* Gives every mbuf the queue still holds back to its pool and frees the rest; idempotent. */
void ut_rxq_destroy(struct ut_rxq *q);
void ut_txq_destroy(struct ut_txq *q);

/* All invalid device writes a queue counted. */
uint64_t ut_dev_errors(const struct virtqueue *vq);

/*
 * Writes garbage into every field a receive path must set (data_off, port,
 * ol_flags, packet_type, lengths, vlan_tci, vlan_tci_outer, hash), leaving
 * what a pool guarantees of a free mbuf (refcnt 1, nb_segs 1, next NULL,
 * no attach flags).
 */
void ut_mbuf_dirty(struct rte_mbuf *m);

/* ut_mbuf_dirty() on every segment, then rte_pktmbuf_free(). */
void ut_mbuf_free_dirty(struct rte_mbuf *m);

/* Dirties every mbuf free in mp (a pool without cache); returns how many. */
unsigned int ut_pool_dirty(struct rte_mempool *mp);

/*
 * Overwrites the data buffer of every mbuf free in mp with `byte`: a Tx
 * buffer freed before the device has read it then reaches the device spoiled.
 */
void ut_pool_poison(struct rte_mempool *mp, uint8_t byte);

/* Mbufs a test keeps out of a pool, to run it low or empty. */
#define UT_HOG_MAX 8192

struct ut_hog {
	struct rte_mbuf *m[UT_HOG_MAX];
	unsigned int n;
};

/* Takes mbufs out of mp until only `leave` remain; false if the hog is full. */
bool ut_hog_take(struct ut_hog *h, struct rte_mempool *mp, unsigned int leave);

/* Keeps one mbuf (a received packet, say); false if the hog is full. */
bool ut_hog_keep(struct ut_hog *h, struct rte_mbuf *m);

/* Gives the `n` mbufs kept last back, dirtied (ut_mbuf_free_dirty). */
void ut_hog_give_back(struct ut_hog *h, unsigned int n);

/* Gives every kept mbuf back, dirtied (ut_mbuf_free_dirty). */
void ut_hog_release(struct ut_hog *h);

/*
 * Checks the fields of a received one-segment packet of `len` bytes for
 * `port`. Returns NULL, or a description of the first wrong field.
 */
const char *ut_rx_mbuf_check(const struct rte_mbuf *m, uint32_t len, uint16_t port);

/* ut_rx_mbuf_check(), and the bytes are those of ut_frame_fill(len, seq). */
const char *ut_rx_pkt_check(const struct rte_mbuf *m, uint32_t seq, uint32_t len, uint16_t port);

/* File descriptors this process has open, for leak checks (aborts without /proc). */
int ut_open_fd_count(void);

/*
 * The rate limit of device-fault messages (virtio_log.h) on a fake clock:
 * time stands still until ut_log_clock_advance_s(), so a test can show one
 * message per second without waiting or depending on timing. Off again with
 * ut_log_clock_real().
 */
void ut_log_clock_fake(void);
void ut_log_clock_advance_s(unsigned int seconds);
void ut_log_clock_real(void);

/*
 * Driver log capture into memory (ut_log_capture_start/stop around a test);
 * ut_log_text() is what was logged since the start or the last ut_log_mark(),
 * ut_log_count() counts the occurrences of a string in it.
 */
void ut_log_capture_start(void);
void ut_log_capture_stop(void);
void ut_log_mark(void);
const char *ut_log_text(void);
unsigned int ut_log_count(const char *needle);

/*
 * cmocka setup/teardown for a test that checks rate-limited messages: log
 * captured, fake clock one second in (so the first message of a test is never
 * held back by an earlier test's); then the real clock and no capture again.
 */
int ut_log_fixture_setup(void **state);
int ut_log_fixture_teardown(void **state);

/* Occurrences of needle in text. */
unsigned int ut_count_in(const char *text, const char *needle);

#endif /* UT_COMMON_H */
