package providers

import (
	"bytes"
	"github.com/tidwall/gjson"

	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
)

// Media types Decode understands.
const (
	mediaJSON      = "application/json"
	mediaForm      = "application/x-www-form-urlencoded"
	mediaMultipart = "multipart/form-data"
)

// Decode turns a raw body into the JSON document the mapping runs on, then
// adds the provider's view keys (see views.go).
//
// contentType is the raw Content-Type header value; its parameters
// (charset) are ignored except multipart's boundary. When it is empty the
// type is detected: a body whose first non-space byte is { or [ is JSON,
// anything else form-urlencoded. JSON (application/json and any
// application/*+json) must be valid; form-urlencoded and multipart bodies
// become a JSON object of strings, repeated fields arrays of strings, and
// multipart file parts are skipped without being buffered. The whole body
// is already bounded by the caller, so no further memory limit applies.
//
// Errors wrap ErrUnsupportedMediaType (415) or ErrMalformedBody (400), and
// never quote the payload. An unknown provider is a plain error (a
// programming error: the mapping loader rejects unknown providers).
//
// The result may share memory with body (a JSON body without a view is
// returned as is): treat both as read-only.
func Decode(provider, contentType string, body []byte) ([]byte, error) {
	if !knownProvider(provider) {
		return nil, fmt.Errorf("decode: unknown provider %q", provider)
	}
	doc, err := decodeBody(contentType, body)
	if err != nil {
		return nil, err
	}
	return addView(provider, doc), nil
}

// decodeBody converts body to JSON according to its content type.
func decodeBody(contentType string, body []byte) ([]byte, error) {
	mediaType, params, err := parseContentType(contentType, body)
	if err != nil {
		return nil, err
	}
	switch {
	case isJSONMediaType(mediaType):
		if !validJSON(body) {
			return nil, jsonError(body)
		}
		return body, nil
	case mediaType == mediaForm:
		return decodeURLEncoded(body)
	case mediaType == mediaMultipart:
		return decodeMultipart(body, params["boundary"])
	}
	return nil, fmt.Errorf("decode: content type %q: %w", mediaType, ErrUnsupportedMediaType)
}

// parseContentType returns the lower-cased media type and its parameters,
// or the detected type when the header is empty.
func parseContentType(contentType string, body []byte) (string, map[string]string, error) {
	if strings.TrimSpace(contentType) == "" {
		return detectMediaType(body), nil, nil
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	// A malformed parameter (say a stray "; charset") still leaves a usable
	// media type; only multipart needs a parameter, and it reports its own.
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return "", nil, fmt.Errorf("decode: unparseable content type: %w", ErrUnsupportedMediaType)
	}
	return mediaType, params, nil
}

// detectMediaType guesses the type of a body sent without Content-Type.
func detectMediaType(body []byte) string {
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return mediaJSON
		}
		return mediaForm
	}
	return mediaForm
}

// isJSONMediaType accepts application/json and structured-syntax suffix
// types such as application/vnd.api+json (RFC 6839).
func isJSONMediaType(t string) bool {
	return t == mediaJSON || (strings.HasPrefix(t, "application/") && strings.HasSuffix(t, "+json"))
}

// jsonError describes why body is not valid JSON. It runs only on the
// failure path, so the extra parse costs nothing on valid bodies.
// maxDepth bounds how deeply a JSON body may nest: no form payload comes
// near it, and it keeps a hostile body (a megabyte of "[") from making the
// recursive validator and gjson grow huge stacks.
const maxDepth = 256

// validJSON checks body: the nesting bound with a flat scan, then syntax
// with gjson's validator, several times faster than encoding/json's
// (which is used only to word the error of an invalid body).
func validJSON(body []byte) bool {
	// Most bodies have fewer brackets than the bound at all: counting them
	// (vectorised) is much cheaper than scanning byte by byte.
	if bytes.Count(body, []byte("{"))+bytes.Count(body, []byte("[")) <= maxDepth {
		return gjson.ValidBytes(body)
	}
	depth := 0
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return false
			}
		case '}', ']':
			depth--
		}
	}
	return gjson.ValidBytes(body)
}

func jsonError(body []byte) error {
	var raw json.RawMessage
	err := json.Unmarshal(body, &raw)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("decode json: %s at byte %d: %w", se.Error(), se.Offset, ErrMalformedBody)
	}
	if err == nil {
		return fmt.Errorf("decode json: nested deeper than %d levels: %w", maxDepth, ErrMalformedBody)
	}
	return fmt.Errorf("decode json: invalid JSON: %w", ErrMalformedBody)
}
