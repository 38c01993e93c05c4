package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// This file holds what notifications (package notify) read and keep: they
// read the store rather than hook into intake or delivery, so that a slow
// chat server can never hold up either. Queries use only the columns
// listed as stable (lb_events id, source, status, received_at; lb_leads id,
// event_id, source, status, reason, fallback_used, queued_at, updated_at,
// last_error; lb_attempts lead_id, at, status_code, outcome).

// maxReasons is how many distinct reasons a SourceEvents carries.
const maxReasons = 3

// SourceEvents is what happened to one source's events or leads in a
// window: how many, the first event ids (up to the caller's limit) and,
// for dead leads, the first distinct errors.
type SourceEvents struct {
	Source   string
	Count    int
	EventIDs []int64
	Reasons  []string
}

// AuthActivity is one source's delivery attempts that tell whether
// Partnero accepts its API key.
type AuthActivity struct {
	Source string
	// Refused counts attempts Partnero answered 401/403 (outcome auth).
	Refused int
	// StatusCode is the HTTP status of the refusals (the highest).
	StatusCode int
	// LastRefused is the last refused attempt; zero when none.
	LastRefused time.Time
	// LastAccepted is the last attempt Partnero answered with the key
	// accepted (delivered, dead, fallback_partner); zero when none.
	LastAccepted time.Time
}

// Backlog is one source's leads waiting for delivery since before a time.
type Backlog struct {
	Source   string
	Waiting  int
	Oldest   time.Time // queued time of the oldest
	EventIDs []int64   // the first waiting event, as an example
}

// Attribution counts one source's mapped leads of a window and those
// without a partner identifier.
type Attribution struct {
	Source string
	// Leads are the candidates of the window's webhooks, except those
	// ignored for another reason than a missing partner (a when
	// condition: not a lead at all).
	Leads int
	// Unattributed are those ignored as "no partner", failed for want of
	// one (a problem on field partner), or sent with the fallback partner.
	Unattributed int
}

// unattributedSQL tells a lead without a partner identifier. $1 is the
// pattern of a failure on field "partner" in the problems kept as JSON.
const unattributedSQL = `((l.status = 'ignored' AND l.reason = 'no partner')
	OR (l.status = 'failed' AND l.reason LIKE $1)
	OR l.fallback_used <> 0)`

// The window queries start from the events of the window (CROSS JOIN
// keeps SQLite, which has no statistics, from scanning every lead kept
// for the retention instead); PostgreSQL plans them as inner joins.

// partnerProblem matches mappings.Failure{Field: "partner"} as JSON; the
// closing quote keeps "partner.key" and the like out.
const partnerProblem = `%"field":"partner"%`

// DeadLeads reports, per source, the leads that became dead in (after,
// upTo]: how many, the events of the first maxIDs and the first distinct
// errors (Partnero's message).
func (s *Store) DeadLeads(ctx context.Context, after, upTo time.Time, maxIDs int) ([]SourceEvents, error) {
	// The literal status matches the partial index lb_leads_dead (a
	// parameter would not let SQLite use it: every lead would be read).
	rows, err := s.rdb.QueryContext(ctx, `SELECT source, event_id, last_error FROM lb_leads
		WHERE status = 'dead' AND updated_at > $1 AND updated_at <= $2 ORDER BY updated_at, id`, s.ms(after), s.ms(upTo))
	if err != nil {
		return nil, fmt.Errorf("dead leads: %w", err)
	}
	return collectSourceEvents(rows, maxIDs, true)
}

// FailedEvents reports, per source, the events stored as failed (the
// mapping failed) that arrived in (after, upTo].
func (s *Store) FailedEvents(ctx context.Context, after, upTo time.Time, maxIDs int) ([]SourceEvents, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT source, id, '' FROM lb_events
		WHERE status = $1 AND received_at > $2 AND received_at <= $3 ORDER BY id`, StatusFailed, s.ms(after), s.ms(upTo))
	if err != nil {
		return nil, fmt.Errorf("failed events: %w", err)
	}
	return collectSourceEvents(rows, maxIDs, false)
}

// collectSourceEvents aggregates rows of (source, event id, reason) in
// their order; memory is bounded by the sources, not the rows.
func collectSourceEvents(rows *sql.Rows, maxIDs int, reasons bool) ([]SourceEvents, error) {
	defer rows.Close()
	var out []SourceEvents
	index := map[string]int{}
	for rows.Next() {
		var source, reason string
		var eventID int64
		if err := rows.Scan(&source, &eventID, &reason); err != nil {
			return nil, err
		}
		i, ok := index[source]
		if !ok {
			i = len(out)
			index[source] = i
			out = append(out, SourceEvents{Source: source})
		}
		se := &out[i]
		se.Count++
		if len(se.EventIDs) < maxIDs && !slices.Contains(se.EventIDs, eventID) {
			se.EventIDs = append(se.EventIDs, eventID)
		}
		if reasons && reason != "" && len(se.Reasons) < maxReasons && !slices.Contains(se.Reasons, reason) {
			se.Reasons = append(se.Reasons, reason)
		}
	}
	return out, rows.Err()
}

// AuthActivity reports, per source, the attempts of (after, upTo] that
// tell whether Partnero accepts the key: refused ones (outcome auth) and
// accepted ones (delivered, dead, fallback_partner: Partnero judged the
// lead, so it took the key). Retries (network, 5xx) tell nothing.
func (s *Store) AuthActivity(ctx context.Context, after, upTo time.Time) ([]AuthActivity, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT l.source, a.outcome, COUNT(*), MAX(a.at), MAX(a.status_code)
		FROM lb_attempts a JOIN lb_leads l ON l.id = a.lead_id
		WHERE a.at > $1 AND a.at <= $2 AND a.outcome IN ('auth', 'delivered', 'dead', 'fallback_partner')
		GROUP BY l.source, a.outcome ORDER BY l.source`, s.ms(after), s.ms(upTo))
	if err != nil {
		return nil, fmt.Errorf("auth activity: %w", err)
	}
	defer rows.Close()
	var out []AuthActivity
	for rows.Next() {
		var source, outcome string
		var n, last, code int64
		if err := rows.Scan(&source, &outcome, &n, &last, &code); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Source != source {
			out = append(out, AuthActivity{Source: source})
		}
		a := &out[len(out)-1]
		at := fromMS(last)
		if outcome == "auth" {
			a.Refused += int(n)
			a.StatusCode = int(code)
			a.LastRefused = at
		} else if at.After(a.LastAccepted) {
			a.LastAccepted = at
		}
	}
	return out, rows.Err()
}

// Backlogs reports, per source, the leads waiting for delivery (queued or
// retrying) since before queuedBefore, with the first of their events as
// an example. It reads the queue's partial index (lb_leads_due) only: the
// predicate is written as the index's, and grouping by an expression
// keeps SQLite from walking every lead in source order instead (0.3 s and
// more on a store of a million leads, every check).
func (s *Store) Backlogs(ctx context.Context, queuedBefore time.Time) ([]Backlog, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT source || '' AS src, COUNT(*), MIN(queued_at), MIN(event_id) FROM lb_leads
		WHERE `+dueLeads+` AND queued_at < $1 GROUP BY src ORDER BY src`, s.ms(queuedBefore))
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	defer rows.Close()
	var out []Backlog
	for rows.Next() {
		var b Backlog
		var oldest, eventID int64
		if err := rows.Scan(&b.Source, &b.Waiting, &oldest, &eventID); err != nil {
			return nil, err
		}
		b.Oldest = fromMS(oldest)
		b.EventIDs = []int64{eventID}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Attributions reports, per source, the leads of webhooks received since
// and how many of them had no partner identifier (see Attribution).
func (s *Store) Attributions(ctx context.Context, since time.Time) ([]Attribution, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT l.source, COUNT(*), SUM(CASE WHEN `+unattributedSQL+` THEN 1 ELSE 0 END)
		FROM lb_events e CROSS JOIN lb_leads l
		WHERE l.event_id = e.id AND e.received_at >= $2 AND (l.status <> 'ignored' OR l.reason = 'no partner')
		GROUP BY l.source ORDER BY l.source`, partnerProblem, s.ms(since))
	if err != nil {
		return nil, fmt.Errorf("attribution: %w", err)
	}
	defer rows.Close()
	var out []Attribution
	for rows.Next() {
		var a Attribution
		if err := rows.Scan(&a.Source, &a.Leads, &a.Unattributed); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UnattributedEvents lists the newest events (up to max) of a source
// received since whose leads had no partner identifier.
func (s *Store) UnattributedEvents(ctx context.Context, source string, since time.Time, max int) ([]int64, error) {
	ids, err := s.scanIDs(ctx, `SELECT DISTINCT l.event_id FROM lb_events e CROSS JOIN lb_leads l
		WHERE l.event_id = e.id AND `+unattributedSQL+` AND l.source = $2 AND e.received_at >= $3 ORDER BY l.event_id DESC LIMIT `+fmt.Sprint(max),
		partnerProblem, source, s.ms(since))
	if err != nil {
		return nil, fmt.Errorf("unattributed events: %w", err)
	}
	return ids, nil
}

// notifyStateKey is the lb_notify row holding the notifier's state.
const notifyStateKey = "state"

// NotifyState returns the notifier's saved state, "" when none was saved.
func (s *Store) NotifyState(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM lb_notify WHERE key = $1`, notifyStateKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("notify state: %w", err)
	}
	return v, nil
}

// SaveNotifyState replaces the notifier's state with next, provided it is
// still prev, and queues messages to send, in one transaction. It reports
// false, having written nothing, when another instance saved first: that
// instance took this round, so its messages are not sent twice.
func (s *Store) SaveNotifyState(ctx context.Context, prev, next string, messages [][]byte) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("save notify state: %w", err)
	}
	defer tx.Rollback()
	var res sql.Result
	if prev == "" {
		res, err = tx.ExecContext(ctx, `INSERT INTO lb_notify (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, notifyStateKey, next)
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE lb_notify SET value = $1 WHERE key = $2 AND value = $3`, next, notifyStateKey, prev)
	}
	if err != nil {
		return false, fmt.Errorf("save notify state: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err
	}
	now := s.ms(s.now())
	for _, m := range messages {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lb_notify_outbox (created_at, body) VALUES ($1, $2)`, now, string(m)); err != nil {
			return false, fmt.Errorf("queue notification: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("save notify state: %w", err)
	}
	return true, nil
}

// Notification is a message waiting to be sent.
type Notification struct {
	ID   int64
	Body []byte
}

// ClaimNotification takes the oldest message waiting to be sent, or one
// whose sender claimed it before staleBefore and never finished (it
// died); ok is false when there is none. The claim keeps other instances
// from sending it too.
func (s *Store) ClaimNotification(ctx context.Context, staleBefore time.Time) (n Notification, ok bool, err error) {
	for range 3 { // another instance may claim the same row first
		err = s.db.QueryRowContext(ctx, `SELECT id, body FROM lb_notify_outbox WHERE claimed_at < $1 ORDER BY id LIMIT 1`,
			s.ms(staleBefore)).Scan(&n.ID, &n.Body)
		if errors.Is(err, sql.ErrNoRows) {
			return n, false, nil
		}
		if err != nil {
			return n, false, fmt.Errorf("claim notification: %w", err)
		}
		res, err := s.db.ExecContext(ctx, `UPDATE lb_notify_outbox SET claimed_at = $1 WHERE id = $2 AND claimed_at < $3`,
			s.ms(s.now()), n.ID, s.ms(staleBefore))
		if err != nil {
			return n, false, fmt.Errorf("claim notification: %w", err)
		}
		if c, err := res.RowsAffected(); err == nil && c == 1 {
			return n, true, nil
		}
	}
	return Notification{}, false, nil
}

// FinishNotification removes a sent (or given up) message.
func (s *Store) FinishNotification(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM lb_notify_outbox WHERE id = $1`, id); err != nil {
		return fmt.Errorf("finish notification: %w", err)
	}
	return nil
}

// ReleaseNotification gives a claimed message back, to be sent later (by
// this instance after a restart, or by another).
func (s *Store) ReleaseNotification(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE lb_notify_outbox SET claimed_at = 0 WHERE id = $1`, id); err != nil {
		return fmt.Errorf("release notification: %w", err)
	}
	return nil
}
