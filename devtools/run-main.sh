#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# The main job: set up the machine if needed, build, then forward traffic through
# our virtio-user port to a vhost-user backend and print the elected Rx/Tx path and
# the packet rate. Arguments go to devtools/forward_demo.py:
#   --stock          use DPDK's stock virtio driver instead (A/B)
#   --seconds N      measurement interval (default 5)
#   --devargs EXTRA  appended to the virtio_user0 devargs (e.g. packed_vq=1)

set -uo pipefail

# shellcheck source=devtools/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
cd "$VIRTIO_PMD_REPO" || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "run-main: error: must run as root (try: sudo bash $0)" >&2
	exit 1
fi

stock=0
for a in "$@"; do
	[ "$a" = --stock ] && stock=1
done

run_setup || exit 1
if ! ensure_build; then
	if [ "$stock" -eq 0 ]; then
		echo "run-main: error: the build failed" >&2
		exit 1
	fi
	echo "run-main: the build failed; continuing with the stock driver (--stock)" >&2
fi

exec /usr/bin/python3 devtools/forward_demo.py "$@"
