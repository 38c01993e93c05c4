package providers

import (
	"crypto/sha256"
	"time"
)

const (
	wfSig       = "X-Webflow-Signature"
	wfTimestamp = "X-Webflow-Timestamp"
)

// webflowMAC checks x-webflow-signature = hex HMAC-SHA256(client secret,
// timestamp + ":" + body), with x-webflow-timestamp in milliseconds.
// Only webhooks created by an OAuth app are signed; dashboard webhooks
// must use a token instead.
type webflowMAC struct {
	secrets   [][]byte
	tolerance time.Duration
}

func (w *webflowMAC) verify(r *Request, now time.Time) error {
	sig, ok := headerValue(r.Header, wfSig)
	if !ok {
		return verifyErr(ErrMissingSignature, Webflow, "header "+wfSig)
	}
	tsHeader, ok := headerValue(r.Header, wfTimestamp)
	if !ok {
		return verifyErr(ErrMissingSignature, Webflow, "header "+wfTimestamp)
	}
	ms, ok := parseDigits(tsHeader)
	if !ok {
		return verifyErr(ErrMalformedSignature, Webflow, "header "+wfTimestamp+": not a millisecond timestamp")
	}
	got, err := decodeMAC(wfSig, sig, encHex, sha256.Size)
	if err != nil {
		return verifyErr(ErrMalformedSignature, Webflow, err.Error())
	}
	if !anySecretMatches(sha256.New, w.secrets, [][]byte{got}, []byte(tsHeader), []byte{':'}, r.Body) {
		return verifyErr(ErrSignatureMismatch, Webflow, "header "+wfSig)
	}
	// After the MAC, as for HubSpot v3: a window error then means authentic.
	return checkWindow(Webflow, wfTimestamp, time.UnixMilli(ms), now, w.tolerance)
}
