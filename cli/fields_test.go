package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero/partnerotest"
)

// otherProgramKey is a second program's key: sources with partnero.api_key use it.
const otherProgramKey = "other-program-key-0123456789"

// fakePartnero starts the fake with opts and returns it with an environment
// pointing at it (PARTNERO_API_KEY = the fake's default key).
func fakePartnero(t *testing.T, opts ...partnerotest.Option) (*partnerotest.Server, map[string]string) {
	t.Helper()
	fake := partnerotest.New(opts...)
	t.Cleanup(fake.Close)
	return fake, map[string]string{"PARTNERO_API_KEY": partnerotest.DefaultAPIKey, "PARTNERO_BASE_URL": fake.URL()}
}

const defaultFormOutput = `Lead form: 7 custom fields (6 to fill), besides name and email

ID  TYPE       REQUIRED  TITLE                                          OPTIONS
88  text                 (text block, not a field) "Text custom field"
89  input      yes       Input custom field
90  textarea             TextArea custom input
91  checkbox             Custom field chbx                              chbx1, chbx2, chbx3
92  radio                Radio                                          radio1, radio2
93  select               Select input                                   select1, select2, select3
94  countries            Custom field country select                    (country code, e.g. US)

# Paste under a source's lead: (indented as in mappings.example.yaml), give
# each field a rule (a gjson path, {value: ...}, {path: ..., map: ...}) and
# delete the optional ones you do not fill. An empty rule is an error, so
# ` + "`leadbridge check`" + ` points at every line still to do; ` + "`check --online`" + `
# then checks the rules against this form.
      cfields:
        # "88": a text block ("Text custom field"), not a field: nothing to fill
        "89":   # Input custom field (input, required)
        "90":   # TextArea custom input (textarea)
        "91":   # Custom field chbx (checkbox): a list of chbx1, chbx2, chbx3
        "92":   # Radio (radio): one of radio1, radio2
        "93":   # Select input (select): one of select1, select2, select3
        "94":   # Custom field country select (countries): a country code such as US
`

func TestFieldsDefaultForm(t *testing.T) {
	t.Parallel()
	fake, env := fakePartnero(t, partnerotest.WithForm(partnerotest.DefaultForm()))
	r := run(t, env, "", "fields")
	require.Equal(t, 0, r.code, r.err)
	require.Empty(t, r.err)
	require.Equal(t, defaultFormOutput, r.out)

	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "GET", reqs[0].Method)
	require.Equal(t, "/v1/leads/details", reqs[0].Path)
	require.Equal(t, partnerotest.DefaultAPIKey, reqs[0].APIKey)
}

// TestFieldsBlockPastes embeds the printed block in a source: it is valid
// YAML whose empty rules `check` reports line by line, and once filled in
// it loads with the form's ids in order.
func TestFieldsBlockPastes(t *testing.T) {
	t.Parallel()
	_, env := fakePartnero(t, partnerotest.WithForm(partnerotest.DefaultForm()))
	r := run(t, env, "", "fields")
	require.Equal(t, 0, r.code, r.err)
	block := r.out[strings.Index(r.out, "      cfields:"):]
	head := "sources:\n  s:\n    provider: generic\n    insecure: true\n    lead:\n      name: n\n      email: e\n      partner: {key: k}\n"

	_, err := mappings.Loader{}.Load("m.yaml", []byte(head+block))
	var lerr *mappings.LoadError
	require.ErrorAs(t, err, &lerr)
	var lines []string
	for _, p := range lerr.Problems {
		require.Contains(t, p.Message, "empty rule")
		lines = append(lines, fmt.Sprintf("%d:%s", p.Line, p.Field))
	}
	require.Equal(t, []string{"11:lead.cfields.89", "12:lead.cfields.90", "13:lead.cfields.91", "14:lead.cfields.92",
		"15:lead.cfields.93", "16:lead.cfields.94"}, lines)

	filled := regexp.MustCompile(`(?m)^(        "\d+":) `).ReplaceAllString(block, "$1 some.path ")
	cfg, err := mappings.Loader{}.Load("m.yaml", []byte(head+filled))
	require.NoError(t, err)
	var ids []string
	for _, cf := range cfg.Sources["s"].Lead.CFields {
		ids = append(ids, cf.ID)
	}
	require.Equal(t, []string{"89", "90", "91", "92", "93", "94"}, ids)
}

func TestFieldsFormVariants(t *testing.T) {
	t.Parallel()
	desc := "help"
	tests := []struct {
		name    string
		form    partnerotest.Form
		out     []string // substrings of stdout
		err     string   // stderr, exactly
		notOut  []string
		outLine int // number of stdout lines, 0: unchecked
	}{
		{
			name:    "no custom fields",
			form:    partnerotest.Form{LeadsEnabled: true},
			out:     []string{"Lead form: 0 custom fields (0 to fill)", "The form has no custom fields: a source needs no cfields."},
			notOut:  []string{"cfields:\n"},
			outLine: 3,
		},
		{
			name: "leads disabled",
			form: partnerotest.Form{LeadsEnabled: false, Fields: []partnerotest.Field{{ID: 5, Type: "input", Title: "Company"}}},
			out:  []string{`        "5":    # Company (input)` + "\n"},
			err:  "warning: the program does not accept leads (leads_enabled is false): enable leads in Partnero's program settings\n",
		},
		{
			name: "awkward titles and options",
			form: partnerotest.Form{LeadsEnabled: true, Fields: []partnerotest.Field{
				{ID: 7, Type: "text", Text: "<h2>Tell&nbsp;us <b>more</b> about your company, its size and its plans</h2>"},
				{ID: 1234, Type: "select", Title: "Size\n  # of people", Description: &desc, Required: true, Options: []string{"1-10", "11, 50", " padded"}},
				{ID: 9, Type: "checkbox", Title: ""},
			}},
			out: []string{
				`        # "7": a text block ("Tell us more about your company, its si…"), not a field: nothing to fill` + "\n",
				`        "1234": # Size # of people (select, required): one of 1-10, "11, 50", " padded"` + "\n",
				`        "9":    # (no title) (checkbox): a list of (no options listed)` + "\n",
				"1234  select    yes       Size # of people ",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, env := fakePartnero(t, partnerotest.WithForm(tt.form))
			r := run(t, env, "", "fields")
			require.Equal(t, 0, r.code, r.err)
			require.Equal(t, tt.err, r.err)
			for _, s := range tt.out {
				require.Contains(t, r.out, s)
			}
			for _, s := range tt.notOut {
				require.NotContains(t, r.out, s)
			}
			if tt.outLine > 0 {
				require.Equal(t, tt.outLine, strings.Count(r.out, "\n"), r.out)
			}
		})
	}
}

func TestFieldsSourceKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := dir + "/m.yaml"
	require.NoError(t, writeFile(m, `sources:
  own:
    provider: generic
    token: ${TOK}
    partnero:
      api_key: ${OTHER_KEY}
    lead: {name: n, email: e, partner: {key: k}}
  shared:
    provider: generic
    token: ${TOK}
    lead: {name: n, email: e, partner: {key: k}}
`))
	fake, env := fakePartnero(t, partnerotest.WithAPIKey(partnerotest.DefaultAPIKey, otherProgramKey),
		partnerotest.WithForm(partnerotest.DefaultForm()))
	env["TOK"], env["OTHER_KEY"] = "t", otherProgramKey

	r := run(t, env, "", "fields", "--source", "own", "--mappings", m)
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, `"91":`)
	// A source without its own key asks with PARTNERO_API_KEY, the key it delivers with.
	r = run(t, env, "", "fields", "--mappings", m, "--source", "shared")
	require.Equal(t, 0, r.code, r.err)
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, otherProgramKey, reqs[0].APIKey)
	require.Equal(t, partnerotest.DefaultAPIKey, reqs[1].APIKey)

	// Without PARTNERO_API_KEY the shared source has no key: usage.
	delete(env, "PARTNERO_API_KEY")
	r = run(t, env, "", "fields", "--mappings", m, "--source", "shared")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.err, `source "shared" has no partnero.api_key and PARTNERO_API_KEY is not set`)

	r = run(t, env, "", "fields", "--mappings", m, "--source", "nope")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.err, `no source "nope" in `+m+` (sources: own, shared)`)

	// An invalid mapping file is reported as check does, exit 1.
	delete(env, "OTHER_KEY")
	r = run(t, env, "", "fields", "--mappings", m, "--source", "own")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "environment variable OTHER_KEY is not set")
	require.Len(t, fake.Requests(), 2, "nothing more was asked")
}

func TestFieldsFailures(t *testing.T) {
	t.Parallel()
	const wrongKey = "wrong-key-9f8e7d6c5b4a"
	t.Run("no key", func(t *testing.T) {
		t.Parallel()
		r := run(t, map[string]string{}, "", "fields")
		require.Equal(t, 2, r.code)
		require.Contains(t, r.err, "leadbridge fields: PARTNERO_API_KEY is not set")
		require.Empty(t, r.out)
	})
	t.Run("unexpected argument", func(t *testing.T) {
		t.Parallel()
		r := run(t, map[string]string{"PARTNERO_API_KEY": "k"}, "", "fields", "extra")
		require.Equal(t, 2, r.code)
		require.Contains(t, r.err, `unexpected argument "extra"`)
	})
	t.Run("key rejected", func(t *testing.T) {
		t.Parallel()
		_, env := fakePartnero(t)
		env["PARTNERO_API_KEY"] = wrongKey
		r := run(t, env, "", "fields")
		require.Equal(t, 1, r.code)
		require.Equal(t, "leadbridge fields: partnero: status 401: Unauthenticated. (Partnero rejected the key from PARTNERO_API_KEY)\n", r.err)
		require.NotContains(t, r.err+r.out, wrongKey)
		require.Empty(t, r.out)
	})
	t.Run("Partnero down", func(t *testing.T) {
		t.Parallel()
		fake, env := fakePartnero(t)
		fake.SetDown(true)
		r := run(t, env, "", "fields")
		require.Equal(t, 1, r.code)
		require.Equal(t, "leadbridge fields: partnero: status 503: Service Unavailable\n", r.err)
	})
	t.Run("wrong base URL", func(t *testing.T) {
		t.Parallel()
		fake, env := fakePartnero(t)
		env["PARTNERO_BASE_URL"] = strings.TrimSuffix(fake.URL(), "/v1")
		r := run(t, env, "", "fields")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "status 404")
		require.Contains(t, r.err, "it should end in /v1")
	})
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		fake, env := fakePartnero(t)
		fake.Close()
		env["PARTNERO_API_KEY"] = wrongKey
		r := run(t, env, "", "fields")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "leadbridge fields: partnero: lead form: ")
		require.Contains(t, r.err, "connection refused")
		require.NotContains(t, r.err, wrongKey)
	})
}
