/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* nftw() and its flags are X/Open extensions. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "ut_common.h"
#include "virtio_log.h"

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
ut_eal_and_pool(const char *name, unsigned int n)
{
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	if (ut_eal_init(name) != 0)
		return NULL;
	snprintf(pool_name, sizeof(pool_name), "ut_%s_pool", name);
	mp = ut_pool_create(pool_name, n, RTE_MBUF_DEFAULT_BUF_SIZE);
	if (mp == NULL)
		ut_eal_fini();
	return mp;
}

void
ut_eal_and_pool_fini(struct rte_mempool *pool)
{
	rte_mempool_free(pool);
	ut_eal_fini();
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

/*
 * Zeroed memory for a queue of `len` bytes and UT_RING_SLACK after it, which
 * the driver's initialiser lays out by virtual address, as p says from here on.
 */
static void *
queue_mem(struct virtio_queue_params *p, size_t len)
{
	size_t alloc = RTE_ALIGN_CEIL(len + UT_RING_SLACK, 4096);
	void *mem = aligned_alloc(4096, alloc);

	if (mem == NULL)
		return NULL;
	memset(mem, 0, alloc);
	p->mem = mem;
	p->dev_addr = (uintptr_t)mem;
	p->use_va = true;
	return mem;
}

/* Attaches the fake to a queue the driver initialised; on failure the queue is finalised. */
static int
attach_fake(struct fake_dev *fd, struct virtqueue *vq, const struct virtio_queue_params *p,
		bool mergeable)
{
	int ret = fake_dev_init(fd, vq, p->hdr_size, mergeable);

	if (ret != 0) {
		vq_fini(vq);
		return ret;
	}
	fd->in_order = p->in_order;
	return 0;
}

/* Undoes queue_mem(), the driver's initialiser and attach_fake(). */
static void
queue_free(struct virtqueue *vq, struct fake_dev *fd, void *mem, void *q)
{
	vq_fini(vq);
	fake_dev_fini(fd);
	free(mem);
	rte_free(q);
}

int
ut_rxq_create(struct ut_rxq *q, struct virtio_queue_params *p, struct rte_mempool *mp)
{
	int ret = -ENOMEM;

	memset(q, 0, sizeof(*q));
	q->rxq = rte_zmalloc("ut_rxq", sizeof(*q->rxq), RTE_CACHE_LINE_SIZE);
	q->ring = queue_mem(p, virtio_rxq_mem_size(p->size, p->packed));
	if (q->rxq == NULL || q->ring == NULL)
		goto fail;
	ret = virtio_rxq_init(q->rxq, p, mp);
	if (ret == 0)
		ret = attach_fake(&q->fd, &q->rxq->vq, p, p->mergeable);
	if (ret != 0)
		goto fail;
	ret = fake_dev_add_mempool(&q->fd, mp);
	if (ret != 0) {
		ut_rxq_destroy(q);
		return ret;
	}
	return 0;
fail:
	free(q->ring);
	rte_free(q->rxq);
	memset(q, 0, sizeof(*q));
	return ret;
}

int
ut_txq_create(struct ut_txq *q, struct virtio_queue_params *p, bool use_indirect, uint8_t fill,
		struct rte_mempool *const *pools, unsigned int npools)
{
	size_t slots_len = sizeof(struct virtio_tx_slot) * p->size;
	unsigned int i;
	int ret = -ENOMEM;

	memset(q, 0, sizeof(*q));
	q->txq = rte_zmalloc("ut_txq", sizeof(*q->txq), RTE_CACHE_LINE_SIZE);
	q->mem = queue_mem(p, virtio_txq_mem_size(p->size, p->packed));
	if (q->txq == NULL || q->mem == NULL)
		goto fail;
	ret = virtio_txq_init(q->txq, p, use_indirect);
	if (ret != 0)
		goto fail;
	memset(q->txq->slots, fill, slots_len);
	ret = attach_fake(&q->fd, &q->txq->vq, p, false);
	if (ret != 0)
		goto fail;
	ret = fake_dev_add_region(&q->fd, q->txq->slots, slots_len);
	for (i = 0; i < npools && ret == 0; i++)
		ret = fake_dev_add_mempool(&q->fd, pools[i]);
	if (ret != 0) {
		ut_txq_destroy(q);
		return ret;
	}
	return 0;
fail:
	free(q->mem);
	rte_free(q->txq);
	memset(q, 0, sizeof(*q));
	return ret;
}

void
ut_rxq_destroy(struct ut_rxq *q)
{
	if (q->rxq == NULL)
		return;
	virtio_rxq_reclaim(q->rxq);
	queue_free(&q->rxq->vq, &q->fd, q->ring, q->rxq);
	q->rxq = NULL;
	q->ring = NULL;
}

void
ut_txq_destroy(struct ut_txq *q)
{
	if (q->txq == NULL)
		return;
	virtio_txq_reclaim(q->txq);
	queue_free(&q->txq->vq, &q->fd, q->mem, q->txq);
	q->txq = NULL;
	q->mem = NULL;
}

uint64_t
ut_dev_errors(const struct virtqueue *vq)
{
	return vq->errors.bad_used_id + vq->errors.bad_used_idx + vq->errors.bad_used_len +
			vq->errors.bad_num_buffers;
}

void
ut_mbuf_dirty(struct rte_mbuf *m)
{
	m->data_off = 7;
	m->port = 0xdead;
	/* Not the attach flags: a free mbuf never has them, and freeing would detach. */
	m->ol_flags = ~(RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL);
	m->packet_type = 0xffffffffu;
	m->pkt_len = 0xbadbad;
	m->data_len = 0xbad;
	m->vlan_tci = 0xbeef;
	m->vlan_tci_outer = 0xbeef;
	m->hash.rss = 0xfeedface;
}

void
ut_mbuf_free_dirty(struct rte_mbuf *m)
{
	struct rte_mbuf *seg, *next;

	/* Only direct mbufs that are ours alone: anything else is freed as it is. */
	for (seg = m; seg != NULL; seg = seg->next)
		if (!RTE_MBUF_DIRECT(seg) || rte_mbuf_refcnt_read(seg) != 1) {
			rte_pktmbuf_free(m);
			return;
		}
	for (seg = m; seg != NULL; seg = next) {
		next = seg->next;
		seg->next = NULL;
		seg->nb_segs = 1;
		ut_mbuf_dirty(seg);
		rte_pktmbuf_free_seg(seg);
	}
}

/* Calls fn on every mbuf free in mp, taken raw and put back; returns how many. */
static unsigned int
for_each_free_mbuf(struct rte_mempool *mp, void (*fn)(struct rte_mbuf *m, uint8_t arg), uint8_t arg)
{
	unsigned int n = rte_mempool_avail_count(mp), i;
	void **objs = calloc(n + 1, sizeof(*objs));

	if (objs == NULL)
		return 0;
	if (n > 0 && rte_mempool_get_bulk(mp, objs, n) != 0) {
		free(objs);
		return 0;
	}
	for (i = 0; i < n; i++)
		fn(objs[i], arg);
	rte_mempool_put_bulk(mp, objs, n);
	free(objs);
	return n;
}

static void
dirty_one(struct rte_mbuf *m, uint8_t arg)
{
	RTE_SET_USED(arg);
	ut_mbuf_dirty(m);
}

static void
poison_one(struct rte_mbuf *m, uint8_t byte)
{
	memset(m->buf_addr, byte, m->buf_len);
}

unsigned int
ut_pool_dirty(struct rte_mempool *mp)
{
	return for_each_free_mbuf(mp, dirty_one, 0);
}

void
ut_pool_poison(struct rte_mempool *mp, uint8_t byte)
{
	for_each_free_mbuf(mp, poison_one, byte);
}

bool
ut_hog_keep(struct ut_hog *h, struct rte_mbuf *m)
{
	if (h->n == RTE_DIM(h->m))
		return false;
	h->m[h->n++] = m;
	return true;
}

bool
ut_hog_take(struct ut_hog *h, struct rte_mempool *mp, unsigned int leave)
{
	while (rte_mempool_avail_count(mp) > leave) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		if (m == NULL || !ut_hog_keep(h, m)) {
			rte_pktmbuf_free(m);
			return false;
		}
	}
	return true;
}

void
ut_hog_give_back(struct ut_hog *h, unsigned int n)
{
	while (n-- > 0 && h->n > 0)
		ut_mbuf_free_dirty(h->m[--h->n]);
}

void
ut_hog_release(struct ut_hog *h)
{
	ut_hog_give_back(h, h->n);
}

const char *
ut_rx_mbuf_check(const struct rte_mbuf *m, uint32_t len, uint16_t port)
{
	static char msg[160];

#define UT_FIELD(cond, fmt, ...) do { \
		if (!(cond)) { \
			snprintf(msg, sizeof(msg), fmt, __VA_ARGS__); \
			return msg; \
		} \
	} while (0)
	UT_FIELD(m != NULL, "%s", "no mbuf");
	UT_FIELD(m->pkt_len == len, "pkt_len %u, want %u", m->pkt_len, len);
	UT_FIELD(m->data_len == len, "data_len %u, want %u", m->data_len, len);
	UT_FIELD(m->nb_segs == 1, "nb_segs %u", m->nb_segs);
	UT_FIELD(m->next == NULL, "next %p", (void *)m->next);
	UT_FIELD(m->port == port, "port %u, want %u", m->port, port);
	UT_FIELD(m->data_off == RTE_PKTMBUF_HEADROOM, "data_off %u", m->data_off);
	UT_FIELD(rte_mbuf_refcnt_read(m) == 1, "refcnt %u", rte_mbuf_refcnt_read(m));
	UT_FIELD(m->ol_flags == 0, "ol_flags 0x%" PRIx64, m->ol_flags);
	UT_FIELD(m->packet_type == 0, "packet_type 0x%x", m->packet_type);
	UT_FIELD(m->vlan_tci == 0, "vlan_tci 0x%x", m->vlan_tci);
	UT_FIELD((uint32_t)m->data_off + m->data_len <= m->buf_len, "data past the buffer (%u + %u > %u)",
			m->data_off, m->data_len, m->buf_len);
#undef UT_FIELD
	return NULL;
}

const char *
ut_rx_pkt_check(const struct rte_mbuf *m, uint32_t seq, uint32_t len, uint16_t port)
{
	static uint8_t expect[UINT16_MAX];
	static char msg[80];
	const char *bad = ut_rx_mbuf_check(m, len, port);
	long diff;

	if (bad != NULL)
		return bad;
	ut_frame_fill(expect, len, seq);
	diff = ut_mbuf_diff(m, expect, len);
	if (diff < 0)
		return NULL;
	snprintf(msg, sizeof(msg), "bytes differ from offset %ld", diff);
	return msg;
}

int
ut_open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL) {
		/* A leak check that cannot count must not pass. */
		fprintf(stderr, "cannot open /proc/self/fd to count open files\n");
		abort();
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* ---- fake clock for the log rate limit ---- */

#define UT_FAKE_HZ UINT64_C(1000000)

static uint64_t ut_fake_now = 1;

static uint64_t
ut_fake_clock(void)
{
	return ut_fake_now;
}

static uint64_t
ut_fake_hz(void)
{
	return UT_FAKE_HZ;
}

static uint64_t (*ut_real_clock)(void);
static uint64_t (*ut_real_hz)(void);

void
ut_log_clock_fake(void)
{
	if (ut_real_clock == NULL) {
		ut_real_clock = virtio_log_clock;
		ut_real_hz = virtio_log_clock_hz;
	}
	virtio_log_clock = ut_fake_clock;
	virtio_log_clock_hz = ut_fake_hz;
}

void
ut_log_clock_advance_s(unsigned int seconds)
{
	ut_fake_now += seconds * UT_FAKE_HZ;
}

void
ut_log_clock_real(void)
{
	if (ut_real_clock != NULL) {
		virtio_log_clock = ut_real_clock;
		virtio_log_clock_hz = ut_real_hz;
	}
}

/* ---- driver log capture ---- */

static FILE *ut_log_f;
static char *ut_log_buf;
static size_t ut_log_len;
static size_t ut_log_pos;

void
ut_log_capture_start(void)
{
	ut_log_f = open_memstream(&ut_log_buf, &ut_log_len);
	if (ut_log_f == NULL)
		abort();
	rte_openlog_stream(ut_log_f);
	ut_log_pos = 0;
}

void
ut_log_capture_stop(void)
{
	/* Not NULL: EAL's default stream writes to stdout, where the TAP output goes. */
	rte_openlog_stream(stderr);
	if (ut_log_f != NULL)
		fclose(ut_log_f);
	free(ut_log_buf);
	ut_log_f = NULL;
	ut_log_buf = NULL;
	ut_log_len = 0;
}

void
ut_log_mark(void)
{
	fflush(ut_log_f);
	ut_log_pos = ut_log_len;
}

const char *
ut_log_text(void)
{
	if (ut_log_f == NULL)
		return "";
	fflush(ut_log_f);
	return ut_log_buf != NULL && ut_log_len >= ut_log_pos ? ut_log_buf + ut_log_pos : "";
}

unsigned int
ut_log_count(const char *needle)
{
	return ut_count_in(ut_log_text(), needle);
}

unsigned int
ut_count_in(const char *text, const char *needle)
{
	const char *p = text;
	unsigned int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

int
ut_log_fixture_setup(void **state)
{
	RTE_SET_USED(state);
	ut_log_capture_start();
	ut_log_clock_fake();
	ut_log_clock_advance_s(1);
	return 0;
}

int
ut_log_fixture_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_log_clock_real();
	ut_log_capture_stop();
	return 0;
}
