/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#ifndef VIRTIO_LOG_H
#define VIRTIO_LOG_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>

/* Dynamic log types pmd.net.virtio.init (control path) and pmd.net.virtio.driver. */
extern int virtio_logtype_init;
extern int virtio_logtype_driver;

#define VIRTIO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, virtio_logtype_init, "VIRTIO: " fmt "\n", ##__VA_ARGS__)

#define VIRTIO_DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, virtio_logtype_driver, "VIRTIO: " fmt "\n", ##__VA_ARGS__)

/*
 * Rate limit for messages about invalid things a device or backend wrote: a
 * misbehaving peer may repeat the same fault millions of times a second, and
 * the log must stay readable. One limit per queue (datapath faults) or per
 * port (control queue, config space, backend protocol): at most one message
 * per second, the next one says how many were suppressed in between. The
 * counters (xstats) count every occurrence; only the log is limited.
 */
struct virtio_log_limit {
	uint64_t next;       /* clock value from which a message may be printed again */
	uint32_t suppressed; /* messages held back since the last one printed */
};

/*
 * The clock the limit reads (timer cycles), with its frequency; unit tests
 * replace it to step through seconds without waiting.
 */
extern uint64_t (*virtio_log_clock)(void);
extern uint64_t (*virtio_log_clock_hz)(void);

/*
 * True when a message may be printed now; *suppressed then gets how many
 * were held back since the previous one. Not thread safe across callers of
 * the same limit: a queue is polled by one thread, the control path holds
 * its locks (a lost count only changes the "suppressed" number).
 */
bool virtio_log_limit_allow(struct virtio_log_limit *limit, uint32_t *suppressed);

/*
 * Logs at ERR through `limit` (init log type): "<fmt> (<n> similar messages
 * suppressed)" when some were held back. For the rare error branches only.
 */
void virtio_log_limited(struct virtio_log_limit *limit, const char *fmt, ...)
	__rte_cold __rte_format_printf(2, 3);

#endif /* VIRTIO_LOG_H */
