#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# Prepare a Debian 12 machine to build and test the virtio PMD:
#   packages, deb-src, the DPDK driver-SDK headers of the installed DPDK, hugepages.
# Idempotent: every step checks first and does nothing when already done.
#
# Environment:
#   VIRTIO_PMD_EXTRA_PACKAGES  extra Debian packages to install (space separated)
#   VIRTIO_PMD_HUGEPAGES       minimum number of 2 MiB hugepages (default 2048)
#   VIRTIO_PMD_SDK_CACHE       SDK header cache root (default /var/cache/virtio-pmd/sdk)

set -euo pipefail

# Later layers (kernel-VM tests, ...) append their packages here.
PACKAGES=(
	dpdk dpdk-dev libdpdk-dev dpdk-doc
	meson ninja-build gcc pkg-config
	python3-pyelftools libcmocka-dev
	python3-pytest python3-pexpect python3-scapy tshark python3-sphinx python3-matplotlib
	dpkg-dev libpcap-dev iproute2 util-linux
	clang-format cppcheck
	# fuzz targets (devtools/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
	clang-14 libclang-rt-14-dev
	# kernel-VM tests (devtools/kernel_vm.py): QEMU/TCG, the kernel it boots with its
	# modules, the initramfs's busybox, modprobe inside the guest, ping both ways.
	qemu-system-x86 linux-image-amd64 busybox-static kmod iputils-ping
)
# shellcheck disable=SC2206
PACKAGES+=(${VIRTIO_PMD_EXTRA_PACKAGES:-})

# The seven driver-SDK headers libdpdk-dev lacks (paths inside the DPDK source tree).
SDK_HEADERS=(
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_pci.h
	lib/ethdev/ethdev_vdev.h
	lib/eal/include/bus_driver.h
	lib/eal/include/dev_driver.h
	drivers/bus/pci/bus_pci_driver.h
	drivers/bus/vdev/bus_vdev_driver.h
)
SDK_CACHE=${VIRTIO_PMD_SDK_CACHE:-/var/cache/virtio-pmd/sdk}
EXAMPLES_CACHE=${VIRTIO_PMD_EXAMPLES_CACHE:-/var/cache/virtio-pmd/examples}
SRC_LIST=/etc/apt/sources.list.d/debian-src.sources
HUGEPAGES_MIN=${VIRTIO_PMD_HUGEPAGES:-2048}
HUGE_MNT=/dev/hugepages

export DEBIAN_FRONTEND=noninteractive

LOG=$(mktemp /tmp/virtio-pmd-setup.XXXXXX.log)
TMPDIRS=()
cleanup() {
	local d
	for d in "${TMPDIRS[@]}"; do
		rm -rf -- "$d"
	done
	rm -f -- "$LOG"
}
trap cleanup EXIT

say() { echo "setup: $*"; }

die() {
	echo "setup: ERROR: $*" >&2
	if [ -s "$LOG" ]; then
		echo "setup: last lines of the log:" >&2
		tail -n 25 "$LOG" >&2
	fi
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: ERROR: must run as root (try: sudo bash $0)" >&2
	exit 1
fi

# Serialise concurrent runs (several people or jobs may call setup at once).
LOCK=/run/lock/virtio-pmd-setup.lock
[ -d /run/lock ] || LOCK=/tmp/virtio-pmd-setup.lock
exec 9>"$LOCK"
flock 9

APT_UPDATED=0
apt_update() {
	[ "$APT_UPDATED" -eq 1 ] && return 0
	APT_UPDATED=1
	# Unreachable third-party sources make apt-get update fail although the Debian
	# lists were refreshed; the command that needed the update will tell.
	apt-get update >>"$LOG" 2>&1 || say "apt-get update reported errors (continuing)"
}

# ---- (b) deb-src ------------------------------------------------------------------
# Done before the packages so that one apt-get update covers both.
if [ -e "$SRC_LIST" ]; then
	say "deb-src ok"
else
	cat >"$SRC_LIST" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt_update
	say "deb-src enabled ($SRC_LIST)"
fi

# ---- (a) packages -----------------------------------------------------------------
missing=()
declare -A installed=()
while read -r pkg status; do
	[ "$status" = installed ] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
for pkg in "${PACKAGES[@]}"; do
	[ -n "${installed[$pkg]:-}" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
	say "packages ok"
else
	for pkg in "${missing[@]}"; do
		if [ "$pkg" = tshark ]; then
			echo "wireshark-common wireshark-common/install-setuid boolean false" |
				debconf-set-selections
		fi
	done
	apt_install() {
		apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold \
			"${missing[@]}" >>"$LOG" 2>&1
	}
	if ! apt_install; then
		apt_update
		apt_install || die "apt-get install ${missing[*]} failed"
	fi
	say "packages installed: ${missing[*]}"
fi

# ---- (c) driver-SDK headers -------------------------------------------------------
DEB_VERSION=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null) ||
	die "libdpdk-dev is not installed"
SRC_PKG=$(dpkg-query -W -f='${source:Package}' libdpdk-dev)
UPSTREAM=$(pkg-config --modversion libdpdk) || die "pkg-config does not know libdpdk"
deb_upstream=${DEB_VERSION#*:}
deb_upstream=${deb_upstream%-*}
[ "$deb_upstream" = "$UPSTREAM" ] ||
	die "libdpdk-dev $DEB_VERSION does not match pkg-config libdpdk $UPSTREAM"

SDK_DIR=$SDK_CACHE/$UPSTREAM/include
sdk_complete() {
	local h
	for h in "${SDK_HEADERS[@]}"; do
		[ -s "$SDK_DIR/$(basename "$h")" ] || return 1
	done
}

if sdk_complete; then
	say "sdk headers ok ($SDK_DIR)"
else
	mkdir -p "$SDK_CACHE/$UPSTREAM"
	# Same file system as the destination, so the final rename is atomic.
	work=$(mktemp -d "$SDK_CACHE/$UPSTREAM/.tmp.XXXXXX")
	TMPDIRS+=("$work")
	mkdir "$work/dl" "$work/include"
	# apt drops privileges to _apt for downloads; let it write here.
	if id _apt >/dev/null 2>&1; then
		chown _apt "$work/dl"
	fi
	apt_source() {
		(cd "$work/dl" && apt-get source --download-only "$SRC_PKG=$DEB_VERSION") >>"$LOG" 2>&1
	}
	if ! apt_source; then
		apt_update
		apt_source || die "apt-get source --download-only $SRC_PKG=$DEB_VERSION failed" \
			"(is that version still in the archive? 'apt-cache showsrc $SRC_PKG' lists" \
			"what is; upgrading libdpdk-dev to one of those fixes this)"
	fi
	orig=$(find "$work/dl" -maxdepth 1 -name "${SRC_PKG}_${deb_upstream}.orig.tar.*" | head -n 1)
	[ -n "$orig" ] || die "no ${SRC_PKG}_${deb_upstream}.orig.tar.* among the downloaded files"
	# The top directory (e.g. dpdk-stable-22.11.11) varies between releases.
	top=$(tar -tf "$orig" 2>>"$LOG" | head -n 1 || true)
	top=${top%%/*}
	[ -n "$top" ] || die "cannot read the top directory of $orig"
	members=()
	for h in "${SDK_HEADERS[@]}"; do
		members+=("$top/$h")
	done
	# One pass over the tarball for all seven files.
	tar --no-same-owner --no-same-permissions -xf "$orig" -C "$work" "${members[@]}" >>"$LOG" 2>&1 ||
		die "cannot extract the SDK headers from $orig"
	for h in "${SDK_HEADERS[@]}"; do
		mv "$work/$top/$h" "$work/include/"
	done
	# Keep no DPDK source around: drop the download and the extracted tree now.
	rm -rf -- "$work/dl" "${work:?}/$top"
	rm -rf -- "$SDK_DIR"
	mv -T "$work/include" "$SDK_DIR"
	rm -rf -- "$work"
	sdk_complete || die "SDK headers incomplete in $SDK_DIR"
	say "sdk headers extracted from $SRC_PKG $DEB_VERSION into $SDK_DIR"
fi

# ---- (d) hugepages ----------------------------------------------------------------
NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
[ -e "$NR" ] || NR=/proc/sys/vm/nr_hugepages
cur=$(cat "$NR")
if [ "$cur" -lt "$HUGEPAGES_MIN" ]; then
	echo "$HUGEPAGES_MIN" >"$NR" 2>>"$LOG" || die "cannot write $NR"
	cur=$(cat "$NR")
	if [ "$cur" -lt "$HUGEPAGES_MIN" ]; then
		# Fragmented memory: compact and try once more.
		echo 1 >/proc/sys/vm/compact_memory 2>/dev/null || true
		echo "$HUGEPAGES_MIN" >"$NR" 2>>"$LOG" || true
		cur=$(cat "$NR")
	fi
	[ "$cur" -ge "$HUGEPAGES_MIN" ] ||
		die "only $cur of $HUGEPAGES_MIN 2 MiB hugepages could be reserved (free memory?)"
	hp_msg="raised to $cur"
else
	hp_msg="$cur"
fi
if findmnt -rn -t hugetlbfs -M "$HUGE_MNT" >/dev/null 2>&1; then
	mnt_msg="mounted"
else
	mkdir -p "$HUGE_MNT"
	mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_MNT" 2>>"$LOG" ||
		die "cannot mount hugetlbfs at $HUGE_MNT"
	mnt_msg="mounted now"
fi
say "hugepages ok (2 MiB pages: $hp_msg; $HUGE_MNT $mnt_msg)"

# ---- (e) DPDK sample applications ------------------------------------------------
# The interrupt tests run Debian's unchanged dpdk-l3fwd-power, built from the
# sources dpdk-doc ships, against the installed libdpdk-dev (pkg-config). The
# copy lives in a cache per DPDK version; the shipped tree is left untouched.
L3FWD_POWER_SRC=/usr/share/dpdk/examples/l3fwd-power
L3FWD_POWER_DIR=$EXAMPLES_CACHE/$UPSTREAM/l3fwd-power
if [ -x "$L3FWD_POWER_DIR/build/l3fwd-power-shared" ]; then
	say "dpdk-l3fwd-power ok ($L3FWD_POWER_DIR/build/l3fwd-power)"
else
	[ -d "$L3FWD_POWER_SRC" ] || die "$L3FWD_POWER_SRC missing (package dpdk-doc)"
	rm -rf -- "$L3FWD_POWER_DIR"
	mkdir -p "$EXAMPLES_CACHE/$UPSTREAM"
	cp -r -- "$L3FWD_POWER_SRC" "$L3FWD_POWER_DIR"
	make -C "$L3FWD_POWER_DIR" -j"$(nproc)" >>"$LOG" 2>&1 ||
		{ rm -rf -- "$L3FWD_POWER_DIR"; die "building dpdk-l3fwd-power failed"; }
	say "dpdk-l3fwd-power built ($L3FWD_POWER_DIR/build/l3fwd-power)"
fi
