// Package console is leadbridge's web console (product.md §6), served on
// the private admin listener: what arrived, the payload of each event as a
// tree of gjson paths, a playground that runs a source's YAML against
// stored or pasted payloads, the sources, and fix-and-replay.
//
// Pages are rendered on the server with html/template (every payload value
// is escaped by it); the little JavaScript and CSS there is are embedded
// files, so the console works offline and under a Content-Security-Policy
// that allows no inline script. Access is the admin token: a bearer header,
// or a session cookie set by POST /login (see auth.go).
package console

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"golang.org/x/time/rate"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

// Config configures the console.
type Config struct {
	// Token is the admin token (LEADBRIDGE_ADMIN_TOKEN). Without it every
	// path answers 404, like the admin API.
	Token mappings.Secret
	// SessionTTL is how long a login lasts; 0 means 12h.
	SessionTTL time.Duration
	// PublicAddr is the public listener's address (--addr), shown on the
	// sources page next to the URLs to paste into providers.
	PublicAddr string
	// MaxPayload bounds a payload pasted into the playground; 0 means 1 MiB
	// (use --max-body: nothing larger is ever stored).
	MaxPayload int64
	// LookupEnv resolves ${VAR} in playground YAML; nil means
	// os.LookupEnv. Unset variables get a placeholder: the playground never
	// verifies a signature.
	LookupEnv func(string) (string, bool)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store is what the console reads; *store.Store implements it.
type Store interface {
	EventPage(ctx context.Context, f store.Filter) ([]store.EventSummary, error)
	GetEvent(ctx context.Context, id int64) (*store.Event, error)
	Stats(ctx context.Context) (store.QueueStats, error)
	Activity(ctx context.Context, since time.Time) (store.Activity, error)
	SourceActivity(ctx context.Context) ([]store.SourceActivity, error)
	RecentPayloads(ctx context.Context, source string, limit int, maxBytes int64) ([]store.StoredPayload, error)
	EventIDs(ctx context.Context, f store.Filter) ([]int64, error)
}

// StatusSource reports the server state the overview warns about;
// *bridge.Server implements it.
type StatusSource interface {
	Status() bridge.Status
}

// Replayer re-maps stored events with the mappings in force and queues
// their undelivered leads (delivered ones too with force);
// *bridge.Server implements it.
type Replayer interface {
	Replay(ctx context.Context, ids []int64, force bool) (bridge.ReplayReport, error)
}

// Deps are the console's collaborators. Store, Mappings, Status and
// Replayer are required.
type Deps struct {
	Store Store
	// Mappings returns the mappings in force (they change on reload).
	Mappings func() *mappings.Config
	Status   StatusSource
	Replayer Replayer
	// Draft drafts a source's YAML from a stored event (leadbridge init);
	// nil hides "draft a source".
	Draft  func(ctx context.Context, eventID int64, name string) (yaml string, err error)
	Logger *slog.Logger
}

// handler is the console. Its state is the session key, the login
// limiter and the playground's cache of one source's stored events:
// sessions are signed cookies (auth.go).
type handler struct {
	cfg   Config
	deps  Deps
	log   *slog.Logger
	now   func() time.Time
	key   []byte // signs sessions and CSRF tokens; derived from the token
	pages *pages
	mux   *http.ServeMux
	// history caches the decoded stored events of the source being edited
	// in the playground.
	history historyCache
	// logins bounds login attempts (right or wrong), so that the token
	// cannot be guessed at the speed of the network.
	logins *rate.Limiter
}

// New builds the console. It panics when a required dependency is
// missing (a wiring mistake, found by the first test that builds it).
func New(cfg Config, deps Deps) http.Handler {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = 1 << 20
	}
	if cfg.LookupEnv == nil {
		cfg.LookupEnv = os.LookupEnv
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Store == nil || deps.Mappings == nil || deps.Status == nil || deps.Replayer == nil {
		panic("console: Store, Mappings, Status and Replayer are required")
	}
	h := &handler{cfg: cfg, deps: deps, log: deps.Logger, now: cfg.Now, pages: mustParsePages(),
		logins: rate.NewLimiter(rate.Every(time.Second), 10)}
	if cfg.Token.IsZero() {
		return secure(http.HandlerFunc(notFoundJSON))
	}
	h.key = sessionKey(cfg.Token.Reveal())
	h.routes()
	return secure(h.mux)
}

func (h *handler) routes() {
	m := http.NewServeMux()
	m.Handle("GET /static/", http.StripPrefix("/static/", staticFiles()))
	m.HandleFunc("GET /login", h.loginPage)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.authed(h.logout))
	m.HandleFunc("GET /{$}", h.authed(h.overview))
	m.HandleFunc("GET /events", h.authed(h.events))
	m.HandleFunc("POST /events/replay", h.authed(h.replayMatching))
	m.HandleFunc("GET /events/{id}", h.authed(h.event))
	m.HandleFunc("POST /events/{id}/replay", h.authed(h.replayEvent))
	m.HandleFunc("GET /playground", h.authed(h.playgroundPage))
	m.HandleFunc("POST /playground", h.authed(h.playgroundRun))
	m.HandleFunc("POST /playground/draft", h.authed(h.draft))
	m.HandleFunc("GET /sources", h.authed(h.sources))
	m.HandleFunc("/", h.authed(h.notFound))
	h.mux = m
}

// csp allows the console's own files and nothing else: no inline script
// or style, no framing, forms and fetches to this origin only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers on every answer, errors included.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if hd.Get("Cache-Control") == "" {
			hd.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// notFoundJSON is the answer without an admin token: the same 404 as the
// admin API's, so the console's existence is not revealed either.
func notFoundJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"status":"error","error":"not found"}` + "\n"))
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request, s *session) {
	h.fail(w, r, s, http.StatusNotFound, "There is no page at this address.")
}
