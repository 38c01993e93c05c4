package mappings

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCaptureSource(t *testing.T) {
	tests := []struct {
		name, yaml, doc string
		wantKey         string
	}{
		{"dedupe path", "sources:\n  s:\n    provider: generic\n    token: ${SET}\n    dedupe: id\n", `{"id":"e1","email":"a@b.co"}`, "k:e1"},
		{"hash without dedupe", "sources:\n  s:\n    provider: generic\n    token: ${SET}\n", `{"id":"e1"}`, HashKey([]byte(`{"id":"e1"}`))},
		{"each: the whole body", "sources:\n  s:\n    provider: generic\n    insecure: true\n    each: items\n    dedupe: id\n", `{"items":[{"id":"1"},{"id":"2"}]}`,
			HashKey([]byte(`{"items":[{"id":"1"},{"id":"2"}]}`))},
		{"when does not apply yet", "sources:\n  s:\n    provider: generic\n    token: ${SET}\n    when: [{path: kind, equals: lead}]\n    dedupe: id\n", `{"id":"e2","kind":"ping"}`, "k:e2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Loader{LookupEnv: fixtureEnv}.Load("t.yaml", []byte(tc.yaml))
			require.NoError(t, err, "a source without lead: is valid")
			s := cfg.Sources["s"]
			require.True(t, s.Capture)
			for _, items := range [][]Item{s.Apply([]byte(tc.doc), tc.doc), first(s.Explain([]byte(tc.doc), tc.doc))} {
				require.Equal(t, []Item{{DedupeKey: tc.wantKey, Outcome: Captured}}, items)
			}
			require.Equal(t, "captured", Captured.String())
		})
	}
	s := loadOne(t, "sources:\n  s:\n    provider: generic\n    token: t\n    lead: {name: n, email: e, partner: {key: k}}\n")
	require.False(t, s.Capture, "a source with lead: maps")
}

func first(items []Item, _ []Note) []Item { return items }

// A source without lead: still needs authentication and valid keys.
func TestCaptureSourceStillValidated(t *testing.T) {
	_, err := Loader{LookupEnv: fixtureEnv}.Load("t.yaml", []byte("sources:\n  s:\n    provider: generic\n"))
	var lerr *LoadError
	require.True(t, errors.As(err, &lerr))
	require.Equal(t, []string{`t.yaml:3:5: source "s": no authentication: set secret (the provider's signing secret), token, or insecure: true to accept unauthenticated requests`}, problemStrings(lerr))
}

func problemStrings(e *LoadError) []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.String()
	}
	return out
}

func TestAllowUnsetSecrets(t *testing.T) {
	const y = `sources:
  s:
    provider: hubspot
    secret: ['${HS_OLD}', '${EMPTY}', literal]
    token: prefix-${SET}
    url: https://h.example/hooks/s
    partnero: {api_key: '${OTHER_KEY}'}
`
	_, err := Loader{LookupEnv: fixtureEnv}.Load("t.yaml", []byte(y))
	var lerr *LoadError
	require.True(t, errors.As(err, &lerr), "strict loading reports unset secrets")
	require.Len(t, lerr.Problems, 3)

	cfg, err := Loader{LookupEnv: fixtureEnv, AllowUnsetSecrets: true}.Load("t.yaml", []byte(y))
	require.NoError(t, err)
	s := cfg.Sources["s"]
	require.Len(t, s.Secrets, 3)
	require.True(t, s.Secrets[0].Unset())
	require.Equal(t, "${HS_OLD}", s.Secrets[0].Ref())
	require.Equal(t, "", s.Secrets[0].Reveal())
	require.False(t, s.Secrets[0].IsZero(), "configured, only not set here")
	require.True(t, s.Secrets[1].Unset(), "an empty variable counts as unset")
	require.Equal(t, "${EMPTY}", s.Secrets[1].Ref())
	require.False(t, s.Secrets[2].Unset())
	require.Equal(t, "", s.Secrets[2].Ref(), "a literal has no reference")
	require.Equal(t, "literal", s.Secrets[2].Reveal())
	require.Equal(t, "prefix-${SET}", s.Tokens[0].Ref())
	require.Equal(t, "prefix-s3cr3t-value", s.Tokens[0].Reveal())
	require.True(t, s.APIKey.Unset())
	require.False(t, s.APIKey.IsZero())

	// A default on a secret stays an error, as does an unset non-secret.
	for _, bad := range []string{
		"sources:\n  s:\n    provider: generic\n    token: ${NOPE:-x}\n",
		"sources:\n  s:\n    provider: hubspot\n    secret: ${NOPE}\n    url: ${NOPE_URL}\n",
		"sources:\n  s:\n    provider: generic\n    token: ${bad name}\n",
	} {
		_, err := Loader{LookupEnv: fixtureEnv, AllowUnsetSecrets: true}.Load("t.yaml", []byte(bad))
		require.Error(t, err, bad)
	}
}
