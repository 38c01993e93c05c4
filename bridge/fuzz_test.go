package bridge

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

// memStore is an in-memory Store for fuzzing the intake handler: a real
// database's fsync per commit would leave the fuzzer a few hundred
// executions a second. Dedupe is by (source, event key), as the real one.
type memStore struct {
	mu   sync.Mutex
	keys map[string]int64
	next int64
}

func (m *memStore) Ingest(_ context.Context, in *store.Intake) (store.IntakeResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := store.IntakeResult{LeadDuplicate: make([]bool, len(in.Leads))}
	k := in.Source + "\x00" + in.EventKey
	if id, ok := m.keys[k]; ok {
		res.Duplicate, res.EventID = true, id
		for i := range res.LeadDuplicate {
			res.LeadDuplicate[i] = true
		}
		return res, nil
	}
	m.next++
	m.keys[k] = m.next
	res.EventID = m.next
	return res, nil
}

func (m *memStore) Ping(context.Context) error       { return nil }
func (m *memStore) CheckWrite(context.Context) error { return nil }
func (m *memStore) Claim(context.Context, int, time.Duration) ([]*store.Delivery, error) {
	return nil, nil
}
func (m *memStore) Complete(context.Context, []store.Result) (int, error) { return 0, nil }
func (m *memStore) Release(context.Context, []*store.Delivery) error      { return nil }
func (m *memStore) Wakeup() <-chan struct{}                               { return nil }
func (m *memStore) Prune(context.Context, time.Time, bool) (int64, error) {
	return 0, nil
}
func (m *memStore) Stats(context.Context) (store.QueueStats, error) {
	return store.QueueStats{}, nil
}

// fuzzMappings covers each way into the handler: a signed provider (the
// fuzzer's body is signed, so decoding and mapping run), a token source
// with each and when, and an insecure form source.
const fuzzMappings = testMappings + `  open:
    provider: jotform
    insecure: true
    when: [{path: fields.kind, not_equals: spam}]
    lead:
      name: {template: '{{fields.name.first}} {{fields.name.last}}'}
      email: [fields.email, rawRequest.q3_email]
      partner: {key: [fields.ref, {value: house}]}
      cfields:
        "1": {path: fields.size, map: {a: A}, default: B}
  tally:
    provider: tally
    secret: test-secret
    lead: {name: 'fields.Name', email: 'fields.Email', partner: {key: data.fields.#(label=="ref").value}}
`

// FuzzIntake sends arbitrary bodies, content types and source names
// through the public handler: it must never panic, answer 5xx other than
// 503, or answer anything but a small JSON object with a status.
//
//	go test ./bridge -run '^$' -fuzz '^FuzzIntake$' -fuzztime 5m
func FuzzIntake(f *testing.F) {
	for _, name := range []string{"typeform.json", "tally.json", "hubspot-workflow.json", "calendly.json", "webflow.json"} {
		if b, err := readSample(name); err == nil {
			f.Add(b, "application/json", "typeform")
			f.Add(b, "application/json", "tally")
		}
	}
	f.Add([]byte(`{"id":"1","name":"A","email":"a@b.co","ref":"r"}`), "application/json", "form")
	f.Add([]byte(`{"items":[{"id":"1","name":"A","email":"a@b.co","ref":"r"},{"id":"2"}]}`), "application/json", "batch")
	f.Add([]byte("rawRequest=%7B%22q3_email%22%3A%22a%40b.co%22%7D&q1_name%5Bfirst%5D=A&email=x%40y.z"), "application/x-www-form-urlencoded", "open")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.co\r\n--b--\r\n"), "multipart/form-data; boundary=b", "open")
	f.Add([]byte(`{}`), "text/plain", "nope")
	f.Add([]byte(`[[[[`), "", "open")

	cfg, err := mappings.Loader{}.Load("fuzz.yaml", []byte(fuzzMappings))
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(Config{MaxBody: 64 << 10}, Deps{Store: &memStore{keys: map[string]int64{}}, Mappings: cfg,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.PublicHandler()
	f.Fuzz(func(t *testing.T, body []byte, contentType, source string) {
		req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/hooks/" + source}, Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Host: "example.com"}
		req = req.WithContext(context.Background())
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("X-Leadbridge-Token", "form-token")
		req.Header.Set("Typeform-Signature", typeformSig(body))
		req.Header.Set("Tally-Signature", tallySig(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d for source %q, content type %q: %s", rec.Code, source, contentType, rec.Body.String())
		}
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusGone {
			if len(req.URL.Path) >= 6 && req.URL.Path[:6] == "/hooks" {
				t.Fatalf("a /hooks answer is never 404 or 410: %d for %q", rec.Code, req.URL.Path)
			}
		}
		var a struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Status == "" {
			t.Fatalf("status %d: answer is not a JSON object with a status: %q", rec.Code, rec.Body.String())
		}
		if rec.Body.Len() > 4<<10 {
			t.Fatalf("answer of %d bytes", rec.Body.Len())
		}
	})
}

func readSample(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

// tallySig signs a body as Tally does: base64 of HMAC-SHA256, no prefix.
func tallySig(body []byte) string {
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
