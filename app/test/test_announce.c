/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Guest announce pieces that need no device: the RARP frame byte for byte,
 * and the Tx gate that lets the control path transmit on queue 0 while
 * another thread bursts on it (never both inside the queue at once).
 */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "announce.h"
#include "rxtx/rxtx.h"
#include "rxtx/tx_gate.h"
#include "ut_common.h"

static struct rte_mempool *pool;

static void
rarp_bytes(void **state)
{
	static const uint8_t mac_bytes[6] = { 0x02, 0x00, 0x00, 0x00, 0xaa, 0x01 };
	static const uint8_t head[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0xaa, 0x01,
		0x80, 0x35, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x03,
		0x02, 0x00, 0x00, 0x00, 0xaa, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0xaa, 0x01, 0x00, 0x00, 0x00, 0x00,
	};
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	const uint8_t *p;

	RTE_SET_USED(state);
	memcpy(mac.addr_bytes, mac_bytes, sizeof(mac_bytes));
	m = virtnet_rarp_build(pool, &mac);
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 60);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_memory_equal(p, head, sizeof(head));
	assert_true(ut_bytes_all(p + sizeof(head), 60 - sizeof(head), 0));
	rte_pktmbuf_free(m);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

/* Both sides record whether they ever found the other inside the queue. */
static struct gate_env {
	struct virtnet_tx_gate gate;
	struct virtnet_txq txq;
	uint32_t in_burst;
	uint32_t control_inside;
	uint64_t overlaps;
	uint64_t bursts;
	uint32_t stop;
} env;

static uint16_t
inner_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(q);
	RTE_SET_USED(pkts);
	__atomic_store_n(&env.in_burst, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&env.control_inside, __ATOMIC_SEQ_CST))
		env.overlaps++;
	env.bursts++;
	__atomic_store_n(&env.in_burst, 0, __ATOMIC_SEQ_CST);
	return n;
}

static void *
datapath(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&env.stop, __ATOMIC_ACQUIRE))
		virtio_xmit_pkts_gated(&env.txq, NULL, 1);
	return NULL;
}

static void
gate_excludes_bursts(void **state)
{
	uint64_t taken = 0, overlaps = 0;
	pthread_t t;
	unsigned int i;

	RTE_SET_USED(state);
	memset(&env, 0, sizeof(env));
	env.txq.gate = &env.gate;
	env.txq.gated_tx = inner_burst;
	uint64_t before;

	assert_int_equal(pthread_create(&t, NULL, datapath, NULL), 0);
	/* Let the datapath thread get going, so that the two really contend. */
	while (__atomic_load_n(&env.bursts, __ATOMIC_RELAXED) == 0)
		rte_pause();
	before = env.bursts;
	/* Enough rounds on both sides, however the two threads get scheduled. */
	for (i = 0; i < 200000 || __atomic_load_n(&env.bursts, __ATOMIC_RELAXED) - before < 1000;
	     i++) {
		virtnet_tx_gate_close(&env.gate);
		__atomic_store_n(&env.control_inside, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&env.in_burst, __ATOMIC_SEQ_CST))
			overlaps++;
		taken++;
		__atomic_store_n(&env.control_inside, 0, __ATOMIC_SEQ_CST);
		virtnet_tx_gate_open(&env.gate);
		rte_pause();
	}
	__atomic_store_n(&env.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	assert_int_equal(overlaps, 0);
	assert_int_equal(env.overlaps, 0);
	assert_int_equal(taken, i);
	assert_true(env.bursts - before >= 1000);
}

static void
ungated_queue_passes_through(void **state)
{
	RTE_SET_USED(state);
	memset(&env, 0, sizeof(env));
	env.txq.gated_tx = inner_burst;
	env.gate.closed = 1; /* a gate on another queue does not matter here */
	assert_int_equal(virtio_xmit_pkts_gated(&env.txq, NULL, 5), 5);
	env.txq.gate = &env.gate;
	assert_int_equal(virtio_xmit_pkts_gated(&env.txq, NULL, 5), 0);
	assert_int_equal(env.bursts, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rarp_bytes),
		cmocka_unit_test(gate_excludes_bursts),
		cmocka_unit_test(ungated_queue_passes_through),
	};
	int ret;

	if (ut_eal_init("announce") < 0)
		return 1;
	pool = ut_pool_create("announce_pool", 64, 2048);
	if (pool == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(pool);
	ut_eal_fini();
	return ret;
}
