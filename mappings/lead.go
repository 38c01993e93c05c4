package mappings

import "github.com/leadbridge/leadbridge/internal/jsonstr"

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

// appendString appends s as a JSON string (see jsonstr.Append).
func appendString(dst []byte, s string) []byte { return jsonstr.Append(dst, s) }
