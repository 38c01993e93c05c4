package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/leadbridge/leadbridge/internal/jsonstr"
	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
	"github.com/leadbridge/leadbridge/store"
)

// answer is the JSON body of every /hooks response.
type answer struct {
	Status   string    `json:"status"`
	ID       int64     `json:"id,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Error    string    `json:"error,omitempty"`
	Problems []problem `json:"problems,omitempty"`

	code       int           // HTTP status
	outcome    string        // metric label
	retryAfter time.Duration // for 429
	rule       string        // why ignored, without payload values (for the log)
}

type problem struct {
	Index   *int   `json:"index,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// appendSimple appends the answer as encoding/json writes it when it has
// only a status and an id (202 accepted, 200 duplicate: nearly every
// answer), without reflection; ok is false for any other answer.
func (a *answer) appendSimple(dst []byte) (out []byte, ok bool) {
	if a.Reason != "" || a.Error != "" || len(a.Problems) > 0 {
		return dst, false
	}
	dst = append(dst, `{"status":`...)
	dst = jsonstr.Append(dst, a.Status)
	if a.ID != 0 {
		dst = append(dst, `,"id":`...)
		dst = strconv.AppendInt(dst, a.ID, 10)
	}
	return append(dst, '}'), true
}

func reject(code int, outcome, msg string) *answer {
	return &answer{Status: "error", Error: msg, code: code, outcome: outcome}
}

// handleHook is POST /hooks/{source}: body limit → read once → verify →
// decode → map → store → answer (dedupe happens in the store's commit,
// where it is atomic). Each step returns an answer to stop early.
func (s *Server) handleHook(c *gin.Context) {
	start := s.now()
	name := c.Param("source")
	a := s.intake(c, name)
	s.respond(c, name, a, start)
}

func (s *Server) intake(c *gin.Context, name string) *answer {
	rt := s.reloads.current()
	src, ok := rt.sources[name]
	if !ok {
		if s.reloads.recentlyRemoved(name) {
			return reject(http.StatusServiceUnavailable, "removed_source", "source "+strconv.Quote(clip(name))+" was removed by a mapping reload; retry later")
		}
		return reject(http.StatusBadRequest, "unknown_source", "no such source "+strconv.Quote(clip(name)))
	}
	if a := s.checkLength(c); a != nil {
		return a
	}
	release, a := s.admit(c)
	if a != nil {
		return a
	}
	defer release()
	raw, a := s.readBody(c)
	if a != nil {
		return a
	}
	if a := s.verify(c, src, raw); a != nil {
		return a
	}
	if a := s.limit(src); a != nil {
		return a
	}
	contentType := c.GetHeader("Content-Type")
	doc, err := providers.Decode(src.Provider, contentType, raw)
	if err != nil {
		if errors.Is(err, providers.ErrUnsupportedMediaType) {
			return reject(http.StatusUnsupportedMediaType, "unsupported_media_type", "content type "+strconv.Quote(clip(contentType))+" is not JSON, form-urlencoded or multipart")
		}
		return reject(http.StatusBadRequest, "malformed_body", clipMessage(err.Error()))
	}
	items := src.Apply(raw, string(doc))
	in := s.buildIntake(c, src, raw, contentType, items)
	// The body is read and verified: from here on the event is stored
	// whatever the client does (a half-close cancels the request's
	// context; the provider still counts on the event).
	res, err := s.ingest(context.WithoutCancel(c.Request.Context()), in)
	if err != nil {
		s.log.Error("store event", "source", name, "err", err)
		return reject(http.StatusServiceUnavailable, "unavailable", "the event could not be stored; retry later")
	}
	s.logDryRun(src, items, in, res)
	return decide(items, res)
}

// partnerBy names the partner identifier a lead carries (key, id or
// email), without its value.
func partnerBy(p mappings.Partner) string {
	switch {
	case p.Key != "":
		return "key"
	case p.ID != "":
		return "id"
	case p.Email != "":
		return "email"
	}
	return "none"
}

// logDryRun says what would have been sent for each lead recorded in
// dry-run: which partner identifier was found at info (its value is a
// payload value), the whole body (personal data) only at debug.
func (s *Server) logDryRun(src *source, items []mappings.Item, in *store.Intake, res store.IntakeResult) {
	for i, l := range in.Leads {
		if l.Status != store.StatusDryRun || res.LeadDuplicate[i] {
			continue
		}
		lead := items[i].Lead
		s.log.Info("dry-run: lead recorded, not sent (no Partnero API key); it would be POSTed to /leads",
			"source", src.Name, "event_id", res.EventID, "index", l.Index, "partner_by", partnerBy(lead.Partner), "cfields", len(lead.CFields))
		s.log.Debug("dry-run: request body", "source", src.Name, "event_id", res.EventID, "index", l.Index, "body", json.RawMessage(l.Body))
	}
}

// checkLength refuses a body declared larger than MaxBody before any of
// it is read.
func (s *Server) checkLength(c *gin.Context) *answer {
	if c.Request.ContentLength > s.cfg.MaxBody {
		return reject(http.StatusRequestEntityTooLarge, "too_large", "body over the limit of "+strconv.FormatInt(s.cfg.MaxBody, 10)+" bytes")
	}
	return nil
}

// readBody reads the whole body once, refusing more than MaxBody. A
// declared length sizes the buffer once (io.ReadAll would grow it by
// doubling, allocating about twice the body).
func (s *Server) readBody(c *gin.Context) ([]byte, *answer) {
	body := http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBody)
	var raw []byte
	var err error
	if n := c.Request.ContentLength; n > 0 {
		raw = make([]byte, n)
		_, err = io.ReadFull(body, raw)
		if err == nil {
			// Anything past the declared length is a malformed request.
			var one [1]byte
			if k, _ := body.Read(one[:]); k > 0 {
				err = errors.New("body longer than its Content-Length")
			}
		}
	} else {
		raw, err = io.ReadAll(body)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, reject(http.StatusRequestEntityTooLarge, "too_large", "body over the limit of "+strconv.FormatInt(s.cfg.MaxBody, 10)+" bytes")
		}
		return nil, reject(http.StatusBadRequest, "malformed_body", "could not read the body")
	}
	return raw, nil
}

func (s *Server) verify(c *gin.Context, src *source, raw []byte) *answer {
	err := src.verifier.Verify(&providers.Request{
		Method: c.Request.Method,
		Header: c.Request.Header,
		Query:  c.Request.URL.Query(),
		Body:   raw,
	}, s.now())
	if err == nil {
		return nil
	}
	// The error names the header and what was wrong with it, never the
	// expected value (providers guarantees it).
	return reject(http.StatusUnauthorized, "unauthorized", err.Error())
}

// limit applies the per-source intake limit, counted on authenticated
// requests only: strangers cannot use up a provider's budget.
func (s *Server) limit(src *source) *answer {
	if src.limiter == nil {
		return nil
	}
	r := src.limiter.ReserveN(s.now(), 1)
	if d := r.DelayFrom(s.now()); d > 0 {
		r.CancelAt(s.now())
		a := reject(http.StatusTooManyRequests, "rate_limited", "rate limit of source exceeded; retry later")
		a.retryAfter = d
		return a
	}
	return nil
}

// keptHeaders are stored with the event: enough to understand it later,
// nothing that authenticates (signatures, tokens, cookies). In key order,
// as a JSON object of them was written before (a map through encoding/json).
func keptHeaders() [5]string {
	return [...]string{"Content-Type", "User-Agent", "X-Hubspot-Request-Timestamp", "X-Request-Id", "X-Webflow-Timestamp"}
}

// headersJSON is the JSON object of the kept headers that are set, written
// without a map or reflection (this runs for every webhook).
func headersJSON(h http.Header) []byte {
	out := make([]byte, 0, 128)
	out = append(out, '{')
	for _, k := range keptHeaders() {
		v := h.Get(k)
		if v == "" {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = jsonstr.Append(out, k)
		out = append(out, ':')
		out = jsonstr.Append(out, v)
	}
	return append(out, '}')
}

func (s *Server) buildIntake(c *gin.Context, src *source, raw []byte, contentType string, items []mappings.Item) *store.Intake {
	in := &store.Intake{Source: src.Name, ContentType: contentType, Headers: headersJSON(c.Request.Header), Payload: raw}
	if src.Capture {
		// No lead rules yet: the event is kept alone, deduped by its key,
		// for a mapping to be written from it and replayed.
		in.Captured, in.EventKey = true, items[0].DedupeKey
		return in
	}
	in.Leads = newLeads(items, s.apiKeyFor(src.Source).IsZero())
	if src.Each == "" && len(items) == 1 {
		in.EventKey = items[0].DedupeKey
	} else {
		in.EventKey = mappings.HashKey(raw)
	}
	return in
}

// newLeads turns mapped candidates into leads to store: queued (or
// dry_run without an API key) with their body, ignored with the reason,
// failed with the problems as JSON.
func newLeads(items []mappings.Item, dryRun bool) []store.NewLead {
	out := make([]store.NewLead, len(items))
	for i, it := range items {
		nl := store.NewLead{Index: it.Index, DedupeKey: it.DedupeKey}
		switch it.Outcome {
		case mappings.Mapped:
			nl.Status = store.StatusQueued
			if dryRun {
				nl.Status = store.StatusDryRun
			}
			nl.Body = it.Lead.AppendJSON(nil)
			nl.Email = strings.ToLower(it.Lead.Email)
		case mappings.Ignored:
			nl.Status, nl.Reason = store.StatusIgnored, it.Reason
		default:
			nl.Status = store.StatusFailed
			b, _ := json.Marshal(it.Problems)
			nl.Reason = string(b)
		}
		out[i] = nl
	}
	return out
}

func (s *Server) ingest(ctx context.Context, in *store.Intake) (store.IntakeResult, error) {
	start := time.Now()
	res, err := s.store.Ingest(ctx, in)
	s.metrics.storeSeconds.Observe(time.Since(start).Seconds())
	return res, err
}

// decide maps what the mapping and the store did to the answer of
// product.md §4: 202 when at least one new lead was accepted; otherwise
// 422 when a new candidate failed mapping, 200 duplicate when everything
// was seen before, 200 ignored for the rest.
func decide(items []mappings.Item, res store.IntakeResult) *answer {
	if res.Duplicate {
		return &answer{Status: "duplicate", ID: res.EventID, code: http.StatusOK, outcome: "duplicate"}
	}
	if len(items) == 1 && items[0].Outcome == mappings.Captured {
		return &answer{Status: "captured", ID: res.EventID, code: http.StatusAccepted, outcome: "captured"}
	}
	var accepted int
	var problems []problem
	var reasons, rules []string
	for i, it := range items {
		if res.LeadDuplicate[i] {
			continue
		}
		switch it.Outcome {
		case mappings.Mapped:
			accepted++
		case mappings.Failed:
			for _, f := range it.Problems {
				p := problem{Field: f.Field, Message: f.Message}
				if len(items) > 1 {
					idx := it.Index
					p.Index = &idx
				}
				problems = append(problems, p)
			}
		case mappings.Ignored:
			reasons = appendUnique(reasons, it.Reason)
			rules = appendUnique(rules, it.Rule)
		}
	}
	switch {
	case accepted > 0:
		return &answer{Status: "accepted", ID: res.EventID, code: http.StatusAccepted, outcome: "accepted"}
	case len(problems) > 0:
		return &answer{Status: "error", ID: res.EventID, Error: "mapping failed; the event is stored and can be replayed once the mapping is fixed",
			Problems: problems, code: http.StatusUnprocessableEntity, outcome: "failed"}
	case len(items) == 0:
		return &answer{Status: "ignored", ID: res.EventID, Reason: "empty batch", code: http.StatusOK, outcome: "ignored"}
	default:
		return &answer{Status: "ignored", ID: res.EventID, Reason: strings.Join(reasons, "; "), code: http.StatusOK, outcome: "ignored", rule: strings.Join(rules, "; ")}
	}
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (s *Server) respond(c *gin.Context, name string, a *answer, start time.Time) {
	if a.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(a.retryAfter.Seconds()))))
	}
	if b, ok := a.appendSimple(nil); ok {
		c.Data(a.code, "application/json; charset=utf-8", b)
	} else {
		c.JSON(a.code, a)
	}
	label := name
	if a.outcome == "unknown_source" {
		label = "" // strangers must not mint metric series
	}
	s.metrics.webhooks.WithLabelValues(label, a.outcome).Inc()
	s.logAnswer(name, a, start)
}

// logAnswer writes the one line per webhook answered (product.md §2):
// source, status, outcome, event id, duration, and why it was ignored or
// refused; never a payload value, and request values cut short.
func (s *Server) logAnswer(name string, a *answer, start time.Time) {
	attrs := []any{"source", clip(name), "status", a.code, "outcome", a.outcome, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
	if a.ID != 0 {
		attrs = append(attrs, "event_id", a.ID)
	}
	if a.rule != "" {
		attrs = append(attrs, "reason", a.rule)
	}
	switch {
	case a.code >= 500:
		s.log.Warn("webhook", append(attrs, "error", a.Error)...)
	case a.code >= 400:
		s.log.Info("webhook", append(attrs, "error", clipMessage(a.Error))...)
	default:
		s.log.Info("webhook", attrs...)
	}
}
