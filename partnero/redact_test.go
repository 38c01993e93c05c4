package partnero_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/partnero"
)

// TestAPIKeyNeverLeaks is the redaction guarantee: whatever the server echoes
// back, the key appears in no Result.Message and no error string. The keys
// include characters JSON and URLs escape.
func TestAPIKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	keys := []string{testKey, "abc/def+ghi=jkl<mn>&op", "k-" + strings.Repeat("Z", 200)}
	echoes := []struct {
		name string
		echo func(w http.ResponseWriter, auth, key string)
	}{
		{"422 JSON message and errors", func(w http.ResponseWriter, auth, key string) {
			w.WriteHeader(422)
			_ = json.NewEncoder(w).Encode(map[string]any{
				"message": "bad header " + auth,
				"errors":  map[string][]string{"token": {key + " is not valid"}},
			})
		}},
		{"401 message", func(w http.ResponseWriter, auth, key string) {
			w.WriteHeader(401)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": "Unauthenticated: " + key})
		}},
		{"400 invalid partner", func(w http.ResponseWriter, auth, key string) {
			w.WriteHeader(400)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": "Invalid partner key for " + key})
		}},
		{"500 text", func(w http.ResponseWriter, auth, key string) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			_, _ = fmt.Fprintf(w, "Authorization: %s\n", auth)
		}},
		{"502 HTML", func(w http.ResponseWriter, auth, key string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = fmt.Fprintf(w, "<html><body><pre>%s</pre></body></html>", key)
		}},
		{"key straddling the truncation point", func(w http.ResponseWriter, auth, key string) {
			w.WriteHeader(503)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": strings.Repeat("m", 280) + key})
		}},
		{"redirect carrying the key", func(w http.ResponseWriter, auth, key string) {
			w.Header().Set("Location", "/login?token="+url.QueryEscape(key)+"&raw="+key)
			w.WriteHeader(302)
		}},
	}
	for _, key := range keys {
		for _, e := range echoes {
			t.Run(e.name+"/"+key[:6], func(t *testing.T) {
				t.Parallel()
				client, _ := handlerClient(t, partnero.Config{}, func(w http.ResponseWriter, r *http.Request) {
					e.echo(w, r.Header.Get("Authorization"), key)
				})
				res, err := client.CreateLead(context.Background(), key, []byte(validLead))
				require.NoError(t, err)
				requireNoKey(t, key, res.Message)
				require.NotEmpty(t, res.Message)
				_, err = client.LeadForm(context.Background(), key)
				require.Error(t, err)
				requireNoKey(t, key, err.Error())
			})
		}
	}
}

// TestAPIKeyNeverLeaksFromTransportErrors covers the paths that end in an
// error rather than an answer.
func TestAPIKeyNeverLeaksFromTransportErrors(t *testing.T) {
	t.Parallel()
	key := testKey
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(time.Hour):
		}
	}))
	t.Cleanup(slow.Close)

	for _, base := range []string{closed.URL, slow.URL} {
		client := partnero.New(partnero.Config{BaseURL: base, Timeout: 50 * time.Millisecond}, nil)
		res, err := client.CreateLead(context.Background(), key, []byte(validLead))
		require.Error(t, err)
		requireNoKey(t, key, err.Error())
		requireNoKey(t, key, res.Message)
		_, err = client.LeadForm(context.Background(), key)
		require.Error(t, err)
		requireNoKey(t, key, err.Error())
	}

	// A key net/http refuses to send must not surface in its error either.
	client := partnero.New(partnero.Config{BaseURL: slow.URL}, nil)
	bad := key + "\r\nX-Injected: 1"
	res, err := client.CreateLead(context.Background(), bad, []byte(validLead))
	require.NoError(t, err)
	requireNoKey(t, key, res.Message)
	_, err = client.LeadForm(context.Background(), bad)
	require.Error(t, err)
	requireNoKey(t, key, err.Error())
}

// requireNoKey fails if s holds the key or a recognisable piece of it
// (its first 12 bytes, as a cut message might keep).
func requireNoKey(t *testing.T, key, s string) {
	t.Helper()
	for _, k := range []string{key, url.QueryEscape(key), key[:12]} {
		require.NotContains(t, s, k)
	}
}
