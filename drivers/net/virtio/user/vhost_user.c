/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * vhost-user front-end: the messages of the vhost-user protocol over a unix
 * socket, file descriptors passed as SCM_RIGHTS. Every reply is checked
 * (request, flags, size) before it is believed. In client mode we connect
 * to the backend's socket once; in server mode (server=1) we listen and the
 * backend connects, as often as it restarts.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "../virtio_log.h"
#include "../virtio_spec.h"
#include "virtio_user_dev.h"

enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
};

/* Bit 30 of GET_FEATURES: the backend speaks protocol-feature negotiation. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

#define VHOST_USER_PROTOCOL_F_MQ 0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_WANTED_PROTOCOL_FEATURES \
	(VIRTIO_BIT(VHOST_USER_PROTOCOL_F_MQ) | VIRTIO_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK))

#define VHOST_USER_VERSION 0x1
#define VHOST_USER_VERSION_MASK 0x3
#define VHOST_USER_FLAG_REPLY (1u << 2)
#define VHOST_USER_FLAG_NEED_REPLY (1u << 3)
#define VHOST_USER_VRING_NOFD (1ull << 8)

/* A backend that does not answer within this time is reported, not waited for. */
#define VHOST_USER_REPLY_TIMEOUT_S 5

/*
 * Server mode: how long probe waits for the first backend to connect. The
 * stock driver waits forever; we wait long enough for a backend that is
 * already running (net_vhost client=1 retries every second) and otherwise
 * probe with link down: the backend may connect at any time later.
 */
#define VHOST_USER_FIRST_CONNECT_WAIT_MS 5000

struct vhost_user_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vhost_user_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* of the payload */
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
		struct {
			uint32_t index;
			uint32_t flags; /* cppcheck-suppress unusedStructMember ; wire layout */
			uint64_t desc;
			uint64_t used;
			uint64_t avail;
			uint64_t log; /* cppcheck-suppress unusedStructMember ; wire layout */
		} addr;
		struct {
			uint32_t nregions;
			uint32_t padding; /* cppcheck-suppress unusedStructMember ; wire layout */
			struct vhost_user_mem_region regions[VHOST_MAX_MEM_REGIONS];
		} memory;
	} payload;
} __attribute__((packed));

#define VHOST_USER_HDR_SIZE offsetof(struct vhost_user_msg, payload)

struct vhost_user {
	int sock;
	int listen_fd;   /* server mode: our listening socket, -1 in client mode */
	bool protocol_features_offered;
	uint64_t protocol_features;
	bool dead; /* the connection failed once: stay quiet afterwards */
};

static const char *
request_name(uint32_t req)
{
	switch (req) {
	case VHOST_USER_GET_FEATURES: return "GET_FEATURES";
	case VHOST_USER_SET_FEATURES: return "SET_FEATURES";
	case VHOST_USER_SET_OWNER: return "SET_OWNER";
	case VHOST_USER_SET_MEM_TABLE: return "SET_MEM_TABLE";
	case VHOST_USER_SET_VRING_NUM: return "SET_VRING_NUM";
	case VHOST_USER_SET_VRING_ADDR: return "SET_VRING_ADDR";
	case VHOST_USER_SET_VRING_BASE: return "SET_VRING_BASE";
	case VHOST_USER_GET_VRING_BASE: return "GET_VRING_BASE";
	case VHOST_USER_SET_VRING_KICK: return "SET_VRING_KICK";
	case VHOST_USER_SET_VRING_CALL: return "SET_VRING_CALL";
	case VHOST_USER_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
	case VHOST_USER_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
	case VHOST_USER_GET_QUEUE_NUM: return "GET_QUEUE_NUM";
	case VHOST_USER_SET_VRING_ENABLE: return "SET_VRING_ENABLE";
	default: return "UNKNOWN";
	}
}

static struct vhost_user *
state_of(struct virtio_user_dev *dev)
{
	return dev->backend;
}

/*
 * A connection we stop using is shut down at once, not left open until the
 * next one replaces it: the backend sees the end instead of waiting on a
 * socket we no longer read (net_vhost client=1 then connects again and gets
 * a fresh handshake). The descriptor itself stays valid, and watched, until
 * then.
 */
static void
give_up_connection(struct vhost_user *vu)
{
	if (!vu->dead && vu->sock >= 0)
		shutdown(vu->sock, SHUT_RDWR);
	vu->dead = true;
}

static int
fail(struct virtio_user_dev *dev, uint32_t req, int err, const char *what)
{
	struct vhost_user *vu = state_of(dev);

	if (!vu->dead)
		VIRTIO_LOG(ERR, "%s: vhost-user %s failed: %s", dev->name, request_name(req), what);
	/* A late reply or the rest of a malformed one would be read as the next one. */
	if (err == EPIPE || err == ECONNRESET || err == ENOTCONN || err == ETIMEDOUT ||
	    err == EPROTO)
		give_up_connection(vu);
	return -(err ? err : EIO);
}

static int
send_msg(struct virtio_user_dev *dev, struct vhost_user_msg *msg, const int *fds,
	 unsigned int nfds)
{
	struct vhost_user *vu = state_of(dev);
	char control[CMSG_SPACE(sizeof(int) * VHOST_MAX_MEM_REGIONS)];
	struct iovec iov = { .iov_base = msg, .iov_len = VHOST_USER_HDR_SIZE + msg->size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t sent;

	if (vu->dead)
		return -ENOTCONN;
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		sent = sendmsg(vu->sock, &mh, MSG_NOSIGNAL);
	} while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return fail(dev, msg->request, errno, strerror(errno));
	if ((size_t)sent != iov.iov_len)
		return fail(dev, msg->request, EIO, "short write to the socket");
	return 0;
}

/* The backend's reply faults, counted per device (virtio_backend_errors, xstats backend_*). */
static struct virtio_backend_errors *
errors_of(struct virtio_user_dev *dev)
{
	return &dev->backend_errors;
}

/*
 * Closes every file descriptor a reply carried: no reply of ours has any,
 * and keeping one would leak it. Returns how many there were.
 */
static unsigned int
close_passed_fds(struct msghdr *mh)
{
	struct cmsghdr *cm;
	unsigned int n = 0;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		size_t k, nfds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfds; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(fd));
			close(fd);
			n++;
		}
	}
	return n;
}

/*
 * Reads exactly len bytes. *got says how many arrived (a short reply when
 * 0 < *got < len), *fds how many file descriptors came along (all closed;
 * MSG_CTRUNC means the kernel dropped more than our buffer held: counted
 * as one more).
 */
static int
recv_exact(int sock, void *buf, size_t len, size_t *got, unsigned int *fds)
{
	char control[CMSG_SPACE(sizeof(int) * VHOST_MAX_MEM_REGIONS)];

	*got = 0;
	*fds = 0;
	while (*got < len) {
		struct iovec iov = { .iov_base = (uint8_t *)buf + *got, .iov_len = len - *got };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control, .msg_controllen = sizeof(control),
		};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (mh.msg_controllen > 0)
			*fds += close_passed_fds(&mh);
		if (mh.msg_flags & MSG_CTRUNC)
			(*fds)++;
		if (n == 0)
			return -ECONNRESET;
		*got += n;
	}
	return 0;
}

/*
 * A reply we cannot believe: counted, logged (at most once per second for
 * the device) naming the request and the field. After a bad header the
 * connection is given up (lost_framing): we cannot know where the next
 * message starts. A bad value in a well-formed reply only fails its request.
 */
static int
bad_reply(struct virtio_user_dev *dev, uint32_t req, uint64_t *counter, const char *field,
	  const char *detail, bool lost_framing)
{
	struct vhost_user *vu = state_of(dev);

	(*counter)++;
	virtio_log_limited(&errors_of(dev)->log_limit, "%s: vhost-user %s failed: reply field "
			   "'%s': %s", dev->name, request_name(req), field, detail);
	if (lost_framing)
		give_up_connection(vu);
	return -EPROTO;
}

/* Reads the reply to `req` and checks it carries exactly `size` payload bytes. */
static int
recv_reply(struct virtio_user_dev *dev, uint32_t req, struct vhost_user_msg *reply,
	   uint32_t size)
{
	struct virtio_backend_errors *errs = errors_of(dev);
	struct vhost_user *vu = state_of(dev);
	unsigned int fds;
	char what[160];
	size_t got;
	int ret;

	ret = recv_exact(vu->sock, reply, VHOST_USER_HDR_SIZE, &got, &fds);
	/* ETIMEDOUT, not EAGAIN: server mode reads EAGAIN as "no backend waiting". */
	if (unlikely(fds > 0)) {
		snprintf(what, sizeof(what), "%u file descriptor(s) attached, allowed none "
			 "(closed)", fds);
		errs->unexpected_fds += fds - 1;
		return bad_reply(dev, req, &errs->unexpected_fds, "fds", what, true);
	}
	if (ret < 0 && got > 0) {
		snprintf(what, sizeof(what), "%zu of the %zu header bytes, then %s", got,
			 (size_t)VHOST_USER_HDR_SIZE,
			 ret == -ECONNRESET ? "the connection closed" : strerror(-ret));
		errs->short_reply++;
		virtio_log_limited(&errs->log_limit, "%s: vhost-user %s failed: short reply: %s",
				   dev->name, request_name(req), what);
		give_up_connection(vu);
		return ret == -EAGAIN || ret == -EWOULDBLOCK ? -EPROTO : ret;
	}
	if (ret == -EAGAIN || ret == -EWOULDBLOCK) {
		snprintf(what, sizeof(what), "no reply within %d s", VHOST_USER_REPLY_TIMEOUT_S);
		return fail(dev, req, ETIMEDOUT, what);
	}
	if (ret < 0)
		return fail(dev, req, -ret, ret == -ECONNRESET ? "backend closed the connection"
							       : strerror(-ret));
	if (unlikely(reply->request != req)) {
		snprintf(what, sizeof(what), "%u (%s), expected %u (%s)", reply->request,
			 request_name(reply->request), req, request_name(req));
		return bad_reply(dev, req, &errs->bad_reply, "request", what, true);
	}
	if (unlikely(!(reply->flags & VHOST_USER_FLAG_REPLY) ||
		     (reply->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)) {
		snprintf(what, sizeof(what), "0x%x, expected the reply bit 0x%x and version %u",
			 reply->flags, VHOST_USER_FLAG_REPLY, VHOST_USER_VERSION);
		return bad_reply(dev, req, &errs->bad_reply, "flags", what, true);
	}
	if (unlikely(reply->size != size)) {
		/* More than the payload buffer holds is covered too: size is exact. */
		snprintf(what, sizeof(what), "%u, expected %u payload bytes", reply->size, size);
		return bad_reply(dev, req, &errs->bad_reply, "size", what, true);
	}
	ret = recv_exact(vu->sock, &reply->payload, size, &got, &fds);
	if (unlikely(fds > 0)) {
		snprintf(what, sizeof(what), "%u file descriptor(s) attached, allowed none "
			 "(closed)", fds);
		errs->unexpected_fds += fds - 1;
		return bad_reply(dev, req, &errs->unexpected_fds, "fds", what, true);
	}
	if (ret < 0) {
		snprintf(what, sizeof(what), "%zu of the %u payload bytes, then %s", got, size,
			 ret == -ECONNRESET ? "the connection closed" : strerror(-ret));
		errs->short_reply++;
		virtio_log_limited(&errs->log_limit, "%s: vhost-user %s failed: short reply: %s",
				   dev->name, request_name(req), what);
		give_up_connection(vu);
		return ret == -EAGAIN || ret == -EWOULDBLOCK ? -EPROTO : ret;
	}
	return 0;
}

/* Sends a request that expects no data back; waits for the ack when negotiated. */
static int
request(struct virtio_user_dev *dev, struct vhost_user_msg *msg, const int *fds,
	unsigned int nfds)
{
	struct vhost_user *vu = state_of(dev);
	bool ack = vu->protocol_features & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK);
	struct vhost_user_msg reply;
	int ret;

	msg->flags = VHOST_USER_VERSION | (ack ? VHOST_USER_FLAG_NEED_REPLY : 0);
	ret = send_msg(dev, msg, fds, nfds);
	if (ret != 0 || !ack)
		return ret;
	ret = recv_reply(dev, msg->request, &reply, sizeof(reply.payload.u64));
	if (ret != 0)
		return ret;
	if (reply.payload.u64 != 0) {
		char what[64];

		snprintf(what, sizeof(what), "backend refused it (status %" PRIu64 ")",
			 reply.payload.u64);
		return fail(dev, msg->request, EIO, what);
	}
	return 0;
}

/* Sends a request whose reply carries data. */
static int
query(struct virtio_user_dev *dev, struct vhost_user_msg *msg, uint32_t reply_size)
{
	int ret;

	msg->flags = VHOST_USER_VERSION;
	ret = send_msg(dev, msg, NULL, 0);
	if (ret == 0)
		ret = recv_reply(dev, msg->request, msg, reply_size);
	return ret;
}

static int
get_u64(struct virtio_user_dev *dev, uint32_t req, uint64_t *value)
{
	struct vhost_user_msg msg = { .request = req };
	int ret = query(dev, &msg, sizeof(uint64_t));

	if (ret == 0)
		*value = msg.payload.u64;
	return ret;
}

static int
set_u64(struct virtio_user_dev *dev, uint32_t req, uint64_t value)
{
	struct vhost_user_msg msg = { .request = req, .size = sizeof(uint64_t) };

	msg.payload.u64 = value;
	return request(dev, &msg, NULL, 0);
}

static void
set_reply_timeout(int sock)
{
	struct timeval tv = { .tv_sec = VHOST_USER_REPLY_TIMEOUT_S };

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int
vu_connect(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	vu->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (vu->sock < 0) {
		VIRTIO_LOG(ERR, "%s: cannot create a unix socket: %s", dev->name, strerror(errno));
		return -errno;
	}
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", dev->args.path);
	if (connect(vu->sock, (struct sockaddr *)&un, sizeof(un)) < 0) {
		int err = errno;

		VIRTIO_LOG(ERR, "%s: devarg 'path': cannot connect to vhost-user socket '%s': "
			   "%s; start the vhost-user backend first so that it listens there "
			   "(net_vhost: iface=%s), or use server=1 to let virtio-user listen and "
			   "the backend connect (net_vhost: client=1)", dev->name, dev->args.path,
			   strerror(err), dev->args.path);
		return -err;
	}
	set_reply_timeout(vu->sock);
	return 0;
}

/*
 * Server mode: listen at `path`. A socket file left by an earlier run is
 * replaced (nobody answers on it); anything else at that path is refused.
 */
static int
vu_listen(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(dev->args.path) >= sizeof(un.sun_path)) {
		VIRTIO_LOG(ERR, "%s: devarg 'path': invalid value '%s': a unix socket path has at "
			   "most %zu characters", dev->name, dev->args.path, sizeof(un.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	if (stat(dev->args.path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			VIRTIO_LOG(ERR, "%s: devarg 'path': '%s' exists and is not a socket; with "
				   "server=1 virtio-user creates the socket there: remove the file "
				   "or choose another path", dev->name, dev->args.path);
			return -EEXIST;
		}
		unlink(dev->args.path);
	}
	vu->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (vu->listen_fd < 0) {
		VIRTIO_LOG(ERR, "%s: cannot create a unix socket: %s", dev->name, strerror(errno));
		return -errno;
	}
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", dev->args.path);
	if (bind(vu->listen_fd, (struct sockaddr *)&un, sizeof(un)) < 0 ||
	    listen(vu->listen_fd, 1) < 0) {
		int err = errno;

		VIRTIO_LOG(ERR, "%s: server=1: cannot listen on unix socket '%s': %s", dev->name,
			   dev->args.path, strerror(err));
		return -err;
	}
	return 0;
}

/* Takes the connection waiting on the listening socket; -EAGAIN when there is none. */
static int
take_connection(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	/* Without SOCK_NONBLOCK: replies are read blocking, with a timeout. */
	int fd = accept4(vu->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	set_reply_timeout(fd);
	if (vu->sock >= 0)
		close(vu->sock);
	vu->sock = fd;
	vu->dead = false;
	vu->protocol_features_offered = false;
	vu->protocol_features = 0;
	return 0;
}

/* queues=N needs a backend that serves N pairs; say so now rather than at start. */
static int
check_queue_pairs(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	uint64_t num;
	int ret;

	if (!(vu->protocol_features & VIRTIO_BIT(VHOST_USER_PROTOCOL_F_MQ))) {
		VIRTIO_LOG(ERR, "%s: devarg 'queues': invalid value '%u': the vhost-user backend "
			   "does not offer multi-queue (VHOST_USER_PROTOCOL_F_MQ); allowed is 1 "
			   "with this backend", dev->name, dev->args.queues);
		return -ENOTSUP;
	}
	ret = get_u64(dev, VHOST_USER_GET_QUEUE_NUM, &num);
	if (ret != 0)
		return ret;
	if (unlikely(num == 0 || num > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX)) {
		char what[96];

		snprintf(what, sizeof(what), "%" PRIu64 " queue pairs, allowed 1..%u", num,
			 VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX);
		return bad_reply(dev, VHOST_USER_GET_QUEUE_NUM, &errors_of(dev)->bad_value,
				 "u64", what, false);
	}
	if (num < dev->args.queues) {
		VIRTIO_LOG(ERR, "%s: devarg 'queues': invalid value '%u': the vhost-user backend "
			   "serves %" PRIu64 " queue pairs; allowed is 1 to %" PRIu64 ", or start the "
			   "backend with more queues (net_vhost: queues=%u)", dev->name,
			   dev->args.queues, num, num, dev->args.queues);
		return -EINVAL;
	}
	return 0;
}

static void
vu_destroy(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);

	if (vu == NULL)
		return;
	if (vu->sock >= 0)
		close(vu->sock);
	if (vu->listen_fd >= 0) {
		close(vu->listen_fd);
		/* We created the socket file: nobody answers on it any more. */
		unlink(dev->args.path);
	}
	free(vu);
	dev->backend = NULL;
}

/* What every new connection starts with: owner, then the protocol features. */
static int
handshake(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	struct vhost_user_msg msg = { .request = VHOST_USER_SET_OWNER };
	uint64_t features, protocol;
	int ret;

	ret = request(dev, &msg, NULL, 0);
	if (ret == 0)
		ret = get_u64(dev, VHOST_USER_GET_FEATURES, &features);
	if (ret == 0 && (features & VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES))) {
		vu->protocol_features_offered = true;
		ret = get_u64(dev, VHOST_USER_GET_PROTOCOL_FEATURES, &protocol);
		if (ret == 0)
			ret = set_u64(dev, VHOST_USER_SET_PROTOCOL_FEATURES,
				      protocol & VHOST_USER_WANTED_PROTOCOL_FEATURES);
		/* Only now may we ask for acks. */
		if (ret == 0)
			vu->protocol_features = protocol & VHOST_USER_WANTED_PROTOCOL_FEATURES;
	}
	if (ret == 0 && dev->args.queues > 1)
		ret = check_queue_pairs(dev);
	return ret;
}

/* Server mode at probe: listen, and give a running backend time to connect. */
static int
server_setup(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	struct pollfd pfd = { .events = POLLIN };
	int ret;

	ret = vu_listen(dev);
	if (ret != 0)
		return ret;
	pfd.fd = vu->listen_fd;
	VIRTIO_LOG(NOTICE, "%s: server=1: listening on '%s', waiting up to %d s for the "
		   "vhost-user backend to connect (net_vhost: iface=%s,client=1)", dev->name,
		   dev->args.path, VHOST_USER_FIRST_CONNECT_WAIT_MS / 1000, dev->args.path);
	do {
		ret = poll(&pfd, 1, VHOST_USER_FIRST_CONNECT_WAIT_MS);
	} while (ret < 0 && errno == EINTR);
	ret = ret > 0 ? take_connection(dev) : -EAGAIN;
	if (ret == -EAGAIN) {
		/* Not an error: the port comes up with link down and goes up on connect. */
		VIRTIO_LOG(NOTICE, "%s: no vhost-user backend connected to '%s' yet: the port "
			   "starts with link down and goes up when one connects", dev->name,
			   dev->args.path);
		vu->dead = true;
		return 0;
	}
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: server=1: cannot accept on '%s': %s", dev->name,
			   dev->args.path, strerror(-ret));
		return ret;
	}
	return handshake(dev);
}

static int
vu_setup(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = calloc(1, sizeof(*vu));
	int ret;

	if (vu == NULL)
		return -ENOMEM;
	vu->sock = -1;
	vu->listen_fd = -1;
	dev->backend = vu;
	if (dev->args.server) {
		ret = server_setup(dev);
	} else {
		ret = vu_connect(dev);
		if (ret == 0)
			ret = handshake(dev);
	}
	if (ret != 0)
		vu_destroy(dev);
	return ret;
}

static int
vu_get_features(struct virtio_user_dev *dev, uint64_t *features)
{
	int ret;

	if (state_of(dev)->sock < 0)
		return -ENOTCONN; /* server mode, nobody connected yet */
	ret = get_u64(dev, VHOST_USER_GET_FEATURES, features);

	/* Bit 30 is a vhost-user matter, not a device feature. */
	*features &= ~VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	return ret;
}

static int
vu_set_features(struct virtio_user_dev *dev, uint64_t features)
{
	if (state_of(dev)->protocol_features_offered)
		features |= VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	return set_u64(dev, VHOST_USER_SET_FEATURES, features);
}

static int
vu_set_mem_table(struct virtio_user_dev *dev, const struct vhost_mem_region *regions,
		 unsigned int nregions)
{
	struct vhost_user_msg msg = { .request = VHOST_USER_SET_MEM_TABLE };
	int fds[VHOST_MAX_MEM_REGIONS];
	unsigned int i;

	msg.payload.memory.nregions = nregions;
	for (i = 0; i < nregions; i++) {
		msg.payload.memory.regions[i] = (struct vhost_user_mem_region){
			.guest_phys_addr = regions[i].guest_addr,
			.memory_size = regions[i].size,
			.userspace_addr = regions[i].user_addr,
			.mmap_offset = regions[i].mmap_offset,
		};
		fds[i] = regions[i].fd;
	}
	msg.size = offsetof(typeof(msg.payload.memory), regions) +
		   sizeof(struct vhost_user_mem_region) * nregions;
	return request(dev, &msg, fds, nregions);
}

static int
set_state(struct virtio_user_dev *dev, uint32_t req, uint32_t index, uint32_t num)
{
	struct vhost_user_msg msg = { .request = req, .size = sizeof(msg.payload.state) };

	msg.payload.state.index = index;
	msg.payload.state.num = num;
	return request(dev, &msg, NULL, 0);
}

static int
vu_set_vring_num(struct virtio_user_dev *dev, uint32_t index, uint32_t num)
{
	return set_state(dev, VHOST_USER_SET_VRING_NUM, index, num);
}

static int
vu_set_vring_base(struct virtio_user_dev *dev, uint32_t index, uint32_t base)
{
	return set_state(dev, VHOST_USER_SET_VRING_BASE, index, base);
}

static int
vu_set_vring_enable(struct virtio_user_dev *dev, uint32_t index, int enable)
{
	/* Without protocol features rings start enabled and this message does not exist. */
	if (!state_of(dev)->protocol_features_offered)
		return 0;
	return set_state(dev, VHOST_USER_SET_VRING_ENABLE, index, enable);
}

static int
vu_get_vring_base(struct virtio_user_dev *dev, uint32_t index, uint32_t *base)
{
	struct vhost_user_msg msg = { .request = VHOST_USER_GET_VRING_BASE,
				      .size = sizeof(msg.payload.state) };
	int ret;

	msg.payload.state.index = index;
	ret = query(dev, &msg, sizeof(msg.payload.state));
	if (ret == 0 && unlikely(msg.payload.state.index != index)) {
		char what[64];

		snprintf(what, sizeof(what), "ring %u, asked for ring %u", msg.payload.state.index,
			 index);
		return bad_reply(dev, VHOST_USER_GET_VRING_BASE, &errors_of(dev)->bad_value,
				 "state.index", what, false);
	}
	/* A ring index is 16 bits (packed: 15 bits and the wrap counter). */
	if (ret == 0 && unlikely(msg.payload.state.num > UINT16_MAX)) {
		char what[64];

		snprintf(what, sizeof(what), "%u, allowed 0..65535", msg.payload.state.num);
		return bad_reply(dev, VHOST_USER_GET_VRING_BASE, &errors_of(dev)->bad_value,
				 "state.num", what, false);
	}
	if (ret == 0)
		*base = msg.payload.state.num;
	return ret;
}

static int
vu_set_vring_addr(struct virtio_user_dev *dev, const struct vhost_ring_addrs *a)
{
	struct vhost_user_msg msg = { .request = VHOST_USER_SET_VRING_ADDR,
				      .size = sizeof(msg.payload.addr) };

	msg.payload.addr.index = a->index;
	msg.payload.addr.desc = a->desc;
	msg.payload.addr.avail = a->avail;
	msg.payload.addr.used = a->used;
	return request(dev, &msg, NULL, 0);
}

static int
set_vring_fd(struct virtio_user_dev *dev, uint32_t req, uint32_t index, int fd)
{
	struct vhost_user_msg msg = { .request = req, .size = sizeof(uint64_t) };

	msg.payload.u64 = index | (fd < 0 ? VHOST_USER_VRING_NOFD : 0);
	return request(dev, &msg, &fd, fd < 0 ? 0 : 1);
}

static int
vu_set_vring_kick(struct virtio_user_dev *dev, uint32_t index, int fd)
{
	return set_vring_fd(dev, VHOST_USER_SET_VRING_KICK, index, fd);
}

static int
vu_set_vring_call(struct virtio_user_dev *dev, uint32_t index, int fd)
{
	return set_vring_fd(dev, VHOST_USER_SET_VRING_CALL, index, fd);
}

static int
vu_conn_fd(struct virtio_user_dev *dev)
{
	return state_of(dev)->sock;
}

/*
 * Called when the socket turns readable outside a request: the backend
 * sends nothing unasked, so that is end of file or a reset. Peeking leaves
 * a reply a request might be about to read where it is.
 */
static bool
vu_connection_lost(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	char byte;
	ssize_t n;

	if (vu->dead)
		return true;
	n = recv(vu->sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		vu->dead = true;
	return vu->dead;
}

static int
vu_listen_fd(struct virtio_user_dev *dev)
{
	return state_of(dev)->listen_fd;
}

/*
 * A backend connected to our listening socket. One connection at a time: a
 * second backend while the first is alive is turned away.
 */
static int
vu_accept_conn(struct virtio_user_dev *dev)
{
	struct vhost_user *vu = state_of(dev);
	int ret;

	if (!vu_connection_lost(dev)) {
		int fd = accept4(vu->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			VIRTIO_LOG(WARNING, "%s: a second vhost-user backend connected to '%s' "
				   "while the first is still there: refused", dev->name,
				   dev->args.path);
			close(fd);
		}
		return -EBUSY;
	}
	ret = take_connection(dev);
	if (ret == 0)
		ret = handshake(dev);
	return ret;
}

const struct vhost_backend_ops vhost_user_backend_ops = {
	.name = "vhost-user",
	.max_mem_regions = VHOST_MAX_MEM_REGIONS,
	.mem_needs_fd = true,
	.setup = vu_setup,
	.destroy = vu_destroy,
	.get_features = vu_get_features,
	.set_features = vu_set_features,
	.set_mem_table = vu_set_mem_table,
	.set_vring_num = vu_set_vring_num,
	.set_vring_base = vu_set_vring_base,
	.get_vring_base = vu_get_vring_base,
	.set_vring_addr = vu_set_vring_addr,
	.set_vring_kick = vu_set_vring_kick,
	.set_vring_call = vu_set_vring_call,
	.set_vring_enable = vu_set_vring_enable,
	.set_status = NULL,
	.conn_fd = vu_conn_fd,
	.connection_lost = vu_connection_lost,
	.listen_fd = vu_listen_fd,
	.accept_conn = vu_accept_conn,
};
