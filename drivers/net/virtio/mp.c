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

static const struct virtnet_port *
port_of_queue(uint16_t port_id)
{
	return rte_eth_devices[port_id].data->dev_private;
}

uint16_t
virtnet_secondary_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	const struct virtnet_rxq *rxq = queue;
	uint8_t id = port_of_queue(rxq->port_id)->rx_path_id;

	if (unlikely(id == 0 || id >= RTE_DIM(rx_paths)))
		return 0;
	return rx_paths[id].fn(queue, pkts, nb_pkts);
}

uint16_t
virtnet_secondary_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	const struct virtnet_txq *txq = queue;
	uint8_t id = port_of_queue(txq->port_id)->tx_path_id;

	if (unlikely(id == 0 || id >= RTE_DIM(tx_paths)))
		return 0;
	return tx_paths[id].fn(queue, pkts, nb_pkts);
}
