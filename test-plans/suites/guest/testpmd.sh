# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
# shellcheck shell=bash
#
# Sourced by the guest scripts of the kernel-VM suites: runs one interactive
# dpdk-testpmd with the driver under test, fed through a fifo, its output
# unbuffered in a log file the host reads afterwards.
#
#   tp_start LOG [--stock] <testpmd args...>
#   tp CMD...                 send one testpmd command
#   tp_wait REGEX SECONDS     wait until the log matches (fails if testpmd died)
#   tp_quit                   quit and wait; returns testpmd's exit status
#   wait_file PATH SECONDS    wait for a file the host creates
#   port_stat PORT FIELD      last value of FIELD (e.g. RX-packets) for PORT

TP_REPO=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../../..")

tp_start() {
	local launch=("$TP_REPO/devtools/dpdk-launch")
	TP_LOG=$1
	shift
	if [ "${1:-}" = --stock ]; then
		launch+=(--stock)
		shift
	fi
	rm -f /tmp/tp.fifo
	mkfifo /tmp/tp.fifo
	stdbuf -o0 -e0 bash "${launch[@]}" dpdk-testpmd "$@" -i </tmp/tp.fifo >"$TP_LOG" 2>&1 &
	TP_PID=$!
	exec 3>/tmp/tp.fifo
}

tp() {
	printf '%s\n' "$*" >&3
}

tp_wait() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -Eq -- "$1" "$TP_LOG" && return 0
		kill -0 "$TP_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "tp_wait: no '$1' in the testpmd log after $2 s" >&2
	tail -n 30 "$TP_LOG" >&2
	return 1
}

tp_quit() {
	local rc
	tp quit
	exec 3>&-
	wait "$TP_PID"
	rc=$?
	echo "testpmd exit status $rc"
	return $rc
}

wait_file() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "wait_file: $1 did not appear within $2 s" >&2
	return 1
}

# The last "show port stats" block of PORT in the log: value of FIELD.
port_stat() {
	awk -v port="$1" -v field="$2:" '
		/NIC statistics for port/ { cur = ($NF == port || $(NF-1) == port) }
		cur { for (i = 1; i < NF; i++) if ($i == field) v = $(i + 1) }
		END { print v + 0 }' "$TP_LOG"
}

# Polls "show port stats" until PORT has received at least N packets.
wait_rx() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		tp "show port stats $1"
		sleep 0.5
		[ "$(port_stat "$1" RX-packets)" -ge "$2" ] && return 0
	done
	echo "wait_rx: port $1 received $(port_stat "$1" RX-packets) of $2 packets in $3 s" >&2
	return 1
}
