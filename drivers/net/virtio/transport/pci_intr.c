/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Interrupts of a virtio PCI port through vfio-pci MSI-X (spec 4.1.4.3,
 * 4.1.5.1.2). MSI-X vector 0 carries configuration changes (the link) and
 * is the handle's own fd; vector 1 + q is Rx queue q, whose eventfd EAL
 * creates. Transmit queues get no vector: completions are polled.
 * uio_pci_generic offers only the shared INTx line, so neither is available.
 */

#include <errno.h>

#include <bus_pci_driver.h>
#include <ethdev_driver.h>
#include <rte_interrupts.h>

#include "../ethdev.h"
#include "../intr.h"
#include "../rxtx/rxtx.h"
#include "../virtio_log.h"
#include "virtio_pci.h"

#define CONFIG_VECTOR 0

static struct virtio_pci_dev *
pci_dev_of(struct rte_eth_dev *eth_dev)
{
	return virtnet_port_of(eth_dev)->dev.transport;
}

static const char *
binding_name(const struct rte_pci_device *pci)
{
	switch (pci->kdrv) {
	case RTE_PCI_KDRV_VFIO: return "vfio-pci";
	case RTE_PCI_KDRV_UIO_GENERIC: return "uio_pci_generic";
	case RTE_PCI_KDRV_IGB_UIO: return "igb_uio";
	default: return "an unknown driver";
	}
}

static bool
has_msix(struct virtio_pci_dev *pdev)
{
	return pdev->msix_cap != 0 &&
	       rte_intr_type_get(pdev->pci->intr_handle) == RTE_INTR_HANDLE_VFIO_MSIX;
}

void
virtio_pci_intr_init(struct rte_eth_dev *eth_dev, struct virtio_pci_dev *pdev)
{
	if (has_msix(pdev))
		eth_dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
}

static int
pci_intr_check(struct rte_eth_dev *eth_dev)
{
	struct virtio_pci_dev *pdev = pci_dev_of(eth_dev);
	unsigned int needed = 1 + eth_dev->data->nb_rx_queues;
	unsigned int have = virtio_pci_msix_vectors(pdev);

	if (!has_msix(pdev)) {
		VIRTIO_LOG(ERR, "%s: interrupts (intr_conf.rxq/lsc) need MSI-X through vfio-pci; "
			   "the device is bound to %s%s", eth_dev->data->name,
			   binding_name(pdev->pci), pdev->msix_cap == 0 ?
			   " and has no MSI-X capability" : "");
		return -ENOTSUP;
	}
	if (eth_dev->data->dev_conf.intr_conf.rxq && have < needed) {
		VIRTIO_LOG(ERR, "%s: Rx interrupts for %u queues need %u MSI-X vectors; the device "
			   "has %u (QEMU: vectors=%u or more)", eth_dev->data->name,
			   eth_dev->data->nb_rx_queues, needed, have, needed);
		return -ENOTSUP;
	}
	return 0;
}

/* Runs in the EAL interrupt thread; EAL has already drained the vector's eventfd. */
static void
config_changed(void *arg)
{
	virtnet_link_changed(arg);
}

static void
set_rx_vectors(struct rte_eth_dev *eth_dev, bool on)
{
	uint16_t q;

	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

		rxq->vq.msix_vector = on ? (uint16_t)(RTE_INTR_VEC_RXTX_OFFSET + q) :
					   VIRTIO_MSI_NO_VECTOR;
	}
}

static void
pci_intr_stop(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct rte_intr_handle *handle = pci_dev_of(eth_dev)->pci->intr_handle;

	/* Also undoes a partial start: each step is harmless when not done. */
	rte_intr_disable(handle);
	if (eth_dev->data->dev_conf.intr_conf.lsc)
		rte_intr_callback_unregister_sync(handle, config_changed, eth_dev);
	port->dev.config_vector = VIRTIO_MSI_NO_VECTOR;
	set_rx_vectors(eth_dev, false);
	rte_intr_efd_disable(handle);
	rte_intr_vec_list_free(handle);
}

static int
pci_intr_start(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct rte_intr_handle *handle = pci_dev_of(eth_dev)->pci->intr_handle;
	const struct rte_eth_intr_conf *conf = &eth_dev->data->dev_conf.intr_conf;
	uint16_t nb_rxq = eth_dev->data->nb_rx_queues;
	int ret = 0;

	if (conf->rxq) {
		ret = rte_intr_efd_enable(handle, nb_rxq);
		if (ret == 0)
			ret = virtnet_intr_map_rx_queues(handle, nb_rxq);
		if (ret != 0) {
			VIRTIO_LOG(ERR, "%s: cannot create event fds for %u Rx queues",
				   eth_dev->data->name, nb_rxq);
			goto fail;
		}
		set_rx_vectors(eth_dev, true);
	}
	if (conf->lsc) {
		ret = rte_intr_callback_register(handle, config_changed, eth_dev);
		if (ret != 0) {
			VIRTIO_LOG(ERR, "%s: cannot register the link change handler: %s",
				   eth_dev->data->name, rte_strerror(-ret));
			goto fail;
		}
		port->dev.config_vector = CONFIG_VECTOR;
	}
	/* vfio-pci enables MSI-X with vector 0 plus one per event fd. */
	ret = rte_intr_enable(handle);
	if (ret == 0)
		return 0;
	VIRTIO_LOG(ERR, "%s: vfio-pci could not enable MSI-X", eth_dev->data->name);
fail:
	pci_intr_stop(eth_dev);
	return ret < 0 ? ret : -EIO;
}

const struct virtnet_intr_ops virtio_pci_intr_ops = {
	.check = pci_intr_check,
	.start = pci_intr_start,
	.stop = pci_intr_stop,
};
