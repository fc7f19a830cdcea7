/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include "rxtx.h"
#include "tx_gate.h"

uint16_t
virtio_xmit_pkts_gated(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct virtnet_txq *txq = queue;
	struct virtnet_tx_gate *g = txq->gate;
	uint16_t sent;

	if (g == NULL)
		return txq->gated_tx(queue, pkts, n);
	__atomic_store_n(&g->busy, 1, __ATOMIC_SEQ_CST);
	if (unlikely(__atomic_load_n(&g->closed, __ATOMIC_SEQ_CST) != 0)) {
		/* The control path transmits right now: like a full ring, try again. */
		__atomic_store_n(&g->busy, 0, __ATOMIC_RELEASE);
		return 0;
	}
	sent = txq->gated_tx(queue, pkts, n);
	__atomic_store_n(&g->busy, 0, __ATOMIC_RELEASE);
	return sent;
}
