package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHealthzURL(t *testing.T) {
	t.Parallel()
	for listen, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9090":   "http://127.0.0.1:9090/healthz",
		"[::]:9090":      "http://[::1]:9090/healthz",
		"127.0.0.1:9090": "http://127.0.0.1:9090/healthz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/healthz",
		"localhost:80":   "http://localhost:80/healthz",
		"[::1]:9090":     "http://[::1]:9090/healthz",
	} {
		got, err := healthzURL(listen)
		require.NoError(t, err, listen)
		require.Equal(t, want, got, listen)
	}
	for _, bad := range []string{"8080", "", "host:", ":0", "a:b:c"} {
		_, err := healthzURL(bad)
		require.Error(t, err, bad)
	}
}

// TestHealthcheckFlagsMatchServe: healthcheck must find the server where
// serve listens, so --addr and --admin-addr share names, variables and
// defaults with serve's.
func TestHealthcheckFlagsMatchServe(t *testing.T) {
	t.Parallel()
	o := IO{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
	serve := newFlagSet("serve", "serve", o)
	var sf serveFlags
	sf.register(serve)
	hc, _ := newHealthcheckFlags(o)
	for _, name := range []string{"addr", "admin-addr"} {
		require.NotNil(t, hc.Lookup(name), name)
		require.Equal(t, serve.Lookup(name).DefValue, hc.Lookup(name).DefValue, name)
		require.Equal(t, serve.envs[name], hc.envs[name], name)
	}
}

// listenerAddr serves h on a loopback port and returns its address.
func listenerAddr(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return strings.TrimPrefix(ts.URL, "http://")
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var paths []string
	ok := listenerAddr(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	_, okPort, _ := net.SplitHostPort(ok)
	failing := listenerAddr(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	slow := listenerAddr(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	redirect := listenerAddr(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) })
	closed := closedAddr(t)

	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		out  string
		err  string // substring of stderr
	}{
		{name: "admin listener from the flag", args: []string{"--admin-addr", ok, "--addr", closed}, code: 0, out: "ok: http://" + ok + "/healthz\n"},
		{name: "admin listener from the environment", env: map[string]string{"LEADBRIDGE_ADMIN_ADDR": ok, "LEADBRIDGE_ADDR": closed}, code: 0},
		{name: "wildcard admin address asked on the loopback", env: map[string]string{"LEADBRIDGE_ADMIN_ADDR": "0.0.0.0:" + okPort}, code: 0,
			out: "ok: http://127.0.0.1:" + okPort + "/healthz\n"},
		{name: "admin off: the public listener", args: []string{"--admin-addr=", "--addr", ":" + okPort}, code: 0,
			out: "ok: http://127.0.0.1:" + okPort + "/healthz\n"},
		{name: "admin preferred even when the public one answers", args: []string{"--admin-addr", closed, "--addr", ok}, code: 1,
			err: "unhealthy: admin listener http://" + closed + "/healthz: dial tcp " + closed + ": connect: connection refused\n"},
		{name: "nothing listens", args: []string{"--admin-addr=", "--addr", closed}, code: 1, err: "unhealthy: public listener http://" + closed + "/healthz: dial tcp"},
		{name: "not 200", args: []string{"--admin-addr", failing}, code: 1, err: "/healthz: answered 503 Service Unavailable\n"},
		{name: "a redirect is not health", args: []string{"--admin-addr", redirect}, code: 1, err: "answered 302 Found\n"},
		{name: "too slow", args: []string{"--admin-addr", slow, "--timeout", "150ms"}, code: 1, err: "/healthz: no answer within 150ms\n"},
		{name: "bad address", args: []string{"--admin-addr", "9090"}, code: 2, err: `--admin-addr: expected host:port or :port, got "9090"`},
		{name: "bad public address", args: []string{"--admin-addr=", "--addr", "nope"}, code: 2, err: `--addr: expected host:port`},
		{name: "bad timeout", args: []string{"--timeout", "soon"}, code: 2, err: `--timeout: expected a positive Go duration`},
		{name: "stray argument", args: []string{"now"}, code: 2, err: `unexpected argument "now"`},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				env := tt.env
				if env == nil {
					env = map[string]string{}
				}
				start := time.Now()
				r := run(t, env, "", append([]string{"healthcheck"}, tt.args...)...)
				require.Less(t, time.Since(start), 3*time.Second)
				require.Equal(t, tt.code, r.code, r.err)
				if tt.out != "" {
					require.Equal(t, tt.out, r.out)
				}
				if tt.code != 0 {
					require.Empty(t, r.out)
				}
				require.Contains(t, r.err, tt.err)
				if tt.code == 1 {
					require.Equal(t, 1, strings.Count(r.err, "\n"), "one line: %q", r.err)
				}
			})
		}
	})
	// Every probe was a plain GET /healthz.
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, paths, "GET /healthz")
	for _, p := range paths {
		require.Equal(t, "GET /healthz", p)
	}
}

// TestHealthcheckAgainstServe runs the real server as the Docker image
// does (admin listener on 0.0.0.0) and asks it with the same environment.
func TestHealthcheckAgainstServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	require.NoError(t, writeFile(m, "sources:\n  s:\n    provider: generic\n    token: t\n    lead: {name: n, email: e, partner: {key: k}}\n"))
	_, adminPort, _ := net.SplitHostPort(closedAddr(t))
	env := map[string]string{
		"LEADBRIDGE_ADDR":       closedAddr(t),
		"LEADBRIDGE_ADMIN_ADDR": "0.0.0.0:" + adminPort,
		"LEADBRIDGE_DB":         filepath.Join(dir, "lb.db"),
		"LEADBRIDGE_MAPPINGS":   m,
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	// Nothing runs yet.
	require.Equal(t, 1, run(t, env, "", "healthcheck", "--timeout", "500ms").code)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var serveErr bytes.Buffer
	go func() {
		done <- Run(ctx, []string{"serve", "--log-level", "error"}, IO{Out: &bytes.Buffer{}, Err: &serveErr, LookupEnv: lookup})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := run(t, env, "", "healthcheck", "--timeout", "500ms")
		if r.code == 0 {
			require.Equal(t, "ok: http://127.0.0.1:"+adminPort+"/healthz\n", r.out)
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, serveErr.String())
		default:
		}
		require.True(t, time.Now().Before(deadline), "server never became healthy: %s", r.err)
		time.Sleep(50 * time.Millisecond)
	}
	// The public listener answers too.
	pub := map[string]string{"LEADBRIDGE_ADDR": env["LEADBRIDGE_ADDR"]}
	require.Equal(t, 0, run(t, pub, "", "healthcheck", "--admin-addr=").code)

	cancel()
	require.Equal(t, 0, <-done, serveErr.String())
	require.Equal(t, 1, run(t, env, "", "healthcheck", "--timeout", "500ms").code, "stopped: unhealthy again")
}
