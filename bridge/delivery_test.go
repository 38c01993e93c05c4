package bridge

import (
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

func TestDeliveredAfterThree503(t *testing.T) {
	b := setup(t)
	b.fake.Script(partnerotest.Unavailable(), partnerotest.Unavailable(), partnerotest.Unavailable())
	b.startDelivery(t)
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 202, r.Code)
	ev := b.waitEvent(t, r.Body["id"], store.StatusDelivered)
	l := ev.LeadList[0]
	require.Equal(t, 4, l.Attempts)
	require.Equal(t, []int{503, 503, 503, 201}, codes(l.History))
	require.NotEmpty(t, l.PartneroID)
	leads := b.fake.Leads()
	require.Len(t, leads, 1)
	require.Equal(t, "Alice Brown", leads[0].Name)
	require.Equal(t, partnerotest.Partner{Key: "ref_123"}, leads[0].Partner)
	require.Equal(t, map[string]any{"91": []string{"API", "SSO"}}, leads[0].CFields)
	require.Equal(t, partnerotest.DefaultAPIKey, leads[0].APIKey)
	// Backoff grew between the attempts (50ms, 100ms, 200ms ± 10%).
	gaps := []time.Duration{l.History[1].At.Sub(l.History[0].At), l.History[2].At.Sub(l.History[1].At)}
	require.GreaterOrEqual(t, gaps[0], 40*time.Millisecond)
	require.GreaterOrEqual(t, gaps[1], 85*time.Millisecond)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	b := setup(t)
	b.fake.Script(partnerotest.TooManyRequests(2 * time.Second))
	b.startDelivery(t)
	r := b.postTypeform(t, sample(t, "typeform.json"))
	ev := b.waitEvent(t, r.Body["id"], store.StatusDelivered)
	reqs := b.fake.Requests()
	require.Len(t, reqs, 2)
	require.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), 2*time.Second, "not retried before Retry-After, though --retry-max is 200ms")
	require.Equal(t, []int{429, 201}, codes(ev.LeadList[0].History))
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
			b := setup(t)
			b.fake.Script(tc.resp)
			b.startDelivery(t)
			r := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"stale"}`)
			ev := b.waitEvent(t, r.Body["id"], store.StatusDead)
			require.Contains(t, ev.LeadList[0].LastError, tc.err)
			require.Contains(t, ev.LastError, tc.err)
			time.Sleep(400 * time.Millisecond)
			require.Equal(t, 1, b.fake.Attempts(), "no further attempts")
			require.Empty(t, b.fake.Leads())
		})
	}
}

func TestFallbackPartner(t *testing.T) {
	b := setup(t)
	b.fake.Close()
	b.fake = partnerotest.New(partnerotest.WithPartners("house"))
	b.cfg.BaseURL = b.fake.URL()
	b.reopen(t)
	b.startDelivery(t)
	// typeform has fallback_partner {key: house}; ref_123 is unknown to the fake.
	r := b.postTypeform(t, sample(t, "typeform.json"))
	ev := b.waitEvent(t, r.Body["id"], store.StatusDelivered)
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
	ev = b.waitEvent(t, r.Body["id"], store.StatusDead)
	require.Equal(t, []int{400, 400}, codes(ev.LeadList[0].History))
}

func TestAuthFailureRetriesPastMaxAge(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.MaxAge = 300 * time.Millisecond }))
	b.fake.SetAPIKeys("the-real-key")
	b.startDelivery(t)
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Eventually(t, func() bool { return b.fake.Attempts() >= 4 }, 10*time.Second, 10*time.Millisecond)
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusRetrying, ev.Status, "past --max-age and still not dead")
	require.Contains(t, b.logs.String(), "Partnero rejected the API key")
	ready := b.do(t, b.srv.AdminHandler(), httpGet("/readyz"))
	require.Equal(t, 200, ready.Code, "intake still works")
	require.Equal(t, "failing", ready.Body["partnero"].(map[string]any)["auth"])
	require.Contains(t, b.do(t, b.srv.AdminHandler(), httpGet("/metrics")).Raw, "leadbridge_partnero_auth_failing 1")

	b.fake.SetAPIKeys(partnerotest.DefaultAPIKey) // the key is fixed
	ev = b.waitEvent(t, r.Body["id"], store.StatusDelivered)
	require.Len(t, b.fake.Leads(), 1)
	ready = b.do(t, b.srv.AdminHandler(), httpGet("/readyz"))
	require.Equal(t, "ok", ready.Body["partnero"].(map[string]any)["auth"])
	require.Equal(t, 401, ev.LeadList[0].History[0].StatusCode)
}

func TestDryRunSendsNothing(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.APIKey = mappings.Secret{} }))
	b.startDelivery(t)
	r := b.postTypeform(t, sample(t, "typeform.json"))
	require.Equal(t, 202, r.Code)
	ev := b.event(t, r.Body["id"])
	require.Equal(t, store.StatusDryRun, ev.Status)
	require.JSONEq(t, `{"name":"Alice Brown","email":"alice.brown@example.com","partner":{"key":"ref_123"},"cfields":{"91":["API","SSO"]}}`, string(ev.LeadList[0].Body))
	// A source with its own program key is delivered even in dry-run.
	b.fake.SetAPIKeys(partnerotest.DefaultAPIKey, "other-key")
	r2 := b.postForm(t, "other-program", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	b.waitEvent(t, r2.Body["id"], store.StatusDelivered)
	time.Sleep(300 * time.Millisecond)
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
	b := setup(t, withConfig(func(c *Config) { c.Workers = 1; c.RetryMin = 5 * time.Second; c.RetryMax = 5 * time.Second }))
	b.fake.Script(partnerotest.Unavailable())
	b.startDelivery(t)
	slow := b.postForm(t, "form", `{"id":"1","name":"A","email":"a@x.io","ref":"r"}`)
	require.Eventually(t, func() bool { return b.fake.Attempts() == 1 }, 5*time.Second, 10*time.Millisecond)
	fast := b.postForm(t, "form", `{"id":"2","name":"B","email":"b@x.io","ref":"r"}`)
	b.waitEvent(t, fast.Body["id"], store.StatusDelivered) // well before the 5 s backoff ends
	require.Equal(t, store.StatusRetrying, b.event(t, slow.Body["id"]).Status)
}

func TestBatchWithDeadAndDelivered(t *testing.T) {
	b := setup(t, withConfig(func(c *Config) { c.Workers = 1 }))
	b.fake.Script(partnerotest.ValidationFailed("email", "The email has already been taken."))
	b.startDelivery(t)
	r := b.postForm(t, "batch", `{"items":[{"id":"a","name":"A","email":"a@x.io","ref":"p"},{"id":"b","name":"B","email":"b@x.io","ref":"p"}]}`)
	require.Equal(t, 202, r.Code)
	ev := b.waitEvent(t, r.Body["id"], store.StatusDead)
	require.Eventually(t, func() bool {
		ev = b.event(t, r.Body["id"])
		return ev.LeadList[0].Status != store.StatusQueued && ev.LeadList[1].Status != store.StatusQueued
	}, 10*time.Second, 20*time.Millisecond)
	statuses := []string{ev.LeadList[0].Status, ev.LeadList[1].Status}
	require.ElementsMatch(t, []string{store.StatusDead, store.StatusDelivered}, statuses)
	require.Equal(t, store.StatusDead, ev.Status, "the event shows the lead that needs attention")
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
