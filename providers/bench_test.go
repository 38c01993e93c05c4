package providers

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// go test ./providers -run='^$' -bench=. -benchmem

func BenchmarkDecodeTypeform(b *testing.B) {
	body := sample(b, "typeform.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(Typeform, "application/json", body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTally(b *testing.B) {
	body := sample(b, "tally.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(Tally, "application/json", body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeJotformMultipart(b *testing.B) {
	body := sample(b, "jotform.multipart")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(Jotform, jotformCT, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyTypeform(b *testing.B) {
	body := sample(b, "typeform.json")
	v := mustVerifier(b, Config{Provider: Typeform, Secrets: []string{testSecret}})
	r := &Request{Method: "POST", Header: hdr("Typeform-Signature", "sha256=fNrpy7U3TorHOy9UX6r7VJufqGdsSZGDf9WSiHEHHhA="), Body: body}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(r, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeTallyWideChoice is a hostile-shaped Tally body (about
// 500 KB): one multi-select with 10,000 options, all selected. Its cost
// must stay linear in the body (options are indexed, not scanned per id).
func BenchmarkDecodeTallyWideChoice(b *testing.B) {
	var body strings.Builder
	body.WriteString(`{"data":{"fields":[{"label":"L","type":"MULTI_SELECT","value":[`)
	const n = 10000
	for i := range n {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `"%08d-0000-4000-8000-000000000000"`, i)
	}
	body.WriteString(`],"options":[`)
	for i := range n {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":"%08d-0000-4000-8000-000000000000","text":"Option %d"}`, n-1-i, i)
	}
	body.WriteString(`]}]}}`)
	raw := []byte(body.String())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(Tally, "application/json", raw); err != nil {
			b.Fatal(err)
		}
	}
}
