/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The vhost-user frontend (user/vhost_user.c) and the virtio-user device
 * state machine above it (user/virtio_user_dev.c, virtio_user_ctrl.c)
 * against a backend whose every reply comes from the input.
 *
 * A backend thread listens on a unix socket in a private directory. For
 * each input the driver connects (client mode) or listens and the backend
 * connects, and comes back after hanging up (server mode); for every request it
 * reads (header, payload, file descriptors, all closed again) the backend
 * takes the next script byte and answers: properly (the payload values
 * from the input), with a header of its own (request, flags, size from the
 * input) and that many payload bytes, with a proper header but a payload
 * of another size, after some garbage bytes, or by hanging up; any reply may
 * carry file descriptors, which the driver must not keep. When the script
 * ends it hangs up, so the driver never waits for its reply timeout.
 *
 * Input: byte 0 the device (queue pairs, packed rings, control queue, server
 * mode), byte 1 the number of driver operations, then those operations
 * (status walks to DRIVER_OK, reset, control-queue commands, link checks,
 * backend lost and reconnected) one byte and their fields each, then the
 * backend's script (all the rest).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "fuzz_common.h"
#include "user/virtio_user_dev.h"
#include "virtqueue.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VU_HDR_SIZE 12
#define VU_FLAG_REPLY 0x4
#define VU_FLAG_NEED_REPLY 0x8
#define VU_VERSION 0x1
#define VU_GET_FEATURES 1
#define VU_GET_VRING_BASE 11
#define VU_GET_PROTOCOL_FEATURES 15
#define VU_GET_QUEUE_NUM 17
/* Payload of every reply: a u64, or the {index, num} state of GET_VRING_BASE. */
#define VU_REPLY_SIZE 8
#define MAX_OPS 16
#define RING_SIZE 64
#define MAX_PAIRS 2
#define NVQ (2 * MAX_PAIRS + 1)

/* /tmp/fuzz_vhost_user.<pid>.XXXXXX: devtools/fuzz.sh removes those of dead processes. */
static char sock_dir[64];
static char sock_path[128]; /* the backend listens here (client mode) */
static char srv_path[128];  /* the driver listens here (server mode) */
static bool server_mode;
static int listen_fd = -1;
static pthread_t backend_thread;
static sem_t go, done;
static struct fz_in script; /* the backend's part of the input, handed over by `go` */
static void *rings[NVQ];

static void
cleanup(void)
{
	if (listen_fd >= 0)
		close(listen_fd);
	unlink(sock_path);
	unlink(srv_path);
	rmdir(sock_dir);
}

/* Reads exactly len bytes (closing any descriptors that come along); false on hang-up. */
static bool
read_request(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		char control[CMSG_SPACE(sizeof(int) * 16)];
		struct iovec iov = { .iov_base = buf + got, .iov_len = len - got };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control, .msg_controllen = sizeof(control),
		};
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
				size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				int fds[16];
				size_t i;

				memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
				for (i = 0; i < nfd; i++)
					close(fds[i]);
			}
		}
		got += n;
	}
	return true;
}

static bool
send_all(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/*
 * Sends with `nfds` file descriptors attached (SCM_RIGHTS), which no reply
 * the driver expects carries: they must not stay open in its process.
 */
static bool
send_with_fds(int fd, const void *buf, size_t len, unsigned int nfds)
{
	char control[CMSG_SPACE(sizeof(int) * 2)];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = CMSG_SPACE(sizeof(int) * nfds),
	};
	struct cmsghdr *cm;
	int fds[2] = { -1, -1 };
	unsigned int i;
	bool ok;

	for (i = 0; i < nfds; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	memset(control, 0, sizeof(control));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	ok = sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len;
	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ok;
}

static bool
needs_reply(uint32_t req, uint32_t flags)
{
	return req == VU_GET_FEATURES || req == VU_GET_PROTOCOL_FEATURES ||
	       req == VU_GET_QUEUE_NUM || req == VU_GET_VRING_BASE ||
	       (flags & VU_FLAG_NEED_REPLY);
}

/* Answers one request as the script says; false to hang up. */
static bool
answer(int fd, uint32_t req, uint32_t flags, const uint8_t *payload)
{
	uint8_t out[VU_HDR_SIZE + 256];
	uint32_t hdr[3] = { req, VU_VERSION | VU_FLAG_REPLY, VU_REPLY_SIZE };
	uint8_t mode;

	if (!fz_more(&script))
		return false;
	mode = fz_u8(&script);
	switch (mode % 8) {
	case 4: /* a header of its own and that many bytes */
		hdr[0] = (mode & 0x10) ? fz_u32(&script) : fz_u8(&script);
		hdr[1] = fz_u8(&script);
		hdr[2] = fz_u8(&script);
		break;
	case 5: /* the right header, but another payload size */
		hdr[2] = fz_u8(&script);
		break;
	case 6:
		return false;
	case 7: { /* garbage first */
		uint8_t n = fz_u8(&script);

		fz_bytes(&script, out, n);
		if (!send_all(fd, out, n))
			return false;
		break;
	}
	default:
		if (!needs_reply(req, flags))
			return true;
		break;
	}
	memcpy(out, hdr, sizeof(hdr));
	if (req == VU_GET_VRING_BASE && mode % 8 < 4) {
		/* Echo the ring index unless the script wants another one. */
		uint32_t num = fz_u32(&script);

		memcpy(out + VU_HDR_SIZE, payload, 4);
		if (mode & 0x40)
			fz_bytes(&script, out + VU_HDR_SIZE, 4);
		memcpy(out + VU_HDR_SIZE + 4, &num, 4);
	} else {
		fz_bytes(&script, out + VU_HDR_SIZE, hdr[2]);
	}
	if (mode & 0x20)
		return send_with_fds(fd, out, VU_HDR_SIZE + RTE_MIN(hdr[2], 256u), 1 + (mode >> 7));
	return send_all(fd, out, VU_HDR_SIZE + RTE_MIN(hdr[2], 256u));
}

static void
serve(int fd)
{
	uint8_t buf[VU_HDR_SIZE + 4096];

	for (;;) {
		uint32_t hdr[3];

		if (!read_request(fd, buf, VU_HDR_SIZE))
			return;
		memcpy(hdr, buf, sizeof(hdr));
		FZ_CHECK(hdr[2] <= 4096, "request %u with a %u-byte payload", hdr[0], hdr[2]);
		if (!read_request(fd, buf + VU_HDR_SIZE, hdr[2]))
			return;
		if (!answer(fd, hdr[0], hdr[1], buf + VU_HDR_SIZE))
			return;
	}
}

/*
 * Server mode: connects to the driver's listening socket. The first time it
 * waits for the driver to listen (it does so at once in its init); later it
 * gives up as soon as nobody listens (the device is gone).
 */
static int
connect_to_driver(bool first)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	unsigned int tries;

	snprintf(un.sun_path, sizeof(un.sun_path), "%s", srv_path);
	for (tries = 0; tries < (first ? 2000u : 1u); tries++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
			return fd;
		close(fd);
		usleep(1000);
	}
	return -1;
}

static void *
backend_main(void *arg)
{
	RTE_SET_USED(arg);
	for (;;) {
		struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
		unsigned int conns = 0;
		int fd;

		sem_wait(&go);
		if (!server_mode) {
			/* The driver may fail before it connects: do not wait for it forever. */
			fd = poll(&pfd, 1, 2000) > 0 ?
			     accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC) : -1;
		} else {
			fd = connect_to_driver(true);
		}
		while (fd >= 0) {
			serve(fd);
			/* Hang up; then wait for the driver to close its end. */
			shutdown(fd, SHUT_RDWR);
			close(fd);
			/* Server mode: come back while the script lasts (a restarted backend). */
			fd = server_mode && fz_more(&script) && ++conns < 4 ?
			     connect_to_driver(false) : -1;
		}
		sem_post(&done);
	}
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	unsigned int i;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	/*
	 * Little memory: without hugepages every 4 KiB page is a memory
	 * segment, and each DRIVER_OK walks them all for the memory table.
	 */
	fz_eal_init("vhost_user", 8);
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/fuzz_vhost_user.%d.XXXXXX", (int)getpid());
	FZ_CHECK(mkdtemp(sock_dir) != NULL, "mkdtemp: %s", strerror(errno));
	snprintf(sock_path, sizeof(sock_path), "%s/sock", sock_dir);
	snprintf(srv_path, sizeof(srv_path), "%s/srv", sock_dir);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	FZ_CHECK(listen_fd >= 0 && bind(listen_fd, (struct sockaddr *)&un, sizeof(un)) == 0 &&
		 listen(listen_fd, 4) == 0, "cannot listen on %s: %s", sock_path, strerror(errno));
	atexit(cleanup);
	for (i = 0; i < NVQ; i++) {
		rings[i] = rte_zmalloc("fz_vu_ring", vq_split_ring_size(RING_SIZE) +
				       vq_packed_ring_size(RING_SIZE), 4096);
		FZ_CHECK(rings[i] != NULL, "no ring memory");
	}
	sem_init(&go, 0, 0);
	sem_init(&done, 0, 0);
	FZ_CHECK(pthread_create(&backend_thread, NULL, backend_main, NULL) == 0, "no thread");
	return 0;
}

/* What the device core does before DRIVER_OK: accept features, walk the status up. */
static int
driver_ok(struct virtio_user_dev *dev, uint64_t feature_mask)
{
	static const uint8_t steps[] = {
		VIRTIO_STATUS_ACKNOWLEDGE,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		VIRTIO_STATUS_DRIVER_OK,
	};
	unsigned int i;
	int ret = 0;

	dev->features = dev->device_features & feature_mask;
	for (i = 0; i < RTE_DIM(steps) && ret == 0; i++)
		ret = virtio_user_dev_set_status(dev, steps[i]);
	return ret;
}

static void
run_ops(struct virtio_user_dev *dev, struct fz_in *ops)
{
	while (fz_more(ops)) {
		uint8_t op = fz_u8(ops);

		switch (op % 8) {
		case 0:
		case 1:
			driver_ok(dev, (op & 0x80) ? ~UINT64_C(0) : fz_u32(ops) |
				  (uint64_t)fz_u32(ops) << 32);
			break;
		case 2:
			virtio_user_dev_set_status(dev, VIRTIO_STATUS_RESET);
			break;
		case 3: { /* MQ_VQ_PAIRS_SET */
			uint8_t cmd[4] = { VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
					   fz_u8(ops) % 4, 0 };

			virtio_user_dev_ctrl(dev, cmd, 2 + (op >> 7) + 1);
			break;
		}
		case 4: { /* any command, any length */
			uint8_t cmd[16];
			size_t len = fz_u8(ops) % sizeof(cmd);

			fz_bytes(ops, cmd, len);
			virtio_user_dev_ctrl(dev, cmd, len);
			break;
		}
		case 5:
			virtio_user_dev_link_up(dev);
			break;
		case 6: /* what the server-mode interrupt handler does on a hang-up */
			virtio_user_dev_backend_lost(dev);
			break;
		case 7: { /* ... and on a new connection (client mode: refused) */
			bool changed;

			virtio_user_dev_backend_connected(dev, &changed);
			break;
		}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { .p = data, .n = size };
	uint8_t cfg = fz_u8(&in);
	size_t nops = RTE_MIN((size_t)(fz_u8(&in) % MAX_OPS) * 9, in.n);
	struct fz_in ops = { .p = in.p, .n = nops };
	struct virtio_devargs args = { .queue_size = RING_SIZE };
	static struct virtio_user_dev dev;
	struct virtqueue vqs[NVQ];
	bool packed = cfg & 4;
	int fds_before = fz_open_fds(), fds_after;
	unsigned int tries;
	int ret;

	/* Operations take up to 9 bytes each; the backend's script is the rest. */
	script = (struct fz_in){ .p = in.p + nops, .n = in.n - nops };
	server_mode = cfg & 8;
	args.server = server_mode;
	snprintf(args.path, sizeof(args.path), "%s", server_mode ? srv_path : sock_path);
	args.queues = 1 + (cfg & 1);
	args.cq = cfg & 2;
	args.mrg_rxbuf = true;
	args.speed = UINT32_MAX;
	sem_post(&go);

	ret = virtio_user_dev_init(&dev, "fuzz_vu", &args);
	if (ret == 0) {
		unsigned int i, nvq = 2 * args.queues + (args.cq ? 1 : 0);

		for (i = 0; i < nvq; i++) {
			memset(rings[i], 0, vq_split_ring_size(RING_SIZE) +
			       vq_packed_ring_size(RING_SIZE));
			ret = packed ? vq_packed_init(&vqs[i], i, RING_SIZE, rings[i],
						      (uintptr_t)rings[i], true) :
				       vq_split_init(&vqs[i], i, RING_SIZE, rings[i],
						     (uintptr_t)rings[i], true);
			FZ_CHECK(ret == 0, "ring init: %d", ret);
			FZ_CHECK(virtio_user_dev_add_queue(&dev, &vqs[i]) == 0, "add queue %u", i);
		}
		run_ops(&dev, &ops);
		virtio_user_dev_uninit(&dev);
		for (i = 0; i < nvq; i++)
			vq_fini(&vqs[i]);
	}
	sem_wait(&done);
	/*
	 * A leak stays; a descriptor another thread holds for a moment (the
	 * EAL's, libFuzzer's) goes: look again for a while before calling it
	 * one. Such a passing descriptor in the first count only makes this
	 * one lower.
	 */
	for (tries = 0; (fds_after = fz_open_fds()) > fds_before && tries < 200; tries++)
		usleep(1000);
	if (fds_after > fds_before)
		fz_open_fds_print(stderr);
	FZ_CHECK(fds_after <= fds_before, "%d sockets and eventfds open after the input, %d "
		 "before (leak)", fds_after, fds_before);
	return 0;
}
