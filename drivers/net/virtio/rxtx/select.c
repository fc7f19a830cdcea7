/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <stdio.h>
#include <string.h>

#include "../virtio_spec.h"
#include "rxtx.h"
#include "select.h"

static void
add_note(struct virtio_path *out, const char *text)
{
	size_t used = strlen(out->note);

	snprintf(out->note + used, sizeof(out->note) - used, "%s%s", used ? "; " : "", text);
}

#define PATH(side, fn) do { out->side = fn; out->side##_name = #fn; } while (0)

void
virtio_select_path(const struct virtio_path_input *in, struct virtio_path *out)
{
	bool mergeable = in->features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	bool in_order = in->features & VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	bool packed = in->features & VIRTIO_BIT(VIRTIO_F_RING_PACKED);

	memset(out, 0, sizeof(*out));
	if (packed) {
		/* One Rx callback per buffer kind and one Tx, in order or not. */
		if (mergeable)
			PATH(rx, virtio_recv_mergeable_pkts_packed);
		else
			PATH(rx, virtio_recv_pkts_packed);
		PATH(tx, virtio_xmit_pkts_packed);
	} else if (in_order) {
		/* One Rx callback for both buffer kinds. */
		PATH(rx, virtio_recv_pkts_inorder);
		PATH(tx, virtio_xmit_pkts_inorder);
	} else {
		if (mergeable)
			PATH(rx, virtio_recv_mergeable_pkts);
		else
			PATH(rx, virtio_recv_pkts);
		PATH(tx, virtio_xmit_pkts);
	}

	if (in->vectorized)
		add_note(out, "vectorized=1: no vectorized path is available yet, "
			      "using the scalar path");
	if (in->in_order_requested && !in_order)
		add_note(out, "in_order=1: the device does not offer VIRTIO_F_IN_ORDER, "
			      "using the any-order path");
}
