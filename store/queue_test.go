package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The queue's time is the store's clock: these tests move it and never wait.

func delivered() Decision {
	return Decision{Status: StatusDelivered, StatusCode: 201, Outcome: "delivered", PartneroID: "44"}
}

func retryIn(d time.Duration) Decision {
	return Decision{Status: StatusRetrying, RetryIn: d, StatusCode: 503, Outcome: "retry", Error: "503 Service Unavailable"}
}

// claimAll claims what is due now, in one call.
func claimAll(t *testing.T, s *Store) map[string]*Delivery {
	t.Helper()
	ds, err := s.Claim(context.Background(), 1000, time.Minute)
	require.NoError(t, err)
	out := map[string]*Delivery{}
	for _, d := range ds {
		var key string
		require.NoError(t, s.db.QueryRow(`SELECT dedupe_key FROM lb_leads WHERE id = $1`, d.LeadID).Scan(&key))
		out[key] = d
	}
	return out
}

func (b *bundle) complete(t *testing.T, rs ...Result) int {
	t.Helper()
	stale, err := b.store.Complete(context.Background(), rs)
	require.NoError(t, err)
	return stale
}

func (b *bundle) ingest(t *testing.T, keys ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, k := range keys {
		r, err := b.store.Ingest(context.Background(), intake("s", k, queued(k)))
		require.NoError(t, err)
		ids = append(ids, r.EventID)
	}
	return ids
}

func (b *bundle) lead(t *testing.T, eventID int64) Lead {
	t.Helper()
	ev, err := b.store.GetEvent(context.Background(), eventID)
	require.NoError(t, err)
	require.Len(t, ev.LeadList, 1)
	return ev.LeadList[0]
}

func TestClaimLeaseRetryAndRescue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ids := b.ingest(t, "k:ok", "k:retry", "k:crash")
		got := claimAll(t, b.store)
		require.Len(t, got, 3)
		require.Empty(t, claimAll(t, b.store), "claimed leads are leased")
		for _, d := range got {
			require.Equal(t, 0, d.Attempts)
			require.Equal(t, b.clock.Now().Add(time.Minute), d.LeaseUntil)
		}

		now := b.clock.Now()
		require.Zero(t, b.complete(t, Result{got["k:ok"], delivered(), now}, Result{got["k:retry"], retryIn(30 * time.Second), now}))
		ok := b.lead(t, ids[0])
		require.Equal(t, StatusDelivered, ok.Status)
		require.Equal(t, "44", ok.PartneroID)
		require.Equal(t, []string{"delivered"}, outcomes(ok.History))
		retry := b.lead(t, ids[1])
		require.Equal(t, StatusRetrying, retry.Status)
		require.Equal(t, now.Add(30*time.Second), retry.NextAt, "next_at is the schedule, not only a display")
		require.Equal(t, "503 Service Unavailable", retry.LastError)

		b.clock.Add(30*time.Second - time.Millisecond)
		require.Empty(t, claimAll(t, b.store), "not before its time")
		b.clock.Add(time.Millisecond)
		again := claimAll(t, b.store)
		require.Len(t, again, 1)
		require.Equal(t, 1, again["k:retry"].Attempts, "the backoff counts the attempts made")

		// k:crash was claimed by a worker that died: it comes back when
		// the lease (1m) runs out, under a new claim.
		b.clock.Add(30 * time.Second)
		rescued := claimAll(t, b.store)
		require.Len(t, rescued, 1)
		require.Greater(t, rescued["k:crash"].Claim, got["k:crash"].Claim)
		// The dead worker's result, if it ever came, is stale: the
		// attempt is history, the lead belongs to the new claim.
		require.Equal(t, 1, b.complete(t, Result{got["k:crash"], delivered(), b.clock.Now()}))
		crash := b.lead(t, ids[2])
		require.Equal(t, StatusQueued, crash.Status)
		require.Equal(t, []string{"delivered"}, outcomes(crash.History))
		require.Zero(t, b.complete(t, Result{rescued["k:crash"], delivered(), b.clock.Now()}))
		require.Equal(t, StatusDelivered, b.lead(t, ids[2]).Status)
	})
}

func TestReplayFencesDeliveryInFlight(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		ids := b.ingest(t, "k:1")
		first := claimAll(t, b.store)["k:1"]
		require.Zero(t, b.complete(t, Result{first, retryIn(time.Hour), b.clock.Now()}))
		b.clock.Add(2 * time.Hour)
		inFlight := claimAll(t, b.store)["k:1"]
		require.Equal(t, 1, inFlight.Attempts)

		// Replayed while that attempt is under way: a fresh budget, due now.
		b.clock.Add(time.Second)
		res, err := b.store.Requeue(ctx, ids[0], []NewLead{queued("k:1")}, false)
		require.NoError(t, err)
		require.Equal(t, 1, res.Queued)
		require.Equal(t, 1, b.complete(t, Result{inFlight, retryIn(time.Hour), b.clock.Now()}), "the old generation's result is stale")
		l := b.lead(t, ids[0])
		require.Equal(t, StatusQueued, l.Status)
		require.Len(t, l.History, 2, "both attempts are history")
		replayed := claimAll(t, b.store)["k:1"]
		require.NotNil(t, replayed, "due at once")
		require.Equal(t, 0, replayed.Attempts, "a replay starts a fresh budget")
		require.Equal(t, b.clock.Now(), replayed.QueuedAt)
		require.Greater(t, replayed.Gen, inFlight.Gen)
	})
}

func TestReleaseAndWakeup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		drain(b.store.Wakeup())
		b.ingest(t, "k:1", "k:2")
		requireSignalled(t, b.store.Wakeup(), "intake of a queued lead wakes delivery")
		got := claimAll(t, b.store)
		require.NoError(t, b.store.Release(ctx, []*Delivery{got["k:1"]}))
		again := claimAll(t, b.store)
		require.Len(t, again, 1, "a released lead is due at once; the other is still leased")
		require.NotNil(t, again["k:1"])

		// Leads that need no delivery wake nobody.
		_, err := b.store.Ingest(ctx, intake("s", "k:f", NewLead{DedupeKey: "k:f", Status: StatusFailed, Reason: "[]"}))
		require.NoError(t, err)
		select {
		case <-b.store.Wakeup():
			t.Fatal("a failed lead woke delivery")
		default:
		}
	})
}

func drain(c <-chan struct{}) {
	select {
	case <-c:
	default:
	}
}

func requireSignalled(t *testing.T, c <-chan struct{}, msg string) {
	t.Helper()
	select {
	case <-c:
	default:
		t.Fatal(msg)
	}
}

// The event's status follows its leads through delivery: the lead that
// most needs attention, however many leads (a 600-element batch: more
// claims than one, more results than one statement of SQLite's).
func TestEventStatusFollowsBatchDelivery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		const n = 600
		leads := make([]NewLead, n)
		for i := range leads {
			leads[i] = queued(fmt.Sprintf("k:%d", i))
			leads[i].Index = i
		}
		r, err := b.store.Ingest(ctx, intake("s", "batch", leads...))
		require.NoError(t, err)
		status := func() string {
			ev, err := b.store.ListEvents(ctx, Filter{})
			require.NoError(t, err)
			return ev[0].Status
		}
		var ds []*Delivery
		for {
			part, err := b.store.Claim(ctx, 256, time.Minute)
			require.NoError(t, err)
			if len(part) == 0 {
				break
			}
			ds = append(ds, part...)
		}
		require.Len(t, ds, n)
		now := b.clock.Now()
		results := func(from, to int, dec Decision) []Result {
			var rs []Result
			for _, d := range ds[from:to] {
				rs = append(rs, Result{d, dec, now})
			}
			return rs
		}
		b.complete(t, results(0, n-2, delivered())...)
		require.Equal(t, StatusQueued, status(), "two leads still wait")
		b.complete(t, results(n-2, n-1, retryIn(time.Minute))...)
		require.Equal(t, StatusRetrying, status())
		b.complete(t, results(n-1, n, Decision{Status: StatusDead, StatusCode: 422, Outcome: "dead"})...)
		require.Equal(t, StatusDead, status())
		b.clock.Add(time.Minute)
		last, err := b.store.Claim(ctx, 10, time.Minute)
		require.NoError(t, err)
		require.Len(t, last, 1)
		b.complete(t, Result{last[0], delivered(), b.clock.Now()})
		require.Equal(t, StatusDead, status(), "dead outranks delivered")
		ev, err := b.store.GetEvent(ctx, r.EventID)
		require.NoError(t, err)
		require.Equal(t, StatusDead, ev.Status)
	})
}

// The SQL that recomputes an event's status agrees with EventStatus.
func TestEventStatusSQLAgreesWithEventStatus(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		for i, statuses := range [][]string{
			{}, {StatusIgnored}, {StatusDelivered, StatusIgnored}, {StatusDryRun, StatusDelivered}, {StatusQueued, StatusDryRun},
			{StatusRetrying, StatusQueued}, {StatusDead, StatusRetrying}, {StatusFailed, StatusDead}, {StatusDelivered, StatusDelivered},
		} {
			var leads []NewLead
			for j, st := range statuses {
				leads = append(leads, NewLead{Index: j, DedupeKey: fmt.Sprintf("k:%d:%d", i, j), Status: st})
			}
			r, err := b.store.Ingest(ctx, intake("s", fmt.Sprintf("e:%d", i), leads...))
			require.NoError(t, err)
			_, err = b.store.db.Exec(`UPDATE lb_events SET status = 'x' WHERE id = $1`, r.EventID)
			require.NoError(t, err)
			tx, err := b.store.db.Begin()
			require.NoError(t, err)
			require.NoError(t, updateEventStatus(ctx, tx, r.EventID))
			require.NoError(t, tx.Commit())
			ev, err := b.store.GetEvent(ctx, r.EventID)
			require.NoError(t, err)
			require.Equal(t, EventStatus(statuses...), ev.Status, "%v", statuses)
		}
	})
}

// Complete records all of its results or none: the caller keeps them
// and tries again, so a Partnero answer is never lost to a failed write.
func TestCompleteIsAllOrNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ids := b.ingest(t, "k:1", "k:2")
		got := claimAll(t, b.store)
		now := b.clock.Now()
		// The second result breaks the transaction half-way (a NUL byte
		// is no valid text on PostgreSQL; SQLite refuses the CHECK below).
		if b.store.Kind() == "sqlite" {
			_, err := b.store.db.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON lb_attempts WHEN NEW.outcome = 'boom' BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
			require.NoError(t, err)
		}
		bad := Decision{Status: StatusDelivered, StatusCode: 201, Outcome: "boom", Error: "\x00"}
		_, err := b.store.Complete(context.Background(), []Result{{got["k:1"], delivered(), now}, {got["k:2"], bad, now}})
		require.Error(t, err)
		for _, id := range ids {
			l := b.lead(t, id)
			require.Equal(t, StatusQueued, l.Status)
			require.Empty(t, l.History)
		}
	})
}

func TestCheckWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		require.NoError(t, b.store.CheckWrite(ctx))
		if b.store.Kind() != "sqlite" {
			return
		}
		// Reads work, writes do not (as on a full disk): Ping cannot tell.
		_, err := b.store.db.Exec(`PRAGMA query_only = 1`)
		require.NoError(t, err)
		require.NoError(t, b.store.Ping(ctx))
		require.Error(t, b.store.CheckWrite(ctx))
		_, err = b.store.db.Exec(`PRAGMA query_only = 0`)
		require.NoError(t, err)
		require.NoError(t, b.store.CheckWrite(ctx))
	})
}

func outcomes(as []Attempt) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Outcome
	}
	return out
}
