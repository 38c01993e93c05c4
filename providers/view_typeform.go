package providers

import "github.com/tidwall/gjson"

// typeformView: answers.<field ref> → the answer's natural value. Typeform
// stores each answer's value under a key named after its type (text,
// email, number, boolean, date, url, phone_number, file_url, payment...),
// so that rule covers every type, including future ones; only choice and
// choices need shaping: a label (or the "other" text), and a list of labels
// with the "other" text appended.
//
// An answer names its question by field.ref; Typeform's documented example
// payload, and older forms, carry only field.id there, with the ref in
// form_response.definition.fields. Such an answer takes the ref of the
// definition field with its id. Answers whose ref cannot be found either
// way are skipped: refs are the stable, author-chosen names.
func typeformView(dst []byte, s string) ([]byte, bool) {
	answers := gjson.Get(s, "form_response.answers")
	if !answers.IsArray() {
		return dst, false
	}
	w := objectWriter{dst: append(dst, '{')}
	var refs typeformRefs
	answers.ForEach(func(_, a gjson.Result) bool {
		field := a.Get("field")
		ref := field.Get("ref")
		if ref.Type != gjson.String || ref.Str == "" {
			ref = refs.byID(s, field.Get("id"))
		}
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

// typeformRefs maps definition field ids to refs. It is built on the first
// answer without a ref, so payloads whose answers all carry one (the usual
// case) never read the definition.
type typeformRefs struct {
	built bool
	byIDs map[string]gjson.Result
}

// byID returns the ref of the definition field whose id is id, or an empty
// result. The first field of an id wins, as in the view itself.
func (r *typeformRefs) byID(s string, id gjson.Result) gjson.Result {
	if id.Type != gjson.String || id.Str == "" {
		return gjson.Result{}
	}
	if !r.built {
		r.built = true
		gjson.Get(s, "form_response.definition.fields").ForEach(func(_, f gjson.Result) bool {
			fid, ref := f.Get("id"), f.Get("ref")
			if fid.Type != gjson.String || ref.Type != gjson.String {
				return true
			}
			if r.byIDs == nil {
				r.byIDs = make(map[string]gjson.Result)
			}
			if _, dup := r.byIDs[fid.Str]; !dup {
				r.byIDs[fid.Str] = ref
			}
			return true
		})
	}
	return r.byIDs[id.Str]
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
		return appendTypeformChoices(dst, field(a, "choices"))
	}
	v := field(a, typ)
	if !v.Exists() {
		return dst, false
	}
	return append(dst, v.Raw...), true
}

// appendTypeformChoices writes the labels of a multiple selection, with the
// "other" text last. Typeform documents {labels: [...], other}; a list of
// choice objects ({id, label, ref}), seen in public integration code for
// checkbox questions, gives its labels too.
func appendTypeformChoices(dst []byte, c gjson.Result) ([]byte, bool) {
	labels, other := c.Get("labels"), c.Get("other")
	if c.IsArray() {
		labels, other = c, gjson.Result{}
	}
	if !labels.IsArray() && !present(other) {
		return dst, false
	}
	dst = append(dst, '[')
	n := 0
	labels.ForEach(func(_, l gjson.Result) bool {
		if l.IsObject() {
			if l = l.Get("label"); !present(l) {
				return true
			}
		}
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
