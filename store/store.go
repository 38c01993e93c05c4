// Package store keeps webhooks durable: the raw events, the leads mapped
// from them with their own delivery status and schedule (the lead row is
// the delivery job: see Claim), and every delivery attempt. It runs on an
// embedded SQLite file by default and on PostgreSQL for several instances;
// both go through database/sql, so one implementation serves both.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Event statuses. An event's status derives from its leads: the status of
// the lead that most needs attention (see statusRank).
const (
	StatusQueued    = "queued"    // waiting for its first delivery
	StatusRetrying  = "retrying"  // a delivery failed; another is scheduled
	StatusDelivered = "delivered" // Partnero accepted it
	StatusDead      = "dead"      // undeliverable: kept for replay
	StatusDryRun    = "dry_run"   // no API key: recorded with the body it would send
	StatusFailed    = "failed"    // the mapping failed: kept for replay
	StatusIgnored   = "ignored"   // a when condition failed, or no partner
	// StatusCaptured is an event of a source without lead rules: stored
	// for a mapping to be written from it, then replayed.
	StatusCaptured = "captured"
)

// statusRank orders statuses by how much they need attention; an event
// shows the highest of its leads'.
func statusRank(status string) int {
	switch status {
	case StatusFailed:
		return 7
	case StatusDead:
		return 6
	case StatusRetrying:
		return 5
	case StatusQueued:
		return 4
	case StatusDryRun:
		return 3
	case StatusDelivered:
		return 2
	case StatusIgnored:
		return 1
	}
	return 0
}

// EventStatus derives an event's status from its leads' statuses.
func EventStatus(leadStatuses ...string) string {
	best, rank := StatusIgnored, 0
	for _, s := range leadStatuses {
		if r := statusRank(s); r > rank {
			best, rank = s, r
		}
	}
	return best
}

// ErrUnavailable wraps failures to store an event: the caller answers 503
// so that the provider retries; nothing was written.
var ErrUnavailable = errors.New("store unavailable")

// ErrNotFound is returned for an unknown event or lead id.
var ErrNotFound = errors.New("not found")

// Config configures a Store.
type Config struct {
	// DSN is a SQLite file path (or "file:..." URI), or a postgres:// URL.
	DSN string
	// Now is the clock of every time the store writes or compares:
	// received times, due times and leases; nil means time.Now.
	Now func() time.Time
	// Logger receives store logs; nil means slog.Default().
	Logger *slog.Logger
	// MaxBatch bounds how many webhooks one group commit holds; 0 means 256.
	MaxBatch int
	// PoolSize is the PostgreSQL connection pool size of this instance:
	// intake, claims and results share it. 0 means 10; less than 2 means 2
	// (at start one connection holds the migration lock while another
	// migrates). SQLite always uses one connection: SQLite has one writer.
	PoolSize int
}

// Store is the durable store. Create it with Open; it is safe for
// concurrent use.
type Store struct {
	cfg Config
	db  *sql.DB // writes, and reads inside write transactions
	// rdb serves reads that need no transaction (events, stats, backup):
	// on SQLite a pool of its own, so that a long read (the backlog's
	// counts over a million leads) never holds the writer's connection.
	rdb     *sql.DB
	dialect dialect
	stopBG  func() // stops the background checkpointer (SQLite)
	now     func() time.Time
	log     *slog.Logger

	committer *committer
	stmts     stmts
	// wake is signalled when leads were queued (see Wakeup).
	wake chan struct{}
}

// Open opens (creating or migrating as needed) the store at cfg.DSN and
// starts its group committer.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 256
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 10
	}
	d := dialectFor(cfg.DSN)
	db, err := d.open(cfg)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Store{cfg: cfg, db: db, rdb: db, dialect: d, now: cfg.Now, log: cfg.Logger, wake: make(chan struct{}, 1), stopBG: func() {}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate store: %w", err)
	}
	if err := s.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("prepare store: %w", err)
	}
	if d.openReader != nil {
		if s.rdb, err = d.openReader(cfg); err != nil {
			s.stmts.close()
			db.Close()
			return nil, fmt.Errorf("open store reader: %w", err)
		}
		s.stopBG = s.checkpointer()
	}
	s.committer = newCommitter(s, cfg.MaxBatch, d.writers)
	return s, nil
}

// Kind names the backend ("sqlite" or "postgres"), for logs and metrics.
func (s *Store) Kind() string { return s.dialect.name }

// Ping checks that the database answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close stops the committer (after the requests it holds are committed),
// then closes the database.
func (s *Store) Close(context.Context) error {
	s.committer.stop()
	s.stopBG()
	s.stmts.close()
	var errs []error
	if s.rdb != s.db {
		errs = append(errs, s.rdb.Close())
	}
	return errors.Join(append(errs, s.db.Close())...)
}

func (s *Store) ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func placeholders(start, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", start+i)
	}
	return b.String()
}
