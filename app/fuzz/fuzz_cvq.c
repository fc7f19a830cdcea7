/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Control-queue commands (cvq.c) against the unit tests' fake control
 * device (app/test/fake_cvq.c), with the device's writes from the input:
 * the ack byte, the length of the answer (packed), and on split rings used
 * entries for ids the driver does not own (before or after the real answer,
 * with any length).
 *
 * Input: byte 0 picks the ring (split or packed) and its size, then
 * commands until the input ends: class, command, data length and data for
 * the driver, then the device's behaviour for it. Every command must end
 * (no timeout: the device always answers) and leave the ring usable.
 */

#include <rte_memzone.h>

#include "cvq.h"
#include "fake_cvq.h"
#include "fuzz_common.h"
#include "virtio_dev.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rte_memzone *mz;
static struct fz_in *cur; /* the running input, for the doorbell */
static virtqueue_notify_t fake_notify;
static const struct virtio_transport_ops ops = { .name = "fuzz-cvq" };
static const uint16_t sizes[] = { 2, 4, 8, 16 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_eal_init("cvq", 16);
	mz = rte_memzone_reserve_aligned("fz_cvq", virtio_cvq_mem_size(16, false) +
					 virtio_cvq_mem_size(16, true), SOCKET_ID_ANY, 0, 4096);
	FZ_CHECK(mz != NULL, "no memzone");
	return 0;
}

static uint8_t
ack_from_input(struct fake_cvq *f, const uint8_t *cmd, size_t len)
{
	RTE_SET_USED(f);
	RTE_SET_USED(cmd);
	RTE_SET_USED(len);
	return fz_u8(cur);
}

/* Used entries no command was given for, at the fake's used position. */
static void
inject(struct fake_cvq *f, uint8_t n)
{
	struct virtqueue *vq = f->vq;

	while (n-- > 0) {
		uint32_t id = fz_u8(cur) & 0x80 ? fz_u32(cur) : fz_u8(cur) % (vq->size + 2);

		vq->used->ring[f->used_idx & vq->mask] = (struct vring_used_elem){
			.id = id, .len = fz_u32(cur) };
		__atomic_store_n(&vq->used->idx, ++f->used_idx, __ATOMIC_RELEASE);
	}
}

/*
 * The doorbell: the fake answers, with what the input says around it.
 * Packed: the answer's length may be changed, not its id or flags: a
 * packed command given back under another id is lost for good (the driver
 * then waits its full timeout, correct but too slow to fuzz).
 */
static void
doorbell(struct virtqueue *vq)
{
	struct fake_cvq *f = vq->notify_cookie;
	uint16_t answer_slot = f->used_pos;
	uint8_t how = fz_u8(cur);

	if (!vq->packed)
		inject(f, how & 3);
	fake_notify(vq);
	if (!vq->packed)
		inject(f, (how >> 2) & 1);
	else if (how & 4)
		vq->pdesc[answer_slot].len = fz_u32(cur);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { .p = data, .n = size };
	uint8_t cfg = fz_u8(&in);
	bool packed = cfg & 1;
	/* Packed rings need not be a power of two. */
	uint16_t ring = packed && (cfg & 8) ? 3 : sizes[(cfg >> 1) & 3];
	struct virtio_cvq cvq;
	struct fake_cvq fake;
	struct virtio_dev dev = {
		.ops = &ops,
		.name = "fuzz-cvq",
		.features = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
			    (packed ? VIRTIO_BIT(VIRTIO_F_RING_PACKED) : 0),
		.cvq = &cvq,
		.running = true,
	};
	int ret;

	cur = &in;
	memset(mz->addr, 0, mz->len);
	ret = virtio_cvq_init(&cvq, mz, 2, ring, packed, true);
	FZ_CHECK(ret == 0, "virtio_cvq_init: %d", ret);
	fake_cvq_attach(&fake, &cvq.vq);
	fake.handler = ack_from_input;
	fake_notify = cvq.vq.notify;
	cvq.vq.notify = doorbell;

	while (fz_more(&in)) {
		uint8_t class = fz_u8(&in);
		uint8_t cmd = fz_u8(&in);
		uint8_t data_buf[256];
		size_t len = fz_u8(&in);

		fz_bytes(&in, data_buf, len);
		ret = virtio_cvq_command(&dev, class % 8, cmd % 8, data_buf, len);
		/* A command must end: answered, refused, or the device broke the protocol. */
		FZ_CHECK(ret != -ETIMEDOUT && !cvq.stuck, "command %u/%u timed out", class, cmd);
		FZ_CHECK(fake.protocol_errors == 0, "the driver broke the protocol: %s",
			 fake.last_error);
	}
	virtio_cvq_fini(&cvq);
	return 0;
}
