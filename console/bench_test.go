package console

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/store"
)

// Benchmarks for the console's two speed promises (issue 14): a page of
// /events lists in under 200 ms with 10,000 stored events (and 500
// captured ones), and the
// playground answers a change in under 100 ms for a 1 MB payload (its
// first run on a source, "stored-cold", also reads and decodes the
// source's 200 newest stored events, the 1 MB one among them).
//
//	go test ./console -run '^$' -bench . -benchtime 20x

// fill stores n Typeform events (one lead each, a mix of statuses) with
// concurrent intakes, which the store group-commits.
func fill(b testing.TB, x *harness, n int) {
	b.Helper()
	payload := sample(b, "typeform.json")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				key := fmt.Sprint("k", i)
				lead := queuedLead(key, fmt.Sprintf("p%d@example.com", i%500))
				if i%7 == 0 {
					lead = failedLead(key)
				}
				_, err := x.store.Ingest(context.Background(), &store.Intake{Source: "typeform", ContentType: "application/json",
					Payload: payload, EventKey: key, Leads: []store.NewLead{lead}})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	require.NoError(b, <-errs)
}

func BenchmarkEvents10k(b *testing.B) {
	x := newHarness(b)
	fill(b, x, 10000)
	// And a capture source's 500 events, waiting for lead rules: the
	// overview counts them per source, the sources page and the
	// playground's capture panel too.
	x.setMappings(captureSourcesYAML)
	payload := sample(b, "typeform.json")
	for i := range 500 {
		x.capture("cap", fmt.Sprint("c", i), payload)
	}
	for _, path := range []string{"/events", "/events?status=failed", "/events?source=typeform", "/events?email=p7%40example.com",
		"/events?status=queued&before=5000", "/", "/events?status=captured", "/sources", "/playground?source=cap"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			for b.Loop() {
				rec := x.get(path)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}

// bigTypeform is a Typeform payload of about size bytes: many answers,
// as a long form would send, and the usual email and hidden ref.
func bigTypeform(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"event_id":"big","event_type":"form_response","form_response":{"hidden":{"ref":"ref_big"},"definition":{"fields":[]},"answers":[`)
	b.WriteString(`{"type":"text","text":"Alice","field":{"id":"f1","type":"short_text","ref":"first_name"}},`)
	b.WriteString(`{"type":"email","email":"big@example.com","field":{"id":"f2","type":"email","ref":"email"}}`)
	for i := 0; b.Len() < size-200; i++ {
		fmt.Fprintf(&b, `,{"type":"text","text":"%s","field":{"id":"q%d","type":"long_text","ref":"q_%d"}}`, strings.Repeat("lorem ipsum ", 10), i, i)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// playForm is the multipart body the page's script posts.
func playForm(b testing.TB, fields map[string]string) (*bytes.Buffer, string) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(b, w.WriteField(k, v))
	}
	require.NoError(b, w.Close())
	return &body, w.FormDataContentType()
}

func BenchmarkPlayground1MB(b *testing.B) {
	x := newHarness(b)
	fill(b, x, 199)
	big := bigTypeform(1 << 20)
	require.GreaterOrEqual(b, len(big), 1000*1000)
	id := x.ingest("typeform", "big", big, queuedLead("big", "big@example.com"))
	yaml := strings.Replace(typeformYAML, "name: answers.first_name", "name: {template: '{{answers.first_name}} {{answers.q_7}}'}", 1)
	stored := map[string]string{"event": fmt.Sprint(id), "yaml": yaml, "partial": "1"}
	for _, v := range []struct {
		name   string
		fields map[string]string
		cold   bool // the source's stored events are read and decoded again
	}{
		{"pasted", map[string]string{"payload": string(big), "yaml": yaml, "partial": "1"}, false},
		{"stored", stored, false},
		{"stored-cold", stored, true},
	} {
		fields := v.fields
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(len(big)))
			for b.Loop() {
				if v.cold {
					x.clock.Add(historyTTL)
				}
				body, ct := playForm(b, fields)
				req := httptest.NewRequest(http.MethodPost, "/playground", body)
				req.Header.Set("Content-Type", ct)
				req.Header.Set("Authorization", "Bearer "+testToken)
				rec := httptest.NewRecorder()
				x.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "big@example.com") ||
					!strings.Contains(rec.Body.String(), "<strong>1</strong> of the newest 200 stored events") {
					b.Fatalf("%d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
