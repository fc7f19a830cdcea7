/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Interrupts of a virtio-user port. Rx queue interrupts are the eventfds
 * the vhost backend signals (the rings' call fds), handed to the application
 * through the port's interrupt handle. Link state changes come from the
 * backend connection: a vhost-user socket closing means link down.
 */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_interrupts.h>

#include "../ethdev.h"
#include "../intr.h"
#include "../user/virtio_user_dev.h"
#include "../virtio_log.h"
#include "user_intr.h"

static struct virtio_user_dev *
user_dev_of(struct rte_eth_dev *eth_dev)
{
	return virtnet_port_of(eth_dev)->dev.transport;
}

int
virtio_user_intr_init(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *udev = user_dev_of(eth_dev);

	udev->rx_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	udev->conn_watch = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (udev->rx_intr == NULL || udev->conn_watch == NULL ||
	    rte_intr_type_set(udev->rx_intr, RTE_INTR_HANDLE_VDEV) != 0 ||
	    /* EAL drains a signalled eventfd with one 8-byte read before waking the lcore. */
	    rte_intr_efd_counter_size_set(udev->rx_intr, sizeof(uint64_t)) != 0 ||
	    rte_intr_type_set(udev->conn_watch, RTE_INTR_HANDLE_EXT) != 0) {
		virtio_user_intr_fini(udev);
		return -ENOMEM;
	}
	eth_dev->intr_handle = udev->rx_intr;
	/* Only a backend behind a connection can vanish: that is a link change. */
	if (udev->ops->conn_fd != NULL)
		eth_dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	return 0;
}

void
virtio_user_intr_fini(struct virtio_user_dev *udev)
{
	rte_intr_instance_free(udev->rx_intr);
	rte_intr_instance_free(udev->conn_watch);
	udev->rx_intr = NULL;
	udev->conn_watch = NULL;
}

static int
map_rx_queues(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *udev = user_dev_of(eth_dev);
	uint16_t nb_rxq = eth_dev->data->nb_rx_queues;
	uint16_t q;

	for (q = 0; q < nb_rxq; q++) {
		/* Rx queue q is virtqueue 2q. */
		int fd = virtio_user_dev_callfd(udev, 2 * q);

		if (fd < 0) {
			VIRTIO_LOG(ERR, "%s: Rx queue %u: cannot create its interrupt eventfd: %s",
				   eth_dev->data->name, q, strerror(errno));
			return -errno;
		}
		if (rte_intr_efds_index_set(udev->rx_intr, q, fd) != 0)
			return -EINVAL;
	}
	if (rte_intr_nb_efd_set(udev->rx_intr, nb_rxq) != 0 ||
	    rte_intr_max_intr_set(udev->rx_intr, nb_rxq + 1) != 0)
		return -EINVAL;
	return virtnet_intr_map_rx_queues(udev->rx_intr, nb_rxq);
}

/* Runs in the EAL interrupt thread whenever the backend socket turns readable. */
static void
backend_watch(void *arg)
{
	struct rte_eth_dev *eth_dev = arg;
	struct virtio_user_dev *udev = user_dev_of(eth_dev);

	if (!udev->ops->connection_lost(udev))
		return;
	/* Unregister now: a closed socket stays readable and would fire forever. */
	rte_intr_callback_unregister_pending(udev->conn_watch, backend_watch, arg, NULL);
	udev->conn_watched = false;
	VIRTIO_LOG(WARNING, "%s: the vhost-user backend closed the connection: link down",
		   eth_dev->data->name);
	virtnet_link_changed(eth_dev);
}

static int
watch_backend(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *udev = user_dev_of(eth_dev);
	int ret;

	/* Server mode watches its connections from probe on (user_server.c). */
	if (udev->ops->conn_fd == NULL || udev->args.server)
		return 0;
	ret = rte_intr_fd_set(udev->conn_watch, udev->ops->conn_fd(udev));
	if (ret == 0)
		ret = rte_intr_callback_register(udev->conn_watch, backend_watch, eth_dev);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: cannot watch the backend connection for link changes: %s",
			   eth_dev->data->name, rte_strerror(-ret));
		return ret;
	}
	udev->conn_watched = true;
	return 0;
}

static int
user_intr_start(struct rte_eth_dev *eth_dev)
{
	const struct rte_eth_intr_conf *conf = &eth_dev->data->dev_conf.intr_conf;
	int ret = 0;

	if (conf->rxq)
		ret = map_rx_queues(eth_dev);
	if (ret == 0 && conf->lsc)
		ret = watch_backend(eth_dev);
	return ret;
}

static void
user_intr_stop(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *udev = user_dev_of(eth_dev);

	if (udev->conn_watched) {
		rte_intr_callback_unregister_sync(udev->conn_watch, backend_watch, eth_dev);
		udev->conn_watched = false;
	}
	rte_intr_vec_list_free(udev->rx_intr);
	rte_intr_nb_efd_set(udev->rx_intr, 0);
}

const struct virtnet_intr_ops virtio_user_intr_ops = {
	.start = user_intr_start,
	.stop = user_intr_stop,
};
