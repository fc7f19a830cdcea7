/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Wire formats from the VIRTIO 1.x specification (network device, split and
 * packed virtqueues). No DPDK types here: this header describes what crosses
 * the boundary between driver and device, nothing else.
 */

#ifndef VIRTIO_SPEC_H
#define VIRTIO_SPEC_H

#include <stdint.h>

/* Device-independent feature bits (spec 6, "Reserved Feature Bits"). */
#define VIRTIO_F_NOTIFY_ON_EMPTY	24
#define VIRTIO_F_ANY_LAYOUT		27
#define VIRTIO_RING_F_INDIRECT_DESC	28
#define VIRTIO_RING_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_RING_PACKED		34
#define VIRTIO_F_IN_ORDER		35
#define VIRTIO_F_ORDER_PLATFORM		36
#define VIRTIO_F_NOTIFICATION_DATA	38

/* Network device feature bits (spec 5.1.3). */
#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIRTIO_NET_F_MTU		3
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_GUEST_TSO4		7
#define VIRTIO_NET_F_GUEST_TSO6		8
#define VIRTIO_NET_F_GUEST_ECN		9
#define VIRTIO_NET_F_GUEST_UFO		10
#define VIRTIO_NET_F_HOST_TSO4		11
#define VIRTIO_NET_F_HOST_TSO6		12
#define VIRTIO_NET_F_HOST_ECN		13
#define VIRTIO_NET_F_HOST_UFO		14
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16
#define VIRTIO_NET_F_CTRL_VQ		17
#define VIRTIO_NET_F_CTRL_RX		18
#define VIRTIO_NET_F_CTRL_VLAN		19
#define VIRTIO_NET_F_CTRL_RX_EXTRA	20
#define VIRTIO_NET_F_GUEST_ANNOUNCE	21
#define VIRTIO_NET_F_MQ			22
#define VIRTIO_NET_F_CTRL_MAC_ADDR	23
#define VIRTIO_NET_F_NOTF_COAL		53
#define VIRTIO_NET_F_HASH_REPORT	57
#define VIRTIO_NET_F_RSS		60
#define VIRTIO_NET_F_SPEED_DUPLEX	63

#define VIRTIO_BIT(b) (UINT64_C(1) << (b))

/* Network features that are used through the control queue (spec 5.1.3.1). */
#define VIRTIO_NET_FEATURES_NEEDING_CTRL_VQ                                          \
	(VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VLAN) |      \
	 VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE) | VIRTIO_BIT(VIRTIO_NET_F_MQ) |      \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_MAC_ADDR) | VIRTIO_BIT(VIRTIO_NET_F_RSS) |      \
	 VIRTIO_BIT(VIRTIO_NET_F_CTRL_RX_EXTRA) | VIRTIO_BIT(VIRTIO_NET_F_NOTF_COAL) | \
	 VIRTIO_BIT(VIRTIO_NET_F_HASH_REPORT) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS))

/* Device status field (spec 2.1). */
#define VIRTIO_STATUS_RESET		0x00
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Network device configuration layout (spec 5.1.4). */
#define VIRTIO_NET_S_LINK_UP		1
#define VIRTIO_NET_S_ANNOUNCE		2

struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
	uint32_t speed;
	uint8_t duplex;
	uint8_t rss_max_key_size;
	uint16_t rss_max_indirection_table_length;
	uint32_t supported_hash_types;
} __attribute__((packed));

/* Split virtqueue (spec 2.7). */
#define VRING_DESC_F_NEXT		1
#define VRING_DESC_F_WRITE		2
#define VRING_DESC_F_INDIRECT		4

#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1

/* Largest queue the spec allows (Queue Size is at most 32768). */
#define VIRTQ_MAX_SIZE			32768

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* then used_event (EVENT_IDX) */
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* then avail_event (EVENT_IDX) */
};

/* Alignment the spec requires of each split-ring part (2.7, table). */
#define VRING_DESC_ALIGN	16
#define VRING_AVAIL_ALIGN	2
#define VRING_USED_ALIGN	4

/*
 * "Need event" test of spec 2.7.10: notify when new_idx has moved past
 * event_idx since old_idx, all modulo 2^16.
 */
static inline int
vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* Packed virtqueue (spec 2.8). */
#define VRING_PACKED_DESC_F_AVAIL	(1 << 7)
#define VRING_PACKED_DESC_F_USED	(1 << 15)

#define VRING_PACKED_EVENT_FLAG_ENABLE	0x0
#define VRING_PACKED_EVENT_FLAG_DISABLE	0x1
#define VRING_PACKED_EVENT_FLAG_DESC	0x2
/* Bit 15 of the event offset carries the wrap counter. */
#define VRING_PACKED_EVENT_WRAP_SHIFT	15

struct vring_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct vring_packed_event {
	uint16_t off_wrap;
	uint16_t flags;
};

/* Parts of a packed ring: descriptors 16-aligned, event areas 4-aligned. */
#define VRING_PACKED_DESC_ALIGN		16
#define VRING_PACKED_EVENT_ALIGN	4

/* PCI transport (spec 4.1). */
#define VIRTIO_PCI_VENDOR_ID		0x1af4
#define VIRTIO_PCI_DEVICE_ID_NET_TRANSITIONAL 0x1000
#define VIRTIO_PCI_DEVICE_ID_NET_MODERN	0x1041

/* Vendor-specific capability (4.1.4): where each register block lives. */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4

struct virtio_pci_cap {
	uint8_t cap_vndr;   /* PCI_CAP_ID_VNDR */
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;   /* VIRTIO_PCI_CAP_* */
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset;    /* within the BAR */
	uint32_t length;
};

struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier;
};

/* Common configuration structure (4.1.4.3), byte offsets. */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00
#define VIRTIO_PCI_COMMON_DF		0x04
#define VIRTIO_PCI_COMMON_GFSELECT	0x08
#define VIRTIO_PCI_COMMON_GF		0x0c
#define VIRTIO_PCI_COMMON_MSIX		0x10
#define VIRTIO_PCI_COMMON_NUMQ		0x12
#define VIRTIO_PCI_COMMON_STATUS	0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION	0x15
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO	0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI	0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO	0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI	0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO	0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI	0x34
#define VIRTIO_PCI_COMMON_CFG_SIZE	0x38

/* Legacy interface registers in I/O BAR 0 (4.1.4.8), byte offsets. */
#define VIRTIO_PCI_LEGACY_HOST_FEATURES	0x00
#define VIRTIO_PCI_LEGACY_GUEST_FEATURES 0x04
#define VIRTIO_PCI_LEGACY_QUEUE_PFN	0x08
#define VIRTIO_PCI_LEGACY_QUEUE_NUM	0x0c
#define VIRTIO_PCI_LEGACY_QUEUE_SEL	0x0e
#define VIRTIO_PCI_LEGACY_QUEUE_NOTIFY	0x10
#define VIRTIO_PCI_LEGACY_STATUS	0x12
#define VIRTIO_PCI_LEGACY_ISR		0x13
#define VIRTIO_PCI_LEGACY_MSIX_CONFIG	0x14
#define VIRTIO_PCI_LEGACY_MSIX_QUEUE	0x16
/* Device configuration follows, after the MSI-X vectors when MSI-X is on. */
#define VIRTIO_PCI_LEGACY_CONFIG(msix_on) ((msix_on) ? 0x18 : 0x14)
/* The queue address register holds a page frame number of 4096-byte pages. */
#define VIRTIO_PCI_LEGACY_QUEUE_ADDR_SHIFT 12

/* "No MSI-X vector" for configuration and queue vectors. */
#define VIRTIO_MSI_NO_VECTOR		0xffff

/* Network packet header (spec 5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_F_DATA_VALID	2
#define VIRTIO_NET_HDR_F_RSC_INFO	4

#define VIRTIO_NET_HDR_GSO_NONE		0
#define VIRTIO_NET_HDR_GSO_TCPV4	1
#define VIRTIO_NET_HDR_GSO_UDP		3
#define VIRTIO_NET_HDR_GSO_TCPV6	4
#define VIRTIO_NET_HDR_GSO_ECN		0x80

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* With VERSION_1 or MRG_RXBUF the header always carries num_buffers. */
struct virtio_net_hdr_mrg_rxbuf {
	struct virtio_net_hdr hdr;
	uint16_t num_buffers;
};

/* Net header size for a feature set: num_buffers with VERSION_1 or MRG_RXBUF. */
static inline uint16_t
virtio_net_hdr_size(uint64_t features)
{
	return (features & (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF))) ?
		       sizeof(struct virtio_net_hdr_mrg_rxbuf) : sizeof(struct virtio_net_hdr);
}

/*
 * Control virtqueue (spec 5.1.6.5): the driver makes available one buffer
 * holding {class, command, command data} and one device-writable ack byte.
 */
struct virtio_net_ctrl_hdr {
	uint8_t class;
	uint8_t cmd;
} __attribute__((packed));

#define VIRTIO_NET_OK			0
#define VIRTIO_NET_ERR			1

#define VIRTIO_NET_CTRL_RX		0
#define VIRTIO_NET_CTRL_RX_PROMISC	0
#define VIRTIO_NET_CTRL_RX_ALLMULTI	1

#define VIRTIO_NET_CTRL_MAC		1
#define VIRTIO_NET_CTRL_MAC_TABLE_SET	0
#define VIRTIO_NET_CTRL_MAC_ADDR_SET	1

#define VIRTIO_NET_CTRL_VLAN		2
#define VIRTIO_NET_CTRL_VLAN_ADD	0
#define VIRTIO_NET_CTRL_VLAN_DEL	1

#define VIRTIO_NET_CTRL_ANNOUNCE	3
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK	0

#define VIRTIO_NET_CTRL_MQ		4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET	0
#define VIRTIO_NET_CTRL_MQ_RSS_CONFIG	1
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN	1
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX	0x8000

/* Hash types of VIRTIO_NET_F_RSS (spec 5.1.6.5.6.4). */
#define VIRTIO_NET_RSS_HASH_TYPE_IPV4	(1u << 0)
#define VIRTIO_NET_RSS_HASH_TYPE_TCPV4	(1u << 1)
#define VIRTIO_NET_RSS_HASH_TYPE_UDPV4	(1u << 2)
#define VIRTIO_NET_RSS_HASH_TYPE_IPV6	(1u << 3)
#define VIRTIO_NET_RSS_HASH_TYPE_TCPV6	(1u << 4)
#define VIRTIO_NET_RSS_HASH_TYPE_UDPV6	(1u << 5)
#define VIRTIO_NET_RSS_HASH_TYPE_IP_EX	(1u << 6)
#define VIRTIO_NET_RSS_HASH_TYPE_TCP_EX	(1u << 7)
#define VIRTIO_NET_RSS_HASH_TYPE_UDP_EX	(1u << 8)

/*
 * VIRTIO_NET_CTRL_MQ_RSS_CONFIG data up to the indirection table; the table
 * (indirection_table_mask + 1 entries), then le16 max_tx_vq, u8
 * hash_key_length and the key follow.
 */
struct virtio_net_rss_config_head {
	uint32_t hash_types;
	uint16_t indirection_table_mask;
	uint16_t unclassified_queue;
} __attribute__((packed));

#endif /* VIRTIO_SPEC_H */
