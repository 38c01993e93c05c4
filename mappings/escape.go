package mappings

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Escaping hints. A key holding gjson punctuation must be written with
// backslashes in a path: Tally's label "Payment (price)" is
// fields.Payment \(price\), Typeform's ref "[readable_ref" is
// answers.\[readable_ref. Users do not guess that, so where a path fails to
// parse (checkPath) or matches nothing (escapeHint, from diagnose) because
// of an unescaped key, the message gives the path written escaped. Paths in
// hints are printed as they are to be written, between backquotes: %q
// would double every backslash.

// checkPath reports why a gjson path cannot be parsed (checkPathSyntax),
// with the path its keys escaped when that version parses.
func checkPath(p string) error {
	err := checkPathSyntax(p)
	if err == nil {
		return nil
	}
	if guess, ok := escapedPathGuess(p); ok {
		return fmt.Errorf("%w; did you mean `%s`?", err, guess)
	}
	return err
}

// escapeKey returns key written for a gjson path: a backslash before each
// character that would otherwise be path syntax (. | ( ) [ ] { } * ? and
// the backslash itself), before a leading # or !, which start a count or
// query or a literal, and before an @ that starts the key or follows , or
// :, where checkPath reads a modifier. Other characters, spaces included,
// stand for themselves.
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch c {
		case '\\', '.', '|', '(', ')', '[', ']', '{', '}', '*', '?':
			b.WriteByte('\\')
		case '#', '!':
			if i == 0 {
				b.WriteByte('\\')
			}
		case '@':
			if i == 0 || key[i-1] == ',' || key[i-1] == ':' {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// needsEscape reports whether key is written differently in a path.
func needsEscape(key string) bool { return escapeKey(key) != key }

// didYouMeanKey is the " (did you mean ...?)" suggestion of the key s in
// the object at ctxName ("the payload" for the root): with the escaped path
// to it when s holds punctuation, since "Payment (price)" alone does not
// say how to write it.
func didYouMeanKey(ctxName, s string) string {
	if !needsEscape(s) {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	p := escapeKey(s)
	if ctxName != "the payload" {
		p = ctxName + "." + p
	}
	return fmt.Sprintf(" (did you mean %q, written `%s`?)", s, p)
}

// escapedPathGuess escapes the components of a path that fails to parse
// which do not parse on their own (a label with brackets, a ref starting
// with "["), keeping queries and every other component as written. It
// reports false when that changes nothing, when the result does not parse
// either, or when a broken component reads as an [index] (answers[0]) or
// starts a {multipath}: the syntax error already explains those, and keys
// starting with "{" are rare. It also reports false unless each broken
// component looks like a key with punctuation (punctuatedKey): a lone
// trailing backslash or a stray ")" (answers.email)) is more likely a typo
// than a key to escape.
func escapedPathGuess(p string) (string, bool) {
	comps := splitComponents(p)
	changed := false
	for i, c := range comps {
		if strings.HasPrefix(c, "#(") || strings.HasPrefix(c, "#[") || checkPathSyntax(c) == nil {
			continue
		}
		if isBracketIndex(c) || strings.HasPrefix(c, "{") || !punctuatedKey(unescapeKey(c)) {
			return "", false
		}
		if e := escapeKey(unescapeKey(c)); e != c {
			comps[i] = e
			changed = true
		}
	}
	guess := strings.Join(comps, ".")
	if !changed || guess == p || checkPathSyntax(guess) != nil {
		return "", false
	}
	return guess, true
}

// punctuatedKey reports whether k reads like a label or ref with
// punctuation rather than a typo: it holds a bracket pair ("Payment
// (price)", "Name [first]") or starts with an opening bracket
// ("[readable_ref"). An unknown @modifier is not offered as a key: "@each"
// is far more often a modifier misspelt than a key.
func punctuatedKey(k string) bool {
	if k == "" {
		return false
	}
	if k[0] == '(' || k[0] == '[' {
		return true
	}
	for _, pair := range []string{"()", "[]", "{}"} {
		if open := strings.IndexByte(k, pair[0]); open >= 0 && strings.IndexByte(k[open:], pair[1]) > 0 {
			return true
		}
	}
	return false
}

// isBracketIndex reports whether c is a key followed by [digits].
func isBracketIndex(c string) bool {
	open := strings.IndexByte(c, '[')
	return open > 0 && strings.HasSuffix(c, "]") && isIndex(c[open+1:len(c)-1])
}

// splitComponents splits p on the dots that separate components: not
// escaped, not inside a #( ) or #[ ] query or a quoted string within one.
// Unlike splitPath it accepts any text, broken brackets included: a
// bracket outside a query is part of a key here.
func splitComponents(p string) []string {
	var comps []string
	start, depth := 0, 0
	inQuote := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			i++
		case inQuote:
			if c == '"' {
				inQuote = false
			}
		case depth == 0 && c == '#' && i+1 < len(p) && (p[i+1] == '(' || p[i+1] == '['):
			depth++
			i++
		case depth == 0 && c == '.':
			comps = append(comps, p[start:i])
			start = i + 1
		case depth > 0 && c == '"':
			inQuote = true
		case depth > 0 && (c == '(' || c == '[' || c == '{'):
			depth++
		case depth > 0 && (c == ')' || c == ']' || c == '}'):
			depth--
		}
	}
	return append(comps, p[start:])
}

// escapeHint explains a path that matches nothing in doc only because a
// key in it is not escaped: it finds the path that reads the same keys
// literally (No. of employees as one key, not No then " of employees") and
// names the first key that needs escaping. It reports false when no such
// path exists in doc.
func escapeHint(doc, path string) (string, bool) {
	s := escapeSearch{budget: maxEscapeSearch}
	comps, ok := s.walk(gjson.Parse(doc), path, nil)
	if !ok {
		return "", false
	}
	texts := make([]string, len(comps))
	for i, c := range comps {
		texts[i] = c.text
	}
	suggestion := strings.Join(texts, ".")
	if suggestion == path || !gjson.Get(doc, suggestion).Exists() {
		return "", false
	}
	for i, c := range comps {
		if c.isKey && needsEscape(c.key) {
			where := "the payload"
			if i > 0 {
				where = strings.Join(texts[:i], ".")
			}
			return fmt.Sprintf("%s has the key %q, which a path writes escaped (did you mean `%s`?)", where, c.key, suggestion), true
		}
	}
	return "", false
}

// maxEscapeSearch bounds the keys escapeHint compares, so that a hostile
// payload (many keys that are prefixes of one another) cannot make a trace
// slow.
const maxEscapeSearch = 20000

// escapeSearch walks a document along a path, reading keys literally.
type escapeSearch struct{ budget int }

// escapedComponent is one component of a suggested path.
type escapedComponent struct {
	text  string // as written in the suggestion
	key   string // the literal key, when isKey
	isKey bool
}

// walk matches rest, the part of the path not yet matched, against ctx.
// In an object it tries each key that rest starts with when read
// literally (escapes resolved, dots included), followed by a dot or the
// end; in a list it follows an index or a #( ) query as gjson would. It
// returns the components of the first full match.
func (s *escapeSearch) walk(ctx gjson.Result, rest string, acc []escapedComponent) ([]escapedComponent, bool) {
	if rest == "" {
		return acc, true
	}
	acc = acc[:len(acc):len(acc)] // appends below copy: branches share nothing
	switch {
	case ctx.IsObject():
		var found []escapedComponent
		ok := false
		ctx.ForEach(func(k, v gjson.Result) bool {
			if s.budget--; s.budget < 0 {
				return false
			}
			end, m := matchLiteralKey(rest, k.Str)
			if !m || k.Str == "" {
				return true
			}
			next := rest[end:]
			if next != "" {
				if next[0] != '.' || len(next) == 1 {
					return true
				}
				next = next[1:]
			}
			found, ok = s.walk(v, next, append(acc, escapedComponent{text: escapeKey(k.Str), key: k.Str, isKey: true}))
			return !ok && s.budget >= 0
		})
		return found, ok
	case ctx.IsArray():
		comps := splitComponents(rest)
		c := comps[0]
		if !isIndex(c) && !(strings.HasPrefix(c, "#(") && strings.HasSuffix(c, ")")) {
			return nil, false
		}
		r := gjson.Get(ctx.Raw, c)
		if !r.Exists() {
			return nil, false
		}
		next := ""
		if len(c) < len(rest) {
			next = rest[len(c)+1:]
		}
		return s.walk(r, next, append(acc, escapedComponent{text: c}))
	}
	return nil, false
}

// matchLiteralKey reports whether path text p starts with key read
// literally, a backslash escaping the next byte, and where that match ends
// in p.
func matchLiteralKey(p, key string) (int, bool) {
	i := 0
	for j := 0; j < len(key); j++ {
		if i >= len(p) {
			return 0, false
		}
		c := p[i]
		if c == '\\' && i+1 < len(p) {
			i++
			c = p[i]
		}
		if c != key[j] {
			return 0, false
		}
		i++
	}
	return i, true
}
