package providers

import (
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
