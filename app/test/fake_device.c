/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "fake_device.h"

/* Buffers one received packet may span. */
#define FAKE_MAX_RX_BUFS 256

static uint32_t
next_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static void proto_error(struct fake_dev *fd, const char *fmt, ...) __rte_format_printf(2, 3);

static void
proto_error(struct fake_dev *fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fd->last_error, sizeof(fd->last_error), fmt, ap);
	va_end(ap);
	fd->protocol_errors++;
	fprintf(stderr, "fake device: queue %u: %s\n", fd->vq->index, fd->last_error);
}

int
fake_dev_init(struct fake_dev *fd, struct virtqueue *vq, uint16_t hdr_size, bool mergeable)
{
	memset(fd, 0, sizeof(*fd));
	if (vq == NULL || vq->size == 0 || hdr_size > sizeof(struct virtio_net_hdr_mrg_rxbuf))
		return -EINVAL;
	fd->vq = vq;
	fd->desc = vq->desc;
	fd->avail = vq->avail;
	fd->used = vq->used;
	fd->size = vq->size;
	fd->hdr_size = hdr_size;
	fd->mergeable = mergeable;
	fd->seed = 12345;
	fd->staged_cap = 4u * vq->size + 64;
	fd->staged = calloc(fd->staged_cap, sizeof(*fd->staged));
	fd->outstanding = calloc(vq->size, 1);
	fd->chain = calloc(FAKE_MAX_CHAIN, sizeof(*fd->chain));
	if (vq->packed) {
		/* Both wrap counters start at 1 (spec 2.8.1). */
		fd->packed = true;
		fd->pdesc = vq->pdesc;
		fd->driver_event = vq->driver_event;
		fd->device_event = vq->device_event;
		fd->avail_wrap = true;
		fd->used_wrap = true;
		fd->slot_flags = calloc(vq->size, sizeof(*fd->slot_flags));
	}
	if (fd->staged == NULL || fd->outstanding == NULL || fd->chain == NULL ||
			(fd->packed && fd->slot_flags == NULL)) {
		fake_dev_fini(fd);
		return -ENOMEM;
	}
	vq->notify = fake_notify;
	vq->notify_cookie = fd;
	return 0;
}

void
fake_dev_fini(struct fake_dev *fd)
{
	free(fd->staged);
	free(fd->outstanding);
	free(fd->chain);
	free(fd->slot_flags);
	free(fd->regions);
	fd->regions = NULL;
	fd->nregions = 0;
	fd->regions_cap = 0;
	fd->staged = NULL;
	fd->outstanding = NULL;
	fd->chain = NULL;
	fd->slot_flags = NULL;
}

int
fake_dev_add_region(struct fake_dev *fd, const void *base, size_t len)
{
	if (fd->nregions == fd->regions_cap) {
		unsigned int cap = fd->regions_cap ? 2 * fd->regions_cap : 64;
		struct fake_region *r = realloc(fd->regions, sizeof(*r) * cap);

		if (r == NULL)
			return -ENOMEM;
		fd->regions = r;
		fd->regions_cap = cap;
	}
	fd->regions[fd->nregions].base = (uintptr_t)base;
	fd->regions[fd->nregions].len = len;
	fd->nregions++;
	fd->sorted = false;
	return 0;
}

static void
add_mbuf_buffer(struct rte_mempool *mp, void *opaque, void *obj, unsigned int obj_idx)
{
	struct fake_dev *fd = opaque;
	const struct rte_mbuf *m = obj;

	RTE_SET_USED(mp);
	RTE_SET_USED(obj_idx);
	if (fake_dev_add_region(fd, m->buf_addr, m->buf_len) != 0)
		proto_error(fd, "out of memory for regions (test bug)");
}

int
fake_dev_add_mempool(struct fake_dev *fd, struct rte_mempool *mp)
{
	uint64_t before = fd->protocol_errors;

	rte_mempool_obj_iter(mp, add_mbuf_buffer, fd);
	return fd->protocol_errors == before ? 0 : -ENOMEM;
}

static int
region_cmp(const void *a, const void *b)
{
	const struct fake_region *ra = a, *rb = b;

	return ra->base < rb->base ? -1 : ra->base > rb->base;
}

void
fake_notify(struct virtqueue *vq)
{
	struct fake_dev *fd = vq->notify_cookie;

	fd->notifications++;
}

static bool
in_regions(struct fake_dev *fd, uint64_t addr, uint64_t len)
{
	unsigned int lo = 0, hi = fd->nregions;
	const struct fake_region *r;

	if (!fd->sorted) {
		qsort(fd->regions, fd->nregions, sizeof(*fd->regions), region_cmp);
		fd->sorted = true;
	}
	/* Last region starting at or below addr. */
	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (fd->regions[mid].base <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (fd->nregions == 0)
		return false;
	r = &fd->regions[lo];
	return addr >= r->base && len <= r->len && addr - r->base <= r->len - len;
}

static uint16_t packed_avail_pending(struct fake_dev *fd);

uint16_t
fake_avail_pending(struct fake_dev *fd)
{
	uint16_t idx, pending;

	if (fd->packed)
		return packed_avail_pending(fd);
	idx = __atomic_load_n(&fd->avail->idx, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(idx - fd->last_avail);
	if (pending > fd->size) {
		proto_error(fd, "avail->idx %u is %u entries past the device's %u (ring of %u)",
				idx, pending, fd->last_avail, fd->size);
		return 0;
	}
	return pending;
}

static int
chain_add_buf(struct fake_dev *fd, uint64_t addr, uint32_t len, bool write)
{
	if (fd->chain_len == FAKE_MAX_CHAIN) {
		proto_error(fd, "chain longer than %u buffers", FAKE_MAX_CHAIN);
		return -EPROTO;
	}
	if (addr == 0 || len == 0) {
		proto_error(fd, "buffer with address 0x%" PRIx64 " and length %u", addr, len);
		return -EPROTO;
	}
	if (!in_regions(fd, addr, len)) {
		proto_error(fd, "buffer 0x%" PRIx64 "+%u outside the driver's memory", addr, len);
		return -EPROTO;
	}
	if (!write && fd->chain_len > 0 && fd->chain[fd->chain_len - 1].write) {
		proto_error(fd, "device-readable buffer after a device-writable one");
		return -EPROTO;
	}
	fd->chain[fd->chain_len].ptr = (uint8_t *)(uintptr_t)addr;
	fd->chain[fd->chain_len].len = len;
	fd->chain[fd->chain_len].write = write;
	fd->chain_len++;
	return 0;
}

static int
chain_add(struct fake_dev *fd, const struct vring_desc *d)
{
	return chain_add_buf(fd, d->addr, d->len, (d->flags & VRING_DESC_F_WRITE) != 0);
}

static int
walk_indirect(struct fake_dev *fd, const struct vring_desc *d)
{
	const struct vring_desc *table;
	uint32_t n, i, steps = 0;

	if (d->flags & VRING_DESC_F_NEXT) {
		proto_error(fd, "descriptor with both INDIRECT and NEXT");
		return -EPROTO;
	}
	if (d->len == 0 || d->len % sizeof(struct vring_desc) != 0 ||
			d->len / sizeof(struct vring_desc) > FAKE_MAX_CHAIN) {
		proto_error(fd, "indirect table of %u bytes", d->len);
		return -EPROTO;
	}
	if (d->addr % 16 != 0 || !in_regions(fd, d->addr, d->len)) {
		proto_error(fd, "indirect table at 0x%" PRIx64 "+%u misplaced", d->addr, d->len);
		return -EPROTO;
	}
	table = (const struct vring_desc *)(uintptr_t)d->addr;
	n = d->len / sizeof(struct vring_desc);
	for (i = 0;;) {
		struct vring_desc td = table[i];

		if (++steps > n) {
			proto_error(fd, "indirect chain loops");
			return -EPROTO;
		}
		if (td.flags & VRING_DESC_F_INDIRECT) {
			proto_error(fd, "INDIRECT inside an indirect table");
			return -EPROTO;
		}
		if (chain_add(fd, &td) != 0)
			return -EPROTO;
		if (!(td.flags & VRING_DESC_F_NEXT))
			break;
		if (td.next >= n) {
			proto_error(fd, "indirect next %u outside a table of %u", td.next, n);
			return -EPROTO;
		}
		i = td.next;
	}
	return 0;
}

/* Collects the buffers of the chain at `head` into fd->chain. */
static int
walk_chain(struct fake_dev *fd, uint16_t head)
{
	uint32_t idx = head;

	fd->chain_len = 0;
	fd->chain_ring_descs = 0;
	fd->chain_indirect = false;
	fd->chain_contiguous = true;
	for (;;) {
		struct vring_desc d;

		if (idx >= fd->size) {
			proto_error(fd, "descriptor id %u outside a ring of %u", idx, fd->size);
			return -EPROTO;
		}
		if (++fd->chain_ring_descs > fd->size) {
			proto_error(fd, "chain from head %u loops", head);
			return -EPROTO;
		}
		d = fd->desc[idx];
		if (d.flags & VRING_DESC_F_INDIRECT) {
			fd->chain_indirect = true;
			return walk_indirect(fd, &d);
		}
		if (chain_add(fd, &d) != 0)
			return -EPROTO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next != ((idx + 1) & (fd->size - 1u)))
			fd->chain_contiguous = false;
		idx = d.next;
	}
}

/* Reads the avail entry `k` places after the next unread one, checking it. */
static int
peek_head(struct fake_dev *fd, uint16_t k, uint16_t *head)
{
	uint16_t h = fd->avail->ring[(uint16_t)(fd->last_avail + k) & (fd->size - 1)];

	if (h >= fd->size) {
		proto_error(fd, "avail entry %u names descriptor %u (ring of %u)",
				(uint16_t)(fd->last_avail + k), h, fd->size);
		return -EPROTO;
	}
	if (fd->outstanding[h]) {
		proto_error(fd, "avail entry %u names descriptor %u, already given to the device",
				(uint16_t)(fd->last_avail + k), h);
		return -EPROTO;
	}
	*head = h;
	return 0;
}

/*
 * The device takes the chain at `head` (walked last by walk_chain()) from the
 * avail ring. In order, the chain must start where the previous one ended
 * and run through consecutive descriptor ids.
 */
static void
take_chain(struct fake_dev *fd, uint16_t head)
{
	fd->outstanding[head] = 1;
	fd->chains_taken++;
	if (!fd->in_order)
		return;
	if (head != fd->next_head || !fd->chain_contiguous) {
		fd->seq_errors++;
		fprintf(stderr,
				"fake device: queue %u: in-order chain %" PRIu64
				" starts at descriptor %u (expected %u)%s\n",
				fd->vq->index, fd->chains_taken, head, fd->next_head,
				fd->chain_contiguous ? "" : ", ids not consecutive");
	}
	fd->next_head = (uint16_t)((head + fd->chain_ring_descs) & (fd->size - 1u));
}

static struct fake_used *
stage(struct fake_dev *fd, uint32_t id, uint32_t len, uint32_t group, bool real, uint32_t buf)
{
	static struct fake_used sink;
	struct fake_used *u;

	if (fd->nstaged == fd->staged_cap) {
		proto_error(fd, "too many staged used elements (test bug)");
		return &sink;
	}
	u = &fd->staged[fd->nstaged++];
	memset(u, 0, sizeof(*u));
	u->id = id;
	u->len = len;
	u->group = group;
	u->buf = buf;
	u->real = real;
	u->skip = 1;
	if (real) {
		fd->last_real = *u;
		fd->have_last_real = true;
	}
	return u;
}

static void
write_used(struct fake_dev *fd, const struct fake_used *u)
{
	struct vring_used_elem *e = &fd->used->ring[fd->used_idx & (fd->size - 1)];

	e->id = u->id;
	e->len = u->len;
	fd->used_idx++;
	if (fd->in_order) {
		/* In order, an element gives back the buffer it stands for, whatever its id. */
		if (u->buf < fd->size)
			fd->outstanding[u->buf] = 0;
	} else if (u->real && u->id < fd->size) {
		fd->outstanding[u->id] = 0;
	}
}

/*
 * used_last_only: an element before the last of a batch. Its buffer is
 * returned all the same; the ring entry keeps what it held (a previous lap)
 * or gets an id and length that may name anything, a chain in flight included.
 */
static void
write_garbage(struct fake_dev *fd, const struct fake_used *u)
{
	struct vring_used_elem *e = &fd->used->ring[fd->used_idx & (fd->size - 1)];
	uint32_t r = next_rand(&fd->seed);

	if (r & 1) {
		e->id = (r >> 1) % (2u * fd->size);
		e->len = next_rand(&fd->seed);
	}
	fd->used_idx++;
	if (u->buf < fd->size)
		fd->outstanding[u->buf] = 0;
	fd->garbage_written++;
}

static void
store_used_idx(struct fake_dev *fd)
{
	/* Entries must be visible before the index that publishes them. */
	__atomic_store_n(&fd->used->idx, fd->used_idx, __ATOMIC_RELEASE);
}

static void packed_publish(struct fake_dev *fd, const struct fake_used *u, unsigned int n,
		bool cut);
static void packed_advance(struct fake_dev *fd, uint16_t *pos, bool *wrap, uint32_t n,
		uint64_t *laps);

unsigned int
fake_staged(const struct fake_dev *fd)
{
	return fd->nstaged;
}

/* Split (spec 2.7.10): used_event, or the NO_INTERRUPT flag without event idx. */
static bool
split_wants_interrupt(const struct fake_dev *fd, uint16_t old_idx)
{
	const struct virtqueue *vq = fd->vq;

	if (vq->event_idx)
		return vring_need_event(vq->avail->ring[vq->size], fd->used_idx, old_idx);
	return !(vq->avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
}

/* Packed (spec 2.8.10): ENABLE, DISABLE, or DESC naming a slot just made used. */
static bool
packed_wants_interrupt(struct fake_dev *fd, uint16_t pos, bool wrap)
{
	uint16_t flags = fd->driver_event->flags;
	uint16_t off_wrap = fd->driver_event->off_wrap;
	uint16_t off = off_wrap & ((1u << VRING_PACKED_EVENT_WRAP_SHIFT) - 1);
	bool event_wrap = off_wrap >> VRING_PACKED_EVENT_WRAP_SHIFT;

	if (flags == VRING_PACKED_EVENT_FLAG_ENABLE)
		return true;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC)
		return false;
	while (pos != fd->used_pos || wrap != fd->used_wrap) {
		if (pos == off && wrap == event_wrap)
			return true;
		packed_advance(fd, &pos, &wrap, 1, NULL);
	}
	return false;
}

unsigned int
fake_publish(struct fake_dev *fd, unsigned int max, enum fake_order order)
{
	uint16_t old_idx = fd->used_idx, old_pos = fd->used_pos;
	bool old_wrap = fd->used_wrap;
	struct fake_used *tmp;
	uint32_t *groups;
	unsigned int ngroups = 0, i, j, out = 0, n;

	if (fd->nstaged == 0)
		return 0;
	tmp = calloc(fd->nstaged, sizeof(*tmp));
	groups = calloc(fd->nstaged, sizeof(*groups));
	if (tmp == NULL || groups == NULL) {
		free(tmp);
		free(groups);
		proto_error(fd, "out of memory (test bug)");
		return 0;
	}
	/* Distinct groups in staging order. */
	for (i = 0; i < fd->nstaged; i++)
		if (ngroups == 0 || groups[ngroups - 1] != fd->staged[i].group)
			groups[ngroups++] = fd->staged[i].group;
	if (order == FAKE_ORDER_REVERSE) {
		for (i = 0; i < ngroups / 2; i++) {
			uint32_t g = groups[i];

			groups[i] = groups[ngroups - 1 - i];
			groups[ngroups - 1 - i] = g;
		}
	} else if (order == FAKE_ORDER_SHUFFLE) {
		for (i = ngroups; i > 1; i--) {
			uint32_t k = next_rand(&fd->seed) % i;
			uint32_t g = groups[i - 1];

			groups[i - 1] = groups[k];
			groups[k] = g;
		}
	}
	for (i = 0; i < ngroups; i++)
		for (j = 0; j < fd->nstaged; j++)
			if (fd->staged[j].group == groups[i])
				tmp[out++] = fd->staged[j];
	n = RTE_MIN(max, out);
	if (fd->packed) {
		packed_publish(fd, tmp, n, n > 0 && n < out && tmp[n].group == tmp[n - 1].group);
	} else {
		for (i = 0; i < n; i++) {
			if (fd->in_order && fd->used_last_only && i + 1 < n)
				write_garbage(fd, &tmp[i]);
			else
				write_used(fd, &tmp[i]);
		}
	}
	memcpy(fd->staged, tmp + n, sizeof(*tmp) * (out - n));
	fd->nstaged = out - n;
	if (n > 0 && !fd->packed)
		store_used_idx(fd);
	/* The device reads the driver's wishes after publishing (full barrier). */
	rte_mb();
	if (n > 0 && (fd->packed ? packed_wants_interrupt(fd, old_pos, old_wrap) :
				   split_wants_interrupt(fd, old_idx)))
		fd->interrupts++;
	free(tmp);
	free(groups);
	return n;
}

static void
flush_unless_hold(struct fake_dev *fd)
{
	if (!fd->hold)
		fake_publish(fd, UINT32_MAX, FAKE_ORDER_FIFO);
}

static int packed_misreport(struct fake_dev *fd, uint32_t id, uint32_t len);

void
fake_inject_used(struct fake_dev *fd, uint32_t id, uint32_t len)
{
	if (fd->packed) {
		packed_misreport(fd, id, len);
		return;
	}
	stage(fd, id, len, fd->next_group++, false, FAKE_NO_BUF);
	flush_unless_hold(fd);
}

int
fake_inject_duplicate(struct fake_dev *fd)
{
	if (!fd->have_last_real)
		return -ENOENT;
	fake_inject_used(fd, fd->last_real.id, fd->last_real.len);
	return 0;
}

static void packed_mark_available_ids(struct fake_dev *fd, uint8_t *busy);

int
fake_pick_not_in_flight(struct fake_dev *fd, uint16_t *id)
{
	uint16_t pending = fd->packed ? 0 : fake_avail_pending(fd);
	uint8_t *busy = calloc(fd->size, 1);
	uint16_t k, i;
	int ret = -ENOENT;

	if (busy == NULL)
		return -ENOMEM;
	memcpy(busy, fd->outstanding, fd->size);
	if (fd->packed)
		packed_mark_available_ids(fd, busy);
	for (k = 0; k < pending; k++) {
		uint16_t h = fd->avail->ring[(uint16_t)(fd->last_avail + k) & (fd->size - 1)];

		if (h < fd->size)
			busy[h] = 1;
	}
	for (i = 0; i < fd->size; i++) {
		if (!busy[i]) {
			*id = i;
			ret = 0;
			break;
		}
	}
	free(busy);
	return ret;
}

void
fake_used_idx_jump(struct fake_dev *fd, uint16_t n)
{
	uint16_t i;

	if (fd->packed) {
		proto_error(fd, "no used index on a packed ring (test bug)");
		return;
	}
	for (i = 0; i < n; i++) {
		struct fake_used u = { .id = FAKE_BOGUS_ID, .len = 0, .buf = FAKE_NO_BUF };

		write_used(fd, &u);
	}
	store_used_idx(fd);
}

void
fake_set_used_flags(struct fake_dev *fd, uint16_t flags)
{
	if (fd->packed) {
		proto_error(fd, "no used ring flags on a packed ring (test bug)");
		return;
	}
	__atomic_store_n(&fd->used->flags, flags, __ATOMIC_RELEASE);
}

void
fake_set_avail_event(struct fake_dev *fd, uint16_t idx)
{
	uint16_t *event;

	if (fd->packed) {
		proto_error(fd, "no avail_event on a packed ring (test bug)");
		return;
	}
	event = (uint16_t *)&fd->used->ring[fd->size];

	__atomic_store_n(event, idx, __ATOMIC_RELEASE);
}

/* Copies `len` bytes of a stream (header then frame) starting at `off` into dst. */
static void
stream_copy(uint8_t *dst, const uint8_t *hdr, uint16_t hdr_size, const uint8_t *frame, uint32_t off,
		uint32_t len)
{
	while (len > 0) {
		if (off < hdr_size) {
			uint32_t n = RTE_MIN(len, (uint32_t)hdr_size - off);

			memcpy(dst, hdr + off, n);
			dst += n;
			off += n;
			len -= n;
		} else {
			memcpy(dst, frame + (off - hdr_size), len);
			return;
		}
	}
}

/* The id the first used element of a delivery carries, for the id faults. */
static uint32_t
faulty_id(struct fake_dev *fd, enum fake_fault fault, uint32_t head)
{
	uint16_t id;

	switch (fault) {
	case FAKE_FAULT_ID_DUPLICATE:
		if (fd->have_last_real)
			return fd->last_real.id;
		proto_error(fd, "no buffer given back yet to name twice (test bug)");
		return FAKE_BOGUS_ID;
	case FAKE_FAULT_ID_NOT_IN_FLIGHT:
		if (fake_pick_not_in_flight(fd, &id) == 0)
			return id;
		proto_error(fd, "every id is in flight (test bug)");
		return FAKE_BOGUS_ID;
	case FAKE_FAULT_ID_NEXT:
		return (head + 1) & (fd->size - 1u);
	case FAKE_FAULT_ID_PREV:
		return (head - 1) & (fd->size - 1u);
	case FAKE_FAULT_ID_ALIAS:
		return head | 0x10000u;
	case FAKE_FAULT_ID_OUT_OF_RANGE:
		return fd->size;
	case FAKE_FAULT_ID_BOGUS:
		return FAKE_BOGUS_ID;
	default:
		return head;
	}
}

static int packed_rx_deliver(struct fake_dev *fd, const void *frame, uint32_t len,
		const struct virtio_net_hdr_mrg_rxbuf *tmpl, enum fake_fault fault);

int
fake_rx_deliver_fault(struct fake_dev *fd, const void *frame, uint32_t len,
		const struct virtio_net_hdr_mrg_rxbuf *tmpl, enum fake_fault fault)
{
	struct {
		uint16_t head;
		uint32_t cap;
	} bufs[FAKE_MAX_RX_BUFS];
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint32_t need = fd->hdr_size + len;
	uint32_t cap = 0, off = 0, group;
	uint16_t pending = fake_avail_pending(fd);
	unsigned int nb = 0, b, i;
	bool cont_fault = fault == FAKE_FAULT_CONT_LEN_ZERO ||
			fault == FAKE_FAULT_CONT_LEN_TOO_BIG || fault == FAKE_FAULT_CONT_BAD_ID;

	if (fd->protocol_errors != 0)
		return -EPROTO;
	if (fd->packed)
		return packed_rx_deliver(fd, frame, len, tmpl, fault);
	/* Find enough posted buffers before touching any. */
	while (cap < need && nb < pending) {
		uint16_t head;
		uint32_t chain_cap = 0;

		if (nb == FAKE_MAX_RX_BUFS)
			return -ENOSPC;
		if (peek_head(fd, (uint16_t)nb, &head) != 0 || walk_chain(fd, head) != 0)
			return -EPROTO;
		for (i = 0; i < fd->chain_len; i++) {
			if (!fd->chain[i].write) {
				proto_error(fd, "Rx descriptor %u is not device-writable", head);
				return -EPROTO;
			}
			chain_cap += fd->chain[i].len;
		}
		if (nb == 0 && fd->chain[0].len < fd->hdr_size) {
			proto_error(fd, "Rx buffer %u of %u bytes cannot hold the net header", head,
					fd->chain[0].len);
			return -EPROTO;
		}
		bufs[nb].head = head;
		bufs[nb].cap = chain_cap;
		cap += chain_cap;
		nb++;
		if (!fd->mergeable)
			break;
	}
	if (nb == 0)
		return -ENOSPC;
	if (cap < need)
		return fd->mergeable ? -ENOSPC : -EMSGSIZE;
	if (cont_fault && nb < 2)
		return -EINVAL; /* test bug: the fault needs a second buffer */

	if (tmpl != NULL)
		hdr = *tmpl;
	else
		memset(&hdr, 0, sizeof(hdr));
	hdr.num_buffers = fd->mergeable ? (uint16_t)nb : 1;
	if (fault == FAKE_FAULT_NUM_BUFFERS_ZERO)
		hdr.num_buffers = 0;
	else if (fault == FAKE_FAULT_NUM_BUFFERS_HUGE)
		hdr.num_buffers = UINT16_MAX;

	group = fd->next_group++;
	for (b = 0; b < nb; b++) {
		uint32_t written = 0, id = bufs[b].head, ulen;

		walk_chain(fd, bufs[b].head);
		take_chain(fd, bufs[b].head);
		for (i = 0; i < fd->chain_len && off < need; i++) {
			uint32_t n = RTE_MIN(fd->chain[i].len, need - off);

			stream_copy(fd->chain[i].ptr, (const uint8_t *)&hdr, fd->hdr_size, frame,
					off, n);
			off += n;
			written += n;
		}
		ulen = written;
		if (b == 0 && fault == FAKE_FAULT_LEN_ZERO)
			ulen = 0;
		else if (b == 0 && fault == FAKE_FAULT_LEN_SHORT)
			ulen = fd->hdr_size - 1u;
		else if (b == 0 && fault == FAKE_FAULT_LEN_TOO_BIG)
			ulen = bufs[b].cap + 1;
		else if (b == 1 && fault == FAKE_FAULT_CONT_LEN_ZERO)
			ulen = 0;
		else if (b == 1 && fault == FAKE_FAULT_CONT_LEN_TOO_BIG)
			ulen = bufs[b].cap + 1;
		else if (b == 1 && fault == FAKE_FAULT_CONT_BAD_ID)
			id = FAKE_BOGUS_ID; /* any order: that buffer is never given back */
		else if (b == 0)
			id = faulty_id(fd, fault, id);
		stage(fd, id, ulen, group, id == bufs[b].head, bufs[b].head);
	}
	fd->last_avail = (uint16_t)(fd->last_avail + nb);
	flush_unless_hold(fd);
	return (int)nb;
}

int
fake_rx_deliver(struct fake_dev *fd, const void *frame, uint32_t len,
		const struct virtio_net_hdr_mrg_rxbuf *tmpl)
{
	return fake_rx_deliver_fault(fd, frame, len, tmpl, FAKE_FAULT_NONE);
}

static int packed_tx_collect(struct fake_dev *fd, struct fake_tx_frame *out, unsigned int max);

int
fake_tx_collect(struct fake_dev *fd, struct fake_tx_frame *out, unsigned int max)
{
	unsigned int n = 0;

	if (fd->packed)
		return packed_tx_collect(fd, out, max);
	while (n < max && fake_avail_pending(fd) > 0) {
		struct fake_tx_frame *f = &out[n];
		uint32_t total = 0, i;
		uint16_t head;

		if (peek_head(fd, 0, &head) != 0 || walk_chain(fd, head) != 0)
			break;
		memset(f, 0, offsetof(struct fake_tx_frame, data));
		for (i = 0; i < fd->chain_len; i++) {
			const struct fake_buf *b = &fd->chain[i];
			uint32_t k;

			if (b->write) {
				proto_error(fd, "Tx chain %u has a device-writable buffer", head);
				break;
			}
			for (k = 0; k < b->len; k++, total++) {
				if (total < fd->hdr_size)
					f->hdr[total] = b->ptr[k];
				else if (total - fd->hdr_size < FAKE_TX_MAX_FRAME)
					f->data[total - fd->hdr_size] = b->ptr[k];
			}
		}
		if (total < fd->hdr_size)
			proto_error(fd, "Tx chain %u has %u bytes, less than the net header", head,
					total);
		else if (total - fd->hdr_size > FAKE_TX_MAX_FRAME)
			proto_error(fd, "Tx chain %u carries a %u-byte frame", head,
					total - fd->hdr_size);
		f->len = total >= fd->hdr_size ? total - fd->hdr_size : 0;
		f->head = head;
		f->ring_descs = fd->chain_ring_descs;
		f->nbufs = (uint16_t)fd->chain_len;
		f->indirect = fd->chain_indirect;
		f->hdr_alone = fd->chain[0].len == fd->hdr_size;
		f->first_buf = fd->chain[0].ptr;
		take_chain(fd, head);
		fd->last_avail++;
		stage(fd, head, 0, fd->next_group++, true, head);
		n++;
	}
	flush_unless_hold(fd);
	return (int)n;
}

/* ---- packed ring (spec 2.8) ---- */

static bool
packed_is_avail(uint16_t flags, bool wrap)
{
	bool avail = (flags & VRING_PACKED_DESC_F_AVAIL) != 0;
	bool used = (flags & VRING_PACKED_DESC_F_USED) != 0;

	return avail != used && avail == wrap;
}

/* Moves a ring position n slots on; counts the laps completed in *laps (if not NULL). */
static void
packed_advance(struct fake_dev *fd, uint16_t *pos, bool *wrap, uint32_t n, uint64_t *laps)
{
	uint32_t p = (uint32_t)*pos + n;

	while (p >= fd->size) {
		p -= fd->size;
		*wrap = !*wrap;
		if (laps != NULL)
			(*laps)++;
	}
	*pos = (uint16_t)p;
}

static uint16_t
packed_flags(const struct fake_dev *fd, uint16_t pos)
{
	return __atomic_load_n(&fd->pdesc[pos].flags, __ATOMIC_ACQUIRE);
}

static uint16_t
packed_avail_pending(struct fake_dev *fd)
{
	uint16_t pos = fd->avail_pos, n = 0;
	bool wrap = fd->avail_wrap;

	while (n < fd->size && packed_is_avail(packed_flags(fd, pos), wrap)) {
		n++;
		packed_advance(fd, &pos, &wrap, 1, NULL);
	}
	return n;
}

static void
packed_mark_available_ids(struct fake_dev *fd, uint8_t *busy)
{
	uint16_t pos = fd->avail_pos, n;
	bool wrap = fd->avail_wrap;

	for (n = 0; n < fd->size && packed_is_avail(packed_flags(fd, pos), wrap); n++) {
		uint16_t id = fd->pdesc[pos].id;

		if (id < fd->size)
			busy[id] = 1;
		packed_advance(fd, &pos, &wrap, 1, NULL);
	}
}

static int
packed_walk_indirect(struct fake_dev *fd, const struct vring_packed_desc *d)
{
	const struct vring_packed_desc *table;
	uint32_t n, i;

	if (d->flags & VRING_DESC_F_NEXT) {
		proto_error(fd, "descriptor with both INDIRECT and NEXT");
		return -EPROTO;
	}
	if (d->len == 0 || d->len % sizeof(*table) != 0 ||
			d->len / sizeof(*table) > FAKE_MAX_CHAIN) {
		proto_error(fd, "indirect table of %u bytes", d->len);
		return -EPROTO;
	}
	if (d->addr % 16 != 0 || !in_regions(fd, d->addr, d->len)) {
		proto_error(fd, "indirect table at 0x%" PRIx64 "+%u misplaced", d->addr, d->len);
		return -EPROTO;
	}
	table = (const struct vring_packed_desc *)(uintptr_t)d->addr;
	n = d->len / sizeof(*table);
	for (i = 0; i < n; i++) {
		struct vring_packed_desc td = table[i];

		/* WRITE is the only flag an indirect entry may carry (spec 2.8.7). */
		if (td.flags & ~VRING_DESC_F_WRITE) {
			proto_error(fd, "indirect entry %u of %u has flags 0x%x", i, n, td.flags);
			return -EPROTO;
		}
		if (chain_add_buf(fd, td.addr, td.len, (td.flags & VRING_DESC_F_WRITE) != 0) != 0)
			return -EPROTO;
	}
	return 0;
}

/*
 * Collects the buffers of the chain whose first descriptor is at (pos, wrap)
 * into fd->chain; the buffer id is the last descriptor's. Returns 0, -ENOENT
 * when that descriptor is not available, or -EPROTO.
 */
static int
packed_walk(struct fake_dev *fd, uint16_t pos, bool wrap)
{
	uint16_t first_id = 0;

	fd->chain_len = 0;
	fd->chain_ring_descs = 0;
	fd->chain_indirect = false;
	fd->chain_ids_differ = false;
	for (;;) {
		uint16_t flags = packed_flags(fd, pos);
		struct vring_packed_desc d;

		if (!packed_is_avail(flags, wrap)) {
			if (fd->chain_ring_descs == 0)
				return -ENOENT;
			proto_error(fd, "chain continues into slot %u, which is not available (0x%x)",
					pos, flags);
			return -EPROTO;
		}
		if (fd->chain_ring_descs == fd->size) {
			proto_error(fd, "chain longer than the ring of %u", fd->size);
			return -EPROTO;
		}
		d.addr = fd->pdesc[pos].addr;
		d.len = fd->pdesc[pos].len;
		d.id = fd->pdesc[pos].id;
		d.flags = flags;
		if (fd->chain_ring_descs == 0)
			first_id = d.id;
		else if (d.id != first_id)
			fd->chain_ids_differ = true;
		fd->chain_ring_descs++;
		fd->chain_id = d.id;
		if (flags & VRING_DESC_F_INDIRECT) {
			if (fd->chain_ring_descs > 1) {
				proto_error(fd, "INDIRECT descriptor inside a chain (slot %u)",
						pos);
				return -EPROTO;
			}
			fd->chain_indirect = true;
			return packed_walk_indirect(fd, &d);
		}
		if (chain_add_buf(fd, d.addr, d.len, (flags & VRING_DESC_F_WRITE) != 0) != 0)
			return -EPROTO;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		packed_advance(fd, &pos, &wrap, 1, NULL);
	}
	if (fd->chain_id >= fd->size) {
		proto_error(fd, "buffer id %u outside a ring of %u", fd->chain_id, fd->size);
		return -EPROTO;
	}
	if (fd->outstanding[fd->chain_id]) {
		proto_error(fd, "buffer id %u made available while the device still has it",
				fd->chain_id);
		return -EPROTO;
	}
	return 0;
}

/* The device takes the chain walked last, which starts at its read position. */
static void
packed_take(struct fake_dev *fd)
{
	uint16_t id = fd->chain_id, pos = fd->avail_pos, k;
	bool wrap = fd->avail_wrap;

	for (k = 0; k < fd->chain_ring_descs; k++) {
		fd->slot_flags[pos] = packed_flags(fd, pos);
		packed_advance(fd, &pos, &wrap, 1, NULL);
	}
	fd->outstanding[id] = 1;
	fd->chains_taken++;
	if (fd->chain_ids_differ)
		fd->id_mismatch++;
	if (fd->in_order) {
		if (id != fd->next_id) {
			fd->seq_errors++;
			fprintf(stderr,
					"fake device: queue %u: in-order buffer %" PRIu64
					" has id %u (expected %u)\n",
					fd->vq->index, fd->chains_taken, id, fd->next_id);
		}
		fd->next_id = (uint16_t)(id + 1u == fd->size ? 0 : id + 1u);
	}
	packed_advance(fd, &fd->avail_pos, &fd->avail_wrap, fd->chain_ring_descs, &fd->avail_wraps);
	fd->uncovered += fd->chain_ring_descs;
}

/*
 * The device may only write used descriptors over slots it has read, and the
 * driver must not have touched those since (it may reuse a slot only after
 * the used descriptor covering it).
 */
static int
packed_check_cover(struct fake_dev *fd, uint32_t total)
{
	uint16_t pos = fd->used_pos;
	bool wrap = fd->used_wrap;
	uint32_t k;

	if (total == 0 || total > fd->uncovered) {
		proto_error(fd, "used descriptors for %u slots, only %u read (test bug)", total,
				fd->uncovered);
		return -1;
	}
	for (k = 0; k < total; k++) {
		uint16_t now = packed_flags(fd, pos);

		if (now != fd->slot_flags[pos]) {
			proto_error(fd,
					"slot %u rewritten by the driver (flags 0x%x, read as 0x%x) "
					"before the device gave it back",
					pos, now, fd->slot_flags[pos]);
			return -1;
		}
		packed_advance(fd, &pos, &wrap, 1, NULL);
	}
	return 0;
}

static void
packed_put(struct fake_dev *fd, uint16_t pos, bool wrap, uint32_t id, uint32_t len, bool wrote)
{
	struct vring_packed_desc *d = &fd->pdesc[pos];
	uint16_t flags = wrap ? VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED : 0;

	if (wrote)
		flags |= VRING_DESC_F_WRITE;
	d->id = (uint16_t)id;
	d->len = len;
	/* id and len must be visible before the flags that make them used. */
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	fd->slot_flags[pos] = flags;
	fd->used_written++;
}

static void
packed_release(struct fake_dev *fd, const struct fake_used *u)
{
	/* In order, a used descriptor gives back its buffers whatever it names. */
	if ((u->real || fd->in_order) && u->buf < fd->size)
		fd->outstanding[u->buf] = 0;
}

/*
 * Writes the used descriptors of n elements in ring order. A packet's head
 * is marked used after the rest of it (spec 2.8.9), unless `cut` says this
 * publish ends in the middle of the last packet: then its head is written
 * first and the rest later, which is the device breaking that rule.
 * In order with used_last_only, one descriptor stands for all n.
 */
static void
packed_publish(struct fake_dev *fd, const struct fake_used *u, unsigned int n, bool cut)
{
	unsigned int i = 0, j, k;

	if (n == 0)
		return;
	if (fd->in_order && fd->used_last_only) {
		uint32_t total = 0;

		for (k = 0; k < n; k++)
			total += u[k].skip;
		if (packed_check_cover(fd, total) != 0)
			return;
		packed_put(fd, fd->used_pos, fd->used_wrap, u[n - 1].id, u[n - 1].len,
				u[n - 1].wrote);
		packed_advance(fd, &fd->used_pos, &fd->used_wrap, total, &fd->used_wraps);
		fd->uncovered -= total;
		for (k = 0; k < n; k++)
			packed_release(fd, &u[k]);
		fd->garbage_written += n - 1;
		return;
	}
	for (i = 0; i < n; i = j) {
		uint32_t total = u[i].skip;
		uint16_t pos;
		bool wrap;

		for (j = i + 1; j < n && u[j].group == u[i].group; j++)
			total += u[j].skip;
		if (packed_check_cover(fd, total) != 0)
			return;
		pos = fd->used_pos;
		wrap = fd->used_wrap;
		if (j - i > 1 && !(cut && j == n)) {
			/* The rest of the packet first, then its head. */
			packed_advance(fd, &pos, &wrap, u[i].skip, NULL);
			for (k = i + 1; k < j; k++) {
				packed_put(fd, pos, wrap, u[k].id, u[k].len, u[k].wrote);
				packed_advance(fd, &pos, &wrap, u[k].skip, NULL);
			}
			packed_put(fd, fd->used_pos, fd->used_wrap, u[i].id, u[i].len, u[i].wrote);
		} else {
			for (k = i; k < j; k++) {
				packed_put(fd, pos, wrap, u[k].id, u[k].len, u[k].wrote);
				packed_advance(fd, &pos, &wrap, u[k].skip, NULL);
			}
		}
		packed_advance(fd, &fd->used_pos, &fd->used_wrap, total, &fd->used_wraps);
		fd->uncovered -= total;
		for (k = i; k < j; k++)
			packed_release(fd, &u[k]);
	}
}

static int
packed_rx_deliver(struct fake_dev *fd, const void *frame, uint32_t len,
		const struct virtio_net_hdr_mrg_rxbuf *tmpl, enum fake_fault fault)
{
	struct {
		uint16_t pos;
		bool wrap;
		uint32_t cap;
	} bufs[FAKE_MAX_RX_BUFS];
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint32_t need = fd->hdr_size + len;
	uint32_t cap = 0, off = 0, group, scanned = 0;
	uint16_t pos = fd->avail_pos;
	bool wrap = fd->avail_wrap;
	unsigned int nb = 0, b, i;
	bool cont_fault = fault == FAKE_FAULT_CONT_LEN_ZERO ||
			fault == FAKE_FAULT_CONT_LEN_TOO_BIG || fault == FAKE_FAULT_CONT_BAD_ID;

	/* Find enough available buffers before touching any. */
	while (cap < need && scanned < fd->size) {
		uint32_t chain_cap = 0;
		int ret;

		if (nb == FAKE_MAX_RX_BUFS)
			return -ENOSPC;
		ret = packed_walk(fd, pos, wrap);
		if (ret == -ENOENT)
			break;
		if (ret != 0)
			return -EPROTO;
		for (i = 0; i < fd->chain_len; i++) {
			if (!fd->chain[i].write) {
				proto_error(fd, "Rx buffer %u is not device-writable",
						fd->chain_id);
				return -EPROTO;
			}
			chain_cap += fd->chain[i].len;
		}
		if (nb == 0 && fd->chain[0].len < fd->hdr_size) {
			proto_error(fd, "Rx buffer %u of %u bytes cannot hold the net header",
					fd->chain_id, fd->chain[0].len);
			return -EPROTO;
		}
		bufs[nb].pos = pos;
		bufs[nb].wrap = wrap;
		bufs[nb].cap = chain_cap;
		cap += chain_cap;
		nb++;
		scanned += fd->chain_ring_descs;
		packed_advance(fd, &pos, &wrap, fd->chain_ring_descs, NULL);
		if (!fd->mergeable)
			break;
	}
	if (nb == 0)
		return -ENOSPC;
	if (cap < need)
		return fd->mergeable ? -ENOSPC : -EMSGSIZE;
	if (cont_fault && nb < 2)
		return -EINVAL; /* test bug: the fault needs a second buffer */

	if (tmpl != NULL)
		hdr = *tmpl;
	else
		memset(&hdr, 0, sizeof(hdr));
	hdr.num_buffers = fd->mergeable ? (uint16_t)nb : 1;
	if (fault == FAKE_FAULT_NUM_BUFFERS_ZERO)
		hdr.num_buffers = 0;
	else if (fault == FAKE_FAULT_NUM_BUFFERS_HUGE)
		hdr.num_buffers = UINT16_MAX;

	group = fd->next_group++;
	for (b = 0; b < nb; b++) {
		uint32_t written = 0, ulen, id;
		uint16_t buf_id;
		struct fake_used *u;

		if (packed_walk(fd, bufs[b].pos, bufs[b].wrap) != 0)
			return -EPROTO;
		buf_id = fd->chain_id;
		id = buf_id;
		packed_take(fd);
		for (i = 0; i < fd->chain_len && off < need; i++) {
			uint32_t n = RTE_MIN(fd->chain[i].len, need - off);

			stream_copy(fd->chain[i].ptr, (const uint8_t *)&hdr, fd->hdr_size, frame,
					off, n);
			off += n;
			written += n;
		}
		ulen = written;
		if (b == 0 && fault == FAKE_FAULT_LEN_ZERO)
			ulen = 0;
		else if (b == 0 && fault == FAKE_FAULT_LEN_SHORT)
			ulen = fd->hdr_size - 1u;
		else if (b == 0 && fault == FAKE_FAULT_LEN_TOO_BIG)
			ulen = bufs[b].cap + 1;
		else if (b == 1 && fault == FAKE_FAULT_CONT_LEN_ZERO)
			ulen = 0;
		else if (b == 1 && fault == FAKE_FAULT_CONT_LEN_TOO_BIG)
			ulen = bufs[b].cap + 1;
		else if (b == 1 && fault == FAKE_FAULT_CONT_BAD_ID)
			id = FAKE_BOGUS_ID; /* that buffer is never given back */
		else if (b == 0)
			id = faulty_id(fd, fault, id);
		u = stage(fd, id, ulen, group, id == buf_id, buf_id);
		u->skip = fd->chain_ring_descs;
		u->wrote = written > 0;
	}
	flush_unless_hold(fd);
	return (int)nb;
}

static int
packed_tx_collect(struct fake_dev *fd, struct fake_tx_frame *out, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && fd->protocol_errors == 0) {
		struct fake_tx_frame *f = &out[n];
		uint32_t total = 0, i;
		struct fake_used *u;
		int ret = packed_walk(fd, fd->avail_pos, fd->avail_wrap);

		if (ret != 0)
			break;
		memset(f, 0, offsetof(struct fake_tx_frame, data));
		for (i = 0; i < fd->chain_len; i++) {
			const struct fake_buf *b = &fd->chain[i];
			uint32_t k;

			if (b->write) {
				proto_error(fd, "Tx buffer %u has a device-writable part",
						fd->chain_id);
				break;
			}
			for (k = 0; k < b->len; k++, total++) {
				if (total < fd->hdr_size)
					f->hdr[total] = b->ptr[k];
				else if (total - fd->hdr_size < FAKE_TX_MAX_FRAME)
					f->data[total - fd->hdr_size] = b->ptr[k];
			}
		}
		if (total < fd->hdr_size)
			proto_error(fd, "Tx buffer %u has %u bytes, less than the net header",
					fd->chain_id, total);
		else if (total - fd->hdr_size > FAKE_TX_MAX_FRAME)
			proto_error(fd, "Tx buffer %u carries a %u-byte frame", fd->chain_id,
					total - fd->hdr_size);
		f->len = total >= fd->hdr_size ? total - fd->hdr_size : 0;
		f->head = fd->chain_id;
		f->ring_descs = fd->chain_ring_descs;
		f->nbufs = (uint16_t)fd->chain_len;
		f->indirect = fd->chain_indirect;
		f->hdr_alone = fd->chain[0].len == fd->hdr_size;
		f->first_buf = fd->chain[0].ptr;
		packed_take(fd);
		/* Nothing written into a Tx buffer: len is reserved, 0. */
		u = stage(fd, fd->chain_id, 0, fd->next_group++, true, fd->chain_id);
		u->skip = fd->chain_ring_descs;
		n++;
	}
	flush_unless_hold(fd);
	return (int)n;
}

/* The device takes the next available buffer and reports it under `id`. */
static int
packed_misreport(struct fake_dev *fd, uint32_t id, uint32_t len)
{
	uint16_t buf;

	if (packed_walk(fd, fd->avail_pos, fd->avail_wrap) != 0) {
		proto_error(fd, "no available buffer to report under id %u (test bug)", id);
		return -ENOENT;
	}
	buf = fd->chain_id;
	packed_take(fd);
	/* One slot: all a driver can assume of a used descriptor it cannot match. */
	stage(fd, id, len, fd->next_group++, id == buf, buf);
	flush_unless_hold(fd);
	return 0;
}

void
fake_set_device_event(struct fake_dev *fd, uint16_t flags, uint16_t off, bool wrap)
{
	fd->device_event->off_wrap =
			(uint16_t)(off | (wrap ? 1u << VRING_PACKED_EVENT_WRAP_SHIFT : 0));
	__atomic_store_n(&fd->device_event->flags, flags, __ATOMIC_RELEASE);
}

int
fake_packed_write_raw(struct fake_dev *fd, uint16_t flags, uint16_t id, uint32_t len)
{
	struct vring_packed_desc *d;

	/* Only over a slot the device has read: never over a buffer still to be taken. */
	if (!fd->packed || fd->uncovered == 0)
		return -EBUSY;
	d = &fd->pdesc[fd->used_pos];
	d->id = id;
	d->len = len;
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	fd->slot_flags[fd->used_pos] = flags;
	return 0;
}
