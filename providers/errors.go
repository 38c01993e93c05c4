package providers

import "errors"

// Verification failures. [Verifier.Verify] returns a [*VerifyError] whose
// Kind is one of these, so callers branch with errors.Is and answer 401.
var (
	// ErrMissingSignature means a signature header the scheme needs is absent.
	ErrMissingSignature = errors.New("missing signature")
	// ErrMalformedSignature means a signature or timestamp header is present
	// but cannot be parsed (bad prefix, bad base64/hex, wrong length, bad
	// t=/v1= format, bad timestamp number).
	ErrMalformedSignature = errors.New("malformed signature")
	// ErrSignatureMismatch means no configured secret produces the signature.
	ErrSignatureMismatch = errors.New("signature mismatch")
	// ErrTimestampOutside means the signature is authentic but its timestamp
	// lies outside ±Tolerance of now (a replay, or a skewed clock).
	ErrTimestampOutside = errors.New("timestamp outside tolerance")
	// ErrMissingToken means tokens are configured and the request carries
	// neither an X-Leadbridge-Token header nor a ?token= parameter.
	ErrMissingToken = errors.New("missing token")
	// ErrTokenMismatch means the presented token matches no configured token.
	ErrTokenMismatch = errors.New("token mismatch")
)

// Decoding failures returned (wrapped) by [Decode].
var (
	// ErrUnsupportedMediaType means the content type is not JSON,
	// form-urlencoded or multipart (HTTP 415).
	ErrUnsupportedMediaType = errors.New("unsupported media type")
	// ErrMalformedBody means the body cannot be parsed for its content type
	// (HTTP 400).
	ErrMalformedBody = errors.New("malformed body")
)

// VerifyError is the error [Verifier.Verify] returns. It never contains a
// secret, a received or expected signature, or a received token: only the
// scheme, the kind of failure and which header was wrong, so it is safe to
// log and to return to the caller.
type VerifyError struct {
	// Kind is one of the Err* verification sentinels.
	Kind error
	// Scheme names the check that failed: "token", "typeform", "hubspot-v1",
	// "hubspot-v2", "hubspot-v3", "tally", "webflow", "calendly", "generic".
	Scheme string
	// Detail names the header and the problem, e.g.
	// "header Typeform-Signature: missing sha256= prefix". May be empty.
	Detail string
}

// Error formats the failure as "scheme: kind: detail".
func (e *VerifyError) Error() string {
	msg := e.Scheme + ": " + e.Kind.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns Kind so that errors.Is(err, ErrSignatureMismatch) works.
func (e *VerifyError) Unwrap() error { return e.Kind }

// verifyErr builds a *VerifyError; a helper so that scheme code stays short.
func verifyErr(kind error, scheme, detail string) error {
	return &VerifyError{Kind: kind, Scheme: scheme, Detail: detail}
}
