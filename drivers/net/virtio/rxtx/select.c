/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <stdio.h>
#include <string.h>

#include "../virtio_spec.h"
#include "rxtx.h"
#include "select.h"

#define PATH(fn) fn, #fn

static void
add_note(struct virtio_path *out, const char *text)
{
	size_t used = strlen(out->note);

	snprintf(out->note + used, sizeof(out->note) - used, "%s%s", used ? "; " : "", text);
}

void
virtio_select_path(const struct virtio_path_input *in, struct virtio_path *out)
{
	bool mergeable = in->features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);

	memset(out, 0, sizeof(*out));
	if (mergeable) {
		out->rx = virtio_recv_mergeable_pkts;
		out->rx_name = "virtio_recv_mergeable_pkts";
	} else {
		out->rx = virtio_recv_pkts;
		out->rx_name = "virtio_recv_pkts";
	}
	out->tx = virtio_xmit_pkts;
	out->tx_name = "virtio_xmit_pkts";

	if (in->vectorized)
		add_note(out, "vectorized=1: no vectorized path is available yet, "
			      "using the scalar split-ring path");
	if (in->in_order_requested && !(in->features & VIRTIO_BIT(VIRTIO_F_IN_ORDER)))
		add_note(out, "in_order=1: in-order paths are not available yet, "
			      "using the any-order split-ring path");
}
