package mappings

import (
	"fmt"
	"strings"
)

// template is a parsed {template: "text {{path}} text"}.
type template struct {
	// parts alternate literal text and paths: literal[0] path[0] literal[1] ...
	literals []string
	paths    []string
	cpaths   []compiledPath
}

func parseTemplate(s string) (*template, error) {
	t := &template{}
	rest := s
	for {
		open := strings.Index(rest, "{{")
		close := strings.Index(rest, "}}")
		if open < 0 {
			if close >= 0 {
				return nil, fmt.Errorf("template %q: \"}}\" without \"{{\"", s)
			}
			t.literals = append(t.literals, rest)
			break
		}
		if close >= 0 && close < open {
			return nil, fmt.Errorf("template %q: \"}}\" without \"{{\"", s)
		}
		if close < 0 {
			return nil, fmt.Errorf("template %q: \"{{\" without \"}}\"", s)
		}
		inner := rest[open+2 : close]
		if i := strings.Index(inner, "{{"); i >= 0 {
			return nil, fmt.Errorf("template %q: \"{{%s\" is not closed with \"}}\" before the next \"{{\"", s, inner[:i])
		}
		path := strings.TrimSpace(inner)
		if err := checkPath(path); err != nil {
			return nil, fmt.Errorf("template %q: %w", s, err)
		}
		t.literals = append(t.literals, rest[:open])
		t.paths = append(t.paths, path)
		t.cpaths = append(t.cpaths, compilePath(path))
		rest = rest[close+2:]
	}
	if len(t.paths) == 0 {
		return nil, fmt.Errorf("template %q has no {{path}}; use {value: ...} for a constant", s)
	}
	return t, nil
}

// render interpolates the template. An empty part takes the space before
// it along ("{{first}} {{middle}} {{last}}" gives "Alice Brown"), the
// result is trimmed, and a template whose parts are all empty yields ""
// so that a fallback after it applies.
func (t *template) render(ev *evaluator, field string) (string, error) {
	var b strings.Builder
	anyValue := false
	for i, lit := range t.literals {
		if i > 0 && b.Len() > 0 && isSpace(b.String()[b.Len()-1]) {
			// The previous part was empty and left a space: don't double it.
			lit = strings.TrimLeft(lit, " \t")
		}
		b.WriteString(lit)
		if i == len(t.paths) {
			break
		}
		v, err := ev.get(&t.cpaths[i], field)
		if err != nil {
			return "", err
		}
		s := v.Join(", ")
		if s == "" {
			// Drop the space written before an empty part, keep one separator.
			trimmed := strings.TrimRight(b.String(), " \t")
			if len(trimmed) != b.Len() {
				b.Reset()
				b.WriteString(trimmed)
				b.WriteByte(' ')
			}
			continue
		}
		anyValue = true
		b.WriteString(s)
	}
	if !anyValue {
		return "", nil
	}
	return strings.TrimSpace(b.String()), nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }
