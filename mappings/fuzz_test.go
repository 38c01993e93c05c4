package mappings

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// FuzzApply feeds arbitrary payloads and paths to the engine: loading a
// source with the path in every rule position (or rejecting it cleanly)
// and applying it must never panic, and a mapped lead must serialise to
// valid JSON whose values are what the rules produced.
func FuzzApply(f *testing.F) {
	for _, s := range []string{"typeform.json", "tally.json", "calendly.json", "hubspot-subscription.json"} {
		b, err := os.ReadFile("testdata/samples/" + s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, `form_response.answers.#(field.ref=="email").email`)
		f.Add(b, `data.fields.#(label=="ref").value`)
		f.Add(b, `#(propertyName=="email").propertyValue`)
	}
	f.Add([]byte(`{"a":[{"b":"x@y.zz"}],"c":"\u2028"}`), `a.#(b%"x*")#.b`)
	f.Add([]byte(`[1,"2",{"3":4}]`), `@this|@reverse`)
	f.Add([]byte("not json"), `{a,b}`)
	f.Fuzz(func(t *testing.T, payload []byte, path string) {
		if checkPath(path) != nil {
			return
		}
		// Build the source in code rather than through YAML: ten times
		// more executions per second, and FuzzLoad covers the loader.
		pr := func() *Rule { return &Rule{kind: rulePath, path: path, cpath: compilePath(path)} }
		tmpl := &template{literals: []string{"", " x"}, paths: []string{path}, cpaths: []compiledPath{compilePath(path)}}
		src := &Source{
			Dedupe: path,
			When:   []Condition{{Path: path, Op: OpNotEquals, Values: []string{"zz"}}},
			Lead: LeadRules{
				Name:  &Rule{kind: ruleList, list: []*Rule{pr(), {kind: ruleValue, value: "N"}}},
				Email: &Rule{kind: ruleTemplate, tmpl: tmpl},
				Partner: PartnerRules{
					Key: pr(),
					ID:  &Rule{kind: ruleMap, path: path, cpath: compilePath(path), mapping: map[string]string{"a": "b"}, def: "d", hasDefault: true},
				},
				CFields: []CField{{ID: "1", Rule: pr()}},
			},
		}
		doc := string(payload)
		items, _ := src.Explain(payload, doc)
		if len(items) != 1 {
			t.Fatalf("want one item, got %d", len(items))
		}
		it := items[0]
		if it.DedupeKey == "" {
			t.Fatal("empty dedupe key")
		}
		if it.Outcome == Mapped {
			b := it.Lead.AppendJSON(nil)
			if !json.Valid(b) {
				t.Fatalf("invalid JSON body %q", b)
			}
			var back struct{ Name string }
			if err := json.Unmarshal(b, &back); err != nil || (utf8.ValidString(it.Lead.Name) && back.Name != it.Lead.Name) {
				t.Fatalf("body %s does not round-trip name %q: %v", b, it.Lead.Name, err)
			}
			if !ValidEmail(it.Lead.Email) {
				t.Fatalf("mapped an invalid email %q", it.Lead.Email)
			}
		}
		if it.Outcome == Failed && len(it.Problems) == 0 {
			t.Fatal("failed without problems")
		}
		if !reflect.DeepEqual(items, src.Apply(payload, doc)) {
			t.Fatal("Apply and Explain disagree")
		}
		// The cached, indexed evaluation must agree with plain gjson.
		want, err1 := fromResult(gjson.Get(doc, path))
		cp := compilePath(path)
		c := prefixCache{doc: doc}
		for i := 0; i < 3; i++ { // the second query of a key builds the index
			got, err2 := fromResult(c.get(&cp))
			if (err1 == nil) != (err2 == nil) || (err1 == nil && !equalValues(want, got)) {
				t.Fatalf("path %q: cached %#v/%v, gjson %#v/%v", path, got, err2, want, err1)
			}
		}
	})
}

func equalValues(a, b Value) bool {
	if a.IsList != b.IsList || a.Str != b.Str || len(a.List) != len(b.List) {
		return false
	}
	for i := range a.List {
		if a.List[i] != b.List[i] {
			return false
		}
	}
	return true
}

// FuzzLoad feeds arbitrary YAML to the loader: it must return a config or
// a LoadError whose problems all carry a position, never panic.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"../mappings.example.yaml", "testdata/invalid/when_two_ops.yaml", "testdata/invalid/template_unclosed.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Loader{LookupEnv: envMap(exampleEnv)}.Load("f.yaml", data)
		if err == nil {
			if len(cfg.Sources) == 0 {
				t.Fatal("a valid config has sources")
			}
			return
		}
		lerr, ok := err.(*LoadError)
		if !ok {
			t.Fatalf("not a LoadError: %v", err)
		}
		for _, p := range lerr.Problems {
			if p.Line < 1 || p.Col < 1 || p.Message == "" {
				t.Fatalf("problem without position or message: %+v", p)
			}
		}
	})
}
