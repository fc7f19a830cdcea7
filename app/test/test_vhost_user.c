/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * virtio-user over vhost-user, seen from the backend's side of the socket.
 *
 * A fake vhost-user backend (one thread, one unix socket in a temp dir)
 * accepts the driver's connection, records every request (id, flags,
 * payload, file descriptors received) and answers either like a
 * well-behaved backend or as a per-test script says: close the connection,
 * never answer, or send a forged reply (wrong request, flags, version,
 * size, refusal status, ring index). The message layout follows the
 * vhost-user protocol description, independently of the driver's headers.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, pthread_timedjoin_np */
#endif

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "devargs.h"
#include "user/virtio_user_dev.h"
#include "ut_common.h"
#include "virtqueue.h"

#define DEV "virtio_user_ut"

/* vhost-user protocol, as a backend knows it. */
#define VU_GET_FEATURES		 1
#define VU_SET_FEATURES		 2
#define VU_SET_OWNER		 3
#define VU_SET_MEM_TABLE	 5
#define VU_SET_VRING_NUM	 8
#define VU_SET_VRING_ADDR	 9
#define VU_SET_VRING_BASE	 10
#define VU_GET_VRING_BASE	 11
#define VU_SET_VRING_KICK	 12
#define VU_SET_VRING_CALL	 13
#define VU_GET_PROTOCOL_FEATURES 15
#define VU_SET_PROTOCOL_FEATURES 16
#define VU_GET_QUEUE_NUM	 17
#define VU_SET_VRING_ENABLE	 18
#define VU_MAX_REQUEST		 64

#define VU_F_PROTOCOL_FEATURES 30
#define VU_PROTO_F_MQ	       0
#define VU_PROTO_F_REPLY_ACK   3

#define VU_VERSION	   0x1
#define VU_VERSION_MASK	   0x3
#define VU_FLAG_REPLY	   0x4
#define VU_FLAG_NEED_REPLY 0x8
#define VU_HDR_SIZE	   12
#define VU_VRING_NOFD	   (UINT64_C(1) << 8)
#define VU_MEM_REGION_SIZE 32 /* guest_phys_addr, memory_size, userspace_addr, mmap_offset */
#define VU_MEM_HDR_SIZE	   8 /* nregions, padding */
#define VU_VRING_ADDR_SIZE 40 /* index, flags, desc, used, avail, log */

/* What the backend offers unless a test says otherwise. */
#define OFFERED_VIRTIO                                                         \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | \
			VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_MAC))
#define OFFERED_WITH_PROTOCOL (OFFERED_VIRTIO | VIRTIO_BIT(VU_F_PROTOCOL_FEATURES))
/* MQ and REPLY_ACK among many others the driver must not take. */
#define OFFERED_PROTOCOL UINT64_C(0x3ffff)
#define WANTED_PROTOCOL	 (VIRTIO_BIT(VU_PROTO_F_MQ) | VIRTIO_BIT(VU_PROTO_F_REPLY_ACK))

/* What virtio-user provides itself and never asks of the backend. */
#define EMULATED (VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS))

#define NQ	  2
#define RING_SIZE 256
#define DRIVER_OK_STATUS                                                                \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | \
			VIRTIO_STATUS_DRIVER_OK)

#define FB_MAX_RECORDS	     64
#define FB_MAX_FDS	     8
#define FB_MAX_PAYLOAD	     512
#define FB_REPLY_MAX	     4096
#define FB_MAX_RULES	     4
#define FB_ACCEPT_TIMEOUT_MS 10000
#define FB_JOIN_TIMEOUT_S    3
#define FB_WAIT_TIMEOUT_S    3

/* One request as the backend received it. */
struct fb_record {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	uint8_t payload[FB_MAX_PAYLOAD];
	unsigned int nfds;
	int fds[FB_MAX_FDS]; /* kept open until the backend is freed */
};

struct fb_reply {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	uint8_t payload[FB_REPLY_MAX];
} __rte_packed;

enum fb_action {
	FB_ANSWER, /* reply when the protocol says so, after the rule's mutation */
	FB_CLOSE, /* hang up instead of answering */
	FB_SILENT, /* never answer, keep reading until the driver hangs up */
	FB_ANSWER_FDS, /* answer, with two file descriptors attached (SCM_RIGHTS) */
	FB_HALF_CLOSE, /* send half of the reply header, then hang up */
};

/* Changes a reply before it is sent (the default reply, or an ack of status 0). */
typedef void (*fb_mutate_t)(struct fb_reply *reply);

struct fb_rule {
	uint32_t request;
	unsigned int nth; /* 1-based occurrence of `request`; 0 for every one */
	enum fb_action action;
	fb_mutate_t mutate;
};

struct fake_backend {
	char dir[64];
	char path[VIRTIO_USER_PATH_MAX + 1];
	int listen_fd;
	int conn_fd;
	pthread_t thread;
	bool started;
	uint64_t features;
	uint64_t protocol_features;
	uint64_t queue_num; /* GET_QUEUE_NUM answer */
	struct fb_rule rules[FB_MAX_RULES];
	unsigned int nrules;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fb_record rec[FB_MAX_RECORDS];
	unsigned int nrec;
	unsigned int seen[VU_MAX_REQUEST];
	uint32_t bases[VIRTIO_USER_MAX_VQS];
	bool client;   /* connects to the driver's socket (server=1) instead of listening */
	bool finished;
	char error[256]; /* first protocol violation by the driver, or harness trouble */
};

static const char *
vu_name(uint32_t req)
{
	switch (req) {
	case VU_GET_FEATURES:
		return "GET_FEATURES";
	case VU_SET_FEATURES:
		return "SET_FEATURES";
	case VU_SET_OWNER:
		return "SET_OWNER";
	case VU_SET_MEM_TABLE:
		return "SET_MEM_TABLE";
	case VU_SET_VRING_NUM:
		return "SET_VRING_NUM";
	case VU_SET_VRING_ADDR:
		return "SET_VRING_ADDR";
	case VU_SET_VRING_BASE:
		return "SET_VRING_BASE";
	case VU_GET_VRING_BASE:
		return "GET_VRING_BASE";
	case VU_SET_VRING_KICK:
		return "SET_VRING_KICK";
	case VU_SET_VRING_CALL:
		return "SET_VRING_CALL";
	case VU_GET_PROTOCOL_FEATURES:
		return "GET_PROTOCOL_FEATURES";
	case VU_SET_PROTOCOL_FEATURES:
		return "SET_PROTOCOL_FEATURES";
	case VU_SET_VRING_ENABLE:
		return "SET_VRING_ENABLE";
	case VU_GET_QUEUE_NUM:
		return "GET_QUEUE_NUM";
	default:
		return "?";
	}
}

/* Payload size the protocol fixes for a request (-1: depends on the content). */
static long
vu_request_size(uint32_t req)
{
	switch (req) {
	case VU_SET_OWNER:
	case VU_GET_FEATURES:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM:
		return 0;
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ENABLE:
		return 8;
	case VU_SET_VRING_ADDR:
		return VU_VRING_ADDR_SIZE;
	default:
		return -1;
	}
}

static uint64_t
rec_u64(const struct fb_record *r)
{
	uint64_t v;

	memcpy(&v, r->payload, sizeof(v));
	return v;
}

static uint32_t
rec_u32(const struct fb_record *r, size_t off)
{
	uint32_t v;

	memcpy(&v, r->payload + off, sizeof(v));
	return v;
}

static uint64_t
rec_u64_at(const struct fb_record *r, size_t off)
{
	uint64_t v;

	memcpy(&v, r->payload + off, sizeof(v));
	return v;
}

static void
fb_error(struct fake_backend *b, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&b->lock);
	if (b->error[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(b->error, sizeof(b->error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&b->lock);
}

static int
read_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (uint8_t *)buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* Receives one message with its fds. Returns 0, 1 when the driver hung up, -1 on error. */
static int
fb_recv(struct fake_backend *b, int fd, struct fb_record *r)
{
	char control[CMSG_SPACE(sizeof(int) * FB_MAX_FDS)];
	uint8_t hdr[VU_HDR_SIZE];
	struct iovec iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	/* Unread data (a forged reply) turns the driver's close into a reset. */
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 1;
	if (n < 0) {
		fb_error(b, "backend: recvmsg: %s", strerror(errno));
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		unsigned int k, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (r->nfds < FB_MAX_FDS)
				r->fds[r->nfds++] = got;
			else
				close(got);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		fb_error(b, "driver sent more than %d fds with one message", FB_MAX_FDS);
	if ((size_t)n < sizeof(hdr) && read_exact(fd, hdr + n, sizeof(hdr) - n) < 0) {
		fb_error(b, "backend: truncated header");
		return -1;
	}
	memcpy(&r->request, hdr, 4);
	memcpy(&r->flags, hdr + 4, 4);
	memcpy(&r->size, hdr + 8, 4);
	if (r->size > FB_MAX_PAYLOAD) {
		fb_error(b, "driver sent %s with a %u byte payload", vu_name(r->request), r->size);
		return -1;
	}
	if (read_exact(fd, r->payload, r->size) < 0) {
		fb_error(b, "driver sent a truncated %s", vu_name(r->request));
		return -1;
	}
	return 0;
}

/* Checks what the protocol requires of every request, whatever the test. */
static void
fb_validate(struct fake_backend *b, const struct fb_record *r)
{
	long want = vu_request_size(r->request);

	if ((r->flags & VU_VERSION_MASK) != VU_VERSION || (r->flags & VU_FLAG_REPLY))
		fb_error(b, "%s sent with flags 0x%x", vu_name(r->request), r->flags);
	if (want >= 0 && r->size != (uint32_t)want)
		fb_error(b, "%s sent with %u payload bytes, the protocol says %ld",
				vu_name(r->request), r->size, want);
	if (r->request == VU_SET_MEM_TABLE) {
		uint32_t nregions = r->size >= 4 ? rec_u32(r, 0) : 0;

		if (r->size != VU_MEM_HDR_SIZE + VU_MEM_REGION_SIZE * nregions)
			fb_error(b, "SET_MEM_TABLE with %u regions has %u payload bytes", nregions,
					r->size);
	}
}

/* The reply a well-behaved backend sends; false when none is due. */
static bool
fb_default_reply(struct fake_backend *b, const struct fb_record *r, struct fb_reply *out)
{
	uint64_t v = 0;

	memset(out, 0, offsetof(struct fb_reply, payload) + 64);
	out->request = r->request;
	out->flags = VU_VERSION | VU_FLAG_REPLY;
	out->size = 8;
	switch (r->request) {
	case VU_GET_FEATURES:
		v = b->features;
		break;
	case VU_GET_PROTOCOL_FEATURES:
		v = b->protocol_features;
		break;
	case VU_GET_QUEUE_NUM:
		v = b->queue_num;
		break;
	case VU_GET_VRING_BASE: {
		uint32_t index = rec_u32(r, 0);
		uint32_t base = index < VIRTIO_USER_MAX_VQS ? b->bases[index] : 0;

		memcpy(out->payload, &index, 4);
		memcpy(out->payload + 4, &base, 4);
		return true;
	}
	default:
		if (!(r->flags & VU_FLAG_NEED_REPLY))
			return false;
		v = 0; /* success */
		break;
	}
	memcpy(out->payload, &v, sizeof(v));
	return true;
}

static const struct fb_rule *
fb_rule_for(const struct fake_backend *b, uint32_t req, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < b->nrules; i++)
		if (b->rules[i].request == req && (b->rules[i].nth == 0 || b->rules[i].nth == nth))
			return &b->rules[i];
	return NULL;
}

/* Sends a reply with two eventfds attached, which no reply may carry; ours are closed after. */
static ssize_t
fb_send_with_fds(int conn, const void *buf, size_t len)
{
	char control[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };
	ssize_t n;

	memset(control, 0, sizeof(control));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	n = sendmsg(conn, &mh, MSG_NOSIGNAL);
	close(fds[0]);
	close(fds[1]);
	return n;
}

static void
fb_serve(struct fake_backend *b, int conn)
{
	static __thread struct fb_reply reply;

	for (;;) {
		const struct fb_rule *rule;
		struct fb_record r;
		unsigned int nth = 0;
		bool have;
		size_t len;
		int ret = fb_recv(b, conn, &r);

		if (ret != 0)
			return;
		fb_validate(b, &r);
		if (r.request == VU_SET_VRING_BASE && rec_u32(&r, 0) < VIRTIO_USER_MAX_VQS)
			b->bases[rec_u32(&r, 0)] = rec_u32(&r, 4);

		pthread_mutex_lock(&b->lock);
		if (r.request < VU_MAX_REQUEST)
			nth = ++b->seen[r.request];
		if (b->nrec < FB_MAX_RECORDS) {
			b->rec[b->nrec++] = r;
		} else {
			unsigned int i;

			for (i = 0; i < r.nfds; i++)
				close(r.fds[i]);
			if (b->error[0] == '\0')
				snprintf(b->error, sizeof(b->error), "more than %d messages",
						FB_MAX_RECORDS);
		}
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);

		rule = fb_rule_for(b, r.request, nth);
		if (rule != NULL && rule->action == FB_CLOSE)
			return;
		if (rule != NULL && rule->action == FB_SILENT)
			continue;
		have = fb_default_reply(b, &r, &reply);
		if (rule != NULL && rule->mutate != NULL) {
			have = true;
			rule->mutate(&reply);
		}
		if (!have)
			continue;
		len = VU_HDR_SIZE + RTE_MIN((size_t)reply.size, sizeof(reply.payload));
		if (rule != NULL && rule->action == FB_HALF_CLOSE) {
			(void)send(conn, &reply, VU_HDR_SIZE / 2, MSG_NOSIGNAL);
			return;
		}
		if (rule != NULL && rule->action == FB_ANSWER_FDS) {
			if (fb_send_with_fds(conn, &reply, len) != (ssize_t)len)
				return;
			continue;
		}
		if (send(conn, &reply, len, MSG_NOSIGNAL) != (ssize_t)len)
			return; /* the driver may have hung up on a forged reply: fine */
	}
}

/* A vhost-user backend in client mode (net_vhost client=1): retries until the driver listens. */
static int
fb_connect(struct fake_backend *b)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	double deadline = FB_ACCEPT_TIMEOUT_MS / 1000.0;
	struct timespec ts;
	int fd;

	snprintf(un.sun_path, sizeof(un.sun_path), "%s", b->path);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline += ts.tv_sec + ts.tv_nsec / 1e9;
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
			return fd;
		close(fd);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec + ts.tv_nsec / 1e9 > deadline)
			return -1;
		usleep(10000);
	}
}

static void *
fb_thread(void *arg)
{
	struct fake_backend *b = arg;
	struct pollfd pfd = { .fd = b->listen_fd, .events = POLLIN };
	int conn = -1;

	if (b->client)
		conn = fb_connect(b);
	else if (poll(&pfd, 1, FB_ACCEPT_TIMEOUT_MS) == 1)
		conn = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		fb_error(b, "backend: the driver never connected");
	} else {
		pthread_mutex_lock(&b->lock);
		b->conn_fd = conn;
		pthread_mutex_unlock(&b->lock);
		fb_serve(b, conn);
		pthread_mutex_lock(&b->lock);
		b->conn_fd = -1;
		close(conn);
		pthread_mutex_unlock(&b->lock);
	}
	pthread_mutex_lock(&b->lock);
	b->finished = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* A socket path in a fresh temp dir; nothing listens there yet. */
static struct fake_backend *
fb_new(void)
{
	struct fake_backend *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	b->listen_fd = -1;
	b->conn_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	snprintf(b->dir, sizeof(b->dir), "/tmp/vu_ut.XXXXXX");
	assert_non_null(mkdtemp(b->dir));
	snprintf(b->path, sizeof(b->path), "%s/vhost.sock", b->dir);
	return b;
}

static void
fb_rule_add(struct fake_backend *b, uint32_t req, unsigned int nth, enum fb_action action,
		fb_mutate_t mutate)
{
	assert_true(b->nrules < FB_MAX_RULES);
	b->rules[b->nrules++] = (struct fb_rule){ req, nth, action, mutate };
}

static void
fb_start(struct fake_backend *b, uint64_t features, uint64_t protocol_features)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	b->features = features;
	b->protocol_features = protocol_features;
	b->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(b->listen_fd >= 0);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", b->path);
	assert_int_equal(bind(b->listen_fd, (struct sockaddr *)&un, sizeof(un)), 0);
	assert_int_equal(listen(b->listen_fd, 1), 0);
	assert_int_equal(pthread_create(&b->thread, NULL, fb_thread, b), 0);
	b->started = true;
}

/* Server mode: a backend that connects to the driver's socket at `path`, now. */
static void
fb_start_client(struct fake_backend *b, uint64_t features, uint64_t protocol_features)
{
	b->features = features;
	b->protocol_features = protocol_features;
	b->client = true;
	assert_int_equal(pthread_create(&b->thread, NULL, fb_thread, b), 0);
	b->started = true;
}

/* Another backend for the same socket: owns no directory. */
static struct fake_backend *
fb_new_at(const char *path)
{
	struct fake_backend *b = fb_new();

	rmdir(b->dir);
	b->dir[0] = '\0';
	snprintf(b->path, sizeof(b->path), "%s", path);
	return b;
}

/* Waits for the driver to hang up (it must, once uninit or a failed init is done). */
static void
fb_stop(struct fake_backend *b)
{
	struct timespec deadline;

	if (b->started) {
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += FB_JOIN_TIMEOUT_S;
		if (pthread_timedjoin_np(b->thread, NULL, &deadline) != 0) {
			fb_error(b, "the driver still holds the connection after it was closed");
			pthread_mutex_lock(&b->lock);
			if (b->conn_fd >= 0)
				shutdown(b->conn_fd, SHUT_RDWR);
			pthread_mutex_unlock(&b->lock);
			pthread_join(b->thread, NULL);
		}
		b->started = false;
	}
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	b->listen_fd = -1;
}

static void
fb_free(struct fake_backend *b)
{
	unsigned int i, j;

	if (b == NULL)
		return;
	fb_stop(b);
	for (i = 0; i < b->nrec; i++)
		for (j = 0; j < b->rec[i].nfds; j++)
			close(b->rec[i].fds[j]);
	if (b->dir[0] != '\0') {
		unlink(b->path);
		rmdir(b->dir);
	}
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b);
}

/* Waits until the backend has recorded `n` messages (requests without acks are async). */
static unsigned int
fb_wait(struct fake_backend *b, unsigned int n)
{
	struct timespec deadline;
	unsigned int got;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += FB_WAIT_TIMEOUT_S;
	pthread_mutex_lock(&b->lock);
	while (b->nrec < n && !b->finished)
		if (pthread_cond_timedwait(&b->cond, &b->lock, &deadline) != 0)
			break;
	got = b->nrec;
	pthread_mutex_unlock(&b->lock);
	return got;
}

static unsigned int
fb_nrec(struct fake_backend *b)
{
	unsigned int n;

	pthread_mutex_lock(&b->lock);
	n = b->nrec;
	pthread_mutex_unlock(&b->lock);
	return n;
}

static void
fb_dump(struct fake_backend *b)
{
	unsigned int i, n = fb_nrec(b);

	print_message("# the backend saw %u messages:\n", n);
	for (i = 0; i < n; i++) {
		const struct fb_record *r = &b->rec[i];

		print_message("#   %2u %-22s flags 0x%x size %u fds %u first u64 0x%" PRIx64 "\n",
				i, vu_name(r->request), r->flags, r->size, r->nfds,
				r->size >= 8 ? rec_u64(r) : 0);
	}
}

static void
assert_backend_happy(struct fake_backend *b)
{
	if (b->error[0] != '\0') {
		fb_dump(b);
		fail_msg("fake backend: %s", b->error);
	}
}

/* Index of the first record of `req` from `from` on with (when want_num >= 0) that num. */
static int
fb_find(struct fake_backend *b, unsigned int from, uint32_t req, int64_t want_index,
		int64_t want_num)
{
	unsigned int i, n = fb_nrec(b);

	for (i = from; i < n; i++) {
		const struct fb_record *r = &b->rec[i];

		if (r->request != req)
			continue;
		if (want_index >= 0 && rec_u32(r, 0) != (uint32_t)want_index)
			continue;
		if (want_num >= 0 && rec_u32(r, 4) != (uint32_t)want_num)
			continue;
		return (int)i;
	}
	return -1;
}

/* Mutations for forged replies. */
static void
mut_request_get_features(struct fb_reply *r)
{
	r->request = VU_GET_FEATURES;
}

static void
mut_no_reply_flag(struct fb_reply *r)
{
	r->flags &= ~VU_FLAG_REPLY;
}

static void
mut_version_2(struct fb_reply *r)
{
	r->flags = (r->flags & ~VU_VERSION_MASK) | 0x2;
}

static void
mut_size_4(struct fb_reply *r)
{
	r->size = 4;
}

static void
mut_size_huge(struct fb_reply *r)
{
	r->size = FB_REPLY_MAX;
	memset(r->payload, 0xa5, sizeof(r->payload));
}

static void
mut_status_1(struct fb_reply *r)
{
	uint64_t v = 1;

	memcpy(r->payload, &v, sizeof(v));
}

static void
mut_status_2(struct fb_reply *r)
{
	uint64_t v = 2;

	memcpy(r->payload, &v, sizeof(v));
}

static void
mut_u64_0(struct fb_reply *r)
{
	memset(r->payload, 0, sizeof(uint64_t));
}

static void
mut_u64_0x8001(struct fb_reply *r)
{
	uint64_t v = 0x8001;

	memcpy(r->payload, &v, sizeof(v));
}

/* GET_VRING_BASE: a base no 16-bit ring index can have. */
static void
mut_base_0x10000(struct fb_reply *r)
{
	uint32_t num = 0x10000;

	memcpy(r->payload + 4, &num, sizeof(num));
}

static void
mut_other_ring(struct fb_reply *r)
{
	uint32_t index;

	memcpy(&index, r->payload, sizeof(index));
	index ^= 1;
	memcpy(r->payload, &index, sizeof(index));
}

static void
assert_log_has(const char *needle)
{
	const char *text = ut_log_text();

	if (strstr(text, needle) == NULL)
		fail_msg("driver log lacks \"%s\"; it holds:\n%s", needle, text);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One test's world: a backend, a device and its rings. */
struct env {
	struct fake_backend *b;
	struct virtio_user_dev *dev;
	bool dev_up; /* init succeeded and uninit is still due */
	struct virtqueue vq[NQ];
	void *ring[NQ];
	unsigned int nq;
	int fds_before;
};

static int
env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	e->dev = calloc(1, sizeof(*e->dev));
	if (e->dev == NULL) {
		free(e);
		return -1;
	}
	ut_log_capture_start();
	e->fds_before = ut_open_fd_count();
	e->b = fb_new();
	*state = e;
	return 0;
}

static int
env_teardown(void **state)
{
	struct env *e = *state;
	unsigned int i;

	if (e->dev_up)
		virtio_user_dev_uninit(e->dev);
	fb_free(e->b);
	for (i = 0; i < e->nq; i++) {
		vq_fini(&e->vq[i]);
		rte_free(e->ring[i]);
	}
	free(e->dev);
	free(e);
	ut_log_capture_stop();
	return 0;
}

static int
env_init_args(struct env *e, const char *extra)
{
	struct virtio_devargs args;
	char args_text[160], err[256];
	int ret;

	snprintf(args_text, sizeof(args_text), "path=%s%s", e->b->path, extra);
	assert_int_equal(virtio_devargs_parse(DEV, args_text, VIRTIO_DEVARG_USER, &args, err,
					 sizeof(err)),
			0);
	ret = virtio_user_dev_init(e->dev, DEV, &args);
	e->dev_up = ret == 0;
	return ret;
}

static int
env_init(struct env *e)
{
	return env_init_args(e, "");
}

/* Rings in EAL memory, where the backend could map them through the memory table. */
static void
env_queues(struct env *e, unsigned int nq)
{
	unsigned int i;

	for (i = 0; i < nq; i++) {
		size_t len = vq_split_ring_size(RING_SIZE);

		e->ring[i] = rte_zmalloc("vu_ut_ring", len, 4096);
		assert_non_null(e->ring[i]);
		assert_int_equal(vq_split_init(&e->vq[i], i, RING_SIZE, e->ring[i],
						 (uintptr_t)e->ring[i], true),
				0);
		e->nq = i + 1;
		assert_int_equal(virtio_user_dev_add_queue(e->dev, &e->vq[i]), 0);
	}
}

/* What the device core does: accept every offered feature, then walk the status up. */
static int
env_driver_ok(struct env *e)
{
	static const uint8_t steps[] = {
		VIRTIO_STATUS_ACKNOWLEDGE,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK,
	};
	struct virtio_user_dev *dev = e->dev;
	unsigned int i;

	dev->features = dev->device_features;
	for (i = 0; i < RTE_DIM(steps); i++)
		assert_int_equal(virtio_user_dev_set_status(dev, steps[i]), 0);
	return virtio_user_dev_set_status(dev, DRIVER_OK_STATUS);
}

/* Uninit, wait for the backend to see the hang-up, and count the fds left. */
static void
env_finish(struct env *e)
{
	if (e->dev_up)
		virtio_user_dev_uninit(e->dev);
	e->dev_up = false;
	fb_stop(e->b);
	assert_backend_happy(e->b);
	fb_free(e->b);
	e->b = NULL;
	assert_int_equal(ut_open_fd_count(), e->fds_before);
}

/* Walks the recorded requests in order. */
struct cursor {
	struct fake_backend *b;
	unsigned int pos;
};

#define ANY_SIZE UINT32_MAX

static const struct fb_record *
expect_next(struct cursor *c, uint32_t req, bool need_reply, unsigned int nfds, uint32_t size)
{
	const struct fb_record *r;

	if (c->pos >= fb_nrec(c->b)) {
		fb_dump(c->b);
		fail_msg("message %u: expected %s, the backend saw nothing more", c->pos,
				vu_name(req));
	}
	r = &c->b->rec[c->pos];
	if (r->request != req) {
		fb_dump(c->b);
		fail_msg("message %u: expected %s, got %s (%u)", c->pos, vu_name(req),
				vu_name(r->request), r->request);
	}
	if ((r->flags & VU_VERSION_MASK) != VU_VERSION || (r->flags & VU_FLAG_REPLY))
		fail_msg("message %u (%s): flags 0x%x", c->pos, vu_name(req), r->flags);
	if (!!(r->flags & VU_FLAG_NEED_REPLY) != need_reply)
		fail_msg("message %u (%s): NEED_REPLY should be %s (flags 0x%x)", c->pos,
				vu_name(req), need_reply ? "set" : "clear", r->flags);
	if (r->nfds != nfds)
		fail_msg("message %u (%s): %u fds, expected %u", c->pos, vu_name(req), r->nfds,
				nfds);
	if (size != ANY_SIZE && r->size != size)
		fail_msg("message %u (%s): %u payload bytes, expected %u", c->pos, vu_name(req),
				r->size, size);
	c->pos++;
	return r;
}

static void
expect_state(const struct fb_record *r, uint32_t index, int64_t num)
{
	assert_int_equal(rec_u32(r, 0), index);
	if (num >= 0)
		assert_int_equal(rec_u32(r, 4), (uint32_t)num);
}

static void
expect_end(struct cursor *c)
{
	if (fb_nrec(c->b) != c->pos) {
		fb_dump(c->b);
		fail_msg("the backend saw %u messages, expected %u", fb_nrec(c->b), c->pos);
	}
}

static void
expect_init_sequence(struct cursor *c, bool proto, uint64_t proto_offered)
{
	const struct fb_record *r;

	/* Nothing is negotiated yet: no request may ask for an ack. */
	expect_next(c, VU_SET_OWNER, false, 0, 0);
	expect_next(c, VU_GET_FEATURES, false, 0, 0);
	if (proto) {
		expect_next(c, VU_GET_PROTOCOL_FEATURES, false, 0, 0);
		r = expect_next(c, VU_SET_PROTOCOL_FEATURES, false, 0, 8);
		assert_int_equal(rec_u64(r), proto_offered & WANTED_PROTOCOL);
	}
	expect_next(c, VU_GET_FEATURES, false, 0, 0);
}

static bool
in_regions(const struct vhost_mem_region *regions, unsigned int n, uint64_t addr, size_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (addr >= regions[i].user_addr &&
				addr + len <= regions[i].user_addr + regions[i].size)
			return true;
	return false;
}

static void
expect_mem_table(struct env *e, const struct fb_record *r)
{
	struct vhost_mem_region regions[VHOST_MAX_MEM_REGIONS];
	unsigned int n, i;

	n = rec_u32(r, 0);
	assert_in_range(n, 1, VHOST_MAX_MEM_REGIONS);
	assert_int_equal(r->size, VU_MEM_HDR_SIZE + VU_MEM_REGION_SIZE * n);
	assert_int_equal(r->nfds, n);
	/* The table is the EAL memory, region by region, each with the file behind it. */
	assert_int_equal(virtio_user_dev_mem_regions(e->dev, regions, &i), 0);
	assert_int_equal(i, n);
	for (i = 0; i < n; i++) {
		size_t off = VU_MEM_HDR_SIZE + VU_MEM_REGION_SIZE * i;
		struct stat sent, ours;

		assert_int_equal(rec_u64_at(r, off), regions[i].guest_addr);
		assert_int_equal(rec_u64_at(r, off + 8), regions[i].size);
		assert_int_equal(rec_u64_at(r, off + 16), regions[i].user_addr);
		assert_int_equal(rec_u64_at(r, off + 24), regions[i].mmap_offset);
		assert_int_equal(fstat(r->fds[i], &sent), 0);
		assert_int_equal(fstat(regions[i].fd, &ours), 0);
		assert_int_equal(sent.st_ino, ours.st_ino);
		assert_int_equal(sent.st_dev, ours.st_dev);
	}
	/* The backend can reach every ring through the table. */
	for (i = 0; i < e->nq; i++)
		assert_true(in_regions(regions, n, e->vq[i].desc_dev_addr,
				vq_split_ring_size(RING_SIZE)));
}

static void
expect_eventfd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "anon_inode:[eventfd]");
}

/* Messages of one ring's start. */
static void
expect_ring_start(struct env *e, struct cursor *c, unsigned int q, bool ack)
{
	const struct virtqueue *vq = &e->vq[q];
	const struct fb_record *r;

	r = expect_next(c, VU_SET_VRING_NUM, ack, 0, 8);
	expect_state(r, q, RING_SIZE);
	r = expect_next(c, VU_SET_VRING_BASE, ack, 0, 8);
	expect_state(r, q, 0);
	r = expect_next(c, VU_SET_VRING_ADDR, ack, 0, VU_VRING_ADDR_SIZE);
	assert_int_equal(rec_u32(r, 0), q);
	assert_int_equal(rec_u32(r, 4), 0); /* no dirty logging */
	assert_int_equal(rec_u64_at(r, 8), vq->desc_dev_addr);
	assert_int_equal(rec_u64_at(r, 16), vq->used_dev_addr);
	assert_int_equal(rec_u64_at(r, 24), vq->avail_dev_addr);
	assert_int_equal(vq->desc_dev_addr, (uintptr_t)vq->desc);
	assert_int_equal(vq->avail_dev_addr, (uintptr_t)vq->avail);
	assert_int_equal(vq->used_dev_addr, (uintptr_t)vq->used);
	r = expect_next(c, VU_SET_VRING_CALL, ack, 1, 8);
	assert_int_equal(rec_u64(r) & VU_VRING_NOFD, 0); /* the fd came along */
	assert_int_equal(rec_u64(r), q);
	expect_eventfd(r->fds[0]);
	r = expect_next(c, VU_SET_VRING_KICK, ack, 1, 8);
	assert_int_equal(rec_u64(r) & VU_VRING_NOFD, 0);
	assert_int_equal(rec_u64(r), q);
	expect_eventfd(r->fds[0]);
}

static const struct fb_record *
find_ring_fd_msg(struct fake_backend *b, uint32_t req, unsigned int q)
{
	int i = fb_find(b, 0, req, q, -1);

	assert_true(i >= 0);
	return &b->rec[i];
}

/* The fds the backend got are the ones the driver kicks and listens on, per queue. */
static void
expect_eventfds_wired(struct env *e)
{
	const uint64_t one = 1;
	unsigned int q, other;
	uint64_t v;

	for (q = 0; q < e->nq; q++) {
		int kick = find_ring_fd_msg(e->b, VU_SET_VRING_KICK, q)->fds[0];
		int call = find_ring_fd_msg(e->b, VU_SET_VRING_CALL, q)->fds[0];

		vq_kick(&e->vq[q]);
		assert_int_equal(read(kick, &v, sizeof(v)), sizeof(v));
		assert_int_equal(v, 1);
		for (other = 0; other < e->nq; other++) {
			int k = find_ring_fd_msg(e->b, VU_SET_VRING_KICK, other)->fds[0];

			/* Nothing leaked to another queue's (non-blocking) eventfd. */
			if (other != q)
				assert_int_equal(read(k, &v, sizeof(v)), -1);
		}
		assert_int_equal(write(call, &one, sizeof(one)), sizeof(one));
		assert_int_equal(read(e->dev->callfds[q], &v, sizeof(v)), sizeof(v));
		assert_int_equal(v, 1);
	}
}

static void
expect_start_sequence(struct env *e, struct cursor *c, bool proto, bool ack)
{
	/* The driver's choice minus what virtio-user emulates, plus bit 30 when offered. */
	uint64_t want = (e->dev->features & ~EMULATED) |
			(proto ? VIRTIO_BIT(VU_F_PROTOCOL_FEATURES) : 0);
	const struct fb_record *r;
	unsigned int q;

	r = expect_next(c, VU_SET_FEATURES, ack, 0, 8);
	assert_int_equal(rec_u64(r), want);
	r = expect_next(c, VU_SET_MEM_TABLE, ack, rec_u32(&c->b->rec[c->pos], 0), ANY_SIZE);
	expect_mem_table(e, r);
	for (q = 0; q < e->nq; q++)
		expect_ring_start(e, c, q, ack);
	if (proto)
		for (q = 0; q < e->nq; q++) {
			r = expect_next(c, VU_SET_VRING_ENABLE, ack, 0, 8);
			expect_state(r, q, 1);
		}
}

static void
expect_stop_sequence(struct env *e, struct cursor *c, bool proto, bool ack)
{
	const struct fb_record *r;
	unsigned int q;

	for (q = 0; q < e->nq; q++) {
		if (proto) {
			r = expect_next(c, VU_SET_VRING_ENABLE, ack, 0, 8);
			expect_state(r, q, 0);
		}
		/* It has a reply of its own: never NEED_REPLY. */
		r = expect_next(c, VU_GET_VRING_BASE, false, 0, 8);
		expect_state(r, q, -1);
	}
}

static unsigned int
init_len(bool proto)
{
	return proto ? 5 : 3;
}

static unsigned int
start_len(unsigned int nq, bool proto)
{
	return 2 + nq * 5 + (proto ? nq : 0);
}

/* Init, DRIVER_OK, reset and uninit against a well-behaved backend. */
static void
run_lifecycle(struct env *e, uint64_t features, uint64_t proto_offered)
{
	bool proto = features & VIRTIO_BIT(VU_F_PROTOCOL_FEATURES);
	bool ack = proto && (proto_offered & VIRTIO_BIT(VU_PROTO_F_REPLY_ACK));
	struct virtio_user_dev *dev = e->dev;
	struct cursor c = { .b = e->b };
	unsigned int q, n;

	fb_start(e->b, features, proto_offered);
	assert_int_equal(env_init(e), 0);
	assert_int_equal(dev->backend_features, features & ~VIRTIO_BIT(VU_F_PROTOCOL_FEATURES));
	assert_int_equal(dev->device_features, dev->backend_features | EMULATED);
	env_queues(e, NQ);

	assert_int_equal(env_driver_ok(e), 0);
	assert_int_equal(dev->status, DRIVER_OK_STATUS);
	n = init_len(proto) + start_len(NQ, proto);
	assert_int_equal(fb_wait(e->b, n), n);
	c.pos = 0;
	expect_init_sequence(&c, proto, proto_offered);
	expect_start_sequence(e, &c, proto, ack);
	expect_end(&c);
	expect_eventfds_wired(e);

	assert_int_equal(virtio_user_dev_set_status(dev, VIRTIO_STATUS_RESET), 0);
	assert_int_equal(dev->status, 0);
	for (q = 0; q < NQ; q++) {
		assert_int_equal(dev->kickfds[q], -1);
		assert_int_equal(dev->callfds[q], -1);
	}
	/* GET_VRING_BASE is answered, so the stop sequence is complete by now. */
	expect_stop_sequence(e, &c, proto, ack);
	expect_end(&c);
	assert_string_equal(ut_log_text(), "");

	env_finish(e);
	/* Nothing after the stop: uninit just hangs up. */
	assert_int_equal(c.pos, init_len(proto) + start_len(NQ, proto) + NQ * (proto ? 2 : 1));
}

/* Backend with protocol features and REPLY_ACK: every reply-less request waits for an ack. */
static void
test_lifecycle_reply_ack(void **state)
{
	struct env *e = *state;

	run_lifecycle(e, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
}

/* Protocol features without REPLY_ACK: rings are enabled by message, nothing is acked. */
static void
test_lifecycle_protocol_without_ack(void **state)
{
	struct env *e = *state;

	run_lifecycle(e, OFFERED_WITH_PROTOCOL, VIRTIO_BIT(VU_PROTO_F_MQ));
}

/* A backend without bit 30: no protocol features, no SET_VRING_ENABLE, no NEED_REPLY. */
static void
test_lifecycle_no_protocol_features(void **state)
{
	struct env *e = *state;

	run_lifecycle(e, OFFERED_VIRTIO, OFFERED_PROTOCOL);
}

/* Nothing at the path, then a socket nobody listens on: the message says what to do. */
static void
test_no_listener(void **state)
{
	struct env *e = *state;
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int s;

	assert_int_equal(env_init(e), -ENOENT);
	assert_log_has(e->b->path);
	assert_log_has("start the vhost-user backend");

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", e->b->path);
	assert_int_equal(bind(s, (struct sockaddr *)&un, sizeof(un)), 0);
	ut_log_mark();
	assert_int_equal(env_init(e), -ECONNREFUSED);
	assert_log_has(e->b->path);
	assert_log_has("start the vhost-user backend");
	close(s);

	virtio_user_dev_uninit(e->dev); /* harmless after a failed init */
	env_finish(e);
}

/* Runs an init the backend spoils; checks the error, the log and the fds. */
static void
check_init_fails(struct env *e, const char *request, const char *why)
{
	assert_true(env_init(e) < 0);
	assert_false(e->dev_up);
	assert_null(e->dev->backend);
	assert_log_has(DEV);
	assert_log_has(request);
	assert_log_has(why);
	virtio_user_dev_uninit(e->dev);
	env_finish(e);
}

static void
test_backend_closes_during_get_features(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_GET_FEATURES, 1, FB_CLOSE, NULL);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	check_init_fails(e, "vhost-user GET_FEATURES failed", "closed the connection");
}

static void
test_reply_wrong_request(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_GET_PROTOCOL_FEATURES, 1, FB_ANSWER, mut_request_get_features);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	check_init_fails(e, "vhost-user GET_PROTOCOL_FEATURES failed",
			 "reply field 'request': 1 (GET_FEATURES), expected 15");
	assert_int_equal(e->dev->backend_errors.bad_reply, 1);
}

static void
test_reply_without_reply_flag(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_GET_FEATURES, 1, FB_ANSWER, mut_no_reply_flag);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	check_init_fails(e, "vhost-user GET_FEATURES failed", "reply field 'flags': 0x1");
	assert_int_equal(e->dev->backend_errors.bad_reply, 1);
}

/* The second GET_FEATURES (after setup succeeded) is short: the device is torn down. */
static void
test_reply_short_payload(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_GET_FEATURES, 2, FB_ANSWER, mut_size_4);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	check_init_fails(e, "vhost-user GET_FEATURES failed", "reply field 'size': 4, expected 8");
	assert_int_equal(e->dev->backend_errors.bad_reply, 1);
}

/* Runs init + DRIVER_OK against a backend that spoils DRIVER_OK; returns its result. */
static int
driver_ok_spoiled(struct env *e, uint64_t features, uint64_t proto)
{
	int ret;

	fb_start(e->b, features, proto);
	assert_int_equal(env_init(e), 0);
	env_queues(e, NQ);
	ret = env_driver_ok(e);
	assert_true(ret < 0);
	assert_true(e->dev->status & VIRTIO_STATUS_FAILED);
	return ret;
}

/* After a failed DRIVER_OK no eventfd is left open and a reset is quiet and fine. */
static void
check_failed_start_undone(struct env *e)
{
	unsigned int q;

	for (q = 0; q < VIRTIO_USER_MAX_VQS; q++) {
		assert_int_equal(e->dev->kickfds[q], -1);
		assert_int_equal(e->dev->callfds[q], -1);
	}
	assert_int_equal(virtio_user_dev_set_status(e->dev, VIRTIO_STATUS_RESET), 0);
	assert_int_equal(e->dev->status, 0);
}

/* A reply far larger than any payload the driver knows: refused on the header alone. */
static void
test_reply_size_beyond_payload(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_SET_FEATURES, 1, FB_ANSWER, mut_size_huge);
	driver_ok_spoiled(e, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_log_has("vhost-user SET_FEATURES failed");
	assert_log_has("reply field 'size': 4096, expected 8");
	assert_int_equal(e->dev->backend_errors.bad_reply, 1);
	/* Nothing was sent after the bad reply. */
	assert_int_equal(fb_find(e->b, 0, VU_SET_MEM_TABLE, -1, -1), -1);
	check_failed_start_undone(e);
	env_finish(e);
}

/* An ack with version 2 in the middle of the rings: the started rings are stopped again. */
static void
test_reply_wrong_version(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_SET_VRING_NUM, 2, FB_ANSWER, mut_version_2);
	driver_ok_spoiled(e, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_log_has("vhost-user SET_VRING_NUM failed");
	assert_log_has("reply field 'flags'");
	assert_int_equal(e->dev->backend_errors.bad_reply, 1);
	assert_int_equal(fb_find(e->b, 0, VU_SET_VRING_ENABLE, -1, 1), -1);
	check_failed_start_undone(e);
	env_finish(e);
}

static void
test_refused_set_mem_table(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_SET_MEM_TABLE, 1, FB_ANSWER, mut_status_1);
	driver_ok_spoiled(e, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_log_has(DEV ": vhost-user SET_MEM_TABLE failed: backend refused it (status 1)");
	/* No ring was handed over, so there is nothing to stop either. */
	assert_int_equal(fb_find(e->b, 0, VU_SET_VRING_NUM, -1, -1), -1);
	check_failed_start_undone(e);
	assert_int_equal(fb_find(e->b, 0, VU_GET_VRING_BASE, -1, -1), -1);
	env_finish(e);
}

static void
test_refused_set_vring_addr(void **state)
{
	struct env *e = *state;
	int refused, i;

	/* Queue 0 starts completely, queue 1's addresses are refused. */
	fb_rule_add(e->b, VU_SET_VRING_ADDR, 2, FB_ANSWER, mut_status_2);
	driver_ok_spoiled(e, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_log_has(DEV ": vhost-user SET_VRING_ADDR failed: backend refused it (status 2)");
	refused = fb_find(e->b, 0, VU_SET_VRING_ADDR, 1, -1);
	assert_true(refused >= 0);
	/* No ring is enabled, and the started one is stopped (GET_VRING_BASE) again. */
	assert_int_equal(fb_find(e->b, 0, VU_SET_VRING_ENABLE, -1, 1), -1);
	assert_int_equal(fb_find(e->b, refused, VU_SET_VRING_KICK, 1, -1), -1);
	i = fb_find(e->b, refused, VU_SET_VRING_ENABLE, 0, 0);
	assert_true(i > refused);
	assert_true(fb_find(e->b, i, VU_GET_VRING_BASE, 0, -1) > i);
	assert_backend_happy(e->b);
	check_failed_start_undone(e);
	env_finish(e);
}

/* The one slow test: a backend that never answers costs the driver's 5 s, no more. */
static void
test_backend_never_answers(void **state)
{
	struct env *e = *state;
	double t0, elapsed;

	fb_rule_add(e->b, VU_GET_FEATURES, 1, FB_SILENT, NULL);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	t0 = now_s();
	assert_true(env_init(e) < 0);
	elapsed = now_s() - t0;
	assert_true(elapsed > 4.5);
	assert_true(elapsed < 8.0);
	assert_log_has("vhost-user GET_FEATURES failed: no reply within 5 s");
	env_finish(e);
}

static void
test_get_vring_base_other_ring(void **state)
{
	struct env *e = *state;
	uint32_t base = 0x5a5a;

	fb_rule_add(e->b, VU_GET_VRING_BASE, 0, FB_ANSWER, mut_other_ring);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init(e), 0);
	env_queues(e, NQ);
	assert_int_equal(env_driver_ok(e), 0);

	ut_log_clock_fake();
	assert_true(e->dev->ops->get_vring_base(e->dev, 1, &base) < 0);
	assert_int_equal(base, 0x5a5a); /* not believed */
	assert_log_has("GET_VRING_BASE failed: reply field 'state.index': ring 0, asked for "
		       "ring 1");
	assert_int_equal(e->dev->backend_errors.bad_value, 1);

	/*
	 * The stop cannot fail, but it says so: a second later, once for both
	 * rings (the second is counted, its message held back by the limit).
	 */
	ut_log_clock_advance_s(1);
	ut_log_mark();
	assert_int_equal(virtio_user_dev_set_status(e->dev, VIRTIO_STATUS_RESET), 0);
	ut_log_clock_real();
	assert_log_has("GET_VRING_BASE");
	assert_int_equal(e->dev->backend_errors.bad_value, 3);
	assert_int_equal(e->dev->kickfds[0], -1);
	assert_backend_happy(e->b);
	env_finish(e);
}

/*
 * A second DRIVER_OK after one that failed on a malformed reply: the backend
 * now behaves, but the driver gave up on the connection. It need not work;
 * it must fail cleanly and say why.
 */
static void
test_retry_after_malformed_reply(void **state)
{
	struct env *e = *state;
	int ret;

	fb_rule_add(e->b, VU_SET_VRING_NUM, 1, FB_ANSWER, mut_version_2);
	driver_ok_spoiled(e, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	check_failed_start_undone(e);

	ut_log_mark();
	ret = env_driver_ok(e);
	if (ret == 0) {
		assert_int_equal(e->dev->status, DRIVER_OK_STATUS);
	} else {
		assert_true(ret < 0);
		assert_true(e->dev->status & VIRTIO_STATUS_FAILED);
		/* The connection died earlier: the failure must still be explained. */
		assert_log_has("cannot start the vhost backend");
		assert_log_has(DEV);
	}
	check_failed_start_undone(e);
	env_finish(e);
}

/* After a refusal the connection is intact: a retry may work, or must say why not. */
static void
test_retry_after_refusal(void **state)
{
	struct env *e = *state;
	int ret;

	fb_rule_add(e->b, VU_SET_MEM_TABLE, 1, FB_ANSWER, mut_status_1);
	driver_ok_spoiled(e, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	check_failed_start_undone(e);

	ut_log_mark();
	ret = env_driver_ok(e);
	if (ret == 0) {
		assert_int_equal(e->dev->status, DRIVER_OK_STATUS);
		assert_true(fb_find(e->b, 0, VU_SET_VRING_ENABLE, NQ - 1, 1) >= 0);
		expect_eventfds_wired(e);
	} else {
		assert_true(e->dev->status & VIRTIO_STATUS_FAILED);
		assert_log_has(DEV);
	}
	assert_int_equal(virtio_user_dev_set_status(e->dev, VIRTIO_STATUS_RESET), 0);
	assert_backend_happy(e->b);
	env_finish(e);
}

/* ---- invalid replies: counted per kind, the request fails naming the field, no fd leak ---- */

/*
 * A GET_FEATURES reply carrying two file descriptors: both are closed (the
 * fd count at the end equals the one before), counted, and probe fails.
 */
static void
test_reply_with_fds(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_GET_FEATURES, 1, FB_ANSWER_FDS, NULL);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_true(env_init(e) < 0);
	assert_log_has("vhost-user GET_FEATURES failed: reply field 'fds': 2 file descriptor(s) "
		       "attached, allowed none (closed)");
	assert_int_equal(e->dev->backend_errors.unexpected_fds, 2);
	assert_int_equal(e->dev->backend_errors.bad_reply, 0);
	virtio_user_dev_uninit(e->dev);
	env_finish(e); /* asserts the fds are all closed again */
}

/* Half a header, then the backend hangs up: a short reply, and no crash. */
static void
test_reply_short_header(void **state)
{
	struct env *e = *state;

	fb_rule_add(e->b, VU_GET_PROTOCOL_FEATURES, 1, FB_HALF_CLOSE, NULL);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_true(env_init(e) < 0);
	assert_log_has("vhost-user GET_PROTOCOL_FEATURES failed: short reply: 6 of the 12 header "
		       "bytes, then the connection closed");
	assert_int_equal(e->dev->backend_errors.short_reply, 1);
	virtio_user_dev_uninit(e->dev);
	env_finish(e);
}

/* GET_QUEUE_NUM of 0 or above 0x8000 pairs is no queue count: probe fails naming it. */
static void
test_queue_num_out_of_range(void **state)
{
	static const fb_mutate_t muts[] = { mut_u64_0, mut_u64_0x8001 };
	static const char *const said[] = { "'u64': 0 queue pairs, allowed 1..32768",
					    "'u64': 32769 queue pairs, allowed 1..32768" };
	struct env *e = *state;
	unsigned int i;

	for (i = 0; i < RTE_DIM(muts); i++) {
		if (e->b == NULL)
			e->b = fb_new();
		fb_rule_add(e->b, VU_GET_QUEUE_NUM, 1, FB_ANSWER, muts[i]);
		fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
		ut_log_mark();
		assert_int_equal(env_init_args(e, ",queues=2"), -EPROTO);
		assert_false(e->dev_up);
		assert_log_has("vhost-user GET_QUEUE_NUM failed: reply field");
		assert_log_has(said[i]);
		assert_int_equal(e->dev->backend_errors.bad_value, 1);
		env_finish(e);
	}
}

/*
 * GET_VRING_BASE answering a base no ring index can have: not believed,
 * counted; the connection stays usable (the message was well formed), and
 * one message per second however often it happens.
 */
static void
test_vring_base_out_of_range_rate_limited(void **state)
{
	struct env *e = *state;
	uint32_t base = 0x5a5a;
	unsigned int i;

	fb_rule_add(e->b, VU_GET_VRING_BASE, 0, FB_ANSWER, mut_base_0x10000);
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init(e), 0);
	env_queues(e, NQ);
	assert_int_equal(env_driver_ok(e), 0);

	ut_log_clock_fake();
	ut_log_clock_advance_s(1);
	ut_log_mark();
	for (i = 0; i < 10; i++) {
		assert_int_equal(e->dev->ops->get_vring_base(e->dev, 1, &base), -EPROTO);
		assert_int_equal(base, 0x5a5a); /* not believed */
	}
	assert_int_equal(e->dev->backend_errors.bad_value, 10);
	assert_int_equal(ut_count_in(ut_log_text(), "reply field 'state.num': 65536, "
				     "allowed 0..65535"), 1);
	/* A second later the next one is logged, with the count held back. */
	ut_log_clock_advance_s(1);
	ut_log_mark();
	assert_int_equal(e->dev->ops->get_vring_base(e->dev, 0, &base), -EPROTO);
	assert_int_equal(ut_count_in(ut_log_text(), "state.num"), 1);
	assert_log_has("(9 similar messages suppressed since the last one)");
	ut_log_clock_real();
	/* Still talking: a well-formed reply with a bad value does not lose the framing. */
	assert_int_equal(e->dev->ops->set_vring_num(e->dev, 0, RING_SIZE), 0);
	assert_int_equal(virtio_user_dev_set_status(e->dev, VIRTIO_STATUS_RESET), 0);
	assert_backend_happy(e->b);
	env_finish(e);
}

/* queues=2 with a backend serving 4 pairs: GET_QUEUE_NUM follows the protocol features. */
static void
test_mq_backend_serves_enough(void **state)
{
	struct env *e = *state;
	struct cursor c = { .b = e->b };

	e->b->queue_num = 4;
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init_args(e, ",queues=2"), 0);
	assert_int_equal(e->dev->config.max_virtqueue_pairs, 2);
	assert_int_equal(fb_wait(e->b, 6), 6);
	expect_next(&c, VU_SET_OWNER, false, 0, 0);
	expect_next(&c, VU_GET_FEATURES, false, 0, 0);
	expect_next(&c, VU_GET_PROTOCOL_FEATURES, false, 0, 0);
	expect_next(&c, VU_SET_PROTOCOL_FEATURES, false, 0, 8);
	expect_next(&c, VU_GET_QUEUE_NUM, false, 0, 0);
	expect_next(&c, VU_GET_FEATURES, false, 0, 0);
	expect_end(&c);
	assert_string_equal(ut_log_text(), "");
	env_finish(e);
}

/* queues=4 with a backend serving 2 pairs: the probe fails naming the key and both numbers. */
static void
test_mq_backend_serves_fewer(void **state)
{
	struct env *e = *state;

	e->b->queue_num = 2;
	fb_start(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init_args(e, ",queues=4"), -EINVAL);
	assert_false(e->dev_up);
	assert_null(e->dev->backend);
	assert_log_has("devarg 'queues': invalid value '4'");
	assert_log_has("serves 2 queue pairs");
	env_finish(e);
}

/* queues=2 with a backend without the MQ protocol feature, or without protocol features. */
static void
test_mq_backend_without_mq(void **state)
{
	struct env *e = *state;

	e->b->queue_num = 8;
	fb_start(e->b, OFFERED_WITH_PROTOCOL, VIRTIO_BIT(VU_PROTO_F_REPLY_ACK));
	assert_int_equal(env_init_args(e, ",queues=2"), -ENOTSUP);
	assert_null(e->dev->backend);
	assert_log_has("devarg 'queues': invalid value '2'");
	assert_log_has("VHOST_USER_PROTOCOL_F_MQ");
	env_finish(e);
}

static void
test_mq_backend_without_protocol_features(void **state)
{
	struct env *e = *state;

	fb_start(e->b, OFFERED_VIRTIO, 0);
	assert_int_equal(env_init_args(e, ",queues=2"), -ENOTSUP);
	assert_log_has("VHOST_USER_PROTOCOL_F_MQ");
	env_finish(e);
}

/* iface= names a tap: meaningless for a vhost-user socket, so refused before connecting. */
static void
test_iface_refused_with_vhost_user(void **state)
{
	struct env *e = *state;

	/* No listener: the refusal must come before any connection attempt. */
	assert_int_equal(env_init_args(e, ",iface=tap3"), -EINVAL);
	assert_log_has("devarg 'iface': invalid value 'tap3'");
	assert_log_has("vhost-kernel");
	assert_true(strstr(ut_log_text(), "cannot connect") == NULL);
	env_finish(e);
}

/* Client mode without a backend: the message says what to start, or to use server=1. */
static void
test_no_listener_names_server_mode(void **state)
{
	struct env *e = *state;

	assert_int_equal(env_init(e), -ENOENT);
	assert_log_has("server=1");
	assert_log_has("client=1");
	env_finish(e);
}

/* Waits until a backend's connection waits on the driver's listening socket. */
static void
wait_pending_connection(struct env *e)
{
	struct pollfd pfd = { .fd = e->dev->ops->listen_fd(e->dev), .events = POLLIN };

	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, FB_ACCEPT_TIMEOUT_MS), 1);
}

/* The backend goes away: the driver sees it and reports the link down once. */
static void
kill_backend(struct env *e, struct fake_backend *b)
{
	pthread_mutex_lock(&b->lock);
	if (b->conn_fd >= 0)
		shutdown(b->conn_fd, SHUT_RDWR);
	pthread_mutex_unlock(&b->lock);
	fb_stop(b);
	assert_true(e->dev->ops->connection_lost(e->dev));
	assert_true(virtio_user_dev_backend_lost(e->dev));
	assert_false(virtio_user_dev_link_up(e->dev));
	/* A second report of the same loss changes nothing. */
	assert_false(virtio_user_dev_backend_lost(e->dev));
}

/*
 * server=1: the driver listens at path, the backend connects; after the
 * backend died the next one is taken and gets every ring back from where the
 * old one left it: base = the used index in ring memory, same eventfds.
 */
static void
test_server_reconnect_resumes_rings(void **state)
{
	struct env *e = *state;
	struct fake_backend *b2;
	struct stat st;
	bool changed;
	int i;

	fb_start_client(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init_args(e, ",server=1"), 0);
	assert_int_equal(stat(e->b->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_true(virtio_user_dev_link_up(e->dev));
	assert_int_equal(e->dev->backend_features, OFFERED_VIRTIO);
	env_queues(e, NQ);
	assert_int_equal(env_driver_ok(e), 0);
	assert_int_equal(e->b->bases[0], 0);
	assert_int_equal(e->b->bases[1], 0);

	/* The device used 5 Rx and 3 Tx buffers, then died. */
	e->vq[0].used->idx = 5;
	e->vq[1].used->idx = 3;
	kill_backend(e, e->b);

	b2 = fb_new_at(e->b->path);
	fb_start_client(b2, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	wait_pending_connection(e);
	assert_int_equal(virtio_user_dev_backend_connected(e->dev, &changed), 0);
	assert_true(changed);
	assert_true(virtio_user_dev_link_up(e->dev));
	/* The whole handshake and handover again, in order. */
	assert_int_equal(fb_find(b2, 0, VU_SET_OWNER, -1, -1), 0);
	i = fb_find(b2, 0, VU_SET_FEATURES, -1, -1);
	assert_true(i > 0);
	i = fb_find(b2, i, VU_SET_MEM_TABLE, -1, -1);
	assert_true(i > 0);
	assert_true(fb_find(b2, i, VU_SET_VRING_BASE, 0, 5) > i);
	assert_true(fb_find(b2, i, VU_SET_VRING_BASE, 1, 3) > i);
	assert_true(fb_find(b2, i, VU_SET_VRING_KICK, 0, -1) > i);
	assert_true(fb_find(b2, i, VU_SET_VRING_CALL, 1, -1) > i);
	assert_true(fb_find(b2, i, VU_SET_VRING_ENABLE, 0, 1) > i);
	assert_true(fb_find(b2, i, VU_SET_VRING_ENABLE, 1, 1) > i);
	assert_int_equal(b2->bases[0], 5);
	assert_int_equal(b2->bases[1], 3);
	assert_backend_happy(b2);

	/* The device is stopped: the rings go back, the socket file goes away. */
	virtio_user_dev_uninit(e->dev);
	e->dev_up = false;
	assert_int_equal(stat(e->b->path, &st), -1);
	fb_stop(b2);
	assert_true(fb_find(b2, 0, VU_GET_VRING_BASE, 1, -1) > 0);
	assert_backend_happy(b2);
	fb_free(b2);
	env_finish(e);
}

/* One backend at a time: a second one while the first lives is turned away. */
static void
test_server_second_backend_refused(void **state)
{
	struct env *e = *state;
	struct fake_backend *b2;
	bool changed;

	fb_start_client(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init_args(e, ",server=1"), 0);
	b2 = fb_new_at(e->b->path);
	fb_start_client(b2, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	wait_pending_connection(e);
	assert_int_equal(virtio_user_dev_backend_connected(e->dev, &changed), -EBUSY);
	assert_false(changed);
	assert_true(virtio_user_dev_link_up(e->dev));
	fb_stop(b2); /* its connection was closed: its thread ends */
	assert_int_equal(fb_nrec(b2), 0);
	fb_free(b2);
	env_finish(e);
}

/* A port not started yet: the new backend only gets the handshake; start hands the rings. */
static void
test_server_reconnect_before_start(void **state)
{
	struct env *e = *state;
	struct fake_backend *b2;
	bool changed;

	fb_start_client(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init_args(e, ",server=1"), 0);
	env_queues(e, NQ);
	kill_backend(e, e->b);
	b2 = fb_new_at(e->b->path);
	fb_start_client(b2, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	wait_pending_connection(e);
	assert_int_equal(virtio_user_dev_backend_connected(e->dev, &changed), 0);
	assert_true(changed);
	assert_int_equal(fb_find(b2, 0, VU_SET_MEM_TABLE, -1, -1), -1);
	assert_int_equal(env_driver_ok(e), 0);
	assert_true(fb_find(b2, 0, VU_SET_VRING_ENABLE, 1, 1) > 0);
	virtio_user_dev_uninit(e->dev);
	e->dev_up = false;
	fb_stop(b2);
	assert_backend_happy(b2);
	fb_free(b2);
	env_finish(e);
}

/* A backend that lacks a feature the port negotiated cannot take the rings. */
static void
test_server_reconnect_missing_feature(void **state)
{
	struct env *e = *state;
	struct fake_backend *b2;
	bool changed;

	fb_start_client(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init_args(e, ",server=1"), 0);
	env_queues(e, NQ);
	assert_int_equal(env_driver_ok(e), 0);
	kill_backend(e, e->b);
	b2 = fb_new_at(e->b->path);
	fb_start_client(b2, OFFERED_WITH_PROTOCOL & ~VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF),
			OFFERED_PROTOCOL);
	wait_pending_connection(e);
	ut_log_mark();
	assert_int_equal(virtio_user_dev_backend_connected(e->dev, &changed), -ENOTSUP);
	assert_false(changed);
	assert_false(virtio_user_dev_link_up(e->dev));
	assert_log_has("does not offer features 0x8000 that the port negotiated");
	assert_int_equal(fb_find(b2, 0, VU_SET_MEM_TABLE, -1, -1), -1);
	virtio_user_dev_uninit(e->dev);
	e->dev_up = false;
	fb_stop(b2);
	fb_free(b2);
	env_finish(e);
}

/*
 * server=1, a backend connects and then never answers (found by the fault
 * tests' hunt for a stalled restart). The driver gives up after its reply
 * timeout and hangs up at once, so that a backend that reconnects gets a
 * fresh handshake instead of both sides waiting for ever; the error is
 * -ETIMEDOUT, never -EAGAIN, which the server code takes for "nobody was
 * waiting" and would not report. The next backend gets the rings.
 */
static void
test_server_silent_backend_dropped(void **state)
{
	struct env *e = *state;
	struct fake_backend *b2, *b3;
	bool changed;

	fb_start_client(e->b, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	assert_int_equal(env_init_args(e, ",server=1"), 0);
	env_queues(e, NQ);
	assert_int_equal(env_driver_ok(e), 0);
	kill_backend(e, e->b);

	b2 = fb_new_at(e->b->path);
	fb_rule_add(b2, VU_GET_FEATURES, 1, FB_SILENT, NULL);
	fb_start_client(b2, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	wait_pending_connection(e);
	ut_log_mark();
	assert_int_equal(virtio_user_dev_backend_connected(e->dev, &changed), -ETIMEDOUT);
	assert_false(changed);
	assert_false(virtio_user_dev_link_up(e->dev));
	assert_log_has("vhost-user GET_FEATURES failed: no reply within 5 s");
	/* Hung up already: the backend's thread sees the end (fb_stop fails otherwise). */
	fb_stop(b2);
	assert_backend_happy(b2);
	assert_true(e->dev->ops->connection_lost(e->dev));

	b3 = fb_new_at(e->b->path);
	fb_start_client(b3, OFFERED_WITH_PROTOCOL, OFFERED_PROTOCOL);
	wait_pending_connection(e);
	assert_int_equal(virtio_user_dev_backend_connected(e->dev, &changed), 0);
	assert_true(changed);
	assert_true(virtio_user_dev_link_up(e->dev));
	assert_true(fb_find(b3, 0, VU_SET_VRING_ENABLE, 1, 1) > 0);
	virtio_user_dev_uninit(e->dev);
	e->dev_up = false;
	fb_stop(b3);
	assert_backend_happy(b3);
	fb_free(b2);
	fb_free(b3);
	env_finish(e);
}

/* server=1 on a path where a regular file lies: refused, the file left alone. */
static void
test_server_path_not_a_socket(void **state)
{
	struct env *e = *state;
	FILE *f = fopen(e->b->path, "w");
	struct stat st;

	assert_non_null(f);
	fclose(f);
	assert_int_equal(env_init_args(e, ",server=1"), -EEXIST);
	assert_log_has("exists and is not a socket");
	assert_int_equal(stat(e->b->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	env_finish(e);
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	return ut_eal_init("vhost_user");
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_fini();
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lifecycle_reply_ack),
		T(test_lifecycle_protocol_without_ack),
		T(test_lifecycle_no_protocol_features),
		T(test_no_listener),
		T(test_backend_closes_during_get_features),
		T(test_reply_wrong_request),
		T(test_reply_without_reply_flag),
		T(test_reply_short_payload),
		T(test_reply_size_beyond_payload),
		T(test_reply_wrong_version),
		T(test_refused_set_mem_table),
		T(test_refused_set_vring_addr),
		T(test_backend_never_answers),
		T(test_get_vring_base_other_ring),
		T(test_reply_with_fds),
		T(test_reply_short_header),
		T(test_queue_num_out_of_range),
		T(test_vring_base_out_of_range_rate_limited),
		T(test_retry_after_malformed_reply),
		T(test_retry_after_refusal),
		T(test_mq_backend_serves_enough),
		T(test_mq_backend_serves_fewer),
		T(test_mq_backend_without_mq),
		T(test_mq_backend_without_protocol_features),
		T(test_iface_refused_with_vhost_user),
		T(test_no_listener_names_server_mode),
		T(test_server_reconnect_resumes_rings),
		T(test_server_second_backend_refused),
		T(test_server_reconnect_before_start),
		T(test_server_reconnect_missing_feature),
		T(test_server_path_not_a_socket),
		T(test_server_silent_backend_dropped),
	};

	return cmocka_run_group_tests_name("vhost_user", tests, group_setup, group_teardown);
}
