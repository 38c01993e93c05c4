package partnero

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// parseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): either
// delta-seconds or an HTTP-date, relative to now. Absent, malformed or past
// values give 0, meaning "no hint". No upper cap is applied: honouring a long
// Retry-After is the caller's policy, not the client's.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if isDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		// Clamp instead of overflowing time.Duration (int64 nanoseconds).
		const maxSeconds = math.MaxInt64 / int64(time.Second)
		if err != nil || n > maxSeconds {
			n = maxSeconds
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}

// isDigits reports whether s is non-empty ASCII digits only; ParseInt alone
// would also accept a sign, which delta-seconds does not allow.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
