package store

import (
	"context"
	"os"
	"sync"
	"testing"

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
