#!/usr/bin/env bash
# CI step for the Docker image, without a Docker engine (none runs on the
# CI machines): build the binary exactly as the Dockerfile does (it runs
# scripts/build.sh too), check that it is static and stamped, start it as
# the image would (same environment, non-root uid, healthcheck), lint the
# Dockerfile, then check deploy/ (scripts/deploy-check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "docker-build-check: $*" >&2; exit 1; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "-- the Dockerfile builds with scripts/build.sh"
grep -Eq '^RUN .*sh scripts/build\.sh' Dockerfile || fail "the Dockerfile no longer builds with scripts/build.sh: the CI build would not be the image's"
want_go=$(sed -n 's/^ARG GO_VERSION=//p' Dockerfile)
have_go=$(go env GOVERSION)
if [ "go$want_go" != "$have_go" ]; then
	echo "note: the Dockerfile builds with Go $want_go, this machine has $have_go: same flags, another toolchain"
fi

echo "-- build (CGO_ENABLED=0, -trimpath, stamped)"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
VERSION=ci-check COMMIT="$commit" OUT="$tmp/leadbridge" sh scripts/build.sh
bin="$tmp/leadbridge"

echo "-- static"
info=$(go version -m "$bin")
grep -q 'build	CGO_ENABLED=0' <<<"$info" || fail "not built with CGO_ENABLED=0"
grep -q 'build	-trimpath=true' <<<"$info" || fail "not built with -trimpath"
if command -v file >/dev/null; then
	desc=$(file -b "$bin")
	echo "file: $desc"
	grep -q 'statically linked' <<<"$desc" || fail "file does not say statically linked"
fi
if command -v ldd >/dev/null; then
	# ldd exits 1 on a static binary; its message is what counts.
	out=$(ldd "$bin" 2>&1 || true)
	echo "ldd: $out"
	grep -Eq 'not a dynamic executable|statically linked' <<<"$out" || fail "ldd lists shared libraries: $out"
fi

echo "-- stamped"
got=$("$bin" version)
echo "$got"
[ "$got" = "leadbridge ci-check (commit $commit, $have_go)" ] || fail "version/commit not stamped by -ldflags -X: $got"

echo "-- runs as the image runs it (its ENV, a non-root uid, the HEALTHCHECK command)"
port_of() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo "$1"; }
pub=$(port_of 18080); adm=$(port_of 19090)
mkdir -p "$tmp/data" "$tmp/mappings"
cat >"$tmp/mappings/smoke.yaml" <<'YAML'
sources:
  smoke:
    provider: generic
    token: ${SMOKE_TOKEN}
    lead: {name: name, email: email, partner: {key: ref}}
YAML
run_as=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chown -R 65532:65532 "$tmp/data"
	chmod 755 "$tmp" "$bin"
	chmod -R a+rX "$tmp/mappings"
	run_as=(setpriv --reuid=65532 --regid=65532 --clear-groups)
fi
export LEADBRIDGE_ADDR=":$pub" LEADBRIDGE_ADMIN_ADDR="0.0.0.0:$adm" LEADBRIDGE_DB="$tmp/data/leadbridge.db" \
	LEADBRIDGE_MAPPINGS="$tmp/mappings" SMOKE_TOKEN=smoke-token
"${run_as[@]}" "$bin" serve >"$tmp/serve.log" 2>&1 &
server_pid=$!
healthy=
for _ in $(seq 1 100); do
	if "$bin" healthcheck --timeout 1s >/dev/null 2>&1; then healthy=1; break; fi
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$healthy" ] || { cat "$tmp/serve.log" >&2; fail "the server never answered leadbridge healthcheck"; }
"$bin" healthcheck
[ -s "$tmp/data/leadbridge.db" ] || fail "no store in the data directory"
if [ ${#run_as[@]} -gt 0 ]; then
	owner=$(stat -c %u "$tmp/data/leadbridge.db")
	[ "$owner" = 65532 ] || fail "the store belongs to uid $owner, not the image's 65532"
fi
kill -TERM "$server_pid"
wait "$server_pid" || fail "serve did not exit 0 on SIGTERM: $(tail -5 "$tmp/serve.log")"
server_pid=
if "$bin" healthcheck --timeout 1s >/dev/null 2>&1; then fail "healthcheck passes with the server stopped"; fi

echo "-- Dockerfile rules that matter here"
# Instructions only: comments may mention what the rules forbid.
instructions=$(sed -e 's/^[[:space:]]*#.*$//' Dockerfile)
rule() { grep -Eq "$2" <<<"$instructions" || fail "Dockerfile: $1"; }
norule() { if grep -Eq "$2" <<<"$instructions"; then fail "Dockerfile: $1"; fi; }
rule "the final image must run as a non-root user" '^USER 65532(:65532)?$'
rule "HEALTHCHECK must run leadbridge healthcheck in exec form" 'CMD \["/usr/local/bin/leadbridge", "healthcheck"\]'
rule "the public port is 8080" '^EXPOSE 8080$'
norule "do not EXPOSE the admin port: docker run -P would publish it on every interface" '^EXPOSE .*9090'
rule "the admin listener must bind 0.0.0.0:9090 inside the container" 'LEADBRIDGE_ADMIN_ADDR=0\.0\.0\.0:9090'
rule "the store lives on the /data volume" 'LEADBRIDGE_DB=/data/'
rule "/data is a volume" '^VOLUME \["/data"\]'
rule "mappings are read from /etc/leadbridge/mappings" 'LEADBRIDGE_MAPPINGS=/etc/leadbridge/mappings'
norule "no curl or wget in the image: the health check is the binary's" '(curl|wget)'
norule "the build needs nothing beyond the Go module proxy" '(apt-get|apk add|^ADD https?:)'
norule "pin base images" '^FROM [^ ]+:latest'

echo "-- lint"
lint_dir="${XDG_CACHE_HOME:-$HOME/.cache}/leadbridge-ci/dockerfile-utils-0.16.3"
lint="$lint_dir/node_modules/.bin/dockerfile-utils"
if [ ! -x "$lint" ] && command -v npm >/dev/null; then
	npm install --silent --no-save --no-audit --no-fund --prefix "$lint_dir" dockerfile-utils@0.16.3 >/dev/null 2>&1 || true
fi
if [ -x "$lint" ]; then
	"$lint" lint Dockerfile || fail "dockerfile-utils lint found problems"
	echo "dockerfile-utils lint: clean"
else
	echo "note: dockerfile-utils (npm) could not be installed: only the rules above were checked"
fi
echo "-- deploy/ files, with the same binary"
LEADBRIDGE_BIN="$bin" bash scripts/deploy-check.sh
echo "docker-build-check: ok"
