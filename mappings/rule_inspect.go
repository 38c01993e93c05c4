package mappings

import (
	"maps"
	"slices"
)

// Rule kinds, as Rule.Kind reports them.
const (
	RuleKindPath     = "path"     // a gjson path
	RuleKindList     = "list"     // fallbacks: the first non-empty wins
	RuleKindValue    = "value"    // {value: ...}: a constant
	RuleKindTemplate = "template" // {template: ...}: always one string
	RuleKindMap      = "map"      // {path, map, default}: a translated path
)

// Kind names the rule's form: RuleKindPath, RuleKindList, RuleKindValue,
// RuleKindTemplate or RuleKindMap. Tools that check a mapping statically
// (`check --online`) use it to tell a constant or a template, which always
// give one string, from a path, whose shape only a payload tells.
func (r *Rule) Kind() string {
	if r == nil {
		return ""
	}
	switch r.kind {
	case rulePath:
		return RuleKindPath
	case ruleList:
		return RuleKindList
	case ruleValue:
		return RuleKindValue
	case ruleTemplate:
		return RuleKindTemplate
	case ruleMap:
		return RuleKindMap
	}
	return ""
}

// Path returns the gjson path of a path or map rule, "" for other kinds.
func (r *Rule) Path() string {
	if r == nil || (r.kind != rulePath && r.kind != ruleMap) {
		return ""
	}
	return r.path
}

// Literal returns the constant of a value rule (trimmed, as it is sent),
// "" for other kinds.
func (r *Rule) Literal() string {
	if r == nil || r.kind != ruleValue {
		return ""
	}
	return r.value
}

// Fallbacks returns the rules of a list rule in the order they are tried,
// nil for other kinds. The slice is a copy; the rules are shared.
func (r *Rule) Fallbacks() []*Rule {
	if r == nil || r.kind != ruleList {
		return nil
	}
	return slices.Clone(r.list)
}

// Map returns a copy of a map rule's translations (from → to), nil for
// other kinds and for a map rule written without `map:`.
func (r *Rule) Map() map[string]string {
	if r == nil || r.kind != ruleMap {
		return nil
	}
	return maps.Clone(r.mapping)
}

// Default returns a map rule's default and whether it has one.
func (r *Rule) Default() (string, bool) {
	if r == nil || r.kind != ruleMap {
		return "", false
	}
	return r.def, r.hasDefault
}

// MapValues returns what a map rule can translate a listed value to: the
// targets of its map and its default, sorted, without duplicates. A value
// not in the map passes through unchanged when there is no default, which
// MapValues cannot list. Nil for other kinds.
func (r *Rule) MapValues() []string {
	if r == nil || r.kind != ruleMap {
		return nil
	}
	out := make([]string, 0, len(r.mapping)+1)
	for _, to := range r.mapping {
		out = append(out, to)
	}
	if r.hasDefault {
		out = append(out, r.def)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
