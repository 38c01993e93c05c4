package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migrate applies the schema's migrations that this database lacks, in
// one transaction: an upgrade is applied whole or not at all. On
// PostgreSQL, instances starting together take turns.
func (s *Store) migrate(ctx context.Context) error {
	unlock, err := s.dialect.lockMigrations(ctx, s.db)
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS lb_schema (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM lb_schema`).Scan(&version); err != nil {
		return err
	}
	for i := version; i < len(s.dialect.schema); i++ {
		if step := s.dialect.before[i+1]; step != nil {
			note, err := step(ctx, tx)
			if err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
			if note != "" {
				s.log.Info("store upgrade", "migration", i+1, "done", note)
			}
		}
		if err := execScript(ctx, tx, s.dialect.schema[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lb_schema (version) VALUES ($1)`, i+1); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// execScript runs a migration statement by statement: not every driver
// accepts several statements in one Exec.
func execScript(ctx context.Context, tx *sql.Tx, script string) error {
	for _, stmt := range splitStatements(script) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%w in %q", err, stmt)
		}
	}
	return nil
}

func splitStatements(script string) []string {
	var out []string
	start := 0
	for i := 0; i < len(script); i++ {
		if script[i] == ';' {
			if stmt := strings.TrimSpace(script[start:i]); stmt != "" {
				out = append(out, stmt)
			}
			start = i + 1
		}
	}
	if stmt := strings.TrimSpace(script[start:]); stmt != "" {
		out = append(out, stmt)
	}
	return out
}
