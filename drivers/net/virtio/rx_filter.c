/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include "cvq.h"
#include "ethdev.h"
#include "rx_filter.h"
#include "virtio_log.h"

/*
 * Can the port use a control-queue feature? After configure: was it
 * negotiated. Before: would it be (device offers it and the control queue).
 */
static bool
usable(const struct virtnet_port *port, unsigned int bit)
{
	uint64_t need = VIRTIO_BIT(bit) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
	uint64_t have = port->dev.features != 0 ? port->dev.features :
			port->dev.device_features & VIRTIO_DRIVER_FEATURES;

	return (have & need) == need;
}

static bool
offered(const struct virtnet_port *port, unsigned int bit)
{
	uint64_t need = VIRTIO_BIT(bit) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);

	return (port->dev.device_features & need) == need;
}

static int
refuse(const struct virtnet_port *port, const char *op, const char *feature)
{
	bool user = port->dev.ops->ctrl_command != NULL;
	bool cq = (port->dev.device_features & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ)) != 0;
	const char *hint = "";

	if (user)
		hint = cq ? " (virtio-user never offers it: the vhost backend would not honour it)" :
			    " (virtio-user: devarg cq=1)";
	VIRTIO_LOG(ERR, "%s: %s needs %s and the control queue, which the device does not "
		   "offer%s", port->dev.name, op, feature, hint);
	return -ENOTSUP;
}

uint32_t
virtnet_rx_filter_max_mac_addrs(const struct virtnet_port *port)
{
	return usable(port, VIRTIO_NET_F_CTRL_RX) ? VIRTNET_MAX_MAC_ADDRS : 1;
}

uint64_t
virtnet_rx_filter_offload_capa(const struct virtnet_port *port)
{
	return offered(port, VIRTIO_NET_F_CTRL_VLAN) ? RTE_ETH_RX_OFFLOAD_VLAN_FILTER : 0;
}

uint64_t
virtnet_rx_filter_unwanted(const struct rte_eth_dev *eth_dev)
{
	uint64_t offloads = eth_dev->data->dev_conf.rxmode.offloads;

	return (offloads & RTE_ETH_RX_OFFLOAD_VLAN_FILTER) ? 0 : VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN);
}

static int
rx_mode(struct rte_eth_dev *eth_dev, uint8_t cmd, bool on, const char *op)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint8_t value = on ? 1 : 0;
	bool now = cmd == VIRTIO_NET_CTRL_RX_PROMISC ? eth_dev->data->promiscuous != 0 :
						      eth_dev->data->all_multicast != 0;

	if (!usable(port, VIRTIO_NET_F_CTRL_RX)) {
		/*
		 * ethdev calls with the mode it already has only when it replays
		 * it after start (it ignores -ENOTSUP there): not worth a line.
		 */
		if (on == now)
			return -ENOTSUP;
		return refuse(port, op, "VIRTIO_NET_F_CTRL_RX");
	}
	/* Stopped: ethdev keeps the flag and replays it through this op after start. */
	if (!port->started)
		return 0;
	return virtio_cvq_command(&port->dev, VIRTIO_NET_CTRL_RX, cmd, &value, sizeof(value));
}

int
virtnet_promiscuous_enable(struct rte_eth_dev *eth_dev)
{
	return rx_mode(eth_dev, VIRTIO_NET_CTRL_RX_PROMISC, true, "promiscuous mode");
}

int
virtnet_promiscuous_disable(struct rte_eth_dev *eth_dev)
{
	return rx_mode(eth_dev, VIRTIO_NET_CTRL_RX_PROMISC, false, "promiscuous mode");
}

int
virtnet_allmulticast_enable(struct rte_eth_dev *eth_dev)
{
	return rx_mode(eth_dev, VIRTIO_NET_CTRL_RX_ALLMULTI, true, "all-multicast mode");
}

int
virtnet_allmulticast_disable(struct rte_eth_dev *eth_dev)
{
	return rx_mode(eth_dev, VIRTIO_NET_CTRL_RX_ALLMULTI, false, "all-multicast mode");
}

/* Appends a table (le32 count, then the addresses) of MAC_TABLE_SET. */
static size_t
put_table(uint8_t *buf, const struct rte_ether_addr *addrs, uint32_t n)
{
	uint32_t le = rte_cpu_to_le_32(n);

	memcpy(buf, &le, sizeof(le));
	memcpy(buf + sizeof(le), addrs, (size_t)n * RTE_ETHER_ADDR_LEN);
	return sizeof(le) + (size_t)n * RTE_ETHER_ADDR_LEN;
}

/*
 * MAC_TABLE_SET with the unicast addresses ethdev holds beyond the port
 * address (slot `index` replaced by `at_index`, NULL: left out) and the
 * multicast list `mc`.
 */
static int
send_mac_tables(struct rte_eth_dev *eth_dev, uint32_t index, const struct rte_ether_addr *at_index,
		const struct virtnet_rx_filter *mc)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct rte_ether_addr uc[VIRTNET_MAX_MAC_ADDRS];
	uint8_t buf[2 * sizeof(uint32_t) +
		    (VIRTNET_MAX_MAC_ADDRS + VIRTNET_MAX_MC_ADDRS) * RTE_ETHER_ADDR_LEN];
	uint32_t i, nb_uc = 0;
	size_t len;

	for (i = 1; i < VIRTNET_MAX_MAC_ADDRS; i++) {
		const struct rte_ether_addr *a = i == index ? at_index : &eth_dev->data->mac_addrs[i];

		if (a != NULL && !rte_is_zero_ether_addr(a))
			uc[nb_uc++] = *a;
	}
	len = put_table(buf, uc, nb_uc);
	len += put_table(buf + len, mc->mc, mc->nb_mc);
	return virtio_cvq_command(&port->dev, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET,
				  buf, len);
}

int
virtnet_mac_addr_add(struct rte_eth_dev *eth_dev, struct rte_ether_addr *mac, uint32_t index,
		     uint32_t vmdq)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	RTE_SET_USED(vmdq);
	if (!usable(port, VIRTIO_NET_F_CTRL_RX))
		return refuse(port, "adding a unicast MAC address", "VIRTIO_NET_F_CTRL_RX");
	if (index == 0 || index >= VIRTNET_MAX_MAC_ADDRS || rte_is_multicast_ether_addr(mac)) {
		VIRTIO_LOG(ERR, "%s: MAC address slot %u: only unicast addresses in slots 1 to %u "
			   "(slot 0 is the port address: use mac_addr_set)", eth_dev->data->name,
			   index, VIRTNET_MAX_MAC_ADDRS - 1);
		return -EINVAL;
	}
	/* Stopped: ethdev records the address; the table goes out at start. */
	if (!port->started)
		return 0;
	return send_mac_tables(eth_dev, index, mac, &port->rx_filter);
}

void
virtnet_mac_addr_remove(struct rte_eth_dev *eth_dev, uint32_t index)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	if (!usable(port, VIRTIO_NET_F_CTRL_RX) || !port->started || index == 0 ||
	    index >= VIRTNET_MAX_MAC_ADDRS)
		return;
	/* ethdev clears the slot whatever happens here; the error is logged. */
	send_mac_tables(eth_dev, index, NULL, &port->rx_filter);
}

int
virtnet_mac_addr_set(struct rte_eth_dev *eth_dev, struct rte_ether_addr *mac)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	if (!usable(port, VIRTIO_NET_F_CTRL_MAC_ADDR)) {
		/* Setting the address the port already has needs no device help. */
		if (rte_is_same_ether_addr(mac, eth_dev->data->mac_addrs))
			return 0;
		return refuse(port, "changing the MAC address", "VIRTIO_NET_F_CTRL_MAC_ADDR");
	}
	/*
	 * Stopped: ethdev stores the address in mac_addrs[0] and sets it through
	 * this op after every start, so the device (which forgets it on reset)
	 * learns it then.
	 */
	if (!port->started)
		return 0;
	return virtio_cvq_command(&port->dev, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET,
				  mac->addr_bytes, RTE_ETHER_ADDR_LEN);
}

int
virtnet_set_mc_addr_list(struct rte_eth_dev *eth_dev, struct rte_ether_addr *mc_addr_set,
			 uint32_t nb_mc_addr)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct virtnet_rx_filter next = { .nb_mc = nb_mc_addr };
	uint32_t i;
	int ret;

	if (!usable(port, VIRTIO_NET_F_CTRL_RX))
		return refuse(port, "a multicast address list", "VIRTIO_NET_F_CTRL_RX");
	if (nb_mc_addr > VIRTNET_MAX_MC_ADDRS) {
		VIRTIO_LOG(ERR, "%s: %u multicast addresses: at most %u", eth_dev->data->name,
			   nb_mc_addr, VIRTNET_MAX_MC_ADDRS);
		return -EINVAL;
	}
	for (i = 0; i < nb_mc_addr; i++) {
		if (!rte_is_multicast_ether_addr(&mc_addr_set[i])) {
			VIRTIO_LOG(ERR, "%s: multicast list entry %u is not a multicast address",
				   eth_dev->data->name, i);
			return -EINVAL;
		}
		next.mc[i] = mc_addr_set[i];
	}
	/* ethdev keeps no copy: this one is sent again after every start. */
	if (port->started) {
		ret = send_mac_tables(eth_dev, 0, NULL, &next);
		if (ret != 0)
			return ret;
	}
	port->rx_filter = next;
	return 0;
}

static int
vlan_command(struct virtnet_port *port, uint16_t vlan_id, bool on)
{
	uint16_t le = rte_cpu_to_le_16(vlan_id);

	return virtio_cvq_command(&port->dev, VIRTIO_NET_CTRL_VLAN,
				  on ? VIRTIO_NET_CTRL_VLAN_ADD : VIRTIO_NET_CTRL_VLAN_DEL, &le,
				  sizeof(le));
}

int
virtnet_vlan_filter_set(struct rte_eth_dev *eth_dev, uint16_t vlan_id, int on)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	if (!usable(port, VIRTIO_NET_F_CTRL_VLAN)) {
		if (offered(port, VIRTIO_NET_F_CTRL_VLAN)) {
			VIRTIO_LOG(ERR, "%s: the VLAN filter is negotiated only when "
				   "RTE_ETH_RX_OFFLOAD_VLAN_FILTER is requested at configure",
				   eth_dev->data->name);
			return -ENOTSUP;
		}
		return refuse(port, "the VLAN filter", "VIRTIO_NET_F_CTRL_VLAN");
	}
	if (vlan_id > RTE_ETHER_MAX_VLAN_ID) {
		VIRTIO_LOG(ERR, "%s: VLAN id %u: 0 to %u", eth_dev->data->name, vlan_id,
			   RTE_ETHER_MAX_VLAN_ID);
		return -EINVAL;
	}
	/* Stopped: ethdev records the id in vlan_filter_conf; it goes out at start. */
	if (!port->started)
		return 0;
	return vlan_command(port, vlan_id, on != 0);
}

int
virtnet_vlan_filter_offload_set(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	bool want = eth_dev->data->dev_conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_FILTER;

	if (want == usable(port, VIRTIO_NET_F_CTRL_VLAN))
		return 0;
	if (!offered(port, VIRTIO_NET_F_CTRL_VLAN))
		return refuse(port, "the VLAN filter", "VIRTIO_NET_F_CTRL_VLAN");
	VIRTIO_LOG(ERR, "%s: the VLAN filter is switched at configure (the device learns it "
		   "with the features): set RTE_ETH_RX_OFFLOAD_VLAN_FILTER in rxmode.offloads "
		   "and configure the port again", eth_dev->data->name);
	return -ENOTSUP;
}

int
virtnet_rx_filter_start(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	const uint64_t *ids = eth_dev->data->vlan_filter_conf.ids;
	bool extra_uc = false;
	unsigned int i;
	int ret;

	if (virtio_dev_has(&port->dev, VIRTIO_NET_F_CTRL_RX)) {
		for (i = 1; i < VIRTNET_MAX_MAC_ADDRS; i++)
			extra_uc |= !rte_is_zero_ether_addr(&eth_dev->data->mac_addrs[i]);
		/* After a reset the tables are empty: only a non-empty one is news. */
		if (extra_uc || port->rx_filter.nb_mc > 0) {
			ret = send_mac_tables(eth_dev, 0, NULL, &port->rx_filter);
			if (ret != 0)
				return ret;
		}
	}
	if (!virtio_dev_has(&port->dev, VIRTIO_NET_F_CTRL_VLAN))
		return 0;
	for (i = 0; i <= RTE_ETHER_MAX_VLAN_ID; i++) {
		if ((ids[i / 64] & (UINT64_C(1) << (i % 64))) == 0)
			continue;
		ret = vlan_command(port, (uint16_t)i, true);
		if (ret != 0)
			return ret;
	}
	return 0;
}
