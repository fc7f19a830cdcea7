/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Queue reconfiguration while another port carries traffic.
 *
 * The last port (B) exchanges tagged frames with the backend without pause on
 * a worker lcore. The main lcore takes every other port (A) through a list of
 * queue counts and ring sizes: stop, configure, queue setup, start, frames on
 * every queue and all of them back on the queue they left. After each
 * reconfiguration B must have carried more frames than before it (B never
 * stalls), and at the end every mbuf is back in the pool.
 *
 *   reconfig_while_traffic <EAL args> -- [--rounds N]
 */

#include <stdbool.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "fault_common.h"

struct shape {
	uint16_t queues;
	uint16_t ring;
};

/* A port's devargs allow 4 queue pairs of up to 1024 descriptors. */
static const struct shape shapes[] = {
	{ 1, 256 }, { 4, 512 }, { 2, 1024 }, { 4, 256 }, { 1, 1024 }, { 2, 512 },
};

#define NB_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

struct traffic {
	uint16_t port;
	struct rte_mempool *mp;
	volatile bool stop;
	uint64_t exchanges;    /* written by the worker, read by main */
	uint64_t received;
	uint64_t stale;
	uint64_t short_rounds; /* exchanges in which not every frame came back */
};

static int
traffic_loop(void *arg)
{
	struct traffic *t = arg;
	uint32_t round = 0;

	while (!t->stop) {
		struct fault_result res = fault_exchange(t->port, 1, round++, FAULT_BURST, t->mp);

		__atomic_fetch_add(&t->received, res.received, __ATOMIC_RELEASE);
		t->stale += res.stale;
		if (res.received != res.sent || res.sent != FAULT_BURST)
			t->short_rounds++;
		__atomic_fetch_add(&t->exchanges, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

/* Bounded wait until port B carried more frames than `since`. */
static bool
traffic_moved(struct traffic *t, uint64_t since)
{
	uint64_t deadline = rte_get_timer_cycles() + FAULT_WAIT_S * rte_get_timer_hz();

	while (__atomic_load_n(&t->received, __ATOMIC_ACQUIRE) <= since)
		if (rte_get_timer_cycles() > deadline)
			return false;
	return true;
}

static int
check_shape(uint16_t port, const struct shape *s)
{
	struct rte_eth_rxq_info rxq;
	struct rte_eth_txq_info txq;
	uint16_t q;

	for (q = 0; q < s->queues; q++) {
		if (rte_eth_rx_queue_info_get(port, q, &rxq) != 0 ||
		    rte_eth_tx_queue_info_get(port, q, &txq) != 0 ||
		    rxq.nb_desc != s->ring || txq.nb_desc != s->ring) {
			fault_fail("port %u queue %u: ring size is not the %u descriptors asked",
				   port, q, s->ring);
			return -1;
		}
	}
	return 0;
}

static int
reconfigure(uint16_t port, unsigned int round, struct rte_mempool *mp)
{
	const struct shape *s = &shapes[round % NB_SHAPES];
	struct fault_result res;
	int ret;

	fault_drain(port);
	ret = rte_eth_dev_stop(port);
	if (ret != 0) {
		fault_fail("port %u round %u: stop: %s", port, round, rte_strerror(-ret));
		return ret;
	}
	ret = fault_port_start(port, s->queues, s->ring, mp);
	if (ret != 0 || check_shape(port, s) != 0)
		return -1;
	res = fault_exchange(port, s->queues, round, FAULT_BURST, mp);
	if (res.sent != (uint64_t)FAULT_BURST * s->queues || res.received != res.sent) {
		fault_fail("port %u round %u (%u queues of %u): %" PRIu64 " frames sent of %u, "
			   "%" PRIu64 " came back on their queue", port, round, s->queues, s->ring,
			   res.sent, FAULT_BURST * s->queues, res.received);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct traffic t = { 0 };
	struct rte_mempool *mp;
	unsigned int rounds, r, before, worker, failed = 0;
	uint16_t nb_ports, p;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fault_fail("EAL init");
		return 1;
	}
	rounds = (unsigned int)fault_arg(argc - ret, argv + ret, "--rounds", 30);
	nb_ports = rte_eth_dev_count_avail();
	worker = rte_get_next_lcore(-1, 1, 0);
	if (nb_ports < 2 || worker >= RTE_MAX_LCORE) {
		fault_fail("need at least 2 ports (%u) and a worker lcore", nb_ports);
		return 1;
	}
	mp = fault_pool_create("fault_pool", 16383);
	if (mp == NULL) {
		fault_fail("mbuf pool: %s", rte_strerror(rte_errno));
		return 1;
	}
	t.port = nb_ports - 1;
	t.mp = mp;
	for (p = 0; p < nb_ports; p++)
		if (fault_port_start(p, 1, 256, mp) != 0 || rte_eth_dev_stop(p) != 0)
			return 1;
	before = rte_mempool_in_use_count(mp);
	for (p = 0; p < nb_ports; p++)
		if (rte_eth_dev_start(p) != 0)
			return 1;
	rte_eal_remote_launch(traffic_loop, &t, worker);

	for (r = 0; r < rounds && !failed; r++) {
		for (p = 0; p < t.port && !failed; p++) {
			uint64_t since = __atomic_load_n(&t.received, __ATOMIC_ACQUIRE);

			if (reconfigure(p, r, mp) != 0)
				failed = 1;
			else if (!traffic_moved(&t, since)) {
				fault_fail("port %u stalled while port %u was reconfigured (round %u): "
					   "%" PRIu64 " frames", t.port, p, r, since);
				failed = 1;
			}
		}
	}
	t.stop = true;
	rte_eal_wait_lcore(worker);
	printf("port %u: %" PRIu64 " exchanges of %u frames during %u reconfiguration rounds "
	       "of %u port(s), %" PRIu64 " frames back, %" PRIu64 " short exchanges, %" PRIu64
	       " stale frames\n", t.port, t.exchanges, FAULT_BURST, r, t.port, t.received,
	       t.short_rounds, t.stale);
	if (t.short_rounds != 0) {
		fault_fail("port %u lost frames while other ports were reconfigured", t.port);
		failed = 1;
	}
	for (p = 0; p < nb_ports; p++) {
		fault_drain(p);
		rte_eth_dev_stop(p);
	}
	{
		char what[80];

		snprintf(what, sizeof(what), "%u reconfiguration rounds", r);
		return fault_finish(mp, before, what, nb_ports, failed);
	}
}
