/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

#include <rte_log.h>

#include "virtio_log.h"

RTE_LOG_REGISTER(virtio_logtype_init, pmd.net.virtio.init, NOTICE);
RTE_LOG_REGISTER(virtio_logtype_driver, pmd.net.virtio.driver, NOTICE);
