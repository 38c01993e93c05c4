package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// RequeueResult counts what a replay did to one event's leads.
type RequeueResult struct {
	Queued    int `json:"queued"`    // queued for delivery with a fresh retry budget
	DryRun    int `json:"dry_run"`   // recorded again as dry_run (no API key)
	Failed    int `json:"failed"`    // still failing the mapping
	Ignored   int `json:"ignored"`   // now ignored by the mapping
	Delivered int `json:"delivered"` // already delivered, left alone (without force)
	Duplicate int `json:"duplicate"` // a new candidate whose key another event holds
}

// Requeue applies a fresh mapping of an event: each candidate replaces the
// lead at its index (or is added), except delivered leads unless force.
// Queued leads get a new generation and a fresh budget (max-age counts
// from now); their earlier attempts stay in the history.
func (s *Store) Requeue(ctx context.Context, eventID int64, leads []NewLead, force bool) (RequeueResult, error) {
	var res RequeueResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	var source string
	if err := tx.QueryRowContext(ctx, `SELECT source FROM lb_events WHERE id = $1`, eventID).Scan(&source); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return res, fmt.Errorf("event %d: %w", eventID, ErrNotFound)
		}
		return res, err
	}
	type existing struct {
		id     int64
		key    string
		status string
	}
	byIndex := map[int]existing{}
	rows, err := tx.QueryContext(ctx, `SELECT id, idx, dedupe_key, status FROM lb_leads WHERE event_id = $1`, eventID)
	if err != nil {
		return res, err
	}
	for rows.Next() {
		var e existing
		var idx int
		if err := rows.Scan(&e.id, &idx, &e.key, &e.status); err != nil {
			rows.Close()
			return res, err
		}
		byIndex[idx] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	now := s.ms(s.now())
	for _, l := range leads {
		cur, ok := byIndex[l.Index]
		if ok && cur.status == StatusDelivered && !force {
			res.Delivered++
			continue
		}
		if !ok {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO lb_leads (event_id, idx, source, dedupe_key, status, reason, body, queued_at, updated_at, email, next_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) ON CONFLICT (source, dedupe_key) DO NOTHING RETURNING id`,
				eventID, l.Index, source, l.DedupeKey, l.Status, l.Reason, l.Body, now, l.Email, dueAt(l.Status, now)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				res.Duplicate++
				continue
			}
			if err != nil {
				return res, err
			}
		} else {
			key := cur.key
			if l.DedupeKey != "" && l.DedupeKey != cur.key {
				// The fixed mapping may compute another key: take it unless
				// another lead holds it.
				var taken int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM lb_leads WHERE source = $1 AND dedupe_key = $2`, source, l.DedupeKey).Scan(&taken); err != nil {
					return res, err
				}
				if taken == 0 {
					key = l.DedupeKey
				}
			}
			// A new generation fences the result of a delivery of the old
			// one still in flight; tries restarts the retry budget.
			if _, err := tx.ExecContext(ctx, `UPDATE lb_leads SET status = $1, reason = $2, body = $3, dedupe_key = $4, queued_at = $5, updated_at = $5,
				next_at = $6, tries = 0, fallback_used = 0, partnero_id = '', last_error = '', gen = gen + 1, email = $7 WHERE id = $8`,
				l.Status, l.Reason, l.Body, key, now, dueAt(l.Status, now), l.Email, cur.id); err != nil {
				return res, err
			}
		}
		switch l.Status {
		case StatusQueued:
			res.Queued++
		case StatusDryRun:
			res.DryRun++
		case StatusFailed:
			res.Failed++
		case StatusIgnored:
			res.Ignored++
		}
	}
	if err := updateEventStatus(ctx, tx, eventID); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, err
	}
	if res.Queued > 0 {
		s.signal()
	}
	return res, nil
}

// dueAt is a new or replayed lead's next_at: now when it is queued (the
// lead row is its delivery job), none otherwise.
func dueAt(status string, now int64) int64 {
	if status == StatusQueued {
		return now
	}
	return 0
}
