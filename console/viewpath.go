package console

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/leadbridge/leadbridge/providers"
)

// viewRef is what a provider view (product.md §4) calls a raw value: the
// view's path and the question's title, when the provider has them.
type viewRef struct {
	Path  string // e.g. answers.email; "" when the value has no view path
	Title string // e.g. the Typeform question "Your work email?"
}

// viewIndex maps gjson paths of the decoded payload (as the tree writes
// them) to view references. Entries are prefixes: a value below one
// (e.g. the fields of a Typeform payment answer) gets the view path
// extended by the rest of its own path; the longest prefix wins.
type viewIndex map[string]viewRef

// lookup returns the view reference of a raw path.
func (x viewIndex) lookup(path string) viewRef {
	for p := path; ; {
		if ref, ok := x[p]; ok {
			if ref.Path != "" && p != path {
				ref.Path += path[len(p):]
			}
			return ref
		}
		i := lastDot(p)
		if i < 0 {
			return viewRef{}
		}
		p = p[:i]
	}
}

// lastDot is the index of the last unescaped '.' of a gjson path.
func lastDot(p string) int {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != '.' {
			continue
		}
		bs := 0
		for j := i - 1; j >= 0 && p[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 {
			return i
		}
	}
	return -1
}

// buildViewIndex reads, from the decoded document, which raw values each
// provider view exposes and under what name. It mirrors providers'
// views_*.go (the first entry of a name wins, as there).
func buildViewIndex(provider, doc string) viewIndex {
	x := viewIndex{}
	switch provider {
	case providers.Typeform:
		typeformIndex(x, doc)
	case providers.Tally:
		tallyIndex(x, doc)
	case providers.HubSpot:
		hubspotIndex(x, doc)
	case providers.Jotform:
		jotformIndex(x, doc)
	}
	return x
}

func child(parent, key string) string {
	if parent == "" {
		return gjson.Escape(key)
	}
	return parent + "." + gjson.Escape(key)
}

func typeformIndex(x viewIndex, doc string) {
	if !gjson.Get(doc, "answers").IsObject() {
		return // the view was not added (e.g. the payload has its own "answers")
	}
	titles := map[string]string{}
	gjson.Get(doc, "form_response.definition.fields").ForEach(func(_, f gjson.Result) bool {
		if t := f.Get("title").String(); t != "" {
			titles["id:"+f.Get("id").String()] = t
			titles["ref:"+f.Get("ref").String()] = t
		}
		return true
	})
	seen := map[string]bool{}
	i := -1
	gjson.Get(doc, "form_response.answers").ForEach(func(_, a gjson.Result) bool {
		i++
		base := fmt.Sprintf("form_response.answers.%d", i)
		ref := a.Get("field.ref").String()
		title := titles["id:"+a.Get("field.id").String()]
		if title == "" {
			title = titles["ref:"+ref]
		}
		x[base] = viewRef{Title: title}
		typ := a.Get("type").String()
		if ref == "" || typ == "" || seen[ref] {
			return true
		}
		seen[ref] = true
		view := child("answers", ref)
		switch typ {
		case "choice":
			x[base+".choice.label"] = viewRef{Path: view, Title: title}
			x[base+".choice.other"] = viewRef{Path: view, Title: title}
		case "choices":
			x[base+".choices.labels"] = viewRef{Path: view, Title: title}
			n := len(a.Get("choices.labels").Array())
			x[base+".choices.other"] = viewRef{Path: fmt.Sprintf("%s.%d", view, n), Title: title}
		default:
			x[child(base, typ)] = viewRef{Path: view, Title: title}
		}
		return true
	})
}

func tallyIndex(x viewIndex, doc string) {
	if !gjson.Get(doc, "fields").IsObject() {
		return
	}
	seen := map[string]bool{}
	i := -1
	gjson.Get(doc, "data.fields").ForEach(func(_, f gjson.Result) bool {
		i++
		base := fmt.Sprintf("data.fields.%d", i)
		label := f.Get("label").String()
		x[base] = viewRef{Title: label}
		typ, value := f.Get("type").String(), f.Get("value")
		if label == "" || seen[label] || (typ == "CHECKBOXES" && value.IsBool()) {
			return true
		}
		seen[label] = true
		view := child("fields", label)
		x[base+".value"] = viewRef{Path: view, Title: label}
		if (typ == "MULTIPLE_CHOICE" || typ == "DROPDOWN") && value.IsArray() {
			x[base+".value.0"] = viewRef{Path: view, Title: label} // one choice: a string in the view
		}
		return true
	})
}

func hubspotIndex(x viewIndex, doc string) {
	if !gjson.Get(doc, "props").IsObject() {
		return
	}
	gjson.Get(doc, "properties").ForEach(func(k, v gjson.Result) bool {
		if k.Str == "" {
			return true
		}
		raw, view := child("properties", k.Str), child("props", k.Str)
		if _, dup := x[raw]; dup {
			return true
		}
		if v.IsObject() {
			x[raw] = viewRef{Title: k.Str}
			x[raw+".value"] = viewRef{Path: view, Title: k.Str}
		} else {
			x[raw] = viewRef{Path: view, Title: k.Str}
		}
		return true
	})
}

func jotformIndex(x viewIndex, doc string) {
	if !gjson.Get(doc, "fields").IsObject() {
		return
	}
	seen := map[string]bool{}
	gjson.Get(doc, "rawRequest").ForEach(func(k, _ gjson.Result) bool {
		name, ok := jotformName(k.Str)
		if ok && !seen[name] {
			seen[name] = true
			x[child("rawRequest", k.Str)] = viewRef{Path: child("fields", name), Title: name}
		}
		return true
	})
}

// jotformName strips the q<digits>_ prefix of a Jotform field key, as the
// view does.
func jotformName(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "q")
	if !ok {
		return "", false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i >= len(rest)-1 || rest[i] != '_' {
		return "", false
	}
	return rest[i+1:], true
}
