/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * API misuse through the public rte_eth_* API on a real ethdev port whose
 * device is a small in-process fake transport: queue ids out of range, setup
 * while started, NULL pools, descriptor counts that are 0, too large or not a
 * power of two on a split ring, mbufs too small, more queues than the device
 * has. Each asserts the return value and the message (ethdev's or ours).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <ethdev_driver.h>
#include <rte_malloc.h>

#include "ethdev.h"
#include "ut_common.h"

#define RING_MAX 256 /* what the fake device offers per queue */

static struct rte_mempool *pool;
static uint8_t fake_status;

/* The fake transport: a version 1 device with a MAC, one queue pair, rings of RING_MAX. */
static uint64_t
f_get_features(struct virtio_dev *dev)
{
	RTE_SET_USED(dev);
	return VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC);
}

static int
f_set_features(struct virtio_dev *dev, uint64_t features)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(features);
	return 0;
}

static uint8_t
f_get_status(struct virtio_dev *dev)
{
	RTE_SET_USED(dev);
	return fake_status;
}

static int
f_set_status(struct virtio_dev *dev, uint8_t status)
{
	RTE_SET_USED(dev);
	fake_status = status;
	return 0;
}

static void
f_read_config(struct virtio_dev *dev, size_t offset, void *dst, size_t len)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	RTE_SET_USED(dev);
	memset(dst, 0, len);
	if (offset == 0 && len == 6)
		memcpy(dst, mac, 6);
}

static uint16_t
f_queue_max_size(struct virtio_dev *dev, uint16_t index)
{
	RTE_SET_USED(dev);
	return index < 2 ? RING_MAX : 0;
}

static void
f_notify(struct virtqueue *vq)
{
	RTE_SET_USED(vq);
}

static int
f_setup_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	RTE_SET_USED(dev);
	vq->notify = f_notify;
	vq->notify_kind = VQ_NOTIFY_DIRECT;
	return 0;
}

static void
f_release_queue(struct virtio_dev *dev, struct virtqueue *vq)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(vq);
}

static void
f_reset(struct virtio_dev *dev)
{
	RTE_SET_USED(dev);
	fake_status = 0;
}

static void
f_close(struct virtio_dev *dev)
{
	RTE_SET_USED(dev);
}

static const struct virtio_transport_ops fake_ops = {
	.name = "api-misuse",
	.get_features = f_get_features,
	.set_features = f_set_features,
	.get_status = f_get_status,
	.set_status = f_set_status,
	.read_config = f_read_config,
	.queue_max_size = f_queue_max_size,
	.setup_queue = f_setup_queue,
	.release_queue = f_release_queue,
	.reset = f_reset,
	.close = f_close,
};

/* ethdev reads the driver name through the device. */
static struct rte_driver fake_driver = { .name = "net_virtio_ut" };
static struct rte_device fake_device = { .name = "ut_api_misuse", .driver = &fake_driver };

static uint16_t
port_create(void)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocate("ut_api_misuse");
	struct virtnet_port *port;

	assert_non_null(eth_dev);
	eth_dev->device = &fake_device;
	eth_dev->data->dev_private = rte_zmalloc("ut_port", sizeof(*port), 0);
	assert_non_null(eth_dev->data->dev_private);
	port = virtnet_port_of(eth_dev);
	port->dev.ops = &fake_ops;
	port->dev.name = eth_dev->data->name;
	port->dev.use_va = true;
	port->args.speed = RTE_ETH_SPEED_NUM_UNKNOWN;
	port->args.queues = 1; /* as the PCI transport: one pair until the control queue */
	assert_int_equal(virtnet_port_init(eth_dev), 0);
	rte_eth_dev_probing_finish(eth_dev);
	return eth_dev->data->port_id;
}

#define assert_log_has(needle)                                                         \
	do {                                                                           \
		if (strstr(ut_log_text(), needle) == NULL)                               \
			print_message("log lacks '%s':\n%s\n", needle, ut_log_text());   \
		assert_non_null(strstr(ut_log_text(), needle));                          \
	} while (0)

static int
group_setup(void **state)
{
	RTE_SET_USED(state);
	pool = ut_eal_and_pool("api_misuse", 2048);
	if (pool == NULL)
		return -1;
	ut_log_capture_start();
	rte_log_set_level_pattern("pmd.net.virtio.*", RTE_LOG_INFO);
	return 0;
}

static int
group_teardown(void **state)
{
	RTE_SET_USED(state);
	ut_log_capture_stop();
	ut_eal_and_pool_fini(pool);
	return 0;
}

static int
port_setup(void **state)
{
	static uint16_t pid;

	pid = port_create();
	*state = &pid;
	ut_log_mark(); /* what the next calls log, and nothing older */
	return 0;
}

static int
port_teardown(void **state)
{
	uint16_t pid = *(uint16_t *)*state;

	/* A case that closed the port itself (to free its own pools) leaves nothing here. */
	if (rte_eth_dev_is_valid_port(pid)) {
		rte_eth_dev_stop(pid);
		assert_int_equal(rte_eth_dev_close(pid), 0);
	}
	assert_int_equal(ut_pool_in_use(pool), 0);
	return 0;
}

static const struct rte_eth_conf conf;

static void
configure_1q(uint16_t pid)
{
	assert_int_equal(rte_eth_dev_configure(pid, 1, 1, &conf), 0);
}

/* The device has one queue pair: two are refused by ethdev against our max_rx_queues. */
static void
more_queues_than_device(void **state)
{
	uint16_t pid = *(uint16_t *)*state;
	struct rte_eth_dev_info info;

	assert_int_equal(rte_eth_dev_info_get(pid, &info), 0);
	assert_int_equal(info.max_rx_queues, 1);
	assert_int_equal(info.max_tx_queues, 1);
	assert_int_equal(rte_eth_dev_configure(pid, 2, 1, &conf), -EINVAL);
	assert_log_has("nb_rx_queues=2 > 1");
	assert_int_equal(rte_eth_dev_configure(pid, 1, 2, &conf), -EINVAL);
	assert_log_has("nb_tx_queues=2 > 1");
	configure_1q(pid);
}

static void
queue_id_out_of_range(void **state)
{
	uint16_t pid = *(uint16_t *)*state;

	configure_1q(pid);
	assert_int_equal(rte_eth_rx_queue_setup(pid, 1, 128, 0, NULL, pool), -EINVAL);
	assert_log_has("Invalid Rx queue_id=1");
	assert_int_equal(rte_eth_tx_queue_setup(pid, 1, 128, 0, NULL), -EINVAL);
	assert_log_has("Invalid Tx queue_id=1");
}

static void
null_pool(void **state)
{
	uint16_t pid = *(uint16_t *)*state;
	struct rte_eth_dev *eth_dev = &rte_eth_devices[pid];

	configure_1q(pid);
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 128, 0, NULL, NULL), -EINVAL);
	assert_log_has("Ambiguous Rx mempools configuration");
	/* The op itself, called without ethdev's check, says the same. */
	ut_log_mark();
	assert_int_equal(eth_dev->dev_ops->rx_queue_setup(eth_dev, 0, 128, 0, NULL, NULL),
			 -EINVAL);
	assert_log_has("ut_api_misuse: Rx queue 0: no mempool (NULL); allowed is a pktmbuf pool");
}

/*
 * desc_lim says 1..32768, any alignment: ethdev refuses beyond it; within it
 * the driver adjusts like the stock driver and the log says why.
 */
static void
descriptor_counts(void **state)
{
	uint16_t pid = *(uint16_t *)*state;
	struct rte_eth_dev_info info;
	struct rte_eth_rxq_info rxq;
	struct rte_eth_txq_info txq;

	assert_int_equal(rte_eth_dev_info_get(pid, &info), 0);
	assert_int_equal(info.rx_desc_lim.nb_max, 32768);
	assert_int_equal(info.rx_desc_lim.nb_min, 1);
	assert_int_equal(info.rx_desc_lim.nb_align, 1);
	assert_int_equal(info.tx_desc_lim.nb_max, 32768);
	assert_int_equal(info.default_rxportconf.ring_size, RING_MAX);
	configure_1q(pid);

	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 40000, 0, NULL, pool), -EINVAL);
	assert_log_has("Invalid value for nb_rx_desc(=40000)");
	assert_log_has("<= 32768");
	assert_int_equal(rte_eth_tx_queue_setup(pid, 0, 40000, 0, NULL), -EINVAL);
	assert_log_has("Invalid value for nb_tx_desc(=40000)");

	/* 0: ethdev asks for our default, the device's ring. */
	ut_log_mark();
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 0, 0, NULL, pool), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(pid, 0, &rxq), 0);
	assert_int_equal(rxq.nb_desc, RING_MAX);
	assert_null(strstr(ut_log_text(), "descriptors (asked"));

	/* Above the device's ring: the ring it has. */
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 1024, 0, NULL, pool), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(pid, 0, &rxq), 0);
	assert_int_equal(rxq.nb_desc, RING_MAX);
	assert_log_has("ut_api_misuse: Rx queue 0 uses 256 descriptors (asked 1024, device max "
		       "256): the ring cannot be larger than the device allows");

	/* Not a power of two on a split ring: the power of two below. */
	assert_int_equal(rte_eth_tx_queue_setup(pid, 0, 100, 0, NULL), 0);
	assert_int_equal(rte_eth_tx_queue_info_get(pid, 0, &txq), 0);
	assert_int_equal(txq.nb_desc, 64);
	assert_log_has("ut_api_misuse: Tx queue 0 uses 64 descriptors (asked 100, device max "
		       "256): a split ring holds a power of two");
	assert_int_equal(rte_eth_dev_start(pid), 0);
}

/* No runtime queue setup capability: ethdev refuses setup on a started port. */
static void
setup_while_started(void **state)
{
	uint16_t pid = *(uint16_t *)*state;
	struct rte_eth_dev *eth_dev = &rte_eth_devices[pid];
	struct rte_eth_dev_info info;

	assert_int_equal(rte_eth_dev_info_get(pid, &info), 0);
	assert_int_equal(info.dev_capa & (RTE_ETH_DEV_CAPA_RUNTIME_RX_QUEUE_SETUP |
					  RTE_ETH_DEV_CAPA_RUNTIME_TX_QUEUE_SETUP), 0);
	configure_1q(pid);
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 128, 0, NULL, pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup(pid, 0, 128, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(pid), 0);
	ut_log_mark();
	/* ethdev refuses without a message (22.11), before the driver is asked. */
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 128, 0, NULL, pool), -EBUSY);
	assert_int_equal(rte_eth_tx_queue_setup(pid, 0, 128, 0, NULL), -EBUSY);
	assert_string_equal(ut_log_text(), "");
	assert_int_equal(rte_eth_dev_configure(pid, 1, 1, &conf), -EBUSY);
	assert_log_has("must be stopped to allow configuration");
	/* The ops called directly refuse too, and say why. */
	assert_int_equal(eth_dev->dev_ops->rx_queue_setup(eth_dev, 0, 128, 0, NULL, pool), -EBUSY);
	assert_log_has("ut_api_misuse: Rx queue 0: cannot set up a queue while the port is "
		       "started; stop the port first");
	assert_int_equal(eth_dev->dev_ops->tx_queue_setup(eth_dev, 0, 128, 0, NULL), -EBUSY);
	assert_log_has("ut_api_misuse: Tx queue 0: cannot set up a queue while the port is "
		       "started; stop the port first");
	/* Traffic state untouched: the queues are still the ones set up. */
	assert_non_null(eth_dev->data->rx_queues[0]);
	/* After stop the same calls work. */
	assert_int_equal(rte_eth_dev_stop(pid), 0);
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 128, 0, NULL, pool), 0);
}

/* Starting with a configured queue never set up names the queue. */
static void
start_without_queue_setup(void **state)
{
	uint16_t pid = *(uint16_t *)*state;

	configure_1q(pid);
	assert_int_equal(rte_eth_tx_queue_setup(pid, 0, 128, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(pid), -EINVAL);
	assert_log_has("ut_api_misuse: Rx queue 0 is not set up; call rte_eth_rx_queue_setup()");
}

/* Mbufs too small: for any frame at setup, for the MTU at start (no mergeable buffers). */
static void
mbufs_too_small(void **state)
{
	uint16_t pid = *(uint16_t *)*state;
	struct rte_eth_dev *eth_dev = &rte_eth_devices[pid];
	struct rte_mempool *tiny = ut_pool_create("ut_misuse_tiny", 256, RTE_PKTMBUF_HEADROOM + 32);
	struct rte_mempool *small = ut_pool_create("ut_misuse_small", 512,
						   RTE_PKTMBUF_HEADROOM + 1024);

	assert_non_null(tiny);
	assert_non_null(small);
	configure_1q(pid);
	assert_int_equal(rte_eth_tx_queue_setup(pid, 0, 128, 0, NULL), 0);
	/* ethdev checks the pool against our min_rx_bufsize; the op itself says the same. */
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 128, 0, NULL, tiny), -EINVAL);
	assert_log_has("ut_misuse_tiny mbuf_data_room_size 160 < 192 (128 + 64)");
	assert_int_equal(eth_dev->dev_ops->rx_queue_setup(eth_dev, 0, 128, 0, NULL, tiny), -EINVAL);
	assert_log_has("ut_api_misuse: Rx queue 0: mbuf data room 160 is too small; need at "
		       "least 192 bytes (headroom 128 + a 64-byte frame)");
	assert_int_equal(rte_eth_rx_queue_setup(pid, 0, 128, 0, NULL, small), 0);
	assert_int_equal(rte_eth_dev_start(pid), -EINVAL);
	assert_log_has("ut_api_misuse: MTU 1500 needs 1514-byte Rx buffers but queue 0 has");
	assert_log_has("use mergeable Rx buffers (mrg_rxbuf=1) or a larger mbuf size");
	/* A smaller MTU fits. */
	assert_int_equal(rte_eth_dev_set_mtu(pid, 1000), 0);
	assert_int_equal(rte_eth_dev_start(pid), 0);
	assert_int_equal(rte_eth_dev_stop(pid), 0);
	assert_int_equal(rte_eth_dev_close(pid), 0);
	assert_int_equal(ut_pool_in_use(small), 0);
	rte_mempool_free(small);
	rte_mempool_free(tiny);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(more_queues_than_device, port_setup, port_teardown),
		cmocka_unit_test_setup_teardown(queue_id_out_of_range, port_setup, port_teardown),
		cmocka_unit_test_setup_teardown(null_pool, port_setup, port_teardown),
		cmocka_unit_test_setup_teardown(descriptor_counts, port_setup, port_teardown),
		cmocka_unit_test_setup_teardown(setup_while_started, port_setup, port_teardown),
		cmocka_unit_test_setup_teardown(start_without_queue_setup, port_setup,
						port_teardown),
		cmocka_unit_test_setup_teardown(mbufs_too_small, port_setup, port_teardown),
	};

	return cmocka_run_group_tests_name("api_misuse", tests, group_setup, group_teardown);
}
