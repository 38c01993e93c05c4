package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The intake writer inserts a batch's events with one multi-row INSERT and
// their leads with another (a big batch in chunks of maxRows; see stmts). Per statement,
// database/sql, the driver and SQLite's VM cost about as much as the row
// itself: one statement per row was a third of the writer's CPU.
//
// Dedupe stays what it was with one statement per row in batch order: an
// event whose (source, key) exists, or comes earlier in the batch, is a
// duplicate of that one; a lead whose (source, key) exists or comes
// earlier is a duplicate, and an event none of whose leads is new is not
// kept. Rows are inserted in key order: two transactions inserting the
// same keys (two PostgreSQL writers or instances given the same webhooks)
// take their locks in the same order and cannot deadlock on them.

const (
	eventCols = 7
	leadCols  = 11
)

// pendingEvent is a batch's first request with its (source, event key).
type pendingEvent struct {
	r      *ingestReq
	status string
	id     int64 // the inserted event; 0 when the key was stored before
	// later are the requests of the batch with the same key.
	later []*ingestReq
}

// pendingLead is a lead candidate of an inserted event.
type pendingLead struct {
	ev *pendingEvent
	i  int // index in ev.r.in.Leads
}

func (l pendingLead) lead() *NewLead { return &l.ev.r.in.Leads[l.i] }

// prepareFor prepares, before the batch's transaction, the INSERTs it
// takes if every event and lead in it is new (the usual case).
func (s *Store) prepareFor(ctx context.Context, batch []*ingestReq) error {
	events, leads := 0, 0
	seen := make(map[string]bool, len(batch))
	for _, r := range batch {
		k := r.in.Source + "\x00" + r.in.EventKey
		if !seen[k] {
			seen[k] = true
			events++
			leads += len(r.in.Leads)
		}
	}
	if err := s.stmts.ensure(ctx, s.db, s.dialect, stmtEvents, events); err != nil {
		return err
	}
	return s.stmts.ensure(ctx, s.db, s.dialect, stmtLeads, leads)
}

// insertBatch writes a batch's events and their new leads inside tx and
// sets each request's result; queued tells whether a lead was queued for
// delivery (due at once: the lead row is its job).
func (s *Store) insertBatch(ctx context.Context, tx *sql.Tx, batch []*ingestReq, now int64) (queued bool, err error) {
	events := make([]*pendingEvent, 0, len(batch))
	byKey := make(map[string]*pendingEvent, len(batch))
	for _, r := range batch {
		r.res = IntakeResult{LeadDuplicate: make([]bool, len(r.in.Leads))}
		k := r.in.Source + "\x00" + r.in.EventKey
		if ev := byKey[k]; ev != nil {
			ev.later = append(ev.later, r)
			continue
		}
		ev := &pendingEvent{r: r, status: intakeStatus(r.in)}
		byKey[k] = ev
		events = append(events, ev)
	}
	slices.SortFunc(events, func(a, b *pendingEvent) int {
		return cmpKeys(a.r.in.Source, a.r.in.EventKey, b.r.in.Source, b.r.in.EventKey)
	})
	if err := s.insertEvents(ctx, tx, events, byKey, now); err != nil {
		return false, err
	}
	leads := leadsToInsert(events)
	if err := s.insertLeads(ctx, tx, leads, now); err != nil {
		return false, err
	}
	for _, ev := range events {
		q, err := s.settleEvent(ctx, tx, ev)
		if err != nil {
			return false, err
		}
		queued = queued || q
		for _, r := range ev.later {
			// Stored by ev (or ev's key was stored before): a duplicate of it.
			r.res.Duplicate, r.res.EventID = true, ev.r.res.EventID
			for i := range r.res.LeadDuplicate {
				r.res.LeadDuplicate[i] = true
			}
		}
	}
	return queued, nil
}

func intakeStatus(in *Intake) string {
	if in.Captured {
		return StatusCaptured
	}
	statuses := make([]string, len(in.Leads))
	for i, l := range in.Leads {
		statuses[i] = l.Status
	}
	return EventStatus(statuses...)
}

func cmpKeys(srcA, keyA, srcB, keyB string) int {
	if c := strings.Compare(srcA, srcB); c != 0 {
		return c
	}
	return strings.Compare(keyA, keyB)
}

// insertEvents inserts the events and sets the id of each one inserted
// (one whose key existed keeps 0).
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, events []*pendingEvent, byKey map[string]*pendingEvent, now int64) error {
	var key []byte
	for rest := events; len(rest) > 0; {
		st, n := s.stmts.next(stmtEvents, len(rest))
		chunk := rest[:n]
		rest = rest[n:]
		args := make([]any, 0, len(chunk)*eventCols)
		for _, ev := range chunk {
			in := ev.r.in
			payload := in.Payload
			if payload == nil {
				payload = []byte{} // not NULL: the column is NOT NULL
			}
			args = append(args, in.Source, in.EventKey, ev.status, now, in.ContentType, string(orEmptyObject(in.Headers)), payload)
		}
		rows, err := tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var src, k sql.RawBytes
			if err := rows.Scan(&id, &src, &k); err != nil {
				rows.Close()
				return err
			}
			key = append(append(append(key[:0], src...), 0), k...)
			if ev := byKey[string(key)]; ev != nil {
				ev.id = id
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// leadsToInsert lists the lead candidates of the inserted events, each
// (source, key) once and in key order; a later candidate with a key listed
// already is marked a duplicate.
func leadsToInsert(events []*pendingEvent) []pendingLead {
	n := 0
	for _, ev := range events {
		if ev.id != 0 {
			n += len(ev.r.in.Leads)
		}
	}
	out := make([]pendingLead, 0, n)
	for _, ev := range events {
		if ev.id == 0 {
			continue
		}
		for i := range ev.r.in.Leads {
			out = append(out, pendingLead{ev, i})
		}
	}
	if len(out) < 2 {
		return out
	}
	// Among equal keys the first listed is inserted, the others are its
	// duplicates (which one does not matter: they are the same lead).
	slices.SortStableFunc(out, func(a, b pendingLead) int {
		return cmpKeys(a.ev.r.in.Source, a.lead().DedupeKey, b.ev.r.in.Source, b.lead().DedupeKey)
	})
	kept := out[:1]
	for _, l := range out[1:] {
		prev := kept[len(kept)-1]
		if l.ev.r.in.Source == prev.ev.r.in.Source && l.lead().DedupeKey == prev.lead().DedupeKey {
			l.ev.r.res.LeadDuplicate[l.i] = true
			continue
		}
		kept = append(kept, l)
	}
	return kept
}

// insertLeads inserts the leads; one whose key existed is marked a
// duplicate. The count of rows inserted tells whether all were new (the
// usual case); if not, each lead of the chunk is looked up.
func (s *Store) insertLeads(ctx context.Context, tx *sql.Tx, leads []pendingLead, now int64) error {
	for rest := leads; len(rest) > 0; {
		st, n := s.stmts.next(stmtLeads, len(rest))
		chunk := rest[:n]
		rest = rest[n:]
		args := make([]any, 0, len(chunk)*leadCols)
		for _, pl := range chunk {
			l := pl.lead()
			nextAt := int64(0)
			if l.Status == StatusQueued {
				nextAt = now
			}
			args = append(args, pl.ev.id, l.Index, pl.ev.r.in.Source, l.DedupeKey, l.Status, l.Reason, l.Body, now, now, l.Email, nextAt)
		}
		res, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		inserted, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if int(inserted) == len(chunk) {
			continue
		}
		for _, pl := range chunk {
			var eventID int64
			if err := tx.QueryRowContext(ctx, `SELECT event_id FROM lb_leads WHERE source = $1 AND dedupe_key = $2`,
				pl.ev.r.in.Source, pl.lead().DedupeKey).Scan(&eventID); err != nil {
				return err
			}
			if eventID != pl.ev.id {
				pl.ev.r.res.LeadDuplicate[pl.i] = true
			}
		}
	}
	return nil
}

// settleEvent sets the result of an event's first request once its leads
// are inserted: an event whose key existed is a duplicate of that one; an
// event none of whose leads is new is deleted (a duplicate of the event
// that has its first lead); one with some new leads takes their status.
// queued tells whether one of its leads was queued.
func (s *Store) settleEvent(ctx context.Context, tx *sql.Tx, ev *pendingEvent) (queued bool, err error) {
	r := ev.r
	in := r.in
	if ev.id == 0 {
		// The same event (same key) was stored before.
		r.res.Duplicate = true
		for i := range r.res.LeadDuplicate {
			r.res.LeadDuplicate[i] = true
		}
		return false, tx.QueryRowContext(ctx, `SELECT id FROM lb_events WHERE source = $1 AND dedupe_key = $2`, in.Source, in.EventKey).Scan(&r.res.EventID)
	}
	r.res.EventID = ev.id
	var kept []string
	for i, l := range in.Leads {
		if !r.res.LeadDuplicate[i] {
			kept = append(kept, l.Status)
			queued = queued || l.Status == StatusQueued
		}
	}
	switch {
	case len(kept) == len(in.Leads):
		return queued, nil
	case len(kept) == 0:
		// Every element of the batch was seen before: keep nothing.
		if _, err := tx.ExecContext(ctx, `DELETE FROM lb_events WHERE id = $1`, ev.id); err != nil {
			return false, err
		}
		r.res.Duplicate = true
		return false, tx.QueryRowContext(ctx, `SELECT event_id FROM lb_leads WHERE source = $1 AND dedupe_key = $2`, in.Source, in.Leads[0].DedupeKey).Scan(&r.res.EventID)
	default:
		// Some elements were duplicates: the event's status is that of the kept ones.
		_, err := tx.ExecContext(ctx, `UPDATE lb_events SET status = $1 WHERE id = $2`, EventStatus(kept...), ev.id)
		return queued, err
	}
}

func orEmptyObject(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

// maxRows bounds the rows of one INSERT (64 leads take 704 parameters,
// far below SQLite's 32,766 and PostgreSQL's 65,535): more rows take
// several INSERTs.
const maxRows = 64

type stmtKind int

const (
	stmtEvents stmtKind = iota
	stmtLeads
)

// stmts are the multi-row INSERTs of intake, one per kind and number of
// rows, each prepared once (SQLite would otherwise parse one for every
// batch). A size is prepared when a batch first needs it, before its
// transaction begins: SQLite's single connection is in the transaction
// afterwards. Inside it, the leads' count can come out lower than
// expected (duplicate events); a size not prepared then goes in chunks of
// prepared ones (one row is always prepared).
type stmts struct {
	mu  sync.Mutex
	all [2]map[int]*sql.Stmt
}

// prepare prepares the one-row statements, so that a schema that does not
// fit them fails at Open.
func (s *Store) prepare(ctx context.Context) error {
	for _, k := range []stmtKind{stmtEvents, stmtLeads} {
		if err := s.stmts.ensure(ctx, s.db, s.dialect, k, 1); err != nil {
			s.stmts.close()
			return err
		}
	}
	return nil
}

// ensure prepares the statements that n rows of kind take, if missing.
func (st *stmts) ensure(ctx context.Context, db *sql.DB, d dialect, kind stmtKind, n int) error {
	for _, rows := range []int{min(n, maxRows), n % maxRows} {
		if rows == 0 {
			continue
		}
		st.mu.Lock()
		ok := st.all[kind][rows] != nil
		st.mu.Unlock()
		if ok {
			continue
		}
		p, err := db.PrepareContext(ctx, insertSQL(d, kind, rows))
		if err != nil {
			return fmt.Errorf("prepare intake insert: %w", err)
		}
		st.mu.Lock()
		if st.all[kind] == nil {
			st.all[kind] = map[int]*sql.Stmt{}
		}
		if st.all[kind][rows] != nil {
			p.Close() // another writer prepared it meanwhile
		} else {
			st.all[kind][rows] = p
		}
		st.mu.Unlock()
	}
	return nil
}

// next returns the statement for the next chunk of n rows of kind to go:
// up to maxRows of them if that size is prepared, else the largest
// prepared size below.
func (st *stmts) next(kind stmtKind, n int) (*sql.Stmt, int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for rows := min(n, maxRows); rows > 1; rows-- {
		if p := st.all[kind][rows]; p != nil {
			return p, rows
		}
	}
	return st.all[kind][1], 1
}

func (st *stmts) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, m := range st.all {
		for rows, p := range m {
			p.Close()
			delete(m, rows)
		}
	}
}

// insertSQL is the INSERT of rows events or leads.
func insertSQL(d dialect, kind stmtKind, rows int) string {
	var b strings.Builder
	cols := eventCols
	if kind == stmtEvents {
		b.WriteString(d.insertIgnore + ` INTO lb_events (source, dedupe_key, status, received_at, content_type, headers, payload) VALUES `)
	} else {
		cols = leadCols
		b.WriteString(`INSERT INTO lb_leads (event_id, idx, source, dedupe_key, status, reason, body, queued_at, updated_at, email, next_at) VALUES `)
	}
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c, p := range d.params(r*cols, cols) {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprint(&b, p)
		}
		b.WriteByte(')')
	}
	if kind == stmtLeads || d.insertIgnore == "INSERT" {
		b.WriteString(` ON CONFLICT (source, dedupe_key) DO NOTHING`)
	}
	if kind == stmtEvents {
		b.WriteString(` RETURNING id, source, dedupe_key`)
	}
	return b.String()
}
