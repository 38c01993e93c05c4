package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero"
	"github.com/leadbridge/leadbridge/store"
)

// Server is a running leadbridge: its two HTTP handlers, the current
// mappings and the delivery of stored leads.
type Server struct {
	cfg     Config
	store   Store
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics

	reloads   *reloader // the mappings in force and their reloads
	watchPath string    // the mapping file or directory to watch ("": none)
	debounce  time.Duration
	attrib    Attribution

	bodies *admission // bounds the webhook bodies in memory at once

	deliverer *deliverer
	queue     *queue
	chores    chores
	public    http.Handler
	admin     http.Handler
}

// chores are the periodic jobs' last runs, by the injected clock.
type chores struct {
	pruned, reminded time.Time
}

// New builds a server; it does not listen until Run.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg.defaults()
	if deps.Store == nil || deps.Mappings == nil {
		return nil, errors.New("bridge: a store and mappings are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Server{cfg: cfg, store: deps.Store, log: deps.Logger, now: deps.Now, metrics: newMetrics(deps.Collectors...),
		watchPath: deps.WatchPath, debounce: deps.WatchDebounce, attrib: deps.Attribution,
		bodies: newAdmission(cfg.BodyBudget, cfg.BodyWait)}
	if s.debounce <= 0 {
		s.debounce = 500 * time.Millisecond
	}
	rt, err := compile(deps.Mappings, s.now())
	if err != nil {
		return nil, err
	}
	s.reloads = newReloader(rt, deps.Load, deps.OnReload, s.now, s.log, s.metrics)
	client := deps.Partnero
	if client == nil {
		client = partnero.New(partnero.Config{BaseURL: cfg.BaseURL, UserAgent: "leadbridge"}, nil)
	}
	s.deliverer = newDeliverer(s, client)
	s.queue = newQueue(s.store, s.deliverer.Deliver, s.now, s.log, cfg.Workers, cfg.RescueAfter)
	if cfg.APIKey.IsZero() {
		s.metrics.dryRun.Set(1)
	}
	s.public = s.publicRouter()
	s.admin = s.adminRouter(deps.Console)
	return s, nil
}

// PublicHandler serves /hooks/* and /healthz.
func (s *Server) PublicHandler() http.Handler { return s.public }

// AdminHandler serves /healthz, /readyz, /metrics and /admin/*.
func (s *Server) AdminHandler() http.Handler { return s.admin }

func newEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.HandleMethodNotAllowed = true
	return r
}

func (s *Server) publicRouter() http.Handler {
	r := newEngine()
	// A redirect (gin's 301/307 for /hooks/x/ or //hooks/x) is an answer
	// no provider is known to follow with its signature intact: say what
	// is wrong instead (noRoute).
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.POST("/hooks/:source", s.handleHook)
	r.GET("/healthz", s.handleHealthz)
	r.NoRoute(s.noRoute)
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, answer{Status: "error", Error: "use POST"})
	})
	return r
}

// noRoute answers unknown paths. Under /hooks it answers 400, never 404:
// Typeform disables a webhook at once on a 404 or 410.
func (s *Server) noRoute(c *gin.Context) {
	if len(c.Request.URL.Path) >= 6 && c.Request.URL.Path[:6] == "/hooks" {
		c.JSON(http.StatusBadRequest, answer{Status: "error", Error: "no such source: use /hooks/<source> (one path segment, no trailing slash)"})
		return
	}
	c.JSON(http.StatusNotFound, answer{Status: "error", Error: "not found"})
}

// adminRouter serves the admin routes; every other path goes to console
// when there is one.
func (s *Server) adminRouter(console http.Handler) http.Handler {
	r := newEngine()
	r.GET("/healthz", s.handleHealthz)
	r.GET("/readyz", s.handleReadyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	s.adminRoutes(r)
	if console != nil {
		r.NoRoute(func(c *gin.Context) {
			c.Status(http.StatusOK) // gin presets 404 for NoRoute; the console sets its own
			console.ServeHTTP(c.Writer, c.Request)
		})
		return r
	}
	r.NoRoute(func(c *gin.Context) { c.JSON(http.StatusNotFound, answer{Status: "error", Error: "not found"}) })
	return r
}

func (s *Server) handleHealthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// handleReadyz reports whether the store answers and mappings are loaded;
// Partnero trouble (dry-run, a rejected key) is reported in the body but
// does not make it non-200: intake still works and stores everything.
func (s *Server) handleReadyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	rt := s.reloads.current()
	m := gin.H{"sources": len(rt.sources), "hash": rt.cfg.Hash, "loaded_at": rt.loaded.UTC()}
	if re := s.reloads.lastError(); re != nil {
		m["last_reload_error"] = re.err.Error()
		m["last_reload_failed_at"] = re.at.UTC()
	}
	body := gin.H{"mappings": m}
	code := http.StatusOK
	if err := s.storeFailing(ctx); err != nil {
		code = http.StatusServiceUnavailable
		body["store"] = gin.H{"status": "failing", "error": err.Error()}
	} else {
		body["store"] = gin.H{"status": "ok"}
	}
	body["partnero"] = s.deliverer.status()
	if s.attrib != nil {
		// A warning, not a failure: intake and delivery work.
		body["unattributed"] = s.attrib.Unattributed()
	}
	body["status"] = "ok"
	if code != http.StatusOK {
		body["status"] = "error"
	}
	c.JSON(code, body)
}

// storeFailing tells why the store cannot take writes now: it does not
// answer, delivery results wait to be written, or a probe write fails (a
// full disk lets reads and Ping through).
func (s *Server) storeFailing(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	if err := s.queue.failing(); err != nil {
		return err
	}
	return s.store.CheckWrite(ctx)
}

// apiKeyFor is the key a source's leads are delivered with.
func (s *Server) apiKeyFor(src *mappings.Source) mappings.Secret {
	if !src.APIKey.IsZero() {
		return src.APIKey
	}
	return s.cfg.APIKey
}

// Run serves until ctx ends, then stops gracefully: the listeners stop
// accepting and finish in-flight requests, deliveries finish or are
// released, the store closes. Listeners are bound before Run returns any
// error, so a port in use fails at start.
func (s *Server) Run(ctx context.Context) error {
	pub, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	var adm net.Listener
	if s.cfg.AdminAddr != "" {
		if adm, err = net.Listen("tcp", s.cfg.AdminAddr); err != nil {
			pub.Close()
			return fmt.Errorf("listen %s (admin): %w", s.cfg.AdminAddr, err)
		}
	}
	return s.Serve(ctx, pub, adm)
}

// Serve is Run on listeners the caller opened (adm may be nil).
func (s *Server) Serve(ctx context.Context, pub, adm net.Listener) error {
	dctx, stopDelivery := context.WithCancel(context.Background())
	defer stopDelivery()
	waitDelivery := s.startDelivery(dctx)
	bg, stopBG := context.WithCancel(context.Background())
	if s.watchPath != "" && s.reloads.load != nil {
		if err := s.reloads.watch(bg, s.watchPath, s.debounce); err != nil {
			// Reloads still work on SIGHUP and through the admin API.
			s.log.Warn("mapping files are not watched", "err", err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.background(bg) }()

	servers := []*http.Server{newHTTPServer(s.public, s.log)}
	listeners := []net.Listener{pub}
	if adm != nil {
		servers = append(servers, newHTTPServer(s.admin, s.log))
		listeners = append(listeners, adm)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	s.log.Info("leadbridge listening", "addr", pub.Addr().String(), "admin_addr", addrOf(adm), "sources", len(s.reloads.current().sources))
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.log.Info("shutting down: no new requests; finishing in-flight ones")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			s.log.Warn("shutdown", "err", err)
		}
	}
	stopBG()
	wg.Wait()
	stopDelivery()
	if err := waitDelivery(sctx); err != nil {
		s.log.Warn("stop deliveries", "err", err)
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// startDelivery runs the delivery workers until ctx ends; the function
// it returns waits for them (attempts in flight until its deadline).
func (s *Server) startDelivery(ctx context.Context) func(context.Context) error {
	return s.queue.run(ctx)
}

func addrOf(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// choreTick is how often the periodic chores look whether they are due.
const choreTick = 15 * time.Second

// background runs the periodic chores until ctx ends.
func (s *Server) background(ctx context.Context) {
	tick := time.NewTicker(choreTick)
	defer tick.Stop()
	for {
		s.runChores(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// runChores does the periodic work that is due by the injected clock:
// metrics of the backlog (every time), pruning past the retention (at
// start, then daily) and the dry-run reminder (every 10 minutes).
func (s *Server) runChores(ctx context.Context) {
	now := s.now()
	s.updateStats(ctx)
	if s.chores.pruned.IsZero() || now.Sub(s.chores.pruned) >= 24*time.Hour {
		s.chores.pruned = now
		s.prune(ctx)
	}
	if s.chores.reminded.IsZero() || now.Sub(s.chores.reminded) >= 10*time.Minute {
		s.chores.reminded = now
		s.remindDryRun()
	}
}

func (s *Server) updateStats(ctx context.Context) {
	st, err := s.store.Stats(ctx)
	if err != nil {
		s.log.Warn("queue stats", "err", err)
		return
	}
	for _, status := range []string{store.StatusQueued, store.StatusRetrying, store.StatusDelivered, store.StatusDead, store.StatusDryRun, store.StatusFailed, store.StatusIgnored} {
		s.metrics.queueDepth.WithLabelValues(status).Set(float64(st.ByStatus[status]))
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = s.now().Sub(st.OldestPending).Seconds()
	}
	s.metrics.oldestPending.Set(age)
}

func (s *Server) prune(ctx context.Context) {
	n, err := s.store.Prune(ctx, s.now().Add(-s.cfg.Retention), false)
	if err != nil {
		s.log.Error("prune", "err", err)
		return
	}
	if n > 0 {
		s.log.Info("pruned events past the retention", "events", n, "retention", s.cfg.Retention.String())
	}
}

func (s *Server) remindDryRun() {
	if s.cfg.APIKey.IsZero() {
		s.log.Warn("dry-run: PARTNERO_API_KEY is not set, so leads are stored with the request that would be sent and nothing reaches Partnero; set it and run `leadbridge replay --status dry_run` to send them",
			"partnero_base_url", s.cfg.BaseURL)
	}
}
