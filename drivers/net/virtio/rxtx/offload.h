/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Offloads: the one place where mbuf offload requests become the virtio net
 * header (Tx) and the net header becomes mbuf flags (Rx), shared by the split
 * and packed paths. Also the offloads virtio has no header bit for, done in
 * software: IPv4 header checksum, VLAN insert and strip.
 *
 * Burst loops call these only when the queue's offload flags (decided once,
 * at queue setup or vlan_offload_set) are not zero, so a port without
 * offloads pays one predictable branch on a per-queue constant.
 *
 * Checksum convention (spec 5.1.6.2, "Packet Transmission"): with
 * VIRTIO_NET_HDR_F_NEEDS_CSUM the L4 checksum field holds the ones'
 * complement sum of the pseudo header, the device sums from csum_start to the
 * end and stores the result at csum_start + csum_offset. DPDK applications
 * write exactly that sum (rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum) for
 * plain checksum offload. For TSO, DPDK's convention leaves the L4 length out
 * of the pseudo header, while virtio devices (the Linux GSO code behind
 * vhost-net, tap and QEMU) take it as included and adjust it per segment:
 * the driver adds the length before handing the packet over.
 *
 * Rx NEEDS_CSUM (the device passed on a packet whose checksum was never
 * computed, e.g. one sent by a local guest or stack): reported as
 * RTE_MBUF_F_RX_L4_CKSUM_NONE, which DPDK defines as "the L4 checksum is not
 * correct in the packet data, but the integrity of the L4 data is verified".
 * That is exactly the state NEEDS_CSUM describes, costs no pass over the
 * data, and an application that forwards such a packet asks for Tx L4
 * checksum offload: the field already holds the pseudo-header sum that Tx
 * offload expects.
 */

#ifndef VIRTIO_RXTX_OFFLOAD_H
#define VIRTIO_RXTX_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "../virtio_spec.h"
#include "rxtx.h"

/* Per-queue Rx offload flags (virtnet_rxq.offloads). */
#define VIRTIO_RXQ_OFF_HDR	 0x1 /* GUEST_CSUM negotiated: parse flags and gso fields */
#define VIRTIO_RXQ_OFF_VLAN_STRIP 0x2 /* RTE_ETH_RX_OFFLOAD_VLAN_STRIP */

/* Per-queue Tx offload flags (virtnet_txq.offloads). */
#define VIRTIO_TXQ_OFF_ANY	0x1 /* some Tx offload configured: look at ol_flags */
#define VIRTIO_TXQ_OFF_CSUM	0x2 /* VIRTIO_NET_F_CSUM negotiated */
#define VIRTIO_TXQ_OFF_TSO4	0x4 /* VIRTIO_NET_F_HOST_TSO4 negotiated */
#define VIRTIO_TXQ_OFF_TSO6	0x8 /* VIRTIO_NET_F_HOST_TSO6 negotiated */

/* Where the checksum of an L4 protocol lies within its header (csum_offset). */
static inline uint16_t
virtio_tx_csum_offset(uint64_t ol_flags)
{
	if ((ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
	    (ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM)
		return offsetof(struct rte_tcp_hdr, cksum);
	if ((ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM)
		return offsetof(struct rte_udp_hdr, dgram_cksum);
	return 0; /* SCTP (CRC32c, not a ones' complement sum) is not offered */
}

/* Adds a 16-bit big-endian value into a ones' complement sum stored in memory order. */
static inline uint16_t
virtio_csum_add16(uint16_t sum, uint16_t be_value)
{
	uint32_t s = (uint32_t)sum + be_value;

	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/*
 * Work on the packet data that must happen before the layout is planned:
 * VLAN insert (moves the data start) and the IPv4 header checksum, both safe
 * to repeat when the packet comes back unsent from a full ring (the insert
 * clears RTE_MBUF_F_TX_VLAN). Returns false when the packet cannot be sent
 * as requested (headers not writable or not in the first segment, or an
 * offload the queue did not negotiate); the caller drops and counts it.
 */
static inline bool
virtio_tx_offload_prepare(struct rte_mbuf **pm, uint8_t txq_off)
{
	struct rte_mbuf *m = *pm;
	uint64_t ol = m->ol_flags;
	uint32_t hdrs;

	if (ol & RTE_MBUF_F_TX_VLAN) {
		if (rte_vlan_insert(pm) != 0)
			return false;
		m = *pm;
		ol = m->ol_flags;
	}
	if (!(ol & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IP_CKSUM)))
		return true;
	hdrs = (uint32_t)m->l2_len + m->l3_len + ((ol & RTE_MBUF_F_TX_TCP_SEG) ? m->l4_len : 0);
	/* The fields we write must lie in the first segment and belong to us alone. */
	if (unlikely(hdrs > m->data_len || m->l3_len == 0 || !RTE_MBUF_DIRECT(m) ||
		     rte_mbuf_refcnt_read(m) != 1))
		return false;
	if (ol & RTE_MBUF_F_TX_IP_CKSUM) {
		/* Any l2_len is valid: the header may be unaligned, so no member stores. */
		uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
		uint8_t *field = ip + offsetof(struct rte_ipv4_hdr, hdr_checksum);
		uint16_t sum = 0;

		memcpy(field, &sum, sizeof(sum));
		sum = rte_ipv4_cksum((const struct rte_ipv4_hdr *)ip);
		memcpy(field, &sum, sizeof(sum));
	}
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		uint8_t need = (ol & RTE_MBUF_F_TX_IPV4) ? VIRTIO_TXQ_OFF_TSO4 :
							   VIRTIO_TXQ_OFF_TSO6;

		if (unlikely(!(txq_off & need) ||
			     m->tso_segsz == 0 || m->l4_len < sizeof(struct rte_tcp_hdr)))
			return false;
	} else if ((ol & RTE_MBUF_F_TX_L4_MASK) != 0 &&
		   (!(txq_off & VIRTIO_TXQ_OFF_CSUM) || virtio_tx_csum_offset(ol) == 0)) {
		return false;
	}
	return true;
}

/* TSO: DPDK's pseudo-header sum leaves out the L4 length, the device wants it in. */
static inline void
tcp_add_l4_len(struct rte_mbuf *m)
{
	uint8_t *field = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len + m->l3_len) +
			 offsetof(struct rte_tcp_hdr, cksum);
	uint16_t l4_len = (uint16_t)(m->pkt_len - m->l2_len - m->l3_len);
	uint16_t sum;

	/* The TCP header may be unaligned (any l2_len, l3_len, data_off): bytes, not members. */
	memcpy(&sum, field, sizeof(sum));
	sum = virtio_csum_add16(sum, rte_cpu_to_be_16(l4_len));
	memcpy(field, &sum, sizeof(sum));
}

/*
 * Fills a zeroed net header from the mbuf's offload requests (after
 * virtio_tx_offload_prepare() accepted it). Called once the packet has its
 * ring slots, so the TSO length fix happens exactly once per packet.
 */
static inline void
virtio_tx_offload_fill(struct virtio_net_hdr *hdr, struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags;
	uint16_t off = virtio_tx_csum_offset(ol);

	if (off == 0)
		return;
	hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr->csum_start = (uint16_t)(m->l2_len + m->l3_len);
	hdr->csum_offset = off;
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		hdr->gso_type = (ol & RTE_MBUF_F_TX_IPV4) ? VIRTIO_NET_HDR_GSO_TCPV4 :
							    VIRTIO_NET_HDR_GSO_TCPV6;
		hdr->gso_size = m->tso_segsz;
		hdr->hdr_len = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
		tcp_add_l4_len(m);
	}
}

/* Zeroes the net header of m and, on a queue with Tx offloads, fills it. */
static __rte_always_inline void
virtio_tx_hdr_write(void *hdr, uint16_t hdr_size, struct rte_mbuf *m, uint8_t offloads)
{
	memset(hdr, 0, hdr_size);
	if (offloads != 0) {
		/*
		 * A header pushed in front of the data is as aligned as the
		 * application's data_off: build it aligned, then copy it.
		 */
		struct virtio_net_hdr h = { 0 };

		virtio_tx_offload_fill(&h, m);
		memcpy(hdr, &h, sizeof(h));
	}
}

/*
 * Turns the net header the device wrote in front of m into mbuf flags and
 * fields, then strips a VLAN tag if asked. `offloads` is the queue's
 * VIRTIO_RXQ_OFF_* (not zero). Unknown flag bits and GSO types are ignored
 * (the packet itself is fine; only the hint is lost).
 */
static inline void
virtio_rx_offload(struct rte_mbuf *m, const struct virtio_net_hdr *hdr, uint8_t offloads)
{
	if (offloads & VIRTIO_RXQ_OFF_HDR) {
		uint8_t flags = hdr->flags;

		if (flags & VIRTIO_NET_HDR_F_DATA_VALID)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		else if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
		switch (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
		case VIRTIO_NET_HDR_GSO_TCPV4:
		case VIRTIO_NET_HDR_GSO_TCPV6:
			if (hdr->gso_size != 0) {
				m->ol_flags |= RTE_MBUF_F_RX_LRO;
				m->tso_segsz = hdr->gso_size;
			}
			break;
		default:
			break;
		}
	}
	/* rte_vlan_strip() trusts the frame to hold a tagged Ethernet header. */
	if ((offloads & VIRTIO_RXQ_OFF_VLAN_STRIP) &&
	    m->data_len >= RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))
		rte_vlan_strip(m);
}

/* The net header of a received packet: at the tail of its first buffer's headroom. */
static inline const struct virtio_net_hdr *
virtio_rx_hdr_of(const struct rte_mbuf *m, uint16_t hdr_size)
{
	return (const void *)((const uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM - hdr_size);
}

/* The one call a receive loop makes per packet, once the packet is complete. */
static __rte_always_inline void
virtio_rx_offload_apply(const struct virtnet_rxq *rxq, struct rte_mbuf *m)
{
	if (rxq->offloads != 0)
		virtio_rx_offload(m, virtio_rx_hdr_of(m, rxq->hdr_size), rxq->offloads);
}

/*
 * The one call a transmit loop makes per packet, before planning its layout.
 * False: the packet was dropped and counted (see virtio_tx_offload_prepare()).
 */
static __rte_always_inline bool
virtio_tx_offload_apply(struct virtnet_txq *txq, struct rte_mbuf **pm)
{
	if (txq->offloads == 0 || likely(virtio_tx_offload_prepare(pm, txq->offloads)))
		return true;
	txq->stats.errors++;
	rte_pktmbuf_free(*pm);
	return false;
}

#endif /* VIRTIO_RXTX_OFFLOAD_H */
