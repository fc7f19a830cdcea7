/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The virtio-user transport: the vdev driver net_virtio_user (alias
 * virtio_user) and the transport ops that map the device core's requests
 * onto the emulated device in user/.
 */

#include <errno.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_malloc.h>

#include "../devargs.h"
#include "../ethdev.h"
#include "../user/virtio_user_dev.h"
#include "../virtio_log.h"
#include "user_intr.h"
#include "user_server.h"
#include "user_mp.h"

static struct virtio_user_dev *
user_dev(struct virtio_dev *dev)
{
	return dev->transport;
}

static uint64_t
user_get_features(struct virtio_dev *dev)
{
	return user_dev(dev)->device_features;
}

static int
user_set_features(struct virtio_dev *dev, uint64_t features)
{
	user_dev(dev)->features = features;
	return 0;
}

static uint8_t
user_get_status(struct virtio_dev *dev)
{
	return user_dev(dev)->status;
}

static int
user_set_status(struct virtio_dev *dev, uint8_t status)
{
	return virtio_user_dev_set_status(user_dev(dev), status);
}

static void
user_read_config(struct virtio_dev *dev, size_t offset, void *dst, size_t len)
{
	struct virtio_user_dev *udev = user_dev(dev);
	struct virtio_net_config *cfg = &udev->config;

	/* Link up while a backend serves the device (client mode: until it goes away). */
	if (virtio_user_dev_link_up(udev))
		cfg->status |= VIRTIO_NET_S_LINK_UP;
	else
		cfg->status &= ~VIRTIO_NET_S_LINK_UP;
	if (offset + len <= sizeof(*cfg))
		memcpy(dst, (const uint8_t *)cfg + offset, len);
	else
		memset(dst, 0, len);
}

static uint16_t
user_queue_max_size(struct virtio_dev *dev, uint16_t index)
{
	RTE_SET_USED(index);
	return (uint16_t)RTE_MIN(user_dev(dev)->args.queue_size, (uint32_t)UINT16_MAX);
}

static int
user_setup_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	return virtio_user_dev_add_queue(user_dev(dev), vq);
}

static void
user_release_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	virtio_user_dev_remove_queue(user_dev(dev), vq);
}

static void
user_reset(struct virtio_dev *dev)
{
	virtio_user_dev_set_status(user_dev(dev), VIRTIO_STATUS_RESET);
}

static int
user_ctrl_command(struct virtio_dev *dev, const uint8_t *cmd, size_t len)
{
	return virtio_user_dev_ctrl(user_dev(dev), cmd, len);
}

static void
user_close(struct virtio_dev *dev)
{
	struct virtio_user_dev *udev = user_dev(dev);

	if (udev == NULL)
		return;
	/* No reconnect may run while the backend is taken apart. */
	virtio_user_server_fini(udev);
	virtio_user_dev_uninit(udev);
	virtio_user_intr_fini(udev);
	rte_free(udev);
	dev->transport = NULL;
}

static const struct virtio_transport_ops virtio_user_transport_ops = {
	.name = "virtio-user",
	.get_features = user_get_features,
	.set_features = user_set_features,
	.get_status = user_get_status,
	.set_status = user_set_status,
	.read_config = user_read_config,
	.queue_max_size = user_queue_max_size,
	.setup_queue = user_setup_queue,
	.release_queue = user_release_queue,
	.reset = user_reset,
	.close = user_close,
	.ctrl_command = user_ctrl_command,
};

/*
 * A secondary process: the port, its queues and the virtio-user device are in
 * shared memory already; this process needs its own ethdev entry, ops,
 * burst functions and doorbells.
 */
static int
virtio_user_probe_secondary(struct rte_vdev_device *vdev, const char *name)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_attach_secondary(name);
	int ret;

	if (eth_dev == NULL) {
		VIRTIO_LOG(ERR, "%s: no such port in the primary process; the primary must "
			   "create it before a secondary starts", name);
		return -ENODEV;
	}
	eth_dev->device = &vdev->device;
	ret = virtio_user_mp_secondary_attach(eth_dev);
	if (ret == 0)
		ret = virtnet_port_attach_secondary(eth_dev, virtio_user_mp_secondary_detach);
	if (ret != 0) {
		virtio_user_mp_secondary_detach(eth_dev);
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

static int
virtio_user_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct virtio_devargs args;
	struct virtio_user_dev *udev;
	struct rte_eth_dev *eth_dev;
	struct virtnet_port *port;
	char err[512];
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return virtio_user_probe_secondary(vdev, name);
	ret = virtio_devargs_parse(name, rte_vdev_device_args(vdev), VIRTIO_DEVARG_USER, &args,
				   err, sizeof(err));
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s", err);
		return ret;
	}
	if (!args.mac_given)
		rte_eth_random_addr(args.mac.addr_bytes);

	udev = rte_zmalloc("virtio_user_dev", sizeof(*udev), 0);
	if (udev == NULL)
		return -ENOMEM;
	ret = virtio_user_dev_init(udev, name, &args);
	if (ret != 0) {
		rte_free(udev);
		return ret;
	}
	eth_dev = rte_eth_vdev_allocate(vdev, sizeof(*port));
	if (eth_dev == NULL) {
		VIRTIO_LOG(ERR, "%s: cannot allocate an ethdev port", name);
		virtio_user_dev_uninit(udev);
		rte_free(udev);
		return -ENOMEM;
	}
	port = virtnet_port_of(eth_dev);
	port->args = args;
	port->ring_devargs = true;
	port->dev.ops = &virtio_user_transport_ops;
	port->dev.transport = udev;
	port->dev.backend_errors = &udev->backend_errors;
	port->dev.name = eth_dev->data->name;
	port->dev.use_va = true; /* the backend maps our memory at the same addresses */
	port->intr_ops = &virtio_user_intr_ops;
	udev->port_id = eth_dev->data->port_id;
	ret = virtio_user_mp_primary_init();
	if (ret == 0)
		ret = virtio_user_intr_init(eth_dev);
	if (ret == 0)
		ret = virtnet_port_init(eth_dev);
	if (ret == 0)
		ret = virtio_user_server_init(eth_dev);
	if (ret != 0) {
		user_close(&port->dev);
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

static int
virtio_user_remove(struct rte_vdev_device *vdev)
{
	return virtnet_port_remove(rte_eth_dev_allocated(rte_vdev_device_name(vdev)));
}

static struct rte_vdev_driver virtio_user_driver = {
	.probe = virtio_user_probe,
	.remove = virtio_user_remove,
};

RTE_PMD_REGISTER_VDEV(net_virtio_user, virtio_user_driver);
RTE_PMD_REGISTER_ALIAS(net_virtio_user, virtio_user);
/* The same keys, in the same order, as every virtio-user devargs list users know. */
RTE_PMD_REGISTER_PARAM_STRING(net_virtio_user,
	"path=<path> mac=<mac addr> cq=<0|1> queue_size=<int> queues=<int> iface=<string> "
	"server=<0|1> mrg_rxbuf=<0|1> in_order=<0|1> packed_vq=<0|1> speed=<int> "
	"vectorized=<0|1>");
