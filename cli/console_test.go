package cli

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
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

// servedConsole is `leadbridge serve` with an admin token, running.
type servedConsole struct {
	t                *testing.T
	pubAddr, admAddr string
}

func serveConsole(t *testing.T, mappingsYAML string) *servedConsole {
	t.Helper()
	dir := t.TempDir()
	m := filepath.Join(dir, "m.yaml")
	require.NoError(t, writeFile(m, mappingsYAML))
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
	c := &servedConsole{t: t, pubAddr: env["LEADBRIDGE_ADDR"], admAddr: env["LEADBRIDGE_ADMIN_ADDR"]}
	t.Cleanup(func() {
		cancel()
		require.Equal(t, 0, <-done, serveErr.String())
	})
	require.Eventually(t, func() bool { code, _ := c.do(http.MethodGet, c.admAddr, "/healthz", "", nil); return code == 200 },
		20*time.Second, 50*time.Millisecond, serveErr.String())
	return c
}

// do sends a request with the admin token as bearer (when token is set)
// and returns the status and body; a form body is urlencoded.
func (c *servedConsole) do(method, addr, path, token string, form url.Values, headers ...string) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, "http://"+addr+path, body)
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeMountsTheConsole: serve with LEADBRIDGE_ADMIN_TOKEN serves the
// console on the admin listener, never on the public one.
func TestServeMountsTheConsole(t *testing.T) {
	t.Parallel()
	c := serveConsole(t, "sources:\n  s:\n    provider: generic\n    token: t\n    lead: {name: n, email: e, partner: {key: k}}\n")
	code, body := c.do(http.MethodGet, c.admAddr, "/sources", "console-token", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "https://YOUR-PUBLIC-HOST/hooks/s")
	code, _ = c.do(http.MethodGet, c.admAddr, "/", "", nil)
	require.Equal(t, http.StatusUnauthorized, code)
	code, body = c.do(http.MethodGet, c.pubAddr, "/", "console-token", nil)
	require.Equal(t, http.StatusNotFound, code)
	require.False(t, strings.Contains(body, "<html"), "no console on the public listener")
	code, _ = c.do(http.MethodGet, c.admAddr, "/admin/events", "console-token", nil)
	require.Equal(t, http.StatusOK, code, "the admin API is still there")
}

// TestServeConsoleDraftsFromCaptured: serve wires the console's Draft to
// the draft package (leadbridge init) over the mappings in force: a
// captured event drafts into a source that maps it.
func TestServeConsoleDraftsFromCaptured(t *testing.T) {
	t.Parallel()
	c := serveConsole(t, "sources:\n  leads:\n    provider: generic\n    token: t\n")
	req, err := http.NewRequest(http.MethodPost, "http://"+c.pubAddr+"/hooks/leads",
		strings.NewReader(`{"contact":{"email":"ada@example.com","name":"Ada Lovelace"},"ref":"ref_ada"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Leadbridge-Token", "t")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(answer))
	require.Contains(t, string(answer), `"status":"captured"`)

	code, body := c.do(http.MethodPost, c.admAddr, "/playground/draft", "console-token", url.Values{"event": {"1"}, "name": {"leads"}})
	require.Equal(t, http.StatusOK, code, body)
	body = html.UnescapeString(body)
	require.Contains(t, body, "sources:\n  leads:\n    provider: generic\n    token: ${LEADS_TOKEN}")
	require.Contains(t, body, "email: contact.email")
	require.Contains(t, body, `"email": "ada@example.com"`, "the draft maps the event it came from")
	require.Contains(t, body, `"key": "ref_ada"`)
	require.Contains(t, body, "The YAML names <code>${LEADS_TOKEN}</code>, which is not set on this server")
}
