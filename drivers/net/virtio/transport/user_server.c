/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * virtio-user server mode (server=1): the EAL interrupt thread watches our
 * listening socket and the backend connection from probe to close, so that
 * a backend can go away and come back without the application doing
 * anything. A lost connection is one log line, link down and one LSC event;
 * a new one is taken, the rings are handed over from where the old backend
 * left them (user/virtio_user_dev.c), link up and one LSC event.
 */

#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_interrupts.h>

#include "../ethdev.h"
#include "../intr.h"
#include "../user/virtio_user_dev.h"
#include "../virtio_log.h"
#include "user_server.h"

static struct virtio_user_dev *
user_dev_of(struct rte_eth_dev *eth_dev)
{
	return virtnet_port_of(eth_dev)->dev.transport;
}

static void
report_loss(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *udev = user_dev_of(eth_dev);

	if (!virtio_user_dev_backend_lost(udev))
		return; /* it never got the device: nothing changed for the application */
	VIRTIO_LOG(WARNING, "%s: the vhost-user backend closed the connection: link down; "
		   "waiting for it to connect again to '%s'", eth_dev->data->name,
		   udev->args.path);
	virtnet_link_changed(eth_dev);
}

/* The connection turned readable: the backend sends nothing unasked, so it ended. */
static void
conn_event(void *arg)
{
	struct rte_eth_dev *eth_dev = arg;
	struct virtio_user_dev *udev = user_dev_of(eth_dev);

	if (!udev->ops->connection_lost(udev))
		return;
	/* A closed socket stays readable and would fire forever. */
	rte_intr_callback_unregister_pending(udev->srv_conn, conn_event, arg, NULL);
	udev->srv_conn_watched = false;
	report_loss(eth_dev);
}

static void
watch_conn(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *udev = user_dev_of(eth_dev);
	int fd = udev->ops->conn_fd(udev);
	int ret;

	if (fd < 0 || udev->srv_conn_watched)
		return;
	ret = rte_intr_fd_set(udev->srv_conn, fd);
	if (ret == 0)
		ret = rte_intr_callback_register(udev->srv_conn, conn_event, eth_dev);
	if (ret != 0) {
		/* The link is then only seen going down at the next connection. */
		VIRTIO_LOG(ERR, "%s: cannot watch the vhost-user connection: %s",
			   eth_dev->data->name, rte_strerror(-ret));
		return;
	}
	udev->srv_conn_watched = true;
}

/* A backend connects to our listening socket. */
static void
listen_event(void *arg)
{
	struct rte_eth_dev *eth_dev = arg;
	struct virtio_user_dev *udev = user_dev_of(eth_dev);
	bool link_changed;
	int ret;

	/*
	 * The old connection's end may still wait in the event queue behind
	 * this one: report it first, so that every loss is one link-down event.
	 */
	if (udev->srv_conn_watched && udev->ops->connection_lost(udev)) {
		rte_intr_callback_unregister(udev->srv_conn, conn_event, eth_dev);
		udev->srv_conn_watched = false;
		report_loss(eth_dev);
	}
	ret = virtio_user_dev_backend_connected(udev, &link_changed);
	if (ret == -EBUSY || ret == -EAGAIN || ret == -EWOULDBLOCK)
		return;
	/* Watched even when it failed: its end makes room for the next one. */
	watch_conn(eth_dev);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: the vhost-user backend that connected to '%s' cannot serve "
			   "the port (%s): link stays down until another one connects",
			   eth_dev->data->name, udev->args.path, strerror(-ret));
		return;
	}
	if (link_changed) {
		VIRTIO_LOG(NOTICE, "%s: vhost-user backend connected to '%s': link up",
			   eth_dev->data->name, udev->args.path);
		virtnet_link_changed(eth_dev);
	}
}

int
virtio_user_server_init(struct rte_eth_dev *eth_dev)
{
	struct virtio_user_dev *udev = user_dev_of(eth_dev);
	int ret;

	if (!udev->args.server || udev->ops->listen_fd == NULL)
		return 0;
	udev->srv_listen = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	udev->srv_conn = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	if (udev->srv_listen == NULL || udev->srv_conn == NULL ||
	    rte_intr_type_set(udev->srv_listen, RTE_INTR_HANDLE_EXT) != 0 ||
	    rte_intr_type_set(udev->srv_conn, RTE_INTR_HANDLE_EXT) != 0 ||
	    rte_intr_fd_set(udev->srv_listen, udev->ops->listen_fd(udev)) != 0) {
		virtio_user_server_fini(udev);
		return -ENOMEM;
	}
	ret = rte_intr_callback_register(udev->srv_listen, listen_event, eth_dev);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: server=1: cannot watch the listening socket '%s': %s",
			   eth_dev->data->name, udev->args.path, rte_strerror(-ret));
		virtio_user_server_fini(udev);
		return ret;
	}
	udev->srv_listen_watched = true;
	watch_conn(eth_dev);
	return 0;
}

void
virtio_user_server_fini(struct virtio_user_dev *udev)
{
	/* _sync: a reconnect running in the interrupt thread finishes first. */
	if (udev->srv_listen_watched)
		rte_intr_callback_unregister_sync(udev->srv_listen, listen_event,
						  (void *)-1);
	if (udev->srv_conn_watched)
		rte_intr_callback_unregister_sync(udev->srv_conn, conn_event, (void *)-1);
	udev->srv_listen_watched = false;
	udev->srv_conn_watched = false;
	rte_intr_instance_free(udev->srv_listen);
	rte_intr_instance_free(udev->srv_conn);
	udev->srv_listen = NULL;
	udev->srv_conn = NULL;
}
