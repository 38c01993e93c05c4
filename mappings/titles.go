package mappings

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/tidwall/gjson"
)

// questionTitles are Typeform's question titles by field ref (or id), read
// from the payload's own form definition (form_response.definition.fields).
// Hints name them beside the refs, which are often generated ids: a user
// looking for "Company" cannot tell which of five UUIDs it is. A nil
// questionTitles adds nothing.
type questionTitles map[string]string

// titlesFor returns the titles when a hint lists Typeform refs: the keys of
// the answers view (ctxName "answers"), or the values of a query on the
// answers list by field.ref or field.id. nil otherwise.
func titlesFor(doc, ctxName, queryKey string) questionTitles {
	var by string
	switch {
	case ctxName == "answers" && queryKey == "":
		by = "ref"
	case strings.HasSuffix(ctxName, "answers") && (queryKey == "field.ref" || queryKey == "field.id"):
		by = strings.TrimPrefix(queryKey, "field.")
	default:
		return nil
	}
	var t questionTitles
	gjson.Get(doc, "form_response.definition.fields").ForEach(func(_, f gjson.Result) bool {
		k, title := f.Get(by).String(), strings.Join(strings.Fields(f.Get("title").String()), " ")
		if k != "" && title != "" {
			if t == nil {
				t = questionTitles{}
			}
			t[k] = truncate(title, 60)
		}
		return true
	})
	return t
}

// list names each ref with its title: abc-123 ("Company name").
func (t questionTitles) list(refs []string) []string {
	if len(t) == 0 {
		return refs
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r
		if title, ok := t[r]; ok {
			out[i] += fmt.Sprintf(" (%q)", title)
		}
	}
	return out
}

// quote quotes a suggested ref, with its title when it has one.
func (t questionTitles) quote(ref string) string {
	if title, ok := t[ref]; ok {
		return fmt.Sprintf("%q (%q)", ref, title)
	}
	return fmt.Sprintf("%q", ref)
}

// guess finds the ref a path names by its question instead of its ref:
// answers.company for the question "Company", answers.company_size for
// "Company size". The title whose words are want's wins; else the one
// title that contains all of want's words; else a title within typo
// distance. "" when none or several fit.
func (t questionTitles) guess(want string, refs []string) string {
	ww := titleWords(want)
	if len(t) == 0 || len(ww) == 0 {
		return ""
	}
	var contains []string
	var compacts []string
	byCompact := map[string]string{}
	for _, r := range refs {
		title, ok := t[r]
		if !ok {
			continue
		}
		tw := titleWords(title)
		if strings.Join(tw, " ") == strings.Join(ww, " ") {
			return r
		}
		if containsAll(tw, ww) {
			contains = append(contains, r)
		}
		c := strings.Join(tw, "")
		if _, dup := byCompact[c]; !dup {
			byCompact[c] = r
			compacts = append(compacts, c)
		}
	}
	if len(contains) == 1 {
		return contains[0]
	}
	if len(contains) > 1 {
		return ""
	}
	if c := closest(strings.Join(ww, ""), compacts); c != "" {
		return byCompact[c]
	}
	return ""
}

// titleWords are the lower-case words of a title or of a path key written
// after it: "Company name?", "company_name" and "companyName" agree.
func titleWords(s string) []string {
	var out []string
	var cur []rune
	var prev rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
		} else {
			if unicode.IsUpper(r) && unicode.IsLower(prev) {
				flush()
			}
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return out
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
