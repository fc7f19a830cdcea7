/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The device side of a control virtqueue, for unit tests. It answers in
 * the doorbell (vq->notify), as fast as a device possibly can, so the
 * driver's wait finds the answer at once. It checks the chain the spec
 * requires (driver-readable buffers, then one device-writable ack byte),
 * hands each command to a handler that decides the ack, and can misbehave:
 * stay silent, write a used entry for a buffer it was never given, or a
 * used length other than the one byte it wrote.
 * Split and packed rings alike.
 */

#ifndef FAKE_CVQ_H
#define FAKE_CVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtqueue.h"

#define FAKE_CVQ_MAX_CMD 4096

enum fake_cvq_mode {
	FAKE_CVQ_ANSWER,   /* ack every command */
	FAKE_CVQ_SILENT,   /* take commands, never give them back */
	/*
	 * Once: a used entry naming a buffer id the driver does not own. Split:
	 * before the real answer. Packed: instead of it (the slots are gone).
	 */
	FAKE_CVQ_BOGUS_ID,
	/* Once: the answer's used length is bad_len instead of 1 (the ack byte). */
	FAKE_CVQ_BAD_LEN,
};

struct fake_cvq;

/* Decides the ack of one command ({class, cmd, data}); NULL: always VIRTIO_NET_OK. */
typedef uint8_t (*fake_cvq_handler_t)(struct fake_cvq *f, const uint8_t *cmd, size_t len);

struct fake_cvq {
	struct virtqueue *vq;
	enum fake_cvq_mode mode;
	fake_cvq_handler_t handler;
	void *opaque; /* for the handler */
	uint32_t bad_len; /* FAKE_CVQ_BAD_LEN: the used length to write */

	/* Device positions: split, then packed. */
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t avail_pos;
	bool avail_wrap;
	uint16_t used_pos;
	bool used_wrap;

	uint8_t last_cmd[FAKE_CVQ_MAX_CMD];
	size_t last_len;
	unsigned int commands;        /* answered */
	unsigned int taken_silently;  /* taken in FAKE_CVQ_SILENT mode */
	unsigned int protocol_errors; /* chains that break the spec */
	char last_error[160];
};

/* Serves `vq` (laid out with use_va: descriptor addresses are pointers). */
void fake_cvq_attach(struct fake_cvq *f, struct virtqueue *vq);

/* After the driver reset the ring: device positions back to the start. */
void fake_cvq_reset(struct fake_cvq *f);

#endif /* FAKE_CVQ_H */
