/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Shared by the libFuzzer targets (app/fuzz/fuzz_*.c): reading the input as
 * a stream of fields, the EAL and mbuf pools, and the checks every target
 * makes after each input. A broken invariant aborts, so that libFuzzer
 * records the input as a crash: a leaked mbuf or file descriptor is a
 * finding like any sanitizer report.
 */

#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/* The input, consumed front to back; reading past its end gives zeroes. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool
fz_more(const struct fz_in *in)
{
	return in->n > 0;
}

static inline uint8_t
fz_u8(struct fz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t
fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t
fz_u32(struct fz_in *in)
{
	uint32_t lo = fz_u16(in);

	return lo | (uint32_t)fz_u16(in) << 16;
}

/* Copies up to len bytes into dst, zeroes for what the input lacks; returns bytes taken. */
static inline size_t
fz_bytes(struct fz_in *in, void *dst, size_t len)
{
	size_t take = len < in->n ? len : in->n;

	memcpy(dst, in->p, take);
	memset((uint8_t *)dst + take, 0, len - take);
	in->p += take;
	in->n -= take;
	return take;
}

/* A broken invariant of the driver (or the harness): report and abort. */
#define FZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/*
 * Starts the EAL once with mem_mb MB (no hugepages, no PCI, quiet logs
 * unless FUZZ_VERBOSE is set), with a file prefix unique to this process,
 * and gives the main thread back every CPU the EAL pinned it off.
 */
void fz_eal_init(const char *name, unsigned int mem_mb);

/* A pktmbuf pool without per-lcore cache, so that the in-use count is exact. */
struct rte_mempool *fz_pool_create(const char *name, unsigned int n, uint16_t data_room);

/* Aborts unless every mbuf of mp is back in it. */
void fz_check_pool_full(const struct rte_mempool *mp, const char *what);

/*
 * Checks what a receive burst hands the application: a well-formed chain
 * (nb_segs links, pkt_len the sum of data_len, every segment's data inside
 * its buffer, refcnt 1, no attach flags), at most max_segs segments and
 * pkt_len at most max_len.
 */
void fz_check_rx_mbuf(const struct rte_mbuf *m, uint32_t max_len, unsigned int max_segs);

/* Frees a burst's mbufs after fz_check_rx_mbuf(). */
void fz_rx_consume(struct rte_mbuf **pkts, uint16_t n, uint32_t max_len, unsigned int max_segs);

/*
 * Builds a Tx packet of `len` bytes in `nsegs` segments from the input
 * (contents, first segment's headroom); NULL when the pool is empty.
 */
struct rte_mbuf *fz_tx_mbuf(struct fz_in *in, struct rte_mempool *mp, uint32_t len,
		unsigned int nsegs, uint16_t headroom);

/*
 * Sockets and eventfds this process has open (reads /proc/self/fd): what
 * the driver opens, without the files libFuzzer's own threads open now and then.
 */
int fz_open_fds(void);
/* The same, listing each one on `out`. */
int fz_open_fds_print(FILE *out);

#endif /* FUZZ_COMMON_H */
