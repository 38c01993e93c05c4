package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

const eventsUsage = "events [--status S] [--source X] [--limit N] [--json] [--db DB] | events ID [--json]"

// runEvents lists stored events newest first, or shows one in detail.
func runEvents(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("events", eventsUsage, o)
	var status, source, limit string
	var asJSON bool
	fs.stringVar(&status, "status", "", "", "only events with this status (queued, retrying, delivered, dead, dry_run, failed, ignored, captured)")
	fs.stringVar(&source, "source", "", "", "only events of this source")
	fs.stringVar(&limit, "limit", "", "50", "how many events to list")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		return usageError(fs, "give at most one event id")
	}
	var id int64
	var err error
	if len(pos) == 1 {
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id <= 0 {
			return usageError(fs, "event id must be a positive number, got %q", pos[0])
		}
	}
	n, err := strconv.Atoi(limit)
	if err != nil || n <= 0 {
		return usageError(fs, "--limit must be a positive number, got %q", limit)
	}
	st, ok := openStore(ctx, o, fs.db)
	if !ok {
		return exitFailed
	}
	defer closeStore(st)
	if id > 0 {
		return showEvent(ctx, o, st, id, asJSON)
	}
	events, err := st.ListEvents(ctx, store.Filter{Status: status, Source: source, Limit: n})
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge events: %v\n", err)
		return exitFailed
	}
	if asJSON {
		if events == nil {
			events = []store.EventSummary{}
		}
		return printJSON(o, events)
	}
	if len(events) == 0 {
		fmt.Fprintln(o.Err, "no events")
		return exitOK
	}
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECEIVED (UTC)\tSOURCE\tSTATUS\tLEADS\tATTEMPTS\tLAST ERROR")
	for _, e := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", e.ID, e.ReceivedAt.Format("2006-01-02 15:04:05"), e.Source, e.Status, e.Leads, len(e.Attempts), oneLine(e.LastError, 60))
	}
	return flushOK(tw)
}

func showEvent(ctx context.Context, o IO, st *store.Store, id int64, asJSON bool) int {
	ev, err := st.GetEvent(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(o.Err, "leadbridge events: no event %d\n", id)
		return exitFailed
	}
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge events: %v\n", err)
		return exitFailed
	}
	if asJSON {
		return printJSON(o, ev)
	}
	w := o.Out
	fmt.Fprintf(w, "event %d  source %s  status %s\n", ev.ID, ev.Source, ev.Status)
	fmt.Fprintf(w, "received      %s\n", ev.ReceivedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "content type  %s\n", ev.ContentType)
	if len(ev.Headers) > 2 {
		fmt.Fprintf(w, "headers       %s\n", ev.Headers)
	}
	fmt.Fprintln(w, "payload:")
	fmt.Fprintln(w, indent(prettyOrRaw(ev.Payload), "  "))
	for _, l := range ev.LeadList {
		fmt.Fprintf(w, "lead %d (index %d): %s", l.ID, l.Index, l.Status)
		if l.PartneroID != "" {
			fmt.Fprintf(w, ", Partnero lead %s", l.PartneroID)
		}
		if l.FallbackUsed {
			fmt.Fprint(w, ", sent with the fallback partner")
		}
		fmt.Fprintf(w, "\n  dedupe key  %s\n", l.DedupeKey)
		if l.Reason != "" {
			fmt.Fprintf(w, "  reason      %s\n", l.Reason)
		}
		if l.LastError != "" {
			fmt.Fprintf(w, "  last error  %s\n", l.LastError)
		}
		if !l.NextAt.IsZero() && l.Status == store.StatusRetrying {
			fmt.Fprintf(w, "  next try    %s\n", l.NextAt.Format(time.RFC3339))
		}
		if len(l.Body) > 0 {
			fmt.Fprintln(w, "  request body:")
			fmt.Fprintln(w, indent(prettyOrRaw(l.Body), "    "))
		}
		for _, a := range l.History {
			code := "-"
			if a.StatusCode != 0 {
				code = strconv.Itoa(a.StatusCode)
			}
			fmt.Fprintf(w, "  attempt %s  %s  %s  %s\n", a.At.Format(time.RFC3339), code, a.Outcome, oneLine(a.Error, 100))
		}
	}
	return exitOK
}

func printJSON(o IO, v any) int {
	enc := json.NewEncoder(o.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(o.Err, "leadbridge: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func prettyOrRaw(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") == nil {
		return out.String()
	}
	return string(b)
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func flushOK(tw *tabwriter.Writer) int {
	if err := tw.Flush(); err != nil {
		return exitFailed
	}
	return exitOK
}
