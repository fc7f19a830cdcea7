/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* nftw() and its flags are X/Open extensions. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "ut_common.h"

#define UT_SEQ_OFFSET 14 /* right after an Ethernet header */

/* The EAL runtime directory of this binary, removed again at the end. */
static char runtime_dir[PATH_MAX];

int
ut_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = {
		(char *)(uintptr_t)name,
		"-l",
		"0",
		"--no-huge",
		"-m",
		"256",
		"--no-pci",
		"--no-shconf",
		"--no-telemetry",
		prefix,
		"--log-level=lib.eal:error",
		"--log-level=pmd.net.virtio*:error",
	};
	int ret;

	snprintf(prefix, sizeof(prefix), "--file-prefix=ut_%s", name);
	ret = rte_eal_init((int)RTE_DIM(argv), argv);
	if (ret < 0) {
		fprintf(stderr, "%s: rte_eal_init failed: %s\n", name, rte_strerror(rte_errno));
		return -1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	RTE_SET_USED(st);
	RTE_SET_USED(flag);
	RTE_SET_USED(ftw);
	return remove(path);
}

void
ut_eal_fini(void)
{
	rte_eal_cleanup();
	/* Even with --no-shconf the EAL leaves its runtime directory behind. */
	if (runtime_dir[0] != '\0')
		nftw(runtime_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

struct rte_mempool *
ut_pool_create(const char *name, unsigned int n, uint16_t data_room)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, n, 0, 0, data_room, SOCKET_ID_ANY);
	if (mp == NULL)
		fprintf(stderr, "cannot create mbuf pool %s (%u x %u bytes): %s\n", name, n,
				data_room, rte_strerror(rte_errno));
	return mp;
}

unsigned int
ut_pool_in_use(const struct rte_mempool *mp)
{
	return rte_mempool_in_use_count(mp);
}

void
ut_frame_fill(uint8_t *buf, uint32_t len, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 131u) ^ (seq * 197u) ^ ((i >> 8) * 7u) ^ (seq >> 8));
	if (len >= UT_SEQ_OFFSET + sizeof(seq))
		memcpy(buf + UT_SEQ_OFFSET, &seq, sizeof(seq));
}

uint32_t
ut_frame_seq(const uint8_t *buf)
{
	uint32_t seq;

	memcpy(&seq, buf + UT_SEQ_OFFSET, sizeof(seq));
	return seq;
}

uint32_t
ut_frame_len_for(uint32_t seq, uint32_t min, uint32_t max)
{
	return min + (seq * 2654435761u) % (max - min + 1);
}

long
ut_mbuf_diff(const struct rte_mbuf *m, const uint8_t *expect, uint32_t len)
{
	uint32_t off = 0;

	for (; m != NULL; m = m->next) {
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		uint16_t i;

		for (i = 0; i < m->data_len; i++, off++) {
			if (off >= len || p[i] != expect[off])
				return off;
		}
	}
	return off == len ? -1 : (long)off;
}

unsigned int
ut_mbuf_count_segs(const struct rte_mbuf *m)
{
	unsigned int n = 0;

	for (; m != NULL; m = m->next)
		n++;
	return n;
}

struct rte_mbuf *
ut_mbuf_build(struct rte_mempool *mp, const uint8_t *frame, uint32_t len, unsigned int nsegs,
		uint16_t headroom, uint8_t fill)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint32_t per = nsegs > 0 ? len / nsegs : len;
	uint32_t off = 0;
	unsigned int s;

	if (nsegs == 0)
		return NULL;
	for (s = 0; s < nsegs; s++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n = s + 1 == nsegs ? len - off : per;

		if (m == NULL)
			goto fail;
		if (s == 0) {
			if (headroom > m->buf_len) {
				rte_pktmbuf_free(m);
				goto fail;
			}
			m->data_off = headroom;
			memset(m->buf_addr, fill, headroom);
		}
		if (n > rte_pktmbuf_tailroom(m)) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame + off, n);
		m->data_len = (uint16_t)n;
		m->pkt_len = n;
		off += n;
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		prev = m;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

bool
ut_bytes_all(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

uint32_t
ut_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}
