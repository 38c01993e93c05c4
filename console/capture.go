package console

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

// The capture-first path (product.md §3): a source without lead rules
// stores what arrives as captured; a person drafts the rules from one of
// those events, puts them in the mapping file (the console never writes
// mapping files: they are the operator's, under version control, and the
// server reloads them when they change), then replays the captured
// events. captureFlow is where a source stands on that path, for the
// panel that the playground and the event page show.

// Where a source stands in the mappings in force.
const (
	inForceCaptures = "captures" // no lead rules
	inForceMaps     = "maps"
	inForceMissing  = "missing" // not in the mappings in force
)

// standing is where src (from the mappings in force; nil when absent) stands.
func standing(src *mappings.Source) string {
	switch {
	case src == nil:
		return inForceMissing
	case src.Capture:
		return inForceCaptures
	}
	return inForceMaps
}

type captureFlow struct {
	Source  string // the source whose events were captured
	InForce string // inForceCaptures, inForceMaps or inForceMissing
	File    string // where Source is defined, when in force
	Line    int
	// Waiting counts Source's captured events; DraftID is the one the
	// draft form drafts from: the picked event when it is one of them,
	// else the newest.
	Waiting int
	DraftID int64
	// LoadedAt is when the mappings in force were loaded; ReloadError is
	// the last reload's failure after that (the file saved with a mistake).
	LoadedAt       time.Time
	ReloadError    string
	ReloadFailedAt time.Time
	// Drafted is set on the page that shows a fresh draft: the steps to
	// take it to the mapping file are spelled out.
	Drafted   bool
	DraftName string   // the drafted source's name
	Unset     []string // variables the draft names that this server has no value for
}

// Replaceable reports whether the draft replaces Source in place (the
// captured events are Source's: only its rules map them).
func (c *captureFlow) Replaceable() bool { return c.DraftName == "" || c.DraftName == c.Source }

// captureFlowOf returns where source stands on the capture-first path, or
// nil when it is off it (it maps leads and nothing of it is captured).
// picked is the event the page shows, drafted from when it is captured.
func (h *handler) captureFlowOf(ctx context.Context, source string, picked *store.EventSummary) (*captureFlow, error) {
	if source == "" {
		return nil, nil
	}
	src := h.deps.Mappings().Sources[source]
	c := &captureFlow{Source: source, InForce: standing(src)}
	if src != nil {
		c.File, c.Line = src.File, src.Line
	}
	ids, err := h.deps.Store.EventIDs(ctx, store.Filter{Status: store.StatusCaptured, Source: source})
	if err != nil {
		return nil, err
	}
	c.Waiting = len(ids)
	if c.Waiting == 0 && c.InForce != inForceCaptures {
		return nil, nil
	}
	if c.Waiting > 0 {
		c.DraftID = ids[len(ids)-1] // oldest first
	}
	if picked != nil && picked.Source == source && picked.Status == store.StatusCaptured {
		c.DraftID = picked.ID
	}
	st := h.deps.Status.Status()
	c.LoadedAt = st.MappingsLoadedAt
	if st.ReloadError != "" && !st.ReloadFailedAt.Before(st.MappingsLoadedAt) {
		c.ReloadError, c.ReloadFailedAt = st.ReloadError, st.ReloadFailedAt
	}
	return c, nil
}

// varRef matches the ${VAR} references of a mapping file (mappings.Loader
// rejects ${VAR:-default} on secrets; the name alone is what matters here).
var (
	varRef      = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)`)
	uncommented = regexp.MustCompile(`(?m)^[^#\n]*`)
)

// unsetVars lists the variables text names that the server has no value
// for: a file naming one is not loaded (the previous mappings stay), so
// the user must set it before saving the draft into the mapping file.
// Commented lines are skipped.
func (h *handler) unsetVars(text string) []string {
	var out []string
	for _, line := range uncommented.FindAllString(text, -1) {
		for _, m := range varRef.FindAllStringSubmatch(line, -1) {
			if v, ok := h.cfg.LookupEnv(m[1]); (!ok || v == "") && !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// captureTodos are the overview's next steps on the capture-first path:
// a capture source waiting for its first webhook or for lead rules, and a
// source that maps leads now while events captured before are still
// waiting for a replay (the step most easily forgotten). The sources are
// the capture sources in force and those of the newest captured events;
// each count is one query on the status index.
func (h *handler) captureTodos(ctx context.Context) ([]warning, error) {
	cfg := h.deps.Mappings()
	names := map[string]bool{}
	for n, src := range cfg.Sources {
		if src.Capture {
			names[n] = true
		}
	}
	newest, err := h.deps.Store.EventPage(ctx, store.Filter{Status: store.StatusCaptured, Limit: pageSize})
	if err != nil {
		return nil, err
	}
	for _, e := range newest {
		names[e.Source] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var todos []warning
	for _, n := range sorted {
		ids, err := h.deps.Store.EventIDs(ctx, store.Filter{Status: store.StatusCaptured, Source: n})
		if err != nil {
			return nil, err
		}
		q := url.QueryEscape(n)
		src, inForce := cfg.Sources[n]
		switch k := len(ids); {
		case inForce && src.Capture && k == 0:
			todos = append(todos, warning{Text: fmt.Sprintf("Source %s captures (it has no lead rules) and nothing has arrived yet: paste its URL into the provider and submit the form once.", n),
				Link: "/sources", Label: "The URL to paste"})
		case inForce && src.Capture:
			todos = append(todos, warning{Text: fmt.Sprintf("Source %s captures (it has no lead rules): %d webhook%s wait%s for them. Draft them from a captured payload, put them in the mapping file, then replay.", n, k, plural(int64(k)), singular(k)),
				Link: "/playground?source=" + q, Label: "Draft them in the playground"})
		case inForce:
			todos = append(todos, warning{Text: fmt.Sprintf("Source %s maps leads now, but %d of its webhooks %s still captured: replay them to send their leads.", n, k, isAre(k)),
				Link: "/events?status=captured&source=" + q, Label: "Replay them"})
		default:
			todos = append(todos, warning{Text: fmt.Sprintf("%d webhook%s captured by source %s, which is no longer in the mappings: they wait for a source of that name.", k, plural(int64(k)), n),
				Link: "/events?status=captured&source=" + q, Label: "The captured events"})
		}
	}
	return todos, nil
}

func singular(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
