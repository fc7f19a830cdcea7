/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Rx mode, MAC and VLAN filters and RSS against the fake control-queue
 * device (fake_cvq.c): the exact bytes of every command, -ENOTSUP without
 * the feature (and no command sent), nothing lost or half-taken when the
 * device refuses, and what a stopped port was told goes out at start.
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
#include "ethdev.h"
#include "fake_cvq.h"
#include "ut_common.h"

#define RING 8
#define LOG_MAX 64

/* Every command the fake device saw, in order. */
struct cmd_log {
	unsigned int n;
	size_t len[LOG_MAX];
	uint8_t bytes[LOG_MAX][512];
	bool refuse; /* answer VIRTIO_NET_ERR */
};

static uint8_t
record(struct fake_cvq *f, const uint8_t *cmd, size_t len)
{
	struct cmd_log *log = f->opaque;

	if (log->n < LOG_MAX && len <= sizeof(log->bytes[0])) {
		memcpy(log->bytes[log->n], cmd, len);
		log->len[log->n] = len;
	}
	log->n++;
	return log->refuse ? VIRTIO_NET_ERR : VIRTIO_NET_OK;
}

/* Device configuration the fake transport serves: RSS limits as QEMU has them. */
static struct virtio_net_config fake_config;

static void
read_config(struct virtio_dev *dev, size_t offset, void *dst, size_t len)
{
	RTE_SET_USED(dev);
	memcpy(dst, (uint8_t *)&fake_config + offset, len);
}

static const struct virtio_transport_ops ring_ops = {
	.name = "test-ring",
	.read_config = read_config,
};

#define ALL_CTRL                                                                             \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |                  \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) |              \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) | VIRTIO_BIT(VIRTIO_NET_F_MQ) |               \
	 VIRTIO_BIT(VIRTIO_NET_F_RSS))

struct env {
	struct rte_eth_dev eth_dev;
	struct rte_eth_dev_data data;
	struct rte_ether_addr macs[VIRTNET_MAX_MAC_ADDRS];
	struct virtnet_port port;
	struct virtio_cvq cvq;
	struct fake_cvq fake;
	struct cmd_log log;
	const struct rte_memzone *mz;
};

static const struct rte_ether_addr port_mac = { { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };

static struct env *
env_make(uint64_t features)
{
	static unsigned int serial;
	struct env *e = calloc(1, sizeof(*e));
	char name[32];

	assert_non_null(e);
	snprintf(name, sizeof(name), "ut_rxf%u", serial++);
	e->mz = rte_memzone_reserve_aligned(name, virtio_cvq_mem_size(RING, false), SOCKET_ID_ANY,
					    0, 4096);
	assert_non_null(e->mz);
	memset(e->mz->addr, 0, e->mz->len);
	assert_int_equal(virtio_cvq_init(&e->cvq, e->mz, 8, RING, false, true), 0);
	e->eth_dev.data = &e->data;
	e->data.dev_private = &e->port;
	e->data.mac_addrs = e->macs;
	e->macs[0] = port_mac;
	snprintf(e->data.name, sizeof(e->data.name), "rxf-test");
	e->port.dev.ops = &ring_ops;
	e->port.dev.name = "rxf-test";
	e->port.dev.device_features = features;
	e->port.dev.features = features & ~VIRTIO_BIT(VIRTIO_NET_F_RSS);
	e->port.dev.cvq = &e->cvq;
	fake_config.rss_max_key_size = 40;
	fake_config.rss_max_indirection_table_length = rte_cpu_to_le_16(128);
	fake_config.supported_hash_types = rte_cpu_to_le_32(0x3f);
	virtnet_rss_init(&e->port);
	e->port.dev.features = e->port.dev.device_features;
	fake_cvq_attach(&e->fake, &e->cvq.vq);
	e->fake.handler = record;
	e->fake.opaque = &e->log;
	return e;
}

/* The device is running and the port started (as after dev_start). */
static void
env_start(struct env *e)
{
	virtio_cvq_reset(&e->cvq, false);
	fake_cvq_reset(&e->fake);
	e->port.dev.running = true;
	e->port.started = true;
}

static void
env_stop(struct env *e)
{
	e->port.dev.running = false;
	e->port.started = false;
}

static void
env_free(struct env *e)
{
	assert_int_equal(e->fake.protocol_errors, 0);
	assert_int_equal(e->cvq.vq.nfree, RING);
	virtio_cvq_fini(&e->cvq);
	rte_memzone_free(e->mz);
	free(e);
}

static void
expect_cmd(const struct env *e, unsigned int i, const uint8_t *want, size_t len)
{
	assert_true(e->log.n > i);
	assert_int_equal(e->log.len[i], len);
	assert_memory_equal(e->log.bytes[i], want, len);
}

static void
rx_mode_bytes(void **state)
{
	struct env *e = env_make(ALL_CTRL);
	static const uint8_t promisc_on[] = { 0, 0, 1 }, promisc_off[] = { 0, 0, 0 };
	static const uint8_t allmulti_on[] = { 0, 1, 1 }, allmulti_off[] = { 0, 1, 0 };

	RTE_SET_USED(state);
	env_start(e);
	assert_int_equal(virtnet_promiscuous_enable(&e->eth_dev), 0);
	assert_int_equal(virtnet_promiscuous_disable(&e->eth_dev), 0);
	assert_int_equal(virtnet_allmulticast_enable(&e->eth_dev), 0);
	assert_int_equal(virtnet_allmulticast_disable(&e->eth_dev), 0);
	assert_int_equal(e->log.n, 4);
	expect_cmd(e, 0, promisc_on, sizeof(promisc_on));
	expect_cmd(e, 1, promisc_off, sizeof(promisc_off));
	expect_cmd(e, 2, allmulti_on, sizeof(allmulti_on));
	expect_cmd(e, 3, allmulti_off, sizeof(allmulti_off));
	/* A refusal reaches the application (ethdev then keeps its flag as it was). */
	e->log.refuse = true;
	assert_int_equal(virtnet_promiscuous_enable(&e->eth_dev), -EIO);
	env_free(e);
}

static void
mac_table_bytes(void **state)
{
	struct env *e = env_make(ALL_CTRL);
	struct rte_ether_addr uc3 = { { 0x02, 0, 0, 0, 0, 0x03 } };
	struct rte_ether_addr mc[3] = {
		{ { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } },
		{ { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x02 } },
		{ { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } },
	};
	/* Slots 1 and 2 hold two unicast addresses, as ethdev would after two adds. */
	static const uint8_t uc1[6] = { 0x02, 0, 0, 0, 0, 0x01 }, uc2[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint8_t want[2 + 4 + 3 * 6 + 4 + 3 * 6];
	size_t n = 0;

	RTE_SET_USED(state);
	memcpy(&e->macs[1], uc1, 6);
	memcpy(&e->macs[2], uc2, 6);
	env_start(e);
	assert_int_equal(virtnet_set_mc_addr_list(&e->eth_dev, mc, 3), 0);
	/* {MAC, TABLE_SET}, le32 2 + 2 unicast, le32 3 + 3 multicast. */
	want[n++] = 1;
	want[n++] = 0;
	memcpy(&want[n], "\x02\x00\x00\x00", 4);
	n += 4;
	memcpy(&want[n], uc1, 6);
	memcpy(&want[n + 6], uc2, 6);
	n += 12;
	memcpy(&want[n], "\x03\x00\x00\x00", 4);
	n += 4;
	memcpy(&want[n], mc, 18);
	n += 18;
	expect_cmd(e, 0, want, n);
	/* mac_addr_add at slot 3: the unicast table grows by it, multicast stays. */
	assert_int_equal(virtnet_mac_addr_add(&e->eth_dev, &uc3, 3, 0), 0);
	assert_int_equal(e->log.len[1], 2 + 4 + 18 + 4 + 18);
	assert_int_equal(e->log.bytes[1][2], 3);
	assert_memory_equal(&e->log.bytes[1][6 + 12], uc3.addr_bytes, 6);
	assert_memory_equal(&e->log.bytes[1][6 + 18 + 4], mc, 18);
	/* Removing slot 1 leaves slot 2 alone in the unicast table. */
	virtnet_mac_addr_remove(&e->eth_dev, 1);
	assert_int_equal(e->log.len[2], 2 + 4 + 6 + 4 + 18);
	assert_int_equal(e->log.bytes[2][2], 1);
	assert_memory_equal(&e->log.bytes[2][6], uc2, 6);
	/* An empty multicast list empties that table. */
	assert_int_equal(virtnet_set_mc_addr_list(&e->eth_dev, NULL, 0), 0);
	assert_int_equal(e->log.len[3], 2 + 4 + 12 + 4);
	assert_int_equal(e->log.bytes[3][2 + 4 + 12], 0);
	/* Not multicast, too many, slot 0: refused before the device hears of it. */
	assert_int_equal(virtnet_set_mc_addr_list(&e->eth_dev, &uc3, 1), -EINVAL);
	assert_int_equal(virtnet_mac_addr_add(&e->eth_dev, &uc3, 0, 0), -EINVAL);
	assert_int_equal(virtnet_mac_addr_add(&e->eth_dev, &mc[0], 4, 0), -EINVAL);
	assert_int_equal(e->log.n, 4);
	/* A refused list is not taken: the next table still has none. */
	e->log.refuse = true;
	assert_int_equal(virtnet_set_mc_addr_list(&e->eth_dev, mc, 3), -EIO);
	assert_int_equal(e->port.rx_filter.nb_mc, 0);
	env_free(e);
}

static void
mac_addr_set_bytes(void **state)
{
	struct env *e = env_make(ALL_CTRL);
	struct rte_ether_addr next = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
	static const uint8_t want[] = { 1, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

	RTE_SET_USED(state);
	/* Stopped: accepted and nothing sent; ethdev sets it again after start. */
	assert_int_equal(virtnet_mac_addr_set(&e->eth_dev, &next), 0);
	assert_int_equal(e->log.n, 0);
	env_start(e);
	assert_int_equal(virtnet_mac_addr_set(&e->eth_dev, &next), 0);
	expect_cmd(e, 0, want, sizeof(want));
	env_free(e);
}

static void
vlan_bytes(void **state)
{
	struct env *e = env_make(ALL_CTRL);
	static const uint8_t add[] = { 2, 0, 0x64, 0x00 }, del[] = { 2, 1, 0xff, 0x0f };

	RTE_SET_USED(state);
	env_start(e);
	assert_int_equal(virtnet_vlan_filter_set(&e->eth_dev, 100, 1), 0);
	assert_int_equal(virtnet_vlan_filter_set(&e->eth_dev, 4095, 0), 0);
	expect_cmd(e, 0, add, sizeof(add));
	expect_cmd(e, 1, del, sizeof(del));
	assert_int_equal(virtnet_vlan_filter_set(&e->eth_dev, 4096, 1), -EINVAL);
	assert_int_equal(e->log.n, 2);
	env_free(e);
}

/* Configures RSS over 4 Rx queues as rte_eth_dev_configure would. */
static void
rss_configure(struct env *e, uint64_t hf, uint8_t *key)
{
	e->data.nb_rx_queues = 4;
	e->data.nb_tx_queues = 4;
	e->data.dev_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	e->data.dev_conf.rx_adv_conf.rss_conf.rss_hf = hf;
	e->data.dev_conf.rx_adv_conf.rss_conf.rss_key = key;
	e->data.dev_conf.rx_adv_conf.rss_conf.rss_key_len = key != NULL ? 40 : 0;
	assert_int_equal(virtnet_rss_configure(&e->eth_dev), 0);
}

static void
rss_config_bytes(void **state)
{
	struct env *e = env_make(ALL_CTRL);
	struct rte_eth_rss_reta_entry64 reta[2];
	struct rte_eth_rss_conf conf = { 0 };
	uint8_t key[40], got_key[40];
	const uint8_t *b;
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xa0 + i);
	rss_configure(e, RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP, key);
	env_start(e);
	assert_int_equal(virtnet_rss_start(&e->eth_dev), 0);
	/* {MQ, RSS_CONFIG} hash_types, mask, unclassified, 128 entries, max_tx_vq, key. */
	assert_int_equal(e->log.n, 1);
	assert_int_equal(e->log.len[0], 2 + 4 + 2 + 2 + 256 + 2 + 1 + 40);
	b = e->log.bytes[0];
	assert_int_equal(b[0], VIRTIO_NET_CTRL_MQ);
	assert_int_equal(b[1], VIRTIO_NET_CTRL_MQ_RSS_CONFIG);
	assert_memory_equal(&b[2], "\x03\x00\x00\x00\x7f\x00\x00\x00", 8);
	for (i = 0; i < 128; i++) {
		assert_int_equal(b[10 + 2 * i], i % 4);
		assert_int_equal(b[11 + 2 * i], 0);
	}
	assert_memory_equal(&b[266], "\x04\x00\x28", 3);
	assert_memory_equal(&b[269], key, 40);
	/* Everything to queue 3, hashing IPv6/UDP only, a new key: all read back. */
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < 2; i++) {
		reta[i].mask = UINT64_MAX;
		memset(reta[i].reta, 0, sizeof(reta[i].reta));
	}
	for (i = 0; i < 128; i++)
		reta[i / 64].reta[i % 64] = 3;
	assert_int_equal(virtnet_rss_reta_update(&e->eth_dev, reta, 128), 0);
	key[0] = 0x11;
	conf.rss_key = key;
	conf.rss_key_len = 40;
	conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV6_UDP;
	assert_int_equal(virtnet_rss_hash_update(&e->eth_dev, &conf), 0);
	assert_int_equal(e->log.n, 3);
	b = e->log.bytes[2];
	assert_memory_equal(&b[2], "\x20\x00\x00\x00", 4);
	for (i = 0; i < 128; i++)
		assert_int_equal(b[10 + 2 * i], 3);
	assert_int_equal(b[269], 0x11);
	memset(reta, 0, sizeof(reta));
	reta[0].mask = UINT64_MAX;
	reta[1].mask = UINT64_MAX;
	assert_int_equal(virtnet_rss_reta_query(&e->eth_dev, reta, 128), 0);
	assert_int_equal(reta[0].reta[0], 3);
	assert_int_equal(reta[1].reta[63], 3);
	conf.rss_key = got_key;
	conf.rss_hf = 0;
	assert_int_equal(virtnet_rss_hash_conf_get(&e->eth_dev, &conf), 0);
	assert_int_equal(conf.rss_hf, RTE_ETH_RSS_NONFRAG_IPV6_UDP);
	assert_memory_equal(got_key, key, 40);
	/* Bad input never reaches the device, a refusal changes nothing. */
	reta[0].reta[5] = 4;
	assert_int_equal(virtnet_rss_reta_update(&e->eth_dev, reta, 128), -EINVAL);
	assert_int_equal(virtnet_rss_reta_update(&e->eth_dev, reta, 64), -EINVAL);
	conf.rss_key_len = 16;
	assert_int_equal(virtnet_rss_hash_update(&e->eth_dev, &conf), -EINVAL);
	conf.rss_key = NULL;
	conf.rss_hf = RTE_ETH_RSS_IPV6_EX; /* the device offers only types 0x3f */
	assert_int_equal(virtnet_rss_hash_update(&e->eth_dev, &conf), -EINVAL);
	assert_int_equal(e->log.n, 3);
	e->log.refuse = true;
	conf.rss_hf = RTE_ETH_RSS_IPV4;
	assert_int_equal(virtnet_rss_hash_update(&e->eth_dev, &conf), -EIO);
	assert_int_equal(e->port.rss.rss_hf, RTE_ETH_RSS_NONFRAG_IPV6_UDP);
	env_free(e);
}

static void
rss_hash_type_mapping(void **state)
{
	RTE_SET_USED(state);
	assert_int_equal(virtnet_rss_hf_to_types(RTE_ETH_RSS_IP), VIRTIO_NET_RSS_HASH_TYPE_IPV4 |
			 VIRTIO_NET_RSS_HASH_TYPE_IPV6 | VIRTIO_NET_RSS_HASH_TYPE_IP_EX);
	assert_int_equal(virtnet_rss_hf_to_types(RTE_ETH_RSS_UDP), VIRTIO_NET_RSS_HASH_TYPE_UDPV4 |
			 VIRTIO_NET_RSS_HASH_TYPE_UDPV6 | VIRTIO_NET_RSS_HASH_TYPE_UDP_EX);
	assert_int_equal(virtnet_rss_hf_to_types(RTE_ETH_RSS_NONFRAG_IPV4_SCTP), 0);
	assert_true(virtnet_rss_types_to_hf(0x1ff) == (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
						      RTE_ETH_RSS_UDP));
	assert_true(virtnet_rss_types_to_hf(VIRTIO_NET_RSS_HASH_TYPE_TCPV4) ==
		    RTE_ETH_RSS_NONFRAG_IPV4_TCP);
}

static void
rss_limits_from_config(void **state)
{
	struct env *e = env_make(ALL_CTRL);
	struct rte_eth_dev_info info;

	RTE_SET_USED(state);
	memset(&info, 0, sizeof(info));
	virtnet_rss_infos(&e->port, &info);
	assert_int_equal(info.reta_size, 128);
	assert_int_equal(info.hash_key_size, 40);
	assert_true(info.flow_type_rss_offloads == virtnet_rss_types_to_hf(0x3f));
	env_free(e);
	/* A device whose table is too small for ours: RSS is not negotiated. */
	e = env_make(ALL_CTRL);
	fake_config.rss_max_indirection_table_length = rte_cpu_to_le_16(64);
	virtnet_rss_init(&e->port);
	assert_false(e->port.rss.offered);
	assert_int_equal(e->port.dev.device_features & VIRTIO_BIT(VIRTIO_NET_F_RSS), 0);
	memset(&info, 0, sizeof(info));
	virtnet_rss_infos(&e->port, &info);
	assert_int_equal(info.reta_size, 0);
	env_free(e);
}

static void
enotsup_without_feature(void **state)
{
	struct env *e = env_make(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ));
	struct rte_ether_addr other = { { 0x02, 9, 9, 9, 9, 9 } };
	struct rte_eth_rss_reta_entry64 reta[2] = { { 0 } };
	struct rte_eth_rss_conf conf = { 0 };

	RTE_SET_USED(state);
	env_start(e);
	assert_int_equal(virtnet_promiscuous_enable(&e->eth_dev), -ENOTSUP);
	assert_int_equal(virtnet_promiscuous_disable(&e->eth_dev), -ENOTSUP);
	assert_int_equal(virtnet_allmulticast_enable(&e->eth_dev), -ENOTSUP);
	assert_int_equal(virtnet_allmulticast_disable(&e->eth_dev), -ENOTSUP);
	assert_int_equal(virtnet_mac_addr_add(&e->eth_dev, &other, 1, 0), -ENOTSUP);
	assert_int_equal(virtnet_set_mc_addr_list(&e->eth_dev, NULL, 0), -ENOTSUP);
	assert_int_equal(virtnet_vlan_filter_set(&e->eth_dev, 5, 1), -ENOTSUP);
	assert_int_equal(virtnet_mac_addr_set(&e->eth_dev, &other), -ENOTSUP);
	/* ethdev sets the current address after every start: that is not a change. */
	assert_int_equal(virtnet_mac_addr_set(&e->eth_dev, &e->macs[0]), 0);
	assert_int_equal(virtnet_rss_hash_update(&e->eth_dev, &conf), -ENOTSUP);
	assert_int_equal(virtnet_rss_hash_conf_get(&e->eth_dev, &conf), -ENOTSUP);
	assert_int_equal(virtnet_rss_reta_update(&e->eth_dev, reta, 128), -ENOTSUP);
	assert_int_equal(virtnet_rss_reta_query(&e->eth_dev, reta, 128), -ENOTSUP);
	e->data.dev_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	assert_int_equal(virtnet_rss_configure(&e->eth_dev), -ENOTSUP);
	assert_int_equal(virtnet_rx_filter_max_mac_addrs(&e->port), 1);
	assert_int_equal(virtnet_rx_filter_offload_capa(&e->port), 0);
	assert_int_equal(e->log.n, 0);
	env_free(e);
	/* CTRL_VLAN offered but left out at configure (no VLAN_FILTER offload asked). */
	e = env_make(ALL_CTRL);
	assert_true(virtnet_rx_filter_unwanted(&e->eth_dev) == VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN));
	e->port.dev.features &= ~VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN);
	env_start(e);
	assert_int_equal(virtnet_vlan_filter_set(&e->eth_dev, 5, 1), -ENOTSUP);
	assert_true(virtnet_rx_filter_offload_capa(&e->port) == RTE_ETH_RX_OFFLOAD_VLAN_FILTER);
	/* Switching the filter on later (vlan_offload_set) cannot reach the device. */
	assert_int_equal(virtnet_vlan_filter_offload_set(&e->eth_dev), 0);
	e->data.dev_conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
	assert_int_equal(virtnet_vlan_filter_offload_set(&e->eth_dev), -ENOTSUP);
	assert_int_equal(virtnet_rx_filter_unwanted(&e->eth_dev), 0);
	assert_int_equal(e->log.n, 0);
	env_free(e);
}

static void
stopped_state_replayed_at_start(void **state)
{
	struct env *e = env_make(ALL_CTRL);
	struct rte_ether_addr mc = { { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 } };
	struct rte_ether_addr uc = { { 0x02, 0, 0, 0, 0, 0x07 } };
	static const uint8_t vlan10[] = { 2, 0, 10, 0 }, vlan300[] = { 2, 0, 0x2c, 0x01 };
	unsigned int round;

	RTE_SET_USED(state);
	/* Told while stopped: accepted, nothing sent (the device is not running). */
	assert_int_equal(virtnet_set_mc_addr_list(&e->eth_dev, &mc, 1), 0);
	assert_int_equal(virtnet_mac_addr_add(&e->eth_dev, &uc, 1, 0), 0);
	e->macs[1] = uc; /* as ethdev records it */
	assert_int_equal(virtnet_vlan_filter_set(&e->eth_dev, 10, 1), 0);
	assert_int_equal(virtnet_vlan_filter_set(&e->eth_dev, 300, 1), 0);
	e->data.vlan_filter_conf.ids[0] |= UINT64_C(1) << 10;
	e->data.vlan_filter_conf.ids[300 / 64] |= UINT64_C(1) << (300 % 64);
	assert_int_equal(virtnet_promiscuous_enable(&e->eth_dev), 0);
	assert_int_equal(e->log.n, 0);
	/* Each start (the device reset in between) gets the whole state again. */
	for (round = 0; round < 2; round++) {
		e->log.n = 0;
		env_start(e);
		e->port.started = false; /* dev_start replays before it marks the port started */
		assert_int_equal(virtnet_rx_filter_start(&e->eth_dev), 0);
		assert_int_equal(e->log.n, 3);
		assert_int_equal(e->log.len[0], 2 + 4 + 6 + 4 + 6);
		assert_memory_equal(&e->log.bytes[0][6], uc.addr_bytes, 6);
		assert_memory_equal(&e->log.bytes[0][16], mc.addr_bytes, 6);
		expect_cmd(e, 1, vlan10, sizeof(vlan10));
		expect_cmd(e, 2, vlan300, sizeof(vlan300));
		env_stop(e);
	}
	/* A refusal at start fails the start. */
	env_start(e);
	e->log.refuse = true;
	assert_int_equal(virtnet_rx_filter_start(&e->eth_dev), -EIO);
	env_free(e);
	/* Nothing to replay: nothing sent. */
	e = env_make(ALL_CTRL);
	env_start(e);
	assert_int_equal(virtnet_rx_filter_start(&e->eth_dev), 0);
	assert_int_equal(e->log.n, 0);
	env_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rx_mode_bytes),
		cmocka_unit_test(mac_table_bytes),
		cmocka_unit_test(mac_addr_set_bytes),
		cmocka_unit_test(vlan_bytes),
		cmocka_unit_test(rss_config_bytes),
		cmocka_unit_test(rss_hash_type_mapping),
		cmocka_unit_test(rss_limits_from_config),
		cmocka_unit_test(enotsup_without_feature),
		cmocka_unit_test(stopped_state_replayed_at_start),
	};
	int ret;

	if (ut_eal_init("rx_filter") < 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	ut_eal_fini();
	return ret;
}
