package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/notify"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

// chatPath is the secret part of the receiver's URL, as in a Slack
// webhook URL: it must appear in no log line and no message.
const chatPath = "/services/T0E2E/B0E2E/e2eS3cretPath"

// chatReceiver stands in for Slack: it records every notification.
type chatReceiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	msgs []notify.Message
	hits int           // requests received, answered or not
	hang chan struct{} // non-nil: requests wait for it to close
}

func newChatReceiver(t *testing.T, hang bool) *chatReceiver {
	c := &chatReceiver{}
	if hang {
		c.hang = make(chan struct{})
	}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.hits++
		c.mu.Unlock()
		if c.hang != nil {
			select {
			case <-c.hang:
			case <-r.Context().Done():
			}
			return
		}
		var m notify.Message
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("notification is not JSON: %v: %s", err, body)
		}
		c.mu.Lock()
		c.msgs = append(c.msgs, m)
		c.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(func() {
		if c.hang != nil {
			close(c.hang)
		}
		c.srv.Close()
	})
	return c
}

func (c *chatReceiver) url() string { return c.srv.URL + chatPath }

func (c *chatReceiver) messages() []notify.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]notify.Message{}, c.msgs...)
}

func (c *chatReceiver) requests() int { c.mu.Lock(); defer c.mu.Unlock(); return c.hits }

// waitKind waits until a message of kind arrived and returns it.
func (c *chatReceiver) waitKind(t *testing.T, kind string, within time.Duration) notify.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, m := range c.messages() {
			if m.Kind == kind {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s notification within %s; got %+v", kind, within, c.messages())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// postJSON sends one webhook to the test source and returns the status.
func postJSON(t *testing.T, srv *server, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.hookURL(), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Leadbridge-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// notifySpec runs serve with notifications to url, checked every second.
func notifySpec(t *testing.T, bin, dir string, fake *partnerotest.Server, url string) serverSpec {
	env := []string{"PARTNERO_API_KEY=" + partnerotest.DefaultAPIKey, "PARTNERO_BASE_URL=" + fake.URL()}
	if url != "" {
		env = append(env, "LEADBRIDGE_NOTIFY_URL="+url)
	}
	return serverSpec{
		bin:      bin,
		db:       filepath.Join(dir, "leadbridge.db"),
		mappings: writeMappings(t, dir),
		logPath:  filepath.Join(dir, "serve.log"),
		env:      env,
		// A key that Partnero refuses is retried every --retry-max.
		args: []string{"--notify-check", "1s", "--retry-min", "1s", "--retry-max", "2s"},
	}
}

// TestNotifyThroughTheBinary is issue 12's end-to-end test: Partnero
// answering 401 gives exactly one auth_failing, also across a restart;
// 201 again gives one auth_recovered; 20 webhooks without a partner key
// within a minute give one unattributed. A webhook that fails the
// mapping afterwards is the sentinel: its notification comes from a
// later check, so nothing above was repeated by the checks in between.
func TestNotifyThroughTheBinary(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	fake := partnerotest.New(partnerotest.WithAPIKey("another-programs-key"))
	t.Cleanup(fake.Close)
	chat := newChatReceiver(t, false)
	dir := t.TempDir()
	spec := notifySpec(t, bin, dir, fake, chat.url())
	srv := start(t, spec)

	if code := postJSON(t, srv, `{"id":"p1","name":"Ann","email":"ann@example.com","ref":"partner-1"}`); code != http.StatusAccepted {
		t.Fatalf("webhook with a partner: %d", code)
	}
	failing := chat.waitKind(t, notify.KindAuthFailing, 30*time.Second)
	if failing.Source != "load" || !strings.Contains(failing.Text, "HTTP 401") {
		t.Errorf("auth_failing: %+v", failing)
	}

	// A restart while the key is refused: not told again.
	if code := srv.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit %d", code)
	}
	srv = start(t, spec)

	fake.SetAPIKeys(partnerotest.DefaultAPIKey)
	chat.waitKind(t, notify.KindAuthRecovered, 30*time.Second)
	if n := len(fake.Leads()); n != 1 {
		t.Errorf("Partnero holds %d leads, want 1", n)
	}

	sent := time.Now()
	for i := range 20 {
		body := fmt.Sprintf(`{"id":"np%d","name":"Lead %d","email":"lead%d@example.com"}`, i, i, i)
		if code := postJSON(t, srv, body); code != http.StatusOK {
			t.Fatalf("webhook without a partner: %d, want 200 ignored", code)
		}
	}
	if took := time.Since(sent); took > time.Minute {
		t.Fatalf("the 20 webhooks took %s", took)
	}
	un := chat.waitKind(t, notify.KindUnattributed, 30*time.Second)
	if un.Source != "load" || un.Count != 20 || len(un.EventIDs) != 10 || !strings.Contains(un.Text, "20 of 21 leads from source load in the last hour had no partner (95%)") {
		t.Errorf("unattributed: %+v", un)
	}

	if code := postJSON(t, srv, `{"id":"bad","name":"No Mail","ref":"partner-1"}`); code != http.StatusUnprocessableEntity {
		t.Fatalf("webhook without an email: %d, want 422", code)
	}
	chat.waitKind(t, notify.KindMappingFailed, 30*time.Second)
	if code := srv.stop(); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}

	counts := map[string]int{}
	for _, m := range chat.messages() {
		counts[m.Kind]++
		for _, secret := range []string{partnerotest.DefaultAPIKey, token, "e2eS3cretPath"} {
			if strings.Contains(m.Text, secret) {
				t.Errorf("%s message contains %q: %s", m.Kind, secret, m.Text)
			}
		}
	}
	want := map[string]int{notify.KindAuthFailing: 1, notify.KindAuthRecovered: 1, notify.KindUnattributed: 1, notify.KindMappingFailed: 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d %s notifications, want %d (all: %v)", counts[k], k, n, counts)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("unexpected kinds: %v", counts)
	}
	logs, err := os.ReadFile(spec.logPath)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(logs, []byte("e2eS3cretPath")) || bytes.Contains(logs, []byte(partnerotest.DefaultAPIKey)) {
		t.Errorf("the log holds the receiver's URL path or the API key")
	}
	if !bytes.Contains(logs, []byte(`"msg":"notification","kind":"auth_failing"`)) {
		t.Errorf("no log line for the notification")
	}
}

// TestNotifyReceiverThatHangs measures intake and delivery through the
// binary while the only notification receiver never answers, against a
// receiver that answers at once: 200 webhooks from 8 senders, the latency
// of each answer and the time until Partnero holds every lead.
func TestNotifyReceiverThatHangs(t *testing.T) {
	t.Parallel() // a process of its own; waits more than it computes
	bin := binary(t)
	results := map[bool]loadTimes{}
	for _, hang := range []bool{false, true} {
		fake := partnerotest.New()
		chat := newChatReceiver(t, hang)
		spec := notifySpec(t, bin, t.TempDir(), fake, chat.url())
		spec.args = append(spec.args, "--rate", "1000", "--workers", "8") // delivery as fast as the fake allows
		srv := start(t, spec)
		// A mapping failure gives the notifier something to send first:
		// with the hanging receiver, its sender is stuck from then on.
		if code := postJSON(t, srv, `{"id":"bad","name":"No Mail","ref":"partner-1"}`); code != http.StatusUnprocessableEntity {
			t.Fatalf("422 expected, got %d", code)
		}
		deadline := time.Now().Add(30 * time.Second)
		for chat.requests() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the notifier never called the receiver")
			}
			time.Sleep(20 * time.Millisecond)
		}
		results[hang] = loadAndDeliver(t, srv, fake, 200, 8)
		if code := srv.stop(); code != 0 {
			t.Errorf("SIGTERM with hang=%v: exit %d", hang, code)
		}
		fake.Close()
	}
	ok, hung := results[false], results[true]
	t.Logf("200 webhooks, 8 senders: answering receiver: intake p50 %s p99 %s max %s, all delivered after %s; "+
		"hanging receiver: intake p50 %s p99 %s max %s, all delivered after %s",
		ok.p50, ok.p99, ok.max, ok.delivered, hung.p50, hung.p99, hung.max, hung.delivered)
	if hung.p99 > time.Second || hung.delivered > 30*time.Second {
		t.Errorf("a hanging receiver held up intake or delivery: %+v", hung)
	}
}

type loadTimes struct{ p50, p99, max, delivered time.Duration }

// loadAndDeliver posts n webhooks with a partner from senders goroutines
// and waits until the fake holds them all.
func loadAndDeliver(t *testing.T, srv *server, fake *partnerotest.Server, n, senders int) loadTimes {
	t.Helper()
	start := time.Now()
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := s; i < n; i += senders {
				began := time.Now()
				body := fmt.Sprintf(`{"id":"h%d","name":"Lead %d","email":"h%d@example.com","ref":"partner-1"}`, i, i, i)
				if code := postJSON(t, srv, body); code != http.StatusAccepted {
					t.Errorf("webhook %d: %d", i, code)
				}
				lat[i] = time.Since(began)
			}
		}()
	}
	wg.Wait()
	for len(fake.Leads()) < n {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("after 60s Partnero holds %d of %d leads", len(fake.Leads()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	delivered := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	return loadTimes{p50: r(lat[n/2]), p99: r(lat[n*99/100]), max: r(lat[n-1]), delivered: delivered.Round(time.Millisecond)}
}
