package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/leadbridge/leadbridge/draft"
	"github.com/leadbridge/leadbridge/store"
)

const initUsage = "init --event ID [--name NAME] [--mappings PATH] [--db DB]"

// runInit drafts a mapping source from a stored event (a captured one,
// typically) and prints it on stdout: the capture-first path's second
// step, after pointing a provider at a source without lead: rules.
func runInit(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("init", initUsage, o)
	var event, name string
	fs.stringVar(&event, "event", "", "", "the stored event to draft from (leadbridge events --status captured lists them)")
	fs.stringVar(&name, "name", "", "", "the drafted source's name (default: the event's source)")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q (use --event ID)", pos[0])
	}
	id, err := strconv.ParseInt(event, 10, 64)
	if err != nil || id <= 0 {
		return usageError(fs, "--event must be a positive event id, got %q", event)
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
	ev, err := st.GetEvent(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		fmt.Fprintf(o.Err, "leadbridge init: no event %d\n", id)
		return exitFailed
	case err != nil:
		fmt.Fprintf(o.Err, "leadbridge init: %v\n", err)
		return exitFailed
	}
	src := cfg.Sources[ev.Source]
	res, err := draft.Source(draft.Input{Name: name, SourceName: ev.Source, Source: src, ContentType: ev.ContentType, Payload: ev.Payload})
	if errors.Is(err, draft.ErrSourceName) {
		return usageError(fs, "--name: %v", err)
	}
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge init: event %d: %v\n", id, err)
		return exitFailed
	}
	if _, err := o.Out.Write(res.YAML); err != nil {
		return exitFailed
	}
	reportDraft(o, ev, src == nil, name, res)
	return exitOK
}

// reportDraft says on stderr what was found and what comes next, so that
// stdout stays the YAML document alone (init ... > source.yaml).
func reportDraft(o IO, ev *store.Event, gone bool, name string, res *draft.Result) {
	if name == "" {
		name = ev.Source
	}
	if gone {
		fmt.Fprintf(o.Err, "source %q is not in the mappings: its provider was recognised from the payload and its authentication is the provider's usual one\n", ev.Source)
	}
	found := func(what, path string) {
		if path == "" {
			fmt.Fprintf(o.Err, "  %-12s not found: fill it in\n", what)
			return
		}
		fmt.Fprintf(o.Err, "  %-12s %s\n", what, path)
	}
	fmt.Fprintf(o.Err, "drafted source %q from event %d (%s):\n", name, ev.ID, ev.Status)
	found("email", res.Email)
	found("name", res.Name)
	found("partner key", res.PartnerKey)
	if name == ev.Source {
		fmt.Fprintf(o.Err, "next: review it, put it in the mapping file in place of source %q, leadbridge check, then leadbridge replay --status captured --source %s\n", name, name)
		return
	}
	fmt.Fprintf(o.Err, "next: review it, add it to the mapping file, leadbridge check, and point the provider at /hooks/%s (events stored for %s stay with that source)\n", name, ev.Source)
}
