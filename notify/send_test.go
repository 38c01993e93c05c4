package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

// TestReceiverFailsThenRecovers: 503, 429, then 200: sent on the third
// attempt after the backoff; nothing logged as lost.
func TestReceiverFailsThenRecovers(t *testing.T) {
	e := setup(t)
	e.chat.answer(503, 429)
	_, l := e.lead("tf", store.NewLead{})
	e.dead(l, "x")
	e.later(time.Minute)
	require.Len(t, e.chat.messages(t), 1)
	require.Equal(t, []time.Duration{2 * time.Second, 10 * time.Second}, e.sleeps)
	require.NotContains(t, e.logs.String(), "notification not sent")
	var queued int
	require.NoError(t, e.db.QueryRow(`SELECT COUNT(*) FROM lb_notify_outbox`).Scan(&queued))
	require.Zero(t, queued, "sent messages leave the queue")
}

// TestReceiverThatKeepsFailing is tried four times, then logged (without
// its URL's path or query: that is the credential) and dropped; another
// receiver still gets the message.
func TestReceiverThatKeepsFailing(t *testing.T) {
	good := newChat(t)
	for _, tc := range []struct {
		name     string
		script   []int
		attempts int
	}{
		{"5xx is retried", []int{500, 502, 503, 504, 500}, 4},
		{"4xx is not", []int{404}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, func(c *Config) { c.URLs = append(c.URLs, good.srv.URL+"/second") })
			e.chat.answer(tc.script...)
			_, l := e.lead("tf", store.NewLead{})
			e.dead(l, "x")
			e.later(time.Minute)
			require.Empty(t, e.chat.messages(t))
			require.Len(t, e.sleeps, tc.attempts-1)
			logs := e.logs.String()
			require.Contains(t, logs, `"msg":"notification not sent: the receiver failed every attempt"`)
			require.Contains(t, logs, fmt.Sprintf(`"attempts":%d`, tc.attempts))
			require.Contains(t, logs, `"receiver":"#1 http://`+strings.TrimPrefix(e.chat.srv.URL, "http://")+`/…"`)
			require.NotContains(t, logs, "XXXXsecretpath")
			require.NotContains(t, logs, "token=")
			var queued int
			require.NoError(t, e.db.QueryRow(`SELECT COUNT(*) FROM lb_notify_outbox`).Scan(&queued))
			require.Zero(t, queued, "given up: not retried forever")
		})
	}
	require.Len(t, good.messages(t), 2, "the other receiver got each message")
}

// TestHangingReceiverHoldsUpNothing: while a receiver hangs, the checks
// go on at their pace and queue what is due, intake stores webhooks as
// fast as without it, and once the receiver answers everything is sent.
func TestHangingReceiverHoldsUpNothing(t *testing.T) {
	e := setup(t, func(c *Config) { c.Every = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	baseline := ingestLatency(t, e, 100)

	e.chat.mu.Lock()
	e.chat.hang = make(chan struct{})
	e.chat.mu.Unlock()
	sending := make(chan struct{})
	go func() { defer close(sending); e.n.sendLoop(ctx) }()

	var slowest time.Duration
	for i := range 5 {
		_, l := e.lead(fmt.Sprintf("src%d", i), store.NewLead{})
		e.dead(l, "x")
		e.clock.Add(2 * time.Minute)
		start := time.Now()
		require.NoError(t, e.n.check(ctx))
		slowest = max(slowest, time.Since(start))
	}
	require.Eventually(t, func() bool { return e.chat.requests() == 0 && waiting(t, e) == 5 }, 5*time.Second, 10*time.Millisecond)
	hung := ingestLatency(t, e, 100)

	t.Logf("while the receiver hangs: slowest check %s; intake p50/p99 %s/%s (before: %s/%s)",
		slowest, hung[0], hung[1], baseline[0], baseline[1])
	require.Less(t, slowest, 2*time.Second, "a check never waits for a receiver")
	require.Less(t, hung[1], 2*time.Second, "intake never waits for a receiver")

	e.chat.mu.Lock()
	close(e.chat.hang)
	e.chat.hang = nil
	e.chat.mu.Unlock()
	require.Eventually(t, func() bool { return len(e.chat.messages(t)) == 5 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	<-sending
}

// waiting counts the queued messages.
func waiting(t *testing.T, e *env) int {
	var n int
	require.NoError(t, e.db.QueryRow(`SELECT COUNT(*) FROM lb_notify_outbox`).Scan(&n))
	return n
}

// ingestLatency stores n webhooks one after the other and returns the
// median and 99th percentile of Ingest.
func ingestLatency(t *testing.T, e *env, n int) [2]time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		e.lead("intake", store.NewLead{})
		ds[i] = time.Since(start)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return [2]time.Duration{ds[n/2], ds[n*99/100]}
}

// TestNoSecretInAnyMessage makes every kind with secrets, tokens, API
// keys and URL credentials in everything a message may quote (Partnero's
// message, a reload error), then greps every message received and every
// log line for each of them.
func TestNoSecretInAnyMessage(t *testing.T) {
	const (
		apiKey      = "pk_live_9f8e7d6c5b4a"
		adminToken  = "admin-Tok3n-ZZZ"
		sourceSec   = "whsec_s1gn1ngS3cret"
		dbPassword  = "pgPa55word!"
		urlPassword = "hunter2hunter2"
	)
	failing := newChat(t)
	e := setup(t, func(c *Config) {
		c.URLs = append(c.URLs, failing.srv.URL+"/services/T1/B2/sl4ckT0ken?key=AIzaGoogleKey&token=chatT0ken")
	})
	failing.answer(400)
	e.secrets = []string{apiKey, adminToken, sourceSec, dbPassword}
	e.n = e.notifier(e.st)

	leak := fmt.Sprintf("Unauthenticated: key %s; see https://user:%s@partnero.example/v1?api_key=%s and @channel <!here>", apiKey, urlPassword, apiKey)
	_, l := e.lead("tf", store.NewLead{})
	e.dead(l, leak)
	_, a := e.lead("tf", store.NewLead{})
	e.attempt(a, 401, "auth")
	e.lead("tf", store.NewLead{Status: store.StatusFailed, Reason: `[{"field":"partner","message":"` + sourceSec + `"}]`})
	for range 5 {
		e.lead("tf", noPartner())
	}
	e.n.Reloaded(fmt.Errorf("m.yaml:3:5: source \"tf\": secret %s is not %s (db %s)", sourceSec, adminToken, dbPassword))
	e.later(20 * time.Minute) // the backlog too
	e.attempt(a, 201, "delivered")
	e.later(time.Minute)

	got := e.chat.messages(t)
	seen := map[string]bool{}
	for _, m := range got {
		seen[m.Kind] = true
	}
	for _, k := range []string{KindLeadDead, KindAuthFailing, KindAuthRecovered, KindReloadFailed, KindBacklog, KindUnattributed, KindMappingFailed} {
		require.True(t, seen[k], "kind %s was made", k)
	}
	e.chat.mu.Lock()
	raw := append([][]byte{}, e.chat.all...)
	e.chat.mu.Unlock()
	failing.mu.Lock()
	raw = append(raw, failing.all...)
	failing.mu.Unlock()
	raw = append(raw, []byte(e.logs.String()))
	secrets := []string{apiKey, adminToken, sourceSec, dbPassword, urlPassword, "XXXXsecretpath", "sl4ckT0ken", "AIzaGoogleKey", "chatT0ken"}
	for _, body := range raw {
		for _, s := range secrets {
			require.NotContains(t, string(body), s)
		}
		require.NotContains(t, string(body), "@channel", "no mention")
		require.NotContains(t, string(body), "<!here>", "no Slack control sequence")
	}
	dead := ofKind(got, KindLeadDead)[0]
	require.Contains(t, dead.Text, "Unauthenticated: key ‹secret›; see https://‹redacted›@partnero.example/v1?‹redacted› and @\u200bchannel ‹!here›")
}

func TestGoogleChatGetsTextOnly(t *testing.T) {
	s := NewSender([]string{"https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t", "https://hooks.slack.com/services/T/B/X"}, nil)
	require.True(t, s.receivers[0].textOnly)
	require.False(t, s.receivers[1].textOnly)
	m := Sample(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	b, err := encode(m, true)
	require.NoError(t, err)
	require.JSONEq(t, `{"text":`+mustJSON(t, m.Text)+`}`, string(b))
	b, err = encode(m, false)
	require.NoError(t, err)
	require.JSONEq(t, `{"text":`+mustJSON(t, m.Text)+`,"kind":"test","source":"","count":1,"event_ids":[],"at":"2026-01-02T03:04:05Z"}`, string(b))
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestSendAnswersEachReceiver(t *testing.T) {
	ok, bad := newChat(t), newChat(t)
	bad.answer(403)
	s := NewSender([]string{ok.srv.URL + "/a?token=x", bad.srv.URL + "/b", "http://127.0.0.1:1/closed"}, nil)
	res := s.Send(context.Background(), Sample(time.Now()))
	require.Len(t, res, 3)
	require.NoError(t, res[0].Err)
	require.Equal(t, 200, res[0].Status)
	require.Equal(t, "ok", res[0].Answer)
	require.Equal(t, "#1 "+ok.srv.URL+"/…", res[0].Receiver)
	require.EqualError(t, res[1].Err, "answered 403 Forbidden")
	require.Error(t, res[2].Err)
	require.Zero(t, res[2].Status)
	require.NotContains(t, res[2].Err.Error(), "/closed", "the URL is not in the error")
	require.Equal(t, 1, res[2].Attempts, "Send tries once")
}

func TestParseURLs(t *testing.T) {
	got, err := ParseURLs(" https://hooks.slack.com/services/T/B/X , ,http://mm.example/hooks/abc")
	require.NoError(t, err)
	require.Equal(t, []string{"https://hooks.slack.com/services/T/B/X", "http://mm.example/hooks/abc"}, got)
	_, err = ParseURLs(" , ")
	require.ErrorIs(t, err, ErrNoReceivers)
	_, err = ParseURLs("https://ok.example/x,hooks.slack.com/services/T/B/s3cret")
	require.EqualError(t, err, "URL 2 of 2 is not an absolute http(s) URL (such as https://hooks.slack.com/services/...)")
	require.False(t, errors.Is(err, ErrNoReceivers))
}
