/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <stdio.h>

#include <rte_common.h>

#include "cvq.h"
#include "virtio_dev.h"
#include "virtio_log.h"

uint16_t
virtio_dev_hdr_size(const struct virtio_dev *dev)
{
	return virtio_net_hdr_size(dev->features);
}

static int
set_status(struct virtio_dev *dev, uint8_t status)
{
	return dev->ops->set_status(dev, status);
}

int
virtio_dev_init(struct virtio_dev *dev)
{
	int ret;

	dev->config_vector = VIRTIO_MSI_NO_VECTOR;
	dev->ops->reset(dev);
	ret = set_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
	if (ret == 0)
		ret = set_status(dev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	if (ret != 0)
		return ret;
	dev->device_features = dev->ops->get_features(dev);
	return 0;
}

int
virtio_dev_negotiate(struct virtio_dev *dev)
{
	char buf[512];

	dev->features = dev->device_features & dev->wanted_features;
	/* A device must not offer these without the control queue; never trust that. */
	if (!virtio_dev_has(dev, VIRTIO_NET_F_CTRL_VQ))
		dev->features &= ~VIRTIO_NET_FEATURES_NEEDING_CTRL_VQ;
	if (!virtio_dev_has(dev, VIRTIO_F_VERSION_1) &&
	    !virtio_dev_has(dev, VIRTIO_F_ANY_LAYOUT)) {
		VIRTIO_LOG(ERR, "%s: legacy device (no VIRTIO_F_VERSION_1) without "
			   "VIRTIO_F_ANY_LAYOUT is not supported: the driver puts the net header "
			   "and the frame in one descriptor", dev->name);
		return -ENOTSUP;
	}
	virtio_dev_features_str(dev->features, buf, sizeof(buf));
	VIRTIO_LOG(DEBUG, "%s: features offered 0x%" PRIx64 ", negotiated 0x%" PRIx64 " (%s)",
		   dev->name, dev->device_features, dev->features, buf);
	return 0;
}

/* Reset, ACKNOWLEDGE|DRIVER, the features, FEATURES_OK checked; *status as it ends. */
static int
features_handshake(struct virtio_dev *dev, uint8_t *status)
{
	int ret;

	*status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	dev->ops->reset(dev);
	ret = set_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
	if (ret == 0)
		ret = set_status(dev, *status);
	if (ret == 0)
		ret = dev->ops->set_features(dev, dev->features);
	/* Legacy devices have no FEATURES_OK handshake (spec 2.1.2). */
	if (ret == 0 && virtio_dev_has(dev, VIRTIO_F_VERSION_1)) {
		*status |= VIRTIO_STATUS_FEATURES_OK;
		ret = set_status(dev, *status);
		if (ret == 0 && !(dev->ops->get_status(dev) & VIRTIO_STATUS_FEATURES_OK)) {
			VIRTIO_LOG(ERR, "%s: device refused the features 0x%" PRIx64
				   " (FEATURES_OK not kept)", dev->name, dev->features);
			ret = -EIO;
		}
	}
	return ret;
}

int
virtio_dev_features_ok(struct virtio_dev *dev)
{
	uint8_t status;
	int ret = features_handshake(dev, &status);

	if (ret != 0)
		dev->ops->reset(dev);
	return ret;
}

int
virtio_dev_start(struct virtio_dev *dev, struct virtqueue **queues, unsigned int nb_queues)
{
	uint8_t status;
	unsigned int i;
	int ret;

	ret = features_handshake(dev, &status);
	/* A reset forgot the vectors: program them again each time. */
	if (ret == 0 && dev->ops->set_config_vector != NULL)
		ret = dev->ops->set_config_vector(dev, dev->config_vector);
	for (i = 0; ret == 0 && i < nb_queues; i++)
		if (queues[i] != NULL)
			ret = dev->ops->setup_queue(dev, queues[i]);
	if (ret == 0 && dev->cvq != NULL) {
		virtio_cvq_reset(dev->cvq, virtio_dev_has(dev, VIRTIO_RING_F_EVENT_IDX));
		ret = dev->ops->setup_queue(dev, &dev->cvq->vq);
	}
	if (ret == 0)
		ret = set_status(dev, status | VIRTIO_STATUS_DRIVER_OK);
	dev->running = ret == 0;
	if (ret != 0) {
		set_status(dev, status | VIRTIO_STATUS_FAILED);
		dev->ops->reset(dev);
	}
	return ret;
}

void
virtio_dev_stop(struct virtio_dev *dev)
{
	dev->running = false;
	dev->ops->reset(dev);
}

static const struct {
	unsigned int bit;
	const char *name;
} feature_names[] = {
	{ VIRTIO_NET_F_CSUM, "CSUM" },
	{ VIRTIO_NET_F_GUEST_CSUM, "GUEST_CSUM" },
	{ VIRTIO_NET_F_MTU, "MTU" },
	{ VIRTIO_NET_F_MAC, "MAC" },
	{ VIRTIO_NET_F_GUEST_TSO4, "GUEST_TSO4" },
	{ VIRTIO_NET_F_GUEST_TSO6, "GUEST_TSO6" },
	{ VIRTIO_NET_F_HOST_TSO4, "HOST_TSO4" },
	{ VIRTIO_NET_F_HOST_TSO6, "HOST_TSO6" },
	{ VIRTIO_NET_F_MRG_RXBUF, "MRG_RXBUF" },
	{ VIRTIO_NET_F_STATUS, "STATUS" },
	{ VIRTIO_NET_F_CTRL_VQ, "CTRL_VQ" },
	{ VIRTIO_NET_F_CTRL_RX, "CTRL_RX" },
	{ VIRTIO_NET_F_CTRL_VLAN, "CTRL_VLAN" },
	{ VIRTIO_NET_F_GUEST_ANNOUNCE, "GUEST_ANNOUNCE" },
	{ VIRTIO_NET_F_MQ, "MQ" },
	{ VIRTIO_NET_F_CTRL_MAC_ADDR, "CTRL_MAC_ADDR" },
	{ VIRTIO_NET_F_RSS, "RSS" },
	{ VIRTIO_NET_F_SPEED_DUPLEX, "SPEED_DUPLEX" },
	{ VIRTIO_F_ANY_LAYOUT, "ANY_LAYOUT" },
	{ VIRTIO_RING_F_INDIRECT_DESC, "INDIRECT_DESC" },
	{ VIRTIO_RING_F_EVENT_IDX, "EVENT_IDX" },
	{ VIRTIO_F_VERSION_1, "VERSION_1" },
	{ VIRTIO_F_ACCESS_PLATFORM, "ACCESS_PLATFORM" },
	{ VIRTIO_F_RING_PACKED, "RING_PACKED" },
	{ VIRTIO_F_IN_ORDER, "IN_ORDER" },
};

void
virtio_dev_features_str(uint64_t features, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(feature_names) && used < len; i++)
		if (features & VIRTIO_BIT(feature_names[i].bit))
			used += snprintf(buf + used, len - used, "%s%s", used ? " " : "",
					 feature_names[i].name);
}
