package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUsagePrintedOnce: -h prints the flags once and exits 0; a bad flag
// prints the error, then the flags once, and exits 2.
func TestUsagePrintedOnce(t *testing.T) {
	for _, cmd := range []string{"serve", "check", "try"} {
		r := run(t, nil, "", cmd, "-h")
		require.Equal(t, 0, r.code, cmd)
		require.Equal(t, 1, strings.Count(r.err, "Usage: leadbridge "+cmd), "%s -h:\n%s", cmd, r.err)

		r = run(t, nil, "", cmd, "--nope")
		require.Equal(t, 2, r.code, cmd)
		require.Equal(t, 1, strings.Count(r.err, "Usage: leadbridge "+cmd), "%s --nope:\n%s", cmd, r.err)
		require.True(t, strings.HasPrefix(r.err, "leadbridge "+cmd+": flag provided but not defined: -nope\n"), "%s --nope:\n%s", cmd, r.err)
	}
}
