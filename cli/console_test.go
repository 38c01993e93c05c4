package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
)

func TestConsoleOnlyWithTokenAndAdminListener(t *testing.T) {
	for _, cfg := range []bridge.Config{{AdminAddr: "127.0.0.1:9090"}, {AdminToken: mappings.NewSecret("t")}} {
		h, bind := consoleFor(cfg, nil, nil, IO{})
		require.Nil(t, h)
		bind(nil)
	}
}

// TestServeMountsTheConsole: serve with LEADBRIDGE_ADMIN_TOKEN serves the
// console on the admin listener, never on the public one.
func TestServeMountsTheConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	require.NoError(t, writeFile(m, "sources:\n  s:\n    provider: generic\n    token: t\n    lead: {name: n, email: e, partner: {key: k}}\n"))
	env := map[string]string{
		"LEADBRIDGE_ADDR": closedAddr(t), "LEADBRIDGE_ADMIN_ADDR": closedAddr(t), "LEADBRIDGE_DB": filepath.Join(dir, "lb.db"),
		"LEADBRIDGE_MAPPINGS": m, "LEADBRIDGE_ADMIN_TOKEN": "console-token",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var serveErr bytes.Buffer
	go func() {
		done <- Run(ctx, []string{"serve", "--log-level", "error"}, IO{Out: io.Discard, Err: &serveErr, LookupEnv: lookup})
	}()
	get := func(addr, path, token string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	require.Eventually(t, func() bool { code, _ := get(env["LEADBRIDGE_ADMIN_ADDR"], "/healthz", ""); return code == 200 },
		20*time.Second, 50*time.Millisecond, serveErr.String())

	code, body := get(env["LEADBRIDGE_ADMIN_ADDR"], "/sources", "console-token")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "https://YOUR-PUBLIC-HOST/hooks/s")
	code, _ = get(env["LEADBRIDGE_ADMIN_ADDR"], "/", "")
	require.Equal(t, http.StatusUnauthorized, code)
	code, body = get(env["LEADBRIDGE_ADDR"], "/", "console-token")
	require.Equal(t, http.StatusNotFound, code)
	require.False(t, strings.Contains(body, "<html"), "no console on the public listener")
	code, _ = get(env["LEADBRIDGE_ADMIN_ADDR"], "/admin/events", "console-token")
	require.Equal(t, http.StatusOK, code, "the admin API is still there")

	cancel()
	require.Equal(t, 0, <-done, serveErr.String())
}
