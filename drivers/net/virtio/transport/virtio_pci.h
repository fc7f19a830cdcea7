/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The virtio PCI transport (spec 4.1): a modern device is reached through
 * the register blocks its vendor capabilities point at in the memory BARs,
 * a legacy one through the I/O BAR. Both implement the same device-core ops.
 */

#ifndef VIRTIO_PCI_H
#define VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include <bus_pci_driver.h>

#include "../virtio_dev.h"

struct rte_eth_dev;
struct virtnet_intr_ops;

struct virtio_pci_dev {
	struct rte_pci_device *pci;
	uint8_t msix_cap; /* config-space offset of the MSI-X capability, 0: none */

	/* Modern: mapped register blocks. */
	uint8_t *common;
	uint8_t *notify_base;
	uint32_t notify_len;
	uint32_t notify_mult;
	uint8_t *isr;
	uint8_t *device_cfg;
	uint32_t device_cfg_len;

	/* Legacy: the I/O BAR. */
	struct rte_pci_ioport io;
	bool io_mapped;
};

/*
 * Finds the modern register blocks and, on success, installs the modern ops
 * on dev. -ENODEV when the device has no (usable) modern interface.
 */
int virtio_pci_modern_attach(struct virtio_pci_dev *pdev, struct virtio_dev *dev);

/* Maps the legacy I/O BAR and installs the legacy ops on dev. */
int virtio_pci_legacy_attach(struct virtio_pci_dev *pdev, struct virtio_dev *dev);

/*
 * Calls fn for each capability of the standard list until it returns
 * nonzero, and returns that value (0 when the list ended). The list comes
 * from the device: it is bounded, a loop or a bad pointer ends the walk.
 */
int virtio_pci_for_each_cap(const struct rte_pci_device *pci,
			    int (*fn)(const struct rte_pci_device *pci, uint8_t pos, uint8_t id,
				      void *arg),
			    void *arg);

/* Offset of the MSI-X capability, 0 when the device has none. */
uint8_t virtio_pci_find_msix(const struct rte_pci_device *pci);

/* Whether MSI-X is enabled right now (the legacy config layout depends on it). */
bool virtio_pci_msix_enabled(const struct virtio_pci_dev *pdev);

/* Entries of the MSI-X table, 0 without MSI-X. */
unsigned int virtio_pci_msix_vectors(const struct virtio_pci_dev *pdev);

/*
 * Interrupts through vfio-pci MSI-X (pci_intr.c): vector 0 for configuration
 * changes, vector 1 + q for Rx queue q.
 */
extern const struct virtnet_intr_ops virtio_pci_intr_ops;

/* At probe: whether the binding delivers MSI-X; sets RTE_ETH_DEV_INTR_LSC if so. */
void virtio_pci_intr_init(struct rte_eth_dev *eth_dev, struct virtio_pci_dev *pdev);

/* Frees the transport state (the bus unmaps the BARs on remove). */
void virtio_pci_dev_free(struct virtio_dev *dev);

#endif /* VIRTIO_PCI_H */
