/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * The control queue against a fake device (fake_cvq.c) on split and packed
 * rings: the bytes of each command and the ack, many commands across ring
 * laps, a device that answers error, one that never answers (timeout, then
 * the queue refuses until reset), one that names a buffer it was not given,
 * acks other than OK/ERR and used lengths other than the ack byte (counted,
 * logged once per second), and the refusals before any ring is touched (no
 * CTRL_VQ, not running).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_memzone.h>

#include "cvq.h"
#include "fake_cvq.h"
#include "ut_common.h"
#include "virtio_dev.h"

#define RING 4

static const struct virtio_transport_ops ring_ops = {
	.name = "test-ring",
};

struct env {
	struct virtio_dev dev;
	struct virtio_cvq cvq;
	struct fake_cvq fake;
	const struct rte_memzone *mz;
};

static void
env_make(struct env *e, bool packed)
{
	static unsigned int serial;
	char name[32];

	memset(e, 0, sizeof(*e));
	snprintf(name, sizeof(name), "ut_cvq%u", serial++);
	e->mz = rte_memzone_reserve_aligned(name, virtio_cvq_mem_size(RING, packed), SOCKET_ID_ANY,
					    0, 4096);
	assert_non_null(e->mz);
	memset(e->mz->addr, 0, e->mz->len);
	assert_int_equal(virtio_cvq_init(&e->cvq, e->mz, 2, RING, packed, true), 0);
	e->dev.ops = &ring_ops;
	e->dev.name = "cvq-test";
	e->dev.features = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
			  (packed ? VIRTIO_BIT(VIRTIO_F_RING_PACKED) : 0);
	e->dev.cvq = &e->cvq;
	e->dev.running = true;
	fake_cvq_attach(&e->fake, &e->cvq.vq);
}

static void
env_free(struct env *e)
{
	assert_int_equal(e->fake.protocol_errors, 0);
	virtio_cvq_fini(&e->cvq);
	rte_memzone_free(e->mz);
}

static int
pairs_set(struct env *e, uint16_t n)
{
	uint16_t le = rte_cpu_to_le_16(n);

	return virtio_cvq_command(&e->dev, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET,
				  &le, sizeof(le));
}

/* Acks OK for an even pair count, error for an odd one. */
static uint8_t
even_only(struct fake_cvq *f, const uint8_t *cmd, size_t len)
{
	RTE_SET_USED(f);
	return len == 4 && (cmd[2] & 1) == 0 ? VIRTIO_NET_OK : VIRTIO_NET_ERR;
}

static void
commands_arrive_intact(void **state)
{
	bool packed = *(bool *)*state;
	struct env e;
	uint16_t n;

	env_make(&e, packed);
	/* Ten commands on a ring of four: the ring wraps twice and more. */
	for (n = 1; n <= 10; n++) {
		assert_int_equal(pairs_set(&e, n), 0);
		assert_int_equal(e.fake.last_len, 4);
		assert_int_equal(e.fake.last_cmd[0], VIRTIO_NET_CTRL_MQ);
		assert_int_equal(e.fake.last_cmd[1], VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET);
		assert_int_equal(e.fake.last_cmd[2] | e.fake.last_cmd[3] << 8, n);
	}
	assert_int_equal(e.fake.commands, 10);
	/* Every descriptor is back: nothing leaked across the laps. */
	assert_int_equal(e.cvq.vq.nfree, RING);
	/* With EVENT_IDX the doorbell follows the device's avail_event / event area. */
	virtio_cvq_reset(&e.cvq, true);
	fake_cvq_reset(&e.fake);
	for (n = 1; n <= 10; n++)
		assert_int_equal(pairs_set(&e, n), 0);
	assert_int_equal(e.fake.commands, 20);
	env_free(&e);
}

static void
device_error_is_eio(void **state)
{
	bool packed = *(bool *)*state;
	struct env e;

	env_make(&e, packed);
	e.fake.handler = even_only;
	assert_int_equal(pairs_set(&e, 2), 0);
	assert_int_equal(pairs_set(&e, 3), -EIO);
	/* An error answer does not spoil the queue. */
	assert_int_equal(pairs_set(&e, 4), 0);
	assert_int_equal(e.cvq.vq.nfree, RING);
	env_free(&e);
}

static void
silent_device_times_out(void **state)
{
	bool packed = *(bool *)*state;
	struct env e;

	env_make(&e, packed);
	e.fake.mode = FAKE_CVQ_SILENT;
	assert_int_equal(pairs_set(&e, 1), -ETIMEDOUT);
	assert_int_equal(e.fake.taken_silently, 1);
	/* The buffer may still be the device's: no further command goes out. */
	e.fake.mode = FAKE_CVQ_ANSWER;
	assert_int_equal(pairs_set(&e, 1), -EBUSY);
	assert_int_equal(e.fake.commands, 0);
	/* A restart resets the queue; then it works again. */
	virtio_cvq_reset(&e.cvq, false);
	fake_cvq_reset(&e.fake);
	assert_int_equal(pairs_set(&e, 2), 0);
	assert_int_equal(e.fake.commands, 1);
	env_free(&e);
}

static void
bogus_used_id_is_counted(void **state)
{
	bool packed = *(bool *)*state;
	struct env e;

	env_make(&e, packed);
	e.fake.mode = FAKE_CVQ_BOGUS_ID;
	/* Split: the real answer follows the bogus entry. Packed: it never comes. */
	assert_int_equal(pairs_set(&e, 2), packed ? -ETIMEDOUT : 0);
	assert_int_equal(e.cvq.vq.errors.bad_used_id, 1);
	/* The port's xstat cvq_bad_used counts it as well. */
	assert_int_equal(e.dev.errors.cvq_bad_used, 1);
	env_free(&e);
}

/* Acks other than OK (0) and ERR (1): -EPROTO, counted, the queue keeps working. */
static uint8_t
ack_7(struct fake_cvq *f, const uint8_t *cmd, size_t len)
{
	RTE_SET_USED(f);
	RTE_SET_USED(cmd);
	RTE_SET_USED(len);
	return 7;
}

static void
bad_ack_is_counted(void **state)
{
	bool packed = *(bool *)*state;
	struct env e;
	unsigned int i;

	env_make(&e, packed);
	ut_log_capture_start();
	ut_log_clock_fake();
	ut_log_clock_advance_s(1);
	e.fake.handler = ack_7;
	/* Ten bad answers within a second: ten counts, one message. */
	for (i = 0; i < 10; i++)
		assert_int_equal(pairs_set(&e, 2), -EPROTO);
	assert_int_equal(e.dev.errors.cvq_bad_ack, 10);
	assert_int_equal(ut_log_count("control command MQ_VQ_PAIRS_SET failed: field 'ack': 7, "
				      "allowed 0 (OK) or 1 (ERR)"), 1);
	/* A second later the next one is told, with how many were held back. */
	ut_log_clock_advance_s(1);
	assert_int_equal(pairs_set(&e, 2), -EPROTO);
	assert_int_equal(ut_log_count("field 'ack'"), 2);
	assert_int_equal(ut_log_count("(9 similar messages suppressed"), 1);
	ut_log_clock_real();
	ut_log_capture_stop();
	/* Good answers after the bad ones; every descriptor is back. */
	e.fake.handler = NULL;
	assert_int_equal(pairs_set(&e, 2), 0);
	assert_int_equal(e.dev.errors.cvq_bad_ack, 11);
	assert_int_equal(e.dev.errors.cvq_bad_used, 0);
	assert_int_equal(e.cvq.vq.nfree, RING);
	env_free(&e);
}

/* A used length other than the one ack byte: -EPROTO, counted, the queue keeps working. */
static void
bad_used_len_is_counted(void **state)
{
	static const uint32_t lens[] = { 0, 2, 4096 };
	bool packed = *(bool *)*state;
	struct env e;
	unsigned int i;

	env_make(&e, packed);
	ut_log_capture_start();
	ut_log_clock_fake();
	for (i = 0; i < RTE_DIM(lens); i++) {
		ut_log_clock_advance_s(1);
		ut_log_mark();
		e.fake.mode = FAKE_CVQ_BAD_LEN;
		e.fake.bad_len = lens[i];
		assert_int_equal(pairs_set(&e, 2), -EPROTO);
		assert_int_equal(e.dev.errors.cvq_bad_used, i + 1);
		assert_int_equal(ut_log_count("control command MQ_VQ_PAIRS_SET failed: field "
					      "'used length'"), 1);
		assert_int_equal(pairs_set(&e, 2), 0);
	}
	ut_log_clock_real();
	ut_log_capture_stop();
	assert_int_equal(e.dev.errors.cvq_bad_ack, 0);
	assert_int_equal(e.cvq.vq.nfree, RING);
	env_free(&e);
}

static void
refused_without_ring_use(void **state)
{
	bool packed = *(bool *)*state;
	struct env e;

	env_make(&e, packed);
	e.dev.running = false;
	assert_int_equal(pairs_set(&e, 1), -ENOTCONN);
	e.dev.running = true;
	e.dev.features &= ~VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
	assert_int_equal(pairs_set(&e, 1), -ENOTSUP);
	assert_int_equal(e.fake.commands, 0);
	assert_int_equal(e.cvq.vq.notifications, 0);
	assert_string_equal(virtio_cvq_command_name(VIRTIO_NET_CTRL_MQ,
						    VIRTIO_NET_CTRL_MQ_RSS_CONFIG), "MQ_RSS_CONFIG");
	env_free(&e);
}

static bool split_ring;
static bool packed_ring = true;

#define BOTH(fn) \
	cmocka_unit_test_prestate(fn, &split_ring), cmocka_unit_test_prestate(fn, &packed_ring)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(commands_arrive_intact),
		BOTH(device_error_is_eio),
		BOTH(silent_device_times_out),
		BOTH(bogus_used_id_is_counted),
		BOTH(bad_ack_is_counted),
		BOTH(bad_used_len_is_counted),
		BOTH(refused_without_ring_use),
	};
	int ret;

	if (ut_eal_init("cvq") < 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	ut_eal_fini();
	return ret;
}
