/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * A gate on a Tx queue that lets the control path transmit on it while the
 * application's lcore may be bursting on the same queue (the datapath has
 * no lock). Dekker-style: the burst marks itself busy, then checks whether
 * the gate is closed; the control path closes the gate, then waits until no
 * burst is busy. Sequentially consistent accesses make it impossible for
 * both to go ahead. Installed only when something needs it (guest announce),
 * and then it costs one exchange per burst of the gated queue.
 */

#ifndef VIRTIO_TX_GATE_H
#define VIRTIO_TX_GATE_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_pause.h>

struct virtnet_tx_gate {
	uint32_t closed; /* the control path owns the queue (or wants it) */
	uint32_t busy;   /* a burst is running */
};

/* The burst function in front of the elected one, for every Tx queue. */
uint16_t virtio_xmit_pkts_gated(void *txq, struct rte_mbuf **pkts, uint16_t n);

/* Takes the queue from the datapath: returns once no burst runs on it. */
static inline void
virtnet_tx_gate_close(struct virtnet_tx_gate *g)
{
	__atomic_store_n(&g->closed, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&g->busy, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
}

static inline void
virtnet_tx_gate_open(struct virtnet_tx_gate *g)
{
	__atomic_store_n(&g->closed, 0, __ATOMIC_RELEASE);
}

#endif /* VIRTIO_TX_GATE_H */
