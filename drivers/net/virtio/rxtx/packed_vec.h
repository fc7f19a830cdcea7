/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Vectorized packed-ring paths: four descriptors (64 bytes) per step, for
 * in-order devices and one-descriptor buffers. The body (packed_vec_body.h)
 * is written with the compiler's generic vector types; the driver builds it
 * with AVX512F/BW/VL (packed_vec_avx512.c), where one step is one register,
 * and the unit tests build the same body for the baseline CPU, so its logic
 * is tested on every machine even though it is elected only on AVX512 ones.
 */

#ifndef VIRTIO_PACKED_VEC_H
#define VIRTIO_PACKED_VEC_H

#include <stdint.h>

#include <rte_mbuf.h>

/* Set by the build when the compiler could produce the AVX512 code. */
#ifndef VIRTIO_PACKED_VEC_BUILT
#define VIRTIO_PACKED_VEC_BUILT 0
#endif

uint16_t virtio_recv_pkts_packed_vec(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_packed_vec(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

#endif /* VIRTIO_PACKED_VEC_H */
