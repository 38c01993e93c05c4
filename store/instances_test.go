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
	var ours, river int
	require.NoError(t, stores[0].db.QueryRow(`SELECT COUNT(*) FROM lb_schema`).Scan(&ours))
	require.Equal(t, len(postgresSchema), ours)
	require.NoError(t, stores[0].db.QueryRow(`SELECT COUNT(*) FROM river_migration`).Scan(&river))
	require.NotZero(t, river)
	var distinct int
	require.NoError(t, stores[0].db.QueryRow(`SELECT COUNT(DISTINCT version) FROM river_migration`).Scan(&distinct))
	require.Equal(t, river, distinct)
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

// counting is a Deliverer that records which instance delivered which lead.
type counting struct {
	mu   *sync.Mutex
	seen map[int64][]string
	name string
}

func (c counting) Deliver(_ context.Context, d *Delivery) Decision {
	time.Sleep(2 * time.Millisecond) // a quick Partnero
	c.mu.Lock()
	c.seen[d.LeadID] = append(c.seen[d.LeadID], c.name)
	c.mu.Unlock()
	return Decision{Status: StatusDelivered, StatusCode: 201, Outcome: "delivered"}
}

// Two instances share the deliveries and each lead is delivered once,
// whichever instance received it.
func TestPostgresInstancesShareDeliveries(t *testing.T) {
	dsn := onlyPostgres(t)
	c := &clock{now: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	a, b := openStore(t, dsn, c), openStore(t, dsn, c)
	var mu sync.Mutex
	seen := map[int64][]string{}
	qc := QueueConfig{Workers: 3, PollInterval: 50 * time.Millisecond}
	require.NoError(t, a.StartQueue(ctx, qc, counting{&mu, seen, "a"}))
	require.NoError(t, b.StartQueue(ctx, qc, counting{&mu, seen, "b"}))
	const n = 600
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			key := fmt.Sprintf("k:%d", i)
			_, err := s.Ingest(ctx, intake("s", key, queued(key)))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool {
		st, err := a.Stats(ctx)
		return err == nil && st.ByStatus[StatusDelivered] == n
	}, 60*time.Second, 50*time.Millisecond, "all leads delivered")
	time.Sleep(300 * time.Millisecond) // a second delivery would show now
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, n)
	by := map[string]int{}
	for id, who := range seen {
		require.Len(t, who, 1, "lead %d delivered by %v", id, who)
		by[who[0]]++
	}
	t.Logf("deliveries by instance: %v", by)
	// Each lead was scheduled once: one River job, whichever instance relayed it.
	var jobs, leads int
	require.NoError(t, a.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT args->>'lead_id') FROM river_job WHERE kind = 'leadbridge_deliver'`).Scan(&jobs, &leads))
	require.Equal(t, n, leads)
	require.Equal(t, n, jobs, "leads scheduled more than once")
	require.NotZero(t, by["a"], "instance a took part")
	require.NotZero(t, by["b"], "instance b took part")
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
