/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * rte_eth_tx_prepare() for ports with Tx offloads: checks that every offload
 * a packet asks for is one this queue can do, and writes the pseudo-header
 * checksum into the L4 header, as DPDK's convention wants of a prepare
 * callback (testpmd's csum engine relies on it). The transmit functions then
 * only fill the net header (rxtx/offload.h).
 */

#include <errno.h>

#include <rte_errno.h>
#include <rte_net.h>

#include "offload.h"
#include "rxtx.h"

/* Tunnels, outer checksums, SCTP and UDP segmentation have no virtio header form. */
#define TX_OL_NOT_SUPPORTED (RTE_MBUF_F_TX_TUNNEL_MASK | RTE_MBUF_F_TX_OUTER_IP_CKSUM | \
			     RTE_MBUF_F_TX_OUTER_UDP_CKSUM | RTE_MBUF_F_TX_UDP_SEG | \
			     RTE_MBUF_F_TX_QINQ | RTE_MBUF_F_TX_SEC_OFFLOAD)

static int
prepare_one(const struct virtnet_txq *txq, struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags;

	if ((ol & TX_OL_NOT_SUPPORTED) ||
	    (ol & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_SCTP_CKSUM)
		return -ENOTSUP;
	if ((ol & RTE_MBUF_F_TX_L4_MASK) && !(txq->offloads & VIRTIO_TXQ_OFF_CSUM))
		return -ENOTSUP;
	if ((ol & RTE_MBUF_F_TX_TCP_SEG) &&
	    !(txq->offloads & ((ol & RTE_MBUF_F_TX_IPV4) ? VIRTIO_TXQ_OFF_TSO4 :
							    VIRTIO_TXQ_OFF_TSO6)))
		return -ENOTSUP;
#ifdef RTE_LIBRTE_ETHDEV_DEBUG
	{
		int ret = rte_validate_tx_offload(m);

		if (ret != 0)
			return ret;
	}
#endif
	return rte_net_intel_cksum_prepare(m);
}

uint16_t
virtio_xmit_pkts_prepare(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	const struct virtnet_txq *txq = queue;
	uint16_t i;

	for (i = 0; i < nb_pkts; i++) {
		int ret = prepare_one(txq, pkts[i]);

		if (ret != 0) {
			rte_errno = -ret;
			return i;
		}
	}
	return nb_pkts;
}
