package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sessions are stateless signed cookies: "<expiry unix>.<nonce>.<mac>",
// the MAC an HMAC-SHA256 under a key derived from the admin token. Chosen
// over an in-memory map because such a session
//   - survives a restart of the server, and works behind several instances
//     sharing one PostgreSQL store (any of them checks it);
//   - costs no memory and no cleanup, however many logins are made;
//   - ends for everyone when the admin token changes (the key changes),
//     which is how an operator revokes access.
//
// The cost: logging out clears the cookie in that browser but cannot
// revoke a copied cookie before it expires (SessionTTL, 12h by default);
// rotating the token does.
//
// The CSRF token of a session is an HMAC of its nonce: a page carries it in
// a hidden field (forms) and a meta tag (fetch from console.js sends it as
// X-CSRF-Token). Requests with a bearer header need none: a browser never
// adds that header to a forged request.

const (
	sessionCookie = "leadbridge_console"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// session is who is asking: a logged-in browser (nonce set) or a bearer
// client.
type session struct {
	nonce  string
	bearer bool
	csrf   string // "" for bearer clients
}

func sessionKey(token string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("leadbridge console session key v1"))
	return m.Sum(nil)
}

func (h *handler) mac(parts ...string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newSession returns a cookie value valid until exp.
func (h *handler) newSession(exp time.Time) string {
	var n [16]byte
	_, _ = rand.Read(n[:])
	nonce := hex.EncodeToString(n[:])
	e := strconv.FormatInt(exp.Unix(), 10)
	return e + "." + nonce + "." + h.mac("session", e, nonce)
}

// checkSession returns the session of a valid, unexpired cookie value.
func (h *handler) checkSession(v string) (*session, bool) {
	e, rest, ok := strings.Cut(v, ".")
	if !ok {
		return nil, false
	}
	nonce, sig, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(h.mac("session", e, nonce))) {
		return nil, false
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || h.now().Unix() >= exp {
		return nil, false
	}
	return &session{nonce: nonce, csrf: h.mac("csrf", nonce)}, true
}

// tokenMatches compares a presented token with the admin token as SHA-256
// digests in constant time: neither content nor length leaks by timing.
func (h *handler) tokenMatches(got string) bool {
	want := sha256.Sum256([]byte(h.cfg.Token.Reveal()))
	have := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(want[:], have[:]) == 1
}

// bearer returns the token of an "Authorization: Bearer <token>" header;
// the scheme is case-insensitive (RFC 9110).
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

type pageFunc func(w http.ResponseWriter, r *http.Request, s *session)

// authed lets a request through with a right bearer token, or a valid
// session cookie; a state-changing request with the cookie must also carry
// the session's CSRF token (403 otherwise). A wrong bearer token is 401;
// no credentials at all is 401 with the login form.
func (h *handler) authed(next pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := bearer(r); ok {
			if !h.tokenMatches(tok) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="leadbridge console"`)
				h.render(w, r, nil, http.StatusUnauthorized, "login", loginData{Error: "Wrong admin token."})
				return
			}
			next(w, r, &session{bearer: true})
			return
		}
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			h.render(w, r, nil, http.StatusUnauthorized, "login", loginData{})
			return
		}
		s, ok := h.checkSession(c.Value)
		if !ok {
			h.clearCookie(w, r)
			h.render(w, r, nil, http.StatusUnauthorized, "login", loginData{Error: "Your session has expired: log in again."})
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !h.csrfOK(w, r, s) {
			h.fail(w, r, s, http.StatusForbidden, "This form is stale or did not come from the console (missing or wrong CSRF token): reload the page and try again.")
			return
		}
		next(w, r, s)
	}
}

// csrfOK checks the header, else the form field. The body is limited
// first: the playground posts payloads, nothing posts more.
func (h *handler) csrfOK(w http.ResponseWriter, r *http.Request, s *session) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		if err := h.parseForm(w, r); err != nil {
			return false
		}
		got = r.PostFormValue(csrfField)
	}
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrf))
}

// parseForm reads a urlencoded or multipart body of bounded size.
func (h *handler) parseForm(w http.ResponseWriter, r *http.Request) error {
	if r.PostForm != nil {
		return nil
	}
	limit := 2*h.cfg.MaxPayload + 1<<20
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(limit)
	}
	return r.ParseForm()
}

type loginData struct{ Error string }

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, nil, http.StatusOK, "login", loginData{})
}

// login checks the form's token and sets the session cookie.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.logins.Allow() {
		w.Header().Set("Retry-After", "1")
		h.render(w, r, nil, http.StatusTooManyRequests, "login", loginData{Error: "Too many attempts: wait a second and try again."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !h.tokenMatches(strings.TrimSpace(r.PostFormValue("token"))) {
		h.log.Warn("console: login with a wrong admin token", "remote", cut(r.RemoteAddr, 100))
		h.render(w, r, nil, http.StatusUnauthorized, "login", loginData{Error: "Wrong admin token."})
		return
	}
	exp := h.now().Add(h.cfg.SessionTTL)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: h.newSession(exp), Path: "/", Expires: exp,
		MaxAge: int(h.cfg.SessionTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
	h.log.Info("console: logged in", "remote", cut(r.RemoteAddr, 100))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, _ *session) {
	h.clearCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (h *handler) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

// overTLS tells whether the browser reached us over TLS: directly, or
// through a reverse proxy that says so. Trusting the header can only make
// the cookie stricter.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// cut shortens a request-derived value for logs and pages.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}
