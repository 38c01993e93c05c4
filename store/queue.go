package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The lead row is the delivery job. A lead waiting for delivery has status
// queued or retrying and next_at, its due time in Unix ms. Claiming a lead
// moves next_at to the end of a lease and bumps claim: a crashed worker's
// leads come back when their lease runs out, and the result of a claim
// that ran out (claim moved on) or of a replayed lead (gen moved on) is
// recorded as an attempt without touching the lead. The queries below use
// the partial index lb_leads_due, whose predicate they repeat.
const dueLeads = `status IN ('queued', 'retrying')`

// Delivery is a claimed lead, handed to delivery.
type Delivery struct {
	LeadID       int64
	EventID      int64
	Source       string
	Body         []byte
	Attempts     int       // attempts made since the lead was (re)queued
	QueuedAt     time.Time // start of the retry budget (intake or replay)
	FallbackUsed bool      // the fallback partner was already tried
	Gen          int64     // the lead's generation: a replay bumps it
	// Claim fences the result: a later claim of the same lead (after this
	// one's lease ran out) makes this one stale.
	Claim int64
	// LeaseUntil is when the lead becomes due again if no result is recorded.
	LeaseUntil time.Time
}

// Decision is what delivery decided after one attempt.
type Decision struct {
	Status     string        // StatusDelivered, StatusRetrying, StatusDead or StatusDryRun
	RetryIn    time.Duration // when StatusRetrying
	StatusCode int           // Partnero's HTTP status, 0 when none
	Outcome    string        // a short word for the attempt: delivered, retry, dead, auth, ...
	Error      string        // a short excerpt of the error, never a secret
	PartneroID string        // Partnero's lead id when delivered
	// Body replaces the lead's body for later attempts (the fallback partner).
	Body         []byte
	FallbackUsed bool
}

// Result is one attempt to record: the claimed lead, what was decided and
// when the attempt was made.
type Result struct {
	Delivery *Delivery
	Decision Decision
	At       time.Time
}

// Claim takes up to n leads that are due now (by the store's clock) and
// leases them for lease: until then no other claim takes them. On
// PostgreSQL, instances claiming at once skip each other's rows (FOR
// UPDATE SKIP LOCKED), so a lead goes to one of them.
func (s *Store) Claim(ctx context.Context, n int, lease time.Duration) ([]*Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	now := s.now()
	until := now.Add(lease)
	rows, err := s.db.QueryContext(ctx, `UPDATE lb_leads SET next_at = $1, claim = claim + 1
		WHERE id IN (SELECT id FROM lb_leads WHERE `+dueLeads+` AND next_at <= $2 ORDER BY next_at LIMIT $3`+s.dialect.skipLocked+`)
		RETURNING id, event_id, source, body, tries, queued_at, fallback_used, gen, claim`,
		s.ms(until), s.ms(now), n)
	if err != nil {
		return nil, fmt.Errorf("claim leads: %w", err)
	}
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		d := &Delivery{LeaseUntil: fromMS(s.ms(until))}
		var queuedAt int64
		var fallback int
		if err := rows.Scan(&d.LeadID, &d.EventID, &d.Source, &d.Body, &d.Attempts, &queuedAt, &fallback, &d.Gen, &d.Claim); err != nil {
			return nil, fmt.Errorf("claim leads: %w", err)
		}
		d.QueuedAt, d.FallbackUsed = fromMS(queuedAt), fallback != 0
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim leads: %w", err)
	}
	return out, nil
}

// Release gives claimed leads that were never tried back, due now (a
// stopping instance's prefetched leads need not wait out their lease).
func (s *Store) Release(ctx context.Context, ds []*Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := s.ms(s.now())
	for _, d := range ds {
		if _, err := tx.ExecContext(ctx, `UPDATE lb_leads SET next_at = $1 WHERE id = $2 AND gen = $3 AND claim = $4 AND `+dueLeads,
			now, d.LeadID, d.Gen, d.Claim); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Complete records attempts in one transaction: each attempt in the
// lead's history, and the lead's new status and schedule unless its claim
// is stale (then only the history: the attempt did happen). It returns the
// number of stale results. Either all of rs are recorded or none: the
// caller keeps them and tries again (a Partnero answer is never lost to a
// failing write, and never re-sent because of one). Three statements
// record any number of results: delivery is not bounded by round trips.
func (s *Store) Complete(ctx context.Context, rs []Result) (stale int, err error) {
	if len(rs) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	chunk := s.dialect.completeChunk
	for from := 0; from < len(rs); from += chunk {
		n, err := s.complete(ctx, tx, rs[from:min(from+chunk, len(rs))])
		if err != nil {
			return 0, err
		}
		stale += n
	}
	return stale, tx.Commit()
}

func (s *Store) complete(ctx context.Context, tx *sql.Tx, rs []Result) (stale int, err error) {
	// The attempts, kept while their lead is (a prune may have taken it).
	var q strings.Builder
	args := make([]any, 0, 5*len(rs))
	q.WriteString(`INSERT INTO lb_attempts (lead_id, at, status_code, outcome, error)
		SELECT v.column1, v.column2, v.column3, v.column4, v.column5 FROM (VALUES `)
	for i, r := range rs {
		if i > 0 {
			q.WriteString(", ")
		}
		p := s.dialect.params(len(args), 5)
		fmt.Fprintf(&q, "(CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS INTEGER), CAST(%s AS TEXT), CAST(%s AS TEXT))", p...)
		args = append(args, r.Delivery.LeadID, s.ms(r.At), r.Decision.StatusCode, r.Decision.Outcome, truncate(r.Decision.Error, 500))
	}
	q.WriteString(`) AS v WHERE EXISTS (SELECT 1 FROM lb_leads l WHERE l.id = v.column1)`)
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return 0, fmt.Errorf("record attempts: %w", err)
	}

	// The leads, each only while it is of the result's generation (no
	// replay since) and claim (no other claim since).
	q.Reset()
	args = args[:0]
	q.WriteString(`UPDATE lb_leads SET status = v.column4, attempts = attempts + 1, tries = tries + 1, last_error = v.column5,
		partnero_id = v.column6, body = COALESCE(v.column7, lb_leads.body), fallback_used = v.column8, next_at = v.column9, updated_at = v.column10
		FROM (VALUES `)
	for i, r := range rs {
		if i > 0 {
			q.WriteString(", ")
		}
		d, dec := r.Delivery, r.Decision
		nextAt := int64(0)
		if dec.Status == StatusRetrying {
			nextAt = s.ms(r.At.Add(dec.RetryIn))
		}
		fallback := 0
		if dec.FallbackUsed || d.FallbackUsed {
			fallback = 1
		}
		p := s.dialect.params(len(args), 10)
		fmt.Fprintf(&q, "(CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS TEXT), CAST(%s AS TEXT), CAST(%s AS TEXT), CAST(%s AS "+s.dialect.blob+"), CAST(%s AS INTEGER), CAST(%s AS BIGINT), CAST(%s AS BIGINT))", p...)
		args = append(args, d.LeadID, d.Gen, d.Claim, dec.Status, truncate(dec.Error, 500), dec.PartneroID, dec.Body, fallback, nextAt, s.ms(r.At))
	}
	q.WriteString(`) AS v WHERE lb_leads.id = v.column1 AND lb_leads.gen = v.column2 AND lb_leads.claim = v.column3 RETURNING lb_leads.event_id`)
	rows, err := tx.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("record leads: %w", err)
	}
	var events []int64
	seen := map[int64]bool{}
	updated := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		updated++
		if !seen[id] {
			seen[id] = true
			events = append(events, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return len(rs) - updated, updateEventStatus(ctx, tx, events...)
}

// eventStatusSQL sets an event's status to the highest-ranked status of
// its leads (statusRank) by probing the (event_id, status) index once per
// status: a few index lookups whatever the number of leads, so that
// recording results of a 16,000-lead batch stays as cheap as of single
// webhooks. No lead: ignored, as EventStatus().
var eventStatusSQL = func() string {
	q := `UPDATE lb_events SET status = CASE`
	for _, st := range []string{StatusFailed, StatusDead, StatusRetrying, StatusQueued, StatusDryRun, StatusDelivered} {
		q += ` WHEN EXISTS (SELECT 1 FROM lb_leads l WHERE l.event_id = lb_events.id AND l.status = '` + st + `') THEN '` + st + `'`
	}
	return q + ` ELSE '` + StatusIgnored + `' END WHERE id IN `
}()

// updateEventStatus recomputes events' statuses from their leads, in one
// statement.
func updateEventStatus(ctx context.Context, tx *sql.Tx, eventIDs ...int64) error {
	if len(eventIDs) == 0 {
		return nil
	}
	args := make([]any, len(eventIDs))
	for i, id := range eventIDs {
		args[i] = id
	}
	_, err := tx.ExecContext(ctx, eventStatusSQL+"("+placeholders(1, len(args))+")", args...)
	return err
}

// CheckWrite proves that the store can commit a write now (a full disk
// or a read-only database fails it, though reads and Ping still work). It
// is the probe of /readyz: a failed intake is not remembered, lest an
// instance taken out of rotation never get the webhook that clears it.
func (s *Store) CheckWrite(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE lb_probe SET at = $1 WHERE id = 1`, s.ms(s.now())); err != nil {
		return err
	}
	return tx.Commit()
}

// Wakeup is signalled after leads were queued (intake, replay), so that
// delivery looks for them at once instead of at its next poll.
func (s *Store) Wakeup() <-chan struct{} { return s.wake }

func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
