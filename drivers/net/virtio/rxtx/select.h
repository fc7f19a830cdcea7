/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Path election: which Rx/Tx burst functions run. A pure function, tested as a table. */

#ifndef VIRTIO_SELECT_H
#define VIRTIO_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

typedef uint16_t (*virtio_burst_t)(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);

struct virtio_path_input {
	uint64_t features;        /* negotiated */
	uint64_t rx_offloads;     /* RTE_ETH_RX_OFFLOAD_* configured */
	uint64_t tx_offloads;     /* RTE_ETH_TX_OFFLOAD_* configured */
	bool vectorized;          /* devarg */
	bool in_order_requested;  /* devarg */
	uint16_t max_simd_bitwidth; /* rte_vect_get_max_simd_bitwidth() */
	bool cpu_avx2;            /* the CPU runs AVX2 */
	bool cpu_avx512;          /* the CPU runs AVX512F, AVX512BW and AVX512VL */
};

/* Rx offloads that the vectorized Rx paths do not implement. */
#define VIRTIO_RX_OFFLOADS_NOT_VEC (RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
				    RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_VLAN_STRIP)

/* Tx offloads that need the net header filled or the data changed: scalar Tx only. */
#define VIRTIO_TX_OFFLOADS_NOT_VEC (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
				    RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO | \
				    RTE_ETH_TX_OFFLOAD_VLAN_INSERT)

struct virtio_path {
	virtio_burst_t rx;
	virtio_burst_t tx;
	const char *rx_name;      /* the callback's name, as users grep for it */
	const char *tx_name;
	char note[512];           /* why a requested path was not taken; "" if none */
};

void virtio_select_path(const struct virtio_path_input *in, struct virtio_path *out);

/* The CPU flags of the running machine, for virtio_path_input. */
void virtio_select_cpu_flags(struct virtio_path_input *in);

#endif /* VIRTIO_SELECT_H */
