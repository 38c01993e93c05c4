package providers

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Fixed inputs of signatures.md.
const (
	testSecret = "test-secret"
	hubspotURL = "https://hooks.example.com/webhooks/hubspot"
	tsSeconds  = "1767225600"
	tsMillis   = "1767225600000"
)

// instant is 2026-01-01T00:00:00Z, the time all vectors were computed for.
var instant = time.Unix(1767225600, 0).UTC()

// sample reads a provider sample copied byte-exact from shared/reference.
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	require.NoError(t, err)
	return b
}

// hdr builds a canonical http.Header from name/value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// mustVerifier builds a verifier or fails the test.
func mustVerifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	v, err := NewVerifier(cfg)
	require.NoError(t, err)
	return v
}
