package store

import (
	"context"
	"fmt"
	"time"
)

// Read-only aggregates for the console (product.md §6): what arrived in a
// window, per source, and the stored payloads a mapping is tried on. None
// of them writes, locks or touches the queue.

// Activity is what arrived from Since on, per hour: one read of the
// window serves every shorter window inside it (the console's 24 h and
// 7 d).
type Activity struct {
	Since time.Time
	// Events counts events per hour received and status.
	Events []HourCount
	// Leads counts the leads of those events per hour their event was
	// received and the lead's own status.
	Leads []HourCount
	// Attribution counts, per hour and source, the leads that reached the
	// partner rules and those that came without a partner identifier
	// (product.md §7 "unattributed").
	Attribution []HourAttribution
}

// HourCount is how many events (or leads) of one status arrived in one
// hour; hours without any are left out.
type HourCount struct {
	Hour   time.Time // the start of the hour, UTC
	Status string
	N      int64
}

// HourAttribution is one source's attribution in one hour.
type HourAttribution struct {
	Hour   time.Time
	Source string
	// Leads counts lead candidates that reached the partner rules: every
	// lead except those a when condition ignored.
	Leads int64
	// Unattributed counts those ignored as "no partner", failed for it
	// (partner_missing: fail) or sent with the fallback partner.
	Unattributed int64
}

// hourMS is an hour in the store's millisecond timestamps.
const hourMS = 3600000

// Activity counts events, their leads and the unattributed leads received
// from since on, per hour. It reads the received_at index and the events
// and leads of the window.
func (s *Store) Activity(ctx context.Context, since time.Time) (Activity, error) {
	a := Activity{Since: since}
	from := s.ms(since)
	var err error
	if a.Events, err = s.hourCounts(ctx, `SELECT received_at / 3600000, status, COUNT(*) FROM lb_events
		WHERE received_at >= $1 GROUP BY received_at / 3600000, status ORDER BY 1, 2`, from); err != nil {
		return a, fmt.Errorf("count events per hour: %w", err)
	}
	if a.Leads, err = s.hourCounts(ctx, `SELECT e.received_at / 3600000, l.status, COUNT(*) FROM lb_leads l JOIN lb_events e ON e.id = l.event_id
		WHERE e.received_at >= $1 GROUP BY e.received_at / 3600000, l.status ORDER BY 1, 2`, from); err != nil {
		return a, fmt.Errorf("count leads per hour: %w", err)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT e.received_at / 3600000, l.source, COUNT(*), SUM(CASE WHEN `+unattributedSQL+` THEN 1 ELSE 0 END)
		FROM lb_leads l JOIN lb_events e ON e.id = l.event_id
		WHERE e.received_at >= $2 AND NOT (l.status = 'ignored' AND l.reason <> 'no partner')
		GROUP BY e.received_at / 3600000, l.source ORDER BY 1, 2`, partnerProblem, from)
	if err != nil {
		return a, fmt.Errorf("count unattributed leads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h HourAttribution
		var hour int64
		if err := rows.Scan(&hour, &h.Source, &h.Leads, &h.Unattributed); err != nil {
			return a, err
		}
		h.Hour = fromMS(hour * hourMS)
		a.Attribution = append(a.Attribution, h)
	}
	return a, rows.Err()
}

func (s *Store) hourCounts(ctx context.Context, q string, args ...any) ([]HourCount, error) {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HourCount
	for rows.Next() {
		var h HourCount
		var hour int64
		if err := rows.Scan(&hour, &h.Status, &h.N); err != nil {
			return nil, err
		}
		h.Hour = fromMS(hour * hourMS)
		out = append(out, h)
	}
	return out, rows.Err()
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
	rows, err := s.rdb.QueryContext(ctx, `SELECT source, status, COUNT(*), MAX(received_at) FROM lb_events GROUP BY source, status ORDER BY source`)
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
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, status, received_at, content_type, payload FROM lb_events
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

// EventPage lists a page of events as ListEvents does (newest first, the
// same filter and fields), but picks the page's ids first from the filter
// alone: with a source filter, the per-event counts then run for the page
// only, not for every event of the source before sorting (a source's
// events are found through the (source, dedupe_key) index, whose entries
// carry the id).
func (s *Store) EventPage(ctx context.Context, f Filter) ([]EventSummary, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	where, args := filterWhere(f)
	args = append(args, f.Limit)
	ids, err := s.scanIDs(ctx, fmt.Sprintf(`SELECT e.id FROM lb_events e WHERE %s ORDER BY e.id DESC LIMIT $%d`, where, len(args)), args...)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT e.id, e.source, e.status, e.received_at,
		(SELECT COUNT(*) FROM lb_leads l WHERE l.event_id = e.id),
		(SELECT COALESCE(MAX(CASE WHEN l.status = 'failed' THEN l.reason ELSE l.last_error END), '') FROM lb_leads l WHERE l.event_id = e.id AND (l.last_error <> '' OR l.status = 'failed'))
		FROM lb_events e WHERE e.id IN (`+placeholders(1, len(in))+`) ORDER BY e.id DESC`, in...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]EventSummary, 0, len(ids))
	for rows.Next() {
		e := EventSummary{Attempts: []Attempt{}}
		var at int64
		if err := rows.Scan(&e.ID, &e.Source, &e.Status, &at, &e.Leads, &e.LastError); err != nil {
			return nil, err
		}
		e.ReceivedAt = fromMS(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.fillAttempts(ctx, out)
}
