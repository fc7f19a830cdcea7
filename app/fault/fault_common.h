/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#ifndef FAULT_COMMON_H
#define FAULT_COMMON_H

/*
 * Helpers of the fault applications (stop_start_cycles, reconfig_while_traffic):
 * port setup, tagged frames sent and counted back through a loop-back
 * backend (testpmd io forwarding on net_vhost), mempool counts.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#define FAULT_BURST 32

/* Bounded waits for frames to come back: generous, they are not performance limits. */
#define FAULT_WAIT_S 10

struct fault_result {
	uint64_t sent;
	uint64_t received; /* frames of this round back on the queue they were sent on */
	uint64_t stale;    /* frames of an earlier round or another queue: counted, ignored */
};

/* Failures print one line starting with "FAIL" and make the application exit 1. */
void fault_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct rte_mempool *fault_pool_create(const char *name, unsigned int n);

/* Configures `nq` queue pairs of `ring` descriptors each and starts the port. */
int fault_port_start(uint16_t port, uint16_t nq, uint16_t ring, struct rte_mempool *mp);

/* Sends up to a burst of frames tagged (port, queue, round); returns how many left. */
unsigned int fault_send(uint16_t port, uint16_t q, uint32_t round, unsigned int n,
			struct rte_mempool *mp);

/*
 * Sends `per_queue` frames tagged (port, queue, round) on every queue and waits
 * until all of them came back (the backend loops them), or FAULT_WAIT_S.
 */
struct fault_result fault_exchange(uint16_t port, uint16_t nq, uint32_t round,
				   unsigned int per_queue, struct rte_mempool *mp);

/* Drains what the backend still sends back, so that a stopped port holds nothing. */
void fault_drain(uint16_t port);

/* The line the test and the closing note quote. */
void fault_pool_line(const struct rte_mempool *mp, unsigned int before, const char *what);

/* Parses "--name N" from the application arguments; `def` when absent. */
/*
 * The end of a fault application: the pool line, the leak check (every mbuf back
 * since `before`), ports closed, EAL cleaned up, "RESULT: OK|FAIL". Returns the
 * exit status.
 */
int fault_finish(struct rte_mempool *mp, unsigned int before, const char *what, uint16_t nb_ports,
		 int failed);

unsigned long fault_arg(int argc, char **argv, const char *name, unsigned long def);

#endif /* FAULT_COMMON_H */
