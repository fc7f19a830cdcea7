/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <stdio.h>
#include <string.h>

#include "fake_cvq.h"

/* One buffer of a chain as the device sees it. */
struct vq_buf_view {
	uint8_t *ptr;
	uint32_t len;
	bool write;
};

#define MAX_CHAIN 8

static void
protocol_error(struct fake_cvq *f, const char *what)
{
	f->protocol_errors++;
	snprintf(f->last_error, sizeof(f->last_error), "%s", what);
}

/*
 * Checks the chain layout, collects the command, answers it. Returns the
 * number of bytes written (the ack) or -1 when the chain is invalid.
 */
static int
serve(struct fake_cvq *f, struct vq_buf_view *bufs, unsigned int n)
{
	unsigned int i;
	size_t len = 0;
	uint8_t ack;

	if (n < 2 || !bufs[n - 1].write || bufs[n - 1].len < 1) {
		protocol_error(f, "the chain does not end in a device-writable ack byte");
		return -1;
	}
	for (i = 0; i + 1 < n; i++) {
		if (bufs[i].write) {
			protocol_error(f, "a device-writable buffer before the command's end");
			return -1;
		}
		if (len + bufs[i].len > sizeof(f->last_cmd)) {
			protocol_error(f, "command longer than the fake accepts");
			return -1;
		}
		memcpy(&f->last_cmd[len], bufs[i].ptr, bufs[i].len);
		len += bufs[i].len;
	}
	if (len < 2) {
		protocol_error(f, "command shorter than its class and command bytes");
		return -1;
	}
	f->last_len = len;
	ack = f->handler != NULL ? f->handler(f, f->last_cmd, len) : 0;
	bufs[n - 1].ptr[0] = ack;
	f->commands++;
	return 1;
}

/* The used length of an answer: what serve() wrote, or the forged one once. */
static uint32_t
answer_len(struct fake_cvq *f, int written)
{
	if (f->mode == FAKE_CVQ_BAD_LEN) {
		f->mode = FAKE_CVQ_ANSWER;
		return f->bad_len;
	}
	return written < 0 ? 0 : (uint32_t)written;
}

static void
split_used(struct fake_cvq *f, uint32_t id, uint32_t len)
{
	struct virtqueue *vq = f->vq;

	vq->used->ring[f->used_idx & vq->mask] = (struct vring_used_elem){ .id = id, .len = len };
	__atomic_store_n(&vq->used->idx, ++f->used_idx, __ATOMIC_RELEASE);
}

static void
split_serve(struct fake_cvq *f)
{
	struct virtqueue *vq = f->vq;

	while (f->last_avail != __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE)) {
		uint16_t head = vq->avail->ring[f->last_avail & vq->mask], id = head;
		struct vq_buf_view bufs[MAX_CHAIN];
		unsigned int n = 0;
		int written;

		f->last_avail++;
		for (;;) {
			const struct vring_desc *d = &vq->desc[id & vq->mask];

			if (n == MAX_CHAIN) {
				protocol_error(f, "chain too long");
				return;
			}
			bufs[n++] = (struct vq_buf_view){ (uint8_t *)(uintptr_t)d->addr, d->len,
							  d->flags & VRING_DESC_F_WRITE };
			if (!(d->flags & VRING_DESC_F_NEXT))
				break;
			id = d->next;
		}
		if (f->mode == FAKE_CVQ_SILENT) {
			f->taken_silently++;
			continue;
		}
		if (f->mode == FAKE_CVQ_BOGUS_ID) {
			split_used(f, vq->size + 7, 1);
			f->mode = FAKE_CVQ_ANSWER;
		}
		written = serve(f, bufs, n);
		split_used(f, head, answer_len(f, written));
	}
	/* Like a real device: ask to be told about the next command. */
	{
		volatile uint16_t *avail_event = (volatile uint16_t *)(void *)&vq->used->ring[vq->size];

		*avail_event = f->last_avail;
	}
}

static bool
packed_avail(const struct fake_cvq *f, uint16_t flags)
{
	bool avail = flags & VRING_PACKED_DESC_F_AVAIL, used = flags & VRING_PACKED_DESC_F_USED;

	return avail == f->avail_wrap && used != f->avail_wrap;
}

static void
packed_used(struct fake_cvq *f, uint16_t id, uint32_t len, uint16_t slots)
{
	struct vring_packed_desc *d = &f->vq->pdesc[f->used_pos];
	uint16_t flags = f->used_wrap ? VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED : 0;

	d->id = id;
	d->len = len;
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	vq_packed_advance(&f->used_pos, &f->used_wrap, slots, f->vq->size);
}

static void
packed_serve(struct fake_cvq *f)
{
	struct virtqueue *vq = f->vq;

	while (packed_avail(f, __atomic_load_n(&vq->pdesc[f->avail_pos].flags,
					       __ATOMIC_ACQUIRE))) {
		struct vq_buf_view bufs[MAX_CHAIN];
		unsigned int n = 0;
		uint16_t id = 0;
		int written;

		for (;;) {
			const struct vring_packed_desc *d = &vq->pdesc[f->avail_pos];
			uint16_t flags = d->flags;

			if (n == MAX_CHAIN || (n > 0 && !packed_avail(f, flags))) {
				protocol_error(f, "chain too long or not available");
				return;
			}
			bufs[n++] = (struct vq_buf_view){ (uint8_t *)(uintptr_t)d->addr, d->len,
							  flags & VRING_DESC_F_WRITE };
			id = d->id;
			vq_packed_advance(&f->avail_pos, &f->avail_wrap, 1, vq->size);
			if (!(flags & VRING_DESC_F_NEXT))
				break;
		}
		if (f->mode == FAKE_CVQ_SILENT) {
			f->taken_silently++;
			continue;
		}
		if (f->mode == FAKE_CVQ_BOGUS_ID) {
			/*
			 * The chain's slots come back under an id the driver does
			 * not own: on a packed ring the command is lost with them.
			 */
			packed_used(f, (uint16_t)(vq->size + 7), 1, (uint16_t)n);
			f->mode = FAKE_CVQ_ANSWER;
			continue;
		}
		written = serve(f, bufs, n);
		packed_used(f, id, answer_len(f, written), (uint16_t)n);
	}
}

static void
fake_cvq_notify(struct virtqueue *vq)
{
	struct fake_cvq *f = vq->notify_cookie;

	if (vq->packed)
		packed_serve(f);
	else
		split_serve(f);
}

void
fake_cvq_reset(struct fake_cvq *f)
{
	f->last_avail = 0;
	f->used_idx = 0;
	f->avail_pos = 0;
	f->avail_wrap = true;
	f->used_pos = 0;
	f->used_wrap = true;
}

void
fake_cvq_attach(struct fake_cvq *f, struct virtqueue *vq)
{
	memset(f, 0, sizeof(*f));
	f->vq = vq;
	fake_cvq_reset(f);
	vq->notify = fake_cvq_notify;
	vq->notify_cookie = f;
}
