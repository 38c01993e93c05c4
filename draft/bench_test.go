package draft

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkDraft drafts the Typeform sample, and a 1 MB generic payload
// (a form with thousands of answers: the field bounds keep it linear).
func BenchmarkDraft(b *testing.B) {
	typeform, err := os.ReadFile(filepath.Join(samplesDir, "typeform.json"))
	if err != nil {
		b.Fatal(err)
	}
	var big strings.Builder
	big.WriteString(`{"email":"alice.brown@example.com","name":"Alice Brown","ref":"ref_123","answers":{`)
	for i := 0; big.Len() < 1<<20; i++ {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `"question %d":"an answer of some length, as a comment box holds %d"`, i, i)
	}
	big.WriteString("}}")
	for _, bc := range []struct {
		name    string
		payload []byte
	}{{"typeform", typeform}, {"generic-1MB", []byte(big.String())}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.payload)))
			for b.Loop() {
				if _, err := Source(Input{SourceName: "s", ContentType: "application/json", Payload: bc.payload}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
