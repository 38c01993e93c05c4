package providers

import "github.com/tidwall/gjson"

// Provider views (product.md §4; one file per provider, view_*.go) add
// top-level keys to the decoded document so that mappings can say
// answers.email instead of form_response.answers.#(field.ref=="email").email.
// The payload's own paths keep working: the document is only extended,
// never rewritten, except Jotform's rawRequest, which is a JSON string and
// becomes the object it encodes.
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

// withTopLevel inserts `"key":<view>` as the first member of doc's root
// object, writing everything into one buffer: the document is copied once
// and never re-encoded. First, because gjson finds a key by scanning: a
// view at the front is found at once by every rule that reads it, where at
// the end each lookup would first skip the whole payload.
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
	open, empty := rootObjectStart(doc, end)
	out := make([]byte, 0, len(doc)+len(doc)/4+64)
	out = append(out, doc[:open+1]...)
	out = appendJSONString(out, key)
	out = append(out, ':')
	out, ok := write(out, s)
	if !ok {
		return doc
	}
	if !empty {
		out = append(out, ',')
	}
	return append(out, doc[open+1:]...)
}

// rootObjectStart returns the index of the root object's opening brace and
// whether the object is empty (the next non-space byte is the closing
// brace at end).
func rootObjectStart(doc []byte, end int) (int, bool) {
	open := 0
	for open < end && doc[open] != '{' {
		open++
	}
	for i := open + 1; i < end; i++ {
		switch doc[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return open, false
	}
	return open, true
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

// appendRawOrNull writes r's raw JSON, or null when r is absent.
func appendRawOrNull(dst []byte, r gjson.Result) []byte {
	if !r.Exists() {
		return append(dst, "null"...)
	}
	return append(dst, r.Raw...)
}
