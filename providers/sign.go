package providers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Signing schemes for SignScheme, named as VerifyError.Scheme names them.
const (
	SchemeHubSpotV1 = "hubspot-v1"
	SchemeHubSpotV2 = "hubspot-v2"
	SchemeHubSpotV3 = "hubspot-v3"
)

// Sign returns the headers a provider puts on a POST of body to the source
// cfg describes, as the provider itself would send them: the signature
// (and its timestamp) made with the first secret, and the first token in
// X-Leadbridge-Token. An insecure source gets no header. HubSpot gets what
// a workflow's "Send a webhook" action with a request signature sends: v2
// and v3 (v3 is checked when present). now is the signing time of the
// timestamped schemes (HubSpot v3, Webflow, Calendly).
//
// It is the mirror of [NewVerifier] and [Verifier.Verify], for `leadbridge
// send` and for tests: a body signed with it verifies with a verifier of
// the same Config. Errors never contain a secret or a token.
func Sign(cfg Config, body []byte, now time.Time) (http.Header, error) {
	return SignScheme(cfg, "", body, now)
}

// SignScheme is Sign with the scheme chosen where a provider has several:
// SchemeHubSpotV1, SchemeHubSpotV2 or SchemeHubSpotV3 for HubSpot alone
// (v1 is what app subscriptions carry beside v3). "" is Sign's default.
func SignScheme(cfg Config, scheme string, body []byte, now time.Time) (http.Header, error) {
	if _, err := NewVerifier(cfg); err != nil {
		// The same checks as verification: nothing is signed for a
		// configuration that could not verify it.
		return nil, err
	}
	if scheme != "" && cfg.Provider != HubSpot {
		return nil, fmt.Errorf("%s: scheme %q: only hubspot has a choice of schemes", cfg.Provider, scheme)
	}
	h := http.Header{}
	if len(cfg.Tokens) > 0 {
		h.Set(tokenHeader, cfg.Tokens[0])
	}
	if len(cfg.Secrets) == 0 {
		return h, nil
	}
	secret := []byte(cfg.Secrets[0])
	switch cfg.Provider {
	case Typeform:
		h.Set("Typeform-Signature", "sha256="+base64.StdEncoding.EncodeToString(hmacSHA256(secret, body)))
	case Tally:
		h.Set("Tally-Signature", base64.StdEncoding.EncodeToString(hmacSHA256(secret, body)))
	case Generic:
		mac, err := signGeneric(cfg.Signature, secret, body)
		if err != nil {
			return nil, err
		}
		h.Set(cfg.Signature.Header, mac)
	case Webflow:
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		h.Set(wfTimestamp, ts)
		h.Set(wfSig, hex.EncodeToString(hmacSHA256(secret, []byte(ts), []byte{':'}, body)))
	case Calendly:
		ts := strconv.FormatInt(now.Unix(), 10)
		h.Set(clSig, "t="+ts+",v1="+hex.EncodeToString(hmacSHA256(secret, []byte(ts), []byte{'.'}, body)))
	case HubSpot:
		return h, signHubSpot(h, cfg.URL, scheme, secret, body, now)
	default:
		return nil, fmt.Errorf("%s: no signature scheme to sign with", cfg.Provider)
	}
	return h, nil
}

// signHubSpot adds the headers of one HubSpot version, or of v2 and v3
// for "". The method is POST: HubSpot sends webhooks by POST.
func signHubSpot(h http.Header, publicURL, scheme string, secret, body []byte, now time.Time) error {
	const method = http.MethodPost
	v1 := func() {
		h.Set(hsVersion, "v1")
		h.Set(hsSig, hex.EncodeToString(sha256Of(secret, body)))
	}
	v2 := func() {
		h.Set(hsVersion, "v2")
		h.Set(hsSig, hex.EncodeToString(sha256Of(secret, []byte(method), []byte(publicURL), body)))
	}
	v3 := func() {
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		h.Set(hsTimestamp, ts)
		h.Set(hsSigV3, base64.StdEncoding.EncodeToString(hmacSHA256(secret, []byte(method), []byte(decodeSome(publicURL)), body, []byte(ts))))
	}
	switch scheme {
	case "":
		v2()
		v3()
	case SchemeHubSpotV1:
		v1()
	case SchemeHubSpotV2:
		v2()
	case SchemeHubSpotV3:
		v3()
	default:
		return fmt.Errorf("hubspot: unknown scheme %q (want %s, %s or %s)", scheme, SchemeHubSpotV1, SchemeHubSpotV2, SchemeHubSpotV3)
	}
	return nil
}

// signGeneric writes spec.Prefix + the encoded HMAC of body, with the
// defaults newGeneric applies (sha256, hex).
func signGeneric(spec SignatureSpec, secret, body []byte) (string, error) {
	m, err := newGeneric(spec, nil)
	if err != nil {
		return "", err
	}
	mac := hmac.New(m.newHash, secret)
	mac.Write(body)
	sum := mac.Sum(nil)
	if m.encoding == encBase64 {
		return m.prefix + base64.StdEncoding.EncodeToString(sum), nil
	}
	return m.prefix + hex.EncodeToString(sum), nil
}

func hmacSHA256(secret []byte, parts ...[]byte) []byte {
	mac := hmac.New(sha256.New, secret)
	for _, p := range parts {
		mac.Write(p)
	}
	return mac.Sum(nil)
}

// sha256Of is HubSpot v1/v2's plain hash of the secret and the parts.
func sha256Of(secret []byte, parts ...[]byte) []byte {
	d := sha256.New()
	d.Write(secret)
	for _, p := range parts {
		d.Write(p)
	}
	return d.Sum(nil)
}
