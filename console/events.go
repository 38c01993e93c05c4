package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/leadbridge/leadbridge/bridge"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// pageSize is how many events a page of /events lists.
const pageSize = 50

type eventsData struct {
	Now      time.Time
	Filter   store.Filter
	Statuses []string
	Sources  []string
	Events   []store.EventSummary
	NextHref string // the next (older) page, "" on the last
	Paged    bool   // not the first page
	Replay   *replayResult
}

type replayResult struct {
	bridge.ReplayReport
	What string // "event 12", "14 events matching status failed"
	// Link shows the replayed events whatever their status now (they
	// left the status the list is filtered by); LinkLabel names it.
	Link, LinkLabel string
}

// filterFrom reads status, source, email and before from a query or form.
func filterFrom(v url.Values) store.Filter {
	f := store.Filter{Status: strings.TrimSpace(v.Get("status")), Source: strings.TrimSpace(v.Get("source")),
		Email: strings.TrimSpace(v.Get("email")), Limit: pageSize}
	f.BeforeID, _ = strconv.ParseInt(v.Get("before"), 10, 64)
	return f
}

func filterQuery(f store.Filter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "source": f.Source, "email": f.Email} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func (h *handler) events(w http.ResponseWriter, r *http.Request, s *session) {
	h.renderEvents(w, r, s, filterFrom(r.URL.Query()), nil)
}

func (h *handler) renderEvents(w http.ResponseWriter, r *http.Request, s *session, f store.Filter, rep *replayResult) {
	list, err := h.deps.Store.EventPage(r.Context(), f)
	if err != nil {
		h.storeFailed(w, r, s, "list events", err)
		return
	}
	data := eventsData{Now: h.now(), Filter: f, Statuses: statusOrder, Sources: h.sourceNames(f.Source), Events: list,
		Paged: f.BeforeID > 0, Replay: rep}
	if len(list) == pageSize {
		q := filterQuery(f)
		q.Set("before", strconv.FormatInt(list[len(list)-1].ID, 10))
		data.NextHref = "/events?" + q.Encode()
	}
	h.render(w, r, s, http.StatusOK, "events", data)
}

// sourceNames lists the sources in force, plus extra (a filter's source
// that was renamed away) so that a select shows it.
func (h *handler) sourceNames(extra string) []string {
	var names []string
	for n := range h.deps.Mappings().Sources {
		names = append(names, n)
	}
	if extra != "" && !slices.Contains(names, extra) {
		names = append(names, extra)
	}
	sort.Strings(names)
	return names
}

// replayMatching replays every event the filter selects. A status is
// required, as for `leadbridge replay --status` and POST /admin/replay.
func (h *handler) replayMatching(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, s, http.StatusBadRequest, "The form could not be read.")
		return
	}
	f := filterFrom(r.PostForm)
	f.BeforeID = 0
	if f.Status == "" {
		h.fail(w, r, s, http.StatusBadRequest, "Choose a status before replaying every matching event.")
		return
	}
	ids, err := h.deps.Store.EventIDs(r.Context(), f)
	if err != nil {
		h.storeFailed(w, r, s, "select events", err)
		return
	}
	force := r.PostFormValue("force") == "on"
	rep, err := h.deps.Replayer.Replay(r.Context(), ids, force)
	if err != nil {
		h.storeFailed(w, r, s, "replay", err)
		return
	}
	h.log.Info("console: replay", "events", len(ids), "status", f.Status, "source", cut(f.Source, 100), "force", force,
		"queued", rep.Queued, "failed", rep.Failed)
	what := strconv.Itoa(len(ids)) + " events with status " + f.Status
	if f.Source != "" {
		what += " of " + f.Source
	}
	if f.Email != "" {
		what += " for " + f.Email
	}
	f.Limit = pageSize
	res := &replayResult{ReplayReport: rep, What: what}
	if all := filterQuery(store.Filter{Source: f.Source, Email: f.Email}); len(all) > 0 {
		res.Link, res.LinkLabel = "/events?"+all.Encode(), "See these events in every status"
	}
	h.renderEvents(w, r, s, f, res)
}

type eventData struct {
	Now      time.Time
	Event    *store.Event
	Provider string // the source's provider in force; "" when the source is gone
	InForce  string // where the source stands: inForceMaps, inForceCaptures or inForceMissing
	// AwaitsRules: the event was captured and its source still has no lead
	// rules; the page leads with drafting them.
	AwaitsRules bool
	Tree        *node
	Truncated   bool
	DecodeError string
	Payload     string
	Headers     string
	CanDraft    bool
	Replay      *replayResult
}

func (h *handler) event(w http.ResponseWriter, r *http.Request, s *session) {
	h.renderEvent(w, r, s, nil)
}

func (h *handler) renderEvent(w http.ResponseWriter, r *http.Request, s *session, rep *replayResult) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, s, http.StatusNotFound, "There is no such event: an event id is a positive number.")
		return
	}
	ev, err := h.deps.Store.GetEvent(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.fail(w, r, s, http.StatusNotFound, "There is no event "+strconv.FormatInt(id, 10)+" (it may have been pruned).")
		return
	}
	if err != nil {
		h.storeFailed(w, r, s, "get event", err)
		return
	}
	data := eventData{Now: h.now(), Event: ev, Payload: string(ev.Payload), Headers: prettyJSON(ev.Headers),
		CanDraft: h.deps.Draft != nil, Replay: rep}
	provider := providers.Generic
	src := h.deps.Mappings().Sources[ev.Source]
	if src != nil {
		provider, data.Provider = src.Provider, src.Provider
	}
	data.InForce = standing(src)
	data.AwaitsRules = ev.Status == store.StatusCaptured && data.InForce != inForceMaps
	data.Tree, data.Truncated, err = payloadTree(provider, ev.ContentType, ev.Payload)
	if err != nil {
		data.DecodeError = err.Error()
	}
	h.render(w, r, s, http.StatusOK, "event", data)
}

func (h *handler) replayEvent(w http.ResponseWriter, r *http.Request, s *session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, s, http.StatusNotFound, "There is no such event.")
		return
	}
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, s, http.StatusBadRequest, "The form could not be read.")
		return
	}
	force := r.PostFormValue("force") == "on"
	rep, err := h.deps.Replayer.Replay(r.Context(), []int64{id}, force)
	if err != nil {
		h.storeFailed(w, r, s, "replay", err)
		return
	}
	h.log.Info("console: replay", "event_id", id, "force", force, "queued", rep.Queued, "failed", rep.Failed)
	h.renderEvent(w, r, s, &replayResult{ReplayReport: rep, What: "event " + strconv.FormatInt(id, 10)})
}
