/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_vect.h>

#include "announce.h"
#include "cvq.h"
#include "dev_config.h"
#include "ethdev.h"
#include "intr.h"
#include "mp.h"
#include "mq.h"
#include "queue_ops.h"
#include "offloads.h"
#include "rxtx/rxtx.h"
#include "stats.h"
#include "virtio_log.h"

/* Virtqueue index of each queue kind (spec 5.1.2: receiveq N = 2N, transmitq N = 2N+1). */
#define RXQ_VQ_INDEX(q) (2 * (q))
#define TXQ_VQ_INDEX(q) (2 * (q) + 1)

static uint16_t
ring_size_for(struct virtnet_port *port, uint16_t vq_index, uint16_t nb_desc)
{
	uint16_t max = port->dev.ops->queue_max_size(&port->dev, vq_index);
	uint16_t want = nb_desc == 0 ? max : RTE_MIN(nb_desc, max);

	if (port->dev.ring_size_fixed)
		return max;
	if (virtio_dev_has(&port->dev, VIRTIO_F_RING_PACKED))
		return want;
	/* Split rings need a power of two: round down so we never exceed the device. */
	return (uint16_t)rte_align32prevpow2(want);
}

static uint64_t
device_addr(const struct virtnet_port *port, const struct rte_memzone *mz, size_t offset)
{
	return (port->dev.use_va ? (uint64_t)(uintptr_t)mz->addr : mz->iova) + offset;
}

static const struct rte_memzone *
reserve_ring(struct rte_eth_dev *eth_dev, const char *kind, uint16_t q, size_t len,
	     int socket)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	snprintf(name, sizeof(name), "virtio_p%u_%s%u", eth_dev->data->port_id, kind, q);
	mz = rte_memzone_reserve_aligned(name, len, socket, RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (mz == NULL && socket != SOCKET_ID_ANY)
		mz = rte_memzone_reserve_aligned(name, len, SOCKET_ID_ANY,
						 RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (mz == NULL)
		VIRTIO_LOG(ERR, "%s: cannot reserve %zu bytes for %s queue %u: %s",
			   eth_dev->data->name, len, kind, q, rte_strerror(rte_errno));
	else
		memset(mz->addr, 0, len);
	return mz;
}

static void
rx_queue_release(struct rte_eth_dev *eth_dev, uint16_t q)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

	if (rxq == NULL)
		return;
	port->dev.ops->release_queue(&port->dev, &rxq->vq);
	virtio_rxq_reclaim(rxq);
	vq_fini(&rxq->vq);
	rte_memzone_free(rxq->mz);
	rte_free(rxq);
	eth_dev->data->rx_queues[q] = NULL;
}

static void
tx_queue_release(struct rte_eth_dev *eth_dev, uint16_t q)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct virtnet_txq *txq = eth_dev->data->tx_queues[q];

	if (txq == NULL)
		return;
	port->dev.ops->release_queue(&port->dev, &txq->vq);
	virtio_txq_reclaim(txq);
	vq_fini(&txq->vq);
	rte_memzone_free(txq->mz);
	rte_free(txq);
	eth_dev->data->tx_queues[q] = NULL;
}

/* The control queue ring: only when negotiated and the transport has no shortcut. */
static void
cvq_release(struct virtnet_port *port)
{
	struct virtio_cvq *cvq = port->dev.cvq;

	if (cvq == NULL)
		return;
	port->dev.ops->release_queue(&port->dev, &cvq->vq);
	virtio_cvq_fini(cvq);
	rte_memzone_free(cvq->mz);
	rte_free(cvq);
	port->dev.cvq = NULL;
}

static int
cvq_setup(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	bool packed = virtio_dev_has(&port->dev, VIRTIO_F_RING_PACKED);
	uint16_t index = virtnet_cvq_index(port);
	uint16_t size = ring_size_for(port, index, 0);
	const struct rte_memzone *mz;
	struct virtio_cvq *cvq;
	int ret;

	if (!virtio_dev_has(&port->dev, VIRTIO_NET_F_CTRL_VQ) ||
	    port->dev.ops->ctrl_command != NULL)
		return 0;
	if (size == 0) {
		VIRTIO_LOG(ERR, "%s: the device offers VIRTIO_NET_F_CTRL_VQ but has no queue %u "
			   "for it", eth_dev->data->name, index);
		return -EINVAL;
	}
	/* One command at a time: a few descriptors are plenty (legacy: the device decides). */
	if (!port->dev.ring_size_fixed) {
		size = RTE_MIN(size, (uint16_t)64);
		if (!packed)
			size = (uint16_t)rte_align32prevpow2(size);
	}
	cvq = rte_zmalloc("virtio_cvq", sizeof(*cvq), RTE_CACHE_LINE_SIZE);
	mz = reserve_ring(eth_dev, "cvq", 0, virtio_cvq_mem_size(size, packed),
			  eth_dev->data->numa_node);
	ret = cvq == NULL || mz == NULL ? -ENOMEM :
		virtio_cvq_init(cvq, mz, index, size, packed, port->dev.use_va);
	if (ret == 0)
		cvq->vq.port_id = eth_dev->data->port_id; /* for messages */
	if (ret != 0) {
		rte_memzone_free(mz);
		rte_free(cvq);
		return ret;
	}
	port->dev.cvq = cvq;
	return 0;
}

static struct virtio_queue_params
queue_params(struct rte_eth_dev *eth_dev, uint16_t vq_index, uint16_t size,
	     const struct rte_memzone *mz, uint16_t q)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	return (struct virtio_queue_params){
		.vq_index = vq_index,
		.size = size,
		.mem = mz->addr,
		.dev_addr = device_addr(port, mz, 0),
		.use_va = port->dev.use_va,
		.hdr_size = virtio_dev_hdr_size(&port->dev),
		.mergeable = virtio_dev_has(&port->dev, VIRTIO_NET_F_MRG_RXBUF),
		.packed = virtio_dev_has(&port->dev, VIRTIO_F_RING_PACKED),
		.in_order = virtio_dev_has(&port->dev, VIRTIO_F_IN_ORDER),
		.port_id = eth_dev->data->port_id,
		.queue_id = q,
	};
}

static void
log_ring_size(struct rte_eth_dev *eth_dev, const char *kind, uint16_t q, uint16_t vq_index,
	      uint16_t size, uint16_t nb_desc)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);

	uint16_t max = port->dev.ops->queue_max_size(&port->dev, vq_index);

	/* Like the stock driver, a count the ring cannot hold is adjusted, not refused: say why. */
	if (size != nb_desc)
		VIRTIO_LOG(NOTICE, "%s: %s queue %u uses %u descriptors (asked %u, device max %u): "
			   "%s", eth_dev->data->name, kind, q, size, nb_desc, max,
			   nb_desc == 0 ? "0 means the device's ring size" :
			   port->dev.ring_size_fixed ? "a legacy device sets the ring size" :
			   nb_desc > max ? "the ring cannot be larger than the device allows" :
			   "a split ring holds a power of two");
}

/*
 * No runtime queue setup (dev_capa has no RUNTIME_*_QUEUE_SETUP): ethdev
 * returns -EBUSY without a word before calling us; a direct call gets the reason.
 */
static int
queue_setup_busy(struct rte_eth_dev *eth_dev, const char *kind, uint16_t q)
{
	VIRTIO_LOG(ERR, "%s: %s queue %u: cannot set up a queue while the port is started; "
		   "stop the port first", eth_dev->data->name, kind, q);
	return -EBUSY;
}

static int
rx_queue_setup(struct rte_eth_dev *eth_dev, uint16_t q, uint16_t nb_desc, unsigned int socket,
	       const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t size = ring_size_for(port, RXQ_VQ_INDEX(q), nb_desc);
	struct virtio_queue_params params;
	const struct rte_memzone *mz;
	struct virtnet_rxq *rxq;
	uint32_t room;
	int ret;

	if (port->started)
		return queue_setup_busy(eth_dev, "Rx", q);
	/* ethdev refuses a NULL pool first; an application calling the op directly gets this. */
	if (mp == NULL) {
		VIRTIO_LOG(ERR, "%s: Rx queue %u: no mempool (NULL); allowed is a pktmbuf pool",
			   eth_dev->data->name, q);
		return -EINVAL;
	}
	room = rte_pktmbuf_data_room_size(mp);
	if (room < RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN) {
		VIRTIO_LOG(ERR, "%s: Rx queue %u: mbuf data room %u is too small; need at least "
			   "%u bytes (headroom %u + a %u-byte frame)", eth_dev->data->name, q,
			   room, RTE_PKTMBUF_HEADROOM + RTE_ETHER_MIN_LEN, RTE_PKTMBUF_HEADROOM,
			   RTE_ETHER_MIN_LEN);
		return -EINVAL;
	}
	rx_queue_release(eth_dev, q);
	rxq = rte_zmalloc_socket("virtio_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE, socket);
	mz = reserve_ring(eth_dev, "rxq", q,
			  virtio_rxq_mem_size(size, virtio_dev_has(&port->dev, VIRTIO_F_RING_PACKED)),
			  socket);
	if (rxq == NULL || mz == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	params = queue_params(eth_dev, RXQ_VQ_INDEX(q), size, mz, q);
	ret = virtio_rxq_init(rxq, &params, mp);
	if (ret != 0)
		goto fail;
	rxq->mz = mz;
	rxq->deferred_start = conf != NULL && conf->rx_deferred_start;
	rxq->offloads = virtnet_rxq_offloads(port->dev.features,
					     eth_dev->data->dev_conf.rxmode.offloads);
	eth_dev->data->rx_queues[q] = rxq;
	log_ring_size(eth_dev, "Rx", q, RXQ_VQ_INDEX(q), size, nb_desc);
	return 0;
fail:
	rte_memzone_free(mz);
	rte_free(rxq);
	return ret;
}

static int
tx_queue_setup(struct rte_eth_dev *eth_dev, uint16_t q, uint16_t nb_desc, unsigned int socket,
	       const struct rte_eth_txconf *conf)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t size = ring_size_for(port, TXQ_VQ_INDEX(q), nb_desc);
	struct virtio_queue_params params;
	const struct rte_memzone *mz;
	struct virtnet_txq *txq;
	int ret;

	if (port->started)
		return queue_setup_busy(eth_dev, "Tx", q);
	if (conf != NULL && conf->tx_free_thresh >= size) {
		VIRTIO_LOG(ERR, "%s: Tx queue %u: tx_free_thresh %u must be below the ring size "
			   "%u (0 means %u)", eth_dev->data->name, q, conf->tx_free_thresh, size,
			   VIRTIO_TX_FREE_THRESH);
		return -EINVAL;
	}
	tx_queue_release(eth_dev, q);
	txq = rte_zmalloc_socket("virtio_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE, socket);
	mz = reserve_ring(eth_dev, "txq", q,
			  virtio_txq_mem_size(size, virtio_dev_has(&port->dev, VIRTIO_F_RING_PACKED)),
			  socket);
	if (txq == NULL || mz == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	params = queue_params(eth_dev, TXQ_VQ_INDEX(q), size, mz, q);
	ret = virtio_txq_init(txq, &params,
			      virtio_dev_has(&port->dev, VIRTIO_RING_F_INDIRECT_DESC));
	if (ret != 0)
		goto fail;
	if (conf != NULL && conf->tx_free_thresh != 0)
		txq->free_thresh = conf->tx_free_thresh;
	txq->mz = mz;
	txq->deferred_start = conf != NULL && conf->tx_deferred_start;
	txq->offloads = virtnet_txq_offloads(port->dev.features,
					     eth_dev->data->dev_conf.txmode.offloads);
	eth_dev->data->tx_queues[q] = txq;
	log_ring_size(eth_dev, "Tx", q, TXQ_VQ_INDEX(q), size, nb_desc);
	return 0;
fail:
	rte_memzone_free(mz);
	rte_free(txq);
	return ret;
}

static uint64_t
wanted_features(const struct virtnet_port *port)
{
	uint64_t f = VIRTIO_DRIVER_FEATURES | port->dev.transport_features;

	/* Each boolean devarg may only take away what the driver supports. */
	if (!port->ring_devargs)
		return f;
	if (!port->args.mrg_rxbuf)
		f &= ~VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	if (!port->args.in_order)
		f &= ~VIRTIO_BIT(VIRTIO_F_IN_ORDER);
	if (!port->args.packed_vq)
		f &= ~VIRTIO_BIT(VIRTIO_F_RING_PACKED);
	return f;
}

static int
dev_configure(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	const struct rte_eth_conf *conf = &eth_dev->data->dev_conf;
	unsigned int q;
	int ret;

	ret = virtnet_intr_configure(eth_dev);
	if (ret != 0)
		return ret;
	/* Queues were laid out for the old header size: renegotiation means new rings. */
	for (q = 0; q < eth_dev->data->nb_rx_queues; q++)
		rx_queue_release(eth_dev, q);
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++)
		tx_queue_release(eth_dev, q);
	cvq_release(port);
	/* Offload features only when asked for: a plain port keeps its fast paths. */
	port->dev.wanted_features = (wanted_features(port) |
				     virtnet_offload_features(conf->rxmode.offloads,
							      conf->txmode.offloads)) &
				    ~virtnet_rx_filter_unwanted(eth_dev);
	ret = virtio_dev_negotiate(&port->dev);
	/* Queue pairs beyond the first and the control queue exist only after FEATURES_OK. */
	if (ret == 0 && virtio_dev_has(&port->dev, VIRTIO_NET_F_MQ) &&
	    port->dev.ops->ctrl_command == NULL)
		ret = virtio_dev_features_ok(&port->dev);
	if (ret == 0)
		ret = virtnet_offload_check(eth_dev->data->name, port->dev.features,
					    conf->rxmode.offloads, conf->txmode.offloads);
	if (ret == 0)
		ret = virtnet_mq_configure(eth_dev);
	if (ret == 0)
		ret = cvq_setup(eth_dev);
	/* Asked for but not offered (vhost-net has no packed rings): say what runs instead. */
	if (ret == 0 && port->ring_devargs && port->args.packed_vq &&
	    !virtio_dev_has(&port->dev, VIRTIO_F_RING_PACKED))
		VIRTIO_LOG(NOTICE, "%s: packed ring requested (packed_vq=1) but the device does not "
			   "offer VIRTIO_F_RING_PACKED: using a split ring", port->dev.name);
	return ret;
}

static int
dev_infos_get(struct rte_eth_dev *eth_dev, struct rte_eth_dev_info *info)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t qmax = port->queue_max; /* no transport call: secondaries ask too */
	/* The features configure would negotiate: devargs and device together. */
	bool mergeable = (wanted_features(port) & port->dev.device_features) &
			 VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);

	info->max_rx_queues = port->max_queue_pairs;
	info->max_tx_queues = port->max_queue_pairs;
	info->max_mac_addrs = virtnet_rx_filter_max_mac_addrs(port);
	info->max_rx_pktlen = port->max_mtu + RTE_ETHER_HDR_LEN;
	info->min_rx_bufsize = RTE_ETHER_MIN_LEN;
	info->min_mtu = VIRTIO_MIN_MTU;
	/* No CRC on a virtio link: the only overhead is the Ethernet header. */
	info->max_mtu = port->max_mtu;
	info->rx_offload_capa = mergeable ? RTE_ETH_RX_OFFLOAD_SCATTER : 0;
	info->rx_offload_capa |= virtnet_rx_filter_offload_capa(port);
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	virtnet_offload_capa(port->dev.device_features & (wanted_features(port) |
		virtnet_offload_features(UINT64_MAX, UINT64_MAX)),
		&info->rx_offload_capa, &info->tx_offload_capa);
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		info->max_lro_pkt_size = VIRTIO_MAX_LRO_PKTLEN;
	info->rx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = VIRTQ_MAX_SIZE,
		.nb_min = 1,
		.nb_align = 1,
	};
	info->tx_desc_lim = (struct rte_eth_desc_lim){
		.nb_max = VIRTQ_MAX_SIZE,
		.nb_min = 1,
		.nb_align = 1,
		.nb_seg_max = VIRTIO_TX_MAX_SEGS,
		.nb_mtu_seg_max = VIRTIO_TX_MAX_SEGS,
	};
	info->default_rxportconf.ring_size = qmax;
	info->default_txportconf.ring_size = qmax;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	virtnet_rss_infos(port, info);
	info->speed_capa = port->args.speed == RTE_ETH_SPEED_NUM_UNKNOWN ?
				   0 : rte_eth_speed_bitflag(port->args.speed, RTE_ETH_LINK_FULL_DUPLEX);
	return 0;
}

static struct virtqueue **
collect_queues(struct rte_eth_dev *eth_dev, unsigned int *count)
{
	struct rte_eth_dev_data *d = eth_dev->data;
	unsigned int n = 2 * RTE_MAX(d->nb_rx_queues, d->nb_tx_queues);
	struct virtqueue **vqs = rte_zmalloc("virtio_vqs", sizeof(*vqs) * (n + 1), 0);
	unsigned int q;

	if (vqs == NULL)
		return NULL;
	for (q = 0; q < d->nb_rx_queues; q++)
		if (d->rx_queues[q] != NULL)
			vqs[RXQ_VQ_INDEX(q)] = &((struct virtnet_rxq *)d->rx_queues[q])->vq;
	for (q = 0; q < d->nb_tx_queues; q++)
		if (d->tx_queues[q] != NULL)
			vqs[TXQ_VQ_INDEX(q)] = &((struct virtnet_txq *)d->tx_queues[q])->vq;
	*count = n;
	return vqs;
}

static void
elect_path(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct virtio_path_input in = {
		.features = port->dev.features,
		.rx_offloads = eth_dev->data->dev_conf.rxmode.offloads,
		.tx_offloads = eth_dev->data->dev_conf.txmode.offloads,
		.vectorized = port->args.vectorized,
		.in_order_requested = port->ring_devargs && port->args.in_order,
		.max_simd_bitwidth = rte_vect_get_max_simd_bitwidth(),
	};

	virtio_select_cpu_flags(&in);
	virtio_select_path(&in, &port->path);
	eth_dev->rx_pkt_burst = port->path.rx;
	eth_dev->tx_pkt_burst = port->path.tx;
	port->rx_path_id = virtnet_rx_path_id(port->path.rx);
	port->tx_path_id = virtnet_tx_path_id(port->path.tx);
	/* Only offloads need the pseudo-header checksum written: no prepare otherwise. */
	eth_dev->tx_pkt_prepare = (in.tx_offloads & VIRTIO_TX_OFFLOADS_NOT_VEC) ?
					  virtio_xmit_pkts_prepare : NULL;
	virtnet_announce_setup(eth_dev);
	VIRTIO_LOG(NOTICE, "%s: Rx path %s, Tx path %s%s%s%s", eth_dev->data->name,
		   port->path.rx_name, port->path.tx_name, port->path.note[0] ? " (" : "",
		   port->path.note, port->path.note[0] ? ")" : "");
}

static int
check_frame_fits(struct rte_eth_dev *eth_dev, struct virtnet_rxq *rxq)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint32_t frame = eth_dev->data->mtu + RTE_ETHER_HDR_LEN;

	if (virtio_dev_has(&port->dev, VIRTIO_NET_F_MRG_RXBUF) ||
	    frame + rxq->hdr_size <= rxq->post_len)
		return 0;
	VIRTIO_LOG(ERR, "%s: MTU %u needs %u-byte Rx buffers but queue %u has %u; use "
		   "mergeable Rx buffers (mrg_rxbuf=1) or a larger mbuf size",
		   eth_dev->data->name, eth_dev->data->mtu, frame, rxq->queue_id,
		   rxq->post_len - rxq->hdr_size);
	return -EINVAL;
}

/* Starting with a queue the application never set up would leave a hole in the device. */
static int
check_queues_set_up(struct rte_eth_dev *eth_dev)
{
	uint16_t q;

	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		if (eth_dev->data->rx_queues[q] == NULL) {
			VIRTIO_LOG(ERR, "%s: Rx queue %u is not set up; call "
				   "rte_eth_rx_queue_setup() for every configured queue before "
				   "start", eth_dev->data->name, q);
			return -EINVAL;
		}
	}
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++) {
		if (eth_dev->data->tx_queues[q] == NULL) {
			VIRTIO_LOG(ERR, "%s: Tx queue %u is not set up; call "
				   "rte_eth_tx_queue_setup() for every configured queue before "
				   "start", eth_dev->data->name, q);
			return -EINVAL;
		}
	}
	return 0;
}

static void
reclaim_all(struct rte_eth_dev *eth_dev)
{
	uint16_t q;

	for (q = 0; q < eth_dev->data->nb_rx_queues; q++)
		if (eth_dev->data->rx_queues[q] != NULL)
			virtio_rxq_reclaim(eth_dev->data->rx_queues[q]);
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++)
		if (eth_dev->data->tx_queues[q] != NULL)
			virtio_txq_reclaim(eth_dev->data->tx_queues[q]);
}

static int
dev_start(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	bool event_idx = virtio_dev_has(&port->dev, VIRTIO_RING_F_EVENT_IDX);
	struct virtqueue **vqs;
	unsigned int n, i;
	uint16_t q;
	int ret = 0;

	ret = check_queues_set_up(eth_dev);
	for (q = 0; q < eth_dev->data->nb_rx_queues && ret == 0; q++)
		ret = check_frame_fits(eth_dev, eth_dev->data->rx_queues[q]);
	if (ret != 0)
		return ret;
	vqs = collect_queues(eth_dev, &n);
	if (vqs == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (vqs[i] != NULL)
			vq_reset(vqs[i], event_idx);
	/* Vectors and event fds must exist before the device learns about them. */
	ret = virtnet_intr_start(eth_dev);
	if (ret == 0)
		ret = virtio_dev_start(&port->dev, vqs, n);
	rte_free(vqs);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: cannot start the device (%s)", eth_dev->data->name,
			   strerror(-ret));
		virtnet_intr_stop(eth_dev);
		return ret;
	}
	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		/* Deferred: the ring stays empty, so the device has nowhere to put packets. */
		if (virtnet_rxq_deferred(eth_dev, q)) {
			eth_dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
			continue;
		}
		if (virtio_rxq_fill(eth_dev->data->rx_queues[q]) < 0) {
			VIRTIO_LOG(ERR, "%s: Rx queue %u: mempool has no mbufs to post",
				   eth_dev->data->name, q);
			virtio_dev_stop(&port->dev);
			virtnet_intr_stop(eth_dev);
			reclaim_all(eth_dev);
			return -ENOMEM;
		}
		eth_dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++)
		eth_dev->data->tx_queue_state[q] = virtnet_txq_deferred(eth_dev, q) ?
			RTE_ETH_QUEUE_STATE_STOPPED : RTE_ETH_QUEUE_STATE_STARTED;
	/* A multi-queue device starts with one queue pair (spec 5.1.6.5.5). */
	ret = virtnet_mq_start(eth_dev);
	/* The device forgot its filters on reset: what ethdev does not replay, we do. */
	if (ret == 0)
		ret = virtnet_rx_filter_start(eth_dev);
	if (ret != 0) {
		virtio_dev_stop(&port->dev);
		virtnet_intr_stop(eth_dev);
		reclaim_all(eth_dev);
		return ret;
	}
	elect_path(eth_dev);
	port->started = true;
	eth_dev->data->dev_started = 1;
	/* With intr_conf.lsc ethdev stops asking: the status must be right from here. */
	virtnet_link_update(eth_dev);
	return 0;
}

int
virtnet_link_update(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct rte_eth_link link = {
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = RTE_ETH_LINK_DOWN,
	};

	virtnet_config_speed(port, &link);
	if (port->started) {
		uint16_t status = VIRTIO_NET_S_LINK_UP;

		if (virtio_dev_has(&port->dev, VIRTIO_NET_F_STATUS))
			status = virtnet_config_status(port);
		if (status & VIRTIO_NET_S_LINK_UP)
			link.link_status = RTE_ETH_LINK_UP;
		if ((status & VIRTIO_NET_S_ANNOUNCE) &&
		    virtio_dev_has(&port->dev, VIRTIO_NET_F_GUEST_ANNOUNCE))
			virtnet_announce(eth_dev);
	}
	return rte_eth_linkstatus_set(eth_dev, &link);
}

static int
link_update(struct rte_eth_dev *eth_dev, int wait_to_complete)
{
	RTE_SET_USED(wait_to_complete);
	return virtnet_link_update(eth_dev);
}

static int
dev_stop(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t q;

	if (!port->started)
		return 0;
	/* Quiesce the device first so nothing is written into buffers we free. */
	virtio_dev_stop(&port->dev);
	virtnet_intr_stop(eth_dev);
	reclaim_all(eth_dev);
	for (q = 0; q < eth_dev->data->nb_rx_queues; q++)
		eth_dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++)
		eth_dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	port->started = false;
	eth_dev->data->dev_started = 0;
	link_update(eth_dev, 0);
	return 0;
}

/* Per process: what a secondary's transport holds for each port (fds). */
static void (*secondary_detach[RTE_MAX_ETHPORTS])(struct rte_eth_dev *eth_dev);

static int
dev_close(struct rte_eth_dev *eth_dev)
{
	uint16_t port_id = eth_dev->data->port_id;
	uint16_t q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		/* The device and queues are the primary's; only our own share goes. */
		if (secondary_detach[port_id] != NULL)
			secondary_detach[port_id](eth_dev);
		secondary_detach[port_id] = NULL;
		return 0;
	}
	dev_stop(eth_dev);
	for (q = 0; q < eth_dev->data->nb_rx_queues; q++)
		rx_queue_release(eth_dev, q);
	for (q = 0; q < eth_dev->data->nb_tx_queues; q++)
		tx_queue_release(eth_dev, q);
	cvq_release(virtnet_port_of(eth_dev));
	virtnet_port_of(eth_dev)->dev.ops->close(&virtnet_port_of(eth_dev)->dev);
	return 0;
}

static int
mtu_set(struct rte_eth_dev *eth_dev, uint16_t mtu)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	uint16_t q;

	/* ethdev has checked min_mtu/max_mtu; buffers must still hold a frame. */
	if (virtio_dev_has(&port->dev, VIRTIO_NET_F_MRG_RXBUF))
		return 0;
	for (q = 0; q < eth_dev->data->nb_rx_queues; q++) {
		const struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

		if (rxq != NULL && mtu + RTE_ETHER_HDR_LEN + rxq->hdr_size > (int)rxq->post_len) {
			VIRTIO_LOG(ERR, "%s: MTU %u does not fit the %u-byte Rx buffers of queue "
				   "%u without mergeable Rx buffers (mrg_rxbuf=1)",
				   eth_dev->data->name, mtu, rxq->post_len - rxq->hdr_size, q);
			return -EINVAL;
		}
	}
	return 0;
}

static void
rxq_info_get(struct rte_eth_dev *eth_dev, uint16_t q, struct rte_eth_rxq_info *qinfo)
{
	const struct virtnet_rxq *rxq = eth_dev->data->rx_queues[q];

	qinfo->mp = rxq->mp;
	qinfo->nb_desc = rxq->vq.size;
	qinfo->scattered_rx = virtio_dev_has(&virtnet_port_of(eth_dev)->dev,
					     VIRTIO_NET_F_MRG_RXBUF);
	qinfo->rx_buf_size = rxq->post_len - rxq->hdr_size;
	qinfo->queue_state = eth_dev->data->rx_queue_state[q];
	qinfo->conf.rx_deferred_start = rxq->deferred_start;
}

static void
txq_info_get(struct rte_eth_dev *eth_dev, uint16_t q, struct rte_eth_txq_info *qinfo)
{
	const struct virtnet_txq *txq = eth_dev->data->tx_queues[q];

	qinfo->nb_desc = txq->vq.size;
	qinfo->conf.tx_free_thresh = txq->free_thresh;
	qinfo->queue_state = eth_dev->data->tx_queue_state[q];
	qinfo->conf.tx_deferred_start = txq->deferred_start;
}

static const char *
ring_kind(struct rte_eth_dev *eth_dev)
{
	return virtio_dev_has(&virtnet_port_of(eth_dev)->dev, VIRTIO_F_RING_PACKED) ? "packed" :
										     "split";
}

static int
burst_mode(const char *name, const char *ring, struct rte_eth_burst_mode *mode)
{
	if (name == NULL)
		return -EINVAL; /* not started yet: nothing elected */
	snprintf(mode->info, sizeof(mode->info), "%s (%s ring)", name, ring);
	return 0;
}

/* Names by index: the port's own name pointers are the primary's. */
static int
rx_burst_mode_get(struct rte_eth_dev *eth_dev, uint16_t q, struct rte_eth_burst_mode *mode)
{
	RTE_SET_USED(q);
	return burst_mode(virtnet_rx_path_name(virtnet_port_of(eth_dev)->rx_path_id),
			  ring_kind(eth_dev), mode);
}

static int
tx_burst_mode_get(struct rte_eth_dev *eth_dev, uint16_t q, struct rte_eth_burst_mode *mode)
{
	RTE_SET_USED(q);
	return burst_mode(virtnet_tx_path_name(virtnet_port_of(eth_dev)->tx_path_id),
			  ring_kind(eth_dev), mode);
}

static const struct eth_dev_ops virtnet_ops = {
	.dev_configure = dev_configure,
	.dev_infos_get = dev_infos_get,
	.dev_start = dev_start,
	.dev_stop = dev_stop,
	.dev_close = dev_close,
	.link_update = link_update,
	.stats_get = virtnet_stats_get,
	.stats_reset = virtnet_stats_reset,
	.xstats_get = virtnet_xstats_get,
	.xstats_get_names = virtnet_xstats_get_names,
	.xstats_reset = virtnet_stats_reset,
	.xstats_get_by_id = virtnet_xstats_get_by_id,
	.xstats_get_names_by_id = virtnet_xstats_get_names_by_id,
	.mtu_set = mtu_set,
	.mac_addr_set = virtnet_mac_addr_set,
	.mac_addr_add = virtnet_mac_addr_add,
	.mac_addr_remove = virtnet_mac_addr_remove,
	.set_mc_addr_list = virtnet_set_mc_addr_list,
	.promiscuous_enable = virtnet_promiscuous_enable,
	.promiscuous_disable = virtnet_promiscuous_disable,
	.allmulticast_enable = virtnet_allmulticast_enable,
	.allmulticast_disable = virtnet_allmulticast_disable,
	.vlan_filter_set = virtnet_vlan_filter_set,
	.rss_hash_update = virtnet_rss_hash_update,
	.rss_hash_conf_get = virtnet_rss_hash_conf_get,
	.reta_update = virtnet_rss_reta_update,
	.reta_query = virtnet_rss_reta_query,
	.rx_queue_setup = rx_queue_setup,
	.rx_queue_release = rx_queue_release,
	.tx_queue_setup = tx_queue_setup,
	.tx_queue_release = tx_queue_release,
	.rxq_info_get = rxq_info_get,
	.txq_info_get = txq_info_get,
	.rx_burst_mode_get = rx_burst_mode_get,
	.tx_burst_mode_get = tx_burst_mode_get,
	.rx_queue_intr_enable = virtnet_rx_queue_intr_enable,
	.rx_queue_intr_disable = virtnet_rx_queue_intr_disable,
	.get_monitor_addr = virtnet_get_monitor_addr,
	.rx_queue_start = virtnet_rx_queue_start,
	.rx_queue_stop = virtnet_rx_queue_stop,
	.tx_queue_start = virtnet_tx_queue_start,
	.tx_queue_stop = virtnet_tx_queue_stop,
	.tx_done_cleanup = virtnet_tx_done_cleanup,
	.eth_dev_priv_dump = virtnet_priv_dump,
	.vlan_offload_set = virtnet_vlan_offload_set,
};

/* The link is whatever the primary last read: the transport is the primary's. */
static int
secondary_link_update(struct rte_eth_dev *eth_dev, int wait_to_complete)
{
	RTE_SET_USED(eth_dev);
	RTE_SET_USED(wait_to_complete);
	return -1;
}

/*
 * What a secondary process may do: run the datapath, read and clear stats,
 * read queue info and descriptor status, dump. Configuration, start/stop and queue setup
 * belong to the primary; ethdev answers -ENOTSUP for the missing ops.
 */
/* Fast-path queries live in the per-process rte_eth_dev, not in the ops table. */
static void
set_queue_queries(struct rte_eth_dev *eth_dev)
{
	eth_dev->rx_queue_count = virtnet_rx_queue_count;
	eth_dev->rx_descriptor_status = virtnet_rx_descriptor_status;
	eth_dev->tx_descriptor_status = virtnet_tx_descriptor_status;
}

static const struct eth_dev_ops virtnet_secondary_ops = {
	.dev_infos_get = dev_infos_get,
	.dev_close = dev_close,
	.link_update = secondary_link_update,
	/* Counters live in the shared queues: any process may read or clear them. */
	.stats_get = virtnet_stats_get,
	.stats_reset = virtnet_stats_reset,
	.xstats_get = virtnet_xstats_get,
	.xstats_get_names = virtnet_xstats_get_names,
	.xstats_reset = virtnet_stats_reset,
	.xstats_get_by_id = virtnet_xstats_get_by_id,
	.xstats_get_names_by_id = virtnet_xstats_get_names_by_id,
	.rxq_info_get = rxq_info_get,
	.txq_info_get = txq_info_get,
	.rx_burst_mode_get = rx_burst_mode_get,
	.tx_burst_mode_get = tx_burst_mode_get,
	.eth_dev_priv_dump = virtnet_priv_dump,
};

int
virtnet_port_attach_secondary(struct rte_eth_dev *eth_dev,
			      void (*detach)(struct rte_eth_dev *eth_dev))
{
	eth_dev->dev_ops = &virtnet_secondary_ops;
	eth_dev->rx_pkt_burst = virtnet_secondary_rx_burst;
	eth_dev->tx_pkt_burst = virtnet_secondary_tx_burst;
	set_queue_queries(eth_dev);
	secondary_detach[eth_dev->data->port_id] = detach;
	VIRTIO_LOG(NOTICE, "%s: secondary process attached to port %u (%s); Rx path %s, "
		   "Tx path %s", eth_dev->data->name, eth_dev->data->port_id,
		   eth_dev->data->dev_started ? "started" : "not started yet",
		   virtnet_rx_path_name(virtnet_port_of(eth_dev)->rx_path_id) ?: "none yet",
		   virtnet_tx_path_name(virtnet_port_of(eth_dev)->tx_path_id) ?: "none yet");
	return 0;
}

int
virtnet_port_init(struct rte_eth_dev *eth_dev)
{
	struct virtnet_port *port = virtnet_port_of(eth_dev);
	struct rte_eth_dev_data *data = eth_dev->data;
	int ret;

	ret = virtio_dev_init(&port->dev);
	if (ret != 0)
		return ret;
	virtnet_mq_init(port);
	port->max_mtu = virtnet_config_max_mtu(port);
	port->queue_max = port->dev.ops->queue_max_size(&port->dev, 0);
	virtnet_rss_init(port);
	/* ethdev indexes up to max_mac_addrs, which CTRL_RX raises. */
	data->mac_addrs = rte_zmalloc("virtio_mac", RTE_ETHER_ADDR_LEN * VIRTNET_MAX_MAC_ADDRS, 0);
	if (data->mac_addrs == NULL)
		return -ENOMEM;
	/* Without a usable address from the device (VIRTIO_NET_F_MAC), a random one. */
	if (!virtnet_config_mac(port, data->mac_addrs))
		rte_eth_random_addr(data->mac_addrs->addr_bytes);
	eth_dev->dev_ops = &virtnet_ops;
	set_queue_queries(eth_dev);
	data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	return 0;
}

int
virtnet_port_remove(struct rte_eth_dev *eth_dev)
{
	/* A secondary may have closed the port already (the application did). */
	if (eth_dev == NULL || eth_dev->state == RTE_ETH_DEV_UNUSED)
		return 0;
	/* In a secondary, close releases this process's share (dev_close) and the port. */
	return rte_eth_dev_close(eth_dev->data->port_id);
}
