package mappings

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/leadbridge/leadbridge/providers"
)

// keyDoc returns {"k":{key:1}}.
func keyDoc(t testing.TB, key string) string {
	b, err := json.Marshal(map[string]map[string]int{"k": {key: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEscapeKey(t *testing.T) {
	cases := map[string]string{
		"email":                 "email",
		"First name":            "First name",
		"Payment (price)":       `Payment \(price\)`,
		"Checkboxes (Swimming)": `Checkboxes \(Swimming\)`,
		"[readable_ref":         `\[readable_ref`,
		"No. of employees":      `No\. of employees`,
		"Yes|No":                `Yes\|No`,
		"a{b}":                  `a\{b\}`,
		"What's up?":            `What's up\?`,
		"5*":                    `5\*`,
		`back\slash`:            `back\\slash`,
		"# of seats":            `\# of seats`,
		"seat #2":               "seat #2",
		"@handle":               `\@handle`,
		"me@example":            "me@example",
		"!important":            `\!important`,
		"k=v, x:y":              "k=v, x:y",
		"Größe":                 "Größe",
	}
	for key, want := range cases {
		require.Equal(t, want, escapeKey(key), key)
		// The escaped key reads the key back, and only it.
		require.Equal(t, "1", gjson.Get(keyDoc(t, key), "k."+escapeKey(key)).Raw, key)
		require.NoError(t, checkPath("k."+escapeKey(key)), key)
	}
}

// FuzzEscapeKey: for any key, "k." + escapeKey(key) is a path that parses
// and reads that key.
func FuzzEscapeKey(f *testing.F) {
	for _, s := range []string{"Payment (price)", "[x", "a.b|c", `\`, "#", "@this", "!true", "a*?b", "{a,b}", "#(a==1)", "..", "a\\.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if key == "" || !utf8.ValidString(key) {
			return
		}
		p := "k." + escapeKey(key)
		if err := checkPath(p); err != nil {
			t.Fatalf("escaped path %q of key %q does not parse: %v", p, key, err)
		}
		if got := gjson.Get(keyDoc(t, key), p); got.Raw != "1" {
			t.Fatalf("escaped path %q of key %q reads %q", p, key, got.Raw)
		}
	})
}

func TestCheckPathEscapedGuess(t *testing.T) {
	cases := []struct{ path, want string }{
		{"fields.Payment (price)", "fields.Payment \\(price\\)"},
		{"fields.Checkboxes Swimming)", ""}, // a stray ")": more likely a typo
		{"answers.email)", ""},
		{"answers.[readable_ref_long_text", "answers.\\[readable_ref_long_text"},
		{"fields.Name [first]", "fields.Name \\[first\\]"},
		{"fields.@handle", ""}, // an unknown modifier is more often a misspelt one
		{"a{b", ""},            // no bracket pair: the syntax error is enough
		{`fields.Payment \(price)`, "fields.Payment \\(price\\)"},
		{`answers.#(field.ref=="x").Payment (price)`, `answers.#(field.ref=="x").Payment \(price\)`},
		{`{{fields.x}`, ""},              // a broken multipath: no key to escape
		{`answers.#(field.ref=="x"`, ""}, // a broken query stays a query
		{`answers[0]`, ""},               // an index: the syntax error says .0
		{`a\`, ""},                       // a lone backslash
		{`answers.#(a=="b").x(y)).z`, "answers.#(a==\"b\").x\\(y\\)\\).z"},
	}
	for _, c := range cases {
		err := checkPath(c.path)
		require.Error(t, err, c.path)
		guess, ok := escapedPathGuess(c.path)
		if c.want == "" {
			require.False(t, ok, "%s: unexpected guess %s", c.path, guess)
			require.NotContains(t, err.Error(), "did you mean", c.path)
			continue
		}
		require.True(t, ok, c.path)
		require.Equal(t, c.want, guess, c.path)
		require.NoError(t, checkPath(guess), c.path)
		require.True(t, strings.HasSuffix(err.Error(), "; did you mean `"+c.want+"`?"), "%s: %v", c.path, err)
	}
}

// TestLoadErrorGivesEscapedPath is the scenario of the issue: check says
// where, why, and how to write the Tally label.
func TestLoadErrorGivesEscapedPath(t *testing.T) {
	y := "sources:\n  t:\n    provider: tally\n    insecure: true\n    lead:\n      name: fields.Text\n      email: fields.Email\n" +
		"      partner: {key: fields.ref}\n      cfields:\n        \"89\": fields.Payment (price)\n        \"90\": {template: '{{fields.Checkboxes (Swimming)}}'}\n"
	_, err := Loader{}.Load("tally.yaml", []byte(y))
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, "tally.yaml:10:")
	require.Contains(t, msg, "did you mean `fields.Payment \\(price\\)`?")
	require.Contains(t, msg, "tally.yaml:11:")
	require.Contains(t, msg, "did you mean `fields.Checkboxes \\(Swimming\\)`?")
}

func TestEscapeHint(t *testing.T) {
	doc := `{"fields":{"No. of employees":5,"Yes|No":"y","a":{"b.c":[{"d (e)":1}]},"Payment (price)":9},"list":[{"k":"v","x.y":2}],"e":{"":1}}`
	cases := []struct{ path, want string }{
		{"fields.No. of employees", "fields has the key \"No. of employees\", which a path writes escaped (did you mean `fields.No\\. of employees`?)"},
		{"fields.Yes|No", "fields has the key \"Yes|No\", which a path writes escaped (did you mean `fields.Yes\\|No`?)"},
		{"fields.a.b.c.0.d (e)", "fields.a has the key \"b.c\", which a path writes escaped (did you mean `fields.a.b\\.c.0.d \\(e\\)`?)"},
		{`list.#(k=="v").x.y`, "list.#(k==\"v\") has the key \"x.y\", which a path writes escaped (did you mean `list.#(k==\"v\").x\\.y`?)"},
		{`fields.No\. of employees.more`, ""}, // matched a scalar, then nothing
		{"fields.Nope", ""},
		{"fields.No. of employee", ""}, // not a key read literally: the typo hint applies
		{"fields.No. of employees.", ""},
		{"e..x", ""},
		{`list.#(k=="v")#.x.y`, ""}, // all-matches queries are not followed
	}
	for _, c := range cases {
		got, ok := escapeHint(doc, c.path)
		if c.want == "" {
			require.False(t, ok, "%s: %s", c.path, got)
			continue
		}
		require.True(t, ok, c.path)
		require.Equal(t, c.want, got, c.path)
		require.Equal(t, c.want, diagnose(doc, c.path), "diagnose leads with the hint")
	}
}

// TestDidYouMeanEscaped: a typo in a key with punctuation gets the escaped
// path of the nearest key, not just its name.
func TestDidYouMeanEscaped(t *testing.T) {
	raw, err := os.ReadFile("testdata/samples/tally-example.json")
	require.NoError(t, err)
	doc, err := providers.Decode("tally", "application/json", raw)
	require.NoError(t, err)
	msg := diagnose(string(doc), `fields.Payment \(prize\)`)
	require.True(t, strings.HasPrefix(msg, `fields has no key "Payment (prize)"; keys there: ref, utm_campaign,`), msg)
	require.True(t, strings.HasSuffix(msg, " (did you mean \"Payment (price)\", written `fields.Payment \\(price\\)`?)"), msg)
	// At the root, the path is the key alone; plain keys keep the old form.
	require.Equal(t, " (did you mean \"a (b)\", written `a \\(b\\)`?)", didYouMeanKey("the payload", "a (b)"))
	require.Equal(t, " (did you mean \"hidden\"?)", didYouMeanKey("form_response", "hidden"))
}

// TestExplainGivesEscapedPath: the note `leadbridge try` prints for a
// Tally label with a dot that the mapping did not escape.
func TestExplainGivesEscapedPath(t *testing.T) {
	doc := `{"fields":{"Name":"Alice","Email":"a@example.com","ref":"r","No. of employees":12}}`
	s := srcWith(t, "", "      name: fields.Name\n      email: fields.Email\n      partner: {key: fields.ref}\n      cfields: {\"89\": fields.No. of employees}\n")
	items, notes := s.Explain([]byte(doc), doc)
	require.Equal(t, Mapped, items[0].Outcome)
	require.Equal(t, []Note{{Field: "cfields.89", Message: "path \"fields.No. of employees\" matched nothing: " +
		"fields has the key \"No. of employees\", which a path writes escaped (did you mean `fields.No\\. of employees`?)", MissingKey: true}}, notes)
}

// FuzzEscapeHint: on any document and path the search ends, and a hint it
// gives names a path that exists in the document.
func FuzzEscapeHint(f *testing.F) {
	f.Add(`{"fields":{"No. of employees":5}}`, "fields.No. of employees")
	f.Add(`{"a":{"a.a":{"a.a.a":1}},"a.a":{"a":2}}`, "a.a.a.a.a")
	f.Add(`[{"k":"v","x.y":2}]`, `#(k=="v").x.y`)
	f.Add(`{"\\":{"(":1}}`, `\.(`)
	f.Fuzz(func(t *testing.T, doc, path string) {
		hint, ok := escapeHint(doc, path)
		if !ok {
			return
		}
		i := strings.Index(hint, "(did you mean `")
		if i < 0 || !strings.HasSuffix(hint, "`?)") {
			t.Fatalf("hint without a path: %q", hint)
		}
		p := hint[i+len("(did you mean `") : len(hint)-len("`?)")]
		if p == path || !gjson.Get(doc, p).Exists() {
			t.Fatalf("hint %q for %q on %q names a path that does not exist", hint, path, doc)
		}
	})
}
