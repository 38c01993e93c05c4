package mappings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Loader loads mapping files. The zero value reads the process environment.
type Loader struct {
	// LookupEnv resolves ${VAR}; nil means os.LookupEnv. Tests inject a map.
	LookupEnv func(string) (string, bool)
	// AllowUnsetSecrets accepts a secret, token or API key whose ${VAR}
	// is unset or empty: it loads as a Secret that reports Unset and reveals
	// "". For the commands that check no signature and send nothing (try,
	// replay, init), which the server's secrets need not reach. A
	// ${VAR:-default} on a secret stays an error.
	AllowUnsetSecrets bool
}

// Load parses one mapping file from memory using the process environment.
func Load(data []byte) (*Config, error) { return Loader{}.Load("mappings.yaml", data) }

// LoadFile reads and parses one mapping file using the process environment.
func LoadFile(path string) (*Config, error) { return Loader{}.LoadFile(path) }

// LoadPath loads a file, or every *.yaml / *.yml file of a directory, using
// the process environment.
func LoadPath(path string) (*Config, error) { return Loader{}.LoadPath(path) }

// Load parses one mapping file from memory; name is used in messages.
func (l Loader) Load(name string, data []byte) (*Config, error) {
	return l.loadFiles([]fileData{{name: name, data: data}})
}

// LoadFile reads and parses one mapping file.
func (l Loader) LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mappings: %w", err)
	}
	return l.Load(path, data)
}

// LoadPath loads path as a file, or as a directory of *.yaml and *.yml
// files (hidden files are skipped: editors keep swap and lock files there).
func (l Loader) LoadPath(path string) (*Config, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("mappings: %w", err)
	}
	if !st.IsDir() {
		return l.LoadFile(path)
	}
	files, err := MappingFiles(path)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("mappings: directory %s has no *.yaml files", path)
	}
	fds := make([]fileData, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read mappings: %w", err)
		}
		fds = append(fds, fileData{name: f, data: data})
	}
	return l.loadFiles(fds)
}

// MappingFiles lists the mapping files of a directory, sorted.
func MappingFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("mappings: %w", err)
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") {
			files = append(files, filepath.Join(dir, n))
		}
	}
	sort.Strings(files)
	return files, nil
}

type fileData struct {
	name string
	data []byte
}

func (l Loader) loadFiles(files []fileData) (*Config, error) {
	lookup := l.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	cfg := &Config{Sources: map[string]*Source{}}
	lerr := &LoadError{}
	h := sha256.New()
	for _, f := range files {
		cfg.Files = append(cfg.Files, f.name)
		fmt.Fprintf(h, "%s\x00%d\x00", f.name, len(f.data))
		h.Write(f.data)
		p := &parser{file: f.name, lookup: lookup, errs: lerr, allowUnset: l.AllowUnsetSecrets}
		for _, src := range p.parseFile(f.data) {
			if prev, dup := cfg.Sources[src.Name]; dup {
				lerr.Problems = append(lerr.Problems, Problem{File: src.File, Line: src.Line, Col: 3, Source: src.Name,
					Message: fmt.Sprintf("duplicate source name (first defined at %s:%d)", prev.File, prev.Line)})
				continue
			}
			cfg.Sources[src.Name] = src
		}
	}
	if len(lerr.Problems) == 0 && len(cfg.Sources) == 0 {
		name := "mappings"
		if len(files) > 0 {
			name = files[0].name
		}
		lerr.Problems = append(lerr.Problems, Problem{File: name, Line: 1, Col: 1, Message: "no sources defined"})
	}
	if len(lerr.Problems) > 0 {
		lerr.sort()
		return nil, lerr
	}
	sort.Strings(cfg.Files)
	cfg.Hash = hex.EncodeToString(h.Sum(nil))
	return cfg, nil
}

// parser walks the YAML nodes of one file, collecting every problem
// instead of stopping at the first: a user fixing a file wants the list.
type parser struct {
	file       string
	lookup     func(string) (string, bool)
	errs       *LoadError
	source     string // the source being parsed, for messages
	allowUnset bool   // Loader.AllowUnsetSecrets
}

func (p *parser) add(n *yaml.Node, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.errs.Problems = append(p.errs.Problems, Problem{File: p.file, Line: line, Col: col, Source: p.source,
		Field: field, Message: fmt.Sprintf(format, args...)})
}

var yamlLineRe = regexp.MustCompile(`line (\d+)`)

func (p *parser) parseFile(data []byte) []*Source {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = yamlLineRe.ReplaceAllString(msg, "")
		msg = strings.TrimLeft(msg, ": ")
		if strings.HasPrefix(msg, "did not find expected") {
			// yaml.v3 reports parser errors (unlike scanner errors) with a
			// zero-based line: the line where the unclosed construct began.
			line++
		}
		if lines := strings.Split(string(data), "\n"); line >= 1 && line <= len(lines)+1 && flowWithVar(lines, line) {
			msg += " (inside [...] or {...}, quote a value that contains ${...}: '${VAR}')"
		}
		p.errs.Problems = append(p.errs.Problems, Problem{File: p.file, Line: line, Col: 1, Message: "invalid YAML: " + msg})
		return nil
	}
	if len(doc.Content) == 0 {
		p.add(nil, "", "file is empty; expected a top-level \"sources:\" mapping")
		return nil
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.add(root, "", "expected a mapping with a top-level \"sources:\" key, got %s", kindName(root))
		return nil
	}
	var sources *yaml.Node
	p.each(root, "", func(key string, k, v *yaml.Node) {
		switch key {
		case "sources":
			sources = v
		default:
			p.add(k, "", "unknown top-level key %q (the only one is \"sources\")", key)
		}
	})
	if sources == nil {
		p.add(root, "", "missing top-level \"sources:\" key")
		return nil
	}
	if sources.Kind != yaml.MappingNode {
		p.add(sources, "sources", "expected a mapping of source names to sources, got %s", kindName(sources))
		return nil
	}
	var out []*Source
	p.each(sources, "sources", func(name string, k, v *yaml.Node) {
		p.source = name
		defer func() { p.source = "" }()
		if !validSourceName(name) {
			p.add(k, "", "invalid source name: use letters, digits, '-', '_' or '.' (it becomes the URL path /hooks/<name>), at most 64 characters")
			return
		}
		if src := p.parseSource(name, k, v); src != nil {
			out = append(out, src)
		}
	})
	return out
}

// flowWithVar reports whether the lines around a YAML error put a ${VAR}
// inside a flow collection, where YAML reads its "{" as a mapping.
func flowWithVar(lines []string, line int) bool {
	for i := max(0, line-2); i < min(len(lines), line); i++ {
		l := lines[i]
		if v := strings.Index(l, "${"); v > 0 && strings.ContainsAny(l[:v], "[{") {
			return true
		}
	}
	return false
}

// each iterates a mapping node's keys in order, reporting duplicates.
func (p *parser) each(m *yaml.Node, field string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.add(k, field, "expected a plain key, got %s", kindName(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			if field == "sources" {
				p.source = k.Value
				p.add(k, "", "duplicate source name (first defined at line %d)", line)
				p.source = ""
			} else {
				p.add(k, joinField(field, k.Value), "duplicate key (first at line %d)", line)
			}
			continue
		}
		seen[k.Value] = k.Line
		fn(k.Value, k, v)
	}
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("the value %q", n.Value)
	default:
		return "an unexpected YAML node"
	}
}

func joinField(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

var sourceNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func validSourceName(n string) bool { return sourceNameRe.MatchString(n) }

// scalar returns a scalar's value with ${VAR} expanded. ok is false (and a
// problem recorded) when the node is not a scalar or expansion fails.
func (p *parser) scalar(n *yaml.Node, field string) (expanded, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n, field, "expected a value, got %s", kindName(n))
		return expanded{}, false
	}
	e, err := expandEnv(n.Value, p.lookup)
	if err != nil {
		p.add(n, field, "%v", err)
		return expanded{}, false
	}
	return e, true
}

func (p *parser) str(n *yaml.Node, field string) (string, bool) {
	e, ok := p.scalar(n, field)
	return e.value, ok
}

func (p *parser) boolean(n *yaml.Node, field string) (bool, bool) {
	s, ok := p.str(n, field)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	p.add(n, field, "expected true or false, got %q", s)
	return false, false
}

// secrets reads a secret or a list of secrets. Each must be non-empty and
// must not come from a ${VAR:-default}: a default secret is one that is
// published in the file, which is no secret.
func (p *parser) secrets(n *yaml.Node, field string) []Secret {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			p.add(n, field, "empty list; give at least one value")
			return nil
		}
	}
	var out []Secret
	for _, it := range items {
		it = deref(it)
		if s, ok := p.unsetSecret(it); ok {
			out = append(out, s)
			continue
		}
		e, ok := p.scalar(it, field)
		if !ok {
			continue
		}
		switch {
		case e.withDefault:
			p.add(it, field, "a secret may not use a ${VAR:-default}: set the variable instead")
		case strings.TrimSpace(e.value) == "":
			p.add(it, field, "empty secret")
		default:
			s := Secret{v: e.value}
			if e.referenced {
				s.ref = it.Value
			}
			out = append(out, s)
		}
	}
	return out
}

// unsetSecret returns the placeholder of a secret whose variable is unset
// or empty, when the loader allows them. A default, a bad name or an
// unterminated ${ are still reported by the normal path.
func (p *parser) unsetSecret(n *yaml.Node) (Secret, bool) {
	if !p.allowUnset || n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.Contains(n.Value, ":-") {
		return Secret{}, false
	}
	e, err := expandEnv(n.Value, p.lookup)
	var unset *unsetVarError
	if errors.As(err, &unset) || (err == nil && e.referenced && strings.TrimSpace(e.value) == "") {
		return Secret{ref: n.Value, unset: true}, true
	}
	return Secret{}, false
}
