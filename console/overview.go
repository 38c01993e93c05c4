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

// attribution is one source's unattributed share in a window.
type attribution struct {
	Source       string
	Leads        int64
	Unattributed int64
	Warn         bool // over the notification threshold
}

type overviewData struct {
	Now      time.Time
	Warnings []warning
	Todos    []warning // the capture-first path's next steps
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
	// Whole hours: the current one and the ones before it. One read of
	// the longest window serves both.
	hour := now.Truncate(time.Hour)
	act, err := h.deps.Store.Activity(ctx, hour.Add(time.Hour-7*24*time.Hour))
	if err != nil {
		h.storeFailed(w, r, s, "activity", err)
		return
	}
	day := newWindow("Last 24 hours", hour.Add(time.Hour-24*time.Hour), now, act)
	data.Windows = []window{day, newWindow("Last 7 days", act.Since, now, act)}
	data.Warnings = h.warnings(stats, day.Attributions)
	if data.Todos, err = h.captureTodos(ctx); err != nil {
		h.storeFailed(w, r, s, "count captured events", err)
		return
	}
	h.render(w, r, s, http.StatusOK, "overview", data)
}

// newWindow sums up the hours of act from since on.
func newWindow(label string, since, now time.Time, act store.Activity) window {
	var events []store.HourCount
	eventsBy, leadsBy := map[string]int64{}, map[string]int64{}
	for _, hc := range act.Events {
		if !hc.Hour.Before(since) {
			events = append(events, hc)
			eventsBy[hc.Status] += hc.N
		}
	}
	for _, hc := range act.Leads {
		if !hc.Hour.Before(since) {
			leadsBy[hc.Status] += hc.N
		}
	}
	win := window{Label: label, Chart: hourChart(since, now, events)}
	win.Events, win.EventsTotal = countRows(eventsBy, true)
	win.Leads, win.LeadsTotal = countRows(leadsBy, false)
	bySource := map[string]*attribution{}
	var names []string
	for _, ha := range act.Attribution {
		if ha.Hour.Before(since) {
			continue
		}
		a, ok := bySource[ha.Source]
		if !ok {
			a = &attribution{Source: ha.Source}
			bySource[ha.Source] = a
			names = append(names, ha.Source)
		}
		a.Leads += ha.Leads
		a.Unattributed += ha.Unattributed
	}
	sort.Strings(names)
	for _, n := range names {
		a := bySource[n]
		a.Warn = a.Leads >= unattributedMin && float64(a.Unattributed) >= unattributedShare*float64(a.Leads)
		win.Attributions = append(win.Attributions, *a)
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
func (h *handler) warnings(stats store.QueueStats, dayAttr []attribution) []warning {
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
		if a.Warn {
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
