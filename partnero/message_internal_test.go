package partnero

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 5, 16, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "2", 2 * time.Second},
		{"zero seconds", "0", 0},
		{"spaces", " 7 ", 7 * time.Second},
		{"signed is invalid", "+5", 0},
		{"negative is invalid", "-5", 0},
		{"fraction is invalid", "1.5", 0},
		{"garbage", "soon", 0},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"rfc850 date", now.Add(time.Minute).Format("Monday, 02-Jan-06 15:04:05 GMT"), time.Minute},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"huge seconds clamp", "99999999999999999999999", time.Duration(1<<63-1) / time.Second * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, parseRetryAfter(tt.in, now))
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := map[int]Outcome{
		200: Delivered, 201: Delivered, 202: Delivered, 204: Delivered,
		301: Dead, 302: Dead, 304: Dead, 307: Dead,
		400: Dead, 404: Dead, 405: Dead, 409: Dead, 422: Dead,
		401: AuthFailed, 403: AuthFailed,
		408: Retry, 429: Retry, 500: Retry, 502: Retry, 503: Retry, 504: Retry,
		100: Retry, 600: Retry,
	}
	for status, want := range tests {
		require.Equal(t, want, classify(status), "status %d", status)
	}
}

func TestOutcomeString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "delivered", Delivered.String())
	require.Equal(t, "retry", Retry.String())
	require.Equal(t, "dead", Dead.String())
	require.Equal(t, "auth_failed", AuthFailed.String())
	require.Equal(t, "Outcome(0)", Outcome(0).String())
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"empty body", 503, "", "Service Unavailable"},
		{"unknown status, empty body", 599, "", "HTTP 599"},
		{"message only", 401, `{"message":"Unauthenticated."}`, "Unauthenticated."},
		{
			"laravel validation keeps field order and skips the repeated first error", 422,
			`{"message":"The name field is required. (and 2 more errors)","errors":{"name":["The name field is required."],"email":["The email field must be a valid email address."],"cfields.89":["The cfields.89 field is required."]}}`,
			"The name field is required. (and 2 more errors) (email: The email field must be a valid email address.; cfields.89: The cfields.89 field is required.)",
		},
		{"errors without message", 422, `{"errors":{"email":"bad"}}`, "email: bad"},
		{"errors as list", 422, `{"message":"Invalid","errors":["one","two"]}`, "Invalid (error: one; error: two)"},
		{"error key", 400, `{"error":"bad request"}`, "bad request"},
		{"json without text", 500, `{"status":0}`, "Internal Server Error"},
		{"html page", 502, "<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>", "502 Bad Gateway nginx"},
		{"plain text", 500, "  oops\n\tbroken  ", "oops broken"},
		{"cut after the message", 500, `{"message":"Server Error","trace":[{"file":"/app/vendor/x.php","li`, "Server Error"},
		{"cut inside the message", 500, `{"message":"Server Err`, `{"message":"Server Err`},
		{"message not a string", 500, `{"message":{"a":1},"errors":{"x":["bad"]}}`, "x: bad"},
		{"empty object", 500, `{}`, "Internal Server Error"},
		{"JSON array", 500, `["a"]`, `["a"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, errorText(tt.status, []byte(tt.body)))
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	const key = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret"
	tests := []struct{ in, want string }{
		{"no key here", "no key here"},
		{"key " + key + " end", "key [redacted] end"},
		{`{"auth":"Bearer ` + key + `"}`, `{"auth":"Bearer [redacted]"}`},
		{"authorization: bearer other-key, then", "authorization: bearer [redacted], then"},
		{"BEARER  x", "BEARER  [redacted]"},
		{"Bearer ", "Bearer "},
		{"İİ bearer tok", "İİ bearer [redacted]"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, redact(tt.in, key), "input %q", tt.in)
	}
	require.Equal(t, "unchanged", redact("unchanged", ""), "an empty key must not be replaced everywhere")

	const odd = "a/b+c=d<e>&f g"
	for _, echoed := range []string{
		odd,
		"a%2Fb%2Bc%3Dd%3Ce%3E%26f+g",    // query-escaped
		"a%2Fb+c=d%3Ce%3E&f%20g",        // path-escaped
		"a/b+c=d&lt;e&gt;&amp;f g",      // HTML-escaped
		`a/b+c=d\u003ce\u003e\u0026f g`, // JSON-escaped (Go's encoder)
	} {
		require.Equal(t, "x [redacted] y", redact("x "+echoed+" y", odd), "form %q", echoed)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	require.Equal(t, "short", truncate("short", 300))
	long := strings.Repeat("é", 400) // 800 bytes
	got := truncate(long, 300)
	require.LessOrEqual(t, len(got), 300)
	require.True(t, strings.HasSuffix(got, "…"))
	require.True(t, strings.HasPrefix(long, strings.TrimSuffix(got, "…")))
	require.Equal(t, "a\uFFFDb", truncate("a\xffb", 300), "invalid UTF-8 is replaced")
}

func TestLeadID(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`{"data":{"id":44},"status":1}`:        "44",
		`{"data":{"id":"44"}}`:                 "44",
		`{"data":{"id":12345678901234567890}}`: "12345678901234567890",
		`{"data":{"id":null}}`:                 "",
		`{"data":{}}`:                          "",
		`{"status":1}`:                         "",
		``:                                     "",
		`not json`:                             "",
		`{"data":[{"id":1}]}`:                  "",
		`{"data":{"id":{"nested":1}}}`:         "",
	}
	for body, want := range tests {
		require.Equal(t, want, leadID([]byte(body)), "body %q", body)
	}
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	require.True(t, validKey("abc.DEF-123_~+/="))
	require.True(t, validKey("with\ttab"))
	require.False(t, validKey(""))
	require.False(t, validKey("key\n"))
	require.False(t, validKey("a\x00b"))
	require.False(t, validKey("a\x7fb"))
}

func TestWrapErrorRedactsAndKeepsCause(t *testing.T) {
	t.Parallel()
	const key = "secret-key-123"
	cause := errors.New("dial failed for secret-key-123")
	err := wrapError("create lead", key, cause)
	require.Equal(t, "partnero: create lead: dial failed for [redacted]", err.Error())
	require.ErrorIs(t, err, cause)

	plain := errors.New("connection refused")
	err = wrapError("lead form", key, plain)
	require.Equal(t, "partnero: lead form: connection refused", err.Error())
	require.ErrorIs(t, err, plain)
}

func TestAPIErrorString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "partnero: status 500", (&APIError{StatusCode: 500}).Error())
	require.Equal(t, "partnero: status 404: Lead not found", (&APIError{StatusCode: 404, Message: "Lead not found"}).Error())
}
