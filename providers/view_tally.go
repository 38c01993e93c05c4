package providers

import "github.com/tidwall/gjson"

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
