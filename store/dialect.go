package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the embedded default: pure Go, the binary stays static
)

// dialect holds what differs between SQLite and PostgreSQL: opening the
// pool and the schema's types. Queries are shared ($N placeholders,
// RETURNING and ON CONFLICT work on both).
type dialect struct {
	name string
	open func(cfg Config) (*sql.DB, error)
	// openReader, when set, opens a pool for reads apart from the writer.
	openReader func(cfg Config) (*sql.DB, error)
	// schema is the list of migrations, applied in order once each.
	schema []string
	// before runs Go steps in the migration transaction just before the
	// migration of that version (1-based): what SQL alone cannot say.
	before map[int]func(ctx context.Context, tx *sql.Tx) (string, error)
	// writers is how many intake transactions run side by side.
	writers int
	// blob is the type name of binary columns, for casts.
	blob string
	// completeChunk bounds the results one statement of Complete records
	// (each takes 15 parameters).
	completeChunk int
	// anonParams: parameters are written ? (SQLite), not $N (PostgreSQL).
	// SQLite looks $N parameters up by name at a cost that grows with the
	// square of their number: a statement of 1,000 would parse for long.
	anonParams bool
	// lockMigrations serialises migrations across instances (PostgreSQL):
	// it returns once this instance may migrate, and unlock ends that.
	lockMigrations func(ctx context.Context, db *sql.DB) (unlock func(), err error)
	// skipLocked is appended to SELECT ... FOR UPDATE where rows are claimed.
	skipLocked string
	// intakeTx, when set, runs first in every intake transaction.
	intakeTx string
	// transient tells whether a failed transaction may succeed if run again.
	transient func(error) bool
	// insertIgnore starts the INSERT of a batch's events, which skips
	// a row whose (source, dedupe_key) exists: "INSERT OR IGNORE" on
	// SQLite (its ON CONFLICT DO NOTHING makes a multi-row INSERT keep a
	// statement journal: about 5% of the writer's CPU), "INSERT" (with ON
	// CONFLICT DO NOTHING) elsewhere. OR IGNORE also skips a row with a
	// NULL in a NOT NULL column: intake never binds one.
	insertIgnore string
}

func dialectFor(dsn string) dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgresDialect()
	}
	return sqliteDialect()
}

func sqliteDialect() dialect {
	return dialect{
		name:           "sqlite",
		open:           openSQLite,
		openReader:     openSQLiteReader,
		schema:         sqliteSchema,
		before:         map[int]func(context.Context, *sql.Tx) (string, error){oneQueueVersion: carryRiverSQLite},
		writers:        1, // SQLite has one writer
		blob:           "BLOB",
		completeChunk:  500,
		anonParams:     true,
		lockMigrations: func(context.Context, *sql.DB) (func(), error) { return func() {}, nil },
		transient:      func(error) bool { return false },
		insertIgnore:   "INSERT OR IGNORE",
	}
}

// openSQLite opens the file with the settings storage-notes.md measured:
// WAL, synchronous=FULL (fsync at every commit: durable before 2xx), a
// busy timeout for other processes (leadbridge events/backup), immediate
// transactions, and a single connection (SQLite has one writer: more
// connections only wait on each other, storage-notes.md §3).
//
// The driver opens a file: URI, in which '?' ends the path, '#' starts a
// fragment and %HH is an escape: a plain path is escaped, lest a directory
// named "a#1" put the database in "a" and drop the settings.
func openSQLite(cfg Config) (*sql.DB, error) {
	// The writer checkpoints only as a last resort (40 MB of WAL): the
	// checkpointer does it beside the writer, off the commit path.
	db, err := sqliteDB(cfg, "wal_autocheckpoint(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return db, nil
}

// openSQLiteReader opens the readers' pool: in WAL mode readers and the
// writer do not wait for each other.
func openSQLiteReader(cfg Config) (*sql.DB, error) {
	db, err := sqliteDB(cfg)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	return db, nil
}

func sqliteDB(cfg Config, pragmas ...string) (*sql.DB, error) {
	path := cfg.DSN
	if strings.HasPrefix(path, "file:") {
		// Already a URI, escaped by the user: only its parameters go.
		path = strings.TrimPrefix(path, "file:")
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
	} else {
		path = (&url.URL{Path: path}).EscapedPath()
	}
	q := url.Values{}
	for _, p := range append([]string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "journal_size_limit(67108864)"}, pragmas...) {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", cfg.DSN, err)
	}
	return db, nil
}

var sqliteSchema = []string{
	`CREATE TABLE lb_events (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		source       TEXT    NOT NULL,
		dedupe_key   TEXT    NOT NULL,
		status       TEXT    NOT NULL,
		received_at  INTEGER NOT NULL,
		content_type TEXT    NOT NULL DEFAULT '',
		headers      TEXT    NOT NULL DEFAULT '{}',
		payload      BLOB    NOT NULL,
		UNIQUE (source, dedupe_key)
	);
	CREATE INDEX lb_events_received ON lb_events (received_at);
	CREATE INDEX lb_events_status ON lb_events (status, id);
	CREATE TABLE lb_leads (
		id            INTEGER PRIMARY KEY AUTOINCREMENT,
		event_id      INTEGER NOT NULL REFERENCES lb_events (id) ON DELETE CASCADE,
		idx           INTEGER NOT NULL,
		source        TEXT    NOT NULL,
		dedupe_key    TEXT    NOT NULL,
		status        TEXT    NOT NULL,
		reason        TEXT    NOT NULL DEFAULT '',
		body          BLOB,
		attempts      INTEGER NOT NULL DEFAULT 0,
		partnero_id   TEXT    NOT NULL DEFAULT '',
		last_error    TEXT    NOT NULL DEFAULT '',
		fallback_used INTEGER NOT NULL DEFAULT 0,
		enqueued      INTEGER NOT NULL DEFAULT 0,
		queued_at     INTEGER NOT NULL,
		next_at       INTEGER NOT NULL DEFAULT 0,
		updated_at    INTEGER NOT NULL,
		UNIQUE (source, dedupe_key)
	);
	CREATE INDEX lb_leads_event ON lb_leads (event_id);
	CREATE INDEX lb_leads_relay ON lb_leads (id) WHERE enqueued = 0 AND status = 'queued';
	CREATE INDEX lb_leads_status ON lb_leads (status);
	CREATE TABLE lb_attempts (
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		lead_id     INTEGER NOT NULL REFERENCES lb_leads (id) ON DELETE CASCADE,
		at          INTEGER NOT NULL,
		status_code INTEGER NOT NULL,
		outcome     TEXT    NOT NULL,
		error       TEXT    NOT NULL DEFAULT ''
	);
	CREATE INDEX lb_attempts_lead ON lb_attempts (lead_id);`,
	// 2: a lead's generation: a replay bumps it, so a job scheduled for an
	// older generation (a snoozed retry) finds the lead moved on and stops.
	`ALTER TABLE lb_leads ADD COLUMN gen INTEGER NOT NULL DEFAULT 0`,
	// 3: the lead's email (lower case), so that events can be found by
	// the person who filled in the form (console, events --email).
	`ALTER TABLE lb_leads ADD COLUMN email TEXT NOT NULL DEFAULT '';
	UPDATE lb_leads SET email = lower(COALESCE(json_extract(body, '$.email'), '')) WHERE body IS NOT NULL AND json_valid(body);
	CREATE INDEX lb_leads_email ON lb_leads (email) WHERE email <> ''`,
	// 4 (oneQueueVersion): the lead row is the delivery job. River's
	// pending jobs' schedule is carried into next_at and its tables are
	// dropped first (carryRiverSQLite); queued leads without a job are
	// due at once. claim fences a result to the claim it belongs to;
	// tries counts the attempts of the current retry budget (the backoff's
	// n); enqueued is no longer used (dropping it would rewrite the table).
	// lb_leads_status goes: SQLite's planner took it for claims (then
	// sorted every waiting lead); the backlog's counts read the covering
	// (event_id, status) index instead.
	`ALTER TABLE lb_leads ADD COLUMN claim INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE lb_leads ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
	UPDATE lb_leads SET tries = (SELECT COUNT(*) FROM lb_attempts a WHERE a.lead_id = lb_leads.id AND a.at >= lb_leads.queued_at)
		WHERE status IN ('queued', 'retrying');
	UPDATE lb_leads SET next_at = queued_at WHERE status = 'queued' AND next_at = 0;
	DROP INDEX lb_leads_relay;
	DROP INDEX lb_leads_status;
	DROP INDEX lb_leads_event;
	CREATE INDEX lb_leads_event ON lb_leads (event_id, status);
	CREATE INDEX lb_leads_due ON lb_leads (next_at) WHERE status IN ('queued', 'retrying');
	CREATE TABLE lb_probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
	INSERT INTO lb_probe (id, at) VALUES (1, 0)`,
	// 5: notifications (package notify): its state (cursor, what was sent
	// when) as one row that instances replace by compare-and-swap, the
	// messages waiting to be sent, and attempts found by time.
	`CREATE TABLE lb_notify (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);
	CREATE TABLE lb_notify_outbox (
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		created_at INTEGER NOT NULL,
		claimed_at INTEGER NOT NULL DEFAULT 0,
		body       TEXT NOT NULL
	);
	CREATE INDEX lb_attempts_at ON lb_attempts (at)`,
	// 6: leads that went dead, by time: the notifier asks for the new ones
	// every check, which read every lead of the store without it.
	`CREATE INDEX lb_leads_dead ON lb_leads (updated_at) WHERE status = 'dead'`,
}

// checkpointEvery is how often the checkpointer copies the WAL into the
// database file. Often: a checkpoint ends with an fsync of the database
// file, and the intake commits' fsyncs of the WAL wait behind it on the
// same disk, the longer the more it copied. In load.sh's live mode, p99
// was 28-29 ms at 250 ms, 20-23 ms at 100 ms and 17.5-19 ms at 50 ms
// (60 ms at 1 s), at the same throughput; idle, a checkpoint with nothing
// to copy costs a few microseconds.
const checkpointEvery = 50 * time.Millisecond

// checkpointer copies committed WAL frames into the database file beside
// the writer (PASSIVE: it waits for nobody), so that no intake commit
// pays for a checkpoint: with SQLite's automatic checkpoint, the commit
// that crosses the threshold copies megabytes and fsyncs the file, and
// that request's latency jumps. It returns a function that stops it.
func (s *Store) checkpointer() func() {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if _, err := s.rdb.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
					s.log.Debug("checkpoint", "err", err)
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-done }) }
}

// params returns the placeholders of n parameters after the first from:
// "?" each on SQLite, "$from+1" ... on PostgreSQL, for fmt.
func (d dialect) params(from, n int) []any {
	out := make([]any, n)
	for i := range out {
		if d.anonParams {
			out[i] = "?"
		} else {
			out[i] = fmt.Sprintf("$%d", from+i+1)
		}
	}
	return out
}
