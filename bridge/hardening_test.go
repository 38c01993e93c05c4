package bridge

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

// TestRequestValuesCutInAnswerAndLog: an unknown source name of 60 KB is
// echoed and logged cut to 100 characters, once: an unauthenticated
// client cannot make the log grow faster than its requests.
func TestRequestValuesCutInAnswerAndLog(t *testing.T) {
	b := setup(t, withLogLevel(slog.LevelInfo))
	name := strings.Repeat("x", 60<<10)
	before := len(b.logs.String())
	r := b.post(t, "/hooks/"+name, "application/json", []byte(`{}`))
	require.Equal(t, 400, r.Code)
	require.Less(t, len(r.Raw), 300, "the answer echoes the name cut short")
	require.Contains(t, r.Body["error"], `no such source "`+strings.Repeat("x", 100)+`…"`)
	logged := b.logs.String()[before:]
	require.Less(t, len(logged), 600, "log bytes for one request: %d", len(logged))
	require.Equal(t, 1, strings.Count(logged, "\n"), "one line per webhook answered")

	// A long content type is cut in the 415 answer too.
	ct := "text/" + strings.Repeat("y", 10<<10)
	r = b.post(t, "/hooks/form", ct, []byte(`{}`), "X-Leadbridge-Token", "form-token")
	require.Equal(t, 415, r.Code)
	require.Less(t, len(r.Raw), 400)
}

// TestOneInfoLinePerWebhook: at info level every webhook answered writes
// one line with its source, status, outcome, event id and duration (and
// why it was ignored), and never a payload value.
func TestOneInfoLinePerWebhook(t *testing.T) {
	b := setup(t, withLogLevel(slog.LevelInfo))
	typeform := sample(t, "typeform.json")
	require.Equal(t, 202, b.postTypeform(t, typeform).Code)
	require.Equal(t, 200, b.postTypeform(t, typeform).Code) // duplicate
	require.Equal(t, 200, b.postForm(t, "form", `{"id":"n1","name":"Noel Partnerless","email":"noel@example.org"}`).Code)
	require.Equal(t, 422, b.postForm(t, "form", `{"id":"f1","name":"Fay","mail":"fay@example.org","ref":"r1"}`).Code)
	partial := bytes.Replace(typeform, []byte(`"event_type": "form_response"`), []byte(`"event_type": "secret_partial_value"`), 1)
	partial = bytes.Replace(partial, []byte(`01JH7Q2M4B8K3N6P9R1T5V7X9Z`), []byte(`partial-1`), 1)
	require.Equal(t, 200, b.postTypeform(t, partial).Code)

	lines := b.logLines(t, "webhook")
	require.Len(t, lines, 5)
	want := []struct {
		source, outcome, reason string
		status                  float64
	}{
		{"typeform", "accepted", "", 202}, {"typeform", "duplicate", "", 200}, {"form", "ignored", "no partner", 200},
		{"form", "failed", "", 422}, {"typeform", "ignored", `when: event_type equals "form_response" did not hold`, 200},
	}
	for i, w := range want {
		l := lines[i]
		require.Equal(t, "INFO", l["level"], i)
		require.Equal(t, w.source, l["source"], i)
		require.Equal(t, w.outcome, l["outcome"], i)
		require.Equal(t, w.status, l["status"], i)
		require.NotZero(t, l["event_id"], i)
		require.Contains(t, l, "duration_ms", i)
		if w.reason != "" {
			require.Equal(t, w.reason, l["reason"], i)
		}
	}
	logs := b.logs.String()
	for _, v := range []string{"alice.brown@example.com", "Noel", "noel@example.org", "fay@example.org", "secret_partial_value"} {
		require.NotContains(t, logs, v, "no payload value at info level")
	}
}

// cancelAtEOF cancels the request's context as soon as its body has been
// read whole: a client that half-closes after sending (Connection: close).
type cancelAtEOF struct {
	io.Reader
	cancel context.CancelFunc
}

func (c cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.Reader.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

// TestClientGoneAfterBodyStillStored: once the body is read, the event is
// stored whatever the client does.
func TestClientGoneAfterBodyStillStored(t *testing.T) {
	b := setup(t)
	for i := range 30 {
		body := []byte(`{"id":"gone-` + string(rune('a'+i%26)) + strings.Repeat("z", i) + `","name":"A","email":"a@b.co","ref":"r"}`)
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/hooks/form", cancelAtEOF{bytes.NewReader(body), cancel})
		req.ContentLength = -1 // read to EOF, as a chunked body is
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Leadbridge-Token", "form-token")
		r := b.do(t, b.srv.PublicHandler(), req)
		require.Equal(t, 202, r.Code, "request %d: %s", i, r.Raw)
	}
	list, err := b.store.ListEvents(context.Background(), store.Filter{Limit: 100})
	require.NoError(t, err)
	require.Len(t, list, 30)
}

// TestBodyBudget: while the budget for bodies in memory is taken, a
// webhook waits; when its wait ends it gets 503 (the provider retries);
// once room is back it is taken.
func TestBodyBudget(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.BodyBudget = 1 }))
	require.Equal(t, b.cfg.MaxBody, b.srv.bodies.max, "the budget holds one body at least")
	require.NoError(t, b.srv.bodies.sem.Acquire(context.Background(), b.srv.bodies.max)) // all taken

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the wait ends at once
	body := []byte(`{"id":"b1","name":"A","email":"a@b.co","ref":"r"}`)
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/hooks/form", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Leadbridge-Token", "form-token")
	r := b.do(t, b.srv.PublicHandler(), req)
	require.Equal(t, 503, r.Code, r.Raw)
	require.Equal(t, "1", r.Header.Get("Retry-After"))

	b.srv.bodies.sem.Release(b.srv.bodies.max)
	require.Equal(t, 202, b.postForm(t, "form", string(body)).Code)
	// Room is given back after every answer.
	require.True(t, b.srv.bodies.sem.TryAcquire(b.srv.bodies.max))
}

// TestDryRunInfoLineHasNoPayloadValue: the dry-run line says which
// partner identifier was found, not its value.
func TestDryRunInfoLineHasNoPayloadValue(t *testing.T) {
	b := setup(t, withLogLevel(slog.LevelInfo), withConfig(func(c *Config) { c.APIKey = mappings.NewSecret("") }))
	require.Equal(t, 202, b.postTypeform(t, sample(t, "typeform.json")).Code)
	lines := b.logLines(t, "dry-run: lead recorded, not sent (no Partnero API key); it would be POSTed to /leads")
	require.Len(t, lines, 1)
	require.Equal(t, "key", lines[0]["partner_by"])
	require.NotContains(t, b.logs.String(), "ref_123")
}
