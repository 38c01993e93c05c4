package mappings

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRuleInspection(t *testing.T) {
	s := loadOne(t, `sources:
  s:
    provider: generic
    insecure: true
    lead:
      name: {template: 'Hi {{a}}'}
      email: e
      partner:
        key: [k, {value: ' house '}]
      cfields:
        "1": plain.path
        "2": {path: p, map: {a: x, b: y, c: x}, default: z}
        "3": {path: q, map: {a: x}}
        "4": {path: r, default: d}
        "5": {value: radio1}
`)
	require.Equal(t, [2]int{2, 3}, [2]int{s.Line, s.Col}, "the source records where its name is")
	type want struct {
		kind, path, literal string
		fallbacks           int
		mapping             map[string]string
		def                 string
		hasDef              bool
		mapValues           []string
	}
	cf := map[string]*Rule{}
	for _, c := range s.Lead.CFields {
		cf[c.ID] = c.Rule
	}
	tests := []struct {
		name string
		rule *Rule
		want want
	}{
		{"template", s.Lead.Name, want{kind: RuleKindTemplate}},
		{"path", s.Lead.Email, want{kind: RuleKindPath, path: "e"}},
		{"list", s.Lead.Partner.Key, want{kind: RuleKindList, fallbacks: 2}},
		{"list item value", s.Lead.Partner.Key.Fallbacks()[1], want{kind: RuleKindValue, literal: "house"}},
		{"cfield path", cf["1"], want{kind: RuleKindPath, path: "plain.path"}},
		{"map with default", cf["2"], want{kind: RuleKindMap, path: "p", mapping: map[string]string{"a": "x", "b": "y", "c": "x"},
			def: "z", hasDef: true, mapValues: []string{"x", "y", "z"}}},
		{"map without default", cf["3"], want{kind: RuleKindMap, path: "q", mapping: map[string]string{"a": "x"}, mapValues: []string{"x"}}},
		{"default without map", cf["4"], want{kind: RuleKindMap, path: "r", def: "d", hasDef: true, mapValues: []string{"d"}}},
		{"value", cf["5"], want{kind: RuleKindValue, literal: "radio1"}},
		{"nil", nil, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rule
			require.Equal(t, tt.want.kind, r.Kind())
			require.Equal(t, tt.want.path, r.Path())
			require.Equal(t, tt.want.literal, r.Literal())
			require.Len(t, r.Fallbacks(), tt.want.fallbacks)
			require.Equal(t, tt.want.mapping, r.Map())
			def, ok := r.Default()
			require.Equal(t, tt.want.def, def)
			require.Equal(t, tt.want.hasDef, ok)
			if tt.want.mapValues == nil {
				require.Nil(t, r.MapValues())
			} else {
				require.Equal(t, tt.want.mapValues, r.MapValues())
			}
		})
	}

	// The accessors hand out copies: changing them does not change the rule.
	m := cf["2"].Map()
	m["a"] = "changed"
	require.Equal(t, "x", cf["2"].Map()["a"])
	fb := s.Lead.Partner.Key.Fallbacks()
	fb[0] = nil
	require.NotNil(t, s.Lead.Partner.Key.Fallbacks()[0])
}
