package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/leadbridge/leadbridge/mappings"
	"github.com/leadbridge/leadbridge/providers"
)

const tryUsage = "try --source NAME [--strict] [--mappings PATH] [--content-type TYPE] PAYLOAD|-"

// runTry runs one payload through a source's decoding and mapping and
// prints the Partnero request body(ies) it would send. It sends nothing.
func runTry(_ context.Context, args []string, o IO) int {
	fs := newFlagSet("try", tryUsage, o)
	var source, contentType string
	fs.stringVar(&source, "source", "", "", "the source to try (its name under sources:)")
	fs.stringVar(&contentType, "content-type", "", "", "the payload's Content-Type (default: detect JSON or form-urlencoded)")
	strict := fs.Bool("strict", false, "exit 1 also when the lead is ignored or any rule comes out empty (for CI checks of a mapping)")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if source == "" {
		return usageError(fs, "--source is required")
	}
	if len(pos) != 1 {
		return usageError(fs, "give exactly one payload file, or - for stdin")
	}
	raw, err := readPayload(pos[0], o.In)
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge try: %v\n", err)
		return exitUsage
	}
	src, code := unverifiedSource(fs, source)
	if src == nil {
		return code
	}
	doc, err := decodePayload(src.Provider, contentType, raw)
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge try: payload: %v\n", err)
		return exitFailed
	}
	items, notes := src.Explain(raw, string(doc))
	exit := reportTry(o, src, items, notes)
	if *strict && exit == exitOK {
		if gaps := strictGaps(src, items); len(gaps) > 0 {
			fmt.Fprintln(o.Err, "--strict: failing because:")
			for _, g := range gaps {
				fmt.Fprintf(o.Err, "  - %s\n", g)
			}
			return exitFailed
		}
	}
	return exit
}

// strictGaps lists what --strict refuses: an ignored lead, and every
// configured rule that came out empty (a cfield left out, a partner
// identifier not found).
func strictGaps(src *mappings.Source, items []mappings.Item) []string {
	var gaps []string
	for _, it := range items {
		prefix := "lead"
		if src.Each != "" {
			prefix = fmt.Sprintf("element %d", it.Index)
		}
		switch it.Outcome {
		case mappings.Ignored:
			gaps = append(gaps, fmt.Sprintf("%s: ignored (%s)", prefix, it.Reason))
		case mappings.Mapped:
			for _, f := range emptyRules(src, it.Lead) {
				gaps = append(gaps, fmt.Sprintf("%s: %s came out empty", prefix, f))
			}
		}
	}
	return gaps
}

// emptyRules names the configured rules of src that gave nothing in lead.
func emptyRules(src *mappings.Source, lead mappings.Lead) []string {
	var out []string
	p := src.Lead.Partner
	for _, r := range []struct {
		name  string
		set   bool
		value string
	}{{"partner.key", p.Key != nil, lead.Partner.Key}, {"partner.id", p.ID != nil, lead.Partner.ID}, {"partner.email", p.Email != nil, lead.Partner.Email}} {
		if r.set && r.value == "" {
			out = append(out, r.name)
		}
	}
	got := map[string]bool{}
	for _, cf := range lead.CFields {
		got[cf.ID] = true
	}
	for _, cf := range src.Lead.CFields {
		if !got[cf.ID] {
			out = append(out, "cfields."+cf.ID)
		}
	}
	return out
}

// unverifiedSource loads the mappings as a command that checks no
// signature does (secret variables may be unset) and returns the named
// source; nil and the exit code when the files are invalid or the source
// is not in them (the problem printed).
func unverifiedSource(fs *flagSet, name string) (*mappings.Source, int) {
	cfg, ok := loadMappingsUnverified(fs.mappings, fs.o)
	if !ok {
		return nil, exitFailed
	}
	src, ok := cfg.Sources[name]
	if !ok {
		fmt.Fprintf(fs.o.Err, "leadbridge %s: no source %q in %s (sources: %s)\n", fs.Name(), name, fs.mappings, strings.Join(sourceNames(cfg), ", "))
		return nil, exitUsage
	}
	return src, exitOK
}

func readPayload(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read payload: %w", err)
	}
	return b, nil
}

// decodePayload turns the raw payload into the document the mapping runs
// on, exactly as serve does: the content type (detected as JSON or
// form-urlencoded when not given; a multipart file names its boundary in
// its first line) and the provider's views.
func decodePayload(provider, contentType string, raw []byte) ([]byte, error) {
	if contentType == "" {
		contentType = detectMultipart(raw)
	}
	return providers.Decode(provider, contentType, raw)
}

// detectMultipart recognises a saved multipart body ("--boundary" on its
// first line) so that `try payload.multipart` works without --content-type.
func detectMultipart(raw []byte) string {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if len(line) > 2 && bytes.HasPrefix(line, []byte("--")) && !bytes.ContainsAny(line, " \t") {
		return "multipart/form-data; boundary=" + string(line[2:])
	}
	return ""
}

// reportTry prints bodies on stdout (so `try ... > body.json` works) and
// everything else on stderr. Exit 1 when any lead failed mapping.
func reportTry(o IO, src *mappings.Source, items []mappings.Item, notes []mappings.Note) int {
	if mappings.WriteTry(o.Out, o.Err, src, items, notes) {
		return exitFailed
	}
	return exitOK
}
