package mappings

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiagnose(t *testing.T) {
	typeform, err := os.ReadFile("testdata/samples/typeform.json")
	require.NoError(t, err)
	tf := string(typeform)
	tests := []struct {
		name, doc, path, want string
	}{
		{"typo in query value", tf, `form_response.answers.#(field.ref=="compnay_size").choice.label`,
			`no element of form_response.answers has field.ref == "compnay_size"; field.ref values there: first_name ("What's your first name?"), last_name ("And your last name?"), email ("Your work email?"), phone ("Phone number"), company_size ("Company size"), interests ("What are you interested in?"), monthly_budget ("Monthly budget (EUR)"), marketing_consent ("May we email you?"), start_date ("When do you want to start?"), website ("Company website") (did you mean "company_size" ("Company size")?)`},
		{"typo in key", tf, `form_response.hiden.ref`,
			`form_response has no key "hiden"; keys there: form_id, token, landed_at, submitted_at, hidden, calculated, variables, definition, answers, ending (did you mean "hidden"?)`},
		{"missing leaf", tf, `form_response.hidden.aff`,
			`form_response.hidden has no key "aff"; keys there: ref, utm_source, utm_medium`},
		{"first component", tf, `event`,
			`the payload has no key "event"; keys there: event_id, event_type, form_response`},
		{"queried key absent", tf, `form_response.answers.#(label=="x").text`,
			`no element of form_response.answers (10 elements) has label; element keys: type, text, field, email, phone_number, choice, choices, number, boolean, date, url`},
		{"index out of range", tf, `form_response.variables.5.text`,
			`form_response.variables has 2 elements (indexes 0 to 1)`},
		{"key on a list", tf, `form_response.answers.email`,
			`form_response.answers is a list of 10 elements, not an object; use an index (.0), a query #(key=="value") or #.email for all`},
		{"key on a scalar", tf, `event_type.name`,
			`event_type is the value "form_response", which has no key "name"`},
		{"query then missing field", tf, `form_response.answers.#(field.ref=="email").text`,
			`form_response.answers.#(field.ref=="email") has no key "text"; keys there: type, email, field`},
		{"wildcards not explained", tf, `form_*.x`,
			`the payload has nothing at that path (wildcards, modifiers and multipaths are not explained further)`},
		{"escaped key", `{"a.b":{"c":1}}`, `a\.b.d`, `a\.b has no key "d"; keys there: c`},
		{"all-matches query", `{"l":[{"k":"x"}]}`, `l.#(k=="y")#`, `no element of l has k == "y"; k values there: x`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, diagnose(tc.doc, tc.path))
		})
	}
}

// TestExplainNamesTheRefs is the scenario of a typo'd Typeform ref in a
// required rule: Explain must say which path it tried and offer the refs.
func TestExplainNamesTheRefs(t *testing.T) {
	raw, err := os.ReadFile("testdata/samples/typeform.json")
	require.NoError(t, err)
	s := srcWith(t, "", `      name: form_response.answers.#(field.ref=="frist_name").text
      email: form_response.answers.#(type=="email").email
      partner: {key: [form_response.hidden.aff, form_response.hidden.ref]}
`)
	items, notes := s.Explain(raw, string(raw))
	require.Equal(t, Failed, items[0].Outcome)
	require.Equal(t, []Failure{{Field: "name", Message: `no value: path "form_response.answers.#(field.ref==\"frist_name\").text" yielded nothing`}}, items[0].Problems)
	require.Equal(t, []Note{
		{Field: "name", Message: `path "form_response.answers.#(field.ref==\"frist_name\").text" matched nothing: no element of form_response.answers has field.ref == "frist_name"; field.ref values there: first_name ("What's your first name?"), last_name ("And your last name?"), email ("Your work email?"), phone ("Phone number"), company_size ("Company size"), interests ("What are you interested in?"), monthly_budget ("Monthly budget (EUR)"), marketing_consent ("May we email you?"), start_date ("When do you want to start?"), website ("Company website") (did you mean "first_name" ("What's your first name?")?)`},
		{Field: "partner.key", Message: `path "form_response.hidden.aff" matched nothing: form_response.hidden has no key "aff"; keys there: ref, utm_source, utm_medium`, MissingKey: true},
	}, notes)
	// Apply (the hot path) collects no notes and gives the same items.
	require.Equal(t, items, s.Apply(raw, string(raw)))
}

func TestEmptyMessage(t *testing.T) {
	doc := `{"n":null,"e":"","l":[],"q":[{"k":"a"}]}`
	s := srcWith(t, "", "      name: n\n      email: e\n      partner: {key: l, id: 'q.#(k==\"b\")#', email: '@this.x'}\n")
	_, notes := s.Explain([]byte(doc), doc)
	require.Equal(t, []Note{
		{Field: "name", Message: `path "n" matched null`},
		{Field: "email", Message: `path "e" matched an empty value`},
		{Field: "partner.key", Message: `path "l" matched an empty list`},
		{Field: "partner.id", Message: `path "q.#(k==\"b\")#" matched an empty list: no element of q has k == "b"; k values there: a`},
		{Field: "partner.email", Message: `path "@this.x" matched nothing: the payload has nothing at that path (wildcards, modifiers and multipaths are not explained further)`},
	}, notes)
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "abc", 0}, {"emial", "email", 1}, {"compnay", "company", 1}, {"kitten", "sitting", 3}, {"a", "", 1}, {"ab", "ba", 1}} {
		require.Equal(t, tc.d, editDistance(tc.a, tc.b), "%s/%s", tc.a, tc.b)
	}
	require.Equal(t, "email", closest("emial", []string{"first_name", "email", "phone"}))
	require.Equal(t, "", closest("zzzzzz", []string{"email"}))
	require.Equal(t, "Email", closest("email", []string{"Email"}), "case differences are suggested")
}

func TestMissingKey(t *testing.T) {
	doc := `{"form_response":{"hidden":{"ref":"r"},"answers":[{"field":{"ref":"a"}}]},"v":"x"}`
	for path, want := range map[string]bool{
		"form_response.hidden.reff": true,  // an object lacks the key
		"form_response.hiden.ref":   true,  // one level up
		"nope":                      true,  // the root lacks it
		"form_response.hidden.ref":  false, // matched
		`form_response.answers.#(field.ref=="b").field`: false, // a query found no element
		"form_response.answers.5":                       false, // an index past the end
		"v.x":                                           false, // through a value
	} {
		require.Equal(t, want, missingKey(doc, path), path)
	}
}
