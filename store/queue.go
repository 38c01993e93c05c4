package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Delivery is a lead handed to the Deliverer.
type Delivery struct {
	LeadID       int64
	EventID      int64
	Source       string
	Body         []byte
	Attempts     int       // attempts made since the lead was (re)queued
	QueuedAt     time.Time // start of the retry budget (intake or replay)
	FallbackUsed bool      // the fallback partner was already tried
	Gen          int64     // the lead's generation when the job was scheduled
}

// Decision is what the Deliverer decided after one attempt.
type Decision struct {
	Status     string        // StatusDelivered, StatusRetrying or StatusDead
	RetryIn    time.Duration // when StatusRetrying
	StatusCode int           // Partnero's HTTP status, 0 when none
	Outcome    string        // a short word for the attempt: delivered, retry, dead, auth, ...
	Error      string        // a short excerpt of the error, never a secret
	PartneroID string        // Partnero's lead id when delivered
	// Body replaces the lead's body for later attempts (the fallback partner).
	Body         []byte
	FallbackUsed bool
}

// Deliverer makes one delivery attempt. The store records the decision
// and schedules what follows.
type Deliverer interface {
	Deliver(ctx context.Context, d *Delivery) Decision
}

// QueueConfig configures delivery scheduling.
type QueueConfig struct {
	// Workers is the number of concurrent deliveries.
	Workers int
	// JobTimeout bounds one attempt (Partnero call plus fallback and rate
	// limiter waits); stuck jobs are rescued RescueAfter it.
	JobTimeout time.Duration
	// RescueAfter is how long after a crash a delivery that was in flight
	// is retried; it must exceed JobTimeout. 0 means JobTimeout + 1 minute.
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for due jobs (SQLite has
	// no notifications). 0 means 500ms.
	PollInterval time.Duration
}

// deliverArgs is the River job: one lead to deliver.
type deliverArgs struct {
	LeadID int64 `json:"lead_id"`
	Gen    int64 `json:"gen"`
}

func (deliverArgs) Kind() string { return "leadbridge_deliver" }

// queue wraps the River client; its type is specific to the driver.
type queue struct {
	client *river.Client[*sql.Tx]
}

// riverDriver picks River's driver for the dialect. Both work on *sql.Tx,
// so the River client has one type whatever the database.
func (s *Store) riverDriver() riverdriver.Driver[*sql.Tx] {
	if s.dialect.name == "postgres" {
		return riverdatabasesql.New(s.db)
	}
	return riversqlite.New(s.db)
}

func (s *Store) migrateRiver(ctx context.Context) error {
	m, err := rivermigrate.New(s.riverDriver(), &rivermigrate.Config{Logger: quietLogger(s.log)})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// quietLogger passes River's warnings and errors on, not its chatter.
func quietLogger(l *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn}).With("component", "river")
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(a), f.min}
}

func (f levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(n), f.min}
}

// StartQueue starts delivery: River workers calling d, and the relay that
// hands stored leads to River.
func (s *Store) StartQueue(ctx context.Context, cfg QueueConfig, d Deliverer) error {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = time.Minute
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		cfg.RescueAfter = cfg.JobTimeout + time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliverWorker{s: s, d: d}); err != nil {
		return err
	}
	client, err := river.NewClient(s.riverDriver(), &river.Config{
		Logger:  quietLogger(s.log),
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers: workers,
		// Our lead table is the record; River's rows only schedule.
		CompletedJobRetentionPeriod: time.Hour,
		CancelledJobRetentionPeriod: 24 * time.Hour,
		DiscardedJobRetentionPeriod: -1,
		JobTimeout:                  cfg.JobTimeout,
		RescueStuckJobsAfter:        cfg.RescueAfter,
		FetchPollInterval:           cfg.PollInterval,
		FetchCooldown:               50 * time.Millisecond,
		// Snoozes carry the backoff; errors (a store hiccup) retry this many times.
		MaxAttempts: 1000,
	})
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("river start: %w", err)
	}
	s.mu.Lock()
	s.queue = &queue{client: client}
	s.mu.Unlock()
	s.committer.setIdle(func() {
		if err := s.relay(context.Background()); err != nil {
			s.log.Error("relay leads to the delivery queue", "err", err)
		}
	})
	return nil
}

// StopQueue stops delivery gracefully: no new jobs are fetched, running
// deliveries finish (or, when ctx ends first, are cancelled and left for
// the rescuer to retry).
func (s *Store) StopQueue(ctx context.Context) error {
	s.mu.Lock()
	q := s.queue
	s.queue = nil
	s.mu.Unlock()
	s.committer.setIdle(nil)
	if q == nil {
		return nil
	}
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return q.client.StopAndCancel(context.Background())
	}
	return err
}

func (s *Store) queueClient() *river.Client[*sql.Tx] {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue == nil {
		return nil
	}
	return s.queue.client
}

const relayBatch = 500

// relayWindow bounds how many leads wait in River for their first try.
// The rest wait in lb_leads, just as durable: a burst of webhooks then
// pays River's insert cost (several times a stored event's) at the pace
// deliveries go, not while the webhooks arrive.
const relayWindow = 1000

// relay hands queued leads that have no job yet to River, in one
// transaction with marking them: a lead is scheduled exactly once, and one
// that was stored just before a crash is scheduled after the restart.
func (s *Store) relay(ctx context.Context) error {
	client := s.queueClient()
	if client == nil {
		return nil
	}
	s.relayPending.Store(false)
	for {
		n, full, err := s.relayOnce(ctx, client)
		if err != nil {
			s.relayPending.Store(true)
			return err
		}
		if full {
			s.relayPending.Store(true) // try again when deliveries made room
			return nil
		}
		if n == relayBatch && s.committer.busy() {
			s.relayPending.Store(true) // more to do once intake quiets
			return nil
		}
		if n < relayBatch {
			return nil
		}
	}
}

// relayOnce hands up to relayBatch leads to River; full reports that the
// window is full.
func (s *Store) relayOnce(ctx context.Context, client *river.Client[*sql.Tx]) (n int, full bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback()
	// Leads handed over and not tried yet; retrying ones have a job
	// snoozed until later and do not count.
	var waiting int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM lb_leads WHERE status = 'queued' AND enqueued = 1 LIMIT `+fmt.Sprint(relayWindow)+`) w`).Scan(&waiting); err != nil {
		return 0, false, err
	}
	room := min(relayBatch, relayWindow-waiting)
	if room <= 0 {
		return 0, true, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, gen FROM lb_leads WHERE enqueued = 0 AND status = 'queued' ORDER BY id LIMIT `+fmt.Sprint(room)+s.dialect.skipLocked)
	if err != nil {
		return 0, false, err
	}
	var ids, gens []int64
	for rows.Next() {
		var id, gen int64
		if err := rows.Scan(&id, &gen); err != nil {
			rows.Close()
			return 0, false, err
		}
		ids, gens = append(ids, id), append(gens, gen)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	params := make([]river.InsertManyParams, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: deliverArgs{LeadID: id, Gen: gens[i]}}
		args[i] = id
	}
	if _, err := client.InsertManyFastTx(ctx, tx, params); err != nil {
		return 0, false, fmt.Errorf("insert jobs: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lb_leads SET enqueued = 1 WHERE id IN (`+placeholders(1, len(ids))+`)`, args...); err != nil {
		return 0, false, err
	}
	return len(ids), false, tx.Commit()
}

// deliverWorker is River's worker: load the lead, let the Deliverer try,
// record the attempt, and snooze the job until the next try.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s *Store
	d Deliverer
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	del, ok, err := w.s.loadDelivery(ctx, job.Args.LeadID, job.Args.Gen)
	if err != nil {
		return err
	}
	if !ok {
		return nil // delivered, dead, or pruned meanwhile: nothing to do
	}
	dec := w.d.Deliver(ctx, del)
	// Record with a deadline of its own: Partnero has answered, and losing
	// that because the job's time ran out would send the lead again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.s.recordDecision(rctx, del, dec); err != nil {
		return fmt.Errorf("record delivery of lead %d: %w", del.LeadID, err)
	}
	if dec.Status == StatusRetrying {
		return river.JobSnooze(dec.RetryIn)
	}
	return nil
}

// loadDelivery reads a lead that is due for delivery; ok is false when it
// is no longer waiting for one, or a replay gave it a newer job (gen).
func (s *Store) loadDelivery(ctx context.Context, leadID, gen int64) (*Delivery, bool, error) {
	d := &Delivery{LeadID: leadID, Gen: gen}
	var status string
	var queuedAt, leadGen int64
	var fallback int
	err := s.db.QueryRowContext(ctx, `SELECT event_id, source, status, body, queued_at, fallback_used, gen FROM lb_leads WHERE id = $1`, leadID).
		Scan(&d.EventID, &d.Source, &status, &d.Body, &queuedAt, &fallback, &leadGen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if (status != StatusQueued && status != StatusRetrying) || leadGen != gen {
		return nil, false, nil
	}
	d.QueuedAt = fromMS(queuedAt)
	d.FallbackUsed = fallback != 0
	// The backoff counts the attempts of the current budget: a replay
	// starts a fresh one, its earlier attempts stay in the history.
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM lb_attempts WHERE lead_id = $1 AND at >= $2`, leadID, queuedAt).Scan(&d.Attempts); err != nil {
		return nil, false, err
	}
	return d, true, nil
}

// recordDecision stores an attempt and the lead's new status, and updates
// its event's status, in one transaction.
func (s *Store) recordDecision(ctx context.Context, d *Delivery, dec Decision) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO lb_attempts (lead_id, at, status_code, outcome, error) VALUES ($1, $2, $3, $4, $5)`,
		d.LeadID, s.ms(now), dec.StatusCode, dec.Outcome, truncate(dec.Error, 500)); err != nil {
		return err
	}
	body := d.Body
	if dec.Body != nil {
		body = dec.Body
	}
	nextAt := int64(0)
	if dec.Status == StatusRetrying {
		nextAt = s.ms(now.Add(dec.RetryIn))
	}
	fallback := 0
	if dec.FallbackUsed || d.FallbackUsed {
		fallback = 1
	}
	// The attempt happened whatever a concurrent replay did; the status is
	// this job's to set only while the lead is still of its generation.
	if _, err := tx.ExecContext(ctx, `UPDATE lb_leads SET status = $1, attempts = attempts + 1, last_error = $2, partnero_id = $3,
		body = $4, fallback_used = $5, next_at = $6, updated_at = $7 WHERE id = $8 AND gen = $9`,
		dec.Status, truncate(dec.Error, 500), dec.PartneroID, body, fallback, nextAt, s.ms(now), d.LeadID, d.Gen); err != nil {
		return err
	}
	if err := updateEventStatus(ctx, tx, d.EventID); err != nil {
		return err
	}
	return tx.Commit()
}

// updateEventStatus recomputes an event's status from its leads.
func updateEventStatus(ctx context.Context, tx *sql.Tx, eventID int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT status FROM lb_leads WHERE event_id = $1`, eventID)
	if err != nil {
		return err
	}
	var statuses []string
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			rows.Close()
			return err
		}
		statuses = append(statuses, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE lb_events SET status = $1 WHERE id = $2`, EventStatus(statuses...), eventID)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
