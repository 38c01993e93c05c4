package partnero

import (
	"fmt"
	"time"
)

// Outcome classifies Partnero's answer to one CreateLead call, following the
// delivery rules of the product (product.md §5).
type Outcome int

const (
	// Delivered means Partnero accepted the lead (any 2xx).
	Delivered Outcome = iota + 1
	// Retry means the attempt may succeed later: 408, 429, 5xx, a network
	// error or a timeout. Result.RetryAfter says when, if Partnero said.
	Retry
	// Dead means retrying the same request cannot help: 400, 404, 422, any
	// other 4xx, or a redirect.
	Dead
	// AuthFailed means the API key was refused (401, 403) or cannot be sent.
	// The lead is fine; the key needs fixing.
	AuthFailed
)

// String returns the outcome's lower-case name, as used in logs and metrics.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Dead:
		return "dead"
	case AuthFailed:
		return "auth_failed"
	default:
		return fmt.Sprintf("Outcome(%d)", int(o))
	}
}

// Result describes one CreateLead call.
type Result struct {
	// Outcome is what the caller should do with the lead.
	Outcome Outcome
	// StatusCode is Partnero's HTTP status; 0 when no answer arrived
	// (network error, timeout, cancellation) or nothing was sent.
	StatusCode int
	// LeadID is Partnero's data.id, as a string, when Delivered. It is empty
	// when the answer had no (parseable) body.
	LeadID string
	// RetryAfter is the parsed Retry-After header (delta-seconds or
	// HTTP-date), 0 when absent, unparseable or in the past.
	RetryAfter time.Duration
	// Message is a short human excerpt of the failure: Partnero's message
	// plus its first field errors, or the transport error. At most 300 bytes;
	// never contains the API key. Empty when Delivered.
	Message string
	// InvalidPartner is set when Partnero rejected the partner identifier
	// ("Invalid partner key"), so the caller may retry once with a fallback
	// partner.
	InvalidPartner bool
}

// classify maps an HTTP status to an Outcome.
func classify(status int) Outcome {
	switch {
	case status >= 200 && status < 300:
		return Delivered
	case status >= 300 && status < 400:
		// The client does not follow redirects; a redirect means the base
		// URL is wrong, which no retry of this lead will fix.
		return Dead
	case status == 401 || status == 403:
		return AuthFailed
	case status == 408 || status == 429:
		return Retry
	case status >= 400 && status < 500:
		return Dead
	case status >= 500 && status < 600:
		return Retry
	default:
		// 1xx or a non-standard code: a confused server or proxy, not a
		// verdict on the lead. Retrying lets --max-age decide.
		return Retry
	}
}
