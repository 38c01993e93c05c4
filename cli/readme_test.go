package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeProviderTryLines runs every `leadbridge try` line of the
// provider guide (docs/providers.md) with the variables its export line
// sets, as a reader would from the repository root: each must map its
// sample.
func TestReadmeProviderTryLines(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../docs/providers.md")
	require.NoError(t, err)
	section := string(raw)

	exports := regexp.MustCompile(`(?m)^export ((?:.*\\\n)*.*)$`).FindStringSubmatch(section)
	require.NotNil(t, exports, "the section sets the example's variables")
	env := map[string]string{}
	for _, kv := range strings.Fields(strings.ReplaceAll(exports[1], "\\", " ")) {
		k, v, ok := strings.Cut(kv, "=")
		require.True(t, ok, kv)
		env[k] = v
	}
	for k := range exampleEnv {
		require.Contains(t, env, k, "the export line must set every variable of mappings.example.yaml")
	}

	lines := regexp.MustCompile(`(?m)^leadbridge try (.*)$`).FindAllStringSubmatch(section, -1)
	require.Len(t, lines, 7, "one try line per provider")
	for _, l := range lines {
		args := strings.Fields(l[1])
		for i, a := range args {
			if strings.HasPrefix(a, "mappings") { // paths from the repository root
				args[i] = "../" + a
			}
		}
		r := run(t, env, "", append([]string{"try"}, args...)...)
		require.Equal(t, 0, r.code, "%s\n%s", l[0], r.err)
		require.Contains(t, r.out, `"key": "ref_123"`, l[0])
		require.Contains(t, r.err, "mapped", l[0])
	}
}
