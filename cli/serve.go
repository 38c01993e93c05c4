package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/notify"
	"github.com/leadbridge/leadbridge/store"
)

// serveFlags are the flags shared by serve and the commands that open the
// same store or talk to the same server (events, replay, prune, healthcheck).
type serveFlags struct {
	fs                                    *flagSet // --mappings and --db are its common flags
	addr, adminAddr, logLevel             string
	dbPool                                string
	workers, rate, maxBody                string
	retryMin, retryMax, maxAge, retention string
	rescueAfter                           string
}

func (f *serveFlags) register(fs *flagSet) {
	f.fs = fs
	fs.stringVar(&f.addr, "addr", "LEADBRIDGE_ADDR", ":8080", "public listener: /hooks/*, /healthz")
	fs.stringVarEmptyOK(&f.adminAddr, "admin-addr", "LEADBRIDGE_ADMIN_ADDR", "127.0.0.1:9090", "private listener: /metrics, /readyz, /healthz, /admin/*; empty = off")
	fs.stringVar(&f.dbPool, "db-pool", "LEADBRIDGE_DB_POOL", "10", "PostgreSQL connections per instance (SQLite always uses one)")
	fs.stringVar(&f.workers, "workers", "LEADBRIDGE_WORKERS", "4", "concurrent deliveries")
	fs.stringVar(&f.rate, "rate", "LEADBRIDGE_RATE", "5", "outbound requests per second to Partnero (per instance)")
	fs.stringVar(&f.retryMin, "retry-min", "LEADBRIDGE_RETRY_MIN", "30s", "first backoff step")
	fs.stringVar(&f.retryMax, "retry-max", "LEADBRIDGE_RETRY_MAX", "1h", "largest backoff step")
	fs.stringVar(&f.maxAge, "max-age", "LEADBRIDGE_MAX_AGE", "72h", "after this an undeliverable lead is dead")
	fs.stringVar(&f.maxBody, "max-body", "LEADBRIDGE_MAX_BODY", "1MiB", "largest accepted webhook body")
	fs.stringVar(&f.retention, "retention", "LEADBRIDGE_RETENTION", "720h", "delivered and ignored events are deleted after this; also the dedupe window")
	fs.stringVar(&f.rescueAfter, "rescue-after", "LEADBRIDGE_RESCUE_AFTER", "2m", "the lease of a lead being delivered: one in flight on an instance that died is retried after this (at least 10s; one attempt is cut off at half of it, at most 1m)")
	fs.stringVar(&f.logLevel, "log-level", "LEADBRIDGE_LOG_LEVEL", "info", "debug, info, warn or error (payload contents only at debug)")
	fs.env("PARTNERO_API_KEY", "", "the Partnero program's API key (Program > Integration > API); unset = dry-run: leads are stored with the request that would be sent")
	fs.env("PARTNERO_BASE_URL", "https://api.partnero.com/v1", "the Partnero API base URL (e.g. a test double)")
	fs.env("LEADBRIDGE_ADMIN_TOKEN", "", "enables /admin/* on the admin listener (Authorization: Bearer <token>); unset = off")
}

// storeConfig turns the flags into a store.Config, naming the flag at fault.
func (f *serveFlags) storeConfig() (store.Config, error) {
	n, err := positiveInt("db-pool", f.dbPool)
	if err != nil {
		return store.Config{}, err
	}
	return store.Config{DSN: f.fs.db, PoolSize: n}, nil
}

// config turns the flags into a bridge.Config, naming the flag at fault.
func (f *serveFlags) config(o IO) (bridge.Config, error) {
	c := bridge.Config{Addr: f.addr, AdminAddr: f.adminAddr, BaseURL: strings.TrimSpace(o.getenv("PARTNERO_BASE_URL"))}
	if c.BaseURL == "" {
		c.BaseURL = "https://api.partnero.com/v1"
	}
	// A wrong base URL would only show as deliveries retrying until they
	// die: refuse it at start.
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return c, fmt.Errorf("PARTNERO_BASE_URL: expected an absolute http(s) URL such as https://api.partnero.com/v1, got %q", c.BaseURL)
	}
	c.APIKey = mappings.NewSecret(strings.TrimSpace(o.getenv("PARTNERO_API_KEY")))
	c.AdminToken = mappings.NewSecret(strings.TrimSpace(o.getenv("LEADBRIDGE_ADMIN_TOKEN")))
	var err error
	if c.Workers, err = positiveInt("workers", f.workers); err != nil {
		return c, err
	}
	if c.Rate, err = strconv.ParseFloat(f.rate, 64); err != nil || c.Rate <= 0 {
		return c, fmt.Errorf("--rate: expected a positive number of requests per second, got %q", f.rate)
	}
	for _, d := range []struct {
		name, val string
		dst       *time.Duration
	}{{"retry-min", f.retryMin, &c.RetryMin}, {"retry-max", f.retryMax, &c.RetryMax}, {"max-age", f.maxAge, &c.MaxAge}, {"retention", f.retention, &c.Retention}} {
		v, err := time.ParseDuration(d.val)
		if err != nil || v <= 0 {
			return c, fmt.Errorf("--%s: expected a positive Go duration such as 30s, 1h or 720h, got %q", d.name, d.val)
		}
		*d.dst = v
	}
	if c.RescueAfter, err = time.ParseDuration(f.rescueAfter); err != nil || c.RescueAfter < 10*time.Second {
		return c, fmt.Errorf("--rescue-after: expected a Go duration of at least 10s, such as 2m, got %q", f.rescueAfter)
	}
	if c.RetryMax < c.RetryMin {
		return c, fmt.Errorf("--retry-max (%s) is shorter than --retry-min (%s)", c.RetryMax, c.RetryMin)
	}
	if c.MaxBody, err = parseSize(f.maxBody); err != nil {
		return c, fmt.Errorf("--max-body: %w", err)
	}
	return c, nil
}

func positiveInt(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("--%s: expected a positive whole number, got %q", name, s)
	}
	return n, nil
}

// parseSize reads 1048576, 512KiB, 1MiB, 2MB (decimal units too).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("expected a size such as 1MiB, 512KiB or 1048576, got %q", s)
	}
	return n * mult, nil
}

// newLogger logs JSON when stderr is not a terminal (Docker, systemd),
// text for a person at a terminal.
func newLogger(o IO, level string) (*slog.Logger, error) {
	return newLoggerTo(o.Err, o.Err, level)
}

// newLoggerTo is newLogger writing to w (stderr itself, or a logWriter in
// front of it), the format chosen by what stderr is.
func newLoggerTo(stderr, w io.Writer, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: expected debug, info, warn or error, got %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if f, ok := stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts)), nil
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

func runServe(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("serve", "serve [flags]", o)
	var f serveFlags
	f.register(fs)
	var nf notifyFlags
	nf.register(fs)
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	cfg, err := f.config(o)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	scfg, err := f.storeConfig()
	if err != nil {
		return usageError(fs, "%v", err)
	}
	ncfg, err := nf.config()
	if err != nil {
		return usageError(fs, "%v", err)
	}
	// A line per webhook: they are written by a goroutine of their own, so
	// that webhooks answered together share a write (see logWriter).
	lw := newLogWriter(o.Err)
	defer lw.Close() // last: after "leadbridge stopped" and the store's logs
	log, err := newLoggerTo(o.Err, lw, f.logLevel)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	m, ok := loadMappings(fs.mappings, o)
	if !ok {
		return exitFailed
	}
	for _, n := range sourceNames(m) {
		if m.Sources[n].Insecure {
			log.Warn("source accepts unauthenticated requests (insecure: true)", "source", n)
		}
	}
	scfg.Logger = log
	st, err := store.Open(ctx, scfg)
	if err != nil {
		log.Error("open store", "db", redactDSN(fs.db), "err", err)
		return exitFailed
	}
	defer st.Close(context.Background())
	loader := mappings.Loader{LookupEnv: o.lookupEnv()}
	secrets := serveSecrets(cfg, ncfg, fs.db, m)
	notifier, err := notify.New(ncfg, notify.Deps{Store: st, Logger: log, Secrets: secrets.list})
	if err != nil {
		log.Error("start", "err", err)
		return exitFailed
	}
	load := func() (*mappings.Config, error) {
		c, err := loader.LoadPath(fs.mappings)
		secrets.addMappings(c)
		return c, err
	}
	console, bindConsole := consoleFor(cfg, st, log, o)
	srv, err := bridge.New(cfg, bridge.Deps{Store: st, Mappings: m, Logger: log, Load: load, WatchPath: fs.mappings, Console: console,
		OnReload: notifier.Reloaded, Attribution: notifier, Collectors: []prometheus.Collector{notifier.Collector()}})
	if err != nil {
		log.Error("start", "err", err)
		return exitFailed
	}
	bindConsole(srv)
	nctx, stopNotify := context.WithCancel(ctx)
	notifying := make(chan struct{})
	go func() { defer close(notifying); notifier.Run(nctx) }()
	defer func() { stopNotify(); <-notifying }() // before the store closes
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			log.Info("SIGHUP: reloading mappings")
			_, _ = srv.Reload() // failures are logged, the old mappings stay
		}
	}()
	log.Info("leadbridge starting", "version", version, "store", st.Kind(), "db", redactDSN(fs.db), "mappings", fs.mappings)
	if err := srv.Run(ctx); err != nil {
		log.Error("serve", "err", err)
		return exitFailed
	}
	log.Info("leadbridge stopped")
	return exitOK
}

// redactDSN hides a password in a postgres:// URL.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndexByte(dsn, '@'); at > i {
			if colon := strings.IndexByte(dsn[i+3:at], ':'); colon >= 0 {
				return dsn[:i+3+colon] + ":<secret>" + dsn[at:]
			}
		}
	}
	return dsn
}
