package providers

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// defaultTolerance is the replay window of timestamped schemes when
// Config.Tolerance is zero (product.md §3: 5 minutes, both directions).
const defaultTolerance = 5 * time.Minute

// tokenHeader carries a per-source token; it is preferred over ?token=
// because query strings end up in proxy and access logs.
const tokenHeader = "X-Leadbridge-Token"

// Request is the part of an HTTP request verification looks at. Body is the
// raw bytes, read once; schemes sign exactly these bytes.
type Request struct {
	Method string
	Header http.Header
	Query  url.Values // for ?token=
	Body   []byte
}

// SignatureSpec configures provider "generic": the header carries
// Prefix + Encoding(HMAC-Algorithm(secret, raw body)).
type SignatureSpec struct {
	Header    string // required when a generic source has secrets
	Algorithm string // "sha1" | "sha256" | "sha512"; "" means sha256
	Encoding  string // "hex" | "base64"; "" means hex
	Prefix    string // e.g. "sha256="; may be empty
}

// Config is one source's authentication settings. The mapping loader has
// validated it already; [NewVerifier] checks it again because a verifier
// that silently accepted everything would be the worst possible bug here.
type Config struct {
	Provider  string
	Secrets   []string      // any one may match (rotation); used for the provider's signature scheme
	Tokens    []string      // any one may match; header X-Leadbridge-Token (preferred) or query ?token=
	URL       string        // public URL of the endpoint; HubSpot v2/v3 sign it (never rebuilt from Host)
	Signature SignatureSpec // generic only
	Tolerance time.Duration // window for HubSpot v3, Webflow, Calendly; 0 means 5 minutes; applied in both directions (past and future)
	Insecure  bool          // accept unauthenticated requests explicitly
}

// scheme is one provider's signature check, built once by NewVerifier.
// Implementations hold only immutable data.
type scheme interface {
	verify(r *Request, now time.Time) error
}

// Verifier verifies requests for one source. It is safe for concurrent use:
// it holds no mutable state after NewVerifier returns.
type Verifier struct {
	ready    bool // false for a zero Verifier, which must fail closed
	insecure bool
	// tokens holds SHA-256 digests of the configured tokens, so that the
	// constant-time comparison runs over equal lengths and does not reveal
	// a token's length through timing.
	tokens [][sha256.Size]byte
	sig    scheme // nil when no secrets are configured
}

// NewVerifier builds the verifier for one source. It returns an error for
// inconsistent input: an unknown provider, an empty secret or token, secrets
// for a provider without a signature scheme (jotform), a generic source
// with secrets but no signature header, a HubSpot source with secrets but no
// URL, a negative tolerance, no authentication without Insecure, or Insecure
// together with secrets or tokens. Error messages never contain a secret,
// a token or the URL (which may carry a token in its query).
func NewVerifier(cfg Config) (*Verifier, error) {
	if !knownProvider(cfg.Provider) {
		return nil, fmt.Errorf("unknown provider %q", cfg.Provider)
	}
	for i, s := range cfg.Secrets {
		if s == "" {
			return nil, fmt.Errorf("%s: secret #%d is empty", cfg.Provider, i+1)
		}
	}
	for i, t := range cfg.Tokens {
		if t == "" {
			return nil, fmt.Errorf("%s: token #%d is empty", cfg.Provider, i+1)
		}
	}
	if cfg.Tolerance < 0 {
		return nil, fmt.Errorf("%s: tolerance %s is negative", cfg.Provider, cfg.Tolerance)
	}
	if cfg.Signature != (SignatureSpec{}) && (cfg.Provider != Generic || len(cfg.Secrets) == 0) {
		return nil, fmt.Errorf("%s: signature settings need provider generic with a secret", cfg.Provider)
	}
	authenticated := len(cfg.Secrets) > 0 || len(cfg.Tokens) > 0
	switch {
	case cfg.Insecure && authenticated:
		return nil, fmt.Errorf("%s: insecure contradicts the configured secret or token", cfg.Provider)
	case !cfg.Insecure && !authenticated:
		return nil, fmt.Errorf("%s: no secret, token or insecure: requests could not be authenticated", cfg.Provider)
	}

	v := &Verifier{ready: true, insecure: cfg.Insecure}
	for _, t := range cfg.Tokens {
		v.tokens = append(v.tokens, sha256.Sum256([]byte(t)))
	}
	if len(cfg.Secrets) > 0 {
		sig, err := newScheme(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Provider, err)
		}
		v.sig = sig
	}
	return v, nil
}

// newScheme builds the signature check for cfg.Provider; cfg has secrets.
func newScheme(cfg Config) (scheme, error) {
	secrets := make([][]byte, len(cfg.Secrets))
	for i, s := range cfg.Secrets {
		secrets[i] = []byte(s)
	}
	tol := cfg.Tolerance
	if tol == 0 {
		tol = defaultTolerance
	}
	switch cfg.Provider {
	case Typeform:
		return newTypeform(secrets), nil
	case Tally:
		return newTally(secrets), nil
	case Generic:
		return newGeneric(cfg.Signature, secrets)
	case HubSpot:
		return newHubSpot(cfg.URL, secrets, tol)
	case Webflow:
		return &webflowMAC{secrets: secrets, tolerance: tol}, nil
	case Calendly:
		return &calendlyMAC{secrets: secrets, tolerance: tol}, nil
	case Jotform:
		return nil, errors.New("jotform sends no signature: use token instead of secret")
	}
	return nil, fmt.Errorf("no signature scheme for provider %q", cfg.Provider)
}

// Verify returns nil when r is authentic, or a *VerifyError wrapping one of
// the verification sentinels. When both tokens and secrets are configured,
// both must pass. now is injected so that tests use fixed clocks.
func (v *Verifier) Verify(r *Request, now time.Time) error {
	if v == nil || !v.ready {
		// Fail closed: a zero Verifier has no configuration to check against.
		return errors.New("verifier not built with NewVerifier")
	}
	if v.insecure {
		return nil
	}
	if r == nil {
		r = &Request{}
	}
	if len(v.tokens) > 0 {
		if err := v.checkToken(r); err != nil {
			return err
		}
	}
	if v.sig != nil {
		return v.sig.verify(r, now)
	}
	return nil
}

// checkToken accepts the X-Leadbridge-Token header, or ?token= when the
// header is absent. The header wins when both are present, so a correct
// query token cannot rescue a wrong header (no guessing two ways at once).
func (v *Verifier) checkToken(r *Request) error {
	got, ok := headerValue(r.Header, tokenHeader)
	if !ok {
		got = r.Query.Get("token")
	}
	if got == "" {
		return verifyErr(ErrMissingToken, "token", "neither header "+tokenHeader+" nor query parameter token")
	}
	sum := sha256.Sum256([]byte(got))
	match := 0
	for i := range v.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], v.tokens[i][:])
	}
	if match != 1 {
		return verifyErr(ErrTokenMismatch, "token", "")
	}
	return nil
}

// headerValue returns the first non-empty value of header name. An empty
// value counts as absent: an empty signature is no signature. It also finds
// non-canonical keys, for Header maps built by hand rather than by net/http.
func headerValue(h http.Header, name string) (string, bool) {
	if v := h.Get(name); v != "" {
		return v, true
	}
	for k, vs := range h {
		if len(vs) > 0 && vs[0] != "" && strings.EqualFold(k, name) {
			return vs[0], true
		}
	}
	return "", false
}

// checkWindow rejects a timestamp more than tol before or after now. The
// future side is our hardening: a clock ahead of ours by more than the
// window is as suspicious as a replay.
func checkWindow(scheme, header string, ts, now time.Time, tol time.Duration) error {
	// time.Time.Sub saturates instead of overflowing, so absurd timestamps
	// land outside the window rather than wrapping into it.
	if d := now.Sub(ts); d > tol {
		return verifyErr(ErrTimestampOutside, scheme,
			fmt.Sprintf("header %s: timestamp is %s in the past (tolerance %s)", header, d, tol))
	}
	if d := ts.Sub(now); d > tol {
		return verifyErr(ErrTimestampOutside, scheme,
			fmt.Sprintf("header %s: timestamp is %s in the future (tolerance %s)", header, d, tol))
	}
	return nil
}

// parseDigits parses a non-negative decimal integer made only of ASCII
// digits (no sign, no spaces), as the timestamp headers carry. At most 18
// digits, so the value always fits an int64.
func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// String describes the verifier without its secrets or tokens, so that a
// stray %v in a log line cannot leak them.
func (v *Verifier) String() string {
	if v == nil || !v.ready {
		return "providers.Verifier(unconfigured)"
	}
	return fmt.Sprintf("providers.Verifier(insecure=%t tokens=%d signature=%t)", v.insecure, len(v.tokens), v.sig != nil)
}

// GoString is String for %#v, which would otherwise print the key bytes.
func (v *Verifier) GoString() string { return v.String() }
