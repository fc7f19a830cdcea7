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
EXPECT(e_server, d->server = true)
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
	{ SOCK ",server=1", USER, e_server },
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

/*
 * The bad-input table: every case is refused with exactly one message that
 * names the key, the value and what is allowed. The functional suites run the
 * same cases through testpmd (test_bad_input.py), where the message must reach
 * the log unchanged.
 */
struct bad_case {
	const char *args;
	unsigned int kind;
	const char *msg; /* the exact message */
};

#define A_QSIZE "an integer from 1 to 32768, a power of two on a split ring"
#define A_QSIZE_SPLIT "a power of two from 1 to 32768 on a split ring (packed_vq=0)"
#define A_QUEUES "an integer from 1 to 128"
#define A_MAC "a unicast MAC address written xx:xx:xx:xx:xx:xx"
#define A_BOOL "0 or 1"
#define A_SPEED                                                                     \
	"a link speed in Mbps: 10, 100, 1000, 2500, 5000, 10000, 20000, 25000, 40000, " \
	"50000, 56000, 100000, 200000, or 4294967295 (unknown)"
#define A_PATH                                                                        \
	"a vhost-user unix socket or the vhost-net device (/dev/vhost-net), a path of at " \
	"most 107 bytes"
#define A_IFACE "an interface name of 1 to 15 characters"
#define KEYS_USER                                                                  \
	"path, mac, cq, queue_size, queues, iface, server, mrg_rxbuf, in_order, packed_vq, " \
	"speed, vectorized"
#define KEYS_PCI "speed, vectorized, vdpa"
#define NO_PATH                                                                         \
	DEV ": devarg 'path': not given: it is required, allowed is a vhost-user unix socket " \
	"or the vhost-net device (/dev/vhost-net)"

/* A refused value of `key` (the usual shape). */
#define BADV(args, kind, key, value, allowed) \
	{ args, kind, DEV ": devarg '" key "': invalid value '" value "': allowed is " allowed }
/* A boolean key: 2, yes, -1, true and the empty value are all refused. */
#define BADB(kind, pre, key)                                     \
	BADV(pre key "=2", kind, key, "2", A_BOOL),              \
	BADV(pre key "=yes", kind, key, "yes", A_BOOL),          \
	BADV(pre key "=-1", kind, key, "-1", A_BOOL),            \
	BADV(pre key "=true", kind, key, "true", A_BOOL),        \
	BADV(pre key "=01", kind, key, "01", A_BOOL),            \
	BADV(pre key "=", kind, key, "", A_BOOL)

static const struct bad_case bad_cases[] = {
	BADV(SOCK ",queue_size=0", USER, "queue_size", "0", A_QSIZE),
	BADV(SOCK ",queue_size=100", USER, "queue_size", "100", A_QSIZE_SPLIT),
	BADV(SOCK ",queue_size=65536", USER, "queue_size", "65536", A_QSIZE),
	BADV(SOCK ",queue_size=32769", USER, "queue_size", "32769", A_QSIZE),
	BADV(SOCK ",packed_vq=1,queue_size=32769", USER, "queue_size", "32769", A_QSIZE),
	BADV(SOCK ",packed_vq=1,queue_size=0", USER, "queue_size", "0", A_QSIZE),
	BADV(SOCK ",queue_size=abc", USER, "queue_size", "abc", A_QSIZE),
	BADV(SOCK ",queue_size=-1", USER, "queue_size", "-1", A_QSIZE),
	BADV(SOCK ",queue_size=256k", USER, "queue_size", "256k", A_QSIZE),
	BADV(SOCK ",queue_size=99999999999999999999", USER, "queue_size",
	     "99999999999999999999", A_QSIZE),
	BADV(SOCK ",queue_size=3", USER, "queue_size", "3", A_QSIZE_SPLIT),
	BADV(SOCK ",packed_vq=0,queue_size=255", USER, "queue_size", "255", A_QSIZE_SPLIT),
	BADV(SOCK ",queue_size=1025", USER, "queue_size", "1025", A_QSIZE_SPLIT),
	BADV(SOCK ",queues=0", USER, "queues", "0", A_QUEUES),
	BADV(SOCK ",queues=abc", USER, "queues", "abc", A_QUEUES),
	BADV(SOCK ",queues=-2", USER, "queues", "-2", A_QUEUES),
	BADV(SOCK ",queues=129", USER, "queues", "129", A_QUEUES),
	BADV(SOCK ",queues=4294967297", USER, "queues", "4294967297", A_QUEUES),
	BADV(SOCK ",queues=1.5", USER, "queues", "1.5", A_QUEUES),
	BADV(SOCK ",mac=zz:zz:zz:zz:zz:zz", USER, "mac", "zz:zz:zz:zz:zz:zz", A_MAC),
	BADV(SOCK ",mac=01:00:5e:00:00:01", USER, "mac", "01:00:5e:00:00:01", A_MAC),
	BADV(SOCK ",mac=ff:ff:ff:ff:ff:ff", USER, "mac", "ff:ff:ff:ff:ff:ff", A_MAC),
	BADV(SOCK ",mac=00:00:00:00:00:00", USER, "mac", "00:00:00:00:00:00", A_MAC),
	BADV(SOCK ",mac=00:11:22:33:44", USER, "mac", "00:11:22:33:44", A_MAC),
	BADV(SOCK ",mac=00:11:22:33:44:55:66", USER, "mac", "00:11:22:33:44:55:66", A_MAC),
	BADV(SOCK ",mac=0011.2233.4455", USER, "mac", "0011.2233.4455", A_MAC),
	BADB(USER, SOCK ",", "cq"),
	BADB(USER, SOCK ",", "server"),
	BADB(USER, SOCK ",", "mrg_rxbuf"),
	BADB(USER, SOCK ",", "in_order"),
	BADB(USER, SOCK ",", "packed_vq"),
	BADB(USER, SOCK ",", "vectorized"),
	BADV(SOCK ",speed=-1", USER, "speed", "-1", A_SPEED),
	BADV(SOCK ",speed=-10000", USER, "speed", "-10000", A_SPEED),
	BADV(SOCK ",speed=12345", USER, "speed", "12345", A_SPEED),
	BADV(SOCK ",speed=0", USER, "speed", "0", A_SPEED),
	BADV(SOCK ",speed=4294967296", USER, "speed", "4294967296", A_SPEED),
	BADV(SOCK ",speed=fast", USER, "speed", "fast", A_SPEED),
	BADV(SOCK ",speed=10G", USER, "speed", "10G", A_SPEED),
	BADV(SOCK ",iface=abcdefghijklmnop", USER, "iface", "abcdefghijklmnop", A_IFACE),
	BADV(SOCK ",iface=", USER, "iface", "", A_IFACE),
	BADV("path=", USER, "path", "", A_PATH),
	{ SOCK ",bogus=1", USER,
	  DEV ": devarg 'bogus': invalid key (value '1'): allowed keys are " KEYS_USER },
	{ SOCK ",queue-size=64", USER,
	  DEV ": devarg 'queue-size': invalid key (value '64'): allowed keys are " KEYS_USER },
	{ SOCK ",vdpa=1", USER,
	  DEV ": devarg 'vdpa': invalid key (value '1'): only virtio-net PCI devices take it; "
	  "allowed keys are " KEYS_USER },
	{ "queue_size=256", USER, NO_PATH },
	{ "", USER, NO_PATH },
	{ NULL, USER, NO_PATH },
	{ SOCK ",cq", USER, DEV ": devarg 'cq': no value (write cq=<value>): allowed is 0 or 1" },
	/* PCI: only speed, vectorized and vdpa. */
	{ "bogus=1", PCI,
	  DEV ": devarg 'bogus': invalid key (value '1'): allowed keys are " KEYS_PCI },
	{ "path=/tmp/x.sock", PCI,
	  DEV ": devarg 'path': invalid key (value '/tmp/x.sock'): only virtio-user devices "
	  "take it; allowed keys are " KEYS_PCI },
	{ "mac=02:00:00:00:00:01", PCI,
	  DEV ": devarg 'mac': invalid key (value '02:00:00:00:00:01'): only virtio-user devices "
	  "take it; allowed keys are " KEYS_PCI },
	{ "queues=2", PCI,
	  DEV ": devarg 'queues': invalid key (value '2'): only virtio-user devices "
	  "take it; allowed keys are " KEYS_PCI },
	{ "packed_vq=1", PCI,
	  DEV ": devarg 'packed_vq': invalid key (value '1'): only virtio-user devices "
	  "take it; allowed keys are " KEYS_PCI },
	BADB(PCI, "", "vdpa"),
	BADB(PCI, "", "vectorized"),
	BADV("speed=12345", PCI, "speed", "12345", A_SPEED),
	BADV("speed=-1", PCI, "speed", "-1", A_SPEED),
	BADV("speed=fast", PCI, "speed", "fast", A_SPEED),
	{ "speed", PCI, DEV ": devarg 'speed': no value (write speed=<value>): allowed is " A_SPEED },
	/* A key twice: the second value is refused (the stock driver ignores one silently). */
	BADV(SOCK ",queue_size=256,queue_size=512", USER, "queue_size", "512",
	     "one value per key ('256' was given first)"),
	BADV(SOCK ",mrg_rxbuf=0,mrg_rxbuf=1", USER, "mrg_rxbuf", "1",
	     "one value per key ('0' was given first)"),
	BADV(SOCK "," SOCK, USER, "path", "/tmp/vhost-user0.sock",
	     "one value per key ('/tmp/vhost-user0.sock' was given first)"),
	BADV("speed=1000,vectorized=1,speed=10000", PCI, "speed", "10000",
	     "one value per key ('1000' was given first)"),
	BADV("vdpa=0,vdpa=0", PCI, "vdpa", "0", "one value per key ('0' was given first)"),
};

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
		/* One line: the driver logs it as one message. */
		assert_null(strchr(err, '\n'));
		assert_string_equal(err, c->msg);
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

/* Socket paths up to the sun_path limit (107 bytes) pass; one more byte is refused. */
static void
test_path_length(void **state)
{
	char args[512], path[128];
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
	snprintf(args, sizeof(args), DEV ": devarg 'path': invalid value '%s': allowed is " A_PATH,
		 path);
	assert_string_equal(err, args);
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
		cmocka_unit_test(test_small_error_buffer),
	};

	return cmocka_run_group_tests_name("devargs", tests, NULL, NULL);
}
