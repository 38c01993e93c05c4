package notify

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

// TestEveryKind: each kind reaches an httptest receiver once, with its
// structured fields and a sentence that says what to do.
func TestEveryKind(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    func(*Config)
		act    func(e *env) []int64 // returns the event ids the message must carry
		kind   string
		source string
		count  int
		text   []string
	}{
		{
			name: "lead_dead",
			act: func(e *env) []int64 {
				ev1, l1 := e.lead("typeform", store.NewLead{})
				ev2, l2 := e.lead("typeform", store.NewLead{})
				e.dead(l1, "The email must be a valid email address.")
				e.dead(l2, "The email must be a valid email address.")
				return []int64{ev1, ev2}
			},
			kind: KindLeadDead, source: "typeform", count: 2,
			text: []string{`2 leads from source typeform went dead: Partnero refused them ("The email must be a valid email address.")`,
				"`leadbridge replay --status dead --source typeform`"},
		},
		{
			name: "mapping_failed",
			act: func(e *env) []int64 {
				ev, _ := e.lead("tally", store.NewLead{Status: store.StatusFailed, Reason: `[{"field":"email","message":"no value"}]`})
				return []int64{ev}
			},
			kind: KindMappingFailed, source: "tally", count: 1,
			text: []string{"1 webhook to source tally failed the mapping (answered 422, kept as failed). Event ", "`leadbridge replay --status failed --source tally`"},
		},
		{
			name: "auth_failing",
			act: func(e *env) []int64 {
				_, l := e.lead("typeform", store.NewLead{})
				e.attempt(l, 401, "auth")
				return nil
			},
			kind: KindAuthFailing, source: "typeform", count: 1,
			text: []string{"Partnero rejects the API key of source typeform (HTTP 401, 1 attempt refused)", "nothing is lost"},
		},
		{
			name: "backlog",
			cfg:  func(c *Config) { c.Backlog = 15 * time.Minute },
			act: func(e *env) []int64 {
				ev, _ := e.lead("webflow", store.NewLead{})
				e.clock.Add(16 * time.Minute)
				return []int64{ev}
			},
			kind: KindBacklog, source: "webflow", count: 1,
			text: []string{"1 lead from source webflow has waited more than 15m for delivery (the oldest since 2026-03-02 09:00 UTC)"},
		},
		{
			name: "unattributed",
			act: func(e *env) []int64 {
				var ids []int64
				for range 4 {
					ev, _ := e.lead("calendly", noPartner())
					ids = append([]int64{ev}, ids...)
				}
				e.lead("calendly", store.NewLead{}) // one with a partner
				return ids
			},
			kind: KindUnattributed, source: "calendly", count: 4,
			text: []string{"4 of 5 leads from source calendly in the last hour had no partner (80%)", "A hidden field"},
		},
		{
			name: "reload_failed",
			act: func(e *env) []int64 {
				e.n.Reloaded(errors.New("mappings.yaml:12:5: source \"tf\": unknown key \"leed\"\nmappings.yaml:20:3: no email"))
				return nil
			},
			kind: KindReloadFailed, source: "", count: 1,
			text: []string{`First problem: mappings.yaml:12:5: source "tf": unknown key "leed" (2 problems in all; ` + "`leadbridge check` lists them)."},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cfgs []func(*Config)
			if tc.cfg != nil {
				cfgs = append(cfgs, tc.cfg)
			}
			e := setup(t, cfgs...)
			ids := tc.act(e)
			e.later(time.Minute)
			got := e.chat.messages(t)
			require.Len(t, got, 1, "one message: %+v", got)
			m := got[0]
			require.Equal(t, tc.kind, m.Kind)
			require.Equal(t, tc.source, m.Source)
			require.Equal(t, tc.count, m.Count)
			if ids == nil {
				ids = []int64{}
			}
			require.Equal(t, ids, m.EventIDs)
			require.Equal(t, e.clock.Now(), m.At)
			require.True(t, strings.HasPrefix(m.Text, "leadbridge: "), m.Text)
			for _, want := range tc.text {
				require.Contains(t, m.Text, want)
			}

			// Nothing new: nothing more of the kind, also after the window
			// (a condition that lasts, such as a backlog, is told once).
			e.later(time.Minute)
			e.later(20 * time.Minute)
			require.Len(t, ofKind(e.chat.messages(t), tc.kind), 1)
		})
	}
}

func TestAuthRecovered(t *testing.T) {
	e := setup(t)
	_, l := e.lead("typeform", store.NewLead{})
	e.attempt(l, 401, "auth")
	e.later(time.Minute)
	e.clock.Add(time.Second)
	e.attempt(l, 401, "auth")
	e.later(time.Minute)
	require.Equal(t, []string{KindAuthFailing}, kinds(e.chat.messages(t)), "told once while it lasts")

	e.attempt(l, 201, "delivered")
	e.exec(`UPDATE lb_leads SET status = 'delivered' WHERE id = $1`, l)
	e.later(time.Minute)
	got := e.chat.messages(t)
	require.Equal(t, []string{KindAuthFailing, KindAuthRecovered}, kinds(got))
	require.Equal(t, "typeform", got[1].Source)
	require.Contains(t, got[1].Text, "Partnero accepts the API key of source typeform again")

	e.later(time.Hour)
	require.Len(t, e.chat.messages(t), 2)
}

// TestAuthFlapWithinTheWindow: a key that fails again soon after it
// recovered is told at the window, not at once, and not at all if it
// healed meanwhile.
func TestAuthFlapWithinTheWindow(t *testing.T) {
	e := setup(t, func(c *Config) { c.Every, c.Backlog = 10*time.Minute, 24*time.Hour })
	_, l := e.lead("tf", store.NewLead{})
	e.attempt(l, 401, "auth")
	e.later(time.Minute) // failing
	e.attempt(l, 201, "delivered")
	e.later(time.Minute) // recovered
	e.attempt(l, 403, "auth")
	e.later(time.Minute) // failing again: within 10m of the first
	require.Equal(t, []string{KindAuthFailing, KindAuthRecovered}, kinds(e.chat.messages(t)))
	e.later(8 * time.Minute)
	got := e.chat.messages(t)
	require.Equal(t, []string{KindAuthFailing, KindAuthRecovered, KindAuthFailing}, kinds(got))
	require.Contains(t, got[2].Text, "HTTP 403")

	// Recovered, failing and recovered again, all inside the window of
	// auth_recovered: the operator was told it recovers at the next window.
	e.attempt(l, 201, "delivered")
	e.later(30 * time.Second)
	require.Len(t, e.chat.messages(t), 3, "the last recovery is within 10m of the first: it waits")
	e.later(10 * time.Minute)
	require.Equal(t, KindAuthRecovered, e.chat.messages(t)[3].Kind)

	// Refused and accepted between two checks: the latest attempt decides.
	e.clock.Add(time.Hour)
	e.attempt(l, 401, "auth")
	e.clock.Add(time.Second)
	e.attempt(l, 201, "delivered")
	e.later(time.Minute)
	require.Len(t, e.chat.messages(t), 4)
}

// TestCoalescing: many events, one message per kind and source and
// window, with the count of what happened meanwhile.
func TestCoalescing(t *testing.T) {
	e := setup(t, func(c *Config) { c.Every = 10 * time.Minute })
	for range 50 {
		_, l := e.lead("tf", store.NewLead{})
		e.dead(l, "Invalid partner key")
	}
	_, l := e.lead("tally", store.NewLead{})
	e.dead(l, "The name field is required.")
	e.later(time.Minute)
	got := e.chat.messages(t)
	require.Len(t, got, 2, "one per source")
	require.Equal(t, "tally", got[0].Source)
	require.Equal(t, "tf", got[1].Source)
	require.Equal(t, 50, got[1].Count)
	require.Len(t, got[1].EventIDs, 10, "event ids are capped")
	require.Contains(t, got[1].Text, "50 leads from source tf went dead")
	require.Contains(t, got[1].Text, " and 45 more.")

	// 30 more over the next minutes: nothing until the window opens.
	for i := range 30 {
		_, l := e.lead("tf", store.NewLead{})
		e.dead(l, []string{"a", "b", "c", "d"}[i%4])
		if i%10 == 9 {
			e.later(2 * time.Minute)
		}
	}
	require.Len(t, e.chat.messages(t), 2)
	e.later(4 * time.Minute)
	got = e.chat.messages(t)
	require.Len(t, got, 3)
	require.Equal(t, 30, got[2].Count)
	require.Contains(t, got[2].Text, `30 leads from source tf went dead: Partnero refused them ("a"; "b"; "c")`, "the first three reasons")
}

// TestRestart: the state survives a restart: what was told is not told
// again, what was counted is not lost, and a message queued before the
// stop is sent after it.
func TestRestart(t *testing.T) {
	e := setup(t)
	_, l := e.lead("tf", store.NewLead{})
	e.attempt(l, 401, "auth")
	_, d := e.lead("tf", store.NewLead{})
	e.dead(d, "boom")
	e.later(time.Minute)
	require.Equal(t, []string{KindLeadDead, KindAuthFailing}, kinds(e.chat.messages(t)))

	// More dead leads inside the window, then a restart.
	for range 3 {
		_, d := e.lead("tf", store.NewLead{})
		e.dead(d, "boom")
	}
	e.attempt(l, 401, "auth")
	e.later(time.Minute)
	e.restart()
	e.later(time.Minute)
	require.Len(t, e.chat.messages(t), 2, "auth_failing is not repeated after the restart")

	// A message queued but not sent when the process stopped.
	e.chat.answer(503)
	e.clock.Add(10 * time.Minute)
	require.NoError(t, e.n.check(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	e.n.sender.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled } // the stop comes during the backoff
	e.n.drain(ctx)
	e.restart()
	e.check()
	got := e.chat.messages(t)
	require.Equal(t, 4, e.chat.received(), "answered 503 before the stop")
	require.Len(t, got, 3, "then sent after the restart")
	require.Equal(t, KindLeadDead, got[2].Kind)
	require.Equal(t, 3, got[2].Count, "the leads counted before the restart")

	e.attempt(l, 201, "delivered")
	e.later(time.Minute)
	require.Equal(t, KindAuthRecovered, e.chat.messages(t)[3].Kind, "it remembered auth_failing was sent")
}

// TestInstancesShareTheState: two instances on one store send each
// message once.
func TestInstancesShareTheState(t *testing.T) {
	e := setup(t)
	st2, err := store.Open(context.Background(), store.Config{DSN: e.dsn, Now: e.clock.Now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st2.Close(context.Background()) })
	other := e.notifier(st2)
	for range 3 {
		_, l := e.lead("tf", store.NewLead{})
		e.dead(l, "x")
	}
	e.clock.Add(time.Minute)
	// Both read the same state; the second to save loses the round.
	prev, err := e.st.NotifyState(context.Background())
	require.NoError(t, err)
	require.NoError(t, e.n.check(context.Background()))
	require.NoError(t, other.check(context.Background()))
	other.drain(context.Background())
	e.n.drain(context.Background())
	require.Len(t, e.chat.messages(t), 1)
	now, err := e.st.NotifyState(context.Background())
	require.NoError(t, err)
	require.NotEqual(t, prev, now)

	// A real race: each check reads, then saves with compare-and-swap.
	for range 2 {
		_, l := e.lead("tf", store.NewLead{})
		e.dead(l, "x")
	}
	e.clock.Add(11 * time.Minute)
	done := make(chan error, 2)
	go func() { done <- e.n.check(context.Background()) }()
	go func() { done <- other.check(context.Background()) }()
	require.NoError(t, <-done)
	require.NoError(t, <-done)
	e.n.drain(context.Background())
	other.drain(context.Background())
	got := e.chat.messages(t)
	require.Len(t, got, 2)
	require.Equal(t, 2, got[1].Count)
}

// TestUnattributedShare: the share per source for /metrics, /readyz and
// the console, warned from 5 leads over the threshold; below, or below 5,
// nothing is sent.
func TestUnattributedShare(t *testing.T) {
	e := setup(t, func(c *Config) { c.Unattributed = 0.5 })
	for range 4 {
		e.lead("few", noPartner()) // 4 of 4: too few to tell
	}
	for range 3 {
		e.lead("half", noPartner())
	}
	for range 3 {
		e.lead("half", store.NewLead{}) // 3 of 6: not over 50 %
	}
	e.lead("fb", store.NewLead{Status: store.StatusFailed, Reason: `[{"field":"partner","message":"no partner identifier: ref"}]`})
	for range 4 {
		_, l := e.lead("fb", store.NewLead{})
		e.exec(`UPDATE lb_leads SET fallback_used = 1 WHERE id = $1`, l)
	}
	e.later(time.Minute)
	require.Equal(t, []Share{
		{Source: "fb", Leads: 5, Unattributed: 5, Ratio: 1, Warning: true},
		{Source: "few", Leads: 4, Unattributed: 4, Ratio: 1},
		{Source: "half", Leads: 6, Unattributed: 3, Ratio: 0.5},
	}, e.n.Unattributed())
	got := ofKind(e.chat.messages(t), KindUnattributed)
	require.Len(t, got, 1)
	require.Equal(t, "fb", got[0].Source)
	require.Equal(t, 5, got[0].Count)

	require.NoError(t, testutil.CollectAndCompare(e.n.Collector(), strings.NewReader(`
# HELP leadbridge_unattributed_share Share (0-1) of a source's leads of the last hour without a partner identifier: ignored as no partner, failed for it, or sent with the fallback partner.
# TYPE leadbridge_unattributed_share gauge
leadbridge_unattributed_share{source="fb"} 1
leadbridge_unattributed_share{source="few"} 1
leadbridge_unattributed_share{source="half"} 0.5
`)))

	// An hour later the window is empty: the warning ends, and a new
	// breakage is told again.
	e.later(2 * time.Hour)
	require.Empty(t, e.n.Unattributed())
	for range 5 {
		e.lead("fb", noPartner())
	}
	e.later(time.Minute)
	require.Len(t, ofKind(e.chat.messages(t), KindUnattributed), 2)
}

// TestReloadFailedEndsOnSuccess: a failed reload is told once, counts the
// failures meanwhile, and a success re-arms it.
func TestReloadFailedEndsOnSuccess(t *testing.T) {
	e := setup(t, func(c *Config) { c.Every = 10 * time.Minute })
	bad := errors.New("m.yaml:1:1: invalid YAML: did not find expected key")
	e.n.Reloaded(bad)
	e.n.Reloaded(bad)
	e.later(time.Minute)
	got := e.chat.messages(t)
	require.Len(t, got, 1)
	require.Equal(t, 2, got[0].Count)
	require.Equal(t, "leadbridge: a changed mapping file is invalid, so the previous mappings stay in force. First problem: m.yaml:1:1: invalid YAML: did not find expected key.", got[0].Text)

	e.n.Reloaded(bad)
	e.later(time.Minute)
	require.Len(t, e.chat.messages(t), 1, "still the same failure")
	e.n.Reloaded(nil)
	e.later(time.Minute)
	e.n.Reloaded(bad)
	e.later(time.Minute)
	require.Len(t, e.chat.messages(t), 1, "broken again inside the window: told when it opens")
	e.later(10 * time.Minute)
	require.Len(t, e.chat.messages(t), 2)
}

// TestNoReceiversStillComputes: without a URL nothing is queued, the
// share is still computed, and the cursor moves on (configuring a URL
// later does not bring back old news).
func TestNoReceiversStillComputes(t *testing.T) {
	e := setup(t, func(c *Config) { c.URLs = nil })
	for range 5 {
		e.lead("tf", noPartner())
	}
	_, l := e.lead("tf", store.NewLead{})
	e.dead(l, "x")
	e.later(time.Minute)
	require.Len(t, e.n.Unattributed(), 1)
	var queued int
	require.NoError(t, e.db.QueryRow(`SELECT COUNT(*) FROM lb_notify_outbox`).Scan(&queued))
	require.Zero(t, queued)

	e.cfg.URLs = []string{e.chat.srv.URL}
	e.restart()
	e.later(time.Minute)
	require.Empty(t, e.chat.messages(t), "what was current was told to nobody, and is not news now")
}

// TestCheckSurvivesAnUnreadableState: a corrupt state is replaced, not a
// reason to stop notifying.
func TestCheckSurvivesAnUnreadableState(t *testing.T) {
	e := setup(t)
	e.exec(`UPDATE lb_notify SET value = '{not json' WHERE key = 'state'`)
	e.later(time.Minute)
	require.Contains(t, e.logs.String(), "the saved state is unreadable")
	_, l := e.lead("tf", store.NewLead{})
	e.dead(l, "x")
	e.later(time.Minute)
	require.Equal(t, []string{KindLeadDead}, kinds(e.chat.messages(t)))
}

// TestRunStopsWithItsContext: Run checks at once, sends, and returns when
// its context ends.
func TestRunStopsWithItsContext(t *testing.T) {
	e := setup(t, func(c *Config) { c.Check = time.Hour })
	e.n = e.notifier(e.st)
	e.n.Reloaded(errors.New("m.yaml:1:1: bad"))
	e.clock.Add(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.n.Run(ctx); close(done) }()
	require.Eventually(t, func() bool { return e.chat.requests() == 1 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-done
	require.Equal(t, KindReloadFailed, e.chat.messages(t)[0].Kind)
}

// cancelAfter is a transport that completes each request, then cancels:
// a stop that comes just after the receiver answered.
type cancelAfter struct{ cancel context.CancelFunc }

func (c cancelAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req.WithContext(context.WithoutCancel(req.Context())))
	c.cancel()
	return resp, err
}

// TestStopAfterSendIsNotResent: a message every receiver took before a
// stop is not sent again after the restart (the e2e saw auth_failing
// twice when SIGTERM came right after the answer).
func TestStopAfterSendIsNotResent(t *testing.T) {
	e := setup(t)
	_, l := e.lead("tf", store.NewLead{})
	e.attempt(l, 401, "auth")
	e.clock.Add(time.Minute)
	require.NoError(t, e.n.check(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	e.n.sender.client = &http.Client{Transport: cancelAfter{cancel}}
	e.n.drain(ctx)
	require.Error(t, ctx.Err(), "the stop came")
	require.Equal(t, []string{KindAuthFailing}, kinds(e.chat.messages(t)))

	e.restart()
	e.check()
	require.Equal(t, 1, e.chat.received(), "not sent again after the restart")
}
