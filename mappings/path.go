package mappings

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tidwall/gjson"
)

// checkPathSyntax reports why a gjson path cannot be parsed, or nil. It rejects
// what gjson would silently treat as "matches nothing": unbalanced #( ),
// [ ], { }, unterminated quotes, a trailing escape and unknown @modifiers.
// Everything else is left to gjson, so every path gjson understands loads.
// Callers use checkPath, which adds the escaped path to the error.
func checkPathSyntax(p string) error {
	if strings.TrimSpace(p) == "" {
		return fmt.Errorf("empty path")
	}
	var stack []byte // expected closers
	inQuote := false
	atComponentStart := true
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' {
			if i+1 >= len(p) {
				return fmt.Errorf("path %q ends with a lone backslash", p)
			}
			i++
			atComponentStart = false
			continue
		}
		if inQuote {
			if c == '"' {
				inQuote = false
			}
			continue
		}
		switch c {
		case '"':
			// Quotes delimit strings only inside queries and multipaths;
			// elsewhere gjson reads them as part of a key.
			if len(stack) > 0 {
				inQuote = true
			}
		case '#':
			if i+1 < len(p) && (p[i+1] == '(' || p[i+1] == '[') {
				if p[i+1] == '(' {
					stack = append(stack, ')')
				} else {
					stack = append(stack, ']')
				}
				i++
			}
		case '(':
			if len(stack) > 0 {
				stack = append(stack, ')')
			}
		case '[', '{':
			if !atComponentStart && len(stack) == 0 {
				if c == '[' {
					return fmt.Errorf("path %q: gjson has no [index] syntax; write .0 for the first element (e.g. answers.0.email)", p)
				}
				return fmt.Errorf("path %q: unexpected %q inside a key (escape it as \\%c)", p, c, c)
			}
			if c == '[' {
				stack = append(stack, ']')
			} else {
				stack = append(stack, '}')
			}
		case ')', ']', '}':
			if len(stack) == 0 {
				return fmt.Errorf("path %q: unbalanced %q (no matching opening bracket; escape it as \\%c if it is part of a key)", p, c, c)
			}
			if stack[len(stack)-1] != c {
				return fmt.Errorf("path %q: %q closes %q", p, c, openerOf(stack[len(stack)-1]))
			}
			stack = stack[:len(stack)-1]
		case '@':
			if atComponentStart {
				name := modifierName(p[i+1:])
				if !gjson.ModifierExists(name, nil) {
					return fmt.Errorf("path %q: unknown modifier @%s", p, name)
				}
			}
		}
		atComponentStart = c == '.' || c == '|' || c == ',' || c == ':' || c == '[' || c == '{'
	}
	if inQuote {
		return fmt.Errorf("path %q: unterminated quote", p)
	}
	if len(stack) > 0 {
		return fmt.Errorf("path %q: unbalanced %q (no closing %q)", p, openerOf(stack[len(stack)-1]), string(stack[len(stack)-1]))
	}
	return nil
}

func openerOf(closer byte) string {
	switch closer {
	case ')':
		return "#("
	case ']':
		return "["
	default:
		return "{"
	}
}

func modifierName(s string) string {
	end := len(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':', '.', '|', ',', ']', '}', ')':
			return s[:i]
		}
	}
	return s[:end]
}

// pathComponent is one step of a simple dotted path, kept with the offset
// where it ends so that a prefix of the path can be evaluated on its own.
type pathComponent struct {
	text string
	end  int
}

// splitPath splits a path into components for diagnostics. It returns
// ok=false for paths whose shape it does not explain (multipaths, pipes,
// modifiers, wildcards); those get a plain "matched nothing" message.
func splitPath(p string) ([]pathComponent, bool) {
	var comps []pathComponent
	start := 0
	depth := 0
	inQuote := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '\\' {
			i++
			continue
		}
		if inQuote {
			if c == '"' {
				inQuote = false
			}
			continue
		}
		switch c {
		case '"':
			if depth > 0 {
				inQuote = true
			}
		case '(':
			depth++
		case ')':
			depth--
		case '|', '@', '[', '{', '*', '?':
			if depth == 0 {
				return nil, false
			}
		case '.':
			if depth == 0 {
				comps = append(comps, pathComponent{text: p[start:i], end: i})
				start = i + 1
			}
		}
	}
	comps = append(comps, pathComponent{text: p[start:], end: len(p)})
	return comps, true
}

// queryRe splits a #(lhs op rhs) or #(lhs op rhs)# component.
var queryRe = regexp.MustCompile(`^#\(\s*(.*?)\s*(==|=|!=|<=|>=|<|>|%|!%)\s*(.*?)\s*\)(#?)$`)

// parseQueryComponent returns the queried key and compared value of a
// #(...) component, or ok=false.
func parseQueryComponent(comp string) (key, op, value string, ok bool) {
	m := queryRe.FindStringSubmatch(comp)
	if m == nil {
		return "", "", "", false
	}
	v := m[3]
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return m[1], m[2], v, true
}
