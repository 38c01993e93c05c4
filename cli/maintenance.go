package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

// runPrune deletes delivered and ignored events older than --older-than
// (default: --retention), and with --include-failed dead, failed and
// dry_run ones too. serve prunes daily without --include-failed.
func runPrune(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("prune", "prune [--older-than D] [--include-failed] [--db DB]", o)
	var olderThan, retention string
	var includeFailed bool
	fs.stringVar(&retention, "retention", "LEADBRIDGE_RETENTION", "720h", "the default for --older-than")
	fs.stringVar(&olderThan, "older-than", "", "", "delete events received longer ago than this (a Go duration, e.g. 720h); default --retention")
	fs.BoolVar(&includeFailed, "include-failed", false, "also delete dead, failed and dry_run events (they are kept for replay otherwise)")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	if olderThan == "" {
		olderThan = retention
	}
	d, err := time.ParseDuration(olderThan)
	if err != nil || d < 0 {
		return usageError(fs, "--older-than: expected a Go duration such as 720h, got %q", olderThan)
	}
	st, ok := openStore(ctx, o, fs.db)
	if !ok {
		return exitFailed
	}
	defer closeStore(st)
	n, err := st.Prune(ctx, time.Now().Add(-d), includeFailed)
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge prune: %v\n", err)
		return exitFailed
	}
	what := "delivered and ignored"
	if includeFailed {
		what = "delivered, ignored, dead, failed and dry_run"
	}
	fmt.Fprintf(o.Out, "pruned %d %s event%s received before %s\n", n, what, plural(int(n)), time.Now().Add(-d).UTC().Format(time.RFC3339))
	return exitOK
}

// runBackup writes a consistent copy of the SQLite store while the server
// runs.
func runBackup(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("backup", "backup FILE [--db DB]", o)
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, "give the file to write the backup to")
	}
	if _, err := os.Stat(pos[0]); err == nil {
		fmt.Fprintf(o.Err, "leadbridge backup: %s exists; choose a new file (e.g. with the date in its name)\n", pos[0])
		return exitFailed
	}
	st, ok := openStore(ctx, o, fs.db)
	if !ok {
		return exitFailed
	}
	defer closeStore(st)
	if err := st.Backup(ctx, pos[0]); err != nil {
		if errors.Is(err, store.ErrBackupUnsupported) {
			fmt.Fprintf(o.Err, "leadbridge backup: %v\n", err)
			return exitUsage
		}
		fmt.Fprintf(o.Err, "leadbridge backup: %v\n", err)
		return exitFailed
	}
	info, err := os.Stat(pos[0])
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge backup: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(o.Out, "backed up %s to %s (%d bytes)\n", redactDSN(fs.db), pos[0], info.Size())
	return exitOK
}
