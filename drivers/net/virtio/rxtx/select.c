/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Path election, with the stock driver's rules (doc/guides/nics/virtio.rst,
 * "Virtio paths selection") plus our own vectorized split Tx and AVX2 Rx.
 * Every requested vectorized path that is not taken says why in the note.
 */

#include <stdio.h>
#include <string.h>

#include <rte_cpuflags.h>

#include "../virtio_spec.h"
#include "rxtx.h"
#include "select.h"
#include "split_vec.h"
#include "packed_vec.h"

static void
add_note(struct virtio_path *out, const char *text)
{
	size_t used = strlen(out->note);

	snprintf(out->note + used, sizeof(out->note) - used, "%s%s", used ? "; " : "", text);
}

/* Records why a requested vectorized path was not taken; returns whether it may be. */
static bool
require(struct virtio_path *out, bool condition, const char *why)
{
	if (!condition)
		add_note(out, why);
	return condition;
}

#define PATH(side, fn) do { out->side = fn; out->side##_name = #fn; } while (0)

static void
select_packed(const struct virtio_path_input *in, struct virtio_path *out)
{
	bool mergeable = in->features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	bool vec = in->vectorized, vec_rx = false, vec_tx = false;

	if (in->vectorized) {
		/* Every condition is checked (no short cut) so that the note lists all. */
		vec &= require(out, VIRTIO_PACKED_VEC_BUILT,
			       "packed vectorized: this build has no AVX512 code");
		vec &= require(out, in->cpu_avx512,
			       "packed vectorized: the CPU lacks AVX512F/BW/VL");
		vec &= require(out, in->max_simd_bitwidth >= RTE_VECT_SIMD_512,
			       "packed vectorized: needs --force-max-simd-bitwidth=512");
		vec &= require(out, in->features & VIRTIO_BIT(VIRTIO_F_VERSION_1),
			       "packed vectorized: needs VIRTIO_F_VERSION_1");
		vec &= require(out, in->features & VIRTIO_BIT(VIRTIO_F_IN_ORDER),
			       "packed vectorized: needs in-order (in_order=1)");
		vec_rx = vec;
		vec_rx &= require(out, !mergeable, "packed vectorized Rx: needs mrg_rxbuf=0");
		vec_rx &= require(out, !(in->rx_offloads & VIRTIO_RX_OFFLOADS_NOT_VEC),
				  "packed vectorized Rx: not with LRO, checksum or VLAN strip "
				  "Rx offloads");
		vec_tx = vec;
		vec_tx &= require(out, !(in->tx_offloads & VIRTIO_TX_OFFLOADS_NOT_VEC),
				  "packed vectorized Tx: not with checksum, TSO or VLAN insert "
				  "Tx offloads");
	}
#if VIRTIO_PACKED_VEC_BUILT
	if (vec_rx)
		PATH(rx, virtio_recv_pkts_packed_vec);
	else
#endif
	if (mergeable)
		PATH(rx, virtio_recv_mergeable_pkts_packed);
	else
		PATH(rx, virtio_recv_pkts_packed);
#if VIRTIO_PACKED_VEC_BUILT
	if (vec_tx)
		PATH(tx, virtio_xmit_pkts_packed_vec);
	else
#endif
		PATH(tx, virtio_xmit_pkts_packed);
}

static void
select_split(const struct virtio_path_input *in, struct virtio_path *out)
{
	bool mergeable = in->features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	bool in_order = in->features & VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	bool vec = in->vectorized, vec_rx = false, vec_tx = false;

	if (in->vectorized) {
		/* Every condition is checked (no short cut) so that the note lists all. */
		vec &= require(out, !in_order, "split vectorized: needs in_order=0");
		vec &= require(out, in->max_simd_bitwidth >= RTE_VECT_SIMD_128,
			       "split vectorized: SIMD is disabled (max SIMD bitwidth below 128)");
		vec_rx = vec;
		vec_rx &= require(out, !mergeable, "split vectorized Rx: needs mrg_rxbuf=0");
		vec_rx &= require(out, !(in->rx_offloads & VIRTIO_RX_OFFLOADS_NOT_VEC),
				  "split vectorized Rx: not with LRO, checksum or VLAN strip "
				  "Rx offloads");
		vec_tx = vec;
		vec_tx &= require(out, in->features & VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC),
				  "split vectorized Tx: needs VIRTIO_RING_F_INDIRECT_DESC");
		vec_tx &= require(out, !(in->tx_offloads & VIRTIO_TX_OFFLOADS_NOT_VEC),
				  "split vectorized Tx: not with checksum, TSO or VLAN insert "
				  "Tx offloads");
	}

	if (vec_rx && in->cpu_avx2 && in->max_simd_bitwidth >= RTE_VECT_SIMD_256)
		PATH(rx, virtio_recv_pkts_vec_avx2);
	else if (vec_rx)
		PATH(rx, virtio_recv_pkts_vec);
	else if (in_order)
		PATH(rx, virtio_recv_pkts_inorder); /* one callback for both buffer kinds */
	else if (mergeable)
		PATH(rx, virtio_recv_mergeable_pkts);
	else
		PATH(rx, virtio_recv_pkts);

	if (vec_tx)
		PATH(tx, virtio_xmit_pkts_vec);
	else if (in_order)
		PATH(tx, virtio_xmit_pkts_inorder);
	else
		PATH(tx, virtio_xmit_pkts);
}

void
virtio_select_path(const struct virtio_path_input *in, struct virtio_path *out)
{
	memset(out, 0, sizeof(*out));
	if (in->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED))
		select_packed(in, out);
	else
		select_split(in, out);
	if (in->in_order_requested && !(in->features & VIRTIO_BIT(VIRTIO_F_IN_ORDER)))
		add_note(out, "in_order=1: the device does not offer VIRTIO_F_IN_ORDER, "
			      "so no in-order path");
}

void
virtio_select_cpu_flags(struct virtio_path_input *in)
{
	in->cpu_avx2 = rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX2) > 0;
	in->cpu_avx512 = rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512F) > 0 &&
			 rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512BW) > 0 &&
			 rte_cpu_get_flag_enabled(RTE_CPUFLAG_AVX512VL) > 0;
}
