/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>

#include "devargs.h"
#include "virtio_spec.h"

enum devarg_type {
	DEVARG_STRING,
	DEVARG_BOOL,
	DEVARG_UINT,
	DEVARG_MAC,
};

struct devarg_rule;

/* Extra check after the type check; returns an "allowed" text or NULL when fine. */
typedef const char *(*devarg_check_t)(const struct devarg_rule *rule, uint64_t value,
				      const char *text);

struct devarg_rule {
	const char *key;
	enum devarg_type type;
	unsigned int kinds;
	size_t offset;   /* of the field in struct virtio_devargs */
	size_t size;     /* for strings: buffer size */
	uint64_t min, max;
	const char *allowed; /* shown when a value is refused */
	devarg_check_t check;
};

static const char *
link_speed(const struct devarg_rule *rule, uint64_t value, const char *text)
{
	static const uint32_t speeds[] = {
		RTE_ETH_SPEED_NUM_10M, RTE_ETH_SPEED_NUM_100M, RTE_ETH_SPEED_NUM_1G,
		RTE_ETH_SPEED_NUM_2_5G, RTE_ETH_SPEED_NUM_5G, RTE_ETH_SPEED_NUM_10G,
		RTE_ETH_SPEED_NUM_20G, RTE_ETH_SPEED_NUM_25G, RTE_ETH_SPEED_NUM_40G,
		RTE_ETH_SPEED_NUM_50G, RTE_ETH_SPEED_NUM_56G, RTE_ETH_SPEED_NUM_100G,
		RTE_ETH_SPEED_NUM_200G, RTE_ETH_SPEED_NUM_UNKNOWN,
	};
	unsigned int i;

	RTE_SET_USED(text);
	for (i = 0; i < RTE_DIM(speeds); i++)
		if (value == speeds[i])
			return NULL;
	return rule->allowed;
}

#define FIELD(f) offsetof(struct virtio_devargs, f), sizeof(((struct virtio_devargs *)0)->f)
#define USER VIRTIO_DEVARG_USER
#define PCI VIRTIO_DEVARG_PCI

static const struct devarg_rule rules[] = {
	{ "path", DEVARG_STRING, USER, FIELD(path), 1, VIRTIO_USER_PATH_MAX,
	  "a vhost-user unix socket or the vhost-net device (/dev/vhost-net), a path of at "
	  "most 107 bytes", NULL },
	{ "mac", DEVARG_MAC, USER, FIELD(mac), 0, 0,
	  "a unicast MAC address written xx:xx:xx:xx:xx:xx", NULL },
	{ "cq", DEVARG_BOOL, USER, FIELD(cq), 0, 1, "0 or 1", NULL },
	{ "queue_size", DEVARG_UINT, USER, FIELD(queue_size), 1, VIRTQ_MAX_SIZE,
	  "an integer from 1 to 32768, a power of two on a split ring", NULL },
	{ "queues", DEVARG_UINT, USER, FIELD(queues), 1, VIRTIO_USER_MAX_QUEUE_PAIRS,
	  "an integer from 1 to 128", NULL },
	{ "iface", DEVARG_STRING, USER, FIELD(iface), 1, IFNAMSIZ - 1,
	  "an interface name of 1 to 15 characters", NULL },
	{ "server", DEVARG_BOOL, USER, FIELD(server), 0, 1, "0 or 1", NULL },
	{ "mrg_rxbuf", DEVARG_BOOL, USER, FIELD(mrg_rxbuf), 0, 1, "0 or 1", NULL },
	{ "in_order", DEVARG_BOOL, USER, FIELD(in_order), 0, 1, "0 or 1", NULL },
	{ "packed_vq", DEVARG_BOOL, USER, FIELD(packed_vq), 0, 1, "0 or 1", NULL },
	{ "speed", DEVARG_UINT, USER | PCI, FIELD(speed), 0, UINT32_MAX,
	  "a link speed in Mbps: 10, 100, 1000, 2500, 5000, 10000, 20000, 25000, 40000, "
	  "50000, 56000, 100000, 200000, or 4294967295 (unknown)", link_speed },
	{ "vectorized", DEVARG_BOOL, USER | PCI, FIELD(vectorized), 0, 1, "0 or 1", NULL },
	{ "vdpa", DEVARG_BOOL, PCI, FIELD(vdpa), 0, 1, "0 or 1", NULL },
};

static void
set_defaults(struct virtio_devargs *out)
{
	memset(out, 0, sizeof(*out));
	out->queue_size = 256;
	out->queues = 1;
	out->mrg_rxbuf = true;
	out->in_order = true;
	out->speed = RTE_ETH_SPEED_NUM_UNKNOWN;
}

static const struct devarg_rule *
find_rule(const char *key)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(rules); i++)
		if (strcmp(rules[i].key, key) == 0)
			return &rules[i];
	return NULL;
}

static void
list_keys(unsigned int kind, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(rules) && used < len; i++) {
		if (!(rules[i].kinds & kind))
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "", rules[i].key);
	}
}

/* Strict unsigned parse: digits only (decimal, or hex with 0x), no sign, no junk. */
static int
parse_uint(const char *text, uint64_t *value)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	*value = strtoull(text, &end, 0);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	return 0;
}

static int
apply_rule(const char *dev_name, const struct devarg_rule *r, const char *text,
	   struct virtio_devargs *out, char *err, size_t err_len)
{
	uint8_t *field = (uint8_t *)out + r->offset;
	const char *bad = NULL;
	uint64_t value = 0;
	size_t len;

	switch (r->type) {
	case DEVARG_STRING:
		len = strlen(text);
		/* max leaves room for the NUL in the field (r->size). */
		if (len < r->min || len > r->max || len >= r->size)
			bad = r->allowed;
		else
			memcpy(field, text, len + 1);
		break;
	case DEVARG_MAC: {
		struct rte_ether_addr mac;

		if (rte_ether_unformat_addr(text, &mac) != 0 || strlen(text) != 17 ||
		    !rte_is_unicast_ether_addr(&mac) || rte_is_zero_ether_addr(&mac)) {
			bad = r->allowed;
			break;
		}
		out->mac = mac;
		out->mac_given = true;
		break;
	}
	case DEVARG_BOOL:
		if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0) {
			bad = r->allowed;
			break;
		}
		value = text[0] == '1';
		if (r->check != NULL)
			bad = r->check(r, value, text);
		if (bad == NULL)
			*(bool *)field = value;
		break;
	case DEVARG_UINT:
		if (parse_uint(text, &value) != 0 || value < r->min || value > r->max) {
			bad = r->allowed;
			break;
		}
		if (r->check != NULL)
			bad = r->check(r, value, text);
		if (bad == NULL)
			*(uint32_t *)field = (uint32_t)value;
		break;
	}
	if (bad != NULL) {
		snprintf(err, err_len, "%s: devarg '%s': invalid value '%s': allowed is %s",
			 dev_name, r->key, text, bad);
		return -EINVAL;
	}
	return 0;
}

/* Rules that involve more than one key. */
static int
check_combinations(const char *dev_name, unsigned int kind, const struct virtio_devargs *a,
		   char *err, size_t err_len)
{
	if ((kind & VIRTIO_DEVARG_USER) && a->path[0] == '\0') {
		snprintf(err, err_len,
			 "%s: devarg 'path': not given: it is required, allowed is a vhost-user "
			 "unix socket or the vhost-net device (/dev/vhost-net)",
			 dev_name);
		return -EINVAL;
	}
	if ((kind & VIRTIO_DEVARG_USER) && !a->packed_vq && !rte_is_power_of_2(a->queue_size)) {
		snprintf(err, err_len,
			 "%s: devarg 'queue_size': invalid value '%" PRIu32
			 "': allowed is a power of two from 1 to 32768 on a split ring "
			 "(packed_vq=0)",
			 dev_name, a->queue_size);
		return -EINVAL;
	}
	return 0;
}

int
virtio_devargs_parse(const char *dev_name, const char *args, unsigned int kind,
		     struct virtio_devargs *out, char *err, size_t err_len)
{
	struct rte_kvargs *kv = NULL;
	unsigned int i, j;
	int ret = 0;

	set_defaults(out);
	err[0] = '\0';
	if (args != NULL && args[0] != '\0') {
		kv = rte_kvargs_parse(args, NULL);
		if (kv == NULL) {
			snprintf(err, err_len,
				 "%s: cannot parse devargs '%s': expected key=value pairs "
				 "separated by commas", dev_name, args);
			return -EINVAL;
		}
	}
	for (i = 0; kv != NULL && i < kv->count && ret == 0; i++) {
		const struct rte_kvargs_pair *p = &kv->pairs[i];
		const struct devarg_rule *r = find_rule(p->key);

		if (r == NULL || !(r->kinds & kind)) {
			char keys[256];

			/* A key of the other device kind is named as such: a common slip. */
			list_keys(kind, keys, sizeof(keys));
			snprintf(err, err_len, "%s: devarg '%s': invalid key (value '%s'): %sallowed "
				 "keys are %s", dev_name, p->key, p->value != NULL ? p->value : "",
				 r == NULL ? "" : kind == VIRTIO_DEVARG_PCI ?
				 "only virtio-user devices take it; " :
				 "only virtio-net PCI devices take it; ", keys);
			ret = -EINVAL;
			break;
		}
		for (j = 0; j < i && ret == 0; j++) {
			if (strcmp(kv->pairs[j].key, p->key) == 0) {
				snprintf(err, err_len,
					 "%s: devarg '%s': invalid value '%s': allowed is one value "
					 "per key ('%s' was given first)", dev_name, p->key,
					 p->value != NULL ? p->value : "",
					 kv->pairs[j].value != NULL ? kv->pairs[j].value : "");
				ret = -EINVAL;
			}
		}
		if (ret == 0 && p->value == NULL) {
			snprintf(err, err_len, "%s: devarg '%s': no value (write %s=<value>): "
				 "allowed is %s", dev_name, p->key, p->key, r->allowed);
			ret = -EINVAL;
		}
		if (ret == 0)
			ret = apply_rule(dev_name, r, p->value, out, err, err_len);
	}
	rte_kvargs_free(kv);
	if (ret == 0)
		ret = check_combinations(dev_name, kind, out, err, err_len);
	return ret;
}
