package partnerotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// fieldErrors collects Laravel validation messages in rule order, which a
// Go map would lose and which decides the summary message.
type fieldErrors struct {
	fields []string
	msgs   map[string][]string
	count  int
}

func (e *fieldErrors) add(field, msg string) {
	if e.msgs == nil {
		e.msgs = map[string][]string{}
	}
	if _, ok := e.msgs[field]; !ok {
		e.fields = append(e.fields, field)
	}
	e.msgs[field] = append(e.msgs[field], msg)
	e.count++
}

func (e *fieldErrors) empty() bool { return e.count == 0 }

// body is the 422 answer: {"message":"<first> (and N more errors)","errors":{...}},
// the summary Laravel's ValidationException builds.
func (e *fieldErrors) body() []byte {
	first := e.msgs[e.fields[0]][0]
	msg := first
	switch n := e.count - 1; {
	case n == 1:
		msg += " (and 1 more error)"
	case n > 1:
		msg += fmt.Sprintf(" (and %d more errors)", n)
	}
	var b bytes.Buffer
	b.WriteString(`{"message":`)
	b.Write(mustJSON(msg))
	b.WriteString(`,"errors":{`)
	for i, f := range e.fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(mustJSON(f))
		b.WriteByte(':')
		b.Write(mustJSON(e.msgs[f]))
	}
	b.WriteString("}}")
	return b.Bytes()
}

// leadInput is a decoded POST /leads body.
type leadInput struct {
	name, email string
	partner     Partner
	cfields     map[string]any
}

// kind of a JSON value after Laravel's TrimStrings and
// ConvertEmptyStringsToNull middleware.
type kind int

const (
	missing   kind = iota // absent, null, or a blank string
	text                  // a non-blank string
	notString             // anything else
)

func stringValue(raw json.RawMessage) (string, kind) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", missing
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", notString
	}
	if s = strings.TrimSpace(s); s == "" {
		return "", missing
	}
	return s, text
}

// validEmail accepts a bare address (no display name), roughly Laravel's
// default "email" rule.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// validateLead checks a create body against cfg. Unparseable JSON counts as
// an empty body, as in Laravel, so it yields "required" errors.
func validateLead(body []byte, cfg config) (leadInput, *fieldErrors) {
	var in leadInput
	errs := &fieldErrors{}
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		doc = nil
	}

	var k kind
	in.name, k = stringValue(doc["name"])
	switch k {
	case missing:
		errs.add("name", "The name field is required.")
	case notString:
		errs.add("name", "The name field must be a string.")
	}
	in.email, k = stringValue(doc["email"])
	switch {
	case k == missing:
		errs.add("email", "The email field is required.")
	case k == notString:
		errs.add("email", "The email field must be a string.")
	case !validEmail(in.email):
		errs.add("email", "The email field must be a valid email address.")
	}

	in.partner = validatePartner(doc["partner"], errs)
	in.cfields = validateCFields(doc["cfields"], cfg, errs)
	return in, errs
}

func validatePartner(raw json.RawMessage, errs *fieldErrors) Partner {
	var p Partner
	var obj map[string]json.RawMessage
	if bytes.Equal(bytes.TrimSpace(raw), []byte("[]")) {
		raw = nil // PHP cannot tell an empty array from an empty object
	}
	if _, k := stringValue(raw); k != missing && json.Unmarshal(raw, &obj) != nil {
		errs.add("partner", "The partner field must be an array.")
		return p
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"key", &p.Key}, {"id", &p.ID}, {"email", &p.Email}} {
		v, k := stringValue(obj[f.name])
		if k == notString {
			errs.add("partner."+f.name, "The partner."+f.name+" field must be a string.")
		}
		*f.dst = v
	}
	if p.Key == "" && p.ID == "" && p.Email == "" {
		errs.add("partner.key", "The partner.key field is required when none of partner.id / partner.email are present.")
	}
	if p.Email != "" && !validEmail(p.Email) {
		errs.add("partner.email", "The partner.email field must be a valid email address.")
	}
	return p
}

// validateCFields decodes cfields and, when the form is checked, validates
// them: unknown ids always, required fields and options as configured.
func validateCFields(raw json.RawMessage, cfg config, errs *fieldErrors) map[string]any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) || bytes.Equal(raw, []byte("[]")) {
		raw = []byte("{}") // PHP cannot tell an empty array from an empty object
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		errs.add("cfields", "The cfields field must be an array.")
		return nil
	}
	values := map[string]any{}
	for k, v := range obj {
		if val, ok := cfieldValue(v); ok {
			values[k] = val
		}
	}
	if cfg.form.check {
		checkCFields(values, cfg, errs)
	}
	if len(values) == 0 {
		return nil
	}
	return values
}

// cfieldValue normalises one value; ok is false when it is empty.
func cfieldValue(raw json.RawMessage) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	switch v := v.(type) {
	case nil:
		return nil, false
	case string:
		v = strings.TrimSpace(v)
		return v, v != ""
	case []any:
		strs := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return v, len(v) > 0 // mixed array: keep as decoded
			}
			if s = strings.TrimSpace(s); s != "" {
				strs = append(strs, s)
			}
		}
		return strs, len(strs) > 0
	default:
		return v, true
	}
}

func checkCFields(values map[string]any, cfg config, errs *fieldErrors) {
	keys := make([]string, 0, len(values)+len(cfg.form.fields))
	for k := range values {
		keys = append(keys, k)
	}
	for _, f := range cfg.form.fields {
		if k := strconv.Itoa(f.ID); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	sortKeys(keys)
	for _, k := range keys {
		attr := "cfields." + k
		f, known := cfg.form.field(k)
		v, present := values[k]
		switch {
		case !known:
			errs.add(attr, "The selected "+attr+" is invalid.")
			continue
		case f.Type == "text":
			continue // a static block: nothing to fill, anything sent is ignored
		case !present:
			if f.Required && cfg.enforceRequired {
				errs.add(attr, "The "+attr+" field is required.")
			}
			continue
		case !cfg.enforceOptions:
			continue
		}
		var chosen []string
		switch v := v.(type) {
		case string:
			chosen = []string{v}
		case []string:
			if f.Type != "checkbox" {
				errs.add(attr, "The "+attr+" field must be a string.")
				continue
			}
			chosen = v
		default:
			errs.add(attr, "The "+attr+" field must be a string.")
			continue
		}
		if hasOptions(f.Type) {
			for _, c := range chosen {
				if !slices.Contains(f.Options, c) {
					errs.add(attr, "The selected "+attr+" is invalid.")
					break
				}
			}
		}
	}
}

func hasOptions(fieldType string) bool {
	return fieldType == "checkbox" || fieldType == "radio" || fieldType == "select"
}

// sortKeys orders numeric ids numerically, then any other keys.
func sortKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		switch {
		case errA == nil && errB == nil:
			return a < b
		case errA == nil:
			return true
		case errB == nil:
			return false
		default:
			return keys[i] < keys[j]
		}
	})
}
