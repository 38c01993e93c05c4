package bridge

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

const adminToken = "admin-token-123"

func (b *bundle) admin(t *testing.T, method, path, token string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return b.do(t, b.srv.AdminHandler(), req)
}

func TestAdminAuth(t *testing.T) {
	paths := []struct{ method, path string }{
		{http.MethodGet, "/admin/events"}, {http.MethodGet, "/admin/events/1"}, {http.MethodPost, "/admin/events/1/replay"},
		{http.MethodPost, "/admin/replay?status=failed"}, {http.MethodPost, "/admin/reload"},
	}
	off := setup(t) // no LEADBRIDGE_ADMIN_TOKEN: the API does not exist
	on := setup(t, withConfig(func(c *Config) { c.AdminToken = mappings.NewSecret(adminToken) }))
	for _, p := range paths {
		require.Equal(t, 404, off.admin(t, p.method, p.path, adminToken).Code, p.path)
		require.Equal(t, 401, on.admin(t, p.method, p.path, "").Code, p.path)
		r := on.admin(t, p.method, p.path, "wrong")
		require.Equal(t, 401, r.Code, p.path)
		require.NotContains(t, r.Raw, adminToken)
		// Nothing of it on the public listener.
		require.Equal(t, 404, on.do(t, on.srv.PublicHandler(), httptest.NewRequest(p.method, p.path, nil)).Code, p.path)
	}
	req := httptest.NewRequest(http.MethodGet, "/admin/events", nil)
	req.Header.Set("Authorization", adminToken) // no "Bearer "
	require.Equal(t, 401, on.do(t, on.srv.AdminHandler(), req).Code)
	// The scheme name is case-insensitive (RFC 9110).
	for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
		req := httptest.NewRequest(http.MethodGet, "/admin/events", nil)
		req.Header.Set("Authorization", scheme+" "+adminToken)
		require.Equal(t, 200, on.do(t, on.srv.AdminHandler(), req).Code, scheme)
	}
	req = httptest.NewRequest(http.MethodGet, "/admin/events", nil)
	req.Header.Set("Authorization", "Basic "+adminToken)
	require.Equal(t, 401, on.do(t, on.srv.AdminHandler(), req).Code)
}

func TestAdminEndpoints(t *testing.T) {
	b := setup(t, withReload(t), withConfig(func(c *Config) { c.AdminToken = mappings.NewSecret(adminToken) }))
	ok := b.postTypeform(t, sample(t, "typeform.json"))
	failed := b.postForm(t, "form", `{"id":"f1","name":"A","mail":"a@x.io","ref":"r"}`)
	require.Equal(t, 422, failed.Code)

	r := b.admin(t, http.MethodGet, "/admin/events", adminToken)
	require.Equal(t, 200, r.Code, r.Raw)
	events := r.Body["events"].([]any)
	require.Len(t, events, 2)
	first := events[0].(map[string]any)
	require.Equal(t, failed.Body["id"], first["id"], "newest first")
	for _, k := range []string{"id", "source", "status", "received_at", "attempts", "last_error"} {
		require.Contains(t, first, k)
	}
	r = b.admin(t, http.MethodGet, "/admin/events?status=failed&source=form&limit=5", adminToken)
	require.Len(t, r.Body["events"].([]any), 1)
	require.Equal(t, 400, b.admin(t, http.MethodGet, "/admin/events?limit=zero", adminToken).Code)

	r = b.admin(t, http.MethodGet, "/admin/events/"+jsonID(ok.Body["id"]), adminToken)
	require.Equal(t, 200, r.Code)
	require.Equal(t, "typeform", r.Body["source"])
	require.Equal(t, "form_response", r.Body["payload"].(map[string]any)["event_type"], "the raw payload, as JSON")
	leads := r.Body["leads"].([]any)
	require.Len(t, leads, 1)
	require.Equal(t, "queued", leads[0].(map[string]any)["status"])
	require.Equal(t, "Alice Brown", leads[0].(map[string]any)["body"].(map[string]any)["name"])
	require.NotContains(t, r.Raw, testSecret)
	require.Equal(t, 404, b.admin(t, http.MethodGet, "/admin/events/999", adminToken).Code)
	require.Equal(t, 400, b.admin(t, http.MethodGet, "/admin/events/x", adminToken).Code)

	// Replaying with the broken mapping: still failing, and said why.
	r = b.admin(t, http.MethodPost, "/admin/events/"+jsonID(failed.Body["id"])+"/replay", adminToken)
	require.Equal(t, 200, r.Code, r.Raw)
	rep := r.Body["replay"].(map[string]any)
	require.Equal(t, float64(1), rep["failed"])
	for _, k := range []string{"events", "queued", "dry_run", "failed", "ignored", "delivered", "duplicate", "problems"} {
		require.Contains(t, rep, k, "one key style: snake_case")
	}
	require.Contains(t, rep["problems"].([]any)[0], `email: no value: path "email" yielded nothing`)

	// Fix the mapping (mail instead of email) and reload through the API.
	writeMappings(t, b, bytes.Replace([]byte(testMappings), []byte("      email: email\n      partner: {key: ref}\n"), []byte("      email: [email, mail]\n      partner: {key: ref}\n"), 1))
	r = b.admin(t, http.MethodPost, "/admin/reload", adminToken)
	require.Equal(t, 200, r.Code, r.Raw)
	require.Equal(t, true, r.Body["changed"])
	r = b.admin(t, http.MethodPost, "/admin/replay?status=failed&source=form", adminToken)
	require.Equal(t, 200, r.Code, r.Raw)
	require.Equal(t, float64(1), r.Body["replay"].(map[string]any)["queued"])
	require.Equal(t, store.StatusQueued, b.event(t, failed.Body["id"]).Status)
	require.Equal(t, 400, b.admin(t, http.MethodPost, "/admin/replay?status=bogus", adminToken).Code)

	// An invalid file: 422 with the problems, the old mappings stay.
	writeMappings(t, b, []byte("sources:\n  form: {provider: nope}\n"))
	r = b.admin(t, http.MethodPost, "/admin/reload", adminToken)
	require.Equal(t, 422, r.Code)
	require.Contains(t, r.Raw, `unknown provider \"nope\"`)
	require.Equal(t, 202, b.postForm(t, "form", `{"id":"f2","name":"B","mail":"b@x.io","ref":"r"}`).Code, "the previous (fixed) mappings serve")
}

func jsonID(v any) string {
	return string(mustJSON(v))
}
