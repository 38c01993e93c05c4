package store

import (
	"context"
	"database/sql"
	"fmt"
)

// oneQueueVersion is the migration that made the lead row the delivery
// job, replacing the River queue of the releases before it.
const oneQueueVersion = 4

// riverPending selects River's delivery jobs that still had work to do:
// available, scheduled (a snoozed retry), retryable, running (its process
// died: due at once, as River would have rescued it) or pending.
const riverPending = `kind = 'leadbridge_deliver' AND state NOT IN ('completed', 'cancelled', 'discarded')`

// carryRiverSQLite moves the schedule of River's pending delivery jobs
// into their leads' next_at (a job of an older generation, made stale by
// a replay, is ignored), then drops River's tables, in the migration's
// transaction: the jobs are gone only once their schedule is kept.
func carryRiverSQLite(ctx context.Context, tx *sql.Tx) (string, error) {
	tables, err := names(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'river\_%' ESCAPE '\'`)
	if err != nil || !contains(tables, "river_job") {
		return "", err
	}
	res, err := tx.ExecContext(ctx, `UPDATE lb_leads SET next_at = j.due
		FROM (SELECT CAST(args->>'lead_id' AS INTEGER) AS lead_id, CAST(args->>'gen' AS INTEGER) AS gen,
			MIN(CAST(round(unixepoch(scheduled_at, 'subsec') * 1000) AS INTEGER)) AS due
			FROM river_job WHERE `+riverPending+` GROUP BY 1, 2) j
		WHERE lb_leads.id = j.lead_id AND lb_leads.gen = j.gen AND lb_leads.status IN ('queued', 'retrying')`)
	if err != nil {
		return "", fmt.Errorf("carry River's schedule: %w", err)
	}
	carried, _ := res.RowsAffected()
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+t); err != nil {
			return "", fmt.Errorf("drop %s: %w", t, err)
		}
	}
	return fmt.Sprintf("carried the schedule of %d pending River jobs into their leads and dropped River's %d tables", carried, len(tables)), nil
}

// carryRiverPostgres is carryRiverSQLite for PostgreSQL, where River also
// left a type and functions.
func carryRiverPostgres(ctx context.Context, tx *sql.Tx) (string, error) {
	tables, err := names(ctx, tx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'river\_%'`)
	if err != nil || !contains(tables, "river_job") {
		return "", err
	}
	res, err := tx.ExecContext(ctx, `UPDATE lb_leads SET next_at = j.due
		FROM (SELECT (args->>'lead_id')::bigint AS lead_id, (args->>'gen')::bigint AS gen,
			MIN(floor(extract(epoch FROM scheduled_at) * 1000)::bigint) AS due
			FROM river_job WHERE `+riverPending+` GROUP BY 1, 2) j
		WHERE lb_leads.id = j.lead_id AND lb_leads.gen = j.gen AND lb_leads.status IN ('queued', 'retrying')`)
	if err != nil {
		return "", fmt.Errorf("carry River's schedule: %w", err)
	}
	carried, _ := res.RowsAffected()
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+t+` CASCADE`); err != nil {
			return "", fmt.Errorf("drop %s: %w", t, err)
		}
	}
	funcs, err := names(ctx, tx, `SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = current_schema() AND p.proname LIKE 'river\_%'`)
	if err != nil {
		return "", err
	}
	for _, f := range funcs {
		if _, err := tx.ExecContext(ctx, `DROP FUNCTION IF EXISTS `+f+` CASCADE`); err != nil {
			return "", fmt.Errorf("drop %s: %w", f, err)
		}
	}
	types, err := names(ctx, tx, `SELECT t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE n.nspname = current_schema() AND t.typname LIKE 'river\_%' AND t.typtype = 'e'`)
	if err != nil {
		return "", err
	}
	for _, t := range types {
		if _, err := tx.ExecContext(ctx, `DROP TYPE IF EXISTS `+t+` CASCADE`); err != nil {
			return "", fmt.Errorf("drop type %s: %w", t, err)
		}
	}
	return fmt.Sprintf("carried the schedule of %d pending River jobs into their leads and dropped River's %d tables", carried, len(tables)), nil
}

func names(ctx context.Context, tx *sql.Tx, q string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
