/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The PCI driver net_virtio: virtio-net devices a VM sees (1af4:1041 modern,
 * 1af4:1000 transitional or legacy), bound to vfio-pci, uio_pci_generic or
 * igb_uio. A device with modern capabilities is driven through them; a
 * transitional device without usable ones falls back to the legacy interface.
 */

#include <errno.h>

#include <bus_pci_driver.h>
#include <ethdev_driver.h>
#include <ethdev_pci.h>
#include <rte_malloc.h>

#include "../devargs.h"
#include "../ethdev.h"
#include "../virtio_log.h"
#include "virtio_pci.h"

static int
attach_transport(struct virtio_pci_dev *pdev, struct virtio_dev *dev)
{
	int ret = virtio_pci_modern_attach(pdev, dev);

	if (ret != -ENODEV)
		return ret;
	if (pdev->pci->id.device_id != VIRTIO_PCI_DEVICE_ID_NET_TRANSITIONAL) {
		VIRTIO_LOG(ERR, "%s: modern device without usable virtio capabilities",
			   dev->name);
		return -ENODEV;
	}
	VIRTIO_LOG(INFO, "%s: no modern interface, using the legacy one", dev->name);
	return virtio_pci_legacy_attach(pdev, dev);
}

/*
 * A secondary process: the PCI bus has mapped the BARs at the primary's
 * addresses, so the modern notify addresses in the shared queues are valid
 * here. A legacy device is reached through I/O ports whose handle names the
 * primary's PCI device object: not usable from another process.
 */
static int
virtio_pci_probe_secondary(struct rte_pci_device *pci, const char *name)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_pci_allocate(pci, 0);
	struct virtnet_port *port;

	if (eth_dev == NULL) {
		VIRTIO_LOG(ERR, "%s: no such port in the primary process; the primary must "
			   "probe the device before a secondary starts", name);
		return -ENODEV;
	}
	port = virtnet_port_of(eth_dev);
	/* Only a modern interface offers VERSION_1 (legacy feature words are 32 bits). */
	if (!(port->dev.device_features & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		VIRTIO_LOG(ERR, "%s: secondary processes need a modern device; this one is "
			   "driven through the legacy I/O port interface", name);
		rte_eth_dev_release_port(eth_dev);
		return -ENOTSUP;
	}
	virtnet_port_attach_secondary(eth_dev, NULL);
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

static int
virtio_pci_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	const char *name = pci->device.name;
	const char *devargs = pci->device.devargs != NULL ? pci->device.devargs->args : NULL;
	struct virtio_devargs args;
	struct virtio_pci_dev *pdev;
	struct rte_eth_dev *eth_dev;
	struct virtnet_port *port;
	char err[512];
	int ret;

	RTE_SET_USED(drv);
	ret = virtio_devargs_parse(name, devargs, VIRTIO_DEVARG_PCI, &args, err, sizeof(err));
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s", err);
		return ret;
	}
	if (args.vdpa) {
		/* Positive: not ours, the bus offers the device to the next driver. */
		VIRTIO_LOG(INFO, "%s: vdpa=1, leaving the device to a vDPA driver", name);
		return 1;
	}
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return virtio_pci_probe_secondary(pci, name);
	/* One queue pair until the control queue can enable more. */
	args.queues = 1;
	pdev = rte_zmalloc("virtio_pci_dev", sizeof(*pdev), 0);
	eth_dev = rte_eth_dev_pci_allocate(pci, sizeof(*port));
	if (pdev == NULL || eth_dev == NULL) {
		VIRTIO_LOG(ERR, "%s: out of memory for the port", name);
		rte_free(pdev);
		if (eth_dev != NULL)
			rte_eth_dev_release_port(eth_dev);
		return -ENOMEM;
	}
	port = virtnet_port_of(eth_dev);
	port->args = args;
	port->dev.name = eth_dev->data->name;
	port->dev.use_va = false; /* the device reads bus addresses (IOVA) */
	/* Under an IOMMU the device must be told its addresses go through it. */
	port->dev.transport_features = VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
	pdev->pci = pci;
	pdev->msix_cap = virtio_pci_find_msix(pci);
	ret = attach_transport(pdev, &port->dev);
	if (ret == 0) {
		port->intr_ops = &virtio_pci_intr_ops;
		virtio_pci_intr_init(eth_dev, pdev);
		ret = virtnet_port_init(eth_dev);
	}
	if (ret != 0) {
		if (port->dev.transport != NULL)
			port->dev.ops->close(&port->dev);
		else
			rte_free(pdev);
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	VIRTIO_LOG(INFO, "%s: %s device, port %u", name, port->dev.ops->name,
		   eth_dev->data->port_id);
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

static int
virtio_pci_remove(struct rte_pci_device *pci)
{
	return virtnet_port_remove(rte_eth_dev_allocated(pci->device.name));
}

static const struct rte_pci_id virtio_pci_ids[] = {
	{ RTE_PCI_DEVICE(VIRTIO_PCI_VENDOR_ID, VIRTIO_PCI_DEVICE_ID_NET_TRANSITIONAL) },
	{ RTE_PCI_DEVICE(VIRTIO_PCI_VENDOR_ID, VIRTIO_PCI_DEVICE_ID_NET_MODERN) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver virtio_pci_driver = {
	.id_table = virtio_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = virtio_pci_probe,
	.remove = virtio_pci_remove,
};

RTE_PMD_REGISTER_PCI(net_virtio, virtio_pci_driver);
RTE_PMD_REGISTER_PCI_TABLE(net_virtio, virtio_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_virtio, "* vfio-pci | uio_pci_generic | igb_uio");
RTE_PMD_REGISTER_PARAM_STRING(net_virtio, "vdpa=<0|1> speed=<int> vectorized=<0|1>");
