/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Offloads against the fake device, on every scalar ring kind (split any
 * order, split in order, packed) and Tx layout (header pushed into the
 * headroom, header descriptor, indirect table):
 *  - Tx: the exact net header the device sees for L4 checksum, TSO v4/v6,
 *    the software IPv4 header checksum and VLAN insert, and the packet bytes
 *    (a checksum the device completes the way the spec says must verify);
 *  - Rx: the mbuf flags and fields the application sees for DATA_VALID,
 *    NEEDS_CSUM and GSO headers (single and mergeable buffers, LRO frames),
 *    and VLAN strip;
 *  - a queue without offloads leaves the header zero and flags clear;
 *    packets that cannot be offloaded are dropped, counted and freed.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "offloads.h"
#include "rxtx/offload.h"
#include "rxtx/rxtx.h"
#include "ut_common.h"

#define HDR_SIZE  12
#define TEST_PORT 3
#define RING	  256
#define POOL_SIZE 2047
#define BIG_ROOM  (UT_MAX_FRAME + RTE_PKTMBUF_HEADROOM)
#define LRO_FRAME 30000 /* larger than any single buffer: needs mergeable buffers */

#define ALL_TX_FEATURES (VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | \
			 VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6))
#define ALL_TX_OFFLOADS (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
			 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO | \
			 RTE_ETH_TX_OFFLOAD_VLAN_INSERT)

static struct rte_mempool *pool;
static struct rte_mempool *big;

enum ring_kind { SPLIT, SPLIT_IN_ORDER, PACKED };
static const char *const ring_names[] = { "split", "split in-order", "packed" };

/* Tx layouts: which of the three the driver picks follows from headroom and segments. */
enum layout { PUSHED, HDR_DESC, INDIRECT };
static const char *const layout_names[] = { "pushed", "header descriptor", "indirect" };

static uint16_t ring_size = RING;

static struct virtio_queue_params
params_for(enum ring_kind kind, bool mergeable, uint16_t vq_index)
{
	return (struct virtio_queue_params){
		.vq_index = vq_index,
		.size = ring_size,
		.hdr_size = HDR_SIZE,
		.mergeable = mergeable,
		.packed = kind == PACKED,
		.in_order = kind == SPLIT_IN_ORDER,
		.port_id = TEST_PORT,
	};
}

/* ---- frames -------------------------------------------------------------------------- */

struct frame {
	uint8_t b[LRO_FRAME + 64];
	uint32_t len;
	uint16_t l2, l3, l4;
};

/* Ethernet (optionally VLAN-tagged), IPv4 or IPv6, TCP or UDP, `payload` bytes. */
static void
frame_build(struct frame *f, bool ipv6, bool tcp, uint32_t payload, bool tagged)
{
	struct rte_ether_hdr *eth = (void *)f->b;
	uint8_t *p = f->b + sizeof(*eth);
	uint32_t i, l4_len;

	memset(f, 0, sizeof(*f));
	memcpy(eth->dst_addr.addr_bytes, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(eth->src_addr.addr_bytes, "\x02\x00\x00\x00\x00\x01", 6);
	f->l2 = sizeof(*eth);
	if (tagged) {
		struct rte_vlan_hdr *vh = (void *)p;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(0x2abc);
		vh->eth_proto = rte_cpu_to_be_16(ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
		p += sizeof(*vh);
		f->l2 += sizeof(*vh);
	} else {
		eth->ether_type = rte_cpu_to_be_16(ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	}
	f->l4 = tcp ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);
	l4_len = f->l4 + payload;
	if (ipv6) {
		struct rte_ipv6_hdr *ip = (void *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip->proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		ip->hop_limits = 64;
		for (i = 0; i < 16; i++) {
			ip->src_addr[i] = (uint8_t)(0x20 + i);
			ip->dst_addr[i] = (uint8_t)(0x40 + i);
		}
		f->l3 = sizeof(*ip);
	} else {
		struct rte_ipv4_hdr *ip = (void *)p;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
		ip->time_to_live = 64;
		ip->next_proto_id = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		/* 192.0.2.1 and 198.51.100.7 (RTE_IPV4() shifts an int into its sign bit). */
		ip->src_addr = rte_cpu_to_be_32(UINT32_C(0xc0000201));
		ip->dst_addr = rte_cpu_to_be_32(UINT32_C(0xc6336407));
		ip->hdr_checksum = 0xdead; /* wrong on purpose: the driver computes it */
		f->l3 = sizeof(*ip);
	}
	p += f->l3;
	if (tcp) {
		struct rte_tcp_hdr *th = (void *)p;

		th->src_port = rte_cpu_to_be_16(1234);
		th->dst_port = rte_cpu_to_be_16(80);
		th->sent_seq = rte_cpu_to_be_32(1000);
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG;
		th->rx_win = rte_cpu_to_be_16(4096);
	} else {
		struct rte_udp_hdr *uh = (void *)p;

		uh->src_port = rte_cpu_to_be_16(1234);
		uh->dst_port = rte_cpu_to_be_16(4789);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)l4_len);
	}
	for (i = 0; i < payload; i++)
		p[f->l4 + i] = (uint8_t)(i * 7 + 3);
	f->len = f->l2 + f->l3 + l4_len;
}

static void *
l3_of(uint8_t *b, uint16_t l2)
{
	return b + l2;
}

/* The pseudo-header sum as DPDK applications write it (testpmd csum engine). */
static uint16_t
app_phdr_sum(const uint8_t *b, uint16_t l2, bool ipv6, uint64_t ol_flags)
{
	return ipv6 ? rte_ipv6_phdr_cksum((const void *)(b + l2), ol_flags) :
		      rte_ipv4_phdr_cksum((const void *)(b + l2), ol_flags);
}

/* Completes the checksum the way the spec tells a device to (5.1.6.2). */
static void
device_complete(uint8_t *b, uint32_t len, uint16_t start, uint16_t offset)
{
	uint16_t sum = rte_raw_cksum(b + start, len - start);
	uint16_t c = (uint16_t)~sum;

	memcpy(b + start + offset, &c, sizeof(c));
}

static bool
l4_valid(uint8_t *b, uint16_t l2, uint16_t l3, bool ipv6)
{
	if (ipv6)
		return rte_ipv6_udptcp_cksum_verify(l3_of(b, l2), b + l2 + l3) == 0;
	return rte_ipv4_udptcp_cksum_verify(l3_of(b, l2), b + l2 + l3) == 0;
}

/* ---- Tx -------------------------------------------------------------------------------- */

struct tx_case {
	const char *what;
	bool ipv6, tcp, tagged;
	uint32_t payload;
	uint64_t ol_flags;
	uint16_t tso_segsz;
	uint16_t vlan_tci;
	/* Expected header. */
	uint8_t flags, gso_type;
	uint16_t csum_offset;
	bool hdr_len_set;
};

#define OL_V4 RTE_MBUF_F_TX_IPV4
#define OL_V6 RTE_MBUF_F_TX_IPV6

static const struct tx_case tx_cases[] = {
	{ "IPv4 TCP checksum + IPv4 header checksum", false, true, false, 200,
	  OL_V4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM, 0, 0,
	  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 16, false },
	{ "IPv4 UDP checksum", false, false, false, 333, OL_V4 | RTE_MBUF_F_TX_UDP_CKSUM, 0, 0,
	  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 6, false },
	{ "IPv6 TCP checksum", true, true, false, 100, OL_V6 | RTE_MBUF_F_TX_TCP_CKSUM, 0, 0,
	  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 16, false },
	{ "IPv6 UDP checksum", true, false, false, 1001, OL_V6 | RTE_MBUF_F_TX_UDP_CKSUM, 0, 0,
	  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 6, false },
	{ "IPv4 header checksum only", false, true, false, 50, OL_V4 | RTE_MBUF_F_TX_IP_CKSUM, 0,
	  0, 0, VIRTIO_NET_HDR_GSO_NONE, 0, false },
	{ "TSO IPv4", false, true, false, 4000,
	  OL_V4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_SEG, 1400, 0,
	  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 16, true },
	{ "TSO IPv6", true, true, false, 5000, OL_V6 | RTE_MBUF_F_TX_TCP_SEG, 1200, 0,
	  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 16, true },
	{ "VLAN insert", false, false, false, 80, RTE_MBUF_F_TX_VLAN, 0, 0x0123, 0,
	  VIRTIO_NET_HDR_GSO_NONE, 0, false },
	{ "VLAN insert + TCP checksum: csum_start moves with the tag", false, true, false, 90,
	  OL_V4 | RTE_MBUF_F_TX_VLAN | RTE_MBUF_F_TX_TCP_CKSUM, 0, 0xe042,
	  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 16, false },
	{ "no offload flags", false, true, false, 60, 0, 0, 0, 0, VIRTIO_NET_HDR_GSO_NONE, 0,
	  false },
};

struct tx_env {
	struct ut_txq q;
	struct fake_tx_frame out[4];
};

static struct tx_env tx;

static void
tx_open(enum ring_kind kind, uint8_t offloads)
{
	struct virtio_queue_params p = params_for(kind, false, 1);
	struct rte_mempool *pools[] = { pool, big };

	assert_int_equal(ut_txq_create(&tx.q, &p, true, 0xa5, pools, 2), 0);
	assert_true(tx.q.txq->use_indirect);
	tx.q.txq->offloads = offloads;
}

static void
tx_close(void)
{
	ut_txq_destroy(&tx.q);
	assert_int_equal(ut_pool_in_use(pool), 0);
	assert_int_equal(ut_pool_in_use(big), 0);
}

static uint16_t
tx_burst(enum ring_kind kind, struct rte_mbuf **m, uint16_t n)
{
	switch (kind) {
	case SPLIT:
		return virtio_xmit_pkts(tx.q.txq, m, n);
	case SPLIT_IN_ORDER:
		return virtio_xmit_pkts_inorder(tx.q.txq, m, n);
	default:
		return virtio_xmit_pkts_packed(tx.q.txq, m, n);
	}
}

/* Two segments: the first `first` bytes (headroom `headroom`), then the rest. */
static struct rte_mbuf *
build_two(struct rte_mempool *mp, const uint8_t *b, uint32_t len, uint32_t first,
	  uint16_t headroom)
{
	struct rte_mbuf *head = ut_mbuf_build(mp, b, first, 1, headroom, 0x5a);
	struct rte_mbuf *tail = ut_mbuf_build(mp, b + first, len - first, 1,
					      RTE_PKTMBUF_HEADROOM, 0x5a);

	assert_non_null(head);
	assert_non_null(tail);
	assert_int_equal(rte_pktmbuf_chain(head, tail), 0);
	return head;
}

/*
 * Pushed: room for the header in front. The others: 8 bytes of headroom,
 * enough for a VLAN tag but not for the net header; indirect: two segments,
 * the headers all in the first (DPDK's rule for offloads).
 */
#define SMALL_HEADROOM 8

/* Headroom of a pushed packet; test_tx_unaligned makes it odd. */
static uint16_t pushed_headroom = RTE_PKTMBUF_HEADROOM;

static struct rte_mbuf *
tx_mbuf(const struct frame *f, enum layout layout)
{
	struct rte_mempool *mp = f->len > 2000 ? big : pool;

	if (layout == PUSHED)
		return ut_mbuf_build(mp, f->b, f->len, 1, pushed_headroom, 0x5a);
	if (layout == HDR_DESC)
		return ut_mbuf_build(mp, f->b, f->len, 1, SMALL_HEADROOM, 0x5a);
	return build_two(mp, f->b, f->len, RTE_MIN(f->len, 100u), SMALL_HEADROOM);
}

static void
check_tx_case(enum ring_kind kind, enum layout layout, const struct tx_case *c, bool prepare)
{
	struct frame f, expect;
	struct rte_mbuf *m;
	struct virtio_net_hdr h;
	const struct fake_tx_frame *o;
	uint16_t l2;

	print_message("#   %s, %s: %s\n", ring_names[kind], layout_names[layout], c->what);
	frame_build(&f, c->ipv6, c->tcp, c->payload, c->tagged);
	if (prepare) {
		/* Garbage in the field: rte_eth_tx_prepare() must write the sum. */
		uint16_t junk = 0xbeef;

		memcpy(f.b + f.l2 + f.l3 + (c->tcp ? 16 : 6), &junk, sizeof(junk));
	} else if (c->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) {
		uint16_t sum = app_phdr_sum(f.b, f.l2, c->ipv6, c->ol_flags);

		memcpy(f.b + f.l2 + f.l3 + (c->tcp ? 16 : 6), &sum, sizeof(sum));
	}
	m = tx_mbuf(&f, layout);
	assert_non_null(m);
	m->ol_flags = c->ol_flags;
	m->l2_len = f.l2;
	m->l3_len = f.l3;
	m->l4_len = f.l4;
	m->tso_segsz = c->tso_segsz;
	m->vlan_tci = c->vlan_tci;
	if (prepare)
		assert_int_equal(virtio_xmit_pkts_prepare(tx.q.txq, &m, 1), 1);
	assert_int_equal(tx_burst(kind, &m, 1), 1);
	assert_int_equal(fake_tx_collect(&tx.q.fd, tx.out, RTE_DIM(tx.out)), 1);
	assert_int_equal(tx.q.fd.protocol_errors, 0);
	o = &tx.out[0];
	if (layout == INDIRECT)
		assert_true(o->indirect);
	if (layout == HDR_DESC)
		assert_true(o->hdr_alone && !o->indirect);
	if (layout == PUSHED)
		assert_false(o->hdr_alone);
	memcpy(&h, o->hdr, sizeof(h));

	/* What the device must see: the frame, tagged if asked, checksums as the spec says. */
	expect = f;
	l2 = f.l2;
	if (c->ol_flags & RTE_MBUF_F_TX_VLAN) {
		uint16_t tci = rte_cpu_to_be_16(c->vlan_tci), tpid = rte_cpu_to_be_16(0x8100);

		memmove(expect.b + 16, f.b + 12, f.len - 12);
		memcpy(expect.b + 12, &tpid, 2);
		memcpy(expect.b + 14, &tci, 2);
		expect.len += 4;
		l2 += 4;
	}
	assert_int_equal(o->len, expect.len);
	assert_int_equal(h.flags, c->flags);
	assert_int_equal(h.gso_type, c->gso_type);
	if (c->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		assert_int_equal(h.csum_start, l2 + f.l3);
		assert_int_equal(h.csum_offset, c->csum_offset);
	} else {
		assert_int_equal(h.csum_start, 0);
		assert_int_equal(h.csum_offset, 0);
	}
	if (c->hdr_len_set) {
		assert_int_equal(h.gso_size, c->tso_segsz);
		assert_int_equal(h.hdr_len, l2 + f.l3 + f.l4);
	} else {
		assert_int_equal(h.gso_size, 0);
		assert_int_equal(h.hdr_len, 0);
	}
	if (!c->ipv6 && (c->ol_flags & RTE_MBUF_F_TX_IP_CKSUM)) {
		/* Computed in software: a valid header sums to all ones. */
		assert_int_equal(rte_ipv4_cksum(l3_of((uint8_t *)(uintptr_t)o->data, l2)), 0);
		memcpy(expect.b + l2 + 10, o->data + l2 + 10, 2);
	}
	if (c->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		uint8_t *d = (uint8_t *)(uintptr_t)o->data;
		/* The field holds the pseudo-header sum including the L4 length, also for TSO. */
		uint16_t want = app_phdr_sum(d, l2, c->ipv6, 0), got;

		memcpy(&got, d + h.csum_start + h.csum_offset, 2);
		assert_int_equal(got, want);
		memcpy(expect.b + h.csum_start + h.csum_offset, &got, 2);
		assert_memory_equal(o->data, expect.b, expect.len);
		device_complete(d, o->len, h.csum_start, h.csum_offset);
		assert_true(l4_valid(d, l2, f.l3, c->ipv6));
	} else {
		/* No L4 offload: the L4 header is left alone, garbage included. */
		assert_memory_equal(o->data, expect.b, expect.len);
	}
	/* Completions come back; the mbuf returns to its pool on the next cleanup. */
	fake_publish(&tx.q.fd, UINT32_MAX, FAKE_ORDER_FIFO);
	if (kind == PACKED)
		virtio_packed_txq_cleanup(tx.q.txq);
	else if (kind == SPLIT_IN_ORDER)
		virtio_txq_cleanup_inorder(tx.q.txq);
	else
		virtio_txq_cleanup(tx.q.txq);
}

static void
test_tx_header_fill(void **state)
{
	unsigned int kind, layout, i;
	uint8_t off = virtnet_txq_offloads(ALL_TX_FEATURES, ALL_TX_OFFLOADS);

	RTE_SET_USED(state);
	assert_int_equal(off, VIRTIO_TXQ_OFF_ANY | VIRTIO_TXQ_OFF_CSUM | VIRTIO_TXQ_OFF_TSO4 |
				      VIRTIO_TXQ_OFF_TSO6);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		for (layout = PUSHED; layout <= INDIRECT; layout++) {
			tx_open(kind, off);
			for (i = 0; i < RTE_DIM(tx_cases); i++)
				check_tx_case(kind, layout, &tx_cases[i], false);
			assert_int_equal(tx.q.txq->stats.errors, 0);
			tx_close();
		}
	}
}

/*
 * Any data_off is valid, so the pushed net header and the packet headers may
 * sit at odd addresses: the same headers and bytes, written without member
 * access through unaligned pointers (found by the ring fuzz targets as a
 * UBSan report): in a sanitizer build with UBSAN_OPTIONS=halt_on_error=1 this
 * case fails on such an access.
 */
static void
test_tx_unaligned(void **state)
{
	uint8_t off = virtnet_txq_offloads(ALL_TX_FEATURES, ALL_TX_OFFLOADS);
	unsigned int kind, i, prepare;

	RTE_SET_USED(state);
	pushed_headroom = RTE_PKTMBUF_HEADROOM - 1;
	for (kind = SPLIT; kind <= PACKED; kind++) {
		for (prepare = 0; prepare <= 1; prepare++) {
			tx_open(kind, off);
			/*
			 * Not the VLAN cases: DPDK's rte_vlan_insert() itself
			 * accesses the Ethernet header through a struct pointer.
			 */
			for (i = 0; i < RTE_DIM(tx_cases); i++)
				if (!(tx_cases[i].ol_flags & RTE_MBUF_F_TX_VLAN))
					check_tx_case(kind, PUSHED, &tx_cases[i], prepare);
			assert_int_equal(tx.q.txq->stats.errors, 0);
			tx_close();
		}
	}
	pushed_headroom = RTE_PKTMBUF_HEADROOM;
}

/*
 * The same packets with garbage in their checksum fields, through
 * rte_eth_tx_prepare()'s callback first: the same headers and bytes. Then
 * what it must refuse, at the packet that asks for it.
 */
static void
test_tx_prepare(void **state)
{
	static const uint64_t refused[] = {
		OL_V4 | RTE_MBUF_F_TX_SCTP_CKSUM,
		OL_V4 | RTE_MBUF_F_TX_UDP_SEG,
		OL_V4 | RTE_MBUF_F_TX_TUNNEL_VXLAN | RTE_MBUF_F_TX_UDP_CKSUM,
		OL_V4 | RTE_MBUF_F_TX_OUTER_IP_CKSUM,
		OL_V6 | RTE_MBUF_F_TX_TCP_SEG, /* HOST_TSO6 not negotiated below */
	};
	unsigned int kind, i;

	RTE_SET_USED(state);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		tx_open(kind, virtnet_txq_offloads(ALL_TX_FEATURES, ALL_TX_OFFLOADS));
		for (i = 0; i < RTE_DIM(tx_cases); i++)
			check_tx_case(kind, PUSHED, &tx_cases[i], true);
		tx_close();
	}
	tx_open(SPLIT, virtnet_txq_offloads(VIRTIO_BIT(VIRTIO_NET_F_CSUM) |
					    VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4), ALL_TX_OFFLOADS));
	for (i = 0; i < RTE_DIM(refused); i++) {
		struct rte_mbuf *pkts[2];
		struct frame f;

		frame_build(&f, false, true, 100, false);
		pkts[0] = ut_mbuf_build(pool, f.b, f.len, 1, RTE_PKTMBUF_HEADROOM, 0);
		pkts[1] = ut_mbuf_build(pool, f.b, f.len, 1, RTE_PKTMBUF_HEADROOM, 0);
		assert_non_null(pkts[0]);
		assert_non_null(pkts[1]);
		pkts[0]->ol_flags = OL_V4 | RTE_MBUF_F_TX_TCP_CKSUM;
		pkts[1]->ol_flags = refused[i];
		pkts[0]->l2_len = pkts[1]->l2_len = f.l2;
		pkts[0]->l3_len = pkts[1]->l3_len = f.l3;
		pkts[0]->l4_len = pkts[1]->l4_len = f.l4;
		pkts[1]->tso_segsz = 500;
		rte_errno = 0;
		assert_int_equal(virtio_xmit_pkts_prepare(tx.q.txq, pkts, 2), 1);
		assert_int_equal(rte_errno, ENOTSUP);
		rte_pktmbuf_free(pkts[0]);
		rte_pktmbuf_free(pkts[1]);
	}
	/* A queue without checksum offload refuses an L4 checksum request. */
	tx_close();
	tx_open(PACKED, virtnet_txq_offloads(0, RTE_ETH_TX_OFFLOAD_VLAN_INSERT));
	{
		struct frame f;
		struct rte_mbuf *m;

		frame_build(&f, false, false, 100, false);
		m = ut_mbuf_build(pool, f.b, f.len, 1, RTE_PKTMBUF_HEADROOM, 0);
		assert_non_null(m);
		m->ol_flags = OL_V4 | RTE_MBUF_F_TX_UDP_CKSUM;
		m->l2_len = f.l2;
		m->l3_len = f.l3;
		assert_int_equal(virtio_xmit_pkts_prepare(tx.q.txq, &m, 1), 0);
		assert_int_equal(rte_errno, ENOTSUP);
		rte_pktmbuf_free(m);
	}
	tx_close();
}

/*
 * A TSO packet that finds the ring full comes back unsent and is sent again:
 * the length goes into its pseudo-header sum once, not once per try.
 */
static void
test_tx_tso_retry(void **state)
{
	unsigned int kind;

	RTE_SET_USED(state);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		struct rte_mbuf *pkts[5];
		struct frame f, small;
		uint16_t sum, got, want;
		unsigned int i;

		ring_size = 4;
		tx_open(kind, virtnet_txq_offloads(ALL_TX_FEATURES, ALL_TX_OFFLOADS));
		ring_size = RING;
		frame_build(&small, false, false, 40, false);
		frame_build(&f, false, true, 3000, false);
		sum = app_phdr_sum(f.b, f.l2, false, OL_V4 | RTE_MBUF_F_TX_TCP_SEG);
		memcpy(f.b + f.l2 + f.l3 + 16, &sum, 2);
		for (i = 0; i < 4; i++) {
			pkts[i] = ut_mbuf_build(pool, small.b, small.len, 1, RTE_PKTMBUF_HEADROOM, 0);
			assert_non_null(pkts[i]);
		}
		pkts[4] = ut_mbuf_build(big, f.b, f.len, 1, RTE_PKTMBUF_HEADROOM, 0);
		assert_non_null(pkts[4]);
		pkts[4]->ol_flags = OL_V4 | RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_VLAN;
		pkts[4]->l2_len = f.l2;
		pkts[4]->l3_len = f.l3;
		pkts[4]->l4_len = f.l4;
		pkts[4]->tso_segsz = 1000;
		pkts[4]->vlan_tci = 5;
		/* Twice while the ring is full: the packet stays the application's. */
		assert_int_equal(tx_burst(kind, pkts, 5), 4);
		assert_int_equal(tx_burst(kind, &pkts[4], 1), 0);
		assert_int_equal(fake_tx_collect(&tx.q.fd, tx.out, RTE_DIM(tx.out)), 4);
		fake_publish(&tx.q.fd, UINT32_MAX, FAKE_ORDER_FIFO);
		assert_int_equal(tx_burst(kind, &pkts[4], 1), 1);
		assert_int_equal(fake_tx_collect(&tx.q.fd, tx.out, 1), 1);
		/* One tag, and the sum with the length added once. */
		assert_int_equal(tx.out[0].len, f.len + 4);
		want = app_phdr_sum(f.b, f.l2, false, 0);
		memcpy(&got, tx.out[0].data + 4 + f.l2 + f.l3 + 16, 2);
		assert_int_equal(got, want);
		fake_publish(&tx.q.fd, UINT32_MAX, FAKE_ORDER_FIFO);
		tx_close();
	}
}

/* A port that did not ask for Tx offloads: header zero, bytes untouched, whatever ol_flags say. */
static void
test_tx_no_offloads(void **state)
{
	unsigned int kind;

	RTE_SET_USED(state);
	assert_int_equal(virtnet_txq_offloads(ALL_TX_FEATURES, RTE_ETH_TX_OFFLOAD_MULTI_SEGS), 0);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		struct frame f;
		struct rte_mbuf *m;
		static const uint8_t zero[HDR_SIZE];

		tx_open(kind, 0);
		frame_build(&f, false, true, 100, false);
		m = ut_mbuf_build(pool, f.b, f.len, 1, RTE_PKTMBUF_HEADROOM, 0x5a);
		assert_non_null(m);
		m->ol_flags = OL_V4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM |
			      RTE_MBUF_F_TX_VLAN;
		m->l2_len = f.l2;
		m->l3_len = f.l3;
		m->vlan_tci = 7;
		assert_int_equal(tx_burst(kind, &m, 1), 1);
		assert_int_equal(fake_tx_collect(&tx.q.fd, tx.out, 1), 1);
		assert_memory_equal(tx.out[0].hdr, zero, HDR_SIZE);
		assert_int_equal(tx.out[0].len, f.len);
		assert_memory_equal(tx.out[0].data, f.b, f.len);
		tx_close();
	}
}

/* Offloads the queue cannot do, or headers it cannot reach: dropped, counted, freed. */
static void
test_tx_refused(void **state)
{
	unsigned int kind;

	RTE_SET_USED(state);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		struct rte_mbuf *pkts[4];
		struct frame f4, f6;
		unsigned int i;

		/* CSUM and HOST_TSO4 only: no IPv6 TSO. */
		tx_open(kind, virtnet_txq_offloads(VIRTIO_BIT(VIRTIO_NET_F_CSUM) |
						   VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4),
						   ALL_TX_OFFLOADS));
		frame_build(&f4, false, true, 3000, false);
		frame_build(&f6, true, true, 3000, false);
		for (i = 0; i < RTE_DIM(pkts); i++) {
			const struct frame *f = i == 1 ? &f6 : &f4;

			/* The last one has its TCP header cut by the segment boundary. */
			pkts[i] = i == 3 ? build_two(big, f->b, f->len, 40, RTE_PKTMBUF_HEADROOM) :
				  ut_mbuf_build(big, f->b, f->len, 1, RTE_PKTMBUF_HEADROOM, 0);
			assert_non_null(pkts[i]);
			pkts[i]->l2_len = f->l2;
			pkts[i]->l3_len = f->l3;
			pkts[i]->l4_len = f->l4;
			pkts[i]->tso_segsz = 1000;
			pkts[i]->ol_flags = OL_V4 | RTE_MBUF_F_TX_TCP_SEG;
		}
		pkts[1]->ol_flags = OL_V6 | RTE_MBUF_F_TX_TCP_SEG; /* TSO6 not negotiated */
		pkts[2]->tso_segsz = 0;                           /* no segment size */
		pkts[0]->ol_flags = OL_V4 | RTE_MBUF_F_TX_TCP_CKSUM; /* fine */
		assert_int_equal(tx_burst(kind, pkts, 4), 4);
		assert_int_equal(tx.q.txq->stats.errors, 3);
		assert_int_equal(tx.q.txq->stats.packets, 1);
		assert_int_equal(fake_tx_collect(&tx.q.fd, tx.out, RTE_DIM(tx.out)), 1);
		assert_int_equal(tx.out[0].len, f4.len);
		tx_close();
	}
}

/* ---- Rx -------------------------------------------------------------------------------- */

struct rx_env {
	struct ut_rxq q;
};

static struct rx_env rx;

static void
rx_open(enum ring_kind kind, bool mergeable, uint8_t offloads, struct rte_mempool *mp)
{
	struct virtio_queue_params p = params_for(kind, mergeable, 0);

	assert_int_equal(ut_rxq_create(&rx.q, &p, mp), 0);
	rx.q.rxq->offloads = offloads;
	assert_true(virtio_rxq_fill(rx.q.rxq) > 0);
}

static void
rx_close(void)
{
	ut_rxq_destroy(&rx.q);
	assert_int_equal(ut_pool_in_use(pool), 0);
	assert_int_equal(ut_pool_in_use(big), 0);
}

static uint16_t
rx_burst(enum ring_kind kind, bool mergeable, struct rte_mbuf **pkts, uint16_t n)
{
	switch (kind) {
	case SPLIT:
		return mergeable ? virtio_recv_mergeable_pkts(rx.q.rxq, pkts, n) :
				   virtio_recv_pkts(rx.q.rxq, pkts, n);
	case SPLIT_IN_ORDER:
		return virtio_recv_pkts_inorder(rx.q.rxq, pkts, n);
	default:
		return mergeable ? virtio_recv_mergeable_pkts_packed(rx.q.rxq, pkts, n) :
				   virtio_recv_pkts_packed(rx.q.rxq, pkts, n);
	}
}

struct rx_case {
	const char *what;
	uint8_t flags, gso_type;
	uint16_t gso_size;
	bool tagged;
	uint32_t payload;
	uint64_t want_flags;
	uint16_t want_segsz;
};

#define L4_GOOD	 RTE_MBUF_F_RX_L4_CKSUM_GOOD
#define L4_NONE	 RTE_MBUF_F_RX_L4_CKSUM_NONE
#define STRIPPED (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED)

static const struct rx_case rx_cases[] = {
	{ "no flags: checksum unknown", 0, 0, 0, false, 100, 0, 0 },
	{ "DATA_VALID: L4 checksum good", VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, false, 100, L4_GOOD,
	  0 },
	{ "NEEDS_CSUM: data valid, checksum not in the packet", VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0,
	  false, 100, L4_NONE, 0 },
	{ "tagged, DATA_VALID: stripped and good", VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, true, 64,
	  L4_GOOD | STRIPPED, 0 },
	{ "tagged, no flags: stripped", 0, 0, 0, true, 1200, STRIPPED, 0 },
	{ "GSO TCPv4 with NEEDS_CSUM: LRO", VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4,
	  1448, false, 1400, L4_NONE | RTE_MBUF_F_RX_LRO, 1448 },
	{ "GSO TCPv6|ECN: LRO", VIRTIO_NET_HDR_F_NEEDS_CSUM,
	  VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN, 1220, false, 1400,
	  L4_NONE | RTE_MBUF_F_RX_LRO, 1220 },
	{ "GSO UDP: not TCP, no LRO flag", VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_UDP, 1000,
	  false, 300, L4_NONE, 0 },
	{ "unknown flag bits ignored", 0x80 | VIRTIO_NET_HDR_F_RSC_INFO, 0, 0, false, 77, 0, 0 },
};

static void
check_rx_case(enum ring_kind kind, bool mergeable, const struct rx_case *c, uint8_t offloads)
{
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr = {
		.flags = c->flags, .gso_type = c->gso_type, .gso_size = c->gso_size,
		.csum_start = 34, .csum_offset = 16,
	} };
	static struct frame f, want;
	struct rte_mbuf *m = NULL;
	bool strip = (offloads & VIRTIO_RXQ_OFF_VLAN_STRIP) && c->tagged;
	uint64_t want_flags = 0;

	print_message("#   %s%s: %s (offloads %#x)\n", ring_names[kind],
		      mergeable ? " mergeable" : "", c->what, offloads);
	frame_build(&f, c->gso_type == VIRTIO_NET_HDR_GSO_TCPV6, true, c->payload, c->tagged);
	assert_true(fake_rx_deliver(&rx.q.fd, f.b, f.len, &h) > 0);
	assert_int_equal(rx_burst(kind, mergeable, &m, 1), 1);
	want = f;
	if (strip) {
		memmove(want.b + 12, f.b + 16, f.len - 16);
		want.len -= 4;
	}
	if (offloads & VIRTIO_RXQ_OFF_HDR)
		want_flags = c->want_flags & ~STRIPPED;
	if (strip)
		want_flags |= STRIPPED;
	assert_int_equal(m->ol_flags, want_flags);
	assert_int_equal(m->pkt_len, want.len);
	assert_int_equal(ut_mbuf_diff(m, want.b, want.len), -1);
	if (strip)
		assert_int_equal(m->vlan_tci, 0x2abc);
	else
		assert_int_equal(m->vlan_tci, 0);
	if (want_flags & RTE_MBUF_F_RX_LRO)
		assert_int_equal(m->tso_segsz, c->want_segsz);
	assert_int_equal(m->port, TEST_PORT);
	rte_pktmbuf_free(m);
	assert_int_equal(ut_dev_errors(&rx.q.rxq->vq), 0);
	assert_int_equal(rx.q.fd.protocol_errors, 0);
}

static void
test_rx_header_parse(void **state)
{
	static const uint8_t offload_sets[] = {
		VIRTIO_RXQ_OFF_HDR | VIRTIO_RXQ_OFF_VLAN_STRIP,
		VIRTIO_RXQ_OFF_HDR,
		VIRTIO_RXQ_OFF_VLAN_STRIP,
		0,
	};
	unsigned int kind, mrg, s, i;

	RTE_SET_USED(state);
	/* GUEST_CSUM negotiated means header parsing, VLAN strip comes from the port's config. */
	assert_int_equal(virtnet_rxq_offloads(VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM),
					      RTE_ETH_RX_OFFLOAD_VLAN_STRIP),
			 VIRTIO_RXQ_OFF_HDR | VIRTIO_RXQ_OFF_VLAN_STRIP);
	assert_int_equal(virtnet_rxq_offloads(0, RTE_ETH_RX_OFFLOAD_SCATTER), 0);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		for (mrg = 0; mrg < 2; mrg++) {
			for (s = 0; s < RTE_DIM(offload_sets); s++) {
				rx_open(kind, mrg, offload_sets[s], pool);
				for (i = 0; i < RTE_DIM(rx_cases); i++)
					check_rx_case(kind, mrg, &rx_cases[i], offload_sets[s]);
				rx_close();
			}
		}
	}
}

/* An LRO frame larger than one buffer arrives over mergeable buffers with its GSO fields. */
static void
test_rx_lro_large(void **state)
{
	unsigned int kind;

	RTE_SET_USED(state);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		struct virtio_net_hdr_mrg_rxbuf h = { .hdr = {
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1448,
			.csum_start = 34, .csum_offset = 16, .hdr_len = 54,
		} };
		static struct frame f;
		struct rte_mbuf *m = NULL;
		int bufs;

		rx_open(kind, true, VIRTIO_RXQ_OFF_HDR, pool);
		frame_build(&f, false, true, LRO_FRAME - 54, false);
		bufs = fake_rx_deliver(&rx.q.fd, f.b, f.len, &h);
		assert_true(bufs > 1);
		assert_int_equal(rx_burst(kind, true, &m, 1), 1);
		assert_int_equal(m->pkt_len, f.len);
		assert_int_equal(m->nb_segs, bufs);
		assert_int_equal(ut_mbuf_diff(m, f.b, f.len), -1);
		assert_int_equal(m->ol_flags, RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE);
		assert_int_equal(m->tso_segsz, 1448);
		rte_pktmbuf_free(m);
		rx_close();
	}
}

/* A frame too short to hold a tagged header is passed on as it is, never stripped. */
static void
test_rx_strip_short(void **state)
{
	unsigned int kind;

	RTE_SET_USED(state);
	for (kind = SPLIT; kind <= PACKED; kind++) {
		uint8_t tiny[16];
		struct rte_mbuf *m = NULL;

		rx_open(kind, false, VIRTIO_RXQ_OFF_VLAN_STRIP, pool);
		memset(tiny, 0x11, sizeof(tiny));
		tiny[12] = 0x81;
		tiny[13] = 0x00;
		assert_true(fake_rx_deliver(&rx.q.fd, tiny, sizeof(tiny), NULL) > 0);
		assert_int_equal(rx_burst(kind, false, &m, 1), 1);
		assert_int_equal(m->pkt_len, sizeof(tiny));
		assert_int_equal(m->ol_flags, 0);
		assert_int_equal(ut_mbuf_diff(m, tiny, sizeof(tiny)), -1);
		rte_pktmbuf_free(m);
		rx_close();
	}
}

/* ---- control side ---------------------------------------------------------------------- */

/* Features asked for only when offloads are; capabilities only with the features. */
static void
test_features_and_capa(void **state)
{
	uint64_t rx = 0, tx = 0;

	RTE_SET_USED(state);
	assert_int_equal(virtnet_offload_features(0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS), 0);
	assert_int_equal(virtnet_offload_features(RTE_ETH_RX_OFFLOAD_VLAN_STRIP |
						  RTE_ETH_RX_OFFLOAD_SCATTER,
						  RTE_ETH_TX_OFFLOAD_VLAN_INSERT |
						  RTE_ETH_TX_OFFLOAD_IPV4_CKSUM), 0);
	assert_int_equal(virtnet_offload_features(RTE_ETH_RX_OFFLOAD_UDP_CKSUM, 0),
			 VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM));
	assert_int_equal(virtnet_offload_features(RTE_ETH_RX_OFFLOAD_TCP_LRO, 0),
			 VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4) |
			 VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6));
	assert_int_equal(virtnet_offload_features(0, RTE_ETH_TX_OFFLOAD_TCP_CKSUM),
			 VIRTIO_BIT(VIRTIO_NET_F_CSUM));
	assert_int_equal(virtnet_offload_features(0, RTE_ETH_TX_OFFLOAD_TCP_TSO), ALL_TX_FEATURES);

	/* A device with no offload features: only what software does. */
	virtnet_offload_capa(VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF), &rx, &tx);
	assert_int_equal(rx, RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	assert_int_equal(tx, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_VLAN_INSERT);
	/* Everything, but LRO needs mergeable buffers. */
	rx = tx = 0;
	virtnet_offload_capa(ALL_TX_FEATURES | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
			     VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4), &rx, &tx);
	assert_int_equal(rx, RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
			     RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	assert_int_equal(tx, ALL_TX_OFFLOADS);
	rx = 0;
	virtnet_offload_capa(VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
			     VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6) |
			     VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF), &rx, &tx);
	assert_true(rx & RTE_ETH_RX_OFFLOAD_TCP_LRO);
	/* TSO without CSUM is not a thing (the spec makes TSO depend on it). */
	tx = 0;
	virtnet_offload_capa(VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4), &rx, &tx);
	assert_false(tx & RTE_ETH_TX_OFFLOAD_TCP_TSO);

	/* The check after negotiation names what is missing. */
	assert_int_equal(virtnet_offload_check("t", ALL_TX_FEATURES, 0, ALL_TX_OFFLOADS), 0);
	assert_int_equal(virtnet_offload_check("t", VIRTIO_BIT(VIRTIO_NET_F_CSUM), 0,
					       RTE_ETH_TX_OFFLOAD_TCP_TSO), -ENOTSUP);
	assert_int_equal(virtnet_offload_check("t", VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
					       VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4),
					       RTE_ETH_RX_OFFLOAD_TCP_LRO, 0), -ENOTSUP);
	assert_int_equal(virtnet_offload_check("t", 0, RTE_ETH_RX_OFFLOAD_VLAN_STRIP,
					       RTE_ETH_TX_OFFLOAD_VLAN_INSERT), 0);
}

/* After a failed test too: no queue or mbuf leaks into the next one. */
static int
test_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_txq_destroy(&tx.q);
	ut_rxq_destroy(&rx.q);
	pushed_headroom = RTE_PKTMBUF_HEADROOM;
	return 0;
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	if (ut_eal_init("offload") != 0)
		return -1;
	pool = ut_pool_create("ut_off_pool", POOL_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE);
	big = ut_pool_create("ut_off_big", 64, BIG_ROOM);
	return pool != NULL && big != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	rte_mempool_free(pool);
	rte_mempool_free(big);
	ut_eal_fini();
	return 0;
}

#define T(fn) cmocka_unit_test_teardown(fn, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tx_header_fill),
		T(test_tx_prepare),
		T(test_tx_unaligned),
		T(test_tx_tso_retry),
		T(test_tx_no_offloads),
		T(test_tx_refused),
		T(test_rx_header_parse),
		T(test_rx_lro_large),
		T(test_rx_strip_short),
		T(test_features_and_capa),
	};

	return cmocka_run_group_tests_name("offload", tests, group_setup, group_teardown);
}
