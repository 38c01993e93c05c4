package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scripted is a Deliverer that answers from a script per lead.
type scripted struct {
	mu    sync.Mutex
	calls map[int64][]time.Time
	plan  func(d *Delivery) Decision
}

func (s *scripted) Deliver(_ context.Context, d *Delivery) Decision {
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[int64][]time.Time{}
	}
	s.calls[d.LeadID] = append(s.calls[d.LeadID], time.Now())
	s.mu.Unlock()
	return s.plan(d)
}

func (s *scripted) count(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls[id])
}

func waitStatus(t *testing.T, s *Store, eventID int64, want string) *Event {
	t.Helper()
	var ev *Event
	require.Eventually(t, func() bool {
		var err error
		ev, err = s.GetEvent(context.Background(), eventID)
		return err == nil && ev.Status == want
	}, 20*time.Second, 20*time.Millisecond, "event %d never reached %s", eventID, want)
	return ev
}

func TestQueueDeliversRetriesAndGivesUp(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		d := &scripted{plan: func(del *Delivery) Decision {
			switch {
			case string(del.Body) == `{"fail":"always"}`:
				return Decision{Status: StatusDead, StatusCode: 422, Outcome: "dead", Error: "The email field is required."}
			case del.Attempts < 2 && string(del.Body) == `{"fail":"twice"}`:
				return Decision{Status: StatusRetrying, RetryIn: 50 * time.Millisecond, StatusCode: 503, Outcome: "retry", Error: "503 Service Unavailable"}
			default:
				return Decision{Status: StatusDelivered, StatusCode: 201, Outcome: "delivered", PartneroID: "44"}
			}
		}}
		require.NoError(t, b.store.StartQueue(ctx, QueueConfig{Workers: 2, PollInterval: 50 * time.Millisecond}, d))
		ok, err := b.store.Ingest(ctx, intake("s", "k:ok", NewLead{DedupeKey: "k:ok", Status: StatusQueued, Body: []byte(`{}`)}))
		require.NoError(t, err)
		twice, err := b.store.Ingest(ctx, intake("s", "k:twice", NewLead{DedupeKey: "k:twice", Status: StatusQueued, Body: []byte(`{"fail":"twice"}`)}))
		require.NoError(t, err)
		dead, err := b.store.Ingest(ctx, intake("s", "k:dead", NewLead{DedupeKey: "k:dead", Status: StatusQueued, Body: []byte(`{"fail":"always"}`)}))
		require.NoError(t, err)

		ev := waitStatus(t, b.store, ok.EventID, StatusDelivered)
		require.Equal(t, "44", ev.LeadList[0].PartneroID)
		require.Len(t, ev.LeadList[0].History, 1)
		require.Equal(t, 201, ev.LeadList[0].History[0].StatusCode)

		ev = waitStatus(t, b.store, twice.EventID, StatusDelivered)
		require.Equal(t, 3, ev.LeadList[0].Attempts)
		require.Equal(t, []string{"retry", "retry", "delivered"}, outcomes(ev.LeadList[0].History))
		require.Equal(t, "503 Service Unavailable", ev.LeadList[0].History[0].Error)

		ev = waitStatus(t, b.store, dead.EventID, StatusDead)
		require.Equal(t, "The email field is required.", ev.LeadList[0].LastError)
		require.Equal(t, "The email field is required.", ev.LastError)

		// Nothing more happens to finished leads.
		time.Sleep(300 * time.Millisecond)
		require.Equal(t, 1, d.count(ev.LeadList[0].ID))
		st, err := b.store.Stats(ctx)
		require.NoError(t, err)
		require.Equal(t, int64(2), st.ByStatus[StatusDelivered])
		require.Equal(t, int64(1), st.ByStatus[StatusDead])
		require.True(t, st.OldestPending.IsZero())
	})
}

func TestQueuePicksUpLeadsStoredBeforeStart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		// Stored while no queue runs (as after a crash between commit and relay).
		r, err := b.store.Ingest(ctx, intake("s", "k:early", queued("k:early")))
		require.NoError(t, err)
		d := &scripted{plan: func(*Delivery) Decision {
			return Decision{Status: StatusDelivered, StatusCode: 201, Outcome: "delivered"}
		}}
		require.NoError(t, b.store.StartQueue(ctx, QueueConfig{Workers: 1, PollInterval: 50 * time.Millisecond}, d))
		waitStatus(t, b.store, r.EventID, StatusDelivered)
		require.NoError(t, b.store.StopQueue(ctx))
	})
}

func outcomes(as []Attempt) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Outcome
	}
	return out
}

// TestRelayWindow: a burst does not all go to River at once; the leads
// beyond the window wait in lb_leads and follow as deliveries make room.
func TestRelayWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		const n = relayWindow + 200
		for i := 0; i < n; i++ {
			key := fmt.Sprintf("k:%d", i)
			_, err := b.store.Ingest(ctx, intake("s", key, queued(key)))
			require.NoError(t, err)
		}
		release := make(chan struct{})
		var once sync.Once
		d := &scripted{plan: func(*Delivery) Decision {
			<-release
			return Decision{Status: StatusDelivered, StatusCode: 201, Outcome: "delivered"}
		}}
		require.NoError(t, b.store.StartQueue(ctx, QueueConfig{Workers: 50, PollInterval: 50 * time.Millisecond}, d))
		t.Cleanup(func() { _ = b.store.StopQueue(context.Background()) })
		t.Cleanup(func() { once.Do(func() { close(release) }) }) // runs first: a failure must not leave workers blocked
		// The test drives the relay itself: the writer's own turns would
		// run concurrently (on PostgreSQL several relays may overshoot the
		// window a little, which is fine there but not what this counts).
		b.store.committer.setIdle(nil)
		require.NoError(t, b.store.relay(ctx))
		enqueued := func() int {
			var c int
			require.NoError(t, b.store.db.QueryRow(`SELECT COUNT(*) FROM lb_leads WHERE enqueued = 1`).Scan(&c))
			return c
		}
		require.Equal(t, relayWindow, enqueued(), "the window holds, the rest waits in lb_leads")
		require.True(t, b.store.relayPending.Load(), "the relay comes back for the rest")
		once.Do(func() { close(release) })
		require.Eventually(t, func() bool {
			require.NoError(t, b.store.relay(ctx))
			st, err := b.store.Stats(ctx)
			return err == nil && st.ByStatus[StatusDelivered] == n
		}, 60*time.Second, 100*time.Millisecond, "every lead is delivered in the end")
	})
}
