#!/usr/bin/env bash
# Load benchmark (issue 4): durable webhooks per second through
# `leadbridge serve`, against a no-op Gin server under the same wrk settings.
#
#   scripts/load.sh [--db postgres://...|FILE.db] [--reps N] [--duration 10s] [--modes "noop dry live livemax"]
#
# Modes, each run REPS times on a fresh server (and, on SQLite, a fresh file):
#   noop  scripts/noop: Gin in release mode answering 202, stores nothing (the ceiling)
#   dry   leadbridge without PARTNERO_API_KEY: verify, decode, map, store, answer (dry_run leads)
#   live  leadbridge with a key, delivering to scripts/fakepartnero (zero latency) with the
#         product's defaults (--workers 4 --rate 5), as a production server would
#   livemax  the same with --workers $MAX_WORKERS --rate $MAX_RATE (50, 10000): deliveries as
#         fast as they go, competing with intake for the store (the worst case for intake)
#
# Every request is a ~1.5 KB JSON webhook with a unique id (scripts/load.lua),
# wrk -t$THREADS -c$CONNS -d$DURATION against POST /hooks/<source> of a generic
# token source. After each leadbridge run the script checks that the events
# stored for that run (counted through the store package, scripts/lbcount)
# equal the 202s the server answered (leadbridge_webhooks_total, /metrics), and
# that wrk saw no more 2xx than were stored; it exits 1 if not.
#
# It installs nothing: it needs go, wrk and curl on PATH (apt-get install -y wrk).
# --db (or LOAD_DB) selects the store: empty = a fresh SQLite file per run; a
# postgres:// URL or an existing SQLite file is used as is, each run under its
# own source name. To measure intake on a store that holds 1,000,000 events:
#   go run ./scripts/lbfill -db /tmp/big.db -n 1000000 && scripts/load.sh --db /tmp/big.db
# Environment: REPS, DURATION, CONNS, THREADS, MODES, MAX_WORKERS, MAX_RATE,
# LOG_LEVEL (leadbridge's, default info as in production), PORT_BASE, KEEP=1
# (keep the work directory with logs and databases).
set -euo pipefail

REPS=${REPS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
MODES=${MODES:-noop dry live livemax}
MAX_WORKERS=${MAX_WORKERS:-50}
MAX_RATE=${MAX_RATE:-10000}
LOG_LEVEL=${LOG_LEVEL:-info}
PORT_BASE=${PORT_BASE:-18080}
DB=${LOAD_DB:-}

while [ $# -gt 0 ]; do
	case "$1" in
	--db) DB=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--modes) MODES=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "load.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

for tool in go wrk curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "load.sh: $tool is not installed${tool/wrk/ (Debian: apt-get install -y wrk)}" >&2
		exit 2
	fi
done
case "$DB" in "" | postgres://* | postgresql://*) ;; *) if [ ! -f "$DB" ]; then echo "load.sh: --db takes a postgres:// URL or an existing SQLite file (default: a fresh SQLite file per run)" >&2; exit 2; fi ;; esac

cd "$(dirname "$0")/.."
W=$(mktemp -d /tmp/leadbridge-load.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

PUB=$((PORT_BASE)) ADM=$((PORT_BASE + 10)) NOOP=$((PORT_BASE + 1)) FAKECTL=$((PORT_BASE + 19))
for p in $PUB $ADM $NOOP $FAKECTL; do
	if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "load.sh: port $p is in use (set PORT_BASE)" >&2; exit 2; fi
done

echo "== build ($(go version | cut -d' ' -f3), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
go build -o "$W/leadbridge" .
go build -o "$W/noop" ./scripts/noop
go build -o "$W/fakepartnero" ./scripts/fakepartnero
go build -o "$W/lbcount" ./scripts/lbcount

TOKEN=load-token
STAMP=$(date +%s)
RESULTS=$W/results.txt
: >"$RESULTS"
FAILED=0

wait_http() { # url: wait up to 20 s for a 200
	for _ in $(seq 200); do
		if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "load.sh: $1 did not answer" >&2
	return 1
}

stop_pid() { # pid: SIGTERM and wait
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

cpu_seconds() { # pid: user+system CPU seconds so far
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

metric() { # name, label filter regex: sum of the matching samples on /metrics
	curl -fsS "http://127.0.0.1:$ADM/metrics" | awk -v n="$1" -v f="$2" '$1 ~ "^"n"[{]" && $1 ~ f { s += $2 } END { printf "%d", s }'
}

run_wrk() { # url prefix: run wrk and print its RESULT line's fields
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s -s scripts/load.lua "$1" -- "$2" "$TOKEN" >"$W/wrk.out" 2>&1 || true
	if ! grep -q '^RESULT ' "$W/wrk.out"; then cat "$W/wrk.out" >&2; echo "load.sh: wrk failed" >&2; exit 1; fi
	grep '^RESULT ' "$W/wrk.out" | sed 's/^RESULT //'
}

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

FAKE_URL=""
start_fake() {
	"$W/fakepartnero" -addr "127.0.0.1:$FAKECTL" -url-file "$W/fake.url" 2>"$W/fake.log" &
	PIDS+=($!)
	wait_http "http://127.0.0.1:$FAKECTL/stats"
	FAKE_URL=$(cat "$W/fake.url")
}

run_noop() { # rep
	"$W/noop" -addr "127.0.0.1:$NOOP" 2>"$W/noop.log" &
	local pid=$!
	PIDS+=($pid)
	wait_http "http://127.0.0.1:$NOOP/healthz"
	local c0 r c1
	c0=$(cpu_seconds $pid)
	r=$(run_wrk "http://127.0.0.1:$NOOP/hooks/load" "noop$1")
	c1=$(cpu_seconds $pid)
	stop_pid $pid
	echo "mode=noop rep=$1 $r cpu_us=$(awk -v a="$c0" -v b="$c1" -v n="$(field "$r" requests)" 'BEGIN { printf "%.0f", (b - a) * 1e6 / (n ? n : 1) }') check=-" >>"$RESULTS"
	tail -1 "$RESULTS"
}

run_leadbridge() { # mode rep
	local mode=$1 rep=$2 src="load_${STAMP}_${2}_$1" db env
	if [ -z "$DB" ]; then db="$W/$src.db"; else db=$DB; fi
	# A shared store keeps the earlier runs' sources too: their leads are
	# delivered at --rate as in production, not retried as "no_source".
	if [ -z "$DB" ]; then : >"$W/sources.part"; fi
	cat >>"$W/sources.part" <<-EOF
		  $src:
		    provider: generic
		    token: $TOKEN
		    dedupe: id
		    lead:
		      name: name
		      email: email
		      partner:
		        key: ref
	EOF
	{ echo "sources:"; cat "$W/sources.part"; } >"$W/$src.yaml"
	env=(env -i "PATH=$PATH" "HOME=$HOME")
	local args=(serve --db "$db" --mappings "$W/$src.yaml" --addr "127.0.0.1:$PUB" --admin-addr "127.0.0.1:$ADM" --log-level "$LOG_LEVEL")
	if [ "$mode" != dry ]; then
		curl -fsS -X POST "http://127.0.0.1:$FAKECTL/reset"
		env+=("PARTNERO_API_KEY=test-key" "PARTNERO_BASE_URL=$FAKE_URL")
	fi
	if [ "$mode" = livemax ]; then args+=(--workers "$MAX_WORKERS" --rate "$MAX_RATE"); fi
	"${env[@]}" "$W/leadbridge" "${args[@]}" 2>"$W/$src.log" &
	local pid=$!
	PIDS+=($pid)
	wait_http "http://127.0.0.1:$PUB/healthz"
	local c0 r c1 accepted delivered=- stored ok check
	c0=$(cpu_seconds $pid)
	r=$(run_wrk "http://127.0.0.1:$PUB/hooks/$src" "r$rep-$mode")
	c1=$(cpu_seconds $pid)
	sleep 0.5 # let requests cut by wrk's stop finish: they are stored and counted too
	accepted=$(metric leadbridge_webhooks_total 'outcome="accepted"')
	if [ "$mode" != dry ]; then delivered=$(metric leadbridge_deliveries_total 'outcome="delivered"'); fi
	stop_pid $pid
	stored=$("$W/lbcount" -db "$db" -source "$src")
	ok=$(field "$r" ok)
	local n=${stored#events=}
	n=${n%% *}
	check=ok
	if [ "$n" != "$accepted" ] || [ "$ok" -gt "$n" ] || [ "$n" -gt $((ok + CONNS)) ] || [ "$(field "$r" non2xx)" != 0 ]; then
		check=MISMATCH
		FAILED=1
	fi
	echo "mode=$mode rep=$rep $r cpu_us=$(awk -v a="$c0" -v b="$c1" -v n="$(field "$r" requests)" 'BEGIN { printf "%.0f", (b - a) * 1e6 / (n ? n : 1) }') check=$check accepted_metric=$accepted stored_$stored delivered_during_run=$delivered" >>"$RESULTS"
	tail -1 "$RESULTS"
	if [ -z "$DB" ] && [ "${KEEP:-}" != 1 ]; then rm -f "$db" "$db-wal" "$db-shm"; fi
}

echo "== machine: $(nproc) CPUs; $(uptime | sed 's/^ *//')"
echo "== wrk -t$THREADS -c$CONNS -d$DURATION, ~1.5 KB unique JSON bodies; store: ${DB:-fresh SQLite file per run}; log level $LOG_LEVEL; livemax: --workers $MAX_WORKERS --rate $MAX_RATE"
if [[ " $MODES " == *" live"* ]]; then start_fake; fi
for rep in $(seq "$REPS"); do
	for mode in $MODES; do
		case $mode in
		noop) run_noop "$rep" ;;
		dry | live | livemax) run_leadbridge "$mode" "$rep" ;;
		*) echo "load.sh: unknown mode $mode" >&2; exit 2 ;;
		esac
	done
done
echo "== machine after: $(uptime | sed 's/^ *//')"

echo
echo "== summary (median of $REPS; every rep in brackets)"
printf '%-8s %8s %8s %8s %10s  %s\n' mode "req/s" "p50 ms" "p99 ms" "CPU µs/req" "req/s per rep"
for mode in $MODES; do
	awk -v m="$mode" '
		function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
		f["mode"] == m { n++; rps[n] = f["rps"]; p50[n] = f["p50_ms"]; p99[n] = f["p99_ms"]; cpu[n] = f["cpu_us"]; all = all (all ? " / " : "") f["rps"] }
		END { if (n) printf "%-8s %8.0f %8.2f %8.2f %10.0f  [%s]\n", m, med(rps, n), med(p50, n), med(p99, n), med(cpu, n), all }
	' "$RESULTS"
done | tee "$W/summary.txt"
noop=$(awk '$1 == "noop" { print $2 }' "$W/summary.txt")
for mode in dry live livemax; do
	v=$(awk -v m=$mode '$1 == m { print $2 }' "$W/summary.txt")
	if [ -n "$noop" ] && [ -n "$v" ]; then
		awk -v m=$mode -v a="$v" -v b="$noop" 'BEGIN { printf "ratio %s / noop: %.2f (%.0f%% of the no-op server)\n", m, a / b, 100 * a / b }'
	fi
done
if [ "$FAILED" = 1 ]; then
	echo "load.sh: stored events and 2xx answers do not match in some run (check=MISMATCH above)" >&2
	exit 1
fi
echo "stored events = 202s answered by the server, in every leadbridge run"
