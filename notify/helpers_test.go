package notify

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// chat is an httptest receiver: it records every body and answers what
// the test scripted (200 when nothing is).
type chat struct {
	srv *httptest.Server
	mu  sync.Mutex
	raw [][]byte // bodies answered 2xx
	all [][]byte // every body received
	// script: statuses to answer, in order, before 200.
	script []int
	// hang: requests wait until it is closed.
	hang chan struct{}
}

func newChat(t *testing.T) *chat {
	c := &chat{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		hang := c.hang
		status := http.StatusOK
		if len(c.script) > 0 {
			status, c.script = c.script[0], c.script[1:]
		}
		c.mu.Unlock()
		if hang != nil {
			select {
			case <-hang:
			case <-r.Context().Done():
				return
			}
		}
		c.mu.Lock()
		c.all = append(c.all, body)
		if status/100 == 2 {
			c.raw = append(c.raw, body)
		}
		c.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(func() {
		c.mu.Lock()
		if c.hang != nil {
			select {
			case <-c.hang:
			default:
				close(c.hang)
			}
		}
		c.mu.Unlock()
		c.srv.Close()
	})
	return c
}

// messages returns what the receiver answered 2xx to, decoded.
func (c *chat) messages(t *testing.T) []Message {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for _, b := range c.raw {
		var m Message
		require.NoError(t, json.Unmarshal(b, &m), string(b))
		out = append(out, m)
	}
	return out
}

// answer scripts the next answers (before 200s).
func (c *chat) answer(statuses ...int) { c.mu.Lock(); c.script = statuses; c.mu.Unlock() }

// requests counts the bodies answered 2xx; received counts all.
func (c *chat) requests() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.raw) }
func (c *chat) received() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.all) }

// env is one notifier on a fresh SQLite store, with a second connection
// that writes what delivery would (statuses, attempts) using only the
// columns the store keeps stable.
type env struct {
	t      *testing.T
	dsn    string
	st     *store.Store
	db     *sql.DB
	clock  *clock
	chat   *chat
	n      *Notifier
	cfg    Config
	logs   *syncBuffer
	mu     sync.Mutex
	sleeps []time.Duration // the sender's waits between attempts
	keys   int
	// secrets are what Deps.Secrets returns: the receiver URLs unless a
	// test adds more.
	secrets []string
}

func setup(t *testing.T, configure ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, chat: newChat(t), logs: &syncBuffer{}}
	e.dsn = filepath.Join(t.TempDir(), "lb.db")
	e.cfg = Config{URLs: []string{e.chat.srv.URL + "/hooks/T000/B000/XXXXsecretpath?token=q"}}
	for _, f := range configure {
		f(&e.cfg)
	}
	e.open()
	db, err := sql.Open("sqlite", "file:"+e.dsn+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	e.db = db
	// Notifications started before anything happened.
	e.check()
	return e
}

// open opens the store and a notifier on it (again: a restart).
func (e *env) open() {
	e.t.Helper()
	st, err := store.Open(context.Background(), store.Config{DSN: e.dsn, Now: e.clock.Now})
	require.NoError(e.t, err)
	e.t.Cleanup(func() { _ = st.Close(context.Background()) })
	e.st = st
	e.n = e.notifier(st)
}

func (e *env) notifier(st Store) *Notifier {
	e.t.Helper()
	n, err := New(e.cfg, Deps{
		Store: st, Now: e.clock.Now,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep: func(_ context.Context, d time.Duration) error {
			e.mu.Lock()
			e.sleeps = append(e.sleeps, d)
			e.mu.Unlock()
			return nil
		},
		Secrets: func() []string { return append(append([]string{}, e.cfg.URLs...), e.secrets...) },
	})
	require.NoError(e.t, err)
	return n
}

func (e *env) restart() {
	e.t.Helper()
	require.NoError(e.t, e.st.Close(context.Background()))
	e.open()
}

// check runs one check and sends what it queued.
func (e *env) check() {
	e.t.Helper()
	require.NoError(e.t, e.n.check(context.Background()))
	e.n.drain(context.Background())
}

// later moves the clock past the settle time and checks.
func (e *env) later(d time.Duration) {
	e.t.Helper()
	e.clock.Add(d)
	e.check()
}

func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	_, err := e.db.Exec(q, args...)
	require.NoError(e.t, err)
}

// lead stores a webhook of source with one lead and returns its event and
// lead ids.
func (e *env) lead(source string, l store.NewLead) (eventID, leadID int64) {
	e.t.Helper()
	e.keys++
	l.DedupeKey = fmt.Sprintf("k:%d", e.keys)
	if l.Status == "" {
		l.Status = store.StatusQueued
		l.Body = []byte(`{"name":"A","email":"a@b.co","partner":{"key":"ref_1"}}`)
	}
	res, err := e.st.Ingest(context.Background(), &store.Intake{Source: source, ContentType: "application/json",
		Payload: []byte(`{}`), EventKey: l.DedupeKey, Leads: []store.NewLead{l}})
	require.NoError(e.t, err)
	require.NoError(e.t, e.db.QueryRow(`SELECT id FROM lb_leads WHERE event_id = $1`, res.EventID).Scan(&leadID))
	return res.EventID, leadID
}

// dead makes a lead dead now with Partnero's message.
func (e *env) dead(leadID int64, reason string) {
	e.exec(`UPDATE lb_leads SET status = 'dead', last_error = $1, updated_at = $2 WHERE id = $3`, reason, e.clock.Now().UnixMilli(), leadID)
}

// attempt records a delivery attempt now.
func (e *env) attempt(leadID int64, code int, outcome string) {
	e.exec(`INSERT INTO lb_attempts (lead_id, at, status_code, outcome, error) VALUES ($1, $2, $3, $4, '')`, leadID, e.clock.Now().UnixMilli(), code, outcome)
}

// kinds lists the kinds of the messages received, in order.
func kinds(ms []Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Kind
	}
	return out
}

// ofKind keeps the messages of one kind.
func ofKind(ms []Message, kind string) []Message {
	var out []Message
	for _, m := range ms {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// noPartner is a lead the mapping ignored for want of a partner.
func noPartner() store.NewLead {
	return store.NewLead{Status: store.StatusIgnored, Reason: "no partner"}
}
