package providers

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"
)

// Provider views (product.md §4) add top-level keys to the decoded
// document so that mappings can say answers.email instead of
// form_response.answers.#(field.ref=="email").email. The payload's own
// paths keep working: the document is only extended, never rewritten,
// except Jotform's rawRequest, which is a JSON string and becomes the
// object it encodes.
//
// A view is added only when the structure it reads exists (Typeform's
// form_response.answers, Tally's data.fields, HubSpot's properties,
// Jotform's rawRequest) and the root is an object. When the payload already
// has a top-level key of the view's name, that key is left alone and the
// view is not added: the sender's own data wins, a mapping written against
// the raw payload keeps its meaning, and a view never hides input.
//
// Values are copied as raw JSON from the payload, so numbers stay numbers
// with their exact digits and booleans stay booleans. Within a view the
// first entry of a name wins when names repeat.

// viewWriter appends a view's JSON object to dst, reading the document s.
// It reports false when the view's source structure is absent.
type viewWriter func(dst []byte, s string) ([]byte, bool)

// addView returns doc with the provider's view added; doc itself when the
// provider has none or the view does not apply.
func addView(provider string, doc []byte) []byte {
	switch provider {
	case Typeform:
		return withTopLevel(doc, "answers", typeformView)
	case Tally:
		return withTopLevel(doc, "fields", tallyView)
	case HubSpot:
		return withTopLevel(doc, "props", hubspotView)
	case Jotform:
		return jotformView(doc)
	}
	return doc // generic, webflow, calendly: their payloads are usable as sent
}

// withTopLevel inserts `"key":<view>` before the closing brace of doc's root
// object, writing everything into one buffer: the document is copied once
// and never re-encoded.
func withTopLevel(doc []byte, key string, write viewWriter) []byte {
	end := rootObjectEnd(doc)
	if end < 0 {
		return doc
	}
	// One string copy for gjson: Get on a string returns substrings of it
	// without further copies (GetBytes copies every result).
	s := string(doc)
	if gjson.Get(s, key).Exists() {
		return doc
	}
	// Insert right after the last member, before any whitespace that
	// precedes the closing brace, so a pretty document stays readable.
	at, empty := lastMemberEnd(doc, end)
	out := make([]byte, 0, len(doc)+len(doc)/4+64)
	out = append(out, doc[:at]...)
	if !empty {
		out = append(out, ',')
	}
	out = appendJSONString(out, key)
	out = append(out, ':')
	out, ok := write(out, s)
	if !ok {
		return doc
	}
	return append(out, doc[at:]...)
}

// rootObjectEnd returns the index of the closing brace of doc's root object,
// or -1 when the root is not an object. doc is valid JSON, so a last
// non-space byte '}' can only close a root object.
func rootObjectEnd(doc []byte) int {
	for i := len(doc) - 1; i >= 0; i-- {
		switch doc[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '}':
			return i
		}
		return -1
	}
	return -1
}

// lastMemberEnd returns the index just after the last non-space byte
// before the root object's closing brace at end, and whether that byte is
// the opening brace (an empty object, which needs no comma).
func lastMemberEnd(doc []byte, end int) (int, bool) {
	for i := end - 1; i >= 0; i-- {
		switch doc[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return i + 1, doc[i] == '{'
	}
	return end, true // unreachable for valid JSON: the root has an opening brace
}

// objectWriter writes the entries of one view object, skipping names seen
// before so that the object never has duplicate keys.
type objectWriter struct {
	dst  []byte
	n    int
	seen map[string]struct{}
}

// begin writes the separator and key of a new entry and returns a mark to
// roll back to if the value turns out to be absent; ok is false for a name
// already written.
func (w *objectWriter) begin(name string) (mark int, ok bool) {
	name = validUTF8(name) // as written, so that the dedupe sees what readers will
	if _, dup := w.seen[name]; dup {
		return 0, false
	}
	mark = len(w.dst)
	if w.n > 0 {
		w.dst = append(w.dst, ',')
	}
	w.dst = appendJSONString(w.dst, name)
	w.dst = append(w.dst, ':')
	return mark, true
}

// commit records a written entry.
func (w *objectWriter) commit(name string) {
	name = validUTF8(name)
	if w.seen == nil {
		w.seen = make(map[string]struct{})
	}
	w.seen[name] = struct{}{}
	w.n++
}

// entry writes name: raw.
func (w *objectWriter) entry(name, raw string) {
	if _, ok := w.begin(name); ok {
		w.dst = append(w.dst, raw...)
		w.commit(name)
	}
}

// field returns obj's member named key, matched literally (no gjson path
// syntax, since keys such as an answer type come from the payload).
func field(obj gjson.Result, key string) gjson.Result {
	var out gjson.Result
	obj.ForEach(func(k, v gjson.Result) bool {
		if k.Str == key {
			out = v
			return false
		}
		return true
	})
	return out
}

// present reports whether r holds a value other than JSON null.
func present(r gjson.Result) bool { return r.Exists() && r.Type != gjson.Null }

// typeformView: answers.<field ref> → the answer's natural value. Typeform
// stores each answer's value under a key named after its type (text,
// email, number, boolean, date, url, phone_number, file_url, payment...),
// so that rule covers every type, including future ones; only choice and
// choices need shaping: a label (or the "other" text), and a list of labels
// with the "other" text appended. Answers without a field.ref are skipped:
// refs are the stable, author-chosen names.
func typeformView(dst []byte, s string) ([]byte, bool) {
	answers := gjson.Get(s, "form_response.answers")
	if !answers.IsArray() {
		return dst, false
	}
	w := objectWriter{dst: append(dst, '{')}
	answers.ForEach(func(_, a gjson.Result) bool {
		ref := a.Get("field.ref")
		if ref.Type != gjson.String || ref.Str == "" {
			return true
		}
		mark, ok := w.begin(ref.Str)
		if !ok {
			return true
		}
		if w.dst, ok = appendTypeformValue(w.dst, a); ok {
			w.commit(ref.Str)
		} else {
			w.dst = w.dst[:mark]
		}
		return true
	})
	return append(w.dst, '}'), true
}

// appendTypeformValue appends one answer's natural value.
func appendTypeformValue(dst []byte, a gjson.Result) ([]byte, bool) {
	typ := a.Get("type").Str
	switch typ {
	case "":
		return dst, false
	case "choice":
		c := field(a, "choice")
		if l := c.Get("label"); present(l) {
			return append(dst, l.Raw...), true
		}
		if o := c.Get("other"); present(o) {
			return append(dst, o.Raw...), true
		}
		return dst, false
	case "choices":
		c := field(a, "choices")
		labels, other := c.Get("labels"), c.Get("other")
		if !labels.IsArray() && !present(other) {
			return dst, false
		}
		dst = append(dst, '[')
		n := 0
		labels.ForEach(func(_, l gjson.Result) bool {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, l.Raw...)
			n++
			return true
		})
		if present(other) {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, other.Raw...)
		}
		return append(dst, ']'), true
	}
	v := field(a, typ)
	if !v.Exists() {
		return dst, false
	}
	return append(dst, v.Raw...), true
}

// tallyView: fields.<label> → the value, with choice option ids resolved to
// their text through the field's options: a string for single-choice
// fields, a list for multi-choice ones. CHECKBOXES also sends one boolean
// entry per option ("Checkboxes (Soccer)"); those are skipped because the
// question's own entry already carries the list. Hidden fields appear by
// their label like any other field. Other types keep their value as is.
func tallyView(dst []byte, s string) ([]byte, bool) {
	fields := gjson.Get(s, "data.fields")
	if !fields.IsArray() {
		return dst, false
	}
	w := objectWriter{dst: append(dst, '{')}
	fields.ForEach(func(_, f gjson.Result) bool {
		label := f.Get("label")
		if label.Type != gjson.String || label.Str == "" {
			return true
		}
		typ := f.Get("type").Str
		value := f.Get("value")
		if typ == "CHECKBOXES" && value.IsBool() {
			return true
		}
		if _, ok := w.begin(label.Str); !ok {
			return true
		}
		switch typ {
		case "MULTIPLE_CHOICE", "DROPDOWN":
			w.dst = appendTallySingle(w.dst, value, f.Get("options"))
		case "CHECKBOXES", "MULTI_SELECT", "RANKING":
			w.dst = appendTallyMulti(w.dst, value, f.Get("options"))
		default:
			w.dst = appendRawOrNull(w.dst, value)
		}
		w.commit(label.Str)
		return true
	})
	return append(w.dst, '}'), true
}

// appendTallySingle writes the text of the first selected option, or null.
func appendTallySingle(dst []byte, value, options gjson.Result) []byte {
	switch {
	case value.IsArray():
		first := value.Get("0")
		if !first.Exists() {
			return append(dst, "null"...)
		}
		return appendTallyOption(dst, first, options)
	case value.Type == gjson.String:
		return appendTallyOption(dst, value, options)
	}
	return appendRawOrNull(dst, value)
}

// appendTallyMulti writes the texts of all selected options as a list.
func appendTallyMulti(dst []byte, value, options gjson.Result) []byte {
	switch {
	case value.IsArray():
		dst = append(dst, '[')
		n := 0
		value.ForEach(func(_, id gjson.Result) bool {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = appendTallyOption(dst, id, options)
			n++
			return true
		})
		return append(dst, ']')
	case value.Type == gjson.String:
		dst = append(dst, '[')
		dst = appendTallyOption(dst, value, options)
		return append(dst, ']')
	}
	return appendRawOrNull(dst, value)
}

// appendTallyOption writes the text of the option whose id is id. An id
// with no matching option is written as it is: a visible id in a lead is
// easier to diagnose than a silently missing value.
func appendTallyOption(dst []byte, id, options gjson.Result) []byte {
	if id.Type == gjson.String {
		var text gjson.Result
		options.ForEach(func(_, o gjson.Result) bool {
			if oid := o.Get("id"); oid.Type == gjson.String && oid.Str == id.Str {
				text = o.Get("text")
				return false
			}
			return true
		})
		if text.Exists() {
			return append(dst, text.Raw...)
		}
	}
	return append(dst, id.Raw...)
}

// appendRawOrNull writes r's raw JSON, or null when r is absent.
func appendRawOrNull(dst []byte, r gjson.Result) []byte {
	if !r.Exists() {
		return append(dst, "null"...)
	}
	return append(dst, r.Raw...)
}

// hubspotView: props.<property> → properties.<property>.value, the shape of
// "include all properties" workflow bodies (legacy contact objects). A
// property that is already a plain value (not an object) is used as is, in
// case HubSpot sends flat v3-style properties [providers.md §10.1]; an
// object without "value" is skipped.
func hubspotView(dst []byte, s string) ([]byte, bool) {
	props := gjson.Get(s, "properties")
	if !props.IsObject() {
		return dst, false
	}
	w := objectWriter{dst: append(dst, '{')}
	props.ForEach(func(k, v gjson.Result) bool {
		if k.Str == "" {
			return true
		}
		if v.IsObject() {
			if val := field(v, "value"); val.Exists() {
				w.entry(k.Str, val.Raw)
			}
			return true
		}
		w.entry(k.Str, v.Raw)
		return true
	})
	return append(w.dst, '}'), true
}

// jotformView replaces the rawRequest string (the form post Jotform wraps as
// a JSON string) by the object it encodes, and adds fields.<unique name>
// for each q<N>_<unique name> key of it, so that mappings need neither the
// question number nor a second parse. A rawRequest that is not a string
// holding a JSON object is left as it is, without a view: the raw payload
// is still stored and a mapping can still read the other parts. If the
// sender already parsed it (a JSON body whose rawRequest is an object),
// only fields is added.
func jotformView(doc []byte) []byte {
	if rootObjectEnd(doc) < 0 {
		return doc
	}
	s := string(doc)
	rr := gjson.Get(s, "rawRequest")
	switch {
	case rr.IsObject():
	case rr.Type == gjson.String && rr.Index > 0 && strings.HasPrefix(s[rr.Index:], rr.Raw) && isJSONObject(rr.Str):
		out := make([]byte, 0, len(doc)+len(doc)/4+64)
		out = append(out, doc[:rr.Index]...)
		out = append(out, rr.Str...)
		out = append(out, doc[rr.Index+len(rr.Raw):]...)
		doc = out
	default:
		return doc
	}
	return withTopLevel(doc, "fields", jotformFields)
}

// jotformFields writes fields.<unique name> from the (parsed) rawRequest.
func jotformFields(dst []byte, s string) ([]byte, bool) {
	rr := gjson.Get(s, "rawRequest")
	if !rr.IsObject() {
		return dst, false
	}
	w := objectWriter{dst: append(dst, '{')}
	rr.ForEach(func(k, v gjson.Result) bool {
		if name, ok := jotformUniqueName(k.Str); ok {
			w.entry(name, v.Raw)
		}
		return true
	})
	return append(w.dst, '}'), true
}

// jotformUniqueName strips the q<digits>_ prefix Jotform puts before a
// field's unique name; keys without it (slug, event_id...) are bookkeeping.
func jotformUniqueName(key string) (string, bool) {
	if len(key) < 3 || key[0] != 'q' {
		return "", false
	}
	i := 1
	for i < len(key) && key[i] >= '0' && key[i] <= '9' {
		i++
	}
	if i == 1 || i >= len(key)-1 || key[i] != '_' {
		return "", false
	}
	return key[i+1:], true
}

// isJSONObject reports whether s is valid JSON whose root is an object.
func isJSONObject(s string) bool {
	t := strings.TrimLeft(s, " \t\r\n")
	return strings.HasPrefix(t, "{") && json.Valid([]byte(s))
}
