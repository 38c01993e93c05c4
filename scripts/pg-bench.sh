#!/usr/bin/env bash
# Ingest and drain of `leadbridge serve` on PostgreSQL next to SQLite, in the same conditions
# (e2e/postgres_bench_test.go; the numbers are in README.md, "Scaling out"). It starts a throwaway
# PostgreSQL cluster like .ci/run (or uses LEADBRIDGE_TEST_POSTGRES) and needs wrk.
#
#   bash scripts/pg-bench.sh
#
# Settings (environment): LEADBRIDGE_BENCH_REPS (3), LEADBRIDGE_BENCH_DURATION of each wrk run
# (15s), LEADBRIDGE_BENCH_LEADS preloaded for each drain (10000), LEADBRIDGE_BENCH_WORKERS: the
# --workers values to drain with ("4 32"); LEADBRIDGE_BENCH_ARGS: more serve flags for the drains
# (e.g. "--db-pool 40").
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
	echo "wrk is needed: apt-get install -y wrk" >&2
	exit 1
fi
# shellcheck source=.ci/postgres.sh
source .ci/postgres.sh
trap pg_cleanup EXIT
PSQL=()
if [ -z "${LEADBRIDGE_TEST_POSTGRES:-}" ]; then
	start_postgres
fi

echo "== $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2 " GiB"}'), go $(go env GOVERSION); before: $(uptime)"
LEADBRIDGE_BENCH=1 go test -count=1 -v -timeout 60m -run '^TestPostgresBench$' ./e2e | grep -v '^=== '
echo "== after: $(uptime)"
