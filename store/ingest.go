package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Intake is one verified webhook to store with the lead candidates mapped
// from it.
type Intake struct {
	Source      string
	ContentType string
	Headers     []byte // JSON object of the headers worth keeping (never secrets)
	Payload     []byte // the raw body as received
	// EventKey dedupes the event itself: the only candidate's key, or the
	// hash of the raw body for a batch.
	EventKey string
	Leads    []NewLead
	// Captured stores the event alone, as StatusCaptured, for a source
	// without lead rules: nothing is mapped or queued (Leads is empty).
	Captured bool
}

// NewLead is one lead candidate of an Intake.
type NewLead struct {
	Index     int
	DedupeKey string
	Status    string // StatusQueued, StatusDryRun, StatusFailed or StatusIgnored
	Reason    string // why ignored, or the mapping problems (JSON) when failed
	Body      []byte // the Partnero request body (queued, dry_run)
	Email     string // the lead's email, lower case ("" when unmapped)
}

// IntakeResult says what became of an Intake.
type IntakeResult struct {
	// EventID is the stored event, or for a duplicate the first event
	// that had its key.
	EventID int64
	// Duplicate is set when every candidate was seen before: nothing was
	// stored.
	Duplicate bool
	// LeadDuplicate tells, per candidate, whether its key was seen before.
	LeadDuplicate []bool
}

// Ingest stores an event durably (fsynced) before returning. Concurrent
// calls share commits: one transaction and one fsync per batch. On error
// (wrapping ErrUnavailable) nothing of the event was written.
func (s *Store) Ingest(ctx context.Context, in *Intake) (IntakeResult, error) {
	return s.committer.submit(ctx, in)
}

type ingestReq struct {
	in   *Intake
	res  IntakeResult
	err  error
	done chan struct{}
}

// committer is the writer of intake: each of its writers drains waiting
// requests into one transaction, commits, and only then answers each of
// them. SQLite has one writer (one connection); PostgreSQL a few, whose
// transactions run side by side.
type committer struct {
	s        *Store
	reqs     chan *ingestReq
	maxBatch int
	quit     chan struct{}
	wg       sync.WaitGroup
	commits  atomic.Int64 // transactions committed, for tests and metrics
}

func newCommitter(s *Store, maxBatch, writers int) *committer {
	c := &committer{s: s, reqs: make(chan *ingestReq, 4*maxBatch), maxBatch: maxBatch, quit: make(chan struct{})}
	for range max(writers, 1) {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

func (c *committer) submit(ctx context.Context, in *Intake) (IntakeResult, error) {
	r := &ingestReq{in: in, done: make(chan struct{})}
	select {
	case c.reqs <- r:
	case <-c.quit:
		return IntakeResult{}, fmt.Errorf("%w: shutting down", ErrUnavailable)
	case <-ctx.Done():
		return IntakeResult{}, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	// Once queued, the request is committed or failed as a whole: wait for
	// the answer even if the client went away, so that no handler returns
	// while its event may still be half-way.
	<-r.done
	return r.res, r.err
}

func (c *committer) stop() {
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
	c.wg.Wait()
}

func (c *committer) loop() {
	defer c.wg.Done()
	batch := make([]*ingestReq, 0, c.maxBatch)
	for {
		var first *ingestReq
		select {
		case first = <-c.reqs:
		case <-c.quit:
			// Drain what was accepted before the stop.
			for {
				select {
				case r := <-c.reqs:
					c.commit([]*ingestReq{r})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < c.maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		c.commit(batch)
	}
}

// commit writes a batch in one transaction. If the batch fails, each
// request is retried alone so that one bad event cannot sink the others.
//
// On PostgreSQL, a transaction can lose a deadlock against another
// instance's batch (the same webhook sent to both, keys in another order);
// a single request is then tried again, as its rival has moved on.
func (c *committer) commit(batch []*ingestReq) {
	err := c.commitTx(batch)
	for try := 1; err != nil && len(batch) == 1 && try < 3 && c.s.dialect.transient(err); try++ {
		err = c.commitTx(batch)
	}
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			c.commit([]*ingestReq{r})
		}
		return
	}
	for _, r := range batch {
		if err != nil {
			r.res, r.err = IntakeResult{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		close(r.done)
	}
}

func (c *committer) commitTx(batch []*ingestReq) error {
	ctx := context.Background()
	tx, err := c.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if q := c.s.dialect.intakeTx; q != "" {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	now := c.s.ms(c.s.now())
	queued := false
	for _, r := range batch {
		res, q, err := c.s.insertIntake(ctx, tx, r.in, now)
		if err != nil {
			return err
		}
		r.res, queued = res, queued || q
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	c.commits.Add(1)
	if queued {
		c.s.signal()
	}
	return nil
}

// insertIntake writes one event and its new leads inside tx; queued tells
// whether a lead was queued for delivery (due at once: the lead row is its
// job). Dedupe is by the unique (source, dedupe_key) of leads: a candidate
// whose key exists is a duplicate; an event all of whose candidates are
// duplicates is not stored at all.
func (s *Store) insertIntake(ctx context.Context, tx *sql.Tx, in *Intake, now int64) (res IntakeResult, queued bool, err error) {
	res = IntakeResult{LeadDuplicate: make([]bool, len(in.Leads))}
	statuses := make([]string, 0, len(in.Leads))
	for _, l := range in.Leads {
		statuses = append(statuses, l.Status)
	}
	status := EventStatus(statuses...)
	if in.Captured {
		status = StatusCaptured
	}
	var eventID int64
	err = tx.StmtContext(ctx, s.stmts.insertEvent).QueryRowContext(ctx,
		in.Source, in.EventKey, status, now, in.ContentType, string(orEmptyObject(in.Headers)), in.Payload).Scan(&eventID)
	if errors.Is(err, sql.ErrNoRows) {
		// The same event (same key) was stored before.
		for i := range res.LeadDuplicate {
			res.LeadDuplicate[i] = true
		}
		res.Duplicate = true
		err = tx.QueryRowContext(ctx, `SELECT id FROM lb_events WHERE source = $1 AND dedupe_key = $2`, in.Source, in.EventKey).Scan(&res.EventID)
		return res, false, err
	}
	if err != nil {
		return res, false, err
	}
	res.EventID = eventID
	inserted := 0
	var firstDupEvent int64
	var kept []string
	for i, l := range in.Leads {
		var leadID int64
		nextAt := int64(0)
		if l.Status == StatusQueued {
			nextAt = now
		}
		err := tx.StmtContext(ctx, s.stmts.insertLead).QueryRowContext(ctx,
			eventID, l.Index, in.Source, l.DedupeKey, l.Status, l.Reason, l.Body, now, l.Email, nextAt).Scan(&leadID)
		if errors.Is(err, sql.ErrNoRows) {
			res.LeadDuplicate[i] = true
			if firstDupEvent == 0 {
				if err := tx.QueryRowContext(ctx, `SELECT event_id FROM lb_leads WHERE source = $1 AND dedupe_key = $2`, in.Source, l.DedupeKey).Scan(&firstDupEvent); err != nil {
					return res, false, err
				}
			}
			continue
		}
		if err != nil {
			return res, false, err
		}
		inserted++
		kept = append(kept, l.Status)
		queued = queued || l.Status == StatusQueued
	}
	if inserted == 0 && len(in.Leads) > 0 {
		// Every element of the batch was seen before: keep nothing.
		if _, err := tx.ExecContext(ctx, `DELETE FROM lb_events WHERE id = $1`, eventID); err != nil {
			return res, false, err
		}
		res.Duplicate = true
		res.EventID = firstDupEvent
		return res, false, nil
	}
	if inserted < len(in.Leads) {
		// Some elements were duplicates: the event's status is that of the kept ones.
		if _, err := tx.ExecContext(ctx, `UPDATE lb_events SET status = $1 WHERE id = $2`, EventStatus(kept...), eventID); err != nil {
			return res, false, err
		}
	}
	return res, queued, nil
}

func orEmptyObject(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

// stmts are the statements of intake, prepared once: SQLite would
// otherwise parse them again for every event (about a third of the
// writer's CPU under load).
type stmts struct {
	insertEvent, insertLead *sql.Stmt
}

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&s.stmts.insertEvent, `INSERT INTO lb_events (source, dedupe_key, status, received_at, content_type, headers, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source, dedupe_key) DO NOTHING RETURNING id`},
		{&s.stmts.insertLead, `INSERT INTO lb_leads (event_id, idx, source, dedupe_key, status, reason, body, queued_at, updated_at, email, next_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) ON CONFLICT (source, dedupe_key) DO NOTHING RETURNING id`},
	} {
		st, err := s.db.PrepareContext(ctx, p.q)
		if err != nil {
			s.stmts.close()
			return err
		}
		*p.dst = st
	}
	return nil
}

func (st *stmts) close() {
	for _, p := range []*sql.Stmt{st.insertEvent, st.insertLead} {
		if p != nil {
			p.Close()
		}
	}
}
