package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Read-only aggregates for the console (product.md §6): what arrived in a
// window, per source, and the stored payloads a mapping is tried on. None
// of them writes, locks or touches the queue.

// Activity is what arrived from Since on.
type Activity struct {
	Since time.Time
	// Events counts the events received since, by their status.
	Events map[string]int64
	// Leads counts the leads of those events, by their own status.
	Leads map[string]int64
	// Hours counts the events per hour (UTC) and status; hours without
	// events are left out.
	Hours []HourCount
}

// HourCount is how many events of one status arrived in one hour.
type HourCount struct {
	Hour   time.Time // the start of the hour, UTC
	Status string
	N      int64
}

// Activity counts events and leads received since a time, and events per
// hour; it reads the received_at index only.
func (s *Store) Activity(ctx context.Context, since time.Time) (Activity, error) {
	a := Activity{Since: since, Events: map[string]int64{}, Leads: map[string]int64{}}
	from := s.ms(since)
	if err := s.countInto(ctx, a.Events, `SELECT status, COUNT(*) FROM lb_events WHERE received_at >= $1 GROUP BY status`, from); err != nil {
		return a, fmt.Errorf("count events: %w", err)
	}
	if err := s.countInto(ctx, a.Leads, `SELECT l.status, COUNT(*) FROM lb_leads l JOIN lb_events e ON e.id = l.event_id
		WHERE e.received_at >= $1 GROUP BY l.status`, from); err != nil {
		return a, fmt.Errorf("count leads: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT received_at / 3600000, status, COUNT(*) FROM lb_events
		WHERE received_at >= $1 GROUP BY received_at / 3600000, status ORDER BY 1, 2`, from)
	if err != nil {
		return a, fmt.Errorf("count events per hour: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h HourCount
		var hour int64
		if err := rows.Scan(&hour, &h.Status, &h.N); err != nil {
			return a, err
		}
		h.Hour = fromMS(hour * 3600000)
		a.Hours = append(a.Hours, h)
	}
	return a, rows.Err()
}

func (s *Store) countInto(ctx context.Context, dst map[string]int64, q string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		dst[k] = n
	}
	return rows.Err()
}

// SourceActivity sums up the stored events of one source.
type SourceActivity struct {
	Source   string
	ByStatus map[string]int64
	Total    int64
	Last     time.Time // the newest event's received time
}

// SourceActivity lists every source that has stored events, by name.
func (s *Store) SourceActivity(ctx context.Context) ([]SourceActivity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, status, COUNT(*), MAX(received_at) FROM lb_events GROUP BY source, status ORDER BY source`)
	if err != nil {
		return nil, fmt.Errorf("count events per source: %w", err)
	}
	defer rows.Close()
	var out []SourceActivity
	for rows.Next() {
		var src, status string
		var n, last int64
		if err := rows.Scan(&src, &status, &n, &last); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Source != src {
			out = append(out, SourceActivity{Source: src, ByStatus: map[string]int64{}})
		}
		sa := &out[len(out)-1]
		sa.ByStatus[status] = n
		sa.Total += n
		if t := fromMS(last); t.After(sa.Last) {
			sa.Last = t
		}
	}
	return out, rows.Err()
}

// Attribution is, for one source, how many of its mapped leads came
// without a partner identifier (product.md §7 "unattributed").
type Attribution struct {
	Source string
	// Leads counts lead candidates that reached the partner rules: every
	// lead except those a when condition ignored.
	Leads int64
	// Unattributed counts those ignored as "no partner", failed for it
	// (partner_missing: fail) or sent with the fallback partner.
	Unattributed int64
}

// Attribution counts, per source, the unattributed share of the leads of
// events received since a time.
func (s *Store) Attribution(ctx context.Context, since time.Time) ([]Attribution, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.source, COUNT(*),
		SUM(CASE WHEN (l.status = 'ignored' AND l.reason = 'no partner') OR l.fallback_used <> 0
			OR (l.status = 'failed' AND l.reason LIKE '%"field":"partner"%') THEN 1 ELSE 0 END)
		FROM lb_leads l JOIN lb_events e ON e.id = l.event_id
		WHERE e.received_at >= $1 AND NOT (l.status = 'ignored' AND l.reason <> 'no partner')
		GROUP BY l.source ORDER BY l.source`, s.ms(since))
	if err != nil {
		return nil, fmt.Errorf("count unattributed leads: %w", err)
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

// StoredPayload is a stored event's raw payload, to run a mapping on.
type StoredPayload struct {
	ID          int64
	Status      string
	ReceivedAt  time.Time
	ContentType string
	Payload     []byte
}

// RecentPayloads returns the newest events of a source with their
// payloads, newest first: at most limit events, and no more once their
// payloads add up to maxBytes (the first is always returned), so that a
// source of large payloads costs bounded memory.
func (s *Store) RecentPayloads(ctx context.Context, source string, limit int, maxBytes int64) ([]StoredPayload, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, status, received_at, content_type, payload FROM lb_events
		WHERE source = $1 ORDER BY id DESC LIMIT $2`, source, limit)
	if err != nil {
		return nil, fmt.Errorf("read payloads of %s: %w", source, err)
	}
	defer rows.Close()
	var out []StoredPayload
	var total int64
	for rows.Next() {
		var p StoredPayload
		var at int64
		if err := rows.Scan(&p.ID, &p.Status, &at, &p.ContentType, &p.Payload); err != nil {
			return nil, err
		}
		p.ReceivedAt = fromMS(at)
		if total += int64(len(p.Payload)); total > maxBytes && maxBytes > 0 && len(out) > 0 {
			break
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MatchingEventIDs returns the ids of every event the filter selects
// (status, source, email, before id; its Limit is ignored), oldest first:
// what "replay everything the filter matches" replays.
func (s *Store) MatchingEventIDs(ctx context.Context, f Filter) ([]int64, error) {
	where, args := filterWhere(f)
	rows, err := s.db.QueryContext(ctx, `SELECT e.id FROM lb_events e WHERE `+where+` ORDER BY e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("select events: %w", err)
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

// filterWhere is the WHERE clause of a Filter over lb_events aliased e
// (the same conditions as ListEvents).
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
