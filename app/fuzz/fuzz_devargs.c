/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The devargs parser (devargs.c) on any string, for both device kinds.
 *
 * Input: byte 0 picks the key set (virtio-user vdev or PCI device), the
 * rest is the devargs string. The string and the error buffer are heap
 * blocks of exactly their size, so a read or write past either is an
 * AddressSanitizer report. Whatever the string, a refusal must come with
 * a message, and an accepted result must hold terminated strings and
 * values inside the documented ranges.
 */

#include "devargs.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERR_LEN 256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { .p = data, .n = size };
	unsigned int kind = (fz_u8(&in) & 1) ? VIRTIO_DEVARG_PCI : VIRTIO_DEVARG_USER;
	char *args = malloc(in.n + 1);
	char *err = malloc(ERR_LEN);
	struct virtio_devargs out;
	int ret;

	FZ_CHECK(args != NULL && err != NULL, "no memory");
	memcpy(args, in.p, in.n);
	args[in.n] = '\0';
	memset(&out, 0xa5, sizeof(out));
	ret = virtio_devargs_parse("fuzz_dev", args, kind, &out, err, ERR_LEN);
	FZ_CHECK(memchr(err, '\0', ERR_LEN) != NULL, "error message not terminated");
	if (ret != 0) {
		FZ_CHECK(ret < 0, "parser returned %d", ret);
		FZ_CHECK(err[0] != '\0', "refused '%s' (%d) without a message", args, ret);
	} else {
		FZ_CHECK(memchr(out.path, '\0', sizeof(out.path)) != NULL, "path not terminated");
		FZ_CHECK(memchr(out.iface, '\0', sizeof(out.iface)) != NULL, "iface not terminated");
		FZ_CHECK(out.queues >= 1 && out.queues <= VIRTIO_USER_MAX_QUEUE_PAIRS,
			 "accepted queues=%u from '%s'", out.queues, args);
		FZ_CHECK(out.queue_size >= 1 && out.queue_size <= 32768,
			 "accepted queue_size=%u from '%s'", out.queue_size, args);
	}
	free(args);
	free(err);
	return 0;
}
