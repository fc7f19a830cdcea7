#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# Bind one PCI device to a driver inside a kernel-VM guest (or any Linux box):
#
#   guest-bind.sh BDF vfio-pci|uio_pci_generic|virtio-pci
#
# Loads the driver's module, unbinds the device from its current driver, sets
# driver_override and probes, then checks that the device ended up on the
# driver. vfio-pci without any IOMMU group (a VM without iommu=True) turns on
# vfio's unsafe no-IOMMU mode, which DPDK's vfio support understands.
# Prints "BDF: bound to DRIVER" (plus the group or net device); exits non-zero
# with a message on stderr on any failure.

set -u

die() {
	echo "guest-bind: ERROR: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: $0 BDF vfio-pci|uio_pci_generic|virtio-pci"
bdf=$1
drv=$2
case "$bdf" in
*:*:*.*) ;;
*:*.*) bdf=0000:$bdf ;;
*) die "bad PCI address '$1' (expected 0000:00:06.0 or 00:06.0)" ;;
esac
dev=/sys/bus/pci/devices/$bdf
[ -d "$dev" ] || die "no PCI device $bdf (present: $(ls /sys/bus/pci/devices | tr '\n' ' '))"

case "$drv" in
vfio-pci)
	mod=vfio-pci
	if [ -z "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ]; then
		modprobe vfio enable_unsafe_noiommu_mode=1 ||
			die "modprobe vfio enable_unsafe_noiommu_mode=1 failed"
		if [ -w /sys/module/vfio/parameters/enable_unsafe_noiommu_mode ]; then
			echo 1 >/sys/module/vfio/parameters/enable_unsafe_noiommu_mode
		fi
		echo "guest-bind: no IOMMU: vfio in unsafe no-IOMMU mode" >&2
	fi
	;;
uio_pci_generic) mod=uio_pci_generic ;;
virtio-pci) mod=virtio_pci ;;
*) die "unknown driver '$drv' (vfio-pci, uio_pci_generic or virtio-pci)" ;;
esac

modprobe "$mod" || die "modprobe $mod failed"
[ -d "/sys/bus/pci/drivers/$drv" ] || die "driver $drv not registered after modprobe $mod"

cur=
[ -e "$dev/driver" ] && cur=$(basename "$(readlink -f "$dev/driver")")
if [ "$cur" != "$drv" ]; then
	if [ -n "$cur" ]; then
		echo "$bdf" >"$dev/driver/unbind" || die "cannot unbind $bdf from $cur"
	fi
	echo "$drv" >"$dev/driver_override" || die "cannot set driver_override of $bdf"
	echo "$bdf" >/sys/bus/pci/drivers_probe 2>/dev/null
	if [ ! -e "$dev/driver" ]; then
		echo "$bdf" >"/sys/bus/pci/drivers/$drv/bind" 2>/dev/null
	fi
	now=
	[ -e "$dev/driver" ] && now=$(basename "$(readlink -f "$dev/driver")")
	if [ "$now" != "$drv" ]; then
		msg=$(dmesg | grep -i -e "$bdf" -e "$drv" | tail -n 5)
		die "$bdf is on '${now:-no driver}', not $drv (was '${cur:-none}'); dmesg: $msg"
	fi
fi

extra=
case "$drv" in
vfio-pci)
	grp=$(basename "$(readlink -f "$dev/iommu_group")")
	extra=" (iommu group $grp)"
	;;
virtio-pci)
	net=$(ls -d "$dev"/virtio*/net/* 2>/dev/null | head -n 1)
	[ -n "$net" ] && extra=" (net device $(basename "$net"))"
	;;
esac
echo "$bdf: bound to $drv$extra"
