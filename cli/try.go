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

const tryUsage = "try --source NAME [--mappings PATH] [--content-type TYPE] PAYLOAD|-"

// runTry runs one payload through a source's decoding and mapping and
// prints the Partnero request body(ies) it would send. It sends nothing.
func runTry(_ context.Context, args []string, o IO) int {
	fs := newFlagSet("try", tryUsage, o)
	var path, source, contentType string
	fs.stringVar(&path, "mappings", "LEADBRIDGE_MAPPINGS", defaultMappings, "mapping file, or directory of *.yaml files")
	fs.stringVar(&source, "source", "", "", "the source to try (its name under sources:)")
	fs.stringVar(&contentType, "content-type", "", "", "the payload's Content-Type (default: detect JSON or form-urlencoded)")
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
	cfg, ok := loadMappings(path, o)
	if !ok {
		return exitFailed
	}
	src, ok := cfg.Sources[source]
	if !ok {
		fmt.Fprintf(o.Err, "leadbridge try: no source %q in %s (sources: %s)\n", source, path, strings.Join(sourceNames(cfg), ", "))
		return exitUsage
	}
	doc, err := decodePayload(src.Provider, contentType, raw)
	if err != nil {
		fmt.Fprintf(o.Err, "leadbridge try: payload: %v\n", err)
		return exitFailed
	}
	items, notes := src.Explain(raw, string(doc))
	return reportTry(o, src, items, notes)
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
