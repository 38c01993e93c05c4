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
	online := fs.Bool("online", false, "also check each source's cfields against its Partnero program's lead form (needs PARTNERO_API_KEY or partnero.api_key)")
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q (use --mappings PATH)", pos[0])
	}
	cfg, ok := loadMappings(fs.mappings, o)
	if !ok {
		return exitFailed
	}
	names := sourceNames(cfg)
	for _, n := range names {
		if cfg.Sources[n].Insecure {
			fmt.Fprintf(o.Err, "warning: source %q accepts unauthenticated requests (insecure: true)\n", n)
		}
	}
	summary := ""
	if *online {
		// OK is said only when everything checked is: never before the
		// online errors and an exit 1.
		var code int
		if summary, code = checkOnline(ctx, cfg, o); code != exitOK {
			return code
		}
	}
	fmt.Fprintf(o.Out, "%s: OK, %d source%s (%s)\n", fs.mappings, len(names), plural(len(names)), strings.Join(names, ", "))
	if summary != "" {
		fmt.Fprintln(o.Out, summary)
	}
	return exitOK
}

// loadMappings loads path and prints every problem as file:line:col.
func loadMappings(path string, o IO) (*mappings.Config, bool) {
	return loadWith(mappings.Loader{LookupEnv: o.lookupEnv()}, path, o)
}

// loadMappingsUnverified loads path for a command that checks no signature
// and sends nothing (try, replay, events, init): the sources' secret
// variables may be unset (product.md §2).
func loadMappingsUnverified(path string, o IO) (*mappings.Config, bool) {
	return loadWith(mappings.Loader{LookupEnv: o.lookupEnv(), AllowUnsetSecrets: true}, path, o)
}

func loadWith(l mappings.Loader, path string, o IO) (*mappings.Config, bool) {
	cfg, err := l.LoadPath(path)
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
