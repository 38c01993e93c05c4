package console

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/leadbridge/leadbridge/store"
)

// statusOrder is how statuses are listed and stacked in charts: what
// went well first, what needs a person last (on top).
var statusOrder = []string{store.StatusDelivered, store.StatusQueued, store.StatusRetrying, store.StatusDryRun,
	store.StatusCaptured, store.StatusIgnored, store.StatusFailed, store.StatusDead}

// Unattributed-share warning thresholds: the defaults of
// --notify-unattributed (product.md §7).
const (
	unattributedShare = 0.5
	unattributedMin   = 5
)

type warning struct {
	Text   string
	Detail string // preformatted (a reload error with file:line)
	Link   string
	Label  string
}

type countRow struct {
	Status string
	N      int64
	Link   string
}

type window struct {
	Label        string
	Events       []countRow
	EventsTotal  int64
	Leads        []countRow
	LeadsTotal   int64
	Chart        chart
	Attributions []attribution
}

type attribution struct {
	store.Attribution
	Warn bool
}

type overviewData struct {
	Now      time.Time
	Warnings []warning
	Windows  []window
}

func (h *handler) overview(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	now := h.now()
	data := overviewData{Now: now}
	stats, err := h.deps.Store.Stats(ctx)
	if err != nil {
		h.storeFailed(w, r, s, "lead counts", err)
		return
	}
	var dayAttr []store.Attribution
	for _, win := range []struct {
		label string
		span  time.Duration
	}{{"Last 24 hours", 24 * time.Hour}, {"Last 7 days", 7 * 24 * time.Hour}} {
		// Whole hours: the current one and the ones before it.
		since := now.Truncate(time.Hour).Add(time.Hour - win.span)
		act, err := h.deps.Store.Activity(ctx, since)
		if err != nil {
			h.storeFailed(w, r, s, "activity", err)
			return
		}
		attr, err := h.deps.Store.Attribution(ctx, since)
		if err != nil {
			h.storeFailed(w, r, s, "attribution", err)
			return
		}
		if dayAttr == nil {
			dayAttr = attr
		}
		data.Windows = append(data.Windows, newWindow(win.label, since, now, act, attr))
	}
	data.Warnings = h.warnings(stats, dayAttr)
	h.render(w, r, s, http.StatusOK, "overview", data)
}

func newWindow(label string, since, now time.Time, act store.Activity, attr []store.Attribution) window {
	win := window{Label: label, Chart: hourChart(since, now, act.Hours)}
	win.Events, win.EventsTotal = countRows(act.Events, true)
	win.Leads, win.LeadsTotal = countRows(act.Leads, false)
	for _, a := range attr {
		win.Attributions = append(win.Attributions, attribution{Attribution: a,
			Warn: a.Leads >= unattributedMin && float64(a.Unattributed) >= unattributedShare*float64(a.Leads)})
	}
	return win
}

// countRows lists counts in statusOrder (then any other status by name);
// event rows link to the events page filtered by that status.
func countRows(m map[string]int64, link bool) ([]countRow, int64) {
	var rows []countRow
	var total int64
	seen := map[string]bool{}
	add := func(st string) {
		if n, ok := m[st]; ok && !seen[st] {
			seen[st] = true
			row := countRow{Status: st, N: n}
			if link {
				row.Link = "/events?status=" + url.QueryEscape(st)
			}
			rows = append(rows, row)
			total += n
		}
	}
	for _, st := range statusOrder {
		add(st)
	}
	var rest []string
	for st := range m {
		if !seen[st] {
			rest = append(rest, st)
		}
	}
	sort.Strings(rest)
	for _, st := range rest {
		add(st)
	}
	return rows, total
}

// warnings lists what a person should act on (product.md §6).
func (h *handler) warnings(stats store.QueueStats, dayAttr []store.Attribution) []warning {
	st := h.deps.Status.Status()
	var ws []warning
	labels := make([]string, 0, len(st.AuthFailing))
	for l := range st.AuthFailing {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		ws = append(ws, warning{Text: fmt.Sprintf("Partnero rejects the API key (%s) since %s: its leads wait and are retried until the key is fixed; nothing is lost.",
			l, fmtTime(st.AuthFailing[l]))})
	}
	if st.DryRun {
		ws = append(ws, warning{Text: "Dry-run: PARTNERO_API_KEY is not set, so leads are stored with the request that would be sent and nothing reaches Partnero. Set it, then replay the dry_run events.",
			Link: "/events?status=dry_run", Label: "dry_run events"})
	}
	if st.ReloadError != "" {
		ws = append(ws, warning{Text: fmt.Sprintf("The mapping files changed at %s but are invalid: the previous mappings stay in force until they are fixed.", fmtTime(st.ReloadFailedAt)),
			Detail: st.ReloadError})
	}
	if n := stats.ByStatus[store.StatusDead]; n > 0 {
		ws = append(ws, warning{Text: fmt.Sprintf("%d dead lead%s: Partnero rejected them or they could not be delivered in time.", n, plural(n)),
			Link: "/events?status=dead", Label: "dead events"})
	}
	if n := stats.ByStatus[store.StatusFailed]; n > 0 {
		ws = append(ws, warning{Text: fmt.Sprintf("%d lead%s failed mapping: fix the source's mapping, then replay them.", n, plural(n)),
			Link: "/events?status=failed", Label: "failed events"})
	}
	for _, a := range dayAttr {
		if a.Leads >= unattributedMin && float64(a.Unattributed) >= unattributedShare*float64(a.Leads) {
			ws = append(ws, warning{Text: fmt.Sprintf("Source %s: %d of %d leads in the last 24 hours had no partner identifier (a broken hidden field looks like this).",
				a.Source, a.Unattributed, a.Leads), Link: "/events?source=" + url.QueryEscape(a.Source), Label: a.Source + " events"})
		}
	}
	return ws
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}
