/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Split virtqueue state and primitives shared by the burst functions.
 *
 * Everything the device can write (used ring, avail_event) is treated as
 * untrusted: descriptor chains and the free list live in driver-private
 * arrays (next[], extra[]), so a device that scribbles over shared memory can
 * make us drop packets but never follow a bad pointer.
 */

#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "virtio_log.h"
#include "virtio_spec.h"

struct virtqueue;

/* Tells the device that new buffers are available (transport specific). */
typedef void (*virtqueue_notify_t)(struct virtqueue *vq);

/*
 * Which doorbell a queue rings. Queues live in memory shared with secondary
 * processes, where the PMD's code may sit at another address: a queue stores
 * this index, and each process looks the function up in its own table
 * (vq_notify_fns, filled by the transports at load time). VQ_NOTIFY_DIRECT
 * calls vq->notify, valid only in the process that set it (unit tests).
 */
enum vq_notify_kind {
	VQ_NOTIFY_DIRECT = 0,
	VQ_NOTIFY_USER,       /* virtio-user: kick eventfd */
	VQ_NOTIFY_PCI_MODERN, /* modern PCI: write to the notify BAR region */
	VQ_NOTIFY_PCI_LEGACY, /* legacy PCI: I/O port write */
	VQ_NOTIFY_KINDS
};

extern virtqueue_notify_t vq_notify_fns[VQ_NOTIFY_KINDS];

/* Installs this process's doorbell function for a kind (a constructor or probe does). */
void vq_notify_register(enum vq_notify_kind kind, virtqueue_notify_t fn);

/* Driver-private state per descriptor chain, indexed by head id. */
struct vq_desc_extra {
	void *cookie;    /* mbuf owned by the device while in flight */
	uint16_t ndescs; /* descriptors in the chain, 0 when not in flight */
	uint16_t tail;   /* last descriptor of the chain */
};

/* Counters of invalid things the device wrote; never a crash, only a count. */
struct vq_device_errors {
	uint64_t bad_used_idx; /* used->idx moved by more than in flight */
	uint64_t bad_used_id;  /* id out of range or not in flight */
	uint64_t bad_used_len; /* length outside the posted buffer */
	uint64_t bad_num_buffers; /* mergeable header num_buffers invalid */
	uint64_t vec_stalls; /* vectorized queue held back by a buffer never returned */
};

/* Which invalid device write vq_device_error() reports. */
enum vq_error_kind {
	VQ_ERR_USED_IDX,     /* value: what the device claims, limit: chains in flight */
	VQ_ERR_USED_ID,      /* value: the id, limit: ring size */
	VQ_ERR_USED_LEN,     /* value: the length, limit: the posted buffer's size */
	VQ_ERR_NUM_BUFFERS,  /* value: num_buffers, limit: buffers in flight */
};

/* Who owns a queue, for messages: Rx, Tx or control queue. */
#define VQ_ROLE_RX 'R'
#define VQ_ROLE_TX 'T'
#define VQ_ROLE_CTRL 'C'

struct virtqueue {
	/* Ring memory, as the driver sees it. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;

	uint16_t size;       /* entries, a power of two */
	uint16_t mask;       /* size - 1 */
	uint16_t avail_idx;  /* next avail slot, free running (shadow of avail->idx) */
	uint16_t used_cons;  /* next used entry to consume, free running */
	uint16_t nfree;      /* descriptors on the free list */
	uint16_t free_head;  /* first descriptor of the free list */
	uint16_t index;      /* virtqueue index in the device */
	bool event_idx;      /* VIRTIO_RING_F_EVENT_IDX negotiated */

	/*
	 * Descriptors carry either the mbuf's virtual address (virtio-user,
	 * where the backend maps our memory) or its IOVA (PCI). The offset of
	 * the right rte_mbuf field is chosen once, so the datapath has no branch.
	 */
	uint16_t mbuf_addr_off;

	virtqueue_notify_t notify;  /* VQ_NOTIFY_DIRECT only */
	uint8_t notify_kind;        /* enum vq_notify_kind */
	void *notify_cookie; /* transport data for notify (eventfd, register) */
	uint64_t notifications; /* doorbells rung, for tuning and tests */
	bool intr_armed;        /* the application waits for a used-buffer notification */
	uint16_t msix_vector;   /* PCI: MSI-X vector for this queue's notifications */

	uint16_t *next;             /* private chain/free-list links */
	struct vq_desc_extra *extra; /* per head id */
	struct vq_device_errors errors;

	/* Addresses the device uses for the three ring parts. */
	uint64_t desc_dev_addr;
	uint64_t avail_dev_addr; /* packed: driver event suppression area */
	uint64_t used_dev_addr;  /* packed: device event suppression area */

	/*
	 * Packed ring (VIRTIO_F_RING_PACKED). The split pointers above stay
	 * NULL; size need not be a power of two; next[] and extra[] are indexed
	 * by buffer id, and nfree counts free ring slots.
	 */
	bool packed;
	bool avail_wrap;         /* driver ring wrap counter */
	bool used_wrap;          /* wrap counter the next used descriptor carries */
	uint16_t next_avail;     /* slot the next available descriptor goes to */
	uint16_t next_used;      /* slot the next used descriptor appears in */
	uint16_t avail_flags;    /* AVAIL/USED bits marking a descriptor available now */
	uint16_t oldest_id;      /* in order: the buffer id the device completes next */
	uint16_t chains;         /* split in-order Tx: chains in flight */
	uint16_t ooo_done;       /* split vectorized: buffers taken ahead of the oldest */
	bool vec_given_up;       /* split vectorized: the queue runs the scalar path */
	struct vring_packed_desc *pdesc;
	struct vring_packed_event *driver_event; /* ours: used-buffer notifications */
	struct vring_packed_event *device_event; /* the device's: our doorbells */

	/* Cold: only the error branches read these (vq_device_error). */
	uint16_t port_id;
	uint16_t queue_id;  /* ethdev queue id */
	char role;          /* VQ_ROLE_* ('\0' before a queue is set up: unnamed) */
	struct virtio_log_limit log_limit; /* one message per second for this queue */
};

/*
 * Counts an invalid device write in vq->errors and logs it, at most once per
 * second per queue. Out of line and cold: the datapath calls it only on its
 * (unlikely) error branches, after the compare that found the fault.
 */
void vq_device_error(struct virtqueue *vq, enum vq_error_kind kind, uint32_t value,
		     uint32_t limit) __rte_cold __rte_noinline;

/* Shared by both layouts: private arrays, index, size, address kind. */
int vq_common_init(struct virtqueue *vq, uint16_t index, uint16_t size, uint64_t dev_addr,
		   bool use_va);

/* Bytes of ring memory needed for a split ring of the given size. */
size_t vq_split_ring_size(uint16_t size);

/*
 * Lays a split ring of `size` entries over `mem` (zeroed, at least
 * vq_split_ring_size() bytes, 4096-aligned) whose device address is
 * `dev_addr`, allocates the private arrays and resets all indexes.
 * Returns 0, or -ENOMEM / -EINVAL (size not a power of two).
 */
int vq_split_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem,
		  uint64_t dev_addr, bool use_va);

/* Frees the private arrays of either layout (not the ring memory, which the owner allocated). */
void vq_fini(struct virtqueue *vq);

/*
 * Back to the post-init state: all descriptors free, indexes zero, ring
 * memory cleared. Cookies still in flight must have been reclaimed first.
 */
void vq_split_reset(struct virtqueue *vq, bool event_idx);

/* Bytes of ring memory needed for a packed ring of the given size. */
size_t vq_packed_ring_size(uint16_t size);

/*
 * Lays a packed ring of `size` entries (1..32768, any value) over `mem`,
 * like vq_split_init. Returns 0, -ENOMEM or -EINVAL.
 */
int vq_packed_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem,
		   uint64_t dev_addr, bool use_va);

/* Back to the post-init state, wrap counters at 1 (spec 2.8.1). */
void vq_packed_reset(struct virtqueue *vq, bool event_idx);

/*
 * Rings the doorbell for descriptors made available since (old_slot,
 * old_wrap), unless the device's event suppression says not to.
 */
void vq_packed_notify(struct virtqueue *vq, uint16_t old_slot, bool old_wrap);

/* A used descriptor at `slot`? (its AVAIL and USED bits both equal used_wrap) */
static inline bool
vq_packed_is_used(const struct virtqueue *vq, uint16_t flags)
{
	bool avail = flags & VRING_PACKED_DESC_F_AVAIL;
	bool used = flags & VRING_PACKED_DESC_F_USED;

	return avail == used && used == vq->used_wrap;
}

/* Moves a ring position forward by n slots, flipping the wrap counter at the end. */
static inline void
vq_packed_advance(uint16_t *slot, bool *wrap, uint16_t n, uint16_t size)
{
	uint32_t next = (uint32_t)*slot + n;

	if (next >= size) {
		next -= size;
		*wrap = !*wrap;
	}
	*slot = (uint16_t)next;
}

/* Starts a new lap of available descriptors: recompute the AVAIL/USED bits. */
static inline void
vq_packed_set_avail_flags(struct virtqueue *vq)
{
	vq->avail_flags = vq->avail_wrap ? VRING_PACKED_DESC_F_AVAIL : VRING_PACKED_DESC_F_USED;
}

/*
 * Takes the next free slot for a descriptor of an available buffer; *flags
 * gets the AVAIL/USED bits that make a descriptor in that slot available.
 */
static inline uint16_t
vq_packed_take_slot(struct virtqueue *vq, uint16_t *flags)
{
	uint16_t slot = vq->next_avail;

	*flags = vq->avail_flags;
	if (++vq->next_avail == vq->size) {
		vq->next_avail = 0;
		vq->avail_wrap = !vq->avail_wrap;
		vq_packed_set_avail_flags(vq);
	}
	return slot;
}

/* Takes a buffer id off the free list (any order or circular, see vq_packed_reset). */
static inline uint16_t
vq_packed_alloc_id(struct virtqueue *vq)
{
	uint16_t id = vq->free_head;

	vq->free_head = vq->next[id];
	return id;
}

/* Rings the doorbell through this process's function for the queue's kind. */
static inline void
vq_kick(struct virtqueue *vq)
{
	vq_notify_fns[vq->notify_kind](vq);
}

/* Resets either layout. */
void vq_reset(struct virtqueue *vq, bool event_idx);

/* Calls `fn` on every cookie still owned by the device and forgets it. */
void vq_reclaim_all(struct virtqueue *vq, void (*fn)(void *cookie));

/* Used entries the device has published and we have not consumed yet. */
static inline uint16_t
vq_used_pending(struct virtqueue *vq)
{
	uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(used_idx - vq->used_cons);
	uint16_t in_flight = (uint16_t)(vq->size - vq->nfree);

	if (unlikely(pending > in_flight)) {
		/* The device claims more than we gave it. */
		vq_device_error(vq, VQ_ERR_USED_IDX, pending, in_flight);
		pending = in_flight;
	}
	return pending;
}

/*
 * In-order rings: used entries may be stale (only the count matters), so a
 * device that claims more completions than chains in flight cannot be
 * trusted for any of them. Count it and skip them all: freeing late is
 * safe, freeing a buffer the device still uses is not.
 */
static inline uint16_t
vq_used_pending_inorder(struct virtqueue *vq, uint16_t chains_in_flight)
{
	uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(used_idx - vq->used_cons);

	if (unlikely(pending > chains_in_flight)) {
		vq_device_error(vq, VQ_ERR_USED_IDX, pending, chains_in_flight);
		vq->used_cons = used_idx;
		return 0;
	}
	return pending;
}

/* Takes `n` linked descriptors off the free list; returns the head id. */
static inline uint16_t
vq_alloc_chain(struct virtqueue *vq, uint16_t n, uint16_t *tail)
{
	uint16_t head = vq->free_head;
	uint16_t id = head;
	uint16_t i;

	for (i = 1; i < n; i++)
		id = vq->next[id];
	*tail = id;
	vq->free_head = vq->next[id];
	vq->nfree -= n;
	return head;
}

/* Returns the chain starting at head (as recorded in extra[]) to the free list. */
static inline void
vq_free_chain(struct virtqueue *vq, uint16_t head)
{
	struct vq_desc_extra *dx = &vq->extra[head];

	vq->next[dx->tail] = vq->free_head;
	vq->free_head = head;
	vq->nfree += dx->ndescs;
	dx->ndescs = 0;
	dx->cookie = NULL;
}

/* In-order rings: the chain the device must complete next. */
static inline uint16_t
vq_oldest(const struct virtqueue *vq)
{
	return (uint16_t)(vq->free_head + vq->nfree) & vq->mask;
}

/*
 * In-order rings free chains in the order they were made available, so the
 * free list stays the circular sequence next[i] = i + 1 and nothing but the
 * count changes.
 */
static inline void
vq_free_oldest(struct virtqueue *vq)
{
	struct vq_desc_extra *dx = &vq->extra[vq_oldest(vq)];

	vq->nfree += dx->ndescs;
	dx->ndescs = 0;
	dx->cookie = NULL;
}

/*
 * Validates a used element: the id must name a chain we handed to the device.
 * Returns the chain's extra entry or NULL (counted).
 */
static inline struct vq_desc_extra *
vq_used_chain(struct virtqueue *vq, uint32_t id)
{
	if (unlikely(id >= vq->size || vq->extra[id].ndescs == 0)) {
		vq_device_error(vq, VQ_ERR_USED_ID, id, vq->size);
		return NULL;
	}
	return &vq->extra[id];
}

/* Device address of a buffer inside an mbuf-like object at `m`. */
static inline uint64_t
vq_mbuf_dev_addr(const struct virtqueue *vq, const void *m)
{
	uint64_t addr;

	/* buf_addr is a pointer, buf_iova an integer: memcpy keeps aliasing rules. */
	memcpy(&addr, (const uint8_t *)m + vq->mbuf_addr_off, sizeof(addr));
	return addr;
}

/*
 * Reads a used element once: the device could rewrite it between our
 * validation and our use, so both must look at the same copy.
 */
static inline struct vring_used_elem
vq_used_elem(const struct virtqueue *vq, uint16_t pos)
{
	const volatile struct vring_used_elem *ue = &vq->used->ring[pos & vq->mask];
	struct vring_used_elem copy = { .id = ue->id, .len = ue->len };

	return copy;
}

/*
 * Puts a chain head in the next avail slot. Rings that complete in order
 * hand the same head to the same slot lap after lap; skipping the store
 * then keeps the device's cached copy of the ring line valid.
 */
static inline void
vq_avail_push(struct virtqueue *vq, uint16_t head)
{
	uint16_t *slot = &vq->avail->ring[vq->avail_idx & vq->mask];

	/* cppcheck-suppress duplicateConditionalAssign ; the load spares a shared line */
	if (*slot != head)
		*slot = head;
	vq->avail_idx++;
}

/* Publishes avail entries up to vq->avail_idx, then rings the doorbell if needed. */
void vq_publish_and_notify(struct virtqueue *vq, uint16_t old_avail_idx);

/*
 * Split Rx bursts move used_event along with what they consumed: parked a
 * full lap behind while we poll, or on the next entry while the application
 * waits for an interrupt (vq_intr_arm), so consuming never disarms.
 */
static inline void
vq_suppress_interrupts(struct virtqueue *vq)
{
	if (vq->event_idx) {
		/* used_event lives after the avail ring. */
		vq->avail->ring[vq->size] = (uint16_t)(vq->used_cons - !vq->intr_armed);
	}
}

/*
 * Used-buffer notifications for interrupt-driven receive (spec 2.7.7,
 * 2.7.10 split; 2.8.10 packed). vq_intr_arm asks for a notification when
 * the next used buffer appears and returns true when one is already there:
 * the device may have skipped the notification for it, so the caller must
 * not sleep waiting.
 */
bool vq_intr_arm(struct virtqueue *vq);
void vq_intr_disarm(struct virtqueue *vq);

/* A used buffer waits at the next position we consume (either layout). */
bool vq_has_used(const struct virtqueue *vq);

/*
 * What to watch to sleep until the device uses a buffer (rte_power_monitor):
 * the 16-bit word at *addr leaves `idle_value` (split: used->idx) or, for a
 * packed ring, gets both AVAIL and USED bits equal to the wrap counter.
 */
void vq_monitor_target(const struct virtqueue *vq, volatile void **addr, uint16_t *idle_value);

/*
 * The vring base a new device resumes this ring from after the old one went
 * away without handing it back (virtqueue_resume.c): split, the used index
 * in ring memory; packed, the slot after the last used descriptor with its
 * wrap counter in bit 15. tx_in_order: a packed Tx ring completed in order
 * (one used descriptor may stand for several buffers).
 */
uint32_t vq_resume_base(const struct virtqueue *vq, bool tx_in_order);

/* One buffer of a chain made available outside the datapath. */
struct vq_buf {
	uint64_t addr; /* device address */
	uint32_t len;
	bool device_writes; /* VRING_DESC_F_WRITE */
};

/*
 * Makes one chain of `n` direct descriptors available (driver-readable
 * buffers first, as the spec requires) and rings the doorbell if the
 * device wants it. Returns 0 or -ENOSPC.
 */
int vq_add_buffers(struct virtqueue *vq, const struct vq_buf *bufs, uint16_t n, void *cookie);

/*
 * Takes the next used chain: 0 with its cookie and the length the device
 * wrote, -EAGAIN when there is none yet, -EIO when the device named a chain
 * we never gave it (counted, and stepped over).
 */
int vq_take_used(struct virtqueue *vq, void **cookie, uint32_t *len);

#endif /* VIRTQUEUE_H */
