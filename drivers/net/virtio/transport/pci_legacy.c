/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Legacy virtio PCI devices (spec 4.1.4.8): registers in I/O BAR 0, reached
 * through the PCI bus driver's ioport accessors (port I/O with
 * uio_pci_generic/igb_uio, region reads and writes with vfio-pci).
 */

#include <errno.h>
#include <string.h>

#include <rte_bus_pci.h>
#include <rte_common.h>
#include <rte_eal.h>

#include "../virtio_log.h"
#include "virtio_pci.h"

static struct virtio_pci_dev *
pci_dev(struct virtio_dev *dev)
{
	return dev->transport;
}

static uint32_t
io_read(struct virtio_dev *dev, unsigned int off, size_t len)
{
	uint32_t v = 0;

	rte_pci_ioport_read(&pci_dev(dev)->io, &v, len, off);
	return v;
}

static void
io_write(struct virtio_dev *dev, unsigned int off, uint32_t v, size_t len)
{
	rte_pci_ioport_write(&pci_dev(dev)->io, &v, len, off);
}

static uint64_t
legacy_get_features(struct virtio_dev *dev)
{
	return io_read(dev, VIRTIO_PCI_LEGACY_HOST_FEATURES, 4);
}

static int
legacy_set_features(struct virtio_dev *dev, uint64_t features)
{
	if (features >> 32) {
		VIRTIO_LOG(ERR, "%s: legacy device cannot take features 0x%" PRIx64
			   " (only the low 32 bits exist)", dev->name, features);
		return -EINVAL;
	}
	io_write(dev, VIRTIO_PCI_LEGACY_GUEST_FEATURES, (uint32_t)features, 4);
	return 0;
}

static uint8_t
legacy_get_status(struct virtio_dev *dev)
{
	return (uint8_t)io_read(dev, VIRTIO_PCI_LEGACY_STATUS, 1);
}

static int
legacy_set_status(struct virtio_dev *dev, uint8_t status)
{
	io_write(dev, VIRTIO_PCI_LEGACY_STATUS, status, 1);
	return 0;
}

static void
legacy_reset(struct virtio_dev *dev)
{
	legacy_set_status(dev, VIRTIO_STATUS_RESET);
	/* Reading back flushes the write: the device has reset when it returns. */
	legacy_get_status(dev);
}

static void
legacy_read_config(struct virtio_dev *dev, size_t offset, void *dst, size_t len)
{
	unsigned int base = VIRTIO_PCI_LEGACY_CONFIG(virtio_pci_msix_enabled(pci_dev(dev)));

	rte_pci_ioport_read(&pci_dev(dev)->io, dst, len, base + offset);
}

static uint16_t
legacy_queue_max_size(struct virtio_dev *dev, uint16_t index)
{
	io_write(dev, VIRTIO_PCI_LEGACY_QUEUE_SEL, index, 2);
	return (uint16_t)io_read(dev, VIRTIO_PCI_LEGACY_QUEUE_NUM, 2);
}

static void
legacy_notify(struct virtqueue *vq)
{
	uint16_t index = vq->index;

	rte_pci_ioport_write(vq->notify_cookie, &index, sizeof(index),
			     VIRTIO_PCI_LEGACY_QUEUE_NOTIFY);
}

RTE_INIT(legacy_notify_register)
{
	vq_notify_register(VQ_NOTIFY_PCI_LEGACY, legacy_notify);
}

static int
legacy_setup_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	uint16_t size = legacy_queue_max_size(dev, vq->index); /* also selects the queue */
	uint64_t pfn = vq->desc_dev_addr >> VIRTIO_PCI_LEGACY_QUEUE_ADDR_SHIFT;

	/* A legacy ring has the device's size and starts on a page (4.1.4.8). */
	if (size == 0 || vq->size != size) {
		VIRTIO_LOG(ERR, "%s: queue %u: legacy device needs exactly %u descriptors, ring "
			   "has %u", dev->name, vq->index, size, vq->size);
		return -EINVAL;
	}
	if ((vq->desc_dev_addr & ((1u << VIRTIO_PCI_LEGACY_QUEUE_ADDR_SHIFT) - 1)) != 0 ||
	    pfn > UINT32_MAX) {
		VIRTIO_LOG(ERR, "%s: queue %u: ring address 0x%" PRIx64 " is not a page below "
			   "16 TiB, as a legacy device needs", dev->name, vq->index,
			   vq->desc_dev_addr);
		return -EINVAL;
	}
	/* The vector registers exist only while MSI-X is enabled (4.1.4.8). */
	if (virtio_pci_msix_enabled(pci_dev(dev))) {
		io_write(dev, VIRTIO_PCI_LEGACY_MSIX_QUEUE, vq->msix_vector, 2);
		if (io_read(dev, VIRTIO_PCI_LEGACY_MSIX_QUEUE, 2) != vq->msix_vector) {
			VIRTIO_LOG(ERR, "%s: queue %u: device refused MSI-X vector %u", dev->name,
				   vq->index, vq->msix_vector);
			return -EIO;
		}
	}
	io_write(dev, VIRTIO_PCI_LEGACY_QUEUE_PFN, (uint32_t)pfn, 4);
	vq->notify_kind = VQ_NOTIFY_PCI_LEGACY;
	vq->notify_cookie = &pci_dev(dev)->io;
	return 0;
}

static int
legacy_set_config_vector(struct virtio_dev *dev, uint16_t vector)
{
	if (!virtio_pci_msix_enabled(pci_dev(dev)))
		return vector == VIRTIO_MSI_NO_VECTOR ? 0 : -ENOTSUP;
	io_write(dev, VIRTIO_PCI_LEGACY_MSIX_CONFIG, vector, 2);
	if (io_read(dev, VIRTIO_PCI_LEGACY_MSIX_CONFIG, 2) != vector) {
		VIRTIO_LOG(ERR, "%s: device refused MSI-X vector %u for configuration changes",
			   dev->name, vector);
		return -EIO;
	}
	return 0;
}

static void
legacy_release_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	io_write(dev, VIRTIO_PCI_LEGACY_QUEUE_SEL, vq->index, 2);
	io_write(dev, VIRTIO_PCI_LEGACY_QUEUE_PFN, 0, 4);
	vq->notify_kind = VQ_NOTIFY_DIRECT;
	vq->notify_cookie = NULL;
}

static void
legacy_close(struct virtio_dev *dev)
{
	legacy_reset(dev);
	virtio_pci_dev_free(dev);
}

static const struct virtio_transport_ops virtio_pci_legacy_ops = {
	.name = "virtio-pci-legacy",
	.get_features = legacy_get_features,
	.set_features = legacy_set_features,
	.get_status = legacy_get_status,
	.set_status = legacy_set_status,
	.read_config = legacy_read_config,
	.queue_max_size = legacy_queue_max_size,
	.setup_queue = legacy_setup_queue,
	.release_queue = legacy_release_queue,
	.reset = legacy_reset,
	.close = legacy_close,
	.set_config_vector = legacy_set_config_vector,
};

/*
 * With uio_pci_generic/igb_uio the I/O BAR is reached by in/out instructions,
 * which need I/O privilege in the thread that runs them (any lcore, for the
 * doorbell). Threads inherit it only from the thread that held it when they
 * were created, so ask when the driver is loaded, before the EAL starts the
 * lcores. Failing (not root, not x86) only matters for such a device.
 */
RTE_INIT(virtio_pci_legacy_io_privilege)
{
	rte_eal_iopl_init();
}

int
virtio_pci_legacy_attach(struct virtio_pci_dev *pdev, struct virtio_dev *dev)
{
	int ret = rte_pci_ioport_map(pdev->pci, 0, &pdev->io);

	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: cannot map the legacy I/O BAR 0 (%d); bind the device to "
			   "vfio-pci, uio_pci_generic or igb_uio", dev->name, ret);
		return -EIO;
	}
	pdev->io_mapped = true;
	dev->ops = &virtio_pci_legacy_ops;
	dev->transport = pdev;
	dev->ring_size_fixed = true;
	/* The driver puts header and frame in one descriptor: legal only with ANY_LAYOUT. */
	dev->transport_features |= VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT);
	return 0;
}
