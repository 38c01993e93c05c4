package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// bodySize is the size of each webhook, like the 1.5 KB JSON bodies of
// storage-notes.md §6.
const bodySize = 1500

// webhookBody is a ~1.5 KB JSON webhook with a unique id; its lead's email
// is derived from the id so that a lead seen by Partnero names its webhook.
func webhookBody(id string) []byte {
	b := fmt.Sprintf(`{"id":%q,"event":"form_submission","name":"Lead %s","email":%q,"ref":"partner-1",`+
		`"repository":{"full_name":"leadbridge/e2e","private":false},"sender":{"login":"e2e","type":"Bot"},"message":"`,
		id, id, emailOf(id))
	pad := max(0, bodySize-len(b)-2)
	return []byte(b + strings.Repeat("x", pad) + `"}`)
}

func emailOf(id string) string { return id + "@example.com" }

// load sends webhooks and records what was answered.
type load struct {
	killedAfter time.Duration // set by loadThenKill
	mu          sync.Mutex
	acked       []string         // ids answered 202, in answer order
	eventID     map[string]int64 // id → the event id the server answered
	statuses    map[int]int      // HTTP status → count
	errs        int              // transport errors before the kill
	firstErr    string
	killed      atomic.Bool // set just before the server is killed
}

func newLoad() *load { return &load{eventID: map[string]int64{}, statuses: map[int]int{}} }

// run sends webhooks with unique ids from workers goroutines until ctx
// ends or the server is gone, and records which ids were answered 202.
// Transport errors after killed is set are the kill's, not failures.
func (l *load) run(ctx context.Context, url, prefix string, workers int) {
	client := &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true},
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				id := fmt.Sprintf("%s-%d-%d", prefix, w, n)
				if !l.post(ctx, client, url, id) {
					return
				}
			}
		})
	}
	wg.Wait()
	client.CloseIdleConnections()
}

// post sends one webhook; false means stop (the server is gone).
func (l *load) post(ctx context.Context, client *http.Client, url, id string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(webhookBody(id)))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Leadbridge-Token", token)
	resp, err := client.Do(req)
	if err != nil {
		if !l.killed.Load() && ctx.Err() == nil {
			l.mu.Lock()
			l.errs++
			if l.firstErr == "" {
				l.firstErr = err.Error()
			}
			l.mu.Unlock()
		}
		return false
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		// The answer was cut: it does not count as an acknowledgement.
		return !l.killed.Load()
	}
	var a struct {
		Status string `json:"status"`
		ID     int64  `json:"id"`
	}
	_ = json.Unmarshal(body, &a)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses[resp.StatusCode]++
	if resp.StatusCode == http.StatusAccepted && a.Status == "accepted" {
		l.acked = append(l.acked, id)
		l.eventID[id] = a.ID
	}
	return true
}

// answers is the number of answers of any status.
func (l *load) answers() int {
	n := 0
	for _, c := range l.statuses {
		n += c
	}
	return n
}

// loadThenKill sends webhooks from senders goroutines and SIGKILLs the
// server 1.5 to 3 s in, mid-load; it checks that every answer before the
// kill was a 202 and that enough were, and returns the load's record.
func loadThenKill(t *testing.T, srv *server, prefix string, senders int) *load {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := newLoad()
	done := make(chan struct{})
	go func() { l.run(ctx, srv.hookURL(), prefix, senders); close(done) }()
	l.killedAfter = 1500*time.Millisecond + rand.N(1500*time.Millisecond)
	select {
	case <-done:
		t.Fatalf("the senders stopped before the kill: %d transport errors (first: %s), statuses %v", l.errs, l.firstErr, l.statuses)
	case <-time.After(l.killedAfter):
	}
	l.killed.Store(true)
	srv.kill()
	cancel()
	<-done
	if l.errs > 0 {
		t.Errorf("%d transport errors before the kill (first: %s)", l.errs, l.firstErr)
	}
	if n := l.answers() - l.statuses[http.StatusAccepted]; n > 0 {
		t.Errorf("%d answers other than 202 for unique, valid webhooks: %v", n, l.statuses)
	}
	if len(l.acked) < 100 {
		t.Fatalf("only %d webhooks answered 202 in %s: the test proves little", len(l.acked), l.killedAfter)
	}
	return l
}
