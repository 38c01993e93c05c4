package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

const replayUsage = "replay ID... | replay --status failed|dead|dry_run|captured [--source X] [--force] [--mappings PATH] [--db DB]"

// runReplay re-maps stored events with the current mapping files and
// queues their undelivered leads; a running server picks them up within a
// second or two.
func runReplay(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("replay", replayUsage, o)
	var status, source string
	var force bool
	fs.stringVar(&status, "status", "", "", "replay every event with this status: failed, dead, dry_run or captured")
	fs.stringVar(&source, "source", "", "", "with --status: only events of this source")
	fs.BoolVar(&force, "force", false, "also re-send leads that were delivered")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	var ids []int64
	for _, p := range pos {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return usageError(fs, "event id must be a positive number, got %q", p)
		}
		ids = append(ids, id)
	}
	switch {
	case len(ids) > 0 && status != "":
		return usageError(fs, "give event ids or --status, not both")
	case len(ids) == 0 && status == "":
		return usageError(fs, "give event ids or --status failed|dead|dry_run|captured")
	case status != "" && !replayable(status):
		return usageError(fs, "--status must be failed, dead, dry_run or captured, got %q", status)
	case source != "" && status == "":
		return usageError(fs, "--source goes with --status")
	}
	cfg, ok := loadMappingsUnverified(fs.mappings, o)
	if !ok {
		return exitFailed
	}
	st, ok := openStore(ctx, o, fs.db)
	if !ok {
		return exitFailed
	}
	defer closeStore(st)
	// The server, not this shell, knows whether it runs with a Partnero
	// key: without PARTNERO_API_KEY here, leads are queued and a server in
	// dry-run records them as dry_run when it takes them.
	key := mappings.NewSecret(strings.TrimSpace(o.getenv("PARTNERO_API_KEY")))
	r := bridge.Replayer{Store: st, Mappings: cfg, APIKey: key, KeyUnknown: key.IsZero()}
	var rep bridge.ReplayReport
	var err error
	if len(ids) > 0 {
		rep, err = r.ReplayIDs(ctx, ids, force)
	} else {
		rep, err = r.ReplayMatching(ctx, status, source, force)
	}
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge replay: %v\n", err)
		return exitFailed
	}
	printReplay(o, rep, force)
	if rep.Failed > 0 || (rep.Events == 0 && len(rep.Problems) > 0) {
		return exitFailed
	}
	return exitOK
}

func printReplay(o IO, rep bridge.ReplayReport, force bool) {
	fmt.Fprintf(o.Out, "replayed %d event%s: %d lead%s queued for delivery", rep.Events, plural(rep.Events), rep.Queued, plural(rep.Queued))
	if rep.DryRun > 0 {
		fmt.Fprintf(o.Out, ", %d recorded as dry_run (no PARTNERO_API_KEY)", rep.DryRun)
	}
	if rep.Failed > 0 {
		fmt.Fprintf(o.Out, ", %d still failing", rep.Failed)
	}
	if rep.Ignored > 0 {
		fmt.Fprintf(o.Out, ", %d now ignored", rep.Ignored)
	}
	if rep.Delivered > 0 && !force {
		fmt.Fprintf(o.Out, ", %d already delivered (not re-sent; --force re-sends)", rep.Delivered)
	}
	if rep.Duplicate > 0 {
		fmt.Fprintf(o.Out, ", %d duplicate%s of other events", rep.Duplicate, plural(rep.Duplicate))
	}
	if rep.Captured > 0 {
		fmt.Fprintf(o.Out, ", %d still captured (no lead: rules yet in %s; draft them with leadbridge init --event ID)",
			rep.Captured, strings.Join(rep.CapturedSources, ", "))
	}
	fmt.Fprintln(o.Out)
	for _, p := range rep.Problems {
		fmt.Fprintf(o.Out, "  %s\n", p)
	}
}

// replayable reports whether --status may name status: the statuses that
// wait for a fix (a mapping, a key, lead rules).
func replayable(status string) bool {
	switch status {
	case store.StatusFailed, store.StatusDead, store.StatusDryRun, store.StatusCaptured:
		return true
	}
	return false
}
