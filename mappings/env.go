package mappings

import (
	"fmt"
	"strings"
)

// unsetVarError is an expansion that failed on an unset or empty variable,
// which Loader.AllowUnsetSecrets tolerates on secrets.
type unsetVarError struct {
	name  string
	empty bool // set but empty
}

func (e *unsetVarError) Error() string {
	if e.empty {
		return fmt.Sprintf("environment variable %s is empty", e.name)
	}
	return fmt.Sprintf("environment variable %s is not set", e.name)
}

// expanded is the result of expanding ${VAR} references in one YAML scalar.
type expanded struct {
	value      string
	defaulted  bool // some ${VAR:-default} used its default
	referenced bool // the value contained at least one ${...}
}

// expandEnv replaces ${VAR} and ${VAR:-default} in s. "$${" stands for a
// literal "${". An unset or empty ${VAR} without a default is an error: a
// mapping that silently runs with an empty secret or URL is worse than one
// that refuses to load.
func expandEnv(s string, lookup func(string) (string, bool)) (expanded, error) {
	if !strings.Contains(s, "${") {
		return expanded{value: s}, nil
	}
	var b strings.Builder
	out := expanded{referenced: true}
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return out, fmt.Errorf("unterminated ${ in %q", s)
		}
		expr := s[i+2 : i+end]
		i += end + 1
		name, def, hasDefault := strings.Cut(expr, ":-")
		if !validEnvName(name) {
			return out, fmt.Errorf("invalid variable name %q in ${%s}", name, expr)
		}
		v, ok := lookup(name)
		switch {
		case ok && v != "":
			b.WriteString(v)
		case hasDefault:
			b.WriteString(def)
			out.defaulted = true
		default:
			return out, &unsetVarError{name: name, empty: ok}
		}
	}
	out.value = b.String()
	return out, nil
}

func validEnvName(n string) bool {
	if n == "" {
		return false
	}
	for i, c := range n {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
