/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Ring primitives: split layout, free list, used-ring validation,
 * notification; packed layout, reset state, slot and wrap counter handling,
 * event suppression.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "ut_common.h"
#include "virtqueue.h"

#define PAGE 4096

struct vq_env {
	struct virtqueue vq;
	void *mem;
	size_t mem_len;
	unsigned int kicks;
};

static void
count_kick(struct virtqueue *vq)
{
	struct vq_env *e = vq->notify_cookie;

	e->kicks++;
}

static void
env_make(struct vq_env *e, uint16_t size, bool use_va)
{
	memset(e, 0, sizeof(*e));
	e->mem_len = vq_split_ring_size(size);
	e->mem = aligned_alloc(PAGE, e->mem_len);
	assert_non_null(e->mem);
	memset(e->mem, 0, e->mem_len);
	assert_int_equal(vq_split_init(&e->vq, 7, size, e->mem, (uintptr_t)e->mem, use_va), 0);
	e->vq.notify = count_kick;
	e->vq.notify_cookie = e;
}

static void
env_free(struct vq_env *e)
{
	vq_fini(&e->vq);
	assert_null(e->vq.next);
	assert_null(e->vq.extra);
	free(e->mem);
	e->mem = NULL;
}

/* Hands a chain of n descriptors to the "device" the way the burst functions do. */
static uint16_t
post_chain(struct virtqueue *vq, uint16_t n, void *cookie)
{
	uint16_t tail, head = vq_alloc_chain(vq, n, &tail);

	vq->extra[head].cookie = cookie;
	vq->extra[head].ndescs = n;
	vq->extra[head].tail = tail;
	return head;
}

/* Independent reference for vring_need_event: did the index pass event_idx? */
static int
passed_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	uint16_t i;

	for (i = old_idx; i != new_idx; i++)
		if (i == event_idx)
			return 1;
	return 0;
}

static void
test_init_rejects_bad_sizes(void **state)
{
	static const uint16_t bad[] = { 0, 3, 5, 6, 7, 12, 100, 255, 257, 1000, 32767, 49152,
		65535 };
	uint8_t mem[64] __rte_aligned(64);
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(bad); i++) {
		struct virtqueue vq;

		memset(&vq, 0, sizeof(vq));
		assert_int_equal(vq_split_init(&vq, 0, bad[i], mem, 0, true), -EINVAL);
		/* Nothing was allocated that the caller would have to free. */
		assert_null(vq.next);
		assert_null(vq.extra);
	}
}

static void
test_init_powers_of_two(void **state)
{
	uint32_t size;

	RTE_SET_USED(state);
	for (size = 1; size <= VIRTQ_MAX_SIZE; size *= 2) {
		struct vq_env e;
		uint16_t i;

		env_make(&e, (uint16_t)size, true);
		assert_int_equal(e.vq.size, size);
		assert_int_equal(e.vq.mask, size - 1);
		assert_int_equal(e.vq.nfree, size);
		assert_int_equal(e.vq.index, 7);
		assert_int_equal(e.vq.avail_idx, 0);
		assert_int_equal(e.vq.used_cons, 0);
		assert_false(e.vq.event_idx);
		assert_int_equal(e.vq.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
		assert_int_equal(e.vq.avail->idx, 0);
		assert_int_equal(e.vq.used->idx, 0);
		for (i = 0; i < size; i++)
			assert_int_equal(e.vq.extra[i].ndescs, 0);
		env_free(&e);
	}
}

static void
test_ring_layout(void **state)
{
	const uint64_t dev_base = UINT64_C(0x7f0000000000);
	uint32_t size;

	RTE_SET_USED(state);
	for (size = 1; size <= VIRTQ_MAX_SIZE; size *= 2) {
		/* Sizes of the three parts from the spec (2.7), event fields included. */
		size_t desc_len = 16u * size;
		size_t avail_len = 2 + 2 + 2u * size + 2;
		size_t used_len = 2 + 2 + 8u * size + 2;
		size_t ring_len = vq_split_ring_size((uint16_t)size);
		struct virtqueue vq;
		size_t avail_off, used_off;
		uint8_t *mem;

		assert_int_equal(ring_len % PAGE, 0);
		mem = aligned_alloc(PAGE, ring_len);
		assert_non_null(mem);
		memset(mem, 0, ring_len);
		assert_int_equal(vq_split_init(&vq, 1, (uint16_t)size, mem, dev_base, false), 0);

		assert_ptr_equal(vq.desc, mem);
		avail_off = (size_t)((uint8_t *)vq.avail - mem);
		used_off = (size_t)((uint8_t *)vq.used - mem);
		assert_int_equal(avail_off, desc_len);
		assert_int_equal((uintptr_t)vq.desc % VRING_DESC_ALIGN, 0);
		assert_int_equal((uintptr_t)vq.avail % VRING_AVAIL_ALIGN, 0);
		assert_int_equal((uintptr_t)vq.used % VRING_USED_ALIGN, 0);
		/* Legacy layout: the used ring starts on its own page, after avail. */
		assert_int_equal(used_off % PAGE, 0);
		assert_true(used_off >= avail_off + avail_len);
		assert_true(used_off < avail_off + avail_len + PAGE);
		/* Everything fits and little is wasted. */
		assert_true(used_off + used_len <= ring_len);
		assert_true(ring_len - (used_off + used_len) < PAGE);
		/* The event fields sit right after each ring. */
		assert_ptr_equal(&vq.avail->ring[size], mem + avail_off + avail_len - 2);
		assert_ptr_equal(&vq.used->ring[size], mem + used_off + used_len - 2);

		assert_int_equal(vq.desc_dev_addr, dev_base);
		assert_int_equal(vq.avail_dev_addr, dev_base + avail_off);
		assert_int_equal(vq.used_dev_addr, dev_base + used_off);

		vq_fini(&vq);
		assert_int_equal(vq_split_init(&vq, 1, (uint16_t)size, mem, (uintptr_t)mem, true),
				0);
		assert_int_equal(vq.desc_dev_addr, (uintptr_t)mem);
		assert_int_equal(vq.used_dev_addr, (uintptr_t)vq.used);
		vq_fini(&vq);
		free(mem);
	}
}

/*
 * The address a descriptor gets for an mbuf: buf_addr with use_va, buf_iova
 * otherwise.
 *
 * Regression: vq_mbuf_dev_addr() used to read the `void *buf_addr` field
 * through a `uint64_t *`, breaking strict aliasing; at -O2/-O3 the compiler
 * returned a stale value (the 0 from the memset). It now uses memcpy().
 */
static void
test_mbuf_dev_addr(void **state)
{
	struct rte_mbuf m;
	struct vq_env e;

	RTE_SET_USED(state);
	env_make(&e, 16, false);
	memset(&m, 0, sizeof(m));
	m.buf_addr = (void *)(uintptr_t)0x1234000;
	m.buf_iova = 0x5678000;
	assert_int_equal(vq_mbuf_dev_addr(&e.vq, &m), 0x5678000);
	env_free(&e);

	env_make(&e, 16, true);
	memset(&m, 0, sizeof(m));
	m.buf_addr = (void *)(uintptr_t)0x1234000;
	m.buf_iova = 0x5678000;
	assert_int_equal(vq_mbuf_dev_addr(&e.vq, &m), 0x1234000);
	env_free(&e);
}

/* Follows next[] from head for n descriptors, marking each id seen. */
static void
walk_and_mark(const struct virtqueue *vq, uint16_t head, uint16_t n, uint16_t tail, uint8_t *seen)
{
	uint16_t id = head, i;

	for (i = 0; i < n; i++) {
		assert_true(id < vq->size);
		assert_int_equal(seen[id], 0);
		seen[id] = 1;
		if (i + 1 < n)
			id = vq->next[id];
	}
	assert_int_equal(id, tail);
}

static void
test_free_list_chains(void **state)
{
	const uint16_t size = 256;
	uint16_t heads[64], lens[64];
	uint8_t seen[256];
	unsigned int i, round;
	uint32_t rnd = 99;
	struct vq_env e;

	RTE_SET_USED(state);
	env_make(&e, size, true);
	for (round = 0; round < 4; round++) {
		unsigned int nchains = 0;
		uint16_t want = 1;

		memset(seen, 0, sizeof(seen));
		/* Chains of growing length until the ring is exhausted. */
		while (e.vq.nfree > 0) {
			uint16_t n = RTE_MIN(want, e.vq.nfree);
			uint16_t before = e.vq.nfree;
			uint16_t head = post_chain(&e.vq, n, &heads[nchains]);
			uint16_t tail = e.vq.extra[head].tail;

			assert_int_equal(e.vq.nfree, before - n);
			walk_and_mark(&e.vq, head, n, tail, seen);
			heads[nchains] = head;
			lens[nchains] = n;
			nchains++;
			want = (uint16_t)(want % 13 + 1);
		}
		/* Every descriptor was handed out exactly once. */
		for (i = 0; i < size; i++)
			assert_int_equal(seen[i], 1);
		/* Give them back in a shuffled order. */
		for (i = nchains; i > 1; i--) {
			uint32_t k = ut_rand(&rnd) % i;
			uint16_t h = heads[i - 1], l = lens[i - 1];

			heads[i - 1] = heads[k];
			lens[i - 1] = lens[k];
			heads[k] = h;
			lens[k] = l;
		}
		for (i = 0; i < nchains; i++) {
			uint16_t before = e.vq.nfree;

			assert_int_equal(e.vq.extra[heads[i]].ndescs, lens[i]);
			vq_free_chain(&e.vq, heads[i]);
			assert_int_equal(e.vq.nfree, before + lens[i]);
			assert_int_equal(e.vq.extra[heads[i]].ndescs, 0);
			assert_null(e.vq.extra[heads[i]].cookie);
		}
		assert_int_equal(e.vq.nfree, size);
	}
	/* After all that shuffling, one chain of the whole ring still covers every id. */
	memset(seen, 0, sizeof(seen));
	{
		uint16_t tail, head = vq_alloc_chain(&e.vq, size, &tail);

		assert_int_equal(e.vq.nfree, 0);
		walk_and_mark(&e.vq, head, size, tail, seen);
	}
	env_free(&e);
}

static void
test_free_list_exhaustion(void **state)
{
	const uint16_t size = 32;
	uint8_t seen[32] = { 0 };
	uint16_t ids[32], i, again;
	struct vq_env e;

	RTE_SET_USED(state);
	env_make(&e, size, true);
	for (i = 0; i < size; i++) {
		ids[i] = post_chain(&e.vq, 1, NULL);
		assert_true(ids[i] < size);
		assert_int_equal(seen[ids[i]], 0);
		seen[ids[i]] = 1;
	}
	assert_int_equal(e.vq.nfree, 0);
	/* One freed descriptor is the one handed out next. */
	vq_free_chain(&e.vq, ids[17]);
	assert_int_equal(e.vq.nfree, 1);
	again = post_chain(&e.vq, 1, NULL);
	assert_int_equal(again, ids[17]);
	assert_int_equal(e.vq.nfree, 0);
	for (i = 0; i < size; i++)
		vq_free_chain(&e.vq, ids[i]);
	assert_int_equal(e.vq.nfree, size);
	env_free(&e);
}

static unsigned int reclaimed;
static uintptr_t reclaimed_sum;

static void
count_cookie(void *cookie)
{
	reclaimed++;
	reclaimed_sum += (uintptr_t)cookie;
}

static void
test_reclaim_all(void **state)
{
	struct vq_env e;
	uintptr_t sum = 0;
	unsigned int i;

	RTE_SET_USED(state);
	env_make(&e, 64, true);
	reclaimed = 0;
	reclaimed_sum = 0;
	for (i = 1; i <= 10; i++) {
		post_chain(&e.vq, (uint16_t)(i % 4 + 1), (void *)(uintptr_t)(i * 0x1000));
		sum += i * 0x1000;
	}
	assert_true(e.vq.nfree < 64);
	vq_reclaim_all(&e.vq, count_cookie);
	assert_int_equal(reclaimed, 10);
	assert_int_equal(reclaimed_sum, sum);
	assert_int_equal(e.vq.nfree, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(e.vq.extra[i].ndescs, 0);
	/* Nothing left: a second pass calls nothing. */
	vq_reclaim_all(&e.vq, count_cookie);
	assert_int_equal(reclaimed, 10);
	env_free(&e);
}

static void
test_used_chain_validation(void **state)
{
	struct vq_env e;
	uint16_t head;

	RTE_SET_USED(state);
	env_make(&e, 16, true);
	head = post_chain(&e.vq, 3, (void *)(uintptr_t)0xabc);

	assert_ptr_equal(vq_used_chain(&e.vq, head), &e.vq.extra[head]);
	assert_int_equal(e.vq.errors.bad_used_id, 0);

	assert_null(vq_used_chain(&e.vq, 16));
	assert_int_equal(e.vq.errors.bad_used_id, 1);
	assert_null(vq_used_chain(&e.vq, UINT32_MAX));
	assert_int_equal(e.vq.errors.bad_used_id, 2);
	assert_null(vq_used_chain(&e.vq, 0x10000u + head)); /* truncation would hit head */
	assert_int_equal(e.vq.errors.bad_used_id, 3);
	/* A descriptor inside the chain is not a head. */
	assert_null(vq_used_chain(&e.vq, e.vq.next[head]));
	assert_int_equal(e.vq.errors.bad_used_id, 4);
	/* After it is given back, the head is not in flight any more. */
	vq_free_chain(&e.vq, head);
	assert_null(vq_used_chain(&e.vq, head));
	assert_int_equal(e.vq.errors.bad_used_id, 5);
	env_free(&e);
}

static void
test_need_event_table(void **state)
{
	static const struct {
		uint16_t event, new_idx, old_idx;
		int kick;
	} rows[] = {
		{ 0, 1, 0, 1 }, /* first entry published, device waits on 0 */
		{ 1, 1, 0, 0 }, /* device waits for entry 1, only 0 published */
		{ 0, 0, 0, 0 }, /* nothing published */
		{ 5, 10, 0, 1 },
		{ 9, 10, 0, 1 },
		{ 10, 10, 0, 0 },
		{ 40, 50, 40, 1 },
		{ 39, 50, 40, 0 }, /* event already behind the old index */
		{ 100, 50, 40, 0 },
		{ 65535, 0, 65535, 1 }, /* wrap at 65535 */
		{ 65535, 1, 65534, 1 },
		{ 0, 1, 65535, 1 },
		{ 1, 1, 65535, 0 },
		{ 65534, 0, 65535, 0 },
		{ 65533, 2, 65530, 1 },
		{ 3, 2, 65530, 0 },
		{ 32768, 32769, 32767, 1 },
	};
	uint32_t rnd = 7, i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(rows); i++) {
		assert_int_equal(!!vring_need_event(rows[i].event, rows[i].new_idx,
						 rows[i].old_idx),
				rows[i].kick);
		assert_int_equal(passed_event(rows[i].event, rows[i].new_idx, rows[i].old_idx),
				rows[i].kick);
	}
	/* Every event index against moves that straddle the wrap. */
	for (i = 0; i < 65536; i++) {
		uint16_t ev = (uint16_t)i;

		assert_int_equal(!!vring_need_event(ev, 3, 65530), passed_event(ev, 3, 65530));
		assert_int_equal(!!vring_need_event(ev, 0, 65535), passed_event(ev, 0, 65535));
	}
	/* Random short moves anywhere. */
	for (i = 0; i < 200000; i++) {
		uint16_t old_idx = (uint16_t)ut_rand(&rnd);
		uint16_t new_idx = (uint16_t)(old_idx + ut_rand(&rnd) % 600);
		uint16_t ev = (uint16_t)(old_idx + ut_rand(&rnd) % 1200 - 300);

		assert_int_equal(!!vring_need_event(ev, new_idx, old_idx),
				passed_event(ev, new_idx, old_idx));
	}
}

static void
publish(struct vq_env *e, uint16_t n)
{
	uint16_t old_idx = e->vq.avail_idx;

	e->vq.avail_idx = (uint16_t)(e->vq.avail_idx + n);
	vq_publish_and_notify(&e->vq, old_idx);
	assert_int_equal(e->vq.avail->idx, e->vq.avail_idx);
}

static void
test_publish_flags(void **state)
{
	uint16_t *avail_event;
	struct vq_env e;

	RTE_SET_USED(state);
	env_make(&e, 64, true);
	publish(&e, 3);
	assert_int_equal(e.kicks, 1);
	assert_int_equal(e.vq.notifications, 1);

	e.vq.used->flags = VRING_USED_F_NO_NOTIFY;
	publish(&e, 5);
	assert_int_equal(e.kicks, 1);
	assert_int_equal(e.vq.notifications, 1);
	assert_int_equal(e.vq.avail->idx, 8);

	e.vq.used->flags = 0;
	publish(&e, 1);
	assert_int_equal(e.kicks, 2);
	assert_int_equal(e.vq.notifications, 2);

	/* Without EVENT_IDX the avail_event field means nothing. */
	avail_event = (uint16_t *)&e.vq.used->ring[64];
	*avail_event = 1000;
	publish(&e, 1);
	assert_int_equal(e.kicks, 3);
	env_free(&e);
}

static void
test_publish_event_idx(void **state)
{
	static const struct {
		uint16_t start, n, avail_event;
	} rows[] = {
		{ 0, 1, 0 },
		{ 0, 1, 1 },
		{ 0, 4, 3 },
		{ 0, 4, 4 },
		{ 10, 5, 9 },
		{ 10, 5, 10 },
		{ 10, 5, 14 },
		{ 10, 5, 15 },
		{ 65534, 2, 65535 },
		{ 65534, 4, 0 },
		{ 65534, 4, 1 },
		{ 65534, 4, 2 },
		{ 65535, 1, 65535 },
		{ 65535, 1, 0 },
		{ 65530, 10, 65529 },
	};
	uint16_t *avail_event;
	struct vq_env e;
	unsigned int i;

	RTE_SET_USED(state);
	env_make(&e, 64, true);
	vq_split_reset(&e.vq, true);
	assert_true(e.vq.event_idx);
	/*
	 * We poll: used_event parked a full lap behind, no interrupts wanted;
	 * with event idx the flags must stay 0 (spec 2.7.7.1).
	 */
	assert_int_equal(e.vq.avail->ring[64], 0xffff);
	assert_int_equal(e.vq.avail->flags, 0);

	avail_event = (uint16_t *)&e.vq.used->ring[64];
	for (i = 0; i < RTE_DIM(rows); i++) {
		unsigned int kicks = e.kicks;
		int want = passed_event(rows[i].avail_event, (uint16_t)(rows[i].start + rows[i].n),
				rows[i].start);

		e.vq.avail_idx = rows[i].start;
		*avail_event = rows[i].avail_event;
		/* With EVENT_IDX the flag is not the device's way to ask for quiet. */
		e.vq.used->flags = want ? VRING_USED_F_NO_NOTIFY : 0;
		publish(&e, rows[i].n);
		assert_int_equal(e.kicks - kicks, (unsigned int)want);
	}
	env_free(&e);
}

static void
test_used_pending(void **state)
{
	struct vq_env e;
	unsigned int i;

	RTE_SET_USED(state);
	env_make(&e, 16, true);
	for (i = 0; i < 5; i++)
		post_chain(&e.vq, 1, NULL);
	post_chain(&e.vq, 3, NULL); /* in flight: 8 descriptors */

	e.vq.used->idx = 0;
	assert_int_equal(vq_used_pending(&e.vq), 0);
	e.vq.used->idx = 3;
	assert_int_equal(vq_used_pending(&e.vq), 3);
	e.vq.used->idx = 8;
	assert_int_equal(vq_used_pending(&e.vq), 8);
	assert_int_equal(e.vq.errors.bad_used_idx, 0);

	/* More than in flight: clamped and counted. */
	e.vq.used->idx = 9;
	assert_int_equal(vq_used_pending(&e.vq), 8);
	assert_int_equal(e.vq.errors.bad_used_idx, 1);
	e.vq.used->idx = 40000;
	assert_int_equal(vq_used_pending(&e.vq), 8);
	assert_int_equal(e.vq.errors.bad_used_idx, 2);
	/* Going backwards looks like a huge jump: clamped and counted too. */
	e.vq.used->idx = 0xffff;
	assert_int_equal(vq_used_pending(&e.vq), 8);
	assert_int_equal(e.vq.errors.bad_used_idx, 3);

	/* Free-running indexes across the wrap. */
	e.vq.used_cons = 65534;
	e.vq.used->idx = 2;
	assert_int_equal(vq_used_pending(&e.vq), 4);
	e.vq.used->idx = 65534;
	assert_int_equal(vq_used_pending(&e.vq), 0);
	assert_int_equal(e.vq.errors.bad_used_idx, 3);
	env_free(&e);
}

static void
test_reset(void **state)
{
	uint8_t seen[64] = { 0 };
	struct vq_env e;
	uint16_t i;

	RTE_SET_USED(state);
	env_make(&e, 64, true);
	for (i = 0; i < 10; i++)
		post_chain(&e.vq, 3, NULL);
	memset(e.vq.desc, 0x5a, sizeof(*e.vq.desc) * 64);
	e.vq.avail_idx = 1234;
	e.vq.used_cons = 999;
	e.vq.used->idx = 77;
	e.vq.errors.bad_used_id = 5;
	e.vq.notifications = 9;
	vq_reclaim_all(&e.vq, NULL);

	vq_split_reset(&e.vq, false);
	assert_int_equal(e.vq.nfree, 64);
	assert_int_equal(e.vq.avail_idx, 0);
	assert_int_equal(e.vq.used_cons, 0);
	assert_int_equal(e.vq.used->idx, 0);
	assert_int_equal(e.vq.errors.bad_used_id, 0);
	assert_int_equal(e.vq.notifications, 0);
	assert_true(ut_bytes_all(e.vq.desc, sizeof(*e.vq.desc) * 64, 0));
	assert_int_equal(e.vq.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	assert_false(e.vq.event_idx);
	for (i = 0; i < 64; i++) {
		uint16_t id = post_chain(&e.vq, 1, NULL);

		assert_int_equal(seen[id], 0);
		seen[id] = 1;
	}
	env_free(&e);
}

static void
test_suppress_interrupts(void **state)
{
	struct vq_env e;

	RTE_SET_USED(state);
	env_make(&e, 32, true);
	e.vq.used_cons = 100;
	e.vq.avail->ring[32] = 4242;
	vq_suppress_interrupts(&e.vq);
	assert_int_equal(e.vq.avail->ring[32], 4242); /* no EVENT_IDX: not ours to write */

	e.vq.event_idx = true;
	vq_suppress_interrupts(&e.vq);
	assert_int_equal(e.vq.avail->ring[32], 99);
	e.vq.used_cons = 0;
	vq_suppress_interrupts(&e.vq);
	assert_int_equal(e.vq.avail->ring[32], 65535);
	env_free(&e);
}

/* ---- packed ring (spec 2.8) ---- */

static void
packed_make(struct vq_env *e, uint16_t size, uint64_t dev_addr, bool use_va)
{
	memset(e, 0, sizeof(*e));
	e->mem_len = vq_packed_ring_size(size);
	e->mem = aligned_alloc(PAGE, e->mem_len);
	assert_non_null(e->mem);
	/* Stale memory: init must leave a zeroed ring (spec 2.8.13). */
	memset(e->mem, 0x5a, e->mem_len);
	assert_int_equal(vq_packed_init(&e->vq, 3, size, e->mem,
					 use_va ? (uintptr_t)e->mem : dev_addr, use_va),
			0);
	e->vq.notify = count_kick;
	e->vq.notify_cookie = e;
}

/* The state vq_packed_init() and vq_packed_reset() leave. */
static void
check_packed_fresh(const struct vq_env *e, uint16_t size, bool event_idx)
{
	const struct virtqueue *vq = &e->vq;
	size_t ring = sizeof(struct vring_packed_desc) * size;
	uint16_t i;

	assert_true(vq->packed);
	assert_int_equal(vq->size, size);
	assert_int_equal(vq->nfree, size);
	assert_int_equal(vq->next_avail, 0);
	assert_int_equal(vq->next_used, 0);
	/* Both wrap counters start at 1 (spec 2.8.1). */
	assert_true(vq->avail_wrap);
	assert_true(vq->used_wrap);
	assert_int_equal(vq->avail_flags, VRING_PACKED_DESC_F_AVAIL);
	assert_int_equal(vq->free_head, 0);
	assert_int_equal(vq->oldest_id, 0);
	assert_int_equal(vq->event_idx, event_idx);
	assert_int_equal(vq->notifications, 0);
	assert_int_equal(vq->errors.bad_used_id + vq->errors.bad_used_len +
					vq->errors.bad_used_idx + vq->errors.bad_num_buffers,
			0);
	/* Buffer ids on a circular list, so in-order rings hand them out in turn. */
	for (i = 0; i < size; i++) {
		assert_int_equal(vq->next[i], i + 1 == size ? 0 : i + 1);
		assert_int_equal(vq->extra[i].ndescs, 0);
		assert_null(vq->extra[i].cookie);
	}
	/* Zeroed descriptors: none looks available or used to either side. */
	assert_true(ut_bytes_all(vq->pdesc, ring, 0));
	/* We poll: no used-buffer notifications wanted. */
	assert_int_equal(vq->driver_event->flags, VRING_PACKED_EVENT_FLAG_DISABLE);
	assert_int_equal(vq->driver_event->off_wrap, 0);
	assert_int_equal(vq->device_event->flags, VRING_PACKED_EVENT_FLAG_ENABLE);
	assert_int_equal(vq->device_event->off_wrap, 0);
	/* The split-ring parts stay unset. */
	assert_null(vq->desc);
	assert_null(vq->avail);
	assert_null(vq->used);
}

static void
test_packed_init_sizes(void **state)
{
	static const uint16_t bad[] = { 0, VIRTQ_MAX_SIZE + 1, 40000, 65535 };
	static const uint16_t good[] = { 1, 2, 3, 5, 7, 100, 255, 256, 257, 1000, 1025, 4095, 32767,
		VIRTQ_MAX_SIZE };
	/* Room for any size, so that a size wrongly accepted fails an assertion, not memory. */
	size_t mem_len = vq_packed_ring_size(UINT16_MAX);
	void *mem = aligned_alloc(PAGE, mem_len);
	unsigned int i;

	RTE_SET_USED(state);
	assert_non_null(mem);
	for (i = 0; i < RTE_DIM(bad); i++) {
		struct virtqueue vq;

		memset(&vq, 0, sizeof(vq));
		assert_int_equal(vq_packed_init(&vq, 0, bad[i], mem, 0, true), -EINVAL);
		assert_null(vq.next);
		assert_null(vq.extra);
	}
	free(mem);
	/* Any size up to 32768, powers of two or not. */
	for (i = 0; i < RTE_DIM(good); i++) {
		struct vq_env e;

		packed_make(&e, good[i], 0, true);
		assert_int_equal(e.vq.index, 3);
		check_packed_fresh(&e, good[i], false);
		env_free(&e);
	}
}

static void
test_packed_layout(void **state)
{
	static const uint16_t sizes[] = { 1, 2, 3, 7, 255, 256, 1025, 4096, VIRTQ_MAX_SIZE };
	const uint64_t dev_base = UINT64_C(0x7f0000000000);
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		uint16_t size = sizes[i];
		size_t desc_len = 16u * size; /* spec 2.8.10.1: 16 * Queue Size */
		size_t ring_len = vq_packed_ring_size(size);
		uint8_t *mem;
		size_t ev_off;
		struct vq_env e;

		assert_int_equal(ring_len % PAGE, 0);
		packed_make(&e, size, dev_base, false);
		mem = e.mem;
		assert_ptr_equal(e.vq.pdesc, mem);
		/* Event suppression areas right after the descriptors, 4-aligned, 4 bytes each. */
		ev_off = (size_t)((uint8_t *)e.vq.driver_event - mem);
		assert_int_equal(ev_off, RTE_ALIGN_CEIL(desc_len, VRING_PACKED_EVENT_ALIGN));
		assert_ptr_equal((uint8_t *)e.vq.device_event, mem + ev_off + 4);
		assert_int_equal((uintptr_t)e.vq.pdesc % VRING_PACKED_DESC_ALIGN, 0);
		assert_int_equal((uintptr_t)e.vq.driver_event % VRING_PACKED_EVENT_ALIGN, 0);
		assert_int_equal((uintptr_t)e.vq.device_event % VRING_PACKED_EVENT_ALIGN, 0);
		assert_int_equal(sizeof(struct vring_packed_desc), 16);
		assert_int_equal(sizeof(struct vring_packed_event), 4);
		/* Everything fits and little is wasted. */
		assert_true(ev_off + 8 <= ring_len);
		assert_true(ring_len - (ev_off + 8) < PAGE);
		/* Device addresses: descriptor ring, driver area, device area. */
		assert_int_equal(e.vq.desc_dev_addr, dev_base);
		assert_int_equal(e.vq.avail_dev_addr, dev_base + ev_off);
		assert_int_equal(e.vq.used_dev_addr, dev_base + ev_off + 4);
		env_free(&e);

		/* With virtual addresses the device sees our pointers. */
		packed_make(&e, size, 0, true);
		assert_int_equal(e.vq.desc_dev_addr, (uintptr_t)e.vq.pdesc);
		assert_int_equal(e.vq.avail_dev_addr, (uintptr_t)e.vq.driver_event);
		assert_int_equal(e.vq.used_dev_addr, (uintptr_t)e.vq.device_event);
		env_free(&e);
	}
}

static void
test_packed_reset(void **state)
{
	static const uint16_t sizes[] = { 1, 3, 255, 256 };
	unsigned int i, k;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		uint16_t size = sizes[i];
		struct vq_env e;

		packed_make(&e, size, 0, true);
		/* Dirty everything a running queue changes. */
		for (k = 0; k < size + size / 2u; k++) {
			uint16_t flags;
			uint16_t slot = vq_packed_take_slot(&e.vq, &flags);

			e.vq.pdesc[slot].flags = flags;
			e.vq.pdesc[slot].addr = 0x1234;
		}
		for (k = 0; k < size / 2u + 1; k++) {
			uint16_t id = vq_packed_alloc_id(&e.vq);

			e.vq.extra[id].ndescs = 1;
			e.vq.extra[id].cookie = &e;
			e.vq.nfree--;
		}
		vq_packed_advance(&e.vq.next_used, &e.vq.used_wrap, size, size);
		e.vq.next[0] = 0;
		e.vq.oldest_id = 1;
		e.vq.errors.bad_used_id = 3;
		e.vq.errors.bad_num_buffers = 4;
		e.vq.notifications = 9;
		e.vq.driver_event->flags = VRING_PACKED_EVENT_FLAG_ENABLE;
		e.vq.driver_event->off_wrap = 77;
		e.vq.device_event->flags = VRING_PACKED_EVENT_FLAG_DESC;
		e.vq.device_event->off_wrap = 0x8001;

		vq_packed_reset(&e.vq, true);
		check_packed_fresh(&e, size, true);
		/* The generic reset picks the packed one. */
		e.vq.next_avail = 1;
		e.vq.avail_wrap = false;
		vq_reset(&e.vq, false);
		check_packed_fresh(&e, size, false);
		env_free(&e);
	}
}

/* Slots in ring order; the AVAIL/USED bits follow the wrap counter lap by lap. */
static void
test_packed_take_slot(void **state)
{
	static const uint16_t sizes[] = { 1, 2, 3, 255, 256 };
	unsigned int i, lap;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		uint16_t size = sizes[i];
		struct vq_env e;

		packed_make(&e, size, 0, true);
		for (lap = 0; lap < 5; lap++) {
			/* Spec 2.8.1: AVAIL = wrap counter, USED = its inverse. */
			uint16_t want = lap % 2 == 0 ? VRING_PACKED_DESC_F_AVAIL :
						       VRING_PACKED_DESC_F_USED;
			uint16_t s;

			for (s = 0; s < size; s++) {
				uint16_t flags = 0xffff;

				assert_int_equal(e.vq.avail_wrap, lap % 2 == 0);
				assert_int_equal(vq_packed_take_slot(&e.vq, &flags), s);
				assert_int_equal(flags, want);
				assert_false(vq_packed_is_used(&e.vq, flags));
			}
			/* The counter flips after the last slot, not before. */
			assert_int_equal(e.vq.next_avail, 0);
			assert_int_equal(e.vq.avail_wrap, lap % 2 == 1);
			assert_int_equal(e.vq.avail_flags,
					lap % 2 == 1 ? VRING_PACKED_DESC_F_AVAIL :
						       VRING_PACKED_DESC_F_USED);
		}
		env_free(&e);
	}
}

/* Without frees (in order), ids come round in sequence, lap after lap. */
static void
test_packed_alloc_id(void **state)
{
	static const uint16_t sizes[] = { 1, 3, 255, 1025 };
	unsigned int i, k;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		struct vq_env e;

		packed_make(&e, sizes[i], 0, true);
		for (k = 0; k < 3u * sizes[i] + 1; k++)
			assert_int_equal(vq_packed_alloc_id(&e.vq), k % sizes[i]);
		env_free(&e);
	}
}

static void
test_packed_advance(void **state)
{
	static const struct {
		uint16_t slot, n, size;
		bool wrap;
		uint16_t want_slot;
		bool want_wrap;
	} rows[] = {
		{ 0, 1, 1, true, 0, false },
		{ 0, 0, 1, true, 0, true },
		{ 0, 1, 2, true, 1, true },
		{ 1, 1, 2, true, 0, false },
		{ 1, 2, 3, false, 0, true }, /* exactly to the end */
		{ 1, 3, 3, false, 1, true }, /* a whole lap */
		{ 2, 2, 3, true, 1, false },
		{ 250, 4, 255, true, 254, true },
		{ 250, 5, 255, true, 0, false },
		{ 250, 10, 255, false, 5, true },
		{ 0, 255, 255, true, 0, false },
		{ 1000, 25, 1025, true, 0, false },
		{ 32767, 1, VIRTQ_MAX_SIZE, true, 0, false },
		{ 32767, 32768, VIRTQ_MAX_SIZE, false, 32767, true }, /* no 16-bit overflow */
		{ 16384, 32767, VIRTQ_MAX_SIZE, true, 16383, false },
	};
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(rows); i++) {
		uint16_t slot = rows[i].slot;
		bool wrap = rows[i].wrap;

		vq_packed_advance(&slot, &wrap, rows[i].n, rows[i].size);
		assert_int_equal(slot, rows[i].want_slot);
		assert_int_equal(wrap, rows[i].want_wrap);
	}
}

static void
test_packed_is_used(void **state)
{
	const uint16_t a = VRING_PACKED_DESC_F_AVAIL, u = VRING_PACKED_DESC_F_USED;
	const uint16_t others[] = { 0, VRING_DESC_F_WRITE, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		VRING_DESC_F_INDIRECT };
	struct vq_env e;
	unsigned int i;

	RTE_SET_USED(state);
	packed_make(&e, 8, 0, true);
	for (i = 0; i < RTE_DIM(others); i++) {
		uint16_t o = others[i];

		/* Used: AVAIL and USED both equal to the used wrap counter (spec 2.8.1). */
		e.vq.used_wrap = true;
		assert_true(vq_packed_is_used(&e.vq, a | u | o));
		assert_false(vq_packed_is_used(&e.vq, o));
		assert_false(vq_packed_is_used(&e.vq, a | o));
		assert_false(vq_packed_is_used(&e.vq, u | o));
		e.vq.used_wrap = false;
		assert_true(vq_packed_is_used(&e.vq, o));
		assert_false(vq_packed_is_used(&e.vq, a | u | o));
		assert_false(vq_packed_is_used(&e.vq, a | o));
		assert_false(vq_packed_is_used(&e.vq, u | o));
	}
	env_free(&e);
}

static void
test_packed_notify_flags(void **state)
{
	static const struct {
		uint16_t flags;
		bool event_idx;
		bool kick;
	} rows[] = {
		{ VRING_PACKED_EVENT_FLAG_ENABLE, false, true },
		{ VRING_PACKED_EVENT_FLAG_ENABLE, true, true },
		{ VRING_PACKED_EVENT_FLAG_DISABLE, false, false },
		{ VRING_PACKED_EVENT_FLAG_DISABLE, true, false },
		/* DESC is only valid with EVENT_IDX: without it, kick. */
		{ VRING_PACKED_EVENT_FLAG_DESC, false, true },
		/* Reserved value: when in doubt, ring. */
		{ 0x3, false, true },
	};
	struct vq_env e;
	unsigned int i;

	RTE_SET_USED(state);
	packed_make(&e, 16, 0, true);
	for (i = 0; i < RTE_DIM(rows); i++) {
		unsigned int kicks = e.kicks;
		uint64_t notifications = e.vq.notifications;
		uint16_t old_slot = e.vq.next_avail, flags;
		bool old_wrap = e.vq.avail_wrap;

		e.vq.event_idx = rows[i].event_idx;
		e.vq.device_event->flags = rows[i].flags;
		/* Names a slot far from what is published: matters only with DESC. */
		e.vq.device_event->off_wrap = 12 | (e.vq.avail_wrap ? 0x8000 : 0);
		vq_packed_take_slot(&e.vq, &flags);
		vq_packed_notify(&e.vq, old_slot, old_wrap);
		assert_int_equal(e.kicks - kicks, rows[i].kick);
		assert_int_equal(e.vq.notifications - notifications, rows[i].kick);
	}
	env_free(&e);
}

/* Reference: was descriptor (off, wrap) among the n slots made available from (slot, w)? */
static bool
packed_event_in(uint16_t size, uint16_t slot, bool w, uint32_t n, uint16_t off, bool wrap)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (slot == off && w == wrap)
			return true;
		vq_packed_advance(&slot, &w, 1, size);
	}
	return false;
}

/* Publishes n slots from (slot, wrap) with the device waiting on (off, ewrap); kicked? */
static bool
packed_kicked(struct vq_env *e, uint16_t slot, bool wrap, uint32_t n, uint16_t off, bool ewrap)
{
	unsigned int kicks = e->kicks;

	e->vq.next_avail = slot;
	e->vq.avail_wrap = wrap;
	vq_packed_advance(&e->vq.next_avail, &e->vq.avail_wrap, n, e->vq.size);
	e->vq.device_event->off_wrap = (uint16_t)(off | (ewrap ? 0x8000 : 0));
	vq_packed_notify(&e->vq, slot, wrap);
	return e->kicks != kicks;
}

static void
test_packed_notify_event_idx(void **state)
{
	static const uint16_t small[] = { 1, 2, 3, 7, 16 };
	static const uint16_t big[] = { 255, 256, 1025, VIRTQ_MAX_SIZE };
	unsigned int i, checked = 0, kicked = 0;
	uint32_t rnd = 17;

	RTE_SET_USED(state);
	/* Small rings: every start, length and event. */
	for (i = 0; i < RTE_DIM(small); i++) {
		uint16_t size = small[i], slot, off;
		unsigned int w, ew;
		uint32_t n;
		struct vq_env e;

		packed_make(&e, size, 0, true);
		vq_packed_reset(&e.vq, true);
		e.vq.device_event->flags = VRING_PACKED_EVENT_FLAG_DESC;
		for (slot = 0; slot < size; slot++)
			for (w = 0; w < 2; w++)
				for (n = 1; n <= size; n++)
					for (off = 0; off < size; off++)
						for (ew = 0; ew < 2; ew++) {
							bool want = packed_event_in(size, slot, w,
									n, off, ew);

							assert_int_equal(packed_kicked(&e, slot, w,
											 n, off,
											 ew),
									want);
							checked++;
							kicked += want;
						}
		env_free(&e);
	}
	/* Big rings: random starts and bursts, events near them. */
	for (i = 0; i < RTE_DIM(big); i++) {
		uint16_t size = big[i];
		unsigned int k;
		struct vq_env e;

		packed_make(&e, size, 0, true);
		vq_packed_reset(&e.vq, true);
		e.vq.device_event->flags = VRING_PACKED_EVENT_FLAG_DESC;
		for (k = 0; k < 100000; k++) {
			uint16_t slot = (uint16_t)(ut_rand(&rnd) % size);
			bool w = ut_rand(&rnd) & 1;
			uint32_t n = k % 10 == 0 ? size : ut_rand(&rnd) % RTE_MIN(size, 600u) + 1;
			/* From 400 slots behind to 1000 ahead. */
			uint16_t off = (uint16_t)(((uint32_t)slot + size -
								  RTE_MIN(400u, size - 1u) +
								  ut_rand(&rnd) % 1400u) %
					size);
			bool ew = ut_rand(&rnd) & 1;
			bool want = packed_event_in(size, slot, w, n, off, ew);

			assert_int_equal(packed_kicked(&e, slot, w, n, off, ew), want);
			checked++;
			kicked += want;
		}
		env_free(&e);
	}
	print_message("# %u publish/event combinations, %u kicks\n", checked, kicked);
	assert_true(kicked > checked / 20 && kicked < checked - checked / 20);
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	return ut_eal_init("virtqueue");
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_fini();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_sizes),
		cmocka_unit_test(test_init_powers_of_two),
		cmocka_unit_test(test_ring_layout),
		cmocka_unit_test(test_mbuf_dev_addr),
		cmocka_unit_test(test_free_list_chains),
		cmocka_unit_test(test_free_list_exhaustion),
		cmocka_unit_test(test_reclaim_all),
		cmocka_unit_test(test_used_chain_validation),
		cmocka_unit_test(test_need_event_table),
		cmocka_unit_test(test_publish_flags),
		cmocka_unit_test(test_publish_event_idx),
		cmocka_unit_test(test_used_pending),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_suppress_interrupts),
		cmocka_unit_test(test_packed_init_sizes),
		cmocka_unit_test(test_packed_layout),
		cmocka_unit_test(test_packed_reset),
		cmocka_unit_test(test_packed_take_slot),
		cmocka_unit_test(test_packed_alloc_id),
		cmocka_unit_test(test_packed_advance),
		cmocka_unit_test(test_packed_is_used),
		cmocka_unit_test(test_packed_notify_flags),
		cmocka_unit_test(test_packed_notify_event_idx),
	};

	return cmocka_run_group_tests_name("virtqueue", tests, group_setup, group_teardown);
}
