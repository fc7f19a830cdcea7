/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Statistics against the fake device: every Rx and Tx path (split and
 * packed, scalar and vectorized) counts frames of each size bucket boundary,
 * multicast and broadcast destinations exactly; a packet the driver drops is
 * in no traffic counter; each kind of invalid device write shows up in its
 * own extended stat; the xstats calls (full and by id) agree on names and
 * values; reset zeroes everything. The expected values are worked out here
 * with plain comparisons, not with the driver's arithmetic.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_cpuflags.h>
#include <rte_mbuf.h>

#include "fake_device.h"
#include "ethdev.h"
#include "rxtx/rxtx.h"
#include "rxtx/split_vec.h"
#include "rxtx/stats_update.h"
#include "stats.h"
#include "ut_common.h"

#define HDR_SIZE   12
#define TEST_PORT  3
#define RING	   256
#define POOL_SIZE  4095
#define BURST	   32
#define ROUNDS	   3
#define MAX_FRAME  9000
#define ONE_BUF	   2048 /* largest frame one default mbuf holds */
#define MAX_FRAMES 64
#define NB_RX_XSTATS 19
#define NB_TX_XSTATS 17
#define NB_PORT_XSTATS 10 /* after the queues: control queue, config space, backend */
#define NB_ALL_XSTATS (NB_RX_XSTATS + NB_TX_XSTATS + NB_PORT_XSTATS)

uint16_t virtio_recv_pkts_packed_vec_generic(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_xmit_pkts_packed_vec_generic(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);

static struct rte_mempool *pool;
static uint8_t frame[MAX_FRAME + 64];

/* Every bucket boundary; 9000 only where a packet may span buffers. */
static const uint32_t sizes[] = { 60, 63, 64, 65, 127, 128, 255, 256, 511, 512, 1023, 1024,
				  1518, 1519, 2000, 9000 };

static const uint8_t mac_unicast[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_multicast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t mac_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
/* Group bit set, not all ones: multicast, not broadcast. */
static const uint8_t mac_almost_bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };

static const uint8_t *const macs[] = { mac_unicast, mac_multicast, mac_broadcast, mac_almost_bc };

/* What the counters must say. */
struct expect {
	uint64_t packets, bytes, errors, multicast, broadcast;
	uint64_t bins[VIRTIO_SIZE_BINS];
};

static unsigned int
expect_bin(uint32_t len)
{
	if (len < 64)
		return 0;
	if (len == 64)
		return 1;
	if (len <= 127)
		return 2;
	if (len <= 255)
		return 3;
	if (len <= 511)
		return 4;
	if (len <= 1023)
		return 5;
	if (len <= 1518)
		return 6;
	return 7;
}

static void
expect_add(struct expect *x, uint32_t len, const uint8_t *mac)
{
	x->packets++;
	x->bytes += len;
	x->bins[expect_bin(len)]++;
	if (mac == mac_broadcast)
		x->broadcast++;
	else if (mac[0] & 1)
		x->multicast++;
}

static void
check_stats(const struct virtnet_queue_stats *st, const struct expect *x, const char *what)
{
	unsigned int k;

	print_message("# %s: %" PRIu64 " packets\n", what, st->packets);
	assert_int_equal(st->packets, x->packets);
	assert_int_equal(st->bytes, x->bytes);
	assert_int_equal(st->errors, x->errors);
	assert_int_equal(st->multicast, x->multicast);
	assert_int_equal(st->broadcast, x->broadcast);
	for (k = 0; k < VIRTIO_SIZE_BINS; k++) {
		if (st->size_bins[k] != x->bins[k])
			print_message("# %s: bucket %u counted %" PRIu64 ", expected %" PRIu64 "\n",
				      what, k, st->size_bins[k], x->bins[k]);
		assert_int_equal(st->size_bins[k], x->bins[k]);
	}
}

static void
make_frame(uint32_t len, uint32_t seq, const uint8_t *mac)
{
	ut_frame_fill(frame, len, seq);
	memcpy(frame, mac, RTE_MIN(len, 6u));
}

/* ---- the size bucket arithmetic, on its own ---- */

static void
test_size_bin(void **state)
{
	static const uint32_t lens[] = { 0, 1, 14, 31, 32, 59, 60, 63, 64, 65, 100, 127, 128, 200,
					 255, 256, 511, 512, 1000, 1023, 1024, 1500, 1518, 1519,
					 1520, 2048, 9000, 65535, 65536, UINT32_MAX };
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(lens); i++) {
		if (virtio_size_bin(lens[i]) != expect_bin(lens[i]))
			print_message("# length %u: bucket %u, expected %u\n", lens[i],
				      virtio_size_bin(lens[i]), expect_bin(lens[i]));
		assert_int_equal(virtio_size_bin(lens[i]), expect_bin(lens[i]));
	}
}

/* ---- Rx ---- */

struct rx_path {
	const char *name;
	uint16_t (*burst)(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
	bool packed, mergeable, in_order;
};

static const struct rx_path rx_paths[] = {
	{ "split", virtio_recv_pkts, false, false, false },
	{ "split mergeable", virtio_recv_mergeable_pkts, false, true, false },
	{ "split in-order mergeable", virtio_recv_pkts_inorder, false, true, true },
	{ "split in-order", virtio_recv_pkts_inorder, false, false, true },
	{ "split vectorized", virtio_recv_pkts_vec, false, false, false },
	{ "packed", virtio_recv_pkts_packed, true, false, false },
	{ "packed mergeable", virtio_recv_mergeable_pkts_packed, true, true, false },
	{ "packed vectorized", virtio_recv_pkts_packed_vec_generic, true, false, false },
};

static void
rx_create(struct ut_rxq *q, const struct rx_path *path)
{
	struct virtio_queue_params p = {
		.size = RING,
		.use_va = true,
		.hdr_size = HDR_SIZE,
		.mergeable = path->mergeable,
		.packed = path->packed,
		.in_order = path->in_order,
		.port_id = TEST_PORT,
	};

	assert_int_equal(ut_rxq_create(q, &p, pool), 0);
	q->fd.in_order = path->in_order;
	assert_int_equal(virtio_rxq_fill(q->rxq), RING);
}

/* Receives until `want` packets came (freeing them); returns how many. */
static uint64_t
rx_drain(struct ut_rxq *q, const struct rx_path *path, uint64_t want)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t got = 0;
	unsigned int tries;

	for (tries = 0; tries < 1000 && got < want; tries++) {
		uint16_t n = path->burst(q->rxq, pkts, BURST);

		got += n;
		rte_pktmbuf_free_bulk(pkts, n);
	}
	return got;
}

static void
rx_destroy(struct ut_rxq *q)
{
	assert_int_equal(q->fd.protocol_errors, 0);
	ut_rxq_destroy(q);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

static void
test_rx_paths(void **state)
{
	unsigned int pi;

	RTE_SET_USED(state);
	for (pi = 0; pi < RTE_DIM(rx_paths); pi++) {
		const struct rx_path *path = &rx_paths[pi];
		struct expect x = { 0 };
		struct ut_rxq q;
		uint32_t seq = 0;
		unsigned int r, i;

		rx_create(&q, path);
		for (r = 0; r < ROUNDS; r++) {
			uint64_t sent = 0;

			for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
				const uint8_t *mac = macs[seq % RTE_DIM(macs)];

				if (sizes[i] > ONE_BUF && !path->mergeable)
					continue;
				make_frame(sizes[i], seq, mac);
				assert_true(fake_rx_deliver(&q.fd, frame, sizes[i], NULL) > 0);
				expect_add(&x, sizes[i], mac);
				sent++;
			}
			assert_int_equal(rx_drain(&q, path, sent), sent);
		}
		check_stats(&q.rxq->stats, &x, path->name);
		assert_int_equal(ut_dev_errors(&q.rxq->vq), 0);
		rx_destroy(&q);
	}
}

/* ---- Tx ---- */

struct tx_path {
	const char *name;
	uint16_t (*burst)(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);
	bool packed, in_order;
};

static const struct tx_path tx_paths[] = {
	{ "split", virtio_xmit_pkts, false, false },
	{ "split in-order", virtio_xmit_pkts_inorder, false, true },
	{ "split vectorized", virtio_xmit_pkts_vec, false, false },
	{ "packed", virtio_xmit_pkts_packed, true, false },
	{ "packed vectorized", virtio_xmit_pkts_packed_vec_generic, true, false },
};

static struct fake_tx_frame *collected;

static void
test_tx_paths(void **state)
{
	unsigned int pi;

	RTE_SET_USED(state);
	for (pi = 0; pi < RTE_DIM(tx_paths); pi++) {
		const struct tx_path *path = &tx_paths[pi];
		struct virtio_queue_params p = {
			.size = RING,
			.use_va = true,
			.hdr_size = HDR_SIZE,
			.packed = path->packed,
			.in_order = path->in_order,
			.port_id = TEST_PORT,
		};
		struct expect x = { 0 };
		struct ut_txq q;
		uint32_t seq = 0;
		unsigned int r, i;

		assert_int_equal(ut_txq_create(&q, &p, true, 0xa5, &pool, 1), 0);
		q.txq->in_order = path->in_order;
		q.fd.in_order = path->in_order;
		for (r = 0; r < ROUNDS; r++) {
			struct rte_mbuf *pkts[MAX_FRAMES];
			uint16_t n = 0, sent;

			for (i = 0; i < RTE_DIM(sizes); i++, seq++) {
				const uint8_t *mac = macs[seq % RTE_DIM(macs)];
				unsigned int nsegs = sizes[i] > ONE_BUF ? 5 : 1;

				make_frame(sizes[i], seq, mac);
				pkts[n] = ut_mbuf_build(pool, frame, sizes[i], nsegs,
							RTE_PKTMBUF_HEADROOM, 0);
				assert_non_null(pkts[n]);
				n++;
				expect_add(&x, sizes[i], mac);
				if (i == 4) {
					/* Too many segments for any path: dropped, counted in errors only. */
					make_frame(650, seq, mac_broadcast);
					pkts[n] = ut_mbuf_build(pool, frame, 650, VIRTIO_TX_MAX_SEGS + 1,
								RTE_PKTMBUF_HEADROOM, 0);
					assert_non_null(pkts[n]);
					n++;
					x.errors++;
				}
			}
			sent = path->burst(q.txq, pkts, n);
			assert_int_equal(sent, n);
			assert_int_equal(fake_tx_collect(&q.fd, collected, MAX_FRAMES), n - 1);
		}
		check_stats(&q.txq->stats, &x, path->name);
		assert_int_equal(q.fd.protocol_errors, 0);
		ut_txq_destroy(&q);
		assert_int_equal(ut_pool_in_use(pool), 0);
	}
}

/* ---- the ethdev calls: names, values, by id, invalid device writes, reset ---- */

struct port {
	struct rte_eth_dev dev;
	struct rte_eth_dev_data data;
	struct virtnet_port vport;
	struct virtio_backend_errors backend;
	void *rxqs[1];
	void *txqs[1];
};

static void
port_init(struct port *pt, struct virtnet_rxq *rxq, struct virtnet_txq *txq)
{
	memset(pt, 0, sizeof(*pt));
	pt->rxqs[0] = rxq;
	pt->txqs[0] = txq;
	pt->data.rx_queues = pt->rxqs;
	pt->data.tx_queues = pt->txqs;
	pt->data.nb_rx_queues = 1;
	pt->data.nb_tx_queues = 1;
	pt->dev.data = &pt->data;
	pt->data.dev_private = &pt->vport;
	pt->vport.dev.backend_errors = &pt->backend;
}

/* The value of the xstat called `name`, through the full calls; fails the test if absent. */
static uint64_t
xstat(struct port *pt, const char *name)
{
	struct rte_eth_xstat_name names[NB_ALL_XSTATS];
	struct rte_eth_xstat values[NB_ALL_XSTATS];
	int n = virtnet_xstats_get_names(&pt->dev, names, RTE_DIM(names));
	int i;

	assert_int_equal(n, NB_ALL_XSTATS);
	assert_int_equal(virtnet_xstats_get(&pt->dev, values, RTE_DIM(values)), n);
	for (i = 0; i < n; i++)
		if (strcmp(names[i].name, name) == 0) {
			assert_int_equal(values[i].id, i);
			return values[i].value;
		}
	fail_msg("no xstat called %s", name);
	return 0;
}

/* Sum of every xstat. */
static uint64_t
xstats_sum(struct port *pt)
{
	struct rte_eth_xstat values[NB_ALL_XSTATS];
	int n = virtnet_xstats_get(&pt->dev, values, RTE_DIM(values));
	uint64_t sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += values[i].value;
	return sum;
}

static void
test_xstats_names(void **state)
{
	static const char *const expected[] = {
		"rx_q0_good_packets", "rx_q0_good_bytes", "rx_q0_errors",
		"rx_q0_multicast_packets", "rx_q0_broadcast_packets", "rx_q0_undersize_packets",
		"rx_q0_size_64_packets", "rx_q0_size_65_127_packets", "rx_q0_size_128_255_packets",
		"rx_q0_size_256_511_packets", "rx_q0_size_512_1023_packets",
		"rx_q0_size_1024_1518_packets", "rx_q0_size_1519_max_packets",
		"rx_q0_bad_used_idx", "rx_q0_bad_used_id", "rx_q0_bad_used_len",
		"rx_q0_bad_num_buffers", "rx_q0_vec_stalls", "rx_q0_notifications",
		"tx_q0_good_packets", "tx_q0_good_bytes", "tx_q0_errors",
		"tx_q0_multicast_packets", "tx_q0_broadcast_packets", "tx_q0_undersize_packets",
		"tx_q0_size_64_packets", "tx_q0_size_65_127_packets", "tx_q0_size_128_255_packets",
		"tx_q0_size_256_511_packets", "tx_q0_size_512_1023_packets",
		"tx_q0_size_1024_1518_packets", "tx_q0_size_1519_max_packets",
		"tx_q0_bad_used_idx", "tx_q0_bad_used_id", "tx_q0_vec_stalls",
		"tx_q0_notifications",
		"cvq_bad_used", "cvq_bad_ack", "config_bad_mtu", "config_bad_max_virtqueue_pairs",
		"config_bad_mac", "config_bad_status", "backend_bad_reply", "backend_short_reply",
		"backend_unexpected_fds", "backend_bad_value",
	};
	struct rte_eth_xstat_name names[RTE_DIM(expected)];
	struct port pt;
	unsigned int i;

	RTE_SET_USED(state);
	port_init(&pt, NULL, NULL);
	assert_int_equal(RTE_DIM(expected), NB_ALL_XSTATS);
	/* Asking with too small an array gives the count and writes nothing. */
	assert_int_equal(virtnet_xstats_get_names(&pt.dev, NULL, 0), RTE_DIM(expected));
	assert_int_equal(virtnet_xstats_get_names(&pt.dev, names, 3), RTE_DIM(expected));
	assert_int_equal(virtnet_xstats_get_names(&pt.dev, names, RTE_DIM(names)),
			 RTE_DIM(expected));
	for (i = 0; i < RTE_DIM(expected); i++)
		assert_string_equal(names[i].name, expected[i]);
	/* Queues not set up yet read as zero. */
	assert_int_equal(xstats_sum(&pt), 0);
	/* Two queues each way: q1 follows q0 in each direction. */
	pt.data.nb_rx_queues = 2;
	pt.data.nb_tx_queues = 2;
	{
		struct rte_eth_xstat_name two[2 * (NB_RX_XSTATS + NB_TX_XSTATS) + NB_PORT_XSTATS];

		assert_int_equal(virtnet_xstats_get_names(&pt.dev, two, RTE_DIM(two)), RTE_DIM(two));
		assert_string_equal(two[NB_RX_XSTATS].name, "rx_q1_good_packets");
		assert_string_equal(two[2 * NB_RX_XSTATS].name, "tx_q0_good_packets");
		assert_string_equal(two[RTE_DIM(two) - NB_PORT_XSTATS - 1].name,
				    "tx_q1_notifications");
		/* The port's counters come once, after all queues. */
		assert_string_equal(two[RTE_DIM(two) - NB_PORT_XSTATS].name, "cvq_bad_used");
		assert_string_equal(two[RTE_DIM(two) - 1].name, "backend_bad_value");
	}
}

/*
 * One invalid device write of each kind on a mergeable split queue: its
 * own counter says 1, errors counts the dropped packet, and the dropped
 * packet is in no traffic counter.
 */
static void
test_device_errors(void **state)
{
	static const struct {
		enum fake_fault fault;
		const char *counter;
	} faults[] = {
		{ FAKE_FAULT_LEN_TOO_BIG, "rx_q0_bad_used_len" },
		{ FAKE_FAULT_LEN_SHORT, "rx_q0_bad_used_len" },
		{ FAKE_FAULT_ID_OUT_OF_RANGE, "rx_q0_bad_used_id" },
		{ FAKE_FAULT_NUM_BUFFERS_HUGE, "rx_q0_bad_num_buffers" },
		{ FAKE_FAULT_NUM_BUFFERS_ZERO, "rx_q0_bad_num_buffers" },
	};
	static const char *const device_counters[] = {
		"rx_q0_bad_used_idx", "rx_q0_bad_used_id", "rx_q0_bad_used_len",
		"rx_q0_bad_num_buffers", "rx_q0_vec_stalls",
	};
	unsigned int f, c, pk;

	RTE_SET_USED(state);
	for (pk = 0; pk < 2; pk++) {
		const struct rx_path *path = pk == 0 ? &rx_paths[1] : &rx_paths[6];

		for (f = 0; f < RTE_DIM(faults); f++) {
			struct ut_rxq q;
			struct port pt;

			rx_create(&q, path);
			port_init(&pt, q.rxq, NULL);
			make_frame(100, f, mac_broadcast);
			assert_true(fake_rx_deliver_fault(&q.fd, frame, 100, NULL,
							  faults[f].fault) > 0);
			assert_int_equal(rx_drain(&q, path, 1), 0);
			for (c = 0; c < RTE_DIM(device_counters); c++)
				assert_int_equal(xstat(&pt, device_counters[c]),
						 strcmp(device_counters[c], faults[f].counter) == 0);
			assert_int_equal(xstat(&pt, "rx_q0_errors"), 1);
			assert_int_equal(xstat(&pt, "rx_q0_good_packets"), 0);
			assert_int_equal(xstat(&pt, "rx_q0_broadcast_packets"), 0);
			assert_int_equal(xstat(&pt, "rx_q0_size_65_127_packets"), 0);
			ut_rxq_destroy(&q);
		}
	}
	/* A used index running ahead of what is in flight (split only). */
	{
		struct ut_rxq q;
		struct port pt;

		rx_create(&q, &rx_paths[0]);
		port_init(&pt, q.rxq, NULL);
		fake_used_idx_jump(&q.fd, RING + 1);
		rx_drain(&q, &rx_paths[0], 1);
		assert_int_equal(xstat(&pt, "rx_q0_bad_used_idx"), 1);
		ut_rxq_destroy(&q);
	}
	assert_int_equal(ut_pool_in_use(pool), 0);
}

/* Traffic both ways, then by-id calls against the full ones, then both resets. */
static void
test_by_id_and_reset(void **state)
{
	struct rte_eth_xstat_name names[NB_ALL_XSTATS], id_names[4];
	struct rte_eth_xstat values[NB_ALL_XSTATS];
	const uint64_t ids[4] = { NB_ALL_XSTATS - 1, 6, 0, NB_RX_XSTATS + 4 };
	const uint64_t bad_ids[2] = { 1, NB_ALL_XSTATS };
	struct fake_tx_frame *fr = collected;
	struct rte_eth_stats st;
	struct rte_mbuf *m;
	uint64_t id_values[4];
	struct ut_rxq rq;
	struct ut_txq tq;
	struct virtio_queue_params p = {
		.size = RING, .use_va = true, .hdr_size = HDR_SIZE, .port_id = TEST_PORT,
	};
	struct port pt;
	unsigned int i;

	RTE_SET_USED(state);
	rx_create(&rq, &rx_paths[0]);
	assert_int_equal(ut_txq_create(&tq, &p, true, 0, &pool, 1), 0);
	port_init(&pt, rq.rxq, tq.txq);

	make_frame(64, 1, mac_multicast);
	assert_true(fake_rx_deliver(&rq.fd, frame, 64, NULL) > 0);
	assert_int_equal(rx_drain(&rq, &rx_paths[0], 1), 1);
	make_frame(300, 2, mac_broadcast);
	m = ut_mbuf_build(pool, frame, 300, 1, RTE_PKTMBUF_HEADROOM, 0);
	assert_non_null(m);
	assert_int_equal(virtio_xmit_pkts(tq.txq, &m, 1), 1);
	assert_int_equal(fake_tx_collect(&tq.fd, fr, 1), 1);

	assert_int_equal(xstat(&pt, "rx_q0_size_64_packets"), 1);
	assert_int_equal(xstat(&pt, "rx_q0_multicast_packets"), 1);
	assert_int_equal(xstat(&pt, "tx_q0_size_256_511_packets"), 1);
	assert_int_equal(xstat(&pt, "tx_q0_broadcast_packets"), 1);
	assert_int_equal(xstat(&pt, "tx_q0_good_bytes"), 300);

	assert_int_equal(virtnet_xstats_get_names(&pt.dev, names, RTE_DIM(names)), RTE_DIM(names));
	assert_int_equal(virtnet_xstats_get(&pt.dev, values, RTE_DIM(values)), RTE_DIM(values));
	assert_int_equal(virtnet_xstats_get_by_id(&pt.dev, ids, id_values, 4), 4);
	assert_int_equal(virtnet_xstats_get_names_by_id(&pt.dev, ids, id_names, 4), 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(id_values[i], values[ids[i]].value);
		assert_string_equal(id_names[i].name, names[ids[i]].name);
	}
	assert_int_equal(id_values[1], 1);  /* rx_q0_size_64_packets */
	assert_int_equal(id_values[2], 1);  /* rx_q0_good_packets */
	assert_int_equal(id_values[3], 1);  /* tx_q0_broadcast_packets */
	assert_int_equal(virtnet_xstats_get_by_id(&pt.dev, bad_ids, id_values, 2), -EINVAL);
	assert_int_equal(virtnet_xstats_get_names_by_id(&pt.dev, bad_ids, id_names, 2), -EINVAL);

	memset(&st, 0, sizeof(st));
	assert_int_equal(virtnet_stats_get(&pt.dev, &st), 0);
	assert_int_equal(st.ipackets, 1);
	assert_int_equal(st.ibytes, 64);
	assert_int_equal(st.opackets, 1);
	assert_int_equal(st.obytes, 300);
	assert_int_equal(st.q_ipackets[0], 1);
	assert_int_equal(st.q_obytes[0], 300);
	assert_true(xstats_sum(&pt) > 0);
	/* The port's fault counters read through and reset with the rest. */
	pt.vport.dev.errors.cvq_bad_ack = 5;
	pt.backend.unexpected_fds = 2;
	assert_int_equal(xstat(&pt, "cvq_bad_ack"), 5);
	assert_int_equal(xstat(&pt, "backend_unexpected_fds"), 2);
	pt.vport.dev.backend_errors = NULL; /* a port without a vhost-user backend */
	assert_int_equal(xstat(&pt, "backend_unexpected_fds"), 0);
	pt.vport.dev.backend_errors = &pt.backend;

	assert_int_equal(virtnet_stats_reset(&pt.dev), 0);
	assert_int_equal(pt.backend.unexpected_fds, 0);
	assert_int_equal(xstats_sum(&pt), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(virtnet_stats_get(&pt.dev, &st), 0);
	assert_int_equal(st.ipackets + st.ibytes + st.opackets + st.obytes + st.ierrors +
			 st.oerrors + st.rx_nombuf, 0);

	/* The queues count on after a reset. */
	make_frame(1519, 3, mac_unicast);
	assert_true(fake_rx_deliver(&rq.fd, frame, 1519, NULL) > 0);
	assert_int_equal(rx_drain(&rq, &rx_paths[0], 1), 1);
	assert_int_equal(xstat(&pt, "rx_q0_size_1519_max_packets"), 1);
	assert_int_equal(xstat(&pt, "rx_q0_multicast_packets"), 0);
	assert_int_equal(xstats_sum(&pt), 1 + 1519 + 1 + xstat(&pt, "rx_q0_notifications"));

	ut_rxq_destroy(&rq);
	ut_txq_destroy(&tq);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

/* rx_nombuf: the mbufs a refill wanted and did not get, counted once per refill. */
static void
test_nombuf(void **state)
{
	struct virtio_queue_params p = {
		.size = RING, .use_va = true, .hdr_size = HDR_SIZE, .port_id = TEST_PORT,
	};
	struct ut_hog *hog = calloc(1, sizeof(*hog));
	struct ut_rxq q;

	RTE_SET_USED(state);
	assert_non_null(hog);
	assert_int_equal(ut_rxq_create(&q, &p, pool), 0);
	assert_true(ut_hog_take(hog, pool, 100));
	assert_int_equal(virtio_rxq_fill(q.rxq), 100);
	assert_int_equal(q.rxq->stats.nombuf, RING - 100);
	ut_rxq_destroy(&q);
	ut_hog_release(hog);
	free(hog);
	assert_int_equal(ut_pool_in_use(pool), 0);
}

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_eal_and_pool("stats", POOL_SIZE);
	collected = calloc(MAX_FRAMES, sizeof(*collected));
	return pool != NULL && collected != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	free(collected);
	ut_eal_and_pool_fini(pool);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_bin),
		cmocka_unit_test(test_rx_paths),
		cmocka_unit_test(test_tx_paths),
		cmocka_unit_test(test_xstats_names),
		cmocka_unit_test(test_device_errors),
		cmocka_unit_test(test_by_id_and_reset),
		cmocka_unit_test(test_nombuf),
	};

	return cmocka_run_group_tests_name("stats", tests, group_setup, group_teardown);
}
