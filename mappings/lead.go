package mappings

import (
	"strconv"
	"unicode/utf8"
)

// Lead is the body of Partnero's POST /leads.
type Lead struct {
	Name    string
	Email   string
	Partner Partner
	// CFields in the order of the mapping file; empty values are left out.
	CFields []FieldValue
}

// FieldValue is one custom field of a lead.
type FieldValue struct {
	ID    string
	Value Value
}

// MarshalJSON renders the exact request body.
func (l Lead) MarshalJSON() ([]byte, error) { return l.AppendJSON(nil), nil }

// AppendJSON appends the request body to dst. Written by hand because it
// runs for every webhook and must stay cheap; the fuzz and golden tests
// check it against encoding/json.
func (l Lead) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"name":`...)
	dst = appendString(dst, l.Name)
	dst = append(dst, `,"email":`...)
	dst = appendString(dst, l.Email)
	dst = append(dst, `,"partner":`...)
	dst = l.Partner.appendJSON(dst)
	if len(l.CFields) > 0 {
		dst = append(dst, `,"cfields":{`...)
		for i, f := range l.CFields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, f.ID)
			dst = append(dst, ':')
			dst = f.Value.appendJSON(dst)
		}
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

func (p Partner) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	first := true
	for _, kv := range [3][2]string{{"key", p.Key}, {"id", p.ID}, {"email", p.Email}} {
		if kv[1] == "" {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, kv[0])
		dst = append(dst, ':')
		dst = appendString(dst, kv[1])
	}
	return append(dst, '}')
}

func (v Value) appendJSON(dst []byte) []byte {
	if !v.IsList {
		return appendString(dst, v.Str)
	}
	dst = append(dst, '[')
	for i, s := range v.List {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does, so the body is always valid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript consumers.
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\u202`...)
			dst = strconv.AppendInt(dst, int64(r&0xf), 16)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
