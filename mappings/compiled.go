package mappings

import (
	"strings"

	"github.com/tidwall/gjson"
)

// compiledPath is a gjson path prepared for the evaluator. A path whose
// plain leading keys end in a query (form_response.answers.#(field.ref==
// "email").email) is split there: every Typeform rule queries the same
// list, so the evaluator looks the list up once per event and answers the
// queries from an index of it. Other paths go to gjson as they are: a
// direct Get stops scanning at its key, while caching an intermediate
// object would make gjson find the end of it, which costs more.
type compiledPath struct {
	full string
	// prefix is the plain keys before the query ("" for a query at the
	// root); rest is the path after them. Both are set only with query.
	prefix, rest string
	// query is set when rest is #(key=="value") optionally followed by
	// more path.
	query *queryPlan
}

// queryPlan is a first-match equality query on a list: rules of one source
// query the same list by the same key (Typeform answers by field.ref), so
// one pass that indexes the list replaces a scan per rule.
type queryPlan struct {
	key   string // the queried key path in each element, e.g. field.ref
	want  string // the compared string
	after string // the path after the query, "" for the element itself
}

func compilePath(p string) compiledPath {
	cp := compiledPath{full: p}
	i, last := 0, -1
	for i < len(p) {
		end, plain := plainKeyEnd(p, i)
		if !plain || end == len(p) {
			break
		}
		last = end
		i = end + 1 // skip the dot
	}
	rest := p
	if last >= 0 {
		rest = p[last+1:]
	}
	if q := planQuery(rest); q != nil {
		cp.query, cp.rest = q, rest
		if last >= 0 {
			cp.prefix = p[:last]
		}
	}
	return cp
}

// planQuery recognises #(key=="value") and #(key=="value").more, where the
// key is plain and the value a quoted string without escapes: exactly the
// queries whose gjson semantics (first element whose key is the string
// value) the index reproduces.
func planQuery(rest string) *queryPlan {
	comps, ok := splitPath(rest)
	if !ok || len(comps) == 0 || !strings.HasPrefix(comps[0].text, "#(") || strings.HasSuffix(comps[0].text, ")#") {
		return nil
	}
	key, op, _, ok := parseQueryComponent(comps[0].text)
	if !ok || key == "" || (op != "==" && op != "=") {
		return nil
	}
	// Take the raw value again: parseQueryComponent unquotes loosely.
	inner := comps[0].text[2 : len(comps[0].text)-1]
	i := strings.Index(inner, op)
	raw := strings.TrimSpace(inner[i+len(op):])
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil
	}
	want := raw[1 : len(raw)-1]
	if strings.ContainsAny(want, `"\`) || strings.HasPrefix(want, "~") {
		return nil
	}
	for j := 0; j < len(key); {
		end, plain := plainKeyEnd(key, j)
		if !plain {
			return nil
		}
		j = end + 1
	}
	q := &queryPlan{key: key, want: want}
	if len(comps) > 1 {
		q.after = rest[comps[0].end+1:]
	}
	return q
}

// plainKeyEnd scans the key starting at i and reports where it ends and
// whether it is a plain object key: no query, modifier, wildcard, pipe or
// multipath, so that Get(Get(doc, prefix).Raw, key) equals Get(doc, prefix.key).
func plainKeyEnd(p string, i int) (int, bool) {
	start := i
	for ; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '.':
			return i, i > start
		case '#', '@', '*', '?', '|', '[', '{', '(', ')', ']', '}', '!', '=', '<', '>', '%', ',', ':', '"':
			return i, false
		}
	}
	return len(p), i > start
}

// prefixCache remembers the sub-documents of path prefixes for one event.
// A fixed array: sources have a handful of distinct prefixes, and the
// evaluator must not allocate per rule.
type prefixCache struct {
	doc  string
	n    int
	key  [12]string
	res  [12]gjson.Result
	nidx int
	idx  [3]listIndex
}

func (c *prefixCache) get(cp *compiledPath) gjson.Result {
	if cp.query == nil {
		return gjson.Get(c.doc, cp.full)
	}
	parent, ok := c.lookup(cp.prefix)
	if !ok {
		parent = gjson.Result{Type: gjson.JSON, Raw: c.doc}
		if cp.prefix != "" {
			parent = gjson.Get(c.doc, cp.prefix)
		}
		c.store(cp.prefix, parent)
	}
	if !parent.IsArray() {
		return gjson.Get(parent.Raw, cp.rest)
	}
	if elem, ok := c.queryIndexed(cp.prefix, cp.query, parent); ok {
		if !elem.Exists() || cp.query.after == "" {
			return elem
		}
		return gjson.Get(elem.Raw, cp.query.after)
	}
	return gjson.Get(parent.Raw, cp.rest)
}

// maxIndexed bounds the elements an index holds; longer lists (rare in
// form payloads) fall back to gjson's scan for what the index lacks.
const maxIndexed = 24

// listIndex maps the string values of one key to the first element of a
// list that has it. Fixed arrays: the evaluator must not allocate.
type listIndex struct {
	list, key string
	queries   int  // queries seen; the index is built on the second
	built     bool // vals/raws hold the list's first n keyed elements
	unsafe    bool // an element holds a non-string at key: use gjson
	truncated bool // the list had more keyed elements than maxIndexed
	n         int
	vals      [maxIndexed]string
	raws      [maxIndexed]string
}

// queryIndexed answers a first-match equality query from the index of
// list by q.key. ok=false means "ask gjson": the first query of a key
// (one scan that stops at the match is cheaper than indexing the whole
// list), a list gjson would compare by number or boolean, or a value past
// the end of a truncated index.
func (c *prefixCache) queryIndexed(prefix string, q *queryPlan, list gjson.Result) (gjson.Result, bool) {
	var x *listIndex
	for i := 0; i < c.nidx; i++ {
		if c.idx[i].list == prefix && c.idx[i].key == q.key {
			x = &c.idx[i]
			break
		}
	}
	if x == nil {
		if c.nidx == len(c.idx) {
			return gjson.Result{}, false
		}
		x = &c.idx[c.nidx]
		c.nidx++
		x.list, x.key = prefix, q.key
	}
	x.queries++
	if x.unsafe || x.queries < 2 {
		return gjson.Result{}, false
	}
	if !x.built {
		x.build(list)
		if x.unsafe {
			return gjson.Result{}, false
		}
	}
	for i := 0; i < x.n; i++ {
		if x.vals[i] == q.want {
			return gjson.Result{Type: gjson.JSON, Raw: x.raws[i]}, true
		}
	}
	if x.truncated {
		return gjson.Result{}, false
	}
	return gjson.Result{}, true
}

func (x *listIndex) build(list gjson.Result) {
	x.built = true
	list.ForEach(func(_, e gjson.Result) bool {
		v := e.Get(x.key)
		if !v.Exists() {
			return true
		}
		if v.Type != gjson.String {
			x.unsafe = true
			return false
		}
		if x.n == maxIndexed {
			x.truncated = true
			return false
		}
		x.vals[x.n], x.raws[x.n] = v.Str, e.Raw
		x.n++
		return true
	})
}

func (c *prefixCache) lookup(key string) (gjson.Result, bool) {
	for i := 0; i < c.n; i++ {
		if c.key[i] == key {
			return c.res[i], true
		}
	}
	return gjson.Result{}, false
}

func (c *prefixCache) store(key string, r gjson.Result) {
	if c.n < len(c.key) {
		c.key[c.n], c.res[c.n] = key, r
		c.n++
	}
}
