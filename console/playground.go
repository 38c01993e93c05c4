package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// The playground runs a source's YAML, as edited in the page, on a stored
// event or a pasted payload: what `leadbridge try` would print, and how
// the stored events of that source would map compared with the mappings
// in force. It changes nothing: no file is written, nothing is queued.

type playInput struct {
	EventID     int64
	Payload     string // pasted; "" means the stored event's
	ContentType string // of a pasted payload; "" detects JSON or form
	YAML        string
	Source      string // which source of the YAML to run; "" for its only one
}

type playData struct {
	playInput
	Event    *store.EventSummary // the picked event
	Recent   []store.EventSummary
	Sources  []string // sources in force, to load one's YAML
	CanDraft bool
	Notice   string       // e.g. why the YAML is empty
	Capture  *captureFlow // the capture-first panel; nil when off that path
	Result   *playResult
}

type playResult struct {
	Problems []string // YAML load problems, file:line:col
	Error    string   // no payload, an undecodable payload, no such source
	Source   string   // the source run
	Output   string   // what try prints
	Failed   bool     // a lead failed mapping
	History  *history
	Took     time.Duration
}

// playgroundPage shows the playground for ?event=ID and/or ?source=NAME:
// the source's YAML from its mapping file, the event's payload, and at
// once the result.
func (h *handler) playgroundPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	in := playInput{Source: strings.TrimSpace(q.Get("source"))}
	in.EventID, _ = strconv.ParseInt(q.Get("event"), 10, 64)
	if in.EventID <= 0 && in.Source != "" {
		// A source alone (from the sources page): run it on its newest event.
		newest, err := h.deps.Store.EventPage(r.Context(), store.Filter{Source: in.Source, Limit: 1})
		if err != nil {
			h.storeFailed(w, r, s, "list events", err)
			return
		}
		if len(newest) == 1 {
			in.EventID = newest[0].ID
		}
	}
	data, ok := h.playData(w, r, s, &in)
	if !ok {
		return
	}
	if in.Source != "" {
		if src, ok := h.deps.Mappings().Sources[in.Source]; ok {
			text, err := sourceYAML(src)
			if err != nil {
				data.Notice = fmt.Sprintf("The YAML of %s could not be read from %s: %v", src.Name, src.File, err)
			}
			data.YAML = text
		} else {
			data.Notice = fmt.Sprintf("There is no source %q in the mappings in force: write one below, or draft it from the event.", in.Source)
		}
	}
	if data.YAML != "" && (in.EventID > 0 || in.Payload != "") {
		data.Result = h.runPlayground(r.Context(), data.playInput)
	}
	h.render(w, r, s, http.StatusOK, "playground", data)
}

// playData fills what every rendering of the playground shows: the picked
// event (its payload in the text area) and recent events to pick from.
func (h *handler) playData(w http.ResponseWriter, r *http.Request, s *session, in *playInput) (*playData, bool) {
	data := &playData{playInput: *in, CanDraft: h.deps.Draft != nil}
	for n := range h.deps.Mappings().Sources {
		data.Sources = append(data.Sources, n)
	}
	slices.Sort(data.Sources)
	recent, err := h.deps.Store.EventPage(r.Context(), store.Filter{Limit: 30})
	if err != nil {
		h.storeFailed(w, r, s, "list events", err)
		return nil, false
	}
	data.Recent = recent
	if in.EventID > 0 {
		ev, err := h.deps.Store.GetEvent(r.Context(), in.EventID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			data.Notice = fmt.Sprintf("There is no event %d.", in.EventID)
			data.EventID, in.EventID = 0, 0
		case err != nil:
			h.storeFailed(w, r, s, "get event", err)
			return nil, false
		default:
			data.Event = &ev.EventSummary
			if in.Source == "" {
				in.Source, data.Source = ev.Source, ev.Source
			}
			if in.Payload == "" {
				data.Payload, data.ContentType = string(ev.Payload), ev.ContentType
			}
		}
	}
	flowSource := in.Source
	if data.Event != nil && data.Event.Status == store.StatusCaptured {
		flowSource = data.Event.Source // whose captured events a draft would map
	}
	if data.Capture, err = h.captureFlowOf(r.Context(), flowSource, data.Event); err != nil {
		h.storeFailed(w, r, s, "count captured events", err)
		return nil, false
	}
	return data, true
}

// playgroundRun runs the posted form. With partial=1 (the page's script,
// on every change) it answers the results alone; otherwise the whole page.
func (h *handler) playgroundRun(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, s, http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is too large: a payload may have at most %d bytes.", h.cfg.MaxPayload))
		return
	}
	f := r.PostForm
	in := playInput{Payload: f.Get("payload"), ContentType: strings.TrimSpace(f.Get("content_type")),
		YAML: f.Get("yaml"), Source: strings.TrimSpace(f.Get("source"))}
	in.EventID, _ = strconv.ParseInt(f.Get("event"), 10, 64)
	if int64(len(in.Payload)) > h.cfg.MaxPayload {
		h.fail(w, r, s, http.StatusRequestEntityTooLarge, fmt.Sprintf("The payload is larger than %d bytes, the most a webhook may send.", h.cfg.MaxPayload))
		return
	}
	if f.Get("partial") == "1" {
		h.renderFragment(w, r, s, "playground", "results", &playData{playInput: in, Result: h.runPlayground(r.Context(), in)})
		return
	}
	data, ok := h.playData(w, r, s, &in)
	if !ok {
		return
	}
	data.Result = h.runPlayground(r.Context(), in)
	h.render(w, r, s, http.StatusOK, "playground", data)
}

// runPlayground loads the YAML, decodes the payload as the source's
// provider does and explains the mapping, then compares the source's
// stored events.
func (h *handler) runPlayground(ctx context.Context, in playInput) *playResult {
	start := time.Now()
	res := &playResult{}
	defer func() { res.Took = time.Since(start) }()
	src, problems := h.loadSource(in.YAML, in.Source)
	if len(problems) > 0 {
		res.Problems = problems
		return res
	}
	res.Source = src.Name
	raw, contentType := []byte(in.Payload), in.ContentType
	if in.Payload == "" {
		if in.EventID <= 0 {
			res.Error = "Pick a stored event or paste a payload."
			return res
		}
		ev, err := h.deps.Store.GetEvent(ctx, in.EventID)
		if err != nil {
			res.Error = fmt.Sprintf("Event %d could not be read: %v", in.EventID, err)
			return res
		}
		raw, contentType = ev.Payload, ev.ContentType
	}
	doc, err := providers.Decode(src.Provider, contentType, raw)
	if err != nil {
		res.Error = "The payload cannot be decoded: " + err.Error()
		return res
	}
	var out bytes.Buffer
	items, notes := src.Explain(raw, string(doc))
	res.Failed = mappings.WriteTry(&out, &out, src, items, notes)
	res.Output = out.String()
	hist, err := h.compareHistory(ctx, src)
	if err != nil {
		h.log.Error("console: playground history", "err", err)
		res.Error = "The stored events of this source could not be read; see the server log."
	}
	res.History = hist
	return res
}

// loadSource loads the playground's YAML and picks the source to run.
func (h *handler) loadSource(text, name string) (*mappings.Source, []string) {
	if strings.TrimSpace(text) == "" {
		return nil, []string{"Write a source's YAML (a sources: document), or load one from the mappings in force."}
	}
	cfg, err := mappings.Loader{LookupEnv: h.playEnv}.Load("playground.yaml", []byte(text))
	if err != nil {
		var lerr *mappings.LoadError
		if errors.As(err, &lerr) {
			out := make([]string, 0, len(lerr.Problems))
			for _, p := range lerr.Problems {
				out = append(out, p.String())
			}
			return nil, out
		}
		return nil, []string{err.Error()}
	}
	if src, ok := cfg.Sources[name]; ok {
		return src, nil
	}
	if len(cfg.Sources) == 1 {
		for _, src := range cfg.Sources {
			return src, nil
		}
	}
	names := make([]string, 0, len(cfg.Sources))
	for n := range cfg.Sources {
		names = append(names, n)
	}
	slices.Sort(names)
	return nil, []string{fmt.Sprintf("The YAML defines %d sources (%s) and none is named %q: choose one.", len(names), strings.Join(names, ", "), name)}
}

// playEnv resolves ${VAR} for the playground: a set variable as serve
// would, an unset one as its own name, so that YAML written for deployment
// loads (the playground never verifies a signature, and secrets never
// appear in its output).
func (h *handler) playEnv(name string) (string, bool) {
	if v, ok := h.cfg.LookupEnv(name); ok && v != "" {
		return v, true
	}
	return "${" + name + "}", true
}

// draft drafts a source from a stored event (leadbridge init) and opens it
// in the playground.
func (h *handler) draft(w http.ResponseWriter, r *http.Request, s *session) {
	if h.deps.Draft == nil {
		h.fail(w, r, s, http.StatusNotFound, "Drafting a source is not available in this build.")
		return
	}
	if err := h.parseForm(w, r); err != nil {
		h.fail(w, r, s, http.StatusBadRequest, "The form could not be read.")
		return
	}
	id, _ := strconv.ParseInt(r.PostFormValue("event"), 10, 64)
	name := strings.TrimSpace(r.PostFormValue("name"))
	in := playInput{EventID: id, Source: name}
	data, ok := h.playData(w, r, s, &in)
	if !ok {
		return
	}
	if id <= 0 || data.Event == nil {
		h.fail(w, r, s, http.StatusNotFound, "Pick a stored event to draft a source from.")
		return
	}
	text, err := h.deps.Draft(r.Context(), id, name)
	if err != nil {
		data.Notice = "The event could not be drafted into a source: " + err.Error()
		h.render(w, r, s, http.StatusUnprocessableEntity, "playground", data)
		return
	}
	data.YAML = text
	if c := data.Capture; c != nil {
		c.Drafted, c.DraftName, c.Unset = true, in.Source, h.unsetVars(text)
	} else {
		data.Notice = fmt.Sprintf("Drafted from event %d. Check it below, then put it in your mapping file: the console does not write files.", id)
	}
	h.log.Info("console: drafted a source", "event_id", id, "source", cut(in.Source, 100))
	data.Result = h.runPlayground(r.Context(), data.playInput)
	h.render(w, r, s, http.StatusOK, "playground", data)
}
