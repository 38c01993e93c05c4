package partnero

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxMessageBytes bounds Result.Message and APIError.Message: enough for
	// a validation summary, small enough to store with every attempt.
	maxMessageBytes = 300
	// maxFieldErrors is how many field errors are appended to the message.
	maxFieldErrors = 3
	redacted       = "[redacted]"
)

// failureMessage builds the untruncated but redacted message for a non-2xx
// answer. Callers truncate after redaction, so that truncation can never
// leave a recognisable part of the key behind.
func failureMessage(ans answer, apiKey string) string {
	var msg string
	if ans.status >= 300 && ans.status < 400 {
		msg = "unexpected redirect"
		if ans.location != "" {
			msg += " to " + ans.location
		}
		msg += " (check the Partnero base URL)"
	} else {
		// Redact the raw body too: tag stripping or JSON decoding could
		// otherwise alter an echoed key so that it no longer matches.
		msg = errorText(ans.status, []byte(redact(string(ans.body), apiKey)))
	}
	return redact(msg, apiKey)
}

// errorText summarises an error body. Partnero (Laravel) sends
// {"message": "...", "errors": {"field": ["..."]}}; other bodies, such as a
// proxy's HTML page, are reduced to their text.
func errorText(status int, body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return statusText(status)
	}
	if body[0] == '{' {
		if msg, errs, ok := decodeErrorBody(body); ok {
			var extra []string
			for _, fe := range fieldErrors(errs) {
				// Laravel's message repeats the first error; do not say it twice.
				if len(extra) < maxFieldErrors && !strings.Contains(msg, fe.text) {
					extra = append(extra, fe.field+": "+fe.text)
				}
			}
			switch {
			case msg == "" && len(extra) == 0:
				return statusText(status)
			case msg == "":
				return strings.Join(extra, "; ")
			case len(extra) == 0:
				return msg
			default:
				return msg + " (" + strings.Join(extra, "; ") + ")"
			}
		}
	}
	if text := collapseSpace(stripTags(string(body))); text != "" {
		return text
	}
	return statusText(status)
}

// decodeErrorBody reads "message" (or "error") and "errors" from a JSON
// object. It walks the top level token by token so that a body cut at the
// read limit still yields the fields before the cut: Laravel's debug answers
// put "message" first and a long "trace" after it. ok is false when no
// field was found in a body that is not valid JSON, so the caller shows the
// raw text instead.
func decodeErrorBody(body []byte) (msg string, errs json.RawMessage, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", nil, false
	}
	found, complete := false, false
	var errText string
	for {
		if !dec.More() {
			_, err := dec.Token() // the closing brace
			complete = err == nil
			break
		}
		tok, err := dec.Token()
		if err != nil {
			break
		}
		var value json.RawMessage
		if dec.Decode(&value) != nil {
			break
		}
		var s string
		switch key, _ := tok.(string); key {
		case "message":
			if json.Unmarshal(value, &s) == nil {
				msg, found = collapseSpace(s), true
			}
		case "error":
			if json.Unmarshal(value, &s) == nil {
				errText, found = collapseSpace(s), true
			}
		case "errors":
			errs, found = value, true
		}
	}
	if msg == "" {
		msg = errText
	}
	return msg, errs, found || complete
}

// fieldError is one field's first message from a Laravel "errors" object.
type fieldError struct{ field, text string }

// fieldErrors reads the "errors" object in document order, which is the
// order of the validation rules; a map would lose it. It also accepts an
// array of strings. Anything unexpected yields what was read so far.
func fieldErrors(raw json.RawMessage) []fieldError {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '[' {
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
		out := make([]fieldError, 0, len(list))
		for _, s := range list {
			out = append(out, fieldError{field: "error", text: collapseSpace(s)})
		}
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var out []fieldError
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		field, _ := tok.(string)
		var value json.RawMessage
		if dec.Decode(&value) != nil {
			return out
		}
		if text := firstString(value); text != "" {
			out = append(out, fieldError{field: field, text: text})
		}
	}
	return out
}

// firstString returns a JSON string, or the first string of a JSON array.
func firstString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return collapseSpace(s)
	}
	var list []any
	if json.Unmarshal(raw, &list) == nil {
		for _, v := range list {
			if s, ok := v.(string); ok && s != "" {
				return collapseSpace(s)
			}
		}
	}
	return ""
}

// statusText is the message for an answer without a usable body.
func statusText(status int) string {
	if text := http.StatusText(status); text != "" {
		return text
	}
	return "HTTP " + strconv.Itoa(status)
}

// stripTags removes <...> markup so an HTML error page reads as its text.
func stripTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// collapseSpace turns any run of whitespace into one space and trims.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// redact removes the API key and anything that looks like a bearer token.
// The second rule catches an echoed Authorization header even when the key
// differs from apiKey (another program's key, a key the caller mistyped).
func redact(s, apiKey string) string {
	if apiKey != "" {
		for _, form := range keyForms(apiKey) {
			s = strings.ReplaceAll(s, form, redacted)
		}
	}
	return redactBearer(s)
}

// keyForms lists the ways an echoed key may be spelled: as is, and escaped
// for a URL query or path, JSON or HTML.
func keyForms(apiKey string) []string {
	forms := []string{apiKey, url.QueryEscape(apiKey), url.PathEscape(apiKey), html.EscapeString(apiKey)}
	if b, err := json.Marshal(apiKey); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	return forms
}

// redactBearer replaces the token after each "Bearer " (any case).
func redactBearer(s string) string {
	const word = "bearer "
	i := indexFoldASCII(s, word, 0)
	if i < 0 {
		return s
	}
	var b strings.Builder
	start := 0
	for i >= 0 {
		tok := i + len(word)
		for tok < len(s) && s[tok] == ' ' {
			tok++
		}
		end := tok
		if strings.HasPrefix(s[tok:], redacted) {
			end += len(redacted) // the key itself was already replaced
		} else {
			for end < len(s) && !isTokenEnd(s[end]) {
				end++
			}
		}
		b.WriteString(s[start:tok])
		if end > tok {
			b.WriteString(redacted)
		}
		start = end
		i = indexFoldASCII(s, word, end)
	}
	b.WriteString(s[start:])
	return b.String()
}

// isTokenEnd reports the bytes that end a token echoed in JSON or prose.
func isTokenEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', ',', ';', '<', '}', ']', ')', '\\':
		return true
	}
	return false
}

// indexFoldASCII is strings.Index with ASCII case folding, from byte offset
// from. (strings.ToLower could change byte offsets on non-ASCII text.)
func indexFoldASCII(s, substr string, from int) int {
	for i := from; i+len(substr) <= len(s); i++ {
		match := true
		for j := 0; j < len(substr); j++ {
			if lowerASCII(s[i+j]) != lowerASCII(substr[j]) {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFold reports whether substr is in s, ignoring ASCII case.
func containsFold(s, substr string) bool {
	return indexFoldASCII(s, substr, 0) >= 0
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut
// with "…", and replaces invalid UTF-8 so the result is safe to store.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
