package providers

import (
	"strings"
	"unicode/utf8"

	"github.com/leadbridge/leadbridge/internal/jsonstr"
)

// appendJSONString appends s as a JSON string literal (see jsonstr.Append).
func appendJSONString(dst []byte, s string) []byte { return jsonstr.Append(dst, s) }

// validUTF8 returns s with each run of invalid bytes replaced by U+FFFD, so
// that names compared before encoding compare as they will be written.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
