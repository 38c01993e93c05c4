package providers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

const clSig = "Calendly-Webhook-Signature"

// calendlyMAC checks Calendly-Webhook-Signature: t=<unix s>,v1=<hex
// HMAC-SHA256(signing key, t + "." + body)>. Any v1 may match, as with
// Stripe-style headers, so a key rotation on Calendly's side that sends
// two v1 values keeps working. The window is ours (5 minutes by default),
// not the 3 minutes of Calendly's sample code.
type calendlyMAC struct {
	secrets   [][]byte
	tolerance time.Duration
}

// calendlyHeader is a parsed Calendly-Webhook-Signature value.
type calendlyHeader struct {
	t    int64    // unix seconds
	tRaw string   // t exactly as received: it is what was signed
	v1   [][]byte // decoded signatures, each sha256.Size bytes
}

// parseCalendlyHeader splits the header on ",", each part on the first
// "=". Parts with other keys (a future v2, say) are ignored; empty parts
// are tolerated. Exactly one t and at least one v1 are required; every v1
// must be 64 hex characters. Errors never quote the value.
func parseCalendlyHeader(h string) (calendlyHeader, error) {
	var out calendlyHeader
	seenT := false
	for part := range strings.SplitSeq(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return calendlyHeader{}, errors.New("a part has no '='")
		}
		switch strings.TrimSpace(k) {
		case "t":
			if seenT {
				return calendlyHeader{}, errors.New("more than one t=")
			}
			seenT = true
			t, ok := parseDigits(val)
			if !ok {
				return calendlyHeader{}, errors.New("t= is not a unix timestamp")
			}
			out.t, out.tRaw = t, val
		case "v1":
			if len(val) != hex.EncodedLen(sha256.Size) {
				return calendlyHeader{}, errors.New("v1= is not 64 hex characters")
			}
			b, err := hex.DecodeString(val)
			if err != nil {
				return calendlyHeader{}, errors.New("v1= is not 64 hex characters")
			}
			out.v1 = append(out.v1, b)
		}
	}
	if !seenT {
		return calendlyHeader{}, errors.New("no t=")
	}
	if len(out.v1) == 0 {
		return calendlyHeader{}, errors.New("no v1=")
	}
	return out, nil
}

func (c *calendlyMAC) verify(r *Request, now time.Time) error {
	value, ok := headerValue(r.Header, clSig)
	if !ok {
		return verifyErr(ErrMissingSignature, Calendly, "header "+clSig)
	}
	h, err := parseCalendlyHeader(value)
	if err != nil {
		return verifyErr(ErrMalformedSignature, Calendly, "header "+clSig+": "+err.Error())
	}
	if !anySecretMatches(sha256.New, c.secrets, h.v1, []byte(h.tRaw), []byte{'.'}, r.Body) {
		return verifyErr(ErrSignatureMismatch, Calendly, "header "+clSig)
	}
	return checkWindow(Calendly, clSig, time.Unix(h.t, 0), now, c.tolerance)
}
