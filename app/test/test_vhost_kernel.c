/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * vhost-kernel pieces that need no /dev/vhost-net: the feature to
 * TUNSETOFFLOAD mapping, what the tap offers, and backend selection with
 * its error messages for paths that are not a usable vhost-net device.
 */

#include <errno.h>
#include <linux/if_tun.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_log.h>

#include "ut_common.h"
#include "user/vhost_kernel_tap.h"
#include "user/virtio_user_dev.h"
#include "virtio_spec.h"

#define DEV "virtio_user_vk"

static uint64_t
bits(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return VIRTIO_BIT(a) | VIRTIO_BIT(b) | VIRTIO_BIT(c) | VIRTIO_BIT(d);
}

/* (negotiated features, expected TUNSETOFFLOAD flags) */
static void
test_offload_flags_table(void **state)
{
	const struct {
		uint64_t features;
		unsigned int flags;
	} rows[] = {
		{ 0, 0 },
		/* What the driver negotiates today: no offload at all. */
		{ VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |
		  VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX), 0 },
		/* Tx offloads (HOST_*) concern what we write: no flag. */
		{ VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) |
		  VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6), 0 },
		{ VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM), TUN_F_CSUM },
		{ bits(VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
		       VIRTIO_F_VERSION_1), TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 },
		{ bits(VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_ECN,
		       VIRTIO_NET_F_GUEST_UFO), TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN | TUN_F_UFO },
		/* TSO without checksum offload is meaningless to the kernel: nothing. */
		{ VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6), 0 },
	};
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(rows); i++) {
		unsigned int got = vhost_kernel_tap_offload_flags(rows[i].features);

		if (got != rows[i].flags)
			fail_msg("row %u: features 0x%" PRIx64 " gave 0x%x, expected 0x%x", i,
				 rows[i].features, got, rows[i].flags);
	}
}

/* The tap backs checksum and TSO both ways, nothing the ring layer decides. */
static void
test_offered_features(void **state)
{
	uint64_t f = vhost_kernel_tap_offered_features();

	RTE_SET_USED(state);
	assert_true(f & VIRTIO_BIT(VIRTIO_NET_F_CSUM));
	assert_true(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM));
	assert_true(f & VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4));
	assert_true(f & VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6));
	assert_false(f & VIRTIO_BIT(VIRTIO_F_VERSION_1));
	assert_false(f & VIRTIO_BIT(VIRTIO_NET_F_MQ));
	assert_false(f & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ));
	assert_false(f & VIRTIO_BIT(VIRTIO_F_RING_PACKED));
}

/* Probes `args`, expects `err` and a log naming every needle, and no fd left open. */
static void
expect_init_fails(const char *args, int err, const char *const *needles)
{
	struct virtio_user_dev *dev = calloc(1, sizeof(*dev));
	struct virtio_devargs da;
	char msg[256];
	int fds = ut_open_fd_count();
	unsigned int i;

	assert_non_null(dev);
	ut_log_capture_start();
	assert_int_equal(virtio_devargs_parse(DEV, args, VIRTIO_DEVARG_USER, &da, msg,
					      sizeof(msg)), 0);
	assert_int_equal(virtio_user_dev_init(dev, DEV, &da), err);
	for (i = 0; needles[i] != NULL; i++)
		if (strstr(ut_log_text(), needles[i]) == NULL)
			fail_msg("log for '%s' lacks \"%s\":\n%s", args, needles[i],
				 ut_log_text());
	ut_log_capture_stop();
	assert_null(dev->backend);
	assert_int_equal(ut_open_fd_count(), fds);
	free(dev);
}

static void
test_vdpa_refused(void **state)
{
	static const char *const needles[] = { "'path'", "/dev/vhost-vdpa-0", "vhost-vdpa",
					       "not supported", NULL };

	RTE_SET_USED(state);
	expect_init_fails("path=/dev/vhost-vdpa-0", -ENOTSUP, needles);
}

static void
test_missing_vhost_net(void **state)
{
	static const char *const needles[] = { "/dev/vhost-net-missing", "does not exist",
					       "modprobe vhost_net", NULL };

	RTE_SET_USED(state);
	expect_init_fails("path=/dev/vhost-net-missing", -ENOENT, needles);
}

/* A character device that is no vhost device: the first vhost ioctl says so, nothing leaks. */
static void
test_not_a_vhost_device(void **state)
{
	static const char *const needles[] = { "vhost-kernel SET_OWNER failed", NULL };

	RTE_SET_USED(state);
	expect_init_fails("path=/dev/null,queues=4", -ENOTTY, needles);
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	return ut_eal_init("vhost_kernel");
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_eal_fini();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offload_flags_table),
		cmocka_unit_test(test_offered_features),
		cmocka_unit_test(test_vdpa_refused),
		cmocka_unit_test(test_missing_vhost_net),
		cmocka_unit_test(test_not_a_vhost_device),
	};

	return cmocka_run_group_tests_name("vhost_kernel", tests, group_setup, group_teardown);
}
