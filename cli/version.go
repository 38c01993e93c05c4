package cli

import (
	"context"
	"fmt"
	"runtime"
)

// Set at build time with -ldflags "-X github.com/leadbridge/leadbridge/cli.version=v1.2.3 -X ...cli.commit=abc123".
var (
	version = "dev"
	commit  = "unknown"
)

// Version returns the stamped version, for User-Agent headers.
func Version() string { return version }

func runVersion(_ context.Context, _ []string, o IO) int {
	fmt.Fprintf(o.Out, "leadbridge %s (commit %s, %s)\n", version, commit, runtime.Version())
	return exitOK
}
