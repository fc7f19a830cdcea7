/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Interrupt-driven receive against the fake device, which counts the
 * used-buffer notifications the spec obliges it to send: none while the
 * driver polls, one for the first packet once armed (also when a burst runs
 * in between), the race between arming and a packet, and the condition a
 * power-monitoring core sleeps on. Every case runs on split and packed
 * rings, with and without VIRTIO_RING_F_EVENT_IDX.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "fake_device.h"
#include "intr.h"
#include "rxtx/rxtx.h"
#include "ut_common.h"

#define HDR_SIZE 12
#define RING 64
#define BURST 32

static struct rte_mempool *pool;

struct intr_case {
	bool packed;
	bool event_idx;
};

static const struct intr_case cases[] = {
	{ .packed = false, .event_idx = false },
	{ .packed = false, .event_idx = true },
	{ .packed = true, .event_idx = false },
	{ .packed = true, .event_idx = true },
};

struct env {
	struct ut_rxq q;
	const struct intr_case *c;
	uint32_t seq;
};

static void
env_make(struct env *e, const struct intr_case *c)
{
	struct virtio_queue_params p = {
		.size = RING,
		.use_va = true,
		.hdr_size = HDR_SIZE,
		.packed = c->packed,
		.port_id = 3,
	};

	memset(e, 0, sizeof(*e));
	e->c = c;
	assert_int_equal(ut_rxq_create(&e->q, &p, pool), 0);
	vq_reset(&e->q.rxq->vq, c->event_idx);
	assert_int_equal(virtio_rxq_fill(e->q.rxq), RING);
}

static void
env_free(struct env *e)
{
	ut_rxq_destroy(&e->q);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

static void
deliver(struct env *e)
{
	uint8_t frame[128];

	ut_frame_fill(frame, sizeof(frame), e->seq++);
	assert_int_equal(fake_rx_deliver(&e->q.fd, frame, sizeof(frame), NULL), 1);
}

/* Receives everything pending with the layout's scalar burst, checks the count. */
static void
receive(struct env *e, uint16_t expect)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = e->c->packed ? virtio_recv_pkts_packed(e->q.rxq, pkts, BURST) :
				    virtio_recv_pkts(e->q.rxq, pkts, BURST);

	assert_int_equal(n, expect);
	rte_pktmbuf_free_bulk(pkts, n);
}

static void
for_each_case(void (*fn)(struct env *e))
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct env e;

		print_message("# %s ring, event idx %s\n", cases[i].packed ? "packed" : "split",
			      cases[i].event_idx ? "on" : "off");
		env_make(&e, &cases[i]);
		fn(&e);
		env_free(&e);
	}
}

/* Polling: the device is asked for no notification at all, lap after lap. */
static void
polling_body(struct env *e)
{
	unsigned int i;

	for (i = 0; i < 3 * RING; i++) {
		deliver(e);
		receive(e, 1);
	}
	assert_int_equal(e->q.fd.interrupts, 0);
}

static void
test_polling_asks_for_no_interrupts(void **state)
{
	RTE_SET_USED(state);
	for_each_case(polling_body);
}

/* Armed: the next packet interrupts; disarmed: the following ones do not. */
static void
armed_body(struct env *e)
{
	struct virtqueue *vq = &e->q.rxq->vq;
	unsigned int i;

	/* Move the ring off its start so positions and wrap counters matter. */
	for (i = 0; i < RING + 5; i++) {
		deliver(e);
		receive(e, 1);
	}
	assert_false(vq_intr_arm(vq));
	assert_true(vq->intr_armed);
	deliver(e);
	assert_int_equal(e->q.fd.interrupts, 1);
	receive(e, 1);
	/* A burst while armed keeps it armed: the next packet interrupts too. */
	deliver(e);
	assert_int_equal(e->q.fd.interrupts, 2);
	receive(e, 1);
	vq_intr_disarm(vq);
	assert_false(vq->intr_armed);
	for (i = 0; i < 4; i++) {
		deliver(e);
		receive(e, 1);
	}
	assert_int_equal(e->q.fd.interrupts, 2);
}

static void
test_armed_queue_interrupts_once_per_packet(void **state)
{
	RTE_SET_USED(state);
	for_each_case(armed_body);
}

/*
 * The race: a packet lands while still disarmed, so no notification will
 * come for it. Arming must report it so that the caller does not sleep.
 */
static void
race_body(struct env *e)
{
	struct virtqueue *vq = &e->q.rxq->vq;

	deliver(e);
	assert_int_equal(e->q.fd.interrupts, 0);
	assert_true(vq_has_used(vq));
	assert_true(vq_intr_arm(vq));
	receive(e, 1);
	vq_intr_disarm(vq);
	assert_false(vq_has_used(vq));
	assert_false(vq_intr_arm(vq));
	vq_intr_disarm(vq);
}

static void
test_arming_reports_a_packet_that_raced_it(void **state)
{
	RTE_SET_USED(state);
	for_each_case(race_body);
}

static int
monitor_says(struct virtnet_rxq *rxq)
{
	struct rte_power_monitor_cond pmc;
	uint64_t value;

	memset(&pmc, 0xa5, sizeof(pmc));
	assert_int_equal(virtnet_get_monitor_addr(rxq, &pmc), 0);
	assert_int_equal(pmc.size, sizeof(uint16_t));
	assert_non_null(pmc.fn);
	value = *(volatile uint16_t *)pmc.addr;
	return pmc.fn(value, pmc.opaque);
}

/* rte_power_monitor sleeps only while the watched word says "nothing used yet". */
static void
monitor_body(struct env *e)
{
	unsigned int i;

	/* Over two laps, so the packed wrap counter flips under the condition. */
	for (i = 0; i < 2 * RING + 3; i++) {
		assert_int_equal(monitor_says(e->q.rxq), 0);
		deliver(e);
		assert_int_equal(monitor_says(e->q.rxq), -1);
		receive(e, 1);
	}
	assert_int_equal(monitor_says(e->q.rxq), 0);
}

static void
test_monitor_condition_wakes_on_used_buffer(void **state)
{
	RTE_SET_USED(state);
	for_each_case(monitor_body);
}

static int
setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_eal_and_pool("test_intr", 1023);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_and_pool_fini(pool);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_polling_asks_for_no_interrupts),
		cmocka_unit_test(test_armed_queue_interrupts_once_per_packet),
		cmocka_unit_test(test_arming_reports_a_packet_that_raced_it),
		cmocka_unit_test(test_monitor_condition_wakes_on_used_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
