package providers

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"
)

// jotformView replaces the rawRequest string (the form post Jotform wraps as
// a JSON string) by the object it encodes, and adds fields.<unique name>
// for each q<N>_<unique name> key of it, so that mappings need neither the
// question number nor a second parse. File uploads are the exception
// Jotform makes: their URLs come under the bare unique name (brief:
// [url, ...]), with q<N>_<unique name> only inside temp_upload, so those
// keys join the view too (see jotformFields). A rawRequest that is not a string
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

// jotformFields writes fields.<unique name> from the (parsed) rawRequest:
// first every q<N>_<unique name> key, then the uploads, so that a question
// always wins over an upload of the same name.
func jotformFields(dst []byte, s string) ([]byte, bool) {
	rr := gjson.Get(s, "rawRequest")
	if !rr.IsObject() {
		return dst, false
	}
	w := objectWriter{dst: append(dst, '{')}
	type member struct {
		name  string
		value gjson.Result
	}
	var lists []member // bare keys with list values: upload candidates
	var tempUpload gjson.Result
	rr.ForEach(func(k, v gjson.Result) bool {
		if name, ok := jotformUniqueName(k.Str); ok {
			w.entry(name, v.Raw)
		} else if k.Str == "temp_upload" {
			tempUpload = v
		} else if v.IsArray() {
			lists = append(lists, member{k.Str, v})
		}
		return true
	})
	var uploadNames map[string]struct{}
	if len(lists) > 0 {
		uploadNames = jotformUploadNames(tempUpload)
	}
	for _, m := range lists {
		if isJotformUpload(m.name, m.value, uploadNames) {
			w.entry(m.name, m.value.Raw)
		}
	}
	return append(w.dst, '}'), true
}

// jotformUploadNames returns the unique names temp_upload lists as
// q<N>_<unique name>, read once for all upload candidates.
func jotformUploadNames(tempUpload gjson.Result) map[string]struct{} {
	var names map[string]struct{}
	tempUpload.ForEach(func(k, _ gjson.Result) bool {
		if n, ok := jotformUniqueName(k.Str); ok {
			if names == nil {
				names = make(map[string]struct{})
			}
			names[n] = struct{}{}
		}
		return true
	})
	return names
}

// isJotformUpload reports whether the bare key name with list value v is a
// file upload question: temp_upload names it (uploadNames), or every
// element is an http(s) URL, for a delivery without temp_upload. The
// bookkeeping keys of the captured deliveries (slug, path, event_id...) are
// never lists.
func isJotformUpload(name string, v gjson.Result, uploadNames map[string]struct{}) bool {
	if name == "" {
		return false
	}
	if _, named := uploadNames[name]; named {
		return true
	}
	urls := 0
	all := true
	v.ForEach(func(_, e gjson.Result) bool {
		if e.Type != gjson.String || !(strings.HasPrefix(e.Str, "https://") || strings.HasPrefix(e.Str, "http://")) {
			all = false
			return false
		}
		urls++
		return true
	})
	return all && urls > 0
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
