package console

import (
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/leadbridge/leadbridge/providers"
)

// node is one value of the payload tree on the event page. Every node
// carries the gjson path that reaches it in the decoded document (what a
// mapping rule is written with) and, where the provider's view names it,
// the view's path and the question's title.
type node struct {
	Key      string // the key or [index] in its parent; "" for the root
	Path     string
	View     string
	Title    string
	Kind     string // object, array, string, number, bool, null
	Value    string // a scalar's text (strings unquoted), cut for display
	Children []*node
	Open     bool // shown unfolded
}

// maxTreeNodes bounds the tree of one page: a 1 MiB payload of tiny values
// would otherwise become a page of a hundred thousand elements. The raw
// payload is still shown in full beside it.
const maxTreeNodes = 5000

// maxValueLen cuts long strings in the tree (the raw payload has them whole).
const maxValueLen = 300

// payloadTree decodes a stored payload as the source's provider does and
// returns its tree. The provider view's own top-level keys are left out:
// each raw value names its view path instead. truncated is set when the
// tree stopped at maxTreeNodes.
func payloadTree(provider, contentType string, payload []byte) (root *node, truncated bool, err error) {
	doc, err := providers.Decode(provider, contentType, payload)
	if err != nil {
		return nil, false, err
	}
	plain, err := providers.Decode(providers.Generic, contentType, payload)
	if err != nil {
		return nil, false, err
	}
	s, base := string(doc), gjson.ParseBytes(plain)
	views := buildViewIndex(provider, s)
	b := treeBuilder{views: views, budget: maxTreeNodes}
	root = b.build("", "", gjson.Parse(s), 0, func(key string) bool {
		// A top-level key the provider added: its view, not the payload.
		return !base.Get(gjson.Escape(key)).Exists()
	})
	return root, b.budget < 0, nil
}

type treeBuilder struct {
	views  viewIndex
	budget int
}

func (b *treeBuilder) build(key, path string, v gjson.Result, depth int, skip func(string) bool) *node {
	b.budget--
	n := &node{Key: key, Path: path, Open: depth < 4}
	if ref := b.views.lookup(path); path != "" {
		n.View, n.Title = ref.Path, ref.Title
	}
	switch {
	case v.IsObject():
		n.Kind = "object"
		v.ForEach(func(k, cv gjson.Result) bool {
			if b.budget <= 0 {
				b.budget = -1
				return false
			}
			if depth == 0 && skip != nil && skip(k.Str) {
				return true
			}
			n.Children = append(n.Children, b.build(k.Str, child(path, k.Str), cv, depth+1, nil))
			return true
		})
	case v.IsArray():
		n.Kind = "array"
		i := 0
		v.ForEach(func(_, cv gjson.Result) bool {
			if b.budget <= 0 {
				b.budget = -1
				return false
			}
			idx := strconv.Itoa(i)
			p := idx
			if path != "" {
				p = path + "." + idx
			}
			n.Children = append(n.Children, b.build("["+idx+"]", p, cv, depth+1, nil))
			i++
			return true
		})
	default:
		n.Kind, n.Value = scalarKind(v), v.String()
		if v.Type != gjson.String {
			n.Value = v.Raw
		}
		n.Value = cut(n.Value, maxValueLen)
	}
	return n
}

func scalarKind(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "bool"
	}
	return "null"
}
