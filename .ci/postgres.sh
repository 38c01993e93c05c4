# Sourced by .ci/run and scripts/pg-bench.sh: start_postgres starts a throwaway PostgreSQL
# cluster (trust auth, 127.0.0.1 only, a free port, data and socket in a temp dir) and exports
# LEADBRIDGE_TEST_POSTGRES; pg_cleanup stops and deletes it (the caller traps it on EXIT).
# PostgreSQL refuses to run as root: as root the cluster runs as $PG_USER (default: postgres,
# created as a system user when missing). PG_BIN picks the binaries (default: the directory of
# pg_ctl on the PATH, symlinks resolved, else the newest /usr/lib/postgresql/*/bin). PG_OPTS adds
# server settings (-c name=value ...). application_name makes the URL unique per run, so go test
# never answers from its cache.

pg_tmp=""
pg_ctl_cmd=()
pg_cleanup() {
	if [ -n "$pg_tmp" ]; then
		"${pg_ctl_cmd[@]}" stop -D "$pg_tmp/data" -m immediate -w >/dev/null 2>&1 || true
		rm -rf "$pg_tmp"
	fi
}
start_postgres() {
	local bin="${PG_BIN:-}"
	if [ -z "$bin" ] && command -v pg_ctl >/dev/null; then
		bin=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
	fi
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
		bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	fi
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/createdb" ] || [ ! -x "$bin/psql" ]; then
		echo "PostgreSQL binaries (initdb, pg_ctl) not found: install PostgreSQL, set PG_BIN, or set LEADBRIDGE_TEST_POSTGRES" >&2
		exit 1
	fi
	local as=()
	if [ "$(id -u)" = 0 ]; then
		local user="${PG_USER:-postgres}"
		if ! id "$user" >/dev/null 2>&1; then
			useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
		fi
		# env -C /: the unprivileged user may not enter the current directory.
		as=(runuser -u "$user" -- env -C /)
	fi
	pg_tmp=$(mktemp -d "${TMPDIR:-/tmp}/leadbridge-pg.XXXXXX")
	if [ "${#as[@]}" -gt 0 ]; then chown "${as[2]}" "$pg_tmp"; fi
	pg_ctl_cmd=("${as[@]}" "$bin/pg_ctl")
	"${as[@]}" "$bin/initdb" -D "$pg_tmp/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$pg_tmp/initdb.log" 2>&1 ||
		{ cat "$pg_tmp/initdb.log" >&2; exit 1; }
	local port="" try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		# Something answers there already: another port.
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
		if "${pg_ctl_cmd[@]}" start -D "$pg_tmp/data" -w -t 60 -l "$pg_tmp/postgres.log" \
			-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$pg_tmp' -c max_connections=200 ${PG_OPTS:-}" >/dev/null; then
			break
		fi
		port=""
	done
	if [ -z "$port" ]; then
		echo "could not start PostgreSQL:" >&2
		cat "$pg_tmp/postgres.log" >&2
		exit 1
	fi
	"${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres leadbridge_test
	export LEADBRIDGE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/leadbridge_test?sslmode=disable&application_name=leadbridge_ci_$(date +%s%N)"
	PSQL=("${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d leadbridge_test -X -A -t -q)
	echo "== PostgreSQL $("${PSQL[@]}" -c 'SHOW server_version') started at 127.0.0.1:$port (throwaway, in $pg_tmp)"
}
