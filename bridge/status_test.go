package bridge

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
)

func TestStatus(t *testing.T) {
	b := setup(t, withReload(t), withConfig(func(c *Config) { c.APIKey = mappings.Secret{} }))
	st := b.srv.Status()
	require.True(t, st.DryRun)
	require.Empty(t, st.ReloadError)
	require.Empty(t, st.AuthFailing)
	require.Equal(t, b.srv.Mappings().Hash, st.MappingsHash)

	writeMappings(t, b, []byte("sources: [\n"))
	_, err := b.srv.Reload()
	require.Error(t, err)
	st = b.srv.Status()
	require.Contains(t, st.ReloadError, "sources.yaml:")
	require.False(t, st.ReloadFailedAt.IsZero())

	b.srv.deliverer.authFailed("default key")
	st = b.srv.Status()
	require.Contains(t, st.AuthFailing, "default key")
	st.AuthFailing["other"] = st.ReloadFailedAt
	require.NotContains(t, b.srv.Status().AuthFailing, "other", "a copy, not the deliverer's map")
}

func TestReplayThroughServer(t *testing.T) {
	b := setup(t, withReload(t))
	failed := b.postForm(t, "form", `{"id":"f1","name":"A","mail":"a@x.io","ref":"r"}`)
	require.Equal(t, 422, failed.Code)
	rep, err := b.srv.Replay(context.Background(), []int64{int64(failed.Body["id"].(float64))}, false)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Events)
	require.Equal(t, 1, rep.Failed, "the mapping in force still fails")
}

// TestConsoleMount: the console gets every admin-listener path no admin
// route serves, with a status of its own choosing; the admin routes and
// the public listener are unchanged.
func TestConsoleMount(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.AdminToken = mappings.NewSecret(adminToken) }))
	m, err := mappings.Loader{}.Load("test.yaml", []byte(testMappings))
	require.NoError(t, err)
	var seen []string
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("console")) // no explicit WriteHeader: 200
	})
	srv, err := New(b.cfg, Deps{Store: b.store, Mappings: m, Console: console})
	require.NoError(t, err)

	r := b.do(t, srv.AdminHandler(), httpGet("/"))
	require.Equal(t, 200, r.Code)
	require.Equal(t, "console", r.Raw)
	r = b.do(t, srv.AdminHandler(), httpGet("/events/3"))
	require.Equal(t, 200, r.Code)
	require.Equal(t, 404, b.do(t, srv.AdminHandler(), httpGet("/missing")).Code)
	require.Equal(t, []string{"GET /", "GET /events/3", "GET /missing"}, seen)

	require.Equal(t, 200, b.do(t, srv.AdminHandler(), httpGet("/healthz")).Code)
	require.Equal(t, 401, b.do(t, srv.AdminHandler(), httpGet("/admin/events")).Code, "the admin API keeps its own auth")
	require.Equal(t, 404, b.do(t, srv.PublicHandler(), httpGet("/")).Code, "never on the public listener")
	require.Len(t, seen, 3)

	// Without a console, unknown admin paths stay 404.
	require.Equal(t, 404, b.do(t, b.srv.AdminHandler(), httpGet("/")).Code)
}
