/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Walking the PCI capability list of a virtio device (config space). */

#include <rte_bus_pci.h>
#include <rte_malloc.h>

#include "virtio_pci.h"

#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_MSIX		0x11
#define PCI_MSIX_FLAGS		2
#define PCI_MSIX_FLAGS_ENABLE	0x8000
#define PCI_MSIX_FLAGS_QSIZE	0x07ff
/* Standard config space holds at most (256 - 64) / 4 capabilities. */
#define PCI_MAX_CAPS		48

int
virtio_pci_for_each_cap(const struct rte_pci_device *pci,
			int (*fn)(const struct rte_pci_device *pci, uint8_t pos, uint8_t id,
				  void *arg),
			void *arg)
{
	uint16_t status;
	uint8_t pos, hdr[2];
	unsigned int n;
	int ret;

	if (rte_pci_read_config(pci, &status, sizeof(status), PCI_STATUS) != sizeof(status) ||
	    !(status & PCI_STATUS_CAP_LIST))
		return 0;
	if (rte_pci_read_config(pci, &pos, sizeof(pos), PCI_CAPABILITY_LIST) != sizeof(pos))
		return 0;
	for (n = 0; n < PCI_MAX_CAPS && pos >= 0x40; n++) {
		pos &= ~3;
		if (rte_pci_read_config(pci, hdr, sizeof(hdr), pos) != sizeof(hdr))
			return 0;
		ret = fn(pci, pos, hdr[0], arg);
		if (ret != 0)
			return ret;
		pos = hdr[1];
	}
	return 0;
}

static int
match_msix(const struct rte_pci_device *pci, uint8_t pos, uint8_t id, void *arg)
{
	RTE_SET_USED(pci);
	RTE_SET_USED(arg);
	return id == PCI_CAP_ID_MSIX ? pos : 0;
}

uint8_t
virtio_pci_find_msix(const struct rte_pci_device *pci)
{
	return (uint8_t)virtio_pci_for_each_cap(pci, match_msix, NULL);
}

static bool
read_msix_flags(const struct virtio_pci_dev *pdev, uint16_t *flags)
{
	return pdev->msix_cap != 0 &&
	       rte_pci_read_config(pdev->pci, flags, sizeof(*flags),
				   pdev->msix_cap + PCI_MSIX_FLAGS) == sizeof(*flags);
}

bool
virtio_pci_msix_enabled(const struct virtio_pci_dev *pdev)
{
	uint16_t flags;

	return read_msix_flags(pdev, &flags) && (flags & PCI_MSIX_FLAGS_ENABLE) != 0;
}

unsigned int
virtio_pci_msix_vectors(const struct virtio_pci_dev *pdev)
{
	uint16_t flags;

	/* The table size field holds N - 1. */
	return read_msix_flags(pdev, &flags) ? (flags & PCI_MSIX_FLAGS_QSIZE) + 1u : 0;
}

void
virtio_pci_dev_free(struct virtio_dev *dev)
{
	struct virtio_pci_dev *pdev = dev->transport;

	if (pdev == NULL)
		return;
	if (pdev->io_mapped)
		rte_pci_ioport_unmap(&pdev->io);
	rte_free(pdev);
	dev->transport = NULL;
}
