package mappings

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// emptyMessage explains why a path yielded an empty value.
func emptyMessage(doc, path string, r gjson.Result) string {
	switch {
	case !r.Exists():
		return fmt.Sprintf("path %q matched nothing: %s", path, diagnose(doc, path))
	case r.Type == gjson.Null:
		return fmt.Sprintf("path %q matched null", path)
	case r.IsArray():
		if q := lastQuery(path); q != "" {
			return fmt.Sprintf("path %q matched an empty list: %s", path, diagnose(doc, path))
		}
		return fmt.Sprintf("path %q matched an empty list", path)
	default:
		return fmt.Sprintf("path %q matched an empty value", path)
	}
}

func lastQuery(path string) string {
	comps, ok := splitPath(path)
	if !ok {
		return ""
	}
	for i := len(comps) - 1; i >= 0; i-- {
		if strings.HasPrefix(comps[i].text, "#(") {
			return comps[i].text
		}
	}
	return ""
}

// diagnose walks path one component at a time and describes where it
// stopped matching and what the document offers there instead: the keys of
// an object, or for a #(key==value) query the values of key in the list.
func diagnose(doc, path string) string {
	if hint, ok := escapeHint(doc, path); ok {
		return hint
	}
	comps, ok := splitPath(path)
	if !ok {
		return "the payload has nothing at that path (wildcards, modifiers and multipaths are not explained further)"
	}
	ctx := gjson.Parse(doc)
	ctxName := "the payload"
	for i, c := range comps {
		var next gjson.Result
		if i == 0 {
			next = gjson.Get(doc, c.text)
		} else {
			next = gjson.Get(ctx.Raw, c.text)
		}
		if next.Exists() && !(next.IsArray() && strings.HasPrefix(c.text, "#(") && strings.HasSuffix(c.text, ")#") && len(next.Array()) == 0) {
			ctx = next
			ctxName = path[:c.end]
			continue
		}
		return describeMiss(doc, ctx, ctxName, c.text)
	}
	return "the path matched"
}

// describeMiss says what ctx offers instead of component comp; Typeform
// refs are named with their question titles, which doc holds.
func describeMiss(doc string, ctx gjson.Result, ctxName, comp string) string {
	switch {
	case ctx.IsObject():
		keys := allKeys(ctx)
		key := unescapeKey(comp)
		titles := titlesFor(doc, ctxName, "")
		msg := fmt.Sprintf("%s has no key %q; keys there: %s", ctxName, key, listOrNone(titles.list(keys), 25))
		if s := closest(key, keys); s != "" {
			msg += didYouMean(ctxName, s, titles)
		} else if s := titles.guess(key, keys); s != "" {
			msg += didYouMean(ctxName, s, titles)
		}
		return msg
	case ctx.IsArray():
		n := len(ctx.Array())
		if qkey, op, want, ok := parseQueryComponent(comp); ok {
			vals := distinctValues(gjson.Get(ctx.Raw, "#."+qkey))
			if len(vals) == 0 {
				return fmt.Sprintf("no element of %s (%d elements) has %s; element keys: %s", ctxName, n, qkey, listOrNone(elementKeys(ctx), 25))
			}
			titles := titlesFor(doc, ctxName, qkey)
			msg := fmt.Sprintf("no element of %s has %s %s %q; %s values there: %s", ctxName, qkey, op, want, qkey, listOrNone(titles.list(vals), 40))
			if s := closest(want, vals); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", titles.quote(s))
			} else if s := titles.guess(want, vals); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", titles.quote(s))
			}
			return msg
		}
		if isIndex(comp) {
			return fmt.Sprintf("%s has %d elements (indexes 0 to %d)", ctxName, n, n-1)
		}
		return fmt.Sprintf("%s is a list of %d elements, not an object; use an index (.0), a query #(key==\"value\") or #.%s for all", ctxName, n, comp)
	default:
		return fmt.Sprintf("%s is the value %q, which has no key %q", ctxName, truncate(ctx.String(), 60), unescapeKey(comp))
	}
}

func allKeys(obj gjson.Result) []string {
	var keys []string
	obj.ForEach(func(k, _ gjson.Result) bool {
		keys = append(keys, k.String())
		return true
	})
	return keys
}

// elementKeys lists the keys found in the objects of a list.
func elementKeys(arr gjson.Result) []string {
	seen := map[string]bool{}
	var keys []string
	arr.ForEach(func(_, e gjson.Result) bool {
		e.ForEach(func(k, _ gjson.Result) bool {
			if !seen[k.String()] {
				seen[k.String()] = true
				keys = append(keys, k.String())
			}
			return true
		})
		return true
	})
	return keys
}

func distinctValues(r gjson.Result) []string {
	seen := map[string]bool{}
	var out []string
	r.ForEach(func(_, v gjson.Result) bool {
		s := v.String()
		if v.IsObject() || v.IsArray() {
			s = v.Raw
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
		return true
	})
	return out
}

func listOrNone(items []string, max int) string {
	if len(items) == 0 {
		return "(none)"
	}
	if len(items) > max {
		return strings.Join(items[:max], ", ") + fmt.Sprintf(", … %d more", len(items)-max)
	}
	return strings.Join(items, ", ")
}

func unescapeKey(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// closest returns the candidate nearest to want (case-insensitive equal,
// or an edit distance of at most a third of its length), or "". Words
// shorter than four letters get no suggestion: everything is near them.
func closest(want string, candidates []string) string {
	if len(want) < 4 {
		return ""
	}
	best, bestD := "", 1<<30
	lw := strings.ToLower(want)
	for _, c := range candidates {
		if c == want {
			continue
		}
		d := editDistance(lw, strings.ToLower(c))
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	limit := len(want) / 3
	if limit < 1 {
		limit = 1
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the optimal-string-alignment distance (Levenshtein plus
// adjacent transpositions, the commonest typo: "emial"), for hints.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 1 << 20
	}
	// d[i][j] over three rolling rows: two back for transpositions.
	pp := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(b)]
}

// didYouMean offers key s of ctxName: with its Typeform question title
// when it has one, else written escaped when it needs to be.
func didYouMean(ctxName, s string, titles questionTitles) string {
	if _, ok := titles[s]; ok && !needsEscape(s) {
		return fmt.Sprintf(" (did you mean %s?)", titles.quote(s))
	}
	return didYouMeanKey(ctxName, s)
}
