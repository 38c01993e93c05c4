package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

// onlineMappings exercises every check --online finding against the form
// of partnero-api.md §4.1 (partnerotest.DefaultForm). Line numbers matter:
// the expected messages below point at them.
const onlineMappings = `sources:
  good:
    provider: generic
    token: t
    lead:
      name: n
      email: e
      partner: {key: k}
      cfields:
        "89": company
        "90": {template: '{{a}} {{b}}'}
        "92": {path: size, map: {"1-10": radio1, "11+": radio2}, default: radio1}
        "94": [country, {value: US}]
  bad:
    provider: generic
    token: t
    lead:
      name: n
      email: e
      partner: {key: k}
      cfields:
        "99": x
        "88": y
        "91": {value: chbx1}
        "92": {value: Radio1}
        "93": {path: s, map: {Small: select1, Big: select9}}
  other:
    provider: generic
    token: t
    partnero:
      api_key: ${OTHER_KEY}
    lead:
      name: n
      email: e
      partner: {key: k}
      cfields:
        "89": c
        "91": {template: '{{a}}'}
        "92": {path: p, map: {A: radio1}, default: radio3}
        "93": [sel, {value: select4}]
        "91x": nope
`

// writeOnline writes content to a temp file and returns its path.
func writeOnline(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "m.yaml")
	require.NoError(t, writeFile(f, content))
	return f
}

func TestCheckOnlineFindings(t *testing.T) {
	t.Parallel()
	m := writeOnline(t, strings.Replace(onlineMappings, "        \"91x\": nope\n", "", 1))
	fake, env := fakePartnero(t, partnerotest.WithAPIKey(partnerotest.DefaultAPIKey, otherProgramKey),
		partnerotest.WithForm(partnerotest.DefaultForm()))
	env["OTHER_KEY"] = otherProgramKey

	r := run(t, env, "", "check", "--online", "--mappings", m)
	require.Equal(t, 1, r.code, "errors fail the check")
	// "good" fits the form: no finding. Each other line is one kind of finding.
	require.Equal(t, strings.Join([]string{
		m + `:14:3: warning: source "bad": lead.cfields: required field 89 "Input custom field" (input) is filled by no rule: Partnero may reject these leads; add "89" under cfields`,
		m + `:22:9: error: source "bad": lead.cfields.99: no field 99 on the program's lead form (its fields: 89, 90, 91, 92, 93, 94; ` + "`leadbridge fields`" + ` lists them)`,
		m + `:23:9: error: source "bad": lead.cfields.88: field 88 is a text block ("Text custom field"), not a field Partnero fills: remove it`,
		m + `:24:9: warning: source "bad": lead.cfields.91: checkbox field 91 "Custom field chbx" takes a list, but {value: "chbx1"} is a single value; give the path of a list`,
		m + `:25:9: warning: source "bad": lead.cfields.92: {value: "Radio1"} is not an option of radio field 92 "Radio" (options: radio1, radio2); did you mean "radio1"?`,
		m + `:26:9: warning: source "bad": lead.cfields.93: map: "Big" -> "select9", which is not an option of select field 93 "Select input" (options: select1, select2, select3)`,
		m + `:26:9: note: source "bad": lead.cfields.93: values of s that map does not list pass through unchanged and may not be options of select field 93 "Select input" (select1, select2, select3); a default: catches them`,
		m + `:38:9: warning: source "other": lead.cfields.91: checkbox field 91 "Custom field chbx" takes a list, but a {template} always gives a single value; give the path of a list`,
		m + `:38:9: warning: source "other": lead.cfields.91: a {template} gives free text, which is rarely one of the options of checkbox field 91 "Custom field chbx" (chbx1, chbx2, chbx3); translate with {path: ..., map: {<label>: <option>}}`,
		m + `:39:9: warning: source "other": lead.cfields.92: default: "radio3" is not an option of radio field 92 "Radio" (options: radio1, radio2)`,
		m + `:40:9: warning: source "other": lead.cfields.93: fallback 2: {value: "select4"} is not an option of select field 93 "Select input" (options: select1, select2, select3)`,
		m + `:40:9: note: source "other": lead.cfields.93: path "sel" feeds select field 93 "Select input": only a payload shows which values it gives (run ` + "`leadbridge try`" + `); options: select1, select2, select3; {path: ..., map: {<label>: <option>}} translates labels`,
		`online: 3 of 3 sources checked against 2 lead forms: 2 errors, 8 warnings, 2 notes`,
		``,
	}, "\n"), r.err)
	require.Empty(t, r.out, "no OK before errors and an exit 1")

	// One fetch per key, each with its own key; the source's own key is not the default.
	var keys []string
	for _, req := range fake.Requests() {
		require.Equal(t, "/v1/leads/details", req.Path)
		keys = append(keys, req.APIKey)
	}
	require.Equal(t, []string{partnerotest.DefaultAPIKey, otherProgramKey}, keys, "sources in name order: bad, good, other")
}

func TestCheckOnlineWarningsOnly(t *testing.T) {
	t.Parallel()
	// The "other" source alone: warnings and notes, no error: exit 0.
	src := onlineMappings[strings.Index(onlineMappings, "  other:"):]
	m := writeOnline(t, "sources:\n"+strings.Replace(src, "        \"91x\": nope\n", "", 1))
	_, env := fakePartnero(t, partnerotest.WithAPIKey(otherProgramKey), partnerotest.WithForm(partnerotest.DefaultForm()))
	delete(env, "PARTNERO_API_KEY") // the source's own key is enough
	env["OTHER_KEY"] = otherProgramKey
	r := run(t, env, "", "check", "--mappings", m, "--online")
	require.Equal(t, 0, r.code, r.err)
	require.Equal(t, 4, strings.Count(r.err, ": warning: "), r.err)
	require.Equal(t, 1, strings.Count(r.err, ": note: "), r.err)
	require.NotContains(t, r.err, ": error: ")
	require.Equal(t, m+": OK, 1 source (other)\nonline: 1 of 1 source checked against 1 lead form: 0 errors, 4 warnings, 1 note\n", r.out)
}

func TestCheckOnlineExample(t *testing.T) {
	t.Parallel()
	// The example file fits the §4.1 form: only the note about a path
	// feeding the checkbox field.
	_, env := fakePartnero(t, partnerotest.WithForm(partnerotest.DefaultForm()))
	for k, v := range exampleEnv {
		env[k] = v
	}
	r := run(t, env, "", "check", "--online", "--mappings", "../mappings.example.yaml")
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, "online: 8 of 8 sources checked against 1 lead form: 0 errors, 0 warnings, 1 note\n")
	require.True(t, strings.HasPrefix(r.err, `../mappings.example.yaml:44:9: note: source "typeform-demo": lead.cfields.91: path "answers.interests" feeds checkbox field 91`), r.err)
}

func TestCheckOnlineKeysAndFailures(t *testing.T) {
	t.Parallel()
	const wrongKey = "wrong-key-0f1e2d3c4b5a"
	two := `sources:
  mine:
    provider: generic
    token: t
    partnero:
      api_key: ${OTHER_KEY}
    lead: {name: n, email: e, partner: {key: k}, cfields: {"89": a}}
  default:
    provider: generic
    token: t
    lead: {name: n, email: e, partner: {key: k}, cfields: {"89": a}}
`
	t.Run("no key at all is usage", func(t *testing.T) {
		t.Parallel()
		m := writeOnline(t, strings.Replace(two, "    partnero:\n      api_key: ${OTHER_KEY}\n", "", 1))
		fake, env := fakePartnero(t)
		delete(env, "PARTNERO_API_KEY")
		r := run(t, env, "", "check", "--online", "--mappings", m)
		require.Equal(t, 2, r.code)
		require.Contains(t, r.err, "--online needs PARTNERO_API_KEY (or partnero.api_key on a source)")
		require.Empty(t, fake.Requests())
	})
	t.Run("a source without a key is not checked", func(t *testing.T) {
		t.Parallel()
		m := writeOnline(t, two)
		_, env := fakePartnero(t, partnerotest.WithAPIKey(otherProgramKey), partnerotest.WithForm(partnerotest.DefaultForm()))
		delete(env, "PARTNERO_API_KEY")
		env["OTHER_KEY"] = otherProgramKey
		r := run(t, env, "", "check", "--online", "--mappings", m)
		require.Equal(t, 0, r.code, r.err)
		require.Equal(t, m+`:8:3: warning: source "default": not checked online: no Partnero API key (PARTNERO_API_KEY is not set and the source has no partnero.api_key)`+"\n", r.err)
		require.Contains(t, r.out, "online: 1 of 2 sources checked against 1 lead form: 0 errors, 1 warning, 0 notes\n")
	})
	t.Run("a rejected key fails its sources only", func(t *testing.T) {
		t.Parallel()
		m := writeOnline(t, two)
		fake, env := fakePartnero(t, partnerotest.WithForm(partnerotest.DefaultForm()))
		env["OTHER_KEY"] = wrongKey
		r := run(t, env, "", "check", "--online", "--mappings", m)
		require.Equal(t, 1, r.code)
		require.Equal(t, m+`:2:3: error: source "mine": cannot fetch the lead form: partnero: status 401: Unauthenticated. (Partnero rejected the key from partnero.api_key)`+"\n"+
			"online: 1 of 2 sources checked against 2 lead forms: 1 error, 0 warnings, 0 notes\n", r.err)
		require.NotContains(t, r.err+r.out, wrongKey)
		require.Len(t, fake.Requests(), 2)
	})
	t.Run("one fetch per key", func(t *testing.T) {
		t.Parallel()
		m := writeOnline(t, strings.Replace(two, "${OTHER_KEY}", "${SAME_KEY}", 1))
		fake, env := fakePartnero(t, partnerotest.WithForm(partnerotest.DefaultForm()))
		env["SAME_KEY"] = partnerotest.DefaultAPIKey
		r := run(t, env, "", "check", "--online", "--mappings", m)
		require.Equal(t, 0, r.code, r.err)
		require.Len(t, fake.Requests(), 1)
		require.Contains(t, r.out, "online: 2 of 2 sources checked against 1 lead form:")
	})
	t.Run("Partnero down", func(t *testing.T) {
		t.Parallel()
		m := writeOnline(t, strings.Replace(two, "    partnero:\n      api_key: ${OTHER_KEY}\n", "", 1))
		fake, env := fakePartnero(t)
		fake.SetDown(true)
		r := run(t, env, "", "check", "--online", "--mappings", m)
		require.Equal(t, 1, r.code)
		require.Equal(t, 2, strings.Count(r.err, "cannot fetch the lead form: partnero: status 503: Service Unavailable"), r.err)
		require.Len(t, fake.Requests(), 1, "the failure is remembered per key too")
	})
	t.Run("leads disabled", func(t *testing.T) {
		t.Parallel()
		m := writeOnline(t, strings.Replace(two, "    partnero:\n      api_key: ${OTHER_KEY}\n", "", 1))
		form := partnerotest.DefaultForm()
		form.LeadsEnabled = false
		_, env := fakePartnero(t, partnerotest.WithForm(form))
		r := run(t, env, "", "check", "--online", "--mappings", m)
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.err, m+`:2:3: warning: source "mine": the Partnero program does not accept leads (leads_enabled is false)`)
	})
	t.Run("an invalid file is not checked online", func(t *testing.T) {
		t.Parallel()
		m := writeOnline(t, onlineMappings) // "91x" is not a field id
		fake, env := fakePartnero(t)
		env["OTHER_KEY"] = otherProgramKey
		r := run(t, env, "", "check", "--online", "--mappings", m)
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, `"91x" is not a Partnero custom field id`)
		require.Empty(t, fake.Requests())
	})
}
