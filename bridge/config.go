// Package bridge is leadbridge's server: the public webhook intake
// (verify → decode → map → store → answer), the admin listener, and the
// delivery of stored leads to Partnero.
package bridge

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/notify"
	"github.com/leadbridge/leadbridge/partnero"
	"github.com/leadbridge/leadbridge/store"
)

// Config is the server's configuration (product.md §2 flags and env).
type Config struct {
	Addr      string // public listener: /hooks/*, /healthz
	AdminAddr string // private listener: /healthz, /readyz, /metrics, /admin/*; "" disables it

	MaxBody int64 // largest accepted body in bytes
	// BodyBudget bounds the webhook bodies read, decoded and stored at
	// once, in bytes (each counts its declared length, or MaxBody); a
	// webhook waits up to BodyWait for room, then gets 503. 0 means
	// max(8 MiB, 2×MaxBody); it is raised to MaxBody at least.
	BodyBudget int64
	// BodyWait is how long a webhook waits for room in BodyBudget; 0
	// means 10s.
	BodyWait  time.Duration
	Retention time.Duration // delivered and ignored events are deleted after this; also the dedupe window

	// APIKey is the default Partnero API key; empty means dry-run.
	APIKey  mappings.Secret
	BaseURL string // Partnero API base URL

	Workers  int           // concurrent deliveries
	Rate     float64       // outbound requests per second to Partnero
	RetryMin time.Duration // first backoff step
	RetryMax time.Duration // largest backoff step
	MaxAge   time.Duration // after this an undeliverable lead is dead
	// RescueAfter is the lease of a claimed lead: how long a delivery that
	// was in flight on an instance that died (SIGKILL, a lost machine)
	// waits before it is tried again; one attempt is cut off at half of it
	// (at most 1m), so a live instance's delivery is never taken over. 0
	// means 2m.
	RescueAfter time.Duration

	// AdminToken enables the admin API (Authorization: Bearer <token>).
	AdminToken mappings.Secret

	// ShutdownTimeout bounds the graceful stop; 0 means 30s.
	ShutdownTimeout time.Duration
}

func (c *Config) defaults() {
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.BodyBudget <= 0 {
		c.BodyBudget = max(8<<20, 2*c.MaxBody)
	}
	c.BodyBudget = max(c.BodyBudget, c.MaxBody)
	if c.BodyWait <= 0 {
		c.BodyWait = 10 * time.Second
	}
	if c.Retention <= 0 {
		c.Retention = 720 * time.Hour
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Rate <= 0 {
		c.Rate = 5
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 30 * time.Second
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = max(time.Hour, c.RetryMin)
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 72 * time.Hour
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = 2 * time.Minute
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
}

// Store is what the server needs from the durable store; *store.Store
// implements it for SQLite and PostgreSQL. Its lead rows are the delivery
// queue: Claim, Complete, Release and Wakeup.
type Store interface {
	Ingest(ctx context.Context, in *store.Intake) (store.IntakeResult, error)
	Ping(ctx context.Context) error
	// CheckWrite commits a small write: /readyz's probe.
	CheckWrite(ctx context.Context) error
	Claim(ctx context.Context, n int, lease time.Duration) ([]*store.Delivery, error)
	Complete(ctx context.Context, rs []store.Result) (stale int, err error)
	Release(ctx context.Context, ds []*store.Delivery) error
	Wakeup() <-chan struct{}
	Prune(ctx context.Context, cutoff time.Time, includeFailed bool) (int64, error)
	Stats(ctx context.Context) (store.QueueStats, error)
}

// Deps are the server's collaborators.
type Deps struct {
	Store    Store
	Mappings *mappings.Config
	// Partnero is the API client; nil builds one from Config.BaseURL.
	Partnero *partnero.Client
	Logger   *slog.Logger
	// Now is the clock of every time decision (backoff, Retry-After,
	// max-age, leases, the removed-source window, retention and the
	// periodic chores); nil means time.Now. The store must use the same.
	Now func() time.Time
	// Load reloads the mapping files (SIGHUP, POST /admin/reload, file
	// changes); nil disables reloading.
	Load func() (*mappings.Config, error)
	// WatchPath is the mapping file or directory to watch for changes;
	// "" disables the watcher.
	WatchPath string
	// WatchDebounce is the quiet time after a change before reloading; 0
	// means 500ms.
	WatchDebounce time.Duration
	// Console serves the admin listener's paths that no admin route
	// matches (the web console); nil leaves them 404.
	Console http.Handler
	// OnReload, when set, is told the outcome of every reload (nil on
	// success, also an unchanged one): notify.Notifier.Reloaded.
	OnReload func(err error)
	// Attribution, when set, adds the unattributed share per source to
	// /readyz: *notify.Notifier.
	Attribution Attribution
	// Collectors are served on /metrics beside the server's own series.
	Collectors []prometheus.Collector
}

// Attribution reports the share of each source's recent leads that
// arrived without a partner identifier.
type Attribution interface {
	Unattributed() []notify.Share
}
