package store

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of several instances sharing one PostgreSQL database. SQLite is a
// single-instance store, so these run on PostgreSQL only.

// onlyPostgres skips the test, saying why, unless LEADBRIDGE_TEST_POSTGRES
// names a database.
func onlyPostgres(t *testing.T) string {
	t.Helper()
	if os.Getenv("LEADBRIDGE_TEST_POSTGRES") == "" {
		t.Skip("PostgreSQL only: set LEADBRIDGE_TEST_POSTGRES=postgres://... to run it (bash .ci/run does)")
	}
	return freshPostgres(t)
}

func TestPostgresInstancesMigrateAtOnce(t *testing.T) {
	dsn := onlyPostgres(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*Store, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Pool size 1 (raised to 2) must not deadlock on the lock.
			stores[i], errs[i] = Open(context.Background(), Config{DSN: dsn, PoolSize: 1 + i%2*9})
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "instance %d", i)
		t.Cleanup(func() { _ = stores[i].Close(context.Background()) })
	}
	// Every migration ran exactly once.
	var ours, distinct int
	require.NoError(t, stores[0].db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM lb_schema`).Scan(&ours, &distinct))
	require.Equal(t, len(postgresSchema), ours)
	require.Equal(t, ours, distinct)
	_, err := stores[n-1].Ingest(context.Background(), intake("s", "k", queued("k")))
	require.NoError(t, err, "the last instance works")
}

// Two instances receiving the same webhooks at once (a provider retrying
// through the load balancer) store each once and answer the first's id.
func TestPostgresInstancesDedupeAcrossInstances(t *testing.T) {
	dsn := onlyPostgres(t)
	c := &clock{now: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
	a, b := openStore(t, dsn, c), openStore(t, dsn, c)
	const n = 200
	type answer struct {
		id  int64
		dup bool
		err error
	}
	answers := [2][n]answer{}
	var wg sync.WaitGroup
	for side, s := range []*Store{a, b} {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Batches of two elements whose keys overlap with the next
				// webhook's: the instances' transactions contend row by row.
				k1, k2 := fmt.Sprintf("k:%d", i), fmt.Sprintf("k:%d", (i+1)%n)
				if side == 1 {
					k1, k2 = k2, k1
				}
				r, err := s.Ingest(context.Background(), intake("s", "e:"+k1+k2, queued(k1), queued(k2)))
				answers[side][i] = answer{r.EventID, r.Duplicate, err}
			}()
		}
	}
	wg.Wait()
	for side := range answers {
		for i, an := range answers[side] {
			require.NoError(t, an.err, "side %d webhook %d", side, i)
		}
	}
	// Every lead key is stored exactly once.
	var leads, keys int
	require.NoError(t, a.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT dedupe_key) FROM lb_leads`).Scan(&leads, &keys))
	require.Equal(t, n, leads)
	require.Equal(t, n, keys)
	// A webhook answered as a duplicate points at a stored event; one
	// answered as new stored at least one lead.
	for side := range answers {
		for _, an := range answers[side] {
			ev, err := a.GetEvent(context.Background(), an.id)
			require.NoError(t, err)
			if !an.dup {
				require.NotEmpty(t, ev.LeadList)
			}
		}
	}
}

// Two instances claiming from one database at once never take the same
// lead (FOR UPDATE SKIP LOCKED), and between them take every lead.
func TestPostgresInstancesShareClaims(t *testing.T) {
	dsn := onlyPostgres(t)
	c := &clock{now: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	a, b := openStore(t, dsn, c), openStore(t, dsn, c)
	const n = 2000
	leads := make([]NewLead, n)
	for i := range leads {
		leads[i] = queued(fmt.Sprintf("k:%d", i))
		leads[i].Index = i
	}
	_, err := a.Ingest(ctx, intake("s", "batch", leads...))
	require.NoError(t, err)

	var mu sync.Mutex
	claimedBy := map[int64][]string{}
	var wg sync.WaitGroup
	for _, in := range []struct {
		name string
		s    *Store
	}{{"a", a}, {"b", b}} {
		for range 3 { // three claimers per instance, as its dispatcher and a restart might overlap
			wg.Go(func() {
				for {
					ds, err := in.s.Claim(ctx, 37, time.Minute)
					if !assert.NoError(t, err) || len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						claimedBy[d.LeadID] = append(claimedBy[d.LeadID], in.name)
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	require.Len(t, claimedBy, n, "every lead claimed")
	by := map[string]int{}
	for id, who := range claimedBy {
		require.Len(t, who, 1, "lead %d claimed by %v", id, who)
		by[who[0]]++
	}
	t.Logf("claims by instance: %v", by)
	require.NotZero(t, by["a"])
	require.NotZero(t, by["b"])
}

// An instance whose machine vanished in the middle of an intake commit
// leaves its transaction open until PostgreSQL notices. A retry of one of
// its webhooks on another instance must not wait for that: it fails (503,
// the provider retries later) and the rest of that instance's intake goes on.
func TestPostgresIntakeDoesNotWaitForAVanishedInstance(t *testing.T) {
	dsn := onlyPostgres(t)
	c := &clock{now: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
	s := openStore(t, dsn, c)
	ctx := context.Background()
	// The vanished instance: a transaction that inserted the event and never ends.
	gone, err := s.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer gone.Rollback()
	_, err = gone.Exec(`INSERT INTO lb_events (source, dedupe_key, status, received_at, payload) VALUES ('s', 'k:held', 'queued', 0, '\x00')`)
	require.NoError(t, err)

	var wg sync.WaitGroup
	var heldErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, heldErr = s.Ingest(ctx, intake("s", "k:held", queued("k:held")))
	}()
	time.Sleep(100 * time.Millisecond) // the retry is waiting on the held row
	start := time.Now()
	other, err := s.Ingest(ctx, intake("s", "k:other", queued("k:other")))
	require.NoError(t, err, "other webhooks are stored")
	require.False(t, other.Duplicate)
	wg.Wait()
	require.ErrorIs(t, heldErr, ErrUnavailable)
	require.Less(t, time.Since(start), 15*time.Second)
}
