/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <string.h>

#include <rte_arp.h>

#include "announce.h"
#include "cvq.h"
#include "ethdev.h"
#include "rxtx/rxtx.h"
#include "rxtx/tx_gate.h"
#include "virtio_log.h"

struct rte_mbuf *
virtnet_rarp_build(struct rte_mempool *mp, const struct rte_ether_addr *mac)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	char *frame;

	if (m == NULL)
		return NULL;
	frame = rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	if (frame == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(frame, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	eth = (struct rte_ether_hdr *)frame;
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_RARP);
	/* "Who is this hardware address?" about ourselves: RFC 903, as QEMU sends it. */
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REVREQUEST);
	rte_ether_addr_copy(mac, &arp->arp_data.arp_sha);
	rte_ether_addr_copy(mac, &arp->arp_data.arp_tha);
	return m;
}

void
virtnet_announce_setup(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t q;

	if (!virtio_dev_has(&port->dev, VIRTIO_NET_F_GUEST_ANNOUNCE))
		return;
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++) {
		struct virtnet_txq *txq = eth_dev->data->tx_queues[q];

		txq->gated_tx = port->path.tx;
		/* Only queue 0 carries announcements; the others just pass through. */
		txq->gate = q == 0 ? &port->tx_gate : NULL;
	}
	eth_dev->tx_pkt_burst = virtio_xmit_pkts_gated;
}

static int
send_rarp(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct rte_eth_dev_data *d = eth_dev->data;
	struct virtnet_txq *txq = d->nb_tx_queues > 0 ? d->tx_queues[0] : NULL;
	struct virtnet_rxq *rxq = d->nb_rx_queues > 0 ? d->rx_queues[0] : NULL;
	struct rte_mbuf *m;
	uint16_t sent;

	if (txq == NULL || rxq == NULL || txq->gate == NULL ||
	    d->tx_queue_state[0] != RTE_ETH_QUEUE_STATE_STARTED)
		return -ENODEV;
	m = virtnet_rarp_build(rxq->mp, d->mac_addrs);
	if (m == NULL)
		return -ENOMEM;
	virtnet_tx_gate_close(&port->tx_gate);
	sent = txq->gated_tx(txq, &m, 1);
	virtnet_tx_gate_open(&port->tx_gate);
	if (sent == 0) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	return 0;
}

void
virtnet_announce(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	int ret;

	/* The interrupt thread and an application's link query may both see it. */
	if (!port->started || __atomic_exchange_n(&port->announcing, true, __ATOMIC_ACQUIRE))
		return;
	rte_ether_format_addr(mac, sizeof(mac), eth_dev->data->mac_addrs);
	ret = send_rarp(eth_dev);
	if (ret != 0)
		VIRTIO_LOG(WARNING, "%s: guest announce: cannot send the RARP for %s on Tx "
			   "queue 0 (%s); acknowledging anyway", eth_dev->data->name, mac,
			   ret == -ENOSPC ? "ring full" : ret == -ENOMEM ? "no mbuf" :
			   "queue 0 not running");
	/* Without the ack the device keeps asking; an ack without RARP only loses a hint. */
	if (virtio_cvq_command(&port->dev, VIRTIO_NET_CTRL_ANNOUNCE,
			       VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0) == 0 && ret == 0)
		VIRTIO_LOG(INFO, "%s: guest announce: RARP for %s sent and acknowledged",
			   eth_dev->data->name, mac);
	__atomic_store_n(&port->announcing, false, __ATOMIC_RELEASE);
}
