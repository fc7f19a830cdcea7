#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# The test command: setup, build, unit tests (meson test), functional tests (pytest),
# kernel-VM tests (pytest -m kernel_vm), docs build, static checks (cppcheck). Every
# stage runs even when an earlier one failed (the test stages need a successful build;
# a failed build counts as one failed test). The last line is
# "N passed, N failed"; the exit status is 0 only when nothing failed.
#
# Extra arguments are passed to pytest (both pytest stages), e.g.:
#   devtools/run-tests.sh -k loopback
#
# Environment:
#   VIRTIO_PMD_UNIT_TIMEOUT    guard for the whole unit stage in seconds (default 300)
#   VIRTIO_PMD_PYTEST_TIMEOUT  guard for the whole functional stage (default 1200)
#   VIRTIO_PMD_VM_TIMEOUT      guard for the whole kernel-VM stage (default 1200)

set -uo pipefail

# shellcheck source=devtools/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
cd "$VIRTIO_PMD_REPO" || exit 1

PY=/usr/bin/python3
BUILD=$VIRTIO_PMD_BUILD
TESTLOG=$BUILD/meson-logs/testlog.json
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

# Never count results left over from an earlier run.
rm -f "$TESTLOG" "$JUNIT" "$JUNIT_VM"

if [ "$build_ok" -eq 1 ]; then
	stage "unit tests"
	timeout -k 30 "${VIRTIO_PMD_UNIT_TIMEOUT:-300}" \
		meson test -C "$BUILD" --print-errorlogs
	rc=$?
	[ "$rc" -eq 124 ] && echo "unit tests: stage timed out"
	summary_args+=(--meson-log "$TESTLOG" --meson-rc "$rc")
	stage_done "unit tests" "exit $rc"

	stage "functional tests"
	if [ -d test-plans/suites ]; then
		timeout -k 30 "${VIRTIO_PMD_PYTEST_TIMEOUT:-1200}" \
			"$PY" -m pytest test-plans/suites -v -m "not kernel_vm" --junitxml="$JUNIT" \
			-o cache_dir="$BUILD/.pytest_cache" "$@"
		rc=$?
		[ "$rc" -eq 124 ] && echo "functional tests: stage timed out"
		summary_args+=(--junit "$JUNIT" --pytest-rc "$rc")
		stage_done "functional tests" "exit $rc"
	else
		stage_done "functional tests" "none yet (no test-plans/suites)"
	fi

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
	echo "unit, functional and kernel-VM tests: not run (the build failed)"
fi

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
