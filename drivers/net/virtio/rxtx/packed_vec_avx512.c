/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The vectorized packed-ring paths as the driver ships them: built with
 * AVX512F/BW/VL, so a four-descriptor step is one 512-bit register. Elected
 * only when the CPU has those instructions and the application allows
 * 512-bit SIMD (rxtx/select.c).
 */

#define PACKED_VEC_FN(name) name
#include "packed_vec_body.h"
