#!/usr/bin/env bash
# Checks deploy/ with whatever tools this machine has; each missing tool is
# said and skipped, none is installed here:
#   - systemd units: systemd-analyze verify, with no warning allowed;
#   - Caddyfile: caddy validate, then a real run in front of leadbridge that
#     checks what is proxied and that the access log holds no token;
#   - compose files: docker compose config (or docker-compose config).
# LEADBRIDGE_BIN: a leadbridge binary to use (else one is built).
# scripts/docker-build-check.sh (CI) runs it with the image's binary.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "deploy-check: $*" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# In CI (CI=true, as root) the missing Debian tools are installed first, so
# that CI checks for real what a developer's machine may skip.
if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	need=()
	command -v caddy >/dev/null || need+=(caddy)
	{ docker compose version || command -v docker-compose; } >/dev/null 2>&1 || need+=(docker-compose)
	if [ ${#need[@]} -gt 0 ]; then
		echo "CI: installing ${need[*]} from Debian"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$tmp/apt.log" 2>&1 ||
			{ echo "note: could not install ${need[*]}; their checks are skipped:"; tail -3 "$tmp/apt.log"; }
	fi
fi

bin=${LEADBRIDGE_BIN:-}
if [ -z "$bin" ]; then
	bin="$tmp/leadbridge"
	go build -o "$bin" .
fi

echo "-- systemd units"
if command -v systemd-analyze >/dev/null; then
	# verify wants ExecStart binaries to exist: point them at this build.
	mkdir -p "$tmp/units"
	for u in deploy/*.service deploy/*.timer; do
		sed "s#/usr/local/bin/leadbridge#$bin#g" "$u" >"$tmp/units/$(basename "$u")"
	done
	out=$(systemd-analyze verify "$tmp"/units/* 2>&1) || fail "systemd-analyze verify: $out"
	# Unknown keys and bad values are only warnings for systemd: none allowed.
	[ -z "$out" ] || fail "systemd-analyze verify: $out"
	echo "systemd-analyze verify: clean:" $(cd deploy && ls *.service *.timer)
else
	echo "note: no systemd-analyze here: units not verified"
fi

echo "-- Caddyfile"
if command -v caddy >/dev/null; then
	caddy validate --config deploy/Caddyfile --adapter caddyfile >"$tmp/validate.log" 2>&1 ||
		{ cat "$tmp/validate.log" >&2; fail "caddy validate failed"; }
	echo "caddy validate: ok"
fi
if command -v caddy >/dev/null && command -v curl >/dev/null && command -v python3 >/dev/null; then
	free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
	pub=$(free_port); adm=$(free_port); edge=$(free_port)
	mkdir -p "$tmp/maps" "$tmp/caddy"
	cat >"$tmp/maps/m.yaml" <<'YAML'
sources:
  smoke:
    provider: generic
    token: ${SMOKE_TOKEN}
    lead: {name: name, email: email, partner: {key: ref}}
YAML
	SMOKE_TOKEN=sekrit-token-4711 LEADBRIDGE_MAPPINGS="$tmp/maps" "$bin" serve --addr "127.0.0.1:$pub" \
		--admin-addr "127.0.0.1:$adm" --db "$tmp/lb.db" >"$tmp/serve.log" 2>&1 &
	pids+=($!)
	# The site address as http:// on a loopback port: no certificate needed.
	HOME="$tmp/caddy" XDG_DATA_HOME="$tmp/caddy" XDG_CONFIG_HOME="$tmp/caddy" \
		LEADBRIDGE_DOMAIN="http://127.0.0.1:$edge" LEADBRIDGE_UPSTREAM="127.0.0.1:$pub" \
		LEADBRIDGE_ACCESS_LOG="$tmp/access.log" \
		caddy run --config deploy/Caddyfile --adapter caddyfile >"$tmp/caddy.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 100); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$edge/healthz" 2>/dev/null; then break; fi
		sleep 0.1
	done
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	body='{"name":"Alice Brown","email":"alice@example.com","ref":"ref_123"}'
	[ "$(code "http://127.0.0.1:$edge/healthz")" = 200 ] || { cat "$tmp/caddy.log" "$tmp/serve.log" >&2; fail "GET /healthz through Caddy is not 200"; }
	[ "$(code -X POST -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$edge/hooks/smoke?token=sekrit-token-4711&utm=x")" = 202 ] ||
		fail "POST /hooks/smoke?token= through Caddy is not 202"
	[ "$(code -X POST -H 'Content-Type: application/json' -H 'X-Leadbridge-Token: sekrit-token-4711' -d "${body/alice/bob}" "http://127.0.0.1:$edge/hooks/smoke")" = 202 ] ||
		fail "POST /hooks/smoke with X-Leadbridge-Token through Caddy is not 202"
	for p in /readyz /metrics /admin/events /; do
		[ "$(code "http://127.0.0.1:$edge$p")" = 404 ] || fail "Caddy proxies $p: only /hooks/* and /healthz may pass"
	done
	sleep 0.5 # the log is written after the response
	[ -s "$tmp/access.log" ] || fail "Caddy wrote no access log"
	if grep -q 'sekrit-token-4711' "$tmp/access.log"; then fail "a token reached Caddy's access log"; fi
	grep -q '"uri":"/hooks/smoke"' "$tmp/access.log" || fail "the access log lacks the path without its query"
	if grep -q '"uri":"[^"]*?' "$tmp/access.log"; then fail "a query string reached Caddy's access log"; fi
	echo "caddy run: proxies /hooks/* and /healthz only; access log has paths without query strings and no token"
else
	echo "note: caddy, curl or python3 missing here (apt-get install caddy): Caddyfile not checked"
fi

echo "-- compose files"
compose=()
if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
elif command -v docker-compose >/dev/null; then
	compose=(docker-compose)
fi
if [ ${#compose[@]} -gt 0 ]; then
	# A scratch copy with the files a deployment adds (never printed: it
	# would show the env file's values).
	cp -r deploy "$tmp/deploy"
	cp deploy/leadbridge.env.example "$tmp/deploy/leadbridge.env"
	mkdir -p "$tmp/deploy/mappings"
	(cd "$tmp/deploy" && "${compose[@]}" config -q) || fail "${compose[*]} config: docker-compose.yml is invalid"
	(cd "$tmp/deploy" && POSTGRES_PASSWORD=0123abcd "${compose[@]}" -f docker-compose.yml -f docker-compose.postgres.yml config -q) ||
		fail "${compose[*]} config: docker-compose.postgres.yml is invalid"
	ports=$(cd "$tmp/deploy" && "${compose[@]}" config | grep -E '^\s+- .*:9090' || true)
	grep -q '127.0.0.1:9090:9090' <<<"$ports" || fail "the admin port is not published on 127.0.0.1 only: $ports"
	echo "${compose[*]} config: both files valid; admin published on 127.0.0.1 only"
else
	echo "note: no docker compose here: compose files not checked"
fi
echo "deploy-check: ok"
