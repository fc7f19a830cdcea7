/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Device configuration space values the driver must not believe blindly
 * (dev_config.c, mq.c): an MTU below 68, max_virtqueue_pairs of 0 or above
 * 0x8000, a multicast or all-zero MAC, status bits the spec does not
 * define. Each is counted in its port xstat, logged at most once per second
 * (on a fake clock, so no timing is involved), and the driver carries on
 * with its own default; good values pass unchanged and uncounted.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "dev_config.h"
#include "ethdev.h"
#include "mq.h"
#include "ut_common.h"

static struct virtio_net_config fake_config;

static void
read_config(struct virtio_dev *dev, size_t offset, void *dst, size_t len)
{
	RTE_SET_USED(dev);
	memcpy(dst, (uint8_t *)&fake_config + offset, len);
}

static const struct virtio_transport_ops config_ops = {
	.name = "test-config",
	.read_config = read_config,
};

static void
port_make(struct virtnet_port *port, uint64_t features)
{
	memset(port, 0, sizeof(*port));
	port->dev.ops = &config_ops;
	port->dev.name = "cfg-test";
	port->dev.device_features = VIRTIO_BIT(VIRTIO_F_VERSION_1) | features;
	port->dev.features = port->dev.device_features;
	port->args.queues = 1;
}

static uint64_t
errors_total(const struct virtio_dev_errors *e)
{
	return e->cvq_bad_used + e->cvq_bad_ack + e->config_bad_mtu + e->config_bad_max_pairs +
	       e->config_bad_mac + e->config_bad_status;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, ut_log_fixture_teardown)

static int
setup(void **state)
{
	memset(&fake_config, 0, sizeof(fake_config));
	return ut_log_fixture_setup(state);
}

static void
mtu_below_68_is_ignored(void **state)
{
	static const struct {
		uint16_t mtu;
		uint16_t max_mtu;
		bool bad;
	} cases[] = {
		{ 0, VIRTIO_MAX_RX_PKTLEN - RTE_ETHER_HDR_LEN, true },
		{ 67, VIRTIO_MAX_RX_PKTLEN - RTE_ETHER_HDR_LEN, true },
		{ 68, 68, false },
		{ 1500, 1500, false },
		/* Above what we can receive: generous, not wrong. */
		{ 65535, VIRTIO_MAX_RX_PKTLEN - RTE_ETHER_HDR_LEN, false },
	};
	struct virtnet_port port;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(cases); i++) {
		ut_log_clock_advance_s(1);
		ut_log_mark();
		port_make(&port, VIRTIO_BIT(VIRTIO_NET_F_MTU));
		fake_config.mtu = rte_cpu_to_le_16(cases[i].mtu);
		assert_int_equal(virtnet_config_max_mtu(&port), cases[i].max_mtu);
		assert_int_equal(port.dev.errors.config_bad_mtu, cases[i].bad);
		assert_int_equal(errors_total(&port.dev.errors), cases[i].bad);
		/* Ignored means not negotiated either. */
		assert_int_equal(!!(port.dev.device_features & VIRTIO_BIT(VIRTIO_NET_F_MTU)),
				 !cases[i].bad);
		assert_int_equal(ut_log_count("config space: field 'mtu'"), cases[i].bad);
	}
}

static void
max_pairs_out_of_range_means_one(void **state)
{
	static const struct {
		uint16_t pairs;
		uint16_t device_pairs;
		bool bad;
	} cases[] = {
		{ 0, 1, true },
		{ 0x8001, 1, true },
		{ 0xffff, 1, true },
		{ 1, 1, false },
		{ 4, 4, false },
		{ 0x8000, 0x8000, false },
	};
	const uint64_t mq = VIRTIO_BIT(VIRTIO_NET_F_MQ) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
	struct virtnet_port port;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(cases); i++) {
		ut_log_clock_advance_s(1);
		ut_log_mark();
		port_make(&port, mq);
		fake_config.max_virtqueue_pairs = rte_cpu_to_le_16(cases[i].pairs);
		virtnet_mq_init(&port);
		assert_int_equal(port.device_queue_pairs, cases[i].device_pairs);
		assert_int_equal(port.dev.errors.config_bad_max_pairs, cases[i].bad);
		assert_int_equal(errors_total(&port.dev.errors), cases[i].bad);
		assert_int_equal(!!(port.dev.device_features & VIRTIO_BIT(VIRTIO_NET_F_MQ)),
				 !cases[i].bad);
		assert_int_equal(ut_log_count("config space: field 'max_virtqueue_pairs'"),
				 cases[i].bad);
	}
}

static void
mac_multicast_or_zero_is_absent(void **state)
{
	static const struct {
		struct rte_ether_addr mac;
		bool bad;
	} cases[] = {
		{ { { 0, 0, 0, 0, 0, 0 } }, true },
		{ { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } }, true },
		{ { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } }, true },
		{ { { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } }, false },
		/* Locally administered unicast is fine. */
		{ { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } }, false },
	};
	struct virtnet_port port;
	struct rte_ether_addr got;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(cases); i++) {
		ut_log_clock_advance_s(1);
		ut_log_mark();
		port_make(&port, VIRTIO_BIT(VIRTIO_NET_F_MAC));
		memcpy(fake_config.mac, cases[i].mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		assert_int_equal(virtnet_config_mac(&port, &got), !cases[i].bad);
		if (!cases[i].bad)
			assert_true(rte_is_same_ether_addr(&got, &cases[i].mac));
		assert_int_equal(port.dev.errors.config_bad_mac, cases[i].bad);
		assert_int_equal(errors_total(&port.dev.errors), cases[i].bad);
		assert_int_equal(!!(port.dev.device_features & VIRTIO_BIT(VIRTIO_NET_F_MAC)),
				 !cases[i].bad);
		if (ut_log_count("config space: field 'mac'") != cases[i].bad)
			fail_msg("case %u: log: %s", i, ut_log_text());
	}
	/* Without VIRTIO_NET_F_MAC nothing is read and nothing counted. */
	port_make(&port, 0);
	assert_false(virtnet_config_mac(&port, &got));
	assert_int_equal(errors_total(&port.dev.errors), 0);
}

/*
 * Undefined status bits: cleared, the known ones still believed. Read on
 * every link update, so the message is limited: ten reads in a second are
 * ten counts and one message; the next second brings one more message
 * saying how many were held back.
 */
static void
status_unknown_bits_ignored_and_limited(void **state)
{
	struct virtnet_port port;
	unsigned int i;

	RTE_SET_USED(state);
	port_make(&port, VIRTIO_BIT(VIRTIO_NET_F_STATUS));
	fake_config.status = rte_cpu_to_le_16(VIRTIO_NET_S_LINK_UP | VIRTIO_NET_S_ANNOUNCE);
	assert_int_equal(virtnet_config_status(&port),
			 VIRTIO_NET_S_LINK_UP | VIRTIO_NET_S_ANNOUNCE);
	assert_int_equal(port.dev.errors.config_bad_status, 0);

	ut_log_mark();
	fake_config.status = rte_cpu_to_le_16(0x8004 | VIRTIO_NET_S_LINK_UP);
	for (i = 0; i < 10; i++)
		assert_int_equal(virtnet_config_status(&port), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(port.dev.errors.config_bad_status, 10);
	assert_int_equal(ut_log_count("config space: field 'status': 0x8005, allowed bits 0x3"), 1);
	ut_log_clock_advance_s(1);
	fake_config.status = rte_cpu_to_le_16(0x10);
	assert_int_equal(virtnet_config_status(&port), 0);
	assert_int_equal(ut_log_count("field 'status'"), 2);
	assert_int_equal(ut_log_count("(9 similar messages suppressed since the last one)"), 1);
	assert_int_equal(errors_total(&port.dev.errors), 11);
	/* Good again: nothing more counted. */
	fake_config.status = rte_cpu_to_le_16(VIRTIO_NET_S_LINK_UP);
	assert_int_equal(virtnet_config_status(&port), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(port.dev.errors.config_bad_status, 11);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(mtu_below_68_is_ignored),
		T(max_pairs_out_of_range_means_one),
		T(mac_multicast_or_zero_is_absent),
		T(status_unknown_bits_ignored_and_limited),
	};
	int ret;

	if (ut_eal_init("config") < 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	ut_eal_fini();
	return ret;
}
