package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time (the Dockerfile and scripts/docker-build-check.sh do):
//
//	go build -trimpath -ldflags "-X github.com/leadbridge/leadbridge/cli.version=v1.2.3 -X github.com/leadbridge/leadbridge/cli.commit=$(git rev-parse --short HEAD)"
//
// Unstamped builds fall back to what the Go toolchain recorded (module
// version for `go install ...@v1.2.3`, VCS revision for a build in a clone).
var (
	version = "dev"
	commit  = "unknown"
)

func init() {
	if info, ok := debug.ReadBuildInfo(); ok {
		version, commit = stamp(version, commit, info)
	}
}

// stamp fills in an unstamped version or commit from the build info.
func stamp(v, c string, info *debug.BuildInfo) (string, string) {
	if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if c == "unknown" {
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			c = rev
			if modified == "true" {
				c += "-dirty"
			}
		}
	}
	return v, c
}

// Version returns the stamped version, for User-Agent headers.
func Version() string { return version }

func runVersion(_ context.Context, args []string, o IO) int {
	fs := newFlagSet("version", "version", o)
	pos, code, ok := fs.parseArgs(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	fmt.Fprintf(o.Out, "leadbridge %s (commit %s, %s)\n", version, commit, runtime.Version())
	return exitOK
}
