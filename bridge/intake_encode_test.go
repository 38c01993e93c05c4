package bridge

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The hand-written encodings of the webhook path give what encoding/json
// gave before them.
func TestAnswerAppendSimpleMatchesEncodingJSON(t *testing.T) {
	idx := 1
	for _, a := range []*answer{
		{Status: "accepted", ID: 42, code: 202},
		{Status: "duplicate", ID: 1 << 40, code: 200},
		{Status: "captured", ID: 7, code: 202},
		{Status: "accepted", code: 202},
		{Status: "ignored", ID: 3, Reason: "no partner"},
		{Status: "error", Error: "no such source \"x\""},
		{Status: "error", ID: 5, Problems: []problem{{Index: &idx, Field: "email", Message: "no value"}}},
	} {
		want, err := json.Marshal(a)
		require.NoError(t, err)
		got, ok := a.appendSimple(nil)
		if !ok {
			require.True(t, a.Reason != "" || a.Error != "" || len(a.Problems) > 0, "%s falls back to encoding/json", want)
			continue
		}
		require.Equal(t, string(want), string(got))
	}
}

func TestHeadersJSONMatchesEncodingJSON(t *testing.T) {
	for _, h := range []http.Header{
		{},
		{"Content-Type": {"application/json"}},
		{"Content-Type": {"application/json"}, "User-Agent": {"Typeform Webhooks \"v2\""}, "X-Request-Id": {"r-1"},
			"X-Webflow-Timestamp": {"1700000000"}, "X-Hubspot-Request-Timestamp": {"1700000001"}, "Authorization": {"Bearer secret"}},
	} {
		m := map[string]string{}
		for _, k := range keptHeaders() {
			if v := h.Get(k); v != "" {
				m[k] = v
			}
		}
		want, err := json.Marshal(m)
		require.NoError(t, err)
		require.Equal(t, string(want), string(headersJSON(h)))
		require.NotContains(t, string(headersJSON(h)), "secret")
	}
}
