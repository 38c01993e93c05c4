package bridge

import "unicode/utf8"

// maxEcho is how much of a value that came from a request (a source name,
// a content type, a header) is logged or echoed: an unauthenticated client
// must not make the log grow faster than its requests (product.md §2).
const maxEcho = 100

// clip cuts s to maxEcho characters, marking the cut; invalid UTF-8 is
// left to the JSON encoders, which replace it.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	n := 0
	for i := range s {
		if n == maxEcho {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// clipMessage bounds a message that may quote request values: the
// message itself is bounded, at a few times maxEcho.
func clipMessage(s string) string {
	const maxMessage = 3 * maxEcho
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
