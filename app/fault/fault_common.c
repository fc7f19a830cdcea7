/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "fault_common.h"

/* IEEE 802 local experimental ethertype: nobody else sends these. */
#define FAULT_ETHER_TYPE 0x88b5
#define FAULT_MAGIC 0x7a17f00du
#define FAULT_FRAME_LEN 64

struct fault_tag {
	uint32_t magic;
	uint16_t port;
	uint16_t queue;
	uint32_t round;
	uint32_t seq;
} __attribute__((packed));

void
fault_fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

struct rte_mempool *
fault_pool_create(const char *name, unsigned int n)
{
	return rte_pktmbuf_pool_create(name, n, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
}

int
fault_port_start(uint16_t port, uint16_t nq, uint16_t ring, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, nq, nq, &conf);
	if (ret != 0) {
		fault_fail("port %u: configure with %u queue pairs: %s", port, nq,
			   rte_strerror(-ret));
		return ret;
	}
	for (q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, ring, rte_eth_dev_socket_id(port), NULL,
					     mp);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port, q, ring, rte_eth_dev_socket_id(port),
						     NULL);
		if (ret != 0) {
			fault_fail("port %u: setup of queue %u with %u descriptors: %s", port, q,
				   ring, rte_strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		fault_fail("port %u: start: %s", port, rte_strerror(-ret));
	return ret;
}

static struct rte_mbuf *
tagged_frame(struct rte_mempool *mp, uint16_t port, uint16_t q, uint32_t round, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct fault_tag *tag;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, FAULT_FRAME_LEN);
	memset(eth, 0, FAULT_FRAME_LEN);
	rte_eth_macaddr_get(port, &eth->dst_addr);
	eth->src_addr.addr_bytes[0] = 0x02; /* locally administered */
	eth->src_addr.addr_bytes[5] = (uint8_t)port;
	eth->ether_type = rte_cpu_to_be_16(FAULT_ETHER_TYPE);
	tag = (struct fault_tag *)(eth + 1);
	tag->magic = FAULT_MAGIC;
	tag->port = port;
	tag->queue = q;
	tag->round = round;
	tag->seq = seq;
	return m;
}

static bool
frame_is(const struct rte_mbuf *m, uint16_t port, uint16_t q, uint32_t round)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct fault_tag *tag = (const struct fault_tag *)(eth + 1);

	return m->pkt_len == FAULT_FRAME_LEN && m->data_len == FAULT_FRAME_LEN &&
	       eth->ether_type == rte_cpu_to_be_16(FAULT_ETHER_TYPE) &&
	       tag->magic == FAULT_MAGIC && tag->port == port && tag->queue == q &&
	       tag->round == round;
}

static void
receive(uint16_t port, uint16_t q, uint32_t round, struct fault_result *res)
{
	struct rte_mbuf *pkts[FAULT_BURST];
	uint16_t n, i;

	n = rte_eth_rx_burst(port, q, pkts, FAULT_BURST);
	for (i = 0; i < n; i++) {
		if (frame_is(pkts[i], port, q, round))
			res->received++;
		else
			res->stale++;
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

unsigned int
fault_send(uint16_t port, uint16_t q, uint32_t round, unsigned int n, struct rte_mempool *mp)
{
	struct rte_mbuf *pkts[FAULT_BURST];
	unsigned int made, sent;

	n = RTE_MIN(n, (unsigned int)FAULT_BURST);
	for (made = 0; made < n; made++) {
		pkts[made] = tagged_frame(mp, port, q, round, made);
		if (pkts[made] == NULL)
			break;
	}
	sent = rte_eth_tx_burst(port, q, pkts, made);
	if (sent < made)
		rte_pktmbuf_free_bulk(&pkts[sent], made - sent);
	return sent;
}

struct fault_result
fault_exchange(uint16_t port, uint16_t nq, uint32_t round, unsigned int per_queue,
	       struct rte_mempool *mp)
{
	struct fault_result res = { 0, 0, 0 };
	uint64_t deadline = rte_get_timer_cycles() + FAULT_WAIT_S * rte_get_timer_hz();
	uint16_t q;

	for (q = 0; q < nq; q++) {
		unsigned int sent = 0;

		while (sent < per_queue && rte_get_timer_cycles() < deadline) {
			sent += fault_send(port, q, round, per_queue - sent, mp);
			/* Keep the Rx ring from overflowing while we send. */
			receive(port, q, round, &res);
		}
		res.sent += sent;
	}
	while (res.received < res.sent && rte_get_timer_cycles() < deadline)
		for (q = 0; q < nq; q++)
			receive(port, q, round, &res);
	return res;
}

void
fault_drain(uint16_t port)
{
	struct fault_result res = { 0, 0, 0 };
	struct rte_eth_dev_info info;
	uint16_t q;
	int i;

	if (rte_eth_dev_info_get(port, &info) != 0)
		return;
	for (i = 0; i < 8; i++)
		for (q = 0; q < info.nb_rx_queues; q++)
			receive(port, q, UINT32_MAX, &res);
}

void
fault_pool_line(const struct rte_mempool *mp, unsigned int before, const char *what)
{
	printf("mempool %s: in use before %u, after %u, %s\n", mp->name, before,
	       rte_mempool_in_use_count(mp), what);
	fflush(stdout);
}

int
fault_finish(struct rte_mempool *mp, unsigned int before, const char *what, uint16_t nb_ports,
	     int failed)
{
	uint16_t p;

	fault_pool_line(mp, before, what);
	if (rte_mempool_in_use_count(mp) != before) {
		fault_fail("mbufs leaked: %u in use before, %u after", before,
			   rte_mempool_in_use_count(mp));
		failed = 1;
	}
	for (p = 0; p < nb_ports; p++)
		rte_eth_dev_close(p);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	printf("%s\n", failed ? "RESULT: FAIL" : "RESULT: OK");
	return failed ? 1 : 0;
}

unsigned long
fault_arg(int argc, char **argv, const char *name, unsigned long def)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return strtoul(argv[i + 1], NULL, 0);
	return def;
}
