package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EventSummary is an event as listed.
type EventSummary struct {
	ID         int64     `json:"id"`
	Source     string    `json:"source"`
	Status     string    `json:"status"`
	ReceivedAt time.Time `json:"received_at"`
	Leads      int       `json:"lead_count"`
	// Attempts are the delivery attempts of all its leads, oldest first.
	Attempts  []Attempt `json:"attempts"`
	LastError string    `json:"last_error"`
}

// Lead is a stored lead with its own status.
type Lead struct {
	ID           int64     `json:"id"`
	Index        int       `json:"index"`
	DedupeKey    string    `json:"dedupe_key"`
	Status       string    `json:"status"`
	Email        string    `json:"email,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Body         []byte    `json:"-"`
	Attempts     int       `json:"attempt_count"`
	PartneroID   string    `json:"partnero_id,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	FallbackUsed bool      `json:"fallback_used,omitempty"`
	QueuedAt     time.Time `json:"queued_at"`
	NextAt       time.Time `json:"next_attempt_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at"`
	History      []Attempt `json:"attempts"`
}

// Attempt is one delivery attempt.
type Attempt struct {
	LeadID     int64     `json:"lead_id"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status"`
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error"`
}

// Event is one stored event with its payload, leads and attempts.
type Event struct {
	EventSummary
	ContentType string `json:"content_type"`
	Headers     []byte `json:"-"`
	Payload     []byte `json:"-"`
	LeadList    []Lead `json:"leads"`
}

// MarshalJSON renders the payload as JSON when it is JSON (as a string
// otherwise, e.g. a form body) and the headers as an object.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	var payload any = string(e.Payload)
	if json.Valid(e.Payload) {
		payload = json.RawMessage(e.Payload)
	}
	headers := json.RawMessage("{}")
	if json.Valid(e.Headers) && len(e.Headers) > 0 {
		headers = e.Headers
	}
	return json.Marshal(struct {
		plain
		Headers json.RawMessage `json:"headers"`
		Payload any             `json:"payload"`
	}{plain(e), headers, payload})
}

// MarshalJSON renders a lead with its body as JSON.
func (l Lead) MarshalJSON() ([]byte, error) {
	type plain Lead
	var body json.RawMessage
	if json.Valid(l.Body) {
		body = l.Body
	}
	return json.Marshal(struct {
		plain
		Body json.RawMessage `json:"body,omitempty"`
	}{plain(l), body})
}

// Filter selects events to list.
type Filter struct {
	Status string // "" for any
	Source string // "" for any
	// Email selects events with a lead of this email (case-insensitive).
	Email string
	Limit int // 0 means 50
	// BeforeID pages: only events with a smaller id.
	BeforeID int64
}

// ListEvents lists events newest first.
func (s *Store) ListEvents(ctx context.Context, f Filter) ([]EventSummary, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	where, args := filterWhere(f)
	args = append(args, f.Limit)
	q := `SELECT e.id, e.source, e.status, e.received_at,
		(SELECT COUNT(*) FROM lb_leads l WHERE l.event_id = e.id),
		(SELECT COALESCE(MAX(CASE WHEN l.status IN ('failed', 'ignored') THEN l.reason ELSE l.last_error END), '') FROM lb_leads l WHERE l.event_id = e.id AND (l.last_error <> '' OR l.status IN ('failed', 'ignored')))
		FROM lb_events e WHERE ` + where + fmt.Sprintf(" ORDER BY e.id DESC LIMIT $%d", len(args))
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EventSummary
	for rows.Next() {
		var e EventSummary
		var at int64
		if err := rows.Scan(&e.ID, &e.Source, &e.Status, &at, &e.Leads, &e.LastError); err != nil {
			return nil, err
		}
		e.ReceivedAt = fromMS(at)
		e.Attempts = []Attempt{}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.fillAttempts(ctx, out)
}

// fillAttempts loads the attempts of listed events in one query.
func (s *Store) fillAttempts(ctx context.Context, events []EventSummary) error {
	if len(events) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(events))
	args := make([]any, len(events))
	for i, e := range events {
		idx[e.ID] = i
		args[i] = e.ID
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT l.event_id, a.lead_id, a.at, a.status_code, a.outcome, a.error
		FROM lb_attempts a JOIN lb_leads l ON l.id = a.lead_id WHERE l.event_id IN (`+placeholders(1, len(args))+`) ORDER BY a.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var eventID, at int64
		var a Attempt
		if err := rows.Scan(&eventID, &a.LeadID, &at, &a.StatusCode, &a.Outcome, &a.Error); err != nil {
			return err
		}
		a.At = fromMS(at)
		events[idx[eventID]].Attempts = append(events[idx[eventID]].Attempts, a)
	}
	return rows.Err()
}

// GetEvent returns one event with its payload, leads and attempts.
func (s *Store) GetEvent(ctx context.Context, id int64) (*Event, error) {
	e := &Event{}
	var at int64
	var headers string
	err := s.rdb.QueryRowContext(ctx, `SELECT id, source, status, received_at, content_type, headers, payload FROM lb_events WHERE id = $1`, id).
		Scan(&e.ID, &e.Source, &e.Status, &at, &e.ContentType, &headers, &e.Payload)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	e.ReceivedAt = fromMS(at)
	e.Headers = []byte(headers)
	e.LeadList, err = s.leadsOf(ctx, s.rdb, id)
	if err != nil {
		return nil, err
	}
	e.Leads = len(e.LeadList)
	e.Attempts = []Attempt{}
	for _, l := range e.LeadList {
		e.Attempts = append(e.Attempts, l.History...)
		switch {
		case l.Status == StatusFailed || l.Status == StatusIgnored:
			e.LastError = l.Reason
		case l.LastError != "":
			e.LastError = l.LastError
		}
	}
	return e, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Store) leadsOf(ctx context.Context, db querier, eventID int64) ([]Lead, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, idx, dedupe_key, status, email, reason, body, attempts, partnero_id, last_error, fallback_used, queued_at, next_at, updated_at
		FROM lb_leads WHERE event_id = $1 ORDER BY idx`, eventID)
	if err != nil {
		return nil, err
	}
	var leads []Lead
	for rows.Next() {
		var l Lead
		var fb int
		var q, n, u int64
		if err := rows.Scan(&l.ID, &l.Index, &l.DedupeKey, &l.Status, &l.Email, &l.Reason, &l.Body, &l.Attempts, &l.PartneroID, &l.LastError, &fb, &q, &n, &u); err != nil {
			rows.Close()
			return nil, err
		}
		l.FallbackUsed = fb != 0
		l.QueuedAt, l.UpdatedAt = fromMS(q), fromMS(u)
		if n > 0 {
			l.NextAt = fromMS(n)
		}
		leads = append(leads, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The attempts of all of them in one query: a batch event has
	// thousands of leads.
	byLead := make(map[int64]int, len(leads))
	for i := range leads {
		byLead[leads[i].ID] = i
	}
	rows, err = db.QueryContext(ctx, `SELECT a.lead_id, a.at, a.status_code, a.outcome, a.error
		FROM lb_attempts a JOIN lb_leads l ON l.id = a.lead_id WHERE l.event_id = $1 ORDER BY a.id`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a Attempt
		var at int64
		if err := rows.Scan(&a.LeadID, &at, &a.StatusCode, &a.Outcome, &a.Error); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		if i, ok := byLead[a.LeadID]; ok {
			leads[i].History = append(leads[i].History, a)
		}
	}
	return leads, rows.Err()
}

// Prune deletes events received before cutoff whose status is delivered
// or ignored (raw payloads are personal data), with their leads and
// attempts; includeFailed also deletes dead, failed and dry_run ones.
// Events still waiting for delivery are never pruned.
func (s *Store) Prune(ctx context.Context, cutoff time.Time, includeFailed bool) (int64, error) {
	statuses := []any{StatusDelivered, StatusIgnored}
	if includeFailed {
		statuses = append(statuses, StatusDead, StatusFailed, StatusDryRun)
	}
	args := append([]any{s.ms(cutoff)}, statuses...)
	in := placeholders(2, len(statuses))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	sel := `SELECT id FROM lb_events WHERE received_at < $1 AND status IN (` + in + `)`
	if _, err := tx.ExecContext(ctx, `DELETE FROM lb_attempts WHERE lead_id IN (SELECT id FROM lb_leads WHERE event_id IN (`+sel+`))`, args...); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM lb_leads WHERE event_id IN (`+sel+`)`, args...); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM lb_events WHERE received_at < $1 AND status IN (`+in+`)`, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}

// QueueStats describes the delivery backlog, for metrics.
type QueueStats struct {
	ByStatus      map[string]int64
	OldestPending time.Time // zero when nothing waits
}

// Stats counts leads by status and finds the oldest undelivered one.
func (s *Store) Stats(ctx context.Context) (QueueStats, error) {
	st := QueueStats{ByStatus: map[string]int64{}}
	rows, err := s.rdb.QueryContext(ctx, `SELECT status, COUNT(*) FROM lb_leads GROUP BY status`)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.ByStatus[k] = n
	}
	rows.Close()
	var oldest sql.NullInt64
	if err := s.rdb.QueryRowContext(ctx, `SELECT MIN(queued_at) FROM lb_leads WHERE status IN ('queued', 'retrying')`).Scan(&oldest); err != nil {
		return st, err
	}
	if oldest.Valid {
		st.OldestPending = fromMS(oldest.Int64)
	}
	return st, rows.Err()
}

// ErrBackupUnsupported is returned by Backup on PostgreSQL.
var ErrBackupUnsupported = errors.New("backup copies the SQLite store; back up PostgreSQL with pg_dump")

// Backup writes a consistent copy of the SQLite store to path while the
// server runs (VACUUM INTO reads one snapshot; writers go on). path must
// not exist.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect.name != "sqlite" {
		return ErrBackupUnsupported
	}
	if _, err := s.rdb.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// filterWhere is the WHERE clause of a Filter over lb_events aliased e,
// with its arguments ($1 on): status, source, the email of a lead, and
// the page (before id). Limit is the caller's.
func filterWhere(f Filter) (string, []any) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Status != "" {
		args = append(args, f.Status)
		where = append(where, fmt.Sprintf("e.status = $%d", len(args)))
	}
	if f.Source != "" {
		args = append(args, f.Source)
		where = append(where, fmt.Sprintf("e.source = $%d", len(args)))
	}
	if f.Email != "" {
		args = append(args, strings.ToLower(strings.TrimSpace(f.Email)))
		where = append(where, fmt.Sprintf("e.id IN (SELECT l.event_id FROM lb_leads l WHERE l.email = $%d)", len(args)))
	}
	if f.BeforeID > 0 {
		args = append(args, f.BeforeID)
		where = append(where, fmt.Sprintf("e.id < $%d", len(args)))
	}
	return strings.Join(where, " AND "), args
}

// EventIDs lists the ids of every event f matches (status, source,
// email, before id; f.Limit, a page's size, is ignored), oldest first:
// what a replay "of everything the filter matches" replays.
func (s *Store) EventIDs(ctx context.Context, f Filter) ([]int64, error) {
	where, args := filterWhere(f)
	ids, err := s.scanIDs(ctx, `SELECT e.id FROM lb_events e WHERE `+where+` ORDER BY e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("select events: %w", err)
	}
	return ids, nil
}

// scanIDs runs a read whose rows are one id each.
func (s *Store) scanIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
