package partnero

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

// CreateLead POSTs body, the already-built JSON of one lead, to {base}/leads
// with Authorization: Bearer apiKey, Accept: application/json and
// Content-Type: application/json, and classifies the answer:
//
//   - 2xx: Delivered, with LeadID from data.id (a missing body is fine);
//   - 408, 429, 5xx, network error, timeout, cancellation: Retry, with
//     RetryAfter when the server sent Retry-After;
//   - 401, 403: AuthFailed;
//   - 400, 404, 422 and any other 4xx: Dead, with InvalidPartner set when
//     Partnero said "Invalid partner key";
//   - 3xx: Dead with message "unexpected redirect" (never followed).
//
// The error is non-nil only when no answer arrived (network error, timeout,
// ctx done); the Outcome is then Retry. It wraps the cause, so errors.Is
// with context.DeadlineExceeded or context.Canceled works, and it never
// contains the API key. A key that cannot be sent (empty, or with control
// characters) gives AuthFailed without a request and without an error.
func (c *Client) CreateLead(ctx context.Context, apiKey string, body []byte) (Result, error) {
	if !validKey(apiKey) {
		return Result{Outcome: AuthFailed, Message: invalidKeyMessage}, nil
	}
	if body == nil {
		body = []byte{} // still a POST with a (empty) JSON body, not a bodiless one
	}
	ans, err := c.do(ctx, http.MethodPost, "/leads", apiKey, body, maxReadBytes)
	if err != nil {
		return Result{Outcome: Retry, Message: transportMessage(ctx, err, c.timeout, apiKey)},
			wrapError("create lead", apiKey, err)
	}

	res := Result{
		Outcome:    classify(ans.status),
		StatusCode: ans.status,
		RetryAfter: parseRetryAfter(ans.header.Get("Retry-After"), c.now()),
	}
	if res.Outcome == Delivered {
		res.LeadID = leadID(ans.body)
		return res, nil
	}
	msg := failureMessage(ans, apiKey)
	res.Message = truncate(msg, maxMessageBytes)
	// 422 is included because Partnero's unknown-partner answer for leads is
	// undocumented: a validation-style rejection of the partner is the same
	// stale-referral situation as the documented 400.
	if (ans.status == http.StatusBadRequest || ans.status == http.StatusUnprocessableEntity) &&
		containsFold(msg, "invalid partner") {
		res.InvalidPartner = true
	}
	return res, nil
}

// leadID extracts data.id from a create answer, accepting a number or a
// string. Anything else gives "", since the lead was created regardless.
func leadID(body []byte) string {
	var env struct {
		Data struct {
			ID json.RawMessage `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	id := bytes.TrimSpace(env.Data.ID)
	switch {
	case len(id) == 0:
		return ""
	case id[0] == '"':
		var s string
		if json.Unmarshal(id, &s) != nil {
			return ""
		}
		return s
	case id[0] == '-' || (id[0] >= '0' && id[0] <= '9'):
		return string(id) // keep the literal: no float64 rounding of big ids
	default:
		return ""
	}
}
