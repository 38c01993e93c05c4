package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// exampleEnv holds demo values for every ${VAR} of mappings.example.yaml.
var exampleEnv = map[string]string{
	"TYPEFORM_SECRET": "test-secret", "HUBSPOT_CLIENT_SECRET": "test-secret", "TALLY_SIGNING_SECRET": "test-secret",
	"WEBFLOW_TOKEN": "webflow-token", "CALENDLY_SIGNING_KEY": "test-secret", "WEBSITE_FORM_TOKEN": "form-token",
	"APPS_SCRIPT_SECRET": "test-secret", "JOTFORM_TOKEN": "jotform-token",
}

type result struct {
	code     int
	out, err string
}

// run executes leadbridge with args, env and stdin, capturing everything.
func run(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	o := IO{In: strings.NewReader(stdin), Out: &out, Err: &errb, LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}
	code := Run(context.Background(), args, o)
	return result{code, out.String(), errb.String()}
}

func TestCheck(t *testing.T) {
	r := run(t, exampleEnv, "", "check", "--mappings", "../mappings.example.yaml")
	require.Equal(t, 0, r.code, r.err)
	require.Equal(t, "../mappings.example.yaml: OK, 8 sources (apps-script, calendly-demo, hubspot-workflow, jotform-demo, tally-demo, typeform-demo, webflow-demo, website-form)\n", r.out)

	// The environment variable works as the flag's default.
	env := map[string]string{"LEADBRIDGE_MAPPINGS": "../mappings.example.yaml"}
	for k, v := range exampleEnv {
		env[k] = v
	}
	require.Equal(t, 0, run(t, env, "", "check").code)

	// Missing variables: every problem with file:line:col, exit 1.
	r = run(t, map[string]string{}, "", "check", "--mappings", "../mappings.example.yaml")
	require.Equal(t, 1, r.code)
	require.Empty(t, r.out)
	lines := strings.Split(strings.TrimSpace(r.err), "\n")
	require.Equal(t, `../mappings.example.yaml:29:13: source "typeform-demo": secret: environment variable TYPEFORM_SECRET is not set`, lines[0])
	require.Equal(t, "8 problems found", lines[len(lines)-1])

	r = run(t, nil, "", "check", "--mappings", "testdata/nope.yaml")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "no such file or directory")
}

func TestCheckWarnsAboutInsecure(t *testing.T) {
	dir := t.TempDir()
	f := dir + "/m.yaml"
	require.NoError(t, writeFile(f, "sources:\n  open:\n    provider: generic\n    insecure: true\n    lead: {name: n, email: e, partner: {key: k}}\n"))
	r := run(t, nil, "", "check", "--mappings", f)
	require.Equal(t, 0, r.code)
	require.Contains(t, r.err, `warning: source "open" accepts unauthenticated requests (insecure: true)`)
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"nope"},
		{"check", "--bogus"},
		{"check", "extra-arg"},
		{"try", "testdata/typeform.json"},
		{"try", "--source", "tf"},
		{"try", "--source", "tf", "a.json", "b.json"},
		{"try", "--source", "tf", "testdata/missing.json"},
	} {
		r := run(t, exampleEnv, "", args...)
		require.Equal(t, 2, r.code, "%v: %s", args, r.err)
		require.NotEmpty(t, r.err, args)
	}
	r := run(t, nil, "", "help")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.out, "Commands:")
	r = run(t, nil, "", "check", "-h")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.out, "--mappings [$LEADBRIDGE_MAPPINGS]")
	r = run(t, nil, "", "version")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.out, "leadbridge dev (commit unknown, go1.")
}

func TestTryMapped(t *testing.T) {
	r := run(t, exampleEnv, "", "try", "--mappings", "../mappings.example.yaml", "--source", "typeform-demo", "testdata/typeform.json")
	require.Equal(t, 0, r.code, r.err)
	require.JSONEq(t, `{"name":"Alice Brown","email":"alice.brown@example.com","partner":{"key":"ref_123"},
		"cfields":{"89":"11-50","90":"2500","91":["API","SSO"],"92":"radio2"}}`, r.out)
	require.Contains(t, r.out, "\n  \"name\"", "the body is pretty-printed")
	require.Contains(t, r.err, "lead: mapped (dedupe key k:01JH7Q2M4B8K3N6P9R1T5V7X9Z); would POST /leads with:")

	// Flags after the payload, and the payload from stdin.
	payload, err := readPayload("testdata/typeform.json", nil)
	require.NoError(t, err)
	r2 := run(t, exampleEnv, string(payload), "try", "-", "--source", "typeform-demo", "--mappings", "../mappings.example.yaml")
	require.Equal(t, 0, r2.code, r2.err)
	require.Equal(t, r.out, r2.out)
}

// TestTryTypoHint is the scenario the diagnostics exist for: a typo'd
// Typeform ref. try must fail (exit 1), name the path it tried and list
// the refs the payload does have, with the likely intended one.
func TestTryTypoHint(t *testing.T) {
	r := run(t, map[string]string{"TYPEFORM_SECRET": "x"}, "", "try", "--mappings", "testdata/typo.yaml", "--source", "tf", "testdata/typeform.json")
	require.Equal(t, 1, r.code)
	require.Empty(t, r.out, "nothing to send")
	require.Contains(t, r.err, `email: no value: path "form_response.answers.#(field.ref==\"emial\").email" yielded nothing`)
	refs := `field.ref values there: first_name ("What's your first name?"), last_name ("And your last name?"), email ("Your work email?"), phone ("Phone number"), ` +
		`company_size ("Company size"), interests ("What are you interested in?"), monthly_budget ("Monthly budget (EUR)"), marketing_consent ("May we email you?"), ` +
		`start_date ("When do you want to start?"), website ("Company website")`
	require.Contains(t, r.err, `email: path "form_response.answers.#(field.ref==\"emial\").email" matched nothing: no element of form_response.answers has field.ref == "emial"; `+refs+` (did you mean "email" ("Your work email?")?)`)
	require.Contains(t, r.err, `(did you mean "last_name" ("And your last name?")?)`)
	require.Contains(t, r.err, `(did you mean "company_size" ("Company size")?)`)
	require.Contains(t, r.err, `partner.key: path "form_response.hidden.aff" matched nothing: form_response.hidden has no key "aff"; keys there: ref, utm_source, utm_medium`)
}

func TestTryErrors(t *testing.T) {
	r := run(t, exampleEnv, "", "try", "--mappings", "../mappings.example.yaml", "--source", "nope", "testdata/typeform.json")
	require.Equal(t, 2, r.code)
	require.Contains(t, r.err, `no source "nope" in ../mappings.example.yaml (sources: apps-script, calendly-demo,`)

	r = run(t, exampleEnv, "{not json", "try", "--mappings", "../mappings.example.yaml", "--source", "typeform-demo", "-")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "payload:")

	r = run(t, exampleEnv, `{"event_type":"form_response_partial"}`, "try", "--mappings", "../mappings.example.yaml", "--source", "typeform-demo", "-")
	require.Equal(t, 0, r.code, "ignored is not a failure")
	require.Contains(t, r.err, `lead: ignored (when: event_type equals "form_response" did not hold (got "form_response_partial")); answered 200, nothing is sent`)
}

func TestServeRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PARTNERO_BASE_URL": "api.partnero.com/v1"}, nil, "PARTNERO_BASE_URL: expected an absolute http(s) URL"},
		{nil, []string{"--workers", "0"}, "--workers: expected a positive whole number"},
		{nil, []string{"--rate", "fast"}, "--rate: expected a positive number"},
		{nil, []string{"--retry-min", "10m", "--retry-max", "1m"}, "--retry-max (1m0s) is shorter than --retry-min (10m0s)"},
		{nil, []string{"--max-age", "3 days"}, "--max-age: expected a positive Go duration"},
		{nil, []string{"--max-body", "lots"}, "--max-body: expected a size such as 1MiB"},
		{nil, []string{"--log-level", "loud"}, "--log-level: expected debug, info, warn or error"},
		{map[string]string{"LEADBRIDGE_WORKERS": "-1"}, nil, "--workers: expected a positive whole number"},
	} {
		r := run(t, tc.env, "", append([]string{"serve", "--mappings", "../mappings.example.yaml"}, tc.args...)...)
		require.Equal(t, 2, r.code, tc.want)
		require.Contains(t, r.err, tc.want)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1MiB": 1 << 20, "512KiB": 512 << 10, "1048576": 1048576, "2MB": 2000000, " 3 KiB ": 3072, "10B": 10} {
		got, err := parseSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "0", "-1MiB", "1.5MiB", "MiB", "1TiB"} {
		_, err := parseSize(bad)
		require.Error(t, err, bad)
	}
}

func TestRedactDSN(t *testing.T) {
	require.Equal(t, "postgres://lb:<secret>@db:5432/lb", redactDSN("postgres://lb:hunter2@db:5432/lb"))
	require.Equal(t, "postgres://db/lb", redactDSN("postgres://db/lb"))
	require.Equal(t, "leadbridge.db", redactDSN("leadbridge.db"))
}

// TestEmptyAdminAddrTurnsTheListenerOff: product.md says "empty = off",
// and the environment is how Docker and systemd users say it.
func TestEmptyAdminAddrTurnsTheListenerOff(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{}, nil, "127.0.0.1:9090"},
		{map[string]string{"LEADBRIDGE_ADMIN_ADDR": ""}, nil, ""},
		{map[string]string{"LEADBRIDGE_ADMIN_ADDR": "0.0.0.0:9090"}, nil, "0.0.0.0:9090"},
		{map[string]string{"LEADBRIDGE_ADMIN_ADDR": "0.0.0.0:9090"}, []string{"--admin-addr", ""}, ""},
	} {
		var o IO
		o.LookupEnv = func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
		fs := newFlagSet("serve", "serve", o)
		var f serveFlags
		f.register(fs)
		_, _, ok := fs.parseArgs(tc.args)
		require.True(t, ok)
		require.Equal(t, tc.want, f.adminAddr, "%v %v", tc.env, tc.args)
	}
}

// TestTryPartnerTypoIsLoud: a typo in the partner path would drop every
// lead as "no partner" (200 ignored) in silence; try says so loudly, with
// the did-you-mean, and --strict makes it an error.
func TestTryPartnerTypoIsLoud(t *testing.T) {
	env := map[string]string{"TYPEFORM_SECRET": "x"}
	r := run(t, env, "", "try", "--mappings", "testdata/partner_typo.yaml", "--source", "tf", "testdata/typeform.json")
	require.Equal(t, 0, r.code, "ignored is not a failed mapping: %s", r.err)
	require.Contains(t, r.err, "lead: ignored (no partner)")
	require.Contains(t, r.err, "WARNING: partner.key: path \"form_response.hidden.reff\" matched nothing: form_response.hidden has no key \"reff\"")
	require.Contains(t, r.err, `(did you mean "ref"?)`)
	require.Contains(t, r.err, "looks like a typo")

	r = run(t, env, "", "try", "--strict", "--mappings", "testdata/partner_typo.yaml", "--source", "tf", "testdata/typeform.json")
	require.Equal(t, 1, r.code, r.err)
	require.Contains(t, r.err, "--strict: failing because:\n  - lead: ignored (no partner)")

	// Fixed path, every rule filled: --strict passes.
	fixed := filepath.Join(t.TempDir(), "m.yaml")
	b, err := os.ReadFile("testdata/partner_typo.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(fixed, bytes.Replace(b, []byte("hidden.reff"), []byte("hidden.ref"), 1), 0o600))
	r = run(t, env, "", "try", "--strict", "--mappings", fixed, "--source", "tf", "testdata/typeform.json")
	require.Equal(t, 0, r.code, r.err)
	require.NotContains(t, r.err, "WARNING")

	// A cfield that comes out empty is what --strict refuses too.
	require.NoError(t, os.WriteFile(fixed, bytes.Replace(bytes.Replace(b, []byte("hidden.reff"), []byte("hidden.ref"), 1),
		[]byte("answers.company_size"), []byte("answers.nope"), 1), 0o600))
	r = run(t, env, "", "try", "--mappings", fixed, "--source", "tf", "testdata/typeform.json")
	require.Equal(t, 0, r.code, r.err)
	r = run(t, env, "", "try", "--strict", "--mappings", fixed, "--source", "tf", "testdata/typeform.json")
	require.Equal(t, 1, r.code, r.err)
	require.Contains(t, r.err, "lead: cfields.89 came out empty")
}
