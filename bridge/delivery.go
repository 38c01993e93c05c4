package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero"
	"github.com/leadbridge/leadbridge/store"
)

// deliverer sends claimed leads to Partnero and decides what follows each
// attempt (product.md §5); the queue records the decision.
type deliverer struct {
	s       *Server
	client  *partnero.Client
	limiter *rate.Limiter
	backoff backoff

	mu          sync.Mutex
	authFailing map[string]time.Time // key label → failing since
}

func newDeliverer(s *Server, client *partnero.Client) *deliverer {
	return &deliverer{
		s:           s,
		client:      client,
		limiter:     rate.NewLimiter(rate.Limit(s.cfg.Rate), max(1, int(s.cfg.Rate))),
		backoff:     newBackoff(s.cfg.RetryMin, s.cfg.RetryMax),
		authFailing: map[string]time.Time{},
	}
}

// Deliver makes one attempt for d and logs it: one line per attempt (info;
// a retry is a warning; a dead lead or a rejected key an error), never a
// payload value.
func (dl *deliverer) Deliver(ctx context.Context, d *store.Delivery) store.Decision {
	now := dl.s.now()
	dec := dl.decide(ctx, d, now)
	dl.logAttempt(d, dec, now)
	return dec
}

func (dl *deliverer) decide(ctx context.Context, d *store.Delivery, now time.Time) store.Decision {
	cfg := dl.s.cfg
	src, ok := dl.s.reloads.current().cfg.Sources[d.Source]
	if !ok {
		// Renamed or removed by a reload: wait for it to come back, within the max age.
		return dl.retryOrDie(d, now, store.Decision{Outcome: "no_source", Error: fmt.Sprintf("source %q is no longer in the mappings", d.Source)}, cfg.RetryMax)
	}
	key := dl.s.apiKeyFor(src)
	if key.IsZero() {
		dl.s.metrics.deliveries.WithLabelValues("dry_run").Inc()
		return store.Decision{Status: store.StatusDryRun, Outcome: "dry_run", Error: "PARTNERO_API_KEY is not set"}
	}
	if err := dl.limiter.Wait(ctx); err != nil {
		// Shutting down: try again soon, no attempt was made.
		return store.Decision{Status: store.StatusRetrying, RetryIn: time.Second, Outcome: "interrupted", Error: "stopped before sending"}
	}
	start := time.Now()
	res, err := dl.client.CreateLead(ctx, key.Reveal(), d.Body)
	dl.s.metrics.attempts.Inc()
	dl.s.metrics.deliverySeconds.Observe(time.Since(start).Seconds())
	dec := store.Decision{StatusCode: res.StatusCode, Error: res.Message}
	if err != nil && dec.Error == "" {
		dec.Error = err.Error() // the client guarantees no key in it
	}
	label := keyLabel(src)
	switch res.Outcome {
	case partnero.Delivered:
		dl.authOK(label)
		dl.s.metrics.deliveries.WithLabelValues("delivered").Inc()
		dec.Status, dec.Outcome, dec.PartneroID, dec.Error = store.StatusDelivered, "delivered", res.LeadID, ""
		return dec
	case partnero.AuthFailed:
		// Never ages out: the key gets fixed and nothing may be lost meanwhile.
		dl.authFailed(label)
		dl.s.metrics.deliveries.WithLabelValues("auth").Inc()
		dec.Status, dec.Outcome, dec.RetryIn = store.StatusRetrying, "auth", cfg.RetryMax
		return dec
	case partnero.Dead:
		dl.authOK(label)
		if res.InvalidPartner && src.FallbackPartner != nil && !d.FallbackUsed {
			body, err := withPartner(d.Body, *src.FallbackPartner)
			if err == nil {
				dl.s.metrics.deliveries.WithLabelValues("fallback").Inc()
				dec.Status, dec.Outcome, dec.RetryIn = store.StatusRetrying, "fallback_partner", time.Millisecond
				dec.Body, dec.FallbackUsed = body, true
				return dec
			}
		}
		dl.s.metrics.deliveries.WithLabelValues("dead").Inc()
		dec.Status, dec.Outcome = store.StatusDead, "dead"
		return dec
	default: // partnero.Retry: 429, 5xx, network error, timeout
		dl.authOK(label)
		dec.Outcome = "retry"
		return dl.retryOrDie(d, now, dec, dl.backoff.delay(d.Attempts+1, res.RetryAfter))
	}
}

// retryOrDie schedules another attempt after delay, or declares the lead
// dead once it is older than --max-age. The last attempt is moved up to
// the deadline so that a lead gets its full budget, unless Partnero's
// Retry-After asks for later.
func (dl *deliverer) retryOrDie(d *store.Delivery, now time.Time, dec store.Decision, delay time.Duration) store.Decision {
	deadline := d.QueuedAt.Add(dl.s.cfg.MaxAge)
	if !now.Before(deadline) {
		dl.s.metrics.deliveries.WithLabelValues("dead").Inc()
		dec.Status = store.StatusDead
		dec.Error = fmt.Sprintf("gave up after %s: %s", dl.s.cfg.MaxAge, dec.Error)
		return dec
	}
	dl.s.metrics.deliveries.WithLabelValues(dec.Outcome).Inc()
	if next := now.Add(delay); next.After(deadline) && delay <= dl.s.cfg.RetryMax {
		delay = deadline.Sub(now)
	}
	dec.Status, dec.RetryIn = store.StatusRetrying, delay
	return dec
}

// logAttempt writes the attempt's one log line: lead, event, source,
// Partnero's HTTP status, outcome, and the next try when there is one.
// Partnero's messages stay out (they may echo a lead's values); they are
// in the lead's history (leadbridge events ID).
func (dl *deliverer) logAttempt(d *store.Delivery, dec store.Decision, now time.Time) {
	args := []any{"lead_id", d.LeadID, "event_id", d.EventID, "source", d.Source, "attempt", d.Attempts + 1,
		"status", dec.StatusCode, "outcome", dec.Outcome}
	if dec.Status == store.StatusRetrying {
		args = append(args, "next_at", now.Add(dec.RetryIn).UTC())
	}
	if dec.StatusCode == 0 && dec.Outcome == "retry" {
		args = append(args, "err", truncateLog(dec.Error)) // a network error, no answer: nothing of the lead
	}
	switch {
	case dec.Outcome == "auth":
		label := "PARTNERO_API_KEY"
		if src, ok := dl.s.reloads.current().cfg.Sources[d.Source]; ok {
			label = keyLabel(src)
		}
		args = append(args, "key", label, "failing_since", dl.authSince(label))
		dl.s.log.Error("delivery attempt: Partnero rejected the API key; leads wait and are retried until it is fixed", args...)
	case dec.Status == store.StatusDead:
		dl.s.log.Error("delivery attempt: lead is dead (see leadbridge events for Partnero's answer)", args...)
	case dec.Status == store.StatusRetrying:
		dl.s.log.Warn("delivery attempt: retry scheduled", args...)
	default:
		dl.s.log.Info("delivery attempt", args...)
	}
}

// truncateLog cuts a value for the log (product.md §2: 100 characters).
func truncateLog(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

// withPartner replaces the partner of a lead body.
func withPartner(body []byte, p mappings.Partner) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	pb, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	m["partner"] = pb
	return json.Marshal(m)
}

// keyLabel names the key a source uses without revealing it.
func keyLabel(src *mappings.Source) string {
	if src.APIKey.IsZero() {
		return "PARTNERO_API_KEY"
	}
	return "source " + src.Name + " partnero.api_key"
}

func (dl *deliverer) authFailed(label string) time.Time {
	dl.mu.Lock()
	defer dl.mu.Unlock()
	since, ok := dl.authFailing[label]
	if !ok {
		since = dl.s.now()
		dl.authFailing[label] = since
		dl.s.metrics.authFailing.Set(float64(len(dl.authFailing)))
	}
	return since
}

func (dl *deliverer) authSince(label string) time.Time {
	dl.mu.Lock()
	defer dl.mu.Unlock()
	return dl.authFailing[label].UTC()
}

func (dl *deliverer) authOK(label string) {
	dl.mu.Lock()
	defer dl.mu.Unlock()
	if _, ok := dl.authFailing[label]; ok {
		delete(dl.authFailing, label)
		dl.s.metrics.authFailing.Set(float64(len(dl.authFailing)))
		dl.s.log.Info("Partnero accepts the API key again", "key", label)
	}
}

// status is Partnero's part of /readyz.
func (dl *deliverer) status() gin.H {
	h := gin.H{"base_url": dl.s.cfg.BaseURL}
	if dl.s.cfg.APIKey.IsZero() {
		h["mode"] = "dry_run"
		h["detail"] = "PARTNERO_API_KEY is not set: leads are recorded as dry_run with the request that would be sent"
	} else {
		h["mode"] = "live"
	}
	dl.mu.Lock()
	defer dl.mu.Unlock()
	switch {
	case len(dl.authFailing) == 0 && dl.s.cfg.APIKey.IsZero():
		h["auth"] = "not checked (dry-run)"
	case len(dl.authFailing) > 0:
		failing := gin.H{}
		for k, since := range dl.authFailing {
			failing[k] = since.UTC()
		}
		h["auth"] = "failing"
		h["auth_failing_since"] = failing
	default:
		h["auth"] = "ok"
	}
	return h
}
