#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# The test command: setup, build (release, and a second build with AddressSanitizer
# and UndefinedBehaviorSanitizer), unit tests (meson test) in both builds, functional
# tests (pytest) against the sanitizer build, kernel-VM tests (pytest -m kernel_vm)
# with the release build, fuzz smoke (devtools/fuzz.sh --smoke), docs build, static
# checks (cppcheck). Every stage runs even
# when an earlier one failed (the test stages need a successful build; a failed build
# counts as one failed test). The last line is "N passed, N failed"; the exit status
# is 0 only when nothing failed.
#
# Why the functional tests run against the sanitizer build: it is the release
# build's code at the same optimization level plus the checks, so every functional
# test also proves the driver free of memory errors and undefined behaviour (a report
# fails the test). Running the suite a second time on the release build would push
# the command past 30 minutes on a 2-core machine; the release build runs the unit
# tests, the kernel-VM tests and the main job. VIRTIO_PMD_FUNCTIONAL_BUILD=release
# runs the functional tests against the release build instead.
#
# Extra arguments are passed to pytest (both pytest stages), e.g.:
#   devtools/run-tests.sh -k loopback
#
# Environment:
#   VIRTIO_PMD_UNIT_TIMEOUT    guard for the whole unit stage in seconds (default 300)
#   VIRTIO_PMD_PYTEST_TIMEOUT  guard for the whole functional stage (default 1200)
#   VIRTIO_PMD_VM_TIMEOUT      guard for the whole kernel-VM stage (default 1200)
#   VIRTIO_PMD_FUNCTIONAL_BUILD  sanitizers (default) or release: the driver the
#                              functional tests load
#   VIRTIO_PMD_FUZZ_TIMEOUT    guard for the whole fuzz smoke stage, build included (default 300)

set -uo pipefail

# shellcheck source=devtools/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
cd "$VIRTIO_PMD_REPO" || exit 1

PY=/usr/bin/python3
BUILD=$VIRTIO_PMD_BUILD
SAN_BUILD=$VIRTIO_PMD_SAN_BUILD
TESTLOG=$BUILD/meson-logs/testlog.json
SAN_TESTLOG=$SAN_BUILD/meson-logs/testlog.json
DRIVER_SO=drivers/net/virtio/librte_net_virtio.so.23.0
JUNIT=$BUILD/pytest-junit.xml
JUNIT_VM=$BUILD/pytest-vm-junit.xml
summary_args=()
t_start=$SECONDS

stage() {
	echo
	echo "==== $* ===="
	t_stage=$SECONDS
}
stage_done() {
	echo "---- $1: $2 ($((SECONDS - t_stage)) s)"
}

stage setup
if run_setup; then
	stage_done setup ok
else
	stage_done setup FAILED
	summary_args+=(--result setup=fail)
fi

stage build
if ensure_build; then
	build_ok=1
	stage_done build ok
else
	build_ok=0
	stage_done build FAILED
	summary_args+=(--result build=fail)
fi

stage "sanitizer build"
if ensure_build "$SAN_BUILD" "${VIRTIO_PMD_SAN_OPTIONS[@]}"; then
	san_ok=1
	stage_done "sanitizer build" ok
else
	san_ok=0
	stage_done "sanitizer build" FAILED
	summary_args+=(--result build-sanitizers=fail)
fi

case ${VIRTIO_PMD_FUNCTIONAL_BUILD:-sanitizers} in
release) functional_so=$BUILD/$DRIVER_SO functional_ok=$build_ok ;;
sanitizers) functional_so=$SAN_BUILD/$DRIVER_SO functional_ok=$san_ok ;;
*)
	echo "VIRTIO_PMD_FUNCTIONAL_BUILD='$VIRTIO_PMD_FUNCTIONAL_BUILD': use sanitizers or release" >&2
	exit 2
	;;
esac

# Never count results left over from an earlier run.
rm -f "$TESTLOG" "$SAN_TESTLOG" "$JUNIT" "$JUNIT_VM"

# unit_stage TITLE LABEL BUILD_DIR: meson test in BUILD_DIR, summarized as LABEL.
unit_stage() {
	local title=$1 label=$2 dir=$3 rc
	stage "$title"
	timeout -k 30 "${VIRTIO_PMD_UNIT_TIMEOUT:-300}" meson test -C "$dir" --print-errorlogs
	rc=$?
	[ "$rc" -eq 124 ] && echo "$title: stage timed out"
	summary_args+=(--meson-log "$label=$dir/meson-logs/testlog.json" --meson-rc "$label=$rc")
	stage_done "$title" "exit $rc"
}

[ "$build_ok" -eq 1 ] && unit_stage "unit tests" unit "$BUILD"
[ "$san_ok" -eq 1 ] && unit_stage "unit tests (sanitizers)" unit-sanitizers "$SAN_BUILD"

if [ "$functional_ok" -eq 1 ]; then
	stage "functional tests ($functional_so)"
	if [ -d test-plans/suites ]; then
		VIRTIO_PMD_SO=$functional_so timeout -k 30 "${VIRTIO_PMD_PYTEST_TIMEOUT:-1200}" \
			"$PY" -m pytest test-plans/suites -v -m "not kernel_vm" --junitxml="$JUNIT" \
			-o cache_dir="$BUILD/.pytest_cache" "$@"
		rc=$?
		[ "$rc" -eq 124 ] && echo "functional tests: stage timed out"
		summary_args+=(--junit "$JUNIT" --pytest-rc "$rc")
		stage_done "functional tests" "exit $rc"
	else
		stage_done "functional tests" "none yet (no test-plans/suites)"
	fi
else
	echo
	echo "functional tests: not run (their build failed)"
fi

if [ "$build_ok" -eq 1 ]; then
	# The kernel-VM tests boot the host kernel under QEMU/TCG (devtools/kernel_vm.py).
	stage "kernel-VM tests"
	if [ -d test-plans/suites ]; then
		timeout -k 30 "${VIRTIO_PMD_VM_TIMEOUT:-1200}" \
			"$PY" -m pytest test-plans/suites -v -m kernel_vm --junitxml="$JUNIT_VM" \
			-o cache_dir="$BUILD/.pytest_cache" "$@"
		rc=$?
		[ "$rc" -eq 124 ] && echo "kernel-VM tests: stage timed out"
		summary_args+=(--junit "vm=$JUNIT_VM" --pytest-rc "vm=$rc")
		stage_done "kernel-VM tests" "exit $rc"
	else
		stage_done "kernel-VM tests" "none yet (no test-plans/suites)"
	fi
else
	echo
	echo "kernel-VM tests: not run (the build failed)"
fi

# libFuzzer targets, a few seconds each on the seed corpus (devtools/fuzz.sh); its own
# clang build directory, so it runs whether or not the gcc build succeeded.
stage "fuzz smoke"
fuzz_results=$(mktemp /tmp/virtio-pmd-fuzz-results.XXXXXX)
timeout -k 30 "${VIRTIO_PMD_FUZZ_TIMEOUT:-300}" bash devtools/fuzz.sh --smoke --results "$fuzz_results"
rc=$?
[ "$rc" -eq 124 ] && echo "fuzz smoke: stage timed out"
fuzz_failed=0
while read -r line; do
	summary_args+=(--result "$line")
	[[ "$line" == *=fail ]] && fuzz_failed=1
done <"$fuzz_results"
rm -f "$fuzz_results"
# A failure that left no failed target behind (a timeout, a crash of the script) still counts.
if [ "$rc" -ne 0 ] && [ "$fuzz_failed" -eq 0 ]; then
	summary_args+=(--result fuzz=fail)
fi
stage_done "fuzz smoke" "exit $rc"

stage docs
if [ -f devtools/build-docs.sh ]; then
	if bash devtools/build-docs.sh; then
		summary_args+=(--result docs=pass)
		stage_done docs ok
	else
		summary_args+=(--result docs=fail)
		stage_done docs FAILED
	fi
else
	stage_done docs "none yet (no devtools/build-docs.sh)"
fi

stage style
if bash devtools/check-style.sh; then
	summary_args+=(--result style=pass)
	stage_done style ok
else
	summary_args+=(--result style=fail)
	stage_done style FAILED
fi

echo
echo "total time: $((SECONDS - t_start)) s"
exec "$PY" devtools/summarize_results.py "${summary_args[@]}"
