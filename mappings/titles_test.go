package mappings

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/providers"
)

// uuid is the ref of a question of testdata/typeform-uuid-refs.json, a
// Typeform form whose refs were generated (as Typeform does).
func uuid(n string) string { return "0c1f7f0e-5a5e-4d8f-9b1e-2f3a4b5c6d" + n }

// TestTitleHints is the scenario of issue 14: with generated refs, a
// guess such as answers.company lists the refs with their questions and
// points at the one titled "Company".
func TestTitleHints(t *testing.T) {
	raw, err := os.ReadFile("testdata/typeform-uuid-refs.json")
	require.NoError(t, err)
	decoded, err := providers.Decode("typeform", "application/json", raw)
	require.NoError(t, err)
	doc := string(decoded)
	tests := []struct {
		name, path string
		contains   []string
	}{
		{"view key by the question's words", "answers.company", []string{
			`answers has no key "company"; keys there: ` + uuid("01") + ` ("What's your first name?"), ` + uuid("02") + ` ("And your last name?")`,
			uuid("11") + ` ("Company")`,
			`(did you mean "` + uuid("11") + `" ("Company")?)`}},
		{"title slug", "answers.company_size", []string{`(did you mean "` + uuid("05") + `" ("Company size")?)`}},
		{"camel case and a typo", "answers.montlyBudget", []string{`(did you mean "` + uuid("07") + `" ("Monthly budget (EUR)")?)`}},
		{"one title holds the word", "answers.interested", []string{`(did you mean "` + uuid("06") + `" ("What are you interested in?")?)`}},
		{"query by ref", `form_response.answers.#(field.ref=="company").text`, []string{
			`field.ref values there: ` + uuid("01") + ` ("What's your first name?")`,
			`(did you mean "` + uuid("11") + `" ("Company")?)`}},
		{"query by id", `form_response.answers.#(field.id=="Company").text`, []string{
			`field.id values there: Fn1aB2cD3eF4 ("What's your first name?")`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := diagnose(doc, tc.path)
			for _, c := range tc.contains {
				require.Contains(t, got, c)
			}
		})
	}

	// Several titles hold the word and none is it: no guess (a wrong one
	// would cost more than none), but the list names them all.
	got := diagnose(doc, "answers.website_url")
	require.NotContains(t, got, "did you mean")
	require.Contains(t, got, uuid("10")+` ("Company website")`)

	// Elsewhere keys are listed as they are.
	got = diagnose(doc, "form_response.hidden.company")
	require.Equal(t, `form_response.hidden has no key "company"; keys there: ref, utm_source, utm_medium`, got)
}

// Through Explain, as try prints it.
func TestExplainWithTitles(t *testing.T) {
	raw, err := os.ReadFile("testdata/typeform-uuid-refs.json")
	require.NoError(t, err)
	decoded, err := providers.Decode("typeform", "application/json", raw)
	require.NoError(t, err)
	s := srcWith(t, "", `      name: answers.full_name
      email: answers.email
      partner: {key: form_response.hidden.ref}
      cfields: {"89": answers.company}
`)
	_, notes := s.Explain(raw, string(decoded))
	var text []string
	for _, n := range notes {
		text = append(text, n.Field+": "+n.Message)
	}
	all := strings.Join(text, "\n")
	require.Contains(t, all, `email: path "answers.email" matched nothing: answers has no key "email"`)
	require.Contains(t, all, uuid("03")+` ("Your work email?")`)
	require.NotContains(t, strings.Split(all, "\n")[1], "did you mean", `two questions say "email": no guess`)
	require.Contains(t, all, `cfields.89: path "answers.company" matched nothing`)
	require.Contains(t, all, `(did you mean "`+uuid("11")+`" ("Company")?)`)
}

func TestQuestionTitlesGuess(t *testing.T) {
	titles := questionTitles{"a": "Company", "b": "Company size", "c": "Work email", "d": "Your work email?"}
	refs := []string{"a", "b", "c", "d"}
	for want, ref := range map[string]string{"company": "a", "Company_Size": "b", "size": "b", "email": "", "compnay": "a", "x": "", "": ""} {
		require.Equal(t, ref, titles.guess(want, refs), want)
	}
	require.Equal(t, "", questionTitles(nil).guess("company", refs))
	require.Equal(t, []string{"a", "b"}, questionTitles(nil).list([]string{"a", "b"}))
}
