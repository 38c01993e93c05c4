package mappings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteTry writes what `leadbridge try` prints for one payload run through
// src (the results of src.Explain): the Partnero request bodies on bodies,
// so that `try ... > body.json` works, and everything else on diag. Given
// the same writer twice it interleaves them as a terminal shows them (the
// console's playground). It reports whether any lead failed mapping.
func WriteTry(bodies, diag io.Writer, src *Source, items []Item, notes []Note) (failed bool) {
	s := "s"
	if len(items) == 1 {
		s = ""
	}
	fmt.Fprintf(diag, "source %s (provider %s), %d lead candidate%s\n", src.Name, src.Provider, len(items), s)
	if len(items) == 0 {
		fmt.Fprintf(diag, "the batch (each: %s) is empty: nothing to send\n", src.Each)
	}
	for _, it := range items {
		prefix := "lead"
		if src.Each != "" {
			prefix = fmt.Sprintf("element %d", it.Index)
		}
		switch it.Outcome {
		case Mapped:
			fmt.Fprintf(diag, "%s: mapped (dedupe key %s); would POST /leads with:\n", prefix, it.DedupeKey)
			var pretty bytes.Buffer
			_ = json.Indent(&pretty, it.Lead.AppendJSON(nil), "", "  ")
			pretty.WriteByte('\n')
			_, _ = bodies.Write(pretty.Bytes())
			if src.FallbackPartner != nil {
				fmt.Fprintf(diag, "  if Partnero answers \"Invalid partner key\", it is sent once more with fallback_partner\n")
			}
		case Ignored:
			fmt.Fprintf(diag, "%s: ignored (%s); answered 200, nothing is sent\n", prefix, it.Reason)
		case Captured:
			fmt.Fprintf(diag, "%s: captured: the source has no lead: rules; answered 202 captured and stored (dedupe key %s), nothing is sent.\n"+
				"  Draft its rules from a stored event with leadbridge init --event ID, then replay --status captured\n", prefix, it.DedupeKey)
		case Failed:
			failed = true
			fmt.Fprintf(diag, "%s: mapping failed; answered 422 and stored for replay:\n", prefix)
			for _, p := range it.Problems {
				fmt.Fprintf(diag, "  - %s\n", p)
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(diag, "diagnostics (rules that yielded nothing):")
		for _, n := range notes {
			field := n.Field
			if src.Each != "" {
				field = fmt.Sprintf("element %d: %s", n.Index, n.Field)
			}
			fmt.Fprintf(diag, "  %s: %s\n", field, n.Message)
		}
	}
	warnPartnerTypos(diag, items, notes)
	return failed
}

// warnPartnerTypos says loudly when a lead got no partner because a
// partner path stopped at an object that lacks its key: a likely typo
// that would drop every lead of the source as "no partner" (answered 200,
// nothing sent, nobody told).
func warnPartnerTypos(diag io.Writer, items []Item, notes []Note) {
	for _, it := range items {
		if it.Outcome != Failed && (it.Outcome != Ignored || it.Rule != "no partner") {
			continue
		}
		for _, n := range notes {
			if n.Index != it.Index || !n.MissingKey || !strings.HasPrefix(n.Field, "partner.") {
				continue
			}
			fmt.Fprintf(diag, "\nWARNING: %s: %s\n", n.Field, n.Message)
			fmt.Fprintf(diag, "  This looks like a typo in the path. Every webhook like this one is answered 200 \"ignored\" (no partner)\n"+
				"  or 422, and no lead reaches Partnero. Fix the path, or run try with --strict to make this an error.\n")
		}
	}
}
