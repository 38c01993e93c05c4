package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/notify"
)

// TestNotifyTest: `leadbridge notify test` posts the sample to every
// receiver, prints each answer without the URL's secret parts, and exits
// 1 when one failed.
func TestNotifyTest(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	defer ok.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid_token", http.StatusForbidden)
	}))
	defer broken.Close()

	r := run(t, map[string]string{"LEADBRIDGE_NOTIFY_URL": ok.URL + "/services/T/B/s3cretpath"}, "", "notify", "test")
	require.Equal(t, 0, r.code, r.err)
	require.Equal(t, "#1 "+ok.URL+"/…: ok: 200 ok\n", r.out)
	require.NotContains(t, r.out+r.err, "s3cretpath")
	mu.Lock()
	require.Len(t, bodies, 1)
	require.Equal(t, "test", bodies[0]["kind"])
	require.Contains(t, bodies[0]["text"], "leadbridge: this is a test notification")
	mu.Unlock()

	r = run(t, nil, "", "notify", "test", "--notify-url", ok.URL+"/a?token=tok3n,"+broken.URL+"/b", "--db", "x.db", "--mappings", "m.yaml")
	require.Equal(t, 1, r.code)
	require.Equal(t, "#1 "+ok.URL+"/…: ok: 200 ok\n#2 "+broken.URL+"/…: failed: answered 403 Forbidden invalid_token\n", r.out)
	require.Equal(t, "1 of 2 receivers failed\n", r.err)
	require.NotContains(t, r.out, "tok3n")

	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"notify", "test"}, "no receiver: set LEADBRIDGE_NOTIFY_URL or --notify-url"},
		{nil, []string{"notify"}, "expected the subcommand test"},
		{nil, []string{"notify", "send"}, "expected the subcommand test"},
		{nil, []string{"notify", "test", "--notify-url", "hooks.slack.com/services/T/B/s3cret"}, "--notify-url: URL 1 of 1 is not an absolute http(s) URL"},
	} {
		r := run(t, tc.env, "", tc.args...)
		require.Equal(t, 2, r.code, tc.args)
		require.Contains(t, r.err, tc.want)
		require.NotContains(t, r.err, "s3cret")
	}
}

func TestNotifyFlags(t *testing.T) {
	parse := func(env map[string]string, args ...string) notifyFlags {
		var f notifyFlags
		fs := newFlagSet("serve", "serve", IO{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
		f.register(fs)
		_, err := fs.parse(args)
		require.NoError(t, err)
		return f
	}
	f := parse(nil)
	c, err := f.config()
	require.NoError(t, err)
	require.Equal(t, notify.Config{Every: 10 * time.Minute, Backlog: 15 * time.Minute, Check: 30 * time.Second, Unattributed: 0.5}, c)

	f = parse(map[string]string{"LEADBRIDGE_NOTIFY_URL": "https://a.example/x, https://b.example/y", "LEADBRIDGE_NOTIFY_EVERY": "1m",
		"LEADBRIDGE_NOTIFY_BACKLOG": "1h", "LEADBRIDGE_NOTIFY_UNATTRIBUTED": "80", "LEADBRIDGE_NOTIFY_CHECK": "5s"}, "--notify-unattributed", "25%")
	c, err = f.config()
	require.NoError(t, err)
	require.Equal(t, notify.Config{URLs: []string{"https://a.example/x", "https://b.example/y"}, Every: time.Minute, Backlog: time.Hour,
		Check: 5 * time.Second, Unattributed: 0.25}, c)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--notify-every", "0"}, `--notify-every: expected a positive Go duration such as 30s, 10m or 1h, got "0"`},
		{[]string{"--notify-backlog", "soon"}, `--notify-backlog: expected a positive Go duration`},
		{[]string{"--notify-check", "-1s"}, `--notify-check: expected a positive Go duration`},
		{[]string{"--notify-unattributed", "0%"}, `--notify-unattributed: expected a percentage above 0 and at most 100, such as 50%, got "0%"`},
		{[]string{"--notify-unattributed", "150"}, `--notify-unattributed: expected a percentage`},
		{[]string{"--notify-url", "https://ok.example/, ftp://x.example/secret"}, `--notify-url: URL 2 of 2 is not an absolute http(s) URL`},
	} {
		r := run(t, nil, "", append([]string{"serve", "--mappings", "../mappings.example.yaml", "--db", t.TempDir() + "/lb.db"}, tc.args...)...)
		require.Equal(t, 2, r.code, tc.args)
		require.Contains(t, r.err, tc.want)
		require.NotContains(t, r.err, "secret\"")
	}
}

func TestServeSecrets(t *testing.T) {
	m, err := mappings.Loader{LookupEnv: func(k string) (string, bool) { return "env-" + k, true }}.Load("m.yaml", []byte(`sources:
  a:
    provider: generic
    token: ${A_TOKEN}
    partnero: {api_key: '${A_KEY}'}
    lead: {name: n, email: e, partner: {key: k}}
  b:
    provider: typeform
    secret: ['${B_OLD}', '${B_NEW}']
    lead: {name: n, email: e, partner: {key: k}}
`))
	require.NoError(t, err)
	bc := bridge.Config{APIKey: mappings.NewSecret("api-key"), AdminToken: mappings.NewSecret("admin-token")}
	s := serveSecrets(bc, notify.Config{URLs: []string{"https://hooks.slack.com/services/T/B/X"}}, "postgres://lb:dbpw@db/lb", m)
	got := s.list()
	for _, want := range []string{"api-key", "admin-token", "dbpw", "https://hooks.slack.com/services/T/B/X", "env-A_TOKEN", "env-A_KEY", "env-B_OLD", "env-B_NEW"} {
		require.Contains(t, got, want)
	}
	require.Len(t, got, 8, "no empty values")
	require.Equal(t, "", dsnPassword("leadbridge.db"))
}
