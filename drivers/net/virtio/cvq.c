/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "cvq.h"
#include "virtio_dev.h"
#include "virtio_log.h"

/* The command buffer sits after the ring, on its own cache lines. */
static size_t
ring_bytes(uint16_t size, bool packed)
{
	return RTE_ALIGN_CEIL(packed ? vq_packed_ring_size(size) : vq_split_ring_size(size),
			      RTE_CACHE_LINE_SIZE);
}

size_t
virtio_cvq_mem_size(uint16_t size, bool packed)
{
	return ring_bytes(size, packed) + sizeof(struct virtio_net_ctrl_hdr) +
	       VIRTIO_CVQ_DATA_MAX + 1;
}

int
virtio_cvq_init(struct virtio_cvq *cvq, const struct rte_memzone *mz, uint16_t index,
		uint16_t size, bool packed, bool use_va)
{
	uint64_t dev_addr = use_va ? (uint64_t)(uintptr_t)mz->addr : mz->iova;
	int ret;

	memset(cvq, 0, sizeof(*cvq));
	ret = packed ? vq_packed_init(&cvq->vq, index, size, mz->addr, dev_addr, use_va) :
		       vq_split_init(&cvq->vq, index, size, mz->addr, dev_addr, use_va);
	if (ret != 0)
		return ret;
	cvq->vq.role = VQ_ROLE_CTRL;
	cvq->mz = mz;
	cvq->buf = (uint8_t *)mz->addr + ring_bytes(size, packed);
	cvq->buf_dev_addr = dev_addr + ring_bytes(size, packed);
	rte_spinlock_init(&cvq->lock);
	return 0;
}

void
virtio_cvq_fini(struct virtio_cvq *cvq)
{
	vq_fini(&cvq->vq);
}

void
virtio_cvq_reset(struct virtio_cvq *cvq, bool event_idx)
{
	vq_reset(&cvq->vq, event_idx);
	cvq->stuck = false;
}

static const struct {
	uint8_t class;
	uint8_t cmd;
	const char *name;
} command_names[] = {
	{ VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, "RX_PROMISC" },
	{ VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, "RX_ALLMULTI" },
	{ VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, "MAC_TABLE_SET" },
	{ VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, "MAC_ADDR_SET" },
	{ VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, "VLAN_ADD" },
	{ VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_DEL, "VLAN_DEL" },
	{ VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, "ANNOUNCE_ACK" },
	{ VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, "MQ_VQ_PAIRS_SET" },
	{ VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_RSS_CONFIG, "MQ_RSS_CONFIG" },
};

const char *
virtio_cvq_command_name(uint8_t class, uint8_t cmd)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(command_names); i++)
		if (command_names[i].class == class && command_names[i].cmd == cmd)
			return command_names[i].name;
	return "unknown";
}

/*
 * Waits for the device to give the command back. The ack is read only from
 * a used chain that is ours and long enough to have written it.
 */
static int
wait_ack(struct virtio_dev *dev, struct virtio_cvq *cvq, uint8_t *ack)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() * VIRTIO_CVQ_TIMEOUT_MS / 1000;
	unsigned int spins = 0;

	for (;;) {
		void *cookie = NULL;
		uint32_t len = 0;
		int ret = vq_take_used(&cvq->vq, &cookie, &len);

		if (ret == 0) {
			/* The device writes exactly the ack byte (spec 5.1.6.2). */
			if (unlikely(cookie != cvq || len != 1)) {
				dev->errors.cvq_bad_used++;
				*ack = (uint8_t)RTE_MIN(len, (uint32_t)UINT8_MAX); /* for the message */
				return -EPROTO;
			}
			*ack = __atomic_load_n(&cvq->buf[sizeof(struct virtio_net_ctrl_hdr) +
						      VIRTIO_CVQ_DATA_MAX], __ATOMIC_ACQUIRE);
			return 0;
		}
		/*
		 * -EIO: a used entry naming nothing in flight, logged by
		 * vq_device_error() and stepped over; ours may still come.
		 */
		if (unlikely(ret == -EIO))
			dev->errors.cvq_bad_used++;
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		/* Software devices answer within microseconds; do not burn a core for slow ones. */
		if (++spins < 1000)
			rte_pause();
		else
			rte_delay_us_sleep(100);
	}
}

static int
ring_command(struct virtio_dev *dev, struct virtio_cvq *cvq, const uint8_t *cmd, size_t len, uint8_t *ack)
{
	uint8_t *ack_byte = &cvq->buf[sizeof(struct virtio_net_ctrl_hdr) + VIRTIO_CVQ_DATA_MAX];
	struct vq_buf bufs[2] = {
		{ .addr = cvq->buf_dev_addr, .len = (uint32_t)len },
		{ .addr = cvq->buf_dev_addr + (ack_byte - cvq->buf), .len = 1,
		  .device_writes = true },
	};
	int ret;

	if (cvq->stuck)
		return -EBUSY;
	memcpy(cvq->buf, cmd, len);
	/* Anything but OK from a device that wrote nothing reads as an error. */
	*ack_byte = VIRTIO_NET_ERR;
	ret = vq_add_buffers(&cvq->vq, bufs, RTE_DIM(bufs), cvq);
	if (ret == 0)
		ret = wait_ack(dev, cvq, ack);
	if (ret == -ETIMEDOUT)
		cvq->stuck = true;
	return ret;
}

int
virtio_cvq_command(struct virtio_dev *dev, uint8_t class, uint8_t cmd, const void *data,
		   size_t len)
{
	uint8_t msg[sizeof(struct virtio_net_ctrl_hdr) + VIRTIO_CVQ_DATA_MAX];
	const char *name = virtio_cvq_command_name(class, cmd);
	uint8_t ack = VIRTIO_NET_ERR;
	int ret;

	if (!virtio_dev_has(dev, VIRTIO_NET_F_CTRL_VQ)) {
		VIRTIO_LOG(ERR, "%s: control command %s needs the control queue "
			   "(VIRTIO_NET_F_CTRL_VQ), which the device does not offer%s", dev->name,
			   name, dev->ops->ctrl_command != NULL ? " (virtio-user: devarg cq=1)" : "");
		return -ENOTSUP;
	}
	if (!dev->running) {
		VIRTIO_LOG(ERR, "%s: control command %s: the device is not running (start the "
			   "port first)", dev->name, name);
		return -ENOTCONN;
	}
	if (len > VIRTIO_CVQ_DATA_MAX)
		return -E2BIG;
	msg[0] = class;
	msg[1] = cmd;
	if (len > 0)
		memcpy(&msg[2], data, len);
	if (dev->ops->ctrl_command != NULL) {
		ret = dev->ops->ctrl_command(dev, msg, len + 2);
		if (ret >= 0) {
			ack = (uint8_t)ret;
			ret = 0;
		}
	} else {
		rte_spinlock_lock(&dev->cvq->lock);
		ret = ring_command(dev, dev->cvq, msg, len + 2, &ack);
		rte_spinlock_unlock(&dev->cvq->lock);
	}
	if (ret == -ETIMEDOUT)
		VIRTIO_LOG(ERR, "%s: control command %s: no answer from the device within %u ms; "
			   "the control queue is unusable until the port is restarted",
			   dev->name, name, VIRTIO_CVQ_TIMEOUT_MS);
	else if (ret == -EBUSY)
		VIRTIO_LOG(ERR, "%s: control command %s: an earlier command got no answer, the "
			   "control queue is unusable until the port is restarted", dev->name, name);
	else if (ret == -EPROTO)
		virtio_log_limited(&dev->errors.log_limit, "%s: control command %s failed: field "
				   "'used length': %u%s, allowed 1 (the ack byte)", dev->name, name,
				   ack, ack == UINT8_MAX ? " or more" : "");
	else if (ret == 0 && unlikely(ack != VIRTIO_NET_OK && ack != VIRTIO_NET_ERR)) {
		dev->errors.cvq_bad_ack++;
		virtio_log_limited(&dev->errors.log_limit, "%s: control command %s failed: field "
				   "'ack': %u, allowed 0 (OK) or 1 (ERR)", dev->name, name, ack);
		return -EPROTO;
	} else if (ret == 0 && ack != VIRTIO_NET_OK)
		VIRTIO_LOG(ERR, "%s: control command %s: the device answered error (ack %u)",
			   dev->name, name, ack);
	if (ret == 0 && ack != VIRTIO_NET_OK)
		ret = -EIO;
	return ret;
}
