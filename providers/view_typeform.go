package providers

import "github.com/tidwall/gjson"

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
