package mappings

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files and the want lines of invalid fixtures")

// fixtureEnv is the environment every fixture is loaded with.
func fixtureEnv(k string) (string, bool) {
	v, ok := map[string]string{"SET": "s3cr3t-value", "EMPTY": ""}[k]
	return v, ok
}

const wantPrefix = "# want: "

// TestInvalidFixtures loads every file under testdata/invalid and compares
// the problems with the file's "# want: line:col: message" lines (kept at
// the end of the file so that they do not move the lines they describe).
func TestInvalidFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			var body []string
			var want []string
			for _, line := range strings.SplitAfter(string(data), "\n") {
				if strings.HasPrefix(line, wantPrefix) {
					want = append(want, strings.TrimSpace(strings.TrimPrefix(line, wantPrefix)))
				} else if line != "" {
					body = append(body, line)
				}
			}
			_, err = Loader{LookupEnv: fixtureEnv}.Load(f, data)
			var lerr *LoadError
			require.True(t, errors.As(err, &lerr), "fixture %s must fail to load, got %v", f, err)
			var got []string
			for _, p := range lerr.Problems {
				require.Equal(t, f, p.File)
				got = append(got, strings.TrimPrefix(p.String(), f+":"))
			}
			if *update {
				out := strings.Join(body, "")
				for _, g := range got {
					out += wantPrefix + g + "\n"
				}
				require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
				return
			}
			require.NotEmpty(t, want, "fixture has no %q lines; run go test ./mappings -run TestInvalidFixtures -update and review them", wantPrefix)
			require.Equal(t, want, got)
			require.NotContains(t, err.Error(), "s3cr3t-value", "a load error must never contain a secret")
		})
	}
}
