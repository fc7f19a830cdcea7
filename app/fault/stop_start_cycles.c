/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Port stop/start cycles with traffic on every port, one port after the other
 * on the main lcore: a second busy lcore would only take the CPU from the
 * backend that has to answer each stop and start.
 *
 * Each cycle: stop, start, 32 frames out and all 32 back (the backend loops
 * them), then 32 more sent and the port stopped with them in flight. At the
 * end every mbuf must be back in the pool: in-use count as after the first stop.
 *
 *   stop_start_cycles <EAL args> -- [--cycles N]
 */

#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "fault_common.h"

#define RING 256

struct port_run {
	uint16_t port;
	unsigned long done;
	uint64_t sent, received, stale;
	struct rte_mempool *mp;
};

static int
cycle_port(struct port_run *run, unsigned long c)
{
	uint16_t port = run->port;
	struct fault_result res;
	int ret = rte_eth_dev_stop(port);

	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret != 0) {
		fault_fail("port %u cycle %lu: stop/start: %s", port, c, rte_strerror(-ret));
		return -1;
	}
	res = fault_exchange(port, 1, (uint32_t)c, FAULT_BURST, run->mp);
	run->sent += res.sent;
	run->received += res.received;
	run->stale += res.stale;
	if (res.sent != FAULT_BURST || res.received != res.sent) {
		fault_fail("port %u cycle %lu: %" PRIu64 " frames sent of %u, %" PRIu64
			   " came back", port, c, res.sent, FAULT_BURST, res.received);
		return -1;
	}
	/* More frames, and the next stop comes with them in the rings and the backend. */
	fault_send(port, 0, (uint32_t)c, FAULT_BURST, run->mp);
	run->done++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct port_run runs[RTE_MAX_ETHPORTS];
	struct rte_mempool *mp;
	unsigned int before, failed = 0;
	uint16_t nb_ports, p;
	unsigned long cycles, c;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fault_fail("EAL init");
		return 1;
	}
	cycles = fault_arg(argc - ret, argv + ret, "--cycles", 1000);
	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports == 0) {
		fault_fail("no port");
		return 1;
	}
	mp = fault_pool_create("fault_pool", 4095);
	if (mp == NULL) {
		fault_fail("mbuf pool: %s", rte_strerror(rte_errno));
		return 1;
	}
	for (p = 0; p < nb_ports; p++)
		if (fault_port_start(p, 1, RING, mp) != 0 || rte_eth_dev_stop(p) != 0)
			return 1;
	before = rte_mempool_in_use_count(mp);
	for (p = 0; p < nb_ports; p++) {
		runs[p] = (struct port_run){ .port = p, .mp = mp };
		if (rte_eth_dev_start(p) != 0)
			return 1;
	}
	for (c = 0; c < cycles && !failed; c++)
		for (p = 0; p < nb_ports && !failed; p++)
			failed = cycle_port(&runs[p], c) != 0;

	for (p = 0; p < nb_ports; p++) {
		struct rte_eth_dev_info info;

		fault_drain(p);
		rte_eth_dev_stop(p);
		rte_eth_dev_info_get(p, &info);
		printf("port %u (%s): %lu stop/start cycles, %" PRIu64 " frames sent, %" PRIu64
		       " back in their cycle, %" PRIu64 " from an earlier cycle\n", p,
		       rte_dev_name(info.device), runs[p].done, runs[p].sent,
		       runs[p].received, runs[p].stale);
	}
	{
		char what[64];

		snprintf(what, sizeof(what), "%lu stop/start cycles", cycles);
		return fault_finish(mp, before, what, nb_ports, failed);
	}
}
