package bridge

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

func TestIntakeStatusTable(t *testing.T) {
	typeform := sample(t, "typeform.json")
	partial := bytes.Replace(typeform, []byte(`"event_type": "form_response"`), []byte(`"event_type": "form_response_partial"`), 1)
	partial = bytes.Replace(partial, []byte(`01JH7Q2M4B8K3N6P9R1T5V7X9Z`), []byte(`partial-1`), 1)
	tests := []struct {
		name    string
		send    func(t *testing.T, b *bundle) response
		code    int
		status  string
		contain string // in the error or reason
	}{
		{"202 accepted", func(t *testing.T, b *bundle) response { return b.postTypeform(t, typeform) }, 202, "accepted", ""},
		{"200 ignored by when", func(t *testing.T, b *bundle) response { return b.postTypeform(t, partial) }, 200, "ignored",
			`when: event_type equals "form_response" did not hold (got "form_response_partial")`},
		{"200 ignored without partner", func(t *testing.T, b *bundle) response {
			return b.postForm(t, "form", `{"id":"1","name":"A","email":"a@b.co"}`)
		}, 200, "ignored", "no partner"},
		{"400 unknown source", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/nope", "application/json", []byte(`{}`))
		}, 400, "error", `no such source "nope"`},
		{"400 no source at all", func(t *testing.T, b *bundle) response { return b.post(t, "/hooks/", "application/json", []byte(`{}`)) }, 400, "error", "no such source"},
		{"400 trailing slash (no redirect)", func(t *testing.T, b *bundle) response {
			return b.postForm(t, "form/", `{}`)
		}, 400, "error", "no trailing slash"},
		{"400 double slash (no redirect)", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks//", "application/json", []byte(`{}`))
		}, 400, "error", "no such source"},
		{"400 nested path", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/a/b", "application/json", []byte(`{}`))
		}, 400, "error", "no such source"},
		{"400 invalid JSON", func(t *testing.T, b *bundle) response { return b.postForm(t, "form", `{"name":`) }, 400, "error", "malformed body"},
		{"400 invalid form", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/form", "multipart/form-data; boundary=x", []byte("garbage"), "X-Leadbridge-Token", "form-token")
		}, 400, "error", "malformed body"},
		{"401 missing signature", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/typeform", "application/json", typeform)
		}, 401, "error", "missing signature"},
		{"401 wrong signature", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/typeform", "application/json", typeform, "Typeform-Signature", typeformSig([]byte("other")))
		}, 401, "error", "signature mismatch"},
		{"401 missing token", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/form", "application/json", []byte(`{}`))
		}, 401, "error", "missing token"},
		{"401 wrong token", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/form?token=guess", "application/json", []byte(`{}`))
		}, 401, "error", "token mismatch"},
		{"413 over the limit", func(t *testing.T, b *bundle) response {
			return b.postForm(t, "form", `{"x":"`+strings.Repeat("a", 70<<10)+`"}`)
		}, 413, "error", "over the limit"},
		{"413 over the limit without Content-Length", func(t *testing.T, b *bundle) response {
			req := httptest.NewRequest(http.MethodPost, "/hooks/form", strings.NewReader(strings.Repeat("a", 70<<10)))
			req.ContentLength = -1
			req.Header.Set("X-Leadbridge-Token", "form-token")
			return b.do(t, b.srv.PublicHandler(), req)
		}, 413, "error", "over the limit"},
		{"415 unsupported type", func(t *testing.T, b *bundle) response {
			return b.post(t, "/hooks/form", "text/plain", []byte(`name=A`), "X-Leadbridge-Token", "form-token")
		}, 415, "error", "is not JSON, form-urlencoded or multipart"},
		{"422 mapping failed", func(t *testing.T, b *bundle) response {
			return b.postForm(t, "form", `{"id":"2","name":"A","ref":"r1"}`)
		}, 422, "error", "mapping failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			r := tc.send(t, b)
			require.Equal(t, tc.code, r.Code, r.Raw)
			require.Equal(t, tc.status, r.Body["status"], r.Raw)
			if tc.contain != "" {
				msg, _ := r.Body["error"].(string)
				if reason, ok := r.Body["reason"].(string); ok {
					msg = reason
				}
				require.Contains(t, msg, tc.contain)
			}
			require.NotContains(t, r.Raw, testSecret)
			require.NotContains(t, r.Raw, "form-token")
			require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		})
	}
}

func TestAcceptedIsStored(t *testing.T) {
	b := setup(t)
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 202, r.Code)
	ev := b.event(t, r.Body["id"])
	require.Equal(t, "typeform", ev.Source)
	require.Equal(t, store.StatusQueued, ev.Status)
	require.Equal(t, sample(t, "typeform.json"), ev.Payload, "the raw body, byte for byte")
	require.Len(t, ev.LeadList, 1)
	require.JSONEq(t, `{"name":"Alice Brown","email":"alice.brown@example.com","partner":{"key":"ref_123"},"cfields":{"91":["API","SSO"]}}`, string(ev.LeadList[0].Body))
	require.NotContains(t, string(ev.Headers), "Typeform-Signature", "authenticating headers are not stored")
	require.Contains(t, string(ev.Headers), "application/json")
}

func TestMappingFailureIsStoredAndAnswered(t *testing.T) {
	b := setup(t)
	r := b.postForm(t, "form", `{"id":"2","name":"A","email":"nope","ref":"r1"}`)
	require.Equal(t, 422, r.Code)
	require.Equal(t, []any{map[string]any{"field": "email", "message": `"nope" is not a valid email address`}}, r.Body["problems"])
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusFailed, ev.Status)
	// The provider's retry is a duplicate, and nothing more is stored.
	r2 := b.postForm(t, "form", `{"id":"2","name":"A","email":"nope","ref":"r1"}`)
	require.Equal(t, 200, r2.Code)
	require.Equal(t, "duplicate", r2.Body["status"])
	require.Equal(t, r.Body["id"], r2.Body["id"])
	list, err := b.store.ListEvents(context.Background(), store.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
}

func TestDuplicateAfterRestartAndLater(t *testing.T) {
	b := setup(t)
	body := sample(t, "typeform.json")
	first := b.postTypeform(t, body)
	require.Equal(t, 202, first.Code)
	b.reopen(t)
	b.clock.Set(b.clock.Now().Add(25 * time.Hour))
	r := b.postTypeform(t, body)
	require.Equal(t, 200, r.Code)
	require.Equal(t, "duplicate", r.Body["status"])
	require.Equal(t, first.Body["id"], r.Body["id"])
}

func TestBatchPerElementDedupe(t *testing.T) {
	b := setup(t)
	r := b.postForm(t, "batch", `{"items":[{"id":"a","name":"A","email":"a@x.io","ref":"p"},{"id":"b","name":"B","email":"b@x.io","ref":"p"}]}`)
	require.Equal(t, 202, r.Code, r.Raw)
	ev := b.event(t, r.Body["id"])
	require.Len(t, ev.LeadList, 2)

	// b again (duplicate) and c (new, failing): the new failure decides.
	r = b.postForm(t, "batch", `{"items":[{"id":"b","name":"B","email":"b@x.io","ref":"p"},{"id":"c","name":"C","ref":"p"}]}`)
	require.Equal(t, 422, r.Code, r.Raw)
	require.Equal(t, []any{map[string]any{"index": float64(1), "field": "email", "message": `no value: path "email" yielded nothing`}}, r.Body["problems"])

	// d is new and fine, c is a duplicate of the stored failure: 202.
	r = b.postForm(t, "batch", `{"items":[{"id":"c","name":"C","ref":"p"},{"id":"d","name":"D","email":"d@x.io","ref":"p"}]}`)
	require.Equal(t, 202, r.Code, r.Raw)
	ev = b.event(t, r.Body["id"])
	require.Len(t, ev.LeadList, 1)
	require.Equal(t, "k:d", ev.LeadList[0].DedupeKey)

	// Everything seen: 200 duplicate with the id of the first.
	first := b.postForm(t, "batch", `{"items":[{"id":"a","name":"A","email":"a@x.io","ref":"p"}]}`)
	require.Equal(t, 200, first.Code)
	require.Equal(t, "duplicate", first.Body["status"])

	// A mix of ignored and duplicate elements: 200 ignored.
	r = b.postForm(t, "batch", `{"items":[{"id":"a"},{"id":"e","name":"E","email":"e@x.io"}]}`)
	require.Equal(t, 200, r.Code)
	require.Equal(t, "ignored", r.Body["status"])
	require.Equal(t, "no partner", r.Body["reason"])
}

func TestRateLimit(t *testing.T) {
	b := setup(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.clock.Set(start)
	// Unauthenticated requests do not count.
	for i := 0; i < 5; i++ {
		require.Equal(t, 401, b.post(t, "/hooks/limited", "application/json", []byte(`{}`)).Code)
	}
	require.Equal(t, 200, b.postForm(t, "limited", `{}`).Code)
	require.Equal(t, 200, b.postForm(t, "limited", `{"x":1}`).Code)
	r := b.postForm(t, "limited", `{"x":2}`)
	require.Equal(t, 429, r.Code)
	require.Equal(t, "30", r.Header.Get("Retry-After"), "2 per minute: one more in 30 s")
	b.clock.Set(start.Add(31 * time.Second))
	require.Equal(t, 200, b.postForm(t, "limited", `{"x":3}`).Code)
}

// failingStore fails every Ingest, as a full disk would.
type failingStore struct{ Store }

func (failingStore) Ingest(context.Context, *store.Intake) (store.IntakeResult, error) {
	return store.IntakeResult{}, errors.New("disk I/O error")
}

func TestStoreFailureIs503(t *testing.T) {
	b := setup(t)
	b.srv.store = failingStore{b.store}
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 503, r.Code)
	require.Equal(t, "the event could not be stored; retry later", r.Body["error"])
	list, err := b.store.ListEvents(context.Background(), store.Filter{})
	require.NoError(t, err)
	require.Empty(t, list, "nothing was half-written")
}

func TestHooksNeverAnswer404(t *testing.T) {
	b := setup(t)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		r := b.do(t, b.srv.PublicHandler(), httptest.NewRequest(method, "/hooks/typeform", nil))
		require.Equal(t, 405, r.Code, method)
	}
	r := b.do(t, b.srv.PublicHandler(), httptest.NewRequest(http.MethodGet, "/hooks", nil))
	require.Equal(t, 400, r.Code)
	// The admin endpoints are not on the public listener.
	for _, p := range []string{"/metrics", "/readyz", "/admin/events"} {
		r := b.do(t, b.srv.PublicHandler(), httptest.NewRequest(http.MethodGet, p, nil))
		require.Equal(t, 404, r.Code, p)
	}
	require.Equal(t, 200, b.do(t, b.srv.PublicHandler(), httptest.NewRequest(http.MethodGet, "/healthz", nil)).Code)
}

func TestFormEncodedIntake(t *testing.T) {
	b := setup(t)
	r := b.post(t, "/hooks/form", "application/x-www-form-urlencoded", []byte("id=9&name=Alice+Brown&email=alice%40x.io&ref=ref_1"), "X-Leadbridge-Token", "form-token")
	require.Equal(t, 202, r.Code, r.Raw)
	ev := b.event(t, r.Body["id"])
	require.JSONEq(t, `{"name":"Alice Brown","email":"alice@x.io","partner":{"key":"ref_1"}}`, string(ev.LeadList[0].Body))
}

func TestReadyzAndMetrics(t *testing.T) {
	b := setup(t)
	require.Equal(t, 202, b.postTypeform(t, sample(t, "typeform.json")).Code)
	r := b.do(t, b.srv.AdminHandler(), httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, 200, r.Code)
	require.Equal(t, "ok", r.Body["status"])
	require.Equal(t, "live", r.Body["partnero"].(map[string]any)["mode"])
	require.Equal(t, float64(5), r.Body["mappings"].(map[string]any)["sources"])

	r = b.do(t, b.srv.AdminHandler(), httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Contains(t, r.Raw, `leadbridge_webhooks_total{outcome="accepted",source="typeform"} 1`)
	require.Contains(t, r.Raw, `leadbridge_store_seconds_count 1`)
	require.Contains(t, r.Raw, `leadbridge_config_last_reload_successful 1`)

	// A store that does not answer makes /readyz 503.
	require.NoError(t, b.store.Close(context.Background()))
	r = b.do(t, b.srv.AdminHandler(), httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, 503, r.Code)
}
