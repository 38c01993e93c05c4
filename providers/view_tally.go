package providers

import "github.com/tidwall/gjson"

// tallyView: fields.<label> → the value, with choice option ids resolved to
// their text through the field's options: a string for single-choice
// fields, a list for multi-choice ones. CHECKBOXES also sends one boolean
// entry per option, labelled "<question> (<option>)"; those are kept as
// they are, so that "ticked Swimming?" is fields.Checkboxes (Swimming).
// MATRIX answers become an object of row text → list of column texts.
// Hidden fields, calculated fields and PAYMENT's per-part entries
// ("Payment (price)") appear by their label like any other field; other
// types keep their value as is.
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
		if _, ok := w.begin(label.Str); !ok {
			return true
		}
		switch typ {
		case "MULTIPLE_CHOICE", "DROPDOWN":
			w.dst = appendTallySingle(w.dst, value, &tallyLookup{list: f.Get("options")})
		case "CHECKBOXES", "MULTI_SELECT", "RANKING":
			// A per-option CHECKBOXES entry's boolean is written as is.
			w.dst = appendTallyMulti(w.dst, value, &tallyLookup{list: f.Get("options")})
		case "MATRIX":
			w.dst = appendTallyMatrix(w.dst, value, &tallyLookup{list: f.Get("rows")}, &tallyLookup{list: f.Get("columns")})
		default:
			w.dst = appendRawOrNull(w.dst, value)
		}
		w.commit(label.Str)
		return true
	})
	return append(w.dst, '}'), true
}

// appendTallySingle writes the text of the first selected option, or null.
func appendTallySingle(dst []byte, value gjson.Result, options *tallyLookup) []byte {
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
func appendTallyMulti(dst []byte, value gjson.Result, options *tallyLookup) []byte {
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

// appendTallyMatrix writes a MATRIX answer, an object of row id → list of
// column ids, as an object of row text → list of column texts. Rows and
// columns without a matching text keep their id (as options do); a row
// text that repeats keeps its first row. A value that is not an object is
// written as it is.
func appendTallyMatrix(dst []byte, value gjson.Result, rows, columns *tallyLookup) []byte {
	if !value.IsObject() {
		return appendRawOrNull(dst, value)
	}
	w := objectWriter{dst: append(dst, '{')}
	value.ForEach(func(rowID, cols gjson.Result) bool {
		name := rowID.Str
		if text := rows.text(rowID.Str); text.Type == gjson.String {
			name = text.Str
		}
		if _, ok := w.begin(name); !ok {
			return true
		}
		w.dst = appendTallyMulti(w.dst, cols, columns)
		w.commit(name)
		return true
	})
	return append(w.dst, '}')
}

// tallyLookup finds the text of an entry of a list of {id, text} (a
// field's options, rows or columns) by id, the first entry of an id
// winning. The first few lookups in a short list scan it; a long list, or
// one looked up more often, is indexed, so that a field with many ids and
// many options costs time linear in the body, not their product.
type tallyLookup struct {
	list  gjson.Result
	scans int
	index map[string]gjson.Result
}

// A list is scanned for at most tallyScans lookups, and only while its JSON
// is at most tallyScanBytes long: form questions have a handful of answers
// and options, and indexing them would cost more than it saves.
const (
	tallyScans     = 8
	tallyScanBytes = 2048
)

// text returns the text of the entry whose id is id, or an empty result.
func (l *tallyLookup) text(id string) gjson.Result {
	if l.index == nil && (l.scans >= tallyScans || len(l.list.Raw) > tallyScanBytes) {
		l.index = make(map[string]gjson.Result)
		l.list.ForEach(func(_, o gjson.Result) bool {
			if oid := o.Get("id"); oid.Type == gjson.String {
				if _, dup := l.index[oid.Str]; !dup {
					l.index[oid.Str] = o.Get("text")
				}
			}
			return true
		})
	}
	if l.index != nil {
		return l.index[id]
	}
	l.scans++
	var text gjson.Result
	l.list.ForEach(func(_, o gjson.Result) bool {
		if oid := o.Get("id"); oid.Type == gjson.String && oid.Str == id {
			text = o.Get("text")
			return false
		}
		return true
	})
	return text
}

// appendTallyOption writes the text of the option whose id is id. An id
// with no matching option is written as it is: a visible id in a lead is
// easier to diagnose than a silently missing value.
func appendTallyOption(dst []byte, id gjson.Result, options *tallyLookup) []byte {
	if id.Type == gjson.String {
		if text := options.text(id.Str); text.Exists() {
			return append(dst, text.Raw...)
		}
	}
	return append(dst, id.Raw...)
}
