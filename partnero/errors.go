package partnero

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// APIError is a non-2xx answer from Partnero to a call whose caller needs an
// error rather than a Result (LeadForm). Match it with errors.As.
type APIError struct {
	// StatusCode is the HTTP status Partnero answered.
	StatusCode int
	// Message is a short excerpt of Partnero's error, at most 300 bytes,
	// never containing the API key.
	Message string
}

// Error returns "partnero: status <code>: <message>".
func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("partnero: status %d", e.StatusCode)
	}
	return fmt.Sprintf("partnero: status %d: %s", e.StatusCode, e.Message)
}

// redactedError carries a message with the API key removed while keeping the
// cause reachable for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// wrapError adds context to a transport error. net/http does not put header
// values into its errors, so the key should never be there; the check makes
// that a guarantee instead of an assumption.
func wrapError(op, apiKey string, err error) error {
	wrapped := fmt.Errorf("partnero: %s: %w", op, err)
	if msg := wrapped.Error(); redact(msg, apiKey) != msg {
		return &redactedError{msg: redact(msg, apiKey), err: err}
	}
	return wrapped
}

// transportMessage is the Result.Message for an attempt that got no answer.
// It names the cause briefly; the full chain is in the returned error.
func transportMessage(ctx context.Context, err error, timeout time.Duration, apiKey string) string {
	var msg string
	var netErr net.Error
	switch {
	case ctx.Err() != nil:
		// The caller gave up (shutdown, its own deadline), not Partnero.
		msg = "canceled: " + ctx.Err().Error()
	case errors.Is(err, context.DeadlineExceeded):
		msg = fmt.Sprintf("timeout: no answer within %s", timeout)
	case errors.As(err, &netErr) && netErr.Timeout():
		msg = "timeout: " + err.Error()
	default:
		msg = "network error: " + err.Error()
	}
	return truncate(redact(msg, apiKey), maxMessageBytes)
}
