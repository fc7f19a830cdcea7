/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* nftw() and its flags are X/Open extensions; CPU_SET is GNU. */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "fuzz_common.h"

static char runtime_dir[PATH_MAX];

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	RTE_SET_USED(st);
	RTE_SET_USED(flag);
	RTE_SET_USED(ftw);
	return remove(path);
}

/* The EAL leaves its runtime directory behind even with --no-shconf. */
static void
remove_runtime_dir(void)
{
	if (runtime_dir[0] != '\0')
		nftw(runtime_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void
fz_eal_init(const char *name, unsigned int mem_mb)
{
	const char *quiet = getenv("FUZZ_VERBOSE") != NULL ? "--log-level=*:info" :
							     "--log-level=*:emergency";
	char prefix[64], mem[16];
	char *argv[] = {
		(char *)(uintptr_t)name,
		"-l",
		"0",
		"--no-huge",
		"-m",
		mem,
		"--no-pci",
		"--no-shconf",
		"--no-telemetry",
		prefix,
		(char *)(uintptr_t)quiet,
	};
	cpu_set_t all;
	long i, ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(prefix, sizeof(prefix), "--file-prefix=fuzz_%s_%d", name, (int)getpid());
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "%s: rte_eal_init failed: %s\n", name, rte_strerror(rte_errno));
		abort();
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(remove_runtime_dir);
	/* -l 0 pinned this thread to CPU 0: a campaign should not fight over one core. */
	CPU_ZERO(&all);
	for (i = 0; i < ncpu && i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

struct rte_mempool *
fz_pool_create(const char *name, unsigned int n, uint16_t data_room)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, 0, 0, data_room, SOCKET_ID_ANY);

	if (mp == NULL) {
		fprintf(stderr, "cannot create mbuf pool %s: %s\n", name, rte_strerror(rte_errno));
		abort();
	}
	return mp;
}

void
fz_check_pool_full(const struct rte_mempool *mp, const char *what)
{
	unsigned int in_use = rte_mempool_in_use_count(mp);

	FZ_CHECK(in_use == 0, "%s: %u mbufs of pool %s not given back (leak)", what, in_use,
		 mp->name);
}

void
fz_check_rx_mbuf(const struct rte_mbuf *m, uint32_t max_len, unsigned int max_segs)
{
	const struct rte_mbuf *seg;
	unsigned int segs = 0;
	uint32_t sum = 0;

	FZ_CHECK(m != NULL, "NULL mbuf in a receive burst");
	for (seg = m; seg != NULL; seg = seg->next) {
		FZ_CHECK(++segs <= max_segs, "chain longer than %u segments", max_segs);
		FZ_CHECK(rte_mbuf_refcnt_read(seg) == 1, "segment refcnt %u",
			 rte_mbuf_refcnt_read(seg));
		FZ_CHECK(RTE_MBUF_DIRECT(seg), "received segment is not direct");
		FZ_CHECK((uint32_t)seg->data_off + seg->data_len <= seg->buf_len,
			 "segment data %u+%u past its %u-byte buffer", seg->data_off,
			 seg->data_len, seg->buf_len);
		sum += seg->data_len;
	}
	FZ_CHECK(segs == m->nb_segs, "nb_segs %u but %u segments linked", m->nb_segs, segs);
	FZ_CHECK(sum == m->pkt_len, "pkt_len %u but segments hold %u", m->pkt_len, sum);
	FZ_CHECK(m->pkt_len <= max_len, "pkt_len %u above %u", m->pkt_len, max_len);
}

void
fz_rx_consume(struct rte_mbuf **pkts, uint16_t n, uint32_t max_len, unsigned int max_segs)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		fz_check_rx_mbuf(pkts[i], max_len, max_segs);
		rte_pktmbuf_free(pkts[i]);
	}
}

struct rte_mbuf *
fz_tx_mbuf(struct fz_in *in, struct rte_mempool *mp, uint32_t len, unsigned int nsegs,
	   uint16_t headroom)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	unsigned int i;

	if (nsegs == 0)
		nsegs = 1;
	for (i = 0; i < nsegs; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t part = i + 1 < nsegs ? len / nsegs : len - (len / nsegs) * (nsegs - 1);
		uint8_t *data;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (i == 0) {
			m->data_off = RTE_MIN(headroom, m->buf_len);
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
		}
		tail = m;
		part = RTE_MIN(part, (uint32_t)rte_pktmbuf_tailroom(m));
		data = rte_pktmbuf_mtod(m, uint8_t *);
		fz_bytes(in, data, RTE_MIN(part, 64u));
		m->data_len = (uint16_t)part;
		head->pkt_len += part;
	}
	return head;
}

int
fz_open_fds_print(FILE *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	FZ_CHECK(d != NULL, "cannot open /proc/self/fd");
	while ((e = readdir(d)) != NULL) {
		char path[64], target[64];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		/*
		 * Only what the driver opens: sockets and eventfds. Files come and
		 * go in libFuzzer's own threads (its memory watch reads /proc).
		 */
		if (strncmp(target, "socket:", 7) == 0 || strncmp(target, "anon_inode:", 11) == 0) {
			n++;
			if (out != NULL)
				fprintf(out, "  fd %s: %s\n", e->d_name, target);
		}
	}
	closedir(d);
	return n;
}

int
fz_open_fds(void)
{
	return fz_open_fds_print(NULL);
}
