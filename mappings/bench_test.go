package mappings

import (
	"os"
	"testing"

	"github.com/leadbridge/leadbridge/providers"
)

// rawTypeform is the Typeform source written with raw gjson paths only:
// the queries into form_response.answers that the view saves users from.
const rawTypeform = `sources:
  s:
    provider: typeform
    secret: x
    when: [{path: event_type, equals: form_response}]
    dedupe: event_id
    lead:
      name:
        template: '{{form_response.answers.#(field.ref=="first_name").text}} {{form_response.answers.#(field.ref=="last_name").text}}'
      email: form_response.answers.#(type=="email").email
      partner:
        key: [form_response.hidden.ref, form_response.hidden.aff]
      cfields:
        "89": form_response.answers.#(field.ref=="company_size").choice.label
        "90": form_response.answers.#(field.ref=="monthly_budget").number
        "91": form_response.answers.#(field.ref=="interests").choices.labels
        "92":
          path: form_response.answers.#(field.ref=="company_size").choice.label
          map: {"1-10": radio1, "11-50": radio2, "51+": radio2}
          default: radio1
`

// BenchmarkApplyTypeform maps the Typeform sample (6 KB) to a Partnero
// body, serialisation included: the mapping work of the webhook handler.
//   - view: the example's typeform-demo source on the decoded document
//     with the answers.<ref> view (decoding is benchmarked in providers);
//   - raw: the same rules as raw gjson queries on the raw payload.
func BenchmarkApplyTypeform(b *testing.B) {
	raw, err := os.ReadFile("testdata/samples/typeform.json")
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := Loader{LookupEnv: envMap(exampleEnv)}.LoadFile("../mappings.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	view, err := providers.Decode("typeform", "application/json", raw)
	if err != nil {
		b.Fatal(err)
	}
	rawCfg, err := Loader{}.Load("raw.yaml", []byte(rawTypeform))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		src  *Source
		doc  string
	}{
		{"view", cfg.Sources["typeform-demo"], string(view)},
		{"raw", rawCfg.Sources["s"], string(raw)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 512)
			b.ReportAllocs()
			for b.Loop() {
				items := bc.src.Apply(raw, bc.doc)
				if items[0].Outcome != Mapped {
					b.Fatal(items[0].Problems)
				}
				buf = items[0].Lead.AppendJSON(buf[:0])
			}
		})
	}
}
