#!/usr/bin/env bash
# Rebuild the upgrade fixtures of store/testdata: a SQLite file and a PostgreSQL dump written by
# the release at commit 05b2aaa (River behind a relay), with leads delivered, retrying (River jobs
# snoozed for about an hour), queued with an available job, and queued with no job yet (killed
# before the relay ran). store/upgrade_test.go migrates them and delivers what they hold.
#
#   bash scripts/make-upgrade-fixture.sh            # needs git, go, curl, sqlite3, pg_dump
#
# PostgreSQL: LEADBRIDGE_TEST_POSTGRES names a server to create a scratch database in (dropped
# after); without it only the SQLite fixture is rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REV=05b2aaa
W=$(mktemp -d /tmp/leadbridge-fixture.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	git -C "$ROOT" worktree remove --force "$W/src" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

git -C "$ROOT" worktree add --detach "$W/src" "$REV" >/dev/null
(cd "$W/src" && go build -o "$W/leadbridge" . && go build -o "$W/fakepartnero" ./scripts/fakepartnero)

CTL=127.0.0.1:18399 PUB=127.0.0.1:18380 ADM=127.0.0.1:18390
"$W/fakepartnero" -addr "$CTL" -url-file "$W/fake.url" 2>"$W/fake.log" &
PIDS+=($!)
for _ in $(seq 100); do curl -fsS -o /dev/null "http://$CTL/stats" 2>/dev/null && break; sleep 0.1; done

cat >"$W/mappings.yaml" <<EOF
sources:
  fixture:
    provider: generic
    token: fixture-token
    dedupe: id
    lead: {name: name, email: email, partner: {key: ref}}
EOF

post() { # id
	curl -fsS -o /dev/null -X POST "http://$PUB/hooks/fixture" -H 'Content-Type: application/json' \
		-H 'X-Leadbridge-Token: fixture-token' -d "{\"id\":\"$1\",\"name\":\"Lead $1\",\"email\":\"$1@example.com\",\"ref\":\"p1\"}"
}

serve() { # db: run the old release until it answers; its pid in SERVE
	env -i "PATH=$PATH" PARTNERO_API_KEY=test-key "PARTNERO_BASE_URL=$(cat "$W/fake.url")" \
		"$W/leadbridge" serve --db "$1" --mappings "$W/mappings.yaml" --addr "$PUB" --admin-addr "$ADM" \
		--workers 2 --rate 2 --retry-min 1h --retry-max 2h 2>>"$W/serve.log" &
	SERVE=$!
	for _ in $(seq 200); do curl -fsS -o /dev/null "http://$PUB/healthz" 2>/dev/null && return; sleep 0.1; done
	echo "the old release did not start:" >&2
	tail "$W/serve.log" >&2
	exit 1
}

fill() { # db
	serve "$1"
	for i in 1 2 3; do post "delivered-$i"; done
	sleep 2 # delivered at --rate 2
	curl -fsS -X POST "http://$CTL/down?on=true"
	for i in $(seq 1 12); do post "waiting-$i"; done
	sleep 3 # a few are tried (503: retrying, snoozed ~1h); the rest wait with an available job
	kill -TERM "$SERVE"
	wait "$SERVE" || true
	# Stored, then killed before the relay gave them a job.
	serve "$1"
	local posts=()
	for i in 1 2 3; do
		post "nojob-$i" &
		posts+=($!)
	done
	for p in "${posts[@]}"; do wait "$p" || true; done
	kill -KILL "$SERVE"
	wait "$SERVE" 2>/dev/null || true
	curl -fsS -X POST "http://$CTL/down?on=false"
}

mkdir -p "$ROOT/store/testdata"
fill "$W/v05b2aaa.db"
sqlite3 "$W/v05b2aaa.db" 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM;' >/dev/null
cp "$W/v05b2aaa.db" "$ROOT/store/testdata/v05b2aaa.db"
echo "store/testdata/v05b2aaa.db: $(sqlite3 "$ROOT/store/testdata/v05b2aaa.db" "SELECT status || '=' || COUNT(*) FROM lb_leads GROUP BY status" | tr '\n' ' ')"

if [ -n "${LEADBRIDGE_TEST_POSTGRES:-}" ]; then
	name=lbfixture_$$
	psql -q "$LEADBRIDGE_TEST_POSTGRES" -c "CREATE DATABASE $name"
	dsn=$(python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]); print(p._replace(path="/" + sys.argv[2]).geturl())' "$LEADBRIDGE_TEST_POSTGRES" "$name")
	fill "$dsn"
	pg_dump --inserts --no-owner --no-privileges --no-comments "$dsn" | grep -v -e '^SET transaction_timeout' -e '^\\'  >"$ROOT/store/testdata/v05b2aaa-postgres.sql"
	psql -q "$LEADBRIDGE_TEST_POSTGRES" -c "DROP DATABASE $name WITH (FORCE)"
	echo "store/testdata/v05b2aaa-postgres.sql: $(wc -c <"$ROOT/store/testdata/v05b2aaa-postgres.sql") bytes"
fi
