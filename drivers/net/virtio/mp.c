/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include "ethdev.h"
#include "mp.h"
#include "rxtx/packed_vec.h"
#include "rxtx/rxtx.h"
#include "rxtx/split_vec.h"

struct path_entry {
	virtio_burst_t fn;
	const char *name;
};

#define ENTRY(fn) { fn, #fn }

/* Append only: an index is what the port stores. */
static const struct path_entry rx_paths[] = {
	{ NULL, NULL },
	ENTRY(virtio_recv_pkts),
	ENTRY(virtio_recv_mergeable_pkts),
	ENTRY(virtio_recv_pkts_inorder),
	ENTRY(virtio_recv_pkts_packed),
	ENTRY(virtio_recv_mergeable_pkts_packed),
	ENTRY(virtio_recv_pkts_vec),
	ENTRY(virtio_recv_pkts_vec_avx2),
#if VIRTIO_PACKED_VEC_BUILT
	ENTRY(virtio_recv_pkts_packed_vec),
#endif
};

static const struct path_entry tx_paths[] = {
	{ NULL, NULL },
	ENTRY(virtio_xmit_pkts),
	ENTRY(virtio_xmit_pkts_inorder),
	ENTRY(virtio_xmit_pkts_packed),
	ENTRY(virtio_xmit_pkts_vec),
#if VIRTIO_PACKED_VEC_BUILT
	ENTRY(virtio_xmit_pkts_packed_vec),
#endif
};

static uint8_t
path_id(const struct path_entry *table, unsigned int n, virtio_burst_t fn)
{
	unsigned int i;

	for (i = 1; i < n; i++)
		if (table[i].fn == fn)
			return (uint8_t)i;
	return 0;
}

uint8_t
virtnet_rx_path_id(virtio_burst_t fn)
{
	return path_id(rx_paths, RTE_DIM(rx_paths), fn);
}

uint8_t
virtnet_tx_path_id(virtio_burst_t fn)
{
	return path_id(tx_paths, RTE_DIM(tx_paths), fn);
}

const char *
virtnet_rx_path_name(uint8_t id)
{
	return id < RTE_DIM(rx_paths) ? rx_paths[id].name : NULL;
}

const char *
virtnet_tx_path_name(uint8_t id)
{
	return id < RTE_DIM(tx_paths) ? tx_paths[id].name : NULL;
}

/*
 * The path the primary elected, or 0 while the port is stopped: the rings
 * are being reset or freed then, and a secondary must not touch them.
 */
static uint8_t
rx_path_of(uint16_t port_id)
{
	const struct rte_eth_dev_data *d = rte_eth_devices[port_id].data;

	return d->dev_started ? ((const struct virtnet_port *)d->dev_private)->rx_path_id : 0;
}

static uint8_t
tx_path_of(uint16_t port_id)
{
	const struct rte_eth_dev_data *d = rte_eth_devices[port_id].data;

	return d->dev_started ? ((const struct virtnet_port *)d->dev_private)->tx_path_id : 0;
}

uint16_t
virtnet_secondary_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	const struct virtnet_rxq *rxq = queue;
	uint8_t id = rx_path_of(rxq->port_id);

	if (unlikely(id == 0 || id >= RTE_DIM(rx_paths)))
		return 0;
	return rx_paths[id].fn(queue, pkts, nb_pkts);
}

uint16_t
virtnet_secondary_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	const struct virtnet_txq *txq = queue;
	uint8_t id = tx_path_of(txq->port_id);

	if (unlikely(id == 0 || id >= RTE_DIM(tx_paths)))
		return 0;
	return tx_paths[id].fn(queue, pkts, nb_pkts);
}
