package cli

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/partnero"
)

// Severities of a check --online finding. Errors fail the check (exit 1),
// warnings are printed and leave it passing, notes say what could not be
// checked statically.
const (
	sevError   = "error"
	sevWarning = "warning"
	sevNote    = "note"
)

// finding is one check --online message, located like a load problem.
type finding struct {
	file      string
	line, col int
	severity  string
	source    string
	field     string // e.g. lead.cfields.92; "" for the whole source
	msg       string
}

func (f finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s: source %q: ", f.file, f.line, f.col, f.severity, f.source)
	if f.field != "" {
		b.WriteString(f.field + ": ")
	}
	b.WriteString(f.msg)
	return b.String()
}

// formFetcher fetches a lead form once per API key.
type formFetcher struct {
	client *partnero.Client
	forms  map[string]fetchedForm
}

type fetchedForm struct {
	form partnero.LeadForm
	err  error
}

func (f *formFetcher) get(ctx context.Context, key string) (partnero.LeadForm, error) {
	if r, ok := f.forms[key]; ok {
		return r.form, r.err
	}
	form, err := f.client.LeadForm(ctx, key)
	f.forms[key] = fetchedForm{form, err}
	return form, err
}

// checkOnline checks every source's cfields against the lead form of the
// program it delivers to (its partnero.api_key, else PARTNERO_API_KEY). It
// prints the findings sorted by position and returns the exit code.
func checkOnline(ctx context.Context, cfg *mappings.Config, o IO) (summary string, code int) {
	defaultKey := strings.TrimSpace(o.getenv("PARTNERO_API_KEY"))
	names := sourceNames(cfg)
	if defaultKey == "" && !slices.ContainsFunc(names, func(n string) bool { return !cfg.Sources[n].APIKey.IsZero() }) {
		fmt.Fprintln(o.Err, "leadbridge check: --online needs PARTNERO_API_KEY (or partnero.api_key on a source) to fetch the lead form")
		return "", exitUsage
	}
	fetch := &formFetcher{client: newPartnero(o), forms: map[string]fetchedForm{}}
	var all []finding
	checked := 0
	for _, name := range names {
		src := cfg.Sources[name]
		at := finding{file: src.File, line: src.Line, col: src.Col, source: name}
		key, keyFrom := src.APIKey.Reveal(), "partnero.api_key"
		if key == "" {
			key, keyFrom = defaultKey, "PARTNERO_API_KEY"
		}
		if key == "" {
			all = append(all, at.with(sevWarning, "", "not checked online: no Partnero API key (PARTNERO_API_KEY is not set and the source has no partnero.api_key)"))
			continue
		}
		form, err := fetch.get(ctx, key)
		if err != nil {
			all = append(all, at.with(sevError, "", "cannot fetch the lead form: "+formError(err, keyFrom)))
			continue
		}
		checked++
		all = append(all, checkSourceFields(src, form)...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.file != b.file {
			return a.file < b.file
		}
		if a.line != b.line {
			return a.line < b.line
		}
		return a.col < b.col
	})
	count := map[string]int{}
	for _, f := range all {
		fmt.Fprintln(o.Err, f.String())
		count[f.severity]++
	}
	summary = fmt.Sprintf("online: %d of %d source%s checked against %d lead form%s: %d error%s, %d warning%s, %d note%s",
		checked, len(names), plural(len(names)), len(fetch.forms), plural(len(fetch.forms)),
		count[sevError], plural(count[sevError]), count[sevWarning], plural(count[sevWarning]), count[sevNote], plural(count[sevNote]))
	if count[sevError] > 0 {
		fmt.Fprintln(o.Err, summary)
		return "", exitFailed
	}
	return summary, exitOK
}

func (f finding) with(severity, field, msg string) finding {
	f.severity, f.field, f.msg = severity, field, msg
	return f
}

// checkSourceFields compares one source's cfields with its program's form.
func checkSourceFields(src *mappings.Source, form partnero.LeadForm) []finding {
	var out []finding
	at := finding{file: src.File, line: src.Line, col: src.Col, source: src.Name}
	if !form.LeadsEnabled {
		out = append(out, at.with(sevWarning, "", "the Partnero program does not accept leads (leads_enabled is false): enable leads in its settings"))
	}
	byID := map[string]partnero.FormField{}
	var ids []string
	for _, f := range form.Fields {
		id := strconv.Itoa(f.ID)
		byID[id] = f
		if f.Type != "text" {
			ids = append(ids, id)
		}
	}
	filled := map[string]bool{}
	for _, cf := range src.Lead.CFields {
		filled[cf.ID] = true
		fat := finding{file: src.File, line: cf.Line, col: cf.Col, source: src.Name, field: "lead.cfields." + cf.ID}
		f, ok := byID[cf.ID]
		switch {
		case !ok:
			known := "the form has no custom fields"
			if len(ids) > 0 {
				known = "its fields: " + strings.Join(ids, ", ")
			}
			out = append(out, fat.with(sevError, fat.field, fmt.Sprintf("no field %s on the program's lead form (%s; `leadbridge fields` lists them)", cf.ID, known)))
		case f.Type == "text":
			out = append(out, fat.with(sevError, fat.field, fmt.Sprintf("field %s is a text block (%s), not a field Partnero fills: remove it", cf.ID, excerpt(f.Text, 40))))
		default:
			out = append(out, checkRule(fat, cf.Rule, f)...)
		}
	}
	for _, f := range form.Fields {
		id := strconv.Itoa(f.ID)
		if f.Required && f.Type != "text" && !filled[id] {
			out = append(out, at.with(sevWarning, "lead.cfields", fmt.Sprintf(
				"required field %s %q (%s) is filled by no rule: Partnero may reject these leads; add \"%s\" under cfields", id, collapseSpace(f.Title), f.Type, id)))
		}
	}
	return out
}

// checkRule looks at what a cfield rule can yield without a payload.
func checkRule(at finding, r *mappings.Rule, f partnero.FormField) []finding {
	var out []finding
	name := fmt.Sprintf("%s field %d %q", f.Type, f.ID, collapseSpace(f.Title))
	hasOptions := f.Type == "checkbox" || f.Type == "radio" || f.Type == "select"
	options := joinOptions(f.Options)
	// rules are the alternatives the rule may take its value from: the
	// rule itself, or each fallback of a list.
	rules := []*mappings.Rule{r}
	if r.Kind() == mappings.RuleKindList {
		rules = r.Fallbacks()
	}
	var paths []string
	for i, sub := range rules {
		which := ""
		if len(rules) > 1 {
			which = fmt.Sprintf("fallback %d: ", i+1)
		}
		switch sub.Kind() {
		case mappings.RuleKindValue:
			if f.Type == "checkbox" {
				out = append(out, at.with(sevWarning, at.field, fmt.Sprintf("%s%s takes a list, but {value: %q} is a single value; give the path of a list", which, name, sub.Literal())))
			}
			if hasOptions && len(f.Options) > 0 && !slices.Contains(f.Options, sub.Literal()) {
				out = append(out, at.with(sevWarning, at.field, fmt.Sprintf("%s{value: %q} is not an option of %s (options: %s)%s", which, sub.Literal(), name, options, didYouMean(sub.Literal(), f.Options))))
			}
		case mappings.RuleKindTemplate:
			if f.Type == "checkbox" {
				out = append(out, at.with(sevWarning, at.field, fmt.Sprintf("%s%s takes a list, but a {template} always gives a single value; give the path of a list", which, name)))
			}
			if hasOptions && len(f.Options) > 0 {
				out = append(out, at.with(sevWarning, at.field, fmt.Sprintf("%sa {template} gives free text, which is rarely one of the options of %s (%s); translate with {path: ..., map: {<label>: <option>}}", which, name, options)))
			}
		case mappings.RuleKindMap:
			if !hasOptions || len(f.Options) == 0 {
				continue
			}
			m := sub.Map()
			froms := make([]string, 0, len(m))
			for from := range m {
				froms = append(froms, from)
			}
			sort.Strings(froms)
			for _, from := range froms {
				if to := m[from]; !slices.Contains(f.Options, to) {
					out = append(out, at.with(sevWarning, at.field, fmt.Sprintf("%smap: %q -> %q, which is not an option of %s (options: %s)%s", which, from, to, name, options, didYouMean(to, f.Options))))
				}
			}
			if def, ok := sub.Default(); ok {
				if !slices.Contains(f.Options, def) {
					out = append(out, at.with(sevWarning, at.field, fmt.Sprintf("%sdefault: %q is not an option of %s (options: %s)%s", which, def, name, options, didYouMean(def, f.Options))))
				}
			} else {
				out = append(out, at.with(sevNote, at.field, fmt.Sprintf("%svalues of %s that map does not list pass through unchanged and may not be options of %s (%s); a default: catches them", which, sub.Path(), name, options)))
			}
		case mappings.RuleKindPath:
			paths = append(paths, sub.Path())
		}
	}
	if len(paths) > 0 && hasOptions {
		what := "which values it gives"
		if f.Type == "checkbox" {
			what = "whether it gives a list, and of which values"
		}
		out = append(out, at.with(sevNote, at.field, fmt.Sprintf("%s feeds %s: only a payload shows %s (run `leadbridge try`); options: %s; {path: ..., map: {<label>: <option>}} translates labels",
			quoteList(paths), name, what, options)))
	}
	return out
}

// didYouMean suggests an option that differs from s only in case or
// surrounding space.
func didYouMean(s string, options []string) string {
	for _, o := range options {
		if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(o)) {
			return fmt.Sprintf("; did you mean %q?", o)
		}
	}
	return ""
}

func quoteList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = strconv.Quote(p)
	}
	if len(q) == 1 {
		return "path " + q[0]
	}
	return "paths " + strings.Join(q, ", ")
}
