package mappings

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Value is what a rule yields: a string, or a list of strings (Partnero
// checkbox fields take arrays). The zero Value is empty.
type Value struct {
	Str    string
	List   []string
	IsList bool
}

// IsEmpty reports whether the value carries nothing.
func (v Value) IsEmpty() bool {
	if v.IsList {
		return len(v.List) == 0
	}
	return v.Str == ""
}

// Join renders a list joined by sep, or the string itself.
func (v Value) Join(sep string) string {
	if v.IsList {
		return strings.Join(v.List, sep)
	}
	return v.Str
}

// MarshalJSON renders a string or an array of strings.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.IsList {
		if v.List == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(v.List)
	}
	return json.Marshal(v.Str)
}

// ErrObjectValue and friends are the typing errors of product.md §3.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

// fromResult types a gjson result: strings are trimmed, numbers and
// booleans become strings, an array of scalars stays a list (empty
// elements dropped), and an object is an error that names its keys.
func fromResult(r gjson.Result) (Value, error) {
	switch r.Type {
	case gjson.Null:
		return Value{}, nil
	case gjson.String:
		return Value{Str: strings.TrimSpace(r.Str)}, nil
	case gjson.Number, gjson.True, gjson.False:
		return Value{Str: r.String()}, nil
	}
	if r.IsArray() {
		var list []string
		var err error
		r.ForEach(func(_, e gjson.Result) bool {
			switch e.Type {
			case gjson.Null:
				return true
			case gjson.String:
				if s := strings.TrimSpace(e.Str); s != "" {
					list = append(list, s)
				}
				return true
			case gjson.Number, gjson.True, gjson.False:
				list = append(list, e.String())
				return true
			}
			if e.IsArray() {
				err = &valueError{"is a list that contains lists; flatten it with @flatten or select one element"}
			} else {
				err = &valueError{"is a list that contains objects; select a field of them (e.g. path.#.field)"}
			}
			return false
		})
		if err != nil {
			return Value{}, err
		}
		return Value{List: list, IsList: true}, nil
	}
	if r.IsObject() {
		return Value{}, &valueError{fmt.Sprintf("is an object, not a value; select one of its keys: %s", strings.Join(objectKeys(r, 12), ", "))}
	}
	return Value{}, nil
}

// objectKeys lists up to max keys of an object result.
func objectKeys(r gjson.Result, max int) []string {
	var keys []string
	more := 0
	r.ForEach(func(k, _ gjson.Result) bool {
		if len(keys) < max {
			keys = append(keys, k.String())
		} else {
			more++
		}
		return true
	})
	if more > 0 {
		keys = append(keys, fmt.Sprintf("… %d more", more))
	}
	return keys
}

// ValidEmail reports whether s looks like a deliverable bare address
// (local@domain.tld). It is deliberately simple and fast: Partnero does
// its own validation, we only catch mappings that picked the wrong field.
func ValidEmail(s string) bool {
	if len(s) < 3 || len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || strings.IndexByte(local, '@') >= 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '(' || c == ')' || c == '[' || c == ']' || c == '\\' || c == '"' {
			return false
		}
	}
	dot := strings.IndexByte(domain, '.')
	if dot <= 0 || domain[len(domain)-1] == '.' || strings.Contains(domain, "..") || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	return true
}
