/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * virtio-user in secondary processes: the kick eventfds.
 *
 * The rings, queues and port live in shared hugepage memory, but file
 * descriptors belong to one process: the numbers in udev->kickfds mean
 * nothing in a secondary. A secondary asks the primary for its kick fds over
 * the EAL IPC channel (SCM_RIGHTS, 8 per message) and keeps its own copies.
 * The primary creates new fds at every device start and bumps udev->kick_gen;
 * a secondary that sees a new generation at a kick fetches them again, so a
 * primary's stop/start costs one IPC round trip, not a stale doorbell.
 *
 * Whether a backend needs kicks at all is its business: net_vhost (the DPDK
 * vhost library) polls the rings and ignores them, vhost-net in the kernel
 * sleeps until kicked, and a vhost-user application in interrupt mode waits
 * on the kick fd too. With the fds forwarded, all of them see a secondary's
 * Tx the same as the primary's.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_eal.h>

#include "../ethdev.h"
#include "../user/virtio_user_dev.h"
#include "../virtio_log.h"
#include "user_mp.h"

#define KICK_MP_NAME "virtio_user_kickfds"

struct kick_request {
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t first; /* first virtqueue index asked for */
};

struct kick_reply {
	int32_t result;
	uint32_t gen;
	uint16_t count;                     /* fds attached */
	uint16_t index[RTE_MP_MAX_FD_NUM];  /* virtqueue index of each fd */
	uint16_t next;                      /* where the next request starts */
};

/* Per secondary process: its copies of a port's kick fds. */
struct kick_copies {
	uint32_t gen;
	bool valid;
	int fds[VIRTIO_USER_MAX_VQS];
};

static struct kick_copies *copies[RTE_MAX_ETHPORTS];

static int
kick_fds_action(const struct rte_mp_msg *msg, const void *peer)
{
	const struct kick_request *req = (const void *)msg->param;
	struct kick_reply rep = { .result = -ENODEV };
	struct rte_mp_msg out;
	struct rte_eth_dev *eth_dev;
	struct virtio_user_dev *udev;
	unsigned int i;

	memset(&out, 0, sizeof(out));
	snprintf(out.name, sizeof(out.name), "%s", KICK_MP_NAME);
	eth_dev = msg->len_param == sizeof(*req) ? rte_eth_dev_allocated(req->name) : NULL;
	udev = eth_dev != NULL ? virtnet_port_of(eth_dev)->dev.transport : NULL;
	if (udev != NULL) {
		rep.result = 0;
		rep.gen = __atomic_load_n(&udev->kick_gen, __ATOMIC_ACQUIRE);
		for (i = req->first; i < VIRTIO_USER_MAX_VQS && rep.count < RTE_MP_MAX_FD_NUM;
		     i++) {
			if (udev->kickfds[i] < 0)
				continue;
			rep.index[rep.count] = (uint16_t)i;
			out.fds[rep.count++] = udev->kickfds[i];
		}
		rep.next = (uint16_t)i;
	}
	out.num_fds = rep.count;
	out.len_param = sizeof(rep);
	memcpy(out.param, &rep, sizeof(rep));
	return rte_mp_reply(&out, peer);
}

int
virtio_user_mp_primary_init(void)
{
	/* One action serves every port; a second port finds it registered. */
	if (rte_mp_action_register(KICK_MP_NAME, kick_fds_action) != 0 && rte_errno != EEXIST) {
		/* Without IPC (--no-shconf, --in-memory) there are no secondaries to serve. */
		if (rte_errno == ENOTSUP)
			return 0;
		VIRTIO_LOG(ERR, "cannot register the multi-process action %s: %s", KICK_MP_NAME,
			   rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static void
close_copies(struct kick_copies *kc)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_USER_MAX_VQS; i++) {
		if (kc->fds[i] >= 0)
			close(kc->fds[i]);
		kc->fds[i] = -1;
	}
	kc->valid = false;
}

/* Asks the primary for every kick fd of the port, 8 at a time. */
static int
fetch_copies(const struct virtio_user_dev *udev, struct kick_copies *kc)
{
	const struct timespec timeout = { .tv_sec = 5 };
	uint16_t first = 0;
	uint32_t gen = 0;

	close_copies(kc);
	while (first < VIRTIO_USER_MAX_VQS) {
		struct kick_request req = { .first = first };
		struct rte_mp_reply reply;
		struct rte_mp_msg msg;
		struct kick_reply rep;
		int i;

		memset(&msg, 0, sizeof(msg));
		snprintf(msg.name, sizeof(msg.name), "%s", KICK_MP_NAME);
		snprintf(req.name, sizeof(req.name), "%s", udev->name);
		msg.len_param = sizeof(req);
		memcpy(msg.param, &req, sizeof(req));
		if (rte_mp_request_sync(&msg, &reply, &timeout) != 0 || reply.nb_received != 1) {
			VIRTIO_DRV_LOG(ERR, "%s: the primary process did not send the kick fds: %s",
				       udev->name, rte_strerror(rte_errno));
			if (reply.nb_received > 0)
				free(reply.msgs);
			return -EIO;
		}
		memcpy(&rep, reply.msgs[0].param, sizeof(rep));
		for (i = 0; i < reply.msgs[0].num_fds; i++) {
			if (i < rep.count && rep.index[i] < VIRTIO_USER_MAX_VQS &&
			    kc->fds[rep.index[i]] < 0)
				kc->fds[rep.index[i]] = reply.msgs[0].fds[i];
			else
				close(reply.msgs[0].fds[i]);
		}
		free(reply.msgs);
		if (rep.result != 0)
			return rep.result;
		gen = rep.gen;
		if (rep.next <= first)
			break;
		first = rep.next;
	}
	kc->gen = gen;
	kc->valid = true;
	return 0;
}

/* The doorbell in a secondary process: our copy of the primary's kick fd. */
static void
kick_secondary(struct virtqueue *vq)
{
	const uint64_t one = 1;
	/* The cookie points into udev->kickfds, which lives in shared memory. */
	const int *slot = (const int *)vq->notify_cookie;
	const struct virtio_user_dev *udev =
		(const void *)((const uint8_t *)(slot - vq->index) -
			       offsetof(struct virtio_user_dev, kickfds));
	struct kick_copies *kc = copies[udev->port_id];

	if (unlikely(kc == NULL))
		return;
	if (unlikely(!kc->valid ||
		     kc->gen != __atomic_load_n(&udev->kick_gen, __ATOMIC_ACQUIRE)))
		fetch_copies(udev, kc);
	/* As in the primary: a lost wake-up only delays a backend that polls anyway. */
	if (vq->index < VIRTIO_USER_MAX_VQS && kc->fds[vq->index] >= 0 &&
	    write(kc->fds[vq->index], &one, sizeof(one)) < 0)
		return;
}

int
virtio_user_mp_secondary_attach(struct rte_eth_dev *eth_dev)
{
	uint16_t port_id = eth_dev->data->port_id;
	struct kick_copies *kc;
	unsigned int i;

	/* Process-private on purpose: the fds it holds are this process's. */
	kc = calloc(1, sizeof(*kc));
	if (kc == NULL)
		return -ENOMEM;
	for (i = 0; i < VIRTIO_USER_MAX_VQS; i++)
		kc->fds[i] = -1;
	/* Local to this process: the copy of the table in the .so this process loaded. */
	vq_notify_register(VQ_NOTIFY_USER, kick_secondary);
	copies[port_id] = kc;
	/*
	 * Fetched now when the port runs, so the first kick does not wait for
	 * IPC; a failure is not fatal: the first kick asks again.
	 */
	if (eth_dev->data->dev_started)
		fetch_copies(virtnet_port_of(eth_dev)->dev.transport, kc);
	return 0;
}

void
virtio_user_mp_secondary_detach(struct rte_eth_dev *eth_dev)
{
	uint16_t port_id = eth_dev->data->port_id;

	if (copies[port_id] == NULL)
		return;
	close_copies(copies[port_id]);
	free(copies[port_id]);
	copies[port_id] = NULL;
}
