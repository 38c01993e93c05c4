#!/bin/sh
# Builds the static leadbridge binary. The Dockerfile runs this very script,
# and CI (scripts/docker-build-check.sh) too, so the two builds cannot drift.
#
#   VERSION  stamped version (default: git describe, else "dev")
#   COMMIT   stamped commit  (default: git rev-parse --short=12 HEAD, else "unknown")
#   OUT      output path     (default: bin/leadbridge)
#
# CGO_ENABLED=0: a static binary (the SQLite driver is pure Go), so the image
# needs no libc. -trimpath: no build paths in the binary. -buildvcs=false:
# the commit comes from COMMIT, and the Docker context has no .git. -s -w:
# no symbol tables (a smaller image; panics still print stack traces).
set -eu
cd "$(dirname "$0")/.."
if [ -z "${VERSION:-}" ]; then
	VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi
if [ -z "${COMMIT:-}" ]; then
	COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
fi
OUT=${OUT:-bin/leadbridge}
pkg=github.com/leadbridge/leadbridge/cli
CGO_ENABLED=0 exec go build -trimpath -buildvcs=false \
	-ldflags "-s -w -X $pkg.version=$VERSION -X $pkg.commit=$COMMIT" \
	-o "$OUT" .
