package console

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/store"
)

var pagePaths = []string{"/", "/events", "/events/1", "/playground", "/sources", "/no-such-page"}

func TestNoTokenNoConsole(t *testing.T) {
	x := newHarness(t, func(c *Config, _ *Deps) { c.Token = mappings.Secret{} })
	for _, p := range append(pagePaths, "/login", "/static/console.css") {
		for _, auth := range []reqOpt{bearerAuth(""), bearerAuth(testToken)} {
			rec := x.do(http.MethodGet, p, nil, auth)
			require.Equal(t, http.StatusNotFound, rec.Code, p)
			require.JSONEq(t, `{"status":"error","error":"not found"}`, rec.Body.String())
		}
	}
	rec := x.do(http.MethodPost, "/login", strings.NewReader("token="+testToken))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Empty(t, rec.Result().Cookies())
}

func TestAuth(t *testing.T) {
	x := newHarness(t)
	x.ingest("typeform", "k1", sample(t, "typeform.json"), queuedLead("k1", "alice.brown@example.com"))
	for _, p := range pagePaths[:5] {
		rec := x.do(http.MethodGet, p, nil)
		require.Equal(t, http.StatusUnauthorized, rec.Code, p)
		require.Contains(t, rec.Body.String(), `action="/login"`, "%s: the login form", p)
		require.Equal(t, http.StatusUnauthorized, x.do(http.MethodGet, p, nil, bearerAuth("wrong")).Code, p)
		for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
			rec := x.do(http.MethodGet, p, nil, header("Authorization", scheme+" "+testToken))
			require.Equal(t, http.StatusOK, rec.Code, "%s with scheme %s: %s", p, scheme, rec.Body.String())
		}
	}
	require.Equal(t, http.StatusUnauthorized, x.do(http.MethodGet, "/", nil, header("Authorization", testToken)).Code, "no scheme")
	require.Equal(t, http.StatusOK, x.do(http.MethodGet, "/login", nil).Code)
	require.Equal(t, http.StatusOK, x.do(http.MethodGet, "/static/console.js", nil).Code, "assets need no login")

	// A wrong token is 401 and sets nothing.
	rec := x.do(http.MethodPost, "/login", strings.NewReader("token=wrong"))
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Empty(t, rec.Result().Cookies())
	require.NotContains(t, rec.Body.String(), testToken)

	// The right one: a strict, HttpOnly cookie and a redirect to /.
	rec = x.do(http.MethodPost, "/login", strings.NewReader(url.Values{"token": {testToken}}.Encode()))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/", rec.Header().Get("Location"))
	c := rec.Result().Cookies()[0]
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, c.SameSite)
	require.False(t, c.Secure, "plain HTTP (an SSH tunnel): a Secure cookie would never come back")
	require.NotContains(t, c.Value, testToken)
	require.NotContains(t, rec.Header().Get("Location"), testToken)
	for _, p := range pagePaths[:5] {
		require.Equal(t, http.StatusOK, x.do(http.MethodGet, p, nil, withCookie(c)).Code, p)
	}

	// Over TLS, or behind a proxy that says so, the cookie is Secure.
	rec = x.do(http.MethodPost, "/login", strings.NewReader("token="+testToken), func(r *http.Request) { r.TLS = &tls.ConnectionState{} })
	require.True(t, rec.Result().Cookies()[0].Secure)
	rec = x.do(http.MethodPost, "/login", strings.NewReader("token="+testToken), header("X-Forwarded-Proto", "https"))
	require.True(t, rec.Result().Cookies()[0].Secure)

	// A tampered cookie is refused.
	bad := *c
	bad.Value = strings.Replace(c.Value, c.Value[:10], "9999999999", 1)
	require.Equal(t, http.StatusUnauthorized, x.do(http.MethodGet, "/", nil, withCookie(&bad)).Code)
	bad.Value = c.Value + "x"
	require.Equal(t, http.StatusUnauthorized, x.do(http.MethodGet, "/", nil, withCookie(&bad)).Code)

	// A session signed under another admin token is refused (rotating the
	// token logs everyone out).
	other := newHarness(t, func(cfg *Config, _ *Deps) { cfg.Token = mappings.NewSecret("another-token") })
	require.Equal(t, http.StatusUnauthorized, other.do(http.MethodGet, "/", nil, withCookie(c)).Code)

	// Sessions expire.
	x.clock.Add(12*time.Hour + time.Second)
	rec = x.do(http.MethodGet, "/", nil, withCookie(c))
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), "expired")
}

func TestLoginAttemptsAreLimited(t *testing.T) {
	x := newHarness(t)
	codes := map[int]int{}
	for range 15 {
		codes[x.do(http.MethodPost, "/login", strings.NewReader("token=guess")).Code]++
	}
	require.Equal(t, 10, codes[http.StatusUnauthorized])
	require.Equal(t, 5, codes[http.StatusTooManyRequests])
}

func TestCSRF(t *testing.T) {
	x := newHarness(t)
	id := x.ingest("typeform", "k1", sample(t, "typeform.json"), failedLead("k1"))
	c := x.login()
	page := x.do(http.MethodGet, "/events/1", nil, withCookie(c))
	require.Equal(t, http.StatusOK, page.Code)
	token := csrfOf(t, page.Body.String())
	require.Contains(t, page.Body.String(), `name="csrf" value="`+token+`"`, "forms carry it too")
	replay := "/events/1/replay"

	for name, form := range map[string]url.Values{"missing": {}, "wrong": {"csrf": {flip(token)}}, "empty": {"csrf": {""}}} {
		rec := x.do(http.MethodPost, replay, strings.NewReader(form.Encode()), withCookie(c))
		require.Equal(t, http.StatusForbidden, rec.Code, name)
	}
	require.Equal(t, http.StatusForbidden, x.do(http.MethodPost, "/logout", nil, withCookie(c)).Code)
	require.Equal(t, http.StatusForbidden, x.do(http.MethodPost, "/events/replay", strings.NewReader("status=failed"), withCookie(c)).Code)
	require.Equal(t, http.StatusForbidden, x.do(http.MethodPost, "/playground", strings.NewReader("yaml=x"), withCookie(c)).Code)
	require.Empty(t, x.replays.Calls(), "nothing was replayed")

	// Another session's token does not do.
	c2 := x.login()
	token2 := csrfOf(t, x.do(http.MethodGet, "/", nil, withCookie(c2)).Body.String())
	require.NotEqual(t, token, token2)
	require.Equal(t, http.StatusForbidden, x.do(http.MethodPost, replay, strings.NewReader("csrf="+token2), withCookie(c)).Code)

	rec := x.do(http.MethodPost, replay, strings.NewReader("csrf="+url.QueryEscape(token)), withCookie(c))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = x.do(http.MethodPost, replay, nil, withCookie(c), header(csrfHeader, token))
	require.Equal(t, http.StatusOK, rec.Code)
	rec = x.do(http.MethodPost, replay, nil, bearerAuth(testToken))
	require.Equal(t, http.StatusOK, rec.Code, "a bearer client needs no CSRF token")
	require.Equal(t, [][]int64{{id}, {id}, {id}}, x.replays.Calls())

	rec = x.do(http.MethodPost, "/logout", strings.NewReader("csrf="+url.QueryEscape(token)), withCookie(c))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, -1, rec.Result().Cookies()[0].MaxAge)
}

var (
	inlineScript = regexp.MustCompile(`(?i)<script\b[^>]*>\s*[^<\s]`)
	inlineAttrs  = regexp.MustCompile(`(?i)\s(on[a-z]+|style)\s*=`)
	cspHeader    = regexp.MustCompile(`default-src 'none'; script-src 'self'; style-src 'self';.*frame-ancestors 'none'`)
)

// TestSecurityHeadersAndNoInlineCode: every answer carries the CSP, and no
// page relies on what it forbids (inline script, handlers or styles).
func TestSecurityHeadersAndNoInlineCode(t *testing.T) {
	x := newHarness(t)
	x.ingest("typeform", "k1", sample(t, "typeform.json"), queuedLead("k1", "alice.brown@example.com"))
	c := x.login()
	paths := append(pagePaths, "/login", "/static/console.js", "/playground?event=1&source=typeform", "/events?status=failed")
	for _, p := range paths {
		for name, opt := range map[string]reqOpt{"cookie": withCookie(c), "none": func(*http.Request) {}} {
			rec := x.do(http.MethodGet, p, nil, opt)
			hd := rec.Header()
			require.Regexp(t, cspHeader, hd.Get("Content-Security-Policy"), "%s (%s)", p, name)
			require.Equal(t, "nosniff", hd.Get("X-Content-Type-Options"), p)
			require.Equal(t, "DENY", hd.Get("X-Frame-Options"), p)
			require.Equal(t, "no-referrer", hd.Get("Referrer-Policy"), p)
			if strings.HasPrefix(hd.Get("Content-Type"), "text/html") {
				body := rec.Body.String()
				require.NotRegexp(t, inlineScript, body, p)
				require.NotRegexp(t, inlineAttrs, body, p)
				require.NotContains(t, body, "http://", "%s: no external asset", p)
				require.NotContains(t, body, "https://cdn", p)
			}
		}
	}
	// Errors too.
	rec := x.do(http.MethodPost, "/events/1/replay", nil, withCookie(c))
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Regexp(t, cspHeader, rec.Header().Get("Content-Security-Policy"))
}

// TestPayloadValuesAreEscaped: a payload full of markup renders inert on
// every page that shows payload-derived text.
func TestPayloadValuesAreEscaped(t *testing.T) {
	x := newHarness(t)
	evil := `{"name":"<script>alert(1)</script>","email":"x@example.com\"><img src=x onerror=alert(2)>","ref":"r",` +
		`"<b>key</b>":"javascript:alert(3)","nested":{"a":"</pre><script>alert(4)</script>"}}`
	lead := store.NewLead{DedupeKey: "evil", Status: store.StatusFailed,
		Reason: `[{"field":"email","message":"\"<script>alert(5)</script>\" is not a valid email address"}]`}
	id := x.ingest("form", "evil", []byte(evil), lead)
	pages := map[string]string{
		"event":      x.get("/events/" + strconv.FormatInt(id, 10)).Body.String(),
		"events":     x.get("/events").Body.String(),
		"playground": x.get("/playground?event=" + strconv.FormatInt(id, 10) + "&source=form").Body.String(),
	}
	rec := x.postForm("/playground", url.Values{"payload": {evil}, "yaml": {testMappings}, "source": {"form"}, "partial": {"1"}})
	require.Equal(t, http.StatusOK, rec.Code)
	pages["playground results"] = rec.Body.String()
	for name, body := range pages {
		require.NotContains(t, body, "<script>alert", name)
		require.NotContains(t, body, "<img src=x", name)
		require.NotContains(t, body, "<b>key</b>", name)
		require.NotContains(t, body, `href="javascript:`, name)
	}
	require.Contains(t, pages["event"], "&lt;script&gt;alert(1)&lt;/script&gt;")
	require.Contains(t, pages["event"], `data-path="\&lt;b\&gt;key\&lt;\/b\&gt;"`, "attribute values are escaped too")
	require.Contains(t, pages["events"], "&lt;script&gt;alert(5)")
	require.Contains(t, pages["playground results"], "&lt;img src=x onerror=alert(2)&gt;")
}
