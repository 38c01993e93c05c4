package bridge

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/store"
)

// fullStore is the real store whose writes can be made to fail, as on
// a full disk: reads and Ping still work.
type fullStore struct {
	*store.Store
	full atomic.Bool
}

var errDiskFull = errors.New("database or disk is full (13)")

func (f *fullStore) Ingest(ctx context.Context, in *store.Intake) (store.IntakeResult, error) {
	if f.full.Load() {
		return store.IntakeResult{}, store.ErrUnavailable
	}
	return f.Store.Ingest(ctx, in)
}

func (f *fullStore) Complete(ctx context.Context, rs []store.Result) (int, error) {
	if f.full.Load() {
		return 0, errDiskFull
	}
	return f.Store.Complete(ctx, rs)
}

func (f *fullStore) Claim(ctx context.Context, n int, lease time.Duration) ([]*store.Delivery, error) {
	if f.full.Load() {
		return nil, errDiskFull
	}
	return f.Store.Claim(ctx, n, lease)
}

func (f *fullStore) CheckWrite(ctx context.Context) error {
	if f.full.Load() {
		return errDiskFull
	}
	return f.Store.CheckWrite(ctx)
}

// A 2xx Partnero sent while the store could not record it is kept and
// recorded once the store is back; it is never sent again, however long
// the store stays full (past the lease). /readyz says the store is
// failing meanwhile, and intake answers 503.
func TestReceived2xxIsNeverResent(t *testing.T) {
	var fs *fullStore
	b := setup(t, withClock(), withStore(func(s *store.Store) Store { fs = &fullStore{Store: s}; return fs }))
	r := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	require.Equal(t, 202, r.Code)
	ds, err := b.srv.queue.claim(context.Background(), 10)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	res, ok := b.srv.queue.attempt(context.Background(), ds[0])
	require.True(t, ok)
	require.Len(t, b.fake.Leads(), 1, "Partnero created the lead")

	fs.full.Store(true) // the disk fills up between Partnero's answer and the record
	require.ErrorIs(t, b.srv.queue.record(context.Background(), []store.Result{res}), errDiskFull)
	ready := b.do(t, b.srv.AdminHandler(), httpGet("/readyz"))
	require.Equal(t, 503, ready.Code)
	st := ready.Body["store"].(map[string]any)
	require.Equal(t, "failing", st["status"])
	require.Contains(t, st["error"], "1 delivery results wait to be written")
	require.Contains(t, st["error"], "disk is full")
	require.Equal(t, 503, b.postForm(t, "form", `{"id":"2","name":"B","email":"b@x.io","ref":"r"}`).Code, "intake answers 503 meanwhile")

	b.clock.Add(time.Hour) // far past the lease: the lead is due again in the database
	_, err = b.srv.queue.deliverDue(context.Background())
	require.ErrorIs(t, err, errDiskFull)
	require.Len(t, b.fake.Leads(), 1, "nothing is sent while results cannot be written")

	fs.full.Store(false) // space again
	// The next pass writes the kept result first; the lead is not due.
	require.Zero(t, b.deliverDue(t))
	require.Len(t, b.fake.Leads(), 1, "never re-sent")
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDelivered, ev.Status)
	require.Equal(t, []int{201}, codes(ev.LeadList[0].History), "the attempt is in the history")
	require.Equal(t, testStart, ev.LeadList[0].History[0].At, "at the time it was made")
	require.Equal(t, 200, b.do(t, b.srv.AdminHandler(), httpGet("/readyz")).Code)
}

// The running workers keep a result they cannot write, claim nothing new
// meanwhile, and write it when the store is back.
func TestWorkersWriteKeptResultsWhenTheStoreIsBack(t *testing.T) {
	var fs *fullStore
	b := setup(t, withStore(func(s *store.Store) Store { fs = &fullStore{Store: s}; return fs }))
	b.srv.queue.retryIn = 5 * time.Millisecond // a write retry, not a schedule
	b.fake.SetLatency(50 * time.Millisecond)
	b.startDelivery(t)
	r := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	require.Eventually(t, func() bool { return b.fake.Attempts() == 1 }, 10*time.Second, time.Millisecond)
	fs.full.Store(true) // while Partnero answers
	require.Eventually(t, func() bool { return b.srv.queue.failing() != nil }, 10*time.Second, time.Millisecond)
	require.Equal(t, 503, b.do(t, b.srv.AdminHandler(), httpGet("/readyz")).Code)
	fs.full.Store(false)
	require.Eventually(t, func() bool { return b.event(t, r.Body["id"]).Status == store.StatusDelivered }, 10*time.Second, time.Millisecond)
	require.Equal(t, 200, b.do(t, b.srv.AdminHandler(), httpGet("/readyz")).Code)
	require.Equal(t, 1, b.fake.Attempts())
}

// One log line per attempt at info or above, with the lead, event, source,
// Partnero's status, the outcome and the next try; a retry is a warning, a
// dead lead and a rejected key errors; no value of the lead.
func TestDeliveryLogLines(t *testing.T) {
	b := setup(t, withClock())
	fixedJitter(b)
	b.fake.Script(partnerotest.Unavailable(), partnerotest.ValidationFailed("email", "The email secret.person@x.io has already been taken."))
	ok := b.postForm(t, "form", `{"id":"1","name":"Secret Person","email":"secret.person@x.io","ref":"ref_secret"}`)
	require.Equal(t, 1, b.deliverDue(t)) // 503
	b.clock.Add(50 * time.Millisecond)
	require.Equal(t, 1, b.deliverDue(t)) // 422: dead
	b.fake.SetAPIKeys("another-key")
	auth := b.postForm(t, "form", `{"id":"2","name":"Secret Person","email":"secret.person2@x.io","ref":"ref_secret"}`)
	require.Equal(t, 1, b.deliverDue(t)) // 401
	b.fake.SetAPIKeys(partnerotest.DefaultAPIKey)
	b.clock.Add(200 * time.Millisecond)
	require.Equal(t, 1, b.deliverDue(t)) // 201

	type line struct {
		Level, Msg string
		LeadID     int64  `json:"lead_id"`
		EventID    int64  `json:"event_id"`
		Source     string `json:"source"`
		Attempt    int    `json:"attempt"`
		Status     int    `json:"status"`
		Outcome    string `json:"outcome"`
		NextAt     string `json:"next_at"`
	}
	var got []line
	sc := bufio.NewScanner(strings.NewReader(b.logs.String()))
	for sc.Scan() {
		var l line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		if strings.HasPrefix(l.Msg, "delivery attempt") {
			got = append(got, l)
		}
		if l.Level != "DEBUG" {
			for _, secret := range []string{"Secret Person", "secret.person", "ref_secret"} {
				require.NotContains(t, sc.Text(), secret, "a payload value in the log above debug")
			}
		}
	}
	okLead, authLead := b.event(t, ok.Body["id"]).LeadList[0].ID, b.event(t, auth.Body["id"]).LeadList[0].ID
	okEvent, authEvent := int64(ok.Body["id"].(float64)), int64(auth.Body["id"].(float64))
	want := []line{
		{"WARN", "delivery attempt: retry scheduled", okLead, okEvent, "form", 1, 503, "retry", testStart.Add(50 * time.Millisecond).Format(time.RFC3339Nano)},
		{"ERROR", "delivery attempt: lead is dead (see leadbridge events for Partnero's answer)", okLead, okEvent, "form", 2, 422, "dead", ""},
		{"ERROR", "delivery attempt: Partnero rejected the API key; leads wait and are retried until it is fixed", authLead, authEvent, "form", 1, 401, "auth",
			testStart.Add(250 * time.Millisecond).Format(time.RFC3339Nano)},
		{"INFO", "delivery attempt", authLead, authEvent, "form", 2, 201, "delivered", ""},
	}
	require.Equal(t, want, got)
}

// The periodic chores run by the injected clock: pruning at start and
// then once a day, not on every tick.
func TestChoresRunByTheClock(t *testing.T) {
	b := setup(t, withClock(), withConfig(func(c *Config) { c.Retention = time.Hour }))
	r := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	require.Equal(t, 1, b.deliverDue(t))
	ctx := context.Background()
	b.srv.runChores(ctx) // at start: the event is new
	b.clock.Add(2 * time.Hour)
	b.srv.runChores(ctx)
	_, err := b.store.GetEvent(ctx, int64(r.Body["id"].(float64)))
	require.NoError(t, err, "past the retention, but the daily prune is not due")
	b.clock.Add(22 * time.Hour)
	b.srv.runChores(ctx)
	_, err = b.store.GetEvent(ctx, int64(r.Body["id"].(float64)))
	require.ErrorIs(t, err, store.ErrNotFound, "pruned a day after the last prune")
}
