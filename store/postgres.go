package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

func postgresDialect() dialect {
	return dialect{
		name:   "postgres",
		open:   openPostgres,
		schema: postgresSchema,
		before: map[int]func(context.Context, *sql.Tx) (string, error){oneQueueVersion: carryRiverPostgres},
		// Two intake writers run side by side: one waits for the server's
		// fsync while the other fills a batch. With four, batches of two
		// instances receiving the same webhooks waited on each other's
		// keys past the lock timeout.
		writers:        2,
		blob:           "BYTEA",
		completeChunk:  500,
		lockMigrations: lockPostgresMigrations,
		skipLocked:     " FOR UPDATE SKIP LOCKED",
		// Inserting a key that another transaction holds waits for it. An
		// instance that vanished mid-commit (no FIN: a lost machine) holds
		// its keys until the server notices, and the single intake writer
		// would wait with every request behind it: give up instead (the
		// webhook is answered 503 and retried by its provider). Live
		// instances hold keys for milliseconds; deadlocks are found at
		// deadlock_timeout (1s) before this.
		intakeTx:     `SET LOCAL lock_timeout = '3s'`,
		transient:    pgTransient,
		insertIgnore: "INSERT",
	}
}

// pgTransient: a deadlock or serialization failure; not a lock timeout,
// which means a vanished instance holds the key.
func pgTransient(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// migrationLock is the advisory lock key instances take while migrating.
const migrationLock = 7465734

// lockPostgresMigrations holds a session-level advisory lock on a
// connection of its own while this instance migrates, so that instances
// starting together apply the schema one after another (the later ones
// find nothing to do). A crash ends the session and with it the lock.
func lockPostgresMigrations(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock); err != nil {
			// Never hand a session that may still hold the lock back to
			// the pool: the other instances would wait for it forever.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, nil
}

// openPostgres opens a pool of cfg.PoolSize connections (at least 2: one
// holds the migration lock while another migrates).
func openPostgres(cfg Config) (*sql.DB, error) {
	db, err := sql.Open("pgx", cfg.DSN)
	if err != nil {
		return nil, err
	}
	n := max(cfg.PoolSize, 2)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return db, nil
}

var postgresSchema = []string{
	`CREATE TABLE lb_events (
		id           BIGSERIAL PRIMARY KEY,
		source       TEXT    NOT NULL,
		dedupe_key   TEXT    NOT NULL,
		status       TEXT    NOT NULL,
		received_at  BIGINT  NOT NULL,
		content_type TEXT    NOT NULL DEFAULT '',
		headers      TEXT    NOT NULL DEFAULT '{}',
		payload      BYTEA   NOT NULL,
		UNIQUE (source, dedupe_key)
	);
	CREATE INDEX lb_events_received ON lb_events (received_at);
	CREATE INDEX lb_events_status ON lb_events (status, id);
	CREATE TABLE lb_leads (
		id            BIGSERIAL PRIMARY KEY,
		event_id      BIGINT  NOT NULL REFERENCES lb_events (id) ON DELETE CASCADE,
		idx           INTEGER NOT NULL,
		source        TEXT    NOT NULL,
		dedupe_key    TEXT    NOT NULL,
		status        TEXT    NOT NULL,
		reason        TEXT    NOT NULL DEFAULT '',
		body          BYTEA,
		attempts      INTEGER NOT NULL DEFAULT 0,
		partnero_id   TEXT    NOT NULL DEFAULT '',
		last_error    TEXT    NOT NULL DEFAULT '',
		fallback_used INTEGER NOT NULL DEFAULT 0,
		enqueued      INTEGER NOT NULL DEFAULT 0,
		queued_at     BIGINT  NOT NULL,
		next_at       BIGINT  NOT NULL DEFAULT 0,
		updated_at    BIGINT  NOT NULL,
		UNIQUE (source, dedupe_key)
	);
	CREATE INDEX lb_leads_event ON lb_leads (event_id);
	CREATE INDEX lb_leads_relay ON lb_leads (id) WHERE enqueued = 0 AND status = 'queued';
	CREATE INDEX lb_leads_status ON lb_leads (status);
	CREATE TABLE lb_attempts (
		id          BIGSERIAL PRIMARY KEY,
		lead_id     BIGINT  NOT NULL REFERENCES lb_leads (id) ON DELETE CASCADE,
		at          BIGINT  NOT NULL,
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
	UPDATE lb_leads SET email = lower(COALESCE(convert_from(body, 'UTF8')::jsonb->>'email', '')) WHERE body IS NOT NULL;
	CREATE INDEX lb_leads_email ON lb_leads (email) WHERE email <> ''`,
	// 4 (oneQueueVersion): the lead row is the delivery job; see the
	// SQLite schema (carryRiverPostgres carries River's schedule over).
	`ALTER TABLE lb_leads ADD COLUMN claim BIGINT NOT NULL DEFAULT 0;
	ALTER TABLE lb_leads ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
	UPDATE lb_leads SET tries = (SELECT COUNT(*) FROM lb_attempts a WHERE a.lead_id = lb_leads.id AND a.at >= lb_leads.queued_at)
		WHERE status IN ('queued', 'retrying');
	UPDATE lb_leads SET next_at = queued_at WHERE status = 'queued' AND next_at = 0;
	DROP INDEX lb_leads_relay;
	DROP INDEX lb_leads_status;
	DROP INDEX lb_leads_event;
	CREATE INDEX lb_leads_event ON lb_leads (event_id, status);
	CREATE INDEX lb_leads_due ON lb_leads (next_at) WHERE status IN ('queued', 'retrying');
	CREATE TABLE lb_probe (id INTEGER PRIMARY KEY, at BIGINT NOT NULL);
	INSERT INTO lb_probe (id, at) VALUES (1, 0)`,
	// 5: notifications (package notify): its state (cursor, what was sent
	// when) as one row that instances replace by compare-and-swap, the
	// messages waiting to be sent, and attempts found by time.
	`CREATE TABLE lb_notify (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);
	CREATE TABLE lb_notify_outbox (
		id         BIGSERIAL PRIMARY KEY,
		created_at BIGINT NOT NULL,
		claimed_at BIGINT NOT NULL DEFAULT 0,
		body       TEXT NOT NULL
	);
	CREATE INDEX lb_attempts_at ON lb_attempts (at)`,
	// 6: leads that went dead, by time: the notifier asks for the new ones
	// every check, which read every lead of the store without it.
	`CREATE INDEX lb_leads_dead ON lb_leads (updated_at) WHERE status = 'dead'`,
}
