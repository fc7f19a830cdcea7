/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Path election: which Rx/Tx burst functions run. A pure function, tested as a table. */

#ifndef VIRTIO_SELECT_H
#define VIRTIO_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

typedef uint16_t (*virtio_burst_t)(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);

struct virtio_path_input {
	uint64_t features;        /* negotiated */
	uint64_t rx_offloads;     /* RTE_ETH_RX_OFFLOAD_* configured */
	bool vectorized;          /* devarg */
	bool in_order_requested;  /* devarg */
	uint16_t max_simd_bitwidth; /* rte_vect_get_max_simd_bitwidth() */
};

struct virtio_path {
	virtio_burst_t rx;
	virtio_burst_t tx;
	const char *rx_name;      /* the callback's name, as users grep for it */
	const char *tx_name;
	char note[256];           /* why a requested path was not taken; "" if none */
};

void virtio_select_path(const struct virtio_path_input *in, struct virtio_path *out);

#endif /* VIRTIO_SELECT_H */
