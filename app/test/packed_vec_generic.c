/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The vectorized packed-ring paths built for the baseline CPU, for
 * test_packed_vec.
 *
 * The driver compiles packed_vec_body.h with AVX512F/BW/VL
 * (rxtx/packed_vec_avx512.c) and elects it only on CPUs that have them; the
 * machines the tests run on need not, and running that object there would
 * die on the first AVX512 instruction. The body is written with the
 * compiler's generic vector types, so this file compiles the very same
 * source with the flags of every other test file, under the names
 * virtio_recv_pkts_packed_vec_generic and virtio_xmit_pkts_packed_vec_generic:
 * the logic (steps, checks, fallbacks, ring and wrap handling) is what the
 * AVX512 build runs, only the instructions differ.
 */

#include <stdint.h>

#include <rte_mbuf.h>

uint16_t virtio_recv_pkts_packed_vec_generic(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_packed_vec_generic(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

/*
 * GCC notes that a 64-byte vector returned without AVX512 is passed another
 * way than with it: true, and harmless here, every function of the body
 * that takes or returns one is static and inlined.
 */
#pragma GCC diagnostic ignored "-Wpsabi"

#define PACKED_VEC_FN(name) name##_generic
#include "rxtx/packed_vec_body.h"
