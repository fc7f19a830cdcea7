/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "cvq.h"
#include "ethdev.h"
#include "rss.h"
#include "virtio_log.h"

/* The key of the Toeplitz verification suite in Microsoft's RSS specification. */
static const uint8_t default_key[VIRTNET_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Each virtio hash type and the ethdev flow types it covers. */
static const struct {
	uint32_t type;
	uint64_t hf;
} hash_map[] = {
	{ VIRTIO_NET_RSS_HASH_TYPE_IPV4,
	  RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER },
	{ VIRTIO_NET_RSS_HASH_TYPE_TCPV4, RTE_ETH_RSS_NONFRAG_IPV4_TCP },
	{ VIRTIO_NET_RSS_HASH_TYPE_UDPV4, RTE_ETH_RSS_NONFRAG_IPV4_UDP },
	{ VIRTIO_NET_RSS_HASH_TYPE_IPV6,
	  RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_OTHER },
	{ VIRTIO_NET_RSS_HASH_TYPE_TCPV6, RTE_ETH_RSS_NONFRAG_IPV6_TCP },
	{ VIRTIO_NET_RSS_HASH_TYPE_UDPV6, RTE_ETH_RSS_NONFRAG_IPV6_UDP },
	{ VIRTIO_NET_RSS_HASH_TYPE_IP_EX, RTE_ETH_RSS_IPV6_EX },
	{ VIRTIO_NET_RSS_HASH_TYPE_TCP_EX, RTE_ETH_RSS_IPV6_TCP_EX },
	{ VIRTIO_NET_RSS_HASH_TYPE_UDP_EX, RTE_ETH_RSS_IPV6_UDP_EX },
};

uint32_t
virtnet_rss_hf_to_types(uint64_t rss_hf)
{
	uint32_t types = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(hash_map); i++)
		if (rss_hf & hash_map[i].hf)
			types |= hash_map[i].type;
	return types;
}

uint64_t
virtnet_rss_types_to_hf(uint32_t types)
{
	uint64_t hf = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(hash_map); i++)
		if (types & hash_map[i].type)
			hf |= hash_map[i].hf;
	return hf;
}

void
virtnet_rss_init(struct virtnet_port *port)
{
	uint64_t need = VIRTIO_BIT(VIRTIO_NET_F_RSS) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
			VIRTIO_BIT(VIRTIO_NET_F_MQ);
	struct virtio_dev *dev = &port->dev;
	uint16_t table = 0;
	uint8_t key = 0;
	uint32_t types = 0;

	port->rss.offered = false;
	if ((dev->device_features & VIRTIO_BIT(VIRTIO_NET_F_RSS)) == 0)
		return;
	if ((dev->device_features & need) == need) {
		dev->ops->read_config(dev, offsetof(struct virtio_net_config, rss_max_key_size),
				      &key, sizeof(key));
		dev->ops->read_config(dev, offsetof(struct virtio_net_config,
						    rss_max_indirection_table_length),
				      &table, sizeof(table));
		dev->ops->read_config(dev, offsetof(struct virtio_net_config,
						    supported_hash_types), &types, sizeof(types));
		table = rte_le_to_cpu_16(table);
		types = rte_le_to_cpu_32(types);
	}
	/* Our table and key sizes are fixed: a device that cannot take them gets no RSS. */
	if (key < VIRTNET_RSS_KEY_SIZE || table < VIRTNET_RSS_RETA_SIZE ||
	    virtnet_rss_types_to_hf(types) == 0) {
		VIRTIO_LOG(NOTICE, "%s: the device offers VIRTIO_NET_F_RSS but not what this "
			   "driver needs (MQ and the control queue, a %u-byte key, a %u-entry "
			   "table, a known hash type; it has key %u, table %u, types 0x%x): RSS "
			   "off", dev->name, VIRTNET_RSS_KEY_SIZE, VIRTNET_RSS_RETA_SIZE, key, table,
			   types);
		dev->device_features &= ~VIRTIO_BIT(VIRTIO_NET_F_RSS);
		return;
	}
	port->rss.offered = true;
	port->rss.device_types = types;
}

void
virtnet_rss_infos(const struct virtnet_port *port, struct rte_eth_dev_info *info)
{
	if (!port->rss.offered)
		return;
	info->flow_type_rss_offloads = virtnet_rss_types_to_hf(port->rss.device_types);
	info->reta_size = VIRTNET_RSS_RETA_SIZE;
	info->hash_key_size = VIRTNET_RSS_KEY_SIZE;
}

static int
check_hash_conf(struct rte_eth_dev *eth_dev, const struct rte_eth_rss_conf *conf)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint64_t allowed = virtnet_rss_types_to_hf(port->rss.device_types);

	if (conf->rss_key != NULL && conf->rss_key_len != VIRTNET_RSS_KEY_SIZE) {
		VIRTIO_LOG(ERR, "%s: RSS key of %u bytes: the key must have %u bytes",
			   eth_dev->data->name, conf->rss_key_len, VIRTNET_RSS_KEY_SIZE);
		return -EINVAL;
	}
	if (conf->rss_hf & ~allowed) {
		VIRTIO_LOG(ERR, "%s: RSS hash functions 0x%" PRIx64 " not supported by the device; "
			   "allowed 0x%" PRIx64, eth_dev->data->name, conf->rss_hf & ~allowed,
			   allowed);
		return -EINVAL;
	}
	return 0;
}

static bool
rss_negotiated(const struct virtnet_port *port)
{
	return virtio_dev_has(&port->dev, VIRTIO_NET_F_RSS) &&
	       virtio_dev_has(&port->dev, VIRTIO_NET_F_CTRL_VQ);
}

static int
refuse(const struct virtnet_port *port, const char *what)
{
	VIRTIO_LOG(ERR, "%s: %s needs VIRTIO_NET_F_RSS, which the device does not offer%s",
		   port->dev.name, what,
		   port->dev.ops->ctrl_command != NULL ?
			   " (virtio-user never offers it: the vhost backend would not steer)" : "");
	return -ENOTSUP;
}

int
virtnet_rss_configure(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	const struct rte_eth_rss_conf *conf = &eth_dev->data->dev_conf.rx_adv_conf.rss_conf;
	uint16_t nb_rxq = RTE_MAX(eth_dev->data->nb_rx_queues, 1);
	unsigned int i;
	int ret;

	if (!rss_negotiated(port))
		return refuse(port, "Rx multi-queue mode RTE_ETH_MQ_RX_RSS");
	ret = check_hash_conf(eth_dev, conf);
	if (ret != 0)
		return ret;
	port->rss.rss_hf = conf->rss_hf;
	memcpy(port->rss.key, conf->rss_key != NULL ? conf->rss_key : default_key,
	       VIRTNET_RSS_KEY_SIZE);
	for (i = 0; i < VIRTNET_RSS_RETA_SIZE; i++)
		port->rss.reta[i] = (uint16_t)(i % nb_rxq);
	return 0;
}

size_t
virtnet_rss_command(const struct virtnet_rss *rss, uint32_t hash_types, uint16_t max_tx_vq,
		    uint8_t *buf)
{
	struct virtio_net_rss_config_head head = {
		.hash_types = rte_cpu_to_le_32(hash_types),
		.indirection_table_mask = rte_cpu_to_le_16(VIRTNET_RSS_RETA_SIZE - 1),
		.unclassified_queue = 0,
	};
	uint16_t le = rte_cpu_to_le_16(max_tx_vq);
	size_t len = 0;
	unsigned int i;

	memcpy(buf, &head, sizeof(head));
	len += sizeof(head);
	for (i = 0; i < VIRTNET_RSS_RETA_SIZE; i++) {
		uint16_t q = rte_cpu_to_le_16(rss->reta[i]);

		memcpy(buf + len, &q, sizeof(q));
		len += sizeof(q);
	}
	memcpy(buf + len, &le, sizeof(le));
	len += sizeof(le);
	buf[len++] = VIRTNET_RSS_KEY_SIZE;
	memcpy(buf + len, rss->key, VIRTNET_RSS_KEY_SIZE);
	return len + VIRTNET_RSS_KEY_SIZE;
}

static int
send_config(struct rte_eth_dev *eth_dev, const struct virtnet_rss *rss)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t pairs = RTE_MAX(eth_dev->data->nb_rx_queues, eth_dev->data->nb_tx_queues);
	uint8_t buf[512];
	size_t len;

	len = virtnet_rss_command(rss, virtnet_rss_hf_to_types(rss->rss_hf) &
				  port->rss.device_types, pairs, buf);
	return virtio_cvq_command(&port->dev, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_RSS_CONFIG,
				  buf, len);
}

int
virtnet_rss_start(struct rte_eth_dev *eth_dev)
{
	int ret = send_config(eth_dev, &virtnet_port_of(eth_dev)->rss);

	if (ret != 0)
		VIRTIO_LOG(ERR, "%s: the device refused the RSS configuration", eth_dev->data->name);
	return ret;
}

/* Ops need RSS negotiated and the port configured for it. */
static int
check_op(struct rte_eth_dev *eth_dev, const char *what)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	/* With RTE_ETH_MQ_RX_RSS configured, configure has checked the negotiation. */
	if (!port->rss.offered)
		return refuse(port, what);
	if (eth_dev->data->dev_conf.rxmode.mq_mode != RTE_ETH_MQ_RX_RSS) {
		VIRTIO_LOG(ERR, "%s: %s needs the port configured with Rx multi-queue mode "
			   "RTE_ETH_MQ_RX_RSS", eth_dev->data->name, what);
		return -EINVAL;
	}
	return 0;
}

/* Takes `next` as the new state: sent at once when running, at start otherwise. */
static int
commit(struct rte_eth_dev *eth_dev, const struct virtnet_rss *next)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	int ret;

	if (port->started) {
		ret = send_config(eth_dev, next);
		if (ret != 0)
			return ret;
	}
	port->rss = *next;
	return 0;
}

int
virtnet_rss_hash_update(struct rte_eth_dev *eth_dev, struct rte_eth_rss_conf *conf)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct virtnet_rss next = port->rss;
	int ret;

	ret = check_op(eth_dev, "RSS hash update");
	if (ret == 0)
		ret = check_hash_conf(eth_dev, conf);
	if (ret != 0)
		return ret;
	next.rss_hf = conf->rss_hf;
	if (conf->rss_key != NULL)
		memcpy(next.key, conf->rss_key, VIRTNET_RSS_KEY_SIZE);
	return commit(eth_dev, &next);
}

int
virtnet_rss_hash_conf_get(struct rte_eth_dev *eth_dev, struct rte_eth_rss_conf *conf)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	int ret = check_op(eth_dev, "RSS hash configuration query");

	if (ret != 0)
		return ret;
	conf->rss_hf = port->rss.rss_hf;
	if (conf->rss_key != NULL)
		memcpy(conf->rss_key, port->rss.key, VIRTNET_RSS_KEY_SIZE);
	conf->rss_key_len = VIRTNET_RSS_KEY_SIZE;
	return 0;
}

static int
check_reta_size(struct rte_eth_dev *eth_dev, uint16_t size)
{
	if (size == VIRTNET_RSS_RETA_SIZE)
		return 0;
	VIRTIO_LOG(ERR, "%s: redirection table of %u entries: the table has %u",
		   eth_dev->data->name, size, VIRTNET_RSS_RETA_SIZE);
	return -EINVAL;
}

int
virtnet_rss_reta_update(struct rte_eth_dev *eth_dev, struct rte_eth_rss_reta_entry64 *conf,
			uint16_t size)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct virtnet_rss next = port->rss;
	unsigned int i;
	int ret;

	ret = check_op(eth_dev, "RSS redirection table update");
	if (ret == 0)
		ret = check_reta_size(eth_dev, size);
	if (ret != 0)
		return ret;
	for (i = 0; i < VIRTNET_RSS_RETA_SIZE; i++) {
		const struct rte_eth_rss_reta_entry64 *g = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int slot = i % RTE_ETH_RETA_GROUP_SIZE;

		if ((g->mask & (UINT64_C(1) << slot)) == 0)
			continue;
		if (g->reta[slot] >= eth_dev->data->nb_rx_queues) {
			VIRTIO_LOG(ERR, "%s: redirection table entry %u names Rx queue %u; the "
				   "port has %u", eth_dev->data->name, i, g->reta[slot],
				   eth_dev->data->nb_rx_queues);
			return -EINVAL;
		}
		next.reta[i] = g->reta[slot];
	}
	return commit(eth_dev, &next);
}

int
virtnet_rss_reta_query(struct rte_eth_dev *eth_dev, struct rte_eth_rss_reta_entry64 *conf,
		       uint16_t size)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	unsigned int i;
	int ret;

	ret = check_op(eth_dev, "RSS redirection table query");
	if (ret == 0)
		ret = check_reta_size(eth_dev, size);
	if (ret != 0)
		return ret;
	for (i = 0; i < VIRTNET_RSS_RETA_SIZE; i++) {
		struct rte_eth_rss_reta_entry64 *g = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int slot = i % RTE_ETH_RETA_GROUP_SIZE;

		if (g->mask & (UINT64_C(1) << slot))
			g->reta[slot] = port->rss.reta[i];
	}
	return 0;
}
