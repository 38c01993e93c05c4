package bridge

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
	"github.com/leadbridge/leadbridge/store"
)

func TestBackoffSchedule(t *testing.T) {
	b := backoff{min: 30 * time.Second, max: time.Hour}
	for _, tc := range []struct {
		rand       float64
		n          int
		retryAfter time.Duration
		want       time.Duration
	}{
		{0.5, 1, 0, 30 * time.Second},                  // jitter factor 1.0
		{0.5, 2, 0, time.Minute},                       // doubles
		{0.5, 5, 0, 8 * time.Minute},                   // 30s·2⁴
		{0.5, 8, 0, time.Hour},                         // 64 min capped at 1h
		{0.5, 1000, 0, time.Hour},                      // no overflow
		{0.0, 1, 0, 30 * time.Second},                  // 27s raised to min
		{0.0, 3, 0, 108 * time.Second},                 // 120s × 0.9
		{0.999999, 3, 0, 131999976 * time.Microsecond}, // 120s × ~1.1
		{0.999999, 8, 0, time.Hour},                    // jitter never above max
		{0.0, 8, 0, 54 * time.Minute},                  // 1h × 0.9
		{0.5, 1, 2 * time.Second, 30 * time.Second},    // Retry-After shorter than backoff
		{0.5, 1, 90 * time.Second, 90 * time.Second},   // Retry-After longer
		{0.5, 8, 3 * time.Hour, 3 * time.Hour},         // even above max
	} {
		b.rand = func() float64 { return tc.rand }
		require.Equal(t, tc.want, b.delay(tc.n, tc.retryAfter), "%+v", tc)
	}
}

// TestRetryOrDie checks ageing out with an injected clock.
func TestRetryOrDie(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.MaxAge = 72 * time.Hour; c.RetryMax = time.Hour }))
	queued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &store.Delivery{QueuedAt: queued}
	dec := b.srv.deliverer.retryOrDie(d, queued.Add(time.Hour), store.Decision{Outcome: "retry"}, 10*time.Minute)
	require.Equal(t, store.StatusRetrying, dec.Status)
	require.Equal(t, 10*time.Minute, dec.RetryIn)
	// The last retry is moved up to the deadline.
	dec = b.srv.deliverer.retryOrDie(d, queued.Add(71*time.Hour+30*time.Minute), store.Decision{Outcome: "retry"}, time.Hour)
	require.Equal(t, 30*time.Minute, dec.RetryIn)
	// Partnero's Retry-After beyond the deadline is honoured once.
	dec = b.srv.deliverer.retryOrDie(d, queued.Add(71*time.Hour+30*time.Minute), store.Decision{Outcome: "retry"}, 2*time.Hour)
	require.Equal(t, 2*time.Hour, dec.RetryIn)
	// Past the max age: dead.
	dec = b.srv.deliverer.retryOrDie(d, queued.Add(72*time.Hour), store.Decision{Outcome: "retry", Error: "503 Service Unavailable"}, time.Hour)
	require.Equal(t, store.StatusDead, dec.Status)
	require.Equal(t, "gave up after 72h0m0s: 503 Service Unavailable", dec.Error)
}

// fixedJitter makes the backoff exact: min·2^(n-1), no jitter.
func fixedJitter(b *bundle) { b.srv.deliverer.backoff.rand = func() float64 { return 0.5 } }

func TestDeliveredAfterThree503(t *testing.T) {
	b := setup(t, withClock())
	fixedJitter(b)
	b.fake.Script(partnerotest.Unavailable(), partnerotest.Unavailable(), partnerotest.Unavailable())
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 202, r.Code)
	// Backoff 50ms, 100ms, 200ms (--retry-min 50ms, --retry-max 200ms),
	// each due exactly then and not a millisecond before.
	for _, wait := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond} {
		require.Equal(t, 1, b.deliverDue(t))
		require.Equal(t, store.StatusRetrying, b.event(t, r.Body["id"]).Status)
		b.clock.Add(wait - time.Millisecond)
		require.Zero(t, b.deliverDue(t), "not due before its backoff")
		b.clock.Add(time.Millisecond)
	}
	require.Equal(t, 1, b.deliverDue(t))
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDelivered, ev.Status)
	l := ev.LeadList[0]
	require.Equal(t, 4, l.Attempts)
	require.Equal(t, []int{503, 503, 503, 201}, codes(l.History))
	require.Equal(t, []time.Time{testStart, testStart.Add(50 * time.Millisecond), testStart.Add(150 * time.Millisecond), testStart.Add(350 * time.Millisecond)},
		[]time.Time{l.History[0].At, l.History[1].At, l.History[2].At, l.History[3].At})
	require.NotEmpty(t, l.PartneroID)
	leads := b.fake.Leads()
	require.Len(t, leads, 1)
	require.Equal(t, "Alice Brown", leads[0].Name)
	require.Equal(t, partnerotest.Partner{Key: "ref_123"}, leads[0].Partner)
	require.Equal(t, map[string]any{"91": []string{"API", "SSO"}}, leads[0].CFields)
	require.Equal(t, partnerotest.DefaultAPIKey, leads[0].APIKey)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	b := setup(t, withClock())
	b.fake.Script(partnerotest.TooManyRequests(2 * time.Second))
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 1, b.deliverDue(t))
	b.clock.Add(2*time.Second - time.Millisecond)
	require.Zero(t, b.deliverDue(t), "not retried before Retry-After, though --retry-max is 200ms")
	b.clock.Add(time.Millisecond)
	require.Equal(t, 1, b.deliverDue(t))
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDelivered, ev.Status)
	require.Equal(t, []int{429, 201}, codes(ev.LeadList[0].History))
	require.Len(t, b.fake.Requests(), 2)
}

func TestDeadAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		resp partnerotest.Response
		err  string
	}{
		{"422", partnerotest.ValidationFailed("email", "The email has already been taken."), "The email has already been taken."},
		{"400 invalid partner without fallback", partnerotest.InvalidPartnerKey(), "Invalid partner key"},
		{"404", partnerotest.Response{Status: http.StatusNotFound, Body: `{"message":"Not Found"}`}, "Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t, withClock())
			b.fake.Script(tc.resp)
			r := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"stale"}`)
			require.Equal(t, 1, b.deliverDue(t))
			ev := b.event(t, r.Body["id"])
			require.Equal(t, store.StatusDead, ev.Status)
			require.Contains(t, ev.LeadList[0].LastError, tc.err)
			require.Contains(t, ev.LastError, tc.err)
			b.clock.Add(100 * time.Hour)
			require.Zero(t, b.deliverDue(t), "no further attempts")
			require.Equal(t, 1, b.fake.Attempts())
			require.Empty(t, b.fake.Leads())
		})
	}
}

func TestFallbackPartner(t *testing.T) {
	b := setup(t, withClock())
	b.fake.Close()
	b.fake = partnerotest.New(partnerotest.WithPartners("house"))
	b.cfg.BaseURL = b.fake.URL()
	b.reopen(t)
	// typeform has fallback_partner {key: house}; ref_123 is unknown to the fake.
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 1, b.deliverDue(t))
	b.clock.Add(time.Millisecond) // the fallback is tried at once
	require.Equal(t, 1, b.deliverDue(t))
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDelivered, ev.Status)
	l := ev.LeadList[0]
	require.True(t, l.FallbackUsed)
	require.Equal(t, []int{400, 201}, codes(l.History))
	require.Equal(t, "fallback_partner", l.History[0].Outcome)
	leads := b.fake.Leads()
	require.Len(t, leads, 1)
	require.Equal(t, partnerotest.Partner{Key: "house"}, leads[0].Partner)
	require.Equal(t, "alice.brown@example.com", leads[0].Email, "the rest of the lead is unchanged")

	// The fallback is tried once: a second Invalid partner key is dead.
	b.fake.Script(partnerotest.InvalidPartnerKey(), partnerotest.InvalidPartnerKey())
	other := replaceEventID(sample(t, "typeform.json"), "evt-2")
	r = b.postTypeform(t, other)
	require.Equal(t, 1, b.deliverDue(t))
	b.clock.Add(time.Millisecond)
	require.Equal(t, 1, b.deliverDue(t))
	ev = b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDead, ev.Status)
	require.Equal(t, []int{400, 400}, codes(ev.LeadList[0].History))
}

func TestAuthFailureRetriesPastMaxAge(t *testing.T) {
	b := setup(t, withClock(), withConfig(func(c *Config) { c.MaxAge = 300 * time.Millisecond }))
	b.fake.SetAPIKeys("the-real-key")
	r := b.postTypeform(t, sample(t, "typeform.json"))
	for range 4 { // every --retry-max (200ms), well past --max-age
		require.Equal(t, 1, b.deliverDue(t))
		b.clock.Add(200 * time.Millisecond)
	}
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusRetrying, ev.Status, "past --max-age and still not dead")
	require.Contains(t, b.logs.String(), "Partnero rejected the API key")
	ready := b.do(t, b.srv.AdminHandler(), httpGet("/readyz"))
	require.Equal(t, 200, ready.Code, "intake still works")
	require.Equal(t, "failing", ready.Body["partnero"].(map[string]any)["auth"])
	require.Contains(t, b.do(t, b.srv.AdminHandler(), httpGet("/metrics")).Raw, "leadbridge_partnero_auth_failing 1")

	b.fake.SetAPIKeys(partnerotest.DefaultAPIKey) // the key is fixed
	require.Equal(t, 1, b.deliverDue(t))
	ev = b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDelivered, ev.Status)
	require.Len(t, b.fake.Leads(), 1)
	ready = b.do(t, b.srv.AdminHandler(), httpGet("/readyz"))
	require.Equal(t, "ok", ready.Body["partnero"].(map[string]any)["auth"])
	require.Equal(t, 401, ev.LeadList[0].History[0].StatusCode)
}

func TestDryRunSendsNothing(t *testing.T) {
	b := setup(t, withClock(), withConfig(func(c *Config) { c.APIKey = mappings.Secret{} }))
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 202, r.Code)
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDryRun, ev.Status)
	require.JSONEq(t, `{"name":"Alice Brown","email":"alice.brown@example.com","partner":{"key":"ref_123"},"cfields":{"91":["API","SSO"]}}`, string(ev.LeadList[0].Body))
	// A source with its own program key is delivered even in dry-run.
	b.fake.SetAPIKeys(partnerotest.DefaultAPIKey, "other-key")
	r2 := b.postForm(t, "other-program", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	require.Equal(t, 1, b.deliverDue(t), "only the lead with a key is a delivery job")
	require.Equal(t, store.StatusDelivered, b.event(t, r2.Body["id"]).Status)
	leads := b.fake.Leads()
	require.Len(t, leads, 1, "only the source with its own key reached Partnero")
	require.Equal(t, "other-key", leads[0].APIKey)
	require.Equal(t, store.StatusDryRun, b.event(t, r.Body["id"]).Status)
	ready := b.do(t, b.srv.AdminHandler(), httpGet("/readyz"))
	require.Equal(t, "dry_run", ready.Body["partnero"].(map[string]any)["mode"])
	require.Equal(t, "not checked (dry-run)", ready.Body["partnero"].(map[string]any)["auth"])
	require.Contains(t, b.do(t, b.srv.AdminHandler(), httpGet("/metrics")).Raw, "leadbridge_dry_run 1")
	require.Contains(t, b.logs.String(), "dry-run: lead recorded, not sent")
	require.NotContains(t, b.logs.String(), `"level":"INFO","msg":"dry-run: request body"`)
}

func TestBackoffDoesNotHoldTheOnlyWorker(t *testing.T) {
	b := setup(t, withClock(), withConfig(func(c *Config) { c.Workers = 1; c.RetryMin = 5 * time.Second; c.RetryMax = 5 * time.Second }))
	b.fake.Script(partnerotest.Unavailable())
	slow := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	require.Equal(t, 1, b.deliverDue(t))
	fast := b.postForm(t, "form", `{"id":"2","name":"B","email":"b@x.io","ref":"r"}`)
	require.Equal(t, 1, b.deliverDue(t), "the new lead goes while the first waits out its backoff")
	require.Equal(t, store.StatusDelivered, b.event(t, fast.Body["id"]).Status)
	require.Equal(t, store.StatusRetrying, b.event(t, slow.Body["id"]).Status)
}

func TestBatchWithDeadAndDelivered(t *testing.T) {
	b := setup(t, withClock(), withConfig(func(c *Config) { c.Workers = 1 }))
	b.fake.Script(partnerotest.ValidationFailed("email", "The email has already been taken."))
	r := b.postForm(t, "batch", `{"items":[{"id":"a","name":"A","email":"a@x.io","ref":"p"},{"id":"b","name":"B","email":"b@x.io","ref":"p"}]}`)
	require.Equal(t, 202, r.Code)
	require.Equal(t, 2, b.deliverDue(t))
	ev := b.event(t, r.Body["id"])
	statuses := []string{ev.LeadList[0].Status, ev.LeadList[1].Status}
	require.ElementsMatch(t, []string{store.StatusDead, store.StatusDelivered}, statuses)
	require.Equal(t, store.StatusDead, ev.Status, "the event shows the lead that needs attention")
}

// The workers deliver what intake stores without waiting for a poll, and
// a stop releases what they had claimed and not started.
func TestWorkersDeliverAsLeadsArrive(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.Workers = 3 }))
	b.startDelivery(t)
	const n = 30
	for i := range n {
		require.Equal(t, 202, b.postForm(t, "form", fmt.Sprintf(`{"id":"%d","name":"A","email":"a%d@x.io","ref":"r"}`, i, i)).Code)
	}
	require.Eventually(t, func() bool { return len(b.fake.Leads()) == n }, 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		st, err := b.store.Stats(context.Background())
		return err == nil && st.ByStatus[store.StatusDelivered] == n
	}, 10*time.Second, 5*time.Millisecond, "every result recorded")
	require.Len(t, b.fake.Leads(), n, "each lead sent once")
}

// The lease: a lead claimed by an instance that died comes back once the
// lease (--rescue-after) has run out by the clock, not before.
func TestLeaseRescuesALeadOfADeadWorker(t *testing.T) {
	b := setup(t, withClock(), withConfig(func(c *Config) { c.RescueAfter = 2 * time.Minute }))
	r := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	// Another instance claims it and dies.
	ds, err := b.store.Claim(context.Background(), 10, 2*time.Minute)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	b.clock.Add(2*time.Minute - time.Millisecond)
	require.Zero(t, b.deliverDue(t), "a live instance's delivery is never taken over")
	b.clock.Add(time.Millisecond)
	require.Equal(t, 1, b.deliverDue(t))
	require.Equal(t, store.StatusDelivered, b.event(t, r.Body["id"]).Status)
}

func codes(as []store.Attempt) []int {
	out := make([]int, len(as))
	for i, a := range as {
		out[i] = a.StatusCode
	}
	return out
}

func httpGet(path string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return req
}

func replaceEventID(body []byte, id string) []byte {
	return []byte(replaceOnce(string(body), "01JH7Q2M4B8K3N6P9R1T5V7X9Z", id))
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}
