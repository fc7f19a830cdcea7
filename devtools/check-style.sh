#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# Static checks of the driver: cppcheck (warnings, style, performance,
# portability) must report nothing. Suppressions live next to the code they
# concern (cppcheck-suppress comments), so each one says why.

set -euo pipefail
REPO=$(readlink -f "$(dirname "$0")/..")
VERSION=$(pkg-config --modversion libdpdk)
SDK=/var/cache/virtio-pmd/sdk/$VERSION/include

# The configuration we build: the compilers we support produce the AVX512 code.
out=$(cppcheck --enable=warning,style,performance,portability --inline-suppr --quiet \
	--suppress=missingIncludeSystem --suppress='*:/usr/include/*' \
	--suppress="*:$SDK/*" -I "$REPO/drivers/net/virtio" -I "$SDK" -I /usr/include/dpdk \
	-DVIRTIO_PACKED_VEC_BUILT=1 \
	"$REPO/drivers/net/virtio" 2>&1 | grep -E "^$REPO/drivers/" || true)
if [ -n "$out" ]; then
	echo "$out"
	echo "check-style: cppcheck findings above"
	exit 1
fi
echo "check-style: cppcheck clean"
