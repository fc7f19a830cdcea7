/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Helpers shared by the unit test binaries: EAL bootstrap, mbuf pools,
 * deterministic frame contents and mbuf comparison.
 */

#ifndef UT_COMMON_H
#define UT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Largest frame the driver documents (and the tests push through it). */
#define UT_MAX_FRAME 9728

/*
 * Starts EAL without hugepages, PCI or shared config, with a file prefix
 * derived from `name` so that test binaries can run in parallel.
 * Returns 0 or a negative value (the message is already printed).
 */
int ut_eal_init(const char *name);
void ut_eal_fini(void);

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

#endif /* UT_COMMON_H */
