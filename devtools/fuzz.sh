#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# Builds the libFuzzer targets (app/fuzz, clang, ASan+UBSan) in their own build
# directory and runs them for a fixed time.
#
#   devtools/fuzz.sh --smoke [target...]         each target for a few seconds on the
#                                                 seed corpus (the test command's stage)
#   devtools/fuzz.sh --time SECONDS [target...]  a campaign per target
#   devtools/fuzz.sh --list                      the targets
#
# The repository's seed corpus (app/fuzz/corpus/<target>) is never written: a
# campaign copies it into a working corpus outside the repository and grows
# that one from run to run; a smoke run uses a fresh copy each time. Crashes,
# leaks, timeouts and out-of-memory inputs go to the findings directory.
#
# One line per target: executions, exec/s, coverage, corpus, findings. The exit
# status is non-zero when any target found something, did not run, or the build
# failed.
#
# Options:
#   --results FILE  also write "fuzz-<target>=pass|fail" lines (devtools/run-tests.sh)
# Environment:
#   VIRTIO_PMD_FUZZ_CC     the compiler (default clang-14, devtools/setup.sh installs it)
#   VIRTIO_PMD_FUZZ_BUILD  build directory (default <repo>/build-fuzz)
#   VIRTIO_PMD_FUZZ_WORK   working corpus and findings (default /var/tmp/virtio-pmd-fuzz)
#   VIRTIO_PMD_FUZZ_SMOKE  seconds per target of --smoke (default 5)

set -uo pipefail

REPO=$(readlink -f "$(dirname "$(readlink -f "$0")")/..")
BUILD=${VIRTIO_PMD_FUZZ_BUILD:-$REPO/build-fuzz}
WORK=${VIRTIO_PMD_FUZZ_WORK:-/var/tmp/virtio-pmd-fuzz}
SMOKE_TIME=${VIRTIO_PMD_FUZZ_SMOKE:-5}
ALL_TARGETS=(split packed vhost_user devargs cvq)

usage() {
	awk 'NR >= 5 && /^#/ { sub(/^# ?/, ""); print; next } NR >= 5 { exit }' "$0"
	exit 2
}

mode='' seconds='' results=''
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) mode=smoke ;;
	--time) mode=campaign; seconds=${2:-}; shift ;;
	--results) results=${2:-}; shift ;;
	--list) printf '%s\n' "${ALL_TARGETS[@]}"; exit 0 ;;
	-h|--help) usage ;;
	-*) echo "fuzz.sh: unknown option '$1'" >&2; usage ;;
	*) targets+=("$1") ;;
	esac
	shift
done
[ -n "$mode" ] || usage
if [ "$mode" = campaign ] && ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
	echo "fuzz.sh: --time needs a number of seconds, got '$seconds'" >&2
	exit 2
fi
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
	if [[ ! " ${ALL_TARGETS[*]} " == *" $t "* ]]; then
		echo "fuzz.sh: unknown target '$t'; targets: ${ALL_TARGETS[*]}" >&2
		exit 2
	fi
done
[ -z "$results" ] || : >"$results"

result() {
	[ -z "$results" ] || echo "fuzz-$1=$2" >>"$results"
}

# Configure once (clang, -Dfuzz=true, -O1: quick to build, still fast to run), then
# let ninja bring it up to date.
build() {
	if [ ! -f "$BUILD/build.ninja" ]; then
		rm -rf "$BUILD"
		CC=${VIRTIO_PMD_FUZZ_CC:-clang-14} meson setup "$BUILD" "$REPO" -Dfuzz=true \
			-Doptimization=1 >"$WORK/meson-setup.log" 2>&1 || {
			cat "$WORK/meson-setup.log" >&2
			return 1
		}
	fi
	ninja -C "$BUILD" >"$WORK/ninja.log" 2>&1 || {
		tail -40 "$WORK/ninja.log" >&2
		return 1
	}
}

mkdir -p "$WORK" || exit 1
if ! build; then
	echo "fuzz: build of $BUILD failed"
	for t in "${targets[@]}"; do result "$t" fail; done
	exit 1
fi

# The findings libFuzzer writes for one target since `since` (a marker file).
count_findings() {
	find "$WORK/findings/$1" -maxdepth 1 -type f \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
		-newer "$2" 2>/dev/null | wc -l
}

# A target that crashed (abort, no exit handlers) leaves its EAL runtime directory
# and, for vhost_user, its socket directory behind; both are named after its pid.
remove_leftovers() {
	local d pid
	for d in /var/run/dpdk/fuzz_"$1"_* "${XDG_RUNTIME_DIR:-/nonexistent}"/dpdk/fuzz_"$1"_* \
		/tmp/fuzz_"$1".*; do
		[ -e "$d" ] || continue
		pid=${d##*/}
		pid=${pid#fuzz_"$1"[_.]}
		pid=${pid%%.*}
		[[ "$pid" =~ ^[0-9]+$ ]] || continue
		kill -0 "$pid" 2>/dev/null || rm -rf -- "$d"
	done
}

failed=0
for t in "${targets[@]}"; do
	bin=$BUILD/app/fuzz/fuzz_$t
	seeds=$REPO/app/fuzz/corpus/$t
	findings=$WORK/findings/$t
	log=$WORK/logs/$t.log
	mkdir -p "$findings" "$WORK/logs"
	if [ "$mode" = smoke ]; then
		corpus=$(mktemp -d "$WORK/smoke-$t.XXXXXX")
		time=$SMOKE_TIME
	else
		corpus=$WORK/corpus/$t
		time=$seconds
	fi
	mkdir -p "$corpus"
	cp -n "$seeds"/* "$corpus"/ 2>/dev/null
	marker=$(mktemp "$WORK/start.XXXXXX")
	opts=(-max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len=4096
	      -print_final_stats=1 -artifact_prefix="$findings/")
	[ -f "$REPO/app/fuzz/$t.dict" ] && opts+=(-dict="$REPO/app/fuzz/$t.dict")
	# A hung target must not hang the caller: libFuzzer stops itself at max_total_time.
	timeout -k 10 $((time + 60)) "$bin" "${opts[@]}" "$corpus" >"$log" 2>&1
	rc=$?
	remove_leftovers "$t"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ncorp=$(find "$corpus" -type f | wc -l)
	nfind=$(count_findings "$t" "$marker")
	new_findings=$(find "$findings" -maxdepth 1 -type f -newer "$marker" | head -3)
	rm -f "$marker"
	[ "$mode" = smoke ] && rm -rf "$corpus"
	verdict=ok
	if [ "$rc" -ne 0 ] || [ "$nfind" -gt 0 ] || [ -z "$execs" ]; then
		verdict=FAILED
		failed=1
	fi
	printf 'fuzz %-10s %s: %s execs, %s exec/s, cov %s, ft %s, corpus %s, findings %s (exit %s, log %s)\n' \
		"$t" "$verdict" "${execs:-0}" "${rate:-0}" "${cov:-0}" "${ft:-0}" "$ncorp" "$nfind" "$rc" "$log"
	if [ "$verdict" = FAILED ]; then
		grep -m 5 -E 'ERROR:|runtime error|fuzz check failed|SUMMARY' "$log" | sed 's/^/    /'
		[ -z "$new_findings" ] || echo "$new_findings" | sed 's/^/    finding: /'
		result "$t" fail
	else
		result "$t" pass
	fi
done
exit $failed
