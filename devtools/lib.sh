# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
# shellcheck shell=bash
#
# Shared helpers for devtools/run-tests.sh and devtools/run-main.sh (source it).

VIRTIO_PMD_REPO=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/..")
VIRTIO_PMD_BUILD=${VIRTIO_PMD_BUILD:-$VIRTIO_PMD_REPO/build}
# The same sources with AddressSanitizer and UndefinedBehaviorSanitizer.
VIRTIO_PMD_SAN_BUILD=${VIRTIO_PMD_SAN_BUILD:-$VIRTIO_PMD_REPO/build-san}
VIRTIO_PMD_SAN_OPTIONS=(-Db_sanitize=address,undefined)

# run_setup: prepare the machine (idempotent, fast when already done).
run_setup() {
	bash "$VIRTIO_PMD_REPO/devtools/setup.sh"
}

# configured_dpdk_version: the libdpdk version meson found when it configured the
# build directory (empty when unknown).
configured_dpdk_version() {
	/usr/bin/python3 - "$1/meson-info/intro-dependencies.json" <<'PY' 2>/dev/null
import json, sys
for dep in json.load(open(sys.argv[1])):
    if dep.get("name") == "libdpdk":
        print(dep.get("version", ""))
PY
}

# ensure_build [DIR [MESON_OPTION...]]: configure DIR (default: the release build
# directory) with the given options when needed, then compile.
# "meson setup" when there is no configured build directory; "--reconfigure" only
# when the directory is broken or was configured against another DPDK version
# (ninja regenerates by itself when meson files change, but not when DPDK changes).
ensure_build() {
	local build=${1:-$VIRTIO_PMD_BUILD}
	shift $(($# > 0 ? 1 : 0))
	local options=("$@")
	local dpdk_version configured
	dpdk_version=$(pkg-config --modversion libdpdk 2>/dev/null) || {
		echo "build: pkg-config does not know libdpdk (run devtools/setup.sh)" >&2
		return 1
	}
	if [ ! -f "$VIRTIO_PMD_REPO/meson.build" ]; then
		echo "build: no meson.build in $VIRTIO_PMD_REPO" >&2
		return 1
	fi
	(
		cd "$VIRTIO_PMD_REPO" || exit 1
		if [ ! -f "$build/meson-private/coredata.dat" ]; then
			echo "build: meson setup $build"
			meson setup "${options[@]}" "$build" || exit 1
		else
			configured=$(configured_dpdk_version "$build")
			if [ ! -f "$build/build.ninja" ] ||
				{ [ -n "$configured" ] && [ "$configured" != "$dpdk_version" ]; }; then
				echo "build: meson setup --reconfigure $build (DPDK ${configured:-?} -> $dpdk_version)"
				meson setup --reconfigure "${options[@]}" "$build" || exit 1
			fi
		fi
		echo "build: ninja -C $build"
		ninja -C "$build"
	)
}
