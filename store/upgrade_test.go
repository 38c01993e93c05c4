package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The fixtures were written by the release at commit 05b2aaa (River
// behind a relay), with Partnero failing: leads delivered, retrying with
// River jobs snoozed for about an hour, and queued with available jobs.
// scripts/make-upgrade-fixture.sh rebuilds them.

// riverSchedule is what the old release's River held: lead id → the due
// time of its pending delivery job of the lead's generation.
type riverSchedule map[int64]time.Time

func TestUpgradeFrom05b2aaaSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lb.db")
	b, err := os.ReadFile("testdata/v05b2aaa.db")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	old := openDB(t, "sqlite", path)
	sched := riverScheduleOf(t, old, `SELECT CAST(args->>'lead_id' AS INTEGER), CAST(args->>'gen' AS INTEGER), scheduled_at FROM river_job WHERE `+riverPending)
	old.Close()
	testUpgrade(t, path, sched)
}

func TestUpgradeFrom05b2aaaPostgres(t *testing.T) {
	if os.Getenv("LEADBRIDGE_TEST_POSTGRES") == "" {
		t.Skip("PostgreSQL only: set LEADBRIDGE_TEST_POSTGRES=postgres://... to run it (bash .ci/run does)")
	}
	dsn := freshPostgresDB(t)
	dump, err := os.ReadFile("testdata/v05b2aaa-postgres.sql")
	require.NoError(t, err)
	// The dump sets search_path on its session: a connection of its own.
	restore := openDB(t, "pgx", dsn)
	_, err = restore.Exec(string(dump))
	require.NoError(t, err, "restore the dump")
	restore.Close()
	old := openDB(t, "pgx", dsn)
	sched := riverScheduleOf(t, old, `SELECT (args->>'lead_id')::bigint, (args->>'gen')::bigint, scheduled_at FROM river_job WHERE `+riverPending)
	old.Close()
	testUpgrade(t, dsn, sched)
}

func openDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	return db
}

func riverScheduleOf(t *testing.T, db *sql.DB, q string) riverSchedule {
	t.Helper()
	type job struct {
		lead, gen int64
		due       time.Time
	}
	var jobs []job
	rows, err := db.Query(q)
	require.NoError(t, err)
	for rows.Next() {
		var j job
		var at any
		require.NoError(t, rows.Scan(&j.lead, &j.gen, &at))
		switch v := at.(type) {
		case time.Time:
			j.due = v
		case string: // SQLite: River's text timestamps, UTC
			j.due, err = time.Parse("2006-01-02 15:04:05.999999999", v)
			require.NoError(t, err, v)
		default:
			t.Fatalf("scheduled_at %T", at)
		}
		jobs = append(jobs, j)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	out := riverSchedule{}
	for _, j := range jobs {
		var gen int64
		require.NoError(t, db.QueryRow(`SELECT gen FROM lb_leads WHERE id = $1`, j.lead).Scan(&gen))
		if due, ok := out[j.lead]; j.gen == gen && (!ok || j.due.Before(due)) {
			out[j.lead] = j.due.UTC().Truncate(time.Millisecond)
		}
	}
	return out
}

// testUpgrade opens the old store (migrating it), checks that every
// waiting lead took its River job's schedule and that River is gone,
// then delivers by the clock: nothing before its time, everything after.
func testUpgrade(t *testing.T, dsn string, sched riverSchedule) {
	ctx := context.Background()
	s := openStore(t, dsn, &clock{now: time.Now()})
	c := &clock{}
	s.now = c.Now // the clock of the delivery below, once the store is open

	var riverTables int
	q := `SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'river%'`
	if s.Kind() == "postgres" {
		q = `SELECT (SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'river%') + (SELECT COUNT(*) FROM pg_type WHERE typname LIKE 'river%')
			+ (SELECT COUNT(*) FROM pg_proc WHERE proname LIKE 'river%')`
	}
	require.NoError(t, s.db.QueryRow(q).Scan(&riverTables))
	require.Zero(t, riverTables, "River's tables, types and functions are dropped")

	type lead struct {
		id, queuedAt, nextAt int64
		status               string
		tries                int
	}
	var waiting []lead
	rows, err := s.db.Query(`SELECT id, status, queued_at, next_at, tries FROM lb_leads WHERE status IN ('queued', 'retrying') ORDER BY next_at, id`)
	require.NoError(t, err)
	for rows.Next() {
		var l lead
		require.NoError(t, rows.Scan(&l.id, &l.status, &l.queuedAt, &l.nextAt, &l.tries))
		waiting = append(waiting, l)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	var retrying, queuedWithJob int
	for _, l := range waiting {
		due, ok := sched[l.id]
		switch {
		case ok:
			require.Equal(t, due.UnixMilli(), l.nextAt, "lead %d (%s) takes its River job's schedule", l.id, l.status)
		case l.status == StatusQueued:
			require.Equal(t, l.queuedAt, l.nextAt, "lead %d had no job: due at once", l.id)
		}
		if l.status == StatusRetrying {
			retrying++
			require.Positive(t, l.tries, "lead %d: its attempts count for the backoff", l.id)
		} else if ok {
			queuedWithJob++
		}
	}
	t.Logf("%d waiting leads: %d retrying, %d queued with a River job, %d River schedules carried", len(waiting), retrying, queuedWithJob, len(sched))
	require.NotZero(t, retrying, "the fixture has snoozed retries")
	require.NotZero(t, queuedWithJob, "the fixture has queued leads with jobs")

	// Deliver on schedule: at each lead's due time, exactly the leads due
	// by then are claimed, and each once.
	var times []int64
	for _, l := range waiting {
		times = append(times, l.nextAt)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	dueOf := map[int64]int64{}
	for _, l := range waiting {
		dueOf[l.id] = l.nextAt
	}
	claimed := map[int64]bool{}
	for _, at := range times {
		c.Set(fromMS(at).Add(-time.Millisecond))
		before, err := s.Claim(ctx, 1000, time.Hour)
		require.NoError(t, err)
		require.Empty(t, before, "nothing is due before its time")
		c.Set(fromMS(at))
		ds, err := s.Claim(ctx, 1000, time.Hour)
		require.NoError(t, err)
		var rs []Result
		for _, d := range ds {
			require.False(t, claimed[d.LeadID], "lead %d claimed twice", d.LeadID)
			claimed[d.LeadID] = true
			require.LessOrEqual(t, dueOf[d.LeadID], at)
			rs = append(rs, Result{d, delivered(), c.Now()})
		}
		_, err = s.Complete(ctx, rs)
		require.NoError(t, err)
	}
	require.Len(t, claimed, len(waiting), "every waiting lead delivered")
	st, err := s.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.ByStatus[StatusQueued]+st.ByStatus[StatusRetrying])

	// The upgraded store takes new webhooks as a fresh one does.
	r, err := s.Ingest(ctx, intake("fixture", "k:after-upgrade", queued("k:after-upgrade")))
	require.NoError(t, err)
	require.False(t, r.Duplicate)
	dup, err := s.Ingest(ctx, intake("fixture", "k:waiting-1", queued("k:waiting-1")))
	require.NoError(t, err)
	require.True(t, dup.Duplicate, "the old leads' keys still dedupe")
}
