package mappings

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one load error, located in its file.
type Problem struct {
	File    string
	Line    int
	Col     int
	Source  string // the source's name, when the problem is inside one
	Field   string // dotted field, e.g. "lead.partner.key"
	Message string
}

// String formats the problem as "file:line:col: source "x": field: message".
func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", p.File, p.Line, p.Col)
	if p.Source != "" {
		fmt.Fprintf(&b, "source %q: ", p.Source)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// LoadError lists every problem found while loading mapping files.
type LoadError struct {
	Problems []Problem
}

// Error implements error: one problem per line.
func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (e *LoadError) sort() {
	sort.SliceStable(e.Problems, func(i, j int) bool {
		a, b := e.Problems[i], e.Problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}
