package bridge

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/store"
)

const testSecret = "test-secret"

// testMappings are the sources the tests use.
const testMappings = `sources:
  typeform:
    provider: typeform
    secret: test-secret
    when: [{path: event_type, equals: form_response}]
    dedupe: event_id
    fallback_partner: {key: house}
    lead:
      name: {template: '{{form_response.answers.#(field.ref=="first_name").text}} {{form_response.answers.#(field.ref=="last_name").text}}'}
      email: form_response.answers.#(type=="email").email
      partner: {key: [form_response.hidden.ref, form_response.hidden.aff]}
      cfields:
        "91": form_response.answers.#(field.ref=="interests").choices.labels
  form:
    provider: generic
    token: form-token
    dedupe: id
    lead:
      name: name
      email: email
      partner: {key: ref}
  limited:
    provider: generic
    token: form-token
    rate_limit: 2/m
    lead: {name: name, email: email, partner: {key: ref}}
  batch:
    provider: generic
    token: form-token
    each: items
    dedupe: id
    lead: {name: name, email: email, partner: {key: ref}}
  other-program:
    provider: generic
    token: form-token
    dedupe: id
    partnero: {api_key: other-key}
    lead: {name: name, email: email, partner: {key: ref}}
`

// clock is the real clock until a test sets it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Add moves a set clock on.
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type bundle struct {
	mapDir   string // the mapping directory, with reloading (withReload)
	logLevel slog.Level
	srv      *Server
	store    *store.Store
	fake     *partnerotest.Server
	clock    *clock
	dbPath   string
	cfg      Config
	logs     *syncBuffer
	wrap     func(*store.Store) Store
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type option func(*bundle)

func withConfig(f func(*Config)) option { return func(b *bundle) { f(&b.cfg) } }

// withLogLevel sets the level of the server's log (debug by default).
func withLogLevel(l slog.Level) option { return func(b *bundle) { b.logLevel = l } }

// logLines returns the server's JSON log lines with the given message.
func (b *bundle) logLines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split([]byte(b.logs.String()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal(line, &m), string(line))
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// testStart is where set clocks start.
var testStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// withClock starts the clock at testStart and keeps it there until the
// test moves it.
func withClock() option { return func(b *bundle) { b.clock.Set(testStart) } }

// withStore wraps the store the server uses (to make it fail).
func withStore(wrap func(*store.Store) Store) option { return func(b *bundle) { b.wrap = wrap } }

// withReload serves the mappings from a file in a directory of their own,
// with Deps.Load reading that directory.
func withReload(t *testing.T) option {
	return func(b *bundle) {
		b.mapDir = t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(b.mapDir, "sources.yaml"), []byte(testMappings), 0o600))
	}
}

// setup builds a server on a fresh SQLite store and a fake Partnero.
// The clock is real unless a test sets it (withClock): delivery tests move
// it and call deliverDue instead of waiting for the workers.
func setup(t *testing.T, opts ...option) *bundle {
	t.Helper()
	b := &bundle{
		fake:   partnerotest.New(),
		clock:  &clock{},
		dbPath: filepath.Join(t.TempDir(), "lb.db"),
		logs:   &syncBuffer{},
		// Debug by default: tests see everything; withLogLevel(info)
		// checks what an operator's log holds.
		logLevel: slog.LevelDebug,
	}
	t.Cleanup(b.fake.Close)
	b.cfg = Config{
		MaxBody: 64 << 10, APIKey: mappings.NewSecret(partnerotest.DefaultAPIKey), BaseURL: b.fake.URL(),
		Workers: 2, Rate: 1000, RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond, MaxAge: time.Hour,
	}
	for _, o := range opts {
		o(b)
	}
	b.open(t)
	return b
}

func (b *bundle) open(t *testing.T) {
	t.Helper()
	m, err := mappings.Loader{}.Load("test.yaml", []byte(testMappings))
	var load func() (*mappings.Config, error)
	if b.mapDir != "" {
		load = func() (*mappings.Config, error) { return mappings.Loader{}.LoadPath(b.mapDir) }
		m, err = load()
	}
	require.NoError(t, err)
	st, err := store.Open(context.Background(), store.Config{DSN: b.dbPath, Now: b.now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	b.store = st
	log := slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: b.logLevel}))
	client := partnero.New(partnero.Config{BaseURL: b.cfg.BaseURL, Timeout: 5 * time.Second}, nil)
	var deps Store = st
	if b.wrap != nil {
		deps = b.wrap(st)
	}
	b.srv, err = New(b.cfg, Deps{Store: deps, Mappings: m, Logger: log, Partnero: client, Now: b.now, Load: load, WatchPath: b.mapDir, WatchDebounce: 50 * time.Millisecond})
	require.NoError(t, err)
}

func (b *bundle) now() time.Time { return b.clock.Now() }

// reopen simulates a restart: a new store and server on the same file.
func (b *bundle) reopen(t *testing.T) {
	t.Helper()
	require.NoError(t, b.store.Close(context.Background()))
	b.open(t)
}

// startDelivery runs the delivery workers until the test ends.
func (b *bundle) startDelivery(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	wait := b.srv.startDelivery(ctx)
	t.Cleanup(func() {
		cancel()
		_ = wait(context.Background())
	})
}

// deliverDue makes the attempts that are due by the clock and records
// them, as the workers would; it returns how many it made.
func (b *bundle) deliverDue(t *testing.T) int {
	t.Helper()
	n, err := b.srv.queue.deliverDue(context.Background())
	require.NoError(t, err)
	return n
}

type response struct {
	Code   int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// post sends a request through the real public router.
func (b *bundle) post(t *testing.T, path, contentType string, body []byte, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(t, b.srv.PublicHandler(), req)
}

func (b *bundle) do(t *testing.T, h http.Handler, req *http.Request) response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := response{Code: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &r.Body)
	return r
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func typeformSig(body []byte) string {
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// postTypeform posts a signed Typeform delivery.
func (b *bundle) postTypeform(t *testing.T, body []byte) response {
	t.Helper()
	return b.post(t, "/hooks/typeform", "application/json", body, "Typeform-Signature", typeformSig(body))
}

// postForm posts to a token source.
func (b *bundle) postForm(t *testing.T, source string, body string) response {
	t.Helper()
	return b.post(t, "/hooks/"+source, "application/json", []byte(body), "X-Leadbridge-Token", "form-token")
}

func (b *bundle) event(t *testing.T, id any) *store.Event {
	t.Helper()
	var n int64
	switch v := id.(type) {
	case float64:
		n = int64(v)
	case int64:
		n = v
	}
	ev, err := b.store.GetEvent(context.Background(), n)
	require.NoError(t, err)
	return ev
}

// waitEvent waits until the event reaches status.
func (b *bundle) waitEvent(t *testing.T, id any, status string) *store.Event {
	t.Helper()
	var ev *store.Event
	require.Eventually(t, func() bool {
		ev = b.event(t, id)
		return ev.Status == status
	}, 20*time.Second, 20*time.Millisecond, "event never reached %s", status)
	return ev
}
