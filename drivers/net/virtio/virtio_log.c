/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <stdarg.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "virtio_log.h"

RTE_LOG_REGISTER(virtio_logtype_init, pmd.net.virtio.init, NOTICE);
RTE_LOG_REGISTER(virtio_logtype_driver, pmd.net.virtio.driver, NOTICE);

static uint64_t
timer_cycles(void)
{
	return rte_get_timer_cycles();
}

static uint64_t
timer_hz(void)
{
	return rte_get_timer_hz();
}

uint64_t (*virtio_log_clock)(void) = timer_cycles;
uint64_t (*virtio_log_clock_hz)(void) = timer_hz;

bool
virtio_log_limit_allow(struct virtio_log_limit *limit, uint32_t *suppressed)
{
	uint64_t now = virtio_log_clock();

	/* next == 0: nothing printed yet through this limit. */
	if (limit->next != 0 && now < limit->next) {
		if (limit->suppressed < UINT32_MAX)
			limit->suppressed++;
		return false;
	}
	*suppressed = limit->suppressed;
	limit->suppressed = 0;
	limit->next = now + virtio_log_clock_hz();
	if (limit->next == 0)
		limit->next = 1;
	return true;
}

void
virtio_log_limited(struct virtio_log_limit *limit, const char *fmt, ...)
{
	char msg[256];
	uint32_t suppressed;
	va_list ap;

	if (!rte_log_can_log(virtio_logtype_init, RTE_LOG_ERR) ||
	    !virtio_log_limit_allow(limit, &suppressed))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (suppressed > 0)
		VIRTIO_LOG(ERR, "%s (%" PRIu32 " similar messages suppressed since the last one)",
			   msg, suppressed);
	else
		VIRTIO_LOG(ERR, "%s", msg);
}
