/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Devargs table: defaults, every key's good values, and every rejection's message. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_ethdev.h>

#include "devargs.h"

#define DEV  "net_virtio_user7"
#define USER VIRTIO_DEVARG_USER
#define PCI  VIRTIO_DEVARG_PCI
#define SOCK "path=/tmp/vhost-user0.sock"

static char err[1024];

static int
parse(const char *args, unsigned int kind, struct virtio_devargs *out)
{
	memset(err, 0x7f, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return virtio_devargs_parse(DEV, args, kind, out, err, sizeof(err));
}

static void
defaults(struct virtio_devargs *d)
{
	memset(d, 0, sizeof(*d));
	d->queue_size = 256;
	d->queues = 1;
	d->mrg_rxbuf = true;
	d->in_order = true;
	d->packed_vq = false;
	d->speed = RTE_ETH_SPEED_NUM_UNKNOWN;
}

static void
assert_args_equal(const struct virtio_devargs *got, const struct virtio_devargs *want)
{
	assert_string_equal(got->path, want->path);
	assert_string_equal(got->iface, want->iface);
	assert_int_equal(got->mac_given, want->mac_given);
	if (want->mac_given)
		assert_memory_equal(got->mac.addr_bytes, want->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	assert_int_equal(got->cq, want->cq);
	assert_int_equal(got->queue_size, want->queue_size);
	assert_int_equal(got->queues, want->queues);
	assert_int_equal(got->server, want->server);
	assert_int_equal(got->mrg_rxbuf, want->mrg_rxbuf);
	assert_int_equal(got->in_order, want->in_order);
	assert_int_equal(got->packed_vq, want->packed_vq);
	assert_int_equal(got->speed, want->speed);
	assert_int_equal(got->vectorized, want->vectorized);
	assert_int_equal(got->vdpa, want->vdpa);
}

static void
test_defaults(void **state)
{
	struct virtio_devargs got, want;

	RTE_SET_USED(state);
	/* virtio-user: only the socket given. */
	assert_int_equal(parse(SOCK, USER, &got), 0);
	assert_string_equal(err, "");
	defaults(&want);
	strcpy(want.path, "/tmp/vhost-user0.sock");
	assert_args_equal(&got, &want);
	assert_int_equal(got.queue_size, 256);
	assert_int_equal(got.queues, 1);
	assert_true(got.mrg_rxbuf);
	assert_true(got.in_order);
	assert_false(got.packed_vq);
	assert_int_equal(got.speed, RTE_ETH_SPEED_NUM_UNKNOWN);

	/* PCI: nothing given at all, or an empty string. */
	defaults(&want);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(parse(NULL, PCI, &got), 0);
	assert_args_equal(&got, &want);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(parse("", PCI, &got), 0);
	assert_args_equal(&got, &want);
}

struct good_case {
	const char *args;
	unsigned int kind;
	void (*expect)(struct virtio_devargs *d);
};

/* Expected values: the defaults changed by one of these. */
static void
e_sock(struct virtio_devargs *d)
{
	strcpy(d->path, "/tmp/vhost-user0.sock");
}

static void
e_none(struct virtio_devargs *d)
{
	RTE_SET_USED(d);
}

#define EXPECT(name, body)                         \
	static void name(struct virtio_devargs *d) \
	{                                          \
		e_sock(d);                         \
		body;                              \
	}

EXPECT(e_path_other, strcpy(d->path, "/run/vpp/sock1.sock"))
EXPECT(e_mac, d->mac_given = true; memcpy(d->mac.addr_bytes, "\x02\x00\x00\xab\xcd\xef", 6))
EXPECT(e_mac_upper, d->mac_given = true; memcpy(d->mac.addr_bytes, "\xaa\xbb\xcc\xdd\xee\xf0", 6))
EXPECT(e_cq, d->cq = true)
EXPECT(e_qs1, d->queue_size = 1)
EXPECT(e_qs2, d->queue_size = 2)
EXPECT(e_qs64, d->queue_size = 64)
EXPECT(e_qs1024, d->queue_size = 1024)
EXPECT(e_qs32768, d->queue_size = 32768)
EXPECT(e_q2, d->queues = 2)
EXPECT(e_q8, d->queues = 8)
EXPECT(e_q128, d->queues = 128)
EXPECT(e_kernel_q2, strcpy(d->path, "/dev/vhost-net"); d->queues = 2; strcpy(d->iface, "vtap%d"))
EXPECT(e_iface, strcpy(d->iface, "tap0"))
EXPECT(e_iface15, strcpy(d->iface, "abcdefghijklmno"))
EXPECT(e_mrg0, d->mrg_rxbuf = false)
EXPECT(e_inorder0, d->in_order = false)
EXPECT(e_vec1, d->vectorized = true)
EXPECT(e_speed10, d->speed = RTE_ETH_SPEED_NUM_10M)
EXPECT(e_speed100, d->speed = RTE_ETH_SPEED_NUM_100M)
EXPECT(e_speed1g, d->speed = RTE_ETH_SPEED_NUM_1G)
EXPECT(e_speed2_5g, d->speed = RTE_ETH_SPEED_NUM_2_5G)
EXPECT(e_speed5g, d->speed = RTE_ETH_SPEED_NUM_5G)
EXPECT(e_speed10g, d->speed = RTE_ETH_SPEED_NUM_10G)
EXPECT(e_speed20g, d->speed = RTE_ETH_SPEED_NUM_20G)
EXPECT(e_speed25g, d->speed = RTE_ETH_SPEED_NUM_25G)
EXPECT(e_speed40g, d->speed = RTE_ETH_SPEED_NUM_40G)
EXPECT(e_speed50g, d->speed = RTE_ETH_SPEED_NUM_50G)
EXPECT(e_speed56g, d->speed = RTE_ETH_SPEED_NUM_56G)
EXPECT(e_speed100g, d->speed = RTE_ETH_SPEED_NUM_100G)
EXPECT(e_speed200g, d->speed = RTE_ETH_SPEED_NUM_200G)
EXPECT(e_many, d->queue_size = 1024; d->mrg_rxbuf = false; d->in_order = false;
		d->vectorized = true; d->speed = RTE_ETH_SPEED_NUM_25G; strcpy(d->iface, "vhost7");
		d->mac_given = true; memcpy(d->mac.addr_bytes, "\x52\x54\x00\x12\x34\x56", 6))

EXPECT(e_packed, d->packed_vq = true)
EXPECT(e_packed255, d->packed_vq = true; d->queue_size = 255)
EXPECT(e_packed1025, d->packed_vq = true; d->queue_size = 1025)

static void
p_speed10g(struct virtio_devargs *d)
{
	d->speed = RTE_ETH_SPEED_NUM_10G;
}

static void
p_vec(struct virtio_devargs *d)
{
	d->vectorized = true;
}

static void
p_all(struct virtio_devargs *d)
{
	d->speed = RTE_ETH_SPEED_NUM_100G;
	d->vectorized = true;
}

static void
p_vdpa(struct virtio_devargs *d)
{
	d->vdpa = true;
}

static const struct good_case good_cases[] = {
	{ SOCK, USER, e_sock },
	{ "path=/run/vpp/sock1.sock", USER, e_path_other },
	{ SOCK ",mac=02:00:00:ab:cd:ef", USER, e_mac },
	{ SOCK ",mac=AA:BB:CC:DD:EE:F0", USER, e_mac_upper },
	{ SOCK ",cq=0", USER, e_sock },
	{ SOCK ",cq=1", USER, e_cq },
	{ SOCK ",queue_size=1", USER, e_qs1 },
	{ SOCK ",queue_size=2", USER, e_qs2 },
	{ SOCK ",queue_size=64", USER, e_qs64 },
	{ SOCK ",queue_size=256", USER, e_sock },
	{ SOCK ",queue_size=1024", USER, e_qs1024 },
	{ SOCK ",queue_size=0x400", USER, e_qs1024 },
	{ SOCK ",queue_size=32768", USER, e_qs32768 },
	{ SOCK ",queues=1", USER, e_sock },
	{ SOCK ",queues=2", USER, e_q2 },
	{ SOCK ",queues=0x8", USER, e_q8 },
	{ SOCK ",queues=128", USER, e_q128 },
	{ "path=/dev/vhost-net,queues=2,iface=vtap%d", USER, e_kernel_q2 },
	{ SOCK ",iface=tap0", USER, e_iface },
	{ SOCK ",iface=abcdefghijklmno", USER, e_iface15 },
	{ SOCK ",server=0", USER, e_sock },
	{ SOCK ",mrg_rxbuf=0", USER, e_mrg0 },
	{ SOCK ",mrg_rxbuf=1", USER, e_sock },
	{ SOCK ",in_order=0", USER, e_inorder0 },
	{ SOCK ",in_order=1", USER, e_sock },
	{ SOCK ",packed_vq=0", USER, e_sock },
	{ SOCK ",packed_vq=1", USER, e_packed },
	/* Packed rings take any size; the DTS plans use 255 and 1025. */
	{ SOCK ",packed_vq=1,queue_size=255", USER, e_packed255 },
	{ SOCK ",queue_size=1025,packed_vq=1", USER, e_packed1025 },
	{ SOCK ",vectorized=0", USER, e_sock },
	{ SOCK ",vectorized=1", USER, e_vec1 },
	{ SOCK ",speed=10", USER, e_speed10 },
	{ SOCK ",speed=100", USER, e_speed100 },
	{ SOCK ",speed=1000", USER, e_speed1g },
	{ SOCK ",speed=2500", USER, e_speed2_5g },
	{ SOCK ",speed=5000", USER, e_speed5g },
	{ SOCK ",speed=10000", USER, e_speed10g },
	{ SOCK ",speed=20000", USER, e_speed20g },
	{ SOCK ",speed=25000", USER, e_speed25g },
	{ SOCK ",speed=40000", USER, e_speed40g },
	{ SOCK ",speed=50000", USER, e_speed50g },
	{ SOCK ",speed=56000", USER, e_speed56g },
	{ SOCK ",speed=100000", USER, e_speed100g },
	{ SOCK ",speed=200000", USER, e_speed200g },
	{ SOCK ",speed=4294967295", USER, e_sock },
	{ "queue_size=1024,mrg_rxbuf=0," SOCK ",in_order=0,vectorized=1,speed=25000,"
	  "iface=vhost7,mac=52:54:00:12:34:56,cq=0,server=0,packed_vq=0,queues=1",
			USER, e_many },
	{ "speed=10000", PCI, p_speed10g },
	{ "vectorized=1", PCI, p_vec },
	{ "vectorized=0", PCI, e_none },
	{ "vdpa=0", PCI, e_none },
	{ "vdpa=1", PCI, p_vdpa },
	{ "speed=100000,vectorized=1,vdpa=0", PCI, p_all },
};

static void
test_good_values(void **state)
{
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(good_cases); i++) {
		const struct good_case *c = &good_cases[i];
		struct virtio_devargs got, want;
		int ret;

		print_message("good: %s (%s)\n", c->args, c->kind == PCI ? "pci" : "user");
		memset(&got, 0x55, sizeof(got));
		ret = parse(c->args, c->kind, &got);
		if (ret != 0)
			print_message("unexpected rejection: %s\n", err);
		assert_int_equal(ret, 0);
		assert_string_equal(err, "");
		defaults(&want);
		c->expect(&want);
		assert_args_equal(&got, &want);
	}
}

struct bad_case {
	const char *args;
	unsigned int kind;
	const char *key; /* must appear in the message as 'key' */
	const char *value; /* must appear as 'value'; NULL when there is none */
};

static const struct bad_case bad_cases[] = {
	{ SOCK ",queue_size=0", USER, "queue_size", "0" },
	{ SOCK ",queue_size=100", USER, "queue_size", "100" },
	{ SOCK ",queue_size=65536", USER, "queue_size", "65536" },
	{ SOCK ",queue_size=abc", USER, "queue_size", "abc" },
	{ SOCK ",queue_size=-1", USER, "queue_size", "-1" },
	{ SOCK ",queue_size=256k", USER, "queue_size", "256k" },
	{ SOCK ",queue_size=3", USER, "queue_size", "3" },
	{ SOCK ",queues=0", USER, "queues", "0" },
	{ SOCK ",queues=abc", USER, "queues", "abc" },
	{ SOCK ",queues=-2", USER, "queues", "-2" },
	{ SOCK ",queues=129", USER, "queues", "129" },
	{ SOCK ",mac=zz:zz:zz:zz:zz:zz", USER, "mac", "zz:zz:zz:zz:zz:zz" },
	{ SOCK ",mac=01:00:5e:00:00:01", USER, "mac", "01:00:5e:00:00:01" },
	{ SOCK ",mac=ff:ff:ff:ff:ff:ff", USER, "mac", "ff:ff:ff:ff:ff:ff" },
	{ SOCK ",mac=00:00:00:00:00:00", USER, "mac", "00:00:00:00:00:00" },
	{ SOCK ",mac=00:11:22:33:44", USER, "mac", "00:11:22:33:44" },
	{ SOCK ",mac=00:11:22:33:44:55:66", USER, "mac", "00:11:22:33:44:55:66" },
	{ SOCK ",server=1", USER, "server", "1" },
	{ SOCK ",packed_vq=0,queue_size=255", USER, "queue_size", "255" },
	{ SOCK ",cq=2", USER, "cq", "2" },
	{ SOCK ",cq=yes", USER, "cq", "yes" },
	{ SOCK ",cq=-1", USER, "cq", "-1" },
	{ SOCK ",server=2", USER, "server", "2" },
	{ SOCK ",server=yes", USER, "server", "yes" },
	{ SOCK ",server=-1", USER, "server", "-1" },
	{ SOCK ",mrg_rxbuf=2", USER, "mrg_rxbuf", "2" },
	{ SOCK ",mrg_rxbuf=yes", USER, "mrg_rxbuf", "yes" },
	{ SOCK ",mrg_rxbuf=-1", USER, "mrg_rxbuf", "-1" },
	{ SOCK ",in_order=2", USER, "in_order", "2" },
	{ SOCK ",in_order=yes", USER, "in_order", "yes" },
	{ SOCK ",in_order=-1", USER, "in_order", "-1" },
	{ SOCK ",packed_vq=2", USER, "packed_vq", "2" },
	{ SOCK ",packed_vq=yes", USER, "packed_vq", "yes" },
	{ SOCK ",packed_vq=-1", USER, "packed_vq", "-1" },
	{ SOCK ",vectorized=2", USER, "vectorized", "2" },
	{ SOCK ",vectorized=yes", USER, "vectorized", "yes" },
	{ SOCK ",vectorized=-1", USER, "vectorized", "-1" },
	{ SOCK ",speed=-1", USER, "speed", "-1" },
	{ SOCK ",speed=12345", USER, "speed", "12345" },
	{ SOCK ",speed=4294967296", USER, "speed", "4294967296" },
	{ SOCK ",speed=fast", USER, "speed", "fast" },
	{ SOCK ",bogus=1", USER, "bogus", NULL },
	{ "bogus=1", PCI, "bogus", NULL },
	{ "queue_size=256", USER, "path", NULL },
	{ "", USER, "path", NULL },
	{ NULL, USER, "path", NULL },
	{ "path=", USER, "path", NULL },
	{ SOCK ",iface=abcdefghijklmnop", USER, "iface", "abcdefghijklmnop" },
	{ SOCK ",vdpa=1", USER, "vdpa", NULL }, /* a PCI-only key */
	{ "path=/tmp/x.sock", PCI, "path", NULL }, /* a virtio-user-only key */
	{ "mac=02:00:00:00:00:01", PCI, "mac", NULL },
	{ "vdpa=2", PCI, "vdpa", "2" },
	{ "speed=12345", PCI, "speed", "12345" },
	{ "vectorized=yes", PCI, "vectorized", "yes" },
};

static void
check_message(const char *key, const char *value)
{
	char quoted[256];

	assert_non_null(memchr(err, '\0', sizeof(err)));
	assert_true(strncmp(err, DEV ": ", strlen(DEV) + 2) == 0);
	snprintf(quoted, sizeof(quoted), "'%s'", key);
	assert_non_null(strstr(err, quoted));
	if (value != NULL) {
		snprintf(quoted, sizeof(quoted), "'%s'", value);
		assert_non_null(strstr(err, quoted));
	}
}

static void
test_bad_values(void **state)
{
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct virtio_devargs got;

		print_message("bad: %s (%s)\n", c->args ? c->args : "(null)",
				c->kind == PCI ? "pci" : "user");
		assert_int_equal(parse(c->args, c->kind, &got), -EINVAL);
		print_message("  -> %s\n", err);
		check_message(c->key, c->value);
		/* A refused value comes with what would have been accepted. */
		if (c->value != NULL)
			assert_non_null(strstr(err, "allowed"));
	}
}

/* An unknown key's message lists the keys that the device kind accepts. */
static void
test_unknown_key_lists_allowed(void **state)
{
	struct virtio_devargs got;

	RTE_SET_USED(state);
	assert_int_equal(parse(SOCK ",bogus=1", USER, &got), -EINVAL);
	assert_non_null(strstr(err, "queue_size"));
	assert_non_null(strstr(err, "mrg_rxbuf"));
	assert_null(strstr(err, "vdpa"));
	assert_int_equal(parse("bogus=1", PCI, &got), -EINVAL);
	assert_non_null(strstr(err, "speed"));
	assert_non_null(strstr(err, "vdpa"));
	assert_null(strstr(err, "queue_size"));
}

/*
 * A key given twice is refused; the message must name the key and the value
 * that was refused (the second one), like every other rejection.
 */
static void
test_duplicate_key(void **state)
{
	static const struct bad_case dups[] = {
		{ SOCK ",queue_size=256,queue_size=512", USER, "queue_size", "512" },
		{ SOCK ",mrg_rxbuf=0,mrg_rxbuf=1", USER, "mrg_rxbuf", "1" },
		{ "speed=1000,vectorized=1,speed=10000", PCI, "speed", "10000" },
	};
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(dups); i++) {
		struct virtio_devargs got;

		print_message("dup: %s\n", dups[i].args);
		assert_int_equal(parse(dups[i].args, dups[i].kind, &got), -EINVAL);
		print_message("  -> %s\n", err);
		check_message(dups[i].key, NULL);
		check_message(dups[i].key, dups[i].value);
	}
	/* The same path twice is refused as well, even with the same value. */
	{
		struct virtio_devargs got;

		assert_int_equal(parse(SOCK "," SOCK, USER, &got), -EINVAL);
		check_message("path", NULL);
	}
}

/* Socket paths up to the sun_path limit (107 bytes) pass; one more byte is refused. */
static void
test_path_length(void **state)
{
	char args[256], path[128];
	struct virtio_devargs got;

	RTE_SET_USED(state);
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[VIRTIO_USER_PATH_MAX] = '\0';
	assert_int_equal(strlen(path), 107);
	snprintf(args, sizeof(args), "path=%s,queue_size=64", path);
	assert_int_equal(parse(args, USER, &got), 0);
	assert_string_equal(got.path, path);
	assert_int_equal(got.queue_size, 64);

	path[VIRTIO_USER_PATH_MAX] = 'q';
	path[VIRTIO_USER_PATH_MAX + 1] = '\0';
	assert_int_equal(strlen(path), 108);
	snprintf(args, sizeof(args), "path=%s", path);
	assert_int_equal(parse(args, USER, &got), -EINVAL);
	print_message("  -> %s\n", err);
	check_message("path", path);
	assert_non_null(strstr(err, "107"));
}

/* A short message buffer truncates, never overflows. */
static void
test_small_error_buffer(void **state)
{
	struct virtio_devargs got;
	struct {
		char buf[24];
		char guard[8];
	} b;

	RTE_SET_USED(state);
	memset(&b, 0x7e, sizeof(b));
	assert_int_equal(virtio_devargs_parse(DEV, SOCK ",queue_size=100", USER, &got, b.buf,
					 sizeof(b.buf)),
			-EINVAL);
	assert_int_equal(strlen(b.buf), sizeof(b.buf) - 1);
	assert_true(strncmp(b.buf, DEV, strlen(DEV)) == 0);
	assert_memory_equal(b.guard, "\x7e\x7e\x7e\x7e\x7e\x7e\x7e\x7e", sizeof(b.guard));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_unknown_key_lists_allowed),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests_name("devargs", tests, NULL, NULL);
}
