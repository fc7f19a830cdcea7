/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * virtio-user: a virtio-net device emulated in our own process. The config
 * space and device status live here; the rings are served by a vhost
 * backend that maps our hugepage memory.
 */

#ifndef VIRTIO_USER_DEV_H
#define VIRTIO_USER_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../devargs.h"
#include "../virtio_spec.h"
#include "../dev_errors.h"
#include "../virtqueue.h"
#include "vhost_backend.h"

struct rte_intr_handle;

/* Rx and Tx queue of every pair, plus room for a control queue later. */
#define VIRTIO_USER_MAX_VQS (2 * VIRTIO_USER_MAX_QUEUE_PAIRS + 1)

struct virtio_user_dev {
	char name[64];
	struct virtio_devargs args;
	const struct vhost_backend_ops *ops;
	void *backend;                 /* backend private state */
	/* Invalid backend replies (xstats backend_*), kept across reconnects. */
	struct virtio_backend_errors backend_errors;

	uint64_t backend_features;     /* virtio features the backend offers */
	uint64_t device_features;      /* backend's plus those we emulate */
	uint64_t features;             /* accepted by the driver */
	uint8_t status;
	struct virtio_net_config config;

	struct virtqueue *vqs[VIRTIO_USER_MAX_VQS];
	int kickfds[VIRTIO_USER_MAX_VQS];
	int callfds[VIRTIO_USER_MAX_VQS];
	bool rings_ready;              /* started: eventfds made, rings ours to hand over */
	bool backend_running;          /* rings handed to the backend connected now */
	/*
	 * Server mode: the EAL interrupt thread takes new connections and hands
	 * the rings over again while the application may start or stop the
	 * port: both talk to the backend under this lock.
	 */
	pthread_mutex_t lock;
	bool link_up;                  /* server mode: a backend serves the device */
	uint16_t enabled_pairs;        /* queue pairs serving traffic (MQ_VQ_PAIRS_SET) */
	/* Multi-process (transport/user_mp.c): bumped whenever the kick fds change. */
	uint32_t kick_gen;
	uint16_t port_id;

	/* Interrupts (transport/user_intr.c): Rx queue event fds, backend watch. */
	struct rte_intr_handle *rx_intr;
	struct rte_intr_handle *conn_watch;
	bool conn_watched;
	/* Server mode (transport/user_server.c): listening socket and connection. */
	struct rte_intr_handle *srv_listen;
	struct rte_intr_handle *srv_conn;
	bool srv_listen_watched;
	bool srv_conn_watched;
};

/*
 * Server mode with no backend connected at probe: the features the device is
 * taken to offer until one connects (what net_vhost offers by default). A
 * backend that connects later must offer every feature negotiated by then.
 */
#define VIRTIO_USER_SERVER_ASSUMED_FEATURES                                         \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC) | \
	 VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | \
	 VIRTIO_BIT(VIRTIO_F_IN_ORDER) | VIRTIO_BIT(VIRTIO_F_RING_PACKED))

/* Features virtio-user provides itself, whatever the backend offers. */
#define VIRTIO_USER_EMULATED_FEATURES \
	(VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_USER_CTRL_FEATURES)

/*
 * With devarg cq=1: the control queue and what virtio_user_ctrl.c answers
 * through it. Whatever else a backend offers that needs the control queue
 * is hidden: the backend never sees one.
 */
#define VIRTIO_USER_CTRL_FEATURES                                          \
	(VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_MQ) | \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR))

/* Connects to the backend and reads its features. Logs and returns -errno. */
int virtio_user_dev_init(struct virtio_user_dev *dev, const char *name,
			 const struct virtio_devargs *args);
void virtio_user_dev_uninit(struct virtio_user_dev *dev);

/* Status writes drive the backend: DRIVER_OK starts it, 0 stops it. */
int virtio_user_dev_set_status(struct virtio_user_dev *dev, uint8_t status);

/* Records a ring to hand over at DRIVER_OK. */
/*
 * The eventfd the backend signals for queue `index` (created on first use,
 * closed when the backend stops): Rx interrupts wait on it.
 */
int virtio_user_dev_callfd(struct virtio_user_dev *dev, uint16_t index);

int virtio_user_dev_add_queue(struct virtio_user_dev *dev, struct virtqueue *vq);
void virtio_user_dev_remove_queue(struct virtio_user_dev *dev, struct virtqueue *vq);

/*
 * Server mode, from the EAL interrupt thread. backend_lost: the connection
 * ended (link down; the rings stay as they are, the datapath may go on).
 * backend_connected: takes the connection waiting on the listening socket
 * and, if the port runs, hands the rings over from where the old backend
 * left them. Both return true when the link changed.
 */
bool virtio_user_dev_backend_lost(struct virtio_user_dev *dev);
int virtio_user_dev_backend_connected(struct virtio_user_dev *dev, bool *link_changed);

/* Link as the config space reports it (VIRTIO_NET_S_LINK_UP). */
bool virtio_user_dev_link_up(struct virtio_user_dev *dev);

/*
 * Answers a control command ({class, cmd, data}); returns the ack byte
 * (VIRTIO_NET_OK or VIRTIO_NET_ERR).
 */
int virtio_user_dev_ctrl(struct virtio_user_dev *dev, const uint8_t *cmd, size_t len);

/*
 * Serves traffic on the rings of the first `pairs` queue pairs only (without
 * a backend, server mode: remembers them for the next one). Caller holds
 * dev->lock.
 */
int virtio_user_dev_enable_pairs(struct virtio_user_dev *dev, uint16_t pairs);

/* Builds the backend memory table from the EAL memory segments. */
int virtio_user_dev_mem_regions(struct virtio_user_dev *dev, struct vhost_mem_region *regions,
				unsigned int *nregions);

#endif /* VIRTIO_USER_DEV_H */
