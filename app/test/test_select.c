/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Path election as a table: negotiated features, Rx offloads, devargs
 * (vectorized, in_order), CPU flags and the maximum SIMD width in; Rx and Tx
 * burst functions, their names and the note out. A sweep over every
 * combination then checks the same rules, written once more as a model.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_cpuflags.h>
#include <rte_ethdev.h>
#include <rte_vect.h>

#include "rxtx/packed_vec.h"
#include "rxtx/rxtx.h"
#include "rxtx/select.h"
#include "rxtx/split_vec.h"
#include "virtio_spec.h"

/*
 * The build compiled the AVX512 packed code: meson defines
 * VIRTIO_PACKED_VEC_BUILT=1 for the driver's sources only, so this file
 * cannot test the macro, but it links virtio_recv_pkts_packed_vec and
 * virtio_xmit_pkts_packed_vec, which exist only in such a build.
 */

/* clang-format off */
/* Features. */
#define F(b)	 VIRTIO_BIT(b)
#define V1	 F(VIRTIO_F_VERSION_1)
#define INDIRECT F(VIRTIO_RING_F_INDIRECT_DESC)
#define MRG	 F(VIRTIO_NET_F_MRG_RXBUF)
#define IN_ORDER F(VIRTIO_F_IN_ORDER)
#define PACKED	 F(VIRTIO_F_RING_PACKED)
/* What a modern device offers besides the features that decide the path. */
#define BASE	    (V1 | INDIRECT | F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_NET_F_MAC) | \
		     F(VIRTIO_NET_F_STATUS))
#define BASE_NO_IND (BASE & ~INDIRECT)
/* Every condition of the packed vectorized paths that is a feature. */
#define PACKED_VEC  (BASE | PACKED | IN_ORDER)

/* Rx offloads. */
#define LRO	   RTE_ETH_RX_OFFLOAD_TCP_LRO
#define TCP_CKSUM  RTE_ETH_RX_OFFLOAD_TCP_CKSUM
#define UDP_CKSUM  RTE_ETH_RX_OFFLOAD_UDP_CKSUM
#define VLAN_STRIP RTE_ETH_RX_OFFLOAD_VLAN_STRIP
#define SCATTER	   RTE_ETH_RX_OFFLOAD_SCATTER

/* Tx offloads. */
#define TX_TCP_CKSUM  RTE_ETH_TX_OFFLOAD_TCP_CKSUM
#define TX_TSO	      RTE_ETH_TX_OFFLOAD_TCP_TSO
#define TX_VLAN	      RTE_ETH_TX_OFFLOAD_VLAN_INSERT
#define TX_MULTI_SEGS RTE_ETH_TX_OFFLOAD_MULTI_SEGS

/* Devargs: vectorized=, in_order=. */
#define SCALAR	  .vectorized = false, .in_order_requested = false
#define SCALAR_IO .vectorized = false, .in_order_requested = true
#define VEC	  .vectorized = true, .in_order_requested = false
#define VEC_IO	  .vectorized = true, .in_order_requested = true

/* CPUs. */
#define CPU_SSE	   .cpu_avx2 = false, .cpu_avx512 = false
#define CPU_AVX2   .cpu_avx2 = true, .cpu_avx512 = false
#define CPU_AVX512 .cpu_avx2 = true, .cpu_avx512 = true

/* --force-max-simd-bitwidth: SIMD(DISABLED) is 64. */
#define SIMD(w) .max_simd_bitwidth = RTE_VECT_SIMD_##w

/*
 * The phrases of the note (rxtx/select.c), one per reason a requested path
 * was not taken. Each names the path and side it is about.
 */
#define PK_NO_BUILD "packed vectorized: this build has no AVX512 code"
#define PK_CPU	    "packed vectorized: the CPU lacks AVX512F/BW/VL"
#define PK_SIMD	    "packed vectorized: needs --force-max-simd-bitwidth=512"
#define PK_V1	    "packed vectorized: needs VIRTIO_F_VERSION_1"
#define PK_IN_ORDER "packed vectorized: needs in-order (in_order=1)"
#define PK_RX_MRG   "packed vectorized Rx: needs mrg_rxbuf=0"
#define PK_RX_OFFL  "packed vectorized Rx: not with LRO, checksum or VLAN strip Rx offloads"
#define PK_TX_OFFL  "packed vectorized Tx: not with checksum, TSO or VLAN insert Tx offloads"
#define SP_IN_ORDER "split vectorized: needs in_order=0"
#define SP_SIMD	    "split vectorized: SIMD is disabled"
#define SP_RX_MRG   "split vectorized Rx: needs mrg_rxbuf=0"
#define SP_RX_OFFL  "split vectorized Rx: not with LRO, checksum or VLAN strip Rx offloads"
#define SP_TX_IND   "split vectorized Tx: needs VIRTIO_RING_F_INDIRECT_DESC"
#define SP_TX_OFFL  "split vectorized Tx: not with checksum, TSO or VLAN insert Tx offloads"
#define NOT_OFFERED "in_order=1: the device does not offer VIRTIO_F_IN_ORDER"

static const char *const phrases[] = {
	PK_NO_BUILD, PK_CPU, PK_SIMD, PK_V1, PK_IN_ORDER, PK_RX_MRG, PK_RX_OFFL, PK_TX_OFFL,
	SP_IN_ORDER, SP_SIMD, SP_RX_MRG, SP_RX_OFFL, SP_TX_IND, SP_TX_OFFL, NOT_OFFERED,
};

struct callback {
	virtio_burst_t fn;
	const char *name;
};

#define CB(f) { f, #f }

/* Every burst function there is, by side. */
static const struct callback rx_callbacks[] = {
	CB(virtio_recv_pkts),
	CB(virtio_recv_mergeable_pkts),
	CB(virtio_recv_pkts_inorder),
	CB(virtio_recv_pkts_vec),
	CB(virtio_recv_pkts_vec_avx2),
	CB(virtio_recv_pkts_packed),
	CB(virtio_recv_mergeable_pkts_packed),
	CB(virtio_recv_pkts_packed_vec),
};

static const struct callback tx_callbacks[] = {
	CB(virtio_xmit_pkts),
	CB(virtio_xmit_pkts_inorder),
	CB(virtio_xmit_pkts_vec),
	CB(virtio_xmit_pkts_packed),
	CB(virtio_xmit_pkts_packed_vec),
};

#define MAX_PHRASES 5

struct path_case {
	const char *what;
	struct virtio_path_input in;
	struct callback rx;
	struct callback tx;
	/*
	 * The note holds exactly these phrases, in any order; the other
	 * phrases of phrases[] must be absent. note_empty says there are none.
	 */
	const char *note[MAX_PHRASES];
	bool note_empty;
	const char *note_lacks[3]; /* further words the note must not contain */
};

#define NOTE(...)	.note = { __VA_ARGS__ }
#define NOTE_EMPTY	.note_empty = true
#define NOTE_LACKS(...) .note_lacks = { __VA_ARGS__ }

static const struct path_case cases[] = {
	/* Split ring, vectorized not asked for: never a vectorized note. */
	{ "split: plain Rx and Tx",
		{ .features = BASE, SCALAR, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts), NOTE_EMPTY },
	{ "split, mergeable",
		{ .features = BASE | MRG, SCALAR, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts), NOTE_EMPTY },
	{ "split, mergeable, scatter offload",
		{ .features = BASE | MRG, .rx_offloads = SCATTER, SCALAR, CPU_AVX2, SIMD(512) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts), NOTE_EMPTY },
	{ "split, IN_ORDER",
		{ .features = BASE | IN_ORDER, SCALAR_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_inorder), CB(virtio_xmit_pkts_inorder), NOTE_EMPTY },
	{ "split, IN_ORDER, mergeable: one in-order Rx for both buffer kinds",
		{ .features = BASE | IN_ORDER | MRG, SCALAR_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_inorder), CB(virtio_xmit_pkts_inorder), NOTE_EMPTY },
	{ "split, IN_ORDER negotiated, in_order=0: the features decide",
		{ .features = BASE | IN_ORDER, SCALAR, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_inorder), CB(virtio_xmit_pkts_inorder), NOTE_EMPTY },
	{ "split, in_order=1 not offered",
		{ .features = BASE, SCALAR_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts), NOTE(NOT_OFFERED) },
	{ "split, mergeable, in_order=1 not offered",
		{ .features = BASE | MRG, SCALAR_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts), NOTE(NOT_OFFERED) },
	{ "split, only VERSION_1, SIMD disabled",
		{ .features = V1, SCALAR, CPU_SSE, SIMD(DISABLED) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts), NOTE_EMPTY },
	{ "split, legacy device with mergeable buffers",
		{ .features = MRG, SCALAR, CPU_SSE, SIMD(128) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts), NOTE_EMPTY },
	{ "split, the Rx offloads the vector path lacks, not vectorized: nothing to say",
		{ .features = BASE, .rx_offloads = VIRTIO_RX_OFFLOADS_NOT_VEC, SCALAR, CPU_AVX2,
			SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts), NOTE_EMPTY },
	{ "split, the Tx offloads the vector path lacks, not vectorized: nothing to say",
		{ .features = BASE | IN_ORDER, .tx_offloads = VIRTIO_TX_OFFLOADS_NOT_VEC, SCALAR,
			CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_inorder), CB(virtio_xmit_pkts_inorder), NOTE_EMPTY },
	{ "split vectorized, Tx checksum: SSE/AVX2 Rx, scalar Tx says why",
		{ .features = BASE, .tx_offloads = TX_TCP_CKSUM, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts), NOTE(SP_TX_OFFL) },
	{ "split vectorized, Rx checksum and TSO: both sides scalar, both say why",
		{ .features = BASE, .rx_offloads = TCP_CKSUM, .tx_offloads = TX_TSO, VEC,
			CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts), NOTE(SP_RX_OFFL, SP_TX_OFFL) },
	{ "split vectorized, multi-segment Tx does not block",
		{ .features = BASE, .tx_offloads = TX_MULTI_SEGS, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split, AVX512 CPU and 512-bit SIMD, not vectorized",
		{ .features = BASE, SCALAR, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts), NOTE_EMPTY },

	/* Split vectorized: AVX2 or SSE Rx by CPU flag and SIMD width. */
	{ "split vectorized, AVX2 CPU, 256-bit SIMD: AVX2 Rx",
		{ .features = BASE, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, AVX2 CPU, 512-bit SIMD: AVX2 Rx",
		{ .features = BASE, VEC, CPU_AVX2, SIMD(512) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, AVX512 CPU, 512-bit SIMD: AVX2 Rx (no AVX512 split Rx)",
		{ .features = BASE, VEC, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, AVX2 CPU, 128-bit SIMD: SSE Rx",
		{ .features = BASE, VEC, CPU_AVX2, SIMD(128) },
		CB(virtio_recv_pkts_vec), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, SSE CPU, 128-bit SIMD: SSE Rx",
		{ .features = BASE, VEC, CPU_SSE, SIMD(128) },
		CB(virtio_recv_pkts_vec), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, SSE CPU, 256-bit SIMD: SSE Rx",
		{ .features = BASE, VEC, CPU_SSE, SIMD(256) },
		CB(virtio_recv_pkts_vec), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, SSE CPU, 512-bit SIMD: SSE Rx",
		{ .features = BASE, VEC, CPU_SSE, SIMD(512) },
		CB(virtio_recv_pkts_vec), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, legacy device: VERSION_1 is not needed",
		{ .features = INDIRECT, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts_vec), NOTE_EMPTY },
	{ "split vectorized, scatter offload does not block",
		{ .features = BASE, .rx_offloads = SCATTER, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts_vec), NOTE_EMPTY,
		NOTE_LACKS("offload") },
	{ "split vectorized, in_order=1 not offered: vectorized and the in_order note",
		{ .features = BASE, VEC_IO, CPU_SSE, SIMD(256) },
		CB(virtio_recv_pkts_vec), CB(virtio_xmit_pkts_vec), NOTE(NOT_OFFERED) },

	/* Split vectorized, one condition fails. */
	{ "split vectorized, IN_ORDER negotiated: in-order paths",
		{ .features = BASE | IN_ORDER, VEC_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_inorder), CB(virtio_xmit_pkts_inorder), NOTE(SP_IN_ORDER),
		NOTE_LACKS(NOT_OFFERED) },
	{ "split vectorized, SIMD disabled",
		{ .features = BASE, VEC, CPU_AVX2, SIMD(DISABLED) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts), NOTE(SP_SIMD) },
	{ "split vectorized, mergeable: Rx falls back, vectorized Tx",
		{ .features = BASE | MRG, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts_vec), NOTE(SP_RX_MRG),
		NOTE_LACKS("Tx") },
	{ "split vectorized, LRO: Rx falls back, vectorized Tx",
		{ .features = BASE, .rx_offloads = LRO, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts_vec), NOTE(SP_RX_OFFL) },
	{ "split vectorized, TCP checksum: Rx falls back, vectorized Tx",
		{ .features = BASE, .rx_offloads = TCP_CKSUM, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts_vec), NOTE(SP_RX_OFFL) },
	{ "split vectorized, UDP checksum: Rx falls back, vectorized Tx",
		{ .features = BASE, .rx_offloads = UDP_CKSUM, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts_vec), NOTE(SP_RX_OFFL) },
	{ "split vectorized, VLAN strip: Rx falls back, vectorized Tx",
		{ .features = BASE, .rx_offloads = VLAN_STRIP, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts_vec), NOTE(SP_RX_OFFL) },
	{ "split vectorized, no INDIRECT_DESC: AVX2 Rx, Tx falls back",
		{ .features = BASE_NO_IND, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_vec_avx2), CB(virtio_xmit_pkts), NOTE(SP_TX_IND),
		NOTE_LACKS("Rx") },
	{ "split vectorized, no INDIRECT_DESC: SSE Rx, Tx falls back",
		{ .features = BASE_NO_IND, VEC, CPU_SSE, SIMD(512) },
		CB(virtio_recv_pkts_vec), CB(virtio_xmit_pkts), NOTE(SP_TX_IND) },

	/* Split vectorized, several conditions fail: each one is named. */
	{ "split vectorized, IN_ORDER, mergeable, LRO, no INDIRECT_DESC: all named",
		{ .features = BASE_NO_IND | IN_ORDER | MRG, .rx_offloads = LRO, VEC_IO, CPU_AVX2,
			SIMD(256) },
		CB(virtio_recv_pkts_inorder), CB(virtio_xmit_pkts_inorder),
		NOTE(SP_IN_ORDER, SP_RX_MRG, SP_RX_OFFL, SP_TX_IND) },
	{ "split vectorized, IN_ORDER and SIMD disabled",
		{ .features = BASE | IN_ORDER, VEC, CPU_AVX2, SIMD(DISABLED) },
		CB(virtio_recv_pkts_inorder), CB(virtio_xmit_pkts_inorder),
		NOTE(SP_IN_ORDER, SP_SIMD) },
	{ "split vectorized, mergeable and LRO with VLAN strip",
		{ .features = BASE | MRG, .rx_offloads = LRO | VLAN_STRIP, VEC, CPU_AVX2,
			SIMD(256) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts_vec),
		NOTE(SP_RX_MRG, SP_RX_OFFL) },
	{ "split vectorized, mergeable and no INDIRECT_DESC",
		{ .features = BASE_NO_IND | MRG, VEC, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts), NOTE(SP_RX_MRG, SP_TX_IND) },
	{ "split vectorized, every offload it lacks and scatter: one phrase",
		{ .features = BASE, .rx_offloads = VIRTIO_RX_OFFLOADS_NOT_VEC | SCATTER, VEC,
			CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts), CB(virtio_xmit_pkts_vec), NOTE(SP_RX_OFFL) },
	{ "split vectorized, the longest note: mergeable, LRO, no INDIRECT, in_order=1",
		{ .features = BASE_NO_IND | MRG, .rx_offloads = LRO, VEC_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_mergeable_pkts), CB(virtio_xmit_pkts),
		NOTE(SP_RX_MRG, SP_RX_OFFL, SP_TX_IND, NOT_OFFERED) },

	/* Packed ring, vectorized not asked for: IN_ORDER changes no callback. */
	{ "packed",
		{ .features = BASE | PACKED, SCALAR, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE_EMPTY },
	{ "packed, mergeable",
		{ .features = BASE | PACKED | MRG, SCALAR, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_mergeable_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE_EMPTY },
	{ "packed, IN_ORDER",
		{ .features = BASE | PACKED | IN_ORDER, SCALAR_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE_EMPTY },
	{ "packed, IN_ORDER, mergeable, scatter offload",
		{ .features = BASE | PACKED | IN_ORDER | MRG, .rx_offloads = SCATTER, SCALAR_IO,
			CPU_AVX2, SIMD(512) },
		CB(virtio_recv_mergeable_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE_EMPTY },
	{ "packed, in_order=1 not offered",
		{ .features = BASE | PACKED, SCALAR_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(NOT_OFFERED) },
	{ "packed and mergeable alone, SIMD disabled",
		{ .features = PACKED | MRG, SCALAR, CPU_SSE, SIMD(DISABLED) },
		CB(virtio_recv_mergeable_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE_EMPTY },
	{ "packed, all vectorized conditions but the devarg",
		{ .features = PACKED_VEC, SCALAR_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE_EMPTY },

	/* Packed vectorized elected. */
	{ "packed vectorized: Rx and Tx",
		{ .features = PACKED_VEC, VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed_vec), CB(virtio_xmit_pkts_packed_vec), NOTE_EMPTY,
		NOTE_LACKS(PK_NO_BUILD) },
	{ "packed vectorized, in_order=0 with IN_ORDER negotiated",
		{ .features = PACKED_VEC, VEC, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed_vec), CB(virtio_xmit_pkts_packed_vec), NOTE_EMPTY },
	{ "packed vectorized, scatter and multi-segment Tx do not block",
		{ .features = PACKED_VEC, .rx_offloads = SCATTER, .tx_offloads = TX_MULTI_SEGS,
			VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed_vec), CB(virtio_xmit_pkts_packed_vec), NOTE_EMPTY },
	{ "packed vectorized, checksum and VLAN strip: Rx cannot parse the header",
		{ .features = PACKED_VEC, .rx_offloads = TCP_CKSUM | UDP_CKSUM | VLAN_STRIP,
			VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed_vec), NOTE(PK_RX_OFFL) },
	{ "packed vectorized, Tx checksum: Tx cannot fill the header",
		{ .features = PACKED_VEC, .tx_offloads = TX_TCP_CKSUM, VEC_IO, CPU_AVX512,
			SIMD(512) },
		CB(virtio_recv_pkts_packed_vec), CB(virtio_xmit_pkts_packed), NOTE(PK_TX_OFFL) },
	{ "packed vectorized, TSO and VLAN insert, mergeable: both sides scalar",
		{ .features = PACKED_VEC | MRG, .tx_offloads = TX_TSO | TX_VLAN, VEC_IO,
			CPU_AVX512, SIMD(512) },
		CB(virtio_recv_mergeable_pkts_packed), CB(virtio_xmit_pkts_packed),
		NOTE(PK_RX_MRG, PK_TX_OFFL) },
	{ "packed, Tx offloads, not vectorized: nothing to say",
		{ .features = BASE | PACKED, .tx_offloads = VIRTIO_TX_OFFLOADS_NOT_VEC, SCALAR,
			CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE_EMPTY },
	{ "packed vectorized, no INDIRECT_DESC: not needed",
		{ .features = PACKED_VEC & ~INDIRECT, VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed_vec), CB(virtio_xmit_pkts_packed_vec), NOTE_EMPTY },
	{ "packed vectorized, mergeable: Rx falls back, vectorized Tx",
		{ .features = PACKED_VEC | MRG, VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_mergeable_pkts_packed), CB(virtio_xmit_pkts_packed_vec),
		NOTE(PK_RX_MRG), NOTE_LACKS("Tx") },
	{ "packed vectorized, LRO: Rx falls back, vectorized Tx",
		{ .features = PACKED_VEC, .rx_offloads = LRO, VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed_vec), NOTE(PK_RX_OFFL) },
	{ "packed vectorized, mergeable and LRO: Rx falls back, vectorized Tx",
		{ .features = PACKED_VEC | MRG, .rx_offloads = LRO, VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_mergeable_pkts_packed), CB(virtio_xmit_pkts_packed_vec),
		NOTE(PK_RX_MRG, PK_RX_OFFL) },

	/* Packed vectorized, one shared condition fails: both sides fall back. */
	{ "packed vectorized, AVX2 CPU",
		{ .features = PACKED_VEC, VEC_IO, CPU_AVX2, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(PK_CPU) },
	{ "packed vectorized, SSE CPU",
		{ .features = PACKED_VEC, VEC_IO, CPU_SSE, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(PK_CPU) },
	{ "packed vectorized, 256-bit SIMD",
		{ .features = PACKED_VEC, VEC_IO, CPU_AVX512, SIMD(256) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(PK_SIMD) },
	{ "packed vectorized, 128-bit SIMD",
		{ .features = PACKED_VEC, VEC_IO, CPU_AVX512, SIMD(128) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(PK_SIMD) },
	{ "packed vectorized, SIMD disabled",
		{ .features = PACKED_VEC, VEC_IO, CPU_AVX512, SIMD(DISABLED) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(PK_SIMD) },
	{ "packed vectorized, no VERSION_1",
		{ .features = PACKED_VEC & ~V1, VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(PK_V1) },
	{ "packed vectorized, IN_ORDER not negotiated, in_order=0",
		{ .features = BASE | PACKED, VEC, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed), NOTE(PK_IN_ORDER) },

	/* Packed vectorized, several conditions fail: each one is named. */
	{ "packed vectorized, IN_ORDER not offered, in_order=1",
		{ .features = BASE | PACKED, VEC_IO, CPU_AVX512, SIMD(512) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed),
		NOTE(PK_IN_ORDER, NOT_OFFERED) },
	{ "packed vectorized on an AVX2 machine with defaults, no IN_ORDER",
		{ .features = BASE | PACKED, VEC_IO, CPU_AVX2, SIMD(256) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed),
		NOTE(PK_CPU, PK_SIMD, PK_IN_ORDER, NOT_OFFERED) },
	{ "packed vectorized, SSE CPU, SIMD disabled, no VERSION_1",
		{ .features = PACKED_VEC & ~V1, VEC, CPU_SSE, SIMD(DISABLED) },
		CB(virtio_recv_pkts_packed), CB(virtio_xmit_pkts_packed),
		NOTE(PK_CPU, PK_SIMD, PK_V1) },
};

/* clang-format on */

/* Parts of a note, separated by "; " (no phrase contains that). */
static unsigned int
note_parts(const char *note)
{
	unsigned int n = note[0] != '\0';
	const char *p = note;

	while ((p = strstr(p, "; ")) != NULL) {
		n++;
		p += 2;
	}
	return n;
}

static bool
listed(const char *const *list, unsigned int n, const char *phrase)
{
	unsigned int i;

	for (i = 0; i < n && list[i] != NULL; i++)
		if (strcmp(list[i], phrase) == 0)
			return true;
	return false;
}

/* Elects with an output full of garbage, so that every field must be written. */
static void
elect(const struct virtio_path_input *in, struct virtio_path *out)
{
	memset(out, 0xa5, sizeof(*out));
	virtio_select_path(in, out);
	assert_non_null(out->rx_name);
	assert_non_null(out->tx_name);
	assert_non_null(memchr(out->note, '\0', sizeof(out->note)));
}

static void
check_case(const struct path_case *c)
{
	struct virtio_path out;
	unsigned int i, n = 0;

	print_message("# case: %s\n", c->what);
	elect(&c->in, &out);
	if (out.note[0] != '\0')
		print_message("#   note: %s\n", out.note);
	assert_ptr_equal(out.rx, c->rx.fn);
	assert_string_equal(out.rx_name, c->rx.name);
	assert_ptr_equal(out.tx, c->tx.fn);
	assert_string_equal(out.tx_name, c->tx.name);

	/* The row says either which phrases or that there are none. */
	assert_true(c->note_empty == (c->note[0] == NULL));
	for (i = 0; i < MAX_PHRASES && c->note[i] != NULL; i++) {
		assert_true(listed(phrases, RTE_DIM(phrases), c->note[i]));
		assert_non_null(strstr(out.note, c->note[i]));
		n++;
	}
	for (i = 0; i < RTE_DIM(phrases); i++)
		if (!listed(c->note, MAX_PHRASES, phrases[i]))
			assert_null(strstr(out.note, phrases[i]));
	for (i = 0; i < RTE_DIM(c->note_lacks) && c->note_lacks[i] != NULL; i++)
		assert_null(strstr(out.note, c->note_lacks[i]));
	/* Nothing else: as many parts as phrases, and "" when none. */
	assert_int_equal(note_parts(out.note), n);
	if (c->note_empty)
		assert_string_equal(out.note, "");
	if (!c->in.vectorized)
		assert_null(strstr(out.note, "vectorized"));
}

static void
test_path_table(void **state)
{
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(cases); i++)
		check_case(&cases[i]);
	print_message("# %u cases\n", (unsigned int)RTE_DIM(cases));
}

/* Each of the burst functions is elected by at least one row of the table. */
static void
test_table_covers_every_callback(void **state)
{
	unsigned int i, k;

	RTE_SET_USED(state);
	for (k = 0; k < RTE_DIM(rx_callbacks); k++) {
		for (i = 0; i < RTE_DIM(cases); i++)
			if (cases[i].rx.fn == rx_callbacks[k].fn)
				break;
		if (i == RTE_DIM(cases))
			fail_msg("no case elects %s", rx_callbacks[k].name);
	}
	for (k = 0; k < RTE_DIM(tx_callbacks); k++) {
		for (i = 0; i < RTE_DIM(cases); i++)
			if (cases[i].tx.fn == tx_callbacks[k].fn)
				break;
		if (i == RTE_DIM(cases))
			fail_msg("no case elects %s", tx_callbacks[k].name);
	}
}

/*
 * The sweep: every combination of the features, devargs, offloads, CPUs and
 * SIMD widths that matter, decoded from one index.
 */
static const uint64_t sweep_offloads[] = { 0, SCATTER, LRO, TCP_CKSUM, UDP_CKSUM, VLAN_STRIP,
	SCATTER | VLAN_STRIP };
static const uint64_t sweep_tx_offloads[] = { 0, TX_MULTI_SEGS, TX_TCP_CKSUM, TX_VLAN };
static const uint16_t sweep_simd[] = { RTE_VECT_SIMD_DISABLED, RTE_VECT_SIMD_128, RTE_VECT_SIMD_256,
	RTE_VECT_SIMD_512 };
static const uint64_t sweep_features[] = { V1, INDIRECT, MRG, IN_ORDER, PACKED };

#define SWEEP_CPUS 3
#define SWEEP_SIZE                                                                               \
	((1u << (RTE_DIM(sweep_features) + 2)) * RTE_DIM(sweep_offloads) * RTE_DIM(sweep_simd) * \
			SWEEP_CPUS * RTE_DIM(sweep_tx_offloads))

static void
sweep_input(unsigned int idx, struct virtio_path_input *in)
{
	unsigned int i, cpu;

	memset(in, 0, sizeof(*in));
	in->features = F(VIRTIO_NET_F_MAC);
	for (i = 0; i < RTE_DIM(sweep_features); i++, idx >>= 1)
		if (idx & 1)
			in->features |= sweep_features[i];
	in->vectorized = idx & 1;
	in->in_order_requested = (idx >> 1) & 1;
	idx >>= 2;
	in->rx_offloads = sweep_offloads[idx % RTE_DIM(sweep_offloads)];
	idx /= RTE_DIM(sweep_offloads);
	in->tx_offloads = sweep_tx_offloads[idx % RTE_DIM(sweep_tx_offloads)];
	idx /= RTE_DIM(sweep_tx_offloads);
	in->max_simd_bitwidth = sweep_simd[idx % RTE_DIM(sweep_simd)];
	idx /= RTE_DIM(sweep_simd);
	cpu = idx % SWEEP_CPUS;
	in->cpu_avx2 = cpu >= 1;
	in->cpu_avx512 = cpu >= 2;
}

/* The names reported name the functions installed, each from its own side. */
static void
test_names_match_functions(void **state)
{
	unsigned int rx_seen[RTE_DIM(rx_callbacks)] = { 0 };
	unsigned int tx_seen[RTE_DIM(tx_callbacks)] = { 0 };
	unsigned int idx, k;

	RTE_SET_USED(state);
	for (idx = 0; idx < SWEEP_SIZE; idx++) {
		struct virtio_path_input in;
		struct virtio_path out;
		unsigned int rx_hits = 0, tx_hits = 0;

		sweep_input(idx, &in);
		elect(&in, &out);
		for (k = 0; k < RTE_DIM(rx_callbacks); k++) {
			if (out.rx == rx_callbacks[k].fn) {
				assert_string_equal(out.rx_name, rx_callbacks[k].name);
				rx_seen[k]++;
				rx_hits++;
			}
		}
		for (k = 0; k < RTE_DIM(tx_callbacks); k++) {
			if (out.tx == tx_callbacks[k].fn) {
				assert_string_equal(out.tx_name, tx_callbacks[k].name);
				tx_seen[k]++;
				tx_hits++;
			}
		}
		assert_int_equal(rx_hits, 1);
		assert_int_equal(tx_hits, 1);
	}
	/* The sweep reaches every function. */
	for (k = 0; k < RTE_DIM(rx_callbacks); k++)
		if (rx_seen[k] == 0)
			fail_msg("the sweep never elects %s", rx_callbacks[k].name);
	for (k = 0; k < RTE_DIM(tx_callbacks); k++)
		if (tx_seen[k] == 0)
			fail_msg("the sweep never elects %s", tx_callbacks[k].name);
}

/* The rules once more, written from the documentation rather than from select.c. */
struct model {
	virtio_burst_t rx, tx;
	/* Each phrase: whether its condition failed (then it must be said). */
	bool failed[RTE_DIM(phrases)];
};

static unsigned int
phrase_index(const char *phrase)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(phrases); i++)
		if (strcmp(phrases[i], phrase) == 0)
			return i;
	fail_msg("unknown phrase %s", phrase);
	return 0;
}

/* A condition of a requested path, and whether it failed. */
static void
cond(struct model *m, const char *phrase, bool failed)
{
	unsigned int i = phrase_index(phrase);

	m->failed[i] = failed;
}

static void
model_packed(const struct virtio_path_input *in, struct model *m)
{
	bool mrg = in->features & MRG, offl = in->rx_offloads & VIRTIO_RX_OFFLOADS_NOT_VEC;
	bool tx_offl = in->tx_offloads & VIRTIO_TX_OFFLOADS_NOT_VEC;
	bool shared = in->vectorized && in->cpu_avx512 &&
			in->max_simd_bitwidth >= RTE_VECT_SIMD_512 && (in->features & V1) &&
			(in->features & IN_ORDER);

	if (in->vectorized) {
		cond(m, PK_CPU, !in->cpu_avx512);
		cond(m, PK_SIMD, in->max_simd_bitwidth < RTE_VECT_SIMD_512);
		cond(m, PK_V1, !(in->features & V1));
		cond(m, PK_IN_ORDER, !(in->features & IN_ORDER));
		cond(m, PK_RX_MRG, mrg);
		cond(m, PK_RX_OFFL, offl);
		cond(m, PK_TX_OFFL, tx_offl);
	}
	if (shared && !mrg && !offl)
		m->rx = virtio_recv_pkts_packed_vec;
	else
		m->rx = mrg ? virtio_recv_mergeable_pkts_packed : virtio_recv_pkts_packed;
	m->tx = shared && !tx_offl ? virtio_xmit_pkts_packed_vec : virtio_xmit_pkts_packed;
}

static void
model_split(const struct virtio_path_input *in, struct model *m)
{
	bool mrg = in->features & MRG, in_order = in->features & IN_ORDER;
	bool offl = in->rx_offloads & VIRTIO_RX_OFFLOADS_NOT_VEC;
	bool ind = in->features & INDIRECT;
	bool tx_offl = in->tx_offloads & VIRTIO_TX_OFFLOADS_NOT_VEC;
	bool shared = in->vectorized && !in_order && in->max_simd_bitwidth >= RTE_VECT_SIMD_128;

	if (in->vectorized) {
		cond(m, SP_IN_ORDER, in_order);
		cond(m, SP_SIMD, in->max_simd_bitwidth < RTE_VECT_SIMD_128);
		cond(m, SP_RX_MRG, mrg);
		cond(m, SP_RX_OFFL, offl);
		cond(m, SP_TX_IND, !ind);
		cond(m, SP_TX_OFFL, tx_offl);
	}
	if (shared && !mrg && !offl)
		m->rx = in->cpu_avx2 && in->max_simd_bitwidth >= RTE_VECT_SIMD_256 ?
				virtio_recv_pkts_vec_avx2 :
				virtio_recv_pkts_vec;
	else if (in_order)
		m->rx = virtio_recv_pkts_inorder;
	else
		m->rx = mrg ? virtio_recv_mergeable_pkts : virtio_recv_pkts;
	if (shared && ind && !tx_offl)
		m->tx = virtio_xmit_pkts_vec;
	else
		m->tx = in_order ? virtio_xmit_pkts_inorder : virtio_xmit_pkts;
}

static void
model(const struct virtio_path_input *in, struct model *m)
{
	memset(m, 0, sizeof(*m));
	if (in->features & PACKED)
		model_packed(in, m);
	else
		model_split(in, m);
	cond(m, NOT_OFFERED, in->in_order_requested && !(in->features & IN_ORDER));
}

/* Every combination of the sweep against the model: callbacks and note. */
static void
test_rules_sweep(void **state)
{
	unsigned int idx, i;

	RTE_SET_USED(state);
	for (idx = 0; idx < SWEEP_SIZE; idx++) {
		struct virtio_path_input in;
		struct virtio_path out;
		struct model m;
		unsigned int said = 0;

		sweep_input(idx, &in);
		model(&in, &m);
		elect(&in, &out);
		if (out.rx != m.rx || out.tx != m.tx)
			fail_msg("features %#" PRIx64 " offloads %#" PRIx64 " vec %d in_order %d "
				 "simd %u avx2 %d avx512 %d: got %s/%s",
					in.features, in.rx_offloads, in.vectorized,
					in.in_order_requested, in.max_simd_bitwidth, in.cpu_avx2,
					in.cpu_avx512, out.rx_name, out.tx_name);
		/* Room for every reason at once: a note that fills its buffer was cut. */
		assert_true(strlen(out.note) < sizeof(out.note) - 1);
		for (i = 0; i < RTE_DIM(phrases); i++) {
			bool present = strstr(out.note, phrases[i]) != NULL;

			if (present && !m.failed[i])
				fail_msg("idx %u: note '%s' says '%s' for nothing", idx, out.note,
						phrases[i]);
			if (!present && m.failed[i])
				fail_msg("idx %u: note '%s' lacks '%s'", idx, out.note, phrases[i]);
			said += present;
		}
		assert_int_equal(note_parts(out.note), said);
		if (!in.vectorized)
			assert_null(strstr(out.note, "vectorized"));
	}
	print_message("# %u combinations\n", (unsigned int)SWEEP_SIZE);
}

/* Pure: the same input gives the same output, whatever came before; the input is untouched. */
static void
test_pure(void **state)
{
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct virtio_path_input in = cases[i].in, copy = cases[i].in;
		const struct virtio_path_input *other = &cases[(i + 5) % RTE_DIM(cases)].in;
		struct virtio_path a, b, c;

		elect(&in, &a);
		assert_memory_equal(&in, &copy, sizeof(in));
		/* Another election in between, with different inputs. */
		elect(other, &c);
		memset(&b, 0x5a, sizeof(b));
		virtio_select_path(&in, &b);
		assert_memory_equal(&in, &copy, sizeof(in));
		assert_ptr_equal(a.rx, b.rx);
		assert_ptr_equal(a.tx, b.tx);
		assert_string_equal(a.rx_name, b.rx_name);
		assert_string_equal(a.tx_name, b.tx_name);
		assert_string_equal(a.note, b.note);
	}
}

/* A flag of the first "flags" line of /proc/cpuinfo: 1, 0, or -1 if unknown. */
static int
kernel_cpu_flag(const char *flag)
{
	char line[8192], word[64];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		snprintf(word, sizeof(word), " %s ", flag);
		line[strcspn(line, "\n")] = ' ';
		found = strstr(line, word) != NULL;
		break;
	}
	fclose(f);
	return found;
}

/*
 * virtio_select_cpu_flags() writes both CPU fields from the EAL's CPU flags
 * (which work without rte_eal_init()) and nothing else.
 */
static void
test_cpu_flags(void **state)
{
	bool avx2 = rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0;
	bool avx512 = rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
			rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0 &&
			rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512VL) > 0;
	static const char *const avx512_parts[] = { "avx512f", "avx512bw", "avx512vl" };
	unsigned int pass, i;

	RTE_SET_USED(state);
	print_message("# CPU: avx2 %d, avx512f/bw/vl %d\n", avx2, avx512);
	/* Starting from true and from false: both fields are written. */
	for (pass = 0; pass < 2; pass++) {
		struct virtio_path_input in = {
			.features = 0x123456789abcdefULL,
			.rx_offloads = 0xfedcba987654321ULL,
			.vectorized = true,
			.in_order_requested = true,
			.max_simd_bitwidth = 384,
			.cpu_avx2 = pass == 0,
			.cpu_avx512 = pass == 0,
		};
		struct virtio_path_input copy = in;

		virtio_select_cpu_flags(&in);
		assert_int_equal(in.cpu_avx2, avx2);
		assert_int_equal(in.cpu_avx512, avx512);
		copy.cpu_avx2 = in.cpu_avx2;
		copy.cpu_avx512 = in.cpu_avx512;
		assert_memory_equal(&in, &copy, sizeof(in));
	}
	/* What the EAL reports, the kernel runs: never a path the OS cannot. */
	if (avx2 && kernel_cpu_flag("avx2") == 0)
		fail_msg("AVX2 reported, but not in /proc/cpuinfo");
	for (i = 0; avx512 && i < RTE_DIM(avx512_parts); i++)
		if (kernel_cpu_flag(avx512_parts[i]) == 0)
			fail_msg("AVX512 reported, but %s not in /proc/cpuinfo", avx512_parts[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_table),
		cmocka_unit_test(test_table_covers_every_callback),
		cmocka_unit_test(test_names_match_functions),
		cmocka_unit_test(test_rules_sweep),
		cmocka_unit_test(test_pure),
		cmocka_unit_test(test_cpu_flags),
	};

	return cmocka_run_group_tests_name("select", tests, NULL, NULL);
}
