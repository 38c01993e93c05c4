// Package partnerotest is an in-process fake of the Partnero REST API
// (https://api.partnero.com/v1) for tests in any package.
//
// It follows the research notes in partnero-api.md: Bearer auth with a
// Laravel-style 401, POST /leads with Laravel-style 422 validation and
// "Invalid partner key" 400, 201 answers shaped like Partnero's Lead object,
// GET /leads/details with leads_enabled as a string, and small but correct
// list, get, delete, convert and reject endpoints. Where Partnero's behaviour
// is unknown the choice is an Option, so tests can cover both answers.
//
// Failures are switchable at runtime (Script, FailNext, SetDown, SetLatency,
// SetAPIKeys) and every request is recorded (Leads, Requests, Attempts).
// All methods are safe for concurrent use.
package partnerotest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// DefaultAPIKey is the only key accepted when WithAPIKey is not given.
const DefaultAPIKey = "test-key"

// maxBody bounds a request body; larger ones get 413, as a real front end's
// limit would.
const maxBody = 10 << 20

// Server is a running fake Partnero API. Create it with New and stop it with
// Close (typically t.Cleanup(srv.Close)).
type Server struct {
	ts        *httptest.Server
	base      string        // ts.URL + "/v1"
	done      chan struct{} // closed by Close, so sleeping handlers return
	closeOnce sync.Once
	initial   config // the configuration New built, restored by Reset

	mu       sync.Mutex
	cfg      config
	latency  time.Duration
	down     bool
	script   []Response
	nextID   int
	store    []*lead // leads that GET/list/delete see, in id order
	received []ReceivedLead
	requests []Request
	attempts int
}

// New starts a fake with the given options.
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	s := &Server{done: make(chan struct{}), initial: cfg.clone(), cfg: cfg, nextID: 1}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.base = s.ts.URL + "/v1"
	return s
}

// URL returns the API base URL including "/v1", e.g.
// "http://127.0.0.1:1234/v1": what PARTNERO_BASE_URL would be set to.
func (s *Server) URL() string { return s.base }

// Close stops the server. Requests still waiting out a latency or a scripted
// delay are answered 503 at once instead of holding Close up.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.ts.Close()
}

// Reset forgets every lead, recorded request and counter, and restores the
// state New produced: the configured keys, partners and form, no script, no
// latency, not down. Lead ids start again at 1.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = s.initial.clone()
	s.latency = 0
	s.down = false
	s.script = nil
	s.nextID = 1
	s.store = nil
	s.received = nil
	s.requests = nil
	s.attempts = 0
}
