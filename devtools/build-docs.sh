#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The virtio PMD authors
#
# Build the HTML guides (doc/guides) with Debian's Sphinx. Warnings are errors.
# The output goes to build/doc/html (or $VIRTIO_PMD_BUILD/doc/html); the exit
# status is non-zero when the build fails.

set -euo pipefail

REPO=$(readlink -f "$(dirname "$(readlink -f "$0")")/..")
BUILD=${VIRTIO_PMD_BUILD:-$REPO/build}
SRC=$REPO/doc/guides
OUT=$BUILD/doc/html
DOCTREES=$BUILD/doc/doctrees
PY=/usr/bin/python3

cd "$REPO"

if ! "$PY" -c 'import sphinx' 2>/dev/null; then
	echo "build-docs: error: Sphinx is not installed for $PY;" \
		"run devtools/setup.sh or: apt-get install -y python3-sphinx" >&2
	exit 1
fi
[ -f "$SRC/conf.py" ] || {
	echo "build-docs: error: $SRC/conf.py not found" >&2
	exit 1
}

# -W: warnings are errors; --keep-going: report all of them; -E: read every page
# again, so that a warning is never hidden by a cached environment.
cmd=("$PY" -m sphinx -W --keep-going -E -q -b html -d "$DOCTREES" "$SRC" "$OUT")
echo "build-docs: ${cmd[*]}"
if ! "${cmd[@]}"; then
	echo "build-docs: FAILED (warnings count as errors; see the messages above)" >&2
	exit 1
fi
echo "build-docs: HTML written to $OUT/index.html"
