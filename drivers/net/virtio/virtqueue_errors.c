/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The error branch of the datapath's checks on what the device wrote: one
 * counter per kind of fault (struct vq_device_errors, per-queue xstats) and
 * a message at most once per second per queue. Kept out of line so that the
 * burst functions carry only the compare and a call on a cold branch.
 */

#include "virtqueue.h"
#include "virtio_log.h"

static const char *
role_name(char role)
{
	switch (role) {
	case VQ_ROLE_RX: return "rx queue";
	case VQ_ROLE_TX: return "tx queue";
	case VQ_ROLE_CTRL: return "control queue";
	default: return "queue";
	}
}

void
vq_device_error(struct virtqueue *vq, enum vq_error_kind kind, uint32_t value, uint32_t limit)
{
	uint64_t *counter;
	const char *field, *allowed, *action;

	switch (kind) {
	case VQ_ERR_USED_IDX:
		counter = &vq->errors.bad_used_idx;
		field = "used index advance";
		allowed = "at most the buffers in flight,";
		action = "only those taken";
		break;
	case VQ_ERR_USED_ID:
		counter = &vq->errors.bad_used_id;
		field = "used id";
		allowed = "an id in flight below the ring size";
		action = "entry skipped";
		break;
	case VQ_ERR_USED_LEN:
		counter = &vq->errors.bad_used_len;
		field = "used length";
		allowed = "the net header size up to the posted buffer size";
		action = "packet dropped";
		break;
	case VQ_ERR_NUM_BUFFERS:
		counter = &vq->errors.bad_num_buffers;
		field = "num_buffers";
		allowed = "1 up to the buffers in flight,";
		action = "packet dropped";
		break;
	default:
		return;
	}
	(*counter)++;
	virtio_log_limited(&vq->log_limit, "port %u %s %u (virtqueue %u): the device wrote %s %u; "
			   "allowed is %s %u: %s", vq->port_id, role_name(vq->role), vq->queue_id,
			   vq->index, field, value, allowed, limit, action);
}
