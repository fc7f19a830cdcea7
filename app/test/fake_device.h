/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * An in-process fake virtio-net device: it plays the DEVICE side of a split
 * ring that the driver laid out with vq_split_init() over ordinary memory
 * with use_va, so descriptor addresses are plain pointers.
 *
 * The fake trusts nothing the driver wrote: every avail entry, descriptor
 * id, chain, indirect table and buffer address is checked (buffers must lie
 * inside a registered memory region) before it is touched. Problems are
 * counted in protocol_errors and described in last_error; tests assert the
 * count stays zero.
 *
 * It can also misbehave on purpose, to check that the driver counts and
 * survives what a broken or hostile device writes.
 *
 * In in-order mode (VIRTIO_F_IN_ORDER) the fake uses buffers strictly in the
 * order they were made available, takes each used element as giving back
 * its buffer whatever id the element names, and checks that the driver hands
 * out descriptor ids sequentially (modulo the ring size, chains contiguous).
 *
 * Packed rings (the vq was laid out by vq_packed_init()) are served through
 * the same calls. The fake keeps its own positions and wrap counters: it
 * reads available descriptors in ring order (available: AVAIL != USED and
 * AVAIL equal to its idea of the driver's wrap counter), gathers NEXT chains
 * and INDIRECT tables (entries may carry WRITE and nothing else), takes the
 * buffer id from the last descriptor of a chain (spec 2.8.6) and writes used
 * descriptors (AVAIL = USED = its own wrap counter) at its used position,
 * stepping forward by the slots of the chain it stands for. It also checks
 * that the driver never rewrites a slot before the device has given it back.
 * In in-order mode it checks that buffer ids are handed out in sequence.
 */

#ifndef FAKE_DEVICE_H
#define FAKE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "virtio_spec.h"
#include "virtqueue.h"

/* Longest chain (buffers, indirect entries included) the fake accepts. */
#define FAKE_MAX_CHAIN 1024
/* Largest frame fake_tx_collect() stores (bytes after the net header). */
#define FAKE_TX_MAX_FRAME 16384
/* Used id the fake writes when it wants an id the driver cannot own. */
#define FAKE_BOGUS_ID 0xfffff00du

/* Ways fake_rx_deliver_fault() spoils one delivery. */
enum fake_fault {
	FAKE_FAULT_NONE,
	FAKE_FAULT_LEN_ZERO, /* first used element reports 0 bytes */
	FAKE_FAULT_LEN_SHORT, /* first used element shorter than the net header */
	FAKE_FAULT_LEN_TOO_BIG, /* first used element one byte past its buffer */
	FAKE_FAULT_NUM_BUFFERS_ZERO, /* mergeable header says 0 buffers */
	FAKE_FAULT_NUM_BUFFERS_HUGE, /* mergeable header says 65535 buffers */
	FAKE_FAULT_CONT_LEN_ZERO, /* second buffer of a packet reports 0 bytes */
	FAKE_FAULT_CONT_LEN_TOO_BIG, /* second buffer one byte past its buffer */
	FAKE_FAULT_CONT_BAD_ID, /* second buffer reported with an out-of-range id */
	/*
	 * The first used element names another id than the buffer the device
	 * filled (which it still consumes): an in-order device breaking the order.
	 */
	FAKE_FAULT_ID_NEXT, /* the buffer made available after it */
	FAKE_FAULT_ID_PREV, /* the buffer made available before it */
	FAKE_FAULT_ID_ALIAS, /* its id + 0x10000: equal only if truncated to 16 bits */
	FAKE_FAULT_ID_OUT_OF_RANGE, /* the ring size */
	FAKE_FAULT_ID_BOGUS, /* FAKE_BOGUS_ID */
	FAKE_FAULT_ID_DUPLICATE, /* the id of the last buffer properly given back */
	FAKE_FAULT_ID_NOT_IN_FLIGHT, /* an id the driver has not handed to the device */
};

/* Order in which fake_publish() writes the staged packets' used elements. */
enum fake_order {
	FAKE_ORDER_FIFO,
	FAKE_ORDER_REVERSE,
	FAKE_ORDER_SHUFFLE,
};

struct fake_region {
	uintptr_t base;
	size_t len;
};

/* A used element written later; `group` keeps a packet's buffers together. */
struct fake_used {
	uint32_t id;
	uint32_t len;
	uint32_t group;
	uint32_t buf; /* descriptor the device filled for it, FAKE_NO_BUF if none */
	bool real; /* returns a buffer the device took from the avail ring */
	uint16_t skip; /* packed: ring slots the used descriptor stands for */
	bool wrote; /* packed: the device wrote into the buffer (Rx) */
};

/* fake_used.buf of an element that stands for no buffer. */
#define FAKE_NO_BUF UINT32_MAX

struct fake_buf {
	uint8_t *ptr;
	uint32_t len;
	bool write;
};

struct fake_dev {
	struct virtqueue *vq;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t size;
	uint16_t hdr_size;
	bool mergeable;
	bool hold; /* stage used elements until fake_publish() */
	bool in_order; /* VIRTIO_F_IN_ORDER: see the top of this file */
	/*
	 * In order only: of the used elements one fake_publish() writes (a
	 * batch), only the last is written properly; the others are left stale
	 * or filled with garbage ids and lengths, as the spec allows.
	 */
	bool used_last_only; /* packed: one used descriptor per batch, naming its last buffer */

	uint16_t last_avail; /* next avail entry to read, free running */
	uint16_t used_idx; /* next used entry to write, free running */
	uint8_t *outstanding; /* per id: taken from avail, not given back */

	struct fake_used *staged;
	unsigned int nstaged;
	unsigned int staged_cap;
	uint32_t next_group;
	struct fake_used last_real; /* for duplicates */
	bool have_last_real;
	uint32_t seed;

	struct fake_region *regions; /* sorted by base when `sorted` */
	unsigned int nregions;
	unsigned int regions_cap;
	bool sorted;

	struct fake_buf *chain; /* scratch for chain walks */
	unsigned int chain_len;
	uint16_t chain_ring_descs;
	bool chain_indirect;
	bool chain_contiguous; /* ring descriptors of the chain have consecutive ids */

	/* In order: the descriptor id the next chain must start at. */
	uint16_t next_head;
	uint64_t chains_taken; /* chains taken from the avail ring */
	uint64_t seq_errors; /* in order: ids handed out out of sequence */
	uint64_t garbage_written; /* used elements spoiled by used_last_only */

	uint64_t notifications;
	/* Used-buffer notifications the spec says a publish must send the driver. */
	uint64_t interrupts;
	uint64_t protocol_errors;
	char last_error[256];

	/* Packed ring (spec 2.8). */
	bool packed;
	struct vring_packed_desc *pdesc;
	struct vring_packed_event *driver_event; /* the driver's: read only here */
	struct vring_packed_event *device_event; /* ours: which doorbells we want */
	uint16_t avail_pos; /* next slot to read */
	bool avail_wrap; /* what the driver's wrap counter is at avail_pos */
	uint16_t used_pos; /* next slot to write a used descriptor into */
	bool used_wrap; /* Device Ring Wrap Counter */
	uint32_t uncovered; /* slots read and not yet stepped over by a used descriptor */
	uint16_t *slot_flags; /* per slot: the flags it had when the device read it */
	uint16_t chain_id; /* buffer id of the chain walked last */
	bool chain_ids_differ; /* its descriptors did not all carry that id */
	uint16_t next_id; /* in order: the buffer id expected next */
	uint64_t avail_wraps; /* laps the device read */
	uint64_t used_wraps; /* laps the device wrote (its wrap counter flips) */
	uint64_t used_written; /* used descriptors written */
	uint64_t id_mismatch; /* chains whose descriptors carry different ids */
};

/* What the device saw in one Tx chain. */
struct fake_tx_frame {
	uint8_t hdr[sizeof(struct virtio_net_hdr_mrg_rxbuf)];
	uint32_t len; /* frame bytes after the net header */
	uint16_t head; /* packed: the buffer id */
	uint16_t ring_descs; /* descriptors the chain took in the ring */
	uint16_t nbufs; /* buffers, indirect table entries included */
	bool indirect;
	bool hdr_alone; /* the first buffer holds exactly the net header */
	const uint8_t *first_buf; /* address of the first buffer */
	uint8_t data[FAKE_TX_MAX_FRAME];
};

/*
 * Attaches the fake to a ring laid out by vq_split_init() or vq_packed_init();
 * installs fake_notify as vq->notify. hdr_size is the negotiated net header size.
 */
int fake_dev_init(struct fake_dev *fd, struct virtqueue *vq, uint16_t hdr_size, bool mergeable);
void fake_dev_fini(struct fake_dev *fd);

/*
 * Memory the driver may point descriptors at; a buffer must lie inside one
 * region. fake_dev_add_mempool() adds the data buffer of every mbuf of a
 * pktmbuf pool, so a descriptor running past its mbuf's buffer is caught.
 */
int fake_dev_add_region(struct fake_dev *fd, const void *base, size_t len);
int fake_dev_add_mempool(struct fake_dev *fd, struct rte_mempool *mp);

/* The doorbell: counts in fd->notifications (vq->notify_cookie is the fake). */
void fake_notify(struct virtqueue *vq);

/*
 * Avail entries the driver published and the fake has not read yet (packed:
 * available descriptors, in ring order from the device's read position).
 */
uint16_t fake_avail_pending(struct fake_dev *fd);

/*
 * Receive side: writes the net header (from `tmpl`, or zeroes when NULL, with
 * num_buffers set) and the frame into posted buffers, several when
 * mergeable, and publishes (or stages, when hold) the used elements.
 * Returns the number of buffers used, -ENOSPC when not enough buffers are
 * posted (nothing consumed), -EMSGSIZE when the frame cannot fit one buffer
 * without mergeable buffers, -EPROTO when the driver's ring is invalid.
 */
int fake_rx_deliver(struct fake_dev *fd, const void *frame, uint32_t len,
		const struct virtio_net_hdr_mrg_rxbuf *tmpl);
int fake_rx_deliver_fault(struct fake_dev *fd, const void *frame, uint32_t len,
		const struct virtio_net_hdr_mrg_rxbuf *tmpl, enum fake_fault fault);

/*
 * Transmit side: reads up to `max` chains from the avail ring (direct
 * chains, VRING_DESC_F_NEXT and VRING_DESC_F_INDIRECT tables), splits each
 * into net header and frame, and publishes (or stages) a used element per
 * chain. Returns the number of frames stored in `out`.
 */
int fake_tx_collect(struct fake_dev *fd, struct fake_tx_frame *out, unsigned int max);

/*
 * Stages (or publishes, unless hold) a used element as its own packet. It
 * returns no buffer, also in order.
 *
 * Packed: the device takes the next available buffer and reports it under
 * `id` in a used descriptor that steps over one slot (what a driver must
 * assume when it cannot know the chain); that buffer is never given back.
 * The duplicate and not-in-flight variants do the same.
 */
void fake_inject_used(struct fake_dev *fd, uint32_t id, uint32_t len);
/* Repeats the last real used element (a duplicate id). Returns -ENOENT if none. */
int fake_inject_duplicate(struct fake_dev *fd);
/* An id (< size) that the driver does not have in flight; -ENOENT if none. */
int fake_pick_not_in_flight(struct fake_dev *fd, uint16_t *id);

/*
 * Publishes up to `max` staged used elements (packets kept together) in
 * the given order; the rest stay staged, in that order (with max 0, the
 * staged elements are only reordered). Returns the number published.
 * In order, anything but FAKE_ORDER_FIFO breaks the order on purpose, and
 * with used_last_only only the last element published is written properly.
 */
unsigned int fake_publish(struct fake_dev *fd, unsigned int max, enum fake_order order);
unsigned int fake_staged(const struct fake_dev *fd);

/*
 * Moves used->idx forward by `n` entries that name no buffer (id
 * FAKE_BOGUS_ID): with n larger than what the driver has in flight this
 * is a used index jumping ahead. Split rings only.
 */
void fake_used_idx_jump(struct fake_dev *fd, uint16_t n);

/* Device-owned notification controls (split). */
void fake_set_used_flags(struct fake_dev *fd, uint16_t flags);
void fake_set_avail_event(struct fake_dev *fd, uint16_t idx);

/*
 * Packed: the device event suppression area (flags ENABLE, DISABLE or DESC;
 * with DESC, the slot and wrap counter of the descriptor whose making
 * available should ring the doorbell).
 */
void fake_set_device_event(struct fake_dev *fd, uint16_t flags, uint16_t off, bool wrap);

/*
 * Packed: writes a descriptor with raw `flags` (and id, len) at the used
 * position without moving on, as a device writing with the wrong wrap
 * counter would. The slot must already have been read by the device (a
 * buffer taken and not yet given back), else -EBUSY. A later used write
 * overwrites it.
 */
int fake_packed_write_raw(struct fake_dev *fd, uint16_t flags, uint16_t id, uint32_t len);

/* Packed: the driver looks for the next used descriptor where the device writes it. */
static inline bool
fake_packed_in_step(const struct fake_dev *fd)
{
	return fd->vq->next_used == fd->used_pos && fd->vq->used_wrap == fd->used_wrap;
}

#endif /* FAKE_DEVICE_H */
