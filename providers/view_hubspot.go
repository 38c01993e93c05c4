package providers

import "github.com/tidwall/gjson"

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
