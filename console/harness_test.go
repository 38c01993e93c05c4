package console

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/draft"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

const testToken = "console-test-token-0123456789"

// testMappings: a Typeform source with a literal secret (the playground
// must hide it) and a token source whose token is a ${VAR}.
const testMappings = `sources:
  typeform:
    provider: typeform
    secret: literal-secret-value
    lead:
      name: answers.first_name
      email: answers.email
      partner: {key: form_response.hidden.ref}
  form:
    provider: generic
    token: ${CONSOLE_TEST_TOKEN}
    lead: {name: name, email: email, partner: {key: ref}}
`

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fakeStatus struct {
	mu sync.Mutex
	st bridge.Status
}

func (f *fakeStatus) Status() bridge.Status { f.mu.Lock(); defer f.mu.Unlock(); return f.st }
func (f *fakeStatus) set(st bridge.Status)  { f.mu.Lock(); f.st = st; f.mu.Unlock() }

type fakeReplayer struct {
	mu    sync.Mutex
	calls [][]int64
	force []bool
	// stillCaptures names sources without lead rules: their events are
	// reported left captured, as bridge.Replayer does.
	stillCaptures []string
}

func (f *fakeReplayer) Replay(_ context.Context, ids []int64, force bool) (bridge.ReplayReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, ids)
	f.force = append(f.force, force)
	if len(f.stillCaptures) > 0 {
		return bridge.ReplayReport{Events: len(ids), Captured: len(ids), CapturedSources: f.stillCaptures, Problems: []string{}}, nil
	}
	return bridge.ReplayReport{Events: len(ids), RequeueResult: store.RequeueResult{Queued: len(ids)}, Problems: []string{}}, nil
}

func (f *fakeReplayer) Calls() [][]int64 { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

type harness struct {
	t       testing.TB
	store   *store.Store
	h       http.Handler
	clock   *clock
	status  *fakeStatus
	replays *fakeReplayer
	cfg     *mappings.Config
	mapFile string
}

type harnessOption func(*Config, *Deps)

func withDraft(f func(ctx context.Context, id int64, name string) (string, error)) harnessOption {
	return func(_ *Config, d *Deps) { d.Draft = f }
}

// draftFrom drafts a source from a stored event with the draft package, as
// cli/console.go wires it for serve (leadbridge init).
func draftFrom(st *store.Store, inForce func() *mappings.Config) func(ctx context.Context, id int64, name string) (string, error) {
	return func(ctx context.Context, id int64, name string) (string, error) {
		ev, err := st.GetEvent(ctx, id)
		if err != nil {
			return "", err
		}
		res, err := draft.Source(draft.Input{Name: name, SourceName: ev.Source, Source: inForce().Sources[ev.Source],
			ContentType: ev.ContentType, Payload: ev.Payload})
		if err != nil {
			return "", err
		}
		return string(res.YAML), nil
	}
}

// harnessEnv is the harness's environment: CONSOLE_TEST_TOKEN alone.
func harnessEnv(k string) (string, bool) {
	if k == "CONSOLE_TEST_TOKEN" {
		return "form-token", true
	}
	return "", false
}

func newHarness(t testing.TB, opts ...harnessOption) *harness {
	t.Helper()
	x := &harness{t: t, clock: &clock{now: time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)}, status: &fakeStatus{}, replays: &fakeReplayer{}}
	dir := t.TempDir()
	x.mapFile = filepath.Join(dir, "mappings.yaml")
	require.NoError(t, os.WriteFile(x.mapFile, []byte(testMappings), 0o600))
	env := harnessEnv
	cfg, err := mappings.Loader{LookupEnv: env}.LoadFile(x.mapFile)
	require.NoError(t, err)
	x.cfg = cfg
	st, err := store.Open(context.Background(), store.Config{DSN: filepath.Join(dir, "lb.db"), Now: x.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	x.store = st
	c := Config{Token: mappings.NewSecret(testToken), Now: x.clock.Now, PublicAddr: ":8080", LookupEnv: env}
	d := Deps{Store: st, Mappings: func() *mappings.Config { return x.cfg }, Status: x.status, Replayer: x.replays,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&c, &d)
	}
	x.h = New(c, d)
	return x
}

// setMappings replaces the mappings in force, as a reload of the mapping
// file would.
func (x *harness) setMappings(text string) {
	x.t.Helper()
	require.NoError(x.t, os.WriteFile(x.mapFile, []byte(text), 0o600))
	cfg, err := mappings.Loader{LookupEnv: harnessEnv}.LoadFile(x.mapFile)
	require.NoError(x.t, err)
	x.cfg = cfg
}

// capture stores an event of a source without lead rules, as intake does.
func (x *harness) capture(source, key string, payload []byte) int64 {
	x.t.Helper()
	r, err := x.store.Ingest(context.Background(), &store.Intake{Source: source, ContentType: "application/json", Payload: payload,
		EventKey: key, Captured: true, Headers: []byte(`{}`)})
	require.NoError(x.t, err)
	return r.EventID
}

// ingest stores an event with the given leads.
func (x *harness) ingest(source, key string, payload []byte, leads ...store.NewLead) int64 {
	x.t.Helper()
	r, err := x.store.Ingest(context.Background(), &store.Intake{Source: source, ContentType: "application/json", Payload: payload,
		EventKey: key, Leads: leads, Headers: []byte(`{"User-Agent":["test"]}`)})
	require.NoError(x.t, err)
	return r.EventID
}

func queuedLead(key, email string) store.NewLead {
	return store.NewLead{DedupeKey: key, Status: store.StatusQueued, Email: email,
		Body: []byte(`{"name":"Alice","email":"` + email + `","partner":{"key":"ref_123"}}`)}
}

func failedLead(key string) store.NewLead {
	return store.NewLead{DedupeKey: key, Status: store.StatusFailed, Reason: `[{"field":"email","message":"path \"answers.mail\" matched nothing"}]`}
}

type reqOpt func(*http.Request)

func bearerAuth(tok string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func withCookie(c *http.Cookie) reqOpt { return func(r *http.Request) { r.AddCookie(c) } }

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func (x *harness) do(method, path string, body io.Reader, opts ...reqOpt) *httptest.ResponseRecorder {
	x.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	x.h.ServeHTTP(rec, req)
	return rec
}

// get fetches a page as a bearer client.
func (x *harness) get(path string) *httptest.ResponseRecorder {
	x.t.Helper()
	return x.do(http.MethodGet, path, nil, bearerAuth(testToken))
}

// postForm posts a form as a bearer client (no CSRF token needed).
func (x *harness) postForm(path string, form url.Values) *httptest.ResponseRecorder {
	x.t.Helper()
	return x.do(http.MethodPost, path, strings.NewReader(form.Encode()), bearerAuth(testToken))
}

// login logs in through POST /login and returns the session cookie.
func (x *harness) login() *http.Cookie {
	x.t.Helper()
	rec := x.do(http.MethodPost, "/login", strings.NewReader(url.Values{"token": {testToken}}.Encode()))
	require.Equal(x.t, http.StatusSeeOther, rec.Code, rec.Body.String())
	cookies := rec.Result().Cookies()
	require.Len(x.t, cookies, 1)
	return cookies[0]
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// csrfOf reads the CSRF token a page carries.
func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfMeta.FindStringSubmatch(page)
	require.NotNil(t, m, "no csrf meta tag")
	return m[1]
}
