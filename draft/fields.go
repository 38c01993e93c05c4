package draft

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/tidwall/gjson"
)

// field is one value of the payload a rule could read: a form answer, a
// hidden field or URL parameter, or a leaf of a generic payload.
type field struct {
	path   string       // gjson path on the decoded document (views included)
	key    string       // the name the payload gives it: a view key, a leaf's key, a list entry's name
	title  string       // the question as the form asks it, when it says more than key ("" otherwise)
	parent string       // path of what holds it, to pair first and last names
	value  gjson.Result // its value in this payload
	hidden bool         // a hidden field or URL parameter: where referral keys travel
	answer bool         // a form answer (not bookkeeping such as ids and timestamps): a cfields candidate
}

// labels are the names a field answers to: its key and its title, the
// title without Typeform's piped answers ("Thanks, {{field:first_name}}!"
// asks nothing about a first name).
func (f *field) labels() []string {
	if f.title == "" {
		return []string{f.key}
	}
	return []string{f.key, pipedAnswer.ReplaceAllString(f.title, "")}
}

// pipedAnswer is a Typeform recall placeholder in a question title.
var pipedAnswer = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// Bounds on what is collected, so that a large payload drafts in bounded
// time and the draft stays readable.
const (
	maxFields = 400
	maxDepth  = 6
)

// collector gathers fields in document order.
type collector struct {
	fields []field
}

// full reports whether maxFields were collected: walks stop there.
func (c *collector) full() bool { return len(c.fields) >= maxFields }

func (c *collector) add(f field) {
	if c.full() || !printable(f.path) || !printable(f.key) {
		return
	}
	c.fields = append(c.fields, f)
}

// collect lists the fields of doc, the decoded document: a provider's view
// when it has one (answers, fields, props: the stable names), else a walk
// of the payload itself.
func collect(provider, doc string) []field {
	c := &collector{}
	root := gjson.Parse(doc)
	switch {
	case provider == "typeform" && root.Get("answers").IsObject():
		c.typeform(root)
	case provider == "tally" && root.Get("fields").IsObject():
		c.view(root, "fields", tallyHidden(root))
	case provider == "hubspot" && root.Get("props").IsObject():
		c.view(root, "props", nil)
	case provider == "jotform" && root.Get("fields").IsObject():
		c.view(root, "fields", nil)
	default:
		c.walk(root, "", "", "", 0)
	}
	return c.fields
}

// typeform reads the answers view, each ref with its question's title from
// the form definition (refs are often generated ids), and the hidden fields.
func (c *collector) typeform(root gjson.Result) {
	titles := map[string]string{}
	root.Get("form_response.definition.fields").ForEach(func(_, f gjson.Result) bool {
		if ref, title := f.Get("ref").String(), oneLine(f.Get("title").String()); ref != "" && title != "" {
			titles[ref] = title
		}
		return true
	})
	root.Get("answers").ForEach(func(k, v gjson.Result) bool {
		c.entry("answers", k.String(), titles[k.String()], v, false)
		return !c.full()
	})
	root.Get("form_response.hidden").ForEach(func(k, v gjson.Result) bool {
		c.entry("form_response.hidden", k.String(), "", v, true)
		return true
	})
}

// view reads a provider view object: one field per entry; an object value
// (a Jotform name or address) gives one field per part.
func (c *collector) view(root gjson.Result, view string, hidden map[string]bool) {
	root.Get(view).ForEach(func(k, v gjson.Result) bool {
		key := k.String()
		if v.IsObject() {
			parent := view + "." + gjson.Escape(key)
			v.ForEach(func(sk, sv gjson.Result) bool {
				c.add(field{path: parent + "." + gjson.Escape(sk.String()), key: sk.String(), title: key + " " + sk.String(),
					parent: parent, value: sv, answer: scalarOrList(sv)})
				return true
			})
			return true
		}
		c.entry(view, key, "", v, hidden[key])
		return !c.full()
	})
}

// entry adds one answer of a view or of a hidden-fields object.
func (c *collector) entry(parent, key, title string, v gjson.Result, hidden bool) {
	if !scalarOrList(v) {
		return
	}
	if strings.EqualFold(title, key) {
		title = ""
	}
	// A view holds answers, except HubSpot's own properties
	// (hs_analytics_source...), which the form did not ask.
	answer := parent != "props" || !strings.HasPrefix(key, "hs_") && key != "lastmodifieddate" && key != "createdate"
	c.add(field{path: parent + "." + gjson.Escape(key), key: key, title: title, parent: parent, value: v, hidden: hidden, answer: answer})
}

// tallyHidden names the labels of Tally's hidden fields.
func tallyHidden(root gjson.Result) map[string]bool {
	out := map[string]bool{}
	root.Get("data.fields").ForEach(func(_, f gjson.Result) bool {
		if f.Get("type").String() == "HIDDEN_FIELDS" {
			out[f.Get("label").String()] = true
		}
		return true
	})
	return out
}

// walk collects the leaves of a payload without a view. Lists of
// name/value entries (Fillout questions, Calendly questions and answers,
// Paperform data, HubSpot property changes) become one field per name,
// read with a query; other lists of objects are skipped, because an index
// path would read a different entry in the next payload.
func (c *collector) walk(r gjson.Result, parent, path, key string, depth int) {
	switch {
	case r.IsObject():
		if depth >= maxDepth {
			return
		}
		r.ForEach(func(k, v gjson.Result) bool {
			c.walk(v, path, join(path, gjson.Escape(k.String())), k.String(), depth+1)
			return !c.full()
		})
	case r.IsArray():
		if kv, ok := pairsOf(r); ok {
			c.pairs(r, path, key, kv)
			return
		}
		if path != "" && scalarOrList(r) {
			c.leaf(r, parent, path, key)
		}
	default:
		if path != "" {
			c.leaf(r, parent, path, key)
		}
	}
}

func (c *collector) leaf(v gjson.Result, parent, path, key string) {
	if v.Type == gjson.Null {
		return
	}
	hidden := hiddenKey(key)
	c.add(field{path: path, key: key, parent: parent, value: v, answer: (hidden || !bookkeeping(key)) && answerValue(v), hidden: hidden})
}

// kvKeys names the keys of a name/value list entry.
type kvKeys struct{ name, value string }

// listKeys are the keys that name a list entry and hold its value, in
// order of preference: custom_key (Paperform's chosen name) before its
// generated key, a question's text before its position.
func listKeys() (names [8]string, values [3]string) {
	return [...]string{"custom_key", "name", "label", "question", "propertyName", "title", "key", "fieldName"},
		[...]string{"value", "answer", "propertyValue"}
}

// pairsOf recognises a list of name/value objects: at least half of its
// elements have a string under one of nameKeys and a value under one of
// valueKeys.
func pairsOf(list gjson.Result) (kvKeys, bool) {
	elems := list.Array()
	if len(elems) == 0 || !elems[0].IsObject() {
		return kvKeys{}, false
	}
	nameKeys, valueKeys := listKeys()
	for _, nk := range nameKeys {
		for _, vk := range valueKeys {
			n := 0
			for _, e := range elems {
				if e.Get(nk).Type == gjson.String && e.Get(vk).Exists() {
					n++
				}
			}
			if 2*n >= len(elems) {
				return kvKeys{name: nk, value: vk}, true
			}
		}
	}
	return kvKeys{}, false
}

// pairs adds one field per named entry: list.#(name=="X").value, the
// first entry of that name, as gjson's query reads it.
func (c *collector) pairs(list gjson.Result, path, key string, kv kvKeys) {
	seen := map[string]bool{}
	hiddenList := hiddenKey(key)
	list.ForEach(func(_, e gjson.Result) bool {
		name := e.Get(kv.name).String()
		v := e.Get(kv.value)
		if name == "" || seen[name] || strings.ContainsAny(name, "\"\\") || !scalarOrList(v) {
			return true
		}
		seen[name] = true
		title := ""
		if t := oneLine(e.Get("title").String()); kv.name != "title" && t != "" && !strings.EqualFold(t, name) {
			title = t
		}
		typ := strings.ToLower(e.Get("type").String())
		q := join(path, `#(`+kv.name+`=="`+name+`").`+kv.value)
		c.add(field{path: q, key: name, title: title, parent: path, value: v,
			hidden: hiddenList || strings.Contains(typ, "hidden") || hiddenKey(name), answer: true})
		return !c.full()
	})
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// scalarOrList reports whether v can be a lead value: a scalar, or a list
// of scalars (a checkbox answer).
func scalarOrList(v gjson.Result) bool {
	if v.IsObject() || !v.Exists() {
		return false
	}
	if !v.IsArray() {
		return true
	}
	ok := true
	v.ForEach(func(_, e gjson.Result) bool {
		ok = !e.IsObject() && !e.IsArray()
		return ok
	})
	return ok
}

// words splits a label into lower-case words: "What's your first name?",
// "first_name", "firstName" and "First Name" all give first, name.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && unicode.IsLower(prev) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
		prev = r
	}
	flush()
	return out
}

// compact is a label's words run together: "First Name" → "firstname".
func compact(s string) string { return strings.Join(words(s), "") }

// bookkeepingWord: a word that, anywhere in a generic payload's key, names
// an id or a technical value rather than an answer.
func bookkeepingWord(w string) bool {
	switch w {
	case "id", "ids", "uuid", "uri", "url", "token", "ip", "slug", "hash", "signature":
		return true
	}
	return false
}

// bookkeepingLastWord: a last word that names a timestamp, a status, a
// counter: not an answer.
func bookkeepingLastWord(w string) bool {
	switch w {
	case "at", "timestamp", "time", "date", "created", "updated", "timezone", "type", "status", "version", "agent",
		"counter", "starred", "read", "currency", "event", "keys", "source", "total", "limit", "active":
		return true
	}
	return false
}

// bookkeeping reports whether a generic payload's key names something
// other than an answer: an id, a timestamp, a status, the form itself.
func bookkeeping(key string) bool {
	w := words(key)
	if len(w) == 0 || w[0] == "form" || bookkeepingLastWord(w[len(w)-1]) {
		return true
	}
	for _, x := range w {
		if bookkeepingWord(x) {
			return true
		}
	}
	return false
}

// answerValue reports whether a generic payload's value can be an answer:
// not a flag, not empty, not a link.
func answerValue(v gjson.Result) bool {
	switch {
	case v.IsBool(), v.Type == gjson.Null, isURL(v.String()):
		return false
	case v.IsArray():
		return len(v.Array()) > 0
	}
	return strings.TrimSpace(v.String()) != ""
}

// hiddenKey: a name under which hidden fields and URL parameters travel.
func hiddenKey(key string) bool {
	c := compact(key)
	return c == "hidden" || strings.Contains(c, "urlparam") || c == "tracking" || strings.HasPrefix(c, "utm")
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }

// printable rejects control characters, which a one-line YAML scalar or
// comment cannot hold.
func printable(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

var spaceRe = regexp.MustCompile(`\s+`)

// oneLine makes a title fit a comment: one line, at most 60 characters.
func oneLine(s string) string {
	s = strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}
