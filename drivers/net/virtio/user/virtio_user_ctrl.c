/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Control commands of a virtio-user device. A vhost backend serves rings
 * but never a control queue, so the device answers here, in our process:
 * queue pairs are switched with SET_VRING_ENABLE and the MAC address lives
 * in our config space. Commands that would need the backend to filter or
 * steer (Rx mode, VLAN, RSS) are not offered, so applications get -ENOTSUP
 * instead of a success the backend would not honour.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "../virtio_log.h"
#include "virtio_user_dev.h"

/* Rings of pairs below `pairs` serve traffic, the others are switched off. */
int
virtio_user_dev_enable_pairs(struct virtio_user_dev *dev, uint16_t pairs)
{
	unsigned int i;

	for (i = 0; i < 2u * dev->config.max_virtqueue_pairs && i < VIRTIO_USER_MAX_VQS; i++) {
		int ret;

		/* Only rings handed to the backend (they have a kick fd) can be switched. */
		if (dev->vqs[i] == NULL || dev->kickfds[i] < 0)
			continue;
		ret = dev->ops->set_vring_enable(dev, i, i / 2 < pairs);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static uint8_t
mq_pairs_set(struct virtio_user_dev *dev, const uint8_t *data, size_t len)
{
	uint16_t pairs;

	if (len != sizeof(pairs))
		return VIRTIO_NET_ERR;
	memcpy(&pairs, data, sizeof(pairs));
	pairs = rte_le_to_cpu_16(pairs);
	if (pairs < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || pairs > dev->config.max_virtqueue_pairs) {
		VIRTIO_LOG(ERR, "%s: MQ_VQ_PAIRS_SET %u refused: the device has 1 to %u queue "
			   "pairs (devarg queues)", dev->name, pairs, dev->config.max_virtqueue_pairs);
		return VIRTIO_NET_ERR;
	}
	return virtio_user_dev_enable_pairs(dev, pairs) == 0 ? VIRTIO_NET_OK : VIRTIO_NET_ERR;
}

static uint8_t
mac_addr_set(struct virtio_user_dev *dev, const uint8_t *data, size_t len)
{
	if (len != sizeof(dev->config.mac))
		return VIRTIO_NET_ERR;
	memcpy(dev->config.mac, data, sizeof(dev->config.mac));
	return VIRTIO_NET_OK;
}

int
virtio_user_dev_ctrl(struct virtio_user_dev *dev, const uint8_t *cmd, size_t len)
{
	const struct virtio_net_ctrl_hdr *hdr = (const struct virtio_net_ctrl_hdr *)cmd;
	const uint8_t *data = cmd + sizeof(*hdr);
	size_t data_len = len - sizeof(*hdr);

	if (len < sizeof(*hdr))
		return VIRTIO_NET_ERR;
	if (hdr->class == VIRTIO_NET_CTRL_MQ && hdr->cmd == VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)
		return mq_pairs_set(dev, data, data_len);
	if (hdr->class == VIRTIO_NET_CTRL_MAC && hdr->cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET)
		return mac_addr_set(dev, data, data_len);
	/* Not offered, so a driver that follows the spec never sends it. */
	return VIRTIO_NET_ERR;
}
