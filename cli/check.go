package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/leadbridge/leadbridge/mappings"
)

const defaultMappings = "mappings.yaml"

func runCheck(ctx context.Context, args []string, o IO) int {
	fs := newFlagSet("check", "check [--mappings PATH] [--online]", o)
	var path string
	fs.stringVar(&path, "mappings", "LEADBRIDGE_MAPPINGS", defaultMappings, "mapping file, or directory of *.yaml files")
	online := fs.Bool("online", false, "also check each source's cfields against its Partnero program's lead form (needs PARTNERO_API_KEY or partnero.api_key)")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q (use --mappings PATH)", pos[0])
	}
	cfg, ok := loadMappings(path, o)
	if !ok {
		return exitFailed
	}
	names := sourceNames(cfg)
	fmt.Fprintf(o.Out, "%s: OK, %d source%s (%s)\n", path, len(names), plural(len(names)), strings.Join(names, ", "))
	for _, n := range names {
		if cfg.Sources[n].Insecure {
			fmt.Fprintf(o.Err, "warning: source %q accepts unauthenticated requests (insecure: true)\n", n)
		}
	}
	if *online {
		return checkOnline(ctx, cfg, o)
	}
	return exitOK
}

// loadMappings loads path and prints every problem as file:line:col.
func loadMappings(path string, o IO) (*mappings.Config, bool) {
	cfg, err := mappings.Loader{LookupEnv: o.lookupEnv()}.LoadPath(path)
	if err != nil {
		var lerr *mappings.LoadError
		if errors.As(err, &lerr) {
			for _, p := range lerr.Problems {
				fmt.Fprintln(o.Err, p.String())
			}
			fmt.Fprintf(o.Err, "%d problem%s found\n", len(lerr.Problems), plural(len(lerr.Problems)))
		} else {
			fmt.Fprintf(o.Err, "leadbridge: %v\n", err)
		}
		return nil, false
	}
	return cfg, true
}

func sourceNames(cfg *mappings.Config) []string {
	names := make([]string, 0, len(cfg.Sources))
	for n := range cfg.Sources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
