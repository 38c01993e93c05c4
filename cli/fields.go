package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadbridge/leadbridge/partnero"
)

const fieldsUsage = "fields [--source NAME [--mappings PATH]]"

// partneroTimeout bounds one GET /leads/details: a person is waiting.
const partneroTimeout = 10 * time.Second

// newPartnero is the client fields and check --online use, configured from
// PARTNERO_BASE_URL like serve.
func newPartnero(o IO) *partnero.Client {
	return partnero.New(partnero.Config{
		BaseURL:   strings.TrimSpace(o.getenv("PARTNERO_BASE_URL")),
		Timeout:   partneroTimeout,
		UserAgent: "leadbridge/" + version,
	}, nil)
}

// formError explains a failed GET /leads/details in one line. keyFrom
// names where the key came from (never the key itself).
func formError(err error, keyFrom string) string {
	var api *partnero.APIError
	if errors.As(err, &api) {
		switch api.StatusCode {
		case 401, 403:
			return fmt.Sprintf("%v (Partnero rejected the key from %s)", err, keyFrom)
		case 404:
			return fmt.Sprintf("%v (is PARTNERO_BASE_URL right? it should end in /v1)", err)
		}
	}
	return err.Error()
}

// runFields prints the custom fields of a program's lead form and a
// cfields block to paste into a mapping file.
func runFields(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("fields", fieldsUsage, o)
	var source string
	fs.stringVar(&source, "source", "", "", "use the Partnero key this source delivers with: its partnero.api_key, else PARTNERO_API_KEY")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	key, keyFrom := strings.TrimSpace(o.getenv("PARTNERO_API_KEY")), "PARTNERO_API_KEY"
	if source != "" {
		cfg, ok := loadMappings(fs.mappings, o)
		if !ok {
			return exitFailed
		}
		src, ok := cfg.Sources[source]
		if !ok {
			return usageError(fs, "no source %q in %s (sources: %s)", source, fs.mappings, strings.Join(sourceNames(cfg), ", "))
		}
		if !src.APIKey.IsZero() {
			key, keyFrom = src.APIKey.Reveal(), fmt.Sprintf("partnero.api_key of source %q", source)
		}
	}
	if key == "" {
		if source != "" {
			return usageError(fs, "source %q has no partnero.api_key and PARTNERO_API_KEY is not set: no key to ask Partnero with", source)
		}
		return usageError(fs, "PARTNERO_API_KEY is not set: it is the program's API key (Partnero: Program > Integration > API); or use --source NAME for a source's partnero.api_key")
	}
	form, err := newPartnero(o).LeadForm(ctx, key)
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge fields: %s\n", formError(err, keyFrom))
		return exitFailed
	}
	if !form.LeadsEnabled {
		fmt.Fprintln(o.Err, "warning: the program does not accept leads (leads_enabled is false): enable leads in Partnero's program settings")
	}
	printFields(o.Out, form)
	return exitOK
}

// printFields writes the table and the cfields block.
func printFields(w io.Writer, form partnero.LeadForm) {
	fillable := 0
	for _, f := range form.Fields {
		if f.Type != "text" {
			fillable++
		}
	}
	fmt.Fprintf(w, "Lead form: %d custom field%s (%d to fill), besides name and email\n\n", len(form.Fields), plural(len(form.Fields)), fillable)
	if len(form.Fields) == 0 {
		fmt.Fprintln(w, "The form has no custom fields: a source needs no cfields.")
		return
	}
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tREQUIRED\tTITLE\tOPTIONS")
	for _, f := range form.Fields {
		req := ""
		if f.Required {
			req = "yes"
		}
		title := collapseSpace(f.Title)
		if f.Type == "text" {
			title = "(text block, not a field) " + excerpt(f.Text, 40)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.ID, f.Type, req, title, optionsText(f))
	}
	_ = tw.Flush()
	for _, line := range strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n") {
		// tabwriter pads the cell before an empty last one.
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}

	fmt.Fprint(w, "\n# Paste under a source's lead: (indented as in mappings.example.yaml), give\n"+
		"# each field a rule (a gjson path, {value: ...}, {path: ..., map: ...}) and\n"+
		"# delete the optional ones you do not fill. An empty rule is an error, so\n"+
		"# `leadbridge check` points at every line still to do; `check --online`\n"+
		"# then checks the rules against this form.\n")
	fmt.Fprintln(w, "      cfields:")
	for _, f := range form.Fields {
		id := strconv.Quote(strconv.Itoa(f.ID))
		if f.Type == "text" {
			fmt.Fprintf(w, "        # %s: a text block (%s), not a field: nothing to fill\n", id, excerpt(f.Text, 40))
			continue
		}
		fmt.Fprintf(w, "        %-7s # %s\n", id+":", fieldComment(f))
	}
}

// fieldComment describes a field for its cfields line.
func fieldComment(f partnero.FormField) string {
	var b strings.Builder
	title := collapseSpace(f.Title)
	if title == "" {
		title = "(no title)"
	}
	b.WriteString(title)
	b.WriteString(" (")
	b.WriteString(f.Type)
	if f.Required {
		b.WriteString(", required")
	}
	b.WriteString(")")
	switch f.Type {
	case "checkbox":
		b.WriteString(": a list of " + joinOptions(f.Options))
	case "radio", "select":
		b.WriteString(": one of " + joinOptions(f.Options))
	case "countries":
		// partnero-api.md §4.1: the value is probably an ISO code (inferred).
		b.WriteString(": a country code such as US")
	}
	return b.String()
}

func optionsText(f partnero.FormField) string {
	switch {
	case len(f.Options) > 0:
		return joinOptions(f.Options)
	case f.Type == "countries":
		return "(country code, e.g. US)"
	}
	return ""
}

// joinOptions lists options, quoting those that would read ambiguously.
func joinOptions(opts []string) string {
	if len(opts) == 0 {
		return "(no options listed)"
	}
	parts := make([]string, len(opts))
	for i, o := range opts {
		if o == "" || strings.ContainsAny(o, ",\"#\n\t") || strings.TrimSpace(o) != o {
			o = strconv.Quote(o)
		}
		parts[i] = o
	}
	return strings.Join(parts, ", ")
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// excerpt is a text block's HTML as short plain text, quoted.
func excerpt(html string, n int) string {
	s := collapseSpace(tagRe.ReplaceAllString(html, " "))
	for _, e := range [][2]string{{"&nbsp;", " "}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", `"`}, {"&#39;", "'"}} {
		s = strings.ReplaceAll(s, e[0], e[1])
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return strconv.Quote(s)
}

// collapseSpace collapses whitespace so a title fits a table cell or a comment.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
