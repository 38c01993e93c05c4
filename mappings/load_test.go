package mappings

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// exampleEnv holds demo values for every ${VAR} of mappings.example.yaml.
var exampleEnv = map[string]string{
	"TYPEFORM_SECRET": "test-secret", "HUBSPOT_CLIENT_SECRET": "test-secret", "TALLY_SIGNING_SECRET": "test-secret",
	"WEBFLOW_TOKEN": "webflow-token", "CALENDLY_SIGNING_KEY": "test-secret", "WEBSITE_FORM_TOKEN": "form-token",
	"APPS_SCRIPT_SECRET": "test-secret", "JOTFORM_TOKEN": "jotform-token",
}

func loadExample(t *testing.T) *Config {
	t.Helper()
	cfg, err := Loader{LookupEnv: envMap(exampleEnv)}.LoadFile("../mappings.example.yaml")
	require.NoError(t, err)
	return cfg
}

// loadOne loads a YAML snippet that defines source "s".
func loadOne(t *testing.T, y string) *Source {
	t.Helper()
	cfg, err := Loader{LookupEnv: fixtureEnv}.Load("t.yaml", []byte(y))
	require.NoError(t, err)
	return cfg.Sources["s"]
}

func TestLoadExample(t *testing.T) {
	cfg := loadExample(t)
	require.Equal(t, []string{"../mappings.example.yaml"}, cfg.Files)
	require.Len(t, cfg.Hash, 64)
	for name, s := range cfg.Sources {
		require.Equal(t, name, s.Name)
		require.NotNil(t, s.Lead.Name, name)
		require.NotNil(t, s.Lead.Email, name)
	}
	tf := cfg.Sources["typeform-demo"]
	require.Equal(t, "typeform", tf.Provider)
	require.Equal(t, []string{"test-secret"}, Reveal(tf.Secrets))
	require.Equal(t, "event_id", tf.Dedupe)
	require.Equal(t, &Partner{Key: "house"}, tf.FallbackPartner)
	require.Equal(t, []Condition{{Path: "event_type", Op: OpEquals, Values: []string{"form_response"}}}, tf.When)
	hs := cfg.Sources["hubspot-workflow"]
	require.Equal(t, "http://localhost:8080/hooks/hubspot-workflow", hs.URL, "a non-secret ${VAR:-default} uses its default")
	require.Equal(t, 3*time.Minute, cfg.Sources["calendly-demo"].Tolerance)
	require.Equal(t, DefaultTolerance, tf.Tolerance)
	require.Equal(t, &RateLimit{N: 60, Per: time.Minute}, cfg.Sources["website-form"].RateLimit)
	require.Equal(t, &Signature{Header: "X-Signature", Algorithm: "sha256", Encoding: "base64"}, cfg.Sources["apps-script"].Signature)
	require.Equal(t, PartnerFail, cfg.Sources["apps-script"].PartnerMissing)
	require.Equal(t, PartnerIgnore, tf.PartnerMissing)
}

func TestLoadKeys(t *testing.T) {
	const lead = "    lead: {name: n, email: e, partner: {key: k}}\n"
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, s *Source)
	}{
		{"secret list rotates", "    provider: typeform\n    secret: ['${SET}', second]\n", func(t *testing.T, s *Source) {
			require.Equal(t, []string{"s3cr3t-value", "second"}, Reveal(s.Secrets))
		}},
		{"token list", "    provider: jotform\n    token: [a, b]\n", func(t *testing.T, s *Source) {
			require.Equal(t, []string{"a", "b"}, Reveal(s.Tokens))
		}},
		{"secret and token", "    provider: tally\n    secret: x\n    token: y\n", func(t *testing.T, s *Source) {
			require.Len(t, s.Secrets, 1)
			require.Len(t, s.Tokens, 1)
		}},
		{"insecure", "    provider: generic\n    insecure: true\n", func(t *testing.T, s *Source) {
			require.True(t, s.Insecure)
		}},
		{"url", "    provider: hubspot\n    secret: x\n    url: https://h.example/hooks/s?a=b\n", func(t *testing.T, s *Source) {
			require.Equal(t, "https://h.example/hooks/s?a=b", s.URL)
		}},
		{"signature defaults", "    provider: generic\n    secret: x\n    signature: {header: X-Sig}\n", func(t *testing.T, s *Source) {
			require.Equal(t, &Signature{Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"}, s.Signature)
		}},
		{"signature full", "    provider: generic\n    secret: x\n    signature: {header: X-Sig, algorithm: sha512, encoding: base64, prefix: 'sha512='}\n", func(t *testing.T, s *Source) {
			require.Equal(t, &Signature{Header: "X-Sig", Algorithm: "sha512", Encoding: "base64", Prefix: "sha512="}, s.Signature)
		}},
		{"tolerance", "    provider: webflow\n    secret: x\n    tolerance: 90s\n", func(t *testing.T, s *Source) {
			require.Equal(t, 90*time.Second, s.Tolerance)
		}},
		{"rate limit per second", "    provider: generic\n    token: t\n    rate_limit: 5/s\n", func(t *testing.T, s *Source) {
			require.Equal(t, &RateLimit{N: 5, Per: time.Second}, s.RateLimit)
		}},
		{"rate limit per hour", "    provider: generic\n    token: t\n    rate_limit: 1000 / h\n", func(t *testing.T, s *Source) {
			require.Equal(t, &RateLimit{N: 1000, Per: time.Hour}, s.RateLimit)
		}},
		{"no rate limit by default", "    provider: generic\n    token: t\n", func(t *testing.T, s *Source) {
			require.Nil(t, s.RateLimit)
			require.Empty(t, s.Dedupe)
			require.Empty(t, s.Each)
			require.Nil(t, s.FallbackPartner)
			require.True(t, s.APIKey.IsZero())
		}},
		{"when single mapping", "    provider: generic\n    token: t\n    when: {path: a, exists: true}\n", func(t *testing.T, s *Source) {
			require.Equal(t, []Condition{{Path: "a", Op: OpExists, Exists: true}}, s.When)
		}},
		{"when every operator", "    provider: generic\n    token: t\n    when:\n      - {path: a, equals: 5}\n      - {path: b, not_equals: x}\n      - {path: c, in: [x, y]}\n      - {path: d, not_in: [z]}\n      - {path: e, exists: false}\n", func(t *testing.T, s *Source) {
			require.Equal(t, []Condition{
				{Path: "a", Op: OpEquals, Values: []string{"5"}},
				{Path: "b", Op: OpNotEquals, Values: []string{"x"}},
				{Path: "c", Op: OpIn, Values: []string{"x", "y"}},
				{Path: "d", Op: OpNotIn, Values: []string{"z"}},
				{Path: "e", Op: OpExists, Exists: false},
			}, s.When)
		}},
		{"dedupe and each", "    provider: generic\n    token: t\n    dedupe: id\n    each: items\n", func(t *testing.T, s *Source) {
			require.Equal(t, "id", s.Dedupe)
			require.Equal(t, "items", s.Each)
		}},
		{"each root array", "    provider: generic\n    token: t\n    each: '@this'\n", func(t *testing.T, s *Source) {
			require.Equal(t, "@this", s.Each)
		}},
		{"partner_missing fail", "    provider: generic\n    token: t\n    partner_missing: fail\n", func(t *testing.T, s *Source) {
			require.Equal(t, PartnerFail, s.PartnerMissing)
		}},
		{"fallback partner id", "    provider: generic\n    token: t\n    fallback_partner: {id: partner_1}\n", func(t *testing.T, s *Source) {
			require.Equal(t, &Partner{ID: "partner_1"}, s.FallbackPartner)
		}},
		{"fallback partner email", "    provider: generic\n    token: t\n    fallback_partner: {email: house@example.com}\n", func(t *testing.T, s *Source) {
			require.Equal(t, &Partner{Email: "house@example.com"}, s.FallbackPartner)
		}},
		{"partnero api key", "    provider: generic\n    token: t\n    partnero: {api_key: '${SET}'}\n", func(t *testing.T, s *Source) {
			require.Equal(t, "s3cr3t-value", s.APIKey.Reveal())
		}},
		{"escaped dollar", "    provider: generic\n    token: 'a$${b}'\n", func(t *testing.T, s *Source) {
			require.Equal(t, []string{"a${b}"}, Reveal(s.Tokens))
		}},
		{"yaml anchors", "    provider: generic\n    token: &tok abc\n    secret: *tok\n    signature: {header: X}\n", func(t *testing.T, s *Source) {
			require.Equal(t, []string{"abc"}, Reveal(s.Secrets))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := loadOne(t, "sources:\n  s:\n"+tc.yaml+lead)
			tc.check(t, s)
		})
	}
}

func TestLoadRuleForms(t *testing.T) {
	s := loadOne(t, `sources:
  s:
    provider: generic
    insecure: true
    lead:
      name: {template: 'Hi {{a}}'}
      email: [x, y]
      partner:
        key: {value: house}
        id: {path: p, map: {a: b}, default: c}
        email: {path: q}
      cfields:
        2: plain
        "10": {path: r, default: d}
`)
	require.Equal(t, ruleTemplate, s.Lead.Name.kind)
	require.Equal(t, []string{"a"}, s.Lead.Name.tmpl.paths)
	require.Equal(t, ruleList, s.Lead.Email.kind)
	require.Len(t, s.Lead.Email.list, 2)
	require.Equal(t, ruleValue, s.Lead.Partner.Key.kind)
	require.Equal(t, "house", s.Lead.Partner.Key.value)
	require.Equal(t, ruleMap, s.Lead.Partner.ID.kind)
	require.Equal(t, map[string]string{"a": "b"}, s.Lead.Partner.ID.mapping)
	require.True(t, s.Lead.Partner.ID.hasDefault)
	require.Equal(t, ruleMap, s.Lead.Partner.Email.kind)
	require.Nil(t, s.Lead.Partner.Email.mapping)
	require.Equal(t, []CField{
		{ID: "2", Rule: &Rule{kind: rulePath, path: "plain", cpath: compilePath("plain")}, Line: 13, Col: 9},
		{ID: "10", Rule: &Rule{kind: ruleMap, path: "r", cpath: compilePath("r"), def: "d", hasDefault: true}, Line: 14, Col: 9},
	}, s.Lead.CFields, "each cfield records where its id key is")
}

// TestProviderNotePaths loads every gjson path listed in the shared
// provider notes (copied to testdata/provider_paths.txt): none may be
// rejected as unparseable.
func TestProviderNotePaths(t *testing.T) {
	data, err := os.ReadFile("testdata/provider_paths.txt")
	require.NoError(t, err)
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		require.NoError(t, checkPath(line), line)
		y := fmt.Sprintf("sources:\n  s:\n    provider: generic\n    insecure: true\n    lead: {name: %s, email: e, partner: {key: k}}\n", yamlQuote(line))
		_, err := Loader{}.Load("p.yaml", []byte(y))
		require.NoError(t, err, line)
	}
	require.GreaterOrEqual(t, n, 50)
}

func yamlQuote(s string) string {
	b, _ := yaml.Marshal(s)
	return strings.TrimSpace(string(b))
}

func TestCheckPath(t *testing.T) {
	valid := []string{
		"a", "a.b.c", `a\.b`, "a.#", "a.#.b", `a.#(b=="c").d`, `a.#(b=="c")#.d`, `a.#(b="c")`, `a.#(b%"c*")`,
		`a.#(b.#(c=="d"))`, "@this", "a|@reverse", `{a,b}`, `[a,b]`, `{"x":a}`, "a.@join", `a.@join:{"sep":", "}`,
		"q*_email", "1\\.3", "payload.data.First Name", `a.#(b=="with ) paren")`, `a.#(b=="q\"uote")`, "..0",
	}
	for _, p := range valid {
		require.NoError(t, checkPath(p), p)
	}
	invalid := map[string]string{
		"":                  "empty path",
		"a.#(b==\"c\"":      `unbalanced "#("`,
		"a)":                "unbalanced ')'",
		"a.#(b==\"c)":       "unterminated quote",
		"a.@nope":           "unknown modifier @nope",
		"a[0]":              "no [index] syntax",
		"{a,b":              `unbalanced "{"`,
		"[a,b":              `unbalanced "["`,
		"a\\":               "lone backslash",
		"a.#(b==\"c\"]":     `']' closes "#("`,
		"a.b}":              "unbalanced '}'",
		"a{b":               "inside a key",
		"@this.@bogus:{}":   "unknown modifier @bogus",
		"  ":                "empty path",
		"a.#(b.#(c==\"d\")": `unbalanced "#("`,
	}
	for p, want := range invalid {
		err := checkPath(p)
		require.Error(t, err, p)
		require.Contains(t, err.Error(), want, p)
	}
}

func TestExpandEnv(t *testing.T) {
	lookup := envMap(map[string]string{"A": "1", "E": ""})
	tests := []struct {
		in, want    string
		withDefault bool
		err         string
	}{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "1"},
		{in: "x-${A}-y", want: "x-1-y"},
		{in: "${B:-dflt}", want: "dflt", withDefault: true},
		{in: "${E:-dflt}", want: "dflt", withDefault: true},
		{in: "${A:-dflt}", want: "1", withDefault: true},
		{in: "$${A}", want: "${A}"},
		{in: "$A", want: "$A"},
		{in: "${B}", err: "environment variable B is not set"},
		{in: "${E}", err: "environment variable E is empty"},
		{in: "${A", err: "unterminated"},
		{in: "${}", err: "invalid variable name"},
		{in: "${A-B}", err: "invalid variable name"},
	}
	for _, tc := range tests {
		got, err := expandEnv(tc.in, lookup)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got.value, tc.in)
		require.Equal(t, tc.withDefault, got.withDefault, tc.in)
	}
}

// TestSecretsNeverPrinted dumps a loaded config every way a careless
// caller might and checks that no secret value shows up.
func TestSecretsNeverPrinted(t *testing.T) {
	cfg := loadOne(t, `sources:
  s:
    provider: generic
    secret: ['${SET}', other-secret-1]
    token: tok-secret-2
    signature: {header: X-Sig}
    partnero: {api_key: api-secret-3}
    lead: {name: n, email: e, partner: {key: k}}
`)
	secrets := []string{"s3cr3t-value", "other-secret-1", "tok-secret-2", "api-secret-3"}
	var logBuf strings.Builder
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("cfg", "source", cfg, "key", cfg.APIKey, "secrets", cfg.Secrets)
	var jb strings.Builder
	enc := json.NewEncoder(&jb)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(cfg))
	j := jb.String()
	y, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	dumps := []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", *cfg), fmt.Sprintf("%#v", *cfg), fmt.Sprint(cfg.Secrets), j, string(y), logBuf.String()}
	for _, d := range dumps {
		for _, s := range secrets {
			require.NotContains(t, d, s)
		}
	}
	require.Contains(t, j, "<secret>")
	require.Equal(t, "<secret>", cfg.APIKey.String())
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	one := "sources:\n  a:\n    provider: generic\n    insecure: true\n    lead: {name: n, email: e, partner: {key: k}}\n"
	two := "sources:\n  b:\n    provider: generic\n    insecure: true\n    lead: {name: n, email: e, partner: {key: k}}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.yaml"), []byte(one), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2.yml"), []byte(two), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".swap.yaml"), []byte("not: [valid"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600))
	cfg, err := LoadPath(dir)
	require.NoError(t, err)
	require.Len(t, cfg.Sources, 2)
	require.Equal(t, []string{filepath.Join(dir, "1.yaml"), filepath.Join(dir, "2.yml")}, cfg.Files)

	// The same source name in two files is an error naming both places.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "3.yaml"), []byte(strings.Replace(two, "  b:", "  a:", 1)), 0o600))
	_, err = LoadPath(dir)
	var lerr *LoadError
	require.True(t, errors.As(err, &lerr))
	require.Equal(t, filepath.Join(dir, "3.yaml")+`:2:3: source "a": duplicate source name (first defined at `+filepath.Join(dir, "1.yaml")+`:2)`, lerr.Error())

	_, err = LoadPath(t.TempDir())
	require.ErrorContains(t, err, "has no *.yaml files")
	_, err = LoadPath(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoadErrorsCollectEverything(t *testing.T) {
	_, err := Loader{LookupEnv: fixtureEnv}.Load("m.yaml", []byte(`sources:
  a:
    provider: nope
    insecure: true
    lead: {name: n, email: 'x.#(', partner: {key: k}}
  b:
    provider: generic
    lead: {name: n, email: e, partner: {key: k}}
`))
	var lerr *LoadError
	require.True(t, errors.As(err, &lerr))
	require.Equal(t, []string{
		`m.yaml:3:15: source "a": provider: unknown provider "nope" (known: typeform, hubspot, tally, webflow, calendly, jotform, generic)`,
		`m.yaml:5:28: source "a": lead.email: path "x.#(": unbalanced "#(" (no closing ")")`,
		`m.yaml:7:5: source "b": no authentication: set secret (the provider's signing secret), token, or insecure: true to accept unauthenticated requests`,
	}, strings.Split(lerr.Error(), "\n"))
}

func TestEmptyConfigIsInvalid(t *testing.T) {
	_, err := Loader{}.Load("m.yaml", []byte("sources: {}\n"))
	require.EqualError(t, err, "m.yaml:1:1: no sources defined")
}

// TestSecretDefaultRejectedEvenWhenSet: a ${VAR:-default} on a secret is
// published in the file whatever the variable holds at load time.
func TestSecretDefaultRejectedEvenWhenSet(t *testing.T) {
	env := func(k string) (string, bool) { return map[string]string{"TF": "real-secret"}[k], k == "TF" }
	for _, secret := range []string{`"${TF:-published}"`, `["${TF:-published}"]`, `"x${TF}${TF:-y}"`} {
		y := "sources:\n  s:\n    provider: typeform\n    secret: " + secret + "\n    lead: {name: n, email: e, partner: {key: k}}\n"
		_, err := Loader{LookupEnv: env}.Load("t.yaml", []byte(y))
		require.ErrorContains(t, err, "t.yaml:4:", secret)
		require.ErrorContains(t, err, "a secret may not use a ${VAR:-default}", secret)
	}
}

// TestUnsetSecretsOK: commands that check no signature load a file whose
// secret variables are unset; everything else is still checked.
func TestUnsetSecretsOK(t *testing.T) {
	y := `sources:
  s:
    provider: typeform
    secret: ${TF_SECRET}
    partnero: {api_key: '${OTHER_KEY}'}
    lead: {name: n, email: e, partner: {key: k}}
`
	none := func(string) (string, bool) { return "", false }
	_, err := Loader{LookupEnv: none}.Load("t.yaml", []byte(y))
	require.ErrorContains(t, err, "environment variable TF_SECRET is not set")

	cfg, err := Loader{LookupEnv: none, AllowUnsetSecrets: true}.Load("t.yaml", []byte(y))
	require.NoError(t, err)
	s := cfg.Sources["s"]
	require.Len(t, s.Secrets, 1)
	require.True(t, s.Secrets[0].Unset())
	require.False(t, s.APIKey.IsZero(), "an unresolved per-source key is configured: its leads are not dry_run")

	// A default is still an error, and so is a bad value elsewhere.
	bad := strings.Replace(y, "${TF_SECRET}", "${TF_SECRET:-x}", 1)
	_, err = Loader{LookupEnv: none, AllowUnsetSecrets: true}.Load("t.yaml", []byte(bad))
	require.ErrorContains(t, err, "a secret may not use a ${VAR:-default}")
	bad = strings.Replace(y, "provider: typeform", "provider: ${PROVIDER}", 1)
	_, err = Loader{LookupEnv: none, AllowUnsetSecrets: true}.Load("t.yaml", []byte(bad))
	require.ErrorContains(t, err, "environment variable PROVIDER is not set")
}
