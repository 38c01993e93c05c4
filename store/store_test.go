package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clock is a settable clock for retention tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type bundle struct {
	store *Store
	clock *clock
	dsn   string
}

// backends lists the stores every test runs against: SQLite always, and
// PostgreSQL when LEADBRIDGE_TEST_POSTGRES names a database (.ci/run
// starts one).
func backends(t *testing.T) []string {
	out := []string{"sqlite"}
	if os.Getenv("LEADBRIDGE_TEST_POSTGRES") != "" {
		out = append(out, "postgres")
	}
	return out
}

// forEachBackend runs fn as a subtest per backend, each with a fresh store.
func forEachBackend(t *testing.T, fn func(t *testing.T, b *bundle)) {
	for _, kind := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			fn(t, setup(t, kind))
		})
	}
	if os.Getenv("LEADBRIDGE_TEST_POSTGRES") == "" {
		t.Log("PostgreSQL runs skipped: set LEADBRIDGE_TEST_POSTGRES=postgres://... to run them (bash .ci/run does)")
	}
}

func setup(t *testing.T, kind string) *bundle {
	t.Helper()
	c := &clock{now: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
	dsn := filepath.Join(t.TempDir(), "lb.db")
	if kind == "postgres" {
		dsn = freshPostgres(t)
	}
	b := &bundle{clock: c, dsn: dsn}
	b.store = openStore(t, dsn, c)
	return b
}

func openStore(t *testing.T, dsn string, c *clock) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{DSN: dsn, Now: c.Now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// freshPostgres gives one test a schema of its own in the test database
// (creating and dropping a database costs seconds: a checkpoint each).
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LEADBRIDGE_TEST_POSTGRES")
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	defer admin.Close()
	name := fmt.Sprintf("lbtest_%d_%d", os.Getpid(), dbCounter.Add(1))
	_, err = admin.Exec("CREATE SCHEMA " + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.Exec("DROP SCHEMA IF EXISTS " + name + " CASCADE")
			a.Close()
		}
	})
	return withSearchPath(base, name)
}

// freshPostgresDB creates a database of its own for one test, for what
// needs the public schema (a pg_dump restores into it).
func freshPostgresDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LEADBRIDGE_TEST_POSTGRES")
	admin, err := sql.Open("pgx", base)
	require.NoError(t, err)
	defer admin.Close()
	name := fmt.Sprintf("lbtest_%d_%d", os.Getpid(), dbCounter.Add(1))
	_, err = admin.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	return replaceDBName(base, name)
}

var dbCounter atomic.Int64

func intake(source, key string, leads ...NewLead) *Intake {
	return &Intake{Source: source, ContentType: "application/json", Payload: []byte(`{"k":"` + key + `"}`), EventKey: key, Leads: leads}
}

func queued(key string) NewLead {
	return NewLead{DedupeKey: key, Status: StatusQueued, Body: []byte(`{"name":"A","email":"a@b.co","partner":{"key":"` + key + `"}}`)}
}

func TestIngestAndDuplicate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		first, err := b.store.Ingest(ctx, intake("tf", "k:1", queued("k:1")))
		require.NoError(t, err)
		require.False(t, first.Duplicate)
		require.NotZero(t, first.EventID)

		again, err := b.store.Ingest(ctx, intake("tf", "k:1", queued("k:1")))
		require.NoError(t, err)
		require.True(t, again.Duplicate)
		require.Equal(t, first.EventID, again.EventID)
		require.Equal(t, []bool{true}, again.LeadDuplicate)

		// The same key on another source is another event.
		other, err := b.store.Ingest(ctx, intake("tally", "k:1", queued("k:1")))
		require.NoError(t, err)
		require.False(t, other.Duplicate)

		ev, err := b.store.GetEvent(ctx, first.EventID)
		require.NoError(t, err)
		require.Equal(t, StatusQueued, ev.Status)
		require.Equal(t, `{"k":"k:1"}`, string(ev.Payload))
		require.Len(t, ev.LeadList, 1)
		require.Equal(t, StatusQueued, ev.LeadList[0].Status)
		require.Equal(t, b.clock.Now(), ev.ReceivedAt)

		list, err := b.store.ListEvents(ctx, Filter{})
		require.NoError(t, err)
		require.Len(t, list, 2, "the duplicate stored nothing")
		require.Equal(t, other.EventID, list[0].ID, "newest first")

		// After a restart the key is still known.
		if b.store.Kind() == "sqlite" {
			require.NoError(t, b.store.Close(ctx))
			b.store = openStore(t, b.dsn, b.clock)
		}
		b.clock.Add(25 * time.Hour)
		later, err := b.store.Ingest(ctx, intake("tf", "k:1", queued("k:1")))
		require.NoError(t, err)
		require.True(t, later.Duplicate, "a duplicate 25 hours later is still one")
		require.Equal(t, first.EventID, later.EventID)
	})
}

func TestFailedMappingIsStoredOnceAndDeduped(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		failed := NewLead{DedupeKey: "k:9", Status: StatusFailed, Reason: `[{"field":"email","message":"no value"}]`}
		r1, err := b.store.Ingest(ctx, intake("tf", "k:9", failed))
		require.NoError(t, err)
		require.False(t, r1.Duplicate)
		r2, err := b.store.Ingest(ctx, intake("tf", "k:9", failed))
		require.NoError(t, err)
		require.True(t, r2.Duplicate)
		require.Equal(t, r1.EventID, r2.EventID)
		list, err := b.store.ListEvents(ctx, Filter{Status: StatusFailed})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, `[{"field":"email","message":"no value"}]`, list[0].LastError)
	})
}

func TestBatchDedupePerElement(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		r1, err := b.store.Ingest(ctx, intake("hs", "h:batch1", queued("k:a"), queued("k:b")))
		require.NoError(t, err)
		require.Equal(t, []bool{false, false}, r1.LeadDuplicate)

		ign := NewLead{Index: 1, DedupeKey: "k:c", Status: StatusIgnored, Reason: "no partner"}
		r2, err := b.store.Ingest(ctx, intake("hs", "h:batch2", queued("k:b"), ign))
		require.NoError(t, err)
		require.False(t, r2.Duplicate)
		require.Equal(t, []bool{true, false}, r2.LeadDuplicate)
		ev, err := b.store.GetEvent(ctx, r2.EventID)
		require.NoError(t, err)
		require.Len(t, ev.LeadList, 1, "only the new element is stored")
		require.Equal(t, StatusIgnored, ev.Status, "the status comes from the kept leads")

		r3, err := b.store.Ingest(ctx, intake("hs", "h:batch3", queued("k:a"), queued("k:b")))
		require.NoError(t, err)
		require.True(t, r3.Duplicate)
		require.Equal(t, r1.EventID, r3.EventID, "the id of the first")
		list, err := b.store.ListEvents(ctx, Filter{Source: "hs"})
		require.NoError(t, err)
		require.Len(t, list, 2)

		// An empty batch is stored (verified events are kept) as ignored.
		r4, err := b.store.Ingest(ctx, intake("hs", "h:empty"))
		require.NoError(t, err)
		ev, err = b.store.GetEvent(ctx, r4.EventID)
		require.NoError(t, err)
		require.Equal(t, StatusIgnored, ev.Status)
	})
}

func TestPruneRetention(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		ids := map[string]int64{}
		for _, st := range []string{StatusDelivered, StatusDead} {
			r, err := b.store.Ingest(ctx, intake("s", "k:"+st, queued("k:"+st)))
			require.NoError(t, err)
			ids[st] = r.EventID
			ds, err := b.store.Claim(ctx, 1, time.Minute)
			require.NoError(t, err)
			require.Len(t, ds, 1)
			require.Equal(t, leadOf(t, b.store, r.EventID), ds[0].LeadID)
			_, err = b.store.Complete(ctx, []Result{{ds[0], Decision{Status: st, StatusCode: 201, Outcome: st}, b.clock.Now()}})
			require.NoError(t, err)
		}
		// Stored after those were delivered: claims take the earliest due first.
		for _, st := range []string{StatusQueued, StatusDryRun, StatusFailed, StatusIgnored} {
			r, err := b.store.Ingest(ctx, intake("s", "k:"+st, NewLead{DedupeKey: "k:" + st, Status: st, Body: []byte("{}")}))
			require.NoError(t, err)
			ids[st] = r.EventID
		}
		b.clock.Add(10 * 24 * time.Hour)
		// Retention 1 day: delivered and ignored go; the rest stays.
		n, err := b.store.Prune(ctx, b.clock.Now().Add(-24*time.Hour), false)
		require.NoError(t, err)
		require.Equal(t, int64(2), n)
		for st, id := range ids {
			_, err := b.store.GetEvent(ctx, id)
			if st == StatusDelivered || st == StatusIgnored {
				require.ErrorIs(t, err, ErrNotFound, st)
			} else {
				require.NoError(t, err, "a %s event 10 days old is kept", st)
			}
		}
		// A pruned event's key is free again: the dedupe window is the retention.
		r, err := b.store.Ingest(ctx, intake("s", "k:"+StatusDelivered, queued("k:"+StatusDelivered)))
		require.NoError(t, err)
		require.False(t, r.Duplicate)
		// --include-failed takes dead, failed and dry_run too, never queued.
		n, err = b.store.Prune(ctx, b.clock.Now().Add(-24*time.Hour), true)
		require.NoError(t, err)
		require.Equal(t, int64(3), n)
		_, err = b.store.GetEvent(ctx, ids[StatusQueued])
		require.NoError(t, err)
	})
}

func leadOf(t *testing.T, s *Store, eventID int64) int64 {
	t.Helper()
	ev, err := s.GetEvent(context.Background(), eventID)
	require.NoError(t, err)
	require.NotEmpty(t, ev.LeadList)
	return ev.LeadList[0].ID
}

func TestGroupCommit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		const n = 300
		var wg sync.WaitGroup
		ids := make([]int64, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				key := fmt.Sprintf("k:%d", i%250) // 50 in-flight duplicates
				r, err := b.store.Ingest(ctx, intake("s", key, queued(key)))
				ids[i], errs[i] = r.EventID, err
			}(i)
		}
		wg.Wait()
		for i := range errs {
			require.NoError(t, errs[i])
			require.Equal(t, ids[i%250], ids[i], "a duplicate answers the first's id")
		}
		list, err := b.store.ListEvents(ctx, Filter{Limit: 1000})
		require.NoError(t, err)
		require.Len(t, list, 250)
		require.Less(t, b.store.committer.commits.Load(), int64(n), "concurrent requests share commits")
	})
}

func TestEventStatus(t *testing.T) {
	require.Equal(t, StatusIgnored, EventStatus())
	require.Equal(t, StatusFailed, EventStatus(StatusQueued, StatusFailed))
	require.Equal(t, StatusDead, EventStatus(StatusDelivered, StatusDead))
	require.Equal(t, StatusRetrying, EventStatus(StatusDelivered, StatusRetrying, StatusQueued))
	require.Equal(t, StatusDelivered, EventStatus(StatusDelivered, StatusIgnored))
}
