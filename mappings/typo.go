package mappings

import (
	"strings"

	"github.com/tidwall/gjson"
)

// missingKey reports whether path matched nothing because, at some
// component, an object that exists lacks the key asked for: the shape of
// a typo (`hiden.ref`) or of a field the form does not send, as opposed
// to a list query that found no element or a path that went through a
// value. A partner path that fails so drops every lead as "no partner"
// without a word, so `try` says it loudly.
func missingKey(doc, path string) bool {
	comps, ok := splitPath(path)
	if !ok {
		return false
	}
	ctx := gjson.Parse(doc)
	for _, c := range comps {
		next := gjson.Get(ctx.Raw, c.text)
		if next.Exists() {
			ctx = next
			continue
		}
		return ctx.IsObject() && !strings.HasPrefix(c.text, "#")
	}
	return false
}
