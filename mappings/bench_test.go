package mappings

import (
	"os"
	"testing"
)

// BenchmarkApplyTypeform maps the Typeform sample with the example's
// typeform-demo source (7 query paths, a template, a map rule): the work
// the webhook handler does per event, body serialisation included.
func BenchmarkApplyTypeform(b *testing.B) {
	cfg, err := Loader{LookupEnv: envMap(exampleEnv)}.LoadFile("../mappings.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	src := cfg.Sources["typeform-demo"]
	raw, err := os.ReadFile("testdata/samples/typeform.json")
	if err != nil {
		b.Fatal(err)
	}
	doc := string(raw)
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		items := src.Apply(raw, doc)
		if items[0].Outcome != Mapped {
			b.Fatal(items[0].Problems)
		}
		buf = items[0].Lead.AppendJSON(buf[:0])
	}
}
