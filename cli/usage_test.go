package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUsagePrintedOnce: -h prints the flags once on stdout and exits 0; a
// bad flag prints the error, then the flags once on stderr, and exits 2.
func TestUsagePrintedOnce(t *testing.T) {
	for _, cmd := range []string{"serve", "check", "try"} {
		r := run(t, nil, "", cmd, "-h")
		require.Equal(t, 0, r.code, cmd)
		require.Equal(t, 1, strings.Count(r.out, "Usage: leadbridge "+cmd), "%s -h:\n%s", cmd, r.out)
		require.Empty(t, r.err, cmd)

		r = run(t, nil, "", cmd, "--nope")
		require.Equal(t, 2, r.code, cmd)
		require.Equal(t, 1, strings.Count(r.err, "Usage: leadbridge "+cmd), "%s --nope:\n%s", cmd, r.err)
		require.True(t, strings.HasPrefix(r.err, "leadbridge "+cmd+": flag provided but not defined: -nope\n"), "%s --nope:\n%s", cmd, r.err)
	}
}

// TestHelp: the command list on stdout, exit 0, however help is asked for.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}} {
		r := run(t, nil, "", args...)
		require.Equal(t, 0, r.code, args)
		require.Empty(t, r.err, args)
		require.Contains(t, r.out, "Commands:", args)
		for name := range commands() {
			require.Contains(t, r.out, "\n  "+name+" ", "%v lists %s", args, name)
		}
	}
}

// TestServeHelpListsEnvironment: the settings read only from the
// environment are in serve's usage, not only in the README.
func TestServeHelpListsEnvironment(t *testing.T) {
	r := run(t, nil, "", "serve", "--help")
	require.Equal(t, 0, r.code)
	for _, env := range []string{"PARTNERO_API_KEY", "PARTNERO_BASE_URL", "LEADBRIDGE_ADMIN_TOKEN", "LEADBRIDGE_MAPPINGS", "LEADBRIDGE_DB"} {
		require.Contains(t, r.out, env)
	}
}

// TestCommonFlagsEverywhere: every command accepts --mappings and --db,
// so that one alias or env file serves every command.
func TestCommonFlagsEverywhere(t *testing.T) {
	for name := range commands() {
		r := run(t, nil, "", name, "--mappings", "m.yaml", "--db", "x.db", "-h")
		require.Equal(t, 0, r.code, "%s: %s", name, r.err)
		require.Contains(t, r.out, "--mappings [$LEADBRIDGE_MAPPINGS]", name)
		require.Contains(t, r.out, "--db [$LEADBRIDGE_DB]", name)
	}
}
