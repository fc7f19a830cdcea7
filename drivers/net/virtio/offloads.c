/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <string.h>

#include "ethdev.h"
#include "offloads.h"
#include "rxtx/offload.h"
#include "rxtx/rxtx.h"
#include "virtio_log.h"
#include "virtio_spec.h"

#define BIT(f) VIRTIO_BIT(VIRTIO_NET_F_##f)

#define RX_CSUM (RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)
#define TX_CSUM (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

/* Done by the driver in software: nothing to negotiate. */
#define RX_SOFT RTE_ETH_RX_OFFLOAD_VLAN_STRIP
#define TX_SOFT (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_VLAN_INSERT)

uint64_t
virtnet_offload_features(uint64_t rx_offloads, uint64_t tx_offloads)
{
	uint64_t f = 0;

	/* The spec makes each TSO feature depend on its checksum feature (5.1.3.1). */
	if (rx_offloads & RX_CSUM)
		f |= BIT(GUEST_CSUM);
	if (rx_offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		f |= BIT(GUEST_CSUM) | BIT(GUEST_TSO4) | BIT(GUEST_TSO6);
	if (tx_offloads & TX_CSUM)
		f |= BIT(CSUM);
	if (tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)
		f |= BIT(CSUM) | BIT(HOST_TSO4) | BIT(HOST_TSO6);
	return f;
}

void
virtnet_offload_capa(uint64_t offered, uint64_t *rx_capa, uint64_t *tx_capa)
{
	uint64_t rx = RX_SOFT, tx = TX_SOFT;

	if (offered & BIT(GUEST_CSUM)) {
		rx |= RX_CSUM;
		/* Without mergeable buffers every buffer would have to hold 64 KiB. */
		if ((offered & (BIT(GUEST_TSO4) | BIT(GUEST_TSO6))) && (offered & BIT(MRG_RXBUF)))
			rx |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
	}
	if (offered & BIT(CSUM)) {
		tx |= TX_CSUM;
		if (offered & (BIT(HOST_TSO4) | BIT(HOST_TSO6)))
			tx |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	}
	*rx_capa |= rx;
	*tx_capa |= tx;
}

struct offload_need {
	bool rx;
	uint64_t offload;
	const char *offload_name;
	uint64_t features; /* any of these */
	const char *feature_name;
};

static const struct offload_need needs[] = {
	{ true, RX_CSUM, "Rx TCP/UDP checksum", BIT(GUEST_CSUM), "VIRTIO_NET_F_GUEST_CSUM" },
	{ true, RTE_ETH_RX_OFFLOAD_TCP_LRO, "LRO", BIT(GUEST_TSO4) | BIT(GUEST_TSO6),
	  "VIRTIO_NET_F_GUEST_TSO4 or VIRTIO_NET_F_GUEST_TSO6" },
	{ true, RTE_ETH_RX_OFFLOAD_TCP_LRO, "LRO", BIT(GUEST_CSUM), "VIRTIO_NET_F_GUEST_CSUM" },
	{ true, RTE_ETH_RX_OFFLOAD_TCP_LRO, "LRO", BIT(MRG_RXBUF),
	  "VIRTIO_NET_F_MRG_RXBUF (mrg_rxbuf=1)" },
	{ false, TX_CSUM, "Tx TCP/UDP checksum", BIT(CSUM), "VIRTIO_NET_F_CSUM" },
	{ false, RTE_ETH_TX_OFFLOAD_TCP_TSO, "TSO", BIT(CSUM), "VIRTIO_NET_F_CSUM" },
	{ false, RTE_ETH_TX_OFFLOAD_TCP_TSO, "TSO", BIT(HOST_TSO4) | BIT(HOST_TSO6),
	  "VIRTIO_NET_F_HOST_TSO4 or VIRTIO_NET_F_HOST_TSO6" },
};

int
virtnet_offload_check(const char *name, uint64_t negotiated, uint64_t rx_offloads,
		      uint64_t tx_offloads)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(needs); i++) {
		uint64_t asked = needs[i].rx ? rx_offloads : tx_offloads;

		if ((asked & needs[i].offload) && !(negotiated & needs[i].features)) {
			VIRTIO_LOG(ERR, "%s: %s offload requested but the device does not offer "
				   "%s; see 'show port N %s_offload capabilities' for what it can do",
				   name, needs[i].offload_name, needs[i].feature_name,
				   needs[i].rx ? "rx" : "tx");
			return -ENOTSUP;
		}
	}
	return 0;
}

uint8_t
virtnet_rxq_offloads(uint64_t negotiated, uint64_t rx_offloads)
{
	uint8_t off = 0;

	/* Once GUEST_CSUM is on, the device may set header flags and GSO: read them. */
	if (negotiated & BIT(GUEST_CSUM))
		off |= VIRTIO_RXQ_OFF_HDR;
	if (rx_offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP)
		off |= VIRTIO_RXQ_OFF_VLAN_STRIP;
	return off;
}

uint8_t
virtnet_txq_offloads(uint64_t negotiated, uint64_t tx_offloads)
{
	uint8_t off = 0;

	if (!(tx_offloads & VIRTIO_TX_OFFLOADS_NOT_VEC))
		return 0;
	off = VIRTIO_TXQ_OFF_ANY;
	if (negotiated & BIT(CSUM))
		off |= VIRTIO_TXQ_OFF_CSUM;
	if (negotiated & BIT(HOST_TSO4))
		off |= VIRTIO_TXQ_OFF_TSO4;
	if (negotiated & BIT(HOST_TSO6))
		off |= VIRTIO_TXQ_OFF_TSO6;
	return off;
}

static bool
rx_path_is_vectorized(const struct virtnet_port *port)
{
	return port->path.rx_name != NULL && strstr(port->path.rx_name, "_vec") != NULL;
}

int
virtnet_vlan_offload_set(struct rte_eth_dev *eth_dev, int mask)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint64_t rx_offloads = eth_dev->data->dev_conf.rxmode.offloads;
	bool strip = rx_offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	uint16_t q;

	if (mask & RTE_ETH_VLAN_FILTER_MASK) {
		int ret = virtnet_vlan_filter_offload_set(eth_dev);

		if (ret != 0)
			return ret;
	}
	if (!(mask & RTE_ETH_VLAN_STRIP_MASK))
		return 0;
	/* The burst function was elected at start: a vectorized one cannot strip. */
	if (strip && port->started && rx_path_is_vectorized(port)) {
		VIRTIO_LOG(ERR, "%s: VLAN strip cannot be turned on while the vectorized Rx path "
			   "%s runs; stop the port first (start then elects a scalar path)",
			   eth_dev->data->name, port->path.rx_name);
		return -ENOTSUP;
	}
	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

		if (rxq != NULL)
			rxq->offloads = virtnet_rxq_offloads(port->dev.features, rx_offloads);
	}
	return 0;
}
