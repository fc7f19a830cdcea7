/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Modern virtio PCI devices (spec 4.1.4): the common configuration, notify,
 * ISR and device configuration blocks, found through vendor capabilities
 * and reached by MMIO in the BARs the PCI bus driver mapped.
 */

#include <errno.h>
#include <string.h>

#include <rte_bus_pci.h>
#include <rte_cycles.h>
#include <rte_io.h>

#include "../virtio_log.h"
#include "virtio_pci.h"

#define PCI_CAP_ID_VNDR 0x09
/* A device must finish a reset in reasonable time; 1 s is generous. */
#define RESET_WAIT_US 1000000
#define RESET_POLL_US 100
/* Config reads retried while the device keeps changing the generation. */
#define CONFIG_GENERATION_TRIES 16

static struct virtio_pci_dev *
pci_dev(struct virtio_dev *dev)
{
	return dev->transport;
}

static uint8_t *
common(struct virtio_dev *dev, unsigned int off)
{
	return pci_dev(dev)->common + off;
}

static void
write64_split(struct virtio_dev *dev, unsigned int lo, unsigned int hi, uint64_t v)
{
	/* 64-bit fields are written as two 32-bit halves (4.1.3.1). */
	rte_write32((uint32_t)v, common(dev, lo));
	rte_write32((uint32_t)(v >> 32), common(dev, hi));
}

static uint64_t
modern_get_features(struct virtio_dev *dev)
{
	uint32_t lo, hi;

	rte_write32(0, common(dev, VIRTIO_PCI_COMMON_DFSELECT));
	lo = rte_read32(common(dev, VIRTIO_PCI_COMMON_DF));
	rte_write32(1, common(dev, VIRTIO_PCI_COMMON_DFSELECT));
	hi = rte_read32(common(dev, VIRTIO_PCI_COMMON_DF));
	return ((uint64_t)hi << 32) | lo;
}

static int
modern_set_features(struct virtio_dev *dev, uint64_t features)
{
	rte_write32(0, common(dev, VIRTIO_PCI_COMMON_GFSELECT));
	rte_write32((uint32_t)features, common(dev, VIRTIO_PCI_COMMON_GF));
	rte_write32(1, common(dev, VIRTIO_PCI_COMMON_GFSELECT));
	rte_write32((uint32_t)(features >> 32), common(dev, VIRTIO_PCI_COMMON_GF));
	return 0;
}

static uint8_t
modern_get_status(struct virtio_dev *dev)
{
	return rte_read8(common(dev, VIRTIO_PCI_COMMON_STATUS));
}

static int
modern_set_status(struct virtio_dev *dev, uint8_t status)
{
	rte_write8(status, common(dev, VIRTIO_PCI_COMMON_STATUS));
	return 0;
}

static void
modern_reset(struct virtio_dev *dev)
{
	unsigned int waited;

	modern_set_status(dev, VIRTIO_STATUS_RESET);
	/* The reset is complete only once the status reads back 0 (4.1.4.3.2). */
	for (waited = 0; waited < RESET_WAIT_US; waited += RESET_POLL_US) {
		if (modern_get_status(dev) == VIRTIO_STATUS_RESET)
			return;
		rte_delay_us_block(RESET_POLL_US);
	}
	VIRTIO_LOG(ERR, "%s: device did not complete a reset within %u ms", dev->name,
		   RESET_WAIT_US / 1000);
}

static void
modern_read_config(struct virtio_dev *dev, size_t offset, void *dst, size_t len)
{
	struct virtio_pci_dev *pdev = pci_dev(dev);
	uint8_t *out = dst;
	unsigned int tries;
	uint8_t gen;
	size_t i;

	if (offset + len > pdev->device_cfg_len) {
		/* Fields beyond what the device exposes read as absent. */
		memset(dst, 0, len);
		return;
	}
	/* A consistent snapshot: retry while the generation changes under us. */
	for (tries = 0; tries < CONFIG_GENERATION_TRIES; tries++) {
		gen = rte_read8(common(dev, VIRTIO_PCI_COMMON_CFGGENERATION));
		for (i = 0; i < len; i++)
			out[i] = rte_read8(pdev->device_cfg + offset + i);
		if (gen == rte_read8(common(dev, VIRTIO_PCI_COMMON_CFGGENERATION)))
			return;
	}
	VIRTIO_LOG(WARNING, "%s: device configuration kept changing while read", dev->name);
}

static uint16_t
modern_queue_max_size(struct virtio_dev *dev, uint16_t index)
{
	rte_write16(index, common(dev, VIRTIO_PCI_COMMON_Q_SELECT));
	return rte_read16(common(dev, VIRTIO_PCI_COMMON_Q_SIZE));
}

static void
modern_notify(struct virtqueue *vq)
{
	rte_write16(vq->index, vq->notify_cookie);
}

/* Every process maps the BARs at the same address, so the cookie is valid in each. */
RTE_INIT(modern_notify_register)
{
	vq_notify_register(VQ_NOTIFY_PCI_MODERN, modern_notify);
}

static int
modern_setup_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	struct virtio_pci_dev *pdev = pci_dev(dev);
	uint16_t max = modern_queue_max_size(dev, vq->index); /* also selects the queue */
	uint64_t notify_off;

	if (max == 0 || vq->size > max) {
		VIRTIO_LOG(ERR, "%s: queue %u: device accepts at most %u descriptors, ring has %u",
			   dev->name, vq->index, max, vq->size);
		return -EINVAL;
	}
	notify_off = (uint64_t)rte_read16(common(dev, VIRTIO_PCI_COMMON_Q_NOFF)) *
		     pdev->notify_mult;
	if (notify_off + sizeof(uint16_t) > pdev->notify_len) {
		VIRTIO_LOG(ERR, "%s: queue %u: notify offset %" PRIu64 " is outside the %u-byte "
			   "notify region", dev->name, vq->index, notify_off, pdev->notify_len);
		return -EIO;
	}
	rte_write16(vq->size, common(dev, VIRTIO_PCI_COMMON_Q_SIZE));
	write64_split(dev, VIRTIO_PCI_COMMON_Q_DESCLO, VIRTIO_PCI_COMMON_Q_DESCHI,
		      vq->desc_dev_addr);
	write64_split(dev, VIRTIO_PCI_COMMON_Q_AVAILLO, VIRTIO_PCI_COMMON_Q_AVAILHI,
		      vq->avail_dev_addr);
	write64_split(dev, VIRTIO_PCI_COMMON_Q_USEDLO, VIRTIO_PCI_COMMON_Q_USEDHI,
		      vq->used_dev_addr);
	rte_write16(vq->msix_vector, common(dev, VIRTIO_PCI_COMMON_Q_MSIX));
	/* A device out of vectors reads back NO_VECTOR (4.1.5.1.2). */
	if (rte_read16(common(dev, VIRTIO_PCI_COMMON_Q_MSIX)) != vq->msix_vector) {
		VIRTIO_LOG(ERR, "%s: queue %u: device refused MSI-X vector %u", dev->name,
			   vq->index, vq->msix_vector);
		return -EIO;
	}
	vq->notify_kind = VQ_NOTIFY_PCI_MODERN;
	vq->notify_cookie = pdev->notify_base + notify_off;
	rte_write16(1, common(dev, VIRTIO_PCI_COMMON_Q_ENABLE));
	return 0;
}

static int
modern_set_config_vector(struct virtio_dev *dev, uint16_t vector)
{
	rte_write16(vector, common(dev, VIRTIO_PCI_COMMON_MSIX));
	if (rte_read16(common(dev, VIRTIO_PCI_COMMON_MSIX)) != vector) {
		VIRTIO_LOG(ERR, "%s: device refused MSI-X vector %u for configuration changes",
			   dev->name, vector);
		return -EIO;
	}
	return 0;
}

static void
modern_release_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	/* A modern queue is only disabled by a device reset, done at stop. */
	RTE_SET_USED(dev);
	vq->notify_kind = VQ_NOTIFY_DIRECT;
	vq->notify_cookie = NULL;
}

static void
modern_close(struct virtio_dev *dev)
{
	modern_reset(dev);
	virtio_pci_dev_free(dev);
}

static const struct virtio_transport_ops virtio_pci_modern_ops = {
	.name = "virtio-pci-modern",
	.get_features = modern_get_features,
	.set_features = modern_set_features,
	.get_status = modern_get_status,
	.set_status = modern_set_status,
	.read_config = modern_read_config,
	.queue_max_size = modern_queue_max_size,
	.setup_queue = modern_setup_queue,
	.release_queue = modern_release_queue,
	.reset = modern_reset,
	.close = modern_close,
	.set_config_vector = modern_set_config_vector,
};

/* What the vendor capabilities describe, before it is checked against the BARs. */
struct modern_caps {
	struct virtio_pci_cap cap[VIRTIO_PCI_CAP_DEVICE_CFG + 1];
	bool found[VIRTIO_PCI_CAP_DEVICE_CFG + 1];
	uint32_t notify_mult;
};

static int
collect_cap(const struct rte_pci_device *pci, uint8_t pos, uint8_t id, void *arg)
{
	struct modern_caps *caps = arg;
	struct virtio_pci_cap cap;

	if (id != PCI_CAP_ID_VNDR)
		return 0;
	if (rte_pci_read_config(pci, &cap, sizeof(cap), pos) != sizeof(cap))
		return 0;
	/* The first capability of each type is the preferred one (4.1.4). */
	if (cap.cfg_type < VIRTIO_PCI_CAP_COMMON_CFG || cap.cfg_type > VIRTIO_PCI_CAP_DEVICE_CFG ||
	    caps->found[cap.cfg_type])
		return 0;
	if (cap.cfg_type == VIRTIO_PCI_CAP_NOTIFY_CFG &&
	    rte_pci_read_config(pci, &caps->notify_mult, sizeof(caps->notify_mult),
				pos + offsetof(struct virtio_pci_notify_cap,
					       notify_off_multiplier)) !=
		    sizeof(caps->notify_mult))
		return 0;
	caps->cap[cap.cfg_type] = cap;
	caps->found[cap.cfg_type] = true;
	return 0;
}

/* The block a capability names, or NULL when it is not inside a mapped BAR. */
static uint8_t *
cap_addr(const struct rte_pci_device *pci, const struct virtio_pci_cap *cap, uint32_t min_len)
{
	const struct rte_mem_resource *bar;

	if (cap->bar >= PCI_MAX_RESOURCE)
		return NULL;
	bar = &pci->mem_resource[cap->bar];
	if (bar->addr == NULL || cap->length < min_len ||
	    (uint64_t)cap->offset + cap->length > bar->len)
		return NULL;
	return (uint8_t *)bar->addr + cap->offset;
}

int
virtio_pci_modern_attach(struct virtio_pci_dev *pdev, struct virtio_dev *dev)
{
	static const char *const block_names[] = {
		[VIRTIO_PCI_CAP_COMMON_CFG] = "common configuration",
		[VIRTIO_PCI_CAP_NOTIFY_CFG] = "notify",
		[VIRTIO_PCI_CAP_ISR_CFG] = "ISR",
	};
	struct modern_caps caps;
	unsigned int t;

	memset(&caps, 0, sizeof(caps));
	virtio_pci_for_each_cap(pdev->pci, collect_cap, &caps);
	if (!caps.found[VIRTIO_PCI_CAP_COMMON_CFG])
		return -ENODEV; /* a legacy-only device */
	pdev->common = cap_addr(pdev->pci, &caps.cap[VIRTIO_PCI_CAP_COMMON_CFG],
				VIRTIO_PCI_COMMON_CFG_SIZE);
	pdev->notify_base = cap_addr(pdev->pci, &caps.cap[VIRTIO_PCI_CAP_NOTIFY_CFG],
				     sizeof(uint16_t));
	pdev->isr = cap_addr(pdev->pci, &caps.cap[VIRTIO_PCI_CAP_ISR_CFG], 1);
	for (t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_ISR_CFG; t++) {
		uint8_t *addr = t == VIRTIO_PCI_CAP_COMMON_CFG ? pdev->common :
				t == VIRTIO_PCI_CAP_NOTIFY_CFG ? pdev->notify_base : pdev->isr;

		if (!caps.found[t] || addr == NULL) {
			VIRTIO_LOG(ERR, "%s: the modern %s block is missing or outside the mapped "
				   "BARs (BAR %u offset %u length %u)", dev->name, block_names[t],
				   caps.cap[t].bar, caps.cap[t].offset, caps.cap[t].length);
			return -ENODEV;
		}
	}
	pdev->notify_len = caps.cap[VIRTIO_PCI_CAP_NOTIFY_CFG].length;
	pdev->notify_mult = caps.notify_mult;
	if (caps.found[VIRTIO_PCI_CAP_DEVICE_CFG]) {
		pdev->device_cfg = cap_addr(pdev->pci, &caps.cap[VIRTIO_PCI_CAP_DEVICE_CFG], 1);
		if (pdev->device_cfg != NULL)
			pdev->device_cfg_len = caps.cap[VIRTIO_PCI_CAP_DEVICE_CFG].length;
	}
	dev->ops = &virtio_pci_modern_ops;
	dev->transport = pdev;
	return 0;
}
